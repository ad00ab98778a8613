//! What the screen shows besides the counter's state: the environment, the provider, how the connection is
//! doing, the clock, the sandbox's toast, and the notices about the configuration shown at start. The runtime
//! keeps it up to date; tests build it with a fixed clock.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use time::{OffsetDateTime, UtcOffset};

use super::{text, theme};
use crate::config::ConfigWarning;
use crate::counter::{App, Step, Verify};
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
    /// The pharmacy the credentials belong to, once the first token names it.
    pub provider: Option<String>,
    /// The till this counter holds (several counters share a store server).
    pub till: Option<String>,
    pub health: Health,
    /// The sandbox's latest message to the beneficiary (an OTP), shown until the next code.
    pub toast: Option<Toast>,
    /// Warnings about the configuration, in the clerk's language, shown above the hints on the first screen
    /// until the first code is looked up (they are in the log too).
    pub notices: Vec<String>,
    /// Now, in the counter's local offset (the clock, and times of day on screen).
    pub now: OffsetDateTime,
}

impl Chrome {
    /// A chrome for `locale` and `environment` with the default keys, at `now` (already in local time).
    pub fn new(locale: Locale, environment: Environment, now: OffsetDateTime) -> Self {
        Self {
            locale,
            keymap: Keymap::default(),
            environment,
            provider: None,
            till: None,
            health: Health::Unknown,
            toast: None,
            notices: Vec::new(),
            now,
        }
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

    /// The embedded sandbox "sent" `code` to the beneficiary by `channel`: show it until the step moves on.
    pub fn sandbox_sent(&mut self, channel: OtpChannel, code: String) {
        self.toast = Some(Toast { channel, code });
    }

    /// Shows `warnings` about the configuration as notices for the clerk, who passes them on to IT: printed on
    /// stderr they would vanish under the screen the moment it opens.
    pub fn config_warnings(&mut self, warnings: &[ConfigWarning]) {
        self.notices = warnings
            .iter()
            .map(|warning| match warning {
                ConfigWarning::ExposedSecret { path } => {
                    let path = crate::inert::line(&path.to_string_lossy()).into_owned();
                    i18n::fill(self.locale, "toast.config_exposed_secret", &[("path", &path)])
                }
                ConfigWarning::SecretEnvNotUnicode => i18n::text(self.locale, "toast.config_secret_env").to_owned(),
            })
            .collect();
    }

    /// Keeps the toast only while the code it carries can still be used: during the verification it was sent
    /// for, and not once that OTP lapsed or locked (a resend brings a new toast). True when it went away.
    /// The notices about the configuration go once the first code is looked up.
    pub fn follow(&mut self, app: &App) -> bool {
        let usable = match &app.step {
            Step::Verify(Verify::Otp(otp)) => otp.usable(),
            Step::Verify(_) => true,
            _ => false,
        };
        let notices_gone = !matches!(app.step, Step::Entry { .. }) && !std::mem::take(&mut self.notices).is_empty();
        let toast_gone = !usable && self.toast.take().is_some();
        notices_gone || toast_gone
    }

    /// The notices as they fit `width` columns: at most [`MAX_NOTICE_ROWS`] rows, the last cut with `…`.
    pub(super) fn notice_rows(&self, width: u16) -> Vec<String> {
        let room = width.saturating_sub(2);
        let mut rows: Vec<String> = self.notices.iter().flat_map(|notice| text::wrap(notice, room)).collect();
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

/// The connection as recent calls found it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Health {
    /// No call has finished yet.
    #[default]
    Unknown,
    Ok,
    /// Answers, but slowly (a recent call took seconds).
    Slow,
    /// The last call could not reach the server.
    Down,
}

/// A message the sandbox "sent" to the beneficiary, shown so a newcomer can finish a flow alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    pub channel: OtpChannel,
    pub code: String,
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
