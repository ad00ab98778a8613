//! A paper prescription's screens (issue 15), in both languages at 80x24: who pays, the sponsor's form for it, the
//! POSOS Scan & Go page with its QR code, a failed photo, the transcribed lines (clean, a doubtful reading, an
//! unregistered drug), the product search, the request pending with an ASYNC sponsor, a rejection, an approval
//! with a refused line (on the lines of the new code), a cash sale, and the recovered box offering an approved
//! code. The phone's Import is posted to the stand-in over HTTP.

use crossterm::event::KeyCode;
use mostrador::counter::{Msg, PaperStage, Recovered, Recovery, Step};
use mostrador::i18n::Locale;

use crate::support::Screen;

/// Presses Import for `slug` on the page the screen shows (its public address names the stand-in, reached here on
/// the sandbox's own).
async fn import(screen: &mut Screen, slug: &str) {
    let Step::Paper(paper) = &screen.app.step else { panic!("not on a paper prescription: {:?}", screen.app.step) };
    let PaperStage::Scan(scan) = &paper.stage else { panic!("not on the page: {:?}", paper.stage) };
    let page = reqwest::Url::parse(scan.url.as_deref().expect("the page")).unwrap();
    let token = page.query_pairs().find(|(name, _)| name == "token").map(|(_, value)| value.into_owned()).unwrap();
    let browser = mostrador::http::client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = format!("{}/posos/scan/import", screen.sandbox.base_url());
    let form = [("token", token.as_str()), ("prescription", slug)];
    assert_eq!(browser.post(url).form(&form).send().await.unwrap().status(), 303);
    screen.wait(2).await;
}

/// The paper prescription for the sponsor at `index` of the list, its form filled with `document`.
async fn for_sponsor(screen: &mut Screen, index: usize, document: &str) {
    screen.send(Msg::PaperPrescription).await;
    for _ in 0..index {
        screen.press(KeyCode::Down).await;
    }
    screen.press(KeyCode::Enter).await;
    screen.type_text(document).await;
    screen.press(KeyCode::Enter).await;
}

fn sponsor_index(screen: &Screen, slug: &str) -> usize {
    screen.app.session.sponsors.list.iter().position(|sponsor| sponsor.sponsor_slug == slug).expect(slug)
}

fn suffix(locale: Locale) -> &'static str {
    match locale {
        Locale::Es => "es",
        Locale::En => "en",
    }
}

async fn choose_identify_scan_and_lines(locale: Locale) {
    let s = suffix(locale);
    let mut screen = Screen::open(locale).await;
    screen.send(Msg::PaperPrescription).await;
    screen.snapshot(&format!("paper_01_choose_{s}"));
    let index = sponsor_index(&screen, "sponsor-sandbox");
    for _ in 0..index {
        screen.press(KeyCode::Down).await;
    }
    screen.press(KeyCode::Enter).await;
    screen.type_text("1987654320101").await;
    screen.snapshot(&format!("paper_02_identify_{s}"));
    screen.press(KeyCode::Enter).await;
    screen.snapshot(&format!("paper_03_scan_{s}"));
    screen.snapshot_at(&format!("paper_03_scan_{s}_160x45"), 160, 45);
    import(&mut screen, "foto-borrosa").await;
    screen.snapshot(&format!("paper_04_scan_failed_{s}"));
    import(&mut screen, "receta-clara").await;
    screen.snapshot(&format!("paper_05_lines_clean_{s}"));
    screen.snapshot_at(&format!("paper_05_lines_clean_{s}_160x45"), 160, 45);
}

#[tokio::test]
async fn paper_01_to_05_choose_identify_scan_and_the_clean_lines() {
    choose_identify_scan_and_lines(Locale::Es).await;
    choose_identify_scan_and_lines(Locale::En).await;
}

async fn doubtful_unregistered_and_search(locale: Locale) {
    let s = suffix(locale);
    let mut screen = Screen::open(locale).await;
    let index = sponsor_index(&screen, "sponsor-sandbox");
    for_sponsor(&mut screen, index, "1987654320101").await;
    import(&mut screen, "lectura-dudosa").await;
    screen.press(KeyCode::Down).await;
    screen.snapshot(&format!("paper_06_doubtful_{s}"));

    let mut screen = Screen::open(locale).await;
    for_sponsor(&mut screen, index, "1987654320101").await;
    import(&mut screen, "no-registrado").await;
    screen.press(KeyCode::Down).await;
    screen.snapshot(&format!("paper_07_unregistered_{s}"));
    screen.press(KeyCode::F(4)).await;
    for _ in 0.."dexketoprofeno".len() {
        screen.press(KeyCode::Backspace).await;
    }
    screen.type_text("MED-SBX").await;
    screen.snapshot(&format!("paper_08_search_{s}"));
    // MED-SBX-042 (the first found), which the sponsor's plan excludes; the ibuprofen stays: approved, with that
    // line refused.
    screen.press(KeyCode::Enter).await;
    screen.press(KeyCode::Enter).await;
    screen.snapshot(&format!("paper_09_approved_with_a_refused_line_{s}"));
}

#[tokio::test]
async fn paper_06_to_09_a_doubtful_reading_an_unregistered_drug_the_search_and_a_refused_line() {
    doubtful_unregistered_and_search(Locale::Es).await;
    doubtful_unregistered_and_search(Locale::En).await;
}

async fn pending_rejected_and_cash(locale: Locale) {
    let s = suffix(locale);
    let mut screen = Screen::open(locale).await;
    let index = sponsor_index(&screen, "seguro-huella");
    for_sponsor(&mut screen, index, "1000000001").await;
    import(&mut screen, "receta-clara").await;
    screen.press(KeyCode::Enter).await;
    screen.snapshot(&format!("paper_10_pending_{s}"));
    screen.press(KeyCode::Esc).await;
    screen.snapshot(&format!("paper_15_today_pending_{s}"));
    screen.press(KeyCode::F(3)).await;
    screen.snapshot(&format!("paper_16_history_pending_{s}"));

    let mut screen = Screen::open(locale).await;
    let index = sponsor_index(&screen, "sponsor-sandbox");
    for_sponsor(&mut screen, index, "1987654320101").await;
    import(&mut screen, "no-registrado").await;
    for _ in 0..15 {
        screen.press(KeyCode::Char('-')).await;
    }
    screen.press(KeyCode::Down).await;
    screen.press(KeyCode::F(4)).await;
    for _ in 0.."dexketoprofeno".len() {
        screen.press(KeyCode::Backspace).await;
    }
    screen.type_text("MED-SBX-042").await;
    screen.press(KeyCode::Enter).await;
    screen.press(KeyCode::Enter).await;
    screen.snapshot(&format!("paper_11_rejected_{s}"));

    let mut screen = Screen::open(locale).await;
    let cash = screen.app.session.sponsors.list.len();
    screen.send(Msg::PaperPrescription).await;
    for _ in 0..cash {
        screen.press(KeyCode::Down).await;
    }
    screen.press(KeyCode::Enter).await;
    import(&mut screen, "receta-clara").await;
    screen.snapshot(&format!("paper_12_cash_lines_{s}"));
    screen.press(KeyCode::Enter).await;
    screen.snapshot(&format!("paper_13_cash_sold_{s}"));
}

#[tokio::test]
async fn paper_10_to_13_pending_rejected_and_a_cash_sale() {
    pending_rejected_and_cash(Locale::Es).await;
    pending_rejected_and_cash(Locale::En).await;
}

#[tokio::test]
async fn paper_14_the_recovered_box_offers_an_approved_code() {
    for locale in [Locale::Es, Locale::En] {
        let mut screen = Screen::open(locale).await;
        screen.app.recovered = vec![
            Recovered { code: "AUTH-2026-000201".into(), outcome: Recovery::Cancelled },
            Recovered { code: "AUTH-2026-000201".into(), outcome: Recovery::PaperApproved },
        ];
        let drawn = screen.snapshot(&format!("paper_14_recovered_{}", suffix(locale)));
        drawn.shows("AUTH-2026-000201");
    }
}

#[tokio::test]
async fn paper_17_a_page_put_away_after_fifteen_minutes() {
    for locale in [Locale::Es, Locale::En] {
        let config = mostrador::sandbox::SandboxConfig { posos_auto_import: None, ..crate::support::sandbox_config() };
        let sandbox =
            mostrador::sandbox::Sandbox::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("sandbox");
        let setup = mostrador::test_support::driver::Setup {
            sandbox: Some(sandbox),
            ..mostrador::test_support::driver::Setup::default()
        };
        let mut screen = Screen::open_in(locale, mostrador::runtime::Capture::Sandbox, setup).await;
        let index = sponsor_index(&screen, "sponsor-sandbox");
        for_sponsor(&mut screen, index, "1987654320101").await;
        screen.wait(15 * 60).await;
        let drawn = screen.snapshot(&format!("paper_17_scan_lapsed_{}", suffix(locale)));
        drawn.hides("scan?token=");
    }
}
