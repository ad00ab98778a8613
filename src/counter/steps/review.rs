//! Reviewing the lines: how many units of each to deliver now (partial dispensing within what is available)
//! and substitutions with a reason ([`substitution`]), sent to the server with `PUT` before finalizing. The
//! review says what it offers ([`Review::offers`]), what the lines cost ([`Review::total`]) and where a quantity
//! met its limit; the screen only draws that.

mod earlier;
mod packs;
mod substitution;

use rust_decimal::Decimal;

pub use earlier::{Earlier, Visit, delivered_before};
pub use packs::{MissingPack, PackCheck, PackNotice, Packs};
use substitution::DialogNext;
pub use substitution::{Candidate, Missing, PRODUCT_ROWS, Registry, SubstitutionDialog, SubstitutionField};

use super::PAGE_LINES;
use crate::counter::action::Action;
use crate::counter::app::{Active, App, Purpose, Session, Step};
use crate::counter::effect::{Call, Effect};
use crate::counter::msg::{Msg, Reply};
use crate::counter::offers::Offer;
use crate::counter::problem::{self, NextStep, Problem, ProblemKind};
use crate::counter::record::Event;
use crate::counter::shares::Shares;
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::{
    Dispensation, Id, Known, ProductLine, ProductType, SponsorConfiguration, SubstitutionReason, UpdateLine,
    UpdateRequest, money,
};

/// Digits a typed quantity may have (the server's bound is a million units).
const MAX_TYPED_DIGITS: usize = 6;

/// The review step.
#[derive(Clone, Debug)]
pub struct Review {
    /// One per line of the dispensation, in the same order.
    pub lines: Vec<LineEdit>,
    pub selected: usize,
    /// Digits typed for the selected line's quantity, replacing it.
    pub typed: Option<String>,
    /// The selected line's quantity just met its limit (a `+` refused, typed digits capped): the screen says the
    /// limit beside it until the clerk does something else.
    pub at_limit: bool,
    /// The substitution dialog, when open.
    pub dialog: Option<SubstitutionDialog>,
    /// The lines being sent, with their key (kept so that a retry reuses it).
    pending: Option<(UpdateRequest, IdempotencyKey)>,
}

/// What the clerk chose for one line.
#[derive(Clone, Debug, PartialEq)]
pub struct LineEdit {
    pub quantity: u32,
    pub substitution: Option<Substitution>,
    /// The most this line may deliver (0 for a locked line).
    pub max: u32,
    /// It may be delivered as another product: the line can be dispensed, it does not forbid it, and the
    /// sponsor allows substitutions (a cash prescription has no sponsor to allow them).
    pub substitutable: bool,
}

/// A line delivered (in part or whole) as another product.
#[derive(Clone, Debug, PartialEq)]
pub struct Substitution {
    pub product_code: String,
    /// The substitute's name, when known (from the registry, or the server's line).
    pub product_name: Option<String>,
    pub quantity: u32,
    pub reason: SubstitutionReason,
    pub other_description: Option<String>,
    /// The line's own quantity before the substitute took part of it: given back (within what is available)
    /// when the substitution is removed.
    pub quantity_before: u32,
}

/// What the App must do after the review took a key.
enum Next {
    Stay,
    Finalize,
    Show(Problem),
}

impl LineEdit {
    fn from_line(line: &ProductLine, sponsor_allows: bool) -> Self {
        let max = if line.dispensable() { line.available() } else { 0 };
        let substitutable = sponsor_allows && max > 0 && line.substitution_allowed != Some(false);
        let quantity = line.quantity.min(max);
        let substitution = line.substitute_product_code.clone().map(|product_code| {
            let quantity_substituted = line.substitute_quantity.unwrap_or(0);
            Substitution {
                product_code,
                product_name: line.substitute_product_name.clone(),
                quantity: quantity_substituted,
                reason: line.substitution_reason_enum.unwrap_or(SubstitutionReason::Other),
                other_description: line.substitution_other_description.clone(),
                // What the line delivered in all: without the substitute, all of it is the product again.
                quantity_before: quantity.saturating_add(quantity_substituted).min(max),
            }
        });
        Self { quantity, substitution, max, substitutable }
    }

    /// Units leaving the pharmacy on this line.
    pub fn units(&self) -> u32 {
        self.quantity + self.substitution.as_ref().map_or(0, |s| s.quantity)
    }

    /// The most the line's own product may deliver: what is available less what the substitute takes.
    pub fn own_limit(&self) -> u32 {
        self.max.saturating_sub(self.substitution.as_ref().map_or(0, |s| s.quantity))
    }

    /// Whether the server would receive the same from `self` and `other` (names and the quantity to give back are
    /// the counter's own).
    fn sends_same(&self, other: &Self) -> bool {
        let sent = |edit: &Self| {
            (
                edit.quantity,
                edit.substitution
                    .as_ref()
                    .map(|s| (s.product_code.clone(), s.quantity, s.reason, s.other_description.clone())),
            )
        };
        sent(self) == sent(other)
    }

    /// The substitution taken away: the line gets back its quantity from before it, within what is available.
    fn remove_substitution(&mut self) {
        if let Some(substitution) = self.substitution.take() {
            self.quantity = substitution.quantity_before.min(self.max);
        }
    }
}

impl Review {
    /// On the lines: finalize (F10; Enter only confirms a quantity being typed), the selected line's quantity and
    /// substitute where it may have them, move, back. In the substitution dialog: save, close, fields, pick a
    /// product or a reason with the arrows, remove a saved substitution. F10 is offered disabled while packs are
    /// required and some are not checked (`packs_complete`, see [`packs`]).
    pub(in crate::counter) fn offers(&self, packs_complete: bool) -> (Vec<Offer>, bool) {
        use Action::*;
        if let Some(dialog) = &self.dialog {
            let on_product = dialog.focus == SubstitutionField::Product;
            let on_reason = dialog.focus == SubstitutionField::Reason;
            let many = dialog.matches.len() > 1;
            let pages = dialog.matches.len() > PRODUCT_ROWS;
            let mut list = vec![Offer::on(Continue, "hint.save")];
            if on_reason {
                list.extend([Offer::on(Down, "hint.change_reason"), Offer::on(Up, "hint.change_reason")]);
            } else {
                list.extend([
                    Offer::when(on_product && !dialog.matches.is_empty(), Down, "hint.pick_product"),
                    Offer::when(on_product && many, Up, "hint.pick_product"),
                    Offer::when(on_product && pages, PageDown, "hint.pick_product"),
                    Offer::when(on_product && pages, PageUp, "hint.pick_product"),
                ]);
            }
            list.extend([
                Offer::when(dialog.removable(), Substitute, "hint.remove_substitution"),
                Offer::on(Back, "hint.close"),
                Offer::on(NextField, "hint.fields"),
                Offer::on(PrevField, "hint.fields"),
            ]);
            return (list, !on_reason);
        }
        let line = self.lines.get(self.selected);
        let adjustable = line.is_some_and(|line| line.max > 0);
        let substitutable = line.is_some_and(|line| line.substitutable);
        let many = self.lines.len() > 1;
        let pages = self.lines.len() > PAGE_LINES;
        let list = vec![
            Offer::when(self.typed.is_some(), Continue, "hint.confirm_quantity"),
            Offer::when(!self.lines.is_empty() && packs_complete, Finalize, "hint.finalize"),
            Offer::when(adjustable, Increase, "hint.more"),
            Offer::when(adjustable, Decrease, "hint.less"),
            Offer::when(substitutable, Substitute, "hint.substitute"),
            Offer::on(Back, "hint.cancel"),
            Offer::when(many, Down, "hint.lines"),
            Offer::when(many, Up, "hint.lines"),
            Offer::when(pages, PageDown, "hint.lines"),
            Offer::when(pages, PageUp, "hint.lines"),
        ];
        (list, false)
    }

    /// The review of `dispensation`'s lines under the sponsor's `configuration` (none for a cash prescription),
    /// the selection on the first that can be dispensed.
    fn new(dispensation: &Dispensation, configuration: Option<&SponsorConfiguration>) -> Self {
        let sponsor_allows = sponsor_allows_substitution(dispensation, configuration);
        let lines: Vec<LineEdit> =
            dispensation.products.iter().map(|line| LineEdit::from_line(line, sponsor_allows)).collect();
        let selected = lines.iter().position(|line| line.max > 0).unwrap_or(0);
        Self { lines, selected, typed: None, at_limit: false, dialog: None, pending: None }
    }

    /// What line `index` of `dispensation` costs with the clerk's quantities, computed as the contract does.
    pub fn subtotal(&self, dispensation: &Dispensation, index: usize) -> Result<Decimal, money::Overflow> {
        let units = self.lines.get(index).map_or(0, LineEdit::units);
        dispensation
            .products
            .get(index)
            .map_or(Ok(Decimal::ZERO), |line| money::line_total(line.unit_price, units, line.taxes))
    }

    /// What every line costs together with the clerk's quantities.
    pub fn total(&self, dispensation: &Dispensation) -> Result<Decimal, money::Overflow> {
        money::total((0..self.lines.len()).map(|index| self.subtotal(dispensation, index)))
    }

    /// What the sponsor and the patient pay, per line and in all, with the clerk's quantities: the server's
    /// figures while the lines are the ones it priced; otherwise (a quantity changed, a substitute chosen, their
    /// `PUT` not yet answered) the same shared rule over the clerk's quantities, each line under the rule the
    /// server last sent for it. Finalize then shows the server's, computed after the `PUT`.
    pub fn shares(&self, dispensation: &Dispensation) -> Shares {
        if self.changes(dispensation).is_none() {
            return Shares::served(dispensation);
        }
        let subtotals: Vec<_> = (0..self.lines.len()).map(|index| self.subtotal(dispensation, index)).collect();
        Shares::computed(dispensation, &subtotals)
    }

    /// Units leaving the pharmacy on every line.
    pub fn units(&self) -> u32 {
        self.lines.iter().map(LineEdit::units).sum()
    }

    /// The lines as the server must receive them, or `None` if they are what the server already has.
    fn changes(&self, dispensation: &Dispensation) -> Option<UpdateRequest> {
        let unchanged = dispensation
            .products
            .iter()
            .zip(&self.lines)
            .all(|(line, edit)| LineEdit::from_line(line, edit.substitutable).sends_same(edit));
        if unchanged {
            return None;
        }
        let products = dispensation
            .products
            .iter()
            .zip(&self.lines)
            .filter(|(_, edit)| edit.units() > 0)
            .filter_map(|(line, edit)| {
                Some(UpdateLine {
                    id: line.id.clone()?,
                    quantity: i64::from(edit.quantity),
                    unit_price: None,
                    taxes: None,
                    substitute_product_code: edit.substitution.as_ref().map(|s| s.product_code.clone()),
                    substitute_quantity: edit.substitution.as_ref().map(|s| i64::from(s.quantity)),
                    substitution_reason_enum: edit.substitution.as_ref().map(|s| s.reason),
                    substitution_other_description: edit
                        .substitution
                        .as_ref()
                        .and_then(|s| s.other_description.clone()),
                })
            })
            .collect();
        Some(UpdateRequest { products })
    }

    /// Applies the digits typed so far, capped at what the line's own product may deliver (and says so).
    fn apply_typed(&mut self) {
        let Some(digits) = &self.typed else { return };
        let Some(line) = self.lines.get_mut(self.selected) else { return };
        let wanted: u32 = digits.parse().unwrap_or(u32::MAX);
        let limit = line.own_limit();
        self.at_limit = wanted > limit;
        line.quantity = wanted.min(limit);
    }

    fn select(&mut self, index: usize) {
        self.typed = None;
        self.at_limit = false;
        self.selected = index.min(self.lines.len().saturating_sub(1));
    }

    /// A key on the review; `session` registers the requests it makes.
    fn on_msg(&mut self, msg: Msg, active: &Active, session: &mut Session, effects: &mut Vec<Effect>) -> Next {
        if let Some(dialog) = &mut self.dialog {
            let Some(edit) = self.lines.get_mut(dialog.line) else {
                self.dialog = None;
                return Next::Stay;
            };
            if let DialogNext::Close = dialog.on_msg(msg, edit, &session.products) {
                self.dialog = None;
            }
            return Next::Stay;
        }
        match msg {
            Msg::Up => self.select(self.selected.saturating_sub(1)),
            Msg::Down => self.select(self.selected + 1),
            Msg::PageUp => self.select(self.selected.saturating_sub(PAGE_LINES)),
            Msg::PageDown => self.select(self.selected + PAGE_LINES),
            Msg::Increase | Msg::Decrease => {
                self.typed = None;
                let Some(line) = self.lines.get_mut(self.selected) else { return Next::Stay };
                let room = line.max.saturating_sub(line.units());
                if matches!(msg, Msg::Decrease) {
                    line.quantity = line.quantity.saturating_sub(1);
                    self.at_limit = false;
                } else if room > 0 {
                    line.quantity += 1;
                    self.at_limit = false;
                } else {
                    // `+` at the limit: nothing more is available, and the line says so.
                    self.at_limit = true;
                }
            }
            Msg::Edit(tui_input::InputRequest::InsertChar(c))
                if c.is_ascii_digit() && self.lines.get(self.selected).is_some_and(|line| line.max > 0) =>
            {
                let typed = self.typed.get_or_insert_with(String::new);
                if typed.len() < MAX_TYPED_DIGITS {
                    typed.push(c);
                }
                self.apply_typed();
            }
            Msg::Edit(tui_input::InputRequest::DeletePrevChar) => {
                if let Some(typed) = &mut self.typed {
                    typed.pop();
                    if typed.is_empty() {
                        self.typed = Some("0".into());
                    }
                    self.apply_typed();
                }
            }
            Msg::Substitute => self.open_dialog(active, session, effects),
            // Enter confirms the quantity being typed and moves to the next line that can be dispensed; only F10
            // goes on to finalize.
            Msg::Submit if self.typed.is_some() => {
                self.apply_typed();
                let next = self.lines.iter().enumerate().skip(self.selected + 1).find(|(_, line)| line.max > 0);
                if let Some((index, _)) = next {
                    self.select(index);
                } else {
                    self.typed = None;
                }
            }
            Msg::Finalize if !self.lines.is_empty() => return self.save(active, session, effects),
            _ => {}
        }
        Next::Stay
    }

    /// F4: the substitution dialog for the selected line, asking for the provider's products the first time.
    fn open_dialog(&mut self, active: &Active, session: &mut Session, effects: &mut Vec<Effect>) {
        let index = self.selected;
        let (Some(line), Some(edit)) = (active.dispensation.products.get(index), self.lines.get(index)) else {
            return;
        };
        if !edit.substitutable {
            return;
        }
        self.typed = None;
        self.at_limit = false;
        let reasons = substitution_reasons(active.configuration.as_ref());
        self.dialog = Some(SubstitutionDialog::open(index, line, edit, reasons, &session.products));
        if session.products.wanted() {
            session.products = Registry::Loading;
            effects.push(session.call(Purpose::Products, Call::Products { product_type: ProductType::Medication }));
        }
    }

    /// F10: the lines to the server when they changed (then finalize), or straight to finalize.
    fn save(&mut self, active: &Active, session: &mut Session, effects: &mut Vec<Effect>) -> Next {
        self.apply_typed();
        self.typed = None;
        if self.lines.iter().all(|line| line.units() == 0) {
            return Next::Show(Problem::new(ProblemKind::NothingToDispense, NextStep::Acknowledge));
        }
        match self.changes(&active.dispensation) {
            None => Next::Finalize,
            Some(request) => {
                self.pending = Some((request, session.key("update")));
                effects.extend(self.send_pending(active.id().clone(), session));
                Next::Stay
            }
        }
    }

    /// The `PUT` of the pending lines, with their key (a retry reuses it).
    fn send_pending(&self, id: Id, session: &mut Session) -> Option<Effect> {
        let (request, key) = self.pending.clone()?;
        Some(session.call(Purpose::Update, Call::Update { id, request, key }))
    }
}

/// Whether the sponsor lets this dispensation's lines be delivered as other products: a cash prescription has no
/// sponsor to allow it; a sponsor's rules not (yet) known allow it, and the server has the last word.
fn sponsor_allows_substitution(dispensation: &Dispensation, configuration: Option<&SponsorConfiguration>) -> bool {
    dispensation.sponsor_slug.is_some()
        && configuration.is_none_or(|configuration| configuration.dispensing.substitution.allowed)
}

/// The reasons the sponsor accepts that this build knows (one it does not know cannot be sent); all of them when
/// the sponsor names none.
fn substitution_reasons(configuration: Option<&SponsorConfiguration>) -> Vec<SubstitutionReason> {
    let configured: Vec<SubstitutionReason> = configuration
        .map(|configuration| {
            configuration.dispensing.substitution.reasons.iter().copied().filter(Known::is_known).collect()
        })
        .unwrap_or_default();
    if configured.is_empty() {
        vec![
            SubstitutionReason::OutOfStock,
            SubstitutionReason::Emergency,
            SubstitutionReason::ActiveIngredient,
            SubstitutionReason::Other,
        ]
    } else {
        configured
    }
}

impl App {
    /// Shows the lines for review.
    pub(in crate::counter) fn begin_review(&mut self, effects: &mut Vec<Effect>) {
        self.back_to_review();
        self.ask_earlier_visits(effects);
        // Proposed now so that Finalize opens with the number already there.
        self.hold_invoice(effects);
    }

    /// Back from finalize: the lines as the server has them now.
    pub(in crate::counter) fn back_to_review(&mut self) {
        let Some(active) = &self.active else { return };
        let review = Review::new(&active.dispensation, active.configuration.as_ref());
        self.go(Step::Review(review));
    }

    /// A key on the review (nothing while its lines are being saved).
    pub(in crate::counter) fn review_msg(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        self.pack_notice_read();
        if self.is_awaiting(|p| *p == Purpose::Update) {
            return;
        }
        let (Some(active), Step::Review(review)) = (&self.active, &mut self.step) else { return };
        match review.on_msg(msg, active, &mut self.session, effects) {
            Next::Stay => {}
            Next::Finalize => self.begin_finalize(),
            Next::Show(problem) => self.show(problem),
        }
    }

    /// The provider's products arrived (or could not be read): kept for the session, and an open dialog searches
    /// them at once.
    pub(in crate::counter) fn products_replied(&mut self, result: Result<Reply, ClientError>) {
        self.session.products = match result {
            Ok(Reply::Products(products)) => Registry::loaded(products),
            Ok(_) => Registry::Failed,
            Err(error) => {
                tracing::info!(error = %error, "the provider's products could not be read");
                Registry::Failed
            }
        };
        if let Step::Review(Review { dialog: Some(dialog), .. }) = &mut self.step {
            dialog.refresh(&self.session.products);
        }
    }

    /// Sends the pending lines again, with their key.
    pub(in crate::counter) fn review_retry(&mut self, effects: &mut Vec<Effect>) {
        let (Some(active), Step::Review(review)) = (&self.active, &self.step) else { return };
        effects.extend(review.send_pending(active.id().clone(), &mut self.session));
    }

    /// The lines as the server has them now, read after it refused a completion over them: the review shows
    /// them (the problem stays on screen). Nothing changed, so nothing is journalled; a failure leaves the lines
    /// the review already shows.
    pub(in crate::counter) fn refreshed(&mut self, result: Result<Reply, ClientError>) {
        match result {
            Ok(Reply::Dispensation(dispensation)) => {
                if let Some(active) = &mut self.active {
                    active.dispensation = *dispensation;
                }
                if let Step::Review(_) = self.step {
                    self.back_to_review();
                }
            }
            Ok(_) => {}
            Err(error) => tracing::info!(error = %error, "the lines could not be read again"),
        }
    }

    pub(in crate::counter) fn update_replied(&mut self, result: Result<Reply, ClientError>, effects: &mut Vec<Effect>) {
        let code = self.active_code();
        match result {
            Ok(Reply::Dispensation(dispensation)) => {
                let units = dispensation.products.iter().map(ProductLine::units).sum();
                if let Some(active) = &mut self.active {
                    active.dispensation = *dispensation;
                }
                effects.extend(self.record(Event::LinesSaved { units }));
                self.begin_finalize();
            }
            Ok(_) => self.show(Problem::new(ProblemKind::UnreadableReply, NextStep::Retry)),
            Err(error) => {
                let problem = problem::from_client(&error, &code, NextStep::Retry);
                if problem.kind == ProblemKind::InvalidState || problem.kind == ProblemKind::DispensationTimedOut {
                    // The dispensation ended on the server (timed out, cancelled elsewhere): nothing to keep.
                    self.active = None;
                    self.go_to_entry();
                } else if let Step::Review(review) = &mut self.step
                    && problem.next != NextStep::Retry
                {
                    review.pending = None;
                }
                self.show(problem);
            }
        }
    }
}
