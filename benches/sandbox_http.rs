//! The sandbox under load, over real loopback HTTP.
//!
//! 1. The server-side time of a start + complete pair, read from the `Server-Timing` header every reply
//!    carries (the router's own time, without the socket), next to what the client waited.
//! 2. Requests per second for `GET /dispensing/v1/dispensations/{id}` with many keep-alive connections.
//!
//! Run with `cargo bench --bench sandbox_http`; `PAIRS`, `SECONDS` and `CONNECTIONS` change the load. The
//! load generator shares the machine with the server, so throughput is a floor, not a ceiling.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

use std::time::{Duration, Instant};

use mostrador::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|text| text.parse().ok()).unwrap_or(default)
}

/// Milliseconds of the `app;dur=` entry.
fn server_ms(response: &reqwest::Response) -> f64 {
    response
        .headers()
        .get("server-timing")
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.split("dur=").nth(1))
        .and_then(|number| number.parse().ok())
        .expect("Server-Timing header")
}

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

fn report(name: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    println!(
        "{name:<34} p50 {:>7.3} ms   p95 {:>7.3} ms   p99 {:>7.3} ms   max {:>7.3} ms   (n={})",
        percentile(&samples, 0.50),
        percentile(&samples, 0.95),
        percentile(&samples, 0.99),
        samples[samples.len() - 1],
        samples.len()
    );
}

async fn json_post(client: &reqwest::Client, url: String, token: &str, body: Value) -> (reqwest::Response, Duration) {
    let started = Instant::now();
    let response = client.post(url).bearer_auth(token).json(&body).send().await.expect("request");
    (response, started.elapsed())
}

async fn pairs(client: &reqwest::Client, base: &str, token: &str, count: u64) {
    // Fresh codes, issued through the ePrescription API, one per pair.
    let (patient, _) = json_post(
        client,
        format!("{base}/ehr/v1/patients"),
        token,
        json!({ "first_name": "Carga", "last_name": "Prueba", "document_type": "DPI", "document_number": "9999999990101" }),
    )
    .await;
    let patient: Value = patient.json().await.unwrap();
    let mut codes = Vec::new();
    for _ in 0..count {
        let body = json!({ "patient_id": patient["patient_id"], "medications": [{ "product_code": "MED-042", "quantity": 10 }] });
        let (issued, _) = json_post(client, format!("{base}/ehr/v1/prescriptions"), token, body).await;
        let issued: Value = issued.json().await.unwrap();
        codes.push(issued["prescription_code"].as_str().unwrap().to_owned());
    }

    let (mut server, mut client_side, mut start_only, mut complete_only) = (vec![], vec![], vec![], vec![]);
    for code in codes {
        let (started, start_wait) =
            json_post(client, format!("{base}/dispensing/v1/dispensations"), token, json!({ "code": code })).await;
        assert_eq!(started.status(), 201);
        let start_ms = server_ms(&started);
        let dispensation: Value = started.json().await.unwrap();
        let id = dispensation["dispensation_id"].as_str().unwrap();
        let body =
            json!({ "amount": dispensation["total_amount"], "document_number": "F-1", "document_date": "2026-11-21" });
        let (completed, complete_wait) =
            json_post(client, format!("{base}/dispensing/v1/dispensations/{id}/complete"), token, body).await;
        assert_eq!(completed.status(), 200);
        let complete_ms = server_ms(&completed);
        start_only.push(start_ms);
        complete_only.push(complete_ms);
        server.push(start_ms + complete_ms);
        client_side.push((start_wait + complete_wait).as_secs_f64() * 1000.0);
    }
    report("start (server)", start_only);
    report("complete (server)", complete_only);
    report("start + complete (server)", server);
    report("start + complete (client, loopback)", client_side);
}

async fn throughput(base: &str, token: &str, seconds: u64, connections: u64) {
    let client = mostrador::http::client_builder().build().unwrap();
    let (started, _) =
        json_post(&client, format!("{base}/dispensing/v1/dispensations"), token, json!({ "code": "RX-2026-000004" }))
            .await;
    let dispensation: Value = started.json().await.unwrap();
    let url = format!("{base}/dispensing/v1/dispensations/{}", dispensation["dispensation_id"].as_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (url, token) = (url.clone(), token.to_owned());
            tokio::spawn(async move {
                // One client per worker: one keep-alive connection each, as wrk does.
                let client = mostrador::http::client_builder().pool_max_idle_per_host(1).build().unwrap();
                let mut done = 0u64;
                while Instant::now() < deadline {
                    let response = client.get(&url).bearer_auth(&token).send().await.unwrap();
                    assert_eq!(response.status(), 200);
                    let _ = response.bytes().await.unwrap();
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for worker in workers {
        total += worker.await.unwrap();
    }
    println!(
        "GET dispensation (12 lines)          {:>8.0} req/s over {seconds} s with {connections} connections",
        total as f64 / seconds as f64
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let config = SandboxConfig { id_seed: Some(1), ..SandboxConfig::default() };
        let sandbox = Sandbox::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let base = sandbox.base_url().to_owned();
        let client = mostrador::http::client_builder().build().unwrap();
        let token = mostrador::test_support::driver::demo_token(&base).await;
        pairs(&client, &base, &token, setting("PAIRS", 1000)).await;
        throughput(&base, &token, setting("SECONDS", 5), setting("CONNECTIONS", 16)).await;
        sandbox.shutdown().await;
    });
}
