//! Finalizing: invoice number (the terminal's next, editable), date, the amount computed exactly as the server
//! computes it; then `complete`, with one key for every try. A completion whose outcome is unknown is
//! confirmed with the server before anything is said: the clerk never sees "failed" for one that went through.

use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};
use tui_input::Input;

use super::text;
use crate::counter::action::Action;
use crate::counter::app::{App, Proof, Purpose, Step};
use crate::counter::effect::{Call, Effect, Guarded};
use crate::counter::msg::{Msg, Reply};
use crate::counter::offers::Offer;
use crate::counter::problem::{self, NextStep, Problem, ProblemKind};
use crate::counter::record::{Event, Record};
use crate::counter::shares::Shares;
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::{CompleteRequest, Dispensation, DispensationStatus, ErrorCode, money};

const MAX_INVOICE_CHARS: usize = 40;

/// The finalize step.
#[derive(Clone, Debug)]
pub struct Finalize {
    pub invoice_number: Input,
    pub invoice_serial: Input,
    /// The sponsor asks for the invoice's serial too.
    pub serial_required: bool,
    /// 0: invoice number, 1: serial.
    pub focus: usize,
    pub date: Date,
    /// What `complete` will carry: Σ line subtotals, rounded as the contract says.
    pub amount: Decimal,
    pub currency: Option<String>,
    /// What the patient pays (and the sponsor), as the server computed it for these lines: the clerk charges it.
    pub shares: Shares,
    pub state: FinalizeState,
    /// Tries made to learn an unknown outcome (each a `GET`, then the same completion again if still STARTED).
    pub attempts: u32,
    /// When the next try goes, while confirming (backing off from 1 s to 30 s).
    pub next_try_at: Option<OffsetDateTime>,
    /// The completion sent, with its key; a retry sends exactly this again.
    sent: Option<(CompleteRequest, IdempotencyKey)>,
    /// The intent of `sent`, until it is handed to the journal with the first send (retries need none: it is on
    /// disk already).
    intent: Option<Box<Record>>,
}

/// The first pause before asking the server again about an unknown outcome; it doubles up to [`RETRY_MAX`].
const RETRY_FIRST: time::Duration = time::Duration::SECOND;
const RETRY_MAX: time::Duration = time::Duration::seconds(30);

/// What a key on finalize asks of the App.
enum FinalizeNext {
    Stay,
    /// Try the completion in doubt again, or ask about it now.
    Retry,
    /// Complete with the fields.
    Complete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinalizeState {
    /// The clerk checks the invoice fields; Enter confirms.
    Editing,
    /// `complete` is on its way.
    Sending,
    /// No usable answer: asking the server what happened, again and again with a growing pause, until it says.
    Confirming,
    /// The server could not be asked either; Enter sends the same completion again (it cannot apply twice).
    Unknown,
}

impl Finalize {
    /// Confirm (the only key that completes: F10 brought the clerk here, it does not finalize twice), the other
    /// invoice field, back to the lines; or, with a completion in doubt, try again at once.
    pub(in crate::counter) fn offers(&self) -> (Vec<Offer>, bool) {
        use Action::*;
        let list = match self.state {
            FinalizeState::Editing => {
                let mut list =
                    vec![Offer::on(Continue, "hint.confirm_finalize"), Offer::on(Back, "hint.back_to_review")];
                if self.serial_required {
                    list.push(Offer::on(NextField, "hint.fields"));
                    list.push(Offer::on(PrevField, "hint.fields"));
                }
                list
            }
            FinalizeState::Unknown => vec![Offer::on(Continue, "hint.retry_same")],
            FinalizeState::Confirming if self.next_try_at.is_some() => vec![Offer::on(Continue, "hint.try_now")],
            FinalizeState::Sending | FinalizeState::Confirming => Vec::new(),
        };
        (list, self.editable())
    }

    /// Whether the clerk may still change things or leave (not while a completion may be in flight).
    pub fn editable(&self) -> bool {
        self.state == FinalizeState::Editing
    }

    /// Proposes the terminal's next invoice `number` when the clerk has typed none; the cursor then goes to the
    /// serial when one is still wanted.
    fn propose_number(&mut self, number: &str) {
        if self.invoice_number.value().is_empty() {
            self.invoice_number = Input::new(number.to_owned());
            if self.serial_required && self.invoice_serial.value().is_empty() {
                self.focus = 1;
            }
        }
    }

    /// A key: edits a field here, or says what the App must do.
    fn on_msg(&mut self, msg: Msg) -> FinalizeNext {
        let waiting = self.state == FinalizeState::Confirming && self.next_try_at.is_some();
        if (self.state == FinalizeState::Unknown || waiting) && matches!(msg, Msg::Submit | Msg::Retry) {
            return FinalizeNext::Retry;
        }
        if !self.editable() {
            return FinalizeNext::Stay;
        }
        let serial_empty = self.invoice_serial.value().trim().is_empty();
        let field = if self.focus == 0 { &mut self.invoice_number } else { &mut self.invoice_serial };
        let invoice_char = |c: char| c.is_ascii_graphic();
        match msg {
            Msg::Edit(request) => text::edit(field, request, MAX_INVOICE_CHARS, invoice_char),
            Msg::Paste(pasted) => text::paste(field, &pasted, MAX_INVOICE_CHARS, invoice_char),
            Msg::NextField | Msg::PrevField | Msg::Up | Msg::Down if self.serial_required => {
                self.focus = 1 - self.focus;
            }
            // With a serial to fill in, Enter on the number moves to it first.
            Msg::Submit if self.focus == 0 && self.serial_required && serial_empty => self.focus = 1,
            Msg::Submit | Msg::Finalize => return FinalizeNext::Complete,
            _ => {}
        }
        FinalizeNext::Stay
    }

    /// The completion the fields make, with `proof` of the verification; `None` (the cursor on the first empty
    /// required field) when a required field is empty.
    fn request(&mut self, proof: &Proof, number_required: bool) -> Option<CompleteRequest> {
        let (otp_verification_token, biometric_verification_token) = match proof {
            Proof::Otp { token } => (Some(token.clone()), None),
            Proof::Biometric { token } => (None, Some(token.clone())),
            Proof::None | Proof::Server => (None, None),
        };
        let number = self.invoice_number.value().trim().to_owned();
        let serial = self.invoice_serial.value().trim().to_owned();
        if (number.is_empty() && number_required) || (serial.is_empty() && self.serial_required) {
            self.focus = usize::from(!number.is_empty());
            return None;
        }
        let iso = time::macros::format_description!("[year]-[month]-[day]");
        Some(CompleteRequest {
            amount: self.amount,
            document_number: Some(number).filter(|n| !n.is_empty()),
            document_date: self.date.format(&iso).ok(),
            document_serial: Some(serial).filter(|s| !s.is_empty()),
            provider_transaction_id: None,
            otp_verification_token,
            biometric_verification_token,
            external_verifications: Vec::new(),
        })
    }

    /// The key `request` was sent with before, if it was: the same completion keeps its key, so sending it twice
    /// can only ever complete once.
    fn key_for(&self, request: &CompleteRequest) -> Option<IdempotencyKey> {
        self.sent.as_ref().filter(|(sent, _)| sent == request).map(|(_, key)| key.clone())
    }

    /// The completion to send now (with its intent the first time), marked as on its way.
    fn sending(&mut self) -> Option<(CompleteRequest, IdempotencyKey, Option<Record>)> {
        let (request, key) = self.sent.clone()?;
        self.state = FinalizeState::Sending;
        Some((request, key, self.intent.take().map(|intent| *intent)))
    }

    /// The completion never left: the fields are the clerk's again.
    fn unsent(&mut self) {
        self.state = FinalizeState::Editing;
        self.sent = None;
        self.intent = None;
    }

    /// Asking the server now.
    fn asking(&mut self) {
        self.state = FinalizeState::Confirming;
        self.next_try_at = None;
    }

    /// Still unknown: the next try after a pause twice the last, from [`RETRY_FIRST`] up to [`RETRY_MAX`]. The
    /// clerk sees the countdown and may press Enter to try at once; the screen never says "failed" for what may
    /// have worked.
    fn wait_longer(&mut self, now: OffsetDateTime) {
        self.attempts += 1;
        let doublings = self.attempts.saturating_sub(1).min(5);
        let pause = (RETRY_FIRST * 2_i32.pow(doublings)).min(RETRY_MAX);
        self.state = FinalizeState::Confirming;
        self.next_try_at = Some(now + pause);
    }

    /// The next try is due.
    fn due(&self, now: OffsetDateTime) -> bool {
        self.state == FinalizeState::Confirming && self.next_try_at.is_some_and(|at| at <= now)
    }

    /// The next try while confirming, and each second before it so the countdown on screen moves.
    pub(in crate::counter) fn wake_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let next = self.next_try_at.filter(|_| self.state == FinalizeState::Confirming)?;
        let second = super::next_second(now)?;
        Some(next.min(second))
    }
}

impl App {
    /// Opens finalize with the server's lines.
    pub(in crate::counter) fn begin_finalize(&mut self) {
        let Some(active) = &self.active else { return };
        // Decoding refuses lines whose total cannot be computed, so this holds for every server reply; a
        // dispensation that slipped past it stays on the review, STARTED, never finalized with a wrong amount.
        let Ok(amount) = active.dispensation.amount_due() else {
            return self.show(Problem::new(ProblemKind::UnreadableReply, NextStep::Acknowledge));
        };
        let serial_required = active
            .configuration
            .as_ref()
            .is_some_and(|configuration| configuration.dispensing.invoice.document_serial_required);
        let number = self.session.invoice.clone().unwrap_or_default();
        let finalize = Finalize {
            // The cursor starts in the first required field still empty: with the number proposed, the serial.
            focus: usize::from(serial_required && !number.is_empty()),
            invoice_number: Input::new(number),
            invoice_serial: Input::default(),
            serial_required,
            date: self.session.now.to_offset(self.session.settings.utc_offset).date(),
            amount,
            currency: active.dispensation.currency_code.clone(),
            shares: Shares::served(&active.dispensation),
            state: FinalizeState::Editing,
            attempts: 0,
            next_try_at: None,
            sent: None,
            intent: None,
        };
        self.go(Step::Finalize(finalize));
    }

    /// The terminal's next invoice number arrived: proposed unless the clerk typed one already.
    pub(in crate::counter) fn invoice_number(&mut self, number: String) {
        self.with_finalize(|finalize| finalize.propose_number(&number));
        self.session.invoice = Some(number);
    }

    /// A key on finalize.
    pub(in crate::counter) fn finalize_msg(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        let Step::Finalize(finalize) = &mut self.step else { return };
        match finalize.on_msg(msg) {
            FinalizeNext::Stay => {}
            FinalizeNext::Retry => self.finalize_retry(effects),
            FinalizeNext::Complete => self.complete(effects),
        }
    }

    /// Enter on finalize: complete with the invoice fields.
    fn complete(&mut self, effects: &mut Vec<Effect>) {
        let (Some(active), Step::Finalize(finalize)) = (&self.active, &mut self.step) else { return };
        let number_required = active
            .configuration
            .as_ref()
            .is_none_or(|configuration| configuration.dispensing.invoice.document_number_required);
        let Some(request) = finalize.request(&active.proof, number_required) else {
            return self.show(Problem::new(ProblemKind::InvoiceRequired, NextStep::Finalize));
        };
        let key = finalize.key_for(&request).unwrap_or_else(|| self.session.key("complete"));
        let event = Event::FinalizeIntent {
            key: key.as_str().to_owned(),
            amount: request.amount,
            currency: finalize.currency.clone(),
            invoice_number: request.document_number.clone(),
            invoice_date: request.document_date.clone(),
            invoice_serial: request.document_serial.clone(),
        };
        finalize.sent = Some((request, key));
        // Written before the request leaves, the invoice number claimed with it: after a crash, the journal knows
        // a completion may have happened, and no other dispensation can carry that number.
        let intent = self.record_of(event).map(Box::new);
        self.with_finalize(|finalize| finalize.intent = intent);
        self.send_completion(effects);
    }

    /// Sends the completion kept in `sent` (again, with the same key, when it is in doubt).
    fn send_completion(&mut self, effects: &mut Vec<Effect>) {
        let (Some(active), Step::Finalize(finalize)) = (&self.active, &mut self.step) else { return };
        let Some((request, key, intent)) = finalize.sending() else { return };
        let id = active.id().clone();
        effects.push(self.session.send(Purpose::Complete, Guarded::Complete { id, request, key, intent }));
    }

    /// The completion was not sent (its intent could not be written): the invoice fields are the clerk's again.
    pub(in crate::counter) fn completion_unsent(&mut self) {
        self.with_finalize(Finalize::unsent);
    }

    /// Quitting with a completion in doubt and nothing asked: ask the server, on the usual schedule.
    pub(in crate::counter) fn confirm_before_quitting(&mut self) {
        let asking = self.is_awaiting(|purpose| matches!(purpose, Purpose::Complete | Purpose::Confirm));
        let now = self.session.now;
        if let Step::Finalize(finalize) = &mut self.step
            && finalize.state == FinalizeState::Unknown
            && !asking
        {
            finalize.wait_longer(now);
        }
    }

    /// Enter after a failure: in doubt, the same completion again; while waiting for the next try, that try now.
    pub(in crate::counter) fn finalize_retry(&mut self, effects: &mut Vec<Effect>) {
        let Step::Finalize(finalize) = &self.step else { return };
        match finalize.state {
            FinalizeState::Unknown => self.send_completion(effects),
            FinalizeState::Confirming if finalize.next_try_at.is_some() => self.confirm(effects),
            _ => {}
        }
    }

    /// Asks the server whether the completion went through.
    fn confirm(&mut self, effects: &mut Vec<Effect>) {
        let (Some(active), Step::Finalize(finalize)) = (&self.active, &mut self.step) else { return };
        finalize.asking();
        let id = active.id().clone();
        effects.push(self.session.call(Purpose::Confirm, Call::Get { id }));
    }

    /// The outcome is still unknown: try again later (see [`Finalize::wait_longer`]).
    fn confirm_later(&mut self) {
        let now = self.session.now;
        self.with_finalize(|finalize| finalize.wait_longer(now));
    }

    /// A timer fired while confirming: the next try, when it is due.
    pub(in crate::counter) fn finalize_tick(&mut self, effects: &mut Vec<Effect>) {
        if let Step::Finalize(finalize) = &self.step
            && finalize.due(self.session.now)
        {
            self.confirm(effects);
        }
    }

    pub(in crate::counter) fn complete_replied(
        &mut self,
        result: Result<Reply, ClientError>,
        effects: &mut Vec<Effect>,
    ) {
        let code = self.active_code();
        let Step::Finalize(finalize) = &self.step else { return };
        let confirming = finalize.state == FinalizeState::Confirming;
        let sent_amount = finalize.sent.as_ref().map(|(request, _)| request.amount);
        let ours = |dispensation: &Dispensation| Some(&dispensation.dispensation_id) == self.active_id().as_ref();
        match result {
            // A reply about another dispensation says nothing about ours.
            Ok(Reply::Dispensation(dispensation)) if !ours(&dispensation) => {
                tracing::warn!("a completion reply named another dispensation; asking the server");
                self.outcome_unknown(confirming, effects);
            }
            Ok(Reply::Dispensation(dispensation)) => match dispensation.status {
                // The server's own record (a GET) is the truth; a completion's reply must also carry the amount
                // sent, or it is not the answer to what was sent.
                DispensationStatus::Completed
                    if confirming
                        || sent_amount.is_none_or(|sent| {
                            dispensation.charged().is_ok_and(|charged| money::same_amount(sent, charged))
                        }) =>
                {
                    self.completed(*dispensation, effects)
                }
                DispensationStatus::Completed => {
                    tracing::warn!("a completion reply carried another amount than the one sent; asking the server");
                    self.outcome_unknown(confirming, effects);
                }
                // The server never applied it: sending the same completion again is safe.
                DispensationStatus::Started if confirming => self.send_completion(effects),
                // Answered but not applied: asked again after a pause, as for no answer at all (never at once,
                // which would loop as fast as the server answers).
                DispensationStatus::Started => self.confirm_later(),
                _ => {
                    effects.extend(self.record(Event::Cancelled));
                    self.active = None;
                    self.go_to_entry();
                    self.show(Problem::new(ProblemKind::DispensationTimedOut, NextStep::Acknowledge));
                }
            },
            Ok(_) => self.outcome_unknown(confirming, effects),
            // Completed by an earlier try of this same finalize: the details carry the dispensation.
            Err(error) if error.code() == Some(&ErrorCode::AlreadyCompleted) => match error.completed_dispensation() {
                Some(dispensation) if ours(&dispensation) => self.completed(dispensation, effects),
                _ => self.outcome_unknown(confirming, effects),
            },
            Err(error) if error.outcome_unknown() || (confirming && error.is_transient()) => {
                tracing::info!(error = %error, "the completion's outcome is unknown; asking the server");
                self.outcome_unknown(confirming, effects);
            }
            Err(error) => {
                let mut problem = problem::from_client(&error, &code, NextStep::Retry);
                if !matches!(problem.next, NextStep::Retry) {
                    // Refused for good: nothing was completed, and the journal says so (the invoice number stays
                    // this dispensation's for its next try).
                    effects.extend(self.record(Event::CompletionRefused));
                }
                match problem.next {
                    NextStep::Retry => self.with_finalize(|finalize| finalize.state = FinalizeState::Unknown),
                    NextStep::ReviewLines => {
                        if let ProblemKind::AmountMismatch { sent, .. } = &mut problem.kind
                            && let Some(amount) = sent_amount
                        {
                            *sent = amount;
                        }
                        self.back_to_review();
                        // The server's lines may have changed under us: read them again.
                        if let Some(id) = self.active_id() {
                            effects.push(self.call(Purpose::Refresh, Call::Get { id }));
                        }
                    }
                    NextStep::Verify => {
                        if let Some(active) = &mut self.active {
                            active.proof = Proof::None;
                        }
                        self.begin_verification(effects);
                    }
                    NextStep::Finalize => self.with_finalize(|finalize| finalize.state = FinalizeState::Editing),
                    _ => {
                        effects.extend(self.record(Event::Cancelled));
                        self.active = None;
                        self.go_to_entry();
                    }
                }
                self.show(problem);
            }
        }
    }

    /// No usable answer: ask the server at once the first time, then after growing pauses.
    fn outcome_unknown(&mut self, confirming: bool, effects: &mut Vec<Effect>) {
        if confirming { self.confirm_later() } else { self.confirm(effects) }
    }

    /// Changes the finalize step, if it is the one on screen (a reply may arrive after the clerk left it).
    fn with_finalize(&mut self, change: impl FnOnce(&mut Finalize)) {
        if let Step::Finalize(finalize) = &mut self.step {
            change(finalize);
        }
    }
}
