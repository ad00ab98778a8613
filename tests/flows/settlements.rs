//! A whole radicación at the counter, over real HTTP: three ARS claims dispensed at the counter, the settlements
//! screen (Ctrl-L) opens the month's batch with them pending, one claim left out and put back, the invoice refused
//! field by field and then accepted, the sandbox's clock moved past the sponsor's answer, and the batch
//! PARTIALLY_ACCEPTED on screen, first from what the webhook receiver recorded in the journal and then from the
//! server on Ctrl-R; then exported as CSV.

use mostrador::counter::{Msg, SettlementsFocus, SettlementsNotice, Step};
use mostrador::osigu::model::SettlementStatus;
use mostrador::settlements::{InvoiceField, InvoiceProblem};
use rust_decimal::Decimal;

use crate::support::Counter;
use crate::voided::counter_with_receiver;

/// Dispenses an ars-sandbox-do code whole: RAMÓN's cédula, the OTP he reads aloud, F10, Enter; back to the code.
async fn dispense(counter: &mut Counter, code: &str) {
    counter.scan(code).await;
    counter.type_text("00112345678").await;
    counter.send(Msg::Submit).await;
    let otp = counter.last_otp().await;
    counter.type_text(&otp.code).await;
    assert!(counter.on_review(), "{code}: {:?} / {:?}", counter.app.step, counter.app.problem);
    counter.send(Msg::Finalize).await;
    let Step::Finalize(finalize) = &counter.app.step else { panic!("not on finalize: {:?}", counter.app.problem) };
    if finalize.serial_required {
        counter.type_text("A-2026").await;
    }
    counter.send(Msg::Submit).await;
    counter.done();
    counter.send(Msg::Submit).await;
    // The next OTP to the same beneficiary may be sent 30 s later.
    counter.wait(31).await;
}

fn step(counter: &Counter) -> &mostrador::counter::SettlementsStep {
    match &counter.app.step {
        Step::Settlements(step) => step,
        other => panic!("not on settlements: {other:?} (problem: {:?})", counter.app.problem),
    }
}

#[tokio::test]
async fn a_batch_goes_from_completed_dispensations_to_partially_accepted_and_out_as_csv() {
    let (mut counter, receiver) = counter_with_receiver().await;
    for code in ["AUTH-2026-000113", "AUTH-2026-000105", "AUTH-2026-000112"] {
        dispense(&mut counter, code).await;
    }

    counter.send(Msg::Settlements).await;
    let board = &step(&counter).board;
    assert_eq!(board.sponsor().map(|sponsor| sponsor.slug.as_str()), Some("ars-sandbox-do"), "the BATCH sponsor");
    let month = counter.now.date();
    assert_eq!(board.period, format!("{:04}-{:02}", month.year(), u8::from(month.month())));
    assert!(board.batches.is_empty());

    // Enter opens the month's batch and lists its pending claims, every one chosen.
    counter.send(Msg::Submit).await;
    let board = &step(&counter).board;
    assert_eq!(board.open.as_ref().map(|batch| batch.status), Some(SettlementStatus::Open));
    let codes: Vec<&str> = board.pending.iter().filter_map(|claim| claim.code.as_deref()).collect();
    assert_eq!(codes, ["AUTH-2026-000113", "AUTH-2026-000105", "AUTH-2026-000112"]);
    assert_eq!(board.chosen_count(), 3);
    assert_eq!(board.chosen_total(), Decimal::new(1172150, 2), "273.00 + 1,123.50 + 10,325.00");
    assert_eq!(board.chosen_patient_total(), Some(Decimal::new(502350, 2)), "117.00 + 481.50 + 4,425.00");
    assert_eq!(step(&counter).focus, SettlementsFocus::Claims);
    let shown = mostrador::test_support::screen::Drawn::of(counter.backend()).words();
    assert!(shown.contains("RD$11,721.50"), "the total in the sponsor's currency: {shown}");

    // The second claim out and back in: "some" is possible, and the total follows.
    counter.send(Msg::Down).await;
    counter.send(Msg::Decrease).await;
    assert_eq!(step(&counter).board.chosen_total(), Decimal::new(1059800, 2));
    counter.send(Msg::Increase).await;
    assert_eq!(step(&counter).board.chosen_count(), 3);

    // An invoice with no number and a date in the future: each field gets the server's words.
    counter.send(Msg::Submit).await;
    assert_eq!(step(&counter).focus, SettlementsFocus::InvoiceNumber);
    counter.send(Msg::NextField).await;
    for _ in 0..10 {
        counter.send(Msg::Edit(tui_input::InputRequest::DeletePrevChar)).await;
    }
    counter.type_text("2099-01-01").await;
    counter.send(Msg::Submit).await;
    let errors = &step(&counter).board.errors;
    assert_eq!(errors.get(&InvoiceField::Number), Some(&InvoiceProblem::Missing), "{errors:?}");
    assert_eq!(errors.get(&InvoiceField::Date), Some(&InvoiceProblem::Future), "{errors:?}");
    assert_eq!(step(&counter).focus, SettlementsFocus::InvoiceNumber);
    let shown = mostrador::test_support::screen::Drawn::of(counter.backend()).text();
    assert!(shown.lines().any(|row| row.contains("Factura (NCF)") && row.contains("escriba el número")), "{shown}");
    assert!(shown.lines().any(|row| row.contains("Fecha factura") && row.contains("no puede ser futura")), "{shown}");

    // Corrected: submitted, the claims attached once.
    counter.type_text("B0100000125").await;
    counter.send(Msg::NextField).await;
    for _ in 0..10 {
        counter.send(Msg::Edit(tui_input::InputRequest::DeletePrevChar)).await;
    }
    let today = counter.now.date();
    counter.type_text(&format!("{:04}-{:02}-{:02}", today.year(), u8::from(today.month()), today.day())).await;
    counter.send(Msg::Submit).await;
    let submitted = step(&counter);
    let Some(SettlementsNotice::Submitted { id, .. }) = submitted.notice.clone() else {
        panic!("{:?} {:?}", submitted.notice, counter.app.problem)
    };
    assert_eq!(submitted.board.batches[0].id, id);
    assert_eq!(submitted.board.batches[0].status, SettlementStatus::Submitted);
    let server = counter.server.settlement(&id).await.unwrap();
    assert_eq!(server.authorizations.len(), 3);

    // The ARS answers hours later; the receiver records it. The supervisor's next key shows it (no timer).
    counter.wait(3 * 3600).await;
    for _ in 0..1000 {
        if receiver.journal().settlement(id.as_str()).unwrap().is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(step(&counter).board.batches[0].status, SettlementStatus::Submitted, "nothing moved by itself");
    counter.send(Msg::NextField).await;
    let line = &step(&counter).board.batches[0];
    assert_eq!(line.status, SettlementStatus::PartiallyAccepted, "from the webhook, before any refresh");
    assert_eq!(line.accepted, Some(Decimal::new(139650, 2)), "the insulin over RD$10,000 rejected");
    let shown = mostrador::test_support::screen::Drawn::of(counter.backend()).text();
    assert!(shown.contains("aceptado en parte"), "{shown}");
    // Ctrl-R: the server says the same.
    counter.send(Msg::Refresh).await;
    assert_eq!(step(&counter).board.batches[0].status, SettlementStatus::PartiallyAccepted);
    assert_eq!(step(&counter).board.batches.len(), 1);

    // Ctrl-E on the batch: a CSV beside the journal, each claim with the sponsor's answer.
    counter.send(Msg::NextField).await;
    assert_eq!(step(&counter).focus, SettlementsFocus::Batches);
    counter.send(Msg::Export).await;
    let Some(SettlementsNotice::Exported { path }) = step(&counter).notice.clone() else {
        panic!("{:?}", step(&counter).notice)
    };
    let csv = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 4, "{csv}");
    assert!(rows[0].starts_with("settlement_id,"));
    assert_eq!(rows.iter().filter(|row| row.ends_with(",ACCEPTED")).count(), 2, "{csv}");
    assert!(rows.iter().any(|row| row.contains("AUTH-2026-000112") && row.ends_with("REJECTED AMOUNT_OVER_LIMIT")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o077, 0, "a private file");
    }

    // Esc: back to the code.
    counter.send(Msg::Back).await;
    assert!(matches!(counter.app.step, Step::Entry { .. }));
}

#[tokio::test]
async fn mostrador_settlements_opens_the_same_screen_and_esc_leads_to_the_code() {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let config = mostrador::sandbox::SandboxConfig {
        clock: mostrador::sandbox::Clock::frozen_at(now),
        id_seed: Some(11),
        ..mostrador::sandbox::SandboxConfig::default()
    };
    let settings = mostrador::counter::Settings { open_settlements: true, ..Default::default() };
    let setup = crate::support::Setup::default();
    let mut counter = Counter::open_in_with(config, mostrador::runtime::Capture::Sandbox, setup, settings).await;
    // The sponsors' rules arrive after the screen opened: the BATCH sponsor is offered once they have.
    let board = &step(&counter).board;
    assert_eq!(board.sponsors.iter().map(|sponsor| sponsor.slug.as_str()).collect::<Vec<_>>(), ["ars-sandbox-do"]);
    assert!(mostrador::test_support::screen::Drawn::of(counter.backend()).contains("Liquidaciones (radicación)"));
    counter.send(Msg::Back).await;
    assert!(matches!(counter.app.step, Step::Entry { .. }));
}
