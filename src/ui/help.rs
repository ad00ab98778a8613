//! The help overlay (F1): every action with its keys, generated from the keymap in use, so a `[keys]` override
//! shows here the moment it applies.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::chrome::Chrome;
use super::{t, text, theme};
use crate::i18n;

pub(super) fn render(frame: &mut Frame, area: Rect, chrome: &Chrome) {
    let locale = chrome.locale;
    let entries = chrome.keymap.help();
    let keys: Vec<String> = entries
        .iter()
        .map(|(_, keys)| if keys.is_empty() { t(locale, "help.unbound").to_owned() } else { keys.join(", ") })
        .collect();
    let key_width = keys.iter().map(|keys| text::width(keys)).max().unwrap_or(0);
    // One column when it fits; two side by side on a short screen (21 actions do not fit 22 rows with a frame).
    let columns: usize = if entries.len() + 4 <= usize::from(area.height) { 1 } else { 2 };
    let rows = entries.len().div_ceil(columns);
    let width = area.width.saturating_sub(2).min(if columns == 1 { 72 } else { 110 });
    // Rows, a blank line and the note about `[keys]`, inside a frame.
    let height = u16::try_from(rows + 4).unwrap_or(u16::MAX).min(area.height);
    let popup = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::KEY)
        .title(Span::styled(format!(" {} ", t(locale, "help.title")), theme::TITLE));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let column_width = inner.width / u16::try_from(columns).unwrap_or(1);
    let room = column_width.saturating_sub(u16::try_from(key_width + 3).unwrap_or(0));
    let cells: Vec<Vec<Span>> = entries
        .iter()
        .zip(&keys)
        .map(|((action, _), keys)| {
            let description = i18n::text(locale, &format!("action.{}", action.name())).to_owned();
            let description = text::fit(&description, room);
            let pad = usize::from(room).saturating_sub(text::width(&description));
            vec![
                Span::styled(format!(" {keys:<key_width$}  "), theme::KEY),
                Span::raw(format!("{description}{}", " ".repeat(pad))),
            ]
        })
        .collect();
    let mut lines: Vec<Line> = (0..rows)
        .map(|row| {
            let spans: Vec<Span> =
                (0..columns).filter_map(|column| cells.get(column * rows + row)).flatten().cloned().collect();
            Line::from(spans)
        })
        .collect();
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(format!(" {}", text::fit(t(locale, "help.config"), inner.width)), theme::DIM)));
    frame.render_widget(Paragraph::new(lines), inner);
}
