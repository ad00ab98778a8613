//! What goes where on the receipt, top to bottom: the pharmacy, COPIA on a reprint, till and time, the code, who,
//! each line with what the sponsor and the patient pay of it, the totals with what the patient pays set apart,
//! what remains and until when with the code for the next visit, the claim and the invoice. The same rows make
//! the text on screen and the printed bytes; only how each row is drawn differs.

use rust_decimal::Decimal;

use super::columns::{centred, exact, left_right, wrap};
use super::model::{CodeKind, Line, Receipt, Remaining};
use crate::i18n::{self, Locale};

/// One piece of the receipt.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Row {
    /// One line exactly as wide as the paper.
    Text { text: String, bold: bool },
    /// What the patient pays: the largest thing on paper (its width depends on the size it is printed at).
    Emphasis { label: String, amount: String },
    /// A QR code of the code, for the next visit.
    Qr(String),
}

impl Row {
    /// The row as lines of exactly `columns` (a QR code has none).
    pub(super) fn text_lines(&self, columns: usize) -> Vec<String> {
        match self {
            Self::Text { text, .. } => vec![text.clone()],
            Self::Emphasis { label, amount } => {
                left_right(label, amount, columns, 0).into_iter().map(|line| exact(line, columns)).collect()
            }
            Self::Qr(_) => Vec::new(),
        }
    }
}

/// The rows of `receipt` for paper of `columns`, every text given through `clean` before it is measured (the
/// screen keeps every character; the printer replaces what its code page lacks).
pub(super) fn rows(receipt: &Receipt, columns: usize, clean: fn(&str) -> String) -> Vec<Row> {
    let mut sheet = Sheet { columns, clean, locale: receipt.locale, currency: receipt.currency.clone(), rows: vec![] };
    sheet.heading(receipt);
    sheet.rule();
    for line in &receipt.lines {
        sheet.line(line);
    }
    sheet.rule();
    sheet.totals(receipt);
    if !receipt.remaining.is_empty() {
        sheet.rule();
        sheet.remaining(&receipt.remaining, &receipt.code);
    }
    if receipt.claim_id.is_some() || receipt.invoice.is_some() {
        sheet.rule();
        sheet.documents(receipt);
    }
    sheet.rows
}

/// The rows being laid out.
struct Sheet {
    columns: usize,
    clean: fn(&str) -> String,
    locale: Locale,
    currency: Option<String>,
    rows: Vec<Row>,
}

impl Sheet {
    fn words(&self, key: &str) -> String {
        i18n::text(self.locale, key).to_owned()
    }

    fn fill(&self, key: &str, args: &[(&str, &str)]) -> String {
        i18n::fill(self.locale, key, args)
    }

    fn money(&self, value: Decimal) -> String {
        i18n::amount(value, self.currency.as_deref())
    }

    fn push(&mut self, lines: Vec<String>, bold: bool) {
        let columns = self.columns;
        self.rows.extend(lines.into_iter().map(|line| Row::Text { text: exact(line, columns), bold }));
    }

    /// `text` wrapped, its first line `first` spaces in, the next ones `rest`.
    fn wrapped(&mut self, text: &str, first: usize, rest: usize) {
        let lines = wrap(&(self.clean)(text), self.columns, first, rest);
        self.push(lines, false);
    }

    /// `left` with `right` at the right edge (an amount, a time, a code).
    fn pair(&mut self, left: &str, right: &str, indent: usize) {
        let lines = left_right(&(self.clean)(left), &(self.clean)(right), self.columns, indent);
        self.push(lines, false);
    }

    fn centred(&mut self, text: &str, bold: bool) {
        let lines = centred(&(self.clean)(text), self.columns);
        self.push(lines, bold);
    }

    fn rule(&mut self) {
        self.push(vec!["-".repeat(self.columns)], false);
    }

    fn heading(&mut self, receipt: &Receipt) {
        for (index, line) in receipt.header.iter().enumerate() {
            // The pharmacy's name, first, in bold.
            self.centred(line, index == 0);
        }
        if receipt.copy {
            self.centred(&self.words("receipt.copy"), true);
        }
        self.rule();
        let till = self.fill("receipt.till", &[("till", &receipt.till)]);
        self.pair(&till, &i18n::date_time(self.locale, receipt.at), 0);
        if let Some(clerk) = &receipt.clerk {
            self.wrapped(&self.fill("receipt.clerk", &[("name", clerk)]), 0, 2);
        }
        let kind = match receipt.code_kind {
            CodeKind::Prescription => "code_type.prescription",
            CodeKind::Authorization => "code_type.authorization",
            CodeKind::Other => "code_type.unknown",
        };
        self.pair(&self.words(kind), &receipt.code, 0);
        let sponsor = match &receipt.sponsor {
            Some(name) => self.fill("receipt.sponsor", &[("name", name)]),
            None => self.words("receipt.cash"),
        };
        self.wrapped(&sponsor, 0, 2);
        if let Some(beneficiary) = &receipt.beneficiary {
            self.wrapped(&self.fill("receipt.beneficiary", &[("name", &beneficiary.name)]), 0, 2);
            if let Some(document) = &beneficiary.document {
                self.wrapped(document, 2, 2);
            }
        }
        if let Some(prescriber) = &receipt.prescriber {
            self.wrapped(&self.fill("receipt.prescriber", &[("name", prescriber)]), 0, 2);
        }
    }

    fn line(&mut self, line: &Line) {
        self.wrapped(&line.name, 0, 2);
        let quantity = line.quantity.to_string();
        let price = self.money(line.unit_price);
        let each = self.fill("receipt.quantity_price", &[("quantity", &quantity), ("price", &price)]);
        self.pair(&each, &self.money(line.total), 2);
        if let Some(share) = line.share {
            let sponsor = self.fill("receipt.line_sponsor", &[("amount", &self.money(share.sponsor))]);
            let patient = self.fill("receipt.line_patient", &[("amount", &self.money(share.patient))]);
            self.pair(&sponsor, &patient, 2);
        }
        if let Some(substitute) = &line.substitute {
            let note = match &substitute.reason {
                Some(reason) => {
                    self.fill("receipt.instead_of_reason", &[("name", &substitute.instead_of), ("reason", reason)])
                }
                None => self.fill("receipt.instead_of", &[("name", &substitute.instead_of)]),
            };
            self.wrapped(&note, 2, 4);
        }
        if let Some(pack) = &line.pack {
            let note = match pack.expires {
                Some(expires) => self.fill(
                    "receipt.batch_expires",
                    &[("batch", &pack.batch), ("date", &i18n::date(self.locale, expires))],
                ),
                None => self.fill("receipt.batch", &[("batch", &pack.batch)]),
            };
            self.wrapped(&note, 2, 4);
        }
    }

    fn totals(&mut self, receipt: &Receipt) {
        self.pair(&self.words("receipt.total"), &self.money(receipt.totals.total), 0);
        match receipt.totals.share {
            Some(share) => {
                self.pair(&self.words("receipt.sponsor_pays"), &self.money(share.sponsor), 0);
                let label = (self.clean)(&self.words("receipt.patient_pays"));
                let amount = (self.clean)(&self.money(share.patient));
                self.rows.push(Row::Emphasis { label, amount });
            }
            None => self.wrapped(&self.words("receipt.share_by_rules"), 0, 0),
        }
    }

    fn remaining(&mut self, remaining: &[Remaining], code: &str) {
        let title = wrap(&(self.clean)(&self.words("receipt.remaining")), self.columns, 0, 0);
        self.push(title, true);
        for left in remaining {
            self.wrapped(&left.name, 0, 2);
            let quantity = left.quantity.to_string();
            let when = match left.until {
                Some(until) => self.fill(
                    "receipt.remaining_until",
                    &[("quantity", &quantity), ("date", &i18n::date(self.locale, until))],
                ),
                None => self.fill("receipt.remaining_open", &[("quantity", &quantity)]),
            };
            self.wrapped(&when, 2, 4);
        }
        self.centred(&self.words("receipt.next_visit"), false);
        // The QR code carries the code as it is (a scanner reads it back); the line under it is for people.
        self.rows.push(Row::Qr(code.to_owned()));
        self.centred(code, true);
    }

    fn documents(&mut self, receipt: &Receipt) {
        if let Some(claim) = &receipt.claim_id {
            self.pair(&self.words("receipt.claim"), claim, 0);
        }
        if let Some(invoice) = &receipt.invoice {
            self.pair(&self.words("receipt.invoice"), &invoice.number, 0);
            if let Some(serial) = &invoice.serial {
                self.pair(&self.words("receipt.serial"), serial, 0);
            }
        }
    }
}
