//! Quitting never leaves a completion's outcome unknown (issue 10): Ctrl-C or a signal while a completion is in
//! flight or being confirmed keeps confirming, on the same schedule, and exits once the server has said. Ctrl-C
//! again asks whether to leave it unconfirmed; only then does the program exit with the journal in FINALIZING,
//! for the next start to confirm.

use mostrador::counter::{Effect, FinalizeState, Msg, Step};
use mostrador::sandbox::{FaultPlan, SandboxConfig};

use crate::support::Counter;

fn quit_at(counter: &Counter) -> Option<usize> {
    counter.effects.iter().position(|effect| *effect == Effect::Quit)
}

#[tokio::test]
async fn quitting_with_a_completion_in_flight_waits_for_its_answer() {
    let faults = FaultPlan { rules: vec!["complete:latency-ms=300".parse().unwrap()] };
    let mut counter =
        Counter::open_with(SandboxConfig { faults, remote_auto_approve: None, ..SandboxConfig::default() }).await;
    counter.scan("AUTH-2026-000101").await;
    let id = counter.dispensation_id();
    counter.send(Msg::Finalize).await;
    counter.apply(Msg::Submit);
    // A signal while `complete` is on its way.
    counter.apply(Msg::Quit);
    assert!(!counter.quit, "not before the server has answered");
    assert!(counter.app.quitting);
    counter.settle().await;
    assert!(counter.quit);
    counter.done();
    counter.assert_completed_on_server(&id).await;
    assert!(!counter.effects.iter().any(|effect| effect.request_name() == Some("cancel")), "nothing cancelled");
    assert_eq!(counter.journal.dispensation(id.as_str()).unwrap().unwrap().status, "COMPLETED", "on record first");
}

#[tokio::test]
async fn quitting_while_confirming_goes_on_confirming_and_exits_once_the_server_says_completed() {
    // Every completion is applied and its reply lost; the server cannot be asked either, for now.
    let faults =
        FaultPlan { rules: vec!["complete:commit-then-drop=1.0".parse().unwrap(), "get:drop=1.0".parse().unwrap()] };
    let mut counter =
        Counter::open_with(SandboxConfig { faults, remote_auto_approve: None, ..SandboxConfig::default() }).await;
    counter.scan("AUTH-2026-000101").await;
    let id = counter.dispensation_id();
    counter.finalize().await;
    assert!(matches!(&counter.app.step, Step::Finalize(f) if f.state == FinalizeState::Confirming));
    counter.send(Msg::Interrupt).await;
    assert!(counter.app.quitting && !counter.quit, "Ctrl-C keeps confirming");
    assert!(counter.app.outcome_in_doubt());
    counter.wait(3).await;
    assert!(!counter.quit);
    // The server can be asked again: the next try finds it COMPLETED, and the program exits.
    counter.sandbox.faults().set(FaultPlan::none());
    counter.wait(30).await;
    assert!(counter.quit, "{:?}", counter.app.step);
    counter.done();
    assert_eq!(counter.journal.dispensation(id.as_str()).unwrap().unwrap().status, "COMPLETED");
}

#[tokio::test]
async fn ctrl_c_again_asks_before_leaving_a_completion_unconfirmed() {
    let faults =
        FaultPlan { rules: vec!["complete:commit-then-drop=1.0".parse().unwrap(), "get:drop=1.0".parse().unwrap()] };
    let mut counter =
        Counter::open_with(SandboxConfig { faults, remote_auto_approve: None, ..SandboxConfig::default() }).await;
    counter.scan("AUTH-2026-000101").await;
    let id = counter.dispensation_id();
    counter.finalize().await;
    counter.send(Msg::Interrupt).await;
    counter.send(Msg::Interrupt).await;
    assert!(counter.app.overlays.leave_unconfirmed, "the second Ctrl-C asks");
    assert!(!counter.quit);
    // Esc: keep waiting.
    counter.send(Msg::Back).await;
    assert!(!counter.app.overlays.leave_unconfirmed && !counter.quit);
    counter.send(Msg::Interrupt).await;
    counter.send(Msg::Submit).await;
    assert!(counter.quit, "Enter on the question leaves");
    assert_eq!(quit_at(&counter).map(|_| ()), Some(()));
    let entry = counter.journal.dispensation(id.as_str()).unwrap().unwrap();
    assert_eq!(entry.status, "FINALIZING", "left for the next start to confirm");
    assert!(!counter.effects.iter().any(|effect| effect.request_name() == Some("cancel")), "never cancelled");
}
