//! The dispensation's heading, shared by the steps after the code: what kind of code, which sponsor, who the
//! beneficiary is (document masked), until when the code is valid; and the plain "please wait" screen.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::chrome::Chrome;
use super::{privacy, t, text, theme};
use crate::counter::App;
use crate::i18n;
use crate::osigu::model::{CodeType, Dispensation};

/// Rows [`header`] takes.
pub(super) const HEADER_ROWS: u16 = 2;

/// `[AUTORIZACIÓN] AUTH-2026-000102 · Aseguradora OTP · válido hasta 30/11/2026`, then the beneficiary.
pub(super) fn header(frame: &mut Frame, area: Rect, app: &App, chrome: &Chrome) {
    let Some(active) = &app.active else { return };
    let lines = header_lines(&active.dispensation, app, chrome);
    frame.render_widget(Paragraph::new(lines), area);
}

fn header_lines(dispensation: &Dispensation, app: &App, chrome: &Chrome) -> Vec<Line<'static>> {
    let locale = chrome.locale;
    let badge = match dispensation.code_type {
        CodeType::Authorization => t(locale, "code_type.authorization"),
        CodeType::Prescription => t(locale, "code_type.prescription"),
        CodeType::Unknown => t(locale, "code_type.unknown"),
    };
    let mut first = vec![
        Span::styled(format!(" {badge} "), theme::BADGE),
        Span::styled(format!(" {}", dispensation.code.as_deref().unwrap_or("")), theme::BOLD),
    ];
    let sponsor = match dispensation.sponsor_slug.as_deref() {
        Some(slug) => app.sponsors.get(slug).map_or_else(|| slug.to_owned(), |sponsor| sponsor.name.clone()),
        None => t(locale, "summary.cash").to_owned(),
    };
    first.push(Span::raw(format!(" · {sponsor}")));
    if let Some(expires) = dispensation.code_expires_at {
        first.push(Span::styled(
            format!(" · {}", i18n::fill(locale, "summary.valid_until", &[("date", &chrome.date(expires))])),
            theme::DIM,
        ));
    }
    let mut second = vec![Span::styled(format!("{} ", t(locale, "summary.beneficiary")), theme::DIM)];
    match &dispensation.beneficiary {
        Some(beneficiary) => {
            second.push(Span::raw(format!("{} {}", beneficiary.first_name, beneficiary.last_name)));
            if let Some(number) = &beneficiary.document_number {
                let kind = beneficiary.document_type.clone().unwrap_or_default();
                let shown = privacy::document(number, app.overlays.reveal);
                second.push(Span::styled(format!(" · {kind} {shown}"), theme::PLAIN));
            }
        }
        None => second.push(Span::styled(t(locale, "summary.no_beneficiary"), theme::DIM)),
    }
    vec![Line::from(first), Line::from(second)]
}

/// A screen that only waits (loading the sponsor's rules, cancelling): the heading and one line.
pub(super) fn waiting(frame: &mut Frame, area: Rect, app: &App, chrome: &Chrome, key: &'static str) {
    let block = Block::default().borders(Borders::ALL).border_style(theme::DIM);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let header_area = Rect { height: HEADER_ROWS.min(inner.height), ..inner };
    header(frame, header_area, app, chrome);
    let middle = Rect { y: inner.y + inner.height / 2, height: 1, ..inner };
    let message = text::fit(t(chrome.locale, key), middle.width);
    frame.render_widget(
        Paragraph::new(message).alignment(Alignment::Center).style(theme::BOLD).wrap(Wrap { trim: true }),
        middle,
    );
}
