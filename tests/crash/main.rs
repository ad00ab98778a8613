//! The crash test (issue 5, point 6): the real binary, on a pseudo-terminal, finalizing against a standalone
//! sandbox (`mostrador sandbox serve`, one per kill point), SIGKILLed at each point of the finalize protocol:
//! - before the request: the intent is on disk, `complete` not yet sent (test hook `before-complete`);
//! - with the request in flight: the sandbox holds every `complete` for 3 s (`complete:latency-ms=3000`);
//! - after the reply, before the journal write: the server completed it, the journal still says FINALIZING (test
//!   hook `after-complete-reply`).
//!
//! Each point is reached deterministically and observed from outside before the kill: the hook's line in the
//! counter's log, the journal (SQLite, read beside the running program) and the server (GET over HTTP). The
//! binary is then started again on the same data directory; its start-up recovery runs before the counter
//! opens and shows the "Recuperado al iniciar" box. After Ctrl-C the server and the journal must agree: the
//! dispensation COMPLETED exactly once on the server (the claimed quantities are one completion's), COMPLETED
//! once in `journal export --csv`, nothing left STARTED on the server nor unfinished in the journal.
//!
//! The terminal is util-linux `script` (`script -qefc CMD /dev/null`), the test writing keys to its stdin and
//! reading the screen from its stdout; the command sets the pty to 100x30, writes its shell's pid and `exec`s
//! the binary, so that pid is the counter's own and the SIGKILL goes to the counter, not to `script`. (A pty of
//! the test's own, without `script`, needs `rustix` with its `pty`, `termios` and `process` features as a
//! dev-dependency.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: its helpers unwrap, as `clippy.toml` lets its tests

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use mostrador::journal::{Entry, FILE_NAME, Journal};
use mostrador::osigu::client::{ClientOptions, ListQuery, OsiguClient};
use mostrador::osigu::model::{Dispensation, DispensationStatus, Id};
use mostrador::sandbox::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

mod leaving;
mod processes;
mod scratch;
mod terminal;

use processes::*;
use scratch::*;
use terminal::*;

const BIN: &str = env!("CARGO_BIN_EXE_mostrador");

/// The longest one step of the counter may take on screen (each is a round trip to a local server).
const STEP: Duration = Duration::from_secs(15);
/// The longest a start may take to show what recovery found (its own budget is 20 s).
const RECOVERY: Duration = Duration::from_secs(30);
/// How long the sandbox holds each `complete` at the "in flight" point.
const LATENCY_MS: u64 = 3000;

/// Keys as a terminal sends them.
const ENTER: &str = "\r";
const F10: &str = "\x1b[21~";
const CTRL_C: &str = "\x03";

/// Which point of the protocol the counter dies at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KillPoint {
    BeforeRequest,
    InFlight,
    AfterReply,
}

#[test]
fn killed_before_the_request_the_restart_sends_the_same_completion() {
    let run = crash(KillPoint::BeforeRequest, "RX-2026-000001");
    // The server never saw the completion: recovery sent it, with the intent's key.
    assert!(run.recovered.contains("outcome=Resumed"), "recovery said: {}", run.recovered);
    assert_eq!(run.completions_handled, 1, "the sandbox handled {} completions", run.completions_handled);
}

#[test]
fn killed_with_the_request_in_flight_the_restart_settles_it_once() {
    let run = crash(KillPoint::InFlight, "AUTH-2026-000101");
    // Whether the server goes on with a dead counter's request is the server's business (the sandbox drops it
    // with its connection, during the injected latency, so today recovery resumes it); either way exactly one
    // completion is applied (a second, if any, is answered with the first's result).
    assert!(
        run.recovered.contains("outcome=Resumed") || run.recovered.contains("outcome=Completed"),
        "recovery said: {}",
        run.recovered
    );
}

#[test]
fn killed_after_the_reply_before_the_journal_the_restart_records_the_servers_truth() {
    let run = crash(KillPoint::AfterReply, "AUTH-2026-000101");
    // The server had completed it: recovery records that, and sends nothing again.
    assert!(run.recovered.contains("outcome=Completed"), "recovery said: {}", run.recovered);
    assert_eq!(run.completions_handled, 1, "the sandbox handled {} completions", run.completions_handled);
}

/// A completion recovery resumed used the terminal's invoice number; the next dispensation must not be offered
/// the same number again.
#[test]
fn after_a_resumed_completion_the_next_invoice_number_is_a_new_one() {
    let killed = kill_at(KillPoint::BeforeRequest, "RX-2026-000001");
    let mut restarted = Terminal::start(&killed.scratch, &killed.config, None, "restart");
    restarted.wait_for(0, "Recuperado al iniciar", RECOVERY);
    let resumed = killed.server.dispensation(&killed.id);
    assert_eq!(resumed.status, DispensationStatus::Completed, "recovery did not resume it");
    let used = resumed.invoice.as_ref().map(|invoice| invoice.document_number.clone());
    assert_eq!(used.as_deref(), Some("F001-000001"), "the resumed completion's invoice");
    // Enter closes the box; then the next code, as a scanner sends it.
    let mark = restarted.send(&format!("{ENTER}AUTH-2026-000101{ENTER}"));
    restarted.wait_for(mark, "Líneas a despachar", STEP);
    let mark = restarted.send(F10);
    restarted.wait_for(mark, "Revise la factura", STEP);
    restarted.wait_for(mark, "F001-00000", STEP);
    let offered = restarted.drawn_since(mark);
    assert!(
        !offered.contains("F001-000001") && offered.contains("F001-000002"),
        "the invoice number F001-000001, already used by the resumed completion, is offered again (invoice-counter \
         file: {:?})\n{}",
        std::fs::read_to_string(killed.scratch.data_dir().join("invoice-counter")).ok(),
        restarted.tail()
    );
}

/// What a crash and restart left, for the per-point assertions.
struct Crashed {
    /// The start-up recovery's log line for the dispensation.
    recovered: String,
    /// `POST …/complete` requests the sandbox answered (from its debug log).
    completions_handled: usize,
}

/// Finalizes `code` on a fresh standalone sandbox, SIGKILLs the counter at `point`, starts it again, and checks
/// that the server and the journal agree.
fn crash(point: KillPoint, code: &str) -> Crashed {
    let Killed { sandbox, server, config, id, scratch } = kill_at(point, code);

    // The restart, without any hook: recovery settles it before the counter opens.
    let mut restarted = Terminal::start(&scratch, &config, None, "restart");
    restarted.wait_for(0, "Recuperado al iniciar", RECOVERY);
    let recovered = scratch.wait_for_log(&format!("recovered dispensation={}", id.as_str()), STEP, &restarted);
    restarted.send(CTRL_C);
    let status = restarted.wait_exit(STEP);
    assert!(status.success(), "the restarted counter did not quit cleanly: {status}\n{}", restarted.tail());

    // The server's truth and the journal's agree.
    let completed = server.exactly_one_completion(code);
    assert_eq!(completed.dispensation_id, id, "the server completed another dispensation than the journal's");
    let rows = scratch.export(&config);
    let mine: Vec<&Row> = rows.iter().filter(|row| row.code == code).collect();
    assert_eq!(mine.len(), 1, "{code} is not exactly once in the journal's export: {rows:?}");
    let row = mine[0];
    assert_eq!(row.status, "COMPLETED", "the journal's export: {row:?}");
    assert_eq!(row.dispensation_id, id.as_str(), "the journal's export: {row:?}");
    let claim = completed.claim.as_ref().map(|claim| claim.claim_id.as_str().to_owned()).unwrap_or_default();
    assert_eq!(row.claim_id, claim, "the journal's claim is not the server's: {row:?}");
    let total = completed.total_amount.expect("a completed dispensation has its total");
    assert_eq!(row.amount.parse::<rust_decimal::Decimal>().ok(), Some(total), "the journal's amount: {row:?}");
    let unfinished: Vec<&Row> =
        rows.iter().filter(|row| row.status == "STARTED" || row.status == "FINALIZING").collect();
    assert!(unfinished.is_empty(), "the journal still has unfinished dispensations: {unfinished:?}");
    let journal =
        Journal::open(&scratch.data_dir().join(FILE_NAME), &mostrador::journal::Place::new("crash-test", "reader"))
            .expect("the journal opens");
    assert_eq!(journal.unfinished().expect("unfinished").len(), 0, "recovery left work for the next start");

    let completions_handled = sandbox.completions_handled();
    drop(sandbox);
    Crashed { recovered, completions_handled }
}

/// What a run killed at a point leaves: its sandbox, still up, and the data directory it wrote.
struct Killed {
    sandbox: SandboxProcess,
    server: Server,
    config: PathBuf,
    /// The dispensation the dead run was finalizing.
    id: Id,
    scratch: Scratch,
}

/// Starts a standalone sandbox, finalizes `code` on the counter and SIGKILLs the counter at `point`, having
/// checked from outside that it is there (the journal holds the intent; the server has or has not completed it).
fn kill_at(point: KillPoint, code: &str) -> Killed {
    let scratch = Scratch::new(&format!("{point:?}"));
    let faults = match point {
        KillPoint::InFlight => vec![format!("complete:latency-ms={LATENCY_MS}")],
        KillPoint::BeforeRequest | KillPoint::AfterReply => Vec::new(),
    };
    let sandbox = SandboxProcess::start(&scratch, &faults);
    let server = Server::new(&sandbox.base_url);
    let config = scratch.config(&sandbox.base_url);

    // The first run, to the kill point.
    let hook = match point {
        KillPoint::BeforeRequest => Some("before-complete"),
        KillPoint::AfterReply => Some("after-complete-reply"),
        KillPoint::InFlight => None,
    };
    let mut counter = Terminal::start(&scratch, &config, hook, "first");
    counter.wait_for(0, "Escanee el código", STEP);
    let mark = counter.send(&format!("{code}{ENTER}"));
    counter.wait_for(mark, "Líneas a despachar", STEP);
    let mark = counter.send(F10);
    counter.wait_for(mark, "Revise la factura", STEP);
    // The terminal's invoice number arrives just after the screen opens; Enter before it would find no number.
    counter.wait_for(mark, "F001-000001", STEP);
    let mark = counter.send(ENTER);

    let finalizing = match point {
        KillPoint::BeforeRequest | KillPoint::AfterReply => {
            let line = scratch.wait_for_log("test hook: paused", STEP, &counter);
            assert!(line.contains(&format!("pid={}", counter.pid)), "the hook paused another process: {line}");
            let entry = scratch.journal_entry(code).unwrap_or_else(|| panic!("{code} is not in the journal"));
            assert_eq!(entry.status, "FINALIZING", "the intent is not on disk at the hook: {entry:?}");
            entry
        }
        KillPoint::InFlight => {
            counter.wait_for(mark, "Finalizando con Osigu", STEP);
            let entry = scratch.wait_for_journal(code, "FINALIZING", STEP, &counter);
            scratch.wait_for_log(r#"call="complete""#, STEP, &counter);
            // The request left as the line was written; the sandbox holds it for LATENCY_MS. Killing a second in
            // is well inside that window, whatever the machine's load.
            std::thread::sleep(Duration::from_millis(LATENCY_MS / 3));
            entry
        }
    };
    assert!(finalizing.idempotency_key.is_some(), "an intent without its key: {finalizing:?}");
    let id = Id::new(finalizing.dispensation_id.clone());
    let before = server.dispensation(&id);
    let expected = match point {
        KillPoint::BeforeRequest | KillPoint::InFlight => DispensationStatus::Started,
        KillPoint::AfterReply => DispensationStatus::Completed,
    };
    assert_eq!(before.status, expected, "the server at the kill point ({point:?})");

    counter.sigkill();
    // What the dead run left: an intent whose outcome the journal does not know.
    let left = scratch.journal_entry(code).expect("the journal survives the kill");
    assert_eq!(left.status, "FINALIZING", "the journal after the kill: {left:?}");
    Killed { sandbox, server, config, id, scratch }
}
