//! A counter on a screen: the real core (`counter::update`) fed by keys through the real keymap, its effects
//! run by the real executor against the embedded sandbox over HTTP, and the whole screen drawn by `ui::render`
//! into ratatui's `TestBackend`. Everything that could change between runs is injected, never filtered: the
//! sandbox's clock is frozen at [`FIXED`] and its ids are seeded; the counter, the sandbox and the status bar
//! share that clock and move only when a test waits; the invoice counter starts in a fresh directory.

use std::ops::{Deref, DerefMut};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mostrador::counter::{Msg, Settings};
use mostrador::i18n::Locale;
use mostrador::osigu::endpoint::Environment;
use mostrador::runtime::{Capture, key_msg};
use mostrador::sandbox::{Clock, SandboxConfig};
use mostrador::ui::{self, Chrome, Health};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Position;
use time::OffsetDateTime;
use time::macros::{datetime, offset};

use crate::driver::Driver;

/// The moment every screen is drawn at: a Saturday afternoon, 09:04 on the counter's clock (UTC-6).
pub const FIXED: OffsetDateTime = datetime!(2026-11-21 15:04:00 UTC);
/// The size every screen is laid out for.
pub const WIDTH: u16 = 80;
pub const HEIGHT: u16 = 24;

/// The counter of [`Driver`], and what the screen shows around it.
pub struct Screen {
    driver: Driver,
    pub chrome: Chrome,
}

impl Deref for Screen {
    type Target = Driver;

    fn deref(&self) -> &Driver {
        &self.driver
    }
}

impl DerefMut for Screen {
    fn deref_mut(&mut self) -> &mut Driver {
        &mut self.driver
    }
}

/// One drawn screen, as text, with the cursor if the screen shows one.
pub struct Drawn {
    pub rows: Vec<String>,
    pub cursor: Option<Position>,
    /// The cells themselves, colours included.
    pub buffer: Buffer,
}

impl Screen {
    /// A counter in `locale` on a fresh sandbox, with the sandbox's own fingerprint reader.
    pub async fn open(locale: Locale) -> Self {
        Self::open_with(locale, Capture::Sandbox).await
    }

    /// A counter in `locale` reading fingerprints with `capture`.
    pub async fn open_with(locale: Locale, capture: Capture) -> Self {
        Self::open_in(locale, capture, crate::driver::Setup::default()).await
    }

    /// A counter in `locale` on the journal and till `setup` names (a journal written before, as after a
    /// restart).
    pub async fn open_in(locale: Locale, capture: Capture, setup: crate::driver::Setup) -> Self {
        let config = SandboxConfig {
            clock: Clock::frozen_at(FIXED),
            id_seed: Some(7),
            remote_auto_approve: None,
            public_url: Some("https://sandbox.mostrador.test".into()),
            ..SandboxConfig::default()
        };
        let settings = Settings {
            invoice_prefix: "F001-".into(),
            key_nonce: "snap".into(),
            utc_offset: offset!(-6),
            ..Settings::default()
        };
        let driver = Driver::start_with(config, capture, settings, setup).await;
        assert_eq!(driver.now, FIXED, "the sandbox's clock is the screen's");
        let mut chrome = Chrome::new(locale, Environment::Sandbox, FIXED.to_offset(offset!(-6)));
        chrome.provider = Some("farmacia-demo".into());
        chrome.health = Health::Ok;
        Self { driver, chrome }
    }

    /// Feeds one message and waits until every reply it asked for has been applied.
    pub async fn send(&mut self, msg: Msg) {
        self.driver.send(msg).await;
        self.follow_outbox();
    }

    /// Feeds one message and runs its effects, without waiting for their replies.
    pub fn apply(&mut self, msg: Msg) {
        self.driver.apply(msg);
        self.follow_outbox();
    }

    /// Applies replies until nothing is awaited.
    pub async fn settle(&mut self) {
        self.driver.settle().await;
        self.follow_outbox();
    }

    /// Waits for the next reply and applies it alone (to see the screen between two replies).
    pub async fn next_reply(&mut self) {
        self.driver.next_reply().await;
        self.follow_outbox();
    }

    /// Lets `seconds` pass on every clock, firing each timer the core asked for on the way.
    pub async fn wait(&mut self, seconds: i64) {
        self.driver.wait(seconds).await;
        self.follow_outbox();
    }

    /// The toast as the runtime shows it: the sandbox's latest message, only while verifying.
    fn follow_outbox(&mut self) {
        for message in self.driver.drain_outbox() {
            self.chrome.sandbox_sent(message.channel, message.code);
        }
        self.chrome.follow(&self.driver.app);
    }

    /// The message a key means on this screen, through the keymap in use.
    fn key(&self, code: KeyCode, modifiers: KeyModifiers) -> Msg {
        let event = KeyEvent::new(code, modifiers);
        key_msg(&self.chrome.keymap, &event, self.app.typing())
            .unwrap_or_else(|| panic!("{code:?} does nothing on {:?}", self.app.step))
    }

    /// Presses a key and waits for what it started.
    pub async fn press(&mut self, code: KeyCode) {
        let msg = self.key(code, KeyModifiers::NONE);
        self.send(msg).await;
    }

    /// Presses a key without waiting for the replies it asked for (the screen in between).
    pub fn press_only(&mut self, code: KeyCode) {
        let msg = self.key(code, KeyModifiers::NONE);
        self.apply(msg);
    }

    /// Ctrl + a letter.
    pub async fn ctrl(&mut self, letter: char) {
        let msg = self.key(KeyCode::Char(letter), KeyModifiers::CONTROL);
        self.send(msg).await;
    }

    /// Types `text` one key at a time.
    pub async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c)).await;
        }
    }

    /// A scan: the code, then Enter (as a keyboard-wedge scanner sends it).
    pub async fn scan(&mut self, code: &str) {
        self.type_text(code).await;
        self.press(KeyCode::Enter).await;
    }

    /// The OTP the sandbox "sent", as its toast shows it (the beneficiary reads it aloud).
    pub fn toast_code(&self) -> String {
        self.chrome.toast.as_ref().map(|toast| toast.code.clone()).expect("a toast with the sandbox's OTP")
    }

    /// Reads the OTP off the toast and types it.
    pub async fn type_otp(&mut self) {
        let code = self.toast_code();
        self.type_text(&code).await;
    }

    /// The screen at `width` × `height`, at the counter's time.
    pub fn draw(&mut self, width: u16, height: u16) -> Terminal<TestBackend> {
        self.chrome.now = self.now.to_offset(offset!(-6));
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        terminal.draw(|frame| ui::render(frame, &self.app, &self.chrome)).expect("draw");
        terminal
    }

    /// The 80x24 screen, for checks without a snapshot.
    pub fn look(&mut self) -> Drawn {
        let mut terminal = self.draw(WIDTH, HEIGHT);
        Drawn::of(&mut terminal)
    }

    /// Snapshots the 80x24 screen as `name` and returns it for more checks.
    pub fn snapshot(&mut self, name: &str) -> Drawn {
        self.snapshot_at(name, WIDTH, HEIGHT)
    }

    /// Snapshots the screen at `width` × `height` as `name`.
    pub fn snapshot_at(&mut self, name: &str, width: u16, height: u16) -> Drawn {
        let mut terminal = self.draw(width, height);
        let drawn = Drawn::of(&mut terminal);
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_description(match drawn.cursor {
            Some(at) => format!("{width}x{height}, cursor at column {}, row {}", at.x, at.y),
            None => format!("{width}x{height}, no cursor"),
        });
        settings.bind(|| insta::assert_snapshot!(name, terminal.backend()));
        drawn
    }
}

impl Drawn {
    pub fn of(terminal: &mut Terminal<TestBackend>) -> Self {
        let buffer = terminal.backend().buffer().clone();
        let width = usize::from(buffer.area.width);
        let rows = buffer
            .content
            .chunks(width)
            .map(|cells| {
                // A wide glyph's second cell is drawn by the glyph itself.
                let mut row = String::new();
                let mut skip = 0;
                for cell in cells {
                    if skip > 0 {
                        skip -= 1;
                        continue;
                    }
                    row.push_str(cell.symbol());
                    skip = unicode_width::UnicodeWidthStr::width(cell.symbol()).saturating_sub(1);
                }
                row
            })
            .collect();
        // `TestBackend` keeps the cursor where the frame put it; a frame without one leaves it at the origin,
        // which is the status bar's first cell and never a field.
        let at = terminal.get_cursor_position().expect("cursor");
        Self { rows, cursor: (at != Position::ORIGIN).then_some(at), buffer }
    }

    /// The whole screen as one text.
    pub fn text(&self) -> String {
        self.rows.join("\n")
    }

    pub fn contains(&self, text: &str) -> bool {
        self.rows.iter().any(|row| row.contains(text))
    }

    /// Every row's words run together, without spaces or QR blocks: text that wraps reads as one.
    pub fn words(&self) -> String {
        self.rows.iter().map(|row| row.replace(['▀', ' '], "")).collect()
    }

    /// The rows (0-based) that show `text`.
    pub fn rows_with(&self, text: &str) -> Vec<usize> {
        self.rows.iter().enumerate().filter(|(_, row)| row.contains(text)).map(|(index, _)| index).collect()
    }

    /// Asserts that `text` shows somewhere.
    #[track_caller]
    pub fn shows(&self, text: &str) {
        assert!(self.contains(text), "`{text}` is not on screen:\n{}", self.text());
    }

    /// Asserts that `text` shows nowhere.
    #[track_caller]
    pub fn hides(&self, text: &str) {
        assert!(!self.contains(text), "`{text}` is on screen:\n{}", self.text());
    }
}
