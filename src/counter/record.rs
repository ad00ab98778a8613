//! What the core asks the journal to keep: each step of a dispensation as facts that are safe to store on a
//! shared counter's disk. No OTP code, verification or access token, secret or document number ever goes in
//! a record; the types below have no field that could hold one.

use rust_decimal::Decimal;

use crate::osigu::model::{Amounts, CodeType, Id};

/// One fact about one dispensation.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// When it happened, on the counter's clock.
    pub at: time::OffsetDateTime,
    pub dispensation_id: Id,
    pub code: String,
    pub event: Event,
    /// The clerk signed in when it happened (none when nobody signs in, and for what recovery finds at start):
    /// the core stamps it on every record it writes (see `Session::write`).
    pub clerk: Option<String>,
}

/// What happened.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The server STARTED it for this counter; `start_key` names the start intent it answers (settled by this).
    Started { code_type: CodeType, sponsor_slug: Option<String>, start_key: Option<String> },
    /// The beneficiary was verified (how, not with what).
    Verified { method: VerifiedBy },
    /// A verification attempt failed (a wrong OTP, a finger that did not match, a rejected facial check).
    NotVerified { method: VerifiedBy, reason: &'static str },
    /// The lines were sent to the server; `units` leave the pharmacy.
    LinesSaved { units: u32 },
    /// Written before `complete` is sent: the request can be recognised and resumed after a crash.
    FinalizeIntent {
        key: String,
        amount: Decimal,
        currency: Option<String>,
        invoice_number: Option<String>,
        /// `YYYY-MM-DD`, as sent.
        invoice_date: Option<String>,
        invoice_serial: Option<String>,
    },
    /// The server said COMPLETED. `amounts`: how it shared the total between the sponsor and the patient, as its
    /// reply said (`None` when the reply carried no `amounts`: the real Osigu documents none).
    Completed {
        claim_id: Option<Id>,
        amount: Decimal,
        currency: Option<String>,
        invoice_number: Option<String>,
        amounts: Option<Amounts>,
    },
    /// The server refused the completion for good (amount, verification, invoice): nothing was completed, and
    /// the invoice number stays proposed to this dispensation for the next try.
    CompletionRefused,
    /// Written before `cancel` is sent: the dispensation is to be cancelled, never completed, by whoever finds it.
    CancelIntent { key: String },
    /// Cancelled on the server (or found over there already).
    Cancelled,
    /// The clerk showed the beneficiary's document in clear.
    Revealed,
    /// A receipt went to the printer (`copy`: a reprint), and whether it printed.
    Printed { copy: bool, printed: bool },
    /// A pack scanned on the lines is the product a line delivers (or its substitute), in date: which pack went
    /// out, for a recall or a falsified-medicines check.
    PackChecked(PackFacts),
}

/// What a checked pack's barcode said, and the line it was matched to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackFacts {
    /// The line's id on the server, when it has one.
    pub line_id: Option<Id>,
    /// The product the pack is: the line's own, or its substitute.
    pub product_code: String,
    /// 14 digits.
    pub gtin: String,
    pub batch: Option<String>,
    pub expiry: Option<time::Date>,
    pub serial: Option<String>,
}

/// How a beneficiary was verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifiedBy {
    Otp,
    Fingerprint,
    Facial,
}

impl Record {
    /// `event` about `dispensation`, at `at`.
    pub fn about(dispensation: &crate::osigu::model::Dispensation, event: Event, at: time::OffsetDateTime) -> Self {
        Self {
            at,
            dispensation_id: dispensation.dispensation_id.clone(),
            code: dispensation.code.clone().unwrap_or_default(),
            event,
            clerk: None,
        }
    }
}

impl Event {
    /// The server completed `dispensation`: its claim and what it charged, and the invoice number it holds
    /// (or `invoice_number`, the one sent, when its reply does not echo it).
    pub fn completed(dispensation: &crate::osigu::model::Dispensation, invoice_number: Option<String>) -> Self {
        Self::Completed {
            claim_id: dispensation.claim.as_ref().map(|claim| claim.claim_id.clone()),
            // A completion reply whose amount cannot be computed does not decode (see `Dispensation::products`).
            amount: dispensation.charged().unwrap_or_default(),
            currency: dispensation.currency_code.clone(),
            invoice_number: dispensation
                .invoice
                .as_ref()
                .map(|invoice| invoice.document_number.clone())
                .or(invoice_number)
                .filter(|number| !number.is_empty()),
            amounts: dispensation.amounts,
        }
    }

    /// The event's name in the journal.
    pub fn step(&self) -> &'static str {
        match self {
            Self::Started { .. } => "start",
            Self::Verified { .. } => "verified",
            Self::NotVerified { .. } => "not-verified",
            Self::LinesSaved { .. } => "lines",
            Self::FinalizeIntent { .. } => "finalize-intent",
            Self::Completed { .. } => "completed",
            Self::CompletionRefused => "completion-refused",
            Self::CancelIntent { .. } => "cancel-intent",
            Self::Cancelled => "cancelled",
            Self::Revealed => "reveal",
            Self::Printed { .. } => "printed",
            Self::PackChecked(_) => "pack-checked",
        }
    }
}

impl VerifiedBy {
    pub fn name(self) -> &'static str {
        match self {
            Self::Otp => "OTP",
            Self::Fingerprint => "FINGERPRINT",
            Self::Facial => "FACIAL",
        }
    }
}

/// What start-up recovery found for a dispensation this terminal left unfinished (the program died, the
/// terminal was switched off), shown to the clerk before the first scan.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovered {
    pub code: String,
    pub outcome: Recovery,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Recovery {
    /// The server had completed it: now on record, with its claim.
    Completed { claim_id: Option<Id> },
    /// Its finalize had not reached the server: sent again with the same key, and completed.
    Resumed { claim_id: Option<Id> },
    /// Left STARTED before any finalize: cancelled on the server, the code is free again.
    Cancelled,
    /// The server had already ended it (cancelled, or timed out).
    Ended,
    /// Its finalize had not reached the server and could not be sent again (the beneficiary's verification is
    /// not kept on disk, or the server refused it): cancelled; the code must be dispensed again.
    Redo,
    /// Osigu could not be asked: it stays on record and is tried again at the next start.
    Unreachable,
    /// A paper prescription's pre-authorization issued this code, and it was never dispensed: offered (Enter
    /// opens it).
    PaperApproved,
}

/// Why the journal could not keep a record. While it cannot, the counter dispenses nothing: what is not on
/// record could be lost or done twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalFailure {
    pub cause: JournalCause,
    /// The technical reason, for the log and the details view.
    pub detail: String,
}

/// What the clerk (or IT) can do about a journal that cannot be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JournalCause {
    /// The disk is full.
    Full,
    /// The file or its directory cannot be written (permissions, a read-only disk).
    ReadOnly,
    /// The file is damaged: `mostrador journal set-aside` keeps it aside and starts a new one.
    Damaged,
    /// Another process held it locked for too long.
    Busy,
    /// Anything else (a disk error).
    Other,
}

/// Why a request that needs its intent on disk first was not sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsent {
    /// The journal could not be written.
    Journal(JournalFailure),
    /// The invoice number is already used by another dispensation in this store's journal.
    InvoiceTaken { number: String },
}

/// Why no invoice number could be proposed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvoiceRefusal {
    Journal(JournalFailure),
    /// Every number of this prefix's range is used: a new prefix must be configured.
    Exhausted {
        prefix: String,
    },
}
