//! The catalogues agree with each other and with the core: same keys, same placeholders, words for every
//! problem and next step in both languages.

use std::collections::BTreeSet;
use std::str::FromStr;

use rust_decimal::Decimal;
use time::macros::datetime;
use unicode_width::UnicodeWidthStr;

use super::*;
use crate::counter::{NextStep, Problem, ProblemKind};

const LOCALES: [Locale; 2] = [Locale::Es, Locale::En];

fn catalogue(source: &str, name: &str) -> HashMap<String, String> {
    match parse(source) {
        Ok(entries) => entries,
        Err(error) => panic!("{name} does not parse: {error}"),
    }
}

#[test]
fn both_catalogues_parse_and_have_exactly_the_same_keys() {
    let es = catalogue(ES_SOURCE, "es.toml");
    let en = catalogue(EN_SOURCE, "en.toml");
    assert!(!es.is_empty(), "es.toml is empty");
    let es_keys: BTreeSet<&String> = es.keys().collect();
    let en_keys: BTreeSet<&String> = en.keys().collect();
    let only_es: Vec<_> = es_keys.difference(&en_keys).collect();
    let only_en: Vec<_> = en_keys.difference(&es_keys).collect();
    assert!(only_es.is_empty() && only_en.is_empty(), "only in es.toml: {only_es:?}; only in en.toml: {only_en:?}");
    for (key, value) in es.iter().chain(en.iter()) {
        assert!(!value.trim().is_empty(), "{key} is empty");
    }
}

#[test]
fn every_key_has_the_same_placeholders_in_both_languages() {
    let es = catalogue(ES_SOURCE, "es.toml");
    let en = catalogue(EN_SOURCE, "en.toml");
    let mut differences = Vec::new();
    for (key, es_text) in &es {
        let Some(en_text) = en.get(key) else { continue };
        let es_names: BTreeSet<&str> = placeholders(es_text).into_iter().collect();
        let en_names: BTreeSet<&str> = placeholders(en_text).into_iter().collect();
        if es_names != en_names {
            differences.push(format!("{key}: es {es_names:?} en {en_names:?}"));
        }
    }
    differences.sort();
    assert!(differences.is_empty(), "placeholders differ:\n{}", differences.join("\n"));
}

#[test]
fn a_catalogue_with_a_non_string_value_is_refused() {
    assert!(parse("[problem]\ncode_empty = 3\n").is_err());
    assert!(parse("not toml = = =").is_err());
    let nested = parse("[a]\nb = \"x\"\n[a.c]\nd = \"y\"\n").unwrap();
    assert_eq!(nested.get("a.b").map(String::as_str), Some("x"));
    assert_eq!(nested.get("a.c.d").map(String::as_str), Some("y"));
}

#[test]
fn lookups_never_panic() {
    assert_eq!(text(Locale::Es, "modal.title"), "No se pudo continuar");
    assert_eq!(text(Locale::En, "modal.details"), "Details");
    assert_eq!(text(Locale::Es, "no.such.key"), "no.such.key");
    assert_eq!(fill(Locale::En, "no.such.key", &[("a", "b")]), "no.such.key");
    // A missing value leaves its placeholder visible.
    assert_eq!(fill(Locale::Es, "problem.code_not_found", &[]), "El código {code} no existe. Revíselo o escanee otro.");
    assert_eq!(
        fill(Locale::Es, "problem.code_not_found", &[("code", "RX-1")]),
        "El código RX-1 no existe. Revíselo o escanee otro."
    );
}

#[test]
fn substitution_is_literal_and_single_pass() {
    assert_eq!(substitute("{a} and {b}", &[("a", "{b}"), ("b", "2")]), "{b} and 2");
    assert_eq!(substitute("open { brace", &[]), "open { brace");
    assert_eq!(substitute("{a}{a}", &[("a", "ñ")]), "ññ");
    assert_eq!(substitute("", &[("a", "1")]), "");
    assert_eq!(placeholders("{a} x {b}"), ["a", "b"]);
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// One of each variant, with each optional fact both present and absent. `kind_name` below matches every variant
/// by name, so a new variant must be added there — and here.
fn every_kind() -> Vec<ProblemKind> {
    use ProblemKind as K;
    let when = datetime!(2026-11-21 14:05 -6);
    vec![
        K::CodeEmpty,
        K::CodeNotFound { code: "RX-123".into() },
        K::CodeAlreadyRedeemed { code: "AUTH-9".into() },
        K::CodeInProgress { since: Some(when) },
        K::CodeInProgress { since: None },
        K::CodeExpired { on: Some(when) },
        K::CodeExpired { on: None },
        K::CodeVoided,
        K::CodeNotYetValid { from: Some(when) },
        K::CodeNotYetValid { from: None },
        K::AuthorizationPendingReview,
        K::CoverageInactive,
        K::BeneficiaryMismatch,
        K::BeneficiaryNotFound,
        K::FieldInvalid { label: "Número de afiliado".into() },
        K::NothingToDispense,
        K::QuantityExceedsAvailable { available: Some(2) },
        K::QuantityExceedsAvailable { available: None },
        K::QuantityInvalid,
        K::SubstitutionNotAllowed,
        K::SubstitutionReasonRequired,
        K::ProductNotRegistered { product_code: Some("7501".into()) },
        K::ProductNotRegistered { product_code: None },
        K::OtpChannelUnsupported,
        K::OtpResendTooSoon { wait_secs: 30 },
        K::OtpExpired,
        K::OtpAttemptsExceeded,
        K::OtpNotFound,
        K::CaptureFailed { detail: "exit status 1".into() },
        K::BiometricSampleInvalid,
        K::SampleTooLarge,
        K::VerificationAttemptsExceeded,
        K::VerificationRequired,
        K::VerificationTokenInvalid,
        K::AmountMismatch { expected: Some(dec("375.5")), sent: dec("380") },
        K::AmountMismatch { expected: None, sent: dec("380") },
        K::InvoiceRequired,
        K::DispensationTimedOut,
        K::InvalidState,
        K::InvoiceTaken { number: "F001-000007".into() },
        K::InvoicesExhausted { prefix: "F001-".into() },
        K::JournalUnavailable { cause: crate::counter::JournalCause::Full },
        K::JournalUnavailable { cause: crate::counter::JournalCause::Damaged },
        K::CancelFailed { lapses_at: Some(when) },
        K::CancelFailed { lapses_at: None },
        K::Credentials,
        K::Unauthorized,
        K::InsufficientScope { scope: Some("dispensations:write".into()) },
        K::InsufficientScope { scope: None },
        K::RateLimited { wait_secs: Some(12) },
        K::RateLimited { wait_secs: None },
        K::Unreachable { host: "api.osigu.com".into() },
        K::Tls { host: "api.osigu.com".into() },
        K::Timeout,
        K::ConnectionBroken,
        K::ServerError { status: 503 },
        K::UnreadableReply,
        K::ScanUnavailable { message: Some("facilitySlug".into()) },
        K::ScanUnavailable { message: None },
        K::Unexpected { status: Some(418), code: Some("TEAPOT".into()) },
        K::Unexpected { status: Some(418), code: None },
        K::Unexpected { status: None, code: Some("TEAPOT".into()) },
        K::Unexpected { status: None, code: None },
    ]
}

/// Exhaustive on purpose: a new variant fails to compile here until `every_kind` is told about it.
fn kind_name(kind: &ProblemKind) -> &'static str {
    use ProblemKind as K;
    match kind {
        K::CodeEmpty => "CodeEmpty",
        K::CodeNotFound { .. } => "CodeNotFound",
        K::CodeAlreadyRedeemed { .. } => "CodeAlreadyRedeemed",
        K::CodeInProgress { .. } => "CodeInProgress",
        K::CodeExpired { .. } => "CodeExpired",
        K::CodeVoided => "CodeVoided",
        K::CodeNotYetValid { .. } => "CodeNotYetValid",
        K::AuthorizationPendingReview => "AuthorizationPendingReview",
        K::CoverageInactive => "CoverageInactive",
        K::BeneficiaryMismatch => "BeneficiaryMismatch",
        K::BeneficiaryNotFound => "BeneficiaryNotFound",
        K::FieldInvalid { .. } => "FieldInvalid",
        K::NothingToDispense => "NothingToDispense",
        K::QuantityExceedsAvailable { .. } => "QuantityExceedsAvailable",
        K::QuantityInvalid => "QuantityInvalid",
        K::SubstitutionNotAllowed => "SubstitutionNotAllowed",
        K::SubstitutionReasonRequired => "SubstitutionReasonRequired",
        K::ProductNotRegistered { .. } => "ProductNotRegistered",
        K::OtpChannelUnsupported => "OtpChannelUnsupported",
        K::OtpResendTooSoon { .. } => "OtpResendTooSoon",
        K::OtpExpired => "OtpExpired",
        K::OtpAttemptsExceeded => "OtpAttemptsExceeded",
        K::OtpNotFound => "OtpNotFound",
        K::CaptureFailed { .. } => "CaptureFailed",
        K::BiometricSampleInvalid => "BiometricSampleInvalid",
        K::SampleTooLarge => "SampleTooLarge",
        K::VerificationAttemptsExceeded => "VerificationAttemptsExceeded",
        K::VerificationRequired => "VerificationRequired",
        K::VerificationTokenInvalid => "VerificationTokenInvalid",
        K::AmountMismatch { .. } => "AmountMismatch",
        K::InvoiceRequired => "InvoiceRequired",
        K::DispensationTimedOut => "DispensationTimedOut",
        K::InvalidState => "InvalidState",
        K::InvoiceTaken { .. } => "InvoiceTaken",
        K::InvoicesExhausted { .. } => "InvoicesExhausted",
        K::JournalUnavailable { .. } => "JournalUnavailable",
        K::CancelFailed { .. } => "CancelFailed",
        K::Credentials => "Credentials",
        K::Unauthorized => "Unauthorized",
        K::InsufficientScope { .. } => "InsufficientScope",
        K::RateLimited { .. } => "RateLimited",
        K::Unreachable { .. } => "Unreachable",
        K::Tls { .. } => "Tls",
        K::Timeout => "Timeout",
        K::ConnectionBroken => "ConnectionBroken",
        K::ServerError { .. } => "ServerError",
        K::UnreadableReply => "UnreadableReply",
        K::ScanUnavailable { .. } => "ScanUnavailable",
        K::Unexpected { .. } => "Unexpected",
    }
}

/// Messages fit two lines of a 60-column modal; measured in display columns, not bytes.
const MESSAGE_BUDGET: usize = 120;

#[test]
fn every_problem_renders_in_both_languages() {
    let kinds = every_kind();
    let names: BTreeSet<&str> = kinds.iter().map(kind_name).collect();
    assert_eq!(names.len(), 49, "every_kind() must hold every ProblemKind variant");
    for kind in kinds {
        let problem = Problem::new(kind.clone(), NextStep::Acknowledge);
        let es = problem_message(Locale::Es, &problem);
        let en = problem_message(Locale::En, &problem);
        for (locale, message) in [(Locale::Es, &es), (Locale::En, &en)] {
            assert!(!message.contains('{') && !message.contains('}'), "{locale:?} {kind:?}: leftover in {message:?}");
            assert!(!message.starts_with("problem."), "{locale:?} {kind:?}: raw key {message:?}");
            assert!(message.width() <= MESSAGE_BUDGET, "{locale:?} {kind:?}: too long ({})", message.width());
        }
        assert_ne!(es, en, "{kind:?}: the same text in both languages");
    }
}

#[test]
fn problem_messages_use_their_facts() {
    let message = |kind: ProblemKind| problem_message(Locale::Es, &Problem::new(kind, NextStep::EditCode));
    let when = datetime!(2026-11-21 14:05 -6);
    assert!(message(ProblemKind::CodeInProgress { since: Some(when) }).contains("14:05"));
    assert!(message(ProblemKind::CodeNotYetValid { from: Some(when) }).contains("21/11/2026"));
    assert!(message(ProblemKind::CodeNotFound { code: "RX-123".into() }).contains("RX-123"));
    assert_eq!(
        message(ProblemKind::AmountMismatch { expected: Some(dec("375.5")), sent: dec("380") }),
        "El monto no coincide: se esperaba 375.50 y se envió 380.00."
    );
    let in_quetzales = problem_message_in(
        Locale::En,
        &Problem::new(
            ProblemKind::AmountMismatch { expected: Some(dec("1375.5")), sent: dec("380") },
            NextStep::ReviewLines,
        ),
        Some("GTQ"),
    );
    assert_eq!(in_quetzales, "The amount does not match: Q1,375.50 was expected and Q380.00 was sent.");
}

#[test]
fn every_next_step_has_a_short_hint_in_both_languages() {
    let steps = [
        NextStep::Retry,
        NextStep::EditCode,
        NextStep::OtherCode,
        NextStep::Identify,
        NextStep::ReviewLines,
        NextStep::Verify,
        NextStep::Finalize,
        NextStep::Acknowledge,
        NextStep::CallSupport,
    ];
    for locale in LOCALES {
        let hints: BTreeSet<&str> = steps.iter().map(|step| next_step_hint(locale, *step)).collect();
        assert_eq!(hints.len(), steps.len(), "{locale:?}: two steps share a hint");
        for hint in hints {
            assert!(!hint.starts_with("next."), "{locale:?}: raw key {hint}");
            assert!(hint.width() <= 48, "{locale:?}: {hint} is too long");
        }
    }
    assert_eq!(next_step_hint(Locale::Es, NextStep::Retry), "Enter: reintentar · Esc: volver");
    assert_eq!(next_step_hint(Locale::En, NextStep::CallSupport), "Call IT support");
}
