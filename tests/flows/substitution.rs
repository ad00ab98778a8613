//! Substitutions on review: another product for part of a line, chosen from the provider's registered products
//! (fetched once per session) by name or code, with a reason the sponsor accepts, sent with `PUT` and claimed as
//! such. A product nobody registered cannot be chosen, what is missing is said beside its field, and removing a
//! substitution gives the line its quantity back.

use mostrador::counter::{Missing, Msg, Step, SubstitutionDialog, SubstitutionField};
use mostrador::osigu::model::SubstitutionReason;

use crate::support::Counter;

/// Opens AUTH-2026-000102 (OTP) on review; its first line is 30 Acetaminofén 500 mg tableta (MED-042).
async fn review_102() -> Counter {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000102").await;
    let otp = counter.last_otp().await;
    counter.type_text(&otp.code).await;
    assert!(counter.on_review());
    counter
}

fn dialog(counter: &Counter) -> &SubstitutionDialog {
    match &counter.app.step {
        Step::Review(review) => review.dialog.as_ref().expect("the substitution dialog is open"),
        other => panic!("not on review: {other:?}"),
    }
}

/// The first line's (quantity, substitute code and quantity).
fn first_line(counter: &Counter) -> (u32, Option<(String, u32)>) {
    let Step::Review(review) = &counter.app.step else { panic!("not on review: {:?}", counter.app.step) };
    let line = &review.lines[0];
    (line.quantity, line.substitution.as_ref().map(|s| (s.product_code.clone(), s.quantity)))
}

fn product_requests(counter: &Counter) -> usize {
    counter.effects.iter().filter(|effect| effect.request_name() == Some("products")).count()
}

/// F4 on the selected line, a search, then the quantity and (`reason_steps` down) the reason; Enter.
async fn substitute(counter: &mut Counter, search: &str, quantity: &str, reason_steps: usize) {
    counter.send(Msg::Substitute).await;
    counter.type_text(search).await;
    counter.send(Msg::NextField).await;
    counter.type_text(quantity).await;
    counter.send(Msg::NextField).await;
    for _ in 0..reason_steps {
        counter.send(Msg::Down).await;
    }
    counter.send(Msg::Submit).await;
}

#[tokio::test]
async fn part_of_a_line_delivered_as_a_product_found_by_name_is_claimed_as_such() {
    let mut counter = review_102().await;
    counter.type_text("20").await;
    counter.send(Msg::Substitute).await;
    // Any case, no accents: the registered products whose name has both words, with their names and prices.
    counter.type_text("IBUPROFENO 400").await;
    let found = dialog(&counter);
    let chosen = found.chosen().expect("the first match is chosen");
    assert_eq!((chosen.product_code.as_str(), chosen.product_name.as_str()), ("MED-043", "Ibuprofeno 400 mg tableta"));
    assert_eq!(chosen.unit_price.map(|price| price.normalize().to_string()).as_deref(), Some("1.8"));
    counter.send(Msg::NextField).await;
    counter.type_text("10").await;
    counter.send(Msg::Submit).await;
    assert!(counter.app.problem.is_none(), "{:?}", counter.app.problem);
    assert_eq!(first_line(&counter), (20, Some(("MED-043".into(), 10))));
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
async fn the_registered_products_are_read_once_per_session() {
    let mut counter = review_102().await;
    assert_eq!(product_requests(&counter), 0, "not before a substitution needs them");
    counter.send(Msg::Substitute).await;
    assert_eq!(product_requests(&counter), 1);
    assert!(!dialog(&counter).matches.is_empty(), "the list is there once it arrived");
    counter.send(Msg::Back).await;
    counter.send(Msg::Down).await;
    counter.send(Msg::Substitute).await;
    // The second line's own product is not offered as its substitute.
    assert!(dialog(&counter).matches.iter().all(|candidate| candidate.product_code != "MED-107"));
    assert!(dialog(&counter).matches.iter().any(|candidate| candidate.product_code == "MED-042"));
    counter.send(Msg::Back).await;
    // The next dispensation uses the same list.
    counter.send(Msg::Back).await;
    counter.send(Msg::Submit).await;
    counter.scan("AUTH-2026-000101").await;
    counter.send(Msg::Substitute).await;
    assert!(!dialog(&counter).matches.is_empty());
    assert_eq!(product_requests(&counter), 1, "fetched once for the session");
}

#[tokio::test]
async fn an_unregistered_code_cannot_be_chosen() {
    let mut counter = review_102().await;
    counter.send(Msg::Substitute).await;
    counter.type_text("MED-999").await;
    assert!(dialog(&counter).matches.is_empty());
    assert!(dialog(&counter).chosen().is_none());
    counter.send(Msg::NextField).await;
    counter.type_text("5").await;
    counter.send(Msg::Submit).await;
    // Refused in the dialog, pointing at the product: nothing reached the line, nothing was sent.
    assert!(counter.app.problem.is_none(), "{:?}", counter.app.problem);
    assert_eq!(dialog(&counter).missing, Some(Missing::Product));
    assert_eq!(dialog(&counter).focus, SubstitutionField::Product);
    assert_eq!(first_line(&counter), (30, None));
    // The code of a registered product, typed whole, is chosen.
    for _ in 0..3 {
        counter.send(Msg::Edit(tui_input::InputRequest::DeletePrevChar)).await;
    }
    counter.type_text("043").await;
    assert_eq!(dialog(&counter).chosen().map(|c| c.product_code.as_str()), Some("MED-043"));
    counter.send(Msg::Submit).await;
    assert_eq!(first_line(&counter), (25, Some(("MED-043".into(), 5))));
    counter.finalize().await;
    counter.done();
}

#[tokio::test]
async fn removing_a_substitution_gives_the_line_back_its_quantity() {
    let mut counter = review_102().await;
    // All 30 available: a substitute of 10 leaves 20 of the product.
    substitute(&mut counter, "ibu", "10", 0).await;
    assert_eq!(first_line(&counter), (20, Some(("MED-043".into(), 10))));
    counter.send(Msg::Substitute).await;
    assert!(dialog(&counter).removable());
    assert_eq!(dialog(&counter).chosen().map(|c| c.product_code.as_str()), Some("MED-043"), "shown as saved");
    counter.send(Msg::Substitute).await;
    assert_eq!(first_line(&counter), (30, None), "back to the 30 it had");
    // 25 typed, a substitute of 10 leaves 20; removed, the 25 come back.
    counter.type_text("25").await;
    counter.send(Msg::Submit).await;
    counter.send(Msg::Up).await;
    substitute(&mut counter, "ibu", "10", 0).await;
    assert_eq!(first_line(&counter), (20, Some(("MED-043".into(), 10))));
    counter.send(Msg::Substitute).await;
    counter.send(Msg::Substitute).await;
    assert_eq!(first_line(&counter), (25, None));
    // Saved on the server and read back (finalize, then Esc to the lines): removing it gives back all it delivered.
    substitute(&mut counter, "ibu", "10", 0).await;
    counter.send(Msg::Finalize).await;
    assert!(matches!(counter.app.step, Step::Finalize(_)), "{:?}", counter.app.problem);
    counter.send(Msg::Back).await;
    assert_eq!(first_line(&counter), (20, Some(("MED-043".into(), 10))));
    counter.send(Msg::Substitute).await;
    counter.send(Msg::Substitute).await;
    assert_eq!(first_line(&counter), (30, None));
    counter.finalize().await;
    let done = counter.done().clone();
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    assert_eq!((server.products[0].quantity, server.products[0].substitute_product_code.as_deref()), (30, None));
}

#[tokio::test]
async fn reason_other_without_a_description_points_at_the_description() {
    let mut counter = review_102().await;
    // OTHER is the sponsor's fourth reason.
    substitute(&mut counter, "ibu", "5", 3).await;
    assert!(counter.app.problem.is_none(), "said in the dialog, not in a box: {:?}", counter.app.problem);
    assert_eq!(dialog(&counter).missing, Some(Missing::Description));
    assert_eq!(dialog(&counter).focus, SubstitutionField::Description, "the cursor is where the text goes");
    counter.type_text("Presentación en jarabe").await;
    counter.send(Msg::Submit).await;
    let Step::Review(review) = &counter.app.step else { panic!() };
    assert!(review.dialog.is_none());
    let substitution = review.lines[0].substitution.clone().expect("substituted");
    assert_eq!(substitution.reason, SubstitutionReason::Other);
    assert_eq!(substitution.other_description.as_deref(), Some("Presentación en jarabe"));
    counter.finalize().await;
    let done = counter.done().clone();
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    assert_eq!(server.products[0].substitution_other_description.as_deref(), Some("Presentación en jarabe"));
}

#[tokio::test]
async fn a_quantity_beyond_the_line_is_refused_beside_the_quantity() {
    let mut counter = review_102().await;
    substitute(&mut counter, "ibu", "31", 0).await;
    assert_eq!(dialog(&counter).missing, Some(Missing::Quantity { most: 30 }));
    assert_eq!(dialog(&counter).focus, SubstitutionField::Quantity);
    assert_eq!(first_line(&counter), (30, None));
}

#[tokio::test]
async fn plus_at_the_limit_and_digits_beyond_it_say_the_limit() {
    let mut counter = review_102().await;
    let at_limit = |counter: &Counter| matches!(&counter.app.step, Step::Review(review) if review.at_limit);
    counter.send(Msg::Increase).await;
    assert!(at_limit(&counter), "+ refused at 30 of 30");
    counter.send(Msg::Decrease).await;
    assert!(!at_limit(&counter));
    counter.type_text("45").await;
    assert!(at_limit(&counter), "45 typed, 30 kept");
    assert_eq!(first_line(&counter).0, 30);
    counter.send(Msg::Down).await;
    assert!(!at_limit(&counter), "another line, nothing to say");
}
