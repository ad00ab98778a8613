//! The settlement calls of contract §6 (the Dominican radicación): list and read batches, open one for a sponsor
//! and period, read the claims still waiting for a batch, attach some, and submit the batch with its invoice.

use reqwest::Method;

use super::OsiguClient;
use super::api::segment;
use super::send::Call;
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::{
    AttachAuthorizationsRequest, CompleteSettlementRequest, Id, OpenSettlementRequest, Page, PendingAuthorization,
    Settlement,
};

const SETTLEMENTS: &str = "/v3/settlements";

/// Rows asked for per page (the contract's largest page).
const PAGE: u32 = 200;

/// Most rows read from a paged list: far beyond a month of one pharmacy's claims, and a bound on what a broken
/// server that pages forever can make the counter read.
const MAX_ROWS: usize = 10_000;

impl OsiguClient {
    /// `GET /v3/settlements?sponsor_slug=&period=`, every page (at most [`MAX_ROWS`]), newest first.
    pub async fn settlements(
        &self,
        sponsor_slug: Option<&str>,
        period: Option<&str>,
    ) -> Result<Vec<Settlement>, ClientError> {
        let mut filters = Vec::new();
        if let Some(slug) = sponsor_slug {
            filters.push(("sponsor_slug", slug.to_owned()));
        }
        if let Some(period) = period {
            filters.push(("period", period.to_owned()));
        }
        self.every_page(SETTLEMENTS, &filters).await
    }

    /// `GET /v3/settlements/{id}`: one batch with each claim and, once decided, the sponsor's answer for it.
    pub async fn settlement(&self, id: &Id) -> Result<Settlement, ClientError> {
        self.inner.call(Call::get(&format!("{SETTLEMENTS}/{}", segment(id)))).await
    }

    /// `POST /v3/settlements`: opens a batch for a sponsor and period (keyed: a retry opens no second batch).
    pub async fn open_settlement(
        &self,
        request: &OpenSettlementRequest,
        key: &IdempotencyKey,
    ) -> Result<Settlement, ClientError> {
        self.inner.call(Call::with_json(Method::POST, SETTLEMENTS, request)?.keyed(key)).await
    }

    /// `GET /v3/settlements/{id}/pending-authorizations`, every page: the completed claims of the batch's sponsor
    /// and period that no batch holds yet, oldest first.
    pub async fn pending_authorizations(&self, id: &Id) -> Result<Vec<PendingAuthorization>, ClientError> {
        self.every_page(&format!("{SETTLEMENTS}/{}/pending-authorizations", segment(id)), &[]).await
    }

    /// `POST /v3/settlements/{id}/authorizations`: attaches these authorizations' claims to the batch.
    pub async fn attach_authorizations(
        &self,
        id: &Id,
        request: &AttachAuthorizationsRequest,
        key: &IdempotencyKey,
    ) -> Result<Settlement, ClientError> {
        let path = format!("{SETTLEMENTS}/{}/authorizations", segment(id));
        self.inner.call(Call::with_json(Method::POST, &path, request)?.keyed(key)).await
    }

    /// `POST /v3/settlements/{id}/complete`: invoices and submits the batch. A 400 names each wrong field
    /// ([`ClientError::Api`]'s envelope, `errors[{path, message}]`).
    pub async fn complete_settlement(
        &self,
        id: &Id,
        request: &CompleteSettlementRequest,
        key: &IdempotencyKey,
    ) -> Result<Settlement, ClientError> {
        let path = format!("{SETTLEMENTS}/{}/complete", segment(id));
        self.inner.call(Call::with_json(Method::POST, &path, request)?.keyed(key)).await
    }

    /// Every page of a list at `path` with `filters`, at most [`MAX_ROWS`] rows.
    async fn every_page<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        filters: &[(&'static str, String)],
    ) -> Result<Vec<T>, ClientError> {
        let mut rows = Vec::new();
        let mut number = 0u32;
        loop {
            let mut query = filters.to_vec();
            query.push(("page", number.to_string()));
            query.push(("size", PAGE.to_string()));
            let page: Page<T> = self.inner.call(Call { query: &query, ..Call::get(path) }).await?;
            let last = page.content.is_empty() || number.saturating_add(1) >= page.page.total_pages;
            rows.extend(page.content);
            if last || rows.len() >= MAX_ROWS {
                rows.truncate(MAX_ROWS);
                return Ok(rows);
            }
            number += 1;
        }
    }
}
