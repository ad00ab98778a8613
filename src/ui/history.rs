//! The history (F3): one day of this till's dispensations (the date in the title; today when it opens) or, when
//! the filter holds a code, what a search of the whole journal found. Each row says when it was completed (or,
//! when it was not, what it is), its code, sponsor and amount, and on a wide screen its invoice and claim; on a
//! narrow one the selected row is written out in full beneath the list (with what the patient paid and the sponsor
//! owes; a wide one has a column for the patient's part). What the cash drawer must hold per currency (what the
//! patients paid) and the day's totals per sponsor and currency, with what each sponsor owes, close the screen,
//! wrapped over as many lines as they need. Everything shown is the core's `History` state: nothing is filtered
//! or added up here.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::chrome::Chrome;
use super::{t, text, theme};
use crate::counter::{App, Drawer, History, HistoryRow, Listing, RowStatus, SEARCH_LIMIT, Total};
use crate::i18n::{self, Locale};

/// From this inner width on, the invoice and the claim have columns of their own (and the selected row needs no
/// line beneath).
const WIDE: u16 = 104;
/// The most lines the totals take; past it the last ends in `…` (only a day with many sponsors gets there).
const MAX_TOTAL_LINES: usize = 4;
/// Rows the selected row's details take beneath a narrow list.
const DETAIL_LINES: usize = 2;

pub(super) fn render(frame: &mut Frame, area: Rect, history: &History, app: &App, chrome: &Chrome) {
    if let Some(receipt) = &history.receipt {
        return render_receipt(frame, area, receipt, history.receipt_scroll, chrome);
    }
    let locale = chrome.locale;
    let inner = super::panel(frame, area, &title(history, chrome));
    let wide = inner.width >= WIDE;
    let footer = footer(history, app, chrome, inner.width);
    let detail_rows = if wide { 0 } else { DETAIL_LINES };
    let [filter_area, _, table_area, detail_area, footer_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(u16::try_from(detail_rows).unwrap_or(0)),
        Constraint::Length(u16::try_from(footer.len()).unwrap_or(0)),
    ])
    .areas(inner);
    filter(frame, filter_area, history, app, locale);

    match history.on_screen() {
        Listing::Loading => {
            let words = t(locale, if history.searching().is_some() { "history.searching" } else { "history.loading" });
            frame.render_widget(Paragraph::new(words).style(theme::WARNING), table_area);
        }
        Listing::Failed(error) => {
            let words = i18n::fill(locale, "history.unreadable", &[("error", error)]);
            let lines: Vec<Line> = text::wrap(&words, table_area.width).into_iter().map(Line::from).collect();
            frame.render_widget(Paragraph::new(lines).style(theme::ERROR), table_area);
        }
        Listing::Loaded(rows) if history.shown_len() == 0 => {
            let words = match history.searching() {
                Some(searched) => i18n::fill(locale, "history.not_found", &[("text", searched)]),
                None if rows.is_empty() => t(locale, "history.empty").to_owned(),
                None => t(locale, "history.no_match").to_owned(),
            };
            frame.render_widget(Paragraph::new(text::fit(&words, table_area.width)).style(theme::DIM), table_area);
        }
        Listing::Loaded(_) => {
            table(frame, table_area, history, app, chrome, wide);
            if !wide {
                detail(frame, detail_area, history, app, chrome);
            }
        }
    }
    frame.render_widget(Paragraph::new(footer), footer_area);
}

/// `Historial de esta caja (caja-1) · 21/11/2026, hoy`, or what is searched for.
fn title(history: &History, chrome: &Chrome) -> String {
    let locale = chrome.locale;
    if let Some(searched) = history.searching() {
        return i18n::fill(locale, "history.title_search", &[("text", searched)]);
    }
    let date = i18n::date(locale, history.day);
    let date =
        if history.day == history.today { i18n::fill(locale, "history.date_today", &[("date", &date)]) } else { date };
    match &chrome.till {
        Some(till) => i18n::fill(locale, "history.title_till", &[("till", &text::fit(till, 12)), ("date", &date)]),
        None => i18n::fill(locale, "history.title", &[("date", &date)]),
    }
}

/// `Filtro: [        ]  un código busca en todos los días`
fn filter(frame: &mut Frame, area: Rect, history: &History, app: &App, locale: Locale) {
    let label = format!("{} ", t(locale, "history.filter"));
    let label_width = u16::try_from(text::width(&label)).unwrap_or(0);
    frame.render_widget(Paragraph::new(Span::styled(label, theme::DIM)), area);
    let field = Rect { x: area.x + label_width, width: area.width.saturating_sub(label_width).min(30), ..area };
    super::input_field(frame, field, &history.filter, theme::FOCUS, app.typing());
    let note_x = field.right() + 2;
    if note_x < area.right() {
        let note = Rect { x: note_x, width: area.right() - note_x, ..area };
        let words = text::fit(t(locale, "history.filter_note"), note.width);
        frame.render_widget(Paragraph::new(words).style(theme::DIM), note);
    }
}

/// One row's cells, as text.
struct Cells {
    when: String,
    when_style: Style,
    code: String,
    sponsor: String,
    amount: String,
    /// What the patient paid of it.
    patient: String,
    invoice: String,
    claim: String,
    till: String,
    /// Who dispensed it (empty without clerks).
    clerk: String,
}

fn cells(row: &HistoryRow, searching: bool, app: &App, chrome: &Chrome) -> Cells {
    let locale = chrome.locale;
    let (state, when_style) = match row.status {
        RowStatus::Completed => (chrome.time_of_day(row.ended_at.unwrap_or(row.started_at)), theme::PLAIN),
        RowStatus::Cancelled => (t(locale, "history.cancelled").to_owned(), theme::DIM),
        RowStatus::Finalizing => (t(locale, "history.unconfirmed").to_owned(), theme::WARNING),
        RowStatus::Cancelling => (t(locale, "history.cancelling").to_owned(), theme::WARNING),
        RowStatus::Open => (t(locale, "history.open").to_owned(), theme::WARNING),
        RowStatus::PaperPending => (t(locale, "history.paper_pending").to_owned(), theme::WARNING),
        RowStatus::PaperApproved => (t(locale, "history.paper_approved").to_owned(), theme::OK),
        RowStatus::PaperRejected => (t(locale, "history.paper_rejected").to_owned(), theme::DIM),
        RowStatus::PaperSale => (t(locale, "history.paper_sale").to_owned(), theme::PLAIN),
    };
    // A search spans days: each row says which.
    let when = if searching {
        let at = row.ended_at.unwrap_or(row.started_at).to_offset(chrome.offset());
        format!("{:02}/{:02} {state}", at.day(), u8::from(at.month()))
    } else {
        state
    };
    // What was charged, or is being: a cancelled or open one charged nothing.
    let amount = match (row.status, row.amount) {
        (RowStatus::Completed | RowStatus::Finalizing | RowStatus::PaperSale, Some(amount)) => {
            i18n::amount(amount, row.currency.as_deref())
        }
        _ => String::new(),
    };
    let patient = match (row.status, row.split()) {
        (RowStatus::Completed, Some((_, patient))) => i18n::amount(patient, row.currency.as_deref()),
        _ => String::new(),
    };
    Cells {
        when,
        when_style,
        code: row.code.clone(),
        sponsor: sponsor(row.sponsor_slug.as_deref(), app, locale).to_owned(),
        amount,
        patient,
        invoice: row.invoice_number.clone().unwrap_or_default(),
        claim: row.claim_id.as_ref().map(ToString::to_string).unwrap_or_default(),
        till: row.till.clone(),
        clerk: row.clerk.as_deref().map(|clerk| crate::inert::line(clerk).into_owned()).unwrap_or_default(),
    }
}

/// The sponsor's name for a row, or "cash" for a prescription without one.
fn sponsor<'a>(slug: Option<&'a str>, app: &'a App, locale: Locale) -> &'a str {
    slug.map_or(t(locale, "history.cash"), |slug| app.session.sponsors.name_or_slug(slug))
}

/// The widest of `header` and `values`, at most `max` columns.
fn column(header: &str, values: impl Iterator<Item = usize>, max: usize) -> u16 {
    let widest = values.fold(text::width(header), usize::max);
    u16::try_from(widest.min(max)).unwrap_or(0)
}

fn table(frame: &mut Frame, area: Rect, history: &History, app: &App, chrome: &Chrome, wide: bool) {
    let locale = chrome.locale;
    let searching = history.searching().is_some();
    let all: Vec<Cells> = history.shown().map(|row| cells(row, searching, app, chrome)).collect();
    let header_of = |key| t(locale, key);
    let when = column(header_of("history.when"), all.iter().map(|c| text::width(&c.when)), 24);
    let code = column(header_of("history.code"), all.iter().map(|c| text::width(&c.code)), 20);
    let amount = column(header_of("history.amount"), all.iter().map(|c| text::width(&c.amount)), 18);
    let mut fixed = vec![1, when, code, 0, amount];
    let mut headers = vec!["", header_of("history.when"), header_of("history.code"), header_of("history.sponsor")];
    headers.push(header_of("history.amount"));
    if wide {
        fixed.push(column(header_of("history.patient"), all.iter().map(|c| text::width(&c.patient)), 18));
        headers.push(header_of("history.patient"));
        fixed.push(column(header_of("history.invoice"), all.iter().map(|c| text::width(&c.invoice)), 16));
        fixed.push(column(header_of("history.claim"), all.iter().map(|c| text::width(&c.claim)), 30));
        headers.extend([header_of("history.invoice"), header_of("history.claim")]);
        if searching {
            fixed.push(column(header_of("history.till"), all.iter().map(|c| text::width(&c.till)), 12));
            headers.push(header_of("history.till"));
        }
    }
    // Who dispensed each, on a wide screen, once clerks sign in (a narrow one says it under the list).
    let clerk_column = (wide && all.iter().any(|c| !c.clerk.is_empty())).then(|| {
        fixed.push(column(header_of("history.clerk"), all.iter().map(|c| text::width(&c.clerk)), 24));
        headers.push(header_of("history.clerk"));
        fixed.len() - 1
    });
    let gaps = u16::try_from(fixed.len() - 1).unwrap_or(0);
    // The sponsor takes what is left, but no more than its longest name: on a wide screen the amount stays near
    // the name it belongs to, and the room left over is at the right.
    let room = area.width.saturating_sub(fixed.iter().sum::<u16>() + gaps).max(8);
    let sponsor_width = room.min(column(header_of("history.sponsor"), all.iter().map(|c| text::width(&c.sponsor)), 80));
    fixed[3] = sponsor_width.max(8);
    let sponsor_width = fixed[3];

    // A sponsor's name wider than its column goes on over a second line rather than being cut.
    let sponsor_lines: Vec<Vec<String>> = all
        .iter()
        .map(|c| {
            let mut lines = text::wrap(&c.sponsor, sponsor_width);
            if lines.len() > 2 {
                let rest = lines[1..].join(" ");
                lines.truncate(1);
                lines.push(text::fit(&rest, sponsor_width));
            }
            lines
        })
        .collect();
    let heights: Vec<u16> = sponsor_lines.iter().map(|lines| u16::try_from(lines.len().max(1)).unwrap_or(2)).collect();

    // The rows from the first that keeps the selected one in view: nothing scrolls while everything fits.
    let height = area.height.saturating_sub(1);
    let selected = history.selected.min(all.len().saturating_sub(1));
    let mut first = 0;
    while first < selected && heights[first..=selected].iter().sum::<u16>() > height {
        first += 1;
    }
    let mut used = 0;
    let mut last = first;
    while last < all.len() && used + heights[last] <= height {
        used += heights[last];
        last += 1;
    }

    // The amount's header stands over the amounts' right edge, where their digits line up.
    let header = Row::new(headers.into_iter().enumerate().map(|(index, words)| {
        if index == 4 || (wide && index == 5) {
            Cell::from(Line::from(words).right_aligned())
        } else {
            Cell::from(words)
        }
    }))
    .style(theme::BOLD);
    let body = (first..last).map(|index| {
        let c = &all[index];
        let is_selected = index == selected;
        let mut row_cells = vec![
            Cell::from(if is_selected { "▶" } else { " " }),
            Cell::from(Span::styled(c.when.clone(), c.when_style)),
            Cell::from(text::fit_tail(&c.code, code)),
            Cell::from(sponsor_lines[index].iter().cloned().map(Line::from).collect::<Vec<_>>()),
            Cell::from(format!("{:>width$}", text::fit(&c.amount, amount), width = usize::from(amount))),
        ];
        if wide {
            let patient = usize::from(fixed[5]);
            row_cells.push(Cell::from(format!("{:>patient$}", text::fit(&c.patient, fixed[5]))));
            row_cells.push(Cell::from(text::fit(&c.invoice, fixed[6])));
            row_cells.push(Cell::from(text::fit_tail(&c.claim, fixed[7])));
            if searching {
                row_cells.push(Cell::from(text::fit(&c.till, fixed[8])));
            }
        }
        if let Some(column) = clerk_column {
            row_cells.push(Cell::from(text::fit(&c.clerk, fixed[column])));
        }
        let row = Row::new(row_cells).height(heights[index]);
        if is_selected { row.style(theme::SELECTED) } else { row }
    });
    let constraints: Vec<Constraint> = fixed.iter().map(|width| Constraint::Length(*width)).collect();
    frame.render_widget(Table::new(body, constraints).header(header).column_spacing(1), area);

    // Where the list is when it does not all fit: `3–10 / 42` at the table's top right.
    if first > 0 || last < all.len() {
        let position = format!(
            "{}{}–{} / {}{}",
            if first > 0 { "▲" } else { " " },
            first + 1,
            last,
            all.len(),
            if last < all.len() { "▼" } else { " " }
        );
        let width = u16::try_from(text::width(&position)).unwrap_or(0).min(area.width);
        let rect = Rect { x: area.right() - width, y: area.y, width, height: 1 };
        frame.render_widget(Paragraph::new(position).style(theme::KEY), rect);
    }
}

/// The selected row written out in full beneath a narrow list: code, sponsor, clerk, invoice, claim, when it started
/// (and, for a search, the till).
fn detail(frame: &mut Frame, area: Rect, history: &History, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let Some(row) = history.selected_row() else { return };
    let mut parts = vec![row.code.clone(), sponsor(row.sponsor_slug.as_deref(), app, locale).to_owned()];
    // Who served it, early: the detail is cut at its last line.
    if let Some(clerk) = &row.clerk {
        parts.push(i18n::fill(locale, "history.clerk_of", &[("name", &crate::inert::line(clerk))]));
    }
    if let (RowStatus::Completed, Some((sponsor_part, patient))) = (row.status, row.split()) {
        let currency = row.currency.as_deref();
        parts.push(i18n::fill(locale, "history.patient_paid", &[("amount", &i18n::amount(patient, currency))]));
        if row.sponsor_slug.is_some() {
            let owed = i18n::amount(sponsor_part, currency);
            parts.push(i18n::fill(locale, "history.sponsor_owes_row", &[("amount", &owed)]));
        }
    }
    if let Some(number) = &row.invoice_number {
        parts.push(i18n::fill(locale, "history.invoice_of", &[("number", number)]));
    }
    if let Some(claim) = &row.claim_id {
        parts.push(i18n::fill(locale, "history.claim_of", &[("claim", claim.as_str())]));
    }
    let started = if history.searching().is_some() {
        format!("{} {}", chrome.date(row.started_at), chrome.time_of_day(row.started_at))
    } else {
        chrome.time_of_day(row.started_at)
    };
    parts.push(i18n::fill(locale, "history.started_at", &[("when", &started)]));
    if history.searching().is_some() {
        parts.push(row.till.clone());
    }

    let mut lines = text::wrap(&parts.join(" · "), area.width);
    if lines.len() > DETAIL_LINES {
        let rest = lines[DETAIL_LINES - 1..].join(" ");
        lines.truncate(DETAIL_LINES - 1);
        lines.push(text::fit(&rest, area.width));
    }
    let lines: Vec<Line> = lines.into_iter().map(|line| Line::from(Span::styled(line, theme::DIM))).collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// The day's totals (`Total del turno: Sponsor Sandbox Q78.75 (1) · particular Q52.00 (1)`), wrapped between
/// parts; for a search, how many were found.
fn footer(history: &History, app: &App, chrome: &Chrome, width: u16) -> Vec<Line<'static>> {
    let locale = chrome.locale;
    if history.searching().is_some() {
        let Listing::Loaded(rows) = history.on_screen() else { return Vec::new() };
        if rows.is_empty() {
            return Vec::new();
        }
        let key = if rows.len() >= SEARCH_LIMIT { "history.found_newest" } else { "history.found" };
        let words = i18n::fill(locale, key, &[("count", &rows.len().to_string())]);
        return text::wrap(&words, width).into_iter().map(|line| Line::from(Span::styled(line, theme::DIM))).collect();
    }
    if !matches!(history.listing, Listing::Loaded(_)) {
        return Vec::new();
    }
    let label = if history.day == history.today {
        t(locale, "history.totals").to_owned()
    } else {
        i18n::fill(locale, "history.totals_of_day", &[("date", &i18n::date(locale, history.day))])
    };
    let parts: Vec<String> = history.totals().iter().map(|total| part(total, app, locale)).collect();
    let parts = if parts.is_empty() { vec![t(locale, "history.no_totals").to_owned()] } else { parts };
    let mut lines = Vec::new();
    if !history.drawer().is_empty() {
        let drawer: Vec<String> = history.drawer().iter().map(|drawer| drawer_part(drawer, locale)).collect();
        lines.extend(pack(t(locale, "history.drawer"), &drawer, width));
    }
    lines.extend(pack(&label, &parts, width));
    lines
}

/// `Sponsor Sandbox Q78.75 (1), debe Q63.00`: one sponsor's completed dispensations in one currency, and what it
/// owes for them (a cash total owes nothing); those whose share is not known are counted apart.
fn part(total: &Total, app: &App, locale: Locale) -> String {
    let currency = total.currency.as_deref();
    let money = i18n::checked_amount(total.amount, currency);
    let mut words = format!("{} {money} ({})", sponsor(total.sponsor_slug.as_deref(), app, locale), total.count);
    if total.sponsor_slug.is_some() && total.unshared < total.count {
        let owed = i18n::checked_amount(total.sponsor, currency);
        words.push_str(&format!(", {}", i18n::fill(locale, "history.sponsor_owes", &[("amount", &owed)])));
    }
    if total.unshared > 0 {
        let count = total.unshared.to_string();
        words.push_str(&format!(", {}", i18n::fill(locale, "history.unshared", &[("count", &count)])));
    }
    words
}

/// `Q67.75`: what the patients paid in one currency (and how many patients' parts are not known).
fn drawer_part(drawer: &Drawer, locale: Locale) -> String {
    let mut words = i18n::checked_amount(drawer.patient, drawer.currency.as_deref());
    if drawer.unshared > 0 {
        let count = drawer.unshared.to_string();
        words.push_str(&format!(" + {}", i18n::fill(locale, "history.unshared", &[("count", &count)])));
    }
    words
}

/// `label` then `parts` joined by ` · `, a new line where the next part would not fit (the line break separates
/// them there): a part is never split
/// unless it is wider than a whole line. At most [`MAX_TOTAL_LINES`] lines, the last ending in `…` when cut.
fn pack(label: &str, parts: &[String], width: u16) -> Vec<Line<'static>> {
    let max = usize::from(width);
    let mut lines: Vec<Vec<Span<'static>>> = vec![vec![Span::styled(format!("{label} "), theme::BOLD)]];
    let mut used = text::width(label) + 1;
    for (index, part) in parts.iter().enumerate() {
        let separator = if index == 0 { "" } else { " · " };
        let Some(line) = lines.last_mut() else { break };
        if used + text::width(separator) + text::width(part) <= max {
            line.push(Span::raw(format!("{separator}{part}")));
            used += text::width(separator) + text::width(part);
            continue;
        }
        for piece in text::wrap(part, width) {
            used = text::width(&piece);
            lines.push(vec![Span::raw(piece)]);
        }
    }
    if lines.len() > MAX_TOTAL_LINES {
        lines.truncate(MAX_TOTAL_LINES);
        if let Some(line) = lines.last_mut() {
            line.push(Span::raw(" …"));
            *line = text::fit_spans(std::mem::take(line), width);
        }
    }
    lines.into_iter().map(Line::from).collect()
}

/// A past dispensation's receipt, as the printer lays it out, in a panel the width of the paper; ↑↓ scroll it.
fn render_receipt(frame: &mut Frame, area: Rect, receipt: &[String], scroll: usize, chrome: &Chrome) {
    let paper = receipt.first().map_or(0, |line| super::text::width(line));
    let width = u16::try_from(paper + 4).unwrap_or(area.width).min(area.width);
    let panel = Rect { x: area.x + (area.width - width) / 2, width, ..area };
    let inner = super::panel(frame, panel, t(chrome.locale, "history.receipt_title"));
    let lines: Vec<Line> =
        receipt.iter().skip(scroll).take(usize::from(inner.height)).map(|line| Line::from(line.as_str())).collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
