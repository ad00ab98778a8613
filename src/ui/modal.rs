//! Boxes over the step: a problem (what happened, what to do next, details on request) and the question
//! before a started dispensation is cancelled.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::chrome::Chrome;
use super::{t, text, theme};
use crate::counter::{App, Leave, Problem, Recovery};
use crate::i18n;

/// The problem over the step.
pub(super) fn problem(frame: &mut Frame, area: Rect, problem: &Problem, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let currency = app.active.as_ref().and_then(|active| active.dispensation.currency_code.as_deref());
    let message = i18n::problem_message_in(locale, problem, currency);
    let next = i18n::next_step_hint(locale, problem.next);
    let (title, style) = (t(locale, "modal.title"), theme::ERROR);
    let mut paragraphs: Vec<(String, Style)> = vec![(message, theme::BOLD), (String::new(), theme::PLAIN)];
    paragraphs.push((format!("→ {next}"), theme::PLAIN));
    if let Some(details) = &problem.details {
        if app.overlays.details {
            paragraphs.push((String::new(), theme::PLAIN));
            paragraphs.push((format!("{}: {details}", t(locale, "modal.details")), theme::DIM));
        } else if let Some(key) = chrome.keymap.hint(crate::keymap::Action::Details) {
            paragraphs.push((format!("{key}: {}", t(locale, "modal.show_details")), theme::DIM));
        }
    }
    boxed(frame, area, title, style, &paragraphs);
}

/// "Cancel the dispensation of AUTH-…?" before leaving a STARTED dispensation.
pub(super) fn confirm_leave(frame: &mut Frame, area: Rect, then: &Leave, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let code = app.active_code();
    let question = match then {
        Leave::ToEntry => i18n::fill(locale, "confirm.leave", &[("code", &code)]),
        Leave::ToCode(new) => i18n::fill(locale, "confirm.leave_for_code", &[("code", &code), ("new", new)]),
        Leave::Quit => i18n::fill(locale, "confirm.quit", &[("code", &code)]),
    };
    let enter = chrome.keymap.hint(crate::keymap::Action::Continue).unwrap_or_default();
    let esc = chrome.keymap.hint(crate::keymap::Action::Back).unwrap_or_default();
    let paragraphs = vec![
        (question, theme::BOLD),
        (t(locale, "confirm.explain").to_owned(), theme::PLAIN),
        (String::new(), theme::PLAIN),
        (i18n::fill(locale, "confirm.keys", &[("yes", &enter), ("no", &esc)]), theme::KEY),
    ];
    boxed(frame, area, t(locale, "confirm.title"), theme::WARNING, &paragraphs);
}

/// Quitting while a completion is being confirmed, Ctrl-C again: leave it unconfirmed, or keep waiting?
pub(super) fn leave_unconfirmed(frame: &mut Frame, area: Rect, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let code = app.active_code();
    let enter = chrome.keymap.hint(crate::keymap::Action::Continue).unwrap_or_default();
    let esc = chrome.keymap.hint(crate::keymap::Action::Back).unwrap_or_default();
    let paragraphs = vec![
        (i18n::fill(locale, "confirm.unconfirmed", &[("code", &code)]), theme::BOLD),
        (t(locale, "confirm.unconfirmed_explain").to_owned(), theme::PLAIN),
        (String::new(), theme::PLAIN),
        (i18n::fill(locale, "confirm.unconfirmed_keys", &[("yes", &enter), ("no", &esc)]), theme::KEY),
    ];
    boxed(frame, area, t(locale, "confirm.unconfirmed_title"), theme::ERROR, &paragraphs);
}

/// What start-up recovery found, before the first scan: one line per dispensation an earlier run left open.
pub(super) fn recovered(frame: &mut Frame, area: Rect, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let mut paragraphs = vec![(t(locale, "recovered.intro").to_owned(), theme::PLAIN), (String::new(), theme::PLAIN)];
    for found in &app.recovered {
        let claim =
            |claim_id: &Option<crate::osigu::model::Id>| claim_id.as_ref().map(ToString::to_string).unwrap_or_default();
        let (key, style, claim_id) = match &found.outcome {
            Recovery::Completed { claim_id } => ("recovered.completed", theme::OK, claim(claim_id)),
            Recovery::Resumed { claim_id } => ("recovered.resumed", theme::OK, claim(claim_id)),
            Recovery::Cancelled => ("recovered.cancelled", theme::PLAIN, String::new()),
            Recovery::Ended => ("recovered.ended", theme::PLAIN, String::new()),
            Recovery::Redo => ("recovered.redo", theme::WARNING, String::new()),
            Recovery::Unreachable => ("recovered.unreachable", theme::WARNING, String::new()),
            Recovery::PaperApproved => ("recovered.paper_approved", theme::OK, String::new()),
        };
        let words = i18n::fill(locale, key, &[("code", &found.code), ("claim", &claim_id)]);
        paragraphs.push((format!("• {words}"), style));
    }
    paragraphs.push((String::new(), theme::PLAIN));
    let enter = chrome.keymap.hint(crate::keymap::Action::Continue).unwrap_or_default();
    // An approved paper prescription's code is opened by Enter (see `update`): the keys say so.
    let offered = app.recovered.iter().find(|found| found.outcome == Recovery::PaperApproved);
    let keys = match offered {
        Some(found) => i18n::fill(locale, "recovered.keys_paper", &[("key", &enter), ("code", &found.code)]),
        None => i18n::fill(locale, "recovered.keys", &[("key", &enter)]),
    };
    paragraphs.push((keys, theme::KEY));
    boxed(frame, area, t(locale, "recovered.title"), theme::WARNING, &paragraphs);
}

/// A centred box with a title, sized to its wrapped text.
fn boxed(frame: &mut Frame, area: Rect, title: &str, style: Style, paragraphs: &[(String, Style)]) {
    let width = area.width.saturating_sub(4).min(68);
    let inner_width = width.saturating_sub(4);
    let mut lines = Vec::new();
    for (paragraph, paragraph_style) in paragraphs {
        for line in text::wrap(paragraph, inner_width) {
            lines.push(Line::from(Span::styled(line, *paragraph_style)));
        }
    }
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let block =
        Block::default().borders(Borders::ALL).border_style(style).title(Span::styled(format!(" {title} "), style));
    let inner = block.inner(popup).inner(ratatui::layout::Margin { horizontal: 1, vertical: 0 });
    frame.render_widget(block, popup);
    frame.render_widget(Paragraph::new(lines), inner);
}
