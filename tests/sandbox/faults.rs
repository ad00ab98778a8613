//! Fault injection from code, as the chaos tests will use it: latency, 5xx (JSON or a proxy's HTML page),
//! dropped connections that apply nothing, and commit-then-drop that applies the change and loses the reply.

use std::time::{Duration, Instant};

use mostrador::sandbox::{FaultKind, FaultPlan, FaultRoute, SandboxConfig};
use serde_json::json;

use crate::support::{Harness, config, id, read};

fn complete_body(dispensation: &serde_json::Value) -> serde_json::Value {
    json!({ "amount": dispensation["total_amount"], "document_number": "F1", "document_date": "2026-11-21" })
}

#[tokio::test]
async fn commit_then_drop_completes_the_dispensation_and_loses_the_reply() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    sandbox.sandbox.faults().set(FaultPlan::parse(["complete:commit-then-drop=1"]).unwrap());
    let path = sandbox.url(&format!("/dispensing/v1/dispensations/{}/complete", id(&dispensation)));
    let lost = sandbox.http.post(path).bearer_auth(sandbox.token()).json(&complete_body(&dispensation)).send().await;
    let error = lost.expect_err("no reply may arrive");
    assert!(!error.is_timeout(), "closed at once, not timed out: {error}");
    // GET is not faulted by a complete-only plan, and shows the truth.
    let stored = sandbox.dispensation(id(&dispensation)).await;
    assert_eq!(stored["status"], "COMPLETED");
    assert!(stored["claim"]["claim_id"].is_string());
}

#[tokio::test]
async fn a_dropped_request_applies_nothing() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    sandbox.sandbox.faults().set(FaultPlan::none().with(FaultRoute::Complete, FaultKind::Drop(1.0)));
    let path = sandbox.url(&format!("/dispensing/v1/dispensations/{}/complete", id(&dispensation)));
    let lost = sandbox.http.post(path).bearer_auth(sandbox.token()).json(&complete_body(&dispensation)).send().await;
    assert!(lost.is_err());
    assert_eq!(sandbox.dispensation(id(&dispensation)).await["status"], "STARTED");
}

#[tokio::test]
async fn injected_5xx_replies_apply_nothing_and_come_as_json_or_as_a_proxy_page() {
    let sandbox = Harness::start().await;
    sandbox.sandbox.faults().set(FaultPlan::parse(["start:error-5xx=1"]).unwrap());
    let mut shapes = std::collections::BTreeSet::new();
    for _ in 0..12 {
        let reply = sandbox.post("/dispensing/v1/dispensations", json!({ "code": "AUTH-2026-000101" })).await;
        match reply.status {
            503 => {
                assert_eq!(reply.code(), "SERVICE_UNAVAILABLE");
                assert_eq!(reply.header("retry-after"), Some("1"));
                shapes.insert("json");
            }
            502 => {
                assert!(reply.header("content-type").unwrap().starts_with("text/html"));
                assert!(reply.text.contains("Bad Gateway"));
                shapes.insert("html");
            }
            other => panic!("unexpected {other}: {}", reply.text),
        }
    }
    assert_eq!(shapes.len(), 2, "both shapes occur");
    sandbox.sandbox.faults().set(FaultPlan::none());
    sandbox.start_code("AUTH-2026-000101").await;
}

#[tokio::test]
async fn latency_delays_the_reply_by_at_least_the_injected_time() {
    let sandbox = Harness::start().await;
    sandbox.sandbox.faults().set(FaultPlan::parse(["get:latency-ms=150", "get:jitter-ms=50"]).unwrap());
    let dispensation = sandbox.start_code("RX-2026-000001").await;
    let started = Instant::now();
    sandbox.dispensation(id(&dispensation)).await;
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn the_sandbox_extras_are_never_faulted() {
    let sandbox = Harness::start().await;
    sandbox.sandbox.faults().set(FaultPlan::parse(["*:drop=1"]).unwrap());
    sandbox.get("/sandbox/v1/outbox").await.expect(200);
    sandbox.get("/openapi.json").await.expect(200);
    assert!(sandbox.http.get(sandbox.url("/v1/sponsors")).bearer_auth(sandbox.token()).send().await.is_err());
}

#[tokio::test]
async fn the_same_seed_fails_the_same_requests() {
    let run = |seed: u64| async move {
        let sandbox = Harness::with(SandboxConfig { fault_seed: seed, ..config() }).await;
        // Set after the harness got its token, so that only these requests draw from the generator.
        sandbox.sandbox.faults().set(FaultPlan::parse(["*:error-5xx=0.5"]).unwrap());
        let mut statuses = Vec::new();
        for _ in 0..24 {
            let reply =
                read(sandbox.http.get(sandbox.url("/v1/sponsors")).bearer_auth(sandbox.token()).send().await.unwrap())
                    .await;
            statuses.push(reply.status);
        }
        statuses
    };
    let first = run(9).await;
    assert_eq!(first, run(9).await);
    assert_ne!(first, run(10).await);
    assert!(first.contains(&200) && first.iter().any(|status| *status >= 500));
}
