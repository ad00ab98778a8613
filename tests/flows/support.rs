//! A headless counter: the real core (`counter::update`) driven by messages, its effects run by the real
//! executor with the real HTTP client, against the embedded sandbox on 127.0.0.1:0. Tests type and press keys
//! as the clerk would and then ask the server, not the core, what happened.

use std::net::SocketAddr;
use std::time::Duration;

use mostrador::counter::{App, Effect, Msg, Problem, ProblemKind, Settings, Step, Verify, update};
use mostrador::osigu::client::{ClientOptions, OsiguClient};
use mostrador::osigu::model::{Dispensation, DispensationStatus, Id};
use mostrador::runtime::{Capture, Control, Executor, InvoiceBook};
use mostrador::sandbox::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, OutboxMessage, Sandbox, SandboxConfig};
use time::OffsetDateTime;
use tokio::sync::{broadcast, mpsc};
use tui_input::InputRequest;

/// How long the counter may wait for one reply before a test fails (the sandbox answers in microseconds).
const REPLY_WAIT: Duration = Duration::from_secs(10);

pub struct Counter {
    pub app: App,
    pub executor: Executor,
    results: mpsc::UnboundedReceiver<Msg>,
    pub sandbox: Sandbox,
    /// A second client, for asking the server what it holds (the counter's own client is the executor's).
    pub server: OsiguClient,
    outbox: broadcast::Receiver<OutboxMessage>,
    /// The counter's clock: real time at the start, moved forward by [`Counter::tick`] instead of sleeping.
    pub now: OffsetDateTime,
    pub quit: bool,
    /// Every effect the core asked for, in order.
    pub effects: Vec<Effect>,
    data_dir: std::path::PathBuf,
}

/// A name no other test (or test run) uses.
pub fn unique() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{}-{n}", std::process::id(), OffsetDateTime::now_utc().unix_timestamp_nanos())
}

pub fn client(base_url: &str) -> OsiguClient {
    let options = ClientOptions::new(base_url.parse().expect("url"), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
    OsiguClient::new(options).expect("client")
}

impl Counter {
    /// A counter on a fresh sandbox whose facial checks wait for the phone's answer. The sandbox's clock is
    /// frozen and moves only with the counter's ([`Counter::wait`]), so both always agree.
    pub async fn open() -> Self {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).expect("whole second");
        let clock = mostrador::sandbox::Clock::frozen_at(now);
        Self::open_with(SandboxConfig {
            clock,
            remote_auto_approve: None,
            id_seed: Some(11),
            ..SandboxConfig::default()
        })
        .await
    }

    pub async fn open_with(config: SandboxConfig) -> Self {
        Self::open_with_capture(config, Capture::Sandbox).await
    }

    pub async fn open_with_capture(config: SandboxConfig, capture: Capture) -> Self {
        let sandbox = Sandbox::start(config, SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("sandbox");
        let data_dir = std::env::temp_dir().join(format!("mostrador-flows-{}", unique()));
        let (executor, results) = Executor::new(client(sandbox.base_url()), capture, InvoiceBook::in_dir(&data_dir));
        let settings = Settings { invoice_prefix: "F001-".to_owned(), key_nonce: unique(), ..Settings::default() };
        let now = sandbox.clock().now();
        let mut counter = Self {
            app: App::new(settings, now),
            executor,
            results,
            server: client(sandbox.base_url()),
            outbox: sandbox.subscribe_outbox(),
            sandbox,
            now,
            quit: false,
            effects: Vec::new(),
            data_dir,
        };
        counter.send(Msg::Opened).await;
        counter
    }

    /// Feeds one message and runs what it asks for, then waits until nothing is in flight.
    pub async fn send(&mut self, msg: Msg) {
        self.apply(msg);
        self.settle().await;
    }

    fn apply(&mut self, msg: Msg) {
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
            match tokio::time::timeout(REPLY_WAIT, self.results.recv()).await {
                Ok(Some(msg)) => self.apply(msg),
                Ok(None) => panic!("the executor's channel closed"),
                Err(_) => panic!("no reply within {REPLY_WAIT:?}; step: {:?}", self.app.step),
            }
        }
    }

    /// Types text into the focused field, one key at a time.
    pub async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.send(Msg::Edit(InputRequest::InsertChar(c))).await;
        }
    }

    /// A scan: the code, then Enter (the way a keyboard-wedge scanner sends it).
    pub async fn scan(&mut self, code: &str) {
        self.type_text(code).await;
        self.send(Msg::Submit).await;
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
            let step = (at - self.now).unsigned_abs();
            self.sandbox.clock().advance(step);
            self.now = at;
        }
    }

    /// The last OTP the sandbox "sent" (its outbox), as the beneficiary would read it aloud.
    pub async fn last_otp(&mut self) -> OutboxMessage {
        let mut last = None;
        loop {
            match self.outbox.try_recv() {
                Ok(message) => last = Some(message),
                Err(broadcast::error::TryRecvError::Lagged(_)) => {}
                Err(_) => break,
            }
        }
        last.expect("an OTP in the sandbox's outbox")
    }

    /// The problem on screen (panics when there is none).
    pub fn problem(&self) -> &Problem {
        self.app.problem.as_ref().unwrap_or_else(|| panic!("no problem on screen; step: {:?}", self.app.step))
    }

    pub fn problem_kind(&self) -> &ProblemKind {
        &self.problem().kind
    }

    /// The dispensation on screen.
    pub fn dispensation_id(&self) -> Id {
        self.app.active.as_ref().expect("a dispensation in progress").id().clone()
    }

    /// The completed dispensation on the Done screen.
    pub fn done(&self) -> &Dispensation {
        match &self.app.step {
            Step::Done(done) => &done.dispensation,
            other => panic!("not on Done: {other:?} (problem: {:?})", self.app.problem),
        }
    }

    pub fn verify(&self) -> &Verify {
        match &self.app.step {
            Step::Verify(verify) => verify,
            other => panic!("not verifying: {other:?} (problem: {:?})", self.app.problem),
        }
    }

    pub fn on_review(&self) -> bool {
        matches!(self.app.step, Step::Review(_))
    }

    /// F10 on review, then Enter on finalize (the invoice number is the terminal's next).
    pub async fn finalize(&mut self) {
        assert!(self.on_review(), "not on review: {:?} (problem: {:?})", self.app.step, self.app.problem);
        self.send(Msg::Finalize).await;
        assert!(matches!(self.app.step, Step::Finalize(_)), "not on finalize: {:?}", self.app.problem);
        self.send(Msg::Submit).await;
    }

    /// Asks the server for a dispensation.
    pub async fn server_dispensation(&self, id: &Id) -> Dispensation {
        self.server.dispensation(id).await.expect("GET dispensation")
    }

    /// Asserts the server holds `id` COMPLETED and returns it.
    pub async fn assert_completed_on_server(&self, id: &Id) -> Dispensation {
        let dispensation = self.server_dispensation(id).await;
        assert_eq!(dispensation.status, DispensationStatus::Completed, "server state of {id}");
        dispensation
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
