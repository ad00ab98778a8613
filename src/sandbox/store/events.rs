//! Webhook events the sandbox emits (contract §5): kept in a short log for `GET /sandbox/v1/events`, and
//! handed to the sender with the subscriptions whose patterns match them, as they stand when the event
//! happens (a subscription made later does not receive earlier events; one deleted later still gets what it
//! was due).

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use super::ids::IdGen;
use crate::osigu::model::{Id, event_matches};
use crate::osigu::webhook::{WebhookEnvelope, WebhookProvider};

/// Contract's webhook `api_version`.
pub(crate) const API_VERSION: &str = "2026-01-01";

const LOG_CAPACITY: usize = 500;

/// Where one subscription's copy of an event goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub subscription_id: Id,
    pub url: String,
    /// Every delivery is signed with each of these (one `v1=` each).
    pub secrets: Arc<[String]>,
}

/// An event and the subscriptions it is owed to.
#[derive(Clone, Debug)]
pub(crate) struct Outgoing {
    pub envelope: WebhookEnvelope,
    pub targets: Vec<Target>,
}

/// A webhook subscription as the store keeps it.
#[derive(Clone, Debug)]
pub(crate) struct SubscriptionRecord {
    pub target: Target,
    pub event_types: Vec<String>,
    pub created_at: OffsetDateTime,
}

pub(crate) struct Events {
    provider_slug: String,
    log: VecDeque<WebhookEnvelope>,
    sender: mpsc::UnboundedSender<Outgoing>,
    /// In creation order.
    pub subscriptions: Vec<SubscriptionRecord>,
}

impl Events {
    pub fn new(provider_slug: String, sender: mpsc::UnboundedSender<Outgoing>) -> Self {
        Self { provider_slug, log: VecDeque::new(), sender, subscriptions: Vec::new() }
    }

    pub fn emit(&mut self, ids: &mut IdGen, now: OffsetDateTime, event_type: &str, data: Value) {
        let envelope = WebhookEnvelope {
            event_id: ids.id("evt", now),
            event_type: event_type.to_owned(),
            created_at: now,
            api_version: API_VERSION.to_owned(),
            environment: "sandbox".to_owned(),
            data,
            provider: WebhookProvider { provider_slug: self.provider_slug.clone(), provider_id: None },
        };
        let targets: Vec<Target> = self
            .subscriptions
            .iter()
            .filter(|subscription| subscription.event_types.iter().any(|pattern| event_matches(pattern, event_type)))
            .map(|subscription| subscription.target.clone())
            .collect();
        if !targets.is_empty() {
            // A closed channel means the sandbox is shutting down; the log still records the event.
            let _ = self.sender.send(Outgoing { envelope: envelope.clone(), targets });
        }
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(envelope);
    }

    /// Newest last.
    pub fn recent(&self) -> impl Iterator<Item = &WebhookEnvelope> {
        self.log.iter()
    }
}
