//! The fingerprint screen: what to ask the beneficiary, what the reader is doing, and what to do after a
//! mismatch or a reader failure; on a terminal without a reader, that it has none, what IT must configure, and
//! what the clerk can do now.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::chrome::Chrome;
use super::{summary, t, theme};
use crate::counter::{App, Fingerprint, FingerprintState};
use crate::i18n;
use crate::keymap::Action;

pub(super) fn render(frame: &mut Frame, area: Rect, fingerprint: &Fingerprint, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let inner = super::panel(frame, area, t(locale, "fingerprint.title"));
    let [header, _, body] =
        Layout::vertical([Constraint::Length(summary::HEADER_ROWS), Constraint::Length(1), Constraint::Fill(1)])
            .areas(inner);
    summary::header(frame, header, app, chrome);
    let lines = if fingerprint.state == FingerprintState::NoReader {
        let back = chrome.keymap.hint(Action::Back).unwrap_or_default();
        vec![
            Line::from(Span::styled(t(locale, "fingerprint.no_reader"), theme::ERROR)),
            Line::default(),
            Line::from(Span::styled(i18n::fill(locale, "fingerprint.no_reader_now", &[("key", &back)]), theme::BOLD)),
            Line::default(),
            Line::from(Span::styled(t(locale, "fingerprint.no_reader_setup"), theme::DIM)),
        ]
    } else {
        let (state, style) = match fingerprint.state {
            FingerprintState::Capturing => (t(locale, "fingerprint.capturing"), theme::WARNING),
            FingerprintState::Submitting => (t(locale, "fingerprint.submitting"), theme::WARNING),
            FingerprintState::NoMatch => (t(locale, "fingerprint.no_match"), theme::ERROR),
            FingerprintState::ReaderFailed | FingerprintState::NoReader => {
                (t(locale, "fingerprint.reader_failed"), theme::ERROR)
            }
        };
        let mut lines = vec![
            Line::from(Span::styled(t(locale, "fingerprint.instruction"), theme::BOLD)),
            Line::default(),
            Line::from(Span::styled(state, style)),
        ];
        if let Some(attempts) = fingerprint.attempts_left {
            let words = i18n::fill(locale, "fingerprint.attempts_left", &[("count", &attempts.to_string())]);
            lines.push(Line::from(words));
        }
        lines
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), body);
}
