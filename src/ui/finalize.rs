//! The finalize screen: the invoice number (the terminal's next, editable), its serial when the sponsor asks,
//! the date and the total; then what the completion is doing: sending, confirming with Osigu, or unknown.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;

use super::chrome::Chrome;
use super::{summary, t, text, theme};
use crate::counter::{App, Finalize, FinalizeState};
use crate::i18n;

pub(super) fn render(frame: &mut Frame, area: Rect, finalize: &Finalize, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let inner = super::panel(frame, area, t(locale, "finalize.title"));
    let [header, _, fields_area, _, state_area] = Layout::vertical([
        Constraint::Length(summary::HEADER_ROWS),
        Constraint::Length(1),
        Constraint::Length(8),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    summary::header(frame, header, app, chrome);

    let label_width = 20u16;
    let editing = app.typing();
    let mut y = fields_area.y;
    let mut row = |frame: &mut Frame, key: &'static str, value: Value| {
        let area = Rect { y, height: 1, ..fields_area };
        frame.render_widget(
            Paragraph::new(Span::styled(text::fit(t(locale, key), label_width), theme::DIM)),
            Rect { width: label_width, ..area },
        );
        let value_area =
            Rect { x: area.x + label_width + 1, width: area.width.saturating_sub(label_width + 1), ..area };
        match value {
            Value::Field(input, focused) => {
                let style = if focused && finalize.editable() { theme::FOCUS } else { theme::SELECTED };
                let field = Rect { width: value_area.width.min(32), ..value_area };
                super::input_field(frame, field, input, style, focused && editing);
            }
            Value::Words(words, style) => frame.render_widget(Paragraph::new(Span::styled(words, style)), value_area),
        }
        y += 2;
    };
    row(frame, "finalize.invoice_number", Value::Field(&finalize.invoice_number, finalize.focus == 0));
    if finalize.serial_required {
        row(frame, "finalize.invoice_serial", Value::Field(&finalize.invoice_serial, finalize.focus == 1));
    }
    row(frame, "finalize.date", Value::Words(i18n::date(locale, finalize.date), theme::PLAIN));
    let total = i18n::amount(finalize.amount, finalize.currency.as_deref());
    row(frame, "finalize.total", Value::Words(total, theme::OK));

    // Quitting waits for the completion's outcome: the clerk must not close the window meanwhile.
    let state_area = if app.quitting && !finalize.editable() {
        let [closing, rest] = Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(state_area);
        let words = Span::styled(t(locale, "finalize.closing"), theme::ERROR);
        frame.render_widget(Paragraph::new(Line::from(words)).wrap(Wrap { trim: true }), closing);
        rest
    } else {
        state_area
    };
    let serial_missing = finalize.serial_required && finalize.invoice_serial.value().trim().is_empty();
    let (words, style) = match finalize.state {
        // The sponsor wants the invoice's serial: say so, or Enter seems to do nothing but move the cursor.
        FinalizeState::Editing if serial_missing => (t(locale, "finalize.serial_needed"), theme::WARNING),
        FinalizeState::Editing => (t(locale, "finalize.check_and_confirm"), theme::BOLD),
        FinalizeState::Sending => (t(locale, "finalize.sending"), theme::WARNING),
        FinalizeState::Confirming => match finalize.next_try_at {
            // Between tries: which one comes next, and when; the outcome stays "being confirmed", never "failed".
            Some(at) => {
                let wait = super::text::countdown((at - app.session.now).whole_seconds());
                let attempt = (finalize.attempts + 1).to_string();
                let words = i18n::fill(locale, "finalize.confirming_again", &[("attempt", &attempt), ("time", &wait)]);
                frame.render_widget(
                    Paragraph::new(Line::from(Span::styled(words, theme::WARNING))).wrap(Wrap { trim: true }),
                    state_area,
                );
                return;
            }
            None => (t(locale, "finalize.confirming"), theme::WARNING),
        },
        FinalizeState::Unknown => (t(locale, "finalize.unknown"), theme::WARNING),
    };
    frame.render_widget(Paragraph::new(Line::from(Span::styled(words, style))).wrap(Wrap { trim: true }), state_area);
}

enum Value<'a> {
    Field(&'a Input, bool),
    Words(String, ratatui::style::Style),
}
