//! Unit tests of the check's report and causes; the end-to-end runs against the sandbox are in `tests/check.rs`.

use super::causes::{failure, sponsor_failure};
use super::report::redact;
use super::*;
use crate::osigu::error::ClientError;
use crate::osigu::model::{
    BiometricCapture, BiometricType, DispensingRules, ErrorCode, ErrorEnvelope, EvaluationMode, IdentificationRules,
    InvoiceRules, OtpChannel, ProductType, SettlementMode, SettlementRules, SponsorVerification, SubstitutionRules,
};

fn sponsor(slug: &str, name: &str, country: &str, currency: &str) -> Sponsor {
    Sponsor {
        sponsor_slug: slug.into(),
        name: name.into(),
        country_code: country.into(),
        currency_code: Some(currency.into()),
    }
}

fn configuration(verification: SponsorVerification) -> SponsorConfiguration {
    SponsorConfiguration {
        sponsor_slug: "x".into(),
        product_type: ProductType::Medication,
        evaluation_mode: EvaluationMode::Sync,
        dispensing: DispensingRules {
            verification,
            otp_channels: Vec::new(),
            biometric_modes: Vec::new(),
            biometric_capture: None,
            beneficiary_identification: IdentificationRules { required: false, form_slug: None },
            invoice: InvoiceRules { document_number_required: true, document_serial_required: false },
            substitution: SubstitutionRules { allowed: false, reasons: Vec::new() },
            max_attempts: 3,
        },
        settlement: SettlementRules { mode: SettlementMode::PerTransaction },
    }
}

/// The line of one sponsor printed alone.
fn line(sponsor: &Sponsor, configuration: &SponsorConfiguration) -> String {
    table(&[sponsor_cells(sponsor, Ok(configuration))]).remove(0)
}

#[test]
fn a_sponsor_without_verification() {
    let mut config = configuration(SponsorVerification::None);
    config.dispensing.substitution.allowed = true;
    assert_eq!(
        line(&sponsor("sponsor-sandbox", "Sponsor Sandbox", "GT", "GTQ"), &config),
        "sponsor-sandbox  Sponsor Sandbox  GT/GTQ  NONE (no verification)  substitution allowed"
    );
}

#[test]
fn an_otp_sponsor_names_its_channels() {
    let mut config = configuration(SponsorVerification::Otp);
    config.dispensing.otp_channels = vec![OtpChannel::Sms, OtpChannel::Email];
    assert_eq!(
        line(&sponsor("aseguradora-otp", "Aseguradora OTP", "GT", "GTQ"), &config),
        "aseguradora-otp  Aseguradora OTP  GT/GTQ  OTP (SMS, EMAIL)"
    );
}

#[test]
fn a_fingerprint_sponsor_captures_at_the_counter() {
    let mut config = configuration(SponsorVerification::Biometric);
    config.dispensing.biometric_modes = vec![BiometricType::Fingerprint];
    config.dispensing.biometric_capture = Some(BiometricCapture::Device);
    assert_eq!(
        line(&sponsor("seguro-huella", "Seguro Huella EPS", "CO", "COP"), &config),
        "seguro-huella  Seguro Huella EPS  CO/COP  BIOMETRIC FINGERPRINT at the counter"
    );
}

#[test]
fn a_facial_sponsor_captures_on_the_phone() {
    let mut config = configuration(SponsorVerification::Biometric);
    config.dispensing.biometric_modes = vec![BiometricType::Facial];
    config.dispensing.biometric_capture = Some(BiometricCapture::Remote);
    assert_eq!(
        line(&sponsor("salud-facial", "Salud Facial Seguros", "ES", "EUR"), &config),
        "salud-facial  Salud Facial Seguros  ES/EUR  BIOMETRIC FACIAL on the beneficiary's phone"
    );
}

#[test]
fn identification_substitution_and_batch_settlement_are_noted() {
    let mut config = configuration(SponsorVerification::Otp);
    config.dispensing.otp_channels = vec![OtpChannel::Sms];
    config.dispensing.beneficiary_identification.required = true;
    config.dispensing.substitution.allowed = true;
    config.settlement.mode = SettlementMode::Batch;
    assert_eq!(
        line(&sponsor("ars-sandbox-do", "ARS Sandbox RD", "DO", "DOP"), &config),
        "ars-sandbox-do  ARS Sandbox RD  DO/DOP  OTP (SMS)  identification required, substitution allowed, \
         BATCH settlement"
    );
}

#[test]
fn values_this_version_does_not_know_are_shown_as_unknown() {
    let mut config = configuration(SponsorVerification::Otp);
    config.dispensing.otp_channels = vec![OtpChannel::Sms, OtpChannel::Unknown];
    config.settlement.mode = SettlementMode::Unknown;
    assert_eq!(line(&sponsor("s", "S", "GT", "GTQ"), &config), "s  S  GT/GTQ  OTP (SMS, UNKNOWN)  UNKNOWN settlement");
    let mut config = configuration(SponsorVerification::Biometric);
    config.dispensing.biometric_modes = vec![BiometricType::Unknown];
    config.dispensing.biometric_capture = Some(BiometricCapture::Unknown);
    assert_eq!(
        line(&sponsor("s", "S", "GT", "GTQ"), &config),
        "s  S  GT/GTQ  BIOMETRIC UNKNOWN captured in an unknown way"
    );
    let config = configuration(SponsorVerification::Unknown);
    assert_eq!(
        line(&sponsor("s", "S", "GT", "GTQ"), &config),
        "s  S  GT/GTQ  UNKNOWN (a verification this version does not know)"
    );
}

#[test]
fn a_failed_sponsor_shows_its_cause() {
    let failure = CheckFailure::new(EXIT_OTHER, "x answered HTTP 502");
    let cells = sponsor_cells(&sponsor("s", "S", "GT", "GTQ"), Err(&failure));
    assert_eq!(table(&[cells]), ["s  S  GT/GTQ  FAILED: x answered HTTP 502"]);
}

#[test]
fn columns_align_by_display_width() {
    let rows = vec![
        vec!["a".to_owned(), "Señor Seguro".to_owned(), "x".to_owned()],
        vec!["bb".to_owned(), "Sen\u{303}or".to_owned(), "y".to_owned()],
        vec!["c".to_owned(), "保険".to_owned(), "z".to_owned()],
    ];
    assert_eq!(table(&rows), ["a   Señor Seguro  x", "bb  Sen\u{303}or         y", "c   保険          z"]);
}

#[test]
fn server_text_cannot_break_the_line() {
    let cells = sponsor_cells(&sponsor("s", "Evil\x1b[2J\nName", "GT", "GTQ"), Err(&CheckFailure::new(1, "a\nb")));
    let line = table(&[cells]).remove(0);
    assert!(!line.contains('\n') && !line.contains('\x1b'), "{line:?}");
}

fn who() -> Who {
    Who {
        host: "api.example.com".into(),
        client_id: "counter-7".into(),
        secret: Secret::new("s3cret"),
        embedded: false,
    }
}

#[test]
fn causes_name_what_to_check() {
    let credentials = failure(&ClientError::Credentials { status: 401, error: "invalid_client".into() }, &who());
    assert_eq!(credentials.exit_code, EXIT_CREDENTIALS);
    assert!(credentials.message.contains("client_id counter-7") && credentials.message.contains("client_secret"));
    let connect = ClientError::Connect { host: "127.0.0.1:1".into(), detail: "Connection refused".into() };
    let connect = failure(&connect, &who());
    assert_eq!(connect.exit_code, EXIT_UNREACHABLE);
    assert!(connect.message.starts_with("cannot reach 127.0.0.1:1: check base_url"), "{}", connect.message);
    let tls = failure(&ClientError::Tls { host: "h".into(), detail: "UnknownIssuer".into() }, &who());
    assert_eq!(tls.exit_code, EXIT_TLS);
    assert!(tls.message.contains("date and time") && tls.message.contains("UnknownIssuer"));
    let timeout = failure(&ClientError::Timeout { after: std::time::Duration::from_secs(15) }, &who());
    assert_eq!(
        timeout.message,
        "api.example.com did not answer within 15 s: check base_url/environment, the network, proxy or firewall"
    );
}

#[test]
fn refusals_by_status() {
    let envelope = ErrorEnvelope {
        code: Some("INSUFFICIENT_SCOPE".into()),
        details: Some(serde_json::json!({"required_scope": "arc:read"})),
        ..ErrorEnvelope::default()
    };
    let scope = ClientError::Api {
        status: 403,
        code: Some(ErrorCode::InsufficientScope),
        envelope: Some(Box::new(envelope)),
        retry_after: None,
    };
    let scope = failure(&scope, &who());
    assert_eq!((scope.exit_code, scope.message.contains("lacks scope arc:read")), (EXIT_SCOPE, true));
    let html = ClientError::Api { status: 502, code: None, envelope: None, retry_after: None };
    let html = failure(&html, &who());
    assert_eq!(html.exit_code, EXIT_OTHER);
    assert!(html.message.starts_with("api.example.com answered HTTP 502 Bad Gateway with a page"), "{}", html.message);
    let echo = ErrorEnvelope {
        code: Some("VALIDATION_ERROR".into()),
        message: Some("bad credentials s3cret\nfor counter-7".into()),
        ..ErrorEnvelope::default()
    };
    let echo = ClientError::Api {
        status: 400,
        code: Some(ErrorCode::ValidationError),
        envelope: Some(Box::new(echo)),
        retry_after: None,
    };
    assert_eq!(
        failure(&echo, &who()).message,
        "api.example.com answered HTTP 400 Bad Request (VALIDATION_ERROR): bad credentials *** for counter-7"
    );
}

#[test]
fn the_clock_fails_beyond_300_seconds() {
    assert_eq!(clock_failure(300), None);
    assert_eq!(clock_failure(-299), None);
    let behind = clock_failure(3600).unwrap();
    assert_eq!(behind.exit_code, EXIT_CLOCK);
    assert!(behind.message.starts_with("this machine's clock is 3600 s behind the server's: fix the date"));
    assert!(clock_failure(-301).unwrap().message.contains("301 s ahead of the server's"));
    assert_eq!(clock_text(Some(1)), "in step with the server's");
    assert!(clock_text(Some(-400)).contains("TOO FAR"));
}

#[test]
fn a_sponsor_failure_names_the_sponsor() {
    let a = sponsor("ars-sandbox-do", "ARS", "DO", "DOP");
    let b = sponsor("other", "Other", "GT", "GTQ");
    let cause = CheckFailure::new(EXIT_UNREACHABLE, "h did not answer within 15 s");
    let failure = sponsor_failure([(&a, &cause), (&b, &cause)].into_iter()).unwrap();
    assert_eq!(failure.exit_code, EXIT_UNREACHABLE);
    assert_eq!(
        failure.message,
        "the configuration of sponsor ars-sandbox-do could not be read (and 1 more, listed above): h did not \
         answer within 15 s"
    );
}

#[test]
fn missing_counter_scopes_are_noted_and_secrets_masked() {
    let read_only: Vec<String> = ["arc:read", "dispensing:read", "ehr:read"].map(String::from).to_vec();
    assert_eq!(
        scope_note(&read_only).as_deref(),
        Some("this client cannot dispense: it lacks arc:write, dispensing:write")
    );
    assert_eq!(scope_note(&[]), None);
    assert_eq!(redact("server said s3cret!", "s3cret"), "server said ***!");
}
