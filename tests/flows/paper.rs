//! Paper prescriptions (issue 15) through the counter's own loop, against the embedded sandbox over HTTP: the
//! POSOS stand-in's Scan & Go page is "photographed" by posting its Import form as a phone's browser does, the
//! counter polls for the transcription on its own timer, and the pre-authorization, the dispensation of the code
//! it issues and the journal are checked with the server and the journal themselves.

use mostrador::counter::{MappedBy, Msg, PaperStage, Payer, RowStatus, Step};
use mostrador::journal::PaperState;
use mostrador::osigu::model::DispensationStatus;

use crate::support::Counter;

/// Presses Import on the Scan & Go page at `url` for the sample prescription `slug`, as a phone's browser posts it.
pub async fn press_import(url: &str, slug: &str) {
    let page = reqwest::Url::parse(url).unwrap();
    let token = page.query_pairs().find(|(name, _)| name == "token").map(|(_, value)| value.into_owned()).unwrap();
    let browser = mostrador::http::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = [("token", token.as_str()), ("prescription", slug)];
    let reply = browser.post(page.join("scan/import").unwrap()).form(&form).send().await.unwrap();
    assert_eq!(reply.status(), 303, "the page imported {slug}");
}

/// The paper prescription on screen.
pub fn paper(counter: &Counter) -> &mostrador::counter::Paper {
    match &counter.app.step {
        Step::Paper(paper) => paper,
        other => panic!("not on a paper prescription: {other:?} (problem: {:?})", counter.app.problem),
    }
}

/// The Scan & Go page's address on screen.
pub fn scan_url(counter: &Counter) -> String {
    match &paper(counter).stage {
        PaperStage::Scan(scan) => scan.url.clone().expect("the page's address"),
        other => panic!("not on the scan page: {other:?}"),
    }
}

/// The paper prescription key, the sponsor `slug` chosen from the list, its form filled with `document`: the
/// counter shows the Scan & Go page for the beneficiary found.
pub async fn paper_for(counter: &mut Counter, slug: &str, document: &str) -> String {
    counter.send(Msg::PaperPrescription).await;
    let index = counter.app.session.sponsors.list.iter().position(|s| s.sponsor_slug == slug).expect("the sponsor");
    for _ in 0..index {
        counter.send(Msg::Down).await;
    }
    counter.send(Msg::Submit).await;
    assert!(matches!(counter.app.step, Step::Identify(_)), "the sponsor's form: {:?}", counter.app.step);
    counter.type_text(document).await;
    counter.send(Msg::Submit).await;
    scan_url(counter)
}

/// The lines on screen.
pub fn lines(counter: &Counter) -> &mostrador::counter::PaperLines {
    match &paper(counter).stage {
        PaperStage::Lines(lines) => lines,
        other => panic!("not on the lines: {other:?} (problem: {:?})", counter.app.problem),
    }
}

#[tokio::test]
async fn a_clean_paper_prescription_is_pre_authorized_and_its_code_dispensed_to_done() {
    let mut counter = Counter::open().await;
    let url = paper_for(&mut counter, "sponsor-sandbox", "1987654320101").await;
    assert!(matches!(paper(&counter).payer, Some(Payer::Sponsor { ref slug, .. }) if slug == "sponsor-sandbox"));
    // Nothing imported yet: the counter keeps asking, on its own timer, and nothing changes.
    counter.wait(4).await;
    assert!(matches!(paper(&counter).stage, PaperStage::Scan(_)));
    press_import(&url, "receta-clara").await;
    counter.wait(2).await;
    let read: Vec<(String, Option<String>, MappedBy, u32)> = lines(&counter)
        .lines
        .iter()
        .map(|line| {
            let code = line.product.as_ref().map(|product| product.product_code.clone());
            (line.read.text.clone(), code, line.mapped_by, line.quantity)
        })
        .collect();
    assert_eq!(
        read,
        [
            ("Amoxicilina 500 mg cápsulas".to_owned(), Some("MED-001".to_owned()), MappedBy::Gtin, 21),
            ("Loratadina 10 mg tabletas".to_owned(), Some("MED-107".to_owned()), MappedBy::Gtin, 10),
        ]
    );
    assert!(lines(&counter).ready(), "a clean prescription needs nothing more");
    assert_eq!(counter.app.wake_at(), None, "the lines are in: POSOS is asked no more");
    counter.send(Msg::Submit).await;
    // Approved at once (a SYNC sponsor): straight on into dispensing the code it issued.
    assert!(counter.on_review(), "on the lines of the new code: {:?} / {:?}", counter.app.step, counter.app.problem);
    let id = counter.dispensation_id();
    assert_eq!(counter.app.active_code(), "AUTH-2026-000201");
    counter.finalize().await;
    let done = counter.done().clone();
    assert_eq!(done.dispensation_id, id);
    let server = counter.assert_completed_on_server(&id).await;
    let delivered: Vec<(String, u32)> =
        server.products.iter().map(|line| (line.product_code.clone(), line.units())).collect();
    assert_eq!(delivered, [("MED-001".to_owned(), 21), ("MED-107".to_owned(), 10)]);
    assert_eq!(server.status, DispensationStatus::Completed);
    // The journal has the request (its keys and mapping, kept before it was sent), its answer, and the code.
    let [entry] = counter.journal.paper_requests(10).unwrap().try_into().unwrap();
    assert_eq!(
        (entry.state, entry.codes.as_slice()),
        (PaperState::Approved, ["AUTH-2026-000201".to_owned()].as_slice())
    );
    let sent = entry.sent.expect("the request as sent");
    for key in ["preauth-create", "preauth-indication", "preauth-complete", "RequestGroup/"] {
        assert!(sent.contains(key), "{key} in {sent}");
    }
    assert!(
        entry.lines.contains("\"product_code\":\"MED-001\"") && entry.lines.contains("\"Gtin\""),
        "{}",
        entry.lines
    );
}

/// A counter whose page, pressed, imports `fixture` for the sponsor `slug`'s beneficiary `document`: on its lines.
async fn on_lines(counter: &mut Counter, slug: &str, document: &str, fixture: &str) {
    let url = paper_for(counter, slug, document).await;
    press_import(&url, fixture).await;
    counter.wait(2).await;
    let _ = lines(counter);
}

#[tokio::test]
async fn a_doubtful_reading_must_be_confirmed_before_the_request_goes() {
    let mut counter = Counter::open().await;
    on_lines(&mut counter, "sponsor-sandbox", "1987654320101", "lectura-dudosa").await;
    let doubtful = &lines(&counter).lines[1];
    assert_eq!((doubtful.read.text.as_str(), doubtful.read.reliability), ("Metf0rmina 85O mg", Some(0.42)));
    assert_eq!(doubtful.product.as_ref().map(|p| p.product_code.as_str()), Some("MED-301"), "its pack is known");
    assert!(!lines(&counter).ready());
    // Enter on the first line (read well) does nothing: the request is not ready.
    counter.send(Msg::Submit).await;
    assert!(matches!(paper(&counter).stage, PaperStage::Lines(_)), "nothing was sent");
    assert!(counter.journal.paper_requests(10).unwrap().is_empty(), "nothing was even kept");
    counter.send(Msg::Down).await;
    counter.send(Msg::Submit).await;
    assert!(lines(&counter).lines[1].confirmed, "confirmed by the clerk");
    counter.send(Msg::Submit).await;
    assert!(counter.on_review(), "{:?} / {:?}", counter.app.step, counter.app.problem);
    let [entry] = counter.journal.paper_requests(10).unwrap().try_into().unwrap();
    assert!(entry.lines.contains("\"confirmed\":true"), "the confirmation is on record: {}", entry.lines);
}

#[tokio::test]
async fn an_unregistered_drug_is_mapped_with_the_product_search_or_dropped() {
    let mut counter = Counter::open().await;
    on_lines(&mut counter, "sponsor-sandbox", "1987654320101", "no-registrado").await;
    assert!(lines(&counter).lines[0].product.is_some(), "the ibuprofen is registered");
    assert!(lines(&counter).lines[1].product.is_none(), "the dexketoprofen is not");
    assert_eq!(lines(&counter).unresolved().unmapped, 1);
    counter.send(Msg::Down).await;
    // F4: the product search, starting from the drug as read: nothing of that name is registered.
    counter.send(Msg::Substitute).await;
    let search = lines(&counter).search.as_ref().expect("the product search");
    assert!(search.found.is_empty(), "{:?}", search.found);
    for _ in 0.."dexketoprofeno".len() {
        counter.send(Msg::Edit(tui_input::InputRequest::DeletePrevChar)).await;
    }
    counter.type_text("ibupro").await;
    let search = lines(&counter).search.as_ref().expect("the product search");
    assert!(!search.found.is_empty());
    counter.send(Msg::Submit).await;
    let mapped = &lines(&counter).lines[1];
    assert_eq!((mapped.mapped_by, mapped.product.is_some()), (MappedBy::Clerk, true));
    assert!(lines(&counter).ready());
    // Or dropped: down to 0 units, it is not requested, and nothing is missing.
    for _ in 0..9 {
        counter.send(Msg::Decrease).await;
    }
    assert!(lines(&counter).lines[1].dropped());
    assert_eq!(lines(&counter).unresolved().requested, 1);
    counter.send(Msg::Submit).await;
    assert!(counter.on_review(), "{:?} / {:?}", counter.app.step, counter.app.problem);
    let server = counter.server_dispensation(&counter.dispensation_id()).await;
    assert_eq!(server.products.len(), 1, "only the ibuprofen was requested");
}

#[tokio::test]
async fn a_failed_import_is_said_and_the_phone_may_try_again() {
    let mut counter = Counter::open().await;
    let url = paper_for(&mut counter, "sponsor-sandbox", "1987654320101").await;
    press_import(&url, "foto-borrosa").await;
    counter.wait(2).await;
    let PaperStage::Scan(scan) = &paper(&counter).stage else { panic!("still on the page") };
    assert!(scan.failure.as_deref().is_some_and(|why| why.contains("desenfocada")), "{:?}", scan.failure);
    press_import(&url, "receta-clara").await;
    counter.wait(2).await;
    assert_eq!(lines(&counter).lines.len(), 2, "the second photo is read");
}

#[tokio::test]
async fn an_async_sponsor_answers_later_and_the_code_is_opened_once_it_approved() {
    let mut counter = Counter::open().await;
    let url = paper_for(&mut counter, "seguro-huella", "1000000001").await;
    press_import(&url, "receta-clara").await;
    counter.wait(2).await;
    counter.send(Msg::Submit).await;
    let PaperStage::Pending { request, .. } = &paper(&counter).stage else {
        panic!("pending: {:?} / {:?}", counter.app.step, counter.app.problem)
    };
    let request_id = request.authorization_request_id.clone();
    let [entry] = counter.journal.paper_requests(10).unwrap().try_into().unwrap();
    assert_eq!((entry.state, entry.request_id.as_deref()), (PaperState::PendingSponsor, Some(request_id.as_str())));
    // No timer while it waits for the sponsor: nothing polls by itself.
    assert_eq!(counter.app.wake_at(), None);
    // Asked now: still pending.
    counter.send(Msg::Submit).await;
    assert!(matches!(paper(&counter).stage, PaperStage::Pending { checked: true, .. }));
    // The sponsor decides 30 s later on the sandbox's clock; asked again, the code opens.
    counter.wait(30).await;
    counter.send(Msg::Submit).await;
    assert!(counter.app.started(), "the code opened: {:?} / {:?}", counter.app.step, counter.app.problem);
    assert_eq!(counter.app.active_code(), "AUTH-2026-000201");
    let [entry] = counter.journal.paper_requests(10).unwrap().try_into().unwrap();
    assert_eq!((entry.state, entry.codes.len()), (PaperState::Approved, 1));
}

#[tokio::test]
async fn a_rejection_gives_each_line_its_reason() {
    let mut counter = Counter::open().await;
    on_lines(&mut counter, "sponsor-sandbox", "1987654320101", "no-registrado").await;
    // The ibuprofen dropped, the unregistered line mapped to a product the sponsor's plan excludes.
    for _ in 0..15 {
        counter.send(Msg::Decrease).await;
    }
    counter.send(Msg::Down).await;
    counter.send(Msg::Substitute).await;
    for _ in 0.."dexketoprofeno".len() {
        counter.send(Msg::Edit(tui_input::InputRequest::DeletePrevChar)).await;
    }
    counter.type_text("MED-SBX-042").await;
    counter.send(Msg::Submit).await;
    counter.send(Msg::Submit).await;
    let PaperStage::Rejected { request, .. } = &paper(&counter).stage else {
        panic!("rejected: {:?} / {:?}", counter.app.step, counter.app.problem)
    };
    let reasons: Vec<(&str, Option<&str>)> =
        request.products.iter().map(|line| (line.product_code.as_str(), line.reason.as_deref())).collect();
    assert_eq!(reasons, [("MED-SBX-042", Some("PRODUCT_EXCLUDED"))]);
    assert!(request.products[0].reason_description.is_some(), "said in words");
    let [entry] = counter.journal.paper_requests(10).unwrap().try_into().unwrap();
    assert_eq!(entry.state, PaperState::Rejected);
    counter.send(Msg::Submit).await;
    assert!(matches!(counter.app.step, Step::Entry { .. }));
}

#[tokio::test]
async fn a_crash_after_the_approval_offers_the_new_code_at_the_next_start() {
    let mut first = Counter::open().await;
    on_lines(&mut first, "sponsor-sandbox", "1987654320101", "receta-clara").await;
    // Enter sends the request; the approval arrives and is written down; the counter dies before the start.
    first.apply(Msg::Submit);
    first.next_reply().await;
    let mut answered = false;
    for _ in 0..500 {
        let entries = first.journal.paper_requests(10).unwrap();
        if entries.first().is_some_and(|entry| entry.state == PaperState::Approved) {
            answered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(answered, "the approval is on disk");
    // The next start of this till, on the same journal and server.
    let data_dir = first.journal.path().parent().expect("data directory").to_owned();
    let setup = crate::support::Setup {
        data_dir: Some(data_dir),
        through: Some(first.sandbox.base_url().to_owned()),
        ..crate::support::Setup::default()
    };
    let mut next =
        Counter::open_in(mostrador::sandbox::SandboxConfig::default(), mostrador::runtime::Capture::Sandbox, setup)
            .await;
    let found = mostrador::runtime::recover(&next.journal, &crate::support::client(first.sandbox.base_url())).await;
    assert_eq!(
        found.iter().map(|found| (found.code.as_str(), found.outcome.clone())).collect::<Vec<_>>(),
        [("AUTH-2026-000201", mostrador::counter::Recovery::PaperApproved)]
    );
    next.app.recovered = found;
    next.send(Msg::Submit).await;
    assert!(next.on_review(), "the code opened: {:?} / {:?}", next.app.step, next.app.problem);
    next.finalize().await;
    let done = next.done().clone();
    // Asked of the server both counters talk to.
    first.assert_completed_on_server(&done.dispensation_id).await;
    // Dispensed: never offered again.
    assert!(next.journal.approved_not_started().unwrap().is_empty());
}

#[tokio::test]
async fn a_cash_sale_records_its_lines_and_asks_osigu_nothing() {
    let mut counter = Counter::open().await;
    counter.send(Msg::PaperPrescription).await;
    let sponsors = counter.app.session.sponsors.list.len();
    for _ in 0..sponsors {
        counter.send(Msg::Down).await;
    }
    counter.send(Msg::Submit).await;
    assert_eq!(paper(&counter).payer, Some(Payer::Cash));
    let url = scan_url(&counter);
    press_import(&url, "receta-clara").await;
    counter.wait(2).await;
    counter.send(Msg::Submit).await;
    assert!(matches!(paper(&counter).stage, PaperStage::Sold { .. }), "{:?}", counter.app.problem);
    let [entry] = counter.journal.paper_requests(10).unwrap().try_into().unwrap();
    assert_eq!((entry.state, entry.sponsor_slug, entry.sent), (PaperState::Cash, None, None));
    assert!(entry.lines.contains("MED-001") && entry.lines.contains("MED-107"), "{}", entry.lines);
    counter.send(Msg::Submit).await;
    assert!(matches!(counter.app.step, Step::Entry { .. }));
}

#[tokio::test]
async fn a_pending_request_is_in_the_history_and_opens_from_there_once_decided() {
    let mut counter = Counter::open().await;
    let url = paper_for(&mut counter, "seguro-huella", "1000000001").await;
    press_import(&url, "receta-clara").await;
    counter.wait(2).await;
    counter.send(Msg::Submit).await;
    assert!(matches!(paper(&counter).stage, PaperStage::Pending { .. }), "{:?}", counter.app.problem);
    // The clerk serves others meanwhile: the code screen lists it among today's.
    counter.send(Msg::Back).await;
    assert!(matches!(counter.app.step, Step::Entry { .. }));
    let today: Vec<RowStatus> = counter.app.session.recent.iter().map(|row| row.status).collect();
    assert_eq!(today, [RowStatus::PaperPending]);
    counter.send(Msg::History).await;
    let history_row = |counter: &Counter| match &counter.app.step {
        Step::History(history) => history.selected_row().cloned().expect("a row"),
        other => panic!("not on the history: {other:?}"),
    };
    assert_eq!(history_row(&counter).status, RowStatus::PaperPending);
    // Asked before the sponsor decided: still pending, said on the notice row.
    counter.send(Msg::Submit).await;
    assert_eq!(counter.app.session.notice, Some(mostrador::counter::Notice::PaperPending));
    // Decided 30 s after the request on the sandbox's clock: Enter on its row opens the new code.
    counter.wait(30).await;
    counter.send(Msg::Submit).await;
    assert!(counter.app.started(), "the code opened: {:?} / {:?}", counter.app.step, counter.app.problem);
    assert_eq!(counter.app.active_code(), "AUTH-2026-000201");
    let [entry] = counter.journal.paper_requests(10).unwrap().try_into().unwrap();
    assert_eq!(entry.state, PaperState::Approved);
}

#[tokio::test]
async fn a_cash_sale_prints_its_receipt_and_the_journal_says_it_printed() {
    let path = std::env::temp_dir().join(format!("mostrador-printer-{}", crate::support::unique()));
    std::fs::write(&path, b"").unwrap();
    let settings = mostrador::counter::Settings {
        printing: Some(mostrador::counter::Printing {
            width: mostrador::receipt::Width::W42,
            auto: true,
            header: vec!["Farmacia Demo".into()],
        }),
        ..mostrador::counter::Settings::default()
    };
    let printer = mostrador::receipt::Printer::new(mostrador::receipt::PrinterAddress::Path(path.clone()));
    let setup = crate::support::Setup { printer: Some(printer), ..crate::support::Setup::default() };
    let config = mostrador::sandbox::SandboxConfig::default();
    let mut counter = Counter::open_in_with(config, mostrador::runtime::Capture::Sandbox, setup, settings).await;
    counter.send(Msg::PaperPrescription).await;
    for _ in 0..counter.app.session.sponsors.list.len() {
        counter.send(Msg::Down).await;
    }
    counter.send(Msg::Submit).await;
    let url = scan_url(&counter);
    press_import(&url, "receta-clara").await;
    counter.wait(2).await;
    counter.send(Msg::Submit).await;
    let printed: String = std::fs::read(&path)
        .unwrap()
        .iter()
        .map(|&byte| if byte.is_ascii_graphic() { byte as char } else { ' ' })
        .collect();
    assert!(printed.contains("Farmacia Demo") && printed.contains("Q99.75"), "{printed}");
    assert_eq!(counter.app.session.notice, Some(mostrador::counter::Notice::Printed { copy: false }));
    let [entry] = counter.journal.paper_requests(10).unwrap().try_into().unwrap();
    assert_eq!((entry.state, entry.printed), (PaperState::Cash, Some(true)));
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_request_kept_but_never_answered_is_sent_again_at_the_next_start_with_its_keys() {
    use mostrador::counter::PaperSend;
    use mostrador::osigu::model::{
        AuthorizationType, Id, NewAuthorizationRequest, NewIndication, Prescriber, ProductType, RequestedProduct,
    };
    let counter = Counter::open().await;
    // What a counter that died right after keeping its request (and perhaps sending it) leaves in the journal.
    let send = PaperSend {
        create_key: format!("test-create-{}", crate::support::unique()),
        indication_key: format!("test-indication-{}", crate::support::unique()),
        complete_key: format!("test-complete-{}", crate::support::unique()),
        request: NewAuthorizationRequest {
            beneficiary_id: Id::new("bnf_01JD00SANDBX00000000000001"),
            sponsor_slug: "sponsor-sandbox".into(),
            diagnosis_code: None,
            authorization_type: AuthorizationType::Prescription,
            products: vec![RequestedProduct {
                product_code: "MED-001".into(),
                product_type: ProductType::Medication,
                quantity: 21,
                posology: Some("1 cáps c/8 h x 7 días".into()),
            }],
            provider_branch_id: None,
        },
        indication: NewIndication {
            kind: "PRESCRIPTION_DOCUMENT".into(),
            source: "POSOS".into(),
            reference: "RequestGroup/rg-test".into(),
            prescriber: Prescriber { name: "Dra. Lucía Fernández Orellana".into(), medical_license_number: None },
            issued_on: None,
        },
    };
    let sent = serde_json::to_string(&send).unwrap();
    let at = counter.now;
    let intent = mostrador::journal::PaperIntent {
        at,
        key: &send.create_key,
        sponsor_slug: Some("sponsor-sandbox"),
        scan_reference: "RequestGroup/rg-test",
        lines: "[]",
        sent: Some(&sent),
        clerk_id: None,
    };
    counter.journal.intend_paper(&intent).unwrap();
    // The request did leave once (its reply was lost): sending it again must not make a second one.
    let [create, indication, complete] = send.keys();
    let first = counter.server.request_authorization(&send.request, &create).await.unwrap();
    counter.server.add_indication(&first.authorization_request_id, &send.indication, &indication).await.unwrap();
    counter.server.complete_authorization_request(&first.authorization_request_id, &complete).await.unwrap();

    let found = mostrador::runtime::recover(&counter.journal, &counter.server).await;
    assert_eq!(
        found.iter().map(|found| (found.code.as_str(), found.outcome.clone())).collect::<Vec<_>>(),
        [("AUTH-2026-000201", mostrador::counter::Recovery::PaperApproved)],
        "the same request, answered once: its one code"
    );
    let [entry] = counter.journal.paper_requests(10).unwrap().try_into().unwrap();
    assert_eq!(entry.state, PaperState::Approved);
    assert_eq!(entry.request_id.as_deref(), Some(first.authorization_request_id.as_str()));
}

#[tokio::test]
async fn a_page_left_unused_is_put_away_after_fifteen_minutes_and_enter_asks_for_a_new_one() {
    // A sandbox whose page never imports by itself, its clock frozen and moved by the counter's.
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let mut counter = Counter::open_with(mostrador::sandbox::SandboxConfig {
        clock: mostrador::sandbox::Clock::frozen_at(now),
        posos_auto_import: None,
        ..mostrador::sandbox::SandboxConfig::default()
    })
    .await;
    let first = paper_for(&mut counter, "sponsor-sandbox", "1987654320101").await;
    counter.wait(15 * 60).await;
    let PaperStage::Scan(scan) = &paper(&counter).stage else { panic!("on the page") };
    assert!(scan.lapsed, "put away");
    assert_eq!(counter.app.wake_at(), None, "a counter left alone asks POSOS nothing more");
    counter.send(Msg::Submit).await;
    let second = scan_url(&counter);
    assert_ne!(first, second, "a new page");
    press_import(&second, "receta-clara").await;
    counter.wait(2).await;
    assert_eq!(lines(&counter).lines.len(), 2);
}
