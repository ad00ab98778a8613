//! Starting receivers and sandboxes for these tests, and waiting (bounded) for what the sender does.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use mostrador::osigu::endpoint::Secret;
use mostrador::receiver::{Receiver, ReceiverConfig};
use mostrador::sandbox::{Clock, SandboxConfig, WebhookTarget};
use serde_json::{Value, json};

use crate::support::{Harness, config};

/// A fresh, empty data directory.
pub fn data_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mostrador-receiver-{}", ulid::Ulid::generate()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn settings(secrets: &[&str], clock: &Clock, dir: &std::path::Path, addr: SocketAddr) -> ReceiverConfig {
    ReceiverConfig {
        addr,
        secrets: secrets.iter().map(|secret| Secret::new(*secret)).collect(),
        tls: None,
        behind_proxy: false,
        data_dir: dir.to_owned(),
        clock: clock.clone(),
    }
}

/// A receiver on 127.0.0.1 (port 0: any free one), plain HTTP.
pub async fn receiver(secrets: &[&str], clock: &Clock, dir: &std::path::Path) -> Receiver {
    receiver_at(secrets, clock, dir, "127.0.0.1:0".parse().unwrap()).await
}

pub async fn receiver_at(secrets: &[&str], clock: &Clock, dir: &std::path::Path, addr: SocketAddr) -> Receiver {
    Receiver::start(settings(secrets, clock, dir, addr)).await.expect("the receiver starts")
}

/// A sandbox (frozen clock at T0) that sends every event to `url`, signed with `secrets`, its ids seeded with
/// `seed` (two sandboxes with one seed would mint the same event ids).
pub async fn sandbox_sending_to(url: &str, secrets: &[&str], seed: u64) -> Harness {
    let target = WebhookTarget::new(url, secrets.iter().map(|secret| secret.to_string()).collect());
    Harness::with(SandboxConfig { webhook: Some(target), id_seed: Some(seed), ..config() }).await
}

/// Has the sponsor void `code` (a sandbox extra that emits `authorization.voided`) and returns the event.
pub async fn void(sandbox: &Harness, code: &str) -> Value {
    sandbox.post(&format!("/sandbox/v1/authorizations/{code}/void"), json!({})).await.expect(204);
    last_event(sandbox, "authorization.voided").await
}

/// The newest event of this type the sandbox emitted.
pub async fn last_event(sandbox: &Harness, event_type: &str) -> Value {
    let events = sandbox.get("/sandbox/v1/events").await.expect(200).json();
    events.as_array().unwrap().iter().rev().find(|event| event["event_type"] == event_type).cloned().unwrap()
}

/// Waits until every delivery of `event` has made `attempts` attempts (none in flight), and returns them.
pub async fn deliveries_after(sandbox: &Harness, event: &Value, attempts: usize) -> Vec<Value> {
    let event_id = &event["event_id"];
    for _ in 0..1000 {
        let deliveries = sandbox.deliveries_of(event_id).await;
        if !deliveries.is_empty()
            && deliveries.iter().all(|delivery| delivery["attempts"].as_array().unwrap().len() >= attempts)
        {
            return deliveries;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{attempts} attempts of {event_id} were not made: {:?}", sandbox.deliveries_of(event_id).await);
}

/// The status codes of a delivery's attempts (`null` where no reply came).
pub fn statuses(delivery: &Value) -> Vec<Value> {
    delivery["attempts"].as_array().unwrap().iter().map(|attempt| attempt["status_code"].clone()).collect()
}

/// Waits (bounded) until `done` holds: for what the receiver does after it has answered.
pub async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never happened: {what}");
}
