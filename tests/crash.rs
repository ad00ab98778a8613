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
    let journal = Journal::open(&scratch.data_dir().join(FILE_NAME), &mostrador::runtime::terminal_name())
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

/// A private directory per test: the configuration, the counter's data directory, an empty home, the pid file.
/// Removed when the test passes, kept (and named) when it fails.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Self {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("mostrador-crash-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("home")).expect("scratch directory");
        Self { dir }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn home(&self) -> PathBuf {
        self.dir.join("home")
    }

    fn log(&self) -> PathBuf {
        self.data_dir().join("mostrador.log")
    }

    /// The configuration pointing the counter at the standalone sandbox, readable by its owner only (else the
    /// binary warns about the secret in it).
    fn config(&self, base_url: &str) -> PathBuf {
        let path = self.dir.join("config.toml");
        let text = format!(
            "locale = \"es\"\n[osigu]\nenvironment = \"custom\"\nbase_url = \"{base_url}\"\nclient_id = \"{DEMO_CLIENT_ID}\"\n\
             client_secret = \"{DEMO_CLIENT_SECRET}\"\n[counter]\ninvoice_prefix = \"F001-\"\ndata_dir = \"{}\"\n",
            self.data_dir().display()
        );
        std::fs::write(&path, text).expect("configuration");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
        path
    }

    /// An environment with nothing of the developer's in it.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        let home = self.home();
        command
            .env_remove("MOSTRADOR_CONFIG")
            .env_remove("MOSTRADOR_CLIENT_SECRET")
            .env_remove("MOSTRADOR_LOG")
            .env_remove("MOSTRADOR_TEST_PAUSE")
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"));
        command
    }

    /// The first line of the counter's log containing `needle`, once written.
    fn wait_for_log(&self, needle: &str, limit: Duration, terminal: &Terminal) -> String {
        let began = Instant::now();
        loop {
            let log = std::fs::read_to_string(self.log()).unwrap_or_default();
            if let Some(line) = log.lines().find(|line| line.contains(needle)) {
                return line.to_owned();
            }
            if began.elapsed() > limit {
                panic!("no `{needle}` in the counter's log after {limit:?}\nlog:\n{log}\nscreen:\n{}", terminal.tail());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The journal's row for `code`, read beside the running counter (SQLite in WAL mode allows it).
    fn journal_entry(&self, code: &str) -> Option<Entry> {
        let path = self.data_dir().join(FILE_NAME);
        if !path.exists() {
            return None;
        }
        let journal = Journal::open(&path, "crash-test").expect("the journal opens");
        let entries = journal.dispensations(None, None).expect("the journal reads");
        let mut mine = entries.into_iter().filter(|entry| entry.code == code);
        let entry = mine.next();
        assert!(mine.next().is_none(), "{code} is more than once in the journal");
        entry
    }

    fn wait_for_journal(&self, code: &str, status: &str, limit: Duration, terminal: &Terminal) -> Entry {
        let began = Instant::now();
        loop {
            let entry = self.journal_entry(code);
            if let Some(entry) = entry.as_ref().filter(|entry| entry.status == status) {
                return entry.clone();
            }
            if began.elapsed() > limit {
                panic!(
                    "{code} is not {status} in the journal after {limit:?}: {entry:?}\nscreen:\n{}",
                    terminal.tail()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `mostrador journal export --csv`, parsed.
    fn export(&self, config: &Path) -> Vec<Row> {
        let output = self
            .command(BIN)
            .args(["journal", "export", "--csv"])
            .env("MOSTRADOR_CONFIG", config)
            .stdin(Stdio::null())
            .output()
            .expect("journal export runs");
        assert!(output.status.success(), "journal export failed: {}", String::from_utf8_lossy(&output.stderr));
        let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
        let header = reader.headers().expect("a header").clone();
        let column = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name} column"));
        let (code, status, id, claim, amount) =
            (column("code"), column("status"), column("dispensation_id"), column("claim_id"), column("amount"));
        reader
            .records()
            .map(|record| {
                let record = record.expect("a CSV row");
                let field = |i: usize| record.get(i).unwrap_or_default().to_owned();
                Row {
                    code: field(code),
                    status: field(status),
                    dispensation_id: field(id),
                    claim_id: field(claim),
                    amount: field(amount),
                }
            })
            .collect()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept for inspection: {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// One row of `journal export --csv`.
#[derive(Debug)]
struct Row {
    code: String,
    status: String,
    dispensation_id: String,
    claim_id: String,
    amount: String,
}

/// `mostrador sandbox serve` on a port of its own, killed with the test.
struct SandboxProcess {
    child: Child,
    base_url: String,
    /// Its log (debug: one line per request answered).
    log: PathBuf,
}

impl SandboxProcess {
    fn start(scratch: &Scratch, faults: &[String]) -> Self {
        let log = scratch.dir.join("sandbox.log");
        let mut command = scratch.command(BIN);
        command.args(["sandbox", "serve", "--addr", "127.0.0.1:0"]);
        for fault in faults {
            command.args(["--fault", fault]);
        }
        let child = command
            .env("MOSTRADOR_LOG", "mostrador=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("sandbox log"))
            .spawn()
            .expect("the sandbox starts");
        let mut sandbox = Self { child, base_url: String::new(), log };
        // Its first line says where it listens; the rest (its "SMS") is read and dropped so it never blocks.
        let stdout = sandbox.child.stdout.take().expect("stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = sender.send(first);
            }
            for _ in lines {}
        });
        let first = receiver
            .recv_timeout(STEP)
            .unwrap_or_else(|_| panic!("the sandbox did not say where it listens; its log:\n{}", sandbox.log_text()));
        let url = first.split_whitespace().find(|word| word.starts_with("http://"));
        sandbox.base_url = url.unwrap_or_else(|| panic!("no address in {first:?}")).to_owned();
        sandbox
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// How many `complete` requests it answered.
    fn completions_handled(&self) -> usize {
        self.log_text().lines().filter(|line| line.contains(" request") && line.contains("/complete")).count()
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The test's own client of the sandbox, asking it what it holds.
struct Server {
    runtime: tokio::runtime::Runtime,
    client: OsiguClient,
}

impl Server {
    fn new(base_url: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let options = ClientOptions::new(base_url.parse().expect("url"), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
        Self { runtime, client: OsiguClient::new(options).expect("client") }
    }

    fn dispensation(&self, id: &Id) -> Dispensation {
        self.runtime.block_on(self.client.dispensation(id)).unwrap_or_else(|error| panic!("GET {id}: {error}"))
    }

    fn list(&self, query: ListQuery) -> Vec<Dispensation> {
        let query = ListQuery { size: 200, ..query };
        let page = self.runtime.block_on(self.client.dispensations(&query)).unwrap_or_else(|e| panic!("list: {e}"));
        assert!(page.page.total_pages <= 1, "more dispensations than one page: {:?}", page.page);
        page.content
    }

    /// The one dispensation of `code`, COMPLETED, with each line claimed exactly as much as it delivered; and
    /// nothing STARTED anywhere.
    fn exactly_one_completion(&self, code: &str) -> Dispensation {
        let started = self.list(ListQuery { status: Some(DispensationStatus::Started), ..ListQuery::default() });
        assert!(started.is_empty(), "left STARTED on the server: {:?}", ids(&started));
        let all = self.list(ListQuery { code: Some(code.to_owned()), ..ListQuery::default() });
        assert_eq!(all.len(), 1, "{code} has other than one dispensation on the server: {:?}", ids(&all));
        let completed = self.dispensation(&all[0].dispensation_id);
        assert_eq!(completed.status, DispensationStatus::Completed, "{code} on the server: {completed:?}");
        let mut delivered = 0;
        for line in &completed.products {
            let units = line.quantity + line.substitute_quantity.unwrap_or(0);
            delivered += units;
            // Claimed over all dispensations of the code: one completion's units, not two.
            assert_eq!(line.claimed_quantity, Some(units), "{code} line {:?} claimed twice or not at all", line.id);
        }
        assert!(delivered > 0, "{code} completed with nothing delivered: {completed:?}");
        completed
    }
}

fn ids(dispensations: &[Dispensation]) -> Vec<String> {
    dispensations.iter().map(|d| format!("{} {:?}", d.dispensation_id, d.status)).collect()
}

/// The counter on a pseudo-terminal (`script`), with its screen collected as it is drawn.
struct Terminal {
    child: Child,
    stdin: Option<ChildStdin>,
    /// The counter's own pid (the shell `script` ran `exec`s it).
    pid: u32,
    screen: Arc<Mutex<Vec<u8>>>,
    name: String,
    /// Where the raw screen is saved when the test fails.
    keep: PathBuf,
}

impl Terminal {
    /// Starts the counter with `config`; `hook` arms a test hook (`MOSTRADOR_TEST_PAUSE`).
    fn start(scratch: &Scratch, config: &Path, hook: Option<&str>, name: &str) -> Self {
        let pid_file = scratch.dir.join(format!("{name}.pid"));
        let shell = format!("stty cols 100 rows 30 && echo $$ > '{}' && exec '{BIN}'", pid_file.display());
        let mut command = scratch.command("script");
        command
            .args(["-qefc", &shell, "/dev/null"])
            .env("MOSTRADOR_CONFIG", config)
            .env("MOSTRADOR_LOG", "mostrador=debug")
            .env("SHELL", "/bin/sh")
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(hook) = hook {
            command.env("MOSTRADOR_TEST_PAUSE", hook);
        }
        let mut child = command.spawn().expect("util-linux `script` runs (the test needs it for a terminal)");
        let screen = Arc::new(Mutex::new(Vec::new()));
        // Both streams are drained all along, so the program never blocks on a full pipe.
        let pipes: [Box<dyn Read + Send>; 2] =
            [Box::new(child.stdout.take().expect("stdout")), Box::new(child.stderr.take().expect("stderr"))];
        for mut pipe in pipes {
            let screen = Arc::clone(&screen);
            std::thread::spawn(move || {
                let mut buffer = [0_u8; 8192];
                while let Ok(n @ 1..) = pipe.read(&mut buffer) {
                    screen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(&buffer[..n]);
                }
            });
        }
        let stdin = child.stdin.take();
        let keep = scratch.dir.join(format!("{name}.screen"));
        let mut terminal = Self { child, stdin, pid: 0, screen, name: name.to_owned(), keep };
        let began = Instant::now();
        terminal.pid = loop {
            if let Some(pid) = std::fs::read_to_string(&pid_file).ok().and_then(|text| text.trim().parse().ok()) {
                break pid;
            }
            if began.elapsed() > STEP {
                panic!("the {name} counter did not start\n{}", terminal.tail());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        terminal
    }

    /// The screen bytes received so far: where to look for what a key brings.
    fn mark(&self) -> usize {
        self.screen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    /// Types `keys`; returns the mark before them.
    fn send(&mut self, keys: &str) -> usize {
        let mark = self.mark();
        let stdin = self.stdin.as_mut().expect("the terminal's input");
        stdin.write_all(keys.as_bytes()).and_then(|()| stdin.flush()).expect("keys reach the terminal");
        mark
    }

    /// What was drawn after `mark`, as text.
    fn drawn_since(&self, mark: usize) -> String {
        let screen = self.screen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        plain(&screen[mark.min(screen.len())..])
    }

    /// Waits until `text` is drawn after `mark`.
    fn wait_for(&self, mark: usize, text: &str, limit: Duration) {
        let began = Instant::now();
        loop {
            if self.drawn_since(mark).contains(text) {
                return;
            }
            if began.elapsed() > limit {
                panic!("`{text}` not on the {} counter's screen after {limit:?}\n{}", self.name, self.tail());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL to the counter itself (checked to be `mostrador`, not `script` or a shell), then waits for it to
    /// be gone.
    fn sigkill(&mut self) {
        let comm = std::fs::read_to_string(format!("/proc/{}/comm", self.pid)).unwrap_or_default();
        assert_eq!(comm.trim(), "mostrador", "pid {} is not the counter\n{}", self.pid, self.tail());
        kill(self.pid);
        let status = self.wait_exit(STEP);
        assert!(!status.success(), "the killed counter exited cleanly: {status}");
        assert!(!Path::new(&format!("/proc/{}", self.pid)).exists(), "the counter survived its SIGKILL");
    }

    /// Waits for `script` to end (it ends when the counter does).
    fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let began = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            if began.elapsed() > limit {
                panic!("the {} counter did not exit within {limit:?}\n{}", self.name, self.tail());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The last of the screen, escape sequences removed, for failure messages.
    fn tail(&self) -> String {
        let screen = self.screen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // From an escape sequence's start, not from the middle of one.
        let last = &screen[screen.len().saturating_sub(8000)..];
        let text = plain(last.iter().position(|&byte| byte == 0x1b).map_or(last, |at| &last[at..]));
        // Blank cells and jumps make long runs of spaces; three are enough to see where one ends.
        let text = text.split("    ").filter(|part| !part.is_empty()).collect::<Vec<_>>().join("   ");
        let chars: Vec<char> = text.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(2000)..].iter().collect();
        format!("--- the {} counter's screen, last {} characters ---\n{tail}", self.name, tail.chars().count())
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let screen = self.screen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = std::fs::write(&self.keep, &*screen);
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            if self.pid != 0 {
                kill(self.pid);
            }
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// SIGKILL to `pid`.
fn kill(pid: u32) {
    let _ = Command::new("kill").args(["-s", "KILL", &pid.to_string()]).status();
}

/// Terminal output as text: escape sequences dropped, a cursor move (a jump to another cell) as one space. What a
/// screen draws in one run of cells stays together, which is what the tests look for.
fn plain(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            if c >= ' ' || c == '\n' {
                out.push(c);
            }
            continue;
        }
        match chars.next() {
            // CSI: parameters, then one final byte.
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        if c == 'H' {
                            out.push(' ');
                        }
                        break;
                    }
                }
            }
            // OSC: up to BEL or ST.
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}
