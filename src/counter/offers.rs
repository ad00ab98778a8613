//! What the counter offers the clerk right now: each [`Offer`] is an action (a key), whether it acts now, and the
//! words that say what it does here. This is the one answer to "what may the clerk do": [`super::update`] drops a
//! key whose action is not offered and enabled, the hints bar lists the enabled offers, and the help (F1) lists
//! them all, so a key never does what the screen does not show.
//!
//! [`App::offers`] decides what is over the step (a question, the help, a problem, what recovery found, a window
//! too small to show anything) and otherwise asks the step on screen; each step's own offers live beside its rules,
//! in its file under `steps/` (`Review::offers`, `Otp::offers`, …), or below for the steps that are only a state.

use super::action::Action;
use super::app::{App, Leave, Step};
use super::problem::NextStep;

/// One thing the clerk may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offer {
    pub action: Action,
    /// It acts now. A disabled offer is listed by the help (so the clerk learns why a key is quiet) but its key
    /// does nothing and the hints bar leaves it out.
    pub enabled: bool,
    /// The catalogue key of what it does here (`hint.finalize`).
    pub words: &'static str,
}

impl Offer {
    pub const fn on(action: Action, words: &'static str) -> Self {
        Self { action, enabled: true, words }
    }

    pub const fn off(action: Action, words: &'static str) -> Self {
        Self { action, enabled: false, words }
    }

    /// Enabled when `enabled` holds.
    pub const fn when(enabled: bool, action: Action, words: &'static str) -> Self {
        Self { action, enabled, words }
    }
}

/// Everything offered now, most important first (the hints bar is cut from the end on a narrow screen).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Offers {
    pub list: Vec<Offer>,
    /// Printable keys are text for a field on screen (so `+` is typed, not "one more").
    pub typing: bool,
}

impl Offers {
    fn of(list: Vec<Offer>, typing: bool) -> Self {
        Self { list, typing }
    }

    /// Whether `action` acts now.
    pub fn allows(&self, action: Action) -> bool {
        self.list.iter().any(|offer| offer.action == action && offer.enabled)
    }

    /// What the hints bar shows: the enabled offers, in order, without Ctrl-C (always there, never hinted).
    pub fn hints(&self) -> impl Iterator<Item = &Offer> {
        self.list.iter().filter(|offer| offer.enabled && offer.action != Action::Quit)
    }
}

impl App {
    /// What the clerk may do now. See the module's header.
    pub fn offers(&self) -> Offers {
        use Action::*;
        let quit = Offer::on(Quit, "hint.quit");
        if self.too_small() {
            return Offers::of(vec![quit], false);
        }
        if let Some(door) = &self.door {
            return door.offers();
        }
        if self.overlays.leave_unconfirmed {
            let list = vec![Offer::on(Continue, "hint.leave_unconfirmed"), Offer::on(Back, "hint.keep_waiting"), quit];
            return Offers::of(list, false);
        }
        if self.overlays.help {
            let close =
                [Offer::on(Back, "hint.close"), Offer::on(Continue, "hint.close"), Offer::on(Help, "hint.close")];
            return Offers::of([close.as_slice(), &[quit]].concat(), false);
        }
        self.screen_offers()
    }

    /// What the screen under the help offers: what the help (F1) lists.
    pub fn screen_offers(&self) -> Offers {
        use Action::*;
        let quit = Offer::on(Quit, "hint.quit");
        if self.too_small() {
            return Offers::of(vec![quit], false);
        }
        if let Some(door) = &self.door {
            return door.offers();
        }
        let help = Offer::on(Help, "hint.help");
        if !self.recovered.is_empty() {
            // An approved paper prescription never dispensed: Enter opens its code.
            let paper = self.recovered.iter().any(|found| found.outcome == super::record::Recovery::PaperApproved);
            let go = if paper { "hint.open_code" } else { "hint.continue" };
            return Offers::of(vec![Offer::on(Continue, go), Offer::on(Back, "hint.close"), help, quit], false);
        }
        if let Some(problem) = &self.problem {
            let mut list = vec![match problem.next {
                NextStep::Retry => Offer::on(Continue, "hint.retry"),
                _ => Offer::on(Continue, "hint.continue"),
            }];
            if problem.details.is_some() {
                let words = if self.overlays.details { "hint.hide_details" } else { "hint.details" };
                list.push(Offer::on(Details, words));
            }
            list.push(Offer::on(Back, "hint.close"));
            list.push(Offer::when(self.may_start_over(), NewCode, "hint.new_code"));
            list.extend([help, quit]);
            return Offers::of(list, false);
        }
        let (mut list, typing) = self.step_offers();
        // What every step between the clerk and a dispensation shares: its document in clear, where one is masked.
        let document =
            self.active.as_ref().and_then(|active| active.dispensation.beneficiary.as_ref()?.document_number.as_ref());
        if document.is_some() && !matches!(self.step, Step::Leaving { .. } | Step::ConfirmLeave { .. }) {
            list.push(Offer::on(Reveal, if self.overlays.reveal { "hint.hide" } else { "hint.reveal" }));
        }
        if !matches!(self.step, Step::Entry { .. } | Step::Leaving { .. } | Step::ConfirmLeave { .. }) {
            list.push(Offer::when(self.may_start_over(), NewCode, "hint.new_code"));
        }
        // Between dispensations only: no clerk hands over in the middle of one.
        if self.session.clerk.is_some() && !matches!(self.step, Step::Leaving { .. } | Step::ConfirmLeave { .. }) {
            list.push(Offer::when(self.may_sign_out(), SignOut, "hint.sign_out"));
        }
        list.extend([help, quit]);
        Offers::of(list, typing)
    }

    /// The step on screen's own offers, and whether it takes text.
    fn step_offers(&self) -> (Vec<Offer>, bool) {
        use Action::*;
        let now = self.session.now;
        match &self.step {
            Step::Entry { code, .. } => {
                let mut list = vec![
                    Offer::on(Continue, "hint.search"),
                    Offer::when(!code.value().is_empty(), Back, "hint.clear"),
                    Offer::on(History, "hint.history"),
                    Offer::when(self.session.settings.paper, PaperPrescription, "hint.paper"),
                ];
                // For supervisors (anyone, without clerks): a clerk is not shown a key that would refuse them.
                if self.session.may_settle() {
                    list.push(Offer::on(Settlements, "hint.settlements"));
                }
                (list, true)
            }
            Step::Starting { .. } | Step::Preparing => (vec![Offer::on(Back, "hint.back")], false),
            Step::Identify(identify) => identify.offers(),
            Step::Verify(verify) => verify.offers(now),
            Step::Review(review) => review.offers(self.packs_complete()),
            Step::Finalize(finalize) => finalize.offers(),
            Step::Done(_) => {
                let printing = self.session.settings.printing.is_some();
                let list = vec![
                    Offer::on(Continue, "hint.next_code"),
                    Offer::when(printing, Print, "hint.print"),
                    Offer::on(History, "hint.history"),
                ];
                (list, false)
            }
            Step::History(history) => history.offers(self.session.settings.printing.is_some()),
            Step::Settlements(settlements) => settlements.offers(),
            Step::Paper(paper) => paper.offers(self.session.sponsors.list.len()),
            Step::ConfirmLeave { then, .. } => {
                let yes = match then {
                    Leave::ToEntry => "hint.yes_cancel",
                    Leave::ToCode(_) => "hint.yes_open_new",
                    Leave::Quit => "hint.yes_cancel_and_quit",
                };
                (vec![Offer::on(Continue, yes), Offer::on(Back, "hint.stay")], false)
            }
            Step::Leaving { .. } => (Vec::new(), false),
        }
    }

    /// Whether the window is too small to show anything: then no key but Ctrl-C acts.
    pub fn too_small(&self) -> bool {
        self.screen.0 < super::MIN_COLUMNS || self.screen.1 < super::MIN_ROWS
    }

    /// Whether F2 may leave what is on screen for a new code: not while a completion may be in flight, nor while a
    /// cancel is on its way or asked about.
    fn may_start_over(&self) -> bool {
        match &self.step {
            Step::Finalize(finalize) => finalize.editable(),
            Step::Leaving { .. } | Step::ConfirmLeave { .. } => false,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_enabled_offers_act_and_ctrl_c_is_never_hinted() {
        let offers = Offers::of(
            vec![
                Offer::on(Action::Continue, "hint.search"),
                Offer::off(Action::Back, "hint.clear"),
                Offer::on(Action::Quit, "hint.quit"),
            ],
            true,
        );
        assert!(offers.allows(Action::Continue));
        assert!(!offers.allows(Action::Back), "listed, but quiet");
        assert!(!offers.allows(Action::Finalize), "not listed at all");
        let hinted: Vec<Action> = offers.hints().map(|offer| offer.action).collect();
        assert_eq!(hinted, [Action::Continue]);
    }
}
