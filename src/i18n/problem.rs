//! The core's [`Problem`] in the clerk's words: [`problem_message`] says what happened, [`next_step_hint`] what
//! to do. Both match every variant by name, so a new [`ProblemKind`] or [`NextStep`] does not compile until it
//! has words in both catalogues.

use rust_decimal::Decimal;
use time::OffsetDateTime;

use super::format::{date, time_of_day};
use super::{fill, text};
use crate::config::Locale;
use crate::counter::{NextStep, Problem, ProblemKind};

/// What happened, in `locale`. Amounts are written without a currency symbol; use [`problem_message_in`] when
/// the dispensation's currency is known.
pub fn problem_message(locale: Locale, problem: &Problem) -> String {
    problem_message_in(locale, problem, None)
}

/// What happened, in `locale`, writing amounts in `currency` (ISO 4217) when it is known.
pub fn problem_message_in(locale: Locale, problem: &Problem, currency: Option<&str>) -> String {
    use ProblemKind as K;
    let amount = |value: &Decimal| super::format::amount(*value, currency);
    let at_time = |key: &str, unknown: &str, value: &Option<OffsetDateTime>| match value {
        Some(value) => fill(locale, key, &[("time", &time_of_day(*value))]),
        None => text(locale, unknown).to_owned(),
    };
    let on_date = |key: &str, unknown: &str, value: &Option<OffsetDateTime>| match value {
        Some(value) => fill(locale, key, &[("date", &date(locale, value.date()))]),
        None => text(locale, unknown).to_owned(),
    };
    let plain = |key: &str| text(locale, key).to_owned();
    match &problem.kind {
        K::CodeEmpty => plain("problem.code_empty"),
        K::CodeNotFound { code } => fill(locale, "problem.code_not_found", &[("code", code)]),
        K::CodeAlreadyRedeemed { code } => fill(locale, "problem.code_already_redeemed", &[("code", code)]),
        K::CodeInProgress { since } => {
            at_time("problem.code_in_progress", "problem.code_in_progress_unknown_since", since)
        }
        K::CodeExpired { on } => on_date("problem.code_expired", "problem.code_expired_unknown_date", on),
        K::CodeVoided => plain("problem.code_voided"),
        K::CodeNotYetValid { from } => {
            on_date("problem.code_not_yet_valid", "problem.code_not_yet_valid_unknown_date", from)
        }
        K::AuthorizationPendingReview => plain("problem.authorization_pending_review"),
        K::CoverageInactive => plain("problem.coverage_inactive"),
        K::BeneficiaryMismatch => plain("problem.beneficiary_mismatch"),
        K::BeneficiaryNotFound => plain("problem.beneficiary_not_found"),
        K::FieldInvalid { label } => fill(locale, "problem.field_invalid", &[("label", label)]),
        K::NothingToDispense => plain("problem.nothing_to_dispense"),
        K::QuantityExceedsAvailable { available: Some(available) } => {
            fill(locale, "problem.quantity_exceeds_available", &[("available", &available.to_string())])
        }
        K::QuantityExceedsAvailable { available: None } => plain("problem.quantity_exceeds_available_unknown"),
        K::QuantityInvalid => plain("problem.quantity_invalid"),
        K::SubstitutionNotAllowed => plain("problem.substitution_not_allowed"),
        K::SubstitutionReasonRequired => plain("problem.substitution_reason_required"),
        K::ProductNotRegistered { product_code: Some(product_code) } => {
            fill(locale, "problem.product_not_registered", &[("product_code", product_code)])
        }
        K::ProductNotRegistered { product_code: None } => plain("problem.product_not_registered_unknown_code"),
        K::OtpChannelUnsupported => plain("problem.otp_channel_unsupported"),
        K::OtpResendTooSoon { wait_secs } => {
            fill(locale, "problem.otp_resend_too_soon", &[("wait_secs", &wait_secs.to_string())])
        }
        K::OtpExpired => plain("problem.otp_expired"),
        K::OtpAttemptsExceeded => plain("problem.otp_attempts_exceeded"),
        K::OtpNotFound => plain("problem.otp_not_found"),
        // The reader's own text is technical and belongs to the details view, not the message.
        K::CaptureFailed { detail: _ } => plain("problem.capture_failed"),
        K::BiometricSampleInvalid => plain("problem.biometric_sample_invalid"),
        K::SampleTooLarge => plain("problem.sample_too_large"),
        K::VerificationAttemptsExceeded => plain("problem.verification_attempts_exceeded"),
        K::VerificationRequired => plain("problem.verification_required"),
        K::VerificationTokenInvalid => plain("problem.verification_token_invalid"),
        K::AmountMismatch { expected: Some(expected), sent } => {
            fill(locale, "problem.amount_mismatch", &[("expected", &amount(expected)), ("sent", &amount(sent))])
        }
        K::AmountMismatch { expected: None, sent } => {
            fill(locale, "problem.amount_mismatch_unknown_expected", &[("sent", &amount(sent))])
        }
        K::InvoiceRequired => plain("problem.invoice_required"),
        K::DispensationTimedOut => plain("problem.dispensation_timed_out"),
        K::InvalidState => plain("problem.invalid_state"),
        K::InvoiceTaken { number } => fill(locale, "problem.invoice_taken", &[("number", number)]),
        K::InvoicesExhausted { prefix } => fill(locale, "problem.invoices_exhausted", &[("prefix", prefix)]),
        K::JournalUnavailable { cause } => {
            fill(locale, "problem.journal_unavailable", &[("cause", text(locale, journal_cause_key(*cause)))])
        }
        K::CancelFailed { lapses_at } => {
            at_time("problem.cancel_failed", "problem.cancel_failed_unknown_time", lapses_at)
        }
        K::Credentials => plain("problem.credentials"),
        K::Unauthorized => plain("problem.unauthorized"),
        K::InsufficientScope { scope: Some(scope) } => fill(locale, "problem.insufficient_scope", &[("scope", scope)]),
        K::InsufficientScope { scope: None } => plain("problem.insufficient_scope_unknown"),
        K::RateLimited { wait_secs: Some(wait_secs) } => {
            fill(locale, "problem.rate_limited", &[("wait_secs", &wait_secs.to_string())])
        }
        K::RateLimited { wait_secs: None } => plain("problem.rate_limited_unknown_wait"),
        K::Unreachable { host } => fill(locale, "problem.unreachable", &[("host", host)]),
        K::Tls { host } => fill(locale, "problem.tls", &[("host", host)]),
        K::Timeout => plain("problem.timeout"),
        K::ConnectionBroken => plain("problem.connection_broken"),
        K::ServerError { status } => fill(locale, "problem.server_error", &[("status", &status.to_string())]),
        K::UnreadableReply => plain("problem.unreadable_reply"),
        K::ScanUnavailable { message: Some(message) } => fill(locale, "problem.scan_refused", &[("message", message)]),
        K::ScanUnavailable { message: None } => plain("problem.scan_unavailable"),
        K::Unexpected { status: Some(status), code: Some(code) } => {
            fill(locale, "problem.unexpected", &[("status", &status.to_string()), ("code", code)])
        }
        K::Unexpected { status: Some(status), code: None } => {
            fill(locale, "problem.unexpected_status", &[("status", &status.to_string())])
        }
        K::Unexpected { status: None, code: Some(code) } => fill(locale, "problem.unexpected_code", &[("code", code)]),
        K::Unexpected { status: None, code: None } => plain("problem.unexpected_unknown"),
    }
}

/// What the clerk can do next, in `locale`: one short line for the foot of the problem modal.
pub fn next_step_hint(locale: Locale, next: NextStep) -> &'static str {
    let key = match next {
        NextStep::Retry => "next.retry",
        NextStep::EditCode => "next.edit_code",
        NextStep::OtherCode => "next.other_code",
        NextStep::Identify => "next.identify",
        NextStep::ReviewLines => "next.review_lines",
        NextStep::Verify => "next.verify",
        NextStep::Finalize => "next.finalize",
        NextStep::Acknowledge => "next.acknowledge",
        NextStep::CallSupport => "next.call_support",
    };
    text(locale, key)
}

/// The catalogue key of why the journal cannot be written.
pub fn journal_cause_key(cause: crate::counter::JournalCause) -> &'static str {
    use crate::counter::JournalCause as C;
    match cause {
        C::Full => "journal.full",
        C::ReadOnly => "journal.read_only",
        C::Damaged => "journal.damaged",
        C::Busy => "journal.busy",
        C::Other => "journal.other",
    }
}
