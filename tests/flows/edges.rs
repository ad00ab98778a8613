//! Completion replies that cannot be taken at their word (issue 10): a `complete` answered 200 but still
//! STARTED, a reply naming another dispensation, a reply with another amount. The counter talks to the sandbox
//! through a real HTTP proxy that rewrites those replies; the server's own record decides, asked with a GET after
//! a pause that grows, never in a loop as fast as the server answers.

use axum::http::{Method, StatusCode};
use mostrador::counter::{FinalizeState, Step};
use serde_json::{Value, json};

use crate::proxy::Proxy;
use crate::support::Counter;

/// A counter on a frozen-clock sandbox, talking to it through a rewriting proxy.
async fn through_proxy() -> (Counter, Proxy) {
    Counter::open_behind_proxy(|_| {}).await
}

/// Rewrites the successful replies to `complete` with `change`; everything else passes.
fn on_complete(
    change: impl Fn(&mut Value) + Send + Sync + 'static,
) -> impl Fn(&Method, &str, StatusCode, &Value) -> Option<(StatusCode, Value)> + Send + Sync + 'static {
    move |method: &Method, path: &str, status: StatusCode, body: &Value| {
        if *method != Method::POST || !path.ends_with("/complete") || !status.is_success() {
            return None;
        }
        let mut body = body.clone();
        change(&mut body);
        Some((status, body))
    }
}

/// How many requests of `name` the core made.
fn requests(counter: &Counter, name: &str) -> usize {
    counter.effects.iter().filter(|effect| effect.request_name() == Some(name)).count()
}

fn finalize_state(counter: &Counter) -> (FinalizeState, Option<i64>) {
    match &counter.app.step {
        Step::Finalize(finalize) => (finalize.state, finalize.next_try_at.map(|at| (at - counter.now).whole_seconds())),
        other => panic!("not on finalize: {other:?} (problem: {:?})", counter.app.problem),
    }
}

#[tokio::test]
async fn a_completion_answered_but_still_started_is_asked_about_after_a_pause_not_in_a_loop() {
    let (mut counter, proxy) = through_proxy().await;
    // The server applies the completion, but its reply says STARTED; the GETs pass untouched.
    proxy.rewrite(on_complete(|body| {
        body["status"] = json!("STARTED");
        body["completed_at"] = Value::Null;
        body["claim"] = Value::Null;
    }));
    counter.scan("AUTH-2026-000101").await;
    counter.finalize().await;
    assert_eq!(finalize_state(&counter), (FinalizeState::Confirming, Some(1)), "a pause, not a GET at once");
    assert_eq!((requests(&counter, "complete"), requests(&counter, "get")), (1, 0));
    counter.wait(1).await;
    let done = counter.done().clone();
    counter.assert_completed_on_server(&done.dispensation_id).await;
    assert_eq!((requests(&counter, "complete"), requests(&counter, "get")), (1, 1));
}

#[tokio::test]
async fn a_server_that_always_answers_started_is_asked_ever_more_slowly() {
    let (mut counter, proxy) = through_proxy().await;
    let started = |method: &Method, path: &str, status: StatusCode, body: &Value| {
        let ours = path.contains("/dispensations/") && status.is_success() && *method != Method::PUT;
        ours.then(|| {
            let mut body = body.clone();
            body["status"] = json!("STARTED");
            body["claim"] = Value::Null;
            (status, body)
        })
    };
    counter.scan("AUTH-2026-000101").await;
    proxy.rewrite(started);
    counter.finalize().await;
    // Round one's counter sent 230 completes and 230 GETs in 20 s against such a server.
    counter.wait(20).await;
    let (completes, gets) = (requests(&counter, "complete"), requests(&counter, "get"));
    assert!(completes <= 5 && gets <= 5, "{completes} completes and {gets} GETs in 20 s");
    assert!(matches!(finalize_state(&counter).0, FinalizeState::Confirming | FinalizeState::Sending));
    assert!(counter.app.problem.is_none(), "never 'failed': {:?}", counter.app.problem);
}

#[tokio::test]
async fn a_completion_reply_naming_another_dispensation_is_confirmed_with_the_server() {
    let (mut counter, proxy) = through_proxy().await;
    proxy.rewrite(on_complete(|body| body["dispensation_id"] = json!("dsp_SOMEONE_ELSE")));
    counter.scan("AUTH-2026-000101").await;
    let id = counter.dispensation_id();
    counter.finalize().await;
    let done = counter.done().clone();
    assert_eq!(done.dispensation_id, id, "Done shows ours, as the server's GET has it");
    assert_eq!(requests(&counter, "get"), 1, "confirmed with one GET");
    let entry = counter.journal.dispensation(id.as_str()).unwrap().unwrap();
    assert_eq!(entry.status, "COMPLETED");
    assert!(counter.journal.dispensation("dsp_SOMEONE_ELSE").unwrap().is_none(), "nothing recorded for a stranger");
}

#[tokio::test]
async fn a_completion_reply_with_another_amount_is_confirmed_with_the_server() {
    let (mut counter, proxy) = through_proxy().await;
    proxy.rewrite(on_complete(|body| body["total_amount"] = json!(1.0)));
    counter.scan("AUTH-2026-000101").await;
    counter.finalize().await;
    let done = counter.done().clone();
    assert_eq!(requests(&counter, "get"), 1, "confirmed with one GET");
    assert_ne!(done.total_amount, Some(rust_decimal::Decimal::ONE), "the server's own amount, not the rewritten one");
}
