//! Paper prescriptions (issue 15) in the journal: each pre-authorization request is written before it is sent
//! (`SENT`: the request, its indication and their three Idempotency-Keys, and how each transcribed line was mapped
//! to a registered product), then its answer (`PENDING_SPONSOR`, `APPROVED` with the codes it issued, `REJECTED`).
//! A cash sale keeps its lines the same way (`CASH`, no request). The row is named by the request's create key.
//!
//! After a crash between "approved" and "dispensation started", [`Journal::approved_not_started`] finds the codes
//! no dispensation of this store has used yet, for start-up recovery to offer them.

use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::{Journal, JournalError, parse_stamp, stamp};

/// Where a paper request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaperState {
    /// Written before sending; the answer is not known.
    Sent,
    /// The sponsor answers later.
    PendingSponsor,
    Approved,
    Rejected,
    /// A cash sale: nothing was sent.
    Cash,
}

impl PaperState {
    /// The name in the journal.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sent => "SENT",
            Self::PendingSponsor => "PENDING_SPONSOR",
            Self::Approved => "APPROVED",
            Self::Rejected => "REJECTED",
            Self::Cash => "CASH",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Sent, Self::PendingSponsor, Self::Approved, Self::Rejected, Self::Cash]
            .into_iter()
            .find(|state| state.name() == text)
    }
}

/// One paper prescription as the journal has it.
#[derive(Clone, Debug, PartialEq)]
pub struct PaperEntry {
    /// The create request's Idempotency-Key (a cash sale's own key).
    pub key: String,
    /// None for a cash sale.
    pub sponsor_slug: Option<String>,
    /// The POSOS transcription (`RequestGroup/…`).
    pub scan_reference: String,
    /// Each line as read and what it was mapped to (JSON, as the counter wrote it).
    pub lines: String,
    /// The request, its indication and keys as sent (JSON); none for a cash sale.
    pub sent: Option<String>,
    pub state: PaperState,
    /// Osigu's id of the request, once it answered.
    pub request_id: Option<String>,
    /// The authorization codes it issued.
    pub codes: Vec<String>,
    /// Whether the cash sale's receipt printed (none: not printed yet).
    pub printed: Option<bool>,
    pub at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The clerk who asked for it, or sold it (none without clerks).
    pub clerk_id: Option<String>,
}

/// A paper request (or a cash sale) to keep before anything is sent.
#[derive(Clone, Copy, Debug)]
pub struct PaperIntent<'a> {
    pub at: OffsetDateTime,
    /// The create request's Idempotency-Key (a cash sale's own key).
    pub key: &'a str,
    /// None for a cash sale.
    pub sponsor_slug: Option<&'a str>,
    /// The POSOS transcription (`RequestGroup/…`).
    pub scan_reference: &'a str,
    /// Each line as read and what it was mapped to (JSON).
    pub lines: &'a str,
    /// The request, its indication and keys as sent (JSON); none for a cash sale.
    pub sent: Option<&'a str>,
    /// The clerk who asked (none without clerks).
    pub clerk_id: Option<&'a str>,
}

impl Journal {
    /// Keeps a paper request before it is sent (`sent` is its JSON), or a cash sale (`sent` none, state CASH).
    /// Written again with the same key (a retry) it keeps the first record.
    pub fn intend_paper(&self, intent: &PaperIntent<'_>) -> Result<(), JournalError> {
        let PaperIntent { at, key, sponsor_slug, scan_reference, lines, sent, clerk_id } = *intent;
        let state = if sent.is_some() { PaperState::Sent } else { PaperState::Cash };
        let at = stamp(at);
        self.connection().execute(
            "INSERT INTO paper_requests (idempotency_key, till, sponsor_slug, scan_reference, lines, sent, state, at,
                                         updated_at, clerk_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)
             ON CONFLICT (idempotency_key) DO NOTHING",
            params![key, &self.place.till, sponsor_slug, scan_reference, lines, sent, state.name(), at, clerk_id],
        )?;
        Ok(())
    }

    /// What Osigu answered to the request kept under `key`: its id, where it stands, the codes it issued.
    pub fn paper_answered(
        &self,
        at: OffsetDateTime,
        key: &str,
        request_id: &str,
        state: PaperState,
        codes: &[String],
    ) -> Result<(), JournalError> {
        let codes = serde_json::to_string(codes).unwrap_or_else(|_| "[]".to_owned());
        self.connection().execute(
            "UPDATE paper_requests SET request_id = ?2, state = ?3, codes = ?4, updated_at = ?5
             WHERE idempotency_key = ?1",
            params![key, request_id, state.name(), codes, stamp(at)],
        )?;
        Ok(())
    }

    /// Whether the cash sale `key`'s receipt printed.
    pub fn paper_printed(&self, key: &str, printed: bool) -> Result<(), JournalError> {
        self.connection()
            .execute("UPDATE paper_requests SET printed = ?2 WHERE idempotency_key = ?1", params![key, printed])?;
        Ok(())
    }

    /// This till's paper prescriptions, newest first, at most `limit`.
    pub fn paper_requests(&self, limit: usize) -> Result<Vec<PaperEntry>, JournalError> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT idempotency_key, sponsor_slug, scan_reference, lines, sent, state, request_id, codes, printed, at,
                    updated_at, clerk_id
             FROM paper_requests WHERE till = ?1 ORDER BY at DESC, rowid DESC LIMIT ?2",
        )?;
        let rows = statement.query_map(params![&self.place.till, i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
            let time = |index: usize| -> rusqlite::Result<OffsetDateTime> {
                Ok(parse_stamp(&row.get::<_, String>(index)?).unwrap_or(OffsetDateTime::UNIX_EPOCH))
            };
            let codes: String = row.get(7)?;
            let state: String = row.get(5)?;
            Ok(PaperEntry {
                key: row.get(0)?,
                sponsor_slug: row.get(1)?,
                scan_reference: row.get(2)?,
                lines: row.get(3)?,
                sent: row.get(4)?,
                // A state this build does not know is read as unanswered: recovery asks again.
                state: PaperState::parse(&state).unwrap_or(PaperState::Sent),
                request_id: row.get(6)?,
                codes: serde_json::from_str(&codes).unwrap_or_default(),
                printed: row.get(8)?,
                at: time(9)?,
                updated_at: time(10)?,
                clerk_id: row.get(11)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The codes this till's approved paper requests issued that no dispensation of this store has completed,
    /// oldest first: approved, then the counter stopped before they were dispensed (run after recovery has
    /// settled the dispensations and starts it left, so none of these is still held open).
    pub fn approved_not_started(&self) -> Result<Vec<String>, JournalError> {
        let approved: Vec<PaperEntry> =
            self.paper_requests(1000)?.into_iter().filter(|entry| entry.state == PaperState::Approved).rev().collect();
        let connection = self.connection();
        let mut unused = Vec::new();
        for code in approved.iter().flat_map(|entry| entry.codes.iter()) {
            let used: Option<i64> = connection
                .query_row(
                    "SELECT 1 FROM dispensations WHERE code = ?1 AND status = 'COMPLETED' LIMIT 1",
                    [code],
                    |row| row.get(0),
                )
                .optional()?;
            if used.is_none() {
                unused.push(code.clone());
            }
        }
        Ok(unused)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{AT, journal};
    use super::*;
    use crate::counter::{Event, Record};
    use crate::journal::Place;
    use crate::osigu::model::CodeType;

    /// A paper request kept at [`AT`].
    fn intent<'a>(
        key: &'a str,
        sponsor_slug: Option<&'a str>,
        scan_reference: &'a str,
        lines: &'a str,
        sent: Option<&'a str>,
        clerk_id: Option<&'a str>,
    ) -> PaperIntent<'a> {
        PaperIntent { at: AT, key, sponsor_slug, scan_reference, lines, sent, clerk_id }
    }

    #[test]
    fn a_request_is_kept_before_it_is_sent_then_its_answer_and_an_unstarted_code_is_found() {
        let (journal, dir) = journal();
        journal
            .intend_paper(&intent(
                "k-1",
                Some("sponsor-sandbox"),
                "RequestGroup/rg-1",
                "[]",
                Some("{\"sent\":1}"),
                None,
            ))
            .unwrap();
        // A retry keeps the first record.
        journal
            .intend_paper(&intent("k-1", Some("other"), "RequestGroup/rg-2", "[1]", Some("{}"), Some("ana")))
            .unwrap();
        let [entry] = journal.paper_requests(10).unwrap().try_into().unwrap();
        assert_eq!((entry.state, entry.sponsor_slug.as_deref()), (PaperState::Sent, Some("sponsor-sandbox")));
        assert_eq!(entry.sent.as_deref(), Some("{\"sent\":1}"));
        journal.paper_answered(AT, "k-1", "areq_1", PaperState::Approved, &["AUTH-2026-000201".to_owned()]).unwrap();
        assert_eq!(journal.approved_not_started().unwrap(), ["AUTH-2026-000201"]);
        // Started (and left): still offered; completed: not any more.
        let started = Event::Started { code_type: CodeType::Authorization, sponsor_slug: None, start_key: None };
        let record = |event| Record { code: "AUTH-2026-000201".into(), ..super::super::tests::record("dsp_9", event) };
        journal.record(&record(started)).unwrap();
        assert_eq!(journal.approved_not_started().unwrap(), ["AUTH-2026-000201"]);
        let completed = Event::Completed {
            claim_id: None,
            amount: rust_decimal::Decimal::ONE,
            currency: None,
            invoice_number: None,
            amounts: None,
        };
        journal.record(&record(completed)).unwrap();
        assert!(journal.approved_not_started().unwrap().is_empty());
        // A cash sale is kept as such, and another till's rows are its own.
        journal.intend_paper(&intent("k-2", None, "RequestGroup/rg-3", "[]", None, None)).unwrap();
        journal.paper_printed("k-2", true).unwrap();
        let entries = journal.paper_requests(10).unwrap();
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().any(|entry| entry.state == PaperState::Cash && entry.printed == Some(true)));
        let other = Journal::in_dir(&dir, &Place::new("store", "caja-2")).unwrap();
        assert!(other.paper_requests(10).unwrap().is_empty());
    }
}
