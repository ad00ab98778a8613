//! Every way a step can fail, as the clerk must hear it: what happened and what to do next. The screens turn a
//! [`Problem`] into words from the i18n catalogue; the core decides which problem and which next step.

use rust_decimal::Decimal;
use time::OffsetDateTime;

use crate::osigu::error::ClientError;
use crate::osigu::model::{ErrorCode, ErrorEnvelope};

/// What went wrong, with the facts the message needs.
#[derive(Clone, Debug, PartialEq)]
pub enum ProblemKind {
    // Looking a code up.
    CodeEmpty,
    CodeNotFound {
        code: String,
    },
    CodeAlreadyRedeemed {
        code: String,
    },
    /// Another terminal (or this one, earlier) holds the code.
    CodeInProgress {
        since: Option<OffsetDateTime>,
    },
    CodeExpired {
        on: Option<OffsetDateTime>,
    },
    CodeVoided,
    CodeNotYetValid {
        from: Option<OffsetDateTime>,
    },
    AuthorizationPendingReview,
    CoverageInactive,
    BeneficiaryMismatch,
    BeneficiaryNotFound,
    /// The sponsor's form has a required field left empty, or a value of the wrong shape.
    FieldInvalid {
        label: String,
    },
    // Lines.
    NothingToDispense,
    QuantityExceedsAvailable {
        available: Option<u32>,
    },
    QuantityInvalid,
    SubstitutionNotAllowed,
    SubstitutionReasonRequired,
    ProductNotRegistered {
        product_code: Option<String>,
    },
    // Verification.
    OtpChannelUnsupported,
    OtpResendTooSoon {
        wait_secs: u64,
    },
    OtpExpired,
    OtpAttemptsExceeded,
    OtpNotFound,
    CaptureFailed {
        detail: String,
    },
    BiometricSampleInvalid,
    SampleTooLarge,
    VerificationAttemptsExceeded,
    // Finalizing.
    VerificationRequired,
    VerificationTokenInvalid,
    AmountMismatch {
        expected: Option<Decimal>,
        sent: Decimal,
    },
    InvoiceRequired,
    DispensationTimedOut,
    /// The dispensation is no longer STARTED (cancelled elsewhere, or timed out).
    InvalidState,
    /// The invoice number is already used by another dispensation of this store.
    InvoiceTaken {
        number: String,
    },
    /// Every number of the invoice series is used.
    InvoicesExhausted {
        prefix: String,
    },
    /// The journal cannot be written: nothing can be dispensed until it can.
    JournalUnavailable {
        cause: crate::counter::JournalCause,
    },
    /// The dispensation could not be cancelled on the server; it will lapse by itself at `timeout_at`.
    CancelFailed {
        lapses_at: Option<OffsetDateTime>,
    },
    // Access.
    Credentials,
    Unauthorized,
    InsufficientScope {
        scope: Option<String>,
    },
    RateLimited {
        wait_secs: Option<u64>,
    },
    // Reaching the server.
    Unreachable {
        host: String,
    },
    Tls {
        host: String,
    },
    Timeout,
    ConnectionBroken,
    ServerError {
        status: u16,
    },
    UnreadableReply,
    /// POSOS could not open a Scan & Go session (unreachable, or refused: `message` is its own words).
    ScanUnavailable {
        message: Option<String>,
    },
    /// A refusal this build does not know, with whatever the server said.
    Unexpected {
        status: Option<u16>,
        code: Option<String>,
    },
}

/// What the clerk can do about it; the screen offers exactly this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// Enter repeats the failed request.
    Retry,
    /// Correct the code in the field (it stays there, selected) or scan another.
    EditCode,
    /// The code is right but cannot be dispensed now (redeemed, expired, voided, under review): scan another.
    OtherCode,
    /// Look the beneficiary up with the sponsor's form.
    Identify,
    /// Fix the lines and finalize again.
    ReviewLines,
    /// Verify the beneficiary again.
    Verify,
    /// Finalize again (the invoice fields are kept).
    Finalize,
    /// Nothing to fix here: acknowledge and go on.
    Acknowledge,
    /// Pharmacy IT must act (credentials, scopes).
    CallSupport,
}

/// A problem on screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub next: NextStep,
    /// Technical facts for the details toggle: HTTP status, machine code, the server's English message. Never
    /// personal data (bodies are not kept).
    pub details: Option<String>,
}

impl Problem {
    pub fn new(kind: ProblemKind, next: NextStep) -> Self {
        Self { kind, next, details: None }
    }
}

fn detail_time(envelope: Option<&ErrorEnvelope>, name: &str) -> Option<OffsetDateTime> {
    let text = envelope?.detail(name)?.as_str()?;
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

fn detail_u64(envelope: Option<&ErrorEnvelope>, name: &str) -> Option<u64> {
    envelope?.detail(name)?.as_u64()
}

/// Maps a failed call to the problem the clerk sees. `code` is the code being looked up (for the messages about
/// it) and `retry` is the next step a transient failure offers.
pub fn from_client(error: &ClientError, code: &str, retry: NextStep) -> Problem {
    use ProblemKind as K;
    let envelope = error.envelope();
    let kind_next = match error {
        ClientError::Connect { host, .. } => (K::Unreachable { host: host.clone() }, retry),
        ClientError::Tls { host, .. } => (K::Tls { host: host.clone() }, NextStep::CallSupport),
        ClientError::Timeout { .. } => (K::Timeout, retry),
        ClientError::Broken { .. } => (K::ConnectionBroken, retry),
        ClientError::Credentials { .. } => (K::Credentials, NextStep::CallSupport),
        ClientError::TokenRateLimited { retry_after } => {
            (K::RateLimited { wait_secs: Some(retry_after.as_secs()) }, retry)
        }
        ClientError::Undecodable { .. } | ClientError::TooLarge { .. } => (K::UnreadableReply, retry),
        ClientError::Invalid { .. } => (K::Unexpected { status: None, code: None }, NextStep::CallSupport),
        ClientError::Api { status, code: error_code, retry_after, .. } => match error_code {
            None if *status >= 500 => (K::ServerError { status: *status }, retry),
            None => (K::Unexpected { status: Some(*status), code: None }, retry),
            Some(error_code) => from_code(error_code, envelope, code, retry, *status, retry_after.map(|d| d.as_secs())),
        },
    };
    let (kind, next) = kind_next;
    Problem { kind, next, details: Some(details(error)) }
}

fn from_code(
    error_code: &ErrorCode,
    envelope: Option<&ErrorEnvelope>,
    code: &str,
    retry: NextStep,
    status: u16,
    retry_after: Option<u64>,
) -> (ProblemKind, NextStep) {
    use ErrorCode as E;
    use NextStep as N;
    use ProblemKind as K;
    let code = code.to_owned();
    match error_code {
        E::CodeNotFound => (K::CodeNotFound { code }, N::EditCode),
        E::CodeAlreadyRedeemed => (K::CodeAlreadyRedeemed { code }, N::OtherCode),
        E::CodeInProgress => (K::CodeInProgress { since: detail_time(envelope, "started_at") }, N::OtherCode),
        E::CodeExpired => (K::CodeExpired { on: detail_time(envelope, "expired_at") }, N::OtherCode),
        E::CodeVoided => (K::CodeVoided, N::OtherCode),
        E::CodeNotYetValid => (K::CodeNotYetValid { from: detail_time(envelope, "valid_from") }, N::OtherCode),
        E::AuthorizationPendingReview => (K::AuthorizationPendingReview, N::OtherCode),
        E::CoverageInactive => (K::CoverageInactive, N::OtherCode),
        E::BeneficiaryRequired => (K::BeneficiaryNotFound, N::Identify),
        E::BeneficiaryMismatch => (K::BeneficiaryMismatch, N::Identify),
        E::BeneficiaryNotFound => (K::BeneficiaryNotFound, N::Identify),
        E::QuantityExceedsAvailable => (
            K::QuantityExceedsAvailable {
                available: detail_u64(envelope, "available_quantity").and_then(|n| u32::try_from(n).ok()),
            },
            N::ReviewLines,
        ),
        E::QuantityInvalid => (K::QuantityInvalid, N::ReviewLines),
        E::SubstitutionNotAllowed => (K::SubstitutionNotAllowed, N::ReviewLines),
        E::SubstitutionReasonRequired => (K::SubstitutionReasonRequired, N::ReviewLines),
        E::ProductNotRegistered => (K::ProductNotRegistered { product_code: None }, N::ReviewLines),
        E::Other(text) if text == "071-104" => (K::ProductNotRegistered { product_code: None }, N::ReviewLines),
        E::OtpChannelUnsupported => (K::OtpChannelUnsupported, N::Acknowledge),
        E::OtpResendTooSoon => {
            // The sandbox says how long in `details`; Osigu's guide only sends `Retry-After`.
            // A wait past a day is not an understandable one: the usual cool-down stands in for it.
            let sane = |secs: &u64| *secs <= crate::osigu::model::bounded::MAX_VERIFICATION_SECS;
            let wait_secs =
                detail_u64(envelope, "resend_available_in").filter(sane).or(retry_after.filter(sane)).unwrap_or(30);
            (K::OtpResendTooSoon { wait_secs }, N::Acknowledge)
        }
        E::OtpInvalid | E::OtpExpired => (K::OtpExpired, N::Verify),
        E::OtpAttemptsExceeded => (K::OtpAttemptsExceeded, N::Verify),
        E::OtpNotFound => (K::OtpNotFound, N::Verify),
        E::BiometricNoMatch | E::BiometricSampleInvalid => (K::BiometricSampleInvalid, N::Verify),
        E::PayloadTooLarge => (K::SampleTooLarge, N::Verify),
        E::VerificationAttemptsExceeded => (K::VerificationAttemptsExceeded, N::Acknowledge),
        E::VerificationRequired => (K::VerificationRequired, N::Verify),
        E::VerificationTokenInvalid => (K::VerificationTokenInvalid, N::Verify),
        E::AmountMismatch => (
            K::AmountMismatch {
                expected: envelope
                    .and_then(|e| e.detail("expected"))
                    .and_then(|value| serde_json::from_value::<Decimal>(value.clone()).ok()),
                sent: Decimal::ZERO,
            },
            N::ReviewLines,
        ),
        E::InvoiceRequired => (K::InvoiceRequired, N::Finalize),
        E::DispensationTimedOut => (K::DispensationTimedOut, N::Acknowledge),
        E::InvalidState | E::AlreadyCompleted | E::DispensationNotFound => (K::InvalidState, N::Acknowledge),
        E::Unauthorized => (K::Unauthorized, N::CallSupport),
        E::InsufficientScope => (
            K::InsufficientScope {
                scope: envelope.and_then(|e| e.detail("required_scope")).and_then(|v| v.as_str()).map(str::to_owned),
            },
            N::CallSupport,
        ),
        E::RateLimited => (K::RateLimited { wait_secs: retry_after }, retry),
        E::RequestTimeout => (K::Timeout, retry),
        E::ServiceUnavailable | E::InternalError => (K::ServerError { status }, retry),
        other => (K::Unexpected { status: Some(status), code: Some(other.to_string()) }, retry),
    }
}

/// The technical line of the details toggle.
fn details(error: &ClientError) -> String {
    match error.envelope().and_then(|envelope| envelope.message.as_deref()) {
        Some(message) => format!("{error}: {message}"),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn refusal(status: u16, code: &str, details: serde_json::Value) -> ClientError {
        let envelope = ErrorEnvelope {
            code: Some(code.to_owned()),
            details: Some(details),
            message: Some("server text".into()),
            ..ErrorEnvelope::default()
        };
        ClientError::Api { status, code: envelope.error_code(), envelope: Some(Box::new(envelope)), retry_after: None }
    }

    /// Every error code the contract lists for the counter's calls (§1–§4).
    const CONTRACT_CODES: &[&str] = &[
        "UNAUTHORIZED",
        "INSUFFICIENT_SCOPE",
        "RATE_LIMITED",
        "CODE_NOT_FOUND",
        "CODE_ALREADY_REDEEMED",
        "CODE_IN_PROGRESS",
        "CODE_EXPIRED",
        "CODE_VOIDED",
        "CODE_NOT_YET_VALID",
        "AUTHORIZATION_PENDING_REVIEW",
        "COVERAGE_INACTIVE",
        "BENEFICIARY_REQUIRED",
        "BENEFICIARY_MISMATCH",
        "BENEFICIARY_NOT_FOUND",
        "DISPENSATION_NOT_FOUND",
        "QUANTITY_EXCEEDS_AVAILABLE",
        "QUANTITY_INVALID",
        "SUBSTITUTION_NOT_ALLOWED",
        "SUBSTITUTION_REASON_REQUIRED",
        "PRODUCT_NOT_REGISTERED",
        "071-104",
        "INVALID_STATE",
        "BIOMETRIC_NO_MATCH",
        "BIOMETRIC_SAMPLE_INVALID",
        "VERIFICATION_ATTEMPTS_EXCEEDED",
        "PAYLOAD_TOO_LARGE",
        "VERIFICATION_REQUIRED",
        "AMOUNT_MISMATCH",
        "INVOICE_REQUIRED",
        "VERIFICATION_TOKEN_INVALID",
        "ALREADY_COMPLETED",
        "DISPENSATION_TIMED_OUT",
        "OTP_CHANNEL_UNSUPPORTED",
        "OTP_RESEND_TOO_SOON",
        "OTP_INVALID",
        "OTP_EXPIRED",
        "OTP_ATTEMPTS_EXCEEDED",
        "OTP_NOT_FOUND",
    ];

    #[test]
    fn every_contract_code_has_a_specific_problem() {
        for code in CONTRACT_CODES {
            let problem = from_client(&refusal(422, code, serde_json::json!({})), "AUTH-1", NextStep::Retry);
            assert!(!matches!(problem.kind, ProblemKind::Unexpected { .. }), "{code} has no specific message");
            assert!(problem.details.as_deref().is_some_and(|d| d.contains("server text")), "{code}: details kept");
        }
    }

    #[test]
    fn refusals_carry_the_facts_their_message_needs() {
        let since = from_client(
            &refusal(409, "CODE_IN_PROGRESS", serde_json::json!({"started_at": "2026-11-21T10:00:00Z"})),
            "AUTH-1",
            NextStep::Retry,
        );
        assert_eq!(
            since.kind,
            ProblemKind::CodeInProgress { since: Some(time::macros::datetime!(2026-11-21 10:00 UTC)) }
        );
        assert_eq!(since.next, NextStep::OtherCode);
        let from = from_client(
            &refusal(422, "CODE_NOT_YET_VALID", serde_json::json!({"valid_from": "2026-11-24T00:00:00Z"})),
            "RX-3",
            NextStep::Retry,
        );
        assert_eq!(
            from.kind,
            ProblemKind::CodeNotYetValid { from: Some(time::macros::datetime!(2026-11-24 0:00 UTC)) }
        );
        let mismatch =
            from_client(&refusal(422, "AMOUNT_MISMATCH", serde_json::json!({"expected": 375.5})), "A", NextStep::Retry);
        assert!(
            matches!(mismatch.kind, ProblemKind::AmountMismatch { expected: Some(e), .. } if e == Decimal::new(3755, 1))
        );
        assert_eq!(mismatch.next, NextStep::ReviewLines);
    }

    #[test]
    fn transport_failures_offer_a_retry_and_access_failures_call_support() {
        let failures = [
            ClientError::Connect { host: "api.osigu.com".into(), detail: "refused".into() },
            ClientError::Timeout { after: Duration::from_secs(15) },
            ClientError::Broken { detail: "reset".into() },
            ClientError::Api { status: 502, code: None, envelope: None, retry_after: None },
            ClientError::Undecodable { status: 200, detail: "cut short".into() },
        ];
        for failure in failures {
            assert_eq!(from_client(&failure, "A", NextStep::Retry).next, NextStep::Retry, "{failure}");
        }
        let credentials = ClientError::Credentials { status: 401, error: "invalid_client".into() };
        assert_eq!(from_client(&credentials, "A", NextStep::Retry).next, NextStep::CallSupport);
        let tls = ClientError::Tls { host: "api.osigu.com".into(), detail: "expired".into() };
        assert_eq!(from_client(&tls, "A", NextStep::Retry).kind, ProblemKind::Tls { host: "api.osigu.com".into() });
    }
}
