//! The settlements screen (radicación), for supervisors: the sponsor and period on top, the open batch's pending
//! claims with what the sponsor is asked for and what the patient paid, the chosen count and totals, the invoice
//! fields with the server's words next to each one it refused, and the pharmacy's batches with their states.
//! Amounts are in the sponsor's currency with its country's formatting. Everything shown is the core's
//! `SettlementsStep` (totals included): nothing is added up here.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::chrome::Chrome;
use super::{t, text, theme};
use crate::counter::{App, SettlementsFocus, SettlementsNotice, SettlementsStep};
use crate::i18n::{self, Locale};
use crate::inert;
use crate::osigu::model::SettlementStatus;
use crate::settlements::{InvoiceField, InvoiceProblem};

/// The most batches listed (the newest first); Ctrl-R and ↑/↓ reach the rest.
const BATCH_ROWS: usize = 5;

pub(super) fn render(frame: &mut Frame, area: Rect, step: &SettlementsStep, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let inner = super::panel(frame, area, t(locale, "settlements.title"));
    let batch_rows = step.board.batches.len().clamp(1, BATCH_ROWS) + usize::from(!step.board.batches.is_empty());
    let [choose, notice, claims, totals, number, date, batches_title, batches] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(u16::try_from(batch_rows).unwrap_or(1)),
    ])
    .areas(inner);
    chooser(frame, choose, step, locale);
    notice_line(frame, notice, step, locale);
    claims_table(frame, claims, step, locale);
    totals_line(frame, totals, step, locale);
    field(frame, number, step, InvoiceField::Number, locale);
    field(frame, date, step, InvoiceField::Date, locale);
    frame.render_widget(Paragraph::new(t(locale, "settlements.batches")).style(theme::BOLD), batches_title);
    batches_table(frame, batches, step, app, locale);
}

fn focused(step: &SettlementsStep, focus: SettlementsFocus) -> Style {
    if step.focus == focus { theme::FOCUS } else { theme::PLAIN }
}

fn chooser(frame: &mut Frame, area: Rect, step: &SettlementsStep, locale: Locale) {
    let board = &step.board;
    let sponsor = match board.sponsor() {
        Some(sponsor) => inert::line(&sponsor.name).into_owned(),
        None => t(locale, "settlements.no_batch_sponsor").to_owned(),
    };
    let style = focused(step, SettlementsFocus::Sponsor);
    let line = Line::from(vec![
        Span::raw(format!("{}: ", t(locale, "settlements.sponsor"))),
        Span::styled(format!(" {sponsor} "), style),
        Span::raw(format!("  {}: ", t(locale, "settlements.period"))),
        Span::styled(format!(" {} ", board.period), style),
    ]);
    frame.render_widget(Paragraph::new(Line::from(text::fit_spans(line.spans, area.width))), area);
}

fn notice_line(frame: &mut Frame, area: Rect, step: &SettlementsStep, locale: Locale) {
    let (words, style) = match &step.notice {
        None => match &step.board.open {
            Some(_) => (t(locale, "settlements.open_batch").to_owned(), theme::DIM),
            None => (t(locale, "settlements.choose").to_owned(), theme::DIM),
        },
        Some(SettlementsNotice::Submitted { invoice, .. }) => {
            (i18n::fill(locale, "settlements.submitted", &[("invoice", &inert::line(invoice))]), theme::OK)
        }
        Some(SettlementsNotice::NothingChosen) => (t(locale, "settlements.nothing_chosen").to_owned(), theme::WARNING),
        Some(SettlementsNotice::NoPending) => (t(locale, "settlements.no_pending").to_owned(), theme::WARNING),
        Some(SettlementsNotice::Exported { path }) => {
            (i18n::fill(locale, "settlements.exported", &[("path", &inert::line(path))]), theme::OK)
        }
        Some(SettlementsNotice::NotExported) => (t(locale, "settlements.not_exported").to_owned(), theme::ERROR),
    };
    frame.render_widget(Paragraph::new(text::fit(&words, area.width)).style(style), area);
}

fn claims_table(frame: &mut Frame, area: Rect, step: &SettlementsStep, locale: Locale) {
    let board = &step.board;
    let currency = board.currency();
    if board.pending.is_empty() {
        let words = if board.open.is_some() { "settlements.none_pending" } else { "settlements.claims_after_open" };
        frame.render_widget(Paragraph::new(t(locale, words)).style(theme::DIM), area);
        return;
    }
    let header = Row::new([
        Cell::from(""),
        Cell::from(t(locale, "settlements.claim")),
        Cell::from(t(locale, "settlements.dispensed")),
        Cell::from(Line::from(t(locale, "settlements.sponsor_amount")).right_aligned()),
        Cell::from(Line::from(t(locale, "settlements.patient_amount")).right_aligned()),
    ])
    .style(theme::BOLD);
    let visible = usize::from(area.height.saturating_sub(1)).max(1);
    let first = board.cursor.saturating_sub(visible - 1);
    let rows = board.pending.iter().zip(&board.chosen).enumerate().skip(first).take(visible).map(
        |(index, (claim, chosen))| {
            let mark = if *chosen { "[✔]" } else { "[ ]" };
            let code = claim.code.as_deref().unwrap_or(claim.authorization_id.as_str());
            let when = claim.dispensed_at.map(|at| i18n::date(locale, at.date())).unwrap_or_default();
            let patient =
                claim.patient_amount.map(|amount| i18n::amount(amount, currency)).unwrap_or_else(|| "—".to_owned());
            let style = if index == board.cursor && step.focus == SettlementsFocus::Claims {
                theme::SELECTED
            } else if *chosen {
                theme::PLAIN
            } else {
                theme::DIM
            };
            Row::new([
                Cell::from(mark),
                Cell::from(inert::line(code).into_owned()),
                Cell::from(when),
                Cell::from(Line::from(i18n::amount(claim.total_amount, currency)).right_aligned()),
                Cell::from(Line::from(patient).right_aligned()),
            ])
            .style(style)
        },
    );
    let widths = [
        Constraint::Length(3),
        Constraint::Fill(1),
        Constraint::Length(10),
        Constraint::Length(15),
        Constraint::Length(13),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
}

fn totals_line(frame: &mut Frame, area: Rect, step: &SettlementsStep, locale: Locale) {
    let board = &step.board;
    if board.pending.is_empty() {
        return;
    }
    let currency = board.currency();
    let patients =
        board.chosen_patient_total().map(|amount| i18n::amount(amount, currency)).unwrap_or_else(|| "—".to_owned());
    let words = i18n::fill(
        locale,
        "settlements.totals",
        &[
            ("chosen", &board.chosen_count().to_string()),
            ("of", &board.pending.len().to_string()),
            ("total", &i18n::amount(board.chosen_total(), currency)),
            ("patients", &patients),
        ],
    );
    frame.render_widget(Paragraph::new(text::fit(&words, area.width)).style(theme::BOLD), area);
}

fn field(frame: &mut Frame, area: Rect, step: &SettlementsStep, which: InvoiceField, locale: Locale) {
    let (label, input, focus) = match which {
        InvoiceField::Number => ("settlements.invoice_number", &step.invoice_number, SettlementsFocus::InvoiceNumber),
        InvoiceField::Date => ("settlements.invoice_date", &step.invoice_date, SettlementsFocus::InvoiceDate),
    };
    let label = format!("{:<16}", t(locale, label));
    let value = format!(" {:<20} ", input.value());
    let mut spans = vec![Span::raw(label), Span::styled(value, focused(step, focus))];
    if let Some(problem) = step.board.errors.get(&which) {
        let key = match (which, problem) {
            (InvoiceField::Number, InvoiceProblem::Missing) => "settlements.number_missing",
            (InvoiceField::Number, _) => "settlements.number_invalid",
            (InvoiceField::Date, InvoiceProblem::Missing) => "settlements.date_missing",
            (InvoiceField::Date, InvoiceProblem::Future) => "settlements.date_future",
            (InvoiceField::Date, InvoiceProblem::BeforePeriod) => "settlements.date_before_period",
            (InvoiceField::Date, InvoiceProblem::Invalid) => "settlements.date_invalid",
        };
        spans.push(Span::styled(format!(" ◂ {}", t(locale, key)), theme::ERROR));
    }
    frame.render_widget(Paragraph::new(Line::from(text::fit_spans(spans, area.width))), area);
}

/// A batch's state in the supervisor's words.
fn status_key(status: SettlementStatus) -> &'static str {
    match status {
        SettlementStatus::Open => "settlements.status_open",
        SettlementStatus::Submitted => "settlements.status_submitted",
        SettlementStatus::Accepted => "settlements.status_accepted",
        SettlementStatus::Rejected => "settlements.status_rejected",
        SettlementStatus::PartiallyAccepted => "settlements.status_partially_accepted",
        SettlementStatus::Unknown => "settlements.status_unknown",
    }
}

fn batches_table(frame: &mut Frame, area: Rect, step: &SettlementsStep, app: &App, locale: Locale) {
    let batches = &step.board.batches;
    if batches.is_empty() {
        frame.render_widget(Paragraph::new(t(locale, "settlements.no_batches")).style(theme::DIM), area);
        return;
    }
    let header = Row::new([
        Cell::from(t(locale, "settlements.period")),
        Cell::from(t(locale, "settlements.sponsor")),
        Cell::from(t(locale, "settlements.invoice")),
        Cell::from(t(locale, "settlements.state")),
        Cell::from(Line::from(t(locale, "settlements.total")).right_aligned()),
        Cell::from(Line::from(t(locale, "settlements.accepted_amount")).right_aligned()),
    ])
    .style(theme::BOLD);
    let visible = usize::from(area.height.saturating_sub(1)).max(1);
    let first = step.selected.saturating_sub(visible - 1);
    // The sponsor's column takes what the others leave (their widths below, and a space between each two).
    let sponsor_width = area.width.saturating_sub(7 + 11 + 17 + 12 + 12 + 5);
    let rows = batches.iter().enumerate().skip(first).take(visible).map(|(index, batch)| {
        let currency = batch.currency.as_deref();
        let sponsor = batch.sponsor_slug.as_deref().map(|slug| app.session.sponsors.name_or_slug(slug)).unwrap_or("");
        let sponsor = text::fit(&inert::line(sponsor), sponsor_width);
        let total = batch.total.map(|amount| i18n::amount(amount, currency)).unwrap_or_default();
        let accepted = batch.accepted.map(|amount| i18n::amount(amount, currency)).unwrap_or_default();
        let state = if batch.status.is_decided() { theme::BOLD } else { theme::PLAIN };
        let style =
            if index == step.selected && step.focus == SettlementsFocus::Batches { theme::SELECTED } else { state };
        Row::new([
            Cell::from(inert::line(batch.period.as_deref().unwrap_or("")).into_owned()),
            Cell::from(sponsor),
            Cell::from(inert::line(batch.invoice_number.as_deref().unwrap_or("")).into_owned()),
            Cell::from(t(locale, status_key(batch.status))),
            Cell::from(Line::from(total).right_aligned()),
            Cell::from(Line::from(accepted).right_aligned()),
        ])
        .style(style)
    });
    let widths = [
        Constraint::Length(7),
        Constraint::Fill(1),
        Constraint::Length(11),
        Constraint::Length(17),
        Constraint::Length(12),
        Constraint::Length(12),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
}
