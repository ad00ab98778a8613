//! The help overlay (F1): what the screen under it offers, each with its keys and what it does there, read from
//! the core's offers (the same answer the hints bar and the key dispatch read), so it can never list a key that
//! does nothing or miss one that acts. An offer that is quiet right now is listed dimmed, marked as such.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::chrome::Chrome;
use super::{t, text, theme};
use crate::counter::App;

pub(super) fn render(frame: &mut Frame, area: Rect, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let offers = app.screen_offers();
    let mut entries: Vec<(String, String, bool)> = Vec::new();
    for offer in &offers.list {
        let keys = chrome.keymap.keys(offer.action);
        let keys = if keys.is_empty() { t(locale, "help.unbound").to_owned() } else { keys.join(", ") };
        let mut words = t(locale, offer.words).to_owned();
        if !offer.enabled {
            words = format!("{words} {}", t(locale, "help.not_now"));
        }
        // Actions that say the same (↓ ↑ PgDn PgUp: "lines") share one row, their keys side by side.
        match entries.last_mut() {
            Some((last_keys, last_words, last_enabled)) if *last_words == words && *last_enabled == offer.enabled => {
                last_keys.push_str(", ");
                last_keys.push_str(&keys);
            }
            _ => entries.push((keys, words, offer.enabled)),
        }
    }
    let key_width = entries.iter().map(|(keys, _, _)| text::width(keys)).max().unwrap_or(0);
    let rows = entries.len();
    let width = area.width.saturating_sub(2).min(72);
    let note = text::wrap(t(locale, "help.config"), width.saturating_sub(4));
    // The rows, a blank line and the note about `[keys]`, inside a frame.
    let height = u16::try_from(rows + 3 + note.len()).unwrap_or(u16::MAX).min(area.height);
    let popup = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::KEY)
        .title(Span::styled(format!(" {} ", t(locale, "help.title")), theme::TITLE));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let room = inner.width.saturating_sub(u16::try_from(key_width + 3).unwrap_or(0));
    let mut lines: Vec<Line> = entries
        .iter()
        .map(|(keys, words, enabled)| {
            let style = if *enabled { theme::PLAIN } else { theme::DIM };
            Line::from(vec![
                Span::styled(format!(" {keys:<key_width$}  "), if *enabled { theme::KEY } else { theme::DIM }),
                Span::styled(text::fit(words, room), style),
            ])
        })
        .collect();
    lines.push(Line::default());
    lines.extend(note.into_iter().map(|line| Line::from(Span::styled(format!(" {line}"), theme::DIM))));
    frame.render_widget(Paragraph::new(lines), inner);
}
