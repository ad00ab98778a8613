//! Done: the server said COMPLETED. The clerk sees the dispensation id, the claim for an authorization, and the
//! total; Enter goes back to the code field for the next scan.

use crate::counter::app::{App, Step};
use crate::counter::effect::{Effect, Write};
use crate::counter::record::{Event, Record};
use crate::osigu::model::Dispensation;

/// The completed dispensation as the server returned it.
#[derive(Clone, Debug)]
pub struct Done {
    pub dispensation: Dispensation,
    /// The invoice number it was finalized with.
    pub invoice_number: Option<String>,
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
        self.active = None;
        self.go(Step::Done(Box::new(Done { dispensation, invoice_number })));
    }
}
