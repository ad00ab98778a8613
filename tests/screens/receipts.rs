//! The receipt on screen (issue 12): Done after it printed by itself (the notice row, F9 to print again), and a
//! past dispensation's receipt opened from the history (F3, Enter), as the printer lays it out, in both languages.

use crossterm::event::KeyCode;
use mostrador::i18n::Locale;

use crate::support::Screen;

fn paper(locale: Locale) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("mostrador-screens-printer-{}-{locale:?}", std::process::id()));
    std::fs::write(&path, b"").unwrap();
    path
}

#[tokio::test]
async fn receipt_01_done_printed_then_02_from_the_history() {
    for (locale, suffix, printed, history) in
        [(Locale::Es, "es", "Recibo impreso.", "F9 imprimir"), (Locale::En, "en", "Receipt printed.", "F9 print")]
    {
        let printer = paper(locale);
        let mut screen = Screen::open_printing(locale, &printer).await;
        screen.scan("AUTH-2026-000101").await;
        screen.press(KeyCode::F(10)).await;
        screen.press(KeyCode::Enter).await;
        let done = screen.snapshot(&format!("receipt_01_done_printed_{suffix}"));
        done.shows(printed);
        done.shows(history);
        assert!(std::fs::metadata(&printer).unwrap().len() > 500, "the printer got the receipt");
        screen.press(KeyCode::F(3)).await;
        screen.press(KeyCode::Enter).await;
        let receipt = screen.snapshot(&format!("receipt_02_from_history_{suffix}"));
        receipt.shows("AUTH-2026-000101");
        receipt.shows("Farmacia Demo");
        receipt.shows("Q15.75");
        let _ = std::fs::remove_file(printer);
    }
}
