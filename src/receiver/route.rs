//! `POST /osigu`: one delivery, checked in the order that costs least to refuse (size, signature, envelope),
//! then kept by the intake and answered. A refusal is one log line naming the peer and the reason, never the
//! body nor the signature header.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tracing::warn;

use super::intake::{Arrival, NotKept};
use super::{Counters, MAX_BODY_BYTES, PATH, effects};
use crate::osigu::endpoint::Secret;
use crate::osigu::webhook::{SIGNATURE_HEADER, SignatureError, verify_signature};
use crate::sandbox::Clock;

/// The address a request came from (a reverse proxy's, behind one), put on each request by the accept loop.
#[derive(Clone, Copy, Debug)]
pub(super) struct Peer(pub SocketAddr);

/// What every request needs.
pub(super) struct Shared {
    pub secrets: Vec<Secret>,
    pub clock: Clock,
    pub counters: Arc<Counters>,
    pub arrivals: mpsc::Sender<Arrival>,
}

pub(super) fn router(shared: Shared) -> Router {
    Router::new().route(PATH, post(receive)).with_state(Arc::new(shared))
}

fn reply(status: StatusCode, word: &str) -> Response {
    (status, axum::Json(json!({ "status": word }))).into_response()
}

/// The body, at most [`MAX_BODY_BYTES`]: a declared length past it is refused before anything is read.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, StatusCode> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => Err(StatusCode::PAYLOAD_TOO_LARGE),
        // The peer went away mid-body: nobody is left to answer.
        Err(_) => Err(StatusCode::BAD_REQUEST),
    }
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let peer = peer.map_or_else(|| "unknown".to_owned(), |Extension(Peer(addr))| addr.to_string());
    let body = match read_body(&headers, body).await {
        Ok(body) => body,
        Err(status) => {
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                Counters::add(&shared.counters.too_large, 1);
            }
            warn!(%peer, status = status.as_u16(), "webhook refused: body over 1 MiB or not received whole");
            return reply(status, "refused");
        }
    };

    let signature = headers.get(SIGNATURE_HEADER).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let secrets: Vec<&str> = shared.secrets.iter().map(Secret::expose).collect();
    if let Err(error) = verify_signature(signature, &body, &secrets, shared.clock.now()) {
        let counter = match error {
            SignatureError::Stale => &shared.counters.stale,
            SignatureError::Malformed | SignatureError::Mismatch => &shared.counters.bad_signature,
        };
        Counters::add(counter, 1);
        warn!(%peer, reason = %error, "webhook refused (401)");
        return reply(StatusCode::UNAUTHORIZED, "invalid signature");
    }

    let event = match effects::read(&body) {
        Ok(event) => event,
        Err(error) => {
            Counters::add(&shared.counters.malformed, 1);
            warn!(%peer, reason = %error, "webhook refused (400)");
            return reply(StatusCode::BAD_REQUEST, "not an event");
        }
    };
    // `read` parsed it as JSON, so it is UTF-8; kept exactly as signed.
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return reply(StatusCode::BAD_REQUEST, "not an event");
    };
    let row = effects::new_event(&event, text);
    let (answer, answered) = oneshot::channel();
    let unavailable = || reply(StatusCode::SERVICE_UNAVAILABLE, "not kept");
    if shared.arrivals.send(Arrival { row, event, reply: answer }).await.is_err() {
        return unavailable();
    }
    match answered.await {
        Ok(Ok(true)) => reply(StatusCode::OK, "accepted"),
        Ok(Ok(false)) => reply(StatusCode::OK, "duplicate"),
        Ok(Err(NotKept)) | Err(_) => unavailable(),
    }
}
