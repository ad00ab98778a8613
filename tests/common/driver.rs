//! The counter without a terminal, shared by the flow tests, the screen tests and the render bench: the real
//! core (`counter::update`) fed messages, its effects run by the real executor with the real HTTP client against
//! an embedded sandbox on 127.0.0.1:0, and a clock of its own that moves the sandbox's with it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use mostrador::counter::{App, Effect, Msg, Settings, update};
use mostrador::journal::{Journal, Place};
use mostrador::osigu::client::{ClientOptions, OsiguClient};
use mostrador::runtime::{Capture, Control, Executor};
use mostrador::sandbox::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, OutboxMessage, Sandbox, SandboxConfig};
use time::OffsetDateTime;
use tokio::sync::{broadcast, mpsc};

/// How long the counter may wait for one reply before a test fails (the sandbox answers in microseconds).
const REPLY_WAIT: Duration = Duration::from_secs(10);

/// A counter and the sandbox it talks to.
pub struct Driver {
    pub app: App,
    pub executor: Executor,
    results: mpsc::UnboundedReceiver<Msg>,
    pub sandbox: Sandbox,
    /// The counter's clock: the sandbox's at the start, moved forward by [`Driver::wait`] instead of sleeping.
    pub now: OffsetDateTime,
    /// The core let the program exit.
    pub quit: bool,
    /// Every effect the core asked for, in order.
    pub effects: Vec<Effect>,
    /// The counter's journal, a real SQLite file in a directory of its own.
    pub journal: Journal,
    /// What the sandbox "sent" to beneficiaries (the OTPs they would read aloud).
    outbox: broadcast::Receiver<OutboxMessage>,
    _data_dir: DataDir,
}

/// The journal's directory, removed with the driver when the driver made it.
struct DataDir(Option<PathBuf>);

impl Drop for DataDir {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A name no other test (or test run) uses.
pub fn unique() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{}-{n}", std::process::id(), OffsetDateTime::now_utc().unix_timestamp_nanos())
}

/// A client of the sandbox at `base_url` with its demo credentials.
pub fn client(base_url: &str) -> OsiguClient {
    let mut options = ClientOptions::new(base_url.parse().expect("url"), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
    // The client's own retries wait in real time; the tests need their behaviour, not their 200 ms pauses.
    options.backoff = Duration::from_millis(5);
    OsiguClient::new(options).expect("client")
}

/// Where a driven counter keeps its journal and whom it talks to.
pub struct Setup {
    /// The data directory (a fresh one under the system's temporary directory when `None`); it is removed with
    /// the driver only when the driver made it.
    pub data_dir: Option<PathBuf>,
    pub till: String,
    /// A base URL to talk to instead of the sandbox's (a proxy in front of it, another counter's sandbox).
    pub through: Option<String>,
    /// A sandbox already running (a proxy was put in front of it), instead of a fresh one.
    pub sandbox: Option<Sandbox>,
    /// The receipt printer (settings must say how it prints: `Settings::printing`).
    pub printer: Option<mostrador::receipt::Printer>,
}

impl Default for Setup {
    fn default() -> Self {
        Self { data_dir: None, till: "caja-1".to_owned(), through: None, sandbox: None, printer: None }
    }
}

impl Driver {
    /// A counter with `settings` on a sandbox configured by `config` (or the one `setup` brings), reading
    /// fingerprints with `capture`, with the journal and the server `setup` names; opened (sponsors and their
    /// rules loaded) and settled.
    pub async fn start_with(config: SandboxConfig, capture: Capture, settings: Settings, setup: Setup) -> Self {
        let sandbox = match setup.sandbox {
            Some(sandbox) => sandbox,
            None => Sandbox::start(config, SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("sandbox"),
        };
        let owned = setup.data_dir.is_none();
        let data_dir =
            setup.data_dir.unwrap_or_else(|| std::env::temp_dir().join(format!("mostrador-test-{}", unique())));
        let journal = Journal::in_dir(&data_dir, &Place::new("caja-test", setup.till)).expect("journal");
        let base_url = setup.through.unwrap_or_else(|| sandbox.base_url().to_owned());
        let (executor, results) = Executor::new(client(&base_url), capture, journal.clone());
        let executor = executor.with_printer(setup.printer);
        let now = sandbox.clock().now();
        let sandbox_outbox = sandbox.subscribe_outbox();
        let mut driver = Self {
            app: App::new(settings, now),
            executor,
            results,
            sandbox,
            now,
            quit: false,
            effects: Vec::new(),
            journal,
            outbox: sandbox_outbox,
            _data_dir: DataDir(owned.then_some(data_dir)),
        };
        driver.send(Msg::Opened).await;
        driver
    }

    /// Feeds one message and runs what it asks for, then waits until nothing is in flight.
    pub async fn send(&mut self, msg: Msg) {
        self.apply(msg);
        self.settle().await;
    }

    /// Feeds one message and starts its effects, without waiting for their replies.
    pub fn apply(&mut self, msg: Msg) {
        for effect in update(&mut self.app, msg, self.now) {
            self.effects.push(effect.clone());
            if self.executor.run(effect) == Control::Quit {
                self.quit = true;
            }
        }
    }

    /// Waits for every awaited reply (and applies it), so the next key meets a settled screen.
    pub async fn settle(&mut self) {
        loop {
            while let Ok(msg) = self.results.try_recv() {
                self.apply(msg);
            }
            if !self.app.busy() {
                return;
            }
            self.next_reply().await;
        }
    }

    /// Waits for the next reply and applies it alone (to see the counter between two replies).
    pub async fn next_reply(&mut self) {
        match tokio::time::timeout(REPLY_WAIT, self.results.recv()).await {
            Ok(Some(msg)) => self.apply(msg),
            Ok(None) => panic!("the executor's channel closed"),
            Err(_) => panic!("no reply within {REPLY_WAIT:?}; step: {:?}", self.app.step),
        }
    }

    /// Every message the sandbox sent since the last call, oldest first.
    pub fn drain_outbox(&mut self) -> Vec<OutboxMessage> {
        let mut messages = Vec::new();
        loop {
            match self.outbox.try_recv() {
                Ok(message) => messages.push(message),
                Err(broadcast::error::TryRecvError::Lagged(_)) => {}
                Err(_) => return messages,
            }
        }
    }

    /// Lets `seconds` pass on both clocks (the counter's and the sandbox's), firing each timer on the way.
    pub async fn wait(&mut self, seconds: i64) {
        let until = self.now + time::Duration::seconds(seconds);
        while let Some(at) = self.app.wake_at().filter(|at| *at <= until) {
            self.pass_to(at);
            self.send(Msg::Tick).await;
        }
        self.pass_to(until);
    }

    fn pass_to(&mut self, at: OffsetDateTime) {
        if at > self.now {
            self.sandbox.clock().advance((at - self.now).unsigned_abs());
            self.now = at;
        }
    }
}
