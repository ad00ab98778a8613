//! Start-up recovery against the server's truth: each kind of dispensation a dead run can leave in the journal
//! is settled, the journal ends with no dispensation left open, and the server with nothing done twice.

use mostrador::counter::{Event, Record, Recovery};
use mostrador::osigu::error::IdempotencyKey;
use mostrador::osigu::model::{CompleteRequest, Dispensation, DispensationStatus, Id, StartRequest};
use mostrador::runtime::recover;
use time::OffsetDateTime;

use crate::support::{Counter, client};

/// Starts `code` on the server as a dead run would have, recording the start in the counter's journal.
async fn started(counter: &Counter, code: &str) -> Dispensation {
    let request = StartRequest { code: code.to_owned(), beneficiary_id: None, currency_code: None };
    let key = IdempotencyKey::new(format!("test-start-{code}-{}", crate::support::unique()));
    let dispensation = counter.server.start(&request, &key).await.expect("start");
    let event = Event::Started {
        code_type: dispensation.code_type,
        sponsor_slug: dispensation.sponsor_slug.clone(),
        start_key: None,
    };
    keep(counter, &dispensation, event);
    dispensation
}

fn keep(counter: &Counter, dispensation: &Dispensation, event: Event) {
    let record = Record {
        at: OffsetDateTime::now_utc(),
        dispensation_id: dispensation.dispensation_id.clone(),
        code: dispensation.code.clone().unwrap_or_default(),
        event,
        clerk: None,
    };
    counter.journal.record(&record).expect("journal");
}

/// The finalize intent a dead run wrote just before sending `complete`.
fn intent(counter: &Counter, dispensation: &Dispensation, key: &str) -> CompleteRequest {
    let request = CompleteRequest {
        amount: dispensation.amount_due().expect("a decoded dispensation has a total"),
        // Each dead run's own number: the journal never lets two dispensations carry one.
        document_number: Some(format!("F001-9{}", dispensation.dispensation_id.as_str())),
        document_date: Some("2026-11-21".into()),
        document_serial: Some("A".into()),
        provider_transaction_id: None,
        otp_verification_token: None,
        biometric_verification_token: None,
        external_verifications: Vec::new(),
    };
    let event = Event::FinalizeIntent {
        key: key.to_owned(),
        amount: request.amount,
        currency: dispensation.currency_code.clone(),
        invoice_number: request.document_number.clone(),
        invoice_date: request.document_date.clone(),
        invoice_serial: request.document_serial.clone(),
    };
    keep(counter, dispensation, event);
    request
}

fn outcome_of(found: &[mostrador::counter::Recovered], code: &str) -> Recovery {
    found.iter().find(|recovered| recovered.code == code).map(|r| r.outcome.clone()).expect(code)
}

#[tokio::test]
async fn every_kind_of_unfinished_dispensation_is_settled_with_the_server() {
    let counter = Counter::open().await;

    // Left STARTED before any finalize (the program died on the review).
    let orphan = started(&counter, "AUTH-2026-000101").await;
    // An intent written, the request never sent (killed between the two).
    let unsent = started(&counter, "RX-2026-000001").await;
    intent(&counter, &unsent, "test-unsent-complete");
    // An intent written, the request applied, the reply lost (killed before the result was written).
    let applied = started(&counter, "RX-2026-000002").await;
    let request = intent(&counter, &applied, "test-applied-complete");
    let key = IdempotencyKey::new("test-applied-complete");
    counter.server.complete(&applied.dispensation_id, &request, &key).await.expect("completed behind our back");
    // An intent for an OTP dispensation never sent: the verification token is never on disk.
    let verified = started(&counter, "AUTH-2026-000102").await;
    intent(&counter, &verified, "test-verified-complete");
    // One the server does not know at all.
    let unknown = Dispensation { dispensation_id: Id::new("dsp_00000000000000000000000000"), ..orphan.clone() };
    let unknown = Dispensation { code: Some("AUTH-2026-000999".into()), ..unknown };
    keep(&counter, &unknown, Event::Started { code_type: unknown.code_type, sponsor_slug: None, start_key: None });

    let found = recover(&counter.journal, &client(counter.sandbox.base_url())).await;
    assert_eq!(found.len(), 5, "{found:?}");
    assert_eq!(outcome_of(&found, "AUTH-2026-000101"), Recovery::Cancelled);
    assert_eq!(outcome_of(&found, "RX-2026-000001"), Recovery::Resumed { claim_id: None });
    assert_eq!(outcome_of(&found, "RX-2026-000002"), Recovery::Completed { claim_id: None });
    assert_eq!(outcome_of(&found, "AUTH-2026-000102"), Recovery::Redo);
    assert_eq!(outcome_of(&found, "AUTH-2026-000999"), Recovery::Ended);

    // The server's truth and the journal agree, and nothing is left open on either side.
    for (dispensation, status) in [
        (&orphan, DispensationStatus::Cancelled),
        (&unsent, DispensationStatus::Completed),
        (&applied, DispensationStatus::Completed),
        (&verified, DispensationStatus::Cancelled),
    ] {
        let server = counter.server_dispensation(&dispensation.dispensation_id).await;
        assert_eq!(server.status, status, "{:?}", dispensation.code);
        let entry = counter.journal.dispensation(dispensation.dispensation_id.as_str()).unwrap().unwrap();
        let expected = if status == DispensationStatus::Completed { "COMPLETED" } else { "CANCELLED" };
        assert_eq!(entry.status, expected, "{:?}", dispensation.code);
    }
    assert!(counter.journal.unfinished().unwrap().is_empty());
    let resent = counter.server_dispensation(&unsent.dispensation_id).await;
    for line in &resent.products {
        assert_eq!(line.claimed_quantity, Some(line.quantity), "{}: claimed once", line.product_code);
    }

    // A second start finds nothing to do.
    assert!(recover(&counter.journal, &client(counter.sandbox.base_url())).await.is_empty());
}

#[tokio::test]
async fn an_unreachable_server_leaves_the_journal_as_it_was_for_the_next_start() {
    let counter = Counter::open().await;
    let dispensation = started(&counter, "AUTH-2026-000101").await;
    let found = recover(&counter.journal, &client("http://127.0.0.1:1")).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].outcome, Recovery::Unreachable);
    let entry = counter.journal.dispensation(dispensation.dispensation_id.as_str()).unwrap().unwrap();
    assert_eq!(entry.status, "STARTED", "kept for the next start");
}
