//! Every code of contract §8 that can be dispensed, dispensed from the code field to Done, with the server's
//! final state checked: COMPLETED, a claim for authorizations, claimed quantities exact.

use mostrador::counter::{Msg, Step};
use mostrador::osigu::model::{CodeType, ProductLine};
use rust_decimal::Decimal;

use crate::support::Counter;

fn claimed(lines: &[ProductLine]) -> Vec<u32> {
    lines.iter().map(|line| line.claimed_quantity.unwrap_or(0)).collect()
}

/// Scan → Review → F10 → Enter → Done, for a code without verification; returns the dispensation id.
async fn dispense_plain(counter: &mut Counter, code: &str) -> mostrador::osigu::model::Dispensation {
    counter.scan(code).await;
    assert!(counter.on_review(), "{code}: {:?} / {:?}", counter.app.step, counter.app.problem);
    counter.finalize().await;
    counter.done().clone()
}

#[tokio::test]
async fn auth_101_without_verification_completes_and_creates_a_claim() {
    let mut counter = Counter::open().await;
    let done = dispense_plain(&mut counter, "AUTH-2026-000101").await;
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    let claim = server.claim.as_ref().expect("a claim for an authorization");
    assert!(claim.claim_id.as_str().starts_with("clm_"));
    assert_eq!(done.claim.as_ref().map(|c| &c.claim_id), Some(&claim.claim_id), "the Done screen shows the claim");
    assert_eq!(server.total_amount, server.amount_due().ok());
    // The whole authorized quantity was claimed: the code cannot be redeemed again.
    assert!(server.products.iter().all(|line| line.claimed_quantity == line.authorized_quantity));
    // The terminal's invoice counter was used and moves on.
    assert_eq!(server.invoice.as_ref().map(|i| i.document_number.as_str()), Some("F001-000001"));
    counter.send(Msg::Submit).await;
    assert!(
        matches!(&counter.app.step, Step::Entry { code, .. } if code.value().is_empty()),
        "ready for the next scan"
    );
    counter.scan("AUTH-2026-000107").await;
    counter.send(Msg::Submit).await;
    assert_eq!(counter.app.session.recent.len(), 1, "today's activity lists the completion");
}

#[tokio::test]
async fn a_cash_prescription_completes_without_a_claim() {
    let mut counter = Counter::open().await;
    let done = dispense_plain(&mut counter, "rx-2026-000001 ").await;
    assert_eq!(done.code_type, CodeType::Prescription);
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    assert!(server.claim.is_none(), "cash prescriptions create no claim");
    assert_eq!(server.products.len(), 2);
    assert!(server.total_amount.is_some_and(|total| total > Decimal::ZERO));
}

#[tokio::test]
async fn rx_2_delivers_the_dispensable_item_and_leaves_the_locked_one() {
    let mut counter = Counter::open().await;
    counter.scan("RX-2026-000002").await;
    let Step::Review(review) = &counter.app.step else { panic!("review: {:?}", counter.app.problem) };
    let locked: Vec<bool> = review.lines.iter().map(|line| line.max == 0).collect();
    assert_eq!(locked.iter().filter(|l| **l).count(), 1, "one item is locked");
    assert_eq!(review.lines.len(), 2, "the locked item is shown");
    // The cursor starts on the item that can be dispensed, and + cannot raise the locked one.
    assert!(!locked[review.selected]);
    counter.finalize().await;
    let done = counter.done().clone();
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    let delivered: Vec<u32> = server.products.iter().map(ProductLine::units).collect();
    assert_eq!(delivered.iter().filter(|units| **units > 0).count(), 1, "only the dispensable item left");
}

#[tokio::test]
async fn rx_4_with_twelve_lines_and_long_accented_names_completes_after_paging() {
    let mut counter = Counter::open().await;
    counter.scan("RX-2026-000004").await;
    let Step::Review(review) = &counter.app.step else { panic!("review") };
    assert_eq!(review.lines.len(), 12);
    counter.send(Msg::PageDown).await;
    counter.send(Msg::PageDown).await;
    let Step::Review(review) = &counter.app.step else { panic!("review") };
    assert_eq!(review.selected, 11, "paging stops on the last line");
    let names: Vec<String> = counter
        .app
        .active
        .as_ref()
        .unwrap()
        .dispensation
        .products
        .iter()
        .filter_map(|l| l.product_name.clone())
        .collect();
    assert!(names.iter().any(|name| name.chars().count() == 60), "the 60-character name arrives whole");
    assert!(names.iter().any(|name| name.chars().any(|c| "áéíóúñÁÉÍÓÚÑ".contains(c))));
    counter.finalize().await;
    let done = counter.done().clone();
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    assert_eq!(server.total_amount, server.amount_due().ok(), "the amount sent is the server's to the cent");
}

#[tokio::test]
async fn auth_102_with_otp_the_sixth_digit_submits() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000102").await;
    // The OTP went out by itself, on the sponsor's first channel, as soon as the dispensation started.
    let otp = counter.last_otp().await;
    assert_eq!(mostrador::osigu::model::wire_name(&otp.channel), "SMS");
    counter.type_text(&otp.code).await;
    assert!(counter.on_review(), "six digits and no Enter: {:?} / {:?}", counter.app.step, counter.app.problem);
    counter.finalize().await;
    let done = counter.done().clone();
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    assert!(server.claim.is_some());
    assert_eq!(server.products.len(), 3);
    assert!(server.products.iter().all(|line| line.claimed_quantity == line.authorized_quantity));
}

#[tokio::test]
async fn auth_102_partial_dispensing_claims_exactly_what_was_delivered() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000102").await;
    let otp = counter.last_otp().await;
    counter.type_text(&otp.code).await;
    let before = counter.app.active.as_ref().unwrap().dispensation.products.clone();
    // First line: type 5 over the proposed quantity. Second line: three fewer with '-'. Third: none.
    counter.type_text("5").await;
    counter.send(Msg::Down).await;
    for _ in 0..3 {
        counter.send(Msg::Decrease).await;
    }
    counter.send(Msg::Down).await;
    counter.type_text("0").await;
    counter.finalize().await;
    let done = counter.done().clone();
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    let expected = vec![
        before[0].claimed_quantity.unwrap_or(0) + 5,
        before[1].claimed_quantity.unwrap_or(0) + before[1].available() - 3,
        before[2].claimed_quantity.unwrap_or(0),
    ];
    assert_eq!(claimed(&server.products), expected);
    // The claim bills the sponsor its share of what was delivered (contract §9): the total less the patient's.
    let amounts = server.amounts.expect("the sandbox shares every dispensation");
    assert_eq!(amounts.total, server.amount_due().unwrap());
    assert_eq!(server.claim.as_ref().and_then(|c| c.amount), Some(amounts.sponsor));

    // What is left can be dispensed later: the code starts again with the remaining quantities.
    counter.send(Msg::Submit).await;
    counter.scan("AUTH-2026-000102").await;
    let again = &counter.app.active.as_ref().expect("started again").dispensation;
    assert_eq!(again.products[0].available(), before[0].available() - 5);
}

#[tokio::test]
async fn auth_106_dispenses_the_ten_left_and_is_then_fully_claimed() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000106").await;
    let otp = counter.last_otp().await;
    counter.type_text(&otp.code).await;
    let line = counter.app.active.as_ref().unwrap().dispensation.products[0].clone();
    assert_eq!((line.authorized_quantity, line.claimed_quantity, line.available()), (Some(30), Some(20), 10));
    // '+' cannot go beyond what is available.
    counter.send(Msg::Increase).await;
    let Step::Review(review) = &counter.app.step else { panic!() };
    assert_eq!(review.lines[0].quantity, 10);
    counter.finalize().await;
    let done = counter.done().clone();
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    assert_eq!(claimed(&server.products), vec![30]);
    counter.send(Msg::Submit).await;
    counter.scan("AUTH-2026-000106").await;
    assert_eq!(
        counter.problem_kind(),
        &mostrador::counter::ProblemKind::CodeAlreadyRedeemed { code: "AUTH-2026-000106".into() }
    );
}

#[tokio::test]
async fn auth_103_with_the_fingerprint_on_the_counter_reader() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000103").await;
    // The built-in reader of the sandbox gave the beneficiary's sample, and it matched.
    assert!(counter.on_review(), "{:?} / {:?}", counter.app.step, counter.app.problem);
    counter.finalize().await;
    let done = counter.done().clone();
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    assert!(server.claim.is_some());
    assert_eq!(server.currency_code.as_deref(), Some("COP"));
}

#[tokio::test]
async fn auth_104_with_the_facial_check_on_the_beneficiarys_phone() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000104").await;
    let url = match counter.verify() {
        mostrador::counter::Verify::Facial(facial) => facial.challenge_url.clone().expect("a URL for the QR code"),
        other => panic!("facial expected, got {other:?}"),
    };
    // Nothing happens on the phone yet: the counter polls and keeps waiting.
    counter.wait(3).await;
    assert!(matches!(counter.verify(), mostrador::counter::Verify::Facial(_)));
    // The beneficiary approves on the phone; the next poll sees it.
    let phone = mostrador::http::client_builder().build().unwrap();
    let approved = phone.post(format!("{url}/approve")).send().await.expect("phone");
    assert!(approved.status().is_success());
    counter.wait(6).await;
    assert!(counter.on_review(), "{:?} / {:?}", counter.app.step, counter.app.problem);
    // This sponsor wants the invoice's serial too: with the number proposed, the cursor starts in the serial.
    counter.send(Msg::Finalize).await;
    let Step::Finalize(finalize) = &counter.app.step else { panic!("{:?}", counter.app.step) };
    assert!(finalize.serial_required && finalize.focus == 1 && counter.app.problem.is_none());
    counter.type_text("A-2026").await;
    counter.send(Msg::Submit).await;
    let done = counter.done().clone();
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    assert_eq!(server.currency_code.as_deref(), Some("EUR"));
    assert_eq!(server.invoice.as_ref().and_then(|i| i.document_serial.as_deref()), Some("A-2026"));
    assert!(server.claim.is_some());
}

#[tokio::test]
async fn auth_105_identifies_the_beneficiary_by_cedula_then_verifies_by_otp() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000105").await;
    let Step::Identify(identify) = &counter.app.step else {
        panic!("identify expected: {:?} / {:?}", counter.app.step, counter.app.problem)
    };
    assert_eq!(identify.sponsor_slug, "ars-sandbox-do");
    assert!(!identify.fields.is_empty(), "the sponsor's form is on screen");
    counter.type_text("00112345678").await;
    counter.send(Msg::Submit).await;
    let otp = counter.last_otp().await;
    counter.type_text(&otp.code).await;
    counter.finalize().await;
    let done = counter.done().clone();
    let server = counter.assert_completed_on_server(&done.dispensation_id).await;
    assert_eq!(server.currency_code.as_deref(), Some("DOP"));
    assert!(server.claim.is_some());
    let beneficiary = server.beneficiary.expect("beneficiary");
    assert_eq!(beneficiary.beneficiary_id.as_str(), "bnf_01JD00SANDBX00000000000006");
}

#[tokio::test]
async fn a_field_the_form_refuses_gets_the_cursor_and_a_date_takes_ten_characters() {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000105").await;
    assert!(matches!(counter.app.step, Step::Identify(_)), "{:?}", counter.app.problem);
    // The number is left empty; the clerk types into the date, far past its ten characters, and searches.
    counter.send(Msg::NextField).await;
    counter.type_text("27/02/1968000112345678").await;
    counter.send(Msg::Submit).await;
    assert!(counter.app.problem.is_some(), "the empty required number is refused before any request");
    counter.send(Msg::Submit).await;
    let Step::Identify(identify) = &counter.app.step else { panic!("{:?}", counter.app.step) };
    let focused = &identify.fields[identify.focus];
    assert!(focused.field.required, "the cursor is in the field the message named: {:?}", focused.field.slug);
    let date = identify.fields.iter().find(|edit| edit.input.value().contains('/')).expect("the date field");
    assert_eq!(date.input.value(), "27/02/1968");
    counter.type_text("00112345678").await;
    counter.send(Msg::Submit).await;
    assert!(counter.app.problem.is_none(), "{:?}", counter.app.problem);
    assert!(matches!(counter.app.step, Step::Verify(_)), "{:?}", counter.app.step);
}
