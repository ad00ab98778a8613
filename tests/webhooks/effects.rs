//! What accepted events change for the counters and the settlements screen: settlement batches' states in the
//! `settlements` table, voided codes a counter polls for, and events a stopped receiver kept but had not applied.

use mostrador::journal::{Journal, NewWebhookEvent, Place};
use mostrador::sandbox::DEMO_WEBHOOK_SECRET;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::harness::{data_dir, eventually, receiver};
use crate::support::{Harness, T0, id};

/// RAMÓN DE LA CRUZ, the ARS beneficiary every ars-sandbox-do code is for.
const RAMON: &str = "bnf_01JD00SANDBX00000000000006";
const AUTH_105: &str = "auth_01JD00SANDBX00000000000105";
const AUTH_112: &str = "auth_01JD00SANDBX00000000000112";
const AUTH_113: &str = "auth_01JD00SANDBX00000000000113";

/// Dispenses an ars-sandbox-do code for RAMÓN whole, with the OTP he reads aloud.
async fn dispense(sandbox: &Harness, code: &str) {
    let started = sandbox.post("/dispensing/v1/dispensations", json!({ "code": code, "beneficiary_id": RAMON })).await;
    let dispensation = started.expect(201).json();
    let token = sandbox.otp_token(&dispensation).await;
    sandbox.complete(&dispensation, json!({ "otp_verification_token": token })).await.expect(200);
    // The next OTP to the same beneficiary may be sent 30 s later.
    sandbox.advance(31);
}

/// Opens a November batch of `authorizations`, submits it, and returns its id.
async fn submitted_batch(sandbox: &Harness, authorizations: &[&str], invoice: &str) -> String {
    let batch = sandbox.post("/v3/settlements", json!({ "sponsor_slug": "ars-sandbox-do", "period": "2026-11" })).await;
    let id = batch.expect(201).json()["settlement_id"].as_str().unwrap().to_owned();
    let attach = json!({ "authorization_ids": authorizations });
    sandbox.post(&format!("/v3/settlements/{id}/authorizations"), attach).await.expect(200);
    let invoice = json!({ "invoice_number": invoice, "invoice_date": "2026-11-21" });
    sandbox.post(&format!("/v3/settlements/{id}/complete"), invoice).await.expect(200);
    id
}

#[tokio::test]
async fn settlement_events_put_each_batchs_decision_in_the_settlements_table() {
    let sandbox = Harness::start().await;
    let receiver = receiver(&[DEMO_WEBHOOK_SECRET], sandbox.sandbox.clock(), &data_dir()).await;
    sandbox.subscribe(&receiver.url(), &["settlement.*"]).await;
    for code in ["AUTH-2026-000113", "AUTH-2026-000105", "AUTH-2026-000112"] {
        dispense(&sandbox, code).await;
    }
    let paid = submitted_batch(&sandbox, &[AUTH_113], "B0100000124").await;
    let partial = submitted_batch(&sandbox, &[AUTH_105, AUTH_112], "B0100000125").await;
    assert_eq!(receiver.journal().settlements().unwrap(), [], "submitted: no event yet");

    // The ARS answers both two hours of sandbox time later.
    sandbox.advance_to(3 * 3600).await;
    eventually("both decisions applied", || receiver.stats().applied == 2).await;
    let journal = receiver.journal();
    let rows = journal.settlements().unwrap();
    assert_eq!(rows.len(), 2);

    let accepted = journal.settlement(&paid).unwrap().unwrap();
    assert_eq!(accepted.status, "ACCEPTED");
    assert_eq!(accepted.accepted_amount, accepted.total_amount);
    assert_eq!(accepted.invoice_number.as_deref(), Some("B0100000124"));

    let mixed = journal.settlement(&partial).unwrap().unwrap();
    let server = sandbox.get(&format!("/v3/settlements/{partial}")).await.expect(200).json();
    assert_eq!(mixed.status, "PARTIALLY_ACCEPTED");
    assert_eq!((mixed.sponsor_slug.as_deref(), mixed.period.as_deref()), (Some("ars-sandbox-do"), Some("2026-11")));
    assert_eq!(mixed.currency.as_deref(), Some("DOP"));
    assert_eq!(mixed.total_amount, Some(Decimal::new(1144850, 2)), "378.00 + 745.50 + 10325.00");
    assert_eq!(mixed.accepted_amount, Some(Decimal::new(112350, 2)), "the insulin over RD$10,000 rejected");
    assert_eq!(mixed.decided_at.map(|at| at.unix_timestamp()), Some(rfc3339(&server["decided_at"])));
    assert_eq!(mixed.updated_at, mixed.decided_at.unwrap(), "as of the event, not of its arrival");
    // The batch as the event carried it, each claim's verdict included, for the screen to show.
    let detail: Value = serde_json::from_str(&mixed.detail).unwrap();
    assert_eq!(detail["authorizations"], server["authorizations"]);
    assert_eq!(detail["authorizations"][1]["reason"], "AMOUNT_OVER_LIMIT");
    let kept = journal.webhook_events().unwrap();
    let types: Vec<&str> = kept.iter().map(|event| event.event_type.as_str()).collect();
    assert_eq!(types.len(), 2);
    assert!(types.contains(&"settlement.paid") && types.contains(&"settlement.partially_accepted"), "{types:?}");
}

fn rfc3339(value: &Value) -> i64 {
    time::OffsetDateTime::parse(value.as_str().unwrap(), &time::format_description::well_known::Rfc3339)
        .unwrap()
        .unix_timestamp()
}

#[tokio::test]
async fn a_voided_authorization_is_listed_for_a_counter_polling_since_its_dispensation_started() {
    let sandbox = Harness::start().await;
    let receiver = receiver(&[DEMO_WEBHOOK_SECRET], sandbox.sandbox.clock(), &data_dir()).await;
    sandbox.subscribe(&receiver.url(), &["authorization.voided"]).await;
    // A till starts AUTH-2026-000102; while the patient finds the OTP, the sponsor voids it.
    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    let started_at = sandbox.sandbox.clock().now();
    assert_eq!(receiver.journal().voided_codes_since(started_at).unwrap(), []);
    sandbox.advance(40);
    sandbox.post("/sandbox/v1/authorizations/AUTH-2026-000102/void", json!({})).await.expect(204);

    eventually("the void recorded", || receiver.stats().applied == 1).await;
    let voided = receiver.journal().voided_codes_since(started_at).unwrap();
    assert_eq!(voided.len(), 1);
    assert_eq!(voided[0].code, dispensation["code"].as_str().unwrap());
    assert_eq!(voided[0].authorization_id.as_deref(), Some("auth_01JD00SANDBX00000000000102"));
    assert_eq!(voided[0].sponsor_slug.as_deref(), dispensation["sponsor_slug"].as_str());
    assert_eq!(voided[0].reason.as_deref(), Some("SPONSOR_VOID"));
    assert_eq!(voided[0].voided_at, Some(started_at + time::Duration::seconds(40)));
    // What the banner warns of: the server will refuse to finalize it.
    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    assert_ne!(sandbox.get(&path).await.expect(200).json()["status"], "COMPLETED");
    // A counter that started later does not see it as news.
    let later = started_at + time::Duration::seconds(41);
    assert_eq!(receiver.journal().voided_codes_since(later).unwrap(), []);
}

#[tokio::test]
async fn an_event_kept_but_not_applied_when_the_receiver_stopped_is_applied_at_the_next_start() {
    let dir = data_dir();
    // What a receiver killed between its answer and its applier leaves: the event kept, not applied.
    let journal = Journal::in_dir(&dir, &Place::new("server", "webhooks")).unwrap();
    let body = json!({
        "event_id": "evt_left", "event_type": "authorization.voided", "created_at": "2026-11-21T10:00:00Z",
        "data": { "authorization_code": "AUTH-2026-000109", "authorization_id": "auth_109" },
    })
    .to_string();
    let row = NewWebhookEvent {
        event_id: "evt_left".into(),
        event_type: "authorization.voided".into(),
        created_at: Some(T0),
        subject: Some("AUTH-2026-000109".into()),
        body,
    };
    assert_eq!(journal.accept_webhook_events(&[row], T0).unwrap(), [true]);
    drop(journal);

    let clock = mostrador::sandbox::Clock::frozen_at(T0);
    let started = receiver(&[DEMO_WEBHOOK_SECRET], &clock, &dir).await;
    eventually("the left-over event applied", || started.stats().applied == 1).await;
    let voided = started.journal().voided_codes_since(T0).unwrap();
    assert_eq!(voided.iter().map(|v| v.code.as_str()).collect::<Vec<_>>(), ["AUTH-2026-000109"]);
    assert!(started.journal().webhook_events().unwrap()[0].applied);
    started.shutdown().await;
    // And a second start finds nothing left to do.
    let again = receiver(&[DEMO_WEBHOOK_SECRET], &clock, &dir).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(again.stats().applied, 0);
}
