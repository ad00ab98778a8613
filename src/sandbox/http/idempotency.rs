//! `Idempotency-Key` on state-changing calls (contract conventions): the first reply to a key is kept for
//! 24 h; the same key with the same body gets that reply again, byte for byte; the same key with another body
//! gets 422 `IDEMPOTENCY_KEY_REUSED`. Concurrent requests with one key wait for each other, so a retry that
//! races the original still sees one outcome.
//!
//! The store is bounded in bytes (keys, kept replies and a fixed overhead per record): when a new record needs
//! the room, the oldest records are forgotten first, and a reply larger than the whole budget is not kept at
//! all. A forgotten key is handled again as if new. Records in use by a request in flight are never forgotten
//! under it, so a retry racing its original still sees one outcome.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
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
/// What a record costs besides its key and reply: the fingerprint, status, content type, times, the map's
/// own bookkeeping. An estimate on the generous side, so the budget holds in real memory too.
const RECORD_OVERHEAD: usize = 256;

struct Stored {
    fingerprint: [u8; 32],
    status: StatusCode,
    content_type: Option<HeaderValue>,
    body: Bytes,
    at: OffsetDateTime,
}

type Slot = Arc<tokio::sync::Mutex<Option<Stored>>>;
type Key = (String, String);

/// One (client, key) and what it costs.
struct Entry {
    slot: Slot,
    created: OffsetDateTime,
    bytes: usize,
}

impl Entry {
    /// A request holds its own handle on the slot while it runs; the index holds the other.
    fn in_use(&self) -> bool {
        Arc::strong_count(&self.slot) > 1
    }
}

#[derive(Default)]
struct Index {
    entries: HashMap<Key, Entry>,
    /// Keys by creation, oldest first.
    order: BTreeMap<u64, Key>,
    bytes: usize,
    next_serial: u64,
}

impl Index {
    fn forget(&mut self, serial: u64) {
        if let Some(key) = self.order.remove(&serial)
            && let Some(entry) = self.entries.remove(&key)
        {
            self.bytes = self.bytes.saturating_sub(entry.bytes);
        }
    }

    /// Forgets records past their retention, and then the oldest ones until the store is within `budget`;
    /// records in use stay.
    fn trim(&mut self, now: OffsetDateTime, budget: usize) {
        let mut victims = Vec::new();
        let mut bytes = self.bytes;
        for (serial, key) in &self.order {
            let Some(entry) = self.entries.get(key) else {
                victims.push(*serial);
                continue;
            };
            let expired = now - entry.created >= RETENTION;
            if !expired && bytes <= budget {
                break;
            }
            if !entry.in_use() {
                victims.push(*serial);
                bytes = bytes.saturating_sub(entry.bytes);
            }
        }
        for serial in victims {
            self.forget(serial);
        }
    }
}

/// Replies kept per (client, key), within a budget of bytes.
pub(crate) struct IdempotencyStore {
    index: Mutex<Index>,
    budget: usize,
}

impl IdempotencyStore {
    pub fn new(budget: usize) -> Self {
        Self { index: Mutex::new(Index::default()), budget }
    }

    /// The bytes held now.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Index> {
        // Every change to the index is complete before the next statement: a panic elsewhere cannot leave it
        // half-done, so a poisoned lock is still consistent.
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn slot(&self, client_id: &str, key: &str, now: OffsetDateTime) -> Slot {
        let mut index = self.lock();
        let name = (client_id.to_owned(), key.to_owned());
        if let Some(entry) = index.entries.get(&name) {
            return Arc::clone(&entry.slot);
        }
        let slot = Slot::default();
        let serial = index.next_serial;
        index.next_serial = serial.wrapping_add(1);
        let bytes = client_id.len().saturating_add(key.len()).saturating_add(RECORD_OVERHEAD);
        index.entries.insert(name.clone(), Entry { slot: Arc::clone(&slot), created: now, bytes });
        index.order.insert(serial, name);
        index.bytes = index.bytes.saturating_add(bytes);
        index.trim(now, self.budget);
        slot
    }

    /// Whether a reply of `reply_bytes` may be kept for this key at all: not when it alone exceeds the budget.
    fn fits(&self, client_id: &str, key: &str, reply_bytes: usize) -> bool {
        let record = client_id.len().saturating_add(key.len()).saturating_add(RECORD_OVERHEAD);
        record.saturating_add(reply_bytes) <= self.budget
    }

    /// Counts a reply just kept in `slot`, and makes room for it.
    fn kept(&self, client_id: &str, key: &str, slot: &Slot, reply_bytes: usize, now: OffsetDateTime) {
        let mut index = self.lock();
        let name = (client_id.to_owned(), key.to_owned());
        // The entry may have been forgotten meanwhile (expired while this request ran); then nothing counts.
        if let Some(entry) = index.entries.get_mut(&name).filter(|entry| Arc::ptr_eq(&entry.slot, slot)) {
            entry.bytes = entry.bytes.saturating_add(reply_bytes);
            index.bytes = index.bytes.saturating_add(reply_bytes);
        }
        index.trim(now, self.budget);
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
    // Replies are JSON documents built in memory: reading them back cannot block, and the request's size limit
    // does not apply (a reply may echo a request near that limit, or list many dispensations).
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return ApiError::new(ErrorCode::InternalError, "the reply could not be read back").into_response();
        }
    };
    if worth_keeping(parts.status) && app.idempotency.fits(&client_id, &key, body.len()) {
        *stored = Some(Stored {
            fingerprint: print,
            status: parts.status,
            content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
            body: body.clone(),
            at: now,
        });
        app.idempotency.kept(&client_id, &key, &slot, body.len(), now);
    }
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-21 10:00 UTC);

    /// What the middleware does for one keyed request whose reply is `reply` bytes long.
    fn keep(store: &IdempotencyStore, key: &str, reply: usize, now: OffsetDateTime) {
        let slot = store.slot("counter-demo", key, now);
        if !store.fits("counter-demo", key, reply) {
            return;
        }
        let body = Bytes::from(vec![b'x'; reply]);
        let stored = Stored { fingerprint: [0; 32], status: StatusCode::OK, content_type: None, body, at: now };
        *slot.try_lock().expect("free") = Some(stored);
        store.kept("counter-demo", key, &slot, reply, now);
    }

    fn keys(store: &IdempotencyStore) -> Vec<String> {
        let index = store.lock();
        index.order.values().map(|(_, key)| key.clone()).collect()
    }

    #[test]
    fn the_oldest_records_go_first_and_the_bytes_stay_within_the_budget() {
        let store = IdempotencyStore::new(10_000);
        for n in 0..50 {
            keep(&store, &format!("k{n}"), 3_000, T0);
            assert!(store.bytes() <= 10_000, "after k{n}: {} bytes", store.bytes());
        }
        // Three records of ~3.3 KB fit in 10 KB: the last three, in their order.
        assert_eq!(keys(&store), ["k47", "k48", "k49"]);
        // A reply larger than the whole budget is not kept, and forgets nothing else.
        keep(&store, "huge", 20_000, T0);
        assert_eq!(keys(&store), ["k48", "k49", "huge"], "only the key itself is counted");
        assert!(store.bytes() <= 10_000);
    }

    #[test]
    fn a_record_in_use_is_not_forgotten_under_its_request_and_old_ones_expire() {
        let store = IdempotencyStore::new(10_000);
        let held = store.slot("counter-demo", "held", T0);
        for n in 0..10 {
            keep(&store, &format!("k{n}"), 3_000, T0);
        }
        assert_eq!(keys(&store)[0], "held");
        drop(held);
        keep(&store, "later", 100, T0 + time::Duration::hours(25));
        assert_eq!(keys(&store), ["later"], "a day-old record is forgotten even with room to spare");
    }
}
