//! The day's history (F3): each dispensation of this terminal since midnight (time, code, type, sponsor,
//! status, amount, claim), a filter typed at the top, and the end-of-shift totals per sponsor and currency.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use rust_decimal::Decimal;

use super::chrome::Chrome;
use super::{t, text, theme};
use crate::counter::{App, History, HistoryRow};
use crate::i18n::{self, Locale};

pub(super) fn render(frame: &mut Frame, area: Rect, history: &History, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let inner = super::panel(frame, area, t(locale, "history.title"));
    let [filter_area, _, table_area, totals_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Fill(1), Constraint::Length(2)])
            .areas(inner);

    let label = format!("{} ", t(locale, "history.filter"));
    let label_width = u16::try_from(text::width(&label)).unwrap_or(0);
    frame.render_widget(Paragraph::new(Span::styled(label, theme::DIM)), filter_area);
    let field = Rect {
        x: filter_area.x + label_width,
        width: filter_area.width.saturating_sub(label_width).min(30),
        ..filter_area
    };
    super::input_field(frame, field, &history.filter, theme::FOCUS, app.typing());

    let Some(_) = &history.rows else {
        frame.render_widget(Paragraph::new(t(locale, "history.loading")).style(theme::WARNING), table_area);
        return;
    };
    if let Some(error) = &history.error {
        let words = i18n::fill(locale, "history.unreadable", &[("error", error)]);
        frame.render_widget(Paragraph::new(text::fit(&words, table_area.width)).style(theme::ERROR), table_area);
        return;
    }
    let shown = history.shown();
    if shown.is_empty() {
        frame.render_widget(Paragraph::new(t(locale, "history.empty")).style(theme::DIM), table_area);
    } else {
        table(frame, table_area, &shown, history.offset, app, chrome);
    }
    totals(frame, totals_area, &shown, app, locale);
}

fn table(frame: &mut Frame, area: Rect, rows: &[&HistoryRow], offset: usize, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    // A claim id is 30 characters; on a narrow screen its tail (which tells claims apart) is shown.
    let claim_width: u16 = if area.width >= 110 { 30 } else { 12 };
    let widths = [5u16, 16, 4, 0, 10, 11, claim_width];
    let header = Row::new(
        [
            "history.time",
            "history.code",
            "history.type",
            "history.sponsor",
            "history.status",
            "history.amount",
            "history.claim",
        ]
        .map(|key| Cell::from(t(locale, key))),
    )
    .style(theme::BOLD);
    let visible = usize::from(area.height.saturating_sub(1));
    let body = rows.iter().skip(offset).take(visible).map(|row| {
        let sponsor = sponsor(row, app, locale).to_owned();
        let (status, style) = match row.status.as_str() {
            "COMPLETED" => (t(locale, "history.completed"), theme::OK),
            "CANCELLED" => (t(locale, "history.cancelled"), theme::DIM),
            "FINALIZING" => (t(locale, "history.finalizing"), theme::WARNING),
            _ => (t(locale, "history.started"), theme::WARNING),
        };
        let kind = match row.code_type.as_deref() {
            Some("AUTHORIZATION") => t(locale, "history.authorization"),
            Some("PRESCRIPTION") => t(locale, "history.prescription"),
            _ => "",
        };
        let claim = row.claim_id.as_ref().map(ToString::to_string).unwrap_or_default();
        let claim = if text::width(&claim) > usize::from(claim_width) {
            let tail: String =
                claim.chars().rev().take(usize::from(claim_width) - 1).collect::<Vec<_>>().into_iter().rev().collect();
            format!("…{tail}")
        } else {
            claim
        };
        let amount = row.amount.map(|amount| i18n::amount(amount, row.currency.as_deref())).unwrap_or_default();
        Row::new(vec![
            Cell::from(chrome.time_of_day(row.started_at)),
            Cell::from(row.code.clone()),
            Cell::from(kind),
            Cell::from(sponsor),
            Cell::from(Span::styled(status, style)),
            Cell::from(format!("{amount:>11}")),
            Cell::from(claim),
        ])
    });
    let constraints = widths.map(|width| if width == 0 { Constraint::Fill(1) } else { Constraint::Length(width) });
    frame.render_widget(Table::new(body, constraints).header(header).column_spacing(1), area);
}

/// The sponsor's name for a row, or "private" for a cash prescription.
fn sponsor<'a>(row: &'a HistoryRow, app: &'a App, locale: Locale) -> &'a str {
    row.sponsor_slug.as_deref().map_or(t(locale, "history.cash"), |slug| app.session.sponsors.name_or_slug(slug))
}

/// `Total del turno: Sponsor Sandbox Q1,234.50 (3) · particular Q52.00 (1)`: completed dispensations only.
fn totals(frame: &mut Frame, area: Rect, rows: &[&HistoryRow], app: &App, locale: Locale) {
    let mut sums: BTreeMap<(String, String), (Decimal, usize)> = BTreeMap::new();
    for row in rows.iter().filter(|row| row.status == "COMPLETED") {
        let sponsor = sponsor(row, app, locale).to_owned();
        let sum = sums.entry((sponsor, row.currency.clone().unwrap_or_default())).or_default();
        sum.0 += row.amount.unwrap_or_default();
        sum.1 += 1;
    }
    let parts: Vec<String> = sums
        .into_iter()
        .map(|((sponsor, currency), (amount, count))| {
            let money = i18n::amount(amount, Some(&currency));
            format!("{sponsor} {money} ({count})")
        })
        .collect();
    let words = if parts.is_empty() { t(locale, "history.no_totals").to_owned() } else { parts.join(" · ") };
    let spans = vec![Span::styled(format!("{} ", t(locale, "history.totals")), theme::BOLD), Span::raw(words)];
    frame.render_widget(Paragraph::new(Line::from(text::fit_spans(spans, area.width))), area);
}
