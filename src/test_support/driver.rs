//! The counter's own event loop ([`crate::runtime::Counter`]), headless, for the flow tests, the screen tests,
//! the chaos test and the benches: the test feeds terminal events (keys, pastes, resizes) and signals into the
//! loop's input, the loop runs `update` and its effects through the real executor with the real HTTP client
//! against an embedded sandbox on 127.0.0.1:0 and the real journal, and draws into ratatui's `TestBackend`. The
//! loop's clock is a [`ManualClock`] that moves only when the test lets time pass, together with the sandbox's.
//!
//! Tests may still speak in messages ([`Driver::send`]`(Msg::Submit)`): each is turned into the key (or the
//! signal) the clerk (or the system) would send for it, through the keymap in use, and checked to mean that
//! message on the screen it lands on.

use std::net::SocketAddr;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::{FutureExt, Stream};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use time::OffsetDateTime;
use tokio::sync::{broadcast, mpsc};
use tui_input::InputRequest;

use super::ManualClock;
use crate::config::ScannerSection;
use crate::counter::{App, Msg, Settings};
use crate::i18n::Locale;
use crate::journal::{Journal, Place};
use crate::keymap::{Action, Chord};
use crate::osigu::client::{ClientOptions, OsiguClient};
use crate::osigu::endpoint::Environment;
use crate::runtime::{Capture, Counter, Executor, Handled, Signal, Wiring, key_msg};
use crate::sandbox::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, OutboxMessage, Sandbox, SandboxConfig};
use crate::ui::Chrome;

/// How long the counter may wait for one reply before a test fails (the sandbox answers in microseconds).
const REPLY_WAIT: Duration = Duration::from_secs(10);

/// What a test sends into the loop, as a stream.
pub struct Feed<T>(mpsc::UnboundedReceiver<T>);

impl<T> Stream for Feed<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.0.poll_recv(cx)
    }
}

/// The event loop as the tests run it.
pub type TestCounter = Counter<TestBackend, ManualClock, Feed<Event>, Feed<Signal>>;

/// The counter's event loop, the sandbox it talks to, and what the test feeds it.
pub struct Driver {
    counter: TestCounter,
    events: mpsc::UnboundedSender<Event>,
    signals: mpsc::UnboundedSender<Signal>,
    /// Kept so the loop's channel for the pharmacy's name stays open.
    _provider: mpsc::UnboundedSender<String>,
    clock: ManualClock,
    pub sandbox: Sandbox,
    /// The counter's clock: the sandbox's at the start, moved forward by [`Driver::wait`] instead of sleeping
    /// (and by the scanner's gap when keys are typed by hand).
    pub now: OffsetDateTime,
    /// The counter's journal, a real SQLite file in a directory of its own.
    pub journal: Journal,
    /// What the sandbox "sent" to beneficiaries (the OTPs they would read aloud).
    outbox: broadcast::Receiver<OutboxMessage>,
    _data_dir: DataDir,
}

/// The loop's state (`app`, `chrome`, `quit`, `effects`) reads through the driver.
impl Deref for Driver {
    type Target = TestCounter;

    fn deref(&self) -> &TestCounter {
        &self.counter
    }
}

/// A test that changes the loop's state from outside (the chrome's warnings) has the screen drawn again.
impl DerefMut for Driver {
    fn deref_mut(&mut self) -> &mut TestCounter {
        self.counter.changed = true;
        &mut self.counter
    }
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

/// A bearer token of the sandbox at `base_url` for its demo client, asked for over HTTP as any client would (for
/// the raw calls a test makes beside the counter: the sandbox's extras, an EHR registering a patient).
pub async fn demo_token(base_url: &str) -> String {
    let reply = crate::http::client_builder()
        .build()
        .expect("http client")
        .post(format!("{base_url}/v1/oauth/token"))
        .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    assert!(reply.status().is_success(), "token: HTTP {}", reply.status());
    let body: serde_json::Value = reply.json().await.expect("token JSON");
    body["access_token"].as_str().expect("access_token").to_owned()
}

/// A client of the sandbox at `base_url` with its demo credentials.
pub fn client(base_url: &str) -> OsiguClient {
    let mut options = ClientOptions::new(base_url.parse().expect("url"), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
    // The client's own retries wait in real time; the tests need their behaviour, not their 200 ms pauses.
    options.backoff = Duration::from_millis(5);
    OsiguClient::new(options).expect("client")
}

/// The client of the sandbox's POSOS stand-in at `base_url`, as a counter on the embedded sandbox has it.
pub fn posos(base_url: &str) -> crate::posos::PososClient {
    let base = reqwest::Url::parse(base_url).expect("url");
    let options =
        crate::config::PososSection::default().options(Some(&base), None).expect("options").expect("stand-in");
    crate::posos::PososClient::new(options).expect("POSOS client")
}

/// Where a driven counter keeps its journal, whom it talks to, and how its screen is.
pub struct Setup {
    /// The data directory (a fresh one under the system's temporary directory when `None`); it is removed with
    /// the driver only when the driver made it.
    pub data_dir: Option<PathBuf>,
    pub till: String,
    /// A base URL to talk to instead of the sandbox's (a proxy in front of it, another counter's sandbox).
    pub through: Option<String>,
    /// A sandbox already running (a proxy was put in front of it), instead of a fresh one.
    pub sandbox: Option<Sandbox>,
    /// The counter's language.
    pub locale: Locale,
    /// The terminal's size, columns × rows.
    pub size: (u16, u16),
    /// The receipt printer (settings must say how it prints: `Settings::printing`).
    pub printer: Option<crate::receipt::Printer>,
    /// The pharmacy's name, as the token would name it, sent to the loop at start.
    pub provider: Option<String>,
    /// How long a call must take to make the connection "slow" (the default when `None`).
    pub slow_after: Option<Duration>,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            data_dir: None,
            till: "caja-1".to_owned(),
            through: None,
            sandbox: None,
            locale: Locale::Es,
            size: (80, 24),
            printer: None,
            provider: None,
            slow_after: None,
        }
    }
}

/// What a message becomes on its way into the loop.
enum Fed {
    Event(Event),
    Signal(Signal),
}

impl Driver {
    /// A counter with `settings` on a sandbox configured by `config` (or the one `setup` brings), reading
    /// fingerprints with `capture`, with the journal and the server `setup` names; started (told its size, its
    /// sponsors and their rules loaded) and settled.
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
        let executor = executor.with_printer(setup.printer).with_posos(Some(posos(sandbox.base_url())));
        if let Some(slow) = setup.slow_after {
            executor.health().slow_after(slow);
        }
        let now = sandbox.clock().now();
        let clock = ManualClock::new(now);
        let (events, input) = mpsc::unbounded_channel();
        let (signals, signal_feed) = mpsc::unbounded_channel();
        let (provider_sender, provider) = mpsc::unbounded_channel();
        if let Some(slug) = setup.provider {
            provider_sender.send(slug).expect("the loop's provider feed is open");
        }
        let wiring = Wiring {
            input: Feed(input),
            signals: Feed(signal_feed),
            results,
            outbox: Some(sandbox.subscribe_outbox()),
            provider,
        };
        let chrome = Chrome::new(setup.locale, Environment::Sandbox, now.to_offset(settings.utc_offset));
        let (columns, rows) = setup.size;
        let viewport = Viewport::Fixed(Rect::new(0, 0, columns, rows));
        let screen =
            Terminal::with_options(TestBackend::new(columns, rows), TerminalOptions { viewport }).expect("screen");
        let app = App::new(settings, now);
        let mut counter =
            Counter::new(app, chrome, executor, screen, clock.clone(), wiring, &ScannerSection::default());
        counter.keep_effects();
        let outbox = sandbox.subscribe_outbox();
        let mut driver = Self {
            counter,
            events,
            signals,
            _provider: provider_sender,
            clock,
            sandbox,
            now,
            journal,
            outbox,
            _data_dir: DataDir(owned.then_some(data_dir)),
        };
        driver.counter.start();
        driver.settle().await;
        driver
    }

    /// Feeds one message (as its key, paste, resize or signal) and waits until nothing is in flight.
    pub async fn send(&mut self, msg: Msg) {
        self.feed(msg);
        self.settle().await;
    }

    /// Feeds one message and lets the loop handle it, without waiting for the replies its effects await.
    pub fn apply(&mut self, msg: Msg) {
        self.feed(msg);
        self.handle_fed();
    }

    /// Runs a reply the executor would send (a journal write's failure, say) through the core, as the loop does
    /// when one arrives: for drawing an outcome the tests make for real elsewhere, at a cost a snapshot should not
    /// pay.
    pub async fn reply(&mut self, msg: Msg) {
        self.counter.apply(msg);
        self.settle().await;
    }

    /// Sends a terminal event into the loop (handled at the next turn).
    pub fn push(&mut self, event: Event) {
        self.events.send(event).expect("the loop's input is open");
    }

    /// A key press, through the keymap, without waiting for the replies it asked for.
    pub fn press_only_key(&mut self, key: KeyEvent) {
        self.push(Event::Key(key));
        self.handle_fed();
    }

    /// Types `text` by hand: the keys reach the loop together, no terminator follows, so once the scanner's
    /// gap has passed they are typed one by one; then waits for what they started.
    pub async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.push(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        }
        self.settle().await;
    }

    /// A scan as a keyboard-wedge scanner sends it: the code's keys and Enter, in one burst.
    pub async fn scan(&mut self, code: &str) {
        for c in code.chars() {
            self.push(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        }
        self.push(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
        self.settle().await;
    }

    /// Runs the loop's turns until the input and signals fed so far are handled, replies not awaited. Keys the
    /// scanner holds are let through (the clock passes its gap).
    fn handle_fed(&mut self) {
        while let Some(handled) = self.ready_turn() {
            if matches!(handled, Handled::Input | Handled::Signal) {
                break;
            }
        }
        if let Some(gap_ends) = self.counter.scan_gap_ends() {
            self.pass_to(gap_ends);
            while let Some(handled) = self.ready_turn() {
                if handled == Handled::ScanGap {
                    break;
                }
            }
        }
    }

    /// One turn of the loop if something is ready for it now. Outside tokio's cooperative budget: the test's
    /// task runs many turns without yielding, and a spent budget would make ready timers and channels look
    /// empty.
    fn ready_turn(&mut self) -> Option<Handled> {
        tokio::task::unconstrained(self.counter.turn()).now_or_never()
    }

    /// Runs every turn that is ready now, without waiting.
    fn run_ready(&mut self) {
        let mut turns = 0;
        while let Some(handled) = self.ready_turn() {
            turns += 1;
            // A loop that never rests is a bug (a timer the core keeps in the past): fail rather than hang.
            assert!(
                turns < 10_000,
                "the loop never rests: {handled:?}, wake at {:?}, now {}, step {:?}",
                self.counter.app.wake_at(),
                self.now,
                self.counter.app.step
            );
        }
    }

    /// Lets the loop run until every awaited reply is applied and no key is held, so the next key meets a
    /// settled screen (drawn).
    pub async fn settle(&mut self) {
        loop {
            self.run_ready();
            if let Some(gap_ends) = self.counter.scan_gap_ends() {
                // Keys typed by hand: they reach the core once the scanner's gap has passed.
                self.pass_to(gap_ends);
                continue;
            }
            if !self.counter.app.busy() {
                return;
            }
            self.turn_within_reply_wait().await;
        }
    }

    /// Waits for the next reply and lets the loop apply it alone (to see the counter between two replies).
    pub async fn next_reply(&mut self) {
        while self.turn_within_reply_wait().await != Handled::Result {}
    }

    async fn turn_within_reply_wait(&mut self) -> Handled {
        match tokio::time::timeout(REPLY_WAIT, self.counter.turn()).await {
            Ok(handled) => handled,
            Err(_) => panic!("nothing within {REPLY_WAIT:?}; step: {:?}", self.counter.app.step),
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

    /// Lets `seconds` pass on both clocks (the counter's and the sandbox's); the loop fires each timer the core
    /// asked for on the way.
    pub async fn wait(&mut self, seconds: i64) {
        let until = self.now + time::Duration::seconds(seconds);
        self.settle().await;
        while let Some(at) = self.counter.app.wake_at().filter(|at| *at <= until) {
            self.pass_to(at);
            self.settle().await;
        }
        self.pass_to(until);
        self.settle().await;
    }

    /// Moves both clocks to `at` (never back).
    fn pass_to(&mut self, at: OffsetDateTime) {
        if at > self.now {
            self.sandbox.clock().advance((at - self.now).unsigned_abs());
            self.now = at;
            self.clock.set(at);
        }
    }

    /// The terminal is now `columns` × `rows` (as its resize event would say), handled at once.
    pub fn resize(&mut self, columns: u16, rows: u16) {
        self.counter.resize(columns, rows);
    }

    /// The screen as last drawn (drawn now if anything changed).
    pub fn backend(&mut self) -> &TestBackend {
        self.counter.draw();
        self.counter.screen().backend()
    }

    fn feed(&mut self, msg: Msg) {
        match self.input_for(msg) {
            Fed::Event(event) => self.push(event),
            Fed::Signal(signal) => self.signals.send(signal).expect("the loop's signals are open"),
        }
    }

    /// What the clerk or the system sends for `msg`. Only what reaches a counter from outside can be sent:
    /// replies come from the executor.
    fn input_for(&self, msg: Msg) -> Fed {
        let key = |code: KeyCode, modifiers: KeyModifiers| Fed::Event(Event::Key(KeyEvent::new(code, modifiers)));
        let ctrl = KeyModifiers::CONTROL;
        let none = KeyModifiers::NONE;
        let action = match &msg {
            Msg::Quit => return Fed::Signal(Signal::Terminate),
            Msg::Paste(text) => return Fed::Event(Event::Paste(text.clone())),
            // What a scanner's burst becomes in the input layer; [`Driver::scan`] sends the burst itself.
            Msg::Scan(code) => return Fed::Event(Event::Paste(format!("{code}\n"))),
            Msg::Resized { columns, rows } => return Fed::Event(Event::Resize(*columns, *rows)),
            Msg::Interrupt => return key(KeyCode::Char('c'), ctrl),
            Msg::Edit(request) => {
                return match request {
                    InputRequest::InsertChar(c) => key(KeyCode::Char(*c), none),
                    InputRequest::DeletePrevChar => key(KeyCode::Backspace, none),
                    InputRequest::DeleteNextChar => key(KeyCode::Delete, none),
                    InputRequest::DeleteLine => key(KeyCode::Char('u'), ctrl),
                    InputRequest::DeletePrevWord => key(KeyCode::Char('w'), ctrl),
                    InputRequest::GoToPrevChar => key(KeyCode::Left, none),
                    InputRequest::GoToNextChar => key(KeyCode::Right, none),
                    InputRequest::GoToPrevWord => key(KeyCode::Left, ctrl),
                    InputRequest::GoToNextWord => key(KeyCode::Right, ctrl),
                    InputRequest::GoToStart => key(KeyCode::Home, none),
                    InputRequest::GoToEnd => key(KeyCode::End, none),
                    other => panic!("no key edits a field with {other:?}"),
                };
            }
            Msg::Submit => Action::Continue,
            Msg::Back => Action::Back,
            Msg::Help => Action::Help,
            Msg::NewCode => Action::NewCode,
            Msg::History => Action::History,
            Msg::Settlements => Action::Settlements,
            Msg::Refresh => Action::Refresh,
            Msg::Export => Action::Export,
            Msg::Print => Action::Print,
            Msg::SignOut => Action::SignOut,
            Msg::PaperPrescription => Action::PaperPrescription,
            Msg::Substitute => Action::Substitute,
            Msg::Resend => Action::Resend,
            Msg::SwitchChannel => Action::SwitchChannel,
            Msg::Reveal => Action::Reveal,
            Msg::Details => Action::Details,
            Msg::Finalize => Action::Finalize,
            Msg::NextField => Action::NextField,
            Msg::PrevField => Action::PrevField,
            Msg::Up => Action::Up,
            Msg::Down => Action::Down,
            Msg::PageUp => Action::PageUp,
            Msg::PageDown => Action::PageDown,
            Msg::Increase => Action::Increase,
            Msg::Decrease => Action::Decrease,
            other => panic!("{other:?} does not come from a clerk or a terminal: the loop makes it"),
        };
        let keymap = &self.counter.chrome.keymap;
        // The action's default key, checked below to mean the message with the keymap in use.
        let chord = action
            .default_keys()
            .first()
            .and_then(|text| Chord::parse(text).ok())
            .unwrap_or_else(|| panic!("no key for {}", action.name()));
        let event = KeyEvent::new(chord.code, chord.modifiers);
        let means = key_msg(keymap, &event, self.counter.app.typing());
        assert!(
            means.as_ref().is_some_and(|means| std::mem::discriminant(means) == std::mem::discriminant(&msg)),
            "{} ({chord}) means {means:?} on {:?}, not {msg:?}",
            action.name(),
            self.counter.app.step
        );
        Fed::Event(Event::Key(event))
    }
}
