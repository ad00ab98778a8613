//! The finalize screen: the invoice number (the terminal's next, editable), its serial when the sponsor asks,
//! the date, the total and what the sponsor pays of it; then, larger than anything else on the screen, what to
//! charge the patient (a banner line across the screen and the amount in big characters beneath it, as big as
//! the room allows); then what the completion is doing: sending, confirming with Osigu, or unknown. Who pays
//! what is the core's answer ([`Finalize::shares`], as the server computed it for these lines).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;

use super::chrome::Chrome;
use super::{big, summary, t, text, theme};
use crate::counter::{App, Finalize, FinalizeState, seconds_until};
use crate::i18n;

/// Rows the state's words keep at least, under the amount to charge.
const STATE_ROWS: u16 = 2;

pub(super) fn render(frame: &mut Frame, area: Rect, finalize: &Finalize, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let inner = super::panel(frame, area, t(locale, "finalize.title"));
    let currency = finalize.currency.as_deref();
    let sponsored = app.active.as_ref().is_some_and(|active| active.dispensation.sponsor_slug.is_some());
    let sponsor_part = finalize.shares.amounts().filter(|_| sponsored).map(|amounts| amounts.sponsor);
    // The editable fields a row apart, the facts after them one a row.
    let field_rows = 2 * (1 + u16::from(finalize.serial_required)) + 2 + u16::from(sponsor_part.is_some());
    let charge = finalize.shares.patient().map(|amount| i18n::amount(amount, currency));
    let fixed = summary::HEADER_ROWS + 1 + field_rows + 1 + 1 + STATE_ROWS;
    let charge_rows = big::charge_rows(charge.as_deref(), inner.width, inner.height.saturating_sub(fixed));
    let [header, _, fields_area, _, charge_area, _, state_area] = Layout::vertical([
        Constraint::Length(summary::HEADER_ROWS),
        Constraint::Length(1),
        Constraint::Length(field_rows),
        Constraint::Length(1),
        Constraint::Length(charge_rows),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    summary::header(frame, header, app, chrome);
    // What to charge the patient: the banner says it in words, the figure beneath it repeats the amount big.
    let words = match &charge {
        Some(amount) => i18n::fill(locale, "finalize.charge_patient", &[("amount", amount)]),
        None => t(locale, "finalize.charge_by_rules").to_owned(),
    };
    big::charge(frame, charge_area, &words, charge.as_deref());

    let label_width = 20u16;
    let editing = app.typing();
    let row = |frame: &mut Frame, y: u16, key: &'static str, value: Value| {
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
    };
    let mut y = fields_area.y;
    row(frame, y, "finalize.invoice_number", Value::Field(&finalize.invoice_number, finalize.focus == 0));
    y += 2;
    if finalize.serial_required {
        row(frame, y, "finalize.invoice_serial", Value::Field(&finalize.invoice_serial, finalize.focus == 1));
        y += 2;
    }
    row(frame, y, "finalize.date", Value::Words(i18n::date(locale, finalize.date), theme::PLAIN));
    y += 1;
    let total = i18n::amount(finalize.amount, currency);
    row(frame, y, "finalize.total", Value::Words(total, theme::OK));
    y += 1;
    if let Some(sponsor) = sponsor_part {
        row(frame, y, "finalize.sponsor_pays", Value::Words(i18n::amount(sponsor, currency), theme::PLAIN));
    }

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
                let wait = super::text::countdown(seconds_until(at, app.session.now));
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
