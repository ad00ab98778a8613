//! Codes the server refuses, each explained over the counter screen with what to do next (contract §8).

use mostrador::counter::Step;
use mostrador::i18n::Locale;

use crate::support::Screen;

/// Scans `code`, snapshots the refusal as `name`, and checks the box over the counter `says` why.
async fn refused(code: &str, name: &str, says: &str) {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan(code).await;
    assert!(matches!(screen.app.step, Step::Starting { .. }), "{:?}", screen.app.step);
    assert!(screen.app.problem.is_some(), "{code} is refused");
    assert!(screen.app.active.is_none(), "nothing started on the server");
    let drawn = screen.snapshot(name);
    let why = drawn.rows_with(says);
    assert!(!why.is_empty(), "`{says}` is not on screen:\n{}", drawn.text());
    assert!(drawn.rows[why[0]].contains("│ "), "said inside the box");
}

#[tokio::test]
async fn refused_01_already_redeemed() {
    refused("AUTH-2026-000107", "refused_01_already_redeemed_es", "ya fue despachado").await;
}

#[tokio::test]
async fn refused_02_expired() {
    refused("AUTH-2026-000108", "refused_02_expired_es", "venció el 20/11/2026").await;
}

#[tokio::test]
async fn refused_03_voided() {
    refused("AUTH-2026-000109", "refused_03_voided_es", "anulado").await;
}

#[tokio::test]
async fn refused_04_pending_review() {
    refused("AUTH-2026-000110", "refused_04_pending_review_es", "en revisión con la aseguradora").await;
}

#[tokio::test]
async fn refused_05_not_yet_valid() {
    refused("RX-2026-000003", "refused_05_not_yet_valid_es", "no es válido").await;
}
