//! Identifying the beneficiary with the sponsor's own form: one row per field in the sponsor's order, typed
//! fields as text, choices as ◀ option ▶, required ones marked; the form's name when there are several.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::chrome::Chrome;
use super::{t, text, theme};
use crate::counter::{App, Identify};
use crate::i18n;
use crate::keymap::Action;
use crate::osigu::model::FieldType;

pub(super) fn render(frame: &mut Frame, area: Rect, identify: &Identify, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let sponsor = app.session.sponsors.name_or_slug(&identify.sponsor_slug);
    let inner = super::panel(frame, area, t(locale, "identify.title"));
    let [intro, _, form_area, status_area] =
        Layout::vertical([Constraint::Length(2), Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)])
            .areas(inner);
    // A paper prescription has no code yet: its title stands in for one.
    let code = if identify.for_paper { t(locale, "paper.title") } else { identify.code.as_str() };
    let mut intro_lines =
        vec![Line::from(vec![Span::styled(format!("{code} "), theme::BOLD), Span::raw(format!("· {sponsor}"))])];
    let form_name = identify.forms.get(identify.form).map(|form| form.fallback_name.clone()).unwrap_or_default();
    let intro_key = if identify.for_paper { "identify.intro_paper" } else { "identify.intro" };
    let mut second = vec![Span::styled(t(locale, intro_key), theme::DIM)];
    if !form_name.is_empty() {
        second = vec![Span::styled(form_name.clone(), theme::BOLD)];
    }
    if identify.forms.len() > 1 {
        let key = chrome.keymap.hint(Action::PageDown).unwrap_or_default();
        second.push(Span::styled(
            format!(" · {}", i18n::fill(locale, "identify.other_form", &[("key", &key)])),
            theme::DIM,
        ));
    }
    intro_lines.push(Line::from(text::fit_spans(second, intro.width)));
    frame.render_widget(Paragraph::new(intro_lines), intro);

    if identify.forms.is_empty() {
        frame.render_widget(Paragraph::new(t(locale, "identify.loading")).style(theme::WARNING), form_area);
        return;
    }
    let label_width = identify
        .fields
        .iter()
        .map(|field| text::width(field.field.label.as_deref().unwrap_or(&field.field.slug)) + 2)
        .max()
        .unwrap_or(10)
        .min(30) as u16;
    let typing = app.typing();
    for (index, field) in identify.fields.iter().enumerate() {
        let y = form_area.y + u16::try_from(index * 2).unwrap_or(u16::MAX);
        if y >= form_area.bottom() {
            break;
        }
        let row = Rect { y, height: 1, ..form_area };
        let label = field.field.label.clone().unwrap_or_else(|| field.field.slug.clone());
        let mark = if field.field.required { "*" } else { " " };
        frame.render_widget(
            Paragraph::new(Span::styled(format!("{}{mark}", text::fit(&label, label_width - 1)), theme::DIM)),
            Rect { width: label_width, ..row },
        );
        let value_area =
            Rect { x: row.x + label_width + 1, width: row.width.saturating_sub(label_width + 1).min(40), ..row };
        let focused = index == identify.focus;
        let style = if focused { theme::FOCUS } else { theme::SELECTED };
        if !field.editable() {
            frame.render_widget(Paragraph::new(t(locale, "identify.unsupported")).style(theme::DIM), value_area);
        } else if let Some(option) = field.option {
            let words = field.field.options.get(option).map(|raw| i18n::document_type(locale, raw)).unwrap_or_default();
            frame.render_widget(Paragraph::new(format!("◀ {words} ▶")).style(style), value_area);
        } else if field.input.value().is_empty() && !focused {
            // An empty field out of focus shows the shape it wants (a date as the region writes it).
            let hint = placeholder(field.field.field_type, locale);
            frame.render_widget(Paragraph::new(hint).style(style), value_area);
        } else {
            super::input_field(frame, value_area, &field.input, style, focused && typing);
        }
    }
    let searching = app.is_awaiting(|purpose| *purpose == crate::counter::Purpose::Search);
    let status = if searching {
        Span::styled(t(locale, "identify.searching"), theme::WARNING)
    } else if let Some(found) = &identify.found {
        let name = found.name.clone().unwrap_or_else(|| {
            format!("{} {}", found.first_name.as_deref().unwrap_or(""), found.last_name.as_deref().unwrap_or(""))
        });
        Span::styled(i18n::fill(locale, "identify.found", &[("name", name.trim())]), theme::OK)
    } else {
        Span::styled(t(locale, "identify.required_note"), theme::DIM)
    };
    frame.render_widget(Paragraph::new(status), status_area);
}

/// A hint of the shape a typed field wants (a date as the region writes it).
fn placeholder(field_type: FieldType, locale: crate::i18n::Locale) -> String {
    match field_type {
        FieldType::Date => t(locale, "identify.date_hint").to_owned(),
        _ => String::new(),
    }
}
