//! The sandbox's sender against the receiver: what is refused (a wrong secret, a stale timestamp), what is
//! accepted once however often it comes (a second subscription, a replay after a restart), a rotation, and a
//! receiver that was down for hours.

use mostrador::osigu::webhook::signature_header;
use mostrador::sandbox::{Clock, DEMO_WEBHOOK_SECRET};
use serde_json::{Value, json};

use crate::harness::{
    data_dir, deliveries_after, eventually, receiver, receiver_at, sandbox_sending_to, statuses, void,
};
use crate::support::{Harness, T0};

#[tokio::test]
async fn an_event_signed_with_a_wrong_secret_is_refused_401_and_nothing_is_recorded() {
    let sandbox = Harness::start().await;
    let receiver = receiver(&["whsec_pharmacy"], sandbox.sandbox.clock(), &data_dir()).await;
    // Subscriptions made through the API are signed with the sandbox's secret, which the pharmacy does not hold.
    sandbox.subscribe(&receiver.url(), &["authorization.voided"]).await;
    let event = void(&sandbox, "AUTH-2026-000102").await;

    let delivery = &deliveries_after(&sandbox, &event, 1).await[0];
    assert_eq!(statuses(delivery), [json!(401)]);
    assert_eq!(delivery["status"], "PENDING", "Osigu will try again: the pharmacy may fix its secret");
    let journal = receiver.journal();
    assert_eq!(journal.webhook_events().unwrap(), []);
    assert_eq!(journal.voided_codes_since(T0).unwrap(), []);
    let stats = receiver.stats();
    assert_eq!((stats.bad_signature, stats.accepted, stats.applied), (1, 0, 0));
}

#[tokio::test]
async fn a_timestamp_more_than_300_s_from_the_receivers_clock_is_refused() {
    let sandbox = Harness::start().await;
    // The receiver's clock stays at T0 while the sandbox's moves on.
    let receiver = receiver(&[DEMO_WEBHOOK_SECRET], &Clock::frozen_at(T0), &data_dir()).await;
    sandbox.subscribe(&receiver.url(), &["authorization.voided"]).await;

    sandbox.advance(299);
    let fresh = void(&sandbox, "AUTH-2026-000102").await;
    assert_eq!(statuses(&deliveries_after(&sandbox, &fresh, 1).await[0]), [json!(200)]);
    sandbox.advance(2);
    let stale = void(&sandbox, "AUTH-2026-000103").await;
    assert_eq!(statuses(&deliveries_after(&sandbox, &stale, 1).await[0]), [json!(401)]);

    let kept: Vec<String> = receiver.journal().webhook_events().unwrap().into_iter().map(|e| e.event_id).collect();
    assert_eq!(kept, [fresh["event_id"].as_str().unwrap()]);
    let stats = receiver.stats();
    assert_eq!((stats.accepted, stats.stale, stats.bad_signature), (1, 1, 0));
}

#[tokio::test]
async fn an_event_delivered_twice_and_replayed_after_a_restart_is_recorded_once_and_applied_once() {
    let sandbox = Harness::start().await;
    let dir = data_dir();
    let clock = sandbox.sandbox.clock().clone();
    let first = receiver(&[DEMO_WEBHOOK_SECRET], &clock, &dir).await;
    // Two subscriptions to the same receiver: each delivers the event, as at-least-once delivery may.
    sandbox.subscribe(&first.url(), &["authorization.voided"]).await;
    sandbox.subscribe(&first.url(), &["authorization.*"]).await;
    let event = void(&sandbox, "AUTH-2026-000104").await;

    let deliveries = deliveries_after(&sandbox, &event, 1).await;
    assert_eq!(deliveries.len(), 2);
    assert!(deliveries.iter().all(|delivery| delivery["status"] == "DELIVERED"), "{deliveries:?}");
    eventually("the void applied", || first.stats().applied == 1).await;
    let stats = first.stats();
    assert_eq!((stats.accepted, stats.duplicates, stats.applied), (1, 1, 1));
    let kept = first.journal().webhook_events().unwrap();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].applied);
    assert_eq!(kept[0].subject.as_deref(), Some("AUTH-2026-000104"));
    let voided = first.journal().voided_codes_since(T0).unwrap();
    assert_eq!(voided.len(), 1);
    first.shutdown().await;

    // The same body, signed again as Osigu's retry would be, to a receiver started afresh on the same journal.
    sandbox.advance(60);
    let second = receiver(&[DEMO_WEBHOOK_SECRET], &clock, &dir).await;
    let body = kept[0].body.clone();
    let header = signature_header(&[DEMO_WEBHOOK_SECRET], clock.now().unix_timestamp(), body.as_bytes());
    let reply = sandbox
        .http
        .post(second.url())
        .header("X-Osigu-Signature", header)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.json::<Value>().await.unwrap(), json!({ "status": "duplicate" }));
    let stats = second.stats();
    assert_eq!((stats.accepted, stats.duplicates, stats.applied), (0, 1, 0), "not applied again");
    assert_eq!(second.journal().webhook_events().unwrap().len(), 1);
    assert_eq!(second.journal().voided_codes_since(T0).unwrap(), voided, "the record is the first one");
}

#[tokio::test]
async fn during_a_rotation_events_signed_with_the_new_or_the_old_secret_are_accepted_and_a_third_is_refused() {
    let dir = data_dir();
    let clock = Clock::frozen_at(T0);
    let receiver = receiver(&["whsec_new", "whsec_old"], &clock, &dir).await;
    // One sandbox per signing secret, each with its own ids.
    let new = sandbox_sending_to(&receiver.url(), &["whsec_new"], 11).await;
    let old = sandbox_sending_to(&receiver.url(), &["whsec_old"], 12).await;
    let other = sandbox_sending_to(&receiver.url(), &["whsec_someone_else"], 13).await;
    let mut expected = Vec::new();
    for (sandbox, status) in [(&new, 200), (&old, 200), (&other, 401)] {
        sandbox.start_code("RX-2026-000001").await;
        let event = crate::harness::last_event(sandbox, "dispensing.started").await;
        assert_eq!(statuses(&deliveries_after(sandbox, &event, 1).await[0]), [json!(status)]);
        if status == 200 {
            expected.push(event["event_id"].as_str().unwrap().to_owned());
        }
    }
    let kept: Vec<String> = receiver.journal().webhook_events().unwrap().into_iter().map(|e| e.event_id).collect();
    assert_eq!(kept, expected);
    let stats = receiver.stats();
    assert_eq!((stats.accepted, stats.bad_signature), (2, 1));
}

#[tokio::test]
async fn a_receiver_down_for_hours_gets_the_event_once_when_it_is_back() {
    let sandbox = Harness::start().await;
    let dir = data_dir();
    let clock = sandbox.sandbox.clock().clone();
    // Started once to learn a free port, then stopped: the receiver is down when the event happens.
    let before = receiver(&[DEMO_WEBHOOK_SECRET], &clock, &dir).await;
    let (addr, url) = (before.addr(), before.url());
    before.shutdown().await;
    sandbox.subscribe(&url, &["authorization.voided"]).await;
    let event = void(&sandbox, "AUTH-2026-000102").await;
    deliveries_after(&sandbox, &event, 1).await;

    // 1 min, 5 min, 30 min and 2 h go by with nobody listening.
    for (attempts, offset) in [(2, 60), (3, 300), (4, 1800), (5, 7200)] {
        sandbox.advance_to(offset).await;
        deliveries_after(&sandbox, &event, attempts).await;
    }
    // Back after three hours; the sandbox's next attempt is at 6 h.
    sandbox.advance_to(3 * 3600).await;
    let back = receiver_at(&[DEMO_WEBHOOK_SECRET], &clock, &dir, addr).await;
    sandbox.advance_to(6 * 3600).await;
    let delivery = &deliveries_after(&sandbox, &event, 6).await[0];
    assert_eq!(statuses(delivery), [Value::Null, Value::Null, Value::Null, Value::Null, Value::Null, json!(200)]);
    assert_eq!(delivery["status"], "DELIVERED");
    eventually("the void applied", || back.stats().applied == 1).await;

    // The rest of the 72 hours: nothing more arrives.
    sandbox.advance_to(73 * 3600).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(sandbox.deliveries_of(&event["event_id"]).await[0]["attempts"].as_array().unwrap().len(), 6);
    let stats = back.stats();
    assert_eq!((stats.accepted, stats.duplicates, stats.applied), (1, 0, 1), "delivered once, applied once");
    let voided = back.journal().voided_codes_since(T0).unwrap();
    assert_eq!(voided.iter().map(|v| v.code.as_str()).collect::<Vec<_>>(), ["AUTH-2026-000102"]);
}

#[tokio::test]
async fn a_receiver_refusing_every_delivery_is_retried_on_the_72_hour_schedule_then_abandoned() {
    let sandbox = Harness::start().await;
    // A pharmacy with the wrong secret: every attempt is answered 401, so the sandbox goes through its schedule.
    let receiver = receiver(&["whsec_pharmacy"], sandbox.sandbox.clock(), &data_dir()).await;
    sandbox.subscribe(&receiver.url(), &["authorization.voided"]).await;
    let event = void(&sandbox, "AUTH-2026-000102").await;
    deliveries_after(&sandbox, &event, 1).await;
    let hours = |h: u64| h * 3600;
    let planned = [60, 300, 1800, hours(2), hours(6), hours(12), hours(24), hours(36), hours(48), hours(60), hours(72)];
    for (made, offset) in planned.iter().enumerate() {
        sandbox.advance_to(*offset).await;
        deliveries_after(&sandbox, &event, made + 2).await;
    }
    sandbox.advance_to(hours(80)).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let delivery = &sandbox.deliveries_of(&event["event_id"]).await[0];
    let attempts = delivery["attempts"].as_array().unwrap();
    let at = |attempt: &Value| {
        let text = attempt["at"].as_str().unwrap();
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
    };
    let first = at(&attempts[0]);
    let offsets: Vec<i64> = attempts.iter().map(|attempt| (at(attempt) - first).whole_seconds()).collect();
    // The schedule as the sandbox ran it, for the README and the closing note.
    println!("retry schedule (s after the first attempt): {offsets:?}");
    let expected: Vec<i64> = std::iter::once(0).chain(planned.iter().map(|s| i64::try_from(*s).unwrap())).collect();
    assert_eq!(offsets, expected, "twelve attempts over 72 hours");
    assert!(statuses(delivery).iter().all(|status| *status == json!(401)));
    assert_eq!(delivery["status"], "ABANDONED");
    assert_eq!(delivery["next_attempt_at"], Value::Null);
    assert_eq!(receiver.stats().bad_signature, 12);
    assert_eq!(receiver.journal().webhook_events().unwrap(), []);
}
