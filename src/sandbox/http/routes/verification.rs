//! Verification of a dispensation: status, fingerprint samples, remote facial challenges (contract §3).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::osigu::model::{
    BiometricMatch, BiometricSample, Challenge, ChallengeRequest, ErrorEnvelope, Id, VerificationStatus,
};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::extract::{ApiJson, ApiPath, Authorized, scope};
use crate::sandbox::state::AppState;

/// Whether (and how) this dispensation is verified; poll it while a remote challenge is pending.
#[utoipa::path(
    get, path = "/dispensing/v1/dispensations/{id}/verification-status", tag = "verification",
    params(("id" = String, Path, description = "Dispensation id")),
    responses((status = 200, body = VerificationStatus), (status = 404, body = ErrorEnvelope, description = "DISPENSATION_NOT_FOUND")),
    security(("bearer" = ["dispensing:read"]))
)]
pub(crate) async fn status(
    State(app): State<AppState>,
    _caller: Authorized<scope::DispensingRead>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<VerificationStatus>, ApiError> {
    app.store().verification_status(&id).map(Json)
}

/// Submit a fingerprint captured at the counter (base64, ≤ 1 MiB decoded).
#[utoipa::path(
    post, path = "/dispensing/v1/dispensations/{id}/biometric", tag = "verification",
    params(("id" = String, Path, description = "Dispensation id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = BiometricSample,
    responses(
        (status = 200, body = BiometricMatch, description = "A match and its single-use biometric_verification_token"),
        (status = 409, body = ErrorEnvelope, description = "INVALID_STATE"),
        (status = 413, body = ErrorEnvelope, description = "PAYLOAD_TOO_LARGE"),
        (status = 422, body = ErrorEnvelope, description = "BIOMETRIC_NO_MATCH (details.attempts_remaining), BIOMETRIC_SAMPLE_INVALID, VERIFICATION_ATTEMPTS_EXCEEDED"),
    ),
    security(("bearer" = ["dispensing:write"]))
)]
pub(crate) async fn biometric(
    State(app): State<AppState>,
    _caller: Authorized<scope::DispensingWrite>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(sample): ApiJson<BiometricSample>,
) -> Result<Json<BiometricMatch>, ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.submit_biometric(now, &id, sample).map(Json)
}

/// Ask for a facial check on the beneficiary's phone: show `challenge_url` as a QR code, then poll the status.
#[utoipa::path(
    post, path = "/dispensing/v1/dispensations/{id}/biometric/challenge", tag = "verification",
    params(("id" = String, Path, description = "Dispensation id"), ("Idempotency-Key" = Option<String>, Header)),
    request_body = ChallengeRequest,
    responses(
        (status = 201, body = Challenge),
        (status = 409, body = ErrorEnvelope, description = "INVALID_STATE"),
        (status = 422, body = ErrorEnvelope, description = "VERIFICATION_ATTEMPTS_EXCEEDED"),
    ),
    security(("bearer" = ["dispensing:write"]))
)]
pub(crate) async fn challenge(
    State(app): State<AppState>,
    _caller: Authorized<scope::DispensingWrite>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(request): ApiJson<ChallengeRequest>,
) -> Result<(StatusCode, Json<Challenge>), ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.create_challenge(now, &id, request).map(|challenge| (StatusCode::CREATED, Json(challenge)))
}
