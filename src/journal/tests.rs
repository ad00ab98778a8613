use rust_decimal::Decimal;
use time::macros::{datetime, offset};

use super::*;
use crate::counter::VerifiedBy;
use crate::osigu::model::{CodeType, Id};

fn journal() -> (Journal, PathBuf) {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("mostrador-journal-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    (Journal::in_dir(&dir, &place()).expect("journal"), dir)
}

/// The test's host, on till caja-1.
fn place() -> Place {
    Place::new("caja-1", "caja-1")
}

fn record(id: &str, event: Event) -> Record {
    Record { at: AT, dispensation_id: Id::new(id), code: "AUTH-2026-000101".into(), event }
}

fn record_at(at: OffsetDateTime, id: &str, event: Event) -> Record {
    Record { at, ..record(id, event) }
}

const AT: OffsetDateTime = datetime!(2026-11-21 15:04:05.123 UTC);

#[test]
fn a_dispensation_goes_from_started_to_completed_and_every_step_is_kept() {
    let (journal, _dir) = journal();
    let started = Event::Started {
        code_type: CodeType::Authorization,
        sponsor_slug: Some("sponsor-sandbox".into()),
        start_key: None,
    };
    journal.record(&record("dsp_1", started)).unwrap();
    journal.record(&record("dsp_1", Event::Verified { method: VerifiedBy::Otp })).unwrap();
    let intent = Event::FinalizeIntent {
        key: "mostrador-x-3-complete".into(),
        amount: Decimal::new(7875, 2),
        currency: Some("GTQ".into()),
        invoice_number: Some("F001-000001".into()),
        invoice_date: Some("2026-11-21".into()),
        invoice_serial: None,
    };
    journal.record(&record("dsp_1", intent)).unwrap();
    assert_eq!(journal.unfinished().unwrap().len(), 1, "an intent without a result is unfinished");
    let finalizing = journal.dispensation("dsp_1").unwrap().unwrap();
    assert_eq!(finalizing.status, "FINALIZING");
    assert_eq!(finalizing.idempotency_key.as_deref(), Some("mostrador-x-3-complete"));
    let completed = Event::Completed {
        claim_id: Some(Id::new("clm_1")),
        amount: Decimal::new(7875, 2),
        currency: Some("GTQ".into()),
        invoice_number: Some("F001-000001".into()),
    };
    journal.record(&record_at(AT + time::Duration::SECOND, "dsp_1", completed)).unwrap();
    // A late cancel (a stale reply) cannot undo a completion.
    journal.record(&record("dsp_1", Event::Cancelled)).unwrap();
    let entry = journal.dispensation("dsp_1").unwrap().unwrap();
    assert_eq!(entry.status, "COMPLETED");
    assert_eq!(entry.claim_id.as_deref(), Some("clm_1"));
    assert_eq!(entry.amount, Some(Decimal::new(7875, 2)));
    assert_eq!(entry.verified_by.as_deref(), Some("OTP"));
    assert_eq!(entry.terminal, "caja-1");
    assert_eq!(entry.started_at, datetime!(2026-11-21 15:04:05 UTC));
    let steps: Vec<String> = journal.events("dsp_1").unwrap().into_iter().map(|(step, _)| step).collect();
    assert_eq!(steps, ["start", "verified", "finalize-intent", "completed", "cancelled"]);
}

#[test]
fn events_cannot_be_changed_or_deleted() {
    let (journal, _dir) = journal();
    journal.record(&record("dsp_1", Event::Revealed)).unwrap();
    let connection = journal.connection.lock().unwrap();
    assert!(connection.execute("UPDATE events SET step = 'x'", []).is_err());
    assert!(connection.execute("DELETE FROM events", []).is_err());
}

#[test]
fn the_file_is_in_wal_mode_and_survives_reopening() {
    let (journal, dir) = journal();
    journal.record(&record("dsp_1", Event::Cancelled)).unwrap();
    let mode: String =
        journal.connection.lock().unwrap().query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
    assert_eq!(mode, "wal");
    drop(journal);
    let again = Journal::in_dir(&dir, &place()).unwrap();
    assert_eq!(again.dispensation("dsp_1").unwrap().unwrap().status, "CANCELLED");
}

#[test]
fn a_journal_from_a_newer_build_is_refused() {
    let (journal, dir) = journal();
    journal.connection.lock().unwrap().pragma_update(None, "user_version", 99).unwrap();
    drop(journal);
    let error = Journal::in_dir(&dir, &place()).err().expect("refused");
    assert!(error.to_string().contains("newer"), "{error}");
}

#[test]
fn export_writes_a_header_and_one_row_per_dispensation_in_local_time() {
    let (journal, _dir) = journal();
    journal
        .record(&record(
            "dsp_1",
            Event::Started { code_type: CodeType::Prescription, sponsor_slug: None, start_key: None },
        ))
        .unwrap();
    let completed = Event::Completed {
        claim_id: None,
        amount: Decimal::new(5200, 2),
        currency: Some("GTQ".into()),
        invoice_number: Some("F001-000007".into()),
    };
    journal.record(&record("dsp_1", completed)).unwrap();
    journal.record(&record_at(AT + time::Duration::DAY, "dsp_2", Event::Cancelled)).unwrap();
    let whole = Event::Completed {
        claim_id: None,
        amount: Decimal::new(51600, 0),
        currency: Some("COP".into()),
        invoice_number: None,
    };
    journal.record(&record("dsp_3", whole)).unwrap();
    let mut out = Vec::new();
    let today = journal.dispensations(None, Some(AT + time::Duration::HOUR)).unwrap();
    write_csv(&today, offset!(-6), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[2].contains(",51600.00,COP,"), "two decimals for the books: {}", lines[2]);
    assert!(lines[0].starts_with("started_at,terminal,code,code_type,sponsor,status,dispensation_id,claim_id,amount"));
    assert!(
        lines[1]
            .starts_with("2026-11-21T09:04:05-06:00,caja-1,AUTH-2026-000101,PRESCRIPTION,,COMPLETED,dsp_1,,52.00,GTQ")
    );
}
