//! Webhook events the sandbox emits (contract §5): kept in a short log for `GET /sandbox/v1/events` and
//! handed to the webhook sender when one is configured.

use std::collections::VecDeque;

use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use super::ids::IdGen;
use crate::osigu::webhook::{WebhookEnvelope, WebhookProvider};

/// Contract's webhook `api_version`.
pub(crate) const API_VERSION: &str = "2026-01-01";

const LOG_CAPACITY: usize = 500;

pub(crate) struct Events {
    provider_slug: String,
    log: VecDeque<WebhookEnvelope>,
    sender: Option<mpsc::UnboundedSender<WebhookEnvelope>>,
}

impl Events {
    pub fn new(provider_slug: String, sender: Option<mpsc::UnboundedSender<WebhookEnvelope>>) -> Self {
        Self { provider_slug, log: VecDeque::new(), sender }
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
        if let Some(sender) = &self.sender {
            // A closed sender means the sandbox is shutting down; the log still records the event.
            let _ = sender.send(envelope.clone());
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
