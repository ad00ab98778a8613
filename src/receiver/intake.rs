//! The receiver's two writers, each on a blocking thread of its own (SQLite is synchronous, and every commit
//! waits for the disk):
//!
//! - the intake keeps arriving events: it takes every event waiting at that moment, inserts them in one
//!   transaction (one wait for the disk for the lot: group commit), tells each request whether its event was
//!   new, and hands the new ones to the applier;
//! - the applier, after the answers are gone, writes each event's effect with its `applied` flag (see
//!   [`crate::journal::Journal::apply_webhook_effects`]), first applying whatever an earlier run kept but did
//!   not apply.
//!
//! A failed insert answers 503 (the event is not kept, so Osigu's retry is wanted); a failed apply leaves the
//! events unapplied in the journal, and the applier tries again from the journal with its next batch.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use super::Counters;
use super::effects::{self, Received};
use crate::journal::{Journal, NewWebhookEvent};
use crate::sandbox::Clock;

/// Requests waiting for the intake before new ones wait to be queued.
pub(super) const QUEUE: usize = 1024;

/// The most events in one transaction.
const MAX_BATCH: usize = 512;

/// What the intake tells a request: whether its event was new (`false`: a duplicate), or that it could not be
/// kept.
pub(super) type Kept = Result<bool, NotKept>;

/// The journal refused the event; the log says why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct NotKept;

/// An event on its way into the journal, and who waits for the answer.
pub(super) struct Arrival {
    pub row: NewWebhookEvent,
    pub event: Received,
    pub reply: oneshot::Sender<Kept>,
}

/// Takes the first message, then whatever else is already waiting, up to [`MAX_BATCH`].
fn batch<T>(first: T, queue: &mut mpsc::Receiver<T>) -> Vec<T> {
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match queue.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    batch
}

/// Starts the intake; it ends when every sender of `arrived` is gone, and then the applier's queue closes.
pub(super) fn spawn_intake(
    journal: Journal,
    clock: Clock,
    counters: Arc<Counters>,
    mut arrived: mpsc::Receiver<Arrival>,
    to_apply: mpsc::UnboundedSender<Received>,
) -> JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        while let Some(first) = arrived.blocking_recv() {
            let arrivals = batch(first, &mut arrived);
            let (rows, rest): (Vec<NewWebhookEvent>, Vec<(Received, oneshot::Sender<Kept>)>) =
                arrivals.into_iter().map(|arrival| (arrival.row, (arrival.event, arrival.reply))).unzip();
            match journal.accept_webhook_events(&rows, clock.now()) {
                Ok(fresh) => {
                    for ((event, reply), new) in rest.into_iter().zip(fresh) {
                        // Counted before the answer, so the counts include every event already answered.
                        Counters::add(if new { &counters.accepted } else { &counters.duplicates }, 1);
                        // Answered first: the effect is work done after the answer.
                        let _ = reply.send(Ok(new));
                        if new {
                            debug!(event_id = %event.event_id, event_type = %event.event_type, "webhook event kept");
                            let _ = to_apply.send(event);
                        } else {
                            debug!(event_id = %event.event_id, "webhook event already kept: not applied again");
                        }
                    }
                }
                Err(error) => {
                    let count = rest.len();
                    warn!(%error, count, "webhook events not kept: answered 503, Osigu delivers them again");
                    Counters::add(&counters.not_kept, u64::try_from(count).unwrap_or(u64::MAX));
                    for (_, reply) in rest {
                        let _ = reply.send(Err(NotKept));
                    }
                }
            }
        }
    })
}

/// Applies `events` as of the clock's now; whether the journal took them.
fn apply(journal: &Journal, clock: &Clock, counters: &Counters, events: &[Received]) -> bool {
    let now = clock.now();
    let effects: Vec<_> = events.iter().map(|event| (event.event_id.clone(), effects::effect(event, now))).collect();
    match journal.apply_webhook_effects(&effects, now) {
        Ok(applied) => {
            Counters::add(&counters.applied, u64::try_from(applied).unwrap_or(u64::MAX));
            true
        }
        Err(error) => {
            warn!(%error, count = events.len(), "webhook events kept but not applied yet; tried again later");
            false
        }
    }
}

/// Applies what the journal holds unapplied (an earlier run's, or a failed batch's); whether that worked.
fn apply_left_over(journal: &Journal, clock: &Clock, counters: &Counters) -> bool {
    let stored = match journal.unapplied_webhook_events() {
        Ok(stored) => stored,
        Err(error) => {
            warn!(%error, "the webhook events left unapplied cannot be read; tried again later");
            return false;
        }
    };
    if stored.is_empty() {
        return true;
    }
    let events: Vec<Received> = stored
        .into_iter()
        .filter_map(|row| match effects::read(row.body.as_bytes()) {
            Ok(event) => Some(event),
            Err(error) => {
                // It was read once before it was kept, so this is a damaged row: it cannot be applied.
                warn!(event_id = %row.event_id, %error, "a kept webhook event cannot be read again");
                None
            }
        })
        .collect();
    tracing::info!(count = events.len(), "applying webhook events an earlier run kept but did not apply");
    apply(journal, clock, counters, &events)
}

/// Starts the applier; it ends once the intake has ended and everything it handed over is applied.
pub(super) fn spawn_applier(
    journal: Journal,
    clock: Clock,
    counters: Arc<Counters>,
    mut applying: mpsc::UnboundedReceiver<Received>,
) -> JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        let mut behind = !apply_left_over(&journal, &clock, &counters);
        while let Some(first) = applying.blocking_recv() {
            let mut events = vec![first];
            while events.len() < MAX_BATCH {
                match applying.try_recv() {
                    Ok(next) => events.push(next),
                    Err(_) => break,
                }
            }
            if behind {
                behind = !apply_left_over(&journal, &clock, &counters);
            }
            if !apply(&journal, &clock, &counters, &events) {
                behind = true;
            }
        }
    })
}
