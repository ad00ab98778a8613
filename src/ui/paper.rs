//! A paper prescription's screens: who pays (the sponsors, then "sin seguro"); the POSOS Scan & Go page as a QR
//! code with its address, for a phone to photograph the paper; the transcribed lines (each as read, with its
//! reliability and posology, and the registered product it is mapped to, or what it still needs), with the
//! product search over them; then the pre-authorization on its way, pending, refused, or the cash sale recorded.
//! Everything shown is the core's: what is missing and the totals come from the step's state.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::chrome::Chrome;
use super::{qr, t, text, theme};
use crate::counter::{
    App, MappedBy, Paper, PaperLine, PaperLines, PaperStage, Payer, ProductSearch, Refused, SEARCH_ROWS, Scan,
};
use crate::i18n::{self, Locale};
use crate::keymap::Action;
use crate::osigu::model::{AuthorizationRequest, LineDecision};

/// Columns between the QR code and the words beside it.
const GAP: u16 = 2;
/// The narrowest column of words worth putting beside the code.
const TEXT_MIN_WIDTH: u16 = 30;
/// The widest: longer lines are hard to read beside the code.
const TEXT_MAX_WIDTH: u16 = 56;
/// The widest the lines are laid out: on a wide screen the reliability and units stay near the text read.
const LINES_MAX_WIDTH: u16 = 110;

pub(super) fn render(frame: &mut Frame, area: Rect, paper: &Paper, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let inner = super::panel(frame, area, t(locale, "paper.title"));
    match &paper.stage {
        PaperStage::Choose { selected } => choose(frame, inner, *selected, app, locale),
        PaperStage::Scan(scan) => scan_page(frame, inner, paper, scan, app, locale),
        PaperStage::Lines(lines) => {
            lines_screen(frame, inner, paper, lines, app, chrome);
            if let Some(search) = &lines.search {
                search_box(frame, inner, search, app, locale);
            }
        }
        PaperStage::Requesting(lines) => {
            let [top, bottom] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
            lines_screen(frame, top, paper, lines, app, chrome);
            let words = i18n::fill(locale, "paper.requesting", &[("sponsor", &payer_name(paper, app, locale))]);
            frame.render_widget(Paragraph::new(words).style(theme::WARNING), bottom);
        }
        PaperStage::Pending { request, checked, .. } => pending(frame, inner, paper, request, *checked, app, chrome),
        PaperStage::Rejected { lines, request } => rejected(frame, inner, paper, lines, request, app, locale),
        PaperStage::Sold { lines, .. } => sold(frame, inner, lines, locale),
    }
}

/// Why a line was refused, in a few words: the known reasons in the catalogue (`paper.reason_product_excluded`),
/// else the sponsor's own words, else its code.
pub(super) fn reason(locale: Locale, refused: &Refused) -> String {
    let key = format!("paper.reason_{}", refused.reason.to_ascii_lowercase());
    let known = i18n::text(locale, &key);
    if known != key {
        return known.to_owned();
    }
    if refused.words.is_empty() { refused.reason.clone() } else { refused.words.clone() }
}

/// Who pays, as the screen names them: the sponsor and its beneficiary, or "sin seguro".
fn payer_name(paper: &Paper, app: &App, locale: Locale) -> String {
    match &paper.payer {
        Some(Payer::Sponsor { slug, .. }) => app.session.sponsors.name_or_slug(slug).to_owned(),
        Some(Payer::Cash) | None => t(locale, "paper.cash").to_owned(),
    }
}

fn payer_line(paper: &Paper, app: &App, locale: Locale) -> String {
    match &paper.payer {
        Some(Payer::Sponsor { slug, name, .. }) => {
            format!("{} · {name}", app.session.sponsors.name_or_slug(slug))
        }
        Some(Payer::Cash) | None => t(locale, "paper.cash_note").to_owned(),
    }
}

fn wrapped(words: &str, width: u16, style: Style) -> Vec<Line<'static>> {
    text::wrap(words, width).into_iter().map(|line| Line::from(Span::styled(line, style))).collect()
}

fn choose(frame: &mut Frame, area: Rect, selected: usize, app: &App, locale: Locale) {
    let mut lines = wrapped(t(locale, "paper.choose_intro"), area.width, theme::PLAIN);
    lines.push(Line::from(""));
    let sponsors = &app.session.sponsors.list;
    let names = sponsors.iter().map(|sponsor| sponsor.name.clone()).chain([t(locale, "paper.cash_note").to_owned()]);
    for (index, name) in names.enumerate() {
        let chosen = index == selected.min(sponsors.len());
        let (mark, style) = if chosen { ("▶ ", theme::SELECTED) } else { ("  ", theme::PLAIN) };
        lines.push(Line::from(Span::styled(text::fit(&format!("{mark}{name}"), area.width), style)));
    }
    if sponsors.is_empty() {
        lines.push(Line::from(""));
        lines.extend(wrapped(t(locale, "paper.no_sponsors"), area.width, theme::DIM));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn scan_page(frame: &mut Frame, area: Rect, paper: &Paper, scan: &Scan, app: &App, locale: Locale) {
    let words = |width: u16| {
        let mut lines = wrapped(&payer_line(paper, app, locale), width, theme::BOLD);
        lines.push(Line::from(""));
        match &scan.url {
            None => lines.extend(wrapped(t(locale, "paper.scan_asking"), width, theme::WARNING)),
            Some(_) if scan.lapsed => lines.extend(wrapped(t(locale, "paper.scan_lapsed"), width, theme::WARNING)),
            Some(url) => {
                lines.extend(wrapped(t(locale, "paper.scan_ask"), width, theme::PLAIN));
                lines.push(Line::from(""));
                lines.extend(
                    super::facial::url_lines(url, width)
                        .into_iter()
                        .map(|line| Line::from(Span::styled(line, theme::DIM))),
                );
                lines.push(Line::from(""));
                match &scan.failure {
                    Some(failure) => {
                        let why = i18n::fill(locale, "paper.scan_failed", &[("why", failure)]);
                        lines.extend(wrapped(&why, width, theme::WARNING));
                    }
                    None => lines.extend(wrapped(t(locale, "paper.scan_waiting"), width, theme::WARNING)),
                }
            }
        }
        lines
    };
    // A page put away is not shown: a phone must not open one nobody waits for.
    let code = scan
        .url
        .as_deref()
        .filter(|_| !scan.lapsed)
        .and_then(|url| qr::draw(url, area.width.saturating_sub(GAP + TEXT_MIN_WIDTH), area.height));
    match code {
        Some(code) => {
            // Code and words as one block, centred: on a wide screen the words stay beside the code.
            let text_width = (area.width - code.width - GAP).min(TEXT_MAX_WIDTH);
            let left = area.x + (area.width - code.width - GAP - text_width) / 2;
            let lines = words(text_width);
            let code_area = Rect {
                x: left,
                y: area.y + (area.height - code.height.min(area.height)) / 2,
                width: code.width,
                height: code.height.min(area.height),
            };
            frame.render_widget(Paragraph::new(code.lines), code_area);
            let height = u16::try_from(lines.len()).unwrap_or(u16::MAX).min(area.height);
            let words_area =
                Rect { x: left + code.width + GAP, y: area.y + (area.height - height) / 2, width: text_width, height };
            frame.render_widget(Paragraph::new(lines), words_area);
        }
        None => frame.render_widget(Paragraph::new(words(area.width)), area),
    }
}

/// The prescriber, who pays, then each line in three rows, then what is still missing.
fn lines_screen(frame: &mut Frame, area: Rect, paper: &Paper, lines: &PaperLines, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let area = Rect { width: area.width.min(LINES_MAX_WIDTH), ..area };
    let [head, body, status] =
        Layout::vertical([Constraint::Length(2), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    let prescriber =
        lines.prescription.prescriber.as_ref().map_or_else(String::new, |prescriber| match &prescriber.license {
            Some(license) => format!("{} ({license})", prescriber.name),
            None => prescriber.name.clone(),
        });
    let header = vec![
        Line::from(Span::styled(text::fit(&payer_line(paper, app, locale), head.width), theme::BOLD)),
        Line::from(Span::styled(
            text::fit(&i18n::fill(locale, "paper.prescriber", &[("name", &prescriber)]), head.width),
            theme::DIM,
        )),
    ];
    frame.render_widget(Paragraph::new(header), head);

    // Three rows a line; the selected one always in view.
    let per_page = usize::from(body.height / 3).max(1);
    let first = lines.selected.saturating_sub(per_page - 1);
    let mut rows = Vec::new();
    for (index, line) in lines.lines.iter().enumerate().skip(first).take(per_page) {
        rows.extend(line_rows(line, index, index == lines.selected, body.width, locale));
    }
    frame.render_widget(Paragraph::new(rows), body);

    let unresolved = lines.unresolved();
    let mut missing = Vec::new();
    if unresolved.unconfirmed > 0 {
        let key = if unresolved.unconfirmed == 1 { "paper.missing_confirm_one" } else { "paper.missing_confirm" };
        missing.push(i18n::fill(locale, key, &[("count", &unresolved.unconfirmed.to_string())]));
    }
    if unresolved.unmapped > 0 {
        let key = chrome.keymap.hint(Action::Substitute).unwrap_or_default();
        let words = if unresolved.unmapped == 1 { "paper.missing_product_one" } else { "paper.missing_product" };
        missing.push(i18n::fill(locale, words, &[("count", &unresolved.unmapped.to_string()), ("key", &key)]));
    }
    let (words, style) = if !missing.is_empty() {
        (i18n::fill(locale, "paper.missing", &[("what", &missing.join(" · "))]), theme::WARNING)
    } else if unresolved.requested == 0 {
        (t(locale, "paper.all_dropped").to_owned(), theme::WARNING)
    } else if paper.cash() {
        let (total, currency) = lines.cash_total();
        let amount = i18n::amount(total, currency.as_deref());
        (i18n::fill(locale, "paper.ready_sale", &[("total", &amount)]), theme::OK)
    } else {
        (i18n::fill(locale, "paper.ready_request", &[("sponsor", &payer_name(paper, app, locale))]), theme::OK)
    };
    frame.render_widget(Paragraph::new(text::fit(&words, status.width)).style(style), status);
}

/// A line as read (with its reliability and units), its posology as written, and what it is mapped to.
fn line_rows(line: &PaperLine, index: usize, selected: bool, width: u16, locale: Locale) -> Vec<Line<'static>> {
    let mark = if selected { "▶" } else { " " };
    let reliability = line.read.reliability.map_or_else(
        || t(locale, "paper.reliability_unknown").to_owned(),
        |reliability| i18n::fill(locale, "paper.reliability", &[("percent", &format!("{:.0}", reliability * 100.0))]),
    );
    let units = if line.dropped() {
        t(locale, "paper.dropped").to_owned()
    } else {
        i18n::fill(locale, "paper.units", &[("count", &line.quantity.to_string())])
    };
    let right = format!("{reliability}  {units}");
    let room = usize::from(width).saturating_sub(text::width(&right) + 6);
    let read = text::fit(&line.read.text, u16::try_from(room).unwrap_or(u16::MAX));
    let pad = usize::from(width).saturating_sub(4 + text::width(&read) + text::width(&right));
    let reliability_style = if line.read.needs_confirmation() { theme::WARNING } else { theme::DIM };
    let name_style = if selected { theme::SELECTED } else { theme::BOLD };
    let first = Line::from(vec![
        Span::styled(format!("{mark}{:>2} ", index + 1), name_style),
        Span::styled(read, name_style),
        Span::raw(" ".repeat(pad)),
        Span::styled(right, reliability_style),
    ]);
    let posology = line.read.original_posology.clone().or_else(|| line.read.dosage.clone()).unwrap_or_default();
    let second = Line::from(Span::styled(text::fit(&format!("    {posology}"), width), theme::DIM));
    let (words, style) = if line.dropped() {
        (t(locale, "paper.not_requested").to_owned(), theme::DIM)
    } else if line.needs_confirmation() {
        let product =
            line.product.as_ref().map_or_else(String::new, |p| format!("{} {}", p.product_code, p.product_name));
        (i18n::fill(locale, "paper.confirm_reading", &[("product", &product)]), theme::WARNING)
    } else if let Some(product) = &line.product {
        let how = match line.mapped_by {
            MappedBy::Gtin => t(locale, "paper.by_gtin"),
            MappedBy::Name => t(locale, "paper.by_name"),
            MappedBy::Clerk | MappedBy::None => t(locale, "paper.by_clerk"),
        };
        let confirmed = if line.confirmed { t(locale, "paper.confirmed") } else { "" };
        (format!("→ {} {} {how}{confirmed}", product.product_code, product.product_name), theme::OK)
    } else {
        (t(locale, "paper.no_product").to_owned(), theme::ALARM)
    };
    let third = Line::from(Span::styled(text::fit(&format!("    {words}"), width), style));
    vec![first, second, third]
}

/// The product search (F4) over the lines: the text typed and the registered products matching it.
fn search_box(frame: &mut Frame, area: Rect, search: &ProductSearch, app: &App, locale: Locale) {
    let width = area.width.saturating_sub(4).min(64);
    let height = u16::try_from(SEARCH_ROWS).unwrap_or(5) + 5;
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width,
        height: height.min(area.height),
    };
    frame.render_widget(Clear, popup);
    let inner = super::panel(frame, popup, t(locale, "paper.search_title"));
    let [field, _, list] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    super::input_field(frame, field, &search.input, theme::FOCUS, app.typing());
    let mut rows = Vec::new();
    if search.found.is_empty() {
        let key = if app.session.products.wanted() || matches!(app.session.products, crate::counter::Registry::Loading)
        {
            "paper.search_loading"
        } else {
            "paper.search_none"
        };
        rows.push(Line::from(Span::styled(t(locale, key), theme::DIM)));
    }
    let first = search.selected.saturating_sub(SEARCH_ROWS - 1);
    for (index, candidate) in search.found.iter().enumerate().skip(first).take(SEARCH_ROWS) {
        let style = if index == search.selected { theme::SELECTED } else { theme::PLAIN };
        let words = format!("{} {}", candidate.product_code, candidate.product_name);
        rows.push(Line::from(Span::styled(text::fit(&words, list.width), style)));
    }
    frame.render_widget(Paragraph::new(rows), list);
}

fn pending(
    frame: &mut Frame,
    area: Rect,
    paper: &Paper,
    request: &AuthorizationRequest,
    checked: bool,
    app: &App,
    chrome: &Chrome,
) {
    let locale = chrome.locale;
    let mut lines = wrapped(&payer_line(paper, app, locale), area.width, theme::BOLD);
    lines.push(Line::from(""));
    let until = request.decision_due_at.map(|due| {
        let local = due.to_offset(app.session.settings.utc_offset);
        format!("{:02}:{:02}", local.hour(), local.minute())
    });
    let words = match &until {
        Some(time) => i18n::fill(locale, "paper.pending_until", &[("time", time)]),
        None => t(locale, "paper.pending").to_owned(),
    };
    lines.extend(wrapped(&words, area.width, theme::WARNING));
    lines.push(Line::from(""));
    let history = chrome.keymap.hint(Action::History).unwrap_or_default();
    let id = request.authorization_request_id.to_string();
    lines.extend(wrapped(
        &i18n::fill(locale, "paper.pending_history", &[("key", &history), ("id", &id)]),
        area.width,
        theme::PLAIN,
    ));
    if checked {
        lines.push(Line::from(""));
        lines.extend(wrapped(t(locale, "paper.pending_checked"), area.width, theme::DIM));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn rejected(
    frame: &mut Frame,
    area: Rect,
    paper: &Paper,
    lines: &PaperLines,
    request: &AuthorizationRequest,
    app: &App,
    locale: Locale,
) {
    let mut rows = wrapped(&payer_line(paper, app, locale), area.width, theme::BOLD);
    rows.push(Line::from(""));
    rows.extend(wrapped(t(locale, "paper.rejected"), area.width, theme::ALARM));
    // The sponsor's reason when it is words (a bare code such as ALL_LINES_REJECTED says nothing the lines
    // below do not).
    if let Some(reason) = request.rejection_reason.as_ref().filter(|reason| reason.contains(' ')) {
        rows.extend(wrapped(reason, area.width, theme::PLAIN));
    }
    rows.push(Line::from(""));
    for line in request.products.iter().filter(|line| line.status == LineDecision::Rejected) {
        let name = lines
            .lines
            .iter()
            .filter_map(|mapped| mapped.product.as_ref())
            .find(|product| product.product_code == line.product_code)
            .map_or_else(|| line.product_code.clone(), |product| product.product_name.clone());
        let refused = Refused {
            name,
            reason: line.reason.clone().unwrap_or_default(),
            words: line.reason_description.clone().unwrap_or_default(),
        };
        rows.extend(wrapped(&format!("• {}: {}", refused.name, reason(locale, &refused)), area.width, theme::PLAIN));
    }
    frame.render_widget(Paragraph::new(rows), area);
}

fn sold(frame: &mut Frame, area: Rect, lines: &PaperLines, locale: Locale) {
    let (total, currency) = lines.cash_total();
    let amount = i18n::amount(total, currency.as_deref());
    let mut rows = wrapped(t(locale, "paper.sold"), area.width, theme::OK);
    rows.push(Line::from(""));
    for line in lines.lines.iter().filter(|line| !line.dropped()) {
        let name = line.product.as_ref().map(|product| product.product_name.clone()).unwrap_or_default();
        let words = i18n::fill(locale, "paper.sold_line", &[("count", &line.quantity.to_string()), ("name", &name)]);
        rows.push(Line::from(text::fit(&format!("  {words}"), area.width)));
    }
    rows.push(Line::from(""));
    rows.push(Line::from(Span::styled(i18n::fill(locale, "paper.total", &[("total", &amount)]), theme::BOLD)));
    frame.render_widget(Paragraph::new(rows), area);
}
