//! A start whose reply is lost (issue 10): the server made a dispensation that holds the code, and the counter
//! never heard of it. The start's request and key are on disk before it leaves, so it is found again: resumed when
//! the clerk scans the same code, cancelled at quit, or cancelled by the next start's recovery.

use mostrador::counter::{Msg, Step};
use mostrador::osigu::client::ListQuery;
use mostrador::osigu::model::{Dispensation, DispensationStatus};
use mostrador::sandbox::{FaultPlan, SandboxConfig};

use crate::support::Counter;

/// A counter whose sandbox drops every start's reply after making the dispensation.
async fn losing_starts() -> Counter {
    let faults = FaultPlan { rules: vec!["start:commit-then-drop=1.0".parse().unwrap()] };
    Counter::open_with(SandboxConfig { faults, remote_auto_approve: None, ..SandboxConfig::default() }).await
}

/// What the server holds for `code`.
async fn on_server(counter: &Counter, code: &str) -> Vec<Dispensation> {
    let query = ListQuery { code: Some(code.to_owned()), size: 50, ..ListQuery::default() };
    counter.server.dispensations(&query).await.expect("list").content
}

/// Scans `code` into a lost reply: the problem box says the outcome is unknown; Esc goes back to the field.
async fn lose_a_start(counter: &mut Counter, code: &str) {
    counter.scan(code).await;
    assert!(counter.app.problem.is_some(), "the lost reply is a problem on screen: {:?}", counter.app.step);
    let held = on_server(counter, code).await;
    assert_eq!(held.len(), 1, "the server made one dispensation");
    assert_eq!(held[0].status, DispensationStatus::Started);
    assert_eq!(counter.journal.loose_starts().unwrap().len(), 1, "the start is on disk, its outcome unknown");
    counter.send(Msg::Back).await;
    // Esc again empties the field (the code stays in it after a refusal, to correct).
    counter.send(Msg::Back).await;
    assert!(matches!(&counter.app.step, Step::Entry { code, .. } if code.value().is_empty()), "{:?}", counter.app.step);
}

#[tokio::test]
async fn the_same_code_scanned_again_resumes_the_dispensation_the_lost_start_made() {
    let mut counter = losing_starts().await;
    lose_a_start(&mut counter, "AUTH-2026-000101").await;
    counter.sandbox.faults().set(FaultPlan::none());
    // Another code in between: the lost one stays aside.
    counter.scan("RX-2026-000001").await;
    assert!(counter.on_review());
    counter.send(Msg::NewCode).await;
    counter.send(Msg::Submit).await;
    counter.scan("AUTH-2026-000101").await;
    assert!(counter.on_review(), "{:?}", counter.app.problem);
    let held = on_server(&counter, "AUTH-2026-000101").await;
    assert_eq!(held.len(), 1, "resumed, not started twice (no CODE_IN_PROGRESS)");
    assert_eq!(counter.dispensation_id(), held[0].dispensation_id);
    counter.finalize().await;
    counter.done();
    assert!(counter.journal.loose_starts().unwrap().is_empty());
}

#[tokio::test]
async fn quitting_cancels_what_a_lost_start_made() {
    let mut counter = losing_starts().await;
    lose_a_start(&mut counter, "AUTH-2026-000101").await;
    counter.sandbox.faults().set(FaultPlan::none());
    counter.send(Msg::Quit).await;
    assert!(counter.quit);
    let held = on_server(&counter, "AUTH-2026-000101").await;
    assert_eq!(held[0].status, DispensationStatus::Cancelled, "no orphan holds the code for 30 minutes");
    assert!(counter.journal.loose_starts().unwrap().is_empty());
    let entry = counter.journal.dispensation(held[0].dispensation_id.as_str()).unwrap().unwrap();
    assert_eq!(entry.status, "CANCELLED", "what it made is on record, cancelled");
}

#[tokio::test]
async fn the_next_start_cancels_what_a_lost_start_made() {
    let mut counter = losing_starts().await;
    lose_a_start(&mut counter, "AUTH-2026-000102").await;
    counter.sandbox.faults().set(FaultPlan::none());
    // The program dies here (nothing more is sent); the next start runs recovery on the same journal.
    let found = mostrador::runtime::recover(&counter.journal, &counter.server).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, "AUTH-2026-000102");
    assert_eq!(found[0].outcome, mostrador::counter::Recovery::Cancelled);
    let held = on_server(&counter, "AUTH-2026-000102").await;
    assert_eq!(held[0].status, DispensationStatus::Cancelled);
    assert!(counter.journal.loose_starts().unwrap().is_empty());
    assert!(counter.journal.unfinished().unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_start_leaves_nothing_to_look_for() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000107").await;
    assert!(counter.app.problem.is_some());
    assert!(counter.journal.loose_starts().unwrap().is_empty(), "a refusal started nothing");
}
