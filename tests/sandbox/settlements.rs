//! Settlement batches, the Dominican radicación (contract §6): claims of completed dispensations of the BATCH
//! sponsor `ars-sandbox-do`, gathered into a batch for a month, invoiced, submitted, and answered by the
//! sponsor when the sandbox's clock reaches the decision, with a signed `settlement.*` webhook.

use mostrador::osigu::webhook::verify_signature;
use mostrador::sandbox::DEMO_WEBHOOK_SECRET;
use serde_json::{Value, json};

use crate::receiver::Receiver;
use crate::support::{Harness, T0, id, money};

/// RAMÓN DE LA CRUZ, the ARS beneficiary every ars-sandbox-do code is for (found by cédula 00112345678).
const RAMON: &str = "bnf_01JD00SANDBX00000000000006";
const AUTH_105: &str = "auth_01JD00SANDBX00000000000105";
const AUTH_112: &str = "auth_01JD00SANDBX00000000000112";
const AUTH_113: &str = "auth_01JD00SANDBX00000000000113";

/// Dispenses an ars-sandbox-do code for RAMÓN (only `lines` when given), with the OTP he reads aloud, and
/// returns the completed dispensation.
async fn dispense(sandbox: &Harness, code: &str, lines: Option<Value>) -> Value {
    let started = sandbox.post("/dispensing/v1/dispensations", json!({ "code": code, "beneficiary_id": RAMON })).await;
    let mut dispensation = started.expect(201).json();
    if let Some(lines) = lines {
        let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
        dispensation = sandbox.put(&path, json!({ "products": lines })).await.expect(200).json();
    }
    let token = sandbox.otp_token(&dispensation).await;
    let done = sandbox.complete(&dispensation, json!({ "otp_verification_token": token })).await.expect(200).json();
    // The next OTP to the same beneficiary may be sent 30 s later.
    sandbox.advance(31);
    done
}

async fn open(sandbox: &Harness, sponsor: &str, period: &str) -> crate::support::Reply {
    sandbox.post("/v3/settlements", json!({ "sponsor_slug": sponsor, "period": period })).await
}

fn settlement_path(batch: &Value, tail: &str) -> String {
    format!("/v3/settlements/{}{tail}", batch["settlement_id"].as_str().expect("settlement_id"))
}

async fn attach(sandbox: &Harness, batch: &Value, ids: &[&str]) -> crate::support::Reply {
    sandbox.post(&settlement_path(batch, "/authorizations"), json!({ "authorization_ids": ids })).await
}

async fn submit(sandbox: &Harness, batch: &Value, number: &str, date: &str) -> crate::support::Reply {
    let body = json!({ "invoice_number": number, "invoice_date": date });
    sandbox.post(&settlement_path(batch, "/complete"), body).await
}

fn amounts(entries: &Value) -> Vec<f64> {
    entries.as_array().unwrap().iter().map(|entry| money(&entry["total_amount"])).collect()
}

#[tokio::test]
async fn a_radicacion_of_completed_dispensations_ends_partially_accepted_when_the_clock_reaches_the_decision() {
    let receiver = Receiver::start(0).await;
    let sandbox = Harness::start().await;
    sandbox.subscribe(&receiver.url("/osigu"), &["settlement.*"]).await;

    // AUTH-2026-000105 in two visits (amlodipino, then atorvastatina), the insulin of 000112, the metformin of
    // 000113: four claims in November. The ARS owes 70 % of each (30 % coinsurance).
    let first = dispense(&sandbox, "AUTH-2026-000105", Some(json!([{ "id": "line_1", "quantity": 30 }]))).await;
    let second = dispense(&sandbox, "AUTH-2026-000105", None).await;
    let insulin = dispense(&sandbox, "AUTH-2026-000112", None).await;
    let metformin = dispense(&sandbox, "AUTH-2026-000113", None).await;
    assert_eq!(first["authorization_id"], AUTH_105);
    assert_eq!(money(&insulin["claim"]["amount"]), 10325.00);

    let batch = open(&sandbox, "ars-sandbox-do", "2026-11").await.expect(201).json();
    assert_eq!((batch["status"].as_str(), batch["period"].as_str()), (Some("OPEN"), Some("2026-11")));
    assert!(batch["settlement_id"].as_str().unwrap().starts_with("stl_"));
    assert_eq!(batch["authorizations"], json!([]));

    let pending_path = settlement_path(&batch, "/pending-authorizations");
    let page = sandbox.get(&format!("{pending_path}?size=3")).await.expect(200).json();
    assert_eq!(page["page"], json!({ "number": 0, "size": 3, "total_elements": 4, "total_pages": 2 }));
    let pending = sandbox.get(&pending_path).await.expect(200).json()["content"].clone();
    assert_eq!(amounts(&pending), [378.00, 745.50, 10325.00, 273.00]);
    let claims: Vec<&Value> = [&first, &second, &insulin, &metformin].map(|d| &d["claim"]["claim_id"]).to_vec();
    let listed: Vec<&Value> = pending.as_array().unwrap().iter().map(|p| &p["claim_id"]).collect();
    assert_eq!(listed, claims);
    assert_eq!(pending[0]["authorization_id"], AUTH_105);
    assert_eq!(pending[0]["dispensed_at"], first["completed_at"]);
    assert_eq!(money(&pending[0]["patient_amount"]), 162.00);

    let filled = attach(&sandbox, &batch, &[AUTH_105, AUTH_112, AUTH_113]).await.expect(200).json();
    assert_eq!(amounts(&filled["authorizations"]), [378.00, 745.50, 10325.00, 273.00]);
    assert_eq!(money(&filled["total_amount"]), 11721.50);
    assert!(filled["accepted_amount"].is_null());
    assert_eq!(sandbox.get(&pending_path).await.json()["page"]["total_elements"], 0);

    let submitted = submit(&sandbox, &batch, "B0100000123", "2026-11-21").await.expect(200).json();
    assert_eq!(submitted["status"], "SUBMITTED");
    assert_eq!(submitted["invoice_number"], "B0100000123");
    let submitted_at = (submitted["submitted_at"].as_str().unwrap(), submitted["decision_due_at"].as_str().unwrap());
    assert_eq!(submitted_at, ("2026-11-21T10:02:04Z", "2026-11-21T12:02:04Z"));

    // The ARS answers two hours of sandbox time later, not a second before.
    let due = 2 * 60 + 4 + 2 * 3600;
    sandbox.advance_to(due - 1).await;
    assert_eq!(sandbox.get(&settlement_path(&batch, "")).await.json()["status"], "SUBMITTED");
    sandbox.advance_to(due).await;
    let decided = sandbox.get(&settlement_path(&batch, "")).await.expect(200).json();
    assert_eq!(decided["status"], "PARTIALLY_ACCEPTED");
    assert_eq!(decided["decided_at"], "2026-11-21T12:02:04Z");
    let verdicts: Vec<(&str, &str)> = decided["authorizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["code"].as_str().unwrap(), entry["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("AUTH-2026-000105", "ACCEPTED"),
            ("AUTH-2026-000105", "ACCEPTED"),
            ("AUTH-2026-000112", "REJECTED"),
            ("AUTH-2026-000113", "ACCEPTED"),
        ]
    );
    assert_eq!(decided["authorizations"][2]["reason"], "AMOUNT_OVER_LIMIT");
    assert!(decided["authorizations"][2]["reason_description"].as_str().unwrap().contains("10000.00 DOP"));
    assert_eq!(money(&decided["accepted_amount"]), 1396.50);

    // The outcome arrives as one signed event carrying the batch as the GET shows it.
    let received = receiver.wait_for(1).await;
    assert_eq!(received.len(), 1, "only settlement.* was subscribed");
    let event = received[0].event();
    assert_eq!(event["event_type"], "settlement.partially_accepted");
    assert_eq!(event["data"], decided);
    let signed_at = T0 + time::Duration::seconds(i64::try_from(due).unwrap());
    assert_eq!(verify_signature(&received[0].signature, &received[0].body, &[DEMO_WEBHOOK_SECRET], signed_at), Ok(()));

    let listed = sandbox.get("/v3/settlements?status=PARTIALLY_ACCEPTED").await.expect(200).json();
    assert_eq!(listed["content"][0], decided);
    assert_eq!(sandbox.get("/v3/settlements?status=OPEN").await.json()["page"]["total_elements"], 0);
    let by_month = sandbox.get("/v3/settlements?sponsor_slug=ars-sandbox-do&period=2026-11").await.json();
    assert_eq!(by_month["page"]["total_elements"], 1);
    sandbox.get("/v3/settlements?status=PAID").await.expect_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_batch_within_the_rules_is_paid_and_one_submitted_too_late_is_rejected() {
    let receiver = Receiver::start(0).await;
    let sandbox = Harness::start().await;
    sandbox.subscribe(&receiver.url("/osigu"), &["settlement.*"]).await;
    dispense(&sandbox, "AUTH-2026-000113", None).await;
    let paid = open(&sandbox, "ars-sandbox-do", "2026-11").await.expect(201).json();
    attach(&sandbox, &paid, &[AUTH_113]).await.expect(200);
    submit(&sandbox, &paid, "B0100000124", "2026-11-21").await.expect(200);
    sandbox.advance_to(3 * 3600).await;
    let paid = sandbox.get(&settlement_path(&paid, "")).await.json();
    assert_eq!(paid["status"], "ACCEPTED");
    assert_eq!(money(&paid["accepted_amount"]), money(&paid["total_amount"]));
    assert_eq!(receiver.wait_for(1).await[0].event()["event_type"], "settlement.paid");

    // AUTH-2026-000105 dispensed on 21 November and radicated 70 days later: the ARS allows 60.
    dispense(&sandbox, "AUTH-2026-000105", None).await;
    sandbox.advance_to(70 * 86_400).await;
    let late = open(&sandbox, "ars-sandbox-do", "2026-11").await.expect(201).json();
    attach(&sandbox, &late, &[AUTH_105]).await.expect(200);
    submit(&sandbox, &late, "B0100000125", "2027-01-30").await.expect(200);
    sandbox.advance_to(70 * 86_400 + 2 * 3600).await;
    let late = sandbox.get(&settlement_path(&late, "")).await.json();
    assert_eq!(late["status"], "REJECTED");
    assert_eq!(late["authorizations"][0]["reason"], "LATE_SUBMISSION");
    assert_eq!(money(&late["accepted_amount"]), 0.0);
    assert_eq!(receiver.wait_for(2).await[1].event()["event_type"], "settlement.rejected");
}

#[tokio::test]
async fn only_a_batch_sponsor_may_have_a_batch_and_for_a_month_that_has_begun() {
    let sandbox = Harness::start().await;
    for sponsor in ["sponsor-sandbox", "aseguradora-otp", "seguro-huella", "salud-facial"] {
        let refused = open(&sandbox, sponsor, "2026-11").await.expect_error(406, "SETTLEMENT_NOT_ALLOWED");
        assert_eq!(refused.detail("settlement_mode"), "PER_TRANSACTION");
    }
    open(&sandbox, "ars-inexistente", "2026-11").await.expect_error(404, "SPONSOR_NOT_FOUND");
    for (period, message) in [("2026-12", "has not begun"), ("2026-13", "YYYY-MM"), ("noviembre", "YYYY-MM")] {
        let refused = open(&sandbox, "ars-sandbox-do", period).await.expect_error(400, "VALIDATION_ERROR").json();
        assert_eq!(refused["errors"][0]["path"], "period");
        assert!(refused["errors"][0]["message"].as_str().unwrap().contains(message), "{refused}");
    }
    let batch = open(&sandbox, "ars-sandbox-do", "2026-11").await.expect(201).json();
    let again = open(&sandbox, "ars-sandbox-do", "2026-11").await.expect_error(409, "SETTLEMENT_ALREADY_OPEN");
    assert_eq!(again.detail("settlement_id"), batch["settlement_id"]);
    open(&sandbox, "ars-sandbox-do", "2026-10").await.expect(201);
    sandbox.get("/v3/settlements/stl_nope").await.expect_error(404, "SETTLEMENT_NOT_FOUND");
    // The read-only client can read but not open.
    let readonly = sandbox.token_for("counter-readonly", "sandbox-secret-0002").await;
    let listed = sandbox.send(reqwest::Method::GET, "/v3/settlements", Some(&readonly), None, None).await;
    assert_eq!(listed.expect(200).json()["page"]["total_elements"], 2);
    let body = json!({ "sponsor_slug": "ars-sandbox-do", "period": "2026-09" });
    let refused = sandbox.send(reqwest::Method::POST, "/v3/settlements", Some(&readonly), Some(&body), None).await;
    refused.expect_error(403, "INSUFFICIENT_SCOPE");
}

#[tokio::test]
async fn each_wrong_invoice_field_is_named_in_a_400_and_nothing_is_submitted() {
    let sandbox = Harness::start().await;
    let batch = open(&sandbox, "ars-sandbox-do", "2026-11").await.expect(201).json();
    let complete = settlement_path(&batch, "/complete");
    let cases = [
        (json!({}), vec![("invoice_number", "required"), ("invoice_date", "required")]),
        (
            json!({ "invoice_number": "  ", "invoice_date": "" }),
            vec![("invoice_number", "required"), ("invoice_date", "required")],
        ),
        (
            json!({ "invoice_number": "B01000000000000000001", "invoice_date": "2026-11-21" }),
            vec![("invoice_number", "at most 20 characters")],
        ),
        (
            json!({ "invoice_number": "B0100000123", "invoice_date": "21/11/2026" }),
            vec![("invoice_date", "YYYY-MM-DD")],
        ),
        (
            json!({ "invoice_number": "B0100000123", "invoice_date": "2026-02-30" }),
            vec![("invoice_date", "YYYY-MM-DD")],
        ),
        (
            json!({ "invoice_number": "B0100000123", "invoice_date": "2026-11-22" }),
            vec![("invoice_date", "in the future")],
        ),
        (
            json!({ "invoice_number": "B0100000123", "invoice_date": "2026-10-31" }),
            vec![("invoice_date", "before the period")],
        ),
        (
            json!({ "invoice_number": "B01\u{7}", "invoice_date": "2027-01-01" }),
            vec![("invoice_number", "punctuation"), ("invoice_date", "in the future")],
        ),
    ];
    for (body, expected) in cases {
        let refused = sandbox.post(&complete, body.clone()).await.expect_error(400, "INVOICE_INVALID").json();
        let errors: Vec<(String, String)> = refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["path"].as_str().unwrap().to_owned(), e["message"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(errors.len(), expected.len(), "{body}: {errors:?}");
        for ((path, message), (want_path, want)) in errors.iter().zip(&expected) {
            assert!(path == want_path && message.contains(want), "{body}: {errors:?}");
        }
    }
    // A number where text belongs is named too, by the body's decoder.
    let typed = sandbox.post(&complete, json!({ "invoice_number": 123, "invoice_date": "2026-11-21" })).await;
    assert_eq!(typed.expect_error(400, "VALIDATION_ERROR").json()["errors"][0]["path"], "invoice_number");
    // Right invoice, empty batch.
    submit(&sandbox, &batch, "B0100000123", "2026-11-21").await.expect_error(422, "SETTLEMENT_EMPTY");
    assert_eq!(sandbox.get(&settlement_path(&batch, "")).await.json()["status"], "OPEN");

    dispense(&sandbox, "AUTH-2026-000113", None).await;
    attach(&sandbox, &batch, &[AUTH_113]).await.expect(200);
    submit(&sandbox, &batch, "B0100000123", "2026-11-21").await.expect(200);
    let twice = submit(&sandbox, &batch, "B0100000124", "2026-11-21").await.expect_error(409, "INVALID_STATE");
    assert_eq!(twice.detail("status"), "SUBMITTED");
    attach(&sandbox, &batch, &[AUTH_105]).await.expect_error(409, "INVALID_STATE");
}

#[tokio::test]
async fn a_claim_goes_into_one_batch_only() {
    let sandbox = Harness::start().await;
    dispense(&sandbox, "AUTH-2026-000105", None).await;
    dispense(&sandbox, "AUTH-2026-000113", None).await;
    let other_sponsor = sandbox.start_code("AUTH-2026-000101").await;
    sandbox.complete(&other_sponsor, json!({})).await.expect(200);

    let first = open(&sandbox, "ars-sandbox-do", "2026-11").await.expect(201).json();
    attach(&sandbox, &first, &[AUTH_105]).await.expect(200);
    let again = attach(&sandbox, &first, &[AUTH_105]).await.expect_error(409, "AUTHORIZATION_IN_SETTLEMENT");
    assert_eq!(again.detail("settlement_id"), first["settlement_id"]);
    submit(&sandbox, &first, "B0100000123", "2026-11-21").await.expect(200);

    // A second batch for the same month sees only what the first did not take, and may not take 000105.
    let second = open(&sandbox, "ars-sandbox-do", "2026-11").await.expect(201).json();
    let pending = sandbox.get(&settlement_path(&second, "/pending-authorizations")).await.json();
    let pending_ids: Vec<&Value> =
        pending["content"].as_array().unwrap().iter().map(|p| &p["authorization_id"]).collect();
    assert_eq!(pending_ids, [AUTH_113]);
    let taken = attach(&sandbox, &second, &[AUTH_113, AUTH_105]).await.expect_error(409, "AUTHORIZATION_IN_SETTLEMENT");
    assert_eq!(taken.detail("settlement_id"), first["settlement_id"]);
    assert_eq!(taken.detail("authorization_id"), AUTH_105);
    // All or nothing: 000113 was not attached by the refused call.
    assert_eq!(sandbox.get(&settlement_path(&second, "")).await.json()["authorizations"], json!([]));

    // Not pending here: another sponsor's claim, an authorization never dispensed, an unknown id.
    let not_pending = attach(&sandbox, &second, &["auth_01JD00SANDBX00000000000101", AUTH_112, "auth_nope"]).await;
    let paths: Vec<Value> = not_pending.expect_error(422, "AUTHORIZATION_NOT_PENDING").json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].clone())
        .collect();
    assert_eq!(paths, ["authorization_ids[0]", "authorization_ids[1]", "authorization_ids[2]"]);
    attach(&sandbox, &second, &[]).await.expect_error(400, "VALIDATION_ERROR");
    let filled = attach(&sandbox, &second, &[AUTH_113, AUTH_113]).await.expect(200).json();
    assert_eq!(filled["authorizations"].as_array().unwrap().len(), 1, "a repeated id attaches once");
}
