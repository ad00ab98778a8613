//! Settlement batches (contract §6), the Dominican radicación: open, see what is pending, attach, submit with
//! the invoice, read and list. Writes need `arc:write`, reads `arc:read`: settlements belong to Osigu's
//! authorizations-and-claims side, as the claims they hold do.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::osigu::model::{
    AttachAuthorizationsRequest, CompleteSettlementRequest, ErrorEnvelope, Id, OpenSettlementRequest, Page,
    PendingAuthorization, Settlement, SettlementStatus,
};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::extract::{ApiJson, ApiPath, ApiQuery, Authorized, OptionalJson, given, scope};
use crate::sandbox::paging::PageRequest;
use crate::sandbox::state::AppState;
use crate::sandbox::store::{Period, SettlementFilter};

/// Open a batch for one BATCH sponsor and one month.
#[utoipa::path(
    post, path = "/v3/settlements", tag = "settlements",
    request_body = OpenSettlementRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first reply for 24 h")),
    responses(
        (status = 201, body = Settlement, description = "OPEN, empty"),
        (status = 400, body = ErrorEnvelope, description = "VALIDATION_ERROR: sponsor_slug missing, period not YYYY-MM or not begun yet"),
        (status = 404, body = ErrorEnvelope, description = "SPONSOR_NOT_FOUND"),
        (status = 406, body = ErrorEnvelope, description = "SETTLEMENT_NOT_ALLOWED: the sponsor's settlement mode is not BATCH (details.settlement_mode)"),
        (status = 409, body = ErrorEnvelope, description = "SETTLEMENT_ALREADY_OPEN (details.settlement_id)"),
    ),
    security(("bearer" = ["arc:write"]))
)]
pub(crate) async fn open(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcWrite>,
    ApiJson(request): ApiJson<OpenSettlementRequest>,
) -> Result<(StatusCode, Json<Settlement>), ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.open_settlement(now, request).map(|settlement| (StatusCode::CREATED, Json(settlement)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    sponsor_slug: Option<String>,
    /// `YYYY-MM`.
    period: Option<String>,
    /// `OPEN`, `SUBMITTED`, `ACCEPTED`, `REJECTED` or `PARTIALLY_ACCEPTED`.
    #[param(value_type = Option<SettlementStatus>)]
    status: Option<String>,
    /// 0-based page number (default 0).
    #[param(value_type = Option<u32>, maximum = 21474836)]
    page: Option<String>,
    /// Page size (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    size: Option<String>,
}

impl ListQuery {
    fn filter(self) -> Result<SettlementFilter, ApiError> {
        let status = match given(self.status).map(|text| text.trim().to_ascii_uppercase()).as_deref() {
            None => None,
            Some("OPEN") => Some(SettlementStatus::Open),
            Some("SUBMITTED") => Some(SettlementStatus::Submitted),
            Some("ACCEPTED") => Some(SettlementStatus::Accepted),
            Some("REJECTED") => Some(SettlementStatus::Rejected),
            Some("PARTIALLY_ACCEPTED") => Some(SettlementStatus::PartiallyAccepted),
            Some(_) => {
                return Err(ApiError::invalid_field(
                    "status",
                    "expected OPEN, SUBMITTED, ACCEPTED, REJECTED or PARTIALLY_ACCEPTED",
                ));
            }
        };
        let period = given(self.period)
            .map(|text| Period::parse(text.trim()).ok_or_else(|| ApiError::invalid_field("period", "expected YYYY-MM")))
            .transpose()?;
        Ok(SettlementFilter {
            sponsor_slug: given(self.sponsor_slug).map(|slug| slug.trim().to_owned()),
            period,
            status,
            page: PageRequest::parse(self.page.as_deref(), self.size.as_deref())?,
        })
    }
}

/// List batches, newest first.
#[utoipa::path(
    get, path = "/v3/settlements", tag = "settlements",
    params(ListQuery),
    responses((status = 200, body = Page<Settlement>)),
    security(("bearer" = ["arc:read"]))
)]
pub(crate) async fn list(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcRead>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<Settlement>>, ApiError> {
    let filter = query.filter()?;
    Ok(Json(app.store().settlements(&filter)))
}

/// Read one batch, with each claim and, once decided, the sponsor's answer for it.
#[utoipa::path(
    get, path = "/v3/settlements/{id}", tag = "settlements",
    params(("id" = String, Path, description = "Settlement id")),
    responses((status = 200, body = Settlement), (status = 404, body = ErrorEnvelope, description = "SETTLEMENT_NOT_FOUND")),
    security(("bearer" = ["arc:read"]))
)]
pub(crate) async fn get(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcRead>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Settlement>, ApiError> {
    app.store().settlement(&id).map(Json)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// 0-based page number (default 0).
    #[param(value_type = Option<u32>, maximum = 21474836)]
    page: Option<String>,
    /// Page size (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    size: Option<String>,
}

/// The completed claims of the batch's sponsor and month that no batch holds yet, oldest first.
#[utoipa::path(
    get, path = "/v3/settlements/{id}/pending-authorizations", tag = "settlements",
    params(("id" = String, Path, description = "Settlement id"), PageQuery),
    responses((status = 200, body = Page<PendingAuthorization>), (status = 404, body = ErrorEnvelope, description = "SETTLEMENT_NOT_FOUND")),
    security(("bearer" = ["arc:read"]))
)]
pub(crate) async fn pending(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcRead>,
    ApiPath(id): ApiPath<Id>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<PendingAuthorization>>, ApiError> {
    let page = PageRequest::parse(query.page.as_deref(), query.size.as_deref())?;
    app.store().pending_authorizations(&id, page).map(Json)
}

/// Attach the pending claims of these authorizations to an OPEN batch (all or nothing).
#[utoipa::path(
    post, path = "/v3/settlements/{id}/authorizations", tag = "settlements",
    params(("id" = String, Path, description = "Settlement id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = AttachAuthorizationsRequest,
    responses(
        (status = 200, body = Settlement),
        (status = 400, body = ErrorEnvelope, description = "VALIDATION_ERROR: from 1 to 1000 authorization_ids"),
        (status = 404, body = ErrorEnvelope, description = "SETTLEMENT_NOT_FOUND"),
        (status = 409, body = ErrorEnvelope, description = "AUTHORIZATION_IN_SETTLEMENT: its claims are in a batch already (details.settlement_id); INVALID_STATE: the batch is not OPEN"),
        (status = 422, body = ErrorEnvelope, description = "AUTHORIZATION_NOT_PENDING: no completed claim of the batch's sponsor and month (errors[].path names each id)"),
    ),
    security(("bearer" = ["arc:write"]))
)]
pub(crate) async fn attach(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcWrite>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(request): ApiJson<AttachAuthorizationsRequest>,
) -> Result<Json<Settlement>, ApiError> {
    app.store().attach(&id, request).map(Json)
}

/// Invoice and submit an OPEN batch: SUBMITTED; the sponsor answers `settlement_decision_secs` later (sandbox
/// time) with a `settlement.*` webhook.
#[utoipa::path(
    post, path = "/v3/settlements/{id}/complete", tag = "settlements",
    params(("id" = String, Path, description = "Settlement id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = CompleteSettlementRequest,
    responses(
        (status = 200, body = Settlement, description = "SUBMITTED, with decision_due_at"),
        (status = 400, body = ErrorEnvelope, description = "INVOICE_INVALID: invoice_number empty, over 20 characters or with control characters; invoice_date not YYYY-MM-DD, in the future or before the period (errors[].path names each)"),
        (status = 404, body = ErrorEnvelope, description = "SETTLEMENT_NOT_FOUND"),
        (status = 409, body = ErrorEnvelope, description = "INVALID_STATE: not OPEN"),
        (status = 422, body = ErrorEnvelope, description = "SETTLEMENT_EMPTY"),
    ),
    security(("bearer" = ["arc:write"]))
)]
pub(crate) async fn complete(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcWrite>,
    ApiPath(id): ApiPath<Id>,
    OptionalJson(request): OptionalJson<CompleteSettlementRequest>,
) -> Result<Json<Settlement>, ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.submit_settlement(now, &id, request).map(Json)
}
