//! What the webhook receiver (`mostrador webhooks serve`, [`crate::receiver`]) keeps in the journal, and the
//! queries the counters and the settlements screen read it with.
//!
//! Three tables (schema version 6): `webhook_events`, every event accepted, keyed by its `event_id` so that a
//! second delivery of it (Osigu delivers at least once, and a restart forgets nothing) is recognised as a
//! duplicate by the insert itself; `voided_authorizations`, the codes a sponsor voided, which a counter
//! dispensing one of them polls with [`Journal::voided_codes_since`]; and `settlements`, each batch's latest
//! state as its `settlement.*` events tell it.
//!
//! An event's effect and its `applied` flag are written in one transaction, and only while the flag is still 0:
//! an event is applied once however often it is delivered and wherever the receiver was stopped.

use rusqlite::{OptionalExtension, params};
use rust_decimal::Decimal;
use time::OffsetDateTime;

use super::{Journal, JournalError, parse_stamp, stamp};

/// An event as the receiver accepted it, about to be kept.
#[derive(Clone, Debug, PartialEq)]
pub struct NewWebhookEvent {
    pub event_id: String,
    pub event_type: String,
    /// When Osigu says the event happened (the envelope's `created_at`).
    pub created_at: Option<OffsetDateTime>,
    /// What the event is about: an authorization code, a settlement or a dispensation id.
    pub subject: Option<String>,
    /// The body exactly as it was signed.
    pub body: String,
}

/// An event as the journal keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredWebhookEvent {
    pub event_id: String,
    pub event_type: String,
    pub created_at: Option<OffsetDateTime>,
    /// By the receiver's clock, to the second.
    pub received_at: OffsetDateTime,
    pub subject: Option<String>,
    pub body: String,
    /// Whether its effect has been written (see [`Journal::apply_webhook_effects`]).
    pub applied: bool,
}

/// An authorization code its sponsor voided: a counter dispensing it shows a banner, since its finalize will
/// be refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoidedCode {
    /// As Osigu wrote it (`AUTH-2026-000109`).
    pub code: String,
    pub authorization_id: Option<String>,
    pub sponsor_slug: Option<String>,
    /// Osigu's machine word (`SPONSOR_VOID`).
    pub reason: Option<String>,
    /// When the sponsor voided it, as Osigu says.
    pub voided_at: Option<OffsetDateTime>,
    /// When the receiver recorded it, by its clock: what [`Journal::voided_codes_since`] compares.
    pub recorded_at: OffsetDateTime,
}

/// A settlement batch's latest state, as its last `settlement.*` event told it.
#[derive(Clone, Debug, PartialEq)]
pub struct SettlementRow {
    pub settlement_id: String,
    pub sponsor_slug: Option<String>,
    /// `YYYY-MM`.
    pub period: Option<String>,
    /// As Osigu wrote it (`PARTIALLY_ACCEPTED`), a status this build does not know included.
    pub status: String,
    pub currency: Option<String>,
    pub total_amount: Option<Decimal>,
    pub accepted_amount: Option<Decimal>,
    pub invoice_number: Option<String>,
    pub decided_at: Option<OffsetDateTime>,
    /// When Osigu emitted the event this state came from: a later state never yields to an earlier one that
    /// arrives late (a retried delivery).
    pub updated_at: OffsetDateTime,
    /// The event this state came from.
    pub event_id: String,
    /// The batch as the event carried it (JSON), its claims with their verdicts included.
    pub detail: String,
}

/// What applying an event writes besides its `applied` flag.
#[derive(Clone, Debug, PartialEq)]
pub enum WebhookEffect {
    /// Nothing more (a `dispensing.*` event: the counter that did it knows already).
    Nothing,
    Voided(VoidedCode),
    Settlement(SettlementRow),
}

/// The columns [`stored`] reads, in its order.
const SELECT_EVENTS: &str =
    "SELECT event_id, event_type, created_at, received_at, subject, body, applied FROM webhook_events";

/// The columns [`voided`] reads, in its order.
const SELECT_VOIDED: &str =
    "SELECT code, authorization_id, sponsor_slug, reason, voided_at, recorded_at FROM voided_authorizations";

/// The columns [`settlement`] reads, in its order.
const SELECT_SETTLEMENTS: &str = "SELECT settlement_id, sponsor_slug, period, status, currency, total_amount,
    accepted_amount, invoice_number, decided_at, updated_at, event_id, detail FROM settlements";

impl Journal {
    /// Keeps every event of `events` whose id the journal has not seen, in one transaction (one write to disk
    /// for the lot, which is what lets the receiver keep up with a burst). For each event, in order: `true` when
    /// it is new, `false` when it is a duplicate (already kept, or earlier in `events`).
    pub fn accept_webhook_events(
        &self,
        events: &[NewWebhookEvent],
        received_at: OffsetDateTime,
    ) -> Result<Vec<bool>, JournalError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let received_at = stamp(received_at);
        let mut fresh = Vec::with_capacity(events.len());
        {
            let mut insert = transaction.prepare_cached(
                "INSERT INTO webhook_events (event_id, event_type, created_at, received_at, subject, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (event_id) DO NOTHING",
            )?;
            for event in events {
                let inserted = insert.execute(params![
                    event.event_id,
                    event.event_type,
                    event.created_at.map(stamp),
                    received_at,
                    event.subject,
                    event.body,
                ])?;
                fresh.push(inserted == 1);
            }
        }
        transaction.commit()?;
        Ok(fresh)
    }

    /// Writes each effect whose event is kept and not applied yet, marking the event applied, in one
    /// transaction; an event already applied (or never kept) is skipped. How many were applied now.
    pub fn apply_webhook_effects(
        &self,
        effects: &[(String, WebhookEffect)],
        at: OffsetDateTime,
    ) -> Result<usize, JournalError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let at = stamp(at);
        let mut applied = 0;
        for (event_id, effect) in effects {
            // The flag first: whoever turns it from 0 to 1 writes the effect, so nothing is written twice.
            let claimed = transaction.execute(
                "UPDATE webhook_events SET applied = 1, applied_at = ?2 WHERE event_id = ?1 AND applied = 0",
                params![event_id, at],
            )?;
            if claimed == 0 {
                continue;
            }
            applied += 1;
            match effect {
                WebhookEffect::Nothing => {}
                WebhookEffect::Voided(voided) => {
                    // A code is voided once; a second void of it keeps the first record.
                    transaction.execute(
                        "INSERT INTO voided_authorizations
                             (code, authorization_id, sponsor_slug, reason, voided_at, recorded_at, event_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (code) DO NOTHING",
                        params![
                            voided.code,
                            voided.authorization_id,
                            voided.sponsor_slug,
                            voided.reason,
                            voided.voided_at.map(stamp),
                            stamp(voided.recorded_at),
                            event_id,
                        ],
                    )?;
                }
                WebhookEffect::Settlement(row) => {
                    // Newest news wins: an older state delivered late (a retry) does not undo a newer one.
                    transaction.execute(
                        "INSERT INTO settlements (settlement_id, sponsor_slug, period, status, currency, total_amount,
                             accepted_amount, invoice_number, decided_at, updated_at, event_id, detail)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                         ON CONFLICT (settlement_id) DO UPDATE SET
                             sponsor_slug = COALESCE(excluded.sponsor_slug, sponsor_slug),
                             period = COALESCE(excluded.period, period),
                             status = excluded.status, currency = COALESCE(excluded.currency, currency),
                             total_amount = excluded.total_amount, accepted_amount = excluded.accepted_amount,
                             invoice_number = COALESCE(excluded.invoice_number, invoice_number),
                             decided_at = excluded.decided_at, updated_at = excluded.updated_at,
                             event_id = excluded.event_id, detail = excluded.detail
                         WHERE excluded.updated_at >= settlements.updated_at",
                        params![
                            row.settlement_id,
                            row.sponsor_slug,
                            row.period,
                            row.status,
                            row.currency,
                            row.total_amount.map(|amount| amount.to_string()),
                            row.accepted_amount.map(|amount| amount.to_string()),
                            row.invoice_number,
                            row.decided_at.map(stamp),
                            stamp(row.updated_at),
                            event_id,
                            row.detail,
                        ],
                    )?;
                }
            }
        }
        transaction.commit()?;
        Ok(applied)
    }

    /// The events kept but not applied, oldest first: what a receiver stopped between answering and applying
    /// left to do.
    pub fn unapplied_webhook_events(&self) -> Result<Vec<StoredWebhookEvent>, JournalError> {
        let connection = self.connection();
        let mut statement =
            connection.prepare(&format!("{SELECT_EVENTS} WHERE applied = 0 ORDER BY received_at, rowid"))?;
        let rows = statement.query_map([], stored)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every event kept, in the order received.
    pub fn webhook_events(&self) -> Result<Vec<StoredWebhookEvent>, JournalError> {
        let connection = self.connection();
        let mut statement = connection.prepare(&format!("{SELECT_EVENTS} ORDER BY rowid"))?;
        let rows = statement.query_map([], stored)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The codes recorded as voided at or after `since` (to the second), oldest first. A counter polls it with
    /// the moment its dispensation started: one indexed range read, so polling every few seconds costs nothing.
    pub fn voided_codes_since(&self, since: OffsetDateTime) -> Result<Vec<VoidedCode>, JournalError> {
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached(&format!("{SELECT_VOIDED} WHERE recorded_at >= ?1 ORDER BY recorded_at, rowid"))?;
        let rows = statement.query_map(params![stamp(since)], voided)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// `code`, when the receiver recorded it as voided at or after `since`: what a till dispensing it asks each
    /// time the clerk acts (one primary-key read).
    pub fn voided_code(&self, code: &str, since: OffsetDateTime) -> Result<Option<VoidedCode>, JournalError> {
        let connection = self.connection();
        let mut statement =
            connection.prepare_cached(&format!("{SELECT_VOIDED} WHERE code = ?1 AND recorded_at >= ?2"))?;
        Ok(statement.query_row(params![code, stamp(since)], voided).optional()?)
    }

    /// Every settlement batch a webhook told about, the most recently changed first.
    pub fn settlements(&self) -> Result<Vec<SettlementRow>, JournalError> {
        let connection = self.connection();
        let mut statement =
            connection.prepare_cached(&format!("{SELECT_SETTLEMENTS} ORDER BY updated_at DESC, rowid DESC"))?;
        let rows = statement.query_map([], settlement)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One settlement batch's latest state, if a webhook told about it.
    pub fn settlement(&self, settlement_id: &str) -> Result<Option<SettlementRow>, JournalError> {
        let connection = self.connection();
        Ok(connection
            .query_row(&format!("{SELECT_SETTLEMENTS} WHERE settlement_id = ?1"), params![settlement_id], settlement)
            .optional()?)
    }
}

/// A stored moment, or a conversion error naming the column.
fn moment(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<OffsetDateTime> {
    let text: String = row.get(index)?;
    parse_stamp(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, "not a journal time".into())
    })
}

/// An optional stored moment; text that is not one reads as none.
fn optional_moment(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<OffsetDateTime>> {
    Ok(row.get::<_, Option<String>>(index)?.as_deref().and_then(parse_stamp))
}

fn stored(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredWebhookEvent> {
    Ok(StoredWebhookEvent {
        event_id: row.get(0)?,
        event_type: row.get(1)?,
        created_at: optional_moment(row, 2)?,
        received_at: moment(row, 3)?,
        subject: row.get(4)?,
        body: row.get(5)?,
        applied: row.get::<_, i64>(6)? != 0,
    })
}

fn voided(row: &rusqlite::Row<'_>) -> rusqlite::Result<VoidedCode> {
    Ok(VoidedCode {
        code: row.get(0)?,
        authorization_id: row.get(1)?,
        sponsor_slug: row.get(2)?,
        reason: row.get(3)?,
        voided_at: optional_moment(row, 4)?,
        recorded_at: moment(row, 5)?,
    })
}

fn settlement(row: &rusqlite::Row<'_>) -> rusqlite::Result<SettlementRow> {
    Ok(SettlementRow {
        settlement_id: row.get(0)?,
        sponsor_slug: row.get(1)?,
        period: row.get(2)?,
        status: row.get(3)?,
        currency: row.get(4)?,
        total_amount: super::decimal(row, 5)?,
        accepted_amount: super::decimal(row, 6)?,
        invoice_number: row.get(7)?,
        decided_at: optional_moment(row, 8)?,
        updated_at: moment(row, 9)?,
        event_id: row.get(10)?,
        detail: row.get(11)?,
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::journal::Place;

    const T0: OffsetDateTime = datetime!(2026-11-21 10:00 UTC);

    fn journal() -> (Journal, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("mostrador-journal-webhooks-{}", ulid::Ulid::generate()));
        let journal = Journal::in_dir(&dir, &Place::new("server", "webhooks")).unwrap();
        (journal, dir)
    }

    fn event(id: &str, event_type: &str) -> NewWebhookEvent {
        NewWebhookEvent {
            event_id: id.to_owned(),
            event_type: event_type.to_owned(),
            created_at: Some(T0),
            subject: None,
            body: format!(r#"{{"event_id":"{id}"}}"#),
        }
    }

    fn void(code: &str, recorded_at: OffsetDateTime) -> WebhookEffect {
        WebhookEffect::Voided(VoidedCode {
            code: code.to_owned(),
            authorization_id: Some(format!("auth_{code}")),
            sponsor_slug: Some("aseguradora-demo".to_owned()),
            reason: Some("SPONSOR_VOID".to_owned()),
            voided_at: Some(recorded_at - time::Duration::seconds(1)),
            recorded_at,
        })
    }

    fn batch(status: &str, updated_at: OffsetDateTime, accepted: Option<i64>) -> SettlementRow {
        SettlementRow {
            settlement_id: "stl_1".to_owned(),
            sponsor_slug: Some("ars-sandbox-do".to_owned()),
            period: Some("2026-11".to_owned()),
            status: status.to_owned(),
            currency: Some("DOP".to_owned()),
            total_amount: Some(Decimal::new(1172150, 2)),
            accepted_amount: accepted.map(|cents| Decimal::new(cents, 2)),
            invoice_number: Some("B0100000123".to_owned()),
            decided_at: None,
            updated_at,
            event_id: String::new(),
            detail: "{}".to_owned(),
        }
    }

    #[test]
    fn an_event_is_kept_once_however_often_it_arrives_and_across_a_reopen() {
        let (journal, dir) = journal();
        let fresh = journal
            .accept_webhook_events(&[event("evt_1", "a"), event("evt_2", "a"), event("evt_1", "a")], T0)
            .unwrap();
        assert_eq!(fresh, [true, true, false]);
        drop(journal);
        let reopened = Journal::in_dir(&dir, &Place::new("server", "webhooks")).unwrap();
        assert_eq!(reopened.accept_webhook_events(&[event("evt_2", "a")], T0).unwrap(), [false]);
        let kept: Vec<String> = reopened.webhook_events().unwrap().into_iter().map(|e| e.event_id).collect();
        assert_eq!(kept, ["evt_1", "evt_2"]);
    }

    #[test]
    fn an_effect_is_applied_once_and_only_for_a_kept_event() {
        let (journal, _dir) = journal();
        journal.accept_webhook_events(&[event("evt_1", "authorization.voided")], T0).unwrap();
        assert_eq!(journal.unapplied_webhook_events().unwrap().len(), 1);
        let effect = ("evt_1".to_owned(), void("AUTH-2026-000109", T0));
        assert_eq!(journal.apply_webhook_effects(&[effect.clone(), effect.clone()], T0).unwrap(), 1);
        assert_eq!(journal.apply_webhook_effects(&[effect], T0).unwrap(), 0, "applied already");
        let never_kept = ("evt_unknown".to_owned(), void("AUTH-2026-000110", T0));
        assert_eq!(journal.apply_webhook_effects(&[never_kept], T0).unwrap(), 0);
        assert!(journal.unapplied_webhook_events().unwrap().is_empty());
        let codes: Vec<String> = journal.voided_codes_since(T0).unwrap().into_iter().map(|v| v.code).collect();
        assert_eq!(codes, ["AUTH-2026-000109"]);
    }

    #[test]
    fn voided_codes_since_lists_what_was_recorded_from_that_second_on() {
        let (journal, _dir) = journal();
        let ids = ["evt_1", "evt_2", "evt_3"];
        journal.accept_webhook_events(&ids.map(|id| event(id, "authorization.voided")), T0).unwrap();
        let minute = time::Duration::minutes(1);
        let effects = [
            ("evt_1".to_owned(), void("AUTH-1", T0)),
            ("evt_2".to_owned(), void("AUTH-2", T0 + minute)),
            ("evt_3".to_owned(), void("AUTH-3", T0 + minute * 2)),
        ];
        journal.apply_webhook_effects(&effects, T0).unwrap();
        let since =
            |at| -> Vec<String> { journal.voided_codes_since(at).unwrap().into_iter().map(|v| v.code).collect() };
        assert_eq!(since(T0), ["AUTH-1", "AUTH-2", "AUTH-3"]);
        assert_eq!(since(T0 + minute), ["AUTH-2", "AUTH-3"]);
        assert_eq!(since(T0 + minute * 2 + time::Duration::seconds(1)), Vec::<String>::new());
        let first = &journal.voided_codes_since(T0).unwrap()[0];
        assert_eq!(first.authorization_id.as_deref(), Some("auth_AUTH-1"));
        assert_eq!(first.reason.as_deref(), Some("SPONSOR_VOID"));
        assert_eq!(first.voided_at, Some(T0 - time::Duration::seconds(1)));
        // The counter's poll is one indexed range read, not a scan of every code ever voided.
        let connection = journal.connection();
        let plan: String = connection
            .query_row(
                &format!("EXPLAIN QUERY PLAN {SELECT_VOIDED} WHERE recorded_at >= ?1 ORDER BY recorded_at, rowid"),
                params!["2026-11-21T10:00:00Z"],
                |row| row.get(3),
            )
            .unwrap();
        assert!(plan.contains("USING INDEX voided_authorizations_by_recorded"), "{plan}");
    }

    #[test]
    fn a_settlement_keeps_its_newest_state_even_when_an_older_one_arrives_late() {
        let (journal, _dir) = journal();
        let later = T0 + time::Duration::hours(2);
        journal.accept_webhook_events(&[event("evt_new", "s"), event("evt_old", "s")], T0).unwrap();
        let decided = batch("PARTIALLY_ACCEPTED", later, Some(139650));
        journal.apply_webhook_effects(&[("evt_new".to_owned(), WebhookEffect::Settlement(decided))], later).unwrap();
        let stale = batch("SUBMITTED", T0, None);
        journal.apply_webhook_effects(&[("evt_old".to_owned(), WebhookEffect::Settlement(stale))], later).unwrap();
        let row = journal.settlement("stl_1").unwrap().unwrap();
        assert_eq!((row.status.as_str(), row.event_id.as_str()), ("PARTIALLY_ACCEPTED", "evt_new"));
        assert_eq!(row.accepted_amount, Some(Decimal::new(139650, 2)));
        assert_eq!(row.total_amount, Some(Decimal::new(1172150, 2)));
        assert_eq!(row.updated_at, later);
        assert_eq!(journal.settlements().unwrap().len(), 1);
        assert_eq!(journal.settlement("stl_2").unwrap(), None);
    }
}
