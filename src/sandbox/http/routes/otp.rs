//! One-time passwords (contract §4), under both documented path families.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::osigu::model::{ErrorEnvelope, OtpSendRequest, OtpSent, OtpValidateRequest, OtpValidated};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::extract::{ApiJson, Authorized, scope};
use crate::sandbox::state::AppState;

fn send_otp(app: &AppState, request: OtpSendRequest) -> Result<(StatusCode, Json<OtpSent>), ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.send_otp(now, request).map(|sent| (StatusCode::CREATED, Json(sent)))
}

fn validate_otp(app: &AppState, request: OtpValidateRequest) -> Result<Json<OtpValidated>, ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.validate_otp(now, request).map(Json)
}

/// Send an OTP to the beneficiary (6 digits, valid 300 s; another may follow after 30 s).
#[utoipa::path(
    post, path = "/v1/otp/send", tag = "otp",
    request_body = OtpSendRequest,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses(
        (status = 201, body = OtpSent),
        (status = 404, body = ErrorEnvelope, description = "BENEFICIARY_NOT_FOUND, SPONSOR_NOT_FOUND, DISPENSATION_NOT_FOUND"),
        (status = 422, body = ErrorEnvelope, description = "OTP_CHANNEL_UNSUPPORTED"),
        (status = 429, body = ErrorEnvelope, description = "OTP_RESEND_TOO_SOON; see Retry-After"),
    ),
    security(("bearer" = ["arc:write"]))
)]
pub(crate) async fn send(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcWrite>,
    ApiJson(request): ApiJson<OtpSendRequest>,
) -> Result<(StatusCode, Json<OtpSent>), ApiError> {
    send_otp(&app, request)
}

/// Alias of `POST /v1/otp/send` (the API reference's name).
#[utoipa::path(
    post, path = "/otp/generate", tag = "otp",
    request_body = OtpSendRequest,
    responses(
        (status = 201, body = OtpSent),
        (status = 404, body = ErrorEnvelope, description = "BENEFICIARY_NOT_FOUND, SPONSOR_NOT_FOUND, DISPENSATION_NOT_FOUND"),
        (status = 422, body = ErrorEnvelope, description = "OTP_CHANNEL_UNSUPPORTED"),
        (status = 429, body = ErrorEnvelope, description = "OTP_RESEND_TOO_SOON; see Retry-After"),
    ),
    security(("bearer" = ["arc:write"]))
)]
pub(crate) async fn generate(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcWrite>,
    ApiJson(request): ApiJson<OtpSendRequest>,
) -> Result<(StatusCode, Json<OtpSent>), ApiError> {
    send_otp(&app, request)
}

/// Check the code the beneficiary read aloud; returns a single-use token for `complete` (valid 600 s).
#[utoipa::path(
    post, path = "/v1/otp/validate", tag = "otp",
    request_body = OtpValidateRequest,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses(
        (status = 200, body = OtpValidated),
        (status = 400, body = ErrorEnvelope, description = "VALIDATION_ERROR: not six digits"),
        (status = 404, body = ErrorEnvelope, description = "OTP_NOT_FOUND"),
        (status = 422, body = ErrorEnvelope, description = "OTP_INVALID (details.attempts_remaining), OTP_EXPIRED, OTP_ATTEMPTS_EXCEEDED"),
    ),
    security(("bearer" = ["arc:write"]))
)]
pub(crate) async fn validate(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcWrite>,
    ApiJson(request): ApiJson<OtpValidateRequest>,
) -> Result<Json<OtpValidated>, ApiError> {
    validate_otp(&app, request)
}

/// Alias of `POST /v1/otp/validate`.
#[utoipa::path(
    post, path = "/otp/validate", tag = "otp",
    request_body = OtpValidateRequest,
    responses((status = 200, body = OtpValidated), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = ["arc:write"]))
)]
pub(crate) async fn validate_alias(
    State(app): State<AppState>,
    _caller: Authorized<scope::ArcWrite>,
    ApiJson(request): ApiJson<OtpValidateRequest>,
) -> Result<Json<OtpValidated>, ApiError> {
    validate_otp(&app, request)
}
