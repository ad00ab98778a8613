//! A counter on a screen, for the screen tests and the render bench: the [`Driver`]'s event loop fed keys
//! through the real keymap, drawing the whole screen with `ui::render` into ratatui's `TestBackend`. Everything
//! that could change between runs is injected, never filtered: the sandbox's clock is frozen at [`FIXED`] and
//! its ids are seeded; the counter, the sandbox and the status bar share that clock and move only when a test
//! waits (or types by hand: the scanner's gap passes); the invoice numbers start in a fresh journal.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Position;
use time::OffsetDateTime;
use time::macros::{datetime, offset};

use super::driver::{Driver, Setup};
use crate::counter::Settings;
use crate::i18n::Locale;
use crate::runtime::{Capture, key_msg};
use crate::sandbox::{Clock, SandboxConfig};

/// The moment every screen is drawn at: a Saturday afternoon, 09:04 on the counter's clock (UTC-6).
pub const FIXED: OffsetDateTime = datetime!(2026-11-21 15:04:00 UTC);
/// The size every screen is laid out for.
pub const WIDTH: u16 = 80;
pub const HEIGHT: u16 = 24;

/// The sandbox every screen is drawn against: its clock frozen at [`FIXED`], its ids seeded.
pub fn sandbox_config() -> SandboxConfig {
    SandboxConfig {
        clock: Clock::frozen_at(FIXED),
        id_seed: Some(7),
        remote_auto_approve: None,
        public_url: Some("https://sandbox.mostrador.test".into()),
        ..SandboxConfig::default()
    }
}

/// The counter of [`Driver`], on a screen of [`WIDTH`] × [`HEIGHT`].
pub struct Screen {
    driver: Driver,
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
        Self::open_in(locale, capture, Setup::default()).await
    }

    /// A counter in `locale` on the journal, till and server `setup` names (a journal written before, as after a
    /// restart; a sandbox with a proxy in front).
    pub async fn open_in(locale: Locale, capture: Capture, setup: Setup) -> Self {
        Self::open_with_settings(locale, capture, setup, Settings::default()).await
    }

    /// A counter in `locale` printing receipts (42 columns, by itself on Done) on the file at `printer`.
    pub async fn open_printing(locale: Locale, printer: &std::path::Path) -> Self {
        let address = crate::receipt::PrinterAddress::Path(printer.to_owned());
        let setup = Setup { printer: Some(crate::receipt::Printer::new(address)), ..Setup::default() };
        let printing = crate::counter::Printing {
            width: crate::receipt::Width::W42,
            auto: true,
            header: vec!["Farmacia Demo".into(), "NIT 1234567-8".into()],
        };
        let settings = Settings { printing: Some(printing), ..Settings::default() };
        Self::open_with_settings(locale, Capture::Sandbox, setup, settings).await
    }

    /// A counter in `locale` with `settings` (the screens' invoice prefix, nonce and time zone win).
    pub async fn open_with_settings(locale: Locale, capture: Capture, setup: Setup, settings: Settings) -> Self {
        let settings = Settings {
            invoice_prefix: "F001-".into(),
            key_nonce: "snap".into(),
            utc_offset: offset!(-6),
            locale,
            ..settings
        };
        // What the token would name, and a connection that is never "slow" on a busy test machine: the status
        // bar is the same on every run.
        let setup = Setup {
            locale,
            size: (WIDTH, HEIGHT),
            provider: Some("farmacia-demo".into()),
            slow_after: Some(Duration::MAX),
            ..setup
        };
        let driver = Driver::start_with(sandbox_config(), capture, settings, setup).await;
        assert_eq!(driver.now, FIXED, "the sandbox's clock is the screen's");
        Self { driver }
    }

    /// The key `code` with `modifiers`, checked to do something on this screen.
    fn key(&self, code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        let event = KeyEvent::new(code, modifiers);
        if key_msg(&self.chrome.keymap, &event, self.app.typing()).is_none() {
            panic!("{code:?} does nothing on {:?}", self.app.step);
        }
        event
    }

    /// Presses a key and waits for what it started.
    pub async fn press(&mut self, code: KeyCode) {
        let key = self.key(code, KeyModifiers::NONE);
        self.driver.press_only_key(key);
        self.driver.settle().await;
    }

    /// Presses a key without waiting for the replies it asked for (the screen in between).
    pub fn press_only(&mut self, code: KeyCode) {
        let key = self.key(code, KeyModifiers::NONE);
        self.driver.press_only_key(key);
    }

    /// Ctrl + a letter.
    pub async fn ctrl(&mut self, letter: char) {
        let key = self.key(KeyCode::Char(letter), KeyModifiers::CONTROL);
        self.driver.press_only_key(key);
        self.driver.settle().await;
    }

    /// The OTP the sandbox "sent", as its toast shows it (the beneficiary reads it aloud).
    pub fn toast_code(&self) -> String {
        self.app
            .session
            .surroundings
            .toast
            .as_ref()
            .map(|toast| toast.code.clone())
            .expect("a toast with the sandbox's OTP")
    }

    /// Reads the OTP off the toast and types it.
    pub async fn type_otp(&mut self) {
        let code = self.toast_code();
        self.type_text(&code).await;
    }

    /// The screen at `width` × `height`, at the counter's time: the loop is told of the size, draws, and is
    /// given its own size back.
    pub fn draw(&mut self, width: u16, height: u16) -> TestBackend {
        let (columns, rows) = (WIDTH, HEIGHT);
        if (width, height) == (columns, rows) {
            return self.driver.backend().clone();
        }
        self.driver.resize(width, height);
        let drawn = self.driver.backend().clone();
        self.driver.resize(columns, rows);
        drawn
    }

    /// The 80x24 screen, for checks without a snapshot.
    pub fn look(&mut self) -> Drawn {
        Drawn::of(self.driver.backend())
    }
}

impl Drawn {
    pub fn of(backend: &TestBackend) -> Self {
        let buffer = backend.buffer().clone();
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
        let cursor = backend.cursor_visible().then(|| backend.cursor_position());
        Self { rows, cursor, buffer }
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
