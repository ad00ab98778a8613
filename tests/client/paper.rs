//! The clients of a paper prescription's flow, against the real embedded sandbox over HTTP (not a stub): the
//! POSOS client gets a scan token and reads every fixture's transcription as the counter will (configured as a
//! real POSOS would be, with its service token from the environment, which no log line shows), and the Osigu
//! client decodes every reply of the pre-authorization lifecycle, refusals included.

use std::time::Duration;

use mostrador::config::PososSection;
use mostrador::osigu::client::{ClientOptions, OsiguClient};
use mostrador::osigu::endpoint::Secret;
use mostrador::osigu::error::{ClientError, IdempotencyKey};
use mostrador::osigu::model::{
    AuthorizationRequestStatus, AuthorizationType, ErrorCode, Id, LineDecision, NewAuthorizationRequest, NewIndication,
    Prescriber, ProductType, RequestedProduct,
};
use mostrador::posos::scan::{ScanOutcome, ScannedPrescriber};
use mostrador::posos::{PososClient, PososError, ScanSubject};
use mostrador::sandbox::{Clock, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, Sandbox, SandboxConfig};
use reqwest::Url;
use time::macros::datetime;

use crate::support::bounded;

/// A transcribed line as the clerk will see it: text, GTIN, reliability, quantity, days, must be confirmed.
type Read<'a> = (&'a str, Option<&'a str>, Option<f64>, Option<u32>, Option<u32>, bool);

async fn sandbox() -> Sandbox {
    let config = SandboxConfig {
        clock: Clock::frozen_at(datetime!(2026-11-21 10:00:00 UTC)),
        id_seed: Some(11),
        posos_auto_import: None,
        ..SandboxConfig::default()
    };
    Sandbox::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

fn osigu(sandbox: &Sandbox) -> OsiguClient {
    let options = ClientOptions::new(Url::parse(sandbox.base_url()).unwrap(), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
    OsiguClient::new(options).unwrap()
}

/// The POSOS client a counter on the embedded sandbox gets from an empty `[posos]`.
fn posos(sandbox: &Sandbox) -> PososClient {
    let base = Url::parse(sandbox.base_url()).unwrap();
    let options = PososSection::default().options(Some(&base), None).unwrap().expect("the stand-in");
    PososClient::new(options).unwrap()
}

fn subject(patient_id: &str) -> ScanSubject {
    ScanSubject {
        first_name: "Ana Lucía".into(),
        last_name: "López".into(),
        rpps: "10101234567".into(),
        patient_id: patient_id.into(),
    }
}

/// Presses Import on the Scan & Go page of `url`, as a phone's browser posts the form.
async fn press_import(url: &str, prescription: &str) {
    let page = Url::parse(url).unwrap();
    let token = page.query_pairs().find(|(name, _)| name == "token").map(|(_, value)| value.into_owned()).unwrap();
    let browser = mostrador::http::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = [("token", token.as_str()), ("prescription", prescription)];
    let reply = browser.post(page.join("scan/import").unwrap()).form(&form).send().await.unwrap();
    assert_eq!(reply.status(), 303);
}

fn request(sponsor: &str, beneficiary: &str, products: &[(&str, i64)]) -> NewAuthorizationRequest {
    NewAuthorizationRequest {
        beneficiary_id: Id::new(beneficiary),
        sponsor_slug: sponsor.into(),
        diagnosis_code: Some("J02.9".into()),
        authorization_type: AuthorizationType::Prescription,
        products: products
            .iter()
            .map(|(code, quantity)| RequestedProduct {
                product_code: (*code).into(),
                product_type: ProductType::Medication,
                quantity: *quantity,
                posology: None,
            })
            .collect(),
        provider_branch_id: None,
    }
}

fn indication(reference: &str) -> NewIndication {
    NewIndication {
        kind: "PRESCRIPTION_DOCUMENT".into(),
        source: "POSOS".into(),
        reference: reference.into(),
        prescriber: Prescriber { name: "Dra. Lucía Fernández Orellana".into(), medical_license_number: None },
        issued_on: Some("2026-11-20".into()),
    }
}

#[tokio::test]
async fn the_posos_client_reads_each_transcription_as_the_counter_will_use_it() {
    bounded(async {
        let sandbox = sandbox().await;
        let client = posos(&sandbox);
        let session = client.scan_token(&subject("mostrador-1")).await.unwrap();
        assert!(session.url.starts_with(&format!("{}/posos/scan?token=", sandbox.base_url())));
        assert!(!format!("{session:?}").contains(&session.token), "the token opens the page: never in Debug");
        assert_eq!(client.prescriptions("mostrador-1").await.unwrap(), []);

        press_import(&session.url, "lectura-dudosa").await;
        let scanned = client.prescriptions("mostrador-1").await.unwrap();
        let [prescription] = scanned.as_slice() else { panic!("one import: {scanned:?}") };
        assert_eq!(prescription.outcome, ScanOutcome::Imported);
        assert!(prescription.reference.starts_with("RequestGroup/rg-"));
        assert_eq!(
            prescription.prescriber,
            Some(ScannedPrescriber { name: "Dr. Óscar Méndez Paz".into(), license: Some("Col. 8812".into()) })
        );
        let lines: Vec<Read<'_>> = prescription
            .lines
            .iter()
            .map(|line| {
                (
                    line.text.as_str(),
                    line.gtin.as_deref(),
                    line.reliability,
                    line.quantity,
                    line.duration_days,
                    line.needs_confirmation(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("Enalapril 10 mg", Some("09520001002304"), Some(0.93), Some(60), Some(30), false),
                ("Metf0rmina 85O mg", Some("09520001003011"), Some(0.42), Some(60), Some(30), true),
            ]
        );
        assert_eq!(prescription.lines[1].original_posology.as_deref(), Some("1 c/ desay. y cena"));
        assert_eq!(prescription.lines[1].recognised_as.as_deref(), Some("Metformina clorhidrato 850 mg tableta"));

        // A failed import reads as failed, with POSOS's reason and no lines.
        let other = client.scan_token(&subject("mostrador-2")).await.unwrap();
        press_import(&other.url, "foto-borrosa").await;
        let failed = client.prescriptions("mostrador-2").await.unwrap();
        assert_eq!((failed[0].outcome, failed[0].lines.len()), (ScanOutcome::Failed, 0));
        assert!(failed[0].failure.as_deref().is_some_and(|why| why.contains("desenfocada")));
    })
    .await;
}

/// The lines of the import the page of `slug` makes, for a fresh patient.
async fn imported(sandbox: &Sandbox, slug: &str, patient: &str) -> Vec<mostrador::posos::scan::ScannedPrescription> {
    let client = posos(sandbox);
    let session = client.scan_token(&subject(patient)).await.unwrap();
    press_import(&session.url, slug).await;
    client.prescriptions(patient).await.unwrap()
}

#[tokio::test]
async fn a_clean_prescription_reads_whole_and_every_line_is_a_registered_product() {
    bounded(async {
        let sandbox = sandbox().await;
        let scanned = imported(&sandbox, "receta-clara", "mostrador-clean").await;
        let [prescription] = scanned.as_slice() else { panic!("one import: {scanned:?}") };
        assert_eq!(prescription.outcome, ScanOutcome::Imported);
        let lines: Vec<Read<'_>> = prescription
            .lines
            .iter()
            .map(|line| {
                let needs = line.needs_confirmation();
                (line.text.as_str(), line.gtin.as_deref(), line.reliability, line.quantity, line.duration_days, needs)
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("Amoxicilina 500 mg cápsulas", Some("09520001000010"), Some(0.97), Some(21), Some(7), false),
                ("Loratadina 10 mg tabletas", Some("09520001001079"), Some(0.95), Some(10), Some(10), false),
            ]
        );
        assert_eq!(prescription.lines[0].original_posology.as_deref(), Some("1 cáps c/8 h x 7 días"));
        assert_eq!(prescription.prescriber.as_ref().map(|p| p.name.as_str()), Some("Dra. Lucía Fernández Orellana"));
        // Both packs are products this pharmacy registered with Osigu: the counter maps them by GTIN.
        let products = osigu(&sandbox).provider_products(ProductType::Medication).await.unwrap();
        let code_of =
            |gtin: &str| products.iter().find(|p| p.gtin.as_deref() == Some(gtin)).map(|p| p.product_code.clone());
        assert_eq!(code_of("09520001000010").as_deref(), Some("MED-001"));
        assert_eq!(code_of("09520001001079").as_deref(), Some("MED-107"));
    })
    .await;
}

#[tokio::test]
async fn an_unregistered_drug_is_read_well_but_is_no_product_of_the_pharmacy() {
    bounded(async {
        let sandbox = sandbox().await;
        let scanned = imported(&sandbox, "no-registrado", "mostrador-unregistered").await;
        let [prescription] = scanned.as_slice() else { panic!("one import: {scanned:?}") };
        let read: Vec<(&str, Option<&str>, bool)> = prescription
            .lines
            .iter()
            .map(|line| (line.text.as_str(), line.gtin.as_deref(), line.needs_confirmation()))
            .collect();
        assert_eq!(
            read,
            [
                ("Ibuprofeno 400 mg", Some("09520001000430"), false),
                ("Dexketoprofeno 25 mg comprimidos", Some("09520001999017"), false),
            ]
        );
        let products = osigu(&sandbox).provider_products(ProductType::Medication).await.unwrap();
        let registered = |gtin: &str| products.iter().any(|p| p.gtin.as_deref() == Some(gtin));
        assert!(registered("09520001000430"), "the ibuprofen is registered");
        assert!(!registered("09520001999017"), "the dexketoprofen is not: the clerk maps or drops it");
        assert!(
            !products.iter().any(|p| p.product_name.to_lowercase().contains("dexketoprofeno")),
            "nor is any product of that name"
        );
    })
    .await;
}

/// Set in the child process of the test below.
const CHILD: &str = "MOSTRADOR_TEST_POSOS_TOKEN_CHILD";
const TOKEN_TEST: &str = "paper::the_service_token_comes_from_its_environment_variable_and_no_log_shows_it";

/// Run twice: by the harness, which starts this test binary again with the token in
/// `MOSTRADOR_POSOS_TOKEN` and every log on (trace, to stderr), and in that child, which configures `[posos]`
/// as for the real POSOS (pointed at the stand-in), and reads a scan through it. The token must work and never
/// be in what the child wrote.
#[test]
fn the_service_token_comes_from_its_environment_variable_and_no_log_shows_it() {
    if std::env::var_os(CHILD).is_some() {
        return tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(child());
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TOKEN_TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env(mostrador::posos::POSOS_TOKEN_ENV, mostrador::sandbox::POSOS_DEMO_TOKEN)
        .env(mostrador::logging::FILTER_ENV, "trace")
        .output()
        .unwrap();
    let written = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the child failed:\n{written}");
    assert!(written.contains("read through the configured POSOS"), "the child ran and logged:\n{written}");
    assert!(written.contains("TRACE"), "every log was on:\n{written}");
    assert!(!written.contains(mostrador::sandbox::POSOS_DEMO_TOKEN), "the token is in the log:\n{written}");
}

async fn child() {
    mostrador::logging::to_stderr();
    let sandbox = sandbox().await;
    let text = format!("[posos]\nbase_url = \"{}/posos\"\nfacility = \"farmacia-demo\"\n", sandbox.base_url());
    let config = mostrador::config::Config::parse(&text, std::path::Path::new("mostrador.toml")).unwrap();
    assert_eq!(
        config.posos.options(None, None).unwrap_err(),
        mostrador::config::PososConfigError::MissingToken,
        "a real POSOS without its token is a configuration error"
    );
    let token = mostrador::config::posos_token_from_env();
    let options = config.posos.options(None, token).unwrap().expect("the configured POSOS");
    tracing::info!(?options, "the POSOS options");
    let client = PososClient::new(options).unwrap();
    tracing::info!(?client, "the POSOS client");
    let session = client.scan_token(&subject("mostrador-env")).await.unwrap();
    press_import(&session.url, "receta-clara").await;
    let scanned = client.prescriptions("mostrador-env").await.unwrap();
    assert_eq!(scanned[0].lines.len(), 2);
    tracing::info!(lines = scanned[0].lines.len(), "read through the configured POSOS");
}

#[tokio::test]
async fn a_wrong_service_token_is_a_refusal_the_counter_can_name_and_is_never_shown() {
    bounded(async {
        let sandbox = sandbox().await;
        let base = Url::parse(sandbox.base_url()).unwrap();
        let mut options = PososSection::default().options(Some(&base), None).unwrap().unwrap();
        options.token = Secret::new("svc-not-the-token");
        assert!(!format!("{options:?}").contains("svc-not-the-token"));
        let client = PososClient::new(options).unwrap();
        let refused = client.scan_token(&subject("mostrador-3")).await.unwrap_err();
        assert!(refused.is_unauthorized(), "{refused:?}");
        let PososError::Refused { message, .. } = client.prescriptions("mostrador-3").await.unwrap_err() else {
            panic!("a refusal")
        };
        assert!(message.is_some_and(|text| text.contains("service token")));
        assert!(!format!("{client:?}").contains("svc-not-the-token"));
    })
    .await;
}

#[tokio::test]
async fn the_osigu_client_decodes_every_reply_of_a_pre_authorization() {
    bounded(async {
        let sandbox = sandbox().await;
        let client = osigu(&sandbox);
        let key = |text: &str| IdempotencyKey::new(text);
        let ask = request("sponsor-sandbox", "bnf_01JD00SANDBX00000000000001", &[("MED-001", 21), ("MED-SBX-042", 10)]);
        let created = client.request_authorization(&ask, &key("c-1")).await.unwrap();
        assert_eq!(created.status, AuthorizationRequestStatus::PendingIndication);
        let id = created.authorization_request_id.clone();

        let early = client.complete_authorization_request(&id, &key("c-2")).await.unwrap_err();
        assert_eq!((early.status(), early.code()), (Some(422), Some(&ErrorCode::IndicationRequired)));
        let added = client.add_indication(&id, &indication("RequestGroup/rg-1"), &key("c-3")).await.unwrap();
        assert_eq!((added.kind.as_str(), added.source.as_deref()), ("PRESCRIPTION_DOCUMENT", Some("POSOS")));

        let approved = client.complete_authorization_request(&id, &key("c-4")).await.unwrap();
        assert_eq!(approved.status, AuthorizationRequestStatus::Approved);
        assert_eq!(approved.codes().collect::<Vec<_>>(), ["AUTH-2026-000201"]);
        let products = &approved.authorizations[0].products;
        assert_eq!(
            products.iter().map(|p| (p.product_code.as_str(), p.status, p.authorized_quantity)).collect::<Vec<_>>(),
            [("MED-001", LineDecision::Approved, 21), ("MED-SBX-042", LineDecision::Rejected, 0)]
        );
        assert_eq!(products[1].reason.as_deref(), Some("PRODUCT_EXCLUDED"));
        assert_eq!(client.authorization_request(&id).await.unwrap(), approved);
        // The code starts like any other.
        let start = mostrador::osigu::model::StartRequest {
            code: "AUTH-2026-000201".into(),
            beneficiary_id: None,
            currency_code: None,
        };
        let dispensation = client.start(&start, &key("c-5")).await.unwrap();
        assert_eq!(dispensation.products.len(), 1);

        let missing = client.authorization_request(&Id::new("areq_nope")).await.unwrap_err();
        assert_eq!(missing.code(), Some(&ErrorCode::AuthorizationRequestNotFound));
        let unregistered = request("sponsor-sandbox", "bnf_01JD00SANDBX00000000000001", &[("MED-XYZ", 1)]);
        let refused = client.request_authorization(&unregistered, &key("c-6")).await.unwrap_err();
        assert!(
            matches!(&refused, ClientError::Api { status: 422, code: Some(ErrorCode::ProductNotRegistered), .. }),
            "{refused:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_osigu_client_follows_an_async_sponsor_from_pending_to_its_answer() {
    bounded(async {
        let sandbox = sandbox().await;
        let client = osigu(&sandbox);
        let key = |text: &str| IdempotencyKey::new(text);
        let ask = request("seguro-huella", "bnf_01JD00SANDBX00000000000003", &[("MED-301", 60)]);
        let id = client.request_authorization(&ask, &key("a-1")).await.unwrap().authorization_request_id;
        client.add_indication(&id, &indication("RequestGroup/rg-2"), &key("a-2")).await.unwrap();
        let pending = client.complete_authorization_request(&id, &key("a-3")).await.unwrap();
        assert_eq!(pending.status, AuthorizationRequestStatus::PendingSponsor);
        assert!(!pending.status.is_decided() && pending.authorizations.is_empty());
        assert_eq!(pending.decision_due_at, Some(datetime!(2026-11-21 10:00:30 UTC)));

        sandbox.clock().advance(Duration::from_secs(30));
        let decided = client.authorization_request(&id).await.unwrap();
        assert_eq!(decided.status, AuthorizationRequestStatus::Approved);
        assert_eq!(decided.authorizations[0].group.as_deref(), Some("CRONICOS"));
        assert_eq!(decided.products[0].authorization_id.as_ref(), Some(&decided.authorizations[0].authorization_id));

        let excluded = request("seguro-huella", "bnf_01JD00SANDBX00000000000004", &[("MED-SBX-302", 30)]);
        let id = client.request_authorization(&excluded, &key("a-4")).await.unwrap().authorization_request_id;
        client.add_indication(&id, &indication("RequestGroup/rg-3"), &key("a-5")).await.unwrap();
        client.complete_authorization_request(&id, &key("a-6")).await.unwrap();
        sandbox.clock().advance(Duration::from_secs(30));
        let rejected = client.authorization_request(&id).await.unwrap();
        assert_eq!(rejected.status, AuthorizationRequestStatus::Rejected);
        assert_eq!(rejected.products[0].reason.as_deref(), Some("PRODUCT_EXCLUDED"));
        assert!(rejected.products[0].reason_description.is_some());
    })
    .await;
}
