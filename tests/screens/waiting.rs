//! The screens in between: waiting for the sponsor's rules, cancelling a dispensation, sending a completion.
//! Each is drawn after the request left and before its reply is applied.

use crossterm::event::KeyCode;
use mostrador::counter::{FinalizeState, Step};
use mostrador::i18n::Locale;
use mostrador::sandbox::FaultPlan;

use crate::support::Screen;

#[tokio::test]
async fn waiting_01_preparing() {
    let mut screen = Screen::open(Locale::Es).await;
    // The sponsors' rules fetched when the counter opened are trusted for ten minutes; after that a code needs
    // them fetched again before its verification can be shown.
    screen.wait(601).await;
    screen.type_text("AUTH-2026-000101").await;
    screen.press_only(KeyCode::Enter);
    screen.next_reply().await;
    assert!(matches!(screen.app.step, Step::Preparing), "{:?}", screen.app.step);
    let drawn = screen.snapshot("waiting_01_preparing_es");
    drawn.shows("Cargando las reglas de la aseguradora…");
    drawn.shows("AUTH-2026-000101");
    screen.settle().await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.problem);
}

#[tokio::test]
async fn waiting_02_leaving() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000101").await;
    screen.press(KeyCode::Esc).await;
    screen.press_only(KeyCode::Enter);
    assert!(matches!(screen.app.step, Step::Leaving { .. }), "{:?}", screen.app.step);
    let drawn = screen.snapshot("waiting_02_leaving_es");
    drawn.shows("Cancelando el despacho en Osigu…");
    screen.settle().await;
    assert!(matches!(screen.app.step, Step::Entry { .. }), "{:?}", screen.app.step);
}

#[tokio::test]
async fn finalize_02_sending() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000101").await;
    screen.press(KeyCode::F(10)).await;
    screen.press_only(KeyCode::Enter);
    assert!(matches!(&screen.app.step, Step::Finalize(finalize) if finalize.state == FinalizeState::Sending));
    let drawn = screen.snapshot("finalize_02_sending_es");
    drawn.shows("Finalizando con Osigu…");
    drawn.hides("Enter finalizar");
    screen.settle().await;
    assert!(matches!(screen.app.step, Step::Done(_)), "{:?}", screen.app.problem);
}

#[tokio::test]
async fn finalize_03_confirming() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000101").await;
    screen.press(KeyCode::F(10)).await;
    // Every reply lost: the outcome is unknown and the counter keeps asking, with a growing pause.
    screen.sandbox.faults().set(FaultPlan { rules: vec!["*:drop=1.0".parse().unwrap()] });
    screen.press(KeyCode::Enter).await;
    screen.wait(1).await;
    let drawn = screen.snapshot("finalize_03_confirming_es");
    drawn.shows("Intento 3 en 0:02");
    drawn.shows("Enter intentar ahora");
    drawn.hides("No se pudo");
    screen.sandbox.faults().set(FaultPlan::none());
    screen.press(KeyCode::Enter).await;
    assert!(matches!(screen.app.step, Step::Done(_)), "{:?}", screen.app.problem);
}

#[tokio::test]
async fn a_long_invoice_number_scrolls_so_its_end_and_the_cursor_stay_in_view() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000101").await;
    screen.press(KeyCode::F(10)).await;
    // 33 characters in a 32-column field (the number allows 40).
    screen.type_text("-SUC-ZONA10-CAJA3-TB99").await;
    let drawn = screen.look();
    drawn.shows("TB99");
    drawn.hides("F001-000001-SUC");
    let cursor = drawn.cursor.expect("the field has the cursor");
    assert!(cursor.x < 80 && drawn.rows[usize::from(cursor.y)].contains("TB99"), "{cursor:?}");
}
