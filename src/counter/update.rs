//! `update`: the one place the counter's state changes. Each message goes to the step on screen (or to the
//! problem over it); replies are matched to the request that awaited them, and stale ones are dropped.

use time::OffsetDateTime;

use super::app::{Active, App, Leave, Purpose, Step};
use super::effect::{Call, Effect, Guarded, Write};
use super::msg::{Msg, Reply};
use super::problem::{NextStep, Problem};
use super::record::Record;
use crate::osigu::error::ClientError;
use crate::osigu::model::{CancelRequest, DispensationStatus, ProductType};

/// Applies `msg` at time `now` and returns what the runtime must do.
pub fn update(app: &mut App, msg: Msg, now: OffsetDateTime) -> Vec<Effect> {
    app.session.now = now;
    let mut effects = Vec::new();
    match msg {
        Msg::Opened => {
            effects.push(app.call(Purpose::Sponsors, Call::Sponsors));
            effects.push(app.session.load_today());
            // With clerks, `mostrador settlements` opens the screen once a supervisor has signed in.
            if app.session.settings.open_settlements && app.door.is_none() {
                app.open_settlements(&mut effects);
            }
        }
        Msg::Replied { id, reply } => {
            let Some(purpose) = app.session.awaiting.remove(&id) else {
                tracing::debug!(request = id.0, "stale reply ignored");
                return effects;
            };
            app.replied(purpose, reply, &mut effects);
        }
        Msg::Captured { id, sample } => {
            if app.session.awaiting.remove(&id).is_some() {
                app.captured(sample, &mut effects);
            }
        }
        Msg::HistoryLoaded { id, rows } => {
            if let Some(purpose) = app.session.awaiting.remove(&id) {
                app.history_loaded(purpose, rows);
            }
        }
        Msg::InvoiceHeld { id, result } => {
            // Only for the dispensation it was proposed for: the clerk may have moved on to another.
            if let Some(Purpose::InvoiceNumber { dispensation_id }) = app.session.awaiting.remove(&id)
                && app.active_id().as_ref() == Some(&dispensation_id)
            {
                app.invoice_held(result, &mut effects);
            }
        }
        Msg::Journaled { id, result } => {
            let purpose = id.and_then(|id| app.session.awaiting.remove(&id));
            app.journaled(purpose, result, &mut effects);
        }
        Msg::PinChecked { id, verdict } => {
            if let Some(Purpose::Pin) = app.session.awaiting.remove(&id) {
                app.pin_checked(verdict);
                if app.session.settings.open_settlements && app.door.is_none() {
                    app.open_settlements(&mut effects);
                }
            }
        }
        Msg::Printed { id, result } => {
            if let Some(purpose) = app.session.awaiting.remove(&id) {
                app.printed(purpose, result, &mut effects);
            }
        }
        Msg::SettlementsRecorded { id, rows } => {
            if app.session.awaiting.remove(&id).is_some() {
                app.settlements_recorded(rows);
            }
        }
        Msg::Exported { id, result } => {
            if app.session.awaiting.remove(&id).is_some() {
                app.exported(result);
            }
        }
        Msg::VoidChecked { id, voided } => {
            if let Some(Purpose::VoidCheck { code }) = app.session.awaiting.remove(&id) {
                app.void_checked(&code, voided);
            }
        }
        Msg::Posos { id, reply } => {
            if let Some(purpose) = app.session.awaiting.remove(&id) {
                app.posos_replied(purpose, reply, &mut effects);
            }
        }
        Msg::Unsent { id, why } => {
            if let Some(purpose) = app.session.awaiting.remove(&id) {
                app.unsent(purpose, why, &mut effects);
            }
        }
        Msg::Quit => app.quit(&mut effects),
        Msg::Tick => app.tick(&mut effects),
        Msg::Resized { columns, rows } => app.screen = (columns, rows),
        Msg::Provider(slug) => app.session.surroundings.provider = Some(slug),
        Msg::Health(health) => app.session.surroundings.health = health,
        Msg::SandboxSent(toast) => app.session.surroundings.toast = Some(toast),
        // From here on, the clerk's keys: only what the screen offers acts (see `offers`).
        msg => app.on_key(msg, &mut effects),
    }
    if app.quitting {
        app.keep_quitting(&mut effects);
    }
    app.follow_surroundings();
    app.follow_batch_sponsors();
    effects
}

impl App {
    /// A key, a paste or a scan from the clerk. A key whose action is not offered, enabled, on the screen the clerk
    /// sees does nothing; text goes only where a field takes it; below the smallest window only Ctrl-C acts.
    fn on_key(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        // Any key (offered or not) is someone at the counter: the idle lock's clock starts again.
        self.session.last_key = self.session.now;
        if self.door.as_ref().is_some_and(super::door::Door::any_key_unlocks) {
            return self.door_key(msg, effects);
        }
        let offers = self.offers();
        if let Some(action) = msg.action()
            && !offers.allows(action)
        {
            return;
        }
        if self.too_small() && matches!(msg, Msg::Edit(_) | Msg::Paste(_) | Msg::Scan(_)) {
            return;
        }
        if self.door.is_some() {
            // Nothing under the door hears a key, a scan or a paste.
            return self.door_key(msg, effects);
        }
        // An action during a dispensation first asks the journal whether its code was voided: that check is queued
        // ahead of what the action sends, so a void on record is on screen before a completion is refused for it.
        if (msg.action().is_some() || matches!(msg, Msg::Scan(_)))
            && let Some(check) = self.void_check()
        {
            effects.push(check);
        }
        match msg {
            Msg::Interrupt => self.interrupt(effects),
            Msg::Scan(code) => self.scanned(code, effects),
            // On the lines a paste is a scanner burst delivered at once: a pack's barcode in it is checked.
            Msg::Paste(text) if self.lines_take_pasted_packs() => {
                self.pack_scanned(&text, effects);
            }
            // Asked whether to leave a completion unconfirmed: Enter leaves, Esc goes on waiting.
            msg if self.overlays.leave_unconfirmed => match msg {
                Msg::Submit => self.leave_now = true,
                Msg::Back => self.overlays.leave_unconfirmed = false,
                _ => {}
            },
            Msg::Help => self.overlays.help = !self.overlays.help,
            // The help overlay takes the keys that close it and ignores the rest, so nothing happens unseen under it.
            msg if self.overlays.help => {
                if matches!(msg, Msg::Back | Msg::Submit) {
                    self.overlays.help = false;
                }
            }
            // What recovery found stays over the counter until Enter or Esc: it is read before the first scan.
            msg if !self.recovered.is_empty() => {
                // Enter opens a paper prescription's approved code that was never dispensed, if one is offered.
                let offered = self
                    .recovered
                    .iter()
                    .find(|found| found.outcome == super::record::Recovery::PaperApproved)
                    .map(|found| found.code.clone());
                if matches!(msg, Msg::Submit | Msg::Back) {
                    self.recovered.clear();
                }
                if let (Msg::Submit, Some(code)) = (msg, offered) {
                    self.submit_code(code, effects);
                }
            }
            Msg::Details => self.overlays.details = !self.overlays.details,
            Msg::Reveal => {
                self.overlays.reveal = !self.overlays.reveal;
                // Who saw a beneficiary's document in clear, and when, is on record.
                if self.overlays.reveal {
                    effects.extend(self.record(super::record::Event::Revealed));
                }
            }
            msg if self.problem.is_some() => self.on_problem(msg, effects),
            msg => self.on_step(msg, effects),
        }
    }

    /// A barcode scanner's burst (or a pasted line): on the lines, a pack's barcode is a pack to check; anything
    /// else is a code to open. Between dispensations it opens at once,
    /// whatever was on screen (Done, a refusal, the history, what recovery found); during one, the clerk is asked
    /// whether to leave it for the new code, and the code is kept either way.
    fn scanned(&mut self, text: String, effects: &mut Vec<Effect>) {
        // On the lines, a pack's barcode is a pack to check (see `steps::review::packs`), not a code.
        if self.pack_scanned(&text, effects) {
            return;
        }
        let Some(code) = super::steps::normalize_code(&text) else { return };
        let code: String = code.chars().take(super::steps::MAX_CODE_CHARS).collect();
        if self.outcome_in_doubt() || matches!(self.step, Step::Leaving { .. } | Step::ConfirmLeave { .. }) {
            // Nothing may interrupt this: the code waits in the field for when it is over.
            self.session.queued_code = Some(code);
            return;
        }
        self.overlays.help = false;
        self.recovered.clear();
        if self.started() {
            self.problem = None;
            self.confirm_leave(Leave::ToCode(code), effects);
            return;
        }
        self.problem = None;
        if let Step::Starting { .. } = self.step {
            self.abandon_start();
        }
        self.go_to_entry();
        self.submit_code(code, effects);
    }

    /// Registers a call and returns its effect.
    pub(super) fn call(&mut self, purpose: Purpose, call: Call) -> Effect {
        self.session.call(purpose, call)
    }

    /// Registers a request that leaves once its intent is on disk, and returns its effect.
    pub(super) fn send(&mut self, purpose: Purpose, send: Guarded) -> Effect {
        self.session.send(purpose, send)
    }

    /// Shows a problem over the current step.
    pub(super) fn show(&mut self, problem: Problem) {
        self.overlays.details = false;
        self.problem = Some(problem);
    }

    fn on_problem(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        let Some(problem) = self.problem.take() else { return };
        match msg {
            Msg::Submit | Msg::Retry if problem.next == NextStep::Retry => self.retry(effects),
            Msg::Submit | Msg::Back | Msg::Retry => self.after_problem(problem.next, effects),
            Msg::NewCode => self.new_code(effects),
            // Anything else leaves the problem on screen: a stray key must not dismiss it unread.
            _ => self.problem = Some(problem),
        }
    }

    /// Where a dismissed problem leads.
    fn after_problem(&mut self, next: NextStep, effects: &mut Vec<Effect>) {
        match (&self.step, next) {
            // A refused code goes back to the field with the code still in it, to correct or replace.
            (Step::Starting { code }, _) => {
                let code = code.clone();
                self.go(Step::entry_with(code));
            }
            (Step::Preparing, _) => self.leave_after_failure(effects),
            (Step::Paper(_), _) => self.paper_after_problem(),
            _ => {}
        }
    }

    fn on_step(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        match msg {
            Msg::NewCode => self.new_code(effects),
            Msg::Back => self.back(effects),
            Msg::History => self.open_history(effects),
            Msg::Settlements => self.open_settlements(effects),
            Msg::SignOut => self.sign_out(effects),
            Msg::PaperPrescription => self.open_paper(),
            msg => match &self.step {
                Step::Entry { .. } => self.entry_msg(msg, effects),
                Step::Identify(_) => self.identify_msg(msg, effects),
                Step::Verify(_) => self.verify_msg(msg, effects),
                Step::Review(_) => self.review_msg(msg, effects),
                Step::Finalize(_) => self.finalize_msg(msg, effects),
                Step::Done(_) => match msg {
                    Msg::Submit => self.go_to_entry(),
                    Msg::Print => self.print_done(effects),
                    // Typing on Done starts the next code (the first character is kept).
                    Msg::Edit(request @ tui_input::InputRequest::InsertChar(_)) => {
                        self.go_to_entry();
                        self.entry_msg(Msg::Edit(request), effects);
                    }
                    _ => {}
                },
                Step::ConfirmLeave { then, .. } => {
                    if matches!(msg, Msg::Submit) {
                        let then = then.clone();
                        self.leave(then, effects);
                    }
                }
                Step::History(_) => self.history_msg(msg, effects),
                Step::Settlements(_) => self.settlements_msg(msg, effects),
                Step::Paper(_) => self.paper_msg(msg, effects),
                Step::Starting { .. } | Step::Preparing | Step::Leaving { .. } => {}
            },
        }
    }

    /// Esc.
    fn back(&mut self, effects: &mut Vec<Effect>) {
        match &mut self.step {
            Step::Entry { code, selected } => {
                code.reset();
                *selected = false;
            }
            Step::Starting { code } => {
                let code = code.clone();
                self.abandon_start();
                self.go(Step::entry_with(code));
            }
            Step::Identify(identify) if identify.for_paper => self.open_paper(),
            Step::Identify(identify) => {
                let code = identify.code.clone();
                self.go(Step::entry_with(code));
            }
            Step::Paper(_) => self.paper_back(),
            Step::Review(review) if review.dialog.is_some() => review.dialog = None,
            Step::Finalize(finalize) if finalize.editable() => self.back_to_review(),
            Step::Finalize(_) | Step::Leaving { .. } => {}
            Step::History(history) if history.receipt.is_some() => history.receipt = None,
            Step::Done(_) | Step::History(_) | Step::Settlements(_) => self.go_to_entry(),
            Step::ConfirmLeave { .. } => self.close_question(),
            Step::Preparing | Step::Verify(_) | Step::Review(_) => self.confirm_leave(Leave::ToEntry, effects),
        }
    }

    /// F2: whatever is on screen, start over with a new code.
    fn new_code(&mut self, effects: &mut Vec<Effect>) {
        match &self.step {
            Step::Finalize(finalize) if !finalize.editable() => {}
            Step::Leaving { .. } | Step::ConfirmLeave { .. } => {}
            Step::Starting { .. } => {
                self.abandon_start();
                self.go_to_entry();
            }
            _ if self.started() => self.confirm_leave(Leave::ToEntry, effects),
            _ => self.go_to_entry(),
        }
        self.problem = None;
    }

    /// Asks before cancelling a started dispensation.
    fn confirm_leave(&mut self, then: Leave, effects: &mut Vec<Effect>) {
        if !self.started() {
            return self.finish_leaving(then, effects);
        }
        let back_to = std::mem::replace(&mut self.step, Step::Preparing);
        self.step = Step::ConfirmLeave { then, back_to: Box::new(back_to) };
    }

    /// Whether a dispensation is STARTED on the server on this counter's behalf.
    pub fn started(&self) -> bool {
        self.active.as_ref().is_some_and(|active| active.dispensation.status == DispensationStatus::Started)
    }

    /// Cancels the started dispensation on the server, then goes on.
    pub(super) fn leave(&mut self, then: Leave, effects: &mut Vec<Effect>) {
        let Some(active) = &self.active else { return self.finish_leaving(then, effects) };
        let id = active.id().clone();
        let key = self.key("cancel");
        let intent = self.record_of(super::record::Event::CancelIntent { key: key.as_str().to_owned() });
        self.go(Step::Leaving { then });
        let request = CancelRequest { reason: Some("Cancelled at the counter".to_owned()) };
        effects.push(self.send(Purpose::Cancel, Guarded::Cancel { id, request, key, intent }));
    }

    fn finish_leaving(&mut self, then: Leave, effects: &mut Vec<Effect>) {
        match then {
            Leave::ToEntry => self.go_to_entry(),
            Leave::ToCode(code) => {
                self.go_to_entry();
                self.submit_code(code, effects);
            }
            Leave::Quit => self.quitting = true,
        }
    }

    /// After a failure that ends the dispensation on this counter: cancel it if it is still started.
    pub(super) fn leave_after_failure(&mut self, effects: &mut Vec<Effect>) {
        if self.started() { self.leave(Leave::ToEntry, effects) } else { self.go_to_entry() }
    }

    /// Ctrl-C confirmed, a signal or a closed terminal: cancel a started dispensation (unless it is being
    /// finalized, when cancelling could race the completion: its outcome is learned first), settle the starts
    /// whose outcome was never learned, and exit once nothing is left in doubt.
    fn quit(&mut self, effects: &mut Vec<Effect>) {
        self.problem = None;
        if let Step::Starting { .. } = self.step {
            self.abandon_start();
        }
        if self.may_cancel() {
            self.leave(Leave::Quit, effects);
        }
        if !self.quitting {
            self.quitting = true;
            self.settle_loose_starts(effects);
        }
    }

    /// After every message while quitting: exit when nothing is left in doubt, or when the clerk said to leave a
    /// completion unconfirmed.
    fn keep_quitting(&mut self, effects: &mut Vec<Effect>) {
        // A completion refused for good while quitting leaves a STARTED dispensation: cancel it before leaving.
        if self.may_cancel() {
            self.leave(Leave::Quit, effects);
        }
        self.confirm_before_quitting();
        let settling = self.is_awaiting(|purpose| {
            matches!(
                purpose,
                Purpose::AbandonedStart { .. }
                    | Purpose::Cleanup
                    | Purpose::Cancel
                    | Purpose::Record
                    | Purpose::PaperKept { .. }
                    | Purpose::Complete
                    | Purpose::Confirm
            )
        });
        if self.leave_now || (!settling && !self.outcome_in_doubt()) {
            effects.push(Effect::Quit);
        }
    }

    /// Whether a completion was sent and the server has not said what became of it.
    pub fn outcome_in_doubt(&self) -> bool {
        matches!(&self.step, Step::Finalize(finalize) if !finalize.editable())
    }

    /// Whether leaving now would cancel a STARTED dispensation: not while a completion may be in flight (a
    /// cancel could race it), nor while a cancel is already on its way.
    fn may_cancel(&self) -> bool {
        self.started() && !self.outcome_in_doubt() && !matches!(self.step, Step::Leaving { .. })
    }

    /// Starts sent whose outcome was never learned: each is sent again with its key (the server answers with the
    /// dispensation it made, if it made one) and what started is cancelled.
    fn settle_loose_starts(&mut self, effects: &mut Vec<Effect>) {
        let in_flight = self.is_awaiting(|purpose| matches!(purpose, Purpose::Start | Purpose::AbandonedStart { .. }));
        let mut loose = std::mem::take(&mut self.session.loose_starts);
        if !in_flight {
            loose.extend(self.session.pending_start.take());
        }
        for (request, key) in loose {
            let purpose = Purpose::AbandonedStart { key: key.clone() };
            effects.push(self.send(purpose, Guarded::Start { request, key, at: self.session.now }));
        }
    }

    /// Esc on a question about leaving: back to the step it was asked over. A code scanned meanwhile is kept for
    /// the code field.
    fn close_question(&mut self) {
        if matches!(self.step, Step::ConfirmLeave { .. })
            && let Step::ConfirmLeave { back_to, then } = std::mem::replace(&mut self.step, Step::Preparing)
        {
            if let Leave::ToCode(code) = then {
                self.session.queued_code = Some(code);
            }
            self.step = *back_to;
        }
    }

    /// Ctrl-C: quit, but ask first while a dispensation is STARTED; Ctrl-C again on the question confirms. While
    /// quitting waits for a completion's outcome, Ctrl-C asks whether to leave it unconfirmed, and a third one
    /// leaves.
    pub(super) fn interrupt(&mut self, effects: &mut Vec<Effect>) {
        if self.quitting {
            if self.overlays.leave_unconfirmed {
                self.leave_now = true;
            } else if self.outcome_in_doubt() {
                self.overlays.help = false;
                self.overlays.leave_unconfirmed = true;
            }
            return;
        }
        let asking = matches!(self.step, Step::ConfirmLeave { then: Leave::Quit, .. });
        if self.may_cancel() && !asking {
            self.problem = None;
            self.overlays.help = false;
            // Asked about leaving to the counter? The question becomes leaving the program.
            self.close_question();
            self.confirm_leave(Leave::Quit, effects);
        } else {
            self.quit(effects);
        }
    }

    /// A timer fired: lock an idle counter, and let the step on screen count down or poll (under the lock too).
    fn tick(&mut self, effects: &mut Vec<Effect>) {
        self.lock_if_idle(effects);
        // A tick for the lock reaches the step too: each step's tick acts only on what is due by now.
        match self.step {
            Step::Verify(_) => self.verify_tick(effects),
            Step::Finalize(_) => self.finalize_tick(effects),
            Step::Paper(_) => self.paper_tick(effects),
            _ => {}
        }
    }

    /// Enter after a transient failure: repeat what failed.
    fn retry(&mut self, effects: &mut Vec<Effect>) {
        match &self.step {
            Step::Starting { .. } => self.retry_start(effects),
            Step::Preparing => self.prepare(effects),
            Step::Identify(_) => self.identify_retry(effects),
            Step::Verify(_) => self.verify_retry(effects),
            Step::Review(_) => self.review_retry(effects),
            Step::Finalize(_) => self.finalize_retry(effects),
            Step::Paper(_) => self.paper_retry(effects),
            _ => {}
        }
    }

    /// Routes a reply to the step that asked for it.
    fn replied(&mut self, purpose: Purpose, reply: Result<Reply, ClientError>, effects: &mut Vec<Effect>) {
        match (purpose, reply) {
            (Purpose::Sponsors, Ok(Reply::Sponsors(list))) => {
                self.session.sponsors.list = list;
                // Fetch every sponsor's configuration now, so a code needs one round trip fewer later.
                let slugs: Vec<String> = self.session.sponsors.list.iter().map(|s| s.sponsor_slug.clone()).collect();
                for sponsor_slug in slugs {
                    effects.push(self.fetch_configuration(sponsor_slug, ProductType::Medication));
                }
            }
            (Purpose::Sponsors, Err(error)) => {
                // Prefetching is an optimisation; a later need fetches again and reports failures then.
                tracing::info!(error = %error, "the sponsors could not be prefetched");
            }
            (Purpose::Configuration { sponsor_slug, product_type }, Err(error)) => {
                let needed = self
                    .active
                    .as_ref()
                    .and_then(|active| Some((active.dispensation.sponsor_slug.as_deref()?, product_type_of(active))));
                if matches!(self.step, Step::Preparing) && needed == Some((sponsor_slug.as_str(), product_type)) {
                    self.show(super::problem::from_client(&error, "", NextStep::Retry));
                } else {
                    tracing::info!(error = %error, "a sponsor configuration could not be prefetched");
                }
            }
            (Purpose::Configuration { sponsor_slug, product_type }, Ok(Reply::Configuration(configuration))) => {
                self.session
                    .sponsors
                    .configurations
                    .insert((sponsor_slug, product_type), (*configuration, self.session.now));
                if let Step::Preparing = self.step {
                    self.prepare(effects);
                }
            }
            (Purpose::PastReceipt { wanted, invoice, clerk }, result) => {
                self.past_receipt(wanted, invoice, clerk, result, effects);
            }
            (Purpose::AbandonedStart { key }, result) => self.abandoned_start_replied(key, result, effects),
            (Purpose::Cleanup, Ok(Reply::Dispensation(dispensation))) => {
                let record = Record::about(&dispensation, super::record::Event::Cancelled, self.session.now);
                effects.push(self.write(Write::Record(record)));
            }
            (Purpose::Cleanup, _) => {}
            (Purpose::Cancel, result) => self.cancelled(result, effects),
            (Purpose::Start, result) => self.start_replied(result, effects),
            (Purpose::Forms | Purpose::Search, result) => self.identify_replied(result, effects),
            (
                Purpose::SendOtp | Purpose::ValidateOtp | Purpose::Biometric | Purpose::Challenge | Purpose::Poll,
                result,
            ) => self.verify_replied(result, effects),
            (Purpose::Update, result) => self.update_replied(result, effects),
            (Purpose::Refresh, result) => self.refreshed(result),
            (Purpose::Products, result) => {
                self.products_replied(result);
                self.packs_after_registry(effects);
                self.paper_after_registry();
            }
            (purpose @ (Purpose::Preauthorize | Purpose::PaperCheck), result) => {
                self.paper_answered(purpose, result, effects);
            }
            (Purpose::HistoryPaper { key }, result) => self.history_paper_answered(key, result, effects),
            (Purpose::Visits { dispensation_id }, result) => self.visits_replied(&dispensation_id, result),
            (Purpose::Settlement(ask), result) => self.settlement_replied(ask, result, effects),
            (Purpose::Complete | Purpose::Confirm, result) => self.complete_replied(result, effects),
            (purpose, _) => tracing::warn!(?purpose, "reply of an unexpected kind ignored"),
        }
    }

    /// The configuration request for a sponsor.
    pub(super) fn fetch_configuration(&mut self, sponsor_slug: String, product_type: ProductType) -> Effect {
        let purpose = Purpose::Configuration { sponsor_slug: sponsor_slug.clone(), product_type };
        self.call(purpose, Call::Configuration { sponsor_slug, product_type })
    }

    fn cancelled(&mut self, result: Result<Reply, ClientError>, effects: &mut Vec<Effect>) {
        let then = match &self.step {
            Step::Leaving { then } => then.clone(),
            _ => Leave::ToEntry,
        };
        match result {
            Ok(_) => self.record_cancelled(effects),
            // Already over on the server (cancelled, timed out): nothing left to clean up.
            Err(error) if error.already_ended() => self.record_cancelled(effects),
            Err(error) => {
                tracing::warn!(error = %error, "cancel failed; the server will time the dispensation out");
                let lapses_at = self.active.as_ref().and_then(|active| active.dispensation.timeout_at);
                let problem =
                    Problem::new(super::problem::ProblemKind::CancelFailed { lapses_at }, NextStep::Acknowledge);
                // Its cancel intent is on record: today's list shows it being cancelled.
                effects.push(self.session.load_today());
                self.finish_leaving(then, effects);
                self.show(Problem { details: Some(error.to_string()), ..problem });
                return;
            }
        }
        self.finish_leaving(then, effects);
    }

    fn record_cancelled(&mut self, effects: &mut Vec<Effect>) {
        effects.extend(self.record(super::record::Event::Cancelled));
        // Read after the record above (the journal takes them in order): today's list shows it cancelled.
        effects.push(self.session.load_today());
        self.active = None;
    }

    /// Starts verifying (or goes straight to review) for the active dispensation, fetching the sponsor's
    /// configuration first when it is not cached.
    pub(super) fn prepare(&mut self, effects: &mut Vec<Effect>) {
        let Some(active) = &mut self.active else { return self.go_to_entry() };
        if let Some(slug) = active.dispensation.sponsor_slug.clone() {
            let product_type = product_type_of(active);
            match self.session.sponsors.configuration(&slug, product_type, self.session.now) {
                Some(configuration) => active.configuration = Some(configuration.clone()),
                None => {
                    // The prefetch at opening may already be on its way: wait for it rather than ask twice.
                    let wanted = Purpose::Configuration { sponsor_slug: slug.clone(), product_type };
                    let fetching = self.is_awaiting(|purpose| *purpose == wanted);
                    self.go(Step::Preparing);
                    if !fetching {
                        effects.push(self.fetch_configuration(slug, product_type));
                    }
                    return;
                }
            }
        }
        self.begin_verification(effects);
    }
}

/// The product type a dispensation's configuration is looked up by: its lines', medication by default.
fn product_type_of(active: &Active) -> ProductType {
    active.dispensation.products.iter().find_map(|line| line.product_type).unwrap_or(ProductType::Medication)
}
