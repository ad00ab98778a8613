//! Every scenario code of contract §8, driven as the counter will drive it, checked against the server's
//! own record afterwards.

use mostrador::sandbox::demo_fingerprint;
use serde_json::json;

use crate::support::{Harness, id, money, quantities};

#[tokio::test]
async fn rx_000001_is_a_cash_prescription_of_two_medications_that_completes_without_verification() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("RX-2026-000001").await;
    assert_eq!(dispensation["status"], "STARTED");
    assert_eq!(dispensation["code_type"], "PRESCRIPTION");
    assert_eq!(dispensation["sponsor_slug"], json!(null));
    assert_eq!(dispensation["verification_required"], json!(null));
    assert_eq!(dispensation["verification"]["status"], "NOT_REQUIRED");
    assert_eq!(dispensation["currency_code"], "GTQ");
    assert_eq!(dispensation["products"].as_array().unwrap().len(), 2);
    // 20 × 1.25 + 15 × 1.80 = 52.00
    assert_eq!(money(&dispensation["total_amount"]), 52.0);

    let done = sandbox.complete(&dispensation, json!({})).await.expect(200).json();
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["claim"], json!(null), "a cash prescription creates no claim");
    let stored = sandbox.dispensation(id(&dispensation)).await;
    assert_eq!(stored["status"], "COMPLETED");
    assert_eq!(stored["completed_at"], "2026-11-21T10:00:00Z");
    sandbox
        .post("/dispensing/v1/dispensations", json!({ "code": "RX-2026-000001" }))
        .await
        .expect_error(409, "CODE_ALREADY_REDEEMED");
}

#[tokio::test]
async fn auth_000101_completes_without_verification_and_creates_the_claim() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    assert_eq!(dispensation["code_type"], "AUTHORIZATION");
    assert_eq!(dispensation["sponsor_slug"], "sponsor-sandbox");
    assert_eq!(dispensation["products"].as_array().unwrap().len(), 1);
    assert_eq!(dispensation["verification_required"], json!(null));

    let done = sandbox.complete(&dispensation, json!({})).await.expect(200).json();
    let claim = &done["claim"];
    assert!(claim["claim_id"].as_str().unwrap().starts_with("clm_"), "{claim}");
    assert_eq!(claim["status"], "OPEN");
    // The sponsor owes its share: 78.75 less the patient's 20 % (contract §9).
    assert_eq!(money(&claim["amount"]), 63.00);
    let stored = sandbox.dispensation(id(&dispensation)).await;
    assert_eq!(stored["claim"], done["claim"]);
    assert_eq!(quantities(&stored), [(21, 0)]);
    sandbox
        .post("/dispensing/v1/dispensations", json!({ "code": "AUTH-2026-000101" }))
        .await
        .expect_error(409, "CODE_ALREADY_REDEEMED");
}

#[tokio::test]
async fn auth_000102_asks_for_an_otp_by_sms_or_email() {
    let sandbox = Harness::start().await;
    let configuration =
        sandbox.get("/arc/v1/sponsors/aseguradora-otp/configuration?product_type=MEDICATION").await.expect(200).json();
    assert_eq!(configuration["dispensing"]["verification"], "OTP");
    assert_eq!(configuration["dispensing"]["otp_channels"], json!(["SMS", "EMAIL"]));

    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    assert_eq!(dispensation["products"].as_array().unwrap().len(), 3);
    assert_eq!(dispensation["verification_required"], "OTP");
    assert_eq!(dispensation["verification"]["status"], "PENDING");
    assert_eq!(dispensation["beneficiary"]["first_name"], "MARÍA JOSÉ");

    let by_sms = sandbox.send_otp(&dispensation, "SMS").await.expect(201).json();
    assert_eq!(by_sms["masked_destination"], "+502 **** **42");
    let by_email = sandbox.send_otp(&dispensation, "EMAIL").await.expect(201).json();
    assert_eq!(by_email["masked_destination"], "m***@correo.gt");
    sandbox.complete(&dispensation, json!({})).await.expect_error(403, "VERIFICATION_REQUIRED");

    let code = sandbox.outbox_code(id(&dispensation)).await;
    let validated = sandbox
        .post("/v1/otp/validate", json!({ "otp_id": by_email["otp_id"], "code": code }))
        .await
        .expect(200)
        .json();
    let verified =
        sandbox.get(&format!("/dispensing/v1/dispensations/{}/verification-status", id(&dispensation))).await.json();
    assert_eq!((verified["status"].as_str(), verified["method"].as_str()), (Some("VERIFIED"), Some("OTP")));

    let done =
        sandbox.complete(&dispensation, json!({ "otp_verification_token": validated["otp_verification_token"] })).await;
    let done = done.expect(200).json();
    assert_eq!(done["status"], "COMPLETED");
    assert!(done["claim"]["claim_id"].is_string());
}

#[tokio::test]
async fn auth_000103_is_verified_by_the_beneficiarys_fingerprint_at_the_counter() {
    use base64::Engine;
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000103").await;
    assert_eq!(dispensation["verification_required"], "BIOMETRIC");
    assert_eq!(dispensation["currency_code"], "COP");
    let configuration =
        sandbox.get("/arc/v1/sponsors/seguro-huella/configuration?product_type=MEDICATION").await.json();
    assert_eq!(configuration["dispensing"]["biometric_modes"], json!(["FINGERPRINT"]));
    assert_eq!(configuration["dispensing"]["biometric_capture"], "DEVICE");

    let owner = dispensation["beneficiary"]["beneficiary_id"].as_str().unwrap();
    let sample = base64::engine::general_purpose::STANDARD.encode(demo_fingerprint(owner).expect("a shipped sample"));
    let matched = sandbox
        .post(
            &format!("/dispensing/v1/dispensations/{}/biometric", id(&dispensation)),
            json!({ "biometric_type": "FINGERPRINT", "format": "WSQ", "sample_base64": sample }),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(matched["match"], true);
    let token = matched["biometric_verification_token"].as_str().unwrap();
    let done =
        sandbox.complete(&dispensation, json!({ "biometric_verification_token": token })).await.expect(200).json();
    assert_eq!(done["verification"]["method"], "FINGERPRINT");
    assert!(done["claim"]["claim_id"].is_string());
}

#[tokio::test]
async fn auth_000104_is_verified_on_the_beneficiarys_phone_through_a_challenge_url() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000104").await;
    assert_eq!(dispensation["verification_required"], "BIOMETRIC");
    assert_eq!(dispensation["currency_code"], "EUR");
    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    let challenge = sandbox.request_challenge(&dispensation).await;
    let url = challenge["challenge_url"].as_str().unwrap();
    assert!(url.starts_with(sandbox.sandbox.base_url()), "{url}");
    assert_eq!(challenge["expires_in"], 300);
    let status = sandbox.get(&format!("{path}/verification-status")).await.json();
    assert_eq!((status["status"].as_str(), status["challenge_url"].as_str()), (Some("PENDING"), Some(url)));

    // The phone page exists and offers the decision.
    let page = sandbox.http.get(url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("AUTH-2026-000104") && page.contains("approve"), "{page}");

    // Nobody touches the phone: the sandbox approves by itself after 8 s.
    sandbox.advance(7);
    assert_eq!(sandbox.get(&format!("{path}/verification-status")).await.json()["status"], "PENDING");
    sandbox.advance(1);
    let status = sandbox.get(&format!("{path}/verification-status")).await.json();
    assert_eq!((status["status"].as_str(), status["method"].as_str()), (Some("VERIFIED"), Some("FACIAL")));

    // Spanish invoices carry a series: this sponsor requires it.
    let unserialized = sandbox.complete(&dispensation, json!({ "document_serial": null })).await;
    assert_eq!(unserialized.expect_error(422, "INVOICE_REQUIRED").json()["errors"][0]["path"], "document_serial");
    let done = sandbox.complete(&dispensation, json!({})).await.expect(200).json();
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["invoice"]["document_serial"], "A");
}

#[tokio::test]
async fn auth_000105_needs_the_beneficiary_identified_by_cedula_then_an_otp_and_settles_in_batches() {
    let sandbox = Harness::start().await;
    let refused = sandbox.post("/dispensing/v1/dispensations", json!({ "code": "AUTH-2026-000105" })).await;
    let refused = refused.expect_error(422, "BENEFICIARY_REQUIRED");
    assert_eq!(refused.detail("sponsor_slug"), "ars-sandbox-do");
    assert_eq!(refused.detail("form_slug"), "cedula");

    let forms = sandbox.get("/v1/sponsors/ars-sandbox-do/forms").await.expect(200).json();
    let cedula = forms.as_array().unwrap().iter().find(|form| form["form_slug"] == "cedula").expect("the cédula form");
    let slugs: Vec<&str> = cedula["fields"].as_array().unwrap().iter().map(|f| f["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["document_type", "document_number", "date_of_birth"]);

    let found = sandbox
        .post(
            "/v1/sponsors/ars-sandbox-do/search",
            json!({ "document_type": "CEDULA", "document_number": "001-1234567-8" }),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(found["first_name"], "RAMÓN");
    assert_eq!(found["coverage"]["active"], true);

    let dispensation = sandbox
        .post(
            "/dispensing/v1/dispensations",
            json!({ "code": "AUTH-2026-000105", "beneficiary_id": found["beneficiary_id"] }),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(dispensation["verification_required"], "OTP");
    assert_eq!(dispensation["currency_code"], "DOP");
    sandbox.send_otp(&dispensation, "EMAIL").await.expect_error(422, "OTP_CHANNEL_UNSUPPORTED");
    let token = sandbox.otp_token(&dispensation).await;

    let configuration =
        sandbox.get("/arc/v1/sponsors/ars-sandbox-do/configuration?product_type=MEDICATION").await.json();
    assert_eq!(configuration["settlement"]["mode"], "BATCH");
    sandbox.complete(&dispensation, json!({ "otp_verification_token": token })).await.expect(200);
}

#[tokio::test]
async fn auth_000106_is_partially_claimed_with_10_of_30_left() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000106").await;
    let line = &dispensation["products"][0];
    assert_eq!((line["authorized_quantity"].as_u64(), line["claimed_quantity"].as_u64()), (Some(30), Some(20)));
    assert_eq!((line["available_quantity"].as_u64(), line["quantity"].as_u64()), (Some(10), Some(10)));
    assert_eq!(line["status"], "PARTIALLY_CLAIMED");

    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    sandbox
        .put(&path, json!({ "products": [{ "id": "line_1", "quantity": 11 }] }))
        .await
        .expect_error(422, "QUANTITY_EXCEEDS_AVAILABLE");
    let token = sandbox.otp_token(&dispensation).await;
    sandbox.complete(&dispensation, json!({ "otp_verification_token": token })).await.expect(200);
    sandbox
        .post("/dispensing/v1/dispensations", json!({ "code": "AUTH-2026-000106" }))
        .await
        .expect_error(409, "CODE_ALREADY_REDEEMED");
}

#[tokio::test]
async fn the_codes_that_cannot_be_dispensed_say_why() {
    let sandbox = Harness::start().await;
    let start = |code: &'static str| sandbox.post("/dispensing/v1/dispensations", json!({ "code": code }));
    start("AUTH-2026-000107").await.expect_error(409, "CODE_ALREADY_REDEEMED");
    let expired = start("AUTH-2026-000108").await.expect_error(422, "CODE_EXPIRED");
    assert_eq!(expired.detail("expired_at"), "2026-11-20T10:00:00Z");
    start("AUTH-2026-000109").await.expect_error(422, "CODE_VOIDED");
    start("AUTH-2026-000110").await.expect_error(422, "AUTHORIZATION_PENDING_REVIEW");
    start("NOPE-0000").await.expect_error(404, "CODE_NOT_FOUND");
}

#[tokio::test]
async fn rx_000002_shows_its_locked_item_but_dispenses_only_the_other() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("RX-2026-000002").await;
    let lines = dispensation["products"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "the locked item is shown");
    assert_eq!(
        (lines[0]["status"].as_str(), lines[0]["lock_reason"].as_str()),
        (Some("LOCKED"), Some("CONTRAINDICATION"))
    );
    assert_eq!((lines[0]["available_quantity"].as_u64(), lines[0]["quantity"].as_u64()), (Some(0), Some(0)));
    assert_eq!((lines[1]["status"].as_str(), lines[1]["quantity"].as_u64()), (Some("DISPENSABLE"), Some(20)));

    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    sandbox
        .put(&path, json!({ "products": [{ "id": "line_1", "quantity": 1 }, { "id": "line_2", "quantity": 20 }] }))
        .await
        .expect_error(422, "QUANTITY_EXCEEDS_AVAILABLE");
    sandbox.complete(&dispensation, json!({})).await.expect(200);
    let prescription = sandbox.get("/ehr/v1/prescriptions/rx_01JD00SANDBX00000000000002").await.expect(200).json();
    let statuses: Vec<&str> = prescription["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["dispensation_status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["LOCKED", "DISPENSED"]);
}

#[tokio::test]
async fn rx_000003_becomes_valid_three_days_from_now() {
    let sandbox = Harness::start().await;
    let refused = sandbox.post("/dispensing/v1/dispensations", json!({ "code": "RX-2026-000003" })).await;
    let refused = refused.expect_error(422, "CODE_NOT_YET_VALID");
    assert_eq!(refused.detail("valid_from"), "2026-11-24T10:00:00Z");
    sandbox.advance(3 * 24 * 3600);
    sandbox.renew_token().await;
    sandbox.start_code("RX-2026-000003").await;
}

#[tokio::test]
async fn rx_000004_has_twelve_lines_with_accents_and_a_sixty_character_name() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("RX-2026-000004").await;
    let names: Vec<&str> = dispensation["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["product_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 12);
    assert!(names.contains(&"Ácido acetilsalicílico 100 mg tableta gastrorresistente x 30"));
    assert_eq!(names.iter().map(|name| name.chars().count()).max(), Some(60));
    assert_eq!(dispensation["beneficiary"]["first_name"], "MARÍA DE LOS ÁNGELES");
    sandbox.complete(&dispensation, json!({})).await.expect(200);
}

#[tokio::test]
async fn a_started_dispensation_reports_its_validity_and_timeout() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    assert_eq!(dispensation["started_at"], "2026-11-21T10:00:00Z");
    assert_eq!(dispensation["timeout_at"], "2026-11-21T10:30:00Z");
    assert_eq!(dispensation["code_expires_at"], "2026-12-21T10:00:00Z");
}
