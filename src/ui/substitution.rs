//! The substitution dialog over the lines: the search and the registered products it finds, the chosen substitute
//! with its price, the quantity, the reason, a description for OTHER, and what is missing beside its field. What
//! the search found and what is missing are the core's answers ([`SubstitutionDialog`]); this lays them out.

use ratatui::Frame;
use ratatui::layout::{Alignment, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;

use super::review::MARKER_WIDTH;
use super::{t, text, theme};
use crate::counter::{App, Candidate, Missing, PRODUCT_ROWS, Registry, SubstitutionDialog, SubstitutionField};
use crate::i18n::{self, Locale};
use crate::osigu::model::{Dispensation, SubstitutionReason};

/// The substitution dialog for one line: the search and the registered products it finds, the chosen
/// substitute with its price, the quantity, the reason, a description for OTHER, and what is missing.
pub(super) fn render(
    frame: &mut Frame,
    area: Rect,
    dialog: &SubstitutionDialog,
    dispensation: &Dispensation,
    app: &App,
    locale: Locale,
) {
    let width = area.width.saturating_sub(4).min(76);
    let height = (u16::try_from(PRODUCT_ROWS).unwrap_or(5) + 12).min(area.height);
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::KEY)
        .title(Span::styled(format!(" {} ", t(locale, "substitution.title")), theme::TITLE));
    let inner = block.inner(popup).inner(Margin { horizontal: 1, vertical: 0 });
    frame.render_widget(block, popup);
    let row = |y: u16| Rect { y: inner.y + y, height: 1, ..inner };
    let original = dispensation
        .products
        .get(dialog.line)
        .map(|line| line.product_name.clone().unwrap_or_else(|| line.product_code.clone()))
        .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(Span::styled(
            text::fit(&i18n::fill(locale, "substitution.for", &[("product", &original)]), inner.width),
            theme::DIM,
        )),
        row(0),
    );
    let label_width = 14u16;
    let focus = dialog.focus;
    let typing = app.typing();
    let label = |frame: &mut Frame, y: u16, key: &'static str, which: SubstitutionField| {
        let style = if focus == which { theme::BOLD } else { theme::DIM };
        let label = text::fit(t(locale, key), label_width);
        frame.render_widget(Paragraph::new(Span::styled(label, style)), Rect { width: label_width, ..row(y) });
        Rect { x: inner.x + label_width + 1, width: inner.width.saturating_sub(label_width + 1), ..row(y) }
    };
    let field_style = |which: SubstitutionField| if focus == which { theme::FOCUS } else { theme::SELECTED };
    // The search, the count of what it finds on the right.
    let search_area = label(frame, 2, "substitution.product", SubstitutionField::Product);
    let count = match &app.session.products {
        Registry::Loaded(_) => {
            i18n::fill(locale, "substitution.count", &[("count", &dialog.matches.len().to_string())])
        }
        _ => String::new(),
    };
    let count_width = u16::try_from(text::width(&count)).unwrap_or(0);
    let input_area = Rect { width: search_area.width.saturating_sub(count_width + 1).min(30), ..search_area };
    if dialog.search.value().is_empty() && focus != SubstitutionField::Product {
        frame.render_widget(Paragraph::new("").style(field_style(SubstitutionField::Product)), input_area);
    } else {
        super::input_field(
            frame,
            input_area,
            &dialog.search,
            field_style(SubstitutionField::Product),
            focus == SubstitutionField::Product && typing,
        );
    }
    if dialog.search.value().is_empty() {
        let hint = Rect { x: input_area.x + 1, width: input_area.width.saturating_sub(1), ..input_area };
        let placeholder = text::fit(t(locale, "substitution.search_placeholder"), hint.width);
        frame.render_widget(
            Paragraph::new(Span::styled(placeholder, field_style(SubstitutionField::Product).patch(theme::DIM))),
            hint,
        );
    }
    frame.render_widget(
        Paragraph::new(Span::styled(count, theme::DIM)).alignment(Alignment::Right),
        Rect { x: search_area.right().saturating_sub(count_width), width: count_width, ..search_area },
    );
    product_list(
        frame,
        Rect { y: inner.y + 3, height: u16::try_from(PRODUCT_ROWS).unwrap_or(5), ..inner },
        dialog,
        app,
        locale,
    );
    let base = 4 + u16::try_from(PRODUCT_ROWS).unwrap_or(5);
    // The chosen substitute, with its price.
    let chosen_area = label(frame, base, "substitution.chosen", SubstitutionField::Product);
    let chosen = match dialog.chosen() {
        Some(candidate) => Line::from(candidate_spans(candidate, chosen_area.width.saturating_sub(1))),
        None => Line::from(Span::styled(t(locale, "substitution.none_chosen"), theme::DIM)),
    };
    frame.render_widget(Paragraph::new(chosen), chosen_area);
    let quantity_area = label(frame, base + 1, "substitution.quantity", SubstitutionField::Quantity);
    let input = Rect { width: 8.min(quantity_area.width), ..quantity_area };
    field(
        frame,
        input,
        &dialog.quantity,
        field_style(SubstitutionField::Quantity),
        focus == SubstitutionField::Quantity && typing,
    );
    let most = i18n::fill(locale, "review.at_most", &[("count", &dialog.most.to_string())]);
    frame.render_widget(
        Paragraph::new(Span::styled(most, theme::DIM)),
        Rect { x: input.right() + 1, width: quantity_area.width.saturating_sub(input.width + 1), ..quantity_area },
    );
    let reason_area = label(frame, base + 2, "substitution.reason", SubstitutionField::Reason);
    let reason = dialog.reasons.get(dialog.reason).map_or("", |reason| reason_name(locale, *reason));
    frame.render_widget(
        Paragraph::new(format!("◀ {reason} ▶")).style(field_style(SubstitutionField::Reason)),
        Rect {
            width: reason_area.width.min(u16::try_from(text::width(reason) + 4).unwrap_or(u16::MAX)),
            ..reason_area
        },
    );
    if dialog.other() {
        let description_area = label(frame, base + 3, "substitution.description", SubstitutionField::Description);
        field(
            frame,
            description_area,
            &dialog.description,
            field_style(SubstitutionField::Description),
            focus == SubstitutionField::Description && typing,
        );
    }
    if let Some(missing) = dialog.missing {
        let words = match missing {
            Missing::Product => t(locale, "substitution.missing_product").to_owned(),
            Missing::Quantity { most } => {
                i18n::fill(locale, "substitution.missing_quantity", &[("count", &most.to_string())])
            }
            Missing::Description => t(locale, "substitution.missing_description").to_owned(),
        };
        frame.render_widget(
            Paragraph::new(Span::styled(text::fit(&format!("▲ {words}"), inner.width), theme::WARNING)),
            row(base + 5),
        );
    }
}

fn field(frame: &mut Frame, area: Rect, input: &Input, style: ratatui::style::Style, cursor: bool) {
    super::input_field(frame, area, input, style, cursor);
}

/// The registered products the search found, the highlighted one marked; or why there are none to show.
fn product_list(frame: &mut Frame, area: Rect, dialog: &SubstitutionDialog, app: &App, locale: Locale) {
    let status = match &app.session.products {
        Registry::NotAsked | Registry::Loading => Some(t(locale, "substitution.loading").to_owned()),
        Registry::Failed => Some(t(locale, "substitution.failed").to_owned()),
        Registry::Loaded(_) if dialog.matches.is_empty() && dialog.search.value().trim().is_empty() => {
            Some(t(locale, "substitution.none_registered").to_owned())
        }
        Registry::Loaded(_) if dialog.matches.is_empty() => {
            Some(i18n::fill(locale, "substitution.no_match", &[("text", dialog.search.value().trim())]))
        }
        Registry::Loaded(_) => None,
    };
    if let Some(status) = status {
        let lines: Vec<Line> = text::wrap(&status, area.width.saturating_sub(2))
            .into_iter()
            .map(|line| Line::from(format!("  {line}")))
            .collect();
        frame.render_widget(Paragraph::new(lines).style(theme::DIM), area);
        return;
    }
    let rows = usize::from(area.height);
    let offset = dialog.highlighted.map_or(0, |at| at.saturating_sub(rows.saturating_sub(1)));
    let on_list = dialog.focus == SubstitutionField::Product;
    let lines: Vec<Line> = dialog
        .matches
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(at, candidate)| {
            let highlighted = dialog.highlighted == Some(at);
            let marker = if highlighted { "▶ " } else { "  " };
            let mut spans = vec![Span::raw(marker)];
            // The last column is for the `▼` that says more follow.
            spans.extend(candidate_spans(candidate, area.width.saturating_sub(MARKER_WIDTH + 1)));
            let style = match (highlighted, on_list) {
                (true, true) => theme::SELECTED,
                (true, false) => theme::BOLD,
                _ => theme::PLAIN,
            };
            Line::from(spans).style(style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
    if dialog.matches.len() > offset + rows {
        let more = Rect { x: area.right().saturating_sub(1), y: area.bottom().saturating_sub(1), width: 1, height: 1 };
        frame.render_widget(Paragraph::new("▼").style(theme::KEY), more);
    }
}

/// `MED-043  Ibuprofeno 400 mg tableta          Q1.80` in `width` columns.
fn candidate_spans(candidate: &Candidate, width: u16) -> Vec<Span<'static>> {
    let price =
        candidate.unit_price.map(|price| i18n::amount(price, candidate.currency_code.as_deref())).unwrap_or_default();
    let code = format!("{:<9}", candidate.product_code);
    let fixed = text::width(&code) + 1 + text::width(&price) + 1;
    let room = u16::try_from(usize::from(width).saturating_sub(fixed)).unwrap_or(0);
    let name = text::fit(&candidate.product_name, room);
    let pad = usize::from(room).saturating_sub(text::width(&name));
    vec![
        Span::styled(code, theme::DIM),
        Span::raw(" "),
        Span::raw(format!("{name}{} ", " ".repeat(pad))),
        Span::raw(price),
    ]
}

/// A reason in words.
pub(super) fn reason_name(locale: Locale, reason: SubstitutionReason) -> &'static str {
    match reason {
        SubstitutionReason::OutOfStock => t(locale, "substitution.out_of_stock"),
        SubstitutionReason::Emergency => t(locale, "substitution.emergency"),
        SubstitutionReason::ActiveIngredient => t(locale, "substitution.active_ingredient"),
        SubstitutionReason::Other => t(locale, "substitution.other"),
        SubstitutionReason::Unknown => t(locale, "substitution.unknown"),
    }
}
