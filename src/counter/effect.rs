//! What the core asks the runtime to do. The core never does I/O itself: it returns these, and the results come
//! back as [`super::Msg`]s tagged with the same [`ReqId`].

use std::collections::BTreeMap;

use crate::osigu::error::IdempotencyKey;
use crate::osigu::model::{
    BiometricSample, CancelRequest, ChallengeRequest, CompleteRequest, Id, OtpSendRequest, OtpValidateRequest,
    ProductType, StartRequest, UpdateRequest,
};

use super::msg::ReqId;

/// One thing for the runtime to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Call Osigu; answer with [`super::Msg::Replied`].
    Call { id: ReqId, call: Box<Call> },
    /// Read a fingerprint on the counter's reader; answer with [`super::Msg::Captured`].
    CaptureFingerprint { id: ReqId, beneficiary_id: Id },
    /// Propose this terminal's next invoice number; answer with [`super::Msg::InvoiceNumber`].
    NextInvoiceNumber { id: ReqId, prefix: String },
    /// An invoice number was used by a completed dispensation: the terminal's counter moves past it.
    InvoiceUsed { prefix: String, number: String },
    /// Read this terminal's dispensations started since `since` from the journal; answer with
    /// [`super::Msg::HistoryLoaded`].
    LoadHistory { id: ReqId, since: time::OffsetDateTime },
    /// Keep this fact in the journal; intents must be on disk before the next effect runs.
    Journal(super::record::Record),
    /// Everything is settled: the program may exit.
    Quit,
}

/// The Osigu calls of contract §1–§4.
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    Sponsors,
    Configuration { sponsor_slug: String, product_type: ProductType },
    Forms { sponsor_slug: String },
    Search { sponsor_slug: String, fields: BTreeMap<String, serde_json::Value> },
    Start { request: StartRequest, key: IdempotencyKey },
    Get { id: Id },
    Update { id: Id, request: UpdateRequest, key: IdempotencyKey },
    VerificationStatus { id: Id },
    Biometric { id: Id, sample: BiometricSample, key: IdempotencyKey },
    Challenge { id: Id, request: ChallengeRequest, key: IdempotencyKey },
    Complete { id: Id, request: CompleteRequest, key: IdempotencyKey },
    Cancel { id: Id, request: CancelRequest, key: IdempotencyKey },
    SendOtp { request: OtpSendRequest, key: IdempotencyKey },
    ValidateOtp { request: OtpValidateRequest, key: IdempotencyKey },
}

impl Call {
    /// A short name for logs (never the body: it may hold personal data or an OTP).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sponsors => "sponsors",
            Self::Configuration { .. } => "configuration",
            Self::Forms { .. } => "forms",
            Self::Search { .. } => "search",
            Self::Start { .. } => "start",
            Self::Get { .. } => "get",
            Self::Update { .. } => "update",
            Self::VerificationStatus { .. } => "verification-status",
            Self::Biometric { .. } => "biometric",
            Self::Challenge { .. } => "challenge",
            Self::Complete { .. } => "complete",
            Self::Cancel { .. } => "cancel",
            Self::SendOtp { .. } => "otp-send",
            Self::ValidateOtp { .. } => "otp-validate",
        }
    }
}
