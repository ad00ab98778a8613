//! The screens at the counter's edges, drawn in Spanish and English at 80x24 and 160x45: the banner of a journal
//! that cannot be written, the question a scan asks during a dispensation, closing while a completion's outcome is
//! unknown and the question before leaving it unconfirmed, and the help over a step.

use crossterm::event::KeyCode;
use mostrador::counter::{JournalCause, JournalFailure, Leave, Msg, Step};
use mostrador::i18n::Locale;
use mostrador::sandbox::FaultPlan;

use crate::support::{Screen, four_ways};

#[tokio::test]
async fn banner_01_journal_full() {
    let mut screen = Screen::open(Locale::Es).await;
    // What the executor reports when a write fails on a full disk (tests/flows/journal_failures.rs fills a real
    // one); here only its drawing is looked at.
    let failure = JournalFailure { cause: JournalCause::Full, detail: "database or disk is full".to_owned() };
    screen.reply(Msg::Journaled { id: None, result: Err(failure) }).await;
    for seen in four_ways(&mut screen, "banner_01_journal_full") {
        seen.says("NO SE PUEDE REGISTRAR", "NOTHING CAN BE RECORDED");
        seen.drawn.hides("database or disk is full");
    }
}

#[tokio::test]
async fn confirm_03_leave_for_code() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000101").await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.problem);
    screen.scan("AUTH-2026-000102").await;
    assert!(
        matches!(&screen.app.step, Step::ConfirmLeave { then: Leave::ToCode(code), .. } if code == "AUTH-2026-000102"),
        "{:?}",
        screen.app.step
    );
    for seen in four_ways(&mut screen, "confirm_03_leave_for_code") {
        seen.drawn.shows("AUTH-2026-000101");
        seen.drawn.shows("AUTH-2026-000102");
    }
    // Esc keeps the first dispensation; the scanned code waits in the field for later, not lost.
    screen.press(KeyCode::Esc).await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.step);
}

#[tokio::test]
async fn closing_01_and_02_leave_unconfirmed() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000101").await;
    screen.press(KeyCode::F(10)).await;
    // Every reply lost: the completion's outcome is unknown when the clerk closes the counter.
    screen.sandbox.faults().set(FaultPlan { rules: vec!["*:drop=1.0".parse().unwrap()] });
    screen.press(KeyCode::Enter).await;
    screen.ctrl('c').await;
    assert!(screen.app.quitting, "Ctrl-C during a completion closes once its outcome is known");
    for seen in four_ways(&mut screen, "closing_01_waiting_for_outcome") {
        seen.says("no cierre la ventana", "do not close the window");
    }
    screen.ctrl('c').await;
    assert!(screen.app.overlays.leave_unconfirmed);
    for seen in four_ways(&mut screen, "closing_02_leave_unconfirmed") {
        seen.says("Salir sin confirmar", "Leave unconfirmed");
        seen.drawn.shows("AUTH-2026-000101");
    }
    // Esc keeps waiting; the reply comes back and the counter closes with the completion confirmed.
    screen.press(KeyCode::Esc).await;
    assert!(!screen.app.overlays.leave_unconfirmed);
    screen.sandbox.faults().set(FaultPlan::none());
    screen.wait(5).await;
    screen.settle().await;
    assert!(matches!(screen.app.step, Step::Done(_)), "{:?}", screen.app.step);
}

#[tokio::test]
async fn help_02_review() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000101").await;
    screen.press(KeyCode::F(1)).await;
    for seen in four_ways(&mut screen, "help_02_review") {
        // The keys the lines obey, from the same answer the keys read: F10 finalizes here.
        seen.says("F10", "F10");
        seen.says("finalizar", "finalize");
    }
}
