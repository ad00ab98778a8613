//! Webhook subscriptions (contract §5, facts §8.1): made, listed and deleted through
//! `/webhooks/v1/subscriptions`, one made at start for `--webhook-url`. Each names a receiver's URL (HTTPS,
//! plain HTTP only on loopback) and the event types it wants, as glob patterns each of which must match some
//! documented event type, so a typo is refused instead of silently receiving nothing.

use std::sync::Arc;

use time::OffsetDateTime;

use super::Store;
use super::events::{SubscriptionRecord, Target};
use crate::osigu::model::{EVENT_TYPES, ErrorCode, Id, SubscriptionRequest, WebhookSubscription, event_matches};
use crate::sandbox::error::ApiError;
use crate::sandbox::webhooks::check_url;

/// The most subscriptions one sandbox keeps.
const MAX_SUBSCRIPTIONS: usize = 100;
/// The most patterns one subscription may list, and the longest pattern.
const MAX_PATTERNS: usize = 50;
const MAX_PATTERN_CHARS: usize = 100;

fn not_found(id: &Id) -> ApiError {
    ApiError::new(ErrorCode::SubscriptionNotFound, format!("no webhook subscription {id}"))
}

fn render(record: &SubscriptionRecord) -> WebhookSubscription {
    WebhookSubscription {
        subscription_id: record.target.subscription_id.clone(),
        url: record.target.url.clone(),
        event_types: record.event_types.clone(),
        created_at: Some(record.created_at),
    }
}

impl Store {
    /// `POST /webhooks/v1/subscriptions`, signed with the sandbox's configured secrets. Every wrong field is
    /// named in one 400.
    pub fn subscribe(
        &mut self,
        now: OffsetDateTime,
        request: SubscriptionRequest,
    ) -> Result<WebhookSubscription, ApiError> {
        let secrets: Arc<[String]> = self.settings.webhook_secrets.clone().into();
        self.add_subscription(now, request, secrets)
    }

    /// The subscription `--webhook-url` stands for: every event, signed with its own secrets.
    pub(crate) fn subscribe_everything(
        &mut self,
        now: OffsetDateTime,
        url: &str,
        secrets: &[String],
    ) -> Result<WebhookSubscription, ApiError> {
        let request = SubscriptionRequest { url: url.to_owned(), event_types: vec!["*".to_owned()] };
        self.add_subscription(now, request, secrets.to_vec().into())
    }

    fn add_subscription(
        &mut self,
        now: OffsetDateTime,
        request: SubscriptionRequest,
        secrets: Arc<[String]>,
    ) -> Result<WebhookSubscription, ApiError> {
        let mut invalid = ApiError::new(ErrorCode::ValidationError, "invalid webhook subscription");
        let mut refused = false;
        let url = check_url(&request.url);
        if let Err(problem) = &url {
            refused = true;
            invalid = invalid.with_field("url", problem.to_string());
        }
        if request.event_types.is_empty() || request.event_types.len() > MAX_PATTERNS {
            refused = true;
            invalid = invalid.with_field("event_types", format!("from 1 to {MAX_PATTERNS} event types or patterns"));
        }
        for (index, pattern) in request.event_types.iter().enumerate() {
            let matches_some = EVENT_TYPES.iter().any(|event_type| event_matches(pattern, event_type));
            if pattern.chars().count() > MAX_PATTERN_CHARS || !matches_some {
                refused = true;
                invalid = invalid.with_field(
                    format!("event_types[{index}]"),
                    format!("matches no event type; known: {}", EVENT_TYPES.join(", ")),
                );
            }
        }
        if refused {
            return Err(invalid);
        }
        if self.events.subscriptions.len() >= MAX_SUBSCRIPTIONS {
            return Err(ApiError::invalid_field(
                "url",
                format!("at most {MAX_SUBSCRIPTIONS} subscriptions: delete one first"),
            ));
        }
        let Ok(url) = url.map(String::from) else { return Err(invalid) };
        let record = SubscriptionRecord {
            target: Target { subscription_id: self.ids.id("whs", now), url, secrets },
            event_types: request.event_types,
            created_at: now,
        };
        let subscription = render(&record);
        self.events.subscriptions.push(record);
        Ok(subscription)
    }

    /// `GET /webhooks/v1/subscriptions`, oldest first.
    pub fn subscriptions(&self) -> Vec<WebhookSubscription> {
        self.events.subscriptions.iter().map(render).collect()
    }

    /// `GET /webhooks/v1/subscriptions/{id}`.
    pub fn subscription(&self, id: &Id) -> Result<WebhookSubscription, ApiError> {
        self.events
            .subscriptions
            .iter()
            .find(|s| s.target.subscription_id == *id)
            .map(render)
            .ok_or_else(|| not_found(id))
    }

    /// `DELETE /webhooks/v1/subscriptions/{id}`: no new event goes to it; deliveries already owed continue.
    pub fn unsubscribe(&mut self, id: &Id) -> Result<(), ApiError> {
        let before = self.events.subscriptions.len();
        self.events.subscriptions.retain(|s| s.target.subscription_id != *id);
        if self.events.subscriptions.len() == before {
            return Err(not_found(id));
        }
        Ok(())
    }
}
