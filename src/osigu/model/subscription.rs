//! Webhook subscriptions (contract §5, facts §8.1): where a provider wants its events POSTed, and which.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::Id;

/// Every event type Osigu documents (facts §8.5); a subscription's patterns must match at least one.
pub const EVENT_TYPES: &[&str] = &[
    "authorization.created",
    "authorization.rejected",
    "authorization.updated",
    "authorization.voided",
    "dispensing.started",
    "dispensing.completed",
    "dispensing.cancelled",
    "prescription.issued",
    "prescription.email_delivered",
    "prescription.email_failed",
    "settlement.paid",
    "settlement.rejected",
    "settlement.partially_accepted",
];

/// `POST /webhooks/v1/subscriptions`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionRequest {
    /// HTTPS (plain HTTP only to a loopback host); redirects are not followed.
    #[schema(example = "https://farmacia.example.do/osigu")]
    pub url: String,
    /// Event types or glob patterns: `settlement.*`, `dispensing.completed`, `*` for everything.
    #[schema(example = json!(["settlement.*", "authorization.voided"]))]
    pub event_types: Vec<String>,
}

/// A subscription as the server keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookSubscription {
    pub subscription_id: Id,
    pub url: String,
    pub event_types: Vec<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
}

/// Whether `event_type` matches `pattern`, where `*` stands for any run of characters (`settlement.*`,
/// `*.voided`, `*`). Matching is exact otherwise: event types are lower-case by definition.
pub fn event_matches(pattern: &str, event_type: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else { return false };
    let Some(mut rest) = event_type.strip_prefix(first) else { return false };
    let pieces: Vec<&str> = parts.collect();
    let Some((last, middle)) = pieces.split_last() else {
        // No `*` at all: the prefix must have been the whole type.
        return rest.is_empty();
    };
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_the_docs_use_them() {
        assert!(event_matches("*", "settlement.paid"));
        assert!(event_matches("settlement.*", "settlement.partially_accepted"));
        assert!(!event_matches("settlement.*", "dispensing.completed"));
        assert!(event_matches("dispensing.completed", "dispensing.completed"));
        assert!(!event_matches("dispensing.complete", "dispensing.completed"));
        assert!(event_matches("*.voided", "authorization.voided"));
        assert!(event_matches("*ing.*ed", "dispensing.completed"));
        assert!(!event_matches("*ing.*ed", "dispensing.started.x"));
        assert!(!event_matches("settlement.paid*x", "settlement.paid"));
        let settlement: Vec<_> = EVENT_TYPES.iter().filter(|t| event_matches("settlement.*", t)).collect();
        assert_eq!(settlement.len(), 3);
    }
}
