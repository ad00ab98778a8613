//! The review of the lines: a long list and its scrolling, a locked line, a partial authorization, the
//! substitution dialog, a quantity lowered, personal data revealed; and the questions before leaving it.

use crossterm::event::KeyCode;
use mostrador::counter::{Leave, Step};
use mostrador::i18n::Locale;

use crate::support::Screen;

/// A screen on the review of `code` (a code without verification).
async fn reviewing(code: &str) -> Screen {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan(code).await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{code}: {:?}", screen.app.problem);
    screen
}

fn selected(screen: &Screen) -> usize {
    match &screen.app.step {
        Step::Review(review) => review.selected,
        other => panic!("not on review: {other:?}"),
    }
}

#[tokio::test]
async fn review_02_long_list_and_03_scrolled() {
    let mut screen = reviewing("RX-2026-000004").await;
    let top = screen.snapshot("review_02_long_list_es");
    // At 80x24 all twelve lines fit: no scroll marker, the first and the last both show.
    top.hides("/ 12");
    top.shows("Ácido acetils");
    top.shows("Lágrimas");
    screen.press(KeyCode::PageDown).await;
    screen.press(KeyCode::Down).await;
    screen.press(KeyCode::PageDown).await;
    assert_eq!(selected(&screen), 11, "the last line");
    let bottom = screen.snapshot("review_03_long_list_scrolled_es");
    bottom.shows("MED-712 Lágrimas artificiales (hipromelosa 0,3 %) gotas, 15 ml");
}

#[tokio::test]
async fn review_04_locked_line() {
    let mut screen = reviewing("RX-2026-000002").await;
    assert_eq!(selected(&screen), 1, "the cursor starts on the line that can be dispensed");
    screen.press(KeyCode::Up).await;
    let drawn = screen.snapshot("review_04_locked_line_es");
    drawn.shows("⊘ Tramadol");
    drawn.shows("Bloqueada");
    drawn.shows("Q22.00   20 unidades");
}

#[tokio::test]
async fn review_05_partial() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000106").await;
    screen.type_otp().await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.problem);
    let drawn = screen.snapshot("review_05_partial_es");
    // 20 of the 30 authorized were claimed before: only 10 can go now.
    drawn.shows("Q41.00   10 unidades");
}

#[tokio::test]
async fn review_06_substitution_dialog() {
    // Sponsor Sandbox allows substitutions (a cash prescription has no sponsor to allow them: no F4 there).
    let mut screen = reviewing("AUTH-2026-000101").await;
    screen.press(KeyCode::F(4)).await;
    screen.type_text("MED-SBX-042").await;
    screen.press(KeyCode::Tab).await;
    screen.type_text("10").await;
    let drawn = screen.snapshot("review_06_substitution_dialog_es");
    drawn.shows("MED-SBX-042");
    assert!(drawn.cursor.is_some(), "the cursor is in the quantity");
}

#[tokio::test]
async fn review_07_quantity_decreased() {
    let mut screen = reviewing("AUTH-2026-000101").await;
    for _ in 0..3 {
        screen.press(KeyCode::Char('-')).await;
    }
    let drawn = screen.snapshot("review_07_quantity_decreased_es");
    drawn.shows("Q67.50   18 unidades");
}

#[tokio::test]
async fn review_08_revealed() {
    let mut screen = reviewing("AUTH-2026-000101").await;
    let masked = screen.look();
    masked.hides("1987654320101");
    masked.shows("0101");
    screen.press(KeyCode::F(7)).await;
    let revealed = screen.snapshot("review_08_revealed_es");
    revealed.shows("1987654320101");
}

#[tokio::test]
async fn confirm_01_leave() {
    let mut screen = reviewing("AUTH-2026-000101").await;
    screen.press(KeyCode::Esc).await;
    assert!(matches!(screen.app.step, Step::ConfirmLeave { then: Leave::ToEntry, .. }));
    let drawn = screen.snapshot("confirm_01_leave_es");
    drawn.shows("AUTH-2026-000101");
    // Esc stays: nothing was cancelled.
    screen.press(KeyCode::Esc).await;
    assert!(matches!(screen.app.step, Step::Review(_)));
}

#[tokio::test]
async fn confirm_02_quit() {
    let mut screen = reviewing("AUTH-2026-000101").await;
    screen.ctrl('c').await;
    assert!(matches!(screen.app.step, Step::ConfirmLeave { then: Leave::Quit, .. }));
    assert!(!screen.app.quitting, "the clerk is asked first");
    let drawn = screen.snapshot("confirm_02_quit_es");
    drawn.shows("AUTH-2026-000101");
}
