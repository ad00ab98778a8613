//! Invoice numbers, allocated in the journal so that no two dispensations of the store ever carry the same one,
//! whichever till or process proposes it. A number is `prefix` + six digits: the counter proposes the next of its
//! series and holds it for the dispensation on screen (another till proposes the one after); a completion intent
//! sends it (or the number the clerk typed instead, refused when another dispensation has it); a completion uses
//! it. A cancelled dispensation's number is released. A number the clerk types is never a proposal, so a typo far
//! ahead does not move the series: the series only skips it when it gets there. Past [`MAX_SEQUENCE`] the series
//! is exhausted and says so; it never wraps.
//!
//! States: `HELD` (proposed on a till's screen), `SENT` (in a completion intent), `USED` (completed).

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use time::OffsetDateTime;

use super::{Journal, JournalError, Place, stamp};

/// The last number of a series: six digits.
pub const MAX_SEQUENCE: u32 = 999_999;

/// `prefix` + `sequence`, zero-padded to six digits.
fn number(prefix: &str, sequence: u32) -> String {
    format!("{prefix}{sequence:06}")
}

impl Journal {
    /// The invoice number to propose for `dispensation_id`: the one it already holds (back from the lines, or
    /// after a refused completion), else the next free one of `prefix`'s series, held for it.
    pub fn hold_invoice(
        &self,
        at: OffsetDateTime,
        prefix: &str,
        dispensation_id: &str,
    ) -> Result<String, JournalError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let held: Option<String> = transaction
            .query_row(
                "SELECT number FROM invoices WHERE dispensation_id = ?1 AND state IN ('HELD', 'SENT') ORDER BY at DESC",
                params![dispensation_id],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(held) = held {
            return Ok(held);
        }
        // A till shows one dispensation at a time: what it held for another is no longer on any screen.
        transaction.execute("DELETE FROM invoices WHERE till = ?1 AND state = 'HELD'", params![&self.place.till])?;
        let last: i64 = transaction.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM invoices WHERE prefix = ?1",
            params![prefix],
            |row| row.get(0),
        )?;
        let mut sequence = u32::try_from(last).unwrap_or(MAX_SEQUENCE);
        let proposal = loop {
            sequence = match sequence.checked_add(1).filter(|next| *next <= MAX_SEQUENCE) {
                Some(next) => next,
                None => return Err(JournalError::InvoicesExhausted { prefix: prefix.to_owned() }),
            };
            let candidate = number(prefix, sequence);
            let taken: bool = transaction.query_row(
                "SELECT EXISTS (SELECT 1 FROM invoices WHERE number = ?1)",
                [&candidate],
                |row| row.get(0),
            )?;
            if !taken {
                break candidate;
            }
        };
        transaction.execute(
            "INSERT INTO invoices (number, prefix, seq, state, till, dispensation_id, at)
             VALUES (?1, ?2, ?3, 'HELD', ?4, ?5, ?6)",
            params![proposal, prefix, sequence, &self.place.till, dispensation_id, stamp(at)],
        )?;
        transaction.commit()?;
        Ok(proposal)
    }

    /// Releases every number this till held: at start-up nothing is on its screen yet.
    pub fn release_held(&self) -> Result<usize, JournalError> {
        let connection = self.connection();
        Ok(connection.execute("DELETE FROM invoices WHERE till = ?1 AND state = 'HELD'", params![&self.place.till])?)
    }

    /// Takes over the last number of the `invoice-counter` file an earlier build kept per terminal, so the series
    /// goes on after it. Does nothing once the series has numbers of its own.
    pub fn import_invoice_counter(&self, prefix: &str, last: u32) -> Result<bool, JournalError> {
        if last == 0 || last > MAX_SEQUENCE {
            return Ok(false);
        }
        let connection = self.connection();
        let inserted = connection.execute(
            "INSERT INTO invoices (number, prefix, seq, state, till, dispensation_id, at)
             SELECT ?1, ?2, ?3, 'USED', ?4, NULL, ?5
             WHERE NOT EXISTS (SELECT 1 FROM invoices WHERE prefix = ?2)",
            params![number(prefix, last), prefix, last, &self.place.till, stamp(OffsetDateTime::now_utc())],
        )?;
        Ok(inserted == 1)
    }
}

/// A completion intent carries `sent` (or no number): it is this dispensation's from now on, unless another has it.
pub(super) fn sent(
    transaction: &Transaction<'_>,
    place: &Place,
    dispensation_id: &str,
    sent: Option<&str>,
    at: &str,
) -> Result<(), JournalError> {
    if let Some(sent) = sent {
        let holder: Option<Option<String>> = transaction
            .query_row("SELECT dispensation_id FROM invoices WHERE number = ?1", [sent], |row| row.get(0))
            .optional()?;
        match holder {
            Some(Some(holder)) if holder == dispensation_id => {
                transaction
                    .execute("UPDATE invoices SET state = 'SENT', at = ?2 WHERE number = ?1", params![sent, at])?;
            }
            Some(_) => return Err(JournalError::InvoiceTaken { number: sent.to_owned() }),
            // Typed by the clerk: kept as theirs, outside the series (no `seq`), so the series skips it.
            None => {
                transaction.execute(
                    "INSERT INTO invoices (number, prefix, seq, state, till, dispensation_id, at)
                     VALUES (?1, NULL, NULL, 'SENT', ?2, ?3, ?4)",
                    params![sent, &place.till, dispensation_id, at],
                )?;
            }
        }
    }
    // The proposal the clerk did not use goes back to the series.
    transaction.execute(
        "DELETE FROM invoices WHERE dispensation_id = ?1 AND state = 'HELD' AND number IS NOT ?2",
        params![dispensation_id, sent],
    )?;
    Ok(())
}

/// The server completed the dispensation with `used` (the server's word, or what was sent).
pub(super) fn used(
    transaction: &Transaction<'_>,
    place: &Place,
    dispensation_id: &str,
    used: Option<&str>,
    at: &str,
) -> Result<(), JournalError> {
    if let Some(used) = used {
        transaction.execute(
            "INSERT INTO invoices (number, prefix, seq, state, till, dispensation_id, at)
             VALUES (?1, NULL, NULL, 'USED', ?2, ?3, ?4)
             ON CONFLICT (number) DO UPDATE SET state = 'USED', at = excluded.at
             WHERE dispensation_id = excluded.dispensation_id",
            params![used, &place.till, dispensation_id, at],
        )?;
    }
    transaction.execute(
        "DELETE FROM invoices WHERE dispensation_id = ?1 AND state != 'USED' AND number IS NOT ?2",
        params![dispensation_id, used],
    )?;
    Ok(())
}

/// The server refused the completion for good: the number was not used, and stays proposed to the dispensation.
pub(super) fn refused(transaction: &Transaction<'_>, dispensation_id: &str) -> Result<(), JournalError> {
    transaction.execute(
        "UPDATE invoices SET state = 'HELD' WHERE dispensation_id = ?1 AND state = 'SENT'",
        [dispensation_id],
    )?;
    Ok(())
}

/// The dispensation was cancelled: whatever it held or sent goes back.
pub(super) fn released(transaction: &Transaction<'_>, dispensation_id: &str) -> Result<(), JournalError> {
    transaction.execute("DELETE FROM invoices WHERE dispensation_id = ?1 AND state != 'USED'", [dispensation_id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::super::tests::{AT, journal, record};
    use super::*;
    use crate::counter::Event;
    use crate::osigu::model::Id;

    fn intent(number: Option<&str>) -> Event {
        Event::FinalizeIntent {
            key: "k".into(),
            amount: Decimal::ONE,
            currency: None,
            invoice_number: number.map(str::to_owned),
            invoice_date: None,
            invoice_serial: None,
        }
    }

    fn completed(number: Option<&str>) -> Event {
        Event::Completed {
            claim_id: Some(Id::new("clm")),
            amount: Decimal::ONE,
            currency: None,
            invoice_number: number.map(str::to_owned),
            amounts: None,
        }
    }

    #[test]
    fn a_proposal_is_held_for_its_dispensation_and_the_next_one_gets_the_next_number() {
        let (journal, _dir) = journal();
        assert_eq!(journal.hold_invoice(AT, "F001-", "dsp_1").unwrap(), "F001-000001");
        // Asked again (back from the lines): the same number.
        assert_eq!(journal.hold_invoice(AT, "F001-", "dsp_1").unwrap(), "F001-000001");
        journal.record(&record("dsp_1", intent(Some("F001-000001")))).unwrap();
        journal.record(&record("dsp_1", completed(Some("F001-000001")))).unwrap();
        assert_eq!(journal.hold_invoice(AT, "F001-", "dsp_2").unwrap(), "F001-000002");
        // Another series counts on its own.
        assert_eq!(journal.hold_invoice(AT, "B-", "dsp_3").unwrap(), "B-000001");
    }

    #[test]
    fn a_number_another_dispensation_carries_is_refused_before_anything_is_sent() {
        let (journal, _dir) = journal();
        journal.record(&record("dsp_1", intent(Some("F001-000001")))).unwrap();
        let refused = journal.record(&record("dsp_2", intent(Some("F001-000001")))).unwrap_err();
        assert!(matches!(&refused, JournalError::InvoiceTaken { number } if number == "F001-000001"), "{refused}");
        // Nothing of the refused intent was kept: the dispensation is not FINALIZING.
        assert!(journal.dispensation("dsp_2").unwrap().is_none(), "the whole intent is rolled back");
        // The series skips the number typed by hand.
        assert_eq!(journal.hold_invoice(AT, "F001-", "dsp_2").unwrap(), "F001-000002");
    }

    #[test]
    fn a_typo_far_ahead_does_not_move_the_series_and_the_series_skips_it_when_it_gets_there() {
        let (journal, _dir) = journal();
        assert_eq!(journal.hold_invoice(AT, "F001-", "dsp_1").unwrap(), "F001-000001");
        // The clerk typed a number of their own instead: the proposal goes back to the series.
        journal.record(&record("dsp_1", intent(Some("F001-000003")))).unwrap();
        journal.record(&record("dsp_1", completed(Some("F001-000003")))).unwrap();
        assert_eq!(journal.hold_invoice(AT, "F001-", "dsp_2").unwrap(), "F001-000001");
        journal.record(&record("dsp_2", intent(Some("F001-000001")))).unwrap();
        assert_eq!(journal.hold_invoice(AT, "F001-", "dsp_3").unwrap(), "F001-000002");
        journal.record(&record("dsp_3", intent(Some("F001-000002")))).unwrap();
        assert_eq!(journal.hold_invoice(AT, "F001-", "dsp_4").unwrap(), "F001-000004", "000003 was typed by hand");
    }

    #[test]
    fn a_cancelled_dispensation_gives_its_number_back_and_a_refused_completion_keeps_it() {
        let (journal, _dir) = journal();
        assert_eq!(journal.hold_invoice(AT, "F001-", "dsp_1").unwrap(), "F001-000001");
        journal.record(&record("dsp_1", intent(Some("F001-000001")))).unwrap();
        journal.record(&record("dsp_1", Event::CompletionRefused)).unwrap();
        assert_eq!(journal.dispensation("dsp_1").unwrap().unwrap().status, "STARTED");
        assert_eq!(journal.hold_invoice(AT, "F001-", "dsp_1").unwrap(), "F001-000001", "still this one's");
        journal.record(&record("dsp_1", Event::Cancelled)).unwrap();
        assert_eq!(journal.hold_invoice(AT, "F001-", "dsp_2").unwrap(), "F001-000001", "given back");
    }

    #[test]
    fn the_series_ends_at_999999_and_never_wraps() {
        let (journal, _dir) = journal();
        assert!(journal.import_invoice_counter("F001-", 999_998).unwrap());
        assert_eq!(journal.hold_invoice(AT, "F001-", "dsp_1").unwrap(), "F001-999999");
        journal.record(&record("dsp_1", intent(Some("F001-999999")))).unwrap();
        let exhausted = journal.hold_invoice(AT, "F001-", "dsp_2").unwrap_err();
        assert!(matches!(exhausted, JournalError::InvoicesExhausted { .. }), "{exhausted}");
        // The old counter is taken over once only.
        assert!(!journal.import_invoice_counter("F001-", 5).unwrap());
    }

    #[test]
    fn many_tills_writing_at_once_never_get_the_same_number() {
        let (journal, dir) = journal();
        drop(journal);
        let threads: Vec<_> = (1..=8)
            .map(|till| {
                let dir = dir.clone();
                std::thread::spawn(move || {
                    let place = Place::new("store", format!("caja-{till}"));
                    let journal = Journal::in_dir(&dir, &place).unwrap();
                    let mut numbers = Vec::new();
                    for n in 0..25 {
                        let id = format!("dsp_{till}_{n}");
                        let number = journal.hold_invoice(AT, "F001-", &id).unwrap();
                        journal.record(&record(&id, intent(Some(&number)))).unwrap();
                        journal.record(&record(&id, completed(Some(&number)))).unwrap();
                        numbers.push(number);
                    }
                    numbers
                })
            })
            .collect();
        let mut all: Vec<String> = threads.into_iter().flat_map(|thread| thread.join().unwrap()).collect();
        let issued = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), issued, "a number was issued twice");
        assert_eq!(all.first().map(String::as_str), Some("F001-000001"));
        assert_eq!(all.last().map(String::as_str), Some("F001-000200"), "no gaps when nothing is given back");
    }
}
