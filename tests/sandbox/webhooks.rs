//! Webhooks out: signed, at least once, retried with backoff, and fired by time alone (a timeout) with no
//! request to prompt them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use mostrador::osigu::webhook::verify_signature;
use mostrador::sandbox::{SandboxConfig, WebhookTarget};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::support::{Harness, T0, config, id};

/// One delivery as received: the signature header and the raw body.
type Delivery = (String, Vec<u8>);

#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Delivery>>>,
    /// Requests answered 500 before accepting.
    failures_left: Arc<Mutex<u32>>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers.get("x-osigu-signature").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    receiver.received.lock().unwrap().push((signature, body.to_vec()));
    let mut failures = receiver.failures_left.lock().unwrap();
    if *failures > 0 {
        *failures -= 1;
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    StatusCode::NO_CONTENT
}

async fn receiver(failures: u32) -> (Receiver, String) {
    let receiver = Receiver { failures_left: Arc::new(Mutex::new(failures)), ..Receiver::default() };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/osigu", listener.local_addr().unwrap());
    let app = Router::new().route("/osigu", post(receive)).with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (receiver, url)
}

async fn sandbox_sending_to(url: String, secrets: &[&str]) -> Harness {
    let target = WebhookTarget {
        first_retry: Duration::from_millis(20),
        ..WebhookTarget::new(url, secrets.iter().map(|s| s.to_string()).collect())
    };
    Harness::with(SandboxConfig { webhook: Some(target), ..config() }).await
}

/// Waits (bounded) until the receiver holds `count` requests.
async fn wait_for(receiver: &Receiver, count: usize) -> Vec<Delivery> {
    for _ in 0..200 {
        if receiver.received.lock().unwrap().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    receiver.received.lock().unwrap().clone()
}

fn event(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

#[tokio::test]
async fn dispensing_events_arrive_signed_with_the_shared_secret() {
    let (receiver, url) = receiver(0).await;
    let sandbox = sandbox_sending_to(url, &["whsec_test"]).await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    sandbox.complete(&dispensation, json!({})).await.expect(200);

    let received = wait_for(&receiver, 2).await;
    let types: Vec<String> =
        received.iter().map(|(_, body)| event(body)["event_type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(types, ["dispensing.started", "dispensing.completed"]);
    for (signature, body) in &received {
        assert_eq!(verify_signature(signature, body, &["whsec_test"], T0), Ok(()), "{signature}");
        assert!(verify_signature(signature, body, &["whsec_other"], T0).is_err());
    }
    let completed = event(&received[1].1);
    assert_eq!(completed["api_version"], "2026-01-01");
    assert_eq!(completed["environment"], "sandbox");
    assert_eq!(completed["provider"]["provider_slug"], "farmacia-demo");
    assert_eq!(completed["data"]["dispensation_id"], dispensation["dispensation_id"]);
    assert_eq!(completed["data"]["authorization_id"], "auth_01JD00SANDBX00000000000101");
    assert!(completed["data"]["claim_id"].as_str().unwrap().starts_with("clm_"));
    assert_eq!(completed["data"]["total_amount"], dispensation["total_amount"]);
}

#[tokio::test]
async fn during_a_rotation_each_event_carries_one_signature_per_secret() {
    let (receiver, url) = receiver(0).await;
    let sandbox = sandbox_sending_to(url, &["whsec_old", "whsec_new"]).await;
    sandbox.start_code("RX-2026-000001").await;
    let received = wait_for(&receiver, 1).await;
    let (signature, body) = &received[0];
    assert_eq!(signature.matches("v1=").count(), 2);
    assert_eq!(verify_signature(signature, body, &["whsec_new"], T0), Ok(()));
    assert_eq!(verify_signature(signature, body, &["whsec_old"], T0), Ok(()));
}

#[tokio::test]
async fn a_refused_delivery_is_retried_with_the_same_event_until_accepted() {
    let (receiver, url) = receiver(2).await;
    let sandbox = sandbox_sending_to(url, &["whsec_test"]).await;
    sandbox.start_code("RX-2026-000001").await;
    let received = wait_for(&receiver, 3).await;
    assert_eq!(received.len(), 3, "two refusals, then the accepted delivery");
    let ids: Vec<Value> = received.iter().map(|(_, body)| event(body)["event_id"].clone()).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "a retry repeats the event_id for deduplication: {ids:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(receiver.received.lock().unwrap().len(), 3, "nothing more once accepted");
}

#[tokio::test]
async fn a_forgotten_dispensation_times_out_and_its_cancellation_is_announced_without_any_request() {
    let (receiver, url) = receiver(0).await;
    let sandbox = sandbox_sending_to(url, &["whsec_test"]).await;
    let dispensation = sandbox.start_code("RX-2026-000001").await;
    wait_for(&receiver, 1).await;
    sandbox.advance(30 * 60);
    let received = wait_for(&receiver, 2).await;
    let cancelled = event(&received.last().unwrap().1);
    assert_eq!(cancelled["event_type"], "dispensing.cancelled");
    assert_eq!(cancelled["data"]["dispensation_id"], dispensation["dispensation_id"]);
    assert_eq!(cancelled["data"]["cancellation_reason"], "TIMEOUT");
    assert_eq!(cancelled["data"]["cancelled_at"], "2026-11-21T10:30:00Z");
    let stored = sandbox.dispensation(id(&dispensation)).await;
    assert_eq!(
        (stored["status"].as_str(), stored["cancellation_reason"].as_str()),
        (Some("CANCELLED"), Some("TIMEOUT"))
    );
    // The code is free again.
    sandbox.start_code("RX-2026-000001").await;
}

#[tokio::test]
async fn voiding_an_authorization_is_announced_and_stops_its_dispensation() {
    let (receiver, url) = receiver(0).await;
    let sandbox = sandbox_sending_to(url, &["whsec_test"]).await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    sandbox.post("/sandbox/v1/authorizations/AUTH-2026-000101/void", json!({})).await.expect(204);
    sandbox.complete(&dispensation, json!({})).await.expect_error(422, "CODE_VOIDED");
    let received = wait_for(&receiver, 2).await;
    let voided = event(&received[1].1);
    assert_eq!(voided["event_type"], "authorization.voided");
    assert_eq!(voided["data"]["authorization_code"], "AUTH-2026-000101");
}
