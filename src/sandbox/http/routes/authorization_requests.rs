//! Pre-authorization requests (contract §10): create, attach an indication, complete, read. Writes need
//! `arc:write`, the read `arc:read`: they are ARC's, as the authorizations they yield.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::osigu::model::{
    AuthorizationRequest, CompleteAuthorizationRequest, ErrorEnvelope, Id, Indication, NewAuthorizationRequest,
    NewIndication,
};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::extract::{ApiJson, ApiPath, Authorized, OptionalJson, scope};
use crate::sandbox::state::AppState;

/// Ask a sponsor to cover products: the request waits for its indication (PENDING_INDICATION).
#[utoipa::path(
    post, path = "/arc/v1/authorization-requests", tag = "preauthorization",
    request_body = NewAuthorizationRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first reply for 24 h")),
    responses(
        (status = 201, body = AuthorizationRequest, description = "PENDING_INDICATION, every line PENDING"),
        (status = 404, body = ErrorEnvelope, description = "SPONSOR_NOT_FOUND, BENEFICIARY_NOT_FOUND"),
        (status = 422, body = ErrorEnvelope, description = "PRODUCT_NOT_REGISTERED (error_code 071-104; errors[].path names each line), COVERAGE_INACTIVE, BENEFICIARY_MISMATCH (not the sponsor's), VALIDATION_ERROR (a value refused: errors[].path names each), IDEMPOTENCY_KEY_REUSED"),
    ),
    security(("bearer" = ["arc:write"]))
)]
pub(crate) async fn create(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcWrite>,
    ApiJson(request): ApiJson<NewAuthorizationRequest>,
) -> Result<(StatusCode, Json<AuthorizationRequest>), ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.create_authorization_request(now, request).map(|created| (StatusCode::CREATED, Json(created)))
}

/// Read a request: its status, each line's answer and, once approved, its authorizations.
#[utoipa::path(
    get, path = "/arc/v1/authorization-requests/{id}", tag = "preauthorization",
    params(("id" = String, Path, description = "Authorization request id (areq_…)")),
    responses(
        (status = 200, body = AuthorizationRequest),
        (status = 404, body = ErrorEnvelope, description = "AUTHORIZATION_REQUEST_NOT_FOUND"),
    ),
    security(("bearer" = ["arc:read"]))
)]
pub(crate) async fn get(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcRead>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<AuthorizationRequest>, ApiError> {
    app.store().authorization_request(&id).map(Json)
}

/// Attach the medical indication (for a paper prescription, the POSOS transcription).
#[utoipa::path(
    post, path = "/arc/v1/authorization-requests/{id}/indications", tag = "preauthorization",
    params(("id" = String, Path, description = "Authorization request id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = NewIndication,
    responses(
        (status = 201, body = Indication),
        (status = 404, body = ErrorEnvelope, description = "AUTHORIZATION_REQUEST_NOT_FOUND"),
        (status = 409, body = ErrorEnvelope, description = "INVALID_STATE: the request was completed (details.status)"),
        (status = 422, body = ErrorEnvelope, description = "VALIDATION_ERROR: type not PRESCRIPTION_DOCUMENT or MEDICAL_ORDER, source, reference, prescriber.name, issued_on not YYYY-MM-DD or in the future (errors[].path names each), more than 10 indications; IDEMPOTENCY_KEY_REUSED"),
    ),
    security(("bearer" = ["arc:write"]))
)]
pub(crate) async fn add_indication(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcWrite>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(indication): ApiJson<NewIndication>,
) -> Result<(StatusCode, Json<Indication>), ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.add_indication(now, &id, indication).map(|added| (StatusCode::CREATED, Json(added)))
}

/// Send the request to the sponsor. A SYNC sponsor answers at once (APPROVED with one authorization per
/// product group, or REJECTED, each line saying why); an ASYNC one answers PENDING_SPONSOR and decides
/// `authorization_decision_secs` later (sandbox time) with `authorization.created` / `authorization.rejected`.
#[utoipa::path(
    post, path = "/arc/v1/authorization-requests/{id}/complete", tag = "preauthorization",
    params(("id" = String, Path, description = "Authorization request id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body(content = Option<CompleteAuthorizationRequest>, description = "Nothing, or {}"),
    responses(
        (status = 200, body = AuthorizationRequest, description = "APPROVED, REJECTED or PENDING_SPONSOR (with decision_due_at)"),
        (status = 404, body = ErrorEnvelope, description = "AUTHORIZATION_REQUEST_NOT_FOUND"),
        (status = 409, body = ErrorEnvelope, description = "INVALID_STATE: completed already (details.status)"),
        (status = 422, body = ErrorEnvelope, description = "INDICATION_REQUIRED: no indication attached; the request stays PENDING_INDICATION. IDEMPOTENCY_KEY_REUSED"),
    ),
    security(("bearer" = ["arc:write"]))
)]
pub(crate) async fn complete(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcWrite>,
    ApiPath(id): ApiPath<Id>,
    OptionalJson(_body): OptionalJson<CompleteAuthorizationRequest>,
) -> Result<Json<AuthorizationRequest>, ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.complete_authorization_request(now, &id).map(Json)
}
