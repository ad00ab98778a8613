//! The screens' harness is the library's (`mostrador::test_support::screen`: the real event loop on a
//! `TestBackend`, a frozen clock, seeded ids); this adds what only these tests do with it: insta snapshots named
//! after the step they show (`otp_02_wrong_code_es`), described with their size and cursor.

use std::ops::{Deref, DerefMut};

use mostrador::i18n::Locale;
use mostrador::runtime::Capture;
pub use mostrador::test_support::screen::{Drawn, HEIGHT, WIDTH, sandbox_config};

/// A counter on a screen ([`mostrador::test_support::Screen`]) that can be snapshotted.
pub struct Screen(mostrador::test_support::Screen);

impl Deref for Screen {
    type Target = mostrador::test_support::Screen;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Screen {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Screen {
    /// A counter in `locale` on a fresh sandbox, with the sandbox's own fingerprint reader.
    pub async fn open(locale: Locale) -> Self {
        Self(mostrador::test_support::Screen::open(locale).await)
    }

    /// A counter in `locale` reading fingerprints with `capture`.
    pub async fn open_with(locale: Locale, capture: Capture) -> Self {
        Self(mostrador::test_support::Screen::open_with(locale, capture).await)
    }

    /// A counter in `locale` on the journal, till and server `setup` names.
    pub async fn open_in(locale: Locale, capture: Capture, setup: mostrador::test_support::driver::Setup) -> Self {
        Self(mostrador::test_support::Screen::open_in(locale, capture, setup).await)
    }

    /// A counter in `locale` printing receipts on the file at `printer`.
    pub async fn open_printing(locale: Locale, printer: &std::path::Path) -> Self {
        Self(mostrador::test_support::Screen::open_printing(locale, printer).await)
    }

    /// Snapshots the 80x24 screen as `name` and returns it for more checks.
    pub fn snapshot(&mut self, name: &str) -> Drawn {
        self.snapshot_at(name, WIDTH, HEIGHT)
    }

    /// Snapshots the screen at `width` × `height` as `name`.
    pub fn snapshot_at(&mut self, name: &str, width: u16, height: u16) -> Drawn {
        let backend = self.draw(width, height);
        let drawn = Drawn::of(&backend);
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_description(match drawn.cursor {
            Some(at) => format!("{width}x{height}, cursor at column {}, row {}", at.x, at.y),
            None => format!("{width}x{height}, no cursor"),
        });
        settings.bind(|| insta::assert_snapshot!(name, backend));
        drawn
    }
}
