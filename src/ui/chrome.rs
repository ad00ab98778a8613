//! What the screen shows besides the counter's state: the environment, the provider, how the connection is
//! doing, the clock, and the sandbox's toast. The runtime keeps it up to date; tests build it with a fixed clock.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use time::{OffsetDateTime, UtcOffset};

use super::{text, theme};
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
    pub health: Health,
    /// The sandbox's latest message to the beneficiary (an OTP), shown until the next code.
    pub toast: Option<Toast>,
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
            health: Health::Unknown,
            toast: None,
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

    /// Keeps the toast only while the code it carries can still be used: during the verification it was sent
    /// for, and not once that OTP lapsed or locked (a resend brings a new toast). True when it went away.
    pub fn follow(&mut self, app: &App) -> bool {
        let usable = match &app.step {
            Step::Verify(Verify::Otp(otp)) => otp.usable(),
            Step::Verify(_) => true,
            _ => false,
        };
        !usable && self.toast.take().is_some()
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
