//! The counter's event loop: terminal input, effect results, the sandbox's outbox and signals in; `update`;
//! a draw only when something changed. No frame rate and no idle tick: a timer is armed only while the core
//! asks for one (a countdown, a poll) and for the status bar's clock at the turn of each minute.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use time::{OffsetDateTime, UtcOffset};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use super::connect::{ConnectError, Connection, connect};
use super::executor::{Control, Executor};
use super::health::HealthLog;
use super::input::key_msg;
use crate::config::{Config, ConfigError, ConfigWarning};
use crate::counter::{App, Msg, Settings, update};
use crate::journal::{Journal, Place};
use crate::sandbox::OutboxMessage;
use crate::terminal::{self, Screen};
use crate::ui::{self, Chrome};

/// How long a quit may wait for the server to confirm a cancel before the program exits anyway.
const QUIT_GRACE: Duration = Duration::from_secs(10);

/// How long a signal (SIGTERM, SIGHUP, a closed terminal) lets the counter learn a completion's outcome before it
/// exits anyway, leaving the journal's FINALIZING for the next start: within the 10 s that `docker stop` and most
/// service managers give before SIGKILL (systemd gives 90 s).
const SIGNAL_GRACE: Duration = Duration::from_secs(8);

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

/// Opens the counter on the configured server (the embedded sandbox by default) and runs it until the clerk
/// quits or the terminal goes away. `offset` is the counter's local time offset, read before threads started;
/// `warnings` about the configuration are shown on the first screen (see [`Chrome::config_warnings`]).
pub async fn run_counter(config: &Config, warnings: &[ConfigWarning], offset: UtcOffset) -> Result<(), RunError> {
    let data_dir = config.data_dir()?;
    // The till first: a second counter on the same till must not touch the journal the first one writes.
    let till = super::till::claim(&data_dir, config.counter.till.as_deref())?;
    let journal = Journal::in_dir(&data_dir, &Place::new(terminal_name(), till.name()))?;
    import_invoice_counter(&journal, &data_dir, &config.counter.invoice_prefix);
    let connection = connect(config).await?;
    let Connection { client, environment, sandbox, capture } = connection;
    // Before the counter opens: whatever this till left unfinished is settled with the server.
    let recovered = super::recovery::recover(&journal, &client).await;
    let (executor, results) = Executor::new(client.clone(), capture, journal);
    let executor = executor.with_printer(config.receipt.printer());
    let health = executor.health();

    let mut chrome = Chrome::new(config.locale, environment, local_now(offset));
    chrome.keymap = config.keymap().clone();
    chrome.till = Some(till.name().to_owned());
    chrome.config_warnings(warnings);
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
    };
    let mut app = App::new(settings, OffsetDateTime::now_utc());
    app.recovered = recovered;
    let outbox = sandbox.as_ref().map(crate::sandbox::Sandbox::subscribe_outbox);

    let mut guard = terminal::enter()?;
    let mut counter =
        Counter { app, chrome, executor, health, quit: false, quitting_since: None, signalled: false, changed: true };
    let outcome = counter.run(&mut guard.screen, results, outbox, provider).await;
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

/// The loop's state.
struct Counter {
    app: App,
    chrome: Chrome,
    executor: Executor,
    health: Arc<HealthLog>,
    /// The core said everything is settled.
    quit: bool,
    /// When the core began quitting.
    quitting_since: Option<Instant>,
    /// The quit came from a signal or a closed terminal (nobody left to ask): its wait is bounded.
    signalled: bool,
    /// Something on screen may differ from the last draw.
    changed: bool,
}

impl Counter {
    async fn run(
        &mut self,
        screen: &mut Screen,
        mut results: mpsc::UnboundedReceiver<Msg>,
        mut outbox: Option<broadcast::Receiver<OutboxMessage>>,
        mut provider: mpsc::UnboundedReceiver<String>,
    ) -> Result<(), RunError> {
        let mut events = terminal_events();
        let mut terminate = signal(SignalKind::terminate())?;
        let mut hangup = signal(SignalKind::hangup())?;
        let mut terminal_gone = false;
        self.apply(Msg::Opened);
        while !self.quit {
            if self.changed && !terminal_gone {
                self.chrome.now = local_now(self.chrome.offset());
                self.chrome.health = self.health.health();
                if screen.draw(|frame| ui::render(frame, &self.app, &self.chrome)).is_err() {
                    // Nowhere to draw (the SSH session dropped): leave as a signal would.
                    terminal_gone = true;
                    self.signal();
                }
                self.changed = false;
            }
            let wake = self.next_wake();
            tokio::select! {
                biased;
                Some(msg) = results.recv() => {
                    self.apply(msg);
                    while let Ok(msg) = results.try_recv() {
                        self.apply(msg);
                    }
                }
                _ = terminate.recv() => self.signal(),
                _ = hangup.recv() => {
                    terminal_gone = true;
                    self.signal();
                }
                event = events.recv(), if !terminal_gone => {
                    match event {
                        Some(event) => {
                            self.on_event(event);
                            // A scanner's burst arrives as many keys at once: apply them all, then draw once.
                            while let Ok(event) = events.try_recv() {
                                self.on_event(event);
                            }
                        }
                        None => {
                            terminal_gone = true;
                            self.signal();
                        }
                    }
                }
                Some(message) = next_outbox(&mut outbox) => {
                    self.chrome.sandbox_sent(message.channel, message.code);
                    self.changed = true;
                }
                Some(slug) = provider.recv() => {
                    self.chrome.provider = Some(slug);
                    self.changed = true;
                }
                _ = sleep_until(wake) => {
                    if self.app.wake_at().is_some_and(|at| at <= OffsetDateTime::now_utc()) {
                        self.apply(Msg::Tick);
                    }
                    // The clock turned a minute (or a countdown moved).
                    self.changed = true;
                }
                _ = sleep_until(self.give_up_at()) => {
                    if self.app.outcome_in_doubt() {
                        tracing::warn!("quitting with a completion's outcome unknown: the next start confirms it");
                    } else {
                        tracing::warn!("quitting without the server's confirmation of the cancel");
                    }
                    break;
                }
            }
            if self.chrome.follow(&self.app) {
                self.changed = true;
            }
        }
        Ok(())
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Key(key) => {
                if let Some(msg) = key_msg(&self.chrome.keymap, &key, self.app.typing()) {
                    self.apply(msg);
                }
            }
            Event::Paste(text) => self.apply(Msg::Paste(text)),
            // The next draw fits the new size.
            Event::Resize(..) => self.changed = true,
            Event::FocusGained | Event::FocusLost | Event::Mouse(_) => {}
        }
    }

    /// Runs one message through the core and starts its effects.
    fn apply(&mut self, msg: Msg) {
        self.changed = true;
        for effect in update(&mut self.app, msg, OffsetDateTime::now_utc()) {
            if self.executor.run(effect) == Control::Quit {
                self.quit = true;
            }
        }
        if self.app.quitting && self.quitting_since.is_none() {
            self.quitting_since = Some(Instant::now());
        }
    }

    /// A signal or a closed terminal: quit, with a bounded wait.
    fn signal(&mut self) {
        self.signalled = true;
        self.apply(Msg::Quit);
    }

    /// When quitting gives up waiting for the server. A signal's wait is bounded; the clerk's Ctrl-C waits for a
    /// completion's outcome as long as it takes (a second Ctrl-C offers to leave), and for a cancel a few seconds.
    fn give_up_at(&self) -> Option<Instant> {
        let since = self.quitting_since?;
        if self.signalled {
            Some(since + SIGNAL_GRACE)
        } else if self.app.outcome_in_doubt() {
            None
        } else {
            Some(since + QUIT_GRACE)
        }
    }

    /// The core's next timer, or the next minute for the clock, whichever comes first.
    fn next_wake(&self) -> Option<Instant> {
        let now = OffsetDateTime::now_utc();
        let minute = now.replace_second(0).ok()?.replace_nanosecond(0).ok()? + time::Duration::MINUTE;
        let at = self.app.wake_at().map_or(minute, |core| core.min(minute));
        let wait = (at - now).max(time::Duration::ZERO);
        Some(Instant::now() + Duration::try_from(wait).unwrap_or_default())
    }
}

/// The terminal's events, read on their own task so the loop can take every ready one before drawing. The
/// channel closes when the terminal does (end of input, or a read error on a dropped session).
fn terminal_events() -> mpsc::UnboundedReceiver<Event> {
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut stream = EventStream::new();
        while let Some(Ok(event)) = stream.next().await {
            if sender.send(event).is_err() {
                break;
            }
        }
    });
    receiver
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

/// Now on the counter's clock.
fn local_now(offset: UtcOffset) -> OffsetDateTime {
    OffsetDateTime::now_utc().to_offset(offset)
}

/// Sleeps until `at`; never wakes when there is nothing to wait for.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
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
