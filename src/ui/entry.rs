//! The entry step's screen: the code field a scanner types into, today's activity at this till, and, in the
//! sandbox, the practice codes a newcomer can try.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use tui_input::Input;

use super::chrome::Chrome;
use super::{t, text, theme};
use crate::counter::{App, RowStatus};
use crate::i18n;

/// The sandbox's scenario codes (contract §8) and the catalogue key saying what each shows.
const SCENARIOS: &[(&str, &str)] = &[
    ("RX-2026-000001", "scenario.rx1"),
    ("RX-2026-000002", "scenario.rx2"),
    ("RX-2026-000003", "scenario.rx3"),
    ("RX-2026-000004", "scenario.rx4"),
    ("AUTH-2026-000101", "scenario.auth101"),
    ("AUTH-2026-000102", "scenario.auth102"),
    ("AUTH-2026-000103", "scenario.auth103"),
    ("AUTH-2026-000104", "scenario.auth104"),
    ("AUTH-2026-000105", "scenario.auth105"),
    ("AUTH-2026-000106", "scenario.auth106"),
    ("AUTH-2026-000107", "scenario.auth107"),
    ("AUTH-2026-000108", "scenario.auth108"),
    ("AUTH-2026-000109", "scenario.auth109"),
    ("AUTH-2026-000110", "scenario.auth110"),
    ("NOPE-0000", "scenario.nope"),
];

/// The code field (`editing`), or the code being looked up (`starting`).
pub(super) fn render(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    chrome: &Chrome,
    editing: Option<&Input>,
    starting: Option<&String>,
) {
    let locale = chrome.locale;
    let [field_area, note_area, _, lists_area] =
        Layout::vertical([Constraint::Length(3), Constraint::Length(1), Constraint::Length(1), Constraint::Fill(1)])
            .areas(area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" {} ", t(locale, "counter.field")), theme::TITLE))
        .border_style(if editing.is_some() { theme::KEY } else { theme::DIM });
    let inner = block.inner(field_area);
    frame.render_widget(block, field_area);
    match (editing, starting) {
        (Some(input), _) => {
            // The cursor only where keys reach the field: not under a problem, the help, the recovered box or a
            // question.
            super::input_field(frame, inner, input, theme::BOLD, app.typing());
            let note = if input.value().is_empty() {
                t(locale, "counter.ready")
            } else {
                t(locale, "counter.enter_to_search")
            };
            frame.render_widget(Paragraph::new(text::fit(note, note_area.width)).style(theme::DIM), note_area);
        }
        (None, Some(code)) => {
            frame.render_widget(Paragraph::new(code.as_str()).style(theme::BOLD), inner);
            // Once the answer is on screen (a problem), the code is no longer being looked up.
            if app.problem.is_none() {
                let note = i18n::fill(locale, "counter.looking_up", &[("code", code)]);
                frame.render_widget(Paragraph::new(text::fit(&note, note_area.width)).style(theme::WARNING), note_area);
            }
        }
        (None, None) => {}
    }
    let show_scenarios = chrome.is_sandbox();
    let [recent_area, scenarios_area] = if show_scenarios {
        // The practice list needs about 44 columns; today's activity takes the rest (and any extra width).
        let practice = (lists_area.width * 11 / 20).min(46);
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(practice)]).areas(lists_area)
    } else {
        [lists_area, Rect::default()]
    };
    recent(frame, recent_area, app, chrome);
    if show_scenarios {
        scenarios(frame, scenarios_area, chrome);
    }
}

/// Today's dispensations at this till, newest first, as the journal has them: when each ended (or started, while
/// it has not), a mark, the code and what became of it. The time always shows; a code too long for what is left
/// keeps its end (`…2026-000101`), which tells codes apart.
fn recent(frame: &mut Frame, area: Rect, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::DIM)
        .title(Span::styled(format!(" {} ", t(locale, "counter.today")), theme::TITLE));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.session.recent.is_empty() {
        frame.render_widget(Paragraph::new(t(locale, "counter.nothing_yet")).style(theme::DIM), inner);
        return;
    }
    let shown: Vec<(&'static str, ratatui::style::Style, String, &str, String)> = app
        .session
        .recent
        .iter()
        .take(usize::from(inner.height))
        .map(|row| {
            let (mark, style, what) = match row.status {
                RowStatus::Completed => {
                    let amount = i18n::amount(row.amount.unwrap_or_default(), row.currency.as_deref());
                    ("✔", theme::OK, amount)
                }
                RowStatus::Cancelled => ("✖", theme::DIM, t(locale, "history.cancelled").to_owned()),
                RowStatus::Cancelling => ("✖", theme::WARNING, t(locale, "history.cancelling").to_owned()),
                RowStatus::Finalizing => ("!", theme::WARNING, t(locale, "history.unconfirmed").to_owned()),
                RowStatus::Open => ("·", theme::WARNING, t(locale, "history.open").to_owned()),
                RowStatus::PaperPending => ("·", theme::WARNING, t(locale, "history.paper_pending").to_owned()),
                RowStatus::PaperApproved => ("✔", theme::OK, t(locale, "history.paper_approved").to_owned()),
                RowStatus::PaperRejected => ("✖", theme::DIM, t(locale, "history.paper_rejected").to_owned()),
                RowStatus::PaperSale => ("✔", theme::OK, t(locale, "history.paper_sale").to_owned()),
            };
            (mark, style, chrome.time_of_day(row.ended_at.unwrap_or(row.started_at)), row.code.as_str(), what)
        })
        .collect();
    // Columns: time (5), mark, code, outcome. The outcome keeps its width unless it would leave the code less
    // than a few columns; the code gives way first.
    const TIME_AND_MARK: usize = 5 + 1 + 1 + 1;
    const MIN_CODE: usize = 8;
    let width = usize::from(inner.width);
    let what_width = shown.iter().map(|(_, _, _, _, what)| text::width(what)).max().unwrap_or(0);
    let what_width = what_width.min(width.saturating_sub(TIME_AND_MARK + 1 + MIN_CODE));
    // The code column is as wide as the longest code, so the outcome stays beside it on a wide screen.
    let code_width = shown.iter().map(|(_, _, _, code, _)| text::width(code)).max().unwrap_or(0);
    let code_room = width.saturating_sub(TIME_AND_MARK + 1 + what_width).min(code_width);
    let lines: Vec<Line> = shown
        .into_iter()
        .map(|(mark, style, time, code, what)| {
            let code = text::fit_tail(code, u16::try_from(code_room).unwrap_or(u16::MAX));
            let pad = code_room.saturating_sub(text::width(&code));
            let what = text::fit(&what, u16::try_from(what_width).unwrap_or(0));
            Line::from(vec![
                Span::styled(format!("{time} "), theme::DIM),
                Span::styled(format!("{mark} "), style),
                Span::raw(format!("{code}{} ", " ".repeat(pad))),
                Span::styled(format!("{what:>what_width$}"), style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The sandbox's practice codes with what each one shows.
fn scenarios(frame: &mut Frame, area: Rect, chrome: &Chrome) {
    let locale = chrome.locale;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::DIM)
        .title(Span::styled(format!(" {} ", t(locale, "counter.practice_codes")), theme::TITLE));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let code_width = SCENARIOS.iter().map(|(code, _)| text::width(code)).max().unwrap_or(0);
    let room = inner.width.saturating_sub(u16::try_from(code_width + 1).unwrap_or(0));
    let lines: Vec<Line> = SCENARIOS
        .iter()
        .map(|(code, key)| {
            Line::from(vec![
                Span::styled(format!("{code:<code_width$} "), theme::KEY),
                Span::styled(text::fit(t(locale, key), room), theme::DIM),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
