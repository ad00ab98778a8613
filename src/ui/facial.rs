//! The remote facial check: the challenge page as a QR code the beneficiary scans with their phone, the same
//! address as text (to type or dictate, broken only after a `/`), the countdown, and the live status from
//! polling. Code and words are laid out as one block in the screen's frame, centred at every size: the words
//! beside the code when there is room, below it otherwise, alone (with a word on why) when the code does not fit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::chrome::Chrome;
use super::qr::{self, Drawn};
use super::{summary, t, text, theme};
use crate::counter::{App, Facial, FacialState, seconds_until};
use crate::i18n;

/// Columns between the code and the words beside it.
const GAP: u16 = 2;
/// The narrowest column of words worth putting beside the code.
const TEXT_MIN_WIDTH: u16 = 34;
/// The widest: longer lines are hard to read, and keep the block from looking scattered on a wide screen.
const TEXT_MAX_WIDTH: u16 = 56;

pub(super) fn render(frame: &mut Frame, area: Rect, facial: &Facial, app: &App, chrome: &Chrome) {
    let inner = super::panel(frame, area, t(chrome.locale, "facial.title"));
    // A rejected or lapsed challenge is not shown: a phone must not scan a page that no longer works.
    let live = matches!(facial.state, FacialState::Waiting | FacialState::Requesting);
    let url = facial.challenge_url.as_deref().filter(|_| live);
    let summary_rows = summary::STACKED_ROWS + 1;

    // Beside: the code as tall as the frame allows, the words in the columns left.
    let beside = url.and_then(|url| {
        let code = qr::draw(url, inner.width.saturating_sub(GAP + TEXT_MIN_WIDTH), inner.height)?;
        let words = words(facial, Some(url), true, app, chrome, (inner.width - code.width - GAP).min(TEXT_MAX_WIDTH));
        (summary_rows + words.height() <= inner.height).then_some((code, words))
    });
    if let Some((code, words)) = beside {
        let width = code.width + GAP + words.width;
        let height = code.height.max(summary_rows + words.height());
        let block = centred(inner, width, height);
        let code_at = Rect { y: block.y + (height - code.height) / 2, ..block };
        let words_at = Rect {
            x: block.x + code.width + GAP,
            y: block.y + (height - summary_rows - words.height()) / 2,
            width: words.width,
            height: summary_rows + words.height(),
        };
        draw_code(frame, code_at, code);
        draw_words(frame, words_at, words, app, chrome);
        return;
    }
    // Below: the words under the code, when the frame is too narrow for both side by side.
    let width = inner.width.min(TEXT_MAX_WIDTH);
    let below = url.and_then(|url| {
        let words = words(facial, Some(url), true, app, chrome, width);
        let room = inner.height.checked_sub(summary_rows + words.height() + 1)?;
        Some((qr::draw(url, inner.width, room)?, words))
    });
    if let Some((code, words)) = below {
        let block_width = code.width.max(words.width);
        let height = code.height + 1 + summary_rows + words.height();
        let block = centred(inner, block_width, height);
        let code_at = Rect { x: block.x + (block_width - code.width) / 2, ..block };
        let words_at = Rect {
            x: block.x + (block_width - words.width) / 2,
            y: block.y + code.height + 1,
            width: words.width,
            height: summary_rows + words.height(),
        };
        draw_code(frame, code_at, code);
        draw_words(frame, words_at, words, app, chrome);
        return;
    }
    // The words alone: no live challenge, or no room for its code (then they say so).
    let words = words(facial, url, false, app, chrome, width);
    let height = (summary_rows + words.height()).min(inner.height);
    let block = centred(inner, words.width, height);
    draw_words(frame, block, words, app, chrome);
}

/// A `width` × `height` block in the middle of `area` (cut to it).
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let (width, height) = (width.min(area.width), height.min(area.height));
    Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height }
}

fn draw_code(frame: &mut Frame, at: Rect, code: Drawn) {
    let area = Rect { width: code.width.min(at.width), height: code.height.min(at.height), ..at };
    frame.render_widget(Paragraph::new(code.lines), area);
}

/// The dispensation's facts, a blank row, then the words.
fn draw_words(frame: &mut Frame, at: Rect, words: Words, app: &App, chrome: &Chrome) {
    let facts = Rect { height: summary::STACKED_ROWS.min(at.height), ..at };
    summary::stacked(frame, facts, app, chrome);
    let rest = at.height.saturating_sub(summary::STACKED_ROWS + 1);
    let body = Rect { y: at.y + at.height - rest, height: rest, ..at };
    frame.render_widget(Paragraph::new(words.lines), body);
}

/// The words of the screen, broken to a column's width, and the width they take.
struct Words {
    lines: Vec<Line<'static>>,
    width: u16,
}

impl Words {
    fn height(&self) -> u16 {
        u16::try_from(self.lines.len()).unwrap_or(u16::MAX)
    }
}

/// What to ask, the address (`url`, when a live challenge has one), the countdown and the state, for a column
/// of at most `width`; `code_shown` says whether the QR code is on screen beside them.
fn words(facial: &Facial, url: Option<&str>, code_shown: bool, app: &App, chrome: &Chrome, width: u16) -> Words {
    let locale = chrome.locale;
    let mut lines = Vec::new();
    let mut add = |words: &str, style: Style| {
        lines.extend(text::wrap(words, width).into_iter().map(|line| Line::from(Span::styled(line, style))));
    };
    if let Some(url) = url {
        add(t(locale, "facial.instruction"), theme::BOLD);
        if !code_shown {
            add(t(locale, "facial.enlarge_for_code"), theme::WARNING);
        }
        add("", theme::PLAIN);
        add(t(locale, "facial.or_open"), theme::DIM);
        for piece in url_lines(url, width) {
            add(&piece, theme::KEY);
        }
        add("", theme::PLAIN);
    }
    if let (Some(expires_at), FacialState::Waiting) = (facial.expires_at, facial.state) {
        let left = seconds_until(expires_at, app.session.now);
        add(&i18n::fill(locale, "facial.expires_in", &[("time", &text::countdown(left))]), theme::PLAIN);
    }
    let (state, style) = match facial.state {
        FacialState::Requesting => (t(locale, "facial.requesting"), theme::WARNING),
        FacialState::Waiting => (t(locale, "facial.waiting"), theme::WARNING),
        FacialState::Rejected => (t(locale, "facial.rejected"), theme::ERROR),
        FacialState::Expired => (t(locale, "facial.expired"), theme::ERROR),
    };
    add(state, style);
    let width = lines.iter().map(Line::width).max().unwrap_or(0);
    Words { lines, width: u16::try_from(width).unwrap_or(u16::MAX) }
}

/// `url` on lines of at most `width` columns, broken only after a `/` (so each line reads as part of an
/// address, and `https://` stays whole); a part longer than a line, which no `/` breaks, is cut where it must be.
pub(super) fn url_lines(url: &str, width: u16) -> Vec<String> {
    let width = usize::from(width.max(1));
    // The parts: up to and with each `/` not followed by another (`//` is one break: `https://` is a part).
    let mut parts = Vec::new();
    let mut start = 0;
    for (at, c) in url.char_indices() {
        if c == '/' && url.as_bytes().get(at + 1) != Some(&b'/') {
            parts.push(&url[start..=at]);
            start = at + 1;
        }
    }
    if start < url.len() {
        parts.push(&url[start..]);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for part in parts {
        if !line.is_empty() && text::width(&line) + text::width(part) > width {
            lines.push(std::mem::take(&mut line));
        }
        line.push_str(part);
        while text::width(&line) > width {
            let cut: String = line.chars().take(width).collect();
            line = line.chars().skip(width).collect();
            lines.push(cut);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::url_lines;

    #[test]
    fn an_address_breaks_only_after_a_slash() {
        let url = "https://sandbox.mostrador.test/sandbox/v1/challenges/chl_01M7ZA5ER0DFG4BGK1NPF648DP";
        assert_eq!(
            url_lines(url, 35),
            ["https://sandbox.mostrador.test/", "sandbox/v1/challenges/", "chl_01M7ZA5ER0DFG4BGK1NPF648DP"]
        );
        assert_eq!(url_lines(url, 200), [url]);
        assert_eq!(
            url_lines(url, 56),
            ["https://sandbox.mostrador.test/sandbox/v1/challenges/", "chl_01M7ZA5ER0DFG4BGK1NPF648DP"]
        );
        // A part no `/` breaks is cut only when it cannot fit a line of its own.
        assert_eq!(url_lines("http://h/abcdefghij", 6), ["http:/", "/h/", "abcdef", "ghij"]);
    }
}
