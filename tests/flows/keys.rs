//! The clerk's fast hands (issue 11): a key never does what the screen does not show, a scan is never lost or glued
//! onto another code, Enter never finalizes from the lines, and nothing acts on a screen too small to be seen.

use mostrador::counter::{FinalizeState, Leave, Msg, ProblemKind, Step};
use mostrador::osigu::model::DispensationStatus;
use tui_input::InputRequest;

use crate::support::Counter;

fn on_entry_with(counter: &Counter) -> Option<(String, bool)> {
    match &counter.app.step {
        Step::Entry { code, selected } => Some((code.value().to_owned(), *selected)),
        _ => None,
    }
}

#[tokio::test]
async fn a_scan_on_done_opens_the_next_code() {
    let mut counter = Counter::open().await;
    counter.scan("RX-2026-000001").await;
    counter.finalize().await;
    counter.done();
    counter.send(Msg::Scan("AUTH-2026-000101".into())).await;
    assert!(counter.on_review(), "{:?}", counter.app.step);
    assert_eq!(counter.app.active.as_ref().and_then(|a| a.dispensation.code.as_deref()), Some("AUTH-2026-000101"));
}

#[tokio::test]
async fn a_scan_over_a_refusal_opens_the_new_code_and_never_glues_onto_the_old_one() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000107").await;
    assert!(matches!(counter.problem_kind(), ProblemKind::CodeAlreadyRedeemed { .. }));
    // The scanner fires while the box is open: the new code is looked up.
    counter.send(Msg::Scan("AUTH-2026-000108".into())).await;
    assert!(matches!(counter.problem_kind(), ProblemKind::CodeExpired { .. }), "{:?}", counter.problem_kind());
    // Enter closes the box; the code is back in the field, selected: typing replaces it.
    counter.send(Msg::Submit).await;
    assert_eq!(on_entry_with(&counter), Some(("AUTH-2026-000108".into(), true)));
    counter.scan("AUTH-2026-000101").await;
    assert!(counter.on_review(), "{:?} {:?}", counter.app.step, counter.app.problem);
}

#[tokio::test]
async fn enter_on_the_lines_never_finalizes_only_f10_does() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000101").await;
    let id = counter.dispensation_id();
    counter.send(Msg::Submit).await;
    counter.send(Msg::Submit).await;
    assert!(counter.on_review(), "Enter, Enter stayed on the lines: {:?}", counter.app.step);
    // A quantity typed, Enter confirms it; Enter again does nothing.
    counter.send(Msg::Edit(InputRequest::InsertChar('3'))).await;
    counter.send(Msg::Submit).await;
    counter.send(Msg::Submit).await;
    let Step::Review(review) = &counter.app.step else { panic!("{:?}", counter.app.step) };
    assert_eq!((review.lines[0].quantity, review.typed.as_deref()), (3, None));
    assert_eq!(counter.server_dispensation(&id).await.status, DispensationStatus::Started, "nothing was finalized");
    assert!(!counter.effects.iter().any(|effect| effect.request_name() == Some("complete")));
    // The fast path: F10, then Enter.
    counter.send(Msg::Finalize).await;
    assert!(matches!(counter.app.step, Step::Finalize(_)));
    // F10 again on finalize is not a second confirmation.
    counter.send(Msg::Finalize).await;
    assert!(matches!(&counter.app.step, Step::Finalize(f) if f.state == FinalizeState::Editing));
    counter.send(Msg::Submit).await;
    assert_eq!(counter.done().products[0].quantity, 3);
}

#[tokio::test]
async fn no_key_acts_while_the_window_is_too_small_to_show_anything() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000101").await;
    let id = counter.dispensation_id();
    counter.send(Msg::Resized { columns: 20, rows: 5 }).await;
    for msg in [Msg::Finalize, Msg::Submit, Msg::Submit, Msg::Back, Msg::Edit(InputRequest::InsertChar('1'))] {
        counter.send(msg).await;
    }
    counter.send(Msg::Scan("RX-2026-000001".into())).await;
    assert!(counter.on_review(), "{:?}", counter.app.step);
    assert_eq!(counter.server_dispensation(&id).await.status, DispensationStatus::Started);
    // Ctrl-C still asks, and a second one leaves, as always.
    counter.send(Msg::Interrupt).await;
    assert!(matches!(counter.app.step, Step::ConfirmLeave { then: Leave::Quit, .. }));
    counter.send(Msg::Submit).await;
    assert!(!counter.quit, "Enter on a question nobody can see does nothing");
    counter.send(Msg::Interrupt).await;
    assert!(counter.quit);
    assert_eq!(counter.server_dispensation(&id).await.status, DispensationStatus::Cancelled);
}

#[tokio::test]
async fn a_scan_during_a_dispensation_asks_before_leaving_it_and_keeps_the_code_either_way() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000101").await;
    let first = counter.dispensation_id();
    counter.send(Msg::Scan("RX-2026-000001".into())).await;
    assert!(
        matches!(&counter.app.step, Step::ConfirmLeave { then: Leave::ToCode(code), .. } if code == "RX-2026-000001")
    );
    // Esc keeps the dispensation; the code waits in the field for when the clerk gets there.
    counter.send(Msg::Back).await;
    assert!(counter.on_review());
    counter.finalize().await;
    counter.done();
    counter.send(Msg::Submit).await;
    assert_eq!(on_entry_with(&counter), Some(("RX-2026-000001".into(), true)));
    counter.send(Msg::Submit).await;
    assert!(counter.on_review());
    // Enter leaves it (cancelled with Osigu) and opens the scanned code.
    let second = counter.dispensation_id();
    counter.send(Msg::Scan("RX-2026-000004".into())).await;
    counter.send(Msg::Submit).await;
    assert!(counter.on_review(), "{:?} {:?}", counter.app.step, counter.app.problem);
    assert_eq!(counter.server_dispensation(&second).await.status, DispensationStatus::Cancelled);
    assert_ne!(counter.dispensation_id(), first);
}

#[tokio::test]
async fn with_a_serial_to_fill_in_the_cursor_starts_there() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000104").await;
    let mostrador::counter::Verify::Facial(facial) = counter.verify() else { panic!() };
    let url = facial.challenge_url.clone().expect("a challenge");
    let phone = reqwest::Client::new();
    assert!(phone.post(format!("{url}/approve")).send().await.unwrap().status().is_success());
    counter.wait(5).await;
    assert!(counter.on_review(), "{:?}", counter.app.step);
    counter.send(Msg::Finalize).await;
    let Step::Finalize(finalize) = &counter.app.step else { panic!() };
    assert!(finalize.serial_required && !finalize.invoice_number.value().is_empty());
    assert_eq!(finalize.focus, 1, "the number is proposed: the serial is the field to fill");
    counter.type_text("A-7").await;
    let Step::Finalize(finalize) = &counter.app.step else { panic!() };
    assert_eq!(finalize.invoice_serial.value(), "A-7");
    assert!(!finalize.invoice_number.value().contains("A-7"), "nothing typed into the number");
    counter.send(Msg::Submit).await;
    assert_eq!(counter.done().invoice.as_ref().and_then(|i| i.document_serial.as_deref()), Some("A-7"));
}
