//! Webhooks out: subscriptions with glob event types, HTTPS outside loopback, signed deliveries, at least once
//! on a 72-hour retry schedule that runs on the sandbox's clock (the tests advance it, never wait for it),
//! redirects not followed, and events fired by time alone (a timeout) with no request to prompt them.

use mostrador::osigu::webhook::verify_signature;
use mostrador::sandbox::{DEMO_WEBHOOK_SECRET, SandboxConfig, WebhookTarget};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::receiver::Receiver;
use crate::support::{Harness, T0, config, id};

async fn sandbox_sending_to(url: String, secrets: &[&str]) -> Harness {
    let target = WebhookTarget::new(url, secrets.iter().map(|s| s.to_string()).collect());
    Harness::with(SandboxConfig { webhook: Some(target), ..config() }).await
}

fn at(seconds: i64) -> OffsetDateTime {
    T0 + time::Duration::seconds(seconds)
}

fn instant(value: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().expect("an instant"), &time::format_description::well_known::Rfc3339).unwrap()
}

#[tokio::test]
async fn dispensing_events_arrive_signed_with_the_shared_secret() {
    let receiver = Receiver::start(0).await;
    let sandbox = sandbox_sending_to(receiver.url("/osigu"), &["whsec_test"]).await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    sandbox.complete(&dispensation, json!({})).await.expect(200);

    let received = receiver.wait_for(2).await;
    let types: Vec<Value> = received.iter().map(|delivery| delivery.event()["event_type"].clone()).collect();
    assert_eq!(types, ["dispensing.started", "dispensing.completed"]);
    for delivery in &received {
        assert_eq!(verify_signature(&delivery.signature, &delivery.body, &["whsec_test"], T0), Ok(()));
        assert!(verify_signature(&delivery.signature, &delivery.body, &["whsec_other"], T0).is_err());
    }
    let completed = received[1].event();
    assert_eq!(completed["api_version"], "2026-01-01");
    assert_eq!(completed["environment"], "sandbox");
    assert_eq!(completed["provider"]["provider_slug"], "farmacia-demo");
    assert_eq!(completed["data"]["dispensation_id"], dispensation["dispensation_id"]);
    assert_eq!(completed["data"]["authorization_id"], "auth_01JD00SANDBX00000000000101");
    assert!(completed["data"]["claim_id"].as_str().unwrap().starts_with("clm_"));
    assert_eq!(completed["data"]["total_amount"], dispensation["total_amount"]);
    // The flag's receiver is a subscription to everything, listed like any other.
    let subscriptions = sandbox.get("/webhooks/v1/subscriptions").await.expect(200).json();
    assert_eq!(subscriptions[0]["event_types"], json!(["*"]));
    assert_eq!(subscriptions[0]["url"], receiver.url("/osigu"));
}

#[tokio::test]
async fn during_a_rotation_each_event_carries_one_signature_per_secret() {
    let receiver = Receiver::start(0).await;
    let sandbox = sandbox_sending_to(receiver.url("/osigu"), &["whsec_old", "whsec_new"]).await;
    sandbox.start_code("RX-2026-000001").await;
    let received = receiver.wait_for(1).await;
    let delivery = &received[0];
    assert_eq!(delivery.signature.matches("v1=").count(), 2);
    assert_eq!(verify_signature(&delivery.signature, &delivery.body, &["whsec_new"], T0), Ok(()));
    assert_eq!(verify_signature(&delivery.signature, &delivery.body, &["whsec_old"], T0), Ok(()));
}

#[tokio::test]
async fn subscriptions_receive_only_the_event_types_their_globs_match() {
    let receiver = Receiver::start(0).await;
    let sandbox = Harness::start().await;
    let completed_only = sandbox.subscribe(&receiver.url("/completed"), &["dispensing.completed"]).await;
    assert!(completed_only["subscription_id"].as_str().unwrap().starts_with("whs_"));
    let everything = sandbox.subscribe(&receiver.url("/all"), &["dispensing.*", "authorization.*"]).await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    sandbox.complete(&dispensation, json!({})).await.expect(200);
    receiver.wait_for(3).await;

    let paths = |path: &str| -> Vec<Value> {
        let received = receiver.received();
        received.iter().filter(|d| d.path == path).map(|d| d.event()["event_type"].clone()).collect()
    };
    assert_eq!(paths("/completed"), ["dispensing.completed"]);
    assert_eq!(paths("/all"), ["dispensing.started", "dispensing.completed"]);
    // Signed with the sandbox's secret: the demo one, as none is configured.
    let delivery = &receiver.received()[0];
    assert_eq!(verify_signature(&delivery.signature, &delivery.body, &[DEMO_WEBHOOK_SECRET], T0), Ok(()));

    let listed = sandbox.get("/webhooks/v1/subscriptions").await.expect(200).json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let path = format!("/webhooks/v1/subscriptions/{}", everything["subscription_id"].as_str().unwrap());
    assert_eq!(sandbox.get(&path).await.expect(200).json(), everything);
    assert_eq!(sandbox.send(reqwest::Method::DELETE, &path, Some(&sandbox.token()), None, None).await.status, 204);
    sandbox.get(&path).await.expect_error(404, "SUBSCRIPTION_NOT_FOUND");
    // After the deletion only the other subscription hears of the next completion.
    let next = sandbox.start_code("RX-2026-000001").await;
    sandbox.complete(&next, json!({})).await.expect(200);
    receiver.wait_for(4).await;
    assert_eq!(paths("/all").len(), 2);
    assert_eq!(paths("/completed").len(), 2);
}

#[tokio::test]
async fn a_receiver_must_be_https_unless_it_is_on_this_machine_and_must_want_a_known_event() {
    let sandbox = Harness::start().await;
    let subscribe = |url: &'static str, types: Value| {
        sandbox.post("/webhooks/v1/subscriptions", json!({ "url": url, "event_types": types }))
    };
    let plain = subscribe("http://farmacia.example.do/osigu", json!(["settlement.*"])).await;
    let plain = plain.expect_error(400, "VALIDATION_ERROR").json();
    assert_eq!(plain["errors"][0]["path"], "url");
    assert!(plain["errors"][0]["message"].as_str().unwrap().contains("https"), "{plain}");
    let lan = subscribe("http://192.168.1.20:9000/osigu", json!(["*"])).await.expect_error(400, "VALIDATION_ERROR");
    assert_eq!(lan.json()["errors"][0]["path"], "url");

    subscribe("https://farmacia.example.do/osigu", json!(["settlement.*"])).await.expect(201);
    subscribe("http://127.0.0.1:9000/osigu", json!(["*"])).await.expect(201);
    subscribe("http://localhost:9000/osigu", json!(["dispensing.completed"])).await.expect(201);

    let typo = subscribe("https://a.example.do/", json!(["settlement.*", "setlement.paid"])).await;
    let typo = typo.expect_error(400, "VALIDATION_ERROR").json();
    assert_eq!(typo["errors"].as_array().unwrap().len(), 1);
    assert_eq!(typo["errors"][0]["path"], "event_types[1]");
    let none = subscribe("ftp://a.example.do/", json!([])).await.expect_error(400, "VALIDATION_ERROR").json();
    let paths: Vec<&Value> = none["errors"].as_array().unwrap().iter().map(|e| &e["path"]).collect();
    assert_eq!(paths, ["url", "event_types"]);
    assert_eq!(sandbox.get("/webhooks/v1/subscriptions").await.json().as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_non_loopback_http_receiver_given_at_start_is_refused() {
    let target = WebhookTarget::new("http://farmacia.example.do/osigu", vec!["whsec_a".into()]);
    let config = SandboxConfig { webhook: Some(target), ..config() };
    let refused = mostrador::sandbox::Sandbox::start(config, "127.0.0.1:0".parse().unwrap()).await;
    let error = refused.err().expect("refused").to_string();
    assert!(error.contains("webhook URL") && error.contains("https"), "{error}");
}

/// Walks the clock to each `(offset, expected attempts)` and returns the delivery as the sandbox records it.
async fn walk(sandbox: &Harness, receiver: &Receiver, event_id: &Value, offsets: &[i64]) -> Value {
    for (index, offset) in offsets.iter().enumerate() {
        // A second early nothing is due; at the instant itself, exactly one more attempt.
        sandbox.advance_to(u64::try_from(offset - 1).unwrap()).await;
        sandbox.advance_to(u64::try_from(*offset).unwrap()).await;
        let wanted = index + 2;
        for _ in 0..1000 {
            let delivery = &sandbox.deliveries_of(event_id).await[0];
            if delivery["attempts"].as_array().unwrap().len() >= wanted {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(receiver.of_event(event_id).len(), wanted, "attempts by {offset} s");
    }
    sandbox.deliveries_of(event_id).await.remove(0)
}

fn attempt_offsets(delivery: &Value) -> Vec<i64> {
    delivery["attempts"].as_array().unwrap().iter().map(|a| (instant(&a["at"]) - T0).whole_seconds()).collect()
}

#[tokio::test]
async fn a_refused_event_is_retried_on_the_sandbox_clock_until_accepted_then_never_again() {
    // 500 five times, then 204: attempts at 0, 1 min, 5 min, 30 min, 2 h fail; the one at 6 h is accepted.
    let receiver = Receiver::start(5).await;
    let sandbox = Harness::start().await;
    sandbox.subscribe(&receiver.url("/osigu"), &["dispensing.started"]).await;
    sandbox.start_code("RX-2026-000001").await;
    let first = receiver.wait_for(1).await;
    let event_id = first[0].event()["event_id"].clone();
    let pending = &sandbox.deliveries_of(&event_id).await[0];
    assert_eq!(pending["status"], "PENDING");
    assert_eq!(pending["attempts"][0]["status_code"], 500);
    assert_eq!(instant(&pending["next_attempt_at"]), at(60));

    let delivery = walk(&sandbox, &receiver, &event_id, &[60, 300, 1800, 7200, 21600]).await;
    assert_eq!(attempt_offsets(&delivery), [0, 60, 300, 1800, 7200, 21600]);
    let statuses: Vec<&Value> = delivery["attempts"].as_array().unwrap().iter().map(|a| &a["status_code"]).collect();
    assert_eq!(statuses, [500, 500, 500, 500, 500, 204]);
    assert_eq!((delivery["status"].as_str(), delivery["next_attempt_at"].is_null()), (Some("DELIVERED"), true));
    // Every attempt is the same event, signed for the moment it was made (sandbox time).
    for (request, attempt) in receiver.of_event(&event_id).iter().zip(delivery["attempts"].as_array().unwrap()) {
        let made = instant(&attempt["at"]);
        assert_eq!(verify_signature(&request.signature, &request.body, &[DEMO_WEBHOOK_SECRET], made), Ok(()));
    }

    // Days later nothing more is sent for it: the next event goes out, the accepted one does not.
    sandbox.advance_to(80 * 3600).await;
    sandbox.start_code("RX-2026-000002").await;
    receiver.wait_for(7).await;
    assert_eq!(receiver.of_event(&event_id).len(), 6, "delivered once, no more tries after success");
    assert_eq!(attempt_offsets(&sandbox.deliveries_of(&event_id).await[0]).len(), 6);
}

#[tokio::test]
async fn a_receiver_down_for_72_hours_gets_twelve_attempts_then_the_event_is_abandoned() {
    let receiver = Receiver::start(u32::MAX).await;
    let sandbox = Harness::start().await;
    sandbox.subscribe(&receiver.url("/osigu"), &["dispensing.started"]).await;
    sandbox.start_code("RX-2026-000001").await;
    let event_id = receiver.wait_for(1).await[0].event()["event_id"].clone();
    const H: i64 = 3600;
    let schedule = [60, 300, 1800, 2 * H, 6 * H, 12 * H, 24 * H, 36 * H, 48 * H, 60 * H, 72 * H];
    let delivery = walk(&sandbox, &receiver, &event_id, &schedule).await;
    assert_eq!(attempt_offsets(&delivery), [&[0][..], &schedule].concat());
    assert_eq!((delivery["status"].as_str(), delivery["next_attempt_at"].is_null()), (Some("ABANDONED"), true));
}

#[tokio::test]
async fn a_redirect_is_an_answer_not_an_address_to_follow() {
    let receiver = Receiver::start(0).await;
    let sandbox = Harness::start().await;
    sandbox.subscribe(&receiver.url("/moved"), &["dispensing.started"]).await;
    sandbox.start_code("RX-2026-000001").await;
    let event_id = receiver.wait_for(1).await[0].event()["event_id"].clone();
    let mut delivery = Value::Null;
    for _ in 0..1000 {
        delivery = sandbox.deliveries_of(&event_id).await.remove(0);
        if !delivery["attempts"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(delivery["attempts"][0]["status_code"], 307, "{delivery}");
    assert_eq!(delivery["status"], "PENDING", "a 3xx is not a delivery");
    assert_eq!(instant(&delivery["next_attempt_at"]), at(60));
    let paths: Vec<String> = receiver.received().into_iter().map(|d| d.path).collect();
    assert_eq!(paths, ["/moved"], "the Location was not followed");
}

#[tokio::test]
async fn a_forgotten_dispensation_times_out_and_its_cancellation_is_announced_without_any_request() {
    let receiver = Receiver::start(0).await;
    let sandbox = sandbox_sending_to(receiver.url("/osigu"), &["whsec_test"]).await;
    let dispensation = sandbox.start_code("RX-2026-000001").await;
    receiver.wait_for(1).await;
    sandbox.advance(30 * 60);
    let received = receiver.wait_for(2).await;
    let cancelled = received.last().unwrap().event();
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
    let receiver = Receiver::start(0).await;
    let sandbox = sandbox_sending_to(receiver.url("/osigu"), &["whsec_test"]).await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    sandbox.post("/sandbox/v1/authorizations/AUTH-2026-000101/void", json!({})).await.expect(204);
    sandbox.complete(&dispensation, json!({})).await.expect_error(422, "CODE_VOIDED");
    let received = receiver.wait_for(2).await;
    let voided = received[1].event();
    assert_eq!(voided["event_type"], "authorization.voided");
    assert_eq!(voided["data"]["authorization_code"], "AUTH-2026-000101");
}
