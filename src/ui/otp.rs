//! The OTP screen: where the code went (masked), a six-digit field shown as dots, the countdown to expiry, the
//! attempts left, what the clerk's last key found (digits missing, a resend the server refused), and when a
//! code can be sent again or by another channel; or, when a code went to the beneficiary moments ago for
//! another dispensation, that it does not work here and when the new one goes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::chrome::Chrome;
use super::{summary, t, text, theme};
use crate::counter::{App, OTP_DIGITS, Otp, OtpNotice, OtpState, seconds_until};
use crate::i18n::{self, Locale};
use crate::keymap::Action;
use crate::osigu::model::OtpChannel;

pub(super) fn render(frame: &mut Frame, area: Rect, otp: &Otp, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let now = app.session.now;
    let inner = super::panel(frame, area, t(locale, "otp.title"));
    let width = inner.width;
    let channel = channel_name(locale, otp.channels.get(otp.channel).copied().unwrap_or(OtpChannel::Sms));

    // Where the code went, or why none is on its way yet.
    let sent_lines = match (&otp.sent, otp.state) {
        (Some(sent), _) => {
            let destination = sent.masked_destination.clone().unwrap_or_default();
            let fields = [("channel", channel_name(locale, sent.channel)), ("destination", destination.as_str())];
            [
                wrapped(&i18n::fill(locale, "otp.sent", &fields), theme::PLAIN, width),
                wrapped(t(locale, "otp.read_aloud"), theme::DIM, width),
            ]
            .concat()
        }
        (None, OtpState::TooSoon { .. }) => [
            wrapped(t(locale, "otp.sent_moments_ago"), theme::PLAIN, width),
            wrapped(t(locale, "otp.wait_for_new"), theme::DIM, width),
        ]
        .concat(),
        (None, _) => wrapped(t(locale, "otp.sending"), theme::WARNING, width),
    };

    // Under the field: the countdown and attempts, the state, what the last key found, when another code goes.
    let mut state_lines = Vec::new();
    let usable = otp.usable();
    if let Some(sent) = otp.sent.as_ref().filter(|_| usable) {
        let left = seconds_until(sent.expires_at, now);
        let mut line = vec![Span::raw(i18n::fill(locale, "otp.expires_in", &[("time", &text::countdown(left))]))];
        if let Some(attempts) = otp.attempts_left {
            line.push(Span::raw(" · "));
            line.push(Span::raw(i18n::fill(locale, "otp.attempts_left", &[("count", &attempts.to_string())])));
        }
        state_lines.push(Line::from(line));
    }
    let state = match otp.state {
        OtpState::Sending | OtpState::Waiting | OtpState::TooSoon { .. } => None,
        OtpState::Validating => Some((t(locale, "otp.validating"), theme::WARNING)),
        OtpState::Wrong => Some((t(locale, "otp.wrong"), theme::ERROR)),
        OtpState::Expired => Some((t(locale, "otp.expired"), theme::ERROR)),
        OtpState::Locked => Some((t(locale, "otp.locked"), theme::ERROR)),
    };
    if let Some((words, style)) = state {
        state_lines.extend(wrapped(words, style, width));
    }
    let notice = match otp.notice {
        Some(OtpNotice::DigitsMissing(1)) => Some(t(locale, "otp.digit_missing").to_owned()),
        Some(OtpNotice::DigitsMissing(count)) => {
            Some(i18n::fill(locale, "otp.digits_missing", &[("count", &count.to_string())]))
        }
        Some(OtpNotice::ResendRefused) => {
            let sent = otp.sent.as_ref().map_or(channel, |sent| channel_name(locale, sent.channel));
            Some(i18n::fill(locale, "otp.resend_refused", &[("channel", sent)]))
        }
        None => None,
    };
    if let Some(notice) = notice {
        state_lines.extend(wrapped(&notice, theme::WARNING, width));
    }
    let wait = otp.send_at().map(|at| seconds_until(at, now));
    let key = |action| chrome.keymap.hint(action).unwrap_or_default();
    match (otp.state, wait) {
        // Lapsed or locked: Enter sends another, once the server's wait is over.
        (OtpState::Expired | OtpState::Locked, Some(wait)) => {
            let words = if wait > 0 {
                i18n::fill(locale, "otp.another_in", &[("time", &text::countdown(wait))])
            } else {
                i18n::fill(locale, "otp.another_now", &[("key", &key(Action::Continue))])
            };
            state_lines.extend(wrapped(&words, theme::BOLD, width));
        }
        (OtpState::TooSoon { .. }, Some(wait)) => {
            let fields = [("channel", channel), ("time", &text::countdown(wait))];
            state_lines.extend(wrapped(&i18n::fill(locale, "otp.new_code_in", &fields), theme::BOLD, width));
        }
        _ => {}
    }

    // Resending and the other channel, while they mean something.
    let mut resend = Vec::new();
    if let (Some(wait), true) = (wait.filter(|_| otp.sent.is_some()), usable) {
        let words = if wait > 0 {
            i18n::fill(locale, "otp.resend_in", &[("key", &key(Action::Resend)), ("time", &text::countdown(wait))])
        } else {
            i18n::fill(locale, "otp.resend_now", &[("key", &key(Action::Resend))])
        };
        resend.push(words);
    }
    if otp.channels.len() > 1 && (usable || matches!(otp.state, OtpState::TooSoon { .. })) {
        let next = otp.channels[(otp.channel + 1) % otp.channels.len()];
        let fields = [("key", key(Action::SwitchChannel)), ("channel", channel_name(locale, next).to_owned())];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(name, value)| (*name, value.as_str())).collect();
        let words = if otp.sent.is_some() { "otp.switch" } else { "otp.switch_now" };
        resend.push(i18n::fill(locale, words, &fields));
    }
    let resend_lines = wrapped(&resend.join(" · "), theme::DIM, width);

    let rows = |lines: &[Line]| u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let [header, _, sent_area, _, field_area, state_area, _, resend_area] = Layout::vertical([
        Constraint::Length(summary::HEADER_ROWS),
        Constraint::Length(1),
        Constraint::Length(rows(&sent_lines)),
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(rows(&state_lines)),
        Constraint::Length(1),
        Constraint::Length(rows(&resend_lines)),
    ])
    .areas(inner);
    summary::header(frame, header, app, chrome);
    frame.render_widget(Paragraph::new(sent_lines), sent_area);
    render_field(frame, field_area, otp, app, locale);
    frame.render_widget(Paragraph::new(state_lines), state_area);
    frame.render_widget(Paragraph::new(resend_lines), resend_area);
}

/// The six digits as dots, never as digits: a dot per digit typed, a ring per digit to go. Dimmed while there
/// is no code to type.
fn render_field(frame: &mut Frame, area: Rect, otp: &Otp, app: &App, locale: Locale) {
    let typed = otp.code.value().chars().count();
    let dots: String = (0..OTP_DIGITS).map(|i| if i < typed { "● " } else { "○ " }).collect();
    let accepting = otp.sent.is_some() && matches!(otp.state, OtpState::Waiting | OtpState::Wrong);
    let field_style = if accepting { theme::KEY } else { theme::DIM };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(field_style)
        .title(Span::styled(format!(" {} ", t(locale, "otp.field")), theme::TITLE));
    let width = u16::try_from(OTP_DIGITS * 2 + 3).unwrap_or(15).max(text::width(t(locale, "otp.field")) as u16 + 4);
    let rect = Rect { width: width.min(area.width), ..area };
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(format!(" {}", dots.trim_end())).style(theme::BOLD), inner);
    if accepting && app.typing() {
        let x = inner.x + 1 + u16::try_from(typed.min(OTP_DIGITS - 1) * 2).unwrap_or(0);
        frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y));
    }
}

/// `words` broken into lines of at most `width` columns, in `style`; nothing for no words.
fn wrapped(words: &str, style: Style, width: u16) -> Vec<Line<'static>> {
    if words.is_empty() {
        return Vec::new();
    }
    text::wrap(words, width).into_iter().map(|line| Line::from(Span::styled(line, style))).collect()
}

/// `SMS`, `correo`, …
pub(super) fn channel_name(locale: Locale, channel: OtpChannel) -> &'static str {
    match channel {
        OtpChannel::Sms => t(locale, "channel.sms"),
        OtpChannel::Email => t(locale, "channel.email"),
        OtpChannel::InApp => t(locale, "channel.in_app"),
        OtpChannel::Unknown => t(locale, "channel.unknown"),
    }
}
