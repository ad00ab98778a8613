//! What the core does with the journal's answers. A write that fails stops dispensing: the failure is kept (the
//! screens show it until a probe finds the journal writable again), and the dispensation on screen is cancelled
//! while that is safe, since nothing more about it could be kept. A request whose intent could not be written was
//! never sent, and is treated as such.

use super::app::{App, Leave, Purpose, Step};
use super::effect::{Effect, Guarded, Write};
use super::msg::Reply;
use super::problem::{NextStep, Problem, ProblemKind};
use super::record::{Event, InvoiceRefusal, JournalFailure, Record, Unsent};
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::{CancelRequest, DispensationStatus};

impl App {
    /// A journal write finished (`purpose` is what awaited it, if anything did).
    pub(super) fn journaled(
        &mut self,
        purpose: Option<Purpose>,
        result: Result<(), JournalFailure>,
        effects: &mut Vec<Effect>,
    ) {
        match (purpose, result) {
            (Some(Purpose::Probe { then_code }), Ok(())) => {
                tracing::info!("the journal can be written again");
                self.session.journal_failure = None;
                if let (Some(code), Step::Entry { .. }) = (then_code, &self.step) {
                    self.start(code, None, effects);
                }
            }
            (Some(Purpose::Probe { .. }), Err(failure)) => {
                let cause = failure.cause;
                self.journal_failed(failure, effects);
                self.show(Problem::new(ProblemKind::JournalUnavailable { cause }, NextStep::Acknowledge));
            }
            (Some(Purpose::PaperKept { code, beneficiary_id, notice }), Ok(())) => {
                self.paper_kept(code, beneficiary_id, notice, effects);
            }
            (_, Ok(())) => {}
            (_, Err(failure)) => self.journal_failed(failure, effects),
        }
    }

    /// Nothing can be kept on record: say so until it can, and cancel what is open while that is safe.
    pub(super) fn journal_failed(&mut self, failure: JournalFailure, effects: &mut Vec<Effect>) {
        if self.session.journal_failure.is_none() {
            tracing::error!(cause = ?failure.cause, detail = %failure.detail, "the journal cannot be written: dispensing stops");
        }
        self.session.journal_failure = Some(failure);
        if self.started() && !self.outcome_in_doubt() && !matches!(self.step, Step::Leaving { .. }) {
            self.leave(Leave::ToEntry, effects);
        }
    }

    /// Enter on a code while the journal cannot be written: probe it first; the code starts if it works again.
    pub(super) fn probe_journal(&mut self, then_code: Option<String>, effects: &mut Vec<Effect>) {
        if self.is_awaiting(|purpose| matches!(purpose, Purpose::Probe { .. })) {
            return;
        }
        let id = self.request(Purpose::Probe { then_code });
        effects.push(Effect::Journal { id, write: Write::Probe { at: self.session.now } });
    }

    /// A guarded request was not sent, because its intent could not be written.
    pub(super) fn unsent(&mut self, purpose: Purpose, why: Unsent, effects: &mut Vec<Effect>) {
        match (purpose, why) {
            (Purpose::Complete, Unsent::InvoiceTaken { number }) => {
                self.completion_unsent();
                if let Step::Finalize(finalize) = &mut self.step {
                    finalize.invoice_number = tui_input::Input::default();
                    finalize.focus = 0;
                }
                // A fresh proposal replaces the number another dispensation already carries.
                self.session.invoice = None;
                self.hold_invoice(effects);
                self.show(Problem::new(ProblemKind::InvoiceTaken { number }, NextStep::Finalize));
            }
            (Purpose::Complete, Unsent::Journal(failure)) => {
                // Nothing was sent: the dispensation is as it was, and is cancelled below like any open one.
                let cause = failure.cause;
                self.completion_unsent();
                self.journal_failed(failure, effects);
                self.show(Problem::new(ProblemKind::JournalUnavailable { cause }, NextStep::Acknowledge));
            }
            (Purpose::Start, Unsent::Journal(failure)) => {
                self.session.pending_start = None;
                if let Step::Starting { code } = &self.step {
                    let code = code.clone();
                    self.go(Step::entry_with(code));
                }
                let cause = failure.cause;
                self.journal_failed(failure, effects);
                self.show(Problem::new(ProblemKind::JournalUnavailable { cause }, NextStep::Acknowledge));
            }
            (Purpose::Preauthorize, Unsent::Journal(failure)) => {
                // Nothing was sent: back on the lines, as they were.
                let cause = failure.cause;
                self.paper_after_problem();
                self.journal_failed(failure, effects);
                self.show(Problem::new(ProblemKind::JournalUnavailable { cause }, NextStep::Acknowledge));
            }
            (_, Unsent::Journal(failure)) => self.journal_failed(failure, effects),
            (purpose, Unsent::InvoiceTaken { .. }) => {
                tracing::warn!(?purpose, "an invoice refusal for a request that carries no invoice");
            }
        }
    }

    /// Proposes an invoice number for the dispensation on screen, held for it in the journal.
    pub(super) fn hold_invoice(&mut self, effects: &mut Vec<Effect>) {
        let Some(dispensation_id) = self.active_id() else { return };
        if self.session.invoice.is_some()
            || self.is_awaiting(|purpose| matches!(purpose, Purpose::InvoiceNumber { .. }))
        {
            return;
        }
        let id = self.request(Purpose::InvoiceNumber { dispensation_id: dispensation_id.clone() });
        let prefix = self.session.settings.invoice_prefix.clone();
        effects.push(Effect::HoldInvoice { id, prefix, dispensation_id, at: self.session.now });
    }

    /// The journal proposed an invoice number, or could not.
    pub(super) fn invoice_held(&mut self, result: Result<String, InvoiceRefusal>, effects: &mut Vec<Effect>) {
        match result {
            Ok(number) => self.invoice_number(number),
            Err(InvoiceRefusal::Journal(failure)) => self.journal_failed(failure, effects),
            Err(InvoiceRefusal::Exhausted { prefix }) => {
                self.show(Problem::new(ProblemKind::InvoicesExhausted { prefix }, NextStep::Acknowledge));
            }
        }
    }

    /// A start the clerk left, or one whose reply was lost, sent again with its key: whatever it started is put
    /// on record and cancelled; a refusal means it never started.
    pub(super) fn abandoned_start_replied(
        &mut self,
        key: IdempotencyKey,
        result: Result<Reply, ClientError>,
        effects: &mut Vec<Effect>,
    ) {
        self.session.loose_starts.retain(|(_, loose)| *loose != key);
        match result {
            Ok(Reply::Dispensation(dispensation)) => {
                let start_key = Some(key.as_str().to_owned());
                let started = Event::Started {
                    code_type: dispensation.code_type,
                    sponsor_slug: dispensation.sponsor_slug.clone(),
                    start_key,
                };
                effects.push(self.write(Write::Record(Record::about(&dispensation, started, self.session.now))));
                if dispensation.status == DispensationStatus::Started {
                    let cancel = self.key("cancel");
                    let event = Event::CancelIntent { key: cancel.as_str().to_owned() };
                    let intent = Some(Record::about(&dispensation, event, self.session.now));
                    let id = dispensation.dispensation_id.clone();
                    let request = CancelRequest { reason: Some("Abandoned at the counter".to_owned()) };
                    effects.push(self.send(Purpose::Cleanup, Guarded::Cancel { id, request, key: cancel, intent }));
                }
            }
            // Still no answer: the journal keeps it, and the next start settles it.
            Err(error) if error.outcome_unknown() || error.is_transient() => {
                tracing::info!(error = %error, "a start left behind could not be settled; the next start will");
            }
            Ok(_) | Err(_) => effects.push(self.write(Write::StartSettled { key: key.as_str().to_owned() })),
        }
    }
}
