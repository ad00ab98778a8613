//! The two flows a newcomer tries first, in Spanish and English and on a large terminal: a code without
//! verification from the empty counter to Done, and an OTP code up to the review of its lines.

use crossterm::event::KeyCode;
use mostrador::counter::Step;
use mostrador::i18n::Locale;

use crate::support::{HEIGHT, Screen, WIDTH};

/// AUTH-2026-000101: counter → review → finalize → done, each screen snapshotted with `suffix`.
async fn main_flow(locale: Locale, suffix: &str, width: u16, height: u16) {
    let mut screen = Screen::open(locale).await;
    let empty = screen.snapshot_at(&format!("counter_01_empty_{suffix}"), width, height);
    assert!(empty.cursor.is_some(), "the code field waits for a scan with its cursor");

    screen.scan("AUTH-2026-000101").await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.problem);
    let review = screen.snapshot_at(&format!("review_01_auth101_{suffix}"), width, height);
    review.shows("AUTH-2026-000101");
    review.hides("1987654320101");

    screen.press(KeyCode::F(10)).await;
    assert!(matches!(screen.app.step, Step::Finalize(_)), "{:?}", screen.app.problem);
    let finalize = screen.snapshot_at(&format!("finalize_01_{suffix}"), width, height);
    finalize.shows("F001-000001");
    finalize.shows("Q78.75");

    screen.press(KeyCode::Enter).await;
    let Step::Done(done) = &screen.app.step else { panic!("not done: {:?}", screen.app.problem) };
    let claim = done.dispensation.claim.as_ref().expect("a claim").claim_id.to_string();
    let dispensation = done.dispensation.dispensation_id.to_string();
    let shown = screen.snapshot_at(&format!("done_01_authorization_{suffix}"), width, height);
    shown.shows(&claim);
    shown.shows(&dispensation);
}

/// AUTH-2026-000102: the OTP sent (with the sandbox's toast), half typed, then the lines.
async fn otp_flow(locale: Locale, suffix: &str, width: u16, height: u16) {
    let mut screen = Screen::open(locale).await;
    screen.scan("AUTH-2026-000102").await;
    let code = screen.toast_code();
    let sent = screen.snapshot_at(&format!("otp_01_sent_{suffix}"), width, height);
    let toast_row = usize::from(height) - 2;
    assert_eq!(sent.rows_with(&code), [toast_row], "the OTP shows only in the sandbox's toast");

    screen.type_text(&code[..3]).await;
    let typed = screen.snapshot_at(&format!("otp_03_three_digits_{suffix}"), width, height);
    typed.shows("● ● ● ○ ○ ○");
    assert_eq!(typed.rows_with(&code), [toast_row], "typed digits show as dots");
    assert!(typed.cursor.is_some(), "the cursor waits on the fourth digit");

    screen.type_text(&code[3..]).await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{:?}", screen.app.problem);
    let review = screen.snapshot_at(&format!("otp_06_verified_review_{suffix}"), width, height);
    review.hides(&code);
}

#[tokio::test]
async fn main_flow_es() {
    main_flow(Locale::Es, "es", WIDTH, HEIGHT).await;
}

#[tokio::test]
async fn main_flow_en() {
    main_flow(Locale::En, "en", WIDTH, HEIGHT).await;
}

#[tokio::test]
async fn main_flow_es_120x40() {
    main_flow(Locale::Es, "es_120x40", 120, 40).await;
}

#[tokio::test]
async fn otp_flow_es() {
    otp_flow(Locale::Es, "es", WIDTH, HEIGHT).await;
}

#[tokio::test]
async fn otp_flow_en() {
    otp_flow(Locale::En, "en", WIDTH, HEIGHT).await;
}

#[tokio::test]
async fn otp_flow_es_120x40() {
    otp_flow(Locale::Es, "es_120x40", 120, 40).await;
}

#[tokio::test]
async fn done_02_prescription() {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("RX-2026-000001").await;
    screen.press(KeyCode::F(10)).await;
    screen.press(KeyCode::Enter).await;
    let Step::Done(done) = &screen.app.step else { panic!("not done: {:?}", screen.app.problem) };
    assert!(done.dispensation.claim.is_none(), "a cash prescription makes no claim");
    let shown = screen.snapshot("done_02_prescription_es");
    shown.shows("RX-2026-000001");
    shown.hides("clm_");
}
