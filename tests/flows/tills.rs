//! Many counters on one store server (issue 10): two counters on one data directory, each holding its own till,
//! talking to the same server. One's start-up recovery never touches the other's live dispensation, and their
//! invoice numbers never meet.

use mostrador::counter::{Msg, Step};
use mostrador::osigu::model::DispensationStatus;
use mostrador::runtime::Capture;
use mostrador::sandbox::SandboxConfig;

use crate::support::{Counter, Setup};

/// A second counter of the store: same data directory and server as `first`, till `caja-2`.
async fn beside(first: &Counter) -> Counter {
    let data_dir = first.journal.path().parent().expect("data directory").to_owned();
    let setup = Setup {
        data_dir: Some(data_dir),
        till: "caja-2".to_owned(),
        through: Some(first.sandbox.base_url().to_owned()),
        ..Setup::default()
    };
    Counter::open_in(SandboxConfig::default(), Capture::Sandbox, setup).await
}

fn invoice_on_screen(counter: &Counter) -> String {
    match &counter.app.step {
        Step::Finalize(finalize) => finalize.invoice_number.value().to_owned(),
        other => panic!("not on finalize: {other:?}"),
    }
}

#[tokio::test]
async fn a_second_counters_recovery_leaves_the_first_ones_dispensation_alone() {
    let mut first = Counter::open().await;
    first.scan("AUTH-2026-000101").await;
    let live = first.dispensation_id();
    let second = beside(&first).await;
    // The second counter opens: its recovery reads its own till only.
    let found = mostrador::runtime::recover(&second.journal, &first.server).await;
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(first.server_dispensation(&live).await.status, DispensationStatus::Started, "still live");
    first.finalize().await;
    first.done();
}

#[tokio::test]
async fn two_counters_finalizing_at_once_never_propose_the_same_invoice_number() {
    let mut first = Counter::open().await;
    let mut second = beside(&first).await;
    first.scan("AUTH-2026-000101").await;
    second.scan("RX-2026-000001").await;
    let second_id = second.dispensation_id();
    first.send(Msg::Finalize).await;
    second.send(Msg::Finalize).await;
    let (a, b) = (invoice_on_screen(&first), invoice_on_screen(&second));
    assert_eq!((a.as_str(), b.as_str()), ("F001-000001", "F001-000002"));
    // The second clerk types the first one's number: refused before anything is sent, and another proposed.
    for _ in 0..11 {
        second.send(Msg::Edit(tui_input::InputRequest::DeletePrevChar)).await;
    }
    second.type_text("F001-000001").await;
    first.send(Msg::Submit).await;
    first.done();
    second.send(Msg::Submit).await;
    assert_eq!(second.problem_kind(), &mostrador::counter::ProblemKind::InvoiceTaken { number: "F001-000001".into() });
    let held = first.server_dispensation(&second_id).await;
    assert_eq!(held.status, DispensationStatus::Started, "nothing was sent");
    second.send(Msg::Submit).await;
    assert_eq!(invoice_on_screen(&second), "F001-000002", "its own proposal, still held for it");
    second.send(Msg::Submit).await;
    let done = second.done().clone();
    assert_eq!(done.invoice.as_ref().map(|invoice| invoice.document_number.as_str()), Some("F001-000002"));
}
