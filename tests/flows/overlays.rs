//! What the clerk toggles over a step: the help (which takes the keys while it shows, so nothing happens unseen
//! under it), a problem's details, and personal data in clear (hidden again when the dispensation ends).

use mostrador::counter::{Msg, Step};
use tui_input::InputRequest;

use crate::support::Counter;

#[tokio::test]
async fn keys_pressed_under_the_help_do_nothing_and_enter_closes_it() {
    let mut counter = Counter::open().await;
    counter.type_text("AUTH-2026-000101").await;
    counter.send(Msg::Help).await;
    assert!(counter.app.overlays.help);
    counter.send(Msg::Edit(InputRequest::InsertChar('9'))).await;
    counter.send(Msg::NewCode).await;
    counter.send(Msg::Submit).await;
    assert!(!counter.app.overlays.help, "Enter closes the help");
    assert!(
        matches!(&counter.app.step, Step::Entry { code, .. } if code.value() == "AUTH-2026-000101"),
        "nothing was typed, cleared or searched under the help: {:?}",
        counter.app.step
    );
}

#[tokio::test]
async fn details_open_on_request_and_close_for_the_next_problem() {
    let mut counter = Counter::open().await;
    counter.scan("NOPE-0000").await;
    assert!(counter.problem().details.is_some());
    counter.send(Msg::Details).await;
    assert!(counter.app.overlays.details);
    // Enter puts the code back in the field; Enter again looks it up again: a new problem.
    counter.send(Msg::Submit).await;
    counter.send(Msg::Submit).await;
    assert!(counter.app.problem.is_some());
    assert!(!counter.app.overlays.details, "a new problem starts with its details closed");
}

#[tokio::test]
async fn revealed_data_is_hidden_again_for_the_next_dispensation() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000101").await;
    counter.send(Msg::Reveal).await;
    assert!(counter.app.overlays.reveal);
    counter.finalize().await;
    counter.send(Msg::Submit).await;
    assert!(matches!(counter.app.step, Step::Entry { .. }));
    assert!(!counter.app.overlays.reveal, "the next beneficiary's document starts masked");
}
