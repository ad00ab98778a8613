//! Dispensations (contract §3): start, read, list, replace lines, complete, cancel.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::IntoParams;

use crate::osigu::model::{
    CancelRequest, CompleteRequest, Dispensation, DispensationStatus, ErrorEnvelope, Id, Page, StartRequest,
    UpdateRequest,
};
use crate::sandbox::dates::parse_instant_or_date;
use crate::sandbox::error::ApiError;
use crate::sandbox::http::extract::{ApiJson, ApiPath, ApiQuery, Authorized, OptionalJson, given, scope};
use crate::sandbox::paging::PageRequest;
use crate::sandbox::state::AppState;
use crate::sandbox::store::ListFilter;

/// Start a dispensation by looking up an authorization or prescription code.
#[utoipa::path(
    post, path = "/dispensing/v1/dispensations", tag = "dispensing",
    request_body = StartRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first reply for 24 h")),
    responses(
        (status = 201, body = Dispensation, description = "STARTED, with what may be dispensed and the verification required"),
        (status = 404, body = ErrorEnvelope, description = "CODE_NOT_FOUND"),
        (status = 409, body = ErrorEnvelope, description = "CODE_ALREADY_REDEEMED; CODE_IN_PROGRESS (details.started_at, details.dispensation_id)"),
        (status = 422, body = ErrorEnvelope, description = "CODE_EXPIRED, CODE_VOIDED, CODE_NOT_YET_VALID (details.valid_from), AUTHORIZATION_PENDING_REVIEW, COVERAGE_INACTIVE, BENEFICIARY_REQUIRED (details.sponsor_slug, details.form_slug), BENEFICIARY_MISMATCH, IDEMPOTENCY_KEY_REUSED"),
    ),
    security(("bearer" = ["dispensing:write"]))
)]
pub(crate) async fn start(
    State(app): State<AppState>,
    _caller: Authorized<scope::DispensingWrite>,
    ApiJson(request): ApiJson<StartRequest>,
) -> Result<(StatusCode, Json<Dispensation>), ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.start(now, request).map(|dispensation| (StatusCode::CREATED, Json(dispensation)))
}

/// Read one dispensation.
#[utoipa::path(
    get, path = "/dispensing/v1/dispensations/{id}", tag = "dispensing",
    params(("id" = String, Path, description = "Dispensation id")),
    responses((status = 200, body = Dispensation), (status = 404, body = ErrorEnvelope, description = "DISPENSATION_NOT_FOUND")),
    security(("bearer" = ["dispensing:read"]))
)]
pub(crate) async fn get(
    State(app): State<AppState>,
    _caller: Authorized<scope::DispensingRead>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Dispensation>, ApiError> {
    app.store().dispensation(&id).map(Json)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// `STARTED`, `COMPLETED` or `CANCELLED`.
    #[param(value_type = Option<DispensationStatus>)]
    status: Option<String>,
    /// The authorization or prescription code.
    code: Option<String>,
    /// Started at or after: RFC 3339 or `YYYY-MM-DD`.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// Started at or before: RFC 3339 or `YYYY-MM-DD` (the whole day).
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// 0-based page number (default 0).
    #[param(value_type = Option<u32>, maximum = 21474836)]
    page: Option<String>,
    /// Page size (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    size: Option<String>,
}

fn parse_instant(field: &str, text: &str, end_of_day: bool) -> Result<OffsetDateTime, ApiError> {
    parse_instant_or_date(text, end_of_day)
        .ok_or_else(|| ApiError::invalid_field(field, "expected RFC 3339 or YYYY-MM-DD"))
}

impl ListQuery {
    fn filter(self) -> Result<ListFilter, ApiError> {
        // A blank code means no code filter; the typed parameters must be well-formed when present.
        let (status, code, from, to, page, size) =
            (self.status, given(self.code), self.from, self.to, self.page, self.size);
        let status = match status.as_deref() {
            None => None,
            Some(text) => Some(match text.to_ascii_uppercase().as_str() {
                "STARTED" => DispensationStatus::Started,
                "COMPLETED" => DispensationStatus::Completed,
                "CANCELLED" => DispensationStatus::Cancelled,
                _ => {
                    return Err(ApiError::invalid_field("status", "expected STARTED, COMPLETED or CANCELLED"));
                }
            }),
        };
        Ok(ListFilter {
            status,
            code,
            from: from.as_deref().map(|text| parse_instant("from", text, false)).transpose()?,
            to: to.as_deref().map(|text| parse_instant("to", text, true)).transpose()?,
            page: PageRequest::parse(page.as_deref(), size.as_deref())?,
        })
    }
}

/// List dispensations, newest first.
#[utoipa::path(
    get, path = "/dispensing/v1/dispensations", tag = "dispensing",
    params(ListQuery),
    responses((status = 200, body = Page<Dispensation>), (status = 400, body = ErrorEnvelope, description = "VALIDATION_ERROR")),
    security(("bearer" = ["dispensing:read"]))
)]
pub(crate) async fn list(
    State(app): State<AppState>,
    _caller: Authorized<scope::DispensingRead>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<Dispensation>>, ApiError> {
    let filter = query.filter()?;
    Ok(Json(app.store().list(&filter)))
}

/// Replace the lines: quantities (partial dispensing), prices, taxes and substitutions. Lines left out deliver
/// nothing; omitted taxes are prorated from the line's taxes. Quantities go from 0 to 1,000,000; a unit price
/// or taxes from 0 to 1,000,000,000.00, with at most two decimals. Nothing is saved unless every line passes.
#[utoipa::path(
    put, path = "/dispensing/v1/dispensations/{id}", tag = "dispensing",
    params(("id" = String, Path, description = "Dispensation id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = UpdateRequest,
    responses(
        (status = 200, body = Dispensation),
        (status = 404, body = ErrorEnvelope, description = "DISPENSATION_NOT_FOUND"),
        (status = 409, body = ErrorEnvelope, description = "INVALID_STATE"),
        (status = 422, body = ErrorEnvelope, description = "QUANTITY_EXCEEDS_AVAILABLE, QUANTITY_INVALID (not 0 to 1000000), PRICE_INVALID (unit_price or taxes negative, over 1000000000 or finer than cents; errors[].path names it), SUBSTITUTION_NOT_ALLOWED, SUBSTITUTION_REASON_REQUIRED, PRODUCT_NOT_REGISTERED (error_code 071-104)"),
    ),
    security(("bearer" = ["dispensing:write"]))
)]
pub(crate) async fn update(
    State(app): State<AppState>,
    _caller: Authorized<scope::DispensingWrite>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(request): ApiJson<UpdateRequest>,
) -> Result<Json<Dispensation>, ApiError> {
    app.store().update(&id, request).map(Json)
}

/// Finalize: with the invoice and the verification proof; creates the claim for authorizations.
#[utoipa::path(
    post, path = "/dispensing/v1/dispensations/{id}/complete", tag = "dispensing",
    params(("id" = String, Path, description = "Dispensation id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = CompleteRequest,
    responses(
        (status = 200, body = Dispensation, description = "COMPLETED, with the claim for authorizations"),
        (status = 403, body = ErrorEnvelope, description = "VERIFICATION_REQUIRED"),
        (status = 404, body = ErrorEnvelope, description = "DISPENSATION_NOT_FOUND"),
        (status = 409, body = ErrorEnvelope, description = "ALREADY_COMPLETED (details.dispensation), INVALID_STATE"),
        (status = 410, body = ErrorEnvelope, description = "DISPENSATION_TIMED_OUT"),
        (status = 422, body = ErrorEnvelope, description = "AMOUNT_MISMATCH (details.expected), INVOICE_REQUIRED, VERIFICATION_TOKEN_INVALID, QUANTITY_INVALID, CODE_VOIDED"),
    ),
    security(("bearer" = ["dispensing:write"]))
)]
pub(crate) async fn complete(
    State(app): State<AppState>,
    _caller: Authorized<scope::DispensingWrite>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(request): ApiJson<CompleteRequest>,
) -> Result<Json<Dispensation>, ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.complete(now, &id, request).map(Json)
}

/// Cancel a STARTED dispensation, releasing its code.
#[utoipa::path(
    post, path = "/dispensing/v1/dispensations/{id}/cancel", tag = "dispensing",
    params(("id" = String, Path, description = "Dispensation id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body(content = Option<CancelRequest>, description = "Optional reason"),
    responses(
        (status = 200, body = Dispensation, description = "CANCELLED"),
        (status = 404, body = ErrorEnvelope, description = "DISPENSATION_NOT_FOUND"),
        (status = 409, body = ErrorEnvelope, description = "INVALID_STATE"),
    ),
    security(("bearer" = ["dispensing:write"]))
)]
pub(crate) async fn cancel(
    State(app): State<AppState>,
    _caller: Authorized<scope::DispensingWrite>,
    ApiPath(id): ApiPath<Id>,
    OptionalJson(request): OptionalJson<CancelRequest>,
) -> Result<Json<Dispensation>, ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.cancel(now, &id, request).map(Json)
}
