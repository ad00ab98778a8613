//! The typed calls of contract §1–§4, one method each.

use std::collections::BTreeMap;

use reqwest::Method;

use super::OsiguClient;
use super::send::Call;
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::{
    BeneficiaryMatch, BiometricMatch, BiometricSample, CancelRequest, Challenge, ChallengeRequest, CompleteRequest,
    Dispensation, DispensationStatus, ErrorCode, Id, OtpSendRequest, OtpSent, OtpValidateRequest, OtpValidated, Page,
    ProductType, ProviderProduct, SearchForm, Sponsor, SponsorConfiguration, StartRequest, UpdateRequest,
    VerificationStatus, wire_name,
};

const DISPENSATIONS: &str = "/dispensing/v1/dispensations";

/// Products asked for per page of the provider's registry (the contract's largest page).
const PRODUCTS_PAGE: u32 = 200;

/// Most products of the registry the counter keeps: far beyond a pharmacy's list, and a bound on what a broken
/// server that pages forever can make it read.
const MAX_PROVIDER_PRODUCTS: usize = 20_000;

/// What the token endpoint said about this client, for `mostrador check`.
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub provider_slug: Option<String>,
    pub scopes: Vec<String>,
    /// Seconds the server's clock is ahead of this machine's (negative: behind), from its `Date` header.
    pub clock_skew_secs: Option<i64>,
}

/// Filters of the dispensation list.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub status: Option<DispensationStatus>,
    pub code: Option<String>,
    pub page: u32,
    pub size: u32,
}

/// Path-safe form of an id (ids are opaque text; a stray `/` or `?` must not change the route).
pub(super) fn segment(id: &Id) -> String {
    let mut out = String::with_capacity(id.as_str().len());
    for byte in id.as_str().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

impl OsiguClient {
    /// Gets a token now (or reuses the cached one) and reports what came with it.
    pub async fn token_info(&self) -> Result<TokenInfo, ClientError> {
        let token = self.inner.token().await?;
        Ok(TokenInfo {
            provider_slug: token.reply.extensions.as_ref().and_then(|extensions| extensions.provider_slug.clone()),
            scopes: token.reply.scope.as_deref().unwrap_or_default().split_whitespace().map(str::to_owned).collect(),
            clock_skew_secs: token.skew.map(|skew| skew.whole_seconds()),
        })
    }

    /// Makes the cached token due for refresh, as if it were 50 minutes old (the next call fetches a new one).
    pub async fn age_token(&self) {
        self.inner.tokens.age().await;
    }

    /// `GET /v1/sponsors`: the sponsors this provider works with.
    pub async fn sponsors(&self) -> Result<Vec<Sponsor>, ClientError> {
        self.inner.call(Call::get("/v1/sponsors")).await
    }

    /// `GET /arc/v1/sponsors/{slug}/configuration?product_type=`.
    pub async fn sponsor_configuration(
        &self,
        sponsor_slug: &str,
        product_type: ProductType,
    ) -> Result<SponsorConfiguration, ClientError> {
        let path = format!("/arc/v1/sponsors/{}/configuration", segment(&Id::new(sponsor_slug)));
        let query = [("product_type", product_type.as_str().to_owned())];
        self.inner.call(Call { query: &query, ..Call::get(&path) }).await
    }

    /// `GET /arc/v1/providers/products?product_type=`, every page: the products registered for this provider (what
    /// a line may be substituted by), at most [`MAX_PROVIDER_PRODUCTS`].
    pub async fn provider_products(&self, product_type: ProductType) -> Result<Vec<ProviderProduct>, ClientError> {
        let mut products = Vec::new();
        let mut number = 0u32;
        loop {
            let query = [
                ("product_type", product_type.as_str().to_owned()),
                ("page", number.to_string()),
                ("size", PRODUCTS_PAGE.to_string()),
            ];
            let page: Page<ProviderProduct> =
                self.inner.call(Call { query: &query, ..Call::get("/arc/v1/providers/products") }).await?;
            let last = page.content.is_empty() || number.saturating_add(1) >= page.page.total_pages;
            products.extend(page.content);
            if last || products.len() >= MAX_PROVIDER_PRODUCTS {
                products.truncate(MAX_PROVIDER_PRODUCTS);
                return Ok(products);
            }
            number += 1;
        }
    }

    /// `GET /v1/sponsors/{slug}/forms`: the beneficiary search forms.
    pub async fn forms(&self, sponsor_slug: &str) -> Result<Vec<SearchForm>, ClientError> {
        let path = format!("/v1/sponsors/{}/forms", segment(&Id::new(sponsor_slug)));
        self.inner.call(Call::get(&path)).await
    }

    /// `POST /v1/sponsors/{slug}/search` with `{field_slug: value}`. A keyless POST, but only a lookup: it is
    /// retried like a GET (a lost reply changed nothing on the server).
    pub async fn search(
        &self,
        sponsor_slug: &str,
        fields: &BTreeMap<String, serde_json::Value>,
    ) -> Result<BeneficiaryMatch, ClientError> {
        let path = format!("/v1/sponsors/{}/search", segment(&Id::new(sponsor_slug)));
        self.inner.call(Call::with_json(Method::POST, &path, fields)?.lookup()).await
    }

    /// `POST /dispensing/v1/dispensations`: looks the code up and starts a dispensation.
    pub async fn start(&self, request: &StartRequest, key: &IdempotencyKey) -> Result<Dispensation, ClientError> {
        self.inner.call(Call::with_json(Method::POST, DISPENSATIONS, request)?.keyed(key)).await
    }

    /// `GET /dispensing/v1/dispensations/{id}`.
    pub async fn dispensation(&self, id: &Id) -> Result<Dispensation, ClientError> {
        self.inner.call(Call::get(&format!("{DISPENSATIONS}/{}", segment(id)))).await
    }

    /// `GET /dispensing/v1/dispensations?…`.
    pub async fn dispensations(&self, query: &ListQuery) -> Result<Page<Dispensation>, ClientError> {
        let mut pairs = vec![("page", query.page.to_string()), ("size", query.size.max(1).to_string())];
        if let Some(status) = query.status {
            pairs.push(("status", wire_name(&status)));
        }
        if let Some(code) = &query.code {
            pairs.push(("code", code.clone()));
        }
        self.inner.call(Call { query: &pairs, ..Call::get(DISPENSATIONS) }).await
    }

    /// `PUT /dispensing/v1/dispensations/{id}`: replaces the lines to deliver.
    pub async fn update(
        &self,
        id: &Id,
        request: &UpdateRequest,
        key: &IdempotencyKey,
    ) -> Result<Dispensation, ClientError> {
        let path = format!("{DISPENSATIONS}/{}", segment(id));
        self.inner.call(Call::with_json(Method::PUT, &path, request)?.keyed(key)).await
    }

    /// `GET …/{id}/verification-status`.
    pub async fn verification_status(&self, id: &Id) -> Result<VerificationStatus, ClientError> {
        self.inner.call(Call::get(&format!("{DISPENSATIONS}/{}/verification-status", segment(id)))).await
    }

    /// `POST …/{id}/biometric`: submits a sample captured at the counter.
    pub async fn biometric(
        &self,
        id: &Id,
        sample: &BiometricSample,
        key: &IdempotencyKey,
    ) -> Result<BiometricMatch, ClientError> {
        let path = format!("{DISPENSATIONS}/{}/biometric", segment(id));
        self.inner.call(Call::with_json(Method::POST, &path, sample)?.keyed(key)).await
    }

    /// `POST …/{id}/biometric/challenge`: a check on the beneficiary's phone.
    pub async fn challenge(
        &self,
        id: &Id,
        request: &ChallengeRequest,
        key: &IdempotencyKey,
    ) -> Result<Challenge, ClientError> {
        let path = format!("{DISPENSATIONS}/{}/biometric/challenge", segment(id));
        self.inner.call(Call::with_json(Method::POST, &path, request)?.keyed(key)).await
    }

    /// `POST …/{id}/complete`: finalizes. Always keyed: this is the call that must never happen twice.
    pub async fn complete(
        &self,
        id: &Id,
        request: &CompleteRequest,
        key: &IdempotencyKey,
    ) -> Result<Dispensation, ClientError> {
        let path = format!("{DISPENSATIONS}/{}/complete", segment(id));
        self.inner.call(Call::with_json(Method::POST, &path, request)?.keyed(key)).await
    }

    /// `POST …/{id}/cancel`.
    pub async fn cancel(
        &self,
        id: &Id,
        request: &CancelRequest,
        key: &IdempotencyKey,
    ) -> Result<Dispensation, ClientError> {
        let path = format!("{DISPENSATIONS}/{}/cancel", segment(id));
        self.inner.call(Call::with_json(Method::POST, &path, request)?.keyed(key)).await
    }

    /// `POST /v1/otp/send`, or the reference's `POST /otp/generate` where the guide's path does not exist.
    pub async fn send_otp(&self, request: &OtpSendRequest, key: &IdempotencyKey) -> Result<OtpSent, ClientError> {
        self.post_either("/v1/otp/send", "/otp/generate", request, key).await
    }

    /// `POST /v1/otp/validate`, or `POST /otp/validate` where the guide's path does not exist.
    pub async fn validate_otp(
        &self,
        request: &OtpValidateRequest,
        key: &IdempotencyKey,
    ) -> Result<OtpValidated, ClientError> {
        self.post_either("/v1/otp/validate", "/otp/validate", request, key).await
    }

    /// A keyed POST to the guide's `path`, then to the reference's `fallback` if the guide's route is missing.
    /// Both carry the same key, so the server applies the request once whichever path it serves.
    async fn post_either<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        fallback: &str,
        request: &impl serde::Serialize,
        key: &IdempotencyKey,
    ) -> Result<T, ClientError> {
        match self.inner.call(Call::with_json(Method::POST, path, request)?.keyed(key)).await {
            Err(error) if route_missing(&error) => {
                self.inner.call(Call::with_json(Method::POST, fallback, request)?.keyed(key)).await
            }
            other => other,
        }
    }
}

/// A 404 about the route itself rather than a business object (`OTP_NOT_FOUND` is an answer, not a missing
/// route).
fn route_missing(error: &ClientError) -> bool {
    error.status() == Some(404) && matches!(error.code(), None | Some(ErrorCode::NotFound))
}
