//! Paper prescriptions (issue 15) through the counter's own loop, against the embedded sandbox over HTTP: the
//! POSOS stand-in's Scan & Go page is "photographed" by posting its Import form as a phone's browser does, the
//! counter polls for the transcription on its own timer, and the pre-authorization, the dispensation of the code
//! it issues and the journal are checked with the server and the journal themselves.

use mostrador::counter::{MappedBy, Msg, PaperStage, Payer, Step};
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
