//! The snapshots can only be stable if the server's ids are: two sandboxes with the same seed and the same
//! frozen clock hand out the same dispensation and claim ids for the same keys.

use crossterm::event::KeyCode;
use mostrador::counter::Step;
use mostrador::i18n::Locale;

use crate::support::Screen;

/// Dispenses AUTH-2026-000101 on a fresh sandbox and returns the ids the Done screen shows.
async fn ids_of_one_run() -> (String, String) {
    let mut screen = Screen::open(Locale::Es).await;
    screen.scan("AUTH-2026-000101").await;
    screen.press(KeyCode::F(10)).await;
    screen.press(KeyCode::Enter).await;
    let Step::Done(done) = &screen.app.step else { panic!("not done: {:?}", screen.app.problem) };
    let claim = done.dispensation.claim.as_ref().expect("a claim").claim_id.to_string();
    (done.dispensation.dispensation_id.to_string(), claim)
}

#[tokio::test]
async fn ids_repeat_across_runs() {
    let first = ids_of_one_run().await;
    let second = ids_of_one_run().await;
    assert!(first.0.starts_with("dsp_") && first.1.starts_with("clm_"), "{first:?}");
    assert_eq!(first, second);
}
