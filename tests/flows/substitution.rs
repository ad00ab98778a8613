//! Substitutions on review: another product for part of a line, with a reason the sponsor accepts, sent with
//! `PUT` and claimed as such; an unregistered product or a missing description is refused with its reason.

use mostrador::counter::{Msg, ProblemKind, Step, SubstitutionField};
use mostrador::osigu::model::SubstitutionReason;

use crate::support::Counter;

/// Opens AUTH-2026-000102 (OTP) on review.
async fn review_102() -> Counter {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000102").await;
    let otp = counter.last_otp().await;
    counter.type_text(&otp.code).await;
    assert!(counter.on_review());
    counter
}

/// F4 on the selected line, then the dialog's fields in order.
async fn substitute(counter: &mut Counter, product: &str, quantity: &str, reason_steps: usize, description: &str) {
    counter.send(Msg::Substitute).await;
    counter.type_text(product).await;
    counter.send(Msg::NextField).await;
    counter.type_text(quantity).await;
    counter.send(Msg::NextField).await;
    for _ in 0..reason_steps {
        counter.send(Msg::Down).await;
    }
    if !description.is_empty() {
        counter.send(Msg::NextField).await;
        let Step::Review(review) = &counter.app.step else { panic!() };
        assert_eq!(review.dialog.as_ref().map(|d| d.focus), Some(SubstitutionField::Description));
        counter.type_text(description).await;
    }
    counter.send(Msg::Submit).await;
}

#[tokio::test]
async fn part_of_a_line_delivered_as_another_product_is_claimed_as_such() {
    let mut counter = review_102().await;
    counter.type_text("20").await;
    substitute(&mut counter, "med-043", "10", 0, "").await;
    assert!(counter.app.problem.is_none(), "{:?}", counter.app.problem);
    let Step::Review(review) = &counter.app.step else { panic!() };
    let line = &review.lines[0];
    assert_eq!((line.quantity, line.substitution.as_ref().map(|s| s.quantity)), (20, Some(10)));
    counter.finalize().await;
    let done = counter.done().clone();
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    let line = &server.products[0];
    assert_eq!(line.quantity, 20);
    assert_eq!(line.substitute_product_code.as_deref(), Some("MED-043"));
    assert_eq!(line.substitute_quantity, Some(10));
    assert_eq!(line.substitution_reason_enum, Some(SubstitutionReason::OutOfStock));
    assert_eq!(line.claimed_quantity, Some(30), "20 of the product and 10 of its substitute");
    assert_eq!(server.total_amount, server.amount_due().ok());
}

#[tokio::test]
async fn reason_other_needs_a_description() {
    let mut counter = review_102().await;
    // OTHER is the sponsor's fourth reason; without a description the dialog refuses.
    substitute(&mut counter, "MED-043", "5", 3, "").await;
    assert_eq!(counter.problem_kind(), &ProblemKind::SubstitutionIncomplete);
    counter.send(Msg::Submit).await;
    counter.send(Msg::NextField).await;
    counter.type_text("Presentación en jarabe").await;
    counter.send(Msg::Submit).await;
    let Step::Review(review) = &counter.app.step else { panic!() };
    let substitution = review.lines[0].substitution.clone().expect("substituted");
    assert_eq!(substitution.reason, SubstitutionReason::Other);
    assert_eq!(substitution.other_description.as_deref(), Some("Presentación en jarabe"));
}

#[tokio::test]
async fn an_unregistered_product_is_refused_by_the_server_and_the_lines_stay() {
    let mut counter = review_102().await;
    substitute(&mut counter, "MED-999", "5", 0, "").await;
    counter.send(Msg::Finalize).await;
    assert!(matches!(counter.problem_kind(), ProblemKind::ProductNotRegistered { .. }), "{:?}", counter.problem_kind());
    assert!(counter.on_review(), "back on review to fix the line");
    // Removing the substitution (an empty product) lets the dispensation finish.
    counter.send(Msg::Submit).await;
    counter.send(Msg::Substitute).await;
    for _ in 0..10 {
        counter.send(Msg::Edit(tui_input::InputRequest::DeletePrevChar)).await;
    }
    counter.send(Msg::Submit).await;
    counter.finalize().await;
    counter.done();
}
