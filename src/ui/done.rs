//! Done: the server said COMPLETED. The dispensation id, the claim Osigu created for an authorization with what
//! the sponsor pays, the invoice and the total; what to charge the patient, in reverse video across the screen;
//! after a partial delivery, what remains on each line and until when the code can be brought back; Enter is
//! ready for the next scan. Who pays what and what remains are the core's answers ([`Done`]).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::chrome::Chrome;
use super::{big, t, text, theme};
use crate::counter::Done;
use crate::i18n;
use crate::osigu::model::CodeType;

pub(super) fn render(frame: &mut Frame, area: Rect, done: &Done, chrome: &Chrome) {
    let locale = chrome.locale;
    let dispensation = &done.dispensation;
    let currency = dispensation.currency_code.as_deref();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::OK)
        .title(Span::styled(format!(" {} ", t(locale, "done.title")), theme::OK));
    let inner = block.inner(area).inner(Margin { horizontal: 2, vertical: 1 });
    frame.render_widget(block, area);
    let total = i18n::checked_amount(done.shares.total(), currency);
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
    // What the sponsor pays with the claim: the claim's amount (what it owes), else the server's share.
    let sponsor_owes = dispensation
        .claim
        .as_ref()
        .and_then(|claim| claim.amount)
        .or_else(|| done.shares.amounts().map(|amounts| amounts.sponsor))
        .filter(|_| dispensation.sponsor_slug.is_some());
    if let Some(amount) = sponsor_owes {
        lines.push(Line::from(vec![label("done.sponsor_pays"), Span::raw(i18n::amount(amount, currency))]));
    }
    let lines: Vec<Line> = lines.into_iter().map(|line| Line::from(text::fit_spans(line.spans, inner.width))).collect();
    let top_rows = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let remaining = remaining(done, chrome, inner.width);
    let remaining_rows = u16::try_from(remaining.len()).unwrap_or(u16::MAX);
    // What remains comes before the figure: the amount is said on the banner line already.
    let fixed = top_rows + 1 + 1 + remaining_rows + u16::from(remaining_rows > 0) + 1;
    let charge = done.shares.patient().map(|amount| i18n::amount(amount, currency));
    let charge_rows = big::charge_rows(charge.as_deref(), inner.width, inner.height.saturating_sub(fixed));
    let [top_area, _, charge_area, _, remaining_area, _, next_area] = Layout::vertical([
        Constraint::Length(top_rows),
        Constraint::Length(1),
        Constraint::Length(charge_rows),
        Constraint::Length(u16::from(remaining_rows > 0)),
        Constraint::Length(remaining_rows),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(lines), top_area);
    let words = match &charge {
        Some(amount) => i18n::fill(locale, "done.charge_patient", &[("amount", amount)]),
        None => t(locale, "done.charge_by_rules").to_owned(),
    };
    big::charge(frame, charge_area, &words, charge.as_deref());
    frame.render_widget(Paragraph::new(remaining), remaining_area);
    frame.render_widget(Paragraph::new(Span::styled(t(locale, "done.next"), theme::KEY)), next_area);
}

/// The most lines of what remains listed; past it the last says how many more there are.
const REMAINING_LINES: usize = 5;

/// `Queda por entregar, hasta el 21/12/2026:` and each line with units left (at most [`REMAINING_LINES`]).
fn remaining(done: &Done, chrome: &Chrome, width: u16) -> Vec<Line<'static>> {
    let locale = chrome.locale;
    if done.remaining.is_empty() {
        return Vec::new();
    }
    let heading = match done.until {
        Some(until) => i18n::fill(locale, "done.remaining_until", &[("date", &chrome.date(until))]),
        None => t(locale, "done.remaining").to_owned(),
    };
    let mut lines = vec![Line::from(Span::styled(heading, theme::BOLD))];
    let shown = if done.remaining.len() > REMAINING_LINES { REMAINING_LINES - 1 } else { done.remaining.len() };
    let units_width = 12u16;
    for line in done.remaining.iter().take(shown) {
        let name = line.product_name.clone().unwrap_or_else(|| line.product_code.clone());
        let name_width = width.saturating_sub(units_width + 3);
        let units = i18n::fill(locale, "done.remaining_units", &[("count", &line.units.to_string())]);
        let name = text::fit(&name, name_width);
        let pad = usize::from(name_width).saturating_sub(text::width(&name));
        lines.push(Line::from(vec![
            Span::raw(format!("  {name}{} ", " ".repeat(pad))),
            Span::styled(format!("{units:>width$}", width = usize::from(units_width)), theme::BOLD),
        ]));
    }
    let more = done.remaining.len().saturating_sub(shown);
    if more > 0 {
        let words = i18n::fill(locale, "done.remaining_more", &[("count", &more.to_string())]);
        lines.push(Line::from(Span::styled(format!("  {words}"), theme::DIM)));
    }
    lines
}
