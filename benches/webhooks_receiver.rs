//! The webhook receiver under load, over real loopback HTTP, on a real journal (SQLite, `synchronous = FULL`):
//!
//! 1. one connection posting events one after another (what one Osigu subscription does: one request in flight
//!    at a time), with the latency of each;
//! 2. `CONNECTIONS` connections posting at once (several subscriptions, or a backlog after an outage);
//! 3. every event of 2 delivered again (at-least-once duplicates), then the audit: each event kept once and
//!    applied once, duplicates applied 0.
//!
//! Events are a mix of `authorization.voided` (a voided code recorded), `settlement.paid` (a batch updated) and
//! `dispensing.completed` (kept only). Run with `cargo bench --bench webhooks_receiver`; `SEQUENTIAL`, `EVENTS`
//! and `CONNECTIONS` change the load. The load generator shares the machine with the receiver, and the figure is
//! bounded by the disk's flushes, so it is a floor for this machine, not a property of the code alone.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

use std::sync::Arc;
use std::time::{Duration, Instant};

use mostrador::osigu::endpoint::Secret;
use mostrador::osigu::webhook::signature_header;
use mostrador::receiver::{Receiver, ReceiverConfig};
use mostrador::sandbox::Clock;
use serde_json::json;

const SECRET: &str = "whsec_bench";

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|text| text.parse().ok()).unwrap_or(default)
}

/// A signed event: its body and its header, the `n`th of the run.
fn event(n: usize, now: i64) -> (String, String) {
    let body = match n % 3 {
        0 => json!({
            "event_id": format!("evt_bench_{n:08}"), "event_type": "authorization.voided",
            "created_at": "2026-11-21T10:00:00Z", "api_version": "2026-01-01", "environment": "sandbox",
            "data": {"authorization_id": format!("auth_{n}"), "authorization_code": format!("AUTH-BENCH-{n:08}"),
                     "sponsor_slug": "aseguradora-demo", "reason": "SPONSOR_VOID", "voided_at": "2026-11-21T10:00:00Z"},
            "provider": {"provider_slug": "farmacia-demo"},
        }),
        1 => json!({
            "event_id": format!("evt_bench_{n:08}"), "event_type": "settlement.paid",
            "created_at": "2026-11-21T12:00:00Z", "api_version": "2026-01-01", "environment": "sandbox",
            "data": {"settlement_id": format!("stl_{}", n % 50), "status": "ACCEPTED", "sponsor_slug": "ars-sandbox-do",
                     "period": "2026-11", "currency_code": "DOP", "total_amount": 273.0, "accepted_amount": 273.0,
                     "authorizations": [{"authorization_id": "auth_113", "claim_id": "clm_1", "total_amount": 273.0,
                                         "status": "ACCEPTED"}],
                     "invoice_number": "B0100000124", "decided_at": "2026-11-21T12:00:00Z"},
            "provider": {"provider_slug": "farmacia-demo"},
        }),
        _ => json!({
            "event_id": format!("evt_bench_{n:08}"), "event_type": "dispensing.completed",
            "created_at": "2026-11-21T10:00:00Z", "api_version": "2026-01-01", "environment": "sandbox",
            "data": {"dispensation_id": format!("dsp_{n}"), "code": "RX-2026-000001", "total_amount": 58.5,
                     "products": [{"product_code": "MED-001", "quantity": 2, "unit_price": 12.5}]},
            "provider": {"provider_slug": "farmacia-demo"},
        }),
    }
    .to_string();
    let header = signature_header(&[SECRET], now, body.as_bytes());
    (body, header)
}

async fn post(client: &reqwest::Client, url: &str, (body, header): &(String, String)) {
    let reply = client.post(url).header("X-Osigu-Signature", header).body(body.clone()).send().await.unwrap();
    assert_eq!(reply.status(), 200);
}

/// Posts `events` over `connections` connections at once; the events per second.
async fn concurrently(
    client: &reqwest::Client,
    url: &str,
    events: &Arc<Vec<(String, String)>>,
    connections: usize,
) -> f64 {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for lane in 0..connections {
        let (client, url, events) = (client.clone(), url.to_owned(), Arc::clone(events));
        tasks.push(tokio::spawn(async move {
            for event in events.iter().skip(lane).step_by(connections) {
                post(&client, &url, event).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    events.len() as f64 / started.elapsed().as_secs_f64()
}

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * fraction).round() as usize]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let sequential = setting("SEQUENTIAL", 2_000);
    let count = setting("EVENTS", 20_000);
    let connections = setting("CONNECTIONS", 16);
    let dir = std::env::temp_dir().join(format!("mostrador-receiver-bench-{}", std::process::id()));
    let receiver = Receiver::start(ReceiverConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        secrets: vec![Secret::new(SECRET)],
        tls: None,
        behind_proxy: false,
        data_dir: dir.clone(),
        clock: Clock::system(),
    })
    .await
    .unwrap();
    let url = receiver.url();
    let client = mostrador::http::client_builder().pool_max_idle_per_host(connections).build().unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let events: Vec<(String, String)> = (0..sequential + count).map(|n| event(n, now)).collect();
    let (first, rest) = events.split_at(sequential);
    println!(
        "webhook receiver, journal {}, {} cores",
        dir.display(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let mut latencies = Vec::with_capacity(first.len());
    let started = Instant::now();
    for event in first {
        let sent = Instant::now();
        post(&client, &url, event).await;
        latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
    }
    let rate = first.len() as f64 / started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    println!(
        "1 connection, {} new events:        {rate:>8.0} events/s   p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        first.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );

    let rest = Arc::new(rest.to_vec());
    let rate = concurrently(&client, &url, &rest, connections).await;
    println!("{connections} connections, {} new events:   {rate:>8.0} events/s", rest.len());
    let rate = concurrently(&client, &url, &rest, connections).await;
    println!("{connections} connections, {} duplicates:   {rate:>8.0} events/s", rest.len());

    let unique = (sequential + count) as u64;
    for _ in 0..3000 {
        if receiver.stats().applied >= unique {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stats = receiver.shutdown().await;
    let reopened =
        mostrador::journal::Journal::in_dir(&dir, &mostrador::journal::Place::new("bench", "audit")).unwrap();
    let kept = reopened.webhook_events().unwrap();
    let unapplied = kept.iter().filter(|event| !event.applied).count();
    println!(
        "audit: {} deliveries, {} events kept, {} applied, {} duplicates answered, duplicates applied: {}, unapplied: {}",
        unique + count as u64,
        kept.len(),
        stats.applied,
        stats.duplicates,
        stats.applied.saturating_sub(unique),
        unapplied
    );
    assert_eq!(
        (kept.len() as u64, stats.accepted, stats.applied, stats.duplicates),
        (unique, unique, unique, count as u64)
    );
    println!(
        "voided codes recorded: {}, settlement batches: {}",
        reopened.voided_codes_since(time::OffsetDateTime::UNIX_EPOCH).unwrap().len(),
        reopened.settlements().unwrap().len()
    );
    drop(reopened);
    let _ = std::fs::remove_dir_all(&dir);
}
