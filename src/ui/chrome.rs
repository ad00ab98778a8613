//! What the screen needs besides the counter's state and that the counter does not decide: the language, the
//! keys, the environment, the till, and the clock on the status bar. The runtime builds it at start and moves
//! only its clock; tests build it with a fixed clock. (What changes while the counter runs, the provider, the
//! connection's light, the sandbox's toast and the configuration's warnings, is the core's: `Surroundings`.)

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use time::{OffsetDateTime, UtcOffset};

use super::{text, theme};
use crate::config::ConfigWarning;
use crate::counter::Toast;
use crate::i18n::{self, Locale};
use crate::keymap::Keymap;
use crate::osigu::endpoint::Environment;
use crate::osigu::model::OtpChannel;

/// The frame around the counter.
#[derive(Clone, Debug)]
pub struct Chrome {
    pub locale: Locale,
    pub keymap: Keymap,
    pub environment: Environment,
    /// The till this counter holds (several counters share a store server).
    pub till: Option<String>,
    /// Now, in the counter's local offset (the clock, and times of day on screen).
    pub now: OffsetDateTime,
}

impl Chrome {
    /// A chrome for `locale` and `environment` with the default keys, at `now` (already in local time).
    pub fn new(locale: Locale, environment: Environment, now: OffsetDateTime) -> Self {
        Self { locale, keymap: Keymap::default(), environment, till: None, now }
    }

    /// The counter's local offset.
    pub fn offset(&self) -> UtcOffset {
        self.now.offset()
    }

    /// A moment from the server, as `HH:MM` on this counter's clock.
    pub fn time_of_day(&self, at: OffsetDateTime) -> String {
        i18n::time_of_day(at.to_offset(self.offset()))
    }

    /// A date from the server, as this counter's calendar has it.
    pub fn date(&self, at: OffsetDateTime) -> String {
        i18n::date(self.locale, at.to_offset(self.offset()).date())
    }

    /// The configuration's `warnings` in the clerk's language, as they fit `width` columns: at most
    /// [`MAX_NOTICE_ROWS`] rows, the last cut with `…`.
    pub(super) fn notice_rows(&self, warnings: &[ConfigWarning], width: u16) -> Vec<String> {
        let room = width.saturating_sub(2);
        let notices = warnings.iter().map(|warning| match warning {
            ConfigWarning::ExposedSecret { path } => {
                let path = crate::inert::line(&path.to_string_lossy()).into_owned();
                i18n::fill(self.locale, "toast.config_exposed_secret", &[("path", &path)])
            }
            ConfigWarning::SecretEnvNotUnicode => i18n::text(self.locale, "toast.config_secret_env").to_owned(),
        });
        let mut rows: Vec<String> = notices.flat_map(|notice| text::wrap(&notice, room)).collect();
        if rows.len() > MAX_NOTICE_ROWS {
            rows.truncate(MAX_NOTICE_ROWS);
            if let Some(last) = rows.last_mut() {
                *last = text::fit(&format!("{last} …"), room);
            }
        }
        rows
    }

    /// Whether the embedded sandbox serves this counter (its practice codes are listed).
    pub fn is_sandbox(&self) -> bool {
        self.environment == Environment::Sandbox
    }
}

/// The most rows the notices take from the screen.
const MAX_NOTICE_ROWS: usize = 3;

/// The notices about the configuration, in the rows above the toast.
pub(super) fn render_notices(frame: &mut Frame, area: Rect, rows: Vec<String>) {
    let lines: Vec<Line> =
        rows.into_iter().map(|row| Line::from(Span::styled(format!(" {row}"), theme::WARNING))).collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// `SMS al beneficiario (sandbox): 482913`, across the row above the hints.
pub(super) fn render_toast(frame: &mut Frame, area: Rect, toast: &Toast, locale: Locale) {
    let key = match toast.channel {
        OtpChannel::Sms => "toast.sms",
        OtpChannel::Email => "toast.email",
        OtpChannel::InApp => "toast.in_app",
        OtpChannel::Unknown => "toast.unknown",
    };
    let message = i18n::fill(locale, key, &[("code", &toast.code)]);
    let line = Line::from(vec![Span::styled(
        format!(" {} ", text::fit(&message, area.width.saturating_sub(2))),
        theme::TOAST,
    )]);
    frame.render_widget(Paragraph::new(line), area);
}
