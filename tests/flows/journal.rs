//! The journal as the flows leave it: each step of a dispensation on record, the finalize intent before the
//! result, cancellations, reveals; and nothing secret (no OTP, token or document number) in any of it.

use mostrador::counter::Msg;

use crate::support::Counter;

/// Every event's step and detail for the dispensation `id`, as stored.
fn events(counter: &Counter, id: &str) -> Vec<(String, String)> {
    counter.journal.events(id).expect("events")
}

#[tokio::test]
async fn an_otp_dispensation_is_on_record_step_by_step_without_its_secrets() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000102").await;
    let id = counter.dispensation_id();
    let otp = counter.last_otp().await;
    let wrong = if otp.code == "000000" { "111111" } else { "000000" };
    counter.type_text(wrong).await;
    counter.type_text(&otp.code).await;
    counter.send(Msg::Reveal).await;
    counter.finalize().await;
    let done = counter.done().clone();

    let steps: Vec<String> = events(&counter, id.as_str()).into_iter().map(|(step, _)| step).collect();
    assert_eq!(steps, ["start", "not-verified", "verified", "reveal", "finalize-intent", "completed"]);
    let (_, failed) = &events(&counter, id.as_str())[1];
    assert_eq!(failed, r#"{"method":"OTP","reason":"wrong-code"}"#);
    let entry = counter.journal.dispensation(id.as_str()).unwrap().expect("on record");
    assert_eq!(entry.status, "COMPLETED");
    assert_eq!(entry.claim_id, done.claim.as_ref().map(|claim| claim.claim_id.to_string()));
    assert_eq!(entry.verified_by.as_deref(), Some("OTP"));
    assert!(entry.idempotency_key.as_deref().is_some_and(|key| key.ends_with("-complete")));

    // The whole file, bytes and all: no OTP, no verification token, no document number.
    let path = counter.journal.path();
    let mut bytes = std::fs::read(path).unwrap();
    for side in ["-wal", "-shm"] {
        bytes.extend(std::fs::read(format!("{}{side}", path.display())).unwrap_or_default());
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(&otp.code), "the OTP is not in the journal");
    let document = done.beneficiary.as_ref().and_then(|b| b.document_number.clone()).expect("a document");
    assert!(!text.contains(&document), "the document number is not in the journal");
}

#[tokio::test]
async fn leaving_a_started_dispensation_is_on_record_as_cancelled() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000101").await;
    let id = counter.dispensation_id();
    counter.send(Msg::Back).await;
    counter.send(Msg::Submit).await;
    let entry = counter.journal.dispensation(id.as_str()).unwrap().expect("on record");
    assert_eq!(entry.status, "CANCELLED");
}

#[tokio::test]
async fn f3_lists_the_day_from_the_journal_and_esc_goes_back_to_the_code_field() {
    use mostrador::counter::RowStatus;
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000101").await;
    counter.finalize().await;
    counter.send(Msg::Submit).await;
    counter.scan("RX-2026-000001").await;
    // Not over a dispensation in progress: F3 does nothing until it is finished or left.
    counter.send(Msg::History).await;
    assert!(counter.on_review());
    counter.send(Msg::Back).await;
    counter.send(Msg::Submit).await;
    counter.send(Msg::History).await;
    let mostrador::counter::Step::History(history) = &counter.app.step else { panic!("{:?}", counter.app.step) };
    let shown: Vec<(String, RowStatus)> = history.shown().map(|row| (row.code.clone(), row.status)).collect();
    assert_eq!(
        shown,
        [("RX-2026-000001".to_owned(), RowStatus::Cancelled), ("AUTH-2026-000101".to_owned(), RowStatus::Completed)]
    );
    for c in "auth".chars() {
        counter.send(Msg::Edit(tui_input::InputRequest::InsertChar(c))).await;
    }
    let mostrador::counter::Step::History(history) = &counter.app.step else { panic!() };
    assert_eq!(history.shown_len(), 1, "the filter keeps the authorization");
    counter.send(Msg::Back).await;
    assert!(matches!(counter.app.step, mostrador::counter::Step::Entry { .. }));
}

#[tokio::test]
async fn lines_changed_behind_the_counter_send_the_clerk_back_to_review_with_the_servers_lines() {
    use mostrador::counter::{ProblemKind, Step};
    use mostrador::osigu::error::IdempotencyKey;
    use mostrador::osigu::model::{UpdateLine, UpdateRequest};

    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000101").await;
    let id = counter.dispensation_id();
    counter.send(Msg::Finalize).await;
    // Another hand lowers the quantity on the server while the clerk looks at the invoice.
    let line = counter.app.active.as_ref().unwrap().dispensation.products[0].clone();
    let lowered = UpdateLine {
        id: line.id.clone().unwrap(),
        quantity: 5,
        unit_price: None,
        taxes: None,
        substitute_product_code: None,
        substitute_quantity: None,
        substitution_reason_enum: None,
        substitution_other_description: None,
    };
    let request = UpdateRequest { products: vec![lowered] };
    counter.server.update(&id, &request, &IdempotencyKey::new("behind-the-counter")).await.expect("update");
    counter.send(Msg::Submit).await;

    assert!(matches!(counter.problem_kind(), ProblemKind::AmountMismatch { .. }), "{:?}", counter.app.problem);
    let Step::Review(review) = &counter.app.step else { panic!("back on the lines: {:?}", counter.app.step) };
    assert_eq!(review.lines[0].quantity, 5, "the review shows the server's lines, read again");
    let steps: Vec<String> = events(&counter, id.as_str()).into_iter().map(|(step, _)| step).collect();
    assert!(!steps.contains(&"lines".to_owned()), "re-reading the lines saved nothing: {steps:?}");
}
