//! OTP rules on the sandbox clock: six digits, 300 s, three attempts, 30 s between sends per channel,
//! single-use tokens valid 600 s, both path families.

use serde_json::json;

use crate::support::{Harness, id};

#[tokio::test]
async fn an_otp_expires_after_300_seconds_not_before() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    let sent = sandbox.send_otp(&dispensation, "SMS").await.expect(201).json();
    assert_eq!((sent["expires_in"].as_u64(), sent["expires_at"].as_str()), (Some(300), Some("2026-11-21T10:05:00Z")));
    let code = sandbox.outbox_code(id(&dispensation)).await;
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));

    sandbox.advance(299);
    sandbox.post("/v1/otp/validate", json!({ "otp_id": sent["otp_id"], "code": code })).await.expect(200);

    sandbox.advance(31);
    let late = sandbox.send_otp(&dispensation, "SMS").await.expect(201).json();
    let code = sandbox.outbox_code(id(&dispensation)).await;
    sandbox.advance(300);
    sandbox
        .post("/v1/otp/validate", json!({ "otp_id": late["otp_id"], "code": code }))
        .await
        .expect_error(422, "OTP_EXPIRED");
}

#[tokio::test]
async fn three_wrong_codes_exhaust_an_otp_even_for_the_right_code_afterwards() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    let (sent, code) = sandbox.sent_otp(&dispensation).await;
    let wrong = if code == "123456" { "654321" } else { "123456" };
    let status_path = format!("/dispensing/v1/dispensations/{}/verification-status", id(&dispensation));
    for remaining in [2, 1, 0] {
        let reply = sandbox.post("/v1/otp/validate", json!({ "otp_id": sent["otp_id"], "code": wrong })).await;
        assert_eq!(reply.expect_error(422, "OTP_INVALID").detail("attempts_remaining"), remaining);
        assert_eq!(sandbox.get(&status_path).await.json()["attempts_remaining"], remaining);
    }
    sandbox
        .post("/v1/otp/validate", json!({ "otp_id": sent["otp_id"], "code": code }))
        .await
        .expect_error(422, "OTP_ATTEMPTS_EXCEEDED");
    // A typo that is not six digits costs no attempt.
    let other = {
        sandbox.advance(30);
        sandbox.send_otp(&dispensation, "SMS").await.expect(201).json()
    };
    sandbox
        .post("/v1/otp/validate", json!({ "otp_id": other["otp_id"], "code": "12a4" }))
        .await
        .expect_error(400, "VALIDATION_ERROR");
    assert_eq!(sandbox.get(&status_path).await.json()["attempts_remaining"], 3);
}

#[tokio::test]
async fn a_resend_waits_30_seconds_per_channel_and_another_channel_need_not_wait() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    sandbox.send_otp(&dispensation, "SMS").await.expect(201);
    sandbox.advance(12);
    let soon = sandbox.send_otp(&dispensation, "SMS").await.expect_error(429, "OTP_RESEND_TOO_SOON");
    assert_eq!(soon.header("retry-after"), Some("18"));
    assert_eq!(soon.detail("resend_available_in"), 18);
    sandbox.send_otp(&dispensation, "EMAIL").await.expect(201);
    sandbox.advance(18);
    sandbox.send_otp(&dispensation, "SMS").await.expect(201);
    let outbox = sandbox.get(&format!("/sandbox/v1/outbox?dispensation_id={}", id(&dispensation))).await.json();
    let channels: Vec<&str> = outbox.as_array().unwrap().iter().map(|m| m["channel"].as_str().unwrap()).collect();
    assert_eq!(channels, ["SMS", "EMAIL", "SMS"], "newest first");
}

#[tokio::test]
async fn an_otp_code_is_a_fixed_function_of_its_id() {
    let first = Harness::start().await;
    let second = Harness::start().await;
    let mut codes = Vec::new();
    for sandbox in [&first, &second] {
        let dispensation = sandbox.start_code("AUTH-2026-000102").await;
        let sent = sandbox.send_otp(&dispensation, "SMS").await.expect(201).json();
        codes.push((sent["otp_id"].clone(), sandbox.outbox_code(id(&dispensation)).await));
    }
    assert_eq!(codes[0], codes[1], "same seed, same otp_id, same code");
}

#[tokio::test]
async fn a_verification_token_is_spent_by_the_completion_it_proves() {
    let sandbox = Harness::start().await;
    let first = sandbox.start_code("AUTH-2026-000102").await;
    let path = format!("/dispensing/v1/dispensations/{}", id(&first));
    let first =
        sandbox.put(&path, json!({ "products": [{ "id": "line_1", "quantity": 10 }] })).await.expect(200).json();
    let token = sandbox.otp_token(&first).await;
    sandbox.complete(&first, json!({ "otp_verification_token": token })).await.expect(200);
    // Same beneficiary, a new dispensation of the same code: the spent token proves nothing.
    let second = sandbox.start_code("AUTH-2026-000102").await;
    sandbox
        .complete(&second, json!({ "otp_verification_token": token }))
        .await
        .expect_error(422, "VERIFICATION_TOKEN_INVALID");
}

#[tokio::test]
async fn a_verification_token_lapses_after_600_seconds_and_an_otp_is_used_once() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    let (sent, code) = sandbox.sent_otp(&dispensation).await;
    let validated =
        sandbox.post("/otp/validate", json!({ "otp_id": sent["otp_id"], "code": code })).await.expect(200).json();
    assert_eq!(validated["expires_in"], 600);
    sandbox
        .post("/otp/validate", json!({ "otp_id": sent["otp_id"], "code": code }))
        .await
        .expect_error(422, "OTP_INVALID");
    sandbox.advance(600);
    let late =
        sandbox.complete(&dispensation, json!({ "otp_verification_token": validated["otp_verification_token"] })).await;
    late.expect_error(422, "VERIFICATION_TOKEN_INVALID");
}

#[tokio::test]
async fn the_reference_paths_generate_and_validate_work_like_the_guide_paths() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    let body = json!({
        "beneficiary_id": dispensation["beneficiary"]["beneficiary_id"],
        "sponsor_slug": "aseguradora-otp",
        "channel": "EMAIL",
    });
    let sent = sandbox.post("/otp/generate", body).await.expect(201).json();
    let outbox = sandbox.get("/sandbox/v1/outbox").await.json();
    assert_eq!(outbox[0]["otp_id"], sent["otp_id"]);
    assert_eq!(outbox[0]["dispensation_id"], json!(null), "not bound to a dispensation");
    let code = outbox[0]["code"].as_str().unwrap();
    let validated =
        sandbox.post("/otp/validate", json!({ "otp_id": sent["otp_id"], "code": code })).await.expect(200).json();
    // An unbound token still proves this beneficiary for this dispensation.
    sandbox
        .complete(
            &dispensation,
            json!({ "external_verifications": [{ "type": "OTP", "value": validated["otp_verification_token"] }] }),
        )
        .await
        .expect(200);
}

#[tokio::test]
async fn an_otp_for_a_beneficiary_of_another_sponsor_is_refused() {
    let sandbox = Harness::start().await;
    let body = json!({ "beneficiary_id": "bnf_01JD00SANDBX00000000000001", "sponsor_slug": "aseguradora-otp", "channel": "SMS" });
    sandbox.post("/v1/otp/send", body).await.expect_error(404, "BENEFICIARY_NOT_FOUND");
}
