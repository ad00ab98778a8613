//! The review screen: every line with prescribed / authorized / available / to dispense / price / taxes /
//! subtotal, scrolling with the selection; the selected line's full name, posology or lock reason beneath;
//! the total in the sponsor's currency; and the substitution dialog over it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table};
use rust_decimal::Decimal;
use tui_input::Input;

use super::chrome::Chrome;
use super::{summary, t, text, theme};
use crate::counter::{App, LineEdit, Review, SubstitutionDialog, SubstitutionField};
use crate::i18n::{self, Locale};
use crate::osigu::model::{CodeType, Dispensation, ProductLine, SubstitutionReason, money};

/// Widths of the number columns: prescribed, authorized, available, to dispense, price, taxes, subtotal.
const NUMBER_WIDTHS: [u16; 7] = [5, 5, 5, 8, 10, 9, 11];

pub(super) fn render(frame: &mut Frame, area: Rect, review: &Review, app: &App, chrome: &Chrome) {
    let Some(active) = &app.active else { return };
    let dispensation = &active.dispensation;
    let locale = chrome.locale;
    let inner = super::panel(frame, area, t(locale, "review.title"));
    let [header, clinical, _, table_area, detail_area, total_area] = Layout::vertical([
        Constraint::Length(summary::HEADER_ROWS),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(inner);
    summary::header(frame, header, app, chrome);
    frame.render_widget(Paragraph::new(clinical_line(dispensation, locale, clinical.width)), clinical);
    let currency = dispensation.currency_code.as_deref();
    lines_table(frame, table_area, review, dispensation, currency, locale);
    if let (Some(line), Some(edit)) = (dispensation.products.get(review.selected), review.lines.get(review.selected)) {
        frame.render_widget(Paragraph::new(detail_lines(line, edit, locale, detail_area.width)), detail_area);
    }
    let total = money::total(dispensation.products.iter().zip(&review.lines).map(|(line, edit)| subtotal(line, edit)));
    let total_line = Line::from(vec![
        Span::styled(format!("{}  ", t(locale, "review.total")), theme::BOLD),
        Span::styled(i18n::checked_amount(total, currency), theme::OK),
        Span::styled(
            format!("   {}", i18n::fill(locale, "review.units", &[("count", &units(review).to_string())])),
            theme::DIM,
        ),
    ]);
    frame.render_widget(Paragraph::new(total_line).alignment(ratatui::layout::Alignment::Right), total_area);
    if let Some(dialog) = &review.dialog {
        substitution_dialog(frame, area, dialog, dispensation, app, locale);
    }
}

/// `Dr. … · Dx J06.9 Infección aguda…` — who prescribed it and why.
fn clinical_line(dispensation: &Dispensation, locale: Locale, width: u16) -> Line<'static> {
    let mut parts = Vec::new();
    if let Some(prescriber) = &dispensation.prescriber {
        parts.push(format!("{} {}", t(locale, "review.prescriber"), prescriber.name));
    }
    let mut more = String::new();
    if let Some(diagnosis) = dispensation.diagnoses.first() {
        let description = diagnosis.description.as_deref().unwrap_or("");
        parts.push(format!("{} {} {description}", t(locale, "review.diagnosis"), diagnosis.code).trim_end().to_owned());
        if dispensation.diagnoses.len() > 1 {
            // Further diagnoses are counted, so the clerk knows the line is not the whole story.
            more = format!(" (+{})", dispensation.diagnoses.len() - 1);
        }
    }
    let room = width.saturating_sub(u16::try_from(more.len()).unwrap_or(0));
    Line::from(Span::styled(format!("{}{more}", text::fit(&parts.join(" · "), room)), theme::DIM))
}

fn lines_table(
    frame: &mut Frame,
    area: Rect,
    review: &Review,
    dispensation: &Dispensation,
    currency: Option<&str>,
    locale: Locale,
) {
    let visible = usize::from(area.height.saturating_sub(1)).max(1);
    let offset = review.selected.saturating_sub(visible - 1);
    // Only an authorization has authorized quantities; a prescription's column would repeat the prescribed one.
    let authorized = dispensation.code_type == CodeType::Authorization;
    let shown = |index: &usize| *index != 1 || authorized;
    let widths: Vec<u16> = NUMBER_WIDTHS.iter().enumerate().filter(|(i, _)| shown(i)).map(|(_, w)| *w).collect();
    let fixed: u16 = widths.iter().sum::<u16>() + u16::try_from(widths.len()).unwrap_or(0);
    let name_width = area.width.saturating_sub(fixed).max(8);
    let header = Row::new(
        std::iter::once(Cell::from(t(locale, "review.product"))).chain(
            ["review.prescribed", "review.authorized", "review.available", "review.deliver"]
                .into_iter()
                .chain(["review.price", "review.taxes", "review.subtotal"])
                .enumerate()
                .filter(|(index, _)| shown(index))
                .zip(&widths)
                .map(|((_, key), width)| Cell::from(right(t(locale, key), *width))),
        ),
    )
    .style(theme::BOLD);
    let rows = dispensation.products.iter().zip(&review.lines).enumerate().skip(offset).take(visible).map(
        |(index, (line, edit))| {
            let selected = index == review.selected;
            let name = line.product_name.clone().unwrap_or_else(|| line.product_code.clone());
            let locked = edit.max == 0;
            let deliver = match (&review.typed, selected) {
                (Some(typed), true) => format!("{typed}▏"),
                _ if locked => "—".to_owned(),
                _ => match &edit.substitution {
                    Some(substitution) => format!("{}+{}s", edit.quantity, substitution.quantity),
                    None => edit.quantity.to_string(),
                },
            };
            let marker = if locked {
                "⊘ "
            } else if selected {
                "▶ "
            } else {
                "  "
            };
            let numbers = [
                quantity(line.prescribed_quantity),
                quantity(line.authorized_quantity),
                line.available().to_string(),
                deliver,
                i18n::amount(line.unit_price, currency),
                i18n::amount(line.taxes, currency),
                i18n::checked_amount(subtotal(line, edit), currency),
            ];
            let cells: Vec<Cell> =
                std::iter::once(Cell::from(format!("{marker}{}", text::fit(&name, name_width.saturating_sub(2)))))
                    .chain(
                        numbers
                            .iter()
                            .enumerate()
                            .filter(|(index, _)| shown(index))
                            .zip(&widths)
                            .map(|((_, value), width)| Cell::from(right(value, *width))),
                    )
                    .collect();
            let style = if selected {
                theme::SELECTED
            } else if locked {
                theme::DIM
            } else {
                theme::PLAIN
            };
            Row::new(cells).style(style)
        },
    );
    let widths = std::iter::once(Constraint::Length(name_width))
        .chain(widths.iter().map(|width| Constraint::Length(*width)))
        .collect::<Vec<_>>();
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
    // Where the list is when it does not fit: `3–10 / 12` at the table's top right.
    let count = dispensation.products.len();
    if count > visible {
        let position = format!("{}–{} / {count}", offset + 1, (offset + visible).min(count));
        let width = u16::try_from(text::width(&position)).unwrap_or(0);
        let more_above = if offset > 0 { "▲" } else { " " };
        let more_below = if offset + visible < count { "▼" } else { " " };
        let label = format!("{more_above}{position}{more_below}");
        let rect = Rect { x: area.right().saturating_sub(width + 2), y: area.y, width: width + 2, height: 1 };
        frame.render_widget(Paragraph::new(label).style(theme::KEY), rect);
    }
}

/// The selected line in full: its whole name, then why it is locked, or its posology, or its substitute.
fn detail_lines(line: &ProductLine, edit: &LineEdit, locale: Locale, width: u16) -> Vec<Line<'static>> {
    let name = line.product_name.clone().unwrap_or_default();
    let first = Line::from(vec![
        Span::styled(format!("{} ", line.product_code), theme::DIM),
        Span::styled(
            text::fit(&name, width.saturating_sub(u16::try_from(line.product_code.len() + 1).unwrap_or(0))),
            theme::BOLD,
        ),
    ]);
    let second = if edit.max == 0 {
        let reason = line.lock_reason.clone().unwrap_or_default();
        // Known reasons in the clerk's words; an unknown one as the server wrote it.
        let key = format!("lock_reason.{}", reason.to_ascii_lowercase());
        let words = i18n::text(locale, &key);
        let reason = if words == key { reason.clone() } else { words.to_owned() };
        i18n::fill(locale, "review.locked", &[("reason", &reason)])
    } else if let Some(substitution) = &edit.substitution {
        i18n::fill(
            locale,
            "review.substituted",
            &[
                ("code", &substitution.product_code),
                ("count", &substitution.quantity.to_string()),
                ("reason", reason_name(locale, substitution.reason)),
            ],
        )
    } else {
        let posology = line.posology.clone().unwrap_or_default();
        match line.duration_days {
            Some(days) => {
                i18n::fill(locale, "review.posology_days", &[("posology", &posology), ("days", &days.to_string())])
            }
            None if posology.is_empty() => String::new(),
            None => i18n::fill(locale, "review.posology", &[("posology", &posology)]),
        }
    };
    vec![first, Line::from(Span::styled(text::fit(&second, width), theme::DIM))]
}

/// The substitution dialog for one line.
fn substitution_dialog(
    frame: &mut Frame,
    area: Rect,
    dialog: &SubstitutionDialog,
    dispensation: &Dispensation,
    app: &App,
    locale: Locale,
) {
    let width = area.width.saturating_sub(8).min(64);
    let other = dialog.reasons.get(dialog.reason) == Some(&SubstitutionReason::Other);
    let height = if other { 12 } else { 10 };
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height: height.min(area.height),
    };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::KEY)
        .title(Span::styled(format!(" {} ", t(locale, "substitution.title")), theme::TITLE));
    let inner = block.inner(popup).inner(Margin { horizontal: 1, vertical: 0 });
    frame.render_widget(block, popup);
    let original = dispensation
        .products
        .get(dialog.line)
        .map(|line| line.product_name.clone().unwrap_or_else(|| line.product_code.clone()))
        .unwrap_or_default();
    let label_width = 16u16;
    let mut y = inner.y;
    frame.render_widget(
        Paragraph::new(Span::styled(
            text::fit(&i18n::fill(locale, "substitution.for", &[("product", &original)]), inner.width),
            theme::DIM,
        )),
        Rect { y, height: 1, ..inner },
    );
    y += 2;
    let focus = dialog.focus;
    let typing = app.typing();
    let field = |frame: &mut Frame, y: u16, key: &'static str, which: SubstitutionField, value: FieldValue| {
        let row = Rect { y, height: 1, ..inner };
        let label = text::fit(t(locale, key), label_width);
        frame.render_widget(Paragraph::new(Span::styled(label, theme::DIM)), Rect { width: label_width, ..row });
        let value_area = Rect { x: row.x + label_width + 1, width: row.width.saturating_sub(label_width + 1), ..row };
        let focused = focus == which;
        let style = if focused { theme::FOCUS } else { theme::SELECTED };
        match value {
            FieldValue::Text(input) => super::input_field(frame, value_area, input, style, focused && typing),
            FieldValue::Choice(words) => {
                frame.render_widget(Paragraph::new(format!("◀ {words} ▶")).style(style), value_area);
            }
        }
    };
    field(frame, y, "substitution.product", SubstitutionField::ProductCode, FieldValue::Text(&dialog.product_code));
    y += 2;
    field(frame, y, "substitution.quantity", SubstitutionField::Quantity, FieldValue::Text(&dialog.quantity));
    y += 2;
    let reason = dialog.reasons.get(dialog.reason).map_or("", |reason| reason_name(locale, *reason));
    field(frame, y, "substitution.reason", SubstitutionField::Reason, FieldValue::Choice(reason));
    if other {
        y += 2;
        field(
            frame,
            y,
            "substitution.description",
            SubstitutionField::Description,
            FieldValue::Text(&dialog.description),
        );
    }
}

enum FieldValue<'a> {
    Text(&'a Input),
    Choice(&'a str),
}

/// A reason in words.
fn reason_name(locale: Locale, reason: SubstitutionReason) -> &'static str {
    match reason {
        SubstitutionReason::OutOfStock => t(locale, "substitution.out_of_stock"),
        SubstitutionReason::Emergency => t(locale, "substitution.emergency"),
        SubstitutionReason::ActiveIngredient => t(locale, "substitution.active_ingredient"),
        SubstitutionReason::Other => t(locale, "substitution.other"),
        SubstitutionReason::Unknown => t(locale, "substitution.unknown"),
    }
}

/// What the line costs with the clerk's quantities, computed as the contract computes it.
fn subtotal(line: &ProductLine, edit: &LineEdit) -> Result<Decimal, money::Overflow> {
    money::line_total(line.unit_price, edit.units(), line.taxes)
}

fn units(review: &Review) -> u32 {
    review.lines.iter().map(LineEdit::units).sum()
}

fn quantity(value: Option<u32>) -> String {
    value.map_or_else(|| "—".to_owned(), |value| value.to_string())
}

/// `text` right-aligned in `width` columns (cut if it does not fit).
fn right(text_value: &str, width: u16) -> String {
    let fitted = text::fit(text_value, width);
    let pad = usize::from(width).saturating_sub(text::width(&fitted));
    format!("{}{fitted}", " ".repeat(pad))
}
