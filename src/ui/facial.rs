//! The remote facial check: the challenge page as a QR code the beneficiary scans with their phone, the same
//! address as text (to type or dictate), the countdown, and the live status from polling.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::chrome::Chrome;
use super::{qr, summary, t, text, theme};
use crate::counter::{App, Facial, FacialState};
use crate::i18n;

/// Columns kept for the words beside the code.
const TEXT_MIN_WIDTH: u16 = 34;

pub(super) fn render(frame: &mut Frame, area: Rect, facial: &Facial, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    // No frame around this screen: every row goes to the code, so it stays scannable at 80x24.
    // A rejected or lapsed challenge is not shown: a phone must not scan a page that no longer works.
    let live = matches!(facial.state, FacialState::Waiting | FacialState::Requesting);
    let url = facial.challenge_url.as_deref().filter(|_| live);
    let drawn = url.and_then(|url| qr::draw(url, area.width.saturating_sub(TEXT_MIN_WIDTH + 2), area.height));
    let qr_width = drawn.as_ref().map_or(0, |drawn| drawn.width);
    let [code_area, _, words_area] =
        Layout::horizontal([Constraint::Length(qr_width), Constraint::Length(2), Constraint::Fill(1)]).areas(area);
    if let Some(drawn) = drawn {
        let top = code_area.y + (code_area.height - drawn.height) / 2;
        frame.render_widget(Paragraph::new(drawn.lines), Rect { y: top, height: drawn.height, ..code_area });
    }
    let [header, _, body] =
        Layout::vertical([Constraint::Length(summary::STACKED_ROWS + 1), Constraint::Length(1), Constraint::Fill(1)])
            .areas(words_area);
    frame.render_widget(
        Paragraph::new(Span::styled(t(locale, "facial.title"), theme::TITLE)),
        Rect { height: 1, ..header },
    );
    summary::stacked(frame, Rect { y: header.y + 1, height: summary::STACKED_ROWS, ..header }, app, chrome);

    let mut lines = vec![Line::from(Span::styled(t(locale, "facial.instruction"), theme::BOLD)), Line::default()];
    match url {
        Some(url) => {
            lines.push(Line::from(Span::styled(t(locale, "facial.or_open"), theme::DIM)));
            lines.push(Line::from(Span::styled(url.to_owned(), theme::KEY)));
        }
        None if live => lines.push(Line::from(Span::styled(t(locale, "facial.requesting"), theme::WARNING))),
        None => {}
    }
    if url.is_some() && qr_width == 0 {
        lines.push(Line::from(Span::styled(t(locale, "facial.enlarge_for_code"), theme::WARNING)));
    }
    lines.push(Line::default());
    if let (Some(expires_at), FacialState::Waiting) = (facial.expires_at, facial.state) {
        let left = (expires_at - app.session.now).whole_seconds();
        lines.push(Line::from(i18n::fill(locale, "facial.expires_in", &[("time", &text::countdown(left))])));
    }
    let (state, style) = match facial.state {
        FacialState::Requesting => (t(locale, "facial.requesting"), theme::WARNING),
        FacialState::Waiting => (t(locale, "facial.waiting"), theme::WARNING),
        FacialState::Rejected => (t(locale, "facial.rejected"), theme::ERROR),
        FacialState::Expired => (t(locale, "facial.expired"), theme::ERROR),
    };
    if facial.challenge_url.is_some() || facial.state != FacialState::Requesting {
        lines.push(Line::from(Span::styled(state, style)));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
}
