//! Every code the server refuses (contract §8) ends in the right problem, with the code left in the field to
//! correct, and nothing started on the server.

use mostrador::counter::{Msg, NextStep, ProblemKind, Step};
use mostrador::osigu::error::IdempotencyKey;
use mostrador::osigu::model::StartRequest;

use crate::support::Counter;

async fn refused(code: &str) -> (Counter, ProblemKind) {
    let mut counter = Counter::open().await;
    counter.scan(code).await;
    let kind = counter.problem_kind().clone();
    // A code that does not exist is to be corrected; one that exists but cannot be dispensed, replaced.
    let next = if code.eq_ignore_ascii_case("NOPE-0000") { NextStep::EditCode } else { NextStep::OtherCode };
    assert_eq!(counter.problem().next, next, "{code}");
    assert!(counter.app.active.is_none(), "{code}: nothing in progress");
    (counter, kind)
}

/// A code and what its problem must be.
type Case = (&'static str, fn(&ProblemKind) -> bool);

#[tokio::test]
async fn each_refused_code_names_its_reason() {
    let cases: [Case; 6] = [
        ("AUTH-2026-000107", |k| matches!(k, ProblemKind::CodeAlreadyRedeemed { code } if code == "AUTH-2026-000107")),
        ("AUTH-2026-000108", |k| matches!(k, ProblemKind::CodeExpired { on: Some(_) })),
        ("AUTH-2026-000109", |k| matches!(k, ProblemKind::CodeVoided)),
        ("AUTH-2026-000110", |k| matches!(k, ProblemKind::AuthorizationPendingReview)),
        ("NOPE-0000", |k| matches!(k, ProblemKind::CodeNotFound { code } if code == "NOPE-0000")),
        ("AUTH-2026-000111", |k| matches!(k, ProblemKind::CoverageInactive)),
    ];
    for (code, expected) in cases {
        let (_, kind) = refused(code).await;
        assert!(expected(&kind), "{code}: {kind:?}");
    }
}

#[tokio::test]
async fn a_prescription_not_yet_valid_says_from_when() {
    let (counter, kind) = refused("RX-2026-000003").await;
    let ProblemKind::CodeNotYetValid { from: Some(from) } = kind else { panic!("{kind:?}") };
    let days = (from - counter.now).whole_hours();
    assert!((48..=96).contains(&days), "valid from about three days ahead: {from}");
}

#[tokio::test]
async fn a_code_held_by_another_terminal_says_since_when() {
    let mut counter = Counter::open().await;
    // Another terminal started it first.
    let other = StartRequest { code: "AUTH-2026-000101".into(), beneficiary_id: None, currency_code: None };
    let held = counter.server.start(&other, &IdempotencyKey::new("other-terminal")).await.unwrap();
    counter.scan("AUTH-2026-000101").await;
    let ProblemKind::CodeInProgress { since: Some(since) } = counter.problem_kind().clone() else {
        panic!("{:?}", counter.problem_kind())
    };
    assert_eq!(Some(since), held.started_at);
}

#[tokio::test]
async fn the_refused_code_stays_in_the_field_to_correct() {
    let (mut counter, _) = refused("nope-0000").await;
    counter.send(Msg::Submit).await;
    let Step::Entry { code, .. } = &counter.app.step else { panic!("{:?}", counter.app.step) };
    assert_eq!(code.value(), "NOPE-0000");
    assert!(counter.app.problem.is_none());
}

#[tokio::test]
async fn an_empty_scan_is_refused_without_a_request() {
    let mut counter = Counter::open().await;
    assert_eq!(counter.app.wake_at(), None, "an idle counter arms no timer");
    let calls_before = counter.effects.len();
    counter.scan("   ").await;
    assert_eq!(counter.problem_kind(), &ProblemKind::CodeEmpty);
    assert_eq!(counter.effects.len(), calls_before, "nothing was sent");
}

#[tokio::test]
async fn a_pasted_megabyte_is_cut_to_a_code_length_and_refused_cleanly() {
    let mut counter = Counter::open().await;
    counter.send(Msg::Paste("Ñ".repeat(1_000_000))).await;
    let Step::Entry { code, .. } = &counter.app.step else { panic!() };
    assert_eq!(code.value().chars().count(), 64);
    counter.send(Msg::Submit).await;
    assert!(matches!(counter.problem_kind(), ProblemKind::CodeNotFound { .. }));
}

#[tokio::test]
async fn a_scanner_burst_ending_in_a_newline_submits_the_code() {
    let mut counter = Counter::open().await;
    counter.send(Msg::Paste("AUTH-2026-000101\r\n".into())).await;
    assert!(counter.on_review(), "{:?} / {:?}", counter.app.step, counter.app.problem);
}
