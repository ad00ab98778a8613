//! The sandbox's own routes, outside Osigu's contract: the outbox of OTP messages, the webhook event log,
//! the phone side of remote challenges, voiding an authorization, and the clock.
//!
//! The challenge page and its approve/reject buttons need no token: the unguessable challenge id in the URL
//! is the credential, as with the link a real beneficiary opens on their phone.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::osigu::model::{ErrorEnvelope, Id, wire_name};
use crate::osigu::webhook::WebhookEnvelope;
use crate::sandbox::error::ApiError;
use crate::sandbox::http::extract::{AnyClient, ApiJson, ApiPath, ApiQuery};
use crate::sandbox::state::AppState;
use crate::sandbox::store::{ChallengeDecision, ChallengeState, OutboxMessage};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OutboxQuery {
    /// Only the messages of this dispensation.
    dispensation_id: Option<Id>,
}

/// The OTP messages beneficiaries "received", newest first, codes in clear.
#[utoipa::path(
    get, path = "/sandbox/v1/outbox", tag = "sandbox",
    params(OutboxQuery),
    responses((status = 200, body = Vec<OutboxMessage>), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub(crate) async fn outbox(
    State(app): State<AppState>,
    _caller: AnyClient,
    ApiQuery(query): ApiQuery<OutboxQuery>,
) -> Json<Vec<OutboxMessage>> {
    Json(app.store().outbox(query.dispensation_id.as_ref()))
}

/// The webhook events emitted recently, oldest first (whether or not a receiver is configured).
#[utoipa::path(
    get, path = "/sandbox/v1/events", tag = "sandbox",
    responses((status = 200, body = Vec<WebhookEnvelope>), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = []))
)]
pub(crate) async fn events(State(app): State<AppState>, _caller: AnyClient) -> Json<Vec<WebhookEnvelope>> {
    Json(app.store().events())
}

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

/// The page the beneficiary's phone opens from the QR code.
#[utoipa::path(
    get, path = "/sandbox/v1/challenges/{id}", tag = "sandbox",
    params(("id" = String, Path, description = "Challenge id")),
    responses((status = 200, content_type = "text/html", description = "A page with Approve and Reject buttons"), (status = 404, body = ErrorEnvelope)),
)]
pub(crate) async fn challenge_page(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Html<String>, ApiError> {
    let summary = app.store().challenge_summary(&id)?;
    let sponsor = summary.sponsor_name.as_deref().unwrap_or("Osigu");
    let actions = if summary.state == ChallengeState::Pending {
        format!(
            "<form method=\"post\" action=\"{id}/approve\"><button>Aprobar / Approve</button></form>\
             <form method=\"post\" action=\"{id}/reject\"><button>Rechazar / Reject</button></form>",
            id = escape(id.as_str())
        )
    } else {
        format!("<p>{}</p>", wire_name(&summary.state))
    };
    Ok(Html(format!(
        "<!doctype html><html lang=\"es\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>Verificación facial</title><h1>{sponsor}</h1><p>Verificación facial para la dispensación de \
         <b>{code}</b> (sandbox).</p>{actions}",
        sponsor = escape(sponsor),
        code = escape(&summary.code),
    )))
}

/// The beneficiary's phone approves the facial check.
#[utoipa::path(
    post, path = "/sandbox/v1/challenges/{id}/approve", tag = "sandbox",
    params(("id" = String, Path, description = "Challenge id")),
    responses((status = 200, body = ChallengeDecision), (status = 404, body = ErrorEnvelope, description = "CHALLENGE_NOT_FOUND"), (status = 409, body = ErrorEnvelope, description = "INVALID_STATE: already decided or expired")),
)]
pub(crate) async fn approve(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<ChallengeDecision>, ApiError> {
    app.store().decide_challenge(&id, true).map(Json)
}

/// The beneficiary's phone fails the facial check.
#[utoipa::path(
    post, path = "/sandbox/v1/challenges/{id}/reject", tag = "sandbox",
    params(("id" = String, Path, description = "Challenge id")),
    responses((status = 200, body = ChallengeDecision), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
)]
pub(crate) async fn reject(
    State(app): State<AppState>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<ChallengeDecision>, ApiError> {
    app.store().decide_challenge(&id, false).map(Json)
}

/// The sponsor voids an authorization (emits `authorization.voided`); a dispensation in progress on it can
/// no longer complete.
#[utoipa::path(
    post, path = "/sandbox/v1/authorizations/{code}/void", tag = "sandbox",
    params(("code" = String, Path, description = "Authorization code")),
    responses((status = 204, description = "Voided"), (status = 404, body = ErrorEnvelope, description = "CODE_NOT_FOUND")),
    security(("bearer" = []))
)]
pub(crate) async fn void_authorization(
    State(app): State<AppState>,
    _caller: AnyClient,
    ApiPath(code): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let mut store = app.store();
    let now = store.now;
    store.void_authorization(now, &code).map(|()| StatusCode::NO_CONTENT)
}

/// The sandbox's time.
#[derive(Serialize, Deserialize, ToSchema)]
pub(crate) struct ClockReading {
    #[serde(with = "time::serde::rfc3339")]
    pub now: OffsetDateTime,
    /// Whether time stands still between advances.
    pub frozen: bool,
}

/// How far to move the clock.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ClockAdvance {
    /// Seconds, at most ten years at a time and a hundred years in all.
    #[schema(maximum = 316224000)]
    pub seconds: u64,
}

fn reading(app: &AppState) -> ClockReading {
    ClockReading { now: app.clock.now(), frozen: app.clock.is_frozen() }
}

/// The sandbox's current time.
#[utoipa::path(get, path = "/sandbox/v1/clock", tag = "sandbox", responses((status = 200, body = ClockReading)), security(("bearer" = [])))]
pub(crate) async fn clock(State(app): State<AppState>, _caller: AnyClient) -> Json<ClockReading> {
    Json(reading(&app))
}

/// Moves the sandbox's time forward: OTPs expire, dispensations time out, challenges lapse.
#[utoipa::path(
    post, path = "/sandbox/v1/clock/advance", tag = "sandbox",
    request_body = ClockAdvance,
    responses((status = 200, body = ClockReading), (status = 400, body = ErrorEnvelope, description = "VALIDATION_ERROR: more than ten years at once, or past a hundred years in all")),
    security(("bearer" = []))
)]
pub(crate) async fn advance_clock(
    State(app): State<AppState>,
    _caller: AnyClient,
    ApiJson(request): ApiJson<ClockAdvance>,
) -> Result<Json<ClockReading>, ApiError> {
    const TEN_YEARS: u64 = 10 * 366 * 24 * 3600;
    if request.seconds > TEN_YEARS {
        return Err(ApiError::invalid_field("seconds", "at most ten years"));
    }
    app.clock
        .try_advance(Duration::from_secs(request.seconds))
        .map_err(|limit| ApiError::invalid_field("seconds", limit.to_string()))?;
    // Apply what the jump did now, so events fire without waiting for the next request.
    drop(app.store());
    Ok(Json(reading(&app)))
}
