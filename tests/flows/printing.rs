//! The receipt (issue 12): printed by itself when a dispensation completes (`[receipt] auto_print`), again with F9
//! on Done, shown on screen from the history (F3, Enter) and reprinted there marked COPIA (F9); a printer that is
//! off costs a notice and never the dispensation; every print is in the journal. The printer here is a real file
//! the ESC/POS bytes are appended to, and a path in a directory that does not exist for a printer that is off.

use std::path::{Path, PathBuf};

use mostrador::counter::{Msg, Notice, Printing, Settings, Step};
use mostrador::receipt::{Printer, PrinterAddress, Width};
use mostrador::runtime::Capture;
use mostrador::sandbox::SandboxConfig;

use crate::support::{Counter, Setup, unique};

/// A counter printing on `printer` (auto when `auto`), 42 columns.
async fn printing_on(printer: &Path, auto: bool) -> Counter {
    let settings = Settings {
        printing: Some(Printing { width: Width::W42, auto, header: vec!["Farmacia Demo".into()] }),
        ..Settings::default()
    };
    let setup = Setup { printer: Some(Printer::new(PrinterAddress::Path(printer.to_owned()))), ..Setup::default() };
    let config = SandboxConfig { remote_auto_approve: None, ..SandboxConfig::default() };
    Counter::open_in_with(config, Capture::Sandbox, setup, settings).await
}

/// An empty file for a printer (a device or a file is appended to, never created).
fn paper() -> PathBuf {
    let path = std::env::temp_dir().join(format!("mostrador-printer-{}", unique()));
    std::fs::write(&path, b"").unwrap();
    path
}

/// What the printer received, as text: the ESC/POS commands dropped to spaces, PC858 read back for what the tests
/// look for (ASCII is PC858's first half).
fn printed(path: &Path) -> String {
    std::fs::read(path).unwrap().iter().map(|&byte| if byte.is_ascii_graphic() { byte as char } else { ' ' }).collect()
}

fn journal_prints(counter: &Counter, id: &str) -> Vec<String> {
    counter
        .journal
        .events(id)
        .unwrap()
        .into_iter()
        .filter(|(step, _)| step == "printed")
        .map(|(_, detail)| detail)
        .collect()
}

#[tokio::test]
async fn a_completed_dispensation_prints_by_itself_and_again_with_f9() {
    let printer = paper();
    let mut counter = printing_on(&printer, true).await;
    counter.scan("AUTH-2026-000101").await;
    counter.finalize().await;
    let id = counter.done().dispensation_id.to_string();
    let once = printed(&printer);
    assert!(once.contains("AUTH-2026-000101") && once.contains("Farmacia Demo"), "{once}");
    assert!(once.contains("Q15.75"), "the patient's share is on it: {once}");
    assert_eq!(counter.app.session.notice, Some(Notice::Printed { copy: false }));
    counter.send(Msg::Print).await;
    assert_eq!(printed(&printer).matches("AUTH-2026-000101").count(), 2 * once.matches("AUTH-2026-000101").count());
    assert_eq!(journal_prints(&counter, &id), [r#"{"copy":false,"printed":true}"#; 2]);
    let _ = std::fs::remove_file(printer);
}

#[tokio::test]
async fn a_printer_that_is_off_costs_a_notice_never_the_dispensation() {
    let off = std::env::temp_dir().join(format!("mostrador-no-such-dir-{}", unique())).join("lp0");
    let mut counter = printing_on(&off, true).await;
    counter.scan("RX-2026-000001").await;
    counter.finalize().await;
    let done = counter.done().clone();
    counter.assert_completed_on_server(&done.dispensation_id).await;
    let Some(Notice::NotPrinted { message }) = &counter.app.session.notice else {
        panic!("{:?}", counter.app.session.notice)
    };
    assert!(message.contains("La impresora no responde") && message.contains("F3"), "{message}");
    assert_eq!(journal_prints(&counter, done.dispensation_id.as_str()), [r#"{"copy":false,"printed":false}"#]);
    // The next code clears it.
    counter.send(Msg::Submit).await;
    counter.scan("AUTH-2026-000101").await;
    assert!(counter.app.session.notice.is_none());
}

#[tokio::test]
async fn the_history_shows_a_past_receipt_and_reprints_it_as_a_copy() {
    let printer = paper();
    let mut counter = printing_on(&printer, false).await;
    counter.scan("AUTH-2026-000101").await;
    counter.finalize().await;
    assert!(printed(&printer).is_empty(), "auto_print off: nothing printed without a key");
    counter.send(Msg::History).await;
    counter.send(Msg::Submit).await;
    let Step::History(history) = &counter.app.step else { panic!("{:?}", counter.app.step) };
    let receipt = history.receipt.clone().expect("the receipt on screen");
    assert!(receipt.iter().all(|line| line.chars().count() == 42), "the paper's width");
    assert!(receipt.iter().any(|line| line.contains("Paga el paciente")), "{receipt:#?}");
    counter.send(Msg::Print).await;
    let copy = printed(&printer);
    assert!(copy.contains("COPIA") && copy.contains("AUTH-2026-000101"), "{copy}");
    assert_eq!(counter.app.session.notice, Some(Notice::Printed { copy: true }));
    counter.send(Msg::Back).await;
    assert!(matches!(&counter.app.step, Step::History(history) if history.receipt.is_none()));
    let _ = std::fs::remove_file(printer);
}
