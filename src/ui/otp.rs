//! The OTP screen: where the code went (masked), a six-digit field shown as dots, the countdown to expiry, the
//! attempts left, and when it can be sent again or by another channel.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::chrome::Chrome;
use super::{summary, t, text, theme};
use crate::counter::{App, OTP_DIGITS, Otp, OtpState};
use crate::i18n::{self, Locale};
use crate::keymap::Action;
use crate::osigu::model::OtpChannel;

pub(super) fn render(frame: &mut Frame, area: Rect, otp: &Otp, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let inner = super::panel(frame, area, t(locale, "otp.title"));
    let [header, _, sent_area, _, field_area, state_area, resend_area] = Layout::vertical([
        Constraint::Length(summary::HEADER_ROWS),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(inner);
    summary::header(frame, header, app, chrome);

    let sent_lines = match &otp.sent {
        Some(sent) => {
            let destination = sent.masked_destination.clone().unwrap_or_default();
            vec![
                Line::from(i18n::fill(
                    locale,
                    "otp.sent",
                    &[("channel", channel_name(locale, sent.channel)), ("destination", &destination)],
                )),
                Line::from(Span::styled(t(locale, "otp.read_aloud"), theme::DIM)),
            ]
        }
        None => vec![Line::from(Span::styled(t(locale, "otp.sending"), theme::WARNING))],
    };
    frame.render_widget(Paragraph::new(sent_lines), sent_area);

    // The digits never show: a dot per digit typed, a ring per digit to go.
    let typed = otp.code.value().chars().count();
    let dots: String = (0..OTP_DIGITS).map(|i| if i < typed { "● " } else { "○ " }).collect();
    let field_style = if otp.sent.is_some() { theme::KEY } else { theme::DIM };
    let field_block = Block::default()
        .borders(Borders::ALL)
        .border_style(field_style)
        .title(Span::styled(format!(" {} ", t(locale, "otp.field")), theme::TITLE));
    let field_width =
        u16::try_from(OTP_DIGITS * 2 + 3).unwrap_or(15).max(text::width(t(locale, "otp.field")) as u16 + 4);
    let field_rect = Rect { width: field_width.min(field_area.width), ..field_area };
    let field_inner = field_block.inner(field_rect);
    frame.render_widget(field_block, field_rect);
    frame.render_widget(Paragraph::new(format!(" {}", dots.trim_end())).style(theme::BOLD), field_inner);
    let accepting = matches!(otp.state, OtpState::Waiting | OtpState::Wrong);
    if otp.sent.is_some() && accepting && app.typing() {
        let x = field_inner.x + 1 + u16::try_from(typed.min(OTP_DIGITS - 1) * 2).unwrap_or(0);
        frame.set_cursor_position((x.min(field_inner.right().saturating_sub(1)), field_inner.y));
    }

    let mut state_lines = Vec::new();
    let usable = otp.usable();
    if let Some(sent) = otp.sent.as_ref().filter(|_| usable) {
        let left = (sent.expires_at - app.session.now).whole_seconds();
        let mut line = vec![Span::raw(i18n::fill(locale, "otp.expires_in", &[("time", &text::countdown(left))]))];
        if let Some(attempts) = otp.attempts_left {
            line.push(Span::raw(" · "));
            line.push(Span::raw(i18n::fill(locale, "otp.attempts_left", &[("count", &attempts.to_string())])));
        }
        state_lines.push(Line::from(line));
    }
    let state = match otp.state {
        OtpState::Sending | OtpState::Waiting => None,
        OtpState::Validating => Some((t(locale, "otp.validating"), theme::WARNING)),
        OtpState::Wrong => Some((t(locale, "otp.wrong"), theme::ERROR)),
        OtpState::Expired => Some((t(locale, "otp.expired"), theme::ERROR)),
        OtpState::Locked => Some((t(locale, "otp.locked"), theme::ERROR)),
    };
    if let Some((words, style)) = state {
        state_lines.push(Line::from(Span::styled(words, style)));
    }
    // Lapsed or locked: Enter sends another, once the server's wait is over.
    if let Some(sent) = otp.sent.as_ref().filter(|_| !usable) {
        let wait = sent.resend_wait(app.session.now);
        let key = chrome.keymap.hint(Action::Continue).unwrap_or_default();
        let words = if wait > 0 {
            i18n::fill(locale, "otp.another_in", &[("time", &text::countdown(wait))])
        } else {
            i18n::fill(locale, "otp.another_now", &[("key", &key)])
        };
        state_lines.push(Line::from(Span::styled(words, theme::BOLD)));
    }
    frame.render_widget(Paragraph::new(state_lines), state_area);

    let mut resend = Vec::new();
    if let Some(sent) = otp.sent.as_ref().filter(|_| usable) {
        let key = chrome.keymap.hint(Action::Resend).unwrap_or_default();
        let wait = sent.resend_wait(app.session.now);
        let words = if wait > 0 {
            i18n::fill(locale, "otp.resend_in", &[("key", &key), ("time", &text::countdown(wait))])
        } else {
            i18n::fill(locale, "otp.resend_now", &[("key", &key)])
        };
        resend.push(Span::styled(words, theme::DIM));
        if otp.channels.len() > 1 {
            let next = otp.channels[(otp.channel + 1) % otp.channels.len()];
            let key = chrome.keymap.hint(Action::SwitchChannel).unwrap_or_default();
            resend.push(Span::styled(
                format!(
                    " · {}",
                    i18n::fill(locale, "otp.switch", &[("key", &key), ("channel", channel_name(locale, next))])
                ),
                theme::DIM,
            ));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(resend)), resend_area);
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
