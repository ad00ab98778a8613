//! The counter screen: the code field while typing and while the code is looked up, today's activity, a code
//! that does not exist (and its details), the help overlay, and a terminal too small to work in.

use crossterm::event::KeyCode;
use mostrador::counter::Step;
use mostrador::i18n::Locale;

use crate::support::Screen;

#[tokio::test]
async fn counter_02_typing() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.type_text("AUTH-2026-00").await;
    let drawn = screen.snapshot("counter_02_typing_es");
    drawn.shows("AUTH-2026-00");
    let cursor = drawn.cursor.expect("a cursor in the code field");
    let field_row = &drawn.rows[usize::from(cursor.y)];
    let text_starts = field_row.find("AUTH").expect("the code on the cursor's row");
    assert_eq!(usize::from(cursor.x), field_row[..text_starts].chars().count() + 12, "the cursor follows the text");
}

#[tokio::test]
async fn counter_03_looking_up() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.type_text("AUTH-2026-000101").await;
    screen.press_only(KeyCode::Enter);
    assert!(matches!(screen.app.step, Step::Starting { .. }), "the reply has not been applied yet");
    let drawn = screen.snapshot("counter_03_looking_up_es");
    assert!(drawn.cursor.is_none(), "nothing to type while the code is looked up");
    screen.settle().await;
}

#[tokio::test]
async fn counter_04_recent() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000101").await;
    screen.press(KeyCode::F(10)).await;
    screen.press(KeyCode::Enter).await;
    screen.press(KeyCode::Enter).await;
    screen.wait(75).await;
    screen.scan("RX-2026-000001").await;
    screen.press(KeyCode::Esc).await;
    screen.press(KeyCode::Enter).await;
    assert_eq!(screen.app.session.recent.len(), 2, "{:?}", screen.app.problem);
    let drawn = screen.snapshot("counter_04_recent_es");
    let completed = drawn.rows_with("AUTH-2026-000101");
    let cancelled = drawn.rows_with("RX-2026-000001");
    // The practice list names both codes too: today's activity is on the left, newest first.
    assert!(cancelled[0] < completed[0], "newest first: {cancelled:?} / {completed:?}");
    drawn.shows("09:04");
    drawn.shows("09:05");
}

#[tokio::test]
async fn counter_05_not_found_and_details() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("NOPE-0000").await;
    assert!(screen.app.problem.is_some());
    let drawn = screen.snapshot("counter_05_not_found_es");
    drawn.shows("NOPE-0000");
    assert!(drawn.cursor.is_none(), "the field takes no keys under the problem");
    screen.press(KeyCode::F(8)).await;
    screen.snapshot("counter_06_not_found_details_es");
    // Enter goes back to the field with the code still in it, to correct.
    screen.press(KeyCode::Enter).await;
    assert!(matches!(&screen.app.step, Step::Entry { code, .. } if code.value() == "NOPE-0000"));
}

#[tokio::test]
async fn help_01() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.press(KeyCode::F(1)).await;
    let drawn = screen.snapshot("help_01_es");
    // This screen's keys, from the same answer the keys obey: not F10, which does nothing here.
    drawn.shows("Teclas de esta pantalla");
    drawn.shows("F3           historial");
    drawn.shows("F11, Ctrl-P  receta en papel");
    drawn.shows("Ctrl-C");
    drawn.hides("F10");
    screen.press(KeyCode::Esc).await;
    assert!(!screen.app.overlays.help);
}

#[tokio::test]
async fn small_01_enlarge() {
    let mut screen = Screen::open(Locale::Es).await;
    let drawn = screen.snapshot_at("small_01_enlarge_es", 20, 5);
    // One message, wrapped to the width, asking for the size the counter needs; nothing else is drawn.
    let message: Vec<&str> = drawn.rows.iter().map(|row| row.trim()).filter(|row| !row.is_empty()).collect();
    assert_eq!(message.join(" "), "Agrande la ventana: se necesitan al menos 80×24.");
}

#[tokio::test]
async fn recovered_01() {
    use mostrador::counter::{Recovered, Recovery};
    use mostrador::osigu::model::Id;
    let mut screen = Screen::open(Locale::Es).await;
    let found = |code: &str, outcome| Recovered { code: code.to_owned(), outcome };
    screen.app.recovered = vec![
        found("AUTH-2026-000101", Recovery::Resumed { claim_id: Some(Id::new("clm_01M7ZA5ER0DFG4BGK1NPF648DP")) }),
        found("AUTH-2026-000102", Recovery::Redo),
        found("RX-2026-000004", Recovery::Cancelled),
    ];
    let drawn = screen.snapshot("recovered_01_es");
    drawn.shows("Recuperado al iniciar");
    assert!(drawn.words().contains("clm_01M7ZA5ER0DFG4BGK1NPF648DP"));
    // Nothing typed goes under it; Enter puts the counter back in the clerk's hands.
    screen.type_text("AUTH").await;
    screen.press(KeyCode::Enter).await;
    assert!(screen.app.recovered.is_empty());
    assert!(matches!(&screen.app.step, mostrador::counter::Step::Entry { code, .. } if code.value().is_empty()));
}

#[tokio::test]
async fn history_01() {
    let mut screen = Screen::open(Locale::Es).await;
    for code in ["AUTH-2026-000101", "RX-2026-000001"] {
        screen.scan(code).await;
        screen.press(KeyCode::F(10)).await;
        screen.press(KeyCode::Enter).await;
        screen.press(KeyCode::Enter).await;
    }
    screen.scan("AUTH-2026-000102").await;
    screen.press(KeyCode::Esc).await;
    screen.press(KeyCode::Enter).await;
    screen.press(KeyCode::F(3)).await;
    let drawn = screen.snapshot("history_01_es");
    // The drawer holds what the patients paid: 20 % of Q78.75 and the whole cash prescription; the sponsor owes
    // the rest of its dispensation.
    drawn.shows("En caja (pagado por pacientes): Q67.75");
    drawn.shows("Total del turno: Sponsor Sandbox Q78.75 (1), debe Q63.00");
    drawn.shows("particular Q52.00 (1)");
    drawn.shows("cancelado");
    screen.type_text("rx").await;
    let filtered = screen.look();
    filtered.hides("AUTH-2026-000101");
    filtered.shows("RX-2026-000001");
}

/// A configuration warning printed on stderr vanished under the screen the moment it opened: it is shown on
/// the first screen, in the clerk's language, until the first code is looked up.
#[tokio::test]
async fn counter_07_config_warning() {
    let warning = mostrador::config::ConfigWarning::ExposedSecret { path: "/etc/mostrador/config.toml".into() };
    let mut screen = Screen::open(Locale::Es).await;
    // As the runtime hands them to the counter at start.
    screen.app.session.surroundings.warnings = vec![warning.clone()];
    let drawn = screen.snapshot("counter_07_config_warning_es");
    assert!(drawn.words().contains("otrosusuariospuedenleerelsecretodelclienteen/etc/mostrador/config.toml"));
    assert!(drawn.words().contains("Ejecute:chmod600/etc/mostrador/config.toml"), "{}", drawn.text());
    screen.type_text("AUTH-2026-000101").await;
    screen.look().shows("Aviso para sistemas");
    screen.press(KeyCode::Enter).await;
    assert!(!matches!(screen.app.step, Step::Entry { .. }));
    screen.look().hides("Aviso para sistemas");

    let mut screen = Screen::open(Locale::En).await;
    screen.app.session.surroundings.warnings = vec![warning];
    assert!(screen.look().words().contains("Run:chmod600/etc/mostrador/config.toml"));
}
