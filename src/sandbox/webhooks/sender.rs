//! The delivery engine: one delivery per (event, subscription), each attempted when the sandbox's clock
//! reaches its next instant on the schedule, and a book of every delivery and its attempts that
//! `GET /sandbox/v1/webhook-deliveries` shows.
//!
//! At most one request is in flight per subscription, and due deliveries go out oldest first, so a healthy
//! receiver gets each subscription's events in emission order (`dispensing.started` before
//! `dispensing.completed`); a delivery waiting for its retry does not hold back later events. The engine wakes
//! on a new event, a finished attempt, a clock advance, or (on a flowing clock) the next due instant; an idle
//! sandbox with nothing to retry sleeps.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tracing::{debug, warn};
use utoipa::ToSchema;

use super::schedule::next_attempt;
use crate::osigu::model::Id;
use crate::osigu::webhook::{SIGNATURE_HEADER, signature_header};
use crate::sandbox::clock::Clock;
use crate::sandbox::store::{Outgoing, Target};

/// Osigu's documented delivery timeout.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Deliveries the book keeps; past this the oldest finished ones are forgotten first.
const CAPACITY: usize = 10_000;

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// Not accepted yet; `next_attempt_at` says when it is tried again.
    Pending,
    /// A 2xx reply accepted it; it is never sent again.
    Delivered,
    /// Refused or unreachable for 72 hours; given up.
    Abandoned,
}

/// One attempt of a delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct AttemptRecord {
    /// 1 for the first attempt.
    pub number: u32,
    /// When it was made, by the sandbox's clock (also the signature's `t`).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The receiver's HTTP status; `null` when no reply came (refused connection, timeout).
    pub status_code: Option<u16>,
    /// Why no reply came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One event's delivery to one subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryView {
    pub event_id: Id,
    pub event_type: String,
    pub subscription_id: Id,
    pub status: DeliveryStatus,
    pub attempts: Vec<AttemptRecord>,
    /// By the sandbox's clock; `null` once delivered or abandoned.
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
}

struct Delivery {
    seq: u64,
    view: DeliveryView,
    body: Arc<[u8]>,
    target: Target,
    /// When the first attempt was made: the schedule counts from it.
    first_at: Option<OffsetDateTime>,
    in_flight: bool,
}

#[derive(Default)]
struct Book {
    next_seq: u64,
    entries: VecDeque<Delivery>,
}

/// What an attempt came to.
struct Outcome {
    status_code: Option<u16>,
    error: Option<String>,
}

impl Outcome {
    fn delivered(&self) -> bool {
        self.status_code.is_some_and(|status| (200..300).contains(&status))
    }
}

/// An attempt ready to go: the delivery's number in the book and what to send.
struct Dispatch {
    seq: u64,
    url: String,
    secrets: Arc<[String]>,
    body: Arc<[u8]>,
    at: OffsetDateTime,
}

/// Every delivery, shared by the engine and the route that shows them.
#[derive(Default)]
pub(crate) struct Deliveries(Mutex<Book>);

impl Deliveries {
    fn book(&self) -> MutexGuard<'_, Book> {
        // The book is consistent between operations; a panic elsewhere while holding it poisons nothing.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Deliveries in the order their events came, optionally of one subscription or one event.
    pub fn views(&self, subscription: Option<&Id>, event: Option<&Id>) -> Vec<DeliveryView> {
        self.book()
            .entries
            .iter()
            .filter(|delivery| subscription.is_none_or(|id| delivery.view.subscription_id == *id))
            .filter(|delivery| event.is_none_or(|id| delivery.view.event_id == *id))
            .map(|delivery| delivery.view.clone())
            .collect()
    }

    /// Books one delivery per target, each due at once.
    fn add(&self, outgoing: Outgoing, now: OffsetDateTime) {
        let Ok(body) = serde_json::to_vec(&outgoing.envelope) else { return };
        let body: Arc<[u8]> = body.into();
        let mut book = self.book();
        for target in outgoing.targets {
            let seq = book.next_seq;
            book.next_seq = book.next_seq.wrapping_add(1);
            let view = DeliveryView {
                event_id: outgoing.envelope.event_id.clone(),
                event_type: outgoing.envelope.event_type.clone(),
                subscription_id: target.subscription_id.clone(),
                status: DeliveryStatus::Pending,
                attempts: Vec::new(),
                next_attempt_at: Some(now),
            };
            book.entries.push_back(Delivery {
                seq,
                view,
                body: Arc::clone(&body),
                target,
                first_at: None,
                in_flight: false,
            });
        }
        while book.entries.len() > CAPACITY {
            // Forget the oldest finished delivery; only when every one is pending, the oldest pending.
            let finished = book.entries.iter().position(|d| d.view.status != DeliveryStatus::Pending && !d.in_flight);
            let forgotten = match finished {
                Some(index) => book.entries.remove(index),
                None => book.entries.pop_front(),
            };
            if let Some(forgotten) = forgotten
                && forgotten.view.status == DeliveryStatus::Pending
            {
                warn!(event_id = %forgotten.view.event_id, "webhook delivery dropped: too many pending deliveries");
            }
        }
    }

    /// Marks every due delivery whose subscription has nothing in flight as in flight, oldest first.
    fn due(&self, now: OffsetDateTime) -> Vec<Dispatch> {
        let mut book = self.book();
        let mut busy: HashSet<Id> =
            book.entries.iter().filter(|d| d.in_flight).map(|d| d.target.subscription_id.clone()).collect();
        let mut due = Vec::new();
        for delivery in book.entries.iter_mut() {
            let ready = delivery.view.status == DeliveryStatus::Pending
                && !delivery.in_flight
                && delivery.view.next_attempt_at.is_some_and(|at| at <= now);
            if !ready || !busy.insert(delivery.target.subscription_id.clone()) {
                continue;
            }
            delivery.in_flight = true;
            delivery.first_at.get_or_insert(now);
            due.push(Dispatch {
                seq: delivery.seq,
                url: delivery.target.url.clone(),
                secrets: Arc::clone(&delivery.target.secrets),
                body: Arc::clone(&delivery.body),
                at: now,
            });
        }
        due
    }

    /// The earliest instant after `now` at which a delivery not in flight comes due.
    fn next_due_after(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        self.book()
            .entries
            .iter()
            .filter(|d| d.view.status == DeliveryStatus::Pending && !d.in_flight)
            .filter_map(|d| d.view.next_attempt_at)
            .filter(|at| *at > now)
            .min()
    }

    /// Records an attempt made at `at` and plans the next one from `now` (when it came back).
    fn finish(&self, seq: u64, at: OffsetDateTime, outcome: Outcome, now: OffsetDateTime) {
        let mut book = self.book();
        let Some(delivery) = book.entries.iter_mut().find(|d| d.seq == seq) else { return };
        delivery.in_flight = false;
        let number = u32::try_from(delivery.view.attempts.len()).unwrap_or(u32::MAX).saturating_add(1);
        let view = &mut delivery.view;
        let delivered = outcome.delivered();
        view.attempts.push(AttemptRecord { number, at, status_code: outcome.status_code, error: outcome.error });
        if delivered {
            debug!(event_id = %view.event_id, subscription_id = %view.subscription_id, attempt = number, "webhook delivered");
            view.status = DeliveryStatus::Delivered;
            view.next_attempt_at = None;
            return;
        }
        view.next_attempt_at = next_attempt(delivery.first_at.unwrap_or(at), now);
        let status = view.attempts.last().and_then(|attempt| attempt.status_code);
        warn!(
            event_id = %view.event_id,
            subscription_id = %view.subscription_id,
            attempt = number,
            status = ?status,
            "webhook not accepted by its receiver"
        );
        if view.next_attempt_at.is_none() {
            warn!(event_id = %view.event_id, subscription_id = %view.subscription_id, attempts = number, "webhook abandoned after 72 hours");
            view.status = DeliveryStatus::Abandoned;
        }
    }
}

/// One POST, signed for `at`. Redirects are answers like any other: not followed, and not a 2xx.
async fn attempt(client: reqwest::Client, dispatch: &Dispatch) -> Outcome {
    let signature = signature_header(&dispatch.secrets, dispatch.at.unix_timestamp(), &dispatch.body);
    let sent = client
        .post(&dispatch.url)
        .header(CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .body(dispatch.body.to_vec())
        .send()
        .await;
    match sent {
        Ok(reply) => Outcome { status_code: Some(reply.status().as_u16()), error: None },
        // The receiver's URL may carry a credential; keep it out of the record and the log.
        Err(error) => Outcome { status_code: None, error: Some(error.without_url().to_string()) },
    }
}

/// Starts the engine; aborting the returned task abandons every delivery still pending.
pub(crate) fn spawn(
    clock: Clock,
    deliveries: Arc<Deliveries>,
    mut outgoing: mpsc::UnboundedReceiver<Outgoing>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        // Built at the first delivery, not at start: a sandbox nobody subscribed to (the counter's embedded one)
        // never reads the system's CA certificates.
        let mut client: Option<reqwest::Client> = None;
        let mut advanced = clock.subscribe();
        let mut in_flight: JoinSet<(Dispatch, Outcome)> = JoinSet::new();
        loop {
            let now = clock.now();
            for dispatch in deliveries.due(now) {
                if client.is_none() {
                    match crate::http::client_builder()
                        .timeout(DELIVERY_TIMEOUT)
                        .redirect(reqwest::redirect::Policy::none())
                        .build()
                    {
                        Ok(built) => client = Some(built),
                        Err(error) => {
                            warn!(%error, "webhooks disabled: cannot build an HTTP client");
                            return;
                        }
                    }
                }
                let Some(client) = client.clone() else { return };
                in_flight.spawn(async move {
                    let outcome = attempt(client, &dispatch).await;
                    (dispatch, outcome)
                });
            }
            let next = deliveries.next_due_after(now);
            // A frozen clock moves only when advanced, which wakes the loop anyway.
            let timer = async {
                match next {
                    Some(at) if !clock.is_frozen() => {
                        let left = Duration::try_from(at - now).unwrap_or_default();
                        tokio::time::sleep(left.saturating_add(Duration::from_millis(5))).await;
                    }
                    _ => std::future::pending().await,
                }
            };
            tokio::select! {
                message = outgoing.recv() => match message {
                    Some(message) => deliveries.add(message, now),
                    None => return,
                },
                Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => {
                    if let Ok((dispatch, outcome)) = joined {
                        deliveries.finish(dispatch.seq, dispatch.at, outcome, clock.now());
                    }
                }
                changed = advanced.changed() => if changed.is_err() { return },
                () = timer => {}
            }
        }
    })
}
