//! Reviewing the lines: how many units of each to deliver now (partial dispensing within what is available)
//! and substitutions with a reason, sent to the server with `PUT` before finalizing.

use tui_input::Input;

use super::{PAGE_LINES, text};
use crate::counter::action::Action;
use crate::counter::app::{App, Purpose, Step};
use crate::counter::effect::{Call, Effect};
use crate::counter::msg::{Msg, Reply};
use crate::counter::offers::Offer;
use crate::counter::problem::{self, NextStep, Problem, ProblemKind};
use crate::counter::record::Event;
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::{
    Dispensation, Known, ProductLine, SponsorConfiguration, SubstitutionReason, UpdateLine, UpdateRequest,
};

const MAX_PRODUCT_CODE_CHARS: usize = 40;
const MAX_DESCRIPTION_CHARS: usize = 200;

/// The review step.
#[derive(Clone, Debug)]
pub struct Review {
    /// One per line of the dispensation, in the same order.
    pub lines: Vec<LineEdit>,
    pub selected: usize,
    /// Digits typed for the selected line's quantity, replacing it.
    pub typed: Option<String>,
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
    pub quantity: u32,
    pub reason: SubstitutionReason,
    pub other_description: Option<String>,
}

/// Fields of the substitution dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubstitutionField {
    ProductCode,
    Quantity,
    Reason,
    Description,
}

/// The substitution dialog for one line.
#[derive(Clone, Debug)]
pub struct SubstitutionDialog {
    pub line: usize,
    pub product_code: Input,
    pub quantity: Input,
    /// The sponsor's accepted reasons.
    pub reasons: Vec<SubstitutionReason>,
    pub reason: usize,
    pub description: Input,
    pub focus: SubstitutionField,
}

impl LineEdit {
    fn from_line(line: &ProductLine, sponsor_allows: bool) -> Self {
        let max = if line.dispensable() { line.available() } else { 0 };
        let substitutable = sponsor_allows && max > 0 && line.substitution_allowed != Some(false);
        let substitution = line.substitute_product_code.clone().map(|product_code| Substitution {
            product_code,
            quantity: line.substitute_quantity.unwrap_or(0),
            reason: line.substitution_reason_enum.unwrap_or(SubstitutionReason::Other),
            other_description: line.substitution_other_description.clone(),
        });
        Self { quantity: line.quantity.min(max), substitution, max, substitutable }
    }

    /// Units leaving the pharmacy on this line.
    pub fn units(&self) -> u32 {
        self.quantity + self.substitution.as_ref().map_or(0, |s| s.quantity)
    }
}

impl Review {
    /// On the lines: finalize (F10; Enter only confirms a quantity being typed), the selected line's quantity and
    /// substitute where it may have them, move, back. In the substitution dialog: save, fields, reasons, close.
    pub(in crate::counter) fn offers(&self) -> (Vec<Offer>, bool) {
        use Action::*;
        if let Some(dialog) = &self.dialog {
            let on_reason = dialog.focus == SubstitutionField::Reason;
            let list = vec![
                Offer::on(Continue, "hint.save"),
                Offer::on(Back, "hint.close"),
                Offer::on(NextField, "hint.fields"),
                Offer::on(PrevField, "hint.fields"),
                Offer::when(on_reason, Down, "hint.change_reason"),
                Offer::when(on_reason, Up, "hint.change_reason"),
            ];
            return (list, !on_reason);
        }
        let line = self.lines.get(self.selected);
        let adjustable = line.is_some_and(|line| line.max > 0);
        let substitutable = line.is_some_and(|line| line.substitutable);
        let many = self.lines.len() > 1;
        let pages = self.lines.len() > super::PAGE_LINES;
        let list = vec![
            Offer::when(self.typed.is_some(), Continue, "hint.confirm_quantity"),
            Offer::when(!self.lines.is_empty(), Finalize, "hint.finalize"),
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
        Self { lines, selected, typed: None, dialog: None, pending: None }
    }

    /// The lines as the server must receive them, or `None` if they are what the server already has.
    fn changes(&self, dispensation: &Dispensation) -> Option<UpdateRequest> {
        let unchanged = dispensation
            .products
            .iter()
            .zip(&self.lines)
            .all(|(line, edit)| LineEdit::from_line(line, edit.substitutable) == *edit);
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

    /// Applies the digits typed so far, capped at what the line may deliver.
    fn apply_typed(&mut self) {
        let Some(digits) = &self.typed else { return };
        let Some(line) = self.lines.get_mut(self.selected) else { return };
        let wanted: u32 = digits.parse().unwrap_or(u32::MAX);
        let substituted = line.substitution.as_ref().map_or(0, |s| s.quantity);
        line.quantity = wanted.min(line.max.saturating_sub(substituted));
    }

    fn select(&mut self, index: usize) {
        self.typed = None;
        self.selected = index.min(self.lines.len().saturating_sub(1));
    }
}

/// Whether the sponsor lets this dispensation's lines be delivered as other products: a cash prescription has no
/// sponsor to allow it; a sponsor's rules not (yet) known allow it, and the server has the last word.
fn sponsor_allows_substitution(dispensation: &Dispensation, configuration: Option<&SponsorConfiguration>) -> bool {
    dispensation.sponsor_slug.is_some()
        && configuration.is_none_or(|configuration| configuration.dispensing.substitution.allowed)
}

impl App {
    /// Shows the lines for review.
    pub(in crate::counter) fn begin_review(&mut self, effects: &mut Vec<Effect>) {
        let Some(active) = &self.active else { return };
        let review = Review::new(&active.dispensation, active.configuration.as_ref());
        self.go(Step::Review(review));
        // Proposed now so that Finalize opens with the number already there.
        self.hold_invoice(effects);
    }

    /// Back from finalize: the lines as the server has them now.
    pub(in crate::counter) fn back_to_review(&mut self) {
        let Some(active) = &self.active else { return };
        let review = Review::new(&active.dispensation, active.configuration.as_ref());
        self.go(Step::Review(review));
    }

    pub(in crate::counter) fn review_msg(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        let saving = self.is_awaiting(|p| *p == Purpose::Update);
        let reasons = self.substitution_reasons();
        if self.active.is_none() {
            return;
        }
        let Step::Review(review) = &mut self.step else { return };
        if saving {
            return;
        }
        if review.dialog.is_some() {
            let line = review.dialog.as_ref().map_or(0, |d| d.line);
            return self.dialog_msg(msg, line);
        }
        let count = review.lines.len();
        match msg {
            Msg::Up => review.select(review.selected.saturating_sub(1)),
            Msg::Down => review.select(review.selected + 1),
            Msg::PageUp => review.select(review.selected.saturating_sub(PAGE_LINES)),
            Msg::PageDown => review.select(review.selected + PAGE_LINES),
            Msg::Increase | Msg::Decrease => {
                review.typed = None;
                if let Some(line) = review.lines.get_mut(review.selected) {
                    let room = line.max.saturating_sub(line.units());
                    if matches!(msg, Msg::Increase) && room > 0 {
                        line.quantity += 1;
                    } else if matches!(msg, Msg::Decrease) {
                        line.quantity = line.quantity.saturating_sub(1);
                    }
                }
            }
            Msg::Edit(tui_input::InputRequest::InsertChar(c))
                if c.is_ascii_digit() && review.lines.get(review.selected).is_some_and(|line| line.max > 0) =>
            {
                let typed = review.typed.get_or_insert_with(String::new);
                if typed.len() < 6 {
                    typed.push(c);
                }
                review.apply_typed();
            }
            Msg::Edit(tui_input::InputRequest::DeletePrevChar) => {
                if let Some(typed) = &mut review.typed {
                    typed.pop();
                    if typed.is_empty() {
                        review.typed = Some("0".into());
                    }
                    review.apply_typed();
                }
            }
            Msg::Substitute => {
                let line = review.selected;
                if !review.lines.get(line).is_some_and(|edit| edit.substitutable) {
                    return;
                }
                let existing = review.lines[line].substitution.clone();
                let reason = existing.as_ref().and_then(|s| reasons.iter().position(|r| *r == s.reason)).unwrap_or(0);
                review.dialog = Some(SubstitutionDialog {
                    line,
                    product_code: Input::new(existing.as_ref().map(|s| s.product_code.clone()).unwrap_or_default()),
                    quantity: Input::new(existing.as_ref().map_or(String::new(), |s| s.quantity.to_string())),
                    reasons,
                    reason,
                    description: Input::new(existing.and_then(|s| s.other_description).unwrap_or_default()),
                    focus: SubstitutionField::ProductCode,
                });
            }
            // Enter confirms the quantity being typed and moves to the next line that can be dispensed; only F10
            // goes on to finalize.
            Msg::Submit if review.typed.is_some() => {
                review.apply_typed();
                review.typed = None;
                let next = review.lines.iter().enumerate().skip(review.selected + 1).find(|(_, line)| line.max > 0);
                if let Some((index, _)) = next {
                    review.selected = index;
                }
            }
            Msg::Finalize if count > 0 => self.save_lines(effects),
            _ => {}
        }
    }

    fn substitution_reasons(&self) -> Vec<SubstitutionReason> {
        let configured = self
            .active
            .as_ref()
            .and_then(|active| active.configuration.as_ref())
            // A reason this build does not know cannot be sent: it is not offered.
            .map(|configuration| {
                configuration
                    .dispensing
                    .substitution
                    .reasons
                    .iter()
                    .copied()
                    .filter(Known::is_known)
                    .collect::<Vec<_>>()
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

    fn dialog_msg(&mut self, msg: Msg, line: usize) {
        let Step::Review(review) = &mut self.step else { return };
        let Some(dialog) = &mut review.dialog else { return };
        use SubstitutionField as F;
        let order = if dialog.reasons.get(dialog.reason) == Some(&SubstitutionReason::Other) {
            &[F::ProductCode, F::Quantity, F::Reason, F::Description][..]
        } else {
            &[F::ProductCode, F::Quantity, F::Reason][..]
        };
        let position = order.iter().position(|f| *f == dialog.focus).unwrap_or(0);
        match msg {
            Msg::NextField | Msg::Down if !(dialog.focus == F::Reason && matches!(msg, Msg::Down)) => {
                dialog.focus = order[(position + 1) % order.len()];
            }
            Msg::PrevField | Msg::Up if !(dialog.focus == F::Reason && matches!(msg, Msg::Up)) => {
                dialog.focus = order[(position + order.len() - 1) % order.len()];
            }
            Msg::Up | Msg::Down | Msg::Increase | Msg::Decrease if dialog.focus == F::Reason => {
                let count = dialog.reasons.len().max(1);
                let forward = matches!(msg, Msg::Down | Msg::Increase);
                dialog.reason = if forward { (dialog.reason + 1) % count } else { (dialog.reason + count - 1) % count };
            }
            Msg::Edit(request) => match dialog.focus {
                F::ProductCode => {
                    text::edit(&mut dialog.product_code, request, MAX_PRODUCT_CODE_CHARS, |c| !c.is_whitespace())
                }
                F::Quantity => text::edit(&mut dialog.quantity, request, 6, text::digit),
                F::Description => text::edit(&mut dialog.description, request, MAX_DESCRIPTION_CHARS, text::any),
                F::Reason => {}
            },
            Msg::Paste(pasted) => match dialog.focus {
                F::ProductCode => {
                    text::paste(&mut dialog.product_code, &pasted, MAX_PRODUCT_CODE_CHARS, |c| !c.is_whitespace())
                }
                F::Quantity => text::paste(&mut dialog.quantity, &pasted, 6, text::digit),
                F::Description => text::paste(&mut dialog.description, &pasted, MAX_DESCRIPTION_CHARS, text::any),
                F::Reason => {}
            },
            Msg::Submit => {
                let product_code = dialog.product_code.value().trim().to_uppercase();
                let edit = &review.lines[line];
                if product_code.is_empty() {
                    // An empty product removes the substitution.
                    review.lines[line].substitution = None;
                    review.dialog = None;
                    return;
                }
                let quantity: u32 = dialog.quantity.value().parse().unwrap_or(0);
                let reason = dialog.reasons.get(dialog.reason).copied();
                let description = Some(dialog.description.value().trim().to_owned()).filter(|d| !d.is_empty());
                let room = edit.max;
                let complete = quantity > 0
                    && quantity <= room
                    && reason.is_some()
                    && (reason != Some(SubstitutionReason::Other) || description.is_some());
                let Some(reason) = reason.filter(|_| complete) else {
                    return self.show(Problem::new(ProblemKind::SubstitutionIncomplete, NextStep::Acknowledge));
                };
                let line_edit = &mut review.lines[line];
                line_edit.substitution = Some(Substitution {
                    product_code,
                    quantity,
                    reason,
                    other_description: description.filter(|_| reason == SubstitutionReason::Other),
                });
                // The substitute's units come out of the same availability.
                line_edit.quantity = line_edit.quantity.min(line_edit.max - quantity);
                review.dialog = None;
            }
            _ => {}
        }
    }

    /// F10 on review: send changed lines, then finalize.
    fn save_lines(&mut self, effects: &mut Vec<Effect>) {
        let key = self.key("update");
        let Some(active) = &self.active else { return };
        let Step::Review(review) = &mut self.step else { return };
        review.apply_typed();
        review.typed = None;
        if review.lines.iter().all(|line| line.units() == 0) {
            return self.show(Problem::new(ProblemKind::NothingToDispense, NextStep::Acknowledge));
        }
        match review.changes(&active.dispensation) {
            None => self.begin_finalize(),
            Some(request) => {
                review.pending = Some((request, key));
                self.review_retry(effects);
            }
        }
    }

    /// Sends the pending lines again, with their key.
    pub(in crate::counter) fn review_retry(&mut self, effects: &mut Vec<Effect>) {
        let Some(id) = self.active_id() else { return };
        let Step::Review(review) = &self.step else { return };
        let Some((request, key)) = review.pending.clone() else { return };
        effects.push(self.call(Purpose::Update, Call::Update { id, request, key }));
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
