//! What a receipt holds, as plain data: texts the caller already decided (names, the masked document, the
//! formatted invoice), amounts as `Decimal` in the receipt's currency, dates as dates. No counter or server types,
//! so a dispensation from the journal prints the same as one just completed; the words and the money format are
//! chosen at layout time from [`Receipt::locale`] and [`Receipt::currency`].

use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};

use crate::i18n::Locale;

/// One delivery receipt.
#[derive(Clone, Debug, PartialEq)]
pub struct Receipt {
    /// The language of its words (the amounts follow the currency, not the language).
    pub locale: Locale,
    /// A reprint: the receipt says COPIA / COPY at its top.
    pub copy: bool,
    /// The pharmacy's lines at the top (`[receipt] header`: name, tax id, address), centred.
    pub header: Vec<String>,
    /// The till that served it (`caja-1`).
    pub till: String,
    /// The clerk who served it, by name (outside text, made inert where printed); none without clerks.
    pub clerk: Option<String>,
    /// When it was completed, in the offset it is to be read in (the counter's local time).
    pub at: OffsetDateTime,
    /// The prescription or authorization code.
    pub code: String,
    pub code_kind: CodeKind,
    /// The sponsor's name; none for a cash prescription.
    pub sponsor: Option<String>,
    pub beneficiary: Option<Beneficiary>,
    /// The prescriber's name as it should be printed (`Dra. Guadalupe Núñez`).
    pub prescriber: Option<String>,
    /// ISO 4217 code of every amount (`GTQ`); none writes plain amounts.
    pub currency: Option<String>,
    /// What was delivered, in the order of the screen.
    pub lines: Vec<Line>,
    pub totals: Totals,
    /// What is left to deliver on a later visit; not empty adds a QR code of the code.
    pub remaining: Vec<Remaining>,
    /// The claim Osigu created; none when the sponsor creates it later.
    pub claim_id: Option<String>,
    pub invoice: Option<Invoice>,
}

/// Whether the code is a prescription or an authorization (said above the code, as on screen).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    Prescription,
    Authorization,
    /// A code whose kind the server did not say.
    Other,
}

/// The patient, as the screen shows them.
#[derive(Clone, PartialEq)]
pub struct Beneficiary {
    pub name: String,
    /// The document already masked as on screen, with its type (`DPI •••••••••0101`).
    pub document: Option<String>,
}

/// Written by hand: a patient's name and document never reach a log.
impl std::fmt::Debug for Beneficiary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Beneficiary")
            .field("name", &"…")
            .field("document", &self.document.as_ref().map(|_| "…"))
            .finish()
    }
}

/// One delivered line.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// The product delivered, as named on screen.
    pub name: String,
    pub quantity: u32,
    pub unit_price: Decimal,
    /// The line's total (what the sponsor and the patient share).
    pub total: Decimal,
    /// Who pays what of it; none when the server did not say (the patient's share then follows the sponsor's
    /// rules, and only the total is printed).
    pub share: Option<Share>,
    /// Set when this product was delivered instead of the one prescribed.
    pub substitute: Option<Substitute>,
    /// The pack's batch and expiry, when the counter records them.
    pub pack: Option<Pack>,
}

/// An amount split between the sponsor and the patient (sponsor + patient = the total it splits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    pub sponsor: Decimal,
    pub patient: Decimal,
}

/// The product a substitute replaced, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Substitute {
    pub instead_of: String,
    /// The sponsor's reason, in words (`Sin existencia`).
    pub reason: Option<String>,
}

/// A pack's batch and expiry.
#[derive(Clone, Debug, PartialEq)]
pub struct Pack {
    pub batch: String,
    pub expires: Option<Date>,
}

/// The receipt's sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Totals {
    pub total: Decimal,
    /// None when the server did not say; see [`Line::share`].
    pub share: Option<Share>,
}

/// What remains of one line for a later visit.
#[derive(Clone, Debug, PartialEq)]
pub struct Remaining {
    pub name: String,
    pub quantity: u32,
    /// Until when it may be collected (the code's expiry or the item's end date).
    pub until: Option<Date>,
}

/// The invoice the pharmacy issued.
#[derive(Clone, Debug, PartialEq)]
pub struct Invoice {
    pub number: String,
    pub serial: Option<String>,
}
