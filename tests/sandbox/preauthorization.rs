//! Pre-authorization requests (contract §10): created, given the indication (a POSOS transcription), completed,
//! and answered by the sponsor under its seeded rules, at once (SYNC) or when the sandbox's clock reaches the
//! decision (ASYNC, with signed `authorization.*` webhooks); the codes issued are dispensed like any other.

use mostrador::osigu::model::{AuthorizationCreated, AuthorizationRejected};
use mostrador::osigu::webhook::verify_signature;
use mostrador::sandbox::DEMO_WEBHOOK_SECRET;
use serde_json::{Value, json};

use crate::receiver::Receiver;
use crate::support::{Harness, Reply, T0, money};

/// JOSÉ ANTONIO PÉREZ LÓPEZ, of sponsor-sandbox (SYNC, no verification, 20 % coinsurance).
const JOSE: &str = "bnf_01JD00SANDBX00000000000001";
/// MARÍA JOSÉ GONZÁLEZ, of aseguradora-otp (SYNC, OTP).
const MARIA: &str = "bnf_01JD00SANDBX00000000000002";
/// ANDRÉS FELIPE NÚÑEZ and LUCÍA ARAÚJO, of seguro-huella (ASYNC, fingerprint).
const ANDRES: &str = "bnf_01JD00SANDBX00000000000003";
const LUCIA: &str = "bnf_01JD00SANDBX00000000000004";
/// CONCEPCIÓN ALMÁNZAR, of aseguradora-otp, whose coverage ended.
const CONCEPCION: &str = "bnf_01JD00SANDBX00000000000008";

const REQUESTS: &str = "/arc/v1/authorization-requests";

fn product(code: &str, quantity: i64) -> Value {
    json!({ "product_code": code, "product_type": "MEDICATION", "quantity": quantity, "posology": "según receta" })
}

fn new_request(sponsor: &str, beneficiary: &str, products: Value) -> Value {
    json!({
        "beneficiary_id": beneficiary,
        "sponsor_slug": sponsor,
        "diagnosis_code": "J02.9",
        "authorization_type": "PRESCRIPTION",
        "products": products,
    })
}

/// The indication a counter attaches for a POSOS transcription.
fn posos_indication() -> Value {
    json!({
        "type": "PRESCRIPTION_DOCUMENT",
        "source": "POSOS",
        "reference": "RequestGroup/rg-01JD00000000000000000000001",
        "prescriber": { "name": "Dra. Lucía Fernández Orellana", "medical_license_number": "Col. 12345" },
        "issued_on": "2026-11-20",
    })
}

fn request_path(request: &Value, tail: &str) -> String {
    format!("{REQUESTS}/{}{tail}", request["authorization_request_id"].as_str().expect("authorization_request_id"))
}

/// Creates a request (201), attaches the POSOS indication (201) and completes it, returning the reply.
async fn ask(sandbox: &Harness, sponsor: &str, beneficiary: &str, products: Value) -> Reply {
    let created = sandbox.post(REQUESTS, new_request(sponsor, beneficiary, products)).await.expect(201).json();
    sandbox.post(&request_path(&created, "/indications"), posos_indication()).await.expect(201);
    sandbox.post(&request_path(&created, "/complete"), json!({})).await
}

/// `(product_code, status, authorized_quantity, reason)` of each product of a list.
fn answers(products: &Value) -> Vec<(String, String, u64, Option<String>)> {
    products
        .as_array()
        .expect("products")
        .iter()
        .map(|line| {
            (
                line["product_code"].as_str().unwrap().to_owned(),
                line["status"].as_str().unwrap().to_owned(),
                line["authorized_quantity"].as_u64().unwrap(),
                line["reason"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn answer(code: &str, status: &str, authorized: u64, reason: Option<&str>) -> (String, String, u64, Option<String>) {
    (code.to_owned(), status.to_owned(), authorized, reason.map(str::to_owned))
}

#[tokio::test]
async fn a_sync_sponsor_approves_one_code_per_product_type_and_its_code_is_dispensed_to_the_claim() {
    let sandbox = Harness::start().await;
    let body = new_request(
        "sponsor-sandbox",
        JOSE,
        json!([
            product("MED-001", 21),
            product("MED-107", 10),
            { "product_code": "LAB-100", "product_type": "LAB", "quantity": 1 },
            product("MED-SBX-042", 20),
        ]),
    );
    let created = sandbox.post_keyed(REQUESTS, "areq-key-1", body.clone()).await.expect(201).json();
    assert!(created["authorization_request_id"].as_str().unwrap().starts_with("areq_"));
    assert_eq!(created["status"], "PENDING_INDICATION");
    assert!(created["products"].as_array().unwrap().iter().all(|line| line["status"] == "PENDING"));
    assert_eq!(created["authorizations"], json!([]));
    // A retry with the same key is the same request, not a second one.
    let again = sandbox.post_keyed(REQUESTS, "areq-key-1", body).await.expect(201).json();
    assert_eq!(again["authorization_request_id"], created["authorization_request_id"]);

    let indication = sandbox.post(&request_path(&created, "/indications"), posos_indication()).await.expect(201).json();
    assert!(indication["indication_id"].as_str().unwrap().starts_with("ind_"));
    assert_eq!(
        (indication["type"].as_str(), indication["source"].as_str()),
        (Some("PRESCRIPTION_DOCUMENT"), Some("POSOS"))
    );
    let pending = sandbox.get(&request_path(&created, "")).await.expect(200).json();
    assert_eq!(
        (pending["status"].as_str(), pending["indications"].as_array().map(Vec::len)),
        (Some("PENDING_INDICATION"), Some(1))
    );

    let approved = sandbox.post(&request_path(&created, "/complete"), json!({})).await.expect(200).json();
    assert_eq!(approved["status"], "APPROVED");
    let authorizations = approved["authorizations"].as_array().unwrap();
    assert_eq!(authorizations.len(), 2, "one per product type: {approved}");
    let (medication, lab) = (&authorizations[0], &authorizations[1]);
    assert_eq!(
        (medication["code"].as_str(), medication["product_type"].as_str()),
        (Some("AUTH-2026-000201"), Some("MEDICATION"))
    );
    assert_eq!((lab["code"].as_str(), lab["product_type"].as_str()), (Some("AUTH-2026-000202"), Some("LAB")));
    assert_eq!(medication["expires_at"], "2026-12-21T10:00:00Z", "30 days, the sponsor's validity");
    // The product the plan excludes is rejected on its group's authorization, and says why.
    assert_eq!(
        answers(&medication["products"]),
        [
            answer("MED-001", "APPROVED", 21, None),
            answer("MED-107", "APPROVED", 10, None),
            answer("MED-SBX-042", "REJECTED", 0, Some("PRODUCT_EXCLUDED")),
        ]
    );
    assert!(medication["products"][2]["reason_description"].as_str().unwrap().contains("no cubre"));
    assert_eq!(approved["products"][0]["authorization_id"], medication["authorization_id"]);
    assert_eq!(approved["products"][3]["status"], "REJECTED");
    assert!(approved["products"][3].get("authorization_id").is_none());
    assert_eq!(sandbox.get(&request_path(&created, "")).await.json(), approved);

    // The code is real: started, completed (no verification for this sponsor), claimed.
    let dispensation = sandbox.start_code("AUTH-2026-000201").await;
    assert_eq!(
        (dispensation["code_type"].as_str(), dispensation["sponsor_slug"].as_str()),
        (Some("AUTHORIZATION"), Some("sponsor-sandbox"))
    );
    assert_eq!(dispensation["beneficiary"]["beneficiary_id"], JOSE);
    let lines: Vec<(&str, u64, f64)> = dispensation["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["product_code"].as_str().unwrap(),
                line["authorized_quantity"].as_u64().unwrap(),
                money(&line["unit_price"]),
            )
        })
        .collect();
    assert_eq!(lines, [("MED-001", 21, 3.75), ("MED-107", 10, 2.10)]);
    assert_eq!(dispensation["verification_required"], Value::Null);
    assert_eq!((money(&dispensation["amounts"]["total"]), money(&dispensation["amounts"]["patient"])), (99.75, 19.95));
    assert_eq!(dispensation["prescriber"]["name"], "Dra. Lucía Fernández Orellana");
    let done = sandbox.complete(&dispensation, json!({})).await.expect(200).json();
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["authorization_id"], medication["authorization_id"]);
    assert_eq!(money(&done["claim"]["amount"]), 79.80);
    sandbox
        .post("/dispensing/v1/dispensations", json!({ "code": "AUTH-2026-000201" }))
        .await
        .expect_error(409, "CODE_ALREADY_REDEEMED");
}

#[tokio::test]
async fn controlled_drugs_get_an_authorization_of_their_own_and_dispensing_it_asks_the_sponsor_s_otp() {
    let sandbox = Harness::start().await;
    let approved = ask(&sandbox, "aseguradora-otp", MARIA, json!([product("MED-042", 30), product("MED-610", 120)]))
        .await
        .expect(200)
        .json();
    let groups: Vec<(&str, &str)> = approved["authorizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["group"].as_str().unwrap(), a["code"].as_str().unwrap()))
        .collect();
    assert_eq!(groups, [("MEDICATION", "AUTH-2026-000201"), ("CONTROLADOS", "AUTH-2026-000202")]);
    // Over the sponsor's 90 units a line: approved for 90, and said so.
    assert_eq!(
        answers(&approved["authorizations"][1]["products"]),
        [answer("MED-610", "APPROVED", 90, Some("QUANTITY_REDUCED"))]
    );

    let dispensation = sandbox.start_code("AUTH-2026-000202").await;
    assert_eq!(dispensation["verification_required"], "OTP");
    assert_eq!(dispensation["products"][0]["available_quantity"], 90);
    sandbox.complete(&dispensation, json!({})).await.expect_error(403, "VERIFICATION_REQUIRED");
    let token = sandbox.otp_token(&dispensation).await;
    let done = sandbox.complete(&dispensation, json!({ "otp_verification_token": token })).await.expect(200).json();
    assert_eq!(done["status"], "COMPLETED");
}

#[tokio::test]
async fn an_async_sponsor_answers_when_the_clock_reaches_the_decision_with_signed_webhooks() {
    let receiver = Receiver::start(0).await;
    let sandbox = Harness::start().await;
    sandbox.subscribe(&receiver.url("/osigu"), &["authorization.*"]).await;

    let pending = ask(&sandbox, "seguro-huella", ANDRES, json!([product("MED-301", 60), product("MED-043", 15)]))
        .await
        .expect(200)
        .json();
    assert_eq!(pending["status"], "PENDING_SPONSOR");
    assert_eq!(pending["decision_due_at"], "2026-11-21T10:00:30Z");
    assert_eq!(pending["authorizations"], json!([]));
    assert!(pending["products"].as_array().unwrap().iter().all(|line| line["status"] == "PENDING"));

    sandbox.advance(29);
    assert_eq!(sandbox.get(&request_path(&pending, "")).await.json()["status"], "PENDING_SPONSOR");
    assert!(receiver.received().is_empty(), "nothing decided yet");
    sandbox
        .post("/dispensing/v1/dispensations", json!({ "code": "AUTH-2026-000201" }))
        .await
        .expect_error(404, "CODE_NOT_FOUND");

    sandbox.advance(1);
    let decided = sandbox.get(&request_path(&pending, "")).await.expect(200).json();
    assert_eq!(
        (decided["status"].as_str(), decided["decided_at"].as_str()),
        (Some("APPROVED"), Some("2026-11-21T10:00:30Z"))
    );
    let groups: Vec<&str> =
        decided["authorizations"].as_array().unwrap().iter().map(|a| a["group"].as_str().unwrap()).collect();
    assert_eq!(groups, ["CRONICOS", "MEDICATION"], "chronic treatments apart");

    // One signed authorization.created per code (deliveries may arrive in either order).
    let received = receiver.wait_for(2).await;
    let due = T0 + time::Duration::seconds(30);
    let mut announced = Vec::new();
    for delivery in &received {
        assert_eq!(verify_signature(&delivery.signature, &delivery.body, &[DEMO_WEBHOOK_SECRET], due), Ok(()));
        let event = delivery.event();
        assert_eq!(event["event_type"], "authorization.created");
        let data: AuthorizationCreated = serde_json::from_value(event["data"].clone()).unwrap();
        assert_eq!(data.authorization_request_id.as_str(), pending["authorization_request_id"].as_str().unwrap());
        assert_eq!(data.sponsor_slug.as_deref(), Some("seguro-huella"));
        let authorization = decided["authorizations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|authorization| authorization["code"] == data.authorization_code.as_str())
            .expect("an issued code");
        assert_eq!(data.authorization_id.as_str(), authorization["authorization_id"].as_str().unwrap());
        announced.push(data.authorization_code);
    }
    announced.sort();
    assert_eq!(announced, ["AUTH-2026-000201", "AUTH-2026-000202"]);

    // The chronic code, priced in COP by the sponsor, asks for the fingerprint at the counter.
    let dispensation = sandbox.start_code(decided["authorizations"][0]["code"].as_str().unwrap()).await;
    assert_eq!(
        (dispensation["currency_code"].as_str(), dispensation["verification_required"].as_str()),
        (Some("COP"), Some("BIOMETRIC"))
    );
    assert_eq!(
        (dispensation["products"][0]["quantity"].as_u64(), money(&dispensation["products"][0]["unit_price"])),
        (Some(60), 448.00)
    );
}

#[tokio::test]
async fn an_async_rejection_says_why_line_by_line_and_emits_authorization_rejected() {
    let receiver = Receiver::start(0).await;
    let sandbox = Harness::start().await;
    sandbox.subscribe(&receiver.url("/osigu"), &["authorization.rejected"]).await;
    let pending = ask(&sandbox, "seguro-huella", LUCIA, json!([product("MED-SBX-302", 30)])).await.expect(200).json();
    assert_eq!(pending["status"], "PENDING_SPONSOR");
    sandbox.advance(30);
    let rejected = sandbox.get(&request_path(&pending, "")).await.expect(200).json();
    assert_eq!(
        (rejected["status"].as_str(), rejected["rejection_reason"].as_str()),
        (Some("REJECTED"), Some("ALL_LINES_REJECTED"))
    );
    assert_eq!(answers(&rejected["products"]), [answer("MED-SBX-302", "REJECTED", 0, Some("PRODUCT_EXCLUDED"))]);
    assert_eq!(rejected["authorizations"], json!([]));

    let received = receiver.wait_for(1).await;
    let event = received[0].event();
    assert_eq!(event["event_type"], "authorization.rejected");
    let data: AuthorizationRejected = serde_json::from_value(event["data"].clone()).unwrap();
    assert_eq!(data.rejection_reason.as_deref(), Some("ALL_LINES_REJECTED"));
    assert_eq!(data.products[0].reason.as_deref(), Some("PRODUCT_EXCLUDED"));
    assert!(data.products[0].reason_description.as_deref().is_some_and(|text| text.contains("MED-SBX-302")));
}

#[tokio::test]
async fn a_sync_rejection_gives_each_line_its_reason_and_issues_no_code() {
    let sandbox = Harness::start().await;
    let products =
        json!([product("MED-SBX-215", 14), { "product_code": "LAB-100", "product_type": "LAB", "quantity": 1 }]);
    let rejected = ask(&sandbox, "aseguradora-otp", MARIA, products).await.expect(200).json();
    assert_eq!(rejected["status"], "REJECTED");
    assert_eq!(
        answers(&rejected["products"]),
        [
            answer("MED-SBX-215", "REJECTED", 0, Some("PRODUCT_EXCLUDED")),
            answer("LAB-100", "REJECTED", 0, Some("PRODUCT_TYPE_NOT_COVERED")),
        ]
    );
    assert_eq!(rejected["authorizations"], json!([]));
    assert!(rejected["products"][1]["reason_description"].as_str().unwrap().contains("LAB"));
}

#[tokio::test]
async fn completing_without_an_indication_is_422_and_the_request_stays_pending_indication() {
    let sandbox = Harness::start().await;
    let created = sandbox
        .post(REQUESTS, new_request("sponsor-sandbox", JOSE, json!([product("MED-001", 21)])))
        .await
        .expect(201)
        .json();
    let refused =
        sandbox.post(&request_path(&created, "/complete"), json!({})).await.expect_error(422, "INDICATION_REQUIRED");
    assert_eq!(refused.detail("status"), "PENDING_INDICATION");
    assert_eq!(sandbox.get(&request_path(&created, "")).await.json()["status"], "PENDING_INDICATION");

    sandbox.post(&request_path(&created, "/indications"), posos_indication()).await.expect(201);
    // The complete may come without a body at all.
    let path = request_path(&created, "/complete");
    let approved =
        sandbox.send(reqwest::Method::POST, &path, Some(&sandbox.token()), None, None).await.expect(200).json();
    assert_eq!(approved["status"], "APPROVED");
    sandbox.post(&path, json!({})).await.expect_error(409, "INVALID_STATE");
    sandbox.post(&request_path(&created, "/indications"), posos_indication()).await.expect_error(409, "INVALID_STATE");
}

#[tokio::test]
async fn requests_the_sponsor_cannot_take_are_refused_and_name_what_is_wrong() {
    let sandbox = Harness::start().await;
    let unregistered = sandbox
        .post(
            REQUESTS,
            new_request("sponsor-sandbox", JOSE, json!([product("MED-001", 21), product("MED-DEXKETO-25", 9)])),
        )
        .await
        .expect_error(422, "PRODUCT_NOT_REGISTERED");
    assert_eq!(unregistered.json()["error_code"], "071-104");
    assert_eq!(unregistered.json()["errors"][0]["path"], "products[1].product_code");

    sandbox
        .post(REQUESTS, new_request("aseguradora-otp", CONCEPCION, json!([product("MED-042", 10)])))
        .await
        .expect_error(422, "COVERAGE_INACTIVE");
    sandbox
        .post(REQUESTS, new_request("aseguradora-otp", JOSE, json!([product("MED-042", 10)])))
        .await
        .expect_error(422, "BENEFICIARY_MISMATCH");
    sandbox
        .post(REQUESTS, new_request("nadie", JOSE, json!([product("MED-042", 10)])))
        .await
        .expect_error(404, "SPONSOR_NOT_FOUND");

    let mut body = new_request(
        "sponsor-sandbox",
        JOSE,
        json!([product("MED-001", 0), { "product_code": "LAB-100", "product_type": "MEDICATION", "quantity": 1 }, product("MED-001", 5)]),
    );
    body["diagnosis_code"] = json!("faringitis");
    let invalid = sandbox.post(REQUESTS, body).await.expect_error(422, "VALIDATION_ERROR");
    let paths: Vec<String> =
        invalid.json()["errors"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        paths,
        ["diagnosis_code", "products[0].quantity", "products[1].product_type", "products[2].product_code"]
    );
    sandbox.post(REQUESTS, new_request("sponsor-sandbox", JOSE, json!([]))).await.expect_error(422, "VALIDATION_ERROR");
    // A body that is not the shape at all is the usual 400.
    sandbox.post(REQUESTS, json!({ "sponsor_slug": "sponsor-sandbox" })).await.expect_error(400, "VALIDATION_ERROR");

    let created = sandbox
        .post(REQUESTS, new_request("sponsor-sandbox", JOSE, json!([product("MED-001", 21)])))
        .await
        .expect(201)
        .json();
    let bad = json!({ "type": "SELFIE", "source": "posos app", "reference": " ", "prescriber": { "name": "" }, "issued_on": "2026-11-22" });
    let refused =
        sandbox.post(&request_path(&created, "/indications"), bad).await.expect_error(422, "VALIDATION_ERROR");
    let paths: Vec<String> =
        refused.json()["errors"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap().to_owned()).collect();
    assert_eq!(paths, ["type", "source", "reference", "prescriber.name", "issued_on"]);
    sandbox.get(&format!("{REQUESTS}/areq_nope")).await.expect_error(404, "AUTHORIZATION_REQUEST_NOT_FOUND");
    sandbox
        .post(&format!("{REQUESTS}/areq_nope/complete"), json!({}))
        .await
        .expect_error(404, "AUTHORIZATION_REQUEST_NOT_FOUND");

    // Reading needs arc:read, writing arc:write: the read-only client may look but not ask.
    let readonly =
        sandbox.token_for(mostrador::sandbox::READONLY_CLIENT_ID, mostrador::sandbox::READONLY_CLIENT_SECRET).await;
    let body = new_request("sponsor-sandbox", JOSE, json!([product("MED-001", 21)]));
    let reply = sandbox.send(reqwest::Method::POST, REQUESTS, Some(&readonly), Some(&body), None).await;
    reply.expect_error(403, "INSUFFICIENT_SCOPE");
    sandbox.send(reqwest::Method::GET, &request_path(&created, ""), Some(&readonly), None, None).await.expect(200);
}
