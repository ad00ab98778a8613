//! Starts, kept before they are sent. A `POST /dispensations` creates a dispensation that holds the code; when its
//! reply is lost (a dropped connection, a crash), the counter does not know it exists. With the request and its
//! Idempotency-Key on disk first, it can be found again: sent again with the same key (the server answers with the
//! dispensation it made), then resumed if the clerk scans the same code, or cancelled at quit or at the next start.
//!
//! States: `SENT` (outcome unknown), `STARTED` (its dispensation is on record), `SETTLED` (refused, or dealt with).

use rusqlite::{Transaction, params};
use time::OffsetDateTime;

use super::{Journal, JournalError, parse_stamp, stamp};
use crate::osigu::model::StartRequest;

/// A start this till sent and never learned the outcome of.
#[derive(Clone, Debug, PartialEq)]
pub struct LooseStart {
    pub key: String,
    pub code: String,
    /// The request exactly as sent, to send again with the same key.
    pub request: StartRequest,
    pub at: OffsetDateTime,
}

impl Journal {
    /// Keeps a start before it is sent. Sending it again with the same key keeps the first record (a start settled, then retried, is SENT again).
    pub fn intend_start(&self, at: OffsetDateTime, key: &str, request: &StartRequest) -> Result<(), JournalError> {
        let body = serde_json::to_string(request).unwrap_or_default();
        let connection = self.connection();
        connection.execute(
            "INSERT INTO starts (idempotency_key, till, code, request, state, at) VALUES (?1, ?2, ?3, ?4, 'SENT', ?5)
             ON CONFLICT (idempotency_key) DO UPDATE SET state = 'SENT' WHERE state = 'SETTLED'",
            params![key, &self.place.till, request.code, body, stamp(at)],
        )?;
        Ok(())
    }

    /// The start sent with `key` is dealt with: refused by the server, or its dispensation settled.
    pub fn start_settled(&self, key: &str) -> Result<(), JournalError> {
        let connection = self.connection();
        connection
            .execute("UPDATE starts SET state = 'SETTLED' WHERE idempotency_key = ?1 AND state = 'SENT'", [key])?;
        Ok(())
    }

    /// This till's starts whose outcome is unknown, oldest first.
    pub fn loose_starts(&self) -> Result<Vec<LooseStart>, JournalError> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT idempotency_key, code, request, at FROM starts WHERE till = ?1 AND state = 'SENT' ORDER BY at, rowid",
        )?;
        let rows = statement.query_map([&self.place.till], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get::<_, String>(3)?))
        })?;
        let mut loose = Vec::new();
        for row in rows {
            let (key, code, body, at) = row?;
            // A request that cannot be read back (never written by this build) is sent as the bare code.
            let request = serde_json::from_str(&body).unwrap_or_else(|_| StartRequest {
                code: code.clone(),
                beneficiary_id: None,
                currency_code: None,
            });
            loose.push(LooseStart { key, code, request, at: parse_stamp(&at).unwrap_or(OffsetDateTime::UNIX_EPOCH) });
        }
        Ok(loose)
    }
}

/// The start sent with `key` created the dispensation `dispensation_id`, now on record.
pub(super) fn started(transaction: &Transaction<'_>, key: &str, dispensation_id: &str) -> Result<(), JournalError> {
    transaction.execute(
        "UPDATE starts SET state = 'STARTED', dispensation_id = ?2 WHERE idempotency_key = ?1",
        params![key, dispensation_id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{AT, journal, record};
    use super::*;
    use crate::counter::Event;
    use crate::journal::Place;
    use crate::osigu::model::{CodeType, Id};

    fn request(code: &str) -> StartRequest {
        StartRequest { code: code.into(), beneficiary_id: Some(Id::new("bnf_1")), currency_code: None }
    }

    #[test]
    fn a_start_is_loose_until_its_dispensation_is_on_record_or_it_is_settled() {
        let (journal, dir) = journal();
        journal.intend_start(AT, "key-1", &request("AUTH-1")).unwrap();
        journal.intend_start(AT, "key-2", &request("AUTH-2")).unwrap();
        journal.intend_start(AT, "key-3", &request("AUTH-3")).unwrap();
        let loose = journal.loose_starts().unwrap();
        assert_eq!(loose.iter().map(|start| start.key.as_str()).collect::<Vec<_>>(), ["key-1", "key-2", "key-3"]);
        assert_eq!(loose[0].request, request("AUTH-1"), "kept exactly as sent, to send again");
        let started =
            Event::Started { code_type: CodeType::Authorization, sponsor_slug: None, start_key: Some("key-1".into()) };
        journal.record(&record("dsp_1", started)).unwrap();
        journal.start_settled("key-2").unwrap();
        assert_eq!(journal.loose_starts().unwrap().len(), 1);
        // A settled start sent again is loose again.
        journal.intend_start(AT, "key-2", &request("AUTH-2")).unwrap();
        assert_eq!(journal.loose_starts().unwrap().len(), 2);
        // Another till's starts are its own.
        let other = Journal::in_dir(&dir, &Place::new("store", "caja-2")).unwrap();
        assert!(other.loose_starts().unwrap().is_empty());
    }
}
