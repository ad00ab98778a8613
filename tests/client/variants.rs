//! Tolerant decoding, through the client and over HTTP: each documented variant of a reply (osigu-api-facts.md,
//! CONFLICT items) reads into the same types as the contract's own shape, unknown fields are ignored
//! everywhere, error envelopes with either code field yield the machine code, and the OTP calls fall back to
//! the reference's paths where the guide's do not exist.

use std::collections::BTreeMap;

use axum::Router;
use axum::routing::{get, post};
use mostrador::osigu::error::{ClientError, IdempotencyKey};
use mostrador::osigu::model::{
    CodeType, DispensationStatus, ErrorCode, FieldType, Id, OtpChannel, OtpSendRequest, OtpValidateRequest,
    ProductType, StartRequest, VerificationKind,
};
use rust_decimal::Decimal;

use crate::support::*;

const DISPENSATION_INT_IDS: &str = r#"{
    "dispensation_id": 12345, "status": "STARTED", "code_type": "AUTHORIZATION", "sponsor_slug": "aseguradora-demo",
    "beneficiary": {"id": 981, "first_name": "MARÍA JOSÉ", "last_name": "LÓPEZ", "identity_document_type": "DPI",
                    "identity_document_id": "1234567890101", "nickname": "Majo"},
    "products": [
        {"product_code": "MED-042", "quantity": 30, "unit_price": 12.50},
        {"id": 7, "product_code": "LAB-001", "product_type": "LABORATORY", "quantity": 1.0, "price": 80,
         "lab_section": "hematology"},
        {"id": "line_3", "product_code": "MED-7", "product_type": "DRUG", "quantity": 2, "unit_price": 5.25,
         "taxes": 0.63, "atc": {"code": "N02BE01"}}
    ],
    "verification_required": "OTP",
    "claim": {"claim_id": 555, "status": "PENDING", "adjudicator": null},
    "total_amount": 466.13,
    "_links": {"self": {"href": "/dispensing/v1/dispensations/12345"}},
    "schema_version": 3
}"#;

#[tokio::test]
async fn integer_ids_schema_product_types_short_lines_and_unknown_fields_decode() {
    bounded(async {
        let log = Log::new();
        let path = "/dispensing/v1/dispensations/12345";
        let base = serve(&log, with_token(Router::new().route(path, get(fixed(200, DISPENSATION_INT_IDS))))).await;
        let dispensation = client(&base).dispensation(&Id::new("12345")).await.unwrap();
        assert_eq!(dispensation.dispensation_id, Id::new("12345"));
        assert_eq!(dispensation.status, DispensationStatus::Started);
        assert_eq!(dispensation.code_type, CodeType::Authorization);
        assert_eq!(dispensation.verification_required, Some(VerificationKind::Otp));
        let beneficiary = dispensation.beneficiary.as_ref().unwrap();
        assert_eq!(beneficiary.beneficiary_id, Id::new("981"));
        assert_eq!(beneficiary.document_type.as_deref(), Some("DPI"));
        assert_eq!(beneficiary.document_number.as_deref(), Some("1234567890101"));

        let [short, lab, drug] = dispensation.products.as_slice() else { panic!("{:?}", dispensation.products) };
        assert_eq!((short.id.as_ref(), short.product_type, short.quantity), (None, None, 30));
        assert_eq!((short.unit_price, short.taxes), (Decimal::new(1250, 2), Decimal::ZERO));
        assert_eq!(short.available(), 30, "a guide-style line can deliver its quantity");
        assert_eq!((lab.id.clone(), lab.product_type), (Some(Id::new("7")), Some(ProductType::Lab)));
        assert_eq!((lab.quantity, lab.unit_price), (1, Decimal::from(80)));
        assert_eq!(drug.product_type, Some(ProductType::Medication));
        assert_eq!(dispensation.claim.as_ref().unwrap().claim_id, Id::new("555"));
        // 375.00 + 80.00 + (10.50 + 0.63)
        assert_eq!(dispensation.amount_due(), Ok(Decimal::new(46613, 2)));
        assert_eq!(dispensation.total_amount, Some(Decimal::new(46613, 2)));
    })
    .await;
}

#[tokio::test]
async fn a_configuration_with_the_schema_product_type_and_extra_fields_decodes() {
    bounded(async {
        let log = Log::new();
        let body = r#"{"sponsor_slug": "aseguradora-demo", "product_type": "DRUG", "evaluation_mode": "SYNC",
            "dispensing": {"verification": "OTP", "otp_channels": ["SMS", "EMAIL"], "max_attempts": 3,
                "beneficiary_identification": {"required": false, "form_slug": null, "hint": "x"},
                "invoice": {"document_number_required": true, "document_serial_required": false, "format": "FEL"},
                "substitution": {"allowed": true, "reasons": ["OUT_OF_STOCK"], "note": "generics"},
                "grace_minutes": 15},
            "settlement": {"mode": "PER_TRANSACTION", "cutoff": "23:59"}, "updated_by": "ops"}"#;
        let path = "/arc/v1/sponsors/aseguradora-demo/configuration";
        let base = serve(&log, with_token(Router::new().route(path, get(fixed(200, body))))).await;
        let configuration =
            client(&base).sponsor_configuration("aseguradora-demo", ProductType::Medication).await.unwrap();
        assert_eq!(configuration.product_type, ProductType::Medication);
        assert_eq!(configuration.dispensing.otp_channels, [OtpChannel::Sms, OtpChannel::Email]);
        assert!(configuration.dispensing.invoice.document_number_required);
        assert_eq!(log.count(path), 1);
    })
    .await;
}

#[tokio::test]
async fn an_envelope_with_only_error_code_or_only_code_yields_the_machine_code() {
    bounded(async {
        let log = Log::new();
        let start =
            r#"{"error_code":"071-104","message":"Product is not registered","timestamp":"2026-03-02T10:00:00Z"}"#;
        let complete = r#"{"code":"CODE_IN_PROGRESS","details":{"dispensation_id":4817},"trace":"abc"}"#;
        let router = Router::new()
            .route("/dispensing/v1/dispensations", post(fixed(422, start)))
            .route("/dispensing/v1/dispensations/4817/cancel", post(fixed(409, complete)));
        let base = serve(&log, with_token(router)).await;
        let client = client(&base);
        let request = StartRequest { code: "AUTH-2026-000102".into(), beneficiary_id: None, currency_code: None };

        let error = client.start(&request, &IdempotencyKey::new("start-1")).await.unwrap_err();
        assert!(matches!(error, ClientError::Api { status: 422, .. }), "{error:?}");
        assert_eq!(error.code(), Some(&ErrorCode::Other("071-104".into())));
        assert_eq!(error.envelope().unwrap().message.as_deref(), Some("Product is not registered"));

        let error =
            client.cancel(&Id::new("4817"), &Default::default(), &IdempotencyKey::new("c-1")).await.unwrap_err();
        assert_eq!(error.code(), Some(&ErrorCode::CodeInProgress));
        assert_eq!(error.envelope().unwrap().detail("dispensation_id"), Some(&serde_json::json!(4817)));
        assert_eq!(error.to_string(), "HTTP 409 CODE_IN_PROGRESS");

        assert_eq!(log.count("/dispensing/v1/dispensations"), 1, "a refusal is final even for a keyed call");
        assert_eq!(log.count("/dispensing/v1/dispensations/4817/cancel"), 1);
    })
    .await;
}

#[tokio::test]
async fn a_json_error_that_is_not_an_envelope_has_no_code() {
    bounded(async {
        let log = Log::new();
        let body = r#"{"timestamp":"2026-03-02T10:00:00Z","status":400,"error":"Bad Request","path":"/v1/sponsors"}"#;
        let base = serve(&log, with_token(Router::new().route(SPONSORS_PATH, get(fixed(400, body))))).await;
        let error = client(&base).sponsors().await.unwrap_err();
        assert!(matches!(error, ClientError::Api { status: 400, code: None, envelope: None, .. }), "{error:?}");
        assert_eq!(log.count(SPONSORS_PATH), 1);
    })
    .await;
}

fn otp_request() -> OtpSendRequest {
    OtpSendRequest {
        beneficiary_id: Id::new("981"),
        sponsor_slug: "aseguradora-demo".into(),
        channel: OtpChannel::Sms,
        dispensation_id: Some(Id::new("12345")),
    }
}

#[tokio::test]
async fn the_otp_replies_of_the_reference_decode() {
    bounded(async {
        let log = Log::new();
        let sent = r#"{"id": 77, "expires_at": "2026-11-21T10:05:00Z", "delivery": "QUEUED"}"#;
        let validated = r#"{"status": "OK", "data": {"token": "ovt_from_data", "expires_in": 600, "kind": "OTP"}}"#;
        let router = Router::new()
            .route("/v1/otp/send", post(fixed(200, sent)))
            .route("/v1/otp/validate", post(fixed(200, validated)));
        let base = serve(&log, with_token(router)).await;
        let client = client(&base);

        let otp = client.send_otp(&otp_request(), &IdempotencyKey::new("otp-1")).await.unwrap();
        assert_eq!(otp.otp_id, Id::new("77"));
        assert_eq!(otp.expires_in, None);
        assert_eq!(otp.expires_at.unwrap().unix_timestamp(), 1_795_255_500);

        let check = OtpValidateRequest { otp_id: otp.otp_id.clone(), code: "482913".into() };
        let token = client.validate_otp(&check, &IdempotencyKey::new("otp-v-1")).await.unwrap();
        assert_eq!(token.otp_verification_token, "ovt_from_data");
        assert_eq!(token.expires_in, Some(600));
    })
    .await;
}

#[tokio::test]
async fn the_otp_calls_fall_back_to_the_reference_paths_with_the_same_key() {
    bounded(async {
        let log = Log::new();
        // No `/v1/otp/*` routes: axum's bare 404, no envelope, as a server without the guide's paths answers.
        let router = Router::new()
            .route("/otp/generate", post(fixed(200, r#"{"otp_id":"otp_9","channel":"SMS","expires_in":300}"#)))
            .route("/otp/validate", post(fixed(200, r#"{"verification_token":"ovt_9"}"#)));
        let base = serve(&log, with_token(router)).await;
        let client = client(&base);

        let key = IdempotencyKey::new("otp-send-9");
        let otp = client.send_otp(&otp_request(), &key).await.unwrap();
        assert_eq!((otp.otp_id.as_str(), otp.channel, otp.expires_in), ("otp_9", Some(OtpChannel::Sms), Some(300)));
        assert_eq!(log.count("/v1/otp/send"), 1);
        assert_eq!(log.keys("/otp/generate"), [Some(key.as_str().to_owned())]);

        let check = OtpValidateRequest { otp_id: otp.otp_id, code: "482913".into() };
        let token = client.validate_otp(&check, &IdempotencyKey::new("otp-check-9")).await.unwrap();
        assert_eq!(token.otp_verification_token, "ovt_9");
        assert_eq!((log.count("/v1/otp/validate"), log.count("/otp/validate")), (1, 1));
    })
    .await;
}

#[tokio::test]
async fn a_business_404_on_the_guide_path_is_an_answer_not_a_missing_route() {
    bounded(async {
        let log = Log::new();
        let router = Router::new()
            .route("/v1/otp/validate", post(fixed(404, r#"{"code":"OTP_NOT_FOUND","message":"no such OTP"}"#)))
            .route("/otp/validate", post(fixed(200, r#"{"verification_token":"never"}"#)));
        let base = serve(&log, with_token(router)).await;
        let check = OtpValidateRequest { otp_id: Id::new("otp_gone"), code: "000000".into() };
        let error = client(&base).validate_otp(&check, &IdempotencyKey::new("k")).await.unwrap_err();
        assert_eq!(error.code(), Some(&ErrorCode::OtpNotFound));
        assert_eq!(log.count("/otp/validate"), 0);
    })
    .await;
}

#[tokio::test]
async fn the_concept_page_form_shape_decodes() {
    bounded(async {
        let log = Log::new();
        let body = r#"[{"form_id": "national-id", "label": "Cédula", "version": 2, "fields": [
            {"key": "document_type", "type": "enum", "values": ["CC", "CE"], "required": true, "hint": "?"},
            {"key": "document_number", "type": "string", "required": true},
            {"key": "photo", "type": "FILE_UPLOAD"}]}]"#;
        let path = "/v1/sponsors/aseguradora-demo/forms";
        let base = serve(&log, with_token(Router::new().route(path, get(fixed(200, body))))).await;
        let forms = client(&base).forms("aseguradora-demo").await.unwrap();
        let [form] = forms.as_slice() else { panic!("{forms:?}") };
        assert_eq!((form.form_slug.as_str(), form.fallback_name.as_str()), ("national-id", "Cédula"));
        let types: Vec<_> = form.fields.iter().map(|field| field.field_type).collect();
        assert_eq!(types, [FieldType::Select, FieldType::Text, FieldType::Unsupported]);
        assert_eq!(form.fields[0].slug, "document_type");
        assert_eq!(form.fields[0].options, ["CC", "CE"]);
        assert!(form.fields[1].required && !form.fields[2].required);
    })
    .await;
}

#[tokio::test]
async fn the_schema_search_reply_decodes() {
    bounded(async {
        let log = Log::new();
        let body = r#"{"id": 9, "name": "MARÍA JOSÉ LÓPEZ", "identity_document_type": "PASSPORT",
            "identity_document_id": "X1234567", "member_code": "M-0009", "status": "ENABLED",
            "policy": {"number": "P-1"}}"#;
        let path = "/v1/sponsors/aseguradora-demo/search";
        let base = serve(&log, with_token(Router::new().route(path, post(fixed(200, body))))).await;
        let fields = BTreeMap::from([("document_number".to_owned(), serde_json::json!("X1234567"))]);
        let found = client(&base).search("aseguradora-demo", &fields).await.unwrap();
        assert_eq!(found.beneficiary_id, Id::new("9"));
        assert_eq!(found.name.as_deref(), Some("MARÍA JOSÉ LÓPEZ"));
        assert_eq!(found.document_type.as_deref(), Some("PASSPORT"));
        assert_eq!(found.document_number.as_deref(), Some("X1234567"));
        assert_eq!(found.member_code.as_deref(), Some("M-0009"));
        assert_eq!(found.status.as_deref(), Some("ENABLED"));
    })
    .await;
}

#[tokio::test]
async fn a_token_reply_with_extensions_names_the_provider() {
    bounded(async {
        let log = Log::new();
        let token = r#"{"access_token": "tok-dvs", "token_type": "Bearer", "expires_in": 3600,
            "scope": "arc:read dispensing:read dispensing:write", "jti": "a1b2",
            "extensions": {"provider_slug": "farmacia-central", "tenant": "gt"}}"#;
        let router = Router::new()
            .route(TOKEN_PATH, post(fixed(200, token)))
            .route(SPONSORS_PATH, get(fixed(200, SPONSORS_JSON)));
        let base = serve(&log, router).await;
        let client = client(&base);
        let info = client.token_info().await.unwrap();
        assert_eq!(info.provider_slug.as_deref(), Some("farmacia-central"));
        assert_eq!(info.scopes, ["arc:read", "dispensing:read", "dispensing:write"]);
        let skew = info.clock_skew_secs.expect("the server sends a Date header");
        assert!(skew.abs() <= 5, "same machine, same clock: {skew}");
        client.sponsors().await.unwrap();
        assert_eq!(log.authorizations(SPONSORS_PATH), [Some("Bearer tok-dvs".to_owned())]);
        assert_eq!(log.count(TOKEN_PATH), 1, "token_info fetched the token the call then reused");
    })
    .await;
}

#[tokio::test]
async fn a_page_of_dispensations_with_integer_ids_decodes() {
    bounded(async {
        let log = Log::new();
        let body = r#"{"content": [{"dispensation_id": 1, "status": "COMPLETED", "code_type": "PRESCRIPTION",
                "claim": null, "future": true},
                {"dispensation_id": "dsp_2", "status": "ON_HOLD", "code_type": "REFERRAL"}],
            "page": {"number": 0, "size": 20, "total_elements": 2, "total_pages": 1, "sort": "started_at"}}"#;
        let path = "/dispensing/v1/dispensations";
        let base = serve(&log, with_token(Router::new().route(path, get(fixed(200, body))))).await;
        let page = client(&base).dispensations(&Default::default()).await.unwrap();
        let ids: Vec<_> = page.content.iter().map(|dispensation| dispensation.dispensation_id.as_str()).collect();
        assert_eq!(ids, ["1", "dsp_2"]);
        assert_eq!(page.content[1].status, DispensationStatus::Unknown, "a new status is shown, not fatal");
        assert_eq!(page.content[1].code_type, CodeType::Unknown);
        assert_eq!(page.page.total_elements, 2);
    })
    .await;
}

/// The guide's dispensation as the real Osigu sends it: no `coverage` on its lines, no `amounts`, a claim with
/// only its amount (contract §9's variant).
const WITHOUT_COVERAGE: &str = r#"{"dispensation_id":"dsp_9","status":"STARTED","code_type":"AUTHORIZATION",
    "sponsor_slug":"aseguradora-demo","currency_code":"GTQ","verification_required":null,
    "products":[{"id":"line_1","product_code":"MED-042","quantity":30,"unit_price":12.50},
                {"id":"line_2","product_code":"MED-107","quantity":10,"unit_price":8.25}],
    "total_amount":457.50}"#;

const COMPLETED_WITHOUT_COVERAGE: &str = r#"{"dispensation_id":"dsp_9","status":"COMPLETED","code_type":"AUTHORIZATION",
    "products":[{"id":"line_1","product_code":"MED-042","quantity":20,"unit_price":12.50},
                {"id":"line_2","product_code":"MED-107","quantity":10,"unit_price":8.25}],
    "total_amount":332.50,"claim":{"claim_id":"clm_9","status":"OPEN","amount":332.50}}"#;

#[tokio::test]
async fn replies_without_coverage_are_read_and_a_dispensation_goes_through_with_the_total_only() {
    use mostrador::osigu::model::{CompleteRequest, UpdateLine, UpdateRequest};
    bounded(async {
        let log = Log::new();
        let path = "/dispensing/v1/dispensations/dsp_9";
        let router = Router::new()
            .route("/dispensing/v1/dispensations", post(fixed(201, WITHOUT_COVERAGE)))
            .route(path, axum::routing::put(fixed(200, WITHOUT_COVERAGE)))
            .route("/dispensing/v1/dispensations/dsp_9/complete", post(fixed(200, COMPLETED_WITHOUT_COVERAGE)));
        let base = serve(&log, with_token(router)).await;
        let client = client(&base);
        let request = StartRequest { code: "AUTH-2026-000102".into(), beneficiary_id: None, currency_code: None };

        let mut started = client.start(&request, &IdempotencyKey::new("s-1")).await.unwrap();
        assert!(started.products.iter().all(|line| line.coverage.is_none()));
        assert_eq!(started.amounts, None);
        assert_eq!(started.reshare(), None, "nothing to share from: the sponsor's rules decide");
        assert_eq!(started.amount_due(), Ok(Decimal::new(45750, 2)));

        let line = |id: &str, quantity: i64| UpdateLine {
            id: Id::new(id),
            quantity,
            unit_price: None,
            taxes: None,
            substitute_product_code: None,
            substitute_quantity: None,
            substitution_reason_enum: None,
            substitution_other_description: None,
        };
        let update = UpdateRequest { products: vec![line("line_1", 20), line("line_2", 10)] };
        let updated = client.update(&Id::new("dsp_9"), &update, &IdempotencyKey::new("u-1")).await.unwrap();
        assert_eq!((updated.products.len(), updated.amounts), (2, None));

        let complete = CompleteRequest {
            amount: Decimal::new(33250, 2),
            document_number: Some("F-1".into()),
            document_date: Some("2026-11-21".into()),
            document_serial: None,
            provider_transaction_id: None,
            otp_verification_token: None,
            biometric_verification_token: None,
            external_verifications: Vec::new(),
        };
        let done = client.complete(&Id::new("dsp_9"), &complete, &IdempotencyKey::new("c-1")).await.unwrap();
        assert_eq!(done.status, DispensationStatus::Completed);
        let claim = done.claim.as_ref().unwrap();
        assert_eq!((claim.amount, claim.copayment, claim.coinsurance), (Some(Decimal::new(33250, 2)), None, None));
        assert_eq!((done.amounts, done.authorization_id.as_ref()), (None, None));
    })
    .await;
}

#[tokio::test]
async fn the_contracts_coverage_amounts_and_claim_split_are_read_as_sent() {
    use mostrador::osigu::model::{Amounts, CoverageRule};
    bounded(async {
        let log = Log::new();
        let body = r#"{"dispensation_id":"dsp_1","status":"COMPLETED","code_type":"AUTHORIZATION",
            "authorization_id":"auth_01JD00SANDBX00000000000101",
            "products":[{"id":"line_1","product_code":"MED-001","quantity":21,"unit_price":3.75,"taxes":0.00,
                "coverage":{"covered":true,"rule":"COINSURANCE","percent":20,"sponsor_amount":63.00,"patient_amount":15.75}}],
            "amounts":{"total":78.75,"sponsor":63.00,"patient":15.75},
            "claim":{"claim_id":"clm_1","status":"OPEN","amount":63.00,"copayment":0,"coinsurance":15.75}}"#;
        let path = "/dispensing/v1/dispensations/dsp_1";
        let base = serve(&log, with_token(Router::new().route(path, get(fixed(200, body))))).await;
        let dispensation = client(&base).dispensation(&Id::new("dsp_1")).await.unwrap();
        let coverage = dispensation.products[0].coverage.as_ref().unwrap();
        assert_eq!((coverage.rule, coverage.percent), (CoverageRule::Coinsurance, Some(Decimal::from(20))));
        assert_eq!((coverage.sponsor_amount, coverage.patient_amount), (Decimal::from(63), Decimal::new(1575, 2)));
        let sums = Amounts { total: Decimal::new(7875, 2), sponsor: Decimal::from(63), patient: Decimal::new(1575, 2) };
        assert_eq!(dispensation.amounts, Some(sums));
        assert_eq!(dispensation.authorization_id, Some(Id::new("auth_01JD00SANDBX00000000000101")));
        let claim = dispensation.claim.as_ref().unwrap();
        assert_eq!((claim.copayment, claim.coinsurance), (Some(Decimal::ZERO), Some(Decimal::new(1575, 2))));
    })
    .await;
}

#[tokio::test]
async fn provider_products_decode_with_their_gtin_or_without_one() {
    bounded(async {
        let log = Log::new();
        // Contract §12: the sandbox's products carry a GTIN-14; the real Osigu's may not (variant: absent).
        let body = r#"{"content":[
            {"product_code":"MED-001","product_name":"Amoxicilina 500 mg cápsula","product_type":"MEDICATION",
             "registered_at":"2026-01-01T00:00:00Z","gtin":"09520001000010"},
            {"product_code":"MED-7","product_name":"Otro","product_type":"DRUG","registered_at":"2026-01-01T00:00:00Z"}],
            "page":{"number":0,"size":100,"total_elements":2,"total_pages":1}}"#;
        let path = "/arc/v1/providers/products";
        let base = serve(&log, with_token(Router::new().route(path, get(fixed(200, body))))).await;
        let products = client(&base).provider_products(ProductType::Medication).await.unwrap();
        let gtins: Vec<Option<&str>> = products.iter().map(|product| product.gtin.as_deref()).collect();
        assert_eq!(gtins, [Some("09520001000010"), None]);
    })
    .await;
}
