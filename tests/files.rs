//! The files Mostrador writes and reads outside the journal's own tests: the log (created private, every line
//! inert, a panic in it with where and what) and `journal export` run as the real binary on a journal the user
//! may only read. One log per test process: the logger is process-wide, as in the program.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use mostrador::counter::{Event, Record};
use mostrador::inert::is_hazard;
use mostrador::journal::{FILE_NAME, Journal};
use mostrador::osigu::model::Id;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mostrador-files-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The process's log, set up once as the counter sets it up, in a data directory of its own.
fn log_file() -> &'static Path {
    static LOG: OnceLock<PathBuf> = OnceLock::new();
    LOG.get_or_init(|| {
        let dir = scratch("log").join("data");
        let path = mostrador::logging::to_file(&dir).expect("the log");
        mostrador::terminal::install_panic_hook();
        path
    })
}

/// The log's lines holding `needle`.
fn logged(needle: &str) -> Vec<String> {
    let text = std::fs::read_to_string(log_file()).unwrap();
    text.lines().filter(|line| line.contains(needle)).map(str::to_owned).collect()
}

#[test]
fn the_log_is_created_readable_by_its_owner_only() {
    let path = log_file();
    tracing::warn!("a line so that the file has something");
    assert_eq!(mode_of(path), 0o600, "{}", path.display());
    assert_eq!(mode_of(path.parent().unwrap()), 0o700, "its directory");
}

#[test]
fn a_panic_is_written_to_the_log_with_where_and_what() {
    log_file();
    let panicked = std::thread::Builder::new()
        .name("panicking-test".into())
        .spawn(|| panic!("the reply could not be read: {}", 42))
        .unwrap()
        .join();
    let line = line!() - 3;
    assert!(panicked.is_err());
    let lines = logged("the reply could not be read: 42");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("ERROR"), "{}", lines[0]);
    assert!(lines[0].contains(&format!("tests/files.rs:{line}:")), "where: {}", lines[0]);
    assert!(lines[0].contains("panicking-test"), "the thread: {}", lines[0]);
}

#[test]
fn log_lines_holding_outside_text_stay_inert_single_lines() {
    log_file();
    let reply = "ERR\u{1b}]0;pwned\u{7}\u{1b}[2J\nINFO forged line\u{202e}";
    tracing::warn!(reply, "the server answered {}", "\u{9b}31mred");
    let lines = logged("the server answered");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert!(line.contains("]0;pwned") && line.contains("INFO forged line"), "shown, as text: {line}");
    assert!(!line.chars().any(is_hazard), "{line:?}");
    assert!(logged("INFO forged line").iter().all(|found| found == line), "no forged line of its own");
}

/// Every file of `dir` with its length and modification time.
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

/// `mostrador journal export --csv` on a journal made read-only (directory 0500, file 0400) exports it and
/// creates or changes nothing: it used to open the journal for writing (creating `-wal` and `-shm`, which a
/// user without write access cannot). The tests run as root, who may write anyway, so the files themselves
/// are checked. A claim id shaped like a formula comes out neutralised.
#[test]
fn journal_export_reads_a_read_only_journal_and_changes_nothing() {
    let root = scratch("export");
    let data = root.join("data");
    let journal = Journal::in_dir(&data, &mostrador::journal::Place::new("caja-1", "caja-1")).unwrap();
    let at = time::OffsetDateTime::now_utc();
    let completed = Event::Completed {
        claim_id: Some(Id::new("=HYPERLINK(\"http://x.example\";\"ver\")")),
        amount: rust_decimal::Decimal::new(7875, 2),
        currency: Some("GTQ".into()),
        invoice_number: Some("F001-000001".into()),
        amounts: None,
    };
    let record = Record {
        at,
        dispensation_id: Id::new("dsp_1"),
        code: "AUTH-2026-000101\u{1b}[2J".into(),
        event: completed,
        clerk: None,
    };
    journal.record(&record).unwrap();
    drop(journal);
    std::fs::set_permissions(data.join(FILE_NAME), std::fs::Permissions::from_mode(0o400)).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o500)).unwrap();
    let config = root.join("config.toml");
    std::fs::write(&config, format!("[counter]\ndata_dir = {:?}\n", data.display().to_string())).unwrap();
    let before = listing(&data);

    let output = Command::new(env!("CARGO_BIN_EXE_mostrador"))
        .args(["journal", "export", "--csv", "--config"])
        .arg(&config)
        .env_remove("MOSTRADOR_CONFIG")
        .env_remove("MOSTRADOR_LOG")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{}\n{stdout}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(listing(&data), before, "no file created, none changed");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stdout.contains(",\"'=HYPERLINK(\"\"http://x.example\"\";\"\"ver\"\")\",78.75,,,GTQ,"), "{stdout}");
    assert!(stdout.contains(",AUTH-2026-000101�[2J,"), "{stdout}");
    assert!(!stdout.chars().any(|c| c != '\n' && is_hazard(c)), "{stdout:?}");

    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::remove_dir_all(&root).unwrap();
}

/// Without a journal, the export says so in one line, and creates nothing.
#[test]
fn journal_export_without_a_journal_says_so() {
    let root = scratch("export-none");
    std::fs::create_dir_all(&root).unwrap();
    let data = root.join("data");
    let config = root.join("config.toml");
    std::fs::write(&config, format!("[counter]\ndata_dir = {:?}\n", data.display().to_string())).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mostrador"))
        .args(["journal", "export", "--csv", "--config"])
        .arg(&config)
        .env_remove("MOSTRADOR_CONFIG")
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("mostrador: there is no journal at "), "{stderr}");
    assert!(!data.exists(), "nothing created");
    std::fs::remove_dir_all(&root).unwrap();
}

/// A data directory with a journal of one completed dispensation carrying an invoice serial, and a configuration
/// naming it.
fn exportable(name: &str) -> (PathBuf, PathBuf) {
    let root = scratch(name);
    let data = root.join("data");
    let journal = Journal::in_dir(&data, &mostrador::journal::Place::new("caja-1", "caja-1")).unwrap();
    let at = time::macros::datetime!(2026-11-21 15:04:00 UTC);
    let record =
        |event| Record { at, dispensation_id: Id::new("dsp_1"), code: "AUTH-2026-000101".into(), event, clerk: None };
    let intent = Event::FinalizeIntent {
        key: "k".into(),
        amount: rust_decimal::Decimal::new(7875, 2),
        currency: Some("GTQ".into()),
        invoice_number: Some("F001-000001".into()),
        invoice_date: Some("2026-11-21".into()),
        invoice_serial: Some("A-7".into()),
    };
    journal.record(&record(intent)).unwrap();
    let completed = Event::Completed {
        claim_id: None,
        amount: rust_decimal::Decimal::new(7875, 2),
        currency: Some("GTQ".into()),
        invoice_number: Some("F001-000001".into()),
        amounts: None,
    };
    journal.record(&record(completed)).unwrap();
    drop(journal);
    let config = root.join("config.toml");
    std::fs::write(&config, format!("[counter]\ndata_dir = {:?}\n", data.display().to_string())).unwrap();
    (root, config)
}

fn export(config: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mostrador"))
        .args(["journal", "export"])
        .args(args)
        .arg("--config")
        .arg(config)
        .env_remove("MOSTRADOR_CONFIG")
        .env_remove("MOSTRADOR_LOG")
        .output()
        .unwrap()
}

/// Defect 11: CSV is the export's only format, so it needs no `--csv` (still accepted); the invoice serial is a
/// column of its own.
#[test]
fn journal_export_writes_csv_without_being_asked_and_has_the_serial() {
    let (root, config) = exportable("export-default");
    for args in [&[][..], &["--csv"][..]] {
        let output = export(&config, args);
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        let mut lines = stdout.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let row: Vec<&str> = lines.next().unwrap().split(',').collect();
        let serial = header.iter().position(|column| *column == "invoice_serial").expect("a serial column");
        assert_eq!(row[serial], "A-7", "{stdout}");
    }
    std::fs::remove_dir_all(&root).unwrap();
}

/// Defect 11: `--to` before `--from` is a mistake said as such (exit 2, like any bad argument), not an empty
/// export that looks like a day without sales.
#[test]
fn journal_export_refuses_a_range_that_ends_before_it_begins() {
    let (root, config) = exportable("export-inverted");
    let output = export(&config, &["--from", "2026-11-21", "--to", "2026-11-20"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--to 2026-11-20 is before --from 2026-11-21"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing exported");
    let same_day = export(&config, &["--from", "2026-11-21", "--to", "2026-11-21"]);
    assert!(same_day.status.success());
    std::fs::remove_dir_all(&root).unwrap();
}
