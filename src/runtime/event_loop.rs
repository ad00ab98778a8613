//! The counter's event loop: terminal input, effect results, the sandbox's outbox and signals in; `update`;
//! a draw only when something changed. No frame rate and no idle tick: a timer is armed only while the core
//! asks for one (a countdown, a poll), for the status bar's clock at the turn of each minute, and for the
//! scanner's gap while keys that may be a scan are held.
//!
//! The loop is generic over the screen (any ratatui backend that hears of resizes, [`Surface`]), the input (any
//! stream of crossterm events), the signals and the clock: [`run_counter`] wires the terminal (crossterm's
//! events, [`Wire`] on standard output, the system clock, SIGTERM and SIGHUP), and the tests run this very
//! loop on ratatui's `TestBackend`, events they send and a clock they move (`test_support`).

use crossterm::event::{Event, EventStream};
use futures_util::{FutureExt, Stream, StreamExt};
use ratatui::Terminal;
use ratatui::layout::Rect;
use time::{OffsetDateTime, UtcOffset};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{broadcast, mpsc};

use super::clock::{Clock, SystemClock};
use super::connect::{ConnectError, Connection, connect};
use super::executor::{Control, Executor};
use super::input::{Input, Scanner, key_msg};
use super::wire::Surface;
use crate::config::{Config, ConfigError, ConfigWarning, ScannerSection};
use crate::counter::{App, Effect, Msg, Settings, Toast, update};
use crate::journal::{Journal, Place};
use crate::sandbox::OutboxMessage;
use crate::terminal;
use crate::ui::{self, Chrome};

/// How long a quit may wait for the server to confirm a cancel before the program exits anyway.
const QUIT_GRACE: time::Duration = time::Duration::seconds(10);

/// How long a signal (SIGTERM, SIGHUP, a closed terminal) lets the counter learn a completion's outcome before it
/// exits anyway, leaving the journal's FINALIZING for the next start: within the 10 s that `docker stop` and most
/// service managers give before SIGKILL (systemd gives 90 s).
const SIGNAL_GRACE: time::Duration = time::Duration::seconds(8);

/// Why the counter could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
    #[error(transparent)]
    Till(#[from] super::till::TillError),
    #[error("the terminal cannot be used: {0}")]
    Terminal(#[from] std::io::Error),
}

/// A signal the loop heeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGTERM: stop, with a bounded wait.
    Terminate,
    /// SIGHUP: the terminal is gone; stop, with a bounded wait, drawing nothing more.
    Hangup,
}

/// The POSOS client paper prescriptions use: `[posos]` with its token from the environment, or the embedded
/// sandbox's stand-in; none (paper prescriptions not offered) when neither is there or it cannot be set up.
fn posos_client(config: &Config, sandbox: Option<&crate::sandbox::Sandbox>) -> Option<crate::posos::PososClient> {
    let embedded = sandbox.and_then(|sandbox| reqwest::Url::parse(sandbox.base_url()).ok());
    let options = match config.posos.options(embedded.as_ref(), crate::config::posos_token_from_env()) {
        Ok(options) => options?,
        Err(error) => {
            tracing::warn!(error = %error, "paper prescriptions are off");
            return None;
        }
    };
    crate::posos::PososClient::new(options)
        .inspect_err(|error| tracing::warn!(error = %error, "paper prescriptions are off"))
        .ok()
}

/// Opens the counter on the configured server (the embedded sandbox by default) and runs it until the clerk
/// quits or the terminal goes away. `offset` is the counter's local time offset, read before threads started;
/// `warnings` about the configuration are shown on the first screen (see [`Chrome::config_warnings`]).
pub async fn run_counter(config: &Config, warnings: &[ConfigWarning], offset: UtcOffset) -> Result<(), RunError> {
    run_counter_on(config, warnings, offset, false).await
}

/// [`run_counter`], opening on the settlements screen when `settlements` is set (`mostrador settlements`: the
/// same screen Ctrl-L opens, on a counter of its own).
pub async fn run_counter_on(
    config: &Config,
    warnings: &[ConfigWarning],
    offset: UtcOffset,
    settlements: bool,
) -> Result<(), RunError> {
    let data_dir = config.data_dir()?;
    // The till first: a second counter on the same till must not touch the journal the first one writes.
    let till = super::till::claim(&data_dir, config.counter.till.as_deref())?;
    let journal = Journal::in_dir(&data_dir, &Place::new(terminal_name(), till.name()))?;
    import_invoice_counter(&journal, &data_dir, &config.counter.invoice_prefix);
    // With clerks configured the counter opens on the sign-in; without, it runs as it always has.
    let clerks = journal.any_enabled_clerk()?;
    let connection = connect(config).await?;
    let Connection { client, environment, sandbox, capture } = connection;
    // Before the counter opens: whatever this till left unfinished is settled with the server.
    let recovered = super::recovery::recover(&journal, &client).await;
    let (executor, results) = Executor::new(client.clone(), capture, journal);
    let posos = posos_client(config, sandbox.as_ref());
    let paper = posos.is_some();
    let executor = executor.with_printer(config.receipt.printer()).with_posos(posos);

    let clock = SystemClock::new();
    let mut chrome = Chrome::new(config.locale, environment, clock.now().to_offset(offset));
    chrome.keymap = config.keymap().clone();
    chrome.till = Some(till.name().to_owned());
    let warnings = warnings.to_vec();
    let (provider_sender, provider) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        // The token the first call fetches anyway names the pharmacy; this only waits for it.
        if let Ok(info) = client.token_info().await
            && let Some(slug) = info.provider_slug
        {
            let _ = provider_sender.send(slug);
        }
    });
    let settings = Settings {
        invoice_prefix: config.counter.invoice_prefix.clone(),
        key_nonce: ulid::Ulid::generate().to_string().to_ascii_lowercase(),
        utc_offset: offset,
        locale: config.locale,
        till: till.name().to_owned(),
        printing: config.receipt.printer.as_ref().map(|_| crate::counter::Printing {
            width: config.receipt.width,
            auto: config.receipt.auto_print,
            header: config.receipt.header.clone(),
        }),
        require_pack_scan: config.counter.require_pack_scan,
        clerks,
        lock_after: config.counter.lock_after(),
        open_settlements: settlements,
        paper,
    };
    let mut app = App::new(settings, clock.now());
    app.recovered = recovered;
    // Shown on the first screen: printed on stderr they would vanish under it.
    app.session.surroundings.warnings = warnings;
    let wiring = Wiring {
        input: terminal_events(),
        signals: signals()?,
        results,
        outbox: sandbox.as_ref().map(crate::sandbox::Sandbox::subscribe_outbox),
        provider,
    };

    let (guard, screen) = terminal::enter()?;
    let mut counter = Counter::new(app, chrome, executor, screen, clock, wiring, &config.scanner);
    let outcome = counter.run().await;
    drop(counter);
    // The terminal is restored before the sandbox stops.
    drop(guard);
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    drop(till);
    outcome
}

/// An earlier build kept each terminal's last invoice number in `invoice-counter`: the journal's series goes on
/// after it, once, and the file is renamed so it is never read again.
fn import_invoice_counter(journal: &Journal, data_dir: &std::path::Path, prefix: &str) {
    let path = data_dir.join("invoice-counter");
    let Ok(text) = std::fs::read_to_string(&path) else { return };
    let last = text.trim().parse().unwrap_or(0);
    match journal.import_invoice_counter(prefix, last) {
        Ok(imported) => {
            tracing::info!(imported, last, "the old invoice counter was taken over by the journal");
            let _ = std::fs::rename(&path, data_dir.join("invoice-counter.imported"));
        }
        Err(error) => tracing::warn!(error = %error, "the old invoice counter could not be taken over"),
    }
}

/// What flows into the loop from outside.
pub struct Wiring<I, S> {
    /// The terminal's events; its end means the terminal is gone.
    pub input: I,
    /// Signals; a stream that never yields when nobody sends any.
    pub signals: S,
    /// The executor's results.
    pub results: mpsc::UnboundedReceiver<Msg>,
    /// The embedded sandbox's outbox (the OTPs it "sent"), for the toast.
    pub outbox: Option<broadcast::Receiver<OutboxMessage>>,
    /// The pharmacy's name, once the token names it.
    pub provider: mpsc::UnboundedReceiver<String>,
}

/// What one turn of the loop handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handled {
    /// A result of an effect.
    Result,
    /// A signal.
    Signal,
    /// Terminal input (every event that was ready), or its end.
    Input,
    /// The scanner's gap ran out: the keys it held are typed.
    ScanGap,
    /// A message of the sandbox's outbox.
    Outbox,
    /// The pharmacy's name.
    Provider,
    /// A timer: the core's, or the status bar's minute.
    Timer,
    /// Quitting waited long enough.
    GaveUp,
}

/// Every effect the core asked for, kept only when asked ([`Counter::keep_effects`]): the tests read it, the
/// counter keeps nothing.
#[derive(Debug, Default)]
pub struct EffectLog(Option<Vec<Effect>>);

impl std::ops::Deref for EffectLog {
    type Target = [Effect];

    fn deref(&self) -> &[Effect] {
        self.0.as_deref().unwrap_or_default()
    }
}

/// The running counter: its state, its screen, and what it listens to.
pub struct Counter<B: Surface, C: Clock, I, S> {
    /// The core's state.
    pub app: App,
    /// What the screen shows around it.
    pub chrome: Chrome,
    /// The core said everything is settled: the program may exit.
    pub quit: bool,
    /// Every effect the core asked for, when kept.
    pub effects: EffectLog,
    /// Something on screen may differ from the last draw.
    pub changed: bool,
    executor: Executor,
    screen: Terminal<B>,
    clock: C,
    wiring: Wiring<I, S>,
    scanner: Scanner,
    /// When the core began quitting.
    quitting_since: Option<OffsetDateTime>,
    /// The quit came from a signal or a closed terminal (nobody left to ask): its wait is bounded.
    signalled: bool,
    /// The terminal is gone: nothing more is drawn or read.
    terminal_gone: bool,
}

impl<B, C, I, S> Counter<B, C, I, S>
where
    B: Surface,
    C: Clock,
    I: Stream<Item = Event> + Unpin,
    S: Stream<Item = Signal> + Unpin,
{
    /// A counter on `screen` (a fixed viewport: its size changes only with resize events), not started yet.
    pub fn new(
        app: App,
        chrome: Chrome,
        executor: Executor,
        screen: Terminal<B>,
        clock: C,
        wiring: Wiring<I, S>,
        scanner: &ScannerSection,
    ) -> Self {
        Self {
            app,
            chrome,
            quit: false,
            effects: EffectLog::default(),
            changed: true,
            executor,
            screen,
            clock,
            wiring,
            scanner: Scanner::new(scanner.clone()),
            quitting_since: None,
            signalled: false,
            terminal_gone: false,
        }
    }

    /// Keeps every effect from now on in [`Counter::effects`].
    pub fn keep_effects(&mut self) {
        self.effects.0.get_or_insert_with(Vec::new);
    }

    /// The screen.
    pub fn screen(&self) -> &Terminal<B> {
        &self.screen
    }

    /// The loop's clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// When the keys the scanner holds are typed, if it holds any.
    pub fn scan_gap_ends(&self) -> Option<OffsetDateTime> {
        self.scanner.deadline()
    }

    /// Runs until the core lets the program exit (or quitting waited long enough).
    pub async fn run(&mut self) -> Result<(), RunError> {
        self.start();
        while !self.quit {
            self.turn().await;
        }
        Ok(())
    }

    /// Tells the core the screen's size and that the counter has opened.
    pub fn start(&mut self) {
        let area = self.screen.get_frame().area();
        self.apply(Msg::Resized { columns: area.width, rows: area.height });
        self.apply(Msg::Opened);
    }

    /// One turn: draws if something changed, then waits for the first thing to happen and handles it.
    pub async fn turn(&mut self) -> Handled {
        self.draw();
        let wake = self.next_wake();
        let gap = self.scanner.deadline();
        let give_up = if self.quit { None } else { self.give_up_at() };
        // One timer for whichever comes first: each armed timer costs wake-ups of its own.
        let alarm = [wake, gap, give_up].into_iter().flatten().min();
        let clock = &self.clock;
        let wiring = &mut self.wiring;
        let terminal_gone = self.terminal_gone;
        let handled = tokio::select! {
            biased;
            Some(msg) = wiring.results.recv() => {
                self.apply(msg);
                Handled::Result
            }
            Some(signal) = wiring.signals.next() => {
                if signal == Signal::Hangup {
                    self.terminal_gone = true;
                }
                self.signal();
                Handled::Signal
            }
            event = wiring.input.next(), if !terminal_gone => {
                match event {
                    Some(event) => {
                        self.on_event(event);
                        // A scanner's burst arrives as many keys at once: take them all, then draw once.
                        while let Some(Some(event)) = self.wiring.input.next().now_or_never() {
                            self.on_event(event);
                        }
                    }
                    None => {
                        self.terminal_gone = true;
                        self.signal();
                    }
                }
                Handled::Input
            }
            Some(message) = next_outbox(&mut wiring.outbox) => {
                self.apply(Msg::SandboxSent(Toast { channel: message.channel, code: message.code }));
                Handled::Outbox
            }
            Some(slug) = wiring.provider.recv() => {
                self.apply(Msg::Provider(slug));
                Handled::Provider
            }
            () = sleep_until(clock, alarm) => self.alarm(gap, give_up),
        };
        handled
    }

    /// The turn's timer rang: the scanner's gap, quitting's patience, or the core's timer or the minute.
    fn alarm(&mut self, gap: Option<OffsetDateTime>, give_up: Option<OffsetDateTime>) -> Handled {
        let now = self.clock.now();
        if gap.is_some_and(|gap| gap <= now) {
            for input in self.scanner.expire(now) {
                self.on_input(input);
            }
            return Handled::ScanGap;
        }
        if give_up.is_some_and(|give_up| give_up <= now) {
            if self.app.outcome_in_doubt() {
                tracing::warn!("quitting with a completion's outcome unknown: the next start confirms it");
            } else {
                tracing::warn!("quitting without the server's confirmation of the cancel");
            }
            self.quit = true;
            return Handled::GaveUp;
        }
        if self.app.wake_at().is_some_and(|at| at <= now) {
            self.apply(Msg::Tick);
        }
        // The clock turned a minute (or a countdown moved).
        self.changed = true;
        Handled::Timer
    }

    /// Draws the screen if something on it may have changed since the last draw.
    pub fn draw(&mut self) {
        if !self.changed || self.terminal_gone {
            return;
        }
        self.changed = false;
        self.chrome.now = self.clock.now().to_offset(self.chrome.offset());
        let (app, chrome) = (&self.app, &self.chrome);
        if self.screen.draw(|frame| ui::render(frame, app, chrome)).is_err() {
            // Nowhere to draw (the SSH session dropped): leave as a signal would.
            self.terminal_gone = true;
            self.signal();
        }
    }

    fn on_event(&mut self, event: Event) {
        let now = self.clock.now();
        for input in self.scanner.event(event, now) {
            self.on_input(input);
        }
    }

    fn on_input(&mut self, input: Input) {
        match input {
            Input::Scan(code) => self.apply(Msg::Scan(code)),
            Input::Event(Event::Key(key)) => {
                if let Some(msg) = key_msg(&self.chrome.keymap, &key, self.app.typing()) {
                    self.apply(msg);
                }
            }
            Input::Event(Event::Paste(text)) => self.apply(Msg::Paste(text)),
            Input::Event(Event::Resize(columns, rows)) => self.resize(columns, rows),
            Input::Event(Event::FocusGained | Event::FocusLost | Event::Mouse(_)) => {}
        }
    }

    /// The terminal is now `columns` × `rows` (its resize event said so): the screen and the core are told.
    pub fn resize(&mut self, columns: u16, rows: u16) {
        self.screen.backend_mut().resized(columns, rows);
        // The next draw lays the screen out for the new size; a failure here shows there too.
        let _ = self.screen.resize(Rect::new(0, 0, columns, rows));
        self.apply(Msg::Resized { columns, rows });
    }

    /// Runs one message through the core and starts its effects.
    pub fn apply(&mut self, msg: Msg) {
        self.changed = true;
        for effect in update(&mut self.app, msg, self.clock.now()) {
            if let Some(log) = &mut self.effects.0 {
                log.push(effect.clone());
            }
            if self.executor.run(effect) == Control::Quit {
                self.quit = true;
            }
        }
        if self.app.quitting && self.quitting_since.is_none() {
            self.quitting_since = Some(self.clock.now());
        }
    }

    /// A signal or a closed terminal: quit, with a bounded wait.
    fn signal(&mut self) {
        self.signalled = true;
        self.apply(Msg::Quit);
    }

    /// When quitting gives up waiting for the server. A signal's wait is bounded; the clerk's Ctrl-C waits for a
    /// completion's outcome as long as it takes (a second Ctrl-C offers to leave), and for a cancel a few seconds.
    fn give_up_at(&self) -> Option<OffsetDateTime> {
        let since = self.quitting_since?;
        if self.signalled {
            Some(since + SIGNAL_GRACE)
        } else if self.app.outcome_in_doubt() {
            None
        } else {
            Some(since + QUIT_GRACE)
        }
    }

    /// The core's next timer, or the next minute for the status bar's clock, whichever comes first.
    fn next_wake(&self) -> Option<OffsetDateTime> {
        let now = self.clock.now();
        let minute = now.replace_second(0).ok()?.replace_nanosecond(0).ok()? + time::Duration::MINUTE;
        Some(self.app.wake_at().map_or(minute, |core| core.min(minute)))
    }
}

/// The terminal's events, read on their own task so the loop can take every ready one before drawing. The
/// stream ends when the terminal does (end of input, or a read error on a dropped session).
fn terminal_events() -> impl Stream<Item = Event> + Unpin {
    let (sender, mut receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut stream = EventStream::new();
        while let Some(Ok(event)) = stream.next().await {
            if sender.send(event).is_err() {
                break;
            }
        }
    });
    Box::pin(futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx)))
}

/// SIGTERM and SIGHUP, as a stream.
fn signals() -> std::io::Result<impl Stream<Item = Signal> + Unpin> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    Ok(Box::pin(futures_util::stream::poll_fn(move |cx| {
        if terminate.poll_recv(cx).is_ready() {
            return std::task::Poll::Ready(Some(Signal::Terminate));
        }
        if hangup.poll_recv(cx).is_ready() {
            return std::task::Poll::Ready(Some(Signal::Hangup));
        }
        std::task::Poll::Pending
    })))
}

/// This terminal's name in the journal: the machine's host name (several counters may share a store server, so
/// the journal says which terminal did what).
pub fn terminal_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "counter".to_owned())
}

/// Sleeps until `at` on `clock`; never wakes when there is nothing to wait for.
async fn sleep_until(clock: &impl Clock, at: Option<OffsetDateTime>) {
    match at {
        Some(at) => clock.sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The next message of the embedded sandbox's outbox; never, when there is no embedded sandbox.
async fn next_outbox(outbox: &mut Option<broadcast::Receiver<OutboxMessage>>) -> Option<OutboxMessage> {
    let Some(receiver) = outbox else { return std::future::pending().await };
    loop {
        match receiver.recv().await {
            Ok(message) => return Some(message),
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => {
                *outbox = None;
                return std::future::pending().await;
            }
        }
    }
}
