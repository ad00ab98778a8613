//! The settlements screen's state, for supervisors (issue 14, point 3): the Dominican radicación done from the
//! counter. It owns what the screen shows and the rules behind it, with no I/O: the BATCH sponsors to choose
//! from, the period, the open batch's pending claims and which of them are chosen (with the totals the sponsor
//! is asked for and the patients paid), the invoice fields with the server's word on each, and the pharmacy's
//! batches with their states, merged from the server's list and what the webhook receiver recorded in the
//! journal. A batch is exported as CSV ([`csv`]). Rendering is `crate::ui::settlements`.
//!
//! Who may open it is not decided here: it is an action a later role check can guard.

pub mod csv;

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::journal::SettlementRow;
use crate::osigu::error::ClientError;
use crate::osigu::model::{
    AttachAuthorizationsRequest, CompleteSettlementRequest, Id, OpenSettlementRequest, PendingAuthorization,
    Settlement, SettlementMode, SettlementStatus, Sponsor, SponsorConfiguration,
};

/// A sponsor that pays only for claims grouped into a batch (`settlement.mode = BATCH`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchSponsor {
    pub slug: String,
    pub name: String,
    /// Every amount of its batches is in this currency.
    pub currency: Option<String>,
}

impl BatchSponsor {
    /// The sponsors of `sponsors` whose configuration (any product type) settles in batches, in their order.
    pub fn among(sponsors: &[Sponsor], configurations: &[SponsorConfiguration]) -> Vec<Self> {
        sponsors
            .iter()
            .filter(|sponsor| {
                configurations.iter().any(|configuration| {
                    configuration.sponsor_slug == sponsor.sponsor_slug
                        && configuration.settlement.mode == SettlementMode::Batch
                })
            })
            .map(|sponsor| Self {
                slug: sponsor.sponsor_slug.clone(),
                name: sponsor.name.clone(),
                currency: sponsor.currency_code.clone(),
            })
            .collect()
    }
}

/// An invoice field of the batch, as the server's 400 names it (`errors[].path`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InvoiceField {
    Number,
    Date,
}

impl InvoiceField {
    fn from_path(path: &str) -> Option<Self> {
        match path.trim().trim_start_matches("$.").trim_start_matches('/') {
            "invoice_number" => Some(Self::Number),
            "invoice_date" => Some(Self::Date),
            _ => None,
        }
    }
}

/// What the server found wrong with an invoice field, in the counter's terms (the server's English words go to the
/// log; the screen says its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceProblem {
    /// Nothing was given.
    Missing,
    /// A date after today.
    Future,
    /// A date before the batch's period.
    BeforePeriod,
    /// Anything else: not a number or date the server takes.
    Invalid,
}

impl InvoiceProblem {
    /// Reads the server's message (the sandbox's wording; an unknown one is [`InvoiceProblem::Invalid`]).
    fn from_message(message: &str) -> Self {
        let message = message.to_ascii_lowercase();
        if message.contains("required") {
            Self::Missing
        } else if message.contains("future") {
            Self::Future
        } else if message.contains("before the period") {
            Self::BeforePeriod
        } else {
            Self::Invalid
        }
    }
}

/// One batch in the list: its latest known state.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchLine {
    pub id: Id,
    pub sponsor_slug: Option<String>,
    pub period: Option<String>,
    pub status: SettlementStatus,
    pub currency: Option<String>,
    pub total: Option<Decimal>,
    pub accepted: Option<Decimal>,
    pub invoice_number: Option<String>,
}

/// The settlements screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Board {
    pub sponsors: Vec<BatchSponsor>,
    /// Index into `sponsors`.
    pub sponsor: usize,
    /// `YYYY-MM`.
    pub period: String,
    /// The batch being prepared (OPEN), once opened.
    pub open: Option<Settlement>,
    /// Its sponsor's completed claims of the period that no batch holds yet, oldest first.
    pub pending: Vec<PendingAuthorization>,
    /// Which of `pending` go into the batch (all, when it opens).
    pub chosen: Vec<bool>,
    /// The row of `pending` the cursor is on.
    pub cursor: usize,
    pub invoice_number: String,
    /// `YYYY-MM-DD`.
    pub invoice_date: String,
    /// What the server found wrong with each invoice field it refused.
    pub errors: BTreeMap<InvoiceField, InvoiceProblem>,
    /// The pharmacy's batches, newest first.
    pub batches: Vec<BatchLine>,
}

impl Board {
    /// A board for `sponsors` (the BATCH ones), on `period`, with the invoice dated `today` (`YYYY-MM-DD`).
    pub fn new(sponsors: Vec<BatchSponsor>, period: &str, today: &str) -> Self {
        Self {
            sponsors,
            sponsor: 0,
            period: period.to_owned(),
            open: None,
            pending: Vec::new(),
            chosen: Vec::new(),
            cursor: 0,
            invoice_number: String::new(),
            invoice_date: today.to_owned(),
            errors: BTreeMap::new(),
            batches: Vec::new(),
        }
    }

    /// The sponsor chosen, if there is any BATCH sponsor.
    pub fn sponsor(&self) -> Option<&BatchSponsor> {
        self.sponsors.get(self.sponsor)
    }

    /// The currency every amount on the board is in: the open batch's, else the sponsor's.
    pub fn currency(&self) -> Option<&str> {
        self.open.as_ref().and_then(|batch| batch.currency_code.as_deref()).or(self.sponsor()?.currency.as_deref())
    }

    /// The request that opens a batch for the chosen sponsor and period.
    pub fn open_request(&self) -> Option<OpenSettlementRequest> {
        Some(OpenSettlementRequest { sponsor_slug: self.sponsor()?.slug.clone(), period: self.period.clone() })
    }

    /// The batch was opened (or found open): its pending claims are to be read next.
    pub fn opened(&mut self, batch: Settlement) {
        self.open = Some(batch);
        self.pending.clear();
        self.chosen.clear();
        self.errors.clear();
    }

    /// The pending claims arrived: every one is chosen, as a month's batch usually takes them all.
    pub fn pending_read(&mut self, pending: Vec<PendingAuthorization>) {
        self.chosen = vec![true; pending.len()];
        self.pending = pending;
        self.cursor = self.cursor.min(self.pending.len().saturating_sub(1));
    }

    /// Space on a claim: in or out of the batch.
    pub fn toggle(&mut self) {
        if let Some(chosen) = self.chosen.get_mut(self.cursor) {
            *chosen = !*chosen;
        }
    }

    /// All in, or (when all are in already) all out.
    pub fn toggle_all(&mut self) {
        let all = self.chosen.iter().all(|chosen| *chosen);
        self.chosen.iter_mut().for_each(|chosen| *chosen = !all);
    }

    /// The cursor one row down or up, within the claims.
    pub fn move_cursor(&mut self, down: bool) {
        let last = self.pending.len().saturating_sub(1);
        self.cursor = if down { (self.cursor + 1).min(last) } else { self.cursor.saturating_sub(1) };
    }

    fn chosen_claims(&self) -> impl Iterator<Item = &PendingAuthorization> {
        self.pending.iter().zip(&self.chosen).filter(|(_, chosen)| **chosen).map(|(claim, _)| claim)
    }

    /// How many claims are chosen.
    pub fn chosen_count(&self) -> usize {
        self.chosen.iter().filter(|chosen| **chosen).count()
    }

    /// What the sponsor is asked to pay for the chosen claims.
    pub fn chosen_total(&self) -> Decimal {
        self.chosen_claims().map(|claim| claim.total_amount).sum()
    }

    /// What the patients paid on the chosen claims (`None` when the server gave no share for any).
    pub fn chosen_patient_total(&self) -> Option<Decimal> {
        let shares: Vec<Decimal> = self.chosen_claims().filter_map(|claim| claim.patient_amount).collect();
        (!shares.is_empty()).then(|| shares.iter().sum())
    }

    /// The request that attaches the chosen claims; `None` when none is chosen or no batch is open.
    pub fn attach_request(&self) -> Option<(Id, AttachAuthorizationsRequest)> {
        let batch = self.open.as_ref()?;
        let authorization_ids: Vec<Id> = self.chosen_claims().map(|claim| claim.authorization_id.clone()).collect();
        (!authorization_ids.is_empty())
            .then(|| (batch.settlement_id.clone(), AttachAuthorizationsRequest { authorization_ids }))
    }

    /// The request that submits the open batch with the invoice as typed (the server checks both fields).
    pub fn complete_request(&self) -> Option<(Id, CompleteSettlementRequest)> {
        let batch = self.open.as_ref()?;
        let request = CompleteSettlementRequest {
            invoice_number: Some(self.invoice_number.trim().to_owned()),
            invoice_date: Some(self.invoice_date.trim().to_owned()),
        };
        Some((batch.settlement_id.clone(), request))
    }

    /// The server refused the invoice: each field it names gets its message, shown next to it. Whether the
    /// refusal named any field (otherwise it is a problem for the whole screen).
    pub fn refused(&mut self, error: &ClientError) -> bool {
        self.errors.clear();
        let ClientError::Api { status: 400, envelope: Some(envelope), .. } = error else { return false };
        for field_error in &envelope.errors {
            if let Some(field) = InvoiceField::from_path(&field_error.path) {
                tracing::info!(field = ?field, message = %crate::inert::line(&field_error.message), "invoice refused");
                self.errors.entry(field).or_insert_with(|| InvoiceProblem::from_message(&field_error.message));
            }
        }
        !self.errors.is_empty()
    }

    /// The batch was submitted: it joins the list, and the board is ready for the next.
    pub fn submitted(&mut self, batch: Settlement) {
        self.errors.clear();
        self.open = None;
        self.pending.clear();
        self.chosen.clear();
        self.invoice_number.clear();
        let line = BatchLine::from(&batch);
        self.batches.retain(|known| known.id != line.id);
        self.batches.insert(0, line);
    }

    /// The list of batches: the server's, each replaced by the state a webhook recorded when that one is further
    /// along (the server's list may be read before the decision reached it; the webhook may come first).
    pub fn batches_read(&mut self, server: &[Settlement], recorded: &[BatchLine]) {
        let mut lines: Vec<BatchLine> = server.iter().map(BatchLine::from).collect();
        for line in recorded {
            let line = line.clone();
            match lines.iter_mut().find(|known| known.id == line.id) {
                Some(known) if rank(line.status) > rank(known.status) => *known = line,
                Some(_) => {}
                None => lines.push(line),
            }
        }
        self.batches = lines;
    }
}

/// How far along a batch is, to keep the latest of two reports.
fn rank(status: SettlementStatus) -> u8 {
    match status {
        SettlementStatus::Unknown => 0,
        SettlementStatus::Open => 1,
        SettlementStatus::Submitted => 2,
        SettlementStatus::Accepted | SettlementStatus::Rejected | SettlementStatus::PartiallyAccepted => 3,
    }
}

impl From<&Settlement> for BatchLine {
    fn from(batch: &Settlement) -> Self {
        Self {
            id: batch.settlement_id.clone(),
            sponsor_slug: batch.sponsor_slug.clone(),
            period: batch.period.clone(),
            status: batch.status,
            currency: batch.currency_code.clone(),
            total: batch.total_amount,
            accepted: batch.accepted_amount,
            invoice_number: batch.invoice_number.clone(),
        }
    }
}

impl From<&SettlementRow> for BatchLine {
    fn from(row: &SettlementRow) -> Self {
        // The receiver keeps the status as Osigu wrote it; one this build does not know reads as Unknown.
        let status =
            serde_json::from_value(serde_json::Value::String(row.status.clone())).unwrap_or(SettlementStatus::Unknown);
        Self {
            id: Id::new(&row.settlement_id),
            sponsor_slug: row.sponsor_slug.clone(),
            period: row.period.clone(),
            status,
            currency: row.currency.clone(),
            total: row.total_amount,
            accepted: row.accepted_amount,
            invoice_number: row.invoice_number.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osigu::model::{ErrorEnvelope, FieldError};

    fn batch(id: &str, status: &str) -> Settlement {
        serde_json::from_value(serde_json::json!({"settlement_id": id, "status": status, "currency_code": "DOP"}))
            .unwrap()
    }

    fn row(id: &str, status: &str) -> SettlementRow {
        SettlementRow {
            settlement_id: id.into(),
            sponsor_slug: Some("ars-sandbox-do".into()),
            period: Some("2026-11".into()),
            status: status.into(),
            currency: Some("DOP".into()),
            total_amount: Some(Decimal::new(100, 0)),
            accepted_amount: Some(Decimal::new(40, 0)),
            invoice_number: None,
            decided_at: None,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
            event_id: "evt".into(),
            detail: "{}".into(),
        }
    }

    #[test]
    fn a_recorded_decision_wins_over_an_older_list_and_never_the_reverse() {
        let mut board = Board::new(Vec::new(), "2026-11", "2026-11-21");
        board.batches_read(
            &[batch("stl_1", "SUBMITTED"), batch("stl_2", "ACCEPTED")],
            &[row("stl_1", "PARTIALLY_ACCEPTED"), row("stl_2", "SUBMITTED"), row("stl_3", "REJECTED")]
                .map(|row| BatchLine::from(&row)),
        );
        let states: Vec<(&str, SettlementStatus)> =
            board.batches.iter().map(|line| (line.id.as_str(), line.status)).collect();
        assert_eq!(
            states,
            [
                ("stl_1", SettlementStatus::PartiallyAccepted),
                ("stl_2", SettlementStatus::Accepted),
                ("stl_3", SettlementStatus::Rejected)
            ]
        );
        assert_eq!(board.batches[0].accepted, Some(Decimal::new(40, 0)));
    }

    #[test]
    fn a_400_puts_each_named_field_s_problem_next_to_it_and_other_failures_none() {
        let mut board = Board::new(Vec::new(), "2026-11", "2026-11-21");
        let envelope = ErrorEnvelope {
            errors: vec![
                FieldError { path: "invoice_number".into(), message: "at most 20 characters".into() },
                FieldError { path: "invoice_date".into(), message: "2026-10-31 is before the period 2026-11".into() },
                FieldError { path: "something_else".into(), message: "required".into() },
            ],
            ..ErrorEnvelope::default()
        };
        let refused =
            ClientError::Api { status: 400, code: None, envelope: Some(Box::new(envelope)), retry_after: None };
        assert!(board.refused(&refused));
        assert_eq!(board.errors.get(&InvoiceField::Number), Some(&InvoiceProblem::Invalid));
        assert_eq!(board.errors.get(&InvoiceField::Date), Some(&InvoiceProblem::BeforePeriod));
        assert_eq!(board.errors.len(), 2);
        let down = ClientError::Timeout { after: std::time::Duration::from_secs(10) };
        assert!(!board.refused(&down), "not a field's problem: the screen shows it as a problem");
        assert!(board.errors.is_empty());
    }
}
