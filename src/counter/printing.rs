//! The receipt the patient takes home: the core fills in a [`Receipt`] (plain data) from a completed dispensation
//! as the server holds it, and asks the runtime to print it (`Effect::Print`); the printing happens off the
//! key-handling thread and its outcome comes back (`Msg::Printed`), is kept in the journal, and is said in a notice
//! the clerk can ignore: a printer that is off never affects a dispensation. Done prints by itself when
//! `[receipt] auto_print` says so, and F9 prints it again; in the history (F3), Enter shows a past receipt on screen
//! and F9 prints it marked COPIA.

use time::OffsetDateTime;

use super::app::{App, Purpose, Step};
use super::effect::{Call, Effect, Write};
use super::msg::Reply;
use super::record::{Event, Record};
use super::shares::Shares;
use super::steps::{Done, Remaining};
use crate::osigu::error::ClientError;
use crate::osigu::model::{CodeType, Dispensation, Id, ProductLine};
use crate::receipt::{self, Receipt, Width};

/// How this counter prints, from `[receipt]`; none when no printer is configured (the receipt still shows on screen).
#[derive(Clone, Debug, PartialEq)]
pub struct Printing {
    pub width: Width,
    /// Print when a dispensation completes, without a key.
    pub auto: bool,
    /// The pharmacy's lines at the top of every receipt.
    pub header: Vec<String>,
}

/// A notice on the row above the hints: what printing did. It never stops anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Printed {
        copy: bool,
    },
    /// The printer did not print: the runtime's words (in the clerk's language), the reprint is in F3.
    NotPrinted {
        message: String,
    },
    /// A paper prescription's pre-authorization was approved with lines refused (product, the sponsor's reason)
    /// or with more codes than the one being dispensed.
    NotAuthorized {
        refused: Vec<super::Refused>,
        others: Vec<String>,
    },
    /// A paper prescription asked about from the history: the sponsor has not answered yet.
    PaperPending,
}

/// What a past receipt's request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// Shown on screen (F3, Enter).
    Show,
    /// Printed again, marked COPIA (F9 in F3).
    Reprint,
}

impl App {
    /// The receipt of `dispensation`, completed: `remaining` is what is left on the code and until when.
    pub(super) fn receipt_of(
        &self,
        dispensation: &Dispensation,
        invoice_number: Option<String>,
        remaining: &[Remaining],
        until: Option<OffsetDateTime>,
        copy: bool,
    ) -> Receipt {
        let settings = &self.session.settings;
        let offset = settings.utc_offset;
        let shares = Shares::served(dispensation);
        let known = match &shares {
            Shares::Known { lines, amounts, .. } => Some((lines, amounts)),
            Shares::Unknown { .. } => None,
        };
        let lines = dispensation
            .products
            .iter()
            .enumerate()
            .filter(|(_, line)| line.units() > 0)
            .map(|(index, line)| receipt::Line {
                name: line_name(line),
                quantity: line.units(),
                unit_price: line.unit_price,
                total: line.subtotal().unwrap_or_default(),
                share: known
                    .and_then(|(lines, _)| lines.get(index))
                    .map(|share| receipt::Share { sponsor: share.sponsor_amount, patient: share.patient_amount }),
                substitute: line.substitute_product_code.as_ref().map(|_| receipt::Substitute {
                    instead_of: line.product_name.clone().unwrap_or_else(|| line.product_code.clone()),
                    reason: None,
                }),
                pack: None,
            })
            .collect();
        let beneficiary = dispensation.beneficiary.as_ref().map(|beneficiary| receipt::Beneficiary {
            name: format!("{} {}", beneficiary.first_name, beneficiary.last_name).trim().to_owned(),
            document: beneficiary.document_number.as_deref().map(|number| {
                let kind =
                    crate::i18n::document_type(settings.locale, beneficiary.document_type.as_deref().unwrap_or(""));
                format!("{kind} {}", mask_document(number)).trim().to_owned()
            }),
        });
        Receipt {
            locale: settings.locale,
            copy,
            header: settings.printing.as_ref().map(|printing| printing.header.clone()).unwrap_or_default(),
            till: settings.till.clone(),
            // The clerk signed in; a past receipt's is the one the journal names (see `past_receipt`).
            clerk: self.session.clerk.as_ref().map(|clerk| clerk.name.clone()),
            at: dispensation.completed_at.unwrap_or(self.session.now).to_offset(offset),
            code: dispensation.code.clone().unwrap_or_default(),
            code_kind: match dispensation.code_type {
                CodeType::Authorization => receipt::CodeKind::Authorization,
                CodeType::Prescription => receipt::CodeKind::Prescription,
                CodeType::Unknown => receipt::CodeKind::Other,
            },
            sponsor: dispensation
                .sponsor_slug
                .as_deref()
                .map(|slug| self.session.sponsors.name_or_slug(slug).to_owned()),
            beneficiary,
            prescriber: dispensation.prescriber.as_ref().map(|prescriber| prescriber.name.clone()),
            currency: dispensation.currency_code.clone(),
            lines,
            totals: receipt::Totals {
                total: shares.total().unwrap_or_default(),
                share: known.map(|(_, amounts)| receipt::Share { sponsor: amounts.sponsor, patient: amounts.patient }),
            },
            remaining: remaining
                .iter()
                .map(|left| receipt::Remaining {
                    name: left.product_name.clone().unwrap_or_else(|| left.product_code.clone()),
                    quantity: left.units,
                    until: until.map(|until| until.to_offset(offset).date()),
                })
                .collect(),
            claim_id: dispensation.claim.as_ref().map(|claim| claim.claim_id.to_string()),
            invoice: invoice_number.filter(|number| !number.is_empty()).map(|number| receipt::Invoice {
                number,
                serial: dispensation.invoice.as_ref().and_then(|invoice| invoice.document_serial.clone()),
            }),
        }
    }

    /// Prints the receipt of the dispensation on Done (F9, or by itself when it completes and `auto_print` says so).
    pub(super) fn print_done(&mut self, effects: &mut Vec<Effect>) {
        let Step::Done(done) = &self.step else { return };
        let receipt =
            self.receipt_of(&done.dispensation, done.invoice_number.clone(), &done.remaining, done.until, false);
        let id = done.dispensation.dispensation_id.clone();
        self.print(id, receipt, effects);
    }

    /// Sends `receipt` to the printer, if there is one.
    fn print(&mut self, dispensation_id: Id, receipt: Receipt, effects: &mut Vec<Effect>) {
        let Some(printing) = &self.session.settings.printing else { return };
        let width = printing.width;
        let copy = receipt.copy;
        let code = receipt.code.clone();
        let id = self.session.request(Purpose::Print { dispensation_id, code, copy });
        effects.push(Effect::Print { id, receipt: Box::new(receipt), width });
    }

    /// The printer answered: say so, and keep it in the journal.
    pub(super) fn printed(&mut self, purpose: Purpose, result: Result<(), String>, effects: &mut Vec<Effect>) {
        if let Purpose::PrintSale { key } = purpose {
            return self.sale_printed(key, result, effects);
        }
        let Purpose::Print { dispensation_id, code, copy } = purpose else { return };
        let printed = result.is_ok();
        self.session.notice = Some(match result {
            Ok(()) => Notice::Printed { copy },
            Err(message) => Notice::NotPrinted { message },
        });
        let event = Event::Printed { copy, printed };
        let record = Record { at: self.session.now, dispensation_id, code, event, clerk: None };
        effects.push(self.session.write(Write::Record(record)));
    }

    /// F3: Enter shows the selected dispensation's receipt, F9 prints it again; both ask the server for it first
    /// (the journal keeps what was charged, not the lines).
    pub(super) fn fetch_receipt(&mut self, wanted: Wanted, effects: &mut Vec<Effect>) {
        let Step::History(history) = &self.step else { return };
        let Some(row) = history.selected_row().filter(|row| row.status.completed()) else { return };
        let id = Id::new(row.dispensation_id.clone());
        let invoice = row.invoice_number.clone();
        let clerk = row.clerk.clone();
        effects.push(self.session.call(Purpose::PastReceipt { wanted, invoice, clerk }, Call::Get { id }));
    }

    /// A past dispensation arrived for its receipt.
    pub(super) fn past_receipt(
        &mut self,
        wanted: Wanted,
        invoice: Option<String>,
        clerk: Option<String>,
        result: Result<Reply, ClientError>,
        effects: &mut Vec<Effect>,
    ) {
        let dispensation = match result {
            Ok(Reply::Dispensation(dispensation)) => *dispensation,
            Ok(_) => return,
            Err(error) => {
                tracing::info!(error = %error, "a past receipt could not be read");
                self.session.notice = Some(Notice::NotPrinted { message: String::new() });
                return;
            }
        };
        let done = Done::new(dispensation.clone(), Some(&dispensation), invoice.clone());
        let copy = wanted == Wanted::Reprint;
        let receipt = crate::receipt::Receipt {
            clerk,
            ..self.receipt_of(&dispensation, invoice, &done.remaining, done.until, copy)
        };
        match wanted {
            Wanted::Show => {
                let width = self.session.settings.printing.as_ref().map_or(Width::W42, |printing| printing.width);
                if let Step::History(history) = &mut self.step {
                    history.receipt = Some(receipt.text(width));
                    history.receipt_scroll = 0;
                }
            }
            Wanted::Reprint => self.print(dispensation.dispensation_id.clone(), receipt, effects),
        }
    }
}

/// A line's name as the receipt prints it: the substitute's when one was delivered instead.
fn line_name(line: &ProductLine) -> String {
    let name = |code: &String, name: &Option<String>| name.clone().unwrap_or_else(|| code.clone());
    match &line.substitute_product_code {
        Some(code) => name(code, &line.substitute_product_name),
        None => name(&line.product_code, &line.product_name),
    }
}

/// `1234567890101` → `•••••••••0101`: a document number as a shared counter shows it (and prints it), its last four
/// characters only; four characters or fewer are masked whole.
pub fn mask_document(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 4 {
        return "•".repeat(chars.len());
    }
    let hidden = chars.len() - 4;
    "•".repeat(hidden) + &chars[hidden..].iter().collect::<String>()
}
