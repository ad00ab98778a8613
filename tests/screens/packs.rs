//! Packs scanned on the lines: the row above the table says what the last pack did (checked with its batch and
//! expiry, or refused and why), a checked line is marked ✔, and with packs required the row names the products
//! still waiting for theirs while F10 is not offered. Spanish and English, at 80x24. The packs are built from the
//! GTINs the sandbox registers (contract §12).

use crossterm::event::KeyCode;
use mostrador::counter::{Msg, Step};
use mostrador::gs1::GS;
use mostrador::i18n::Locale;
use mostrador::osigu::model::ProductType;

use crate::support::{Drawn, Screen};

/// The GTIN-14 the sandbox registers for `code`.
async fn gtin(screen: &Screen, code: &str) -> String {
    let client = crate::driver::client(screen.sandbox.base_url());
    let products = client.provider_products(ProductType::Medication).await.expect("provider products");
    products.into_iter().find(|product| product.product_code == code).and_then(|product| product.gtin).expect("a GTIN")
}

/// `code` on the lines, packs required or not.
async fn reviewing(code: &str, required: bool) -> Screen {
    let mut screen = Screen::open(Locale::Es).await;
    screen.app.session.settings.require_pack_scan = required;
    screen.scan(code).await;
    assert!(matches!(screen.app.step, Step::Review(_)), "{code}: {:?}", screen.app.problem);
    screen
}

/// The screen in Spanish and English at 80x24, snapshotted as `{name}_es` and `{name}_en`.
fn both(screen: &mut Screen, name: &str) -> [Drawn; 2] {
    screen.chrome.locale = Locale::Es;
    let es = screen.snapshot(&format!("{name}_es"));
    screen.chrome.locale = Locale::En;
    let en = screen.snapshot(&format!("{name}_en"));
    screen.chrome.locale = Locale::Es;
    [es, en]
}

#[tokio::test]
async fn packs_01_checked_and_03_missing() {
    // RX-2026-000001: Acetaminofén 500 mg tableta and Ibuprofeno 400 mg tableta; packs required.
    let mut screen = reviewing("RX-2026-000001", true).await;
    let first = screen.look();
    // Too long for one row at 80 columns: the count, the names as far as they go, and each waiting line marked.
    first.shows("Cajas por escanear para finalizar (2): Acetaminofén 500 mg tableta, Ibuprof…");
    first.shows("○ Ibuprofeno 400 mg tableta");
    first.hides("F10");
    let acetaminofen = gtin(&screen, "MED-042").await;
    screen.send(Msg::Scan(format!("]d201{acetaminofen}1727060010AC-55{GS}210001"))).await;
    let [es, en] = both(&mut screen, "packs_01_checked");
    // The batch and expiry the clerk compares with the pack (day 00: the month's end), and what is left to scan.
    es.shows("✔ Acetaminofén 500 mg tableta · lote AC-55 · vence 30/06/2027 · faltan 1");
    en.shows("✔ Acetaminofén 500 mg tableta · batch AC-55 · exp. 30/06/2027 · 1 to scan");
    es.hides("F10");

    // The next line: the checked one is marked, and the row says which pack is still missing.
    screen.press(KeyCode::Down).await;
    let [es, en] = both(&mut screen, "packs_03_missing");
    es.shows("✔ Acetaminofén 500 mg tableta");
    es.shows("Cajas por escanear para finalizar (1): Ibuprofeno 400 mg tableta");
    en.shows("Packs to scan to finalize (1): Ibuprofeno 400 mg tableta");
    es.hides("F10");
    // Back on the checked line, its pack: batch, expiry, serial.
    screen.press(KeyCode::Up).await;
    let back = screen.look();
    back.shows("✔ Caja verificada · lote AC-55 · vence 30/06/2027 · serie 0001 · faltan 1");
    // The last pack, as a plain EAN-13: F10 is offered again.
    let ibuprofeno = gtin(&screen, "MED-043").await;
    screen.send(Msg::Scan(ibuprofeno[1..].to_owned())).await;
    let done = screen.look();
    done.shows("✔ Ibuprofeno 400 mg tableta · sin lote ni vencimiento (código EAN)");
    done.shows("F10 finalizar");
}

#[tokio::test]
async fn packs_02_refused_expired() {
    let mut screen = reviewing("AUTH-2026-000101", false).await;
    let amoxicilina = gtin(&screen, "MED-001").await;
    // Expired at the end of October 2026; the counter's day is 21/11/2026.
    screen.send(Msg::Scan(format!("(01){amoxicilina}(17)261000(10)OLD-7(21)99"))).await;
    let [es, en] = both(&mut screen, "packs_02_refused_expired");
    es.shows("✖ Caja vencida el 31/10/2026: no la entregue, tome otra.");
    en.shows("✖ Pack expired on 31/10/2026: do not hand it over, take another.");
    es.hides("✔");
    // The next scan is a pack again, no box to close first: good until the treatment's end (7 days) it is not.
    screen.send(Msg::Scan(format!("(01){amoxicilina}(17)261125(10)SOON-1(21)98"))).await;
    screen.look().shows("✖ Vence 25/11/2026, antes del fin del tratamiento (28/11/2026): tome otra.");
}

#[tokio::test]
async fn packs_04_not_on_the_prescription_and_05_misread() {
    let mut screen = reviewing("AUTH-2026-000101", false).await;
    let atorvastatina = gtin(&screen, "MED-502").await;
    screen.send(Msg::Scan(format!("]d201{atorvastatina}17280100"))).await;
    let [es, en] = both(&mut screen, "packs_04_not_on_prescription");
    es.shows("✖ Atorvastatina 20 mg tableta no está en esta autorización: no lo entregue.");
    // In English the name gives way, not what to do.
    en.shows("✖ Atorvastatina 20 mg ta… is not on this authorization: do not hand it over.");
    screen.send(Msg::Scan("]d20109520001000011172801001012".into())).await;
    let [es, en] = both(&mut screen, "packs_05_misread");
    es.shows("✖ Lectura errónea (dígito de control o formato): escanee la caja de nuevo.");
    en.shows("✖ Misread (check digit or format): scan the pack again.");
}
