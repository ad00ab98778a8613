//! Done: the server said COMPLETED. The clerk sees the dispensation id, the claim for an authorization, the total
//! and what the patient pays (the sponsor the rest); after a partial delivery, what remains on each line and until
//! when the code can be brought back. Enter goes back to the code field for the next scan.

use time::OffsetDateTime;

use crate::counter::app::{App, Step};
use crate::counter::effect::{Effect, Write};
use crate::counter::record::{Event, Record};
use crate::counter::shares::Shares;
use crate::osigu::model::{Dispensation, ProductLine};

/// The completed dispensation as the server returned it.
#[derive(Clone, Debug)]
pub struct Done {
    pub dispensation: Dispensation,
    /// The invoice number it was finalized with.
    pub invoice_number: Option<String>,
    /// What the patient paid and what the sponsor pays, as the server computed them.
    pub shares: Shares,
    /// What may still be delivered on this code, line by line (only lines with something left).
    pub remaining: Vec<Remaining>,
    /// Until when the code can be brought back for it: the code's expiry, when the dispensation carries one.
    pub until: Option<OffsetDateTime>,
}

/// What remains of one line after this delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remaining {
    pub product_code: String,
    pub product_name: Option<String>,
    pub units: u32,
}

impl Done {
    /// `dispensation` completed, `before` being the same dispensation as it stood before `complete` (what was
    /// available then): each line's remainder is what was available less what this delivery took. Computed from
    /// `before` because a completed dispensation's lines may or may not count this delivery as claimed already.
    pub fn new(dispensation: Dispensation, before: Option<&Dispensation>, invoice_number: Option<String>) -> Self {
        let remaining = before.map(|before| remaining(before, &dispensation)).unwrap_or_default();
        let until = if remaining.is_empty() { None } else { dispensation.code_expires_at };
        Self { shares: Shares::served(&dispensation), dispensation, invoice_number, remaining, until }
    }
}

/// Each dispensable line of `before` with units left once `after` delivered its own (lines matched by id, or by
/// position when the server names none).
fn remaining(before: &Dispensation, after: &Dispensation) -> Vec<Remaining> {
    before
        .products
        .iter()
        .enumerate()
        .filter(|(_, line)| line.dispensable())
        .filter_map(|(index, line)| {
            let delivered = match &line.id {
                Some(id) => after.products.iter().find(|done| done.id.as_ref() == Some(id)),
                None => after.products.get(index),
            }
            .map_or(0, ProductLine::units);
            let units = line.available().saturating_sub(delivered);
            (units > 0).then(|| Remaining {
                product_code: line.product_code.clone(),
                product_name: line.product_name.clone(),
                units,
            })
        })
        .collect()
}

impl App {
    /// Records a completion the server confirmed and shows it.
    pub(in crate::counter) fn completed(&mut self, dispensation: Dispensation, effects: &mut Vec<Effect>) {
        // The invoice number was spent when the intent was written; here it is only shown and kept.
        let sent = match &self.step {
            Step::Finalize(finalize) => Some(finalize.invoice_number.value().trim().to_owned()),
            _ => None,
        };
        let event = Event::completed(&dispensation, sent);
        let Event::Completed { invoice_number, .. } = &event else { return };
        let invoice_number = invoice_number.clone();
        self.session.invoice = None;
        let record = Record::about(&dispensation, event, self.session.now);
        effects.push(self.write(Write::Record(record)));
        // Read after the record above (the journal takes them in order): today's list shows the completion.
        effects.push(self.session.load_today());
        let before = self.active.take().map(|active| active.dispensation);
        self.go(Step::Done(Box::new(Done::new(dispensation, before.as_ref(), invoice_number))));
        // The patient's receipt, without a key when the pharmacy prints every one.
        if self.session.settings.printing.as_ref().is_some_and(|printing| printing.auto) {
            self.print_done(effects);
        }
    }
}
