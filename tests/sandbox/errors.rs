//! Every error code of contract §2–§4, produced by the situation that calls for it, in the envelope, with the
//! status the contract pairs it with. One test walks them all and then checks none was missed.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mostrador::sandbox::{Profile, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET, SandboxConfig, demo_fingerprint};
use reqwest::Method;
use serde_json::json;

use crate::support::{Harness, Reply, config, id};

/// Every code the contract lists in §2–§4 and its conventions, with its status.
const CONTRACT_CODES: &[(&str, u16)] = &[
    ("UNAUTHORIZED", 401),
    ("INSUFFICIENT_SCOPE", 403),
    ("RATE_LIMITED", 429),
    ("BENEFICIARY_NOT_FOUND", 404),
    ("CODE_NOT_FOUND", 404),
    ("CODE_ALREADY_REDEEMED", 409),
    ("CODE_IN_PROGRESS", 409),
    ("CODE_EXPIRED", 422),
    ("CODE_VOIDED", 422),
    ("CODE_NOT_YET_VALID", 422),
    ("AUTHORIZATION_PENDING_REVIEW", 422),
    ("COVERAGE_INACTIVE", 422),
    ("BENEFICIARY_REQUIRED", 422),
    ("BENEFICIARY_MISMATCH", 422),
    ("DISPENSATION_NOT_FOUND", 404),
    ("QUANTITY_EXCEEDS_AVAILABLE", 422),
    ("QUANTITY_INVALID", 422),
    ("SUBSTITUTION_NOT_ALLOWED", 422),
    ("SUBSTITUTION_REASON_REQUIRED", 422),
    ("PRODUCT_NOT_REGISTERED", 422),
    ("INVALID_STATE", 409),
    ("BIOMETRIC_NO_MATCH", 422),
    ("BIOMETRIC_SAMPLE_INVALID", 422),
    ("VERIFICATION_ATTEMPTS_EXCEEDED", 422),
    ("PAYLOAD_TOO_LARGE", 413),
    ("VERIFICATION_REQUIRED", 403),
    ("AMOUNT_MISMATCH", 422),
    ("INVOICE_REQUIRED", 422),
    ("VERIFICATION_TOKEN_INVALID", 422),
    ("ALREADY_COMPLETED", 409),
    ("DISPENSATION_TIMED_OUT", 410),
    ("OTP_CHANNEL_UNSUPPORTED", 422),
    ("OTP_RESEND_TOO_SOON", 429),
    ("OTP_INVALID", 422),
    ("OTP_EXPIRED", 422),
    ("OTP_ATTEMPTS_EXCEEDED", 422),
    ("OTP_NOT_FOUND", 404),
    ("IDEMPOTENCY_KEY_REUSED", 422),
];

#[derive(Default)]
struct Seen(BTreeMap<String, u16>);

impl Seen {
    #[track_caller]
    fn note(&mut self, reply: Reply, code: &str) -> Reply {
        let status = CONTRACT_CODES
            .iter()
            .find(|(known, _)| *known == code)
            .map(|(_, status)| *status)
            .expect("a contract code");
        let reply = reply.expect_error(status, code);
        self.0.insert(code.to_owned(), status);
        reply
    }
}

fn start(code: &str) -> serde_json::Value {
    json!({ "code": code })
}

#[tokio::test]
async fn every_error_code_of_the_contract_is_produced_with_its_status() {
    let sandbox = Harness::start().await;
    let mut seen = Seen::default();
    const START: &str = "/dispensing/v1/dispensations";

    // Auth.
    seen.note(sandbox.send(Method::GET, "/v1/sponsors", None, None, None).await, "UNAUTHORIZED");
    let readonly = sandbox.token_for(READONLY_CLIENT_ID, READONLY_CLIENT_SECRET).await;
    let refused = seen.note(
        sandbox.send(Method::POST, START, Some(&readonly), Some(&start("AUTH-2026-000101")), None).await,
        "INSUFFICIENT_SCOPE",
    );
    assert_eq!(refused.detail("required_scope"), "dispensing:write");

    // Sponsors.
    seen.note(
        sandbox
            .post(
                "/v1/sponsors/ars-sandbox-do/search",
                json!({ "document_number": "99999999999", "document_type": "CEDULA" }),
            )
            .await,
        "BENEFICIARY_NOT_FOUND",
    );

    // Start.
    seen.note(sandbox.post(START, start("NOPE-0000")).await, "CODE_NOT_FOUND");
    seen.note(sandbox.post(START, start("AUTH-2026-000107")).await, "CODE_ALREADY_REDEEMED");
    seen.note(sandbox.post(START, start("AUTH-2026-000108")).await, "CODE_EXPIRED");
    seen.note(sandbox.post(START, start("AUTH-2026-000109")).await, "CODE_VOIDED");
    seen.note(sandbox.post(START, start("RX-2026-000003")).await, "CODE_NOT_YET_VALID");
    seen.note(sandbox.post(START, start("AUTH-2026-000110")).await, "AUTHORIZATION_PENDING_REVIEW");
    seen.note(sandbox.post(START, start("AUTH-2026-000111")).await, "COVERAGE_INACTIVE");
    seen.note(sandbox.post(START, start("AUTH-2026-000105")).await, "BENEFICIARY_REQUIRED");
    seen.note(
        sandbox
            .post(START, json!({ "code": "AUTH-2026-000105", "beneficiary_id": "bnf_01JD00SANDBX00000000000001" }))
            .await,
        "BENEFICIARY_MISMATCH",
    );
    let held = sandbox.start_code("AUTH-2026-000101").await;
    let busy = seen.note(sandbox.post(START, start("AUTH-2026-000101")).await, "CODE_IN_PROGRESS");
    assert_eq!(busy.detail("started_at"), "2026-11-21T10:00:00Z");
    assert_eq!(busy.detail("dispensation_id"), held["dispensation_id"]);

    // Reads.
    seen.note(sandbox.get("/dispensing/v1/dispensations/dsp_nope").await, "DISPENSATION_NOT_FOUND");
    sandbox
        .get("/dispensing/v1/dispensations/dsp_nope/verification-status")
        .await
        .expect_error(404, "DISPENSATION_NOT_FOUND");

    // Lines.
    let otp = sandbox.start_code("AUTH-2026-000102").await;
    let lines = format!("/dispensing/v1/dispensations/{}", id(&otp));
    seen.note(
        sandbox.put(&lines, json!({ "products": [{ "id": "line_1", "quantity": 31 }] })).await,
        "QUANTITY_EXCEEDS_AVAILABLE",
    );
    seen.note(
        sandbox.put(&lines, json!({ "products": [{ "id": "line_1", "quantity": -1 }] })).await,
        "QUANTITY_INVALID",
    );
    seen.note(
        sandbox.put(&lines, json!({ "products": [{ "id": "line_1", "quantity": 0, "substitute_product_code": "MED-SBX-042", "substitute_quantity": 30 }] })).await,
        "SUBSTITUTION_REASON_REQUIRED",
    );
    seen.note(
        sandbox.put(&lines, json!({ "products": [{ "id": "line_1", "quantity": 0, "substitute_product_code": "MED-999", "substitute_quantity": 30, "substitution_reason_enum": "OUT_OF_STOCK" }] })).await,
        "PRODUCT_NOT_REGISTERED",
    );
    let facial = sandbox.start_code("AUTH-2026-000104").await;
    seen.note(
        sandbox.put(
            &format!("/dispensing/v1/dispensations/{}", id(&facial)),
            json!({ "products": [{ "id": "line_1", "quantity": 0, "substitute_product_code": "MED-SBX-042", "substitute_quantity": 1, "substitution_reason_enum": "OUT_OF_STOCK" }] }),
        )
        .await,
        "SUBSTITUTION_NOT_ALLOWED",
    );

    // Complete.
    seen.note(sandbox.complete(&otp, json!({})).await, "VERIFICATION_REQUIRED");
    seen.note(
        sandbox.complete(&otp, json!({ "otp_verification_token": "ovt_forged" })).await,
        "VERIFICATION_TOKEN_INVALID",
    );
    let token = sandbox.otp_token(&otp).await;
    let mismatch = seen
        .note(sandbox.complete(&otp, json!({ "otp_verification_token": token, "amount": 1 })).await, "AMOUNT_MISMATCH");
    assert_eq!(mismatch.detail("expected"), otp["total_amount"], "details.expected is the server's total, as a number");
    let invoice = seen.note(
        sandbox.complete(&otp, json!({ "otp_verification_token": token, "document_number": "" })).await,
        "INVOICE_REQUIRED",
    );
    assert_eq!(invoice.json()["errors"][0]["path"], "document_number");
    sandbox.complete(&otp, json!({ "otp_verification_token": token })).await.expect(200);
    let again =
        seen.note(sandbox.complete(&otp, json!({ "otp_verification_token": token })).await, "ALREADY_COMPLETED");
    assert_eq!(again.detail("dispensation")["status"], "COMPLETED");
    seen.note(sandbox.post(&format!("{lines}/cancel"), json!({})).await, "INVALID_STATE");

    // Biometric.
    let huella = sandbox.start_code("AUTH-2026-000103").await;
    let biometric = format!("/dispensing/v1/dispensations/{}/biometric", id(&huella));
    let sample = |bytes: &[u8]| json!({ "biometric_type": "FINGERPRINT", "format": "WSQ", "sample_base64": STANDARD.encode(bytes) });
    seen.note(sandbox.post(&biometric, sample(b"not a fingerprint at all")).await, "BIOMETRIC_SAMPLE_INVALID");
    let mut oversized = vec![0xFF, 0xA0];
    oversized.resize(1024 * 1024 + 1, 7);
    seen.note(sandbox.post(&biometric, sample(&oversized)).await, "PAYLOAD_TOO_LARGE");
    let someone_else = demo_fingerprint("bnf_01JD00SANDBX00000000000004").unwrap();
    for remaining in [2, 1, 0] {
        let no_match = seen.note(sandbox.post(&biometric, sample(someone_else)).await, "BIOMETRIC_NO_MATCH");
        assert_eq!(no_match.detail("attempts_remaining"), remaining);
    }
    let owner = demo_fingerprint("bnf_01JD00SANDBX00000000000003").unwrap();
    seen.note(sandbox.post(&biometric, sample(owner)).await, "VERIFICATION_ATTEMPTS_EXCEEDED");

    // Timeout.
    let forgotten = sandbox.start_code("RX-2026-000001").await;
    sandbox.advance(30 * 60);
    sandbox.renew_token().await;
    seen.note(sandbox.complete(&forgotten, json!({})).await, "DISPENSATION_TIMED_OUT");

    // OTP.
    let otp_again = sandbox.start_code("AUTH-2026-000106").await;
    seen.note(sandbox.send_otp(&otp_again, "IN_APP").await, "OTP_CHANNEL_UNSUPPORTED");
    let sent = sandbox.send_otp(&otp_again, "SMS").await.expect(201).json();
    let soon = seen.note(sandbox.send_otp(&otp_again, "SMS").await, "OTP_RESEND_TOO_SOON");
    assert_eq!(soon.header("retry-after"), Some("30"));
    let validate = |code: &str| json!({ "otp_id": sent["otp_id"], "code": code });
    let code = sandbox.outbox_code(id(&otp_again)).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let invalid = seen.note(sandbox.post("/v1/otp/validate", validate(wrong)).await, "OTP_INVALID");
    assert_eq!(invalid.detail("attempts_remaining"), 2);
    sandbox.post("/v1/otp/validate", validate(wrong)).await.expect_error(422, "OTP_INVALID");
    sandbox.post("/v1/otp/validate", validate(wrong)).await.expect_error(422, "OTP_INVALID");
    seen.note(sandbox.post("/v1/otp/validate", validate(&code)).await, "OTP_ATTEMPTS_EXCEEDED");
    sandbox.advance(30);
    let fresh = sandbox.send_otp(&otp_again, "SMS").await.expect(201).json();
    sandbox.advance(300);
    let code = sandbox.outbox_code(id(&otp_again)).await;
    seen.note(
        sandbox.post("/v1/otp/validate", json!({ "otp_id": fresh["otp_id"], "code": code })).await,
        "OTP_EXPIRED",
    );
    seen.note(
        sandbox.post("/v1/otp/validate", json!({ "otp_id": "otp_nope", "code": "123456" })).await,
        "OTP_NOT_FOUND",
    );

    // Idempotency.
    sandbox.post_keyed(START, "key-1", start("RX-2026-000004")).await.expect(201);
    seen.note(sandbox.post_keyed(START, "key-1", start("RX-2026-000002")).await, "IDEMPOTENCY_KEY_REUSED");

    // Rate limit: the faithful profile allows 50 calls a minute.
    let faithful = Harness::with(SandboxConfig { profile: Profile::Faithful, ..config() }).await;
    for _ in 0..50 {
        faithful.get("/v1/sponsors").await.expect(200);
    }
    let limited = seen.note(faithful.get("/v1/sponsors").await, "RATE_LIMITED");
    assert_eq!(limited.header("retry-after"), Some("60"));

    let missed: Vec<&str> =
        CONTRACT_CODES.iter().map(|(code, _)| *code).filter(|code| !seen.0.contains_key(*code)).collect();
    assert!(missed.is_empty(), "never produced: {missed:?}");
}

#[tokio::test]
async fn a_substitution_with_reason_other_needs_a_description() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    let line = |description: serde_json::Value| {
        json!({ "products": [{ "id": "line_1", "quantity": 0, "substitute_product_code": "MED-SBX-042",
            "substitute_quantity": 21, "substitution_reason_enum": "OTHER", "substitution_other_description": description }] })
    };
    let refused = sandbox.put(&path, line(json!("  "))).await.expect_error(422, "SUBSTITUTION_REASON_REQUIRED");
    assert_eq!(refused.json()["errors"][0]["path"], "products[0].substitution_other_description");
    let updated = sandbox.put(&path, line(json!("Presentación agotada en bodega"))).await.expect(200).json();
    assert_eq!(updated["products"][0]["substitute_product_name"], "Acetaminofén genérico 500 mg tableta");
    assert_eq!(updated["products"][0]["substitution_reason_enum"], "OTHER");
}

#[tokio::test]
async fn an_unregistered_product_keeps_the_legacy_error_code() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    let reply = sandbox
        .put(
            &format!("/dispensing/v1/dispensations/{}", id(&dispensation)),
            json!({ "products": [{ "id": "line_1", "quantity": 0, "substitute_product_code": "MED-999", "substitute_quantity": 1, "substitution_reason_enum": "OUT_OF_STOCK" }] }),
        )
        .await
        .expect_error(422, "PRODUCT_NOT_REGISTERED");
    assert_eq!(reply.json()["error_code"], "071-104");
    assert_eq!(reply.json()["errors"][0]["path"], "products[0].substitute_product_code");
}
