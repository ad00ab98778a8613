//! `Idempotency-Key` on state-changing calls (contract conventions): the first reply to a key is kept for
//! 24 h; the same key with the same body gets that reply again, byte for byte; the same key with another body
//! gets 422 `IDEMPOTENCY_KEY_REUSED`. Concurrent requests with one key wait for each other, so a retry that
//! races the original still sees one outcome.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::extract::{bearer_token, read_body};
use crate::osigu::model::ErrorCode;
use crate::sandbox::error::ApiError;
use crate::sandbox::state::AppState;

/// The request header.
pub(crate) const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on replayed replies.
pub(crate) const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

const MAX_KEY_LENGTH: usize = 255;
const RETENTION: time::Duration = time::Duration::hours(24);
/// Old records are swept once this many keys accumulate.
const SWEEP_EVERY: usize = 1024;

struct Stored {
    fingerprint: [u8; 32],
    status: StatusCode,
    content_type: Option<HeaderValue>,
    body: Bytes,
    at: OffsetDateTime,
}

type Slot = Arc<tokio::sync::Mutex<Option<Stored>>>;

/// Replies kept per (client, key).
#[derive(Default)]
pub(crate) struct IdempotencyStore {
    slots: Mutex<HashMap<(String, String), Slot>>,
}

impl IdempotencyStore {
    fn slot(&self, client_id: &str, key: &str, now: OffsetDateTime) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if slots.len() % SWEEP_EVERY == SWEEP_EVERY - 1 {
            // A slot whose lock is held is in use and stays.
            slots.retain(|_, slot| {
                slot.try_lock().map_or(true, |stored| stored.as_ref().is_some_and(|s| now - s.at < RETENTION))
            });
        }
        Arc::clone(slots.entry((client_id.to_owned(), key.to_owned())).or_default())
    }
}

/// Whether a reply is the outcome of the request, worth replaying, rather than a refusal to look at it.
fn worth_keeping(status: StatusCode) -> bool {
    !(status.is_server_error()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED
                | StatusCode::FORBIDDEN
                | StatusCode::REQUEST_TIMEOUT
                | StatusCode::TOO_MANY_REQUESTS
        ))
}

fn fingerprint(method: &Method, path: &str, body: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hasher.finalize().into()
}

fn replay(stored: &Stored) -> Response {
    let mut response = (stored.status, stored.body.clone()).into_response();
    if let Some(content_type) = &stored.content_type {
        response.headers_mut().insert(header::CONTENT_TYPE, content_type.clone());
    }
    response.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

/// The middleware.
pub(crate) async fn idempotency(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::POST | Method::PUT) {
        return next.run(request).await;
    }
    if !request.headers().contains_key(&IDEMPOTENCY_KEY) {
        return next.run(request).await;
    }
    let now = app.clock.now();
    let client_id = bearer_token(request.headers())
        .and_then(|token| app.auth().resolve(token, now).ok().map(|grant| grant.client_id.clone()));
    // Without a valid token the handler refuses with 401, whatever the key; there is nothing to remember.
    let Some(client_id) = client_id else {
        return next.run(request).await;
    };
    let key = match request.headers().get(&IDEMPOTENCY_KEY).map(|value| value.to_str()) {
        Some(Ok(key)) if !key.trim().is_empty() && key.len() <= MAX_KEY_LENGTH => key.to_owned(),
        _ => {
            return ApiError::new(ErrorCode::ValidationError, "Idempotency-Key must be 1 to 255 visible characters")
                .with_field("Idempotency-Key", "1 to 255 characters")
                .into_response();
        }
    };

    let (parts, body) = request.into_parts();
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(error) => return error.into_response(),
    };
    let print = fingerprint(&parts.method, parts.uri.path(), &body);
    let slot = app.idempotency.slot(&client_id, &key, now);
    let mut stored = slot.lock().await;
    if let Some(previous) = stored.as_ref().filter(|previous| now - previous.at < RETENTION) {
        if previous.fingerprint == print {
            return replay(previous);
        }
        return ApiError::new(ErrorCode::IdempotencyKeyReused, "this Idempotency-Key was used with another request")
            .into_response();
    }

    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let (parts, body) = response.into_parts();
    // Replies are small JSON documents built in memory; reading them back cannot block.
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(error) => return error.into_response(),
    };
    if worth_keeping(parts.status) {
        *stored = Some(Stored {
            fingerprint: print,
            status: parts.status,
            content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
            body: body.clone(),
            at: now,
        });
    }
    Response::from_parts(parts, Body::from(body))
}
