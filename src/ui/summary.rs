//! The dispensation's heading, shared by the steps after the code: what kind of code, which sponsor, who the
//! beneficiary is (document masked), until when the code is valid; and the plain "please wait" screen.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::chrome::Chrome;
use super::{privacy, t, text, theme};
use crate::counter::{App, Proof};
use crate::i18n;
use crate::osigu::model::{CodeType, Dispensation};

/// Rows [`header`] takes.
pub(super) const HEADER_ROWS: u16 = 2;

/// `[AUTORIZACIÓN] AUTH-2026-000102 · Aseguradora OTP · válido hasta 30/11/2026`, then the beneficiary.
pub(super) fn header(frame: &mut Frame, area: Rect, app: &App, chrome: &Chrome) {
    let Some(active) = &app.active else { return };
    let lines = header_lines(&active.dispensation, app, chrome, area.width);
    frame.render_widget(Paragraph::new(lines), area);
}

fn header_lines(dispensation: &Dispensation, app: &App, chrome: &Chrome, width: u16) -> Vec<Line<'static>> {
    let locale = chrome.locale;
    let mut first = vec![
        Span::styled(format!(" {} ", badge(dispensation, chrome)), theme::BADGE),
        Span::styled(format!(" {}", dispensation.code.as_deref().unwrap_or("")), theme::BOLD),
        Span::raw(format!(" · {}", sponsor_name(dispensation, app, chrome))),
    ];
    if let Some(expires) = dispensation.code_expires_at {
        let valid = format!(" · {}", i18n::fill(locale, "summary.valid_until", &[("date", &chrome.date(expires))]));
        // The expiry is the first thing to give way on a narrow screen; the sponsor is cut only after it.
        let used: usize = first.iter().map(|span| text::width(&span.content)).sum();
        if used + text::width(&valid) <= usize::from(width) {
            first.push(Span::styled(valid, theme::DIM));
        }
    }
    // A cash prescription has a patient, not an insurer's beneficiary.
    let who = if dispensation.sponsor_slug.is_some() { "summary.beneficiary" } else { "summary.patient" };
    let mut second = vec![Span::styled(format!("{} ", t(locale, who)), theme::DIM)];
    match &dispensation.beneficiary {
        Some(beneficiary) => {
            second.push(Span::raw(format!("{} {}", beneficiary.first_name, beneficiary.last_name)));
            if let Some(number) = &beneficiary.document_number {
                let kind = i18n::document_type(locale, beneficiary.document_type.as_deref().unwrap_or_default());
                let shown = privacy::document(number, app.overlays.reveal);
                second.push(Span::styled(format!(" · {kind} {shown}"), theme::PLAIN));
            }
        }
        None => second.push(Span::styled(t(locale, "summary.no_beneficiary"), theme::DIM)),
    }
    let verified = match app.active.as_ref().map(|active| &active.proof) {
        Some(Proof::Otp { .. }) => Some(t(locale, "summary.verified_otp")),
        Some(Proof::Biometric { .. }) => Some(t(locale, "summary.verified_fingerprint")),
        Some(Proof::Server) => Some(t(locale, "summary.verified_facial")),
        Some(Proof::None) | None => None,
    };
    if let Some(verified) = verified {
        second.push(Span::styled(format!(" · ✔ {verified}"), theme::OK));
    }
    vec![Line::from(text::fit_spans(first, width)), Line::from(text::fit_spans(second, width))]
}

/// Rows [`stacked`] takes.
pub(super) const STACKED_ROWS: u16 = 4;

/// The same facts one per line, for a narrow column (beside the QR code).
pub(super) fn stacked(frame: &mut Frame, area: Rect, app: &App, chrome: &Chrome) {
    let Some(active) = &app.active else { return };
    let dispensation = &active.dispensation;
    let locale = chrome.locale;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!(" {} ", badge(dispensation, chrome)), theme::BADGE),
            Span::styled(format!(" {}", dispensation.code.as_deref().unwrap_or("")), theme::BOLD),
        ]),
        Line::from(sponsor_name(dispensation, app, chrome)),
    ];
    if let Some(beneficiary) = &dispensation.beneficiary {
        lines.push(Line::from(format!("{} {}", beneficiary.first_name, beneficiary.last_name)));
        if let Some(number) = &beneficiary.document_number {
            let kind = i18n::document_type(locale, beneficiary.document_type.as_deref().unwrap_or_default());
            lines.push(Line::from(format!("{kind} {}", privacy::document(number, app.overlays.reveal))));
        }
    } else {
        lines.push(Line::from(Span::styled(t(locale, "summary.no_beneficiary"), theme::DIM)));
    }
    let lines: Vec<Line> = lines.into_iter().map(|line| Line::from(text::fit_spans(line.spans, area.width))).collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn badge(dispensation: &Dispensation, chrome: &Chrome) -> &'static str {
    match dispensation.code_type {
        CodeType::Authorization => t(chrome.locale, "code_type.authorization"),
        CodeType::Prescription => t(chrome.locale, "code_type.prescription"),
        CodeType::Unknown => t(chrome.locale, "code_type.unknown"),
    }
}

/// The sponsor's name, its slug while the list is unknown, or "private" for a cash prescription.
fn sponsor_name(dispensation: &Dispensation, app: &App, chrome: &Chrome) -> String {
    match dispensation.sponsor_slug.as_deref() {
        Some(slug) => app.session.sponsors.name_or_slug(slug).to_owned(),
        None => t(chrome.locale, "summary.cash").to_owned(),
    }
}

/// A screen that only waits (loading the sponsor's rules, cancelling): the heading and one line.
pub(super) fn waiting(frame: &mut Frame, area: Rect, app: &App, chrome: &Chrome, key: &'static str) {
    let inner = super::panel(frame, area, t(chrome.locale, "screen.one_moment"));
    let header_area = Rect { height: HEADER_ROWS.min(inner.height), ..inner };
    header(frame, header_area, app, chrome);
    let middle = Rect { y: inner.y + inner.height / 2, height: 1, ..inner };
    let message = text::fit(t(chrome.locale, key), middle.width);
    frame.render_widget(
        Paragraph::new(message).alignment(Alignment::Center).style(theme::BOLD).wrap(Wrap { trim: true }),
        middle,
    );
}
