//! What the core asks the runtime to do. The core never does I/O itself: it returns these, and the results come
//! back as [`super::Msg`]s tagged with the same [`ReqId`].

use std::collections::BTreeMap;

use crate::osigu::error::IdempotencyKey;
use crate::osigu::model::{
    AttachAuthorizationsRequest, BiometricSample, CancelRequest, ChallengeRequest, CompleteRequest,
    CompleteSettlementRequest, Id, OpenSettlementRequest, OtpSendRequest, OtpValidateRequest, ProductType,
    StartRequest, UpdateRequest,
};

use super::msg::ReqId;
use super::record::Record;

/// One thing for the runtime to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Call Osigu; answer with [`super::Msg::Replied`].
    Call { id: ReqId, call: Box<Call> },
    /// Call Osigu once the journal holds the call's intent on disk; answer with [`super::Msg::Replied`], or with
    /// [`super::Msg::Unsent`] when the intent could not be kept (then nothing was sent).
    Send { id: ReqId, send: Box<Guarded> },
    /// Read a fingerprint on the counter's reader; answer with [`super::Msg::Captured`].
    CaptureFingerprint { id: ReqId, beneficiary_id: Id },
    /// Propose an invoice number for the dispensation, held for it in the journal so no other till proposes it;
    /// answer with [`super::Msg::InvoiceHeld`].
    HoldInvoice { id: ReqId, prefix: String, dispensation_id: Id, at: time::OffsetDateTime },
    /// Read dispensations from the journal (a day of this till's, or a search of every day); answer with
    /// [`super::Msg::HistoryLoaded`].
    LoadHistory { id: ReqId, query: super::steps::HistoryQuery },
    /// Ask the journal whether the webhook receiver recorded `code` as voided at or after `since`; answer with
    /// [`super::Msg::VoidChecked`]. Runs on the journal's thread in order with its other jobs, so a check asked
    /// before a `complete` is answered before that completion is even sent.
    CheckVoided { id: ReqId, code: String, since: time::OffsetDateTime },
    /// Read the settlement batches' states the webhook receiver recorded; answer with
    /// [`super::Msg::SettlementsRecorded`].
    LoadSettlements { id: ReqId },
    /// Write `batch` as CSV in the data directory's `exports/`; answer with [`super::Msg::Exported`].
    ExportSettlement { id: ReqId, batch: Box<crate::osigu::model::Settlement> },
    /// Write to the journal; answer with [`super::Msg::Journaled`].
    Journal { id: ReqId, write: Write },
    /// Print a receipt on a paper `width` wide; answer with [`super::Msg::Printed`]. Never blocks: a printer
    /// that is off costs a notice.
    Print { id: ReqId, receipt: Box<crate::receipt::Receipt>, width: crate::receipt::Width },
    /// Check a PIN typed at the door for clerk `clerk_id`, off the key thread (Argon2 is slow on purpose), and
    /// keep the outcome in the clerks' audit; answer with [`super::Msg::PinChecked`].
    CheckPin {
        id: ReqId,
        clerk_id: String,
        pin: crate::clerks::Pin,
        purpose: crate::clerks::PinFor,
        at: time::OffsetDateTime,
    },
    /// Ask POSOS (a scan session, or what it imported); answer with [`super::Msg::Posos`].
    Posos { id: ReqId, call: PososCall },
    /// Everything is settled: the program may exit.
    Quit,
}

/// The POSOS calls of a paper prescription (contract §11).
#[derive(Clone, Debug, PartialEq)]
pub enum PososCall {
    /// A Scan & Go session for this patient: its page's address.
    ScanToken(crate::posos::ScanSubject),
    /// What was imported for the patient id of the session.
    Prescriptions { patient_id: String },
}

impl Effect {
    /// The name of the Osigu request this effect makes (`start`, `complete`, `get`…), if it makes one.
    pub fn request_name(&self) -> Option<&'static str> {
        match self {
            Self::Call { call, .. } => Some(call.name()),
            Self::Send { send, .. } => Some(send.name()),
            Self::Posos { call: PososCall::ScanToken(_), .. } => Some("posos-scan-token"),
            Self::Posos { call: PososCall::Prescriptions { .. }, .. } => Some("posos-search"),
            _ => None,
        }
    }
}

/// A journal write that guards no request.
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    /// A fact about a dispensation.
    Record(Record),
    /// The start sent with this key was refused, or its dispensation dealt with: nothing to find again.
    StartSettled { key: String },
    /// A write of no consequence, to learn whether the journal can be written again.
    Probe { at: time::OffsetDateTime },
    /// A line of the clerks' audit (`idle-locked`, `signed-out`).
    Audit { at: time::OffsetDateTime, clerk_id: String, event: &'static str },
    /// A paper prescription sold without insurance: its lines, mapped (nothing goes to Osigu).
    PaperSale {
        at: time::OffsetDateTime,
        key: String,
        reference: String,
        lines: Vec<super::MappedLine>,
        clerk: Option<String>,
    },
    /// What Osigu answered to the paper request kept under `key`.
    PaperAnswered {
        at: time::OffsetDateTime,
        key: String,
        request_id: String,
        status: crate::osigu::model::AuthorizationRequestStatus,
        codes: Vec<String>,
    },
    /// Whether a cash sale's receipt printed.
    PaperPrinted { key: String, printed: bool },
}

/// The requests that change what a code or a claim is: each leaves only once its intent is on disk, so that
/// after a crash or a lost reply the journal knows it may have happened. Only [`Effect::Send`] carries them,
/// so no other path can send one unrecorded.
#[derive(Clone, Debug, PartialEq)]
pub enum Guarded {
    /// The code and the key are kept (`starts`): a start whose reply is lost is found again and settled.
    Start { request: StartRequest, key: IdempotencyKey, at: time::OffsetDateTime },
    /// `intent` (a [`super::Event::FinalizeIntent`], which also claims the invoice number) is written first;
    /// `None` when this exact request and key are already on record (a retry of a completion in doubt).
    Complete { id: Id, request: CompleteRequest, key: IdempotencyKey, intent: Option<Record> },
    /// `intent` (a [`super::Event::CancelIntent`]) is written first. A cancel is sent even when it cannot be:
    /// it can only ever lose a sale, never hand out medicine that is not on record.
    Cancel { id: Id, request: CancelRequest, key: IdempotencyKey, intent: Option<Record> },
    /// A paper prescription's pre-authorization (create, indication, complete, each with its key): the request,
    /// its keys and how each line was mapped are kept first (`paper_requests`), so a crash or a lost reply is
    /// answered by sending it again with the same keys.
    Preauthorize {
        at: time::OffsetDateTime,
        sponsor_slug: String,
        reference: String,
        lines: Vec<super::MappedLine>,
        send: Box<super::PaperSend>,
        /// The clerk who asks (none without clerks).
        clerk: Option<String>,
    },
}

impl Guarded {
    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Start { .. } => "start",
            Self::Complete { .. } => "complete",
            Self::Cancel { .. } => "cancel",
            Self::Preauthorize { .. } => "preauthorize",
        }
    }
}

/// The Osigu calls of contract §1–§4 that need no intent on record (reads, and changes a crash cannot make
/// harmful: lines, verification).
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    Sponsors,
    Configuration {
        sponsor_slug: String,
        product_type: ProductType,
    },
    Forms {
        sponsor_slug: String,
    },
    Search {
        sponsor_slug: String,
        fields: BTreeMap<String, serde_json::Value>,
    },
    Get {
        id: Id,
    },
    Update {
        id: Id,
        request: UpdateRequest,
        key: IdempotencyKey,
    },
    VerificationStatus {
        id: Id,
    },
    Biometric {
        id: Id,
        sample: BiometricSample,
        key: IdempotencyKey,
    },
    Challenge {
        id: Id,
        request: ChallengeRequest,
        key: IdempotencyKey,
    },
    SendOtp {
        request: OtpSendRequest,
        key: IdempotencyKey,
    },
    ValidateOtp {
        request: OtpValidateRequest,
        key: IdempotencyKey,
    },
    /// The provider's registered products (every page): what a line may be substituted by.
    Products {
        product_type: ProductType,
    },
    /// The newest `size` COMPLETED dispensations of `code`: its earlier visits.
    Dispensations {
        code: String,
        size: u32,
    },
    /// The pharmacy's settlement batches (contract §6), every page.
    Settlements,
    /// One settlement batch, with each claim and the sponsor's answer.
    Settlement {
        id: Id,
    },
    /// Open (or find open) a batch for a sponsor and period.
    OpenSettlement {
        request: OpenSettlementRequest,
        key: IdempotencyKey,
    },
    /// The claims of the batch's sponsor and period no batch holds yet.
    PendingAuthorizations {
        id: Id,
    },
    /// Attach claims to the batch.
    AttachAuthorizations {
        id: Id,
        request: AttachAuthorizationsRequest,
        key: IdempotencyKey,
    },
    /// Invoice and submit the batch.
    CompleteSettlement {
        id: Id,
        request: CompleteSettlementRequest,
        key: IdempotencyKey,
    },
    /// A pre-authorization request as it stands (a paper prescription the sponsor answers later).
    AuthorizationRequest {
        id: Id,
    },
}

impl Call {
    /// A short name for logs (never the body: it may hold personal data or an OTP).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sponsors => "sponsors",
            Self::Configuration { .. } => "configuration",
            Self::Forms { .. } => "forms",
            Self::Search { .. } => "search",
            Self::Get { .. } => "get",
            Self::Update { .. } => "update",
            Self::VerificationStatus { .. } => "verification-status",
            Self::Biometric { .. } => "biometric",
            Self::Challenge { .. } => "challenge",
            Self::SendOtp { .. } => "otp-send",
            Self::ValidateOtp { .. } => "otp-validate",
            Self::Products { .. } => "products",
            Self::Dispensations { .. } => "dispensations",
            Self::Settlements => "settlements",
            Self::Settlement { .. } => "settlement",
            Self::OpenSettlement { .. } => "settlement-open",
            Self::PendingAuthorizations { .. } => "settlement-pending",
            Self::AttachAuthorizations { .. } => "settlement-attach",
            Self::CompleteSettlement { .. } => "settlement-complete",
            Self::AuthorizationRequest { .. } => "authorization-request",
        }
    }
}
