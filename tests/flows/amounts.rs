//! What the patient pays (contract §9) where the clerk decides: for every seeded sponsor, the same total, sponsor
//! and patient amounts on the lines, on finalize and on Done, and on the server; a quantity or a substitution
//! changed shows the new split at once (the shared rule) and the server's after the `PUT`; a server that sends
//! no coverage leaves the total and says the sponsor's rules apply; a partial delivery says what remains, and
//! the code brought back shows what was delivered before and when; the journal, the export and F3 keep what the
//! patients paid and what each sponsor owes.

use mostrador::counter::{Earlier, Msg, Shares, Source, Step};
use mostrador::osigu::model::{Amounts, DispensationStatus};
use rust_decimal::Decimal;

use crate::support::Counter;

fn money(text: &str) -> Decimal {
    text.parse().expect("an amount")
}

/// `(total, sponsor, patient)` as written on screen (`78.75`), for comparing.
fn figures(shares: &Shares) -> (Decimal, Decimal, Decimal) {
    let Some(Amounts { total, sponsor, patient }) = shares.amounts() else { panic!("no split known: {shares:?}") };
    (total.normalize(), sponsor.normalize(), patient.normalize())
}

fn expected(total: &str, sponsor: &str, patient: &str) -> (Decimal, Decimal, Decimal) {
    (money(total).normalize(), money(sponsor).normalize(), money(patient).normalize())
}

/// What the lines show: who pays what with the clerk's quantities.
fn on_the_lines(counter: &Counter) -> Shares {
    let Step::Review(review) = &counter.app.step else { panic!("not on review: {:?}", counter.app.problem) };
    review.shares(&counter.app.active.as_ref().expect("a dispensation").dispensation)
}

fn on_finalize(counter: &Counter) -> Shares {
    let Step::Finalize(finalize) = &counter.app.step else { panic!("not on finalize: {:?}", counter.app.problem) };
    finalize.shares.clone()
}

fn on_done(counter: &Counter) -> mostrador::counter::Done {
    let Step::Done(done) = &counter.app.step else { panic!("not on Done: {:?}", counter.app.problem) };
    (**done).clone()
}

/// Scans `code` and goes through whatever its sponsor asks before the lines.
async fn to_the_lines(counter: &mut Counter, code: &str) {
    counter.scan(code).await;
    match code {
        "AUTH-2026-000102" | "AUTH-2026-000106" => {
            let otp = counter.last_otp().await;
            counter.type_text(&otp.code).await;
        }
        "AUTH-2026-000104" => {
            let mostrador::counter::Verify::Facial(facial) = counter.verify() else { panic!("facial expected") };
            let url = facial.challenge_url.clone().expect("a URL for the QR code");
            let phone = mostrador::http::client_builder().build().unwrap();
            assert!(phone.post(format!("{url}/approve")).send().await.unwrap().status().is_success());
            counter.wait(6).await;
        }
        "AUTH-2026-000105" => {
            counter.type_text("00112345678").await;
            counter.send(Msg::Submit).await;
            let otp = counter.last_otp().await;
            counter.type_text(&otp.code).await;
        }
        _ => {}
    }
    assert!(counter.on_review(), "{code}: {:?} / {:?}", counter.app.step, counter.app.problem);
}

/// F10, then the invoice (with a serial when the sponsor asks for one) and Enter.
async fn complete(counter: &mut Counter) {
    counter.send(Msg::Finalize).await;
    let Step::Finalize(finalize) = &counter.app.step else { panic!("not on finalize: {:?}", counter.app.problem) };
    if finalize.serial_required {
        counter.type_text("A-2026").await;
    }
    counter.send(Msg::Submit).await;
}

#[tokio::test]
async fn every_seeded_sponsor_shows_the_same_split_on_the_lines_on_finalize_and_on_done() {
    for (code, total, sponsor, patient) in [
        // 20 % coinsurance.
        ("AUTH-2026-000101", "78.75", "63.00", "15.75"),
        // Q10 a line, three lines.
        ("AUTH-2026-000102", "557.85", "527.85", "30.00"),
        // COP 4,500 once, from the first line.
        ("AUTH-2026-000103", "51600", "47100", "4500"),
        // 40 %: 1.632 → 1.63 and 1.124 → 1.12.
        ("AUTH-2026-000104", "6.89", "4.14", "2.75"),
        // 30 %.
        ("AUTH-2026-000105", "1605.00", "1123.50", "481.50"),
        // Cash: no sponsor, the patient pays it all.
        ("RX-2026-000001", "52.00", "0", "52.00"),
    ] {
        let mut counter = Counter::open().await;
        to_the_lines(&mut counter, code).await;
        let want = expected(total, sponsor, patient);
        assert_eq!(figures(&on_the_lines(&counter)), want, "{code} on the lines");
        counter.send(Msg::Finalize).await;
        assert_eq!(figures(&on_finalize(&counter)), want, "{code} on finalize");
        counter.send(Msg::Back).await;
        complete(&mut counter).await;
        let done = on_done(&counter);
        assert_eq!(figures(&done.shares), want, "{code} on Done");
        let server = counter.assert_completed_on_server(&done.dispensation.dispensation_id).await;
        let Amounts { total, sponsor, patient } = server.amounts.expect("the server's amounts");
        assert_eq!((total.normalize(), sponsor.normalize(), patient.normalize()), want, "{code} on the server");
        if let Some(claim) = &server.claim {
            assert_eq!(claim.amount, Some(want.1), "{code}: the claim is what the sponsor owes");
        }
    }
}

#[tokio::test]
async fn a_quantity_changed_shows_the_new_split_at_once_and_the_server_says_the_same_after_the_put() {
    let mut counter = Counter::open().await;
    to_the_lines(&mut counter, "AUTH-2026-000101").await;
    counter.type_text("10").await;
    // Ten capsules: Q37.50, 20 % the patient's, computed here before anything is sent.
    let edited = on_the_lines(&counter);
    assert_eq!(figures(&edited), expected("37.50", "30.00", "7.50"));
    assert!(matches!(edited, Shares::Known { source: Source::Counter, .. }));
    counter.apply(Msg::Finalize);
    assert!(counter.app.is_awaiting(|purpose| *purpose == mostrador::counter::Purpose::Update), "the PUT is out");
    assert_eq!(figures(&on_the_lines(&counter)), expected("37.50", "30.00", "7.50"), "while the PUT is on its way");
    counter.settle().await;
    let served = on_finalize(&counter);
    assert_eq!(figures(&served), expected("37.50", "30.00", "7.50"), "the server's, after the PUT");
    assert!(matches!(served, Shares::Known { source: Source::Server, .. }));
}

#[tokio::test]
async fn a_substitute_the_plan_excludes_is_shown_as_the_server_prices_it_after_the_put() {
    let mut counter = Counter::open().await;
    to_the_lines(&mut counter, "AUTH-2026-000102").await;
    // Ten of the first line's thirty as Omeprazol genérico, a product Aseguradora OTP's plan does not cover.
    counter.type_text("20").await;
    counter.send(Msg::Substitute).await;
    counter.type_text("MED-SBX-215").await;
    counter.send(Msg::NextField).await;
    counter.type_text("10").await;
    counter.send(Msg::Submit).await;
    assert!(counter.app.problem.is_none(), "{:?}", counter.app.problem);
    // At once, under the line's rule as last sent: still Q10 a line.
    assert_eq!(figures(&on_the_lines(&counter)), expected("557.85", "527.85", "30.00"));
    counter.send(Msg::Finalize).await;
    // The server knows the substitute is not covered: the patient pays that whole line (Q375.00) and Q10 each of
    // the other two.
    let served = on_finalize(&counter);
    assert_eq!(figures(&served), expected("557.85", "162.85", "395.00"));
    assert_eq!(served.line(0).map(|line| line.covered), Some(false));
    counter.send(Msg::Submit).await;
    assert_eq!(figures(&on_done(&counter).shares), expected("557.85", "162.85", "395.00"));
}

#[tokio::test]
async fn without_coverage_in_the_replies_only_the_total_shows_and_the_sponsors_rules_apply() {
    // The real Osigu documents no `coverage` nor `amounts`: every dispensation reply is stripped of them.
    let (mut counter, proxy) = Counter::open_behind_proxy(|proxy| {
        proxy.rewrite(|_, path, status, body| {
            if !path.starts_with("/dispensing/v1/dispensations") || !status.is_success() {
                return None;
            }
            let mut body = body.clone();
            if let Some(object) = body.as_object_mut() {
                object.remove("amounts");
            }
            if let Some(lines) = body.get_mut("products").and_then(|lines| lines.as_array_mut()) {
                for line in lines.iter_mut().filter_map(|line| line.as_object_mut()) {
                    line.remove("coverage");
                }
            }
            Some((status, body))
        });
    })
    .await;
    to_the_lines(&mut counter, "AUTH-2026-000101").await;
    assert_eq!(on_the_lines(&counter), Shares::Unknown { total: Ok(money("78.75")) });
    counter.type_text("10").await;
    assert_eq!(on_the_lines(&counter), Shares::Unknown { total: Ok(money("37.50")) }, "no rule to compute with");
    counter.send(Msg::Finalize).await;
    assert_eq!(on_finalize(&counter).total(), Ok(money("37.50")));
    assert!(on_finalize(&counter).patient().is_none(), "nothing says what the patient pays");
    counter.send(Msg::Submit).await;
    let done = on_done(&counter);
    assert!(done.shares.patient().is_none());
    assert!(!proxy.rewritten().is_empty());
    let entry = counter.journal.dispensation(done.dispensation.dispensation_id.as_str()).unwrap().unwrap();
    assert_eq!((entry.amount, entry.sponsor_amount, entry.patient_amount), (Some(money("37.50")), None, None));
}

#[tokio::test]
async fn a_partial_delivery_says_what_remains_and_the_code_brought_back_shows_the_earlier_visit() {
    let mut counter = Counter::open().await;
    to_the_lines(&mut counter, "AUTH-2026-000106").await;
    let started = counter.app.active.as_ref().unwrap().dispensation.clone();
    // Twenty were dispensed before this system's records: nothing to ask the server about them but the claim.
    assert_eq!(counter.app.active.as_ref().unwrap().delivered_before(), 20);
    assert_eq!(counter.app.active.as_ref().unwrap().earlier, Earlier::Loaded(Vec::new()));
    counter.type_text("4").await;
    complete(&mut counter).await;
    let done = on_done(&counter);
    assert_eq!(done.remaining.len(), 1);
    assert_eq!((done.remaining[0].product_code.as_str(), done.remaining[0].units), ("MED-230", 6));
    assert_eq!(done.until, started.code_expires_at, "until the code expires");
    assert!(done.until.is_some());
    let first_visit = done.dispensation.completed_at.expect("completed at");

    counter.send(Msg::Submit).await;
    // The patient comes back later (past the OTP's resend pause).
    counter.wait(60).await;
    let asked = counter.effects.len();
    to_the_lines(&mut counter, "AUTH-2026-000106").await;
    let active = counter.app.active.as_ref().unwrap();
    assert_eq!(active.delivered_before(), 24, "twenty before, four at the last visit");
    assert_eq!(active.dispensation.products[0].available(), 6);
    let Earlier::Loaded(visits) = &active.earlier else { panic!("visits: {:?}", active.earlier) };
    assert_eq!(visits.len(), 1, "{visits:?}");
    assert_eq!((visits[0].at, visits[0].units), (first_visit, 4));
    let lists: Vec<_> = counter.effects[asked..].iter().filter(|e| e.request_name() == Some("dispensations")).collect();
    assert_eq!(lists.len(), 1, "one request when the review opens");
    // Back from finalize, nothing is asked again.
    counter.send(Msg::Finalize).await;
    counter.send(Msg::Back).await;
    let lists = counter.effects[asked..].iter().filter(|e| e.request_name() == Some("dispensations")).count();
    assert_eq!(lists, 1);
    complete(&mut counter).await;
    assert!(on_done(&counter).remaining.is_empty(), "nothing left: nothing listed");
}

#[tokio::test]
async fn a_code_with_nothing_delivered_before_asks_for_no_visits() {
    let mut counter = Counter::open().await;
    to_the_lines(&mut counter, "AUTH-2026-000101").await;
    assert_eq!(counter.app.active.as_ref().unwrap().earlier, Earlier::NotAsked);
    assert!(counter.effects.iter().all(|effect| effect.request_name() != Some("dispensations")));
}

#[tokio::test]
async fn the_journal_and_the_export_keep_what_the_patient_paid_and_the_sponsor_owes() {
    let mut counter = Counter::open().await;
    for code in ["AUTH-2026-000101", "RX-2026-000001"] {
        to_the_lines(&mut counter, code).await;
        complete(&mut counter).await;
        counter.send(Msg::Submit).await;
    }
    let entries = counter.journal.dispensations(None, None).unwrap();
    let split: Vec<_> = entries
        .iter()
        .filter(|entry| entry.status == "COMPLETED")
        .map(|entry| (entry.code.as_str(), entry.amount, entry.sponsor_amount, entry.patient_amount))
        .collect();
    assert_eq!(
        split,
        [
            ("AUTH-2026-000101", Some(money("78.75")), Some(money("63.00")), Some(money("15.75"))),
            ("RX-2026-000001", Some(money("52.00")), Some(Decimal::ZERO), Some(money("52.00"))),
        ]
    );
    let mut csv = Vec::new();
    mostrador::journal::write_csv(&entries, time::UtcOffset::UTC, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.lines().next().unwrap().contains(",amount,sponsor_amount,patient_amount,currency,"), "{csv}");
    assert!(csv.contains(",78.75,63.00,15.75,GTQ,"), "{csv}");
    assert!(csv.contains(",52.00,0.00,52.00,GTQ,"), "{csv}");
}

#[tokio::test]
async fn f3_says_what_the_drawer_holds_and_what_each_sponsor_owes() {
    let mut counter = Counter::open().await;
    for code in ["AUTH-2026-000101", "AUTH-2026-000102", "RX-2026-000001", "AUTH-2026-000103"] {
        to_the_lines(&mut counter, code).await;
        complete(&mut counter).await;
        assert_eq!(on_done(&counter).dispensation.status, DispensationStatus::Completed);
        counter.send(Msg::Submit).await;
    }
    counter.send(Msg::History).await;
    let Step::History(history) = &counter.app.step else { panic!("not on F3: {:?}", counter.app.step) };
    let drawer: Vec<_> =
        history.drawer().iter().map(|drawer| (drawer.currency.as_deref(), drawer.patient, drawer.unshared)).collect();
    // Q15.75 + Q30.00 + Q52.00 in quetzales; the Colombian cuota in pesos.
    assert_eq!(drawer, [(Some("COP"), Ok(money("4500")), 0), (Some("GTQ"), Ok(money("97.75")), 0)]);
    let owed: Vec<_> =
        history.totals().iter().map(|total| (total.sponsor_slug.as_deref(), total.sponsor, total.count)).collect();
    assert_eq!(
        owed,
        [
            (Some("aseguradora-otp"), Ok(money("527.85")), 1),
            (Some("seguro-huella"), Ok(money("47100")), 1),
            (Some("sponsor-sandbox"), Ok(money("63.00")), 1),
            (None, Ok(Decimal::ZERO), 1),
        ]
    );
}
