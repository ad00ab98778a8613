//! From a verified body to what the journal keeps: the envelope read leniently (only what the receiver needs
//! must be there), what the event is about, and the effect each event type has on what the counters and the
//! settlements screen see.

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tracing::warn;

use crate::journal::{NewWebhookEvent, SettlementRow, VoidedCode, WebhookEffect};
use crate::osigu::model::Settlement;

/// The longest `event_id` and `event_type` accepted: real ones are a few dozen characters.
const MAX_ID_CHARS: usize = 200;

/// An event, verified and read.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Received {
    pub event_id: String,
    pub event_type: String,
    pub created_at: Option<OffsetDateTime>,
    pub data: Value,
}

/// The envelope's fields the receiver uses; the rest (api_version, environment, provider) is kept in the body.
#[derive(Deserialize)]
struct Envelope {
    event_id: Value,
    event_type: String,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    data: Value,
}

/// Why a signed body is not an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub(super) enum NotAnEvent {
    #[error("the body is not a JSON event envelope")]
    Shape,
    #[error("the event has no usable event_id")]
    Id,
    #[error("the event has no usable event_type")]
    Type,
}

/// Text of a JSON string or number (ids may come as either); `None` for anything else.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn instant(value: Option<&str>) -> Option<OffsetDateTime> {
    value.and_then(|text| OffsetDateTime::parse(text, &Rfc3339).ok())
}

/// Reads a verified body.
pub(super) fn read(body: &[u8]) -> Result<Received, NotAnEvent> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|_| NotAnEvent::Shape)?;
    let event_id = text(&envelope.event_id)
        .filter(|id| !id.is_empty() && id.chars().count() <= MAX_ID_CHARS)
        .ok_or(NotAnEvent::Id)?;
    let event_type = Some(envelope.event_type)
        .filter(|kind| !kind.is_empty() && kind.chars().count() <= MAX_ID_CHARS)
        .ok_or(NotAnEvent::Type)?;
    Ok(Received { event_id, event_type, created_at: instant(envelope.created_at.as_deref()), data: envelope.data })
}

/// What the event is about, for reading the journal by eye: the code voided, the batch, the dispensation.
fn subject(event: &Received) -> Option<String> {
    let field = match event.event_type.as_str() {
        "authorization.voided" => "authorization_code",
        kind if kind.starts_with("settlement.") => "settlement_id",
        kind if kind.starts_with("dispensing.") => "dispensation_id",
        _ => return None,
    };
    event.data.get(field).and_then(text)
}

/// The row the intake inserts; `body` is the signed text, kept as it came.
pub(super) fn new_event(event: &Received, body: String) -> NewWebhookEvent {
    NewWebhookEvent {
        event_id: event.event_id.clone(),
        event_type: event.event_type.clone(),
        created_at: event.created_at,
        subject: subject(event),
        body,
    }
}

/// What applying `event` at `now` writes. An event the receiver cannot use (a void without a code, a batch it
/// cannot read) is still applied (as nothing) and says so in the log: delivering it again would not help.
pub(super) fn effect(event: &Received, now: OffsetDateTime) -> WebhookEffect {
    let field = |name: &str| event.data.get(name).and_then(text);
    match event.event_type.as_str() {
        "authorization.voided" => match field("authorization_code").or_else(|| field("code")) {
            Some(code) => WebhookEffect::Voided(VoidedCode {
                code,
                authorization_id: field("authorization_id"),
                sponsor_slug: field("sponsor_slug"),
                reason: field("reason"),
                voided_at: instant(event.data.get("voided_at").and_then(Value::as_str)),
                recorded_at: now,
            }),
            None => {
                warn!(event_id = %event.event_id, "authorization.voided without an authorization code: nothing recorded");
                WebhookEffect::Nothing
            }
        },
        kind if kind.starts_with("settlement.") => match Settlement::deserialize(&event.data) {
            Ok(batch) => WebhookEffect::Settlement(SettlementRow {
                settlement_id: batch.settlement_id.as_str().to_owned(),
                sponsor_slug: batch.sponsor_slug,
                period: batch.period,
                // The word as sent: a status this build does not know is still shown as Osigu wrote it.
                status: field("status").unwrap_or_default(),
                currency: batch.currency_code,
                total_amount: batch.total_amount,
                accepted_amount: batch.accepted_amount,
                invoice_number: batch.invoice_number,
                decided_at: batch.decided_at,
                updated_at: event.created_at.unwrap_or(now),
                event_id: event.event_id.clone(),
                detail: event.data.to_string(),
            }),
            Err(error) => {
                warn!(event_id = %event.event_id, %error, "a settlement event whose batch cannot be read: nothing updated");
                WebhookEffect::Nothing
            }
        },
        _ => WebhookEffect::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

    #[test]
    fn an_envelope_needs_an_id_and_a_type_and_nothing_else() {
        let event = read(br#"{"event_id": 42, "event_type": "dispensing.started"}"#).unwrap();
        assert_eq!((event.event_id.as_str(), event.created_at, &event.data), ("42", None, &Value::Null));
        assert_eq!(read(b"not json"), Err(NotAnEvent::Shape));
        assert_eq!(read(br#"{"event_type": "x"}"#), Err(NotAnEvent::Shape));
        assert_eq!(read(br#"{"event_id": "", "event_type": "x"}"#), Err(NotAnEvent::Id));
        assert_eq!(read(br#"{"event_id": {"a": 1}, "event_type": "x"}"#), Err(NotAnEvent::Id));
        let long = format!(r#"{{"event_id": "{}", "event_type": "x"}}"#, "e".repeat(201));
        assert_eq!(read(long.as_bytes()), Err(NotAnEvent::Id));
        assert_eq!(read(br#"{"event_id": "e", "event_type": ""}"#), Err(NotAnEvent::Type));
    }

    #[test]
    fn a_void_records_its_code_and_a_settlement_its_batch() {
        let void = read(
            br#"{"event_id": "evt_1", "event_type": "authorization.voided", "created_at": "2026-11-21T11:00:00Z",
                 "data": {"authorization_id": "auth_9", "authorization_code": "AUTH-2026-000109",
                          "sponsor_slug": "aseguradora-demo", "reason": "SPONSOR_VOID",
                          "voided_at": "2026-11-21T11:00:00Z"}}"#,
        )
        .unwrap();
        assert_eq!(new_event(&void, String::new()).subject.as_deref(), Some("AUTH-2026-000109"));
        let WebhookEffect::Voided(voided) = effect(&void, NOW) else { panic!("not a void") };
        assert_eq!(voided.code, "AUTH-2026-000109");
        assert_eq!(voided.voided_at, Some(datetime!(2026-11-21 11:00 UTC)));
        assert_eq!(voided.recorded_at, NOW);

        let paid = read(
            br#"{"event_id": "evt_2", "event_type": "settlement.partially_accepted",
                 "created_at": "2026-11-21T11:30:00Z",
                 "data": {"settlement_id": "stl_1", "status": "PARTIALLY_ACCEPTED", "sponsor_slug": "ars-sandbox-do",
                          "period": "2026-11", "currency_code": "DOP", "total_amount": 11721.5,
                          "accepted_amount": 1396.5, "authorizations": []}}"#,
        )
        .unwrap();
        let WebhookEffect::Settlement(row) = effect(&paid, NOW) else { panic!("not a settlement") };
        assert_eq!((row.status.as_str(), row.period.as_deref()), ("PARTIALLY_ACCEPTED", Some("2026-11")));
        assert_eq!(row.accepted_amount, Some(Decimal::new(13965, 1)));
        assert_eq!(row.updated_at, datetime!(2026-11-21 11:30 UTC));

        let odd = read(br#"{"event_id": "e", "event_type": "settlement.paid", "data": {"status": 3}}"#).unwrap();
        assert_eq!(effect(&odd, NOW), WebhookEffect::Nothing);
        let started = read(br#"{"event_id": "e", "event_type": "dispensing.started", "data": {}}"#).unwrap();
        assert_eq!(effect(&started, NOW), WebhookEffect::Nothing);
    }
}
