//! Leaving, quitting and failing part-way: a started dispensation is never left behind on the server, a stale
//! reply never changes the screen, and a finalize whose reply is lost still ends on Done when the server
//! completed it.

use std::time::Duration;

use mostrador::counter::{Effect, FinalizeState, Leave, Msg, ProblemKind, Step};
use mostrador::osigu::model::DispensationStatus;
use mostrador::sandbox::{Clock, FaultPlan, SandboxConfig};

use crate::support::Counter;

#[tokio::test]
async fn esc_on_review_asks_then_cancels_on_the_server() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000101").await;
    let id = counter.dispensation_id();
    counter.send(Msg::Back).await;
    assert!(matches!(counter.app.step, Step::ConfirmLeave { .. }));
    // Esc again stays: nothing is cancelled by a stray key.
    counter.send(Msg::Back).await;
    assert!(counter.on_review());
    counter.send(Msg::Back).await;
    counter.send(Msg::Submit).await;
    assert!(matches!(counter.app.step, Step::Entry { .. }));
    assert_eq!(counter.server_dispensation(&id).await.status, DispensationStatus::Cancelled);
    // The code is free again at once.
    counter.scan("AUTH-2026-000101").await;
    assert!(counter.on_review());
}

#[tokio::test]
async fn quitting_mid_verification_cancels_then_exits() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000102").await;
    let id = counter.dispensation_id();
    counter.send(Msg::Quit).await;
    assert!(counter.quit, "the core let the program exit");
    assert_eq!(counter.server_dispensation(&id).await.status, DispensationStatus::Cancelled);
    let quit_at = counter.effects.iter().position(|e| *e == Effect::Quit).unwrap();
    let cancel_at = counter.effects.iter().position(|e| e.request_name() == Some("cancel"));
    assert!(cancel_at.is_some_and(|at| at < quit_at), "cancel first, then quit");
}

#[tokio::test]
async fn ctrl_c_asks_first_while_a_dispensation_is_started_and_a_second_one_cancels_and_exits() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000101").await;
    let id = counter.dispensation_id();
    counter.send(Msg::Interrupt).await;
    assert!(matches!(counter.app.step, Step::ConfirmLeave { then: Leave::Quit, .. }), "{:?}", counter.app.step);
    assert!(!counter.quit, "nothing happens without an answer");
    // Esc stays; the dispensation is untouched.
    counter.send(Msg::Back).await;
    assert!(counter.on_review());
    assert_eq!(counter.server_dispensation(&id).await.status, DispensationStatus::Started);
    counter.send(Msg::Interrupt).await;
    counter.send(Msg::Interrupt).await;
    assert!(counter.quit);
    assert_eq!(counter.server_dispensation(&id).await.status, DispensationStatus::Cancelled);
}

#[tokio::test]
async fn ctrl_c_with_nothing_started_exits_at_once() {
    let mut counter = Counter::open().await;
    counter.type_text("AUTH-2026").await;
    counter.send(Msg::Interrupt).await;
    assert!(counter.quit, "no question when there is nothing to lose");
}

#[tokio::test]
async fn walking_away_from_a_start_in_flight_cancels_what_it_started() {
    let mut counter = Counter::open().await;
    counter.type_text("AUTH-2026-000101").await;
    // Enter, and Esc before the reply is applied.
    counter.apply(Msg::Submit);
    counter.send(Msg::Back).await;
    let Step::Entry { code, .. } = &counter.app.step else { panic!("{:?}", counter.app.step) };
    assert_eq!(code.value(), "AUTH-2026-000101", "the code is still there");
    assert!(counter.app.active.is_none(), "the late reply did not change the screen");
    // The server holds no STARTED dispensation for the code: starting it again works.
    counter.send(Msg::Submit).await;
    assert!(counter.on_review(), "{:?}", counter.app.problem);
}

#[tokio::test]
async fn a_finalize_whose_reply_is_lost_ends_on_done_once_the_server_confirms() {
    // Every completion is applied by the server and then its connection dropped without a reply.
    let faults = FaultPlan { rules: vec!["complete:commit-then-drop=1.0".parse().unwrap()] };
    let config = SandboxConfig { faults, remote_auto_approve: None, ..SandboxConfig::default() };
    let mut counter = Counter::open_with(config).await;
    counter.scan("AUTH-2026-000101").await;
    let id = counter.dispensation_id();
    counter.finalize().await;
    let done = counter.done().clone();
    assert_eq!(done.dispensation_id, id);
    let server = counter.assert_completed_on_server(&id).await;
    assert_eq!(server.products[0].claimed_quantity, server.products[0].authorized_quantity, "claimed once");
    let completes = counter.effects.iter().filter(|e| e.request_name() == Some("complete")).count();
    assert_eq!(completes, 1, "the core asked once; the client's retries reuse the key");
}

#[tokio::test]
async fn a_server_that_stops_mid_finalize_is_asked_again_and_again_until_it_says_completed() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000101").await;
    // Every connection dropped without a reply (the JSON 5xx of the fault plan would add its Retry-After second
    // to every try; a drop is just as unknown an outcome).
    counter.sandbox.faults().set(FaultPlan { rules: vec!["*:drop=1.0".parse().unwrap()] });
    counter.finalize().await;
    // The complete's reply never comes: the outcome is unknown, the server is asked, and it cannot answer. No problem
    // box and never "failed": the screen says it is confirming, and when it tries next.
    let pauses = |counter: &Counter| match &counter.app.step {
        Step::Finalize(finalize) => {
            assert_eq!(finalize.state, FinalizeState::Confirming);
            (finalize.attempts, finalize.next_try_at.map(|at| (at - counter.now).whole_seconds()))
        }
        other => panic!("{other:?}"),
    };
    assert!(counter.app.problem.is_none(), "{:?}", counter.app.problem);
    assert_eq!(pauses(&counter), (1, Some(1)));
    counter.wait(1).await;
    assert_eq!(pauses(&counter), (2, Some(2)), "the pause doubles");
    counter.wait(2).await;
    counter.wait(4).await;
    counter.wait(8).await;
    counter.wait(16).await;
    assert_eq!(pauses(&counter), (6, Some(30)), "up to 30 s");
    counter.wait(30).await;
    assert_eq!(pauses(&counter), (7, Some(30)));
    // The server is back: Enter tries at once, the server still holds it STARTED, the same completion goes again.
    counter.sandbox.faults().set(FaultPlan::none());
    counter.send(Msg::Submit).await;
    let done = counter.done().clone();
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    assert_eq!(server.products[0].claimed_quantity, server.products[0].authorized_quantity, "claimed once");
    let entry = counter.journal.dispensation(done.dispensation_id.as_str()).unwrap().unwrap();
    assert_eq!(entry.status, "COMPLETED");
}

#[tokio::test]
async fn a_dispensation_the_server_timed_out_is_reported_and_dropped() {
    let clock = Clock::frozen_at(time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap());
    let config = SandboxConfig { clock: clock.clone(), remote_auto_approve: None, ..SandboxConfig::default() };
    let mut counter = Counter::open_with(config).await;
    counter.scan("AUTH-2026-000101").await;
    clock.advance(Duration::from_secs(31 * 60));
    counter.finalize().await;
    assert!(
        matches!(counter.problem_kind(), ProblemKind::DispensationTimedOut | ProblemKind::InvalidState),
        "{:?}",
        counter.problem_kind()
    );
    assert!(counter.app.active.is_none());
    assert!(matches!(counter.app.step, Step::Entry { .. }));
}

#[tokio::test]
async fn an_empty_invoice_number_is_asked_for_before_anything_is_sent() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000101").await;
    counter.send(Msg::Finalize).await;
    for _ in 0..20 {
        counter.send(Msg::Edit(tui_input::InputRequest::DeletePrevChar)).await;
    }
    counter.send(Msg::Submit).await;
    assert_eq!(counter.problem_kind(), &ProblemKind::InvoiceRequired);
    assert!(!counter.effects.iter().any(|e| e.request_name() == Some("complete")));
    counter.send(Msg::Submit).await;
    counter.type_text("B-0007").await;
    counter.send(Msg::Submit).await;
    let done = counter.done().clone();
    assert_eq!(done.invoice.as_ref().map(|i| i.document_number.as_str()), Some("B-0007"));
}

#[tokio::test]
async fn a_configuration_missed_at_opening_is_fetched_when_a_code_needs_it() {
    // The server fails every call while the counter opens: nothing is prefetched.
    let faults = FaultPlan { rules: vec!["*:error-5xx=1.0".parse().unwrap()] };
    let config = SandboxConfig { faults, remote_auto_approve: None, ..SandboxConfig::default() };
    let mut counter = Counter::open_with(config).await;
    assert!(counter.app.session.sponsors.list.is_empty());
    counter.sandbox.faults().set(FaultPlan::none());
    counter.scan("AUTH-2026-000102").await;
    // The sponsor's configuration was fetched on the way, and the OTP went out on its first channel.
    let otp = counter.last_otp().await;
    assert_eq!(mostrador::osigu::model::wire_name(&otp.channel), "SMS");
    counter.type_text(&otp.code).await;
    assert!(counter.on_review(), "{:?}", counter.app.problem);
}
