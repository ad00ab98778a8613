//! The door's screens, drawn instead of everything else: the sign-in (clerk id, PIN as dots, what the last attempt
//! came to) and the idle lock, which shows only the till, the clock and "Bloqueado" (with the fields that unlock
//! it): no code, no patient, no line, no amount, whatever runs underneath.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::chrome::Chrome;
use super::{t, text, theme};
use crate::counter::{App, Door, DoorField, DoorKind, DoorSaid};
use crate::i18n;

/// The whole screen, with the door on it.
pub(super) fn render(frame: &mut Frame, area: Rect, door: &Door, app: &App, chrome: &Chrome) {
    let [bar, body, hints] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    if door.is_lock() {
        till_and_clock(frame, bar, chrome);
    } else {
        super::status::render(frame, bar, app, chrome);
    }
    let title = t(chrome.locale, if door.is_lock() { "door.locked" } else { "door.sign_in_title" });
    let inner = super::panel(frame, body, title);
    let [_, headline, _, note, _, fields, _, said, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Fill(2),
    ])
    .areas(inner);
    let locale = chrome.locale;
    if door.is_lock() {
        let words = t(locale, "door.locked");
        frame.render_widget(Paragraph::new(words).style(theme::WARNING).alignment(Alignment::Center), headline);
    }
    let note_key = match &door.kind {
        DoorKind::SignIn => "door.sign_in_note",
        DoorKind::Locked { of: Some(_) } => "door.locked_note",
        DoorKind::Locked { of: None } => "door.any_key",
    };
    centred(frame, note, t(locale, note_key), theme::PLAIN);
    if !door.any_key_unlocks() {
        render_fields(frame, fields, door, app, chrome);
    }
    if let Some(words) = said_words(door, chrome) {
        let style = if door.checking { theme::DIM } else { theme::ERROR };
        centred(frame, said, &words, style);
    }
    super::status::hints(frame, hints, app, chrome);
}

/// The locked screen's bar: the till and the clock, nothing else.
fn till_and_clock(frame: &mut Frame, area: Rect, chrome: &Chrome) {
    let clock = match &chrome.till {
        Some(till) => format!("{} · {} ", text::fit(till, 12), i18n::time_of_day(chrome.now)),
        None => format!("{} ", i18n::time_of_day(chrome.now)),
    };
    frame.render_widget(Paragraph::new(clock).alignment(Alignment::Right).style(theme::BAR), area);
}

/// `Usuario: mlopez` over `PIN: ••••`, the focused one marked, the cursor in it.
fn render_fields(frame: &mut Frame, area: Rect, door: &Door, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let label_width = [t(locale, "door.clerk"), t(locale, "door.pin")].iter().map(|label| text::width(label)).max();
    let label_width = u16::try_from(label_width.unwrap_or(8)).unwrap_or(8);
    let field_width = 16;
    let width = (label_width + 1 + field_width).min(area.width);
    let left = area.x + area.width.saturating_sub(width) / 2;
    let dots = tui_input::Input::new("•".repeat(door.pin.value().chars().count()));
    let typing = app.typing();
    for (row, (label, input, field)) in
        [(t(locale, "door.clerk"), &door.id, DoorField::Id), (t(locale, "door.pin"), &dots, DoorField::Pin)]
            .into_iter()
            .enumerate()
    {
        let y = area.y + u16::try_from(row).unwrap_or(0);
        if y >= area.bottom() {
            break;
        }
        let focused = door.focus == field;
        frame.render_widget(Paragraph::new(label).style(theme::BOLD), Rect::new(left, y, label_width, 1));
        let input_area =
            Rect::new(left + label_width + 1, y, field_width.min(width.saturating_sub(label_width + 1)), 1);
        let style = if focused { theme::FOCUS } else { theme::PLAIN };
        // A placeholder width of background so an empty focused field still shows where to type.
        frame.render_widget(Paragraph::new("").style(style), input_area);
        super::input_field(frame, input_area, input, style, focused && typing);
    }
}

/// What the last attempt came to, in the clerk's words.
fn said_words(door: &Door, chrome: &Chrome) -> Option<String> {
    let locale = chrome.locale;
    if door.checking {
        return Some(t(locale, "door.checking").to_owned());
    }
    Some(match door.said.as_ref()? {
        DoorSaid::BadPin => t(locale, "door.bad_pin").to_owned(),
        DoorSaid::BadId => t(locale, "door.bad_id").to_owned(),
        DoorSaid::Wrong { left: 1 } => t(locale, "door.wrong_last").to_owned(),
        DoorSaid::Wrong { left } => i18n::fill(locale, "door.wrong", &[("left", &left.to_string())]),
        DoorSaid::LockedOut { until } => {
            i18n::fill(locale, "door.locked_out", &[("time", &chrome.time_of_day(*until))])
        }
        DoorSaid::Locked { until } => i18n::fill(locale, "door.still_locked", &[("time", &chrome.time_of_day(*until))]),
        DoorSaid::Unknown => t(locale, "door.unknown").to_owned(),
        DoorSaid::Disabled => t(locale, "door.disabled").to_owned(),
        DoorSaid::NotAllowed => t(locale, "door.not_allowed").to_owned(),
        DoorSaid::Failed => t(locale, "door.failed").to_owned(),
    })
}

/// `words` wrapped and centred in `area`.
fn centred(frame: &mut Frame, area: Rect, words: &str, style: ratatui::style::Style) {
    let lines: Vec<Line> =
        text::wrap(words, area.width).into_iter().map(|line| Line::from(Span::styled(line, style))).collect();
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center), area);
}
