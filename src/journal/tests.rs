use rust_decimal::Decimal;
use time::macros::{datetime, offset};

use super::*;
use crate::counter::VerifiedBy;
use crate::osigu::model::{Amounts, CodeType, Id};

pub(super) fn journal() -> (Journal, PathBuf) {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("mostrador-journal-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    (Journal::in_dir(&dir, &place()).expect("journal"), dir)
}

/// The test's host, on till caja-1.
pub(super) fn place() -> Place {
    Place::new("caja-1", "caja-1")
}

pub(super) fn record(id: &str, event: Event) -> Record {
    Record { at: AT, dispensation_id: Id::new(id), code: "AUTH-2026-000101".into(), event, clerk: None }
}

fn record_at(at: OffsetDateTime, id: &str, event: Event) -> Record {
    Record { at, ..record(id, event) }
}

pub(super) const AT: OffsetDateTime = datetime!(2026-11-21 15:04:05.123 UTC);

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
        amounts: Some(Amounts {
            total: Decimal::new(7875, 2),
            sponsor: Decimal::new(6300, 2),
            patient: Decimal::new(1575, 2),
        }),
    };
    journal.record(&record_at(AT + time::Duration::SECOND, "dsp_1", completed)).unwrap();
    // A late cancel (a stale reply) cannot undo a completion.
    journal.record(&record("dsp_1", Event::Cancelled)).unwrap();
    let entry = journal.dispensation("dsp_1").unwrap().unwrap();
    assert_eq!(entry.status, "COMPLETED");
    assert_eq!(entry.claim_id.as_deref(), Some("clm_1"));
    assert_eq!(entry.amount, Some(Decimal::new(7875, 2)));
    assert_eq!((entry.sponsor_amount, entry.patient_amount), (Some(Decimal::new(63, 0)), Some(Decimal::new(1575, 2))));
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
        // A cash prescription: the patient paid it all.
        amounts: Some(Amounts { total: Decimal::new(5200, 2), sponsor: Decimal::ZERO, patient: Decimal::new(5200, 2) }),
    };
    journal.record(&record("dsp_1", completed)).unwrap();
    journal.record(&record_at(AT + time::Duration::DAY, "dsp_2", Event::Cancelled)).unwrap();
    let whole = Event::Completed {
        claim_id: None,
        amount: Decimal::new(51600, 0),
        currency: Some("COP".into()),
        invoice_number: None,
        // A reply that did not say how the total was shared (the real Osigu documents no `amounts`).
        amounts: None,
    };
    journal.record(&record("dsp_3", whole)).unwrap();
    let mut out = Vec::new();
    let today = journal.dispensations(None, Some(AT + time::Duration::HOUR)).unwrap();
    write_csv(&today, offset!(-6), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[2].contains(",51600.00,,,COP,"), "two decimals for the books, no split unsaid: {}", lines[2]);
    assert!(lines[0].starts_with(
        "started_at,terminal,till,code,code_type,sponsor,status,dispensation_id,claim_id,amount,sponsor_amount,\
         patient_amount,currency"
    ));
    assert!(lines[0].contains(",invoice_number,invoice_serial,"), "{}", lines[0]);
    assert!(
        lines[1].starts_with(
            "2026-11-21T09:04:05-06:00,caja-1,caja-1,AUTH-2026-000101,PRESCRIPTION,,COMPLETED,dsp_1,,52.00,0.00,\
             52.00,GTQ"
        ),
        "{}",
        lines[1]
    );
}

/// Cells from outside (a claim id, a code the server echoed) cannot become a formula in the books' spreadsheet
/// nor act on the terminal the export is printed on.
#[test]
fn export_cells_are_inert_and_never_read_as_formulas() {
    let (journal, _dir) = journal();
    let hostile = Record { code: "=1+1\x1b]0;x\x07".into(), ..record("dsp_1", Event::Cancelled) };
    journal.record(&hostile).unwrap();
    let completed = Event::Completed {
        claim_id: Some(Id::new("=HYPERLINK(\"http://evil.example\",\"ver\")")),
        amount: Decimal::new(7875, 2),
        currency: Some("@SUM(A1)".into()),
        invoice_number: Some("+cmd|' /C calc'!A0".into()),
        amounts: None,
    };
    journal.record(&record("dsp_2", completed)).unwrap();
    journal.record(&record("-2+3", Event::Cancelled)).unwrap();
    journal.record(&record("\tdsp_4\r\u{202e}", Event::Cancelled)).unwrap();
    let mut out = Vec::new();
    write_csv(&journal.dispensations(None, None).unwrap(), offset!(-6), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.chars().any(|c| c != '\n' && crate::inert::is_hazard(c)), "{text:?}");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|cell| cell == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4, "{text}");
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a formula cell: {cell:?} in {row:?}");
        }
    }
    assert_eq!(&rows[0][column("code")], "'=1+1�]0;x�");
    assert_eq!(&rows[1][column("claim_id")], "'=HYPERLINK(\"http://evil.example\",\"ver\")");
    assert_eq!(&rows[1][column("amount")], "78.75", "amounts are untouched");
    assert_eq!(&rows[1][column("currency")], "'@SUM(A1)");
    assert_eq!(&rows[1][column("invoice_number")], "'+cmd|' /C calc'!A0");
    assert_eq!(&rows[2][column("dispensation_id")], "'-2+3");
    assert_eq!(&rows[3][column("dispensation_id")], "' dsp_4 �");
    assert!(rows[0][0].starts_with("2026-"), "times untouched: {:?}", &rows[0][0]);
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn the_journal_and_its_wal_are_readable_by_their_owner_only() {
    let (journal, dir) = journal();
    journal.record(&record("dsp_1", Event::Cancelled)).unwrap();
    assert_eq!(mode_of(&dir), 0o700, "the data directory");
    for suffix in ["", "-wal", "-shm"] {
        let path = dir.join(format!("{FILE_NAME}{suffix}"));
        assert!(path.exists(), "{} while the journal is open", path.display());
        assert_eq!(mode_of(&path), 0o600, "{}", path.display());
    }
    drop(journal);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_journal_an_earlier_version_left_open_is_tightened_when_opened() {
    use std::os::unix::fs::PermissionsExt;
    let (journal, dir) = journal();
    journal.record(&record("dsp_1", Event::Cancelled)).unwrap();
    drop(journal);
    let open = std::fs::Permissions::from_mode(0o644);
    std::fs::set_permissions(dir.join(FILE_NAME), open.clone()).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let again = Journal::in_dir(&dir, &place()).unwrap();
    assert_eq!(mode_of(&dir.join(FILE_NAME)), 0o600);
    assert_eq!(mode_of(&dir), 0o700);
    assert_eq!(again.dispensation("dsp_1").unwrap().unwrap().status, "CANCELLED", "and nothing lost");
    drop(again);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every file in `dir` with its length and modification time.
fn listing(dir: &Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let metadata = entry.metadata().unwrap();
            (entry.file_name().to_string_lossy().into_owned(), metadata.len(), metadata.modified().unwrap())
        })
        .collect();
    files.sort();
    files
}

/// `journal export` reads a journal it may not write: nothing is created (no `-wal`, no `-shm`), nothing
/// changes. The tests run as root, for whom modes are not enforced, so the directory and file are made
/// read-only as a user would have them and what the reading did is checked on the files themselves.
#[cfg(unix)]
#[test]
fn a_read_only_journal_is_exported_without_creating_or_changing_any_file() {
    use std::os::unix::fs::PermissionsExt;
    let (journal, dir) = journal();
    journal.record(&record("dsp_1", Event::Cancelled)).unwrap();
    drop(journal);
    let before = listing(&dir);
    assert_eq!(before.len(), 1, "a closed journal is one file: {before:?}");
    std::fs::set_permissions(dir.join(FILE_NAME), std::fs::Permissions::from_mode(0o400)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
    let before = listing(&dir);
    std::thread::sleep(std::time::Duration::from_millis(20));

    let reader = Journal::open_read_only(&dir, &place()).unwrap();
    let entries = reader.dispensations(None, None).unwrap();
    assert_eq!(entries.len(), 1);
    let mut out = Vec::new();
    write_csv(&entries, offset!(-6), &mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains(",CANCELLED,dsp_1,"));
    drop(reader);

    assert_eq!(listing(&dir), before, "no file created, none changed");
    assert_eq!(mode_of(&dir.join(FILE_NAME)), 0o400, "the file's mode is left alone");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Beside a running counter (the journal open for writing, its `-wal` holding the latest records), the export
/// sees every record and leaves the writer's files as they are.
#[test]
fn a_journal_in_use_is_read_beside_its_writer() {
    let (journal, dir) = journal();
    journal.record(&record("dsp_1", Event::Cancelled)).unwrap();
    let reader = Journal::open_read_only(&dir, &place()).unwrap();
    journal.record(&record("dsp_2", Event::Cancelled)).unwrap();
    assert_eq!(reader.dispensations(None, None).unwrap().len(), 2);
    assert!(reader.record(&record("dsp_3", Event::Cancelled)).is_err(), "the reader cannot write");
    drop(reader);
    journal.record(&record("dsp_4", Event::Cancelled)).unwrap();
    assert_eq!(journal.dispensations(None, None).unwrap().len(), 3);
}

#[test]
fn a_missing_journal_is_named_and_not_created() {
    let dir = std::env::temp_dir().join(format!("mostrador-journal-none-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let error = Journal::open_read_only(&dir, &place()).err().expect("no journal");
    assert!(matches!(error, JournalError::Missing { .. }), "{error:?}");
    assert!(error.to_string().starts_with("there is no journal at "), "{error}");
    assert!(!dir.exists(), "reading created nothing");
}

#[test]
fn a_journal_from_another_schema_is_not_read_blindly() {
    let (journal, dir) = journal();
    journal.connection.lock().unwrap().pragma_update(None, "user_version", 1).unwrap();
    drop(journal);
    let error = Journal::open_read_only(&dir, &place()).err().expect("older");
    assert!(matches!(error, JournalError::Outdated { found: 1, .. }), "{error:?}");
    assert!(error.to_string().contains("start the counter once"), "{error}");
}

fn started() -> Event {
    Event::Started { code_type: CodeType::Authorization, sponsor_slug: Some("sponsor-sandbox".into()), start_key: None }
}

fn completed_for(amount: i64) -> Event {
    Event::Completed {
        claim_id: None,
        amount: Decimal::new(amount, 2),
        currency: Some("GTQ".into()),
        invoice_number: Some(format!("F001-{amount:06}")),
        amounts: None,
    }
}

/// A moment as the journal keeps it (whole seconds).
fn kept(at: OffsetDateTime) -> Option<OffsetDateTime> {
    Some(at.replace_millisecond(0).unwrap())
}

/// The history (F3) and "today at this till" read one till's day: newest first, other tills and days left out,
/// and each row says when it was completed or cancelled (not when it started).
#[test]
fn a_day_lists_this_tills_dispensations_newest_first_with_when_each_ended() {
    let (journal, dir) = journal();
    let other = Journal::in_dir(&dir, &Place::new("caja-2", "caja-2")).unwrap();
    let minutes = |n: i64| AT + time::Duration::minutes(n);
    journal.record(&record_at(minutes(-24 * 60), "dsp_0", started())).unwrap();
    journal.record(&record_at(AT, "dsp_1", started())).unwrap();
    journal.record(&record_at(minutes(2), "dsp_1", completed_for(7875))).unwrap();
    journal.record(&record_at(minutes(1), "dsp_2", started())).unwrap();
    journal.record(&record_at(minutes(3), "dsp_2", Event::Cancelled)).unwrap();
    journal.record(&record_at(minutes(4), "dsp_3", started())).unwrap();
    other.record(&record_at(minutes(1), "dsp_9", started())).unwrap();

    let day = journal.day(minutes(-60), minutes(60)).unwrap();
    let listed: Vec<(&str, &str, Option<OffsetDateTime>)> = day
        .iter()
        .map(|listed| (listed.entry.dispensation_id.as_str(), listed.entry.status.as_str(), listed.ended_at))
        .collect();
    assert_eq!(
        listed,
        [
            ("dsp_3", "STARTED", None),
            ("dsp_2", "CANCELLED", kept(minutes(3))),
            ("dsp_1", "COMPLETED", kept(minutes(2))),
        ]
    );
    assert_eq!(other.day(minutes(-60), minutes(60)).unwrap().len(), 1, "caja-2 sees its own only");
}

/// The plan SQLite makes for one till's day searches the (till, started_at) index and scans no table, so opening
/// the history costs the day's rows, not the journal's length. Without the index it walks the till's every row
/// through (till, status).
#[test]
fn a_day_is_read_through_the_till_and_start_index() {
    let (journal, _dir) = journal();
    let connection = journal.connection();
    let mut statement = connection.prepare(&format!("EXPLAIN QUERY PLAN {DAY_QUERY}")).unwrap();
    let plan: Vec<String> = statement
        .query_map(params!["caja-1", "2026-11-21T06:00:00Z", "2026-11-22T06:00:00Z"], |row| row.get(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        plan.iter()
            .any(|step| step.starts_with("SEARCH dispensations USING INDEX dispensations_by_till_start (till=?")
                && step.contains("started_at>")),
        "{plan:#?}"
    );
    assert!(plan.iter().all(|step| !step.starts_with("SCAN")), "{plan:#?}");
}

/// A code (or part of one, or an invoice number) finds its dispensations on any day and at any till, newest first.
#[test]
fn a_search_finds_a_code_on_any_day_at_any_till() {
    let (journal, dir) = journal();
    let other = Journal::in_dir(&dir, &Place::new("caja-2", "caja-2")).unwrap();
    let days = |n: i64| AT - time::Duration::days(n);
    let coded = |at, id: &str, code: &str, event| Record { code: code.into(), ..record_at(at, id, event) };
    journal.record(&coded(days(30), "dsp_1", "AUTH-2026-000101", started())).unwrap();
    journal.record(&coded(days(30), "dsp_1", "AUTH-2026-000101", completed_for(100))).unwrap();
    other.record(&coded(days(2), "dsp_2", "AUTH-2026-000101", started())).unwrap();
    journal.record(&coded(days(1), "dsp_3", "RX-2026-000001", started())).unwrap();

    let found: Vec<String> =
        journal.search("auth-2026-000101", 10).unwrap().into_iter().map(|l| l.entry.dispensation_id).collect();
    assert_eq!(found, ["dsp_2", "dsp_1"]);
    let by_tail: Vec<String> =
        journal.search("000101", 1).unwrap().into_iter().map(|l| l.entry.dispensation_id).collect();
    assert_eq!(by_tail, ["dsp_2"], "at most the limit, newest first");
    let by_invoice: Vec<String> =
        journal.search("F001-000100", 10).unwrap().into_iter().map(|l| l.entry.dispensation_id).collect();
    assert_eq!(by_invoice, ["dsp_1"]);
    assert!(journal.search("NOPE", 10).unwrap().is_empty());
}

#[test]
fn the_counter_asks_for_a_sign_in_only_while_an_enabled_clerk_exists() {
    let (journal, dir) = journal();
    assert!(!journal.any_enabled_clerk().unwrap(), "no clerks: the counter runs as it always has");
    let hash = crate::clerks::Pin::new("4821").unwrap().hash().unwrap();
    journal.add_clerk(AT, "ana", "Ana", crate::clerks::Role::Clerk, &hash).unwrap();
    assert!(journal.any_enabled_clerk().unwrap());
    journal.set_clerk_enabled(AT, "ana", false).unwrap();
    assert!(!journal.any_enabled_clerk().unwrap(), "only disabled clerks: nobody could sign in");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_record_keeps_its_clerk_and_the_dispensation_the_clerk_who_started_it() {
    let (journal, dir) = journal();
    let hash = crate::clerks::Pin::new("4821").unwrap().hash().unwrap();
    journal.add_clerk(AT, "ana", "Ana María", crate::clerks::Role::Clerk, &hash).unwrap();
    let by = |clerk: Option<&str>, event| Record { clerk: clerk.map(str::to_owned), ..record("dsp_1", event) };
    journal.record(&by(Some("ana"), Event::Revealed)).unwrap();
    // Recovery writes no clerk: the dispensation keeps the one who started it.
    journal.record(&by(None, Event::Cancelled)).unwrap();
    let clerks = journal.event_clerks("dsp_1").unwrap();
    assert_eq!(clerks, [("reveal".to_owned(), Some("ana".to_owned())), ("cancelled".to_owned(), None)]);
    let entry = &journal.dispensations(None, None).unwrap()[0];
    assert_eq!((entry.clerk_id.as_deref(), entry.clerk_name.as_deref()), (Some("ana"), Some("Ana María")));
    let _ = std::fs::remove_dir_all(dir);
}
