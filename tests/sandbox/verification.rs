//! Biometric verification: fingerprints at the counter (a sample matches only its owner) and facial checks
//! through remote challenges (approve, reject, lapse, auto-approval).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mostrador::sandbox::{SandboxConfig, demo_fingerprint};
use serde_json::{Value, json};

use crate::support::{Harness, config, id};

fn fingerprint(beneficiary: &str) -> Value {
    let sample = demo_fingerprint(beneficiary).expect("shipped sample");
    json!({ "biometric_type": "FINGERPRINT", "format": "WSQ", "sample_base64": STANDARD.encode(sample) })
}

#[tokio::test]
async fn a_fingerprint_matches_only_its_owner_and_failures_count_down() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000103").await;
    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    let lucia = fingerprint("bnf_01JD00SANDBX00000000000004");
    let miss = sandbox.post(&format!("{path}/biometric"), lucia).await.expect_error(422, "BIOMETRIC_NO_MATCH");
    assert_eq!(miss.detail("attempts_remaining"), 2);
    let status = sandbox.get(&format!("{path}/verification-status")).await.json();
    assert_eq!((status["status"].as_str(), status["attempts_remaining"].as_u64()), (Some("PENDING"), Some(2)));

    let andres = fingerprint("bnf_01JD00SANDBX00000000000003");
    let hit = sandbox.post(&format!("{path}/biometric"), andres).await.expect(200).json();
    assert!(hit["biometric_verification_token"].as_str().unwrap().starts_with("bvt_"));
    assert!(hit["score"].as_f64().unwrap() > 0.9);
    let status = sandbox.get(&format!("{path}/verification-status")).await.json();
    assert_eq!((status["status"].as_str(), status["method"].as_str()), (Some("VERIFIED"), Some("FINGERPRINT")));
}

#[tokio::test]
async fn a_fingerprint_token_proves_only_its_own_dispensation() {
    let sandbox = Harness::start().await;
    let first = sandbox.start_code("AUTH-2026-000103").await;
    let hit = sandbox
        .post(
            &format!("/dispensing/v1/dispensations/{}/biometric", id(&first)),
            fingerprint("bnf_01JD00SANDBX00000000000003"),
        )
        .await
        .expect(200)
        .json();
    sandbox
        .post(&format!("/dispensing/v1/dispensations/{}/cancel", id(&first)), json!({ "reason": "CLIENT_LEFT" }))
        .await
        .expect(200);
    let second = sandbox.start_code("AUTH-2026-000103").await;
    sandbox
        .complete(&second, json!({ "biometric_verification_token": hit["biometric_verification_token"] }))
        .await
        .expect_error(422, "VERIFICATION_TOKEN_INVALID");
}

#[tokio::test]
async fn a_rejected_challenge_fails_and_a_new_one_can_be_requested() {
    let sandbox = Harness::with(SandboxConfig { remote_auto_approve: None, ..config() }).await;
    let dispensation = sandbox.start_code("AUTH-2026-000104").await;
    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    let challenge = sandbox.request_challenge(&dispensation).await;
    let rejected = sandbox.answer_challenge(&challenge, "reject").await.expect(200).json();
    assert_eq!(rejected["state"], "REJECTED");
    let status = sandbox.get(&format!("{path}/verification-status")).await.json();
    assert_eq!((status["status"].as_str(), status["attempts_remaining"].as_u64()), (Some("FAILED"), Some(2)));
    sandbox.complete(&dispensation, json!({})).await.expect_error(403, "VERIFICATION_REQUIRED");
    sandbox.answer_challenge(&challenge, "approve").await.expect_error(409, "INVALID_STATE");

    let retry = sandbox.request_challenge(&dispensation).await;
    assert_ne!(retry["challenge_url"], challenge["challenge_url"]);
    // Without auto-approval, nothing happens until the phone answers.
    sandbox.advance(60);
    assert_eq!(sandbox.get(&format!("{path}/verification-status")).await.json()["status"], "PENDING");
    sandbox.answer_challenge(&retry, "approve").await.expect(200);
    sandbox.complete(&dispensation, json!({})).await.expect(200);
}

#[tokio::test]
async fn an_unanswered_challenge_lapses_after_five_minutes() {
    let sandbox = Harness::with(SandboxConfig { remote_auto_approve: None, ..config() }).await;
    let dispensation = sandbox.start_code("AUTH-2026-000104").await;
    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    let challenge = sandbox.request_challenge(&dispensation).await;
    sandbox.advance(300);
    assert_eq!(sandbox.get(&format!("{path}/verification-status")).await.json()["status"], "FAILED");
    sandbox.answer_challenge(&challenge, "approve").await.expect_error(409, "INVALID_STATE");
}

#[tokio::test]
async fn each_verification_kind_is_asked_only_where_the_sponsor_uses_it() {
    let sandbox = Harness::start().await;
    let otp = sandbox.start_code("AUTH-2026-000102").await;
    sandbox
        .post(
            &format!("/dispensing/v1/dispensations/{}/biometric", id(&otp)),
            fingerprint("bnf_01JD00SANDBX00000000000003"),
        )
        .await
        .expect_error(409, "INVALID_STATE");
    let huella = sandbox.start_code("AUTH-2026-000103").await;
    sandbox
        .post(
            &format!("/dispensing/v1/dispensations/{}/biometric/challenge", id(&huella)),
            json!({ "biometric_type": "FACIAL" }),
        )
        .await
        .expect_error(409, "INVALID_STATE");
    let facial = sandbox.start_code("AUTH-2026-000104").await;
    sandbox
        .post(
            &format!("/dispensing/v1/dispensations/{}/biometric", id(&facial)),
            fingerprint("bnf_01JD00SANDBX00000000000003"),
        )
        .await
        .expect_error(409, "INVALID_STATE");
    let plain = sandbox.start_code("AUTH-2026-000101").await;
    let status = sandbox.get(&format!("/dispensing/v1/dispensations/{}/verification-status", id(&plain))).await.json();
    assert_eq!((status["status"].as_str(), status["attempts_remaining"].clone()), (Some("NOT_REQUIRED"), json!(null)));
}
