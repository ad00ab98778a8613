//! `Idempotency-Key`: the first reply is replayed for the same body, a different body is refused, and a
//! retry after a lost reply gets the outcome that was committed.

use mostrador::sandbox::{FaultKind, FaultPlan, FaultRoute};
use serde_json::json;

use crate::support::{Harness, id, read};

#[tokio::test]
async fn the_same_key_and_body_replay_the_first_reply_byte_for_byte() {
    let sandbox = Harness::start().await;
    let body = json!({ "code": "AUTH-2026-000101" });
    let first = sandbox.post_keyed("/dispensing/v1/dispensations", "start-1", body.clone()).await.expect(201);
    let again = sandbox.post_keyed("/dispensing/v1/dispensations", "start-1", body).await.expect(201);
    assert_eq!(again.text, first.text);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.header("idempotent-replayed"), None);
    let listed = sandbox.get("/dispensing/v1/dispensations?code=AUTH-2026-000101").await.json();
    assert_eq!(listed["page"]["total_elements"], 1, "one dispensation, not two");
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused() {
    let sandbox = Harness::start().await;
    sandbox.post_keyed("/dispensing/v1/dispensations", "k", json!({ "code": "AUTH-2026-000101" })).await.expect(201);
    sandbox
        .post_keyed("/dispensing/v1/dispensations", "k", json!({ "code": "RX-2026-000001" }))
        .await
        .expect_error(422, "IDEMPOTENCY_KEY_REUSED");
    // The same body on another path is another request too.
    sandbox
        .post_keyed("/v1/otp/send", "k", json!({ "code": "AUTH-2026-000101" }))
        .await
        .expect_error(422, "IDEMPOTENCY_KEY_REUSED");
}

#[tokio::test]
async fn a_replay_is_kept_24_hours() {
    let sandbox = Harness::start().await;
    let body = json!({ "code": "RX-2026-000001" });
    let first = sandbox.post_keyed("/dispensing/v1/dispensations", "day", body.clone()).await.expect(201);
    sandbox.advance(24 * 3600 - 1);
    sandbox.renew_token().await;
    let token = sandbox.token();
    let again = sandbox
        .send(reqwest::Method::POST, "/dispensing/v1/dispensations", Some(&token), Some(&body), Some("day"))
        .await;
    assert_eq!(again.text, first.text);
}

#[tokio::test]
async fn a_finalize_whose_reply_was_lost_is_retried_with_the_same_key_and_gets_the_committed_outcome() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    let path = format!("/dispensing/v1/dispensations/{}/complete", id(&dispensation));
    let body =
        json!({ "amount": dispensation["total_amount"], "document_number": "F001-9", "document_date": "2026-11-21" });
    sandbox.sandbox.faults().set(FaultPlan::none().with(FaultRoute::Complete, FaultKind::CommitThenDrop(1.0)));
    let lost = sandbox
        .http
        .post(sandbox.url(&path))
        .bearer_auth(sandbox.token())
        .header("Idempotency-Key", "fin-1")
        .json(&body)
        .send()
        .await;
    assert!(lost.is_err(), "the reply must be lost: {lost:?}");
    sandbox.sandbox.faults().set(FaultPlan::none());

    let retried = sandbox.post_keyed(&path, "fin-1", body).await.expect(200);
    assert_eq!(retried.json()["status"], "COMPLETED");
    assert_eq!(retried.header("idempotent-replayed"), Some("true"));
    let events = sandbox.get("/sandbox/v1/events").await.json();
    let completions = events.as_array().unwrap().iter().filter(|e| e["event_type"] == "dispensing.completed").count();
    assert_eq!(completions, 1);
}

#[tokio::test]
async fn a_key_longer_than_255_characters_is_refused() {
    let sandbox = Harness::start().await;
    let key = "k".repeat(256);
    let reply = sandbox.post_keyed("/dispensing/v1/dispensations", &key, json!({ "code": "AUTH-2026-000101" })).await;
    reply.expect_error(400, "VALIDATION_ERROR");
    sandbox
        .post_keyed("/dispensing/v1/dispensations", &"k".repeat(255), json!({ "code": "AUTH-2026-000101" }))
        .await
        .expect(201);
}

#[tokio::test]
async fn refusals_that_did_not_look_at_the_request_are_not_remembered() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    let path = format!("/dispensing/v1/dispensations/{}/complete", id(&dispensation));
    let token = sandbox.otp_token(&dispensation).await;
    let body = json!({ "amount": dispensation["total_amount"], "document_number": "F1", "document_date": "2026-11-21", "otp_verification_token": token });
    // Sent without a bearer token: 401, and the key stays free.
    let anonymous =
        read(sandbox.http.post(sandbox.url(&path)).header("Idempotency-Key", "fin").json(&body).send().await.unwrap())
            .await;
    anonymous.expect_error(401, "UNAUTHORIZED");
    sandbox.post_keyed(&path, "fin", body).await.expect(200);
}
