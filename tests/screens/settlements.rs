//! The settlements screen (Ctrl-L) as a supervisor sees a batch's life: three ARS claims dispensed at the counter,
//! the month's batch opened with them pending, the invoice refused field by field, the batch submitted, and the
//! sponsor's answer (PARTIALLY_ACCEPTED) after the sandbox's clock has moved on. In Spanish and English at 80x24.

use mostrador::counter::{Msg, Step};
use mostrador::i18n::Locale;

use crate::support::Screen;

/// Dispenses an ars-sandbox-do code whole at the counter (RAMÓN's cédula and the OTP he reads aloud).
async fn dispense(screen: &mut Screen, code: &str) {
    screen.scan(code).await;
    screen.type_text("00112345678").await;
    screen.send(Msg::Submit).await;
    let otp = screen.drain_outbox().pop().expect("an OTP").code;
    screen.type_text(&otp).await;
    screen.send(Msg::Finalize).await;
    if matches!(&screen.app.step, Step::Finalize(finalize) if finalize.serial_required) {
        screen.type_text("A-2026").await;
    }
    screen.send(Msg::Submit).await;
    assert!(matches!(screen.app.step, Step::Done(_)), "{code}: {:?}", screen.app.problem);
    screen.send(Msg::Submit).await;
    screen.wait(31).await;
}

async fn clear_field(screen: &mut Screen) {
    for _ in 0..20 {
        screen.send(Msg::Edit(tui_input::InputRequest::DeletePrevChar)).await;
    }
}

async fn a_batch_s_life(locale: Locale, lang: &str) {
    let mut screen = Screen::open(locale).await;
    for code in ["AUTH-2026-000113", "AUTH-2026-000105", "AUTH-2026-000112"] {
        dispense(&mut screen, code).await;
    }
    screen.send(Msg::Settlements).await;
    screen.snapshot(&format!("settlements_01_choose_{lang}"));

    screen.send(Msg::Submit).await;
    // The insulin left out, to show a claim not chosen and the totals without it.
    screen.send(Msg::Down).await;
    screen.send(Msg::Down).await;
    screen.send(Msg::Decrease).await;
    screen.snapshot(&format!("settlements_02_claims_{lang}"));
    screen.send(Msg::Increase).await;

    screen.send(Msg::Submit).await;
    screen.send(Msg::NextField).await;
    clear_field(&mut screen).await;
    screen.type_text("2099-01-01").await;
    screen.send(Msg::Submit).await;
    screen.snapshot(&format!("settlements_03_invoice_refused_{lang}"));

    screen.type_text("B0100000125").await;
    screen.send(Msg::NextField).await;
    clear_field(&mut screen).await;
    let today = screen.now.date();
    screen.type_text(&format!("{:04}-{:02}-{:02}", today.year(), u8::from(today.month()), today.day())).await;
    screen.send(Msg::Submit).await;
    screen.snapshot(&format!("settlements_04_submitted_{lang}"));

    screen.wait(3 * 3600).await;
    screen.send(Msg::Refresh).await;
    screen.snapshot(&format!("settlements_05_partially_accepted_{lang}"));
}

#[tokio::test]
async fn settlements_es() {
    a_batch_s_life(Locale::Es, "es").await;
}

#[tokio::test]
async fn settlements_en() {
    a_batch_s_life(Locale::En, "en").await;
}
