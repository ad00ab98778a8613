//! Packs scanned on the lines (issue 13, point 4): a pack's GS1 DataMatrix or EAN-13, built here from the GTINs
//! the sandbox registers (contract §12), checks the line of its product or substitute, with batch, expiry and
//! serial on record; a pack that is on no line, expired, expiring before the treatment ends, scanned twice or
//! misread is refused on the lines and checks nothing; with `require_pack_scan`, F10 waits for every pack.

use mostrador::counter::{Action, Msg, PackNotice, Step};
use mostrador::gs1::GS;
use mostrador::osigu::model::{CodeType, ProductType};
use time::Date;

use crate::support::Counter;

/// The GTIN-14 the sandbox registers for `code`, as its provider-products endpoint lists it.
async fn gtin(counter: &Counter, code: &str) -> String {
    let products = counter.server.provider_products(ProductType::Medication).await.expect("provider products");
    let product = products.into_iter().find(|product| product.product_code == code).expect("a registered product");
    product.gtin.expect("contract §12: every sandbox product has a GTIN")
}

/// The counter's today plus `days`.
fn day(counter: &Counter, days: i64) -> Date {
    counter.now.date() + time::Duration::days(days)
}

/// A pack's GS1 DataMatrix as a scanner sends it: `]d2`, GTIN, expiry, batch, FNC1, serial.
fn data_matrix(gtin: &str, expiry: Date, batch: &str, serial: &str) -> String {
    format!("]d201{gtin}17{}10{batch}{GS}21{serial}", yymmdd(expiry))
}

fn notice(counter: &Counter) -> Option<PackNotice> {
    counter.app.active.as_ref().and_then(|active| active.packs.notice.clone())
}

fn checks(counter: &Counter) -> usize {
    counter.app.active.as_ref().map_or(0, |active| active.packs.checks.len())
}

/// AUTH-2026-000101 on the lines: one line, 21 Amoxicilina 500 mg cápsula (MED-001), a 7-day treatment.
async fn review_101() -> Counter {
    let mut counter = Counter::open().await;
    counter.scan("AUTH-2026-000101").await;
    assert!(counter.on_review(), "{:?}", counter.app.problem);
    counter
}

#[tokio::test]
async fn the_prescribed_products_pack_checks_its_line_and_the_journal_keeps_batch_expiry_and_serial() {
    let mut counter = review_101().await;
    let amoxicilina = gtin(&counter, "MED-001").await;
    let expiry = day(&counter, 400);
    counter.send(Msg::Scan(data_matrix(&amoxicilina, expiry, "L2309A", "SN000123"))).await;

    assert!(counter.on_review(), "a pack is not a code: nothing asks to leave ({:?})", counter.app.step);
    let expected = PackNotice::Checked {
        product: "Amoxicilina 500 mg cápsula".into(),
        batch: Some("L2309A".into()),
        expiry: Some(expiry),
        missing: 0,
    };
    assert_eq!(notice(&counter), Some(expected));
    let Step::Review(review) = &counter.app.step else { unreachable!() };
    let active = counter.app.active.as_ref().unwrap();
    assert!(active.packs.line_checked(0, &active.dispensation, &review.lines));
    let id = counter.dispensation_id();
    let events = counter.journal.events(id.as_str()).unwrap();
    let (step, detail) = events.last().unwrap();
    assert_eq!(step, "pack-checked");
    let detail: serde_json::Value = serde_json::from_str(detail).unwrap();
    assert_eq!(detail["line"], "line_1");
    assert_eq!(detail["product_code"], "MED-001");
    assert_eq!(detail["gtin"], amoxicilina.as_str());
    assert_eq!(detail["batch"], "L2309A");
    assert_eq!(detail["expiry"], expiry.to_string());
    assert_eq!(detail["serial"], "SN000123");

    // The next key on the lines puts the notice away (+ at the limit changes nothing else); the check stays, and
    // the same pack again is refused.
    counter.send(Msg::Increase).await;
    assert_eq!(notice(&counter), None);
    counter.send(Msg::Scan(data_matrix(&amoxicilina, expiry, "L2309A", "SN000123"))).await;
    let again = PackNotice::AlreadyScanned { product: "Amoxicilina 500 mg cápsula".into(), serial: "SN000123".into() };
    assert_eq!(notice(&counter), Some(again));
    assert_eq!(checks(&counter), 1);
    let requests = counter.effects.iter().filter(|effect| effect.request_name() == Some("products")).count();
    assert_eq!(requests, 1, "the registered products are read once per session");
    // A paste on the lines is a scanner burst too: the human-readable form, another pack of the same product.
    let pasted = format!("(01){amoxicilina}(17){}(10)L2309A(21)SN000124", yymmdd(expiry));
    counter.send(Msg::Paste(pasted)).await;
    assert!(matches!(notice(&counter), Some(PackNotice::Checked { .. })), "{:?}", notice(&counter));
    assert_eq!(checks(&counter), 2);
    counter.finalize().await;
    counter.done();
}

#[tokio::test]
async fn a_substitutes_pack_checks_the_line_it_substitutes_and_the_products_own_pack_no_longer_does() {
    let mut counter = review_101().await;
    // The whole line as Ibuprofeno 400 mg tableta (MED-043).
    counter.send(Msg::Substitute).await;
    counter.type_text("ibuprofeno 400").await;
    counter.send(Msg::NextField).await;
    counter.type_text("21").await;
    counter.send(Msg::Submit).await;
    assert!(counter.app.problem.is_none(), "{:?}", counter.app.problem);
    let Step::Review(review) = &counter.app.step else { panic!("{:?}", counter.app.step) };
    assert_eq!((review.lines[0].quantity, review.lines[0].units()), (0, 21));

    let amoxicilina = gtin(&counter, "MED-001").await;
    let scanned = data_matrix(&amoxicilina, day(&counter, 400), "A1", "S1");
    counter.send(Msg::Scan(scanned)).await;
    let not_delivered = PackNotice::NotDelivered { product: "Amoxicilina 500 mg cápsula".into() };
    assert_eq!(notice(&counter), Some(not_delivered));
    assert_eq!(checks(&counter), 0);

    let ibuprofeno = gtin(&counter, "MED-043").await;
    let scanned = data_matrix(&ibuprofeno, day(&counter, 400), "IB77", "S2");
    counter.send(Msg::Scan(scanned)).await;
    assert!(
        matches!(notice(&counter), Some(PackNotice::Checked { product, .. }) if product == "Ibuprofeno 400 mg tableta")
    );
    let active = counter.app.active.as_ref().unwrap();
    assert_eq!((active.packs.checks[0].line, active.packs.checks[0].product_code.as_str()), (0, "MED-043"));
}

#[tokio::test]
async fn a_pack_on_no_line_says_which_product_it_is_and_checks_nothing() {
    let mut counter = review_101().await;
    let atorvastatina = gtin(&counter, "MED-502").await;
    let scanned = data_matrix(&atorvastatina, day(&counter, 400), "AT1", "S9");
    counter.send(Msg::Scan(scanned)).await;
    let expected = PackNotice::NotOnPrescription {
        product: "Atorvastatina 20 mg tableta".into(),
        code_type: CodeType::Authorization,
    };
    assert_eq!(notice(&counter), Some(expected));
    assert_eq!(checks(&counter), 0);
    assert!(counter.on_review());
    let id = counter.dispensation_id();
    let steps: Vec<String> = counter.journal.events(id.as_str()).unwrap().into_iter().map(|(step, _)| step).collect();
    assert!(!steps.contains(&"pack-checked".to_owned()), "{steps:?}");
    // A GTIN nobody registered (right check digit) is said as such.
    counter.send(Msg::Scan("6291041500213".into())).await;
    assert_eq!(notice(&counter), Some(PackNotice::Unknown { gtin: "06291041500213".into() }));
}

#[tokio::test]
async fn an_expired_pack_and_one_expiring_before_the_treatment_ends_are_refused_with_their_dates() {
    let mut counter = review_101().await;
    let amoxicilina = gtin(&counter, "MED-001").await;
    let product = "Amoxicilina 500 mg cápsula".to_owned();
    let yesterday = day(&counter, -1);
    counter.send(Msg::Scan(data_matrix(&amoxicilina, yesterday, "OLD1", "S1"))).await;
    assert_eq!(notice(&counter), Some(PackNotice::Expired { product: product.clone(), expiry: yesterday }));
    // The treatment is 7 days: a pack good for 3 more days is not enough.
    let soon = day(&counter, 3);
    counter.send(Msg::Scan(data_matrix(&amoxicilina, soon, "SOON1", "S2"))).await;
    let too_soon =
        PackNotice::ExpiresTooSoon { product: product.clone(), expiry: soon, treatment_ends: day(&counter, 7) };
    assert_eq!(notice(&counter), Some(too_soon));
    assert_eq!(checks(&counter), 0);
    // Good to the treatment's last day: accepted.
    let scanned = data_matrix(&amoxicilina, day(&counter, 7), "OK1", "S3");
    counter.send(Msg::Scan(scanned)).await;
    assert!(matches!(notice(&counter), Some(PackNotice::Checked { .. })), "{:?}", notice(&counter));
    assert_eq!(checks(&counter), 1);
}

#[tokio::test]
async fn a_bad_check_digit_is_a_misread_and_a_code_scanned_on_the_lines_still_asks_to_leave() {
    let mut counter = review_101().await;
    let amoxicilina = gtin(&counter, "MED-001").await;
    let last = amoxicilina.chars().last().and_then(|c| c.to_digit(10)).unwrap();
    let wrong = format!("{}{}", &amoxicilina[..13], (last + 1) % 10);
    let scanned = data_matrix(&wrong, day(&counter, 400), "L1", "S1");
    counter.send(Msg::Scan(scanned)).await;
    assert_eq!(notice(&counter), Some(PackNotice::Misread));
    // The EAN-13 of the same GTIN with its last digit wrong, too.
    counter.send(Msg::Scan(wrong[1..].to_owned())).await;
    assert_eq!(notice(&counter), Some(PackNotice::Misread));
    assert_eq!(checks(&counter), 0);
    assert!(counter.on_review());
    // Not a pack: today's behaviour, the clerk is asked whether to leave for that code.
    counter.send(Msg::Scan("RX-2026-000001".into())).await;
    assert!(matches!(counter.app.step, Step::ConfirmLeave { .. }), "{:?}", counter.app.step);
}

#[tokio::test]
async fn with_packs_required_f10_waits_until_every_line_is_checked_and_the_checks_survive_finalize_and_back() {
    let mut counter = Counter::open().await;
    counter.app.session.settings.require_pack_scan = true;
    // RX-2026-000001: 20 Acetaminofén 500 mg tableta (MED-042) and 15 Ibuprofeno 400 mg tableta (MED-043).
    counter.scan("RX-2026-000001").await;
    assert!(counter.on_review());
    let offered = |counter: &Counter| counter.app.offers().allows(Action::Finalize);
    assert!(!offered(&counter), "F10 is offered disabled");
    let missing = |counter: &Counter| {
        let Step::Review(review) = &counter.app.step else { panic!("{:?}", counter.app.step) };
        let active = counter.app.active.as_ref().unwrap();
        let missing = active.packs.missing(&active.dispensation, &review.lines);
        missing.into_iter().map(|missing| missing.product_name).collect::<Vec<_>>()
    };
    assert_eq!(missing(&counter), ["Acetaminofén 500 mg tableta", "Ibuprofeno 400 mg tableta"]);
    counter.send(Msg::Finalize).await;
    assert!(counter.on_review(), "F10 does nothing yet");

    let acetaminofen = gtin(&counter, "MED-042").await;
    let scanned = format!("(01){acetaminofen}(17){}(10)AC-55(21)0001", yymmdd(day(&counter, 200)));
    counter.send(Msg::Scan(scanned)).await;
    assert!(matches!(notice(&counter), Some(PackNotice::Checked { missing: 1, .. })), "{:?}", notice(&counter));
    assert_eq!(missing(&counter), ["Ibuprofeno 400 mg tableta"]);
    assert!(!offered(&counter));
    // The ibuprofen's plain EAN-13 (its GTIN-14 without the leading 0): no batch or expiry to check.
    let ibuprofeno = gtin(&counter, "MED-043").await;
    counter.send(Msg::Scan(ibuprofeno[1..].to_owned())).await;
    assert!(matches!(notice(&counter), Some(PackNotice::Checked { missing: 0, batch: None, .. })));
    assert!(offered(&counter), "every line checked: F10 finalizes");

    // Finalize and back: the checks belong to the dispensation, not to the screen.
    counter.send(Msg::Finalize).await;
    assert!(matches!(counter.app.step, Step::Finalize(_)));
    counter.send(Msg::Back).await;
    assert!(counter.on_review());
    assert!(offered(&counter));
    // Fewer units of a line need no other pack; a line given a substitute would need the substitute's.
    counter.finalize().await;
    let done = counter.done().clone();
    counter.assert_completed_on_server(&done.dispensation_id).await;
    let steps: Vec<String> =
        counter.journal.events(done.dispensation_id.as_str()).unwrap().into_iter().map(|(step, _)| step).collect();
    assert_eq!(steps, ["start", "pack-checked", "pack-checked", "finalize-intent", "completed"]);
}

fn yymmdd(date: Date) -> String {
    format!("{:02}{:02}{:02}", date.year() % 100, u8::from(date.month()), date.day())
}

#[tokio::test]
async fn when_the_registered_products_cannot_be_read_the_pack_is_said_unread_and_the_next_scan_asks_again() {
    use axum::http::{Method, StatusCode};
    let (mut counter, proxy) = Counter::open_behind_proxy(|proxy| {
        proxy.rewrite(|method: &Method, path: &str, _, _| {
            let products = *method == Method::GET && path.ends_with("/providers/products");
            products.then(|| (StatusCode::BAD_GATEWAY, serde_json::json!({ "code": "BAD_GATEWAY" })))
        });
    })
    .await;
    counter.scan("AUTH-2026-000101").await;
    let amoxicilina = gtin(&counter, "MED-001").await;
    let pack = data_matrix(&amoxicilina, day(&counter, 400), "L1", "S1");
    counter.send(Msg::Scan(pack.clone())).await;
    assert!(!proxy.rewritten().is_empty(), "the products were asked for");
    assert_eq!(notice(&counter), Some(PackNotice::RegistryFailed));
    assert_eq!(checks(&counter), 0);
    proxy.clear();
    counter.send(Msg::Scan(pack)).await;
    assert!(matches!(notice(&counter), Some(PackNotice::Checked { .. })), "{:?}", notice(&counter));
    assert_eq!(checks(&counter), 1);
}
