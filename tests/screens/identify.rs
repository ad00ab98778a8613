//! Identifying the beneficiary with the sponsor's form (AUTH-2026-000105, ars-sandbox-do, by cédula).

use crossterm::event::KeyCode;
use mostrador::counter::Step;
use mostrador::i18n::Locale;

use crate::support::Screen;

#[tokio::test]
async fn identify_01_form_and_02_filled() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000105").await;
    assert!(matches!(screen.app.step, Step::Identify(_)), "{:?}", screen.app.problem);
    let form = screen.snapshot("identify_01_form_es");
    form.shows("Número de cédula");
    assert!(form.cursor.is_some(), "the cursor waits in the first field to type");

    screen.type_text("00112345678").await;
    screen.press(KeyCode::Tab).await;
    screen.type_text("27/02/1968").await;
    let filled = screen.snapshot("identify_02_filled_es");
    filled.shows("00112345678");
    filled.shows("27/02/1968");
}
