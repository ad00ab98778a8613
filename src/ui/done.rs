//! Done: the server said COMPLETED. The dispensation id, the claim Osigu created for an authorization, the
//! invoice and the total; Enter is ready for the next scan.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::chrome::Chrome;
use super::{t, text, theme};
use crate::counter::Done;
use crate::i18n;
use crate::osigu::model::CodeType;

pub(super) fn render(frame: &mut Frame, area: Rect, done: &Done, chrome: &Chrome) {
    let locale = chrome.locale;
    let dispensation = &done.dispensation;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::OK)
        .title(Span::styled(format!(" {} ", t(locale, "done.title")), theme::OK));
    let inner = block.inner(area).inner(Margin { horizontal: 2, vertical: 1 });
    frame.render_widget(block, area);
    let total = i18n::checked_amount(dispensation.charged(), dispensation.currency_code.as_deref());
    let label = |key: &'static str| Span::styled(format!("{:<22}", t(locale, key)), theme::DIM);
    let mut lines = vec![
        Line::from(Span::styled(format!("✔ {}", t(locale, "done.completed")), theme::OK)),
        Line::default(),
        Line::from(vec![label("done.code"), Span::styled(dispensation.code.clone().unwrap_or_default(), theme::BOLD)]),
        Line::from(vec![label("done.dispensation"), Span::raw(dispensation.dispensation_id.to_string())]),
    ];
    match &dispensation.claim {
        Some(claim) => {
            lines.push(Line::from(vec![label("done.claim"), Span::styled(claim.claim_id.to_string(), theme::BOLD)]))
        }
        None if dispensation.code_type == CodeType::Authorization => {
            lines
                .push(Line::from(vec![label("done.claim"), Span::styled(t(locale, "done.claim_pending"), theme::DIM)]));
        }
        None => {}
    }
    if let Some(number) = &done.invoice_number {
        lines.push(Line::from(vec![label("done.invoice"), Span::raw(number.clone())]));
    }
    if let Some(completed_at) = dispensation.completed_at {
        lines.push(Line::from(vec![label("done.at"), Span::raw(chrome.time_of_day(completed_at))]));
    }
    lines.push(Line::from(vec![label("done.total"), Span::styled(total, theme::OK)]));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(t(locale, "done.next"), theme::KEY)));
    let lines: Vec<Line> = lines.into_iter().map(|line| Line::from(text::fit_spans(line.spans, inner.width))).collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
