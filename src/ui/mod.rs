//! Pure rendering: the counter's state in, cells out. [`render`] draws the status bar, the step on screen (one
//! file per screen), the problem or question over it, the help overlay, the sandbox's toast and the key hints.
//! Nothing here changes state or does I/O; the runtime calls it only when something changed.

mod big;
mod chrome;
mod done;
mod door;
mod entry;
mod facial;
mod finalize;
mod fingerprint;
mod help;
mod history;
mod identify;
mod modal;
mod otp;
mod packs;
mod paper;
mod privacy;
mod qr;
mod review;
mod settlements;
mod status;
mod substitution;
mod summary;
mod text;
mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Paragraph;

pub use crate::counter::{Health, Toast};
pub use chrome::Chrome;

use crate::counter::{App, Step, Verify};
use crate::i18n::{self, Locale};

/// The smallest terminal the counter is laid out for; anything smaller shows one line asking for more room.
pub use crate::counter::{MIN_COLUMNS as MIN_WIDTH, MIN_ROWS as MIN_HEIGHT};

/// Draws the whole screen.
pub fn render(frame: &mut Frame, app: &App, chrome: &Chrome) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let line = i18n::fill(
            chrome.locale,
            "screen.enlarge",
            &[("width", &MIN_WIDTH.to_string()), ("height", &MIN_HEIGHT.to_string())],
        );
        let lines: Vec<ratatui::text::Line> =
            text::wrap(&line, area.width).into_iter().map(ratatui::text::Line::from).collect();
        frame.render_widget(Paragraph::new(lines).style(theme::WARNING), area);
        return;
    }
    // The sign-in or the idle lock: nothing of the counter under it shows.
    if let Some(door) = &app.door {
        return door::render(frame, area, door, app, chrome);
    }
    // The toast and the notices take rows only while they show, so the counter screen keeps every row for its
    // lists.
    let toast = app.session.surroundings.toast.as_ref();
    // What printing said takes the same row when no OTP is shown there.
    let notice = app.session.notice.as_ref().filter(|_| toast.is_none());
    let toast_rows = u16::from(toast.is_some() || notice.is_some());
    // A journal that cannot be written takes a row under the status bar for as long as it lasts, on every step;
    // so does a void of the code being dispensed (the journal's failure first: without it nothing may be handed).
    let banner = app
        .session
        .journal_failure
        .as_ref()
        .map(|failure| {
            let cause = t(chrome.locale, i18n::journal_cause_key(failure.cause));
            i18n::fill(chrome.locale, "journal.banner", &[("cause", cause)])
        })
        .or_else(|| {
            let voided = app.session.surroundings.voided.as_ref()?;
            Some(i18n::fill(chrome.locale, "voided.banner", &[("code", &crate::inert::line(&voided.code))]))
        });
    let banner_rows = banner.as_ref().map_or(0, |banner| text::wrap(banner, area.width).len().min(3));
    let notices = chrome.notice_rows(&app.session.surroundings.warnings, area.width);
    let [status_row, banner_row, body, notice_rows, toast_row, hints_row] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::try_from(banner_rows).unwrap_or(3)),
        Constraint::Fill(1),
        Constraint::Length(u16::try_from(notices.len()).unwrap_or(0)),
        Constraint::Length(toast_rows),
        Constraint::Length(1),
    ])
    .areas(area);
    status::render(frame, status_row, app, chrome);
    if let Some(banner) = banner {
        let lines: Vec<ratatui::text::Line> = text::wrap(&banner, banner_row.width)
            .into_iter()
            .map(|line| ratatui::text::Line::from(format!("{line:<width$}", width = usize::from(banner_row.width))))
            .collect();
        frame.render_widget(Paragraph::new(lines).style(theme::ALARM), banner_row);
    }
    render_step(frame, body, app, chrome, &app.step);
    if let Some(notice) = notice {
        let (words, style) = match notice {
            crate::counter::Notice::Printed { copy: false } => {
                (t(chrome.locale, "notice.printed").to_owned(), theme::OK)
            }
            crate::counter::Notice::Printed { copy: true } => {
                (t(chrome.locale, "notice.printed_copy").to_owned(), theme::OK)
            }
            crate::counter::Notice::NotPrinted { message } if message.is_empty() => {
                (t(chrome.locale, "notice.receipt_unreadable").to_owned(), theme::WARNING)
            }
            crate::counter::Notice::NotPrinted { message } => (message.clone(), theme::WARNING),
            crate::counter::Notice::NotAuthorized { refused, others } => {
                let mut parts = Vec::new();
                if !refused.is_empty() {
                    let lines: Vec<String> = refused
                        .iter()
                        .map(|line| format!("{} ({})", line.name, paper::reason(chrome.locale, line)))
                        .collect();
                    parts.push(i18n::fill(chrome.locale, "notice.not_authorized", &[("lines", &lines.join(", "))]));
                }
                if !others.is_empty() {
                    parts.push(i18n::fill(chrome.locale, "notice.other_codes", &[("codes", &others.join(", "))]));
                }
                (parts.join(" · "), theme::WARNING)
            }
            crate::counter::Notice::PaperPending => {
                (t(chrome.locale, "notice.paper_pending").to_owned(), theme::WARNING)
            }
        };
        frame.render_widget(
            Paragraph::new(format!(" {}", text::fit(&words, toast_row.width.saturating_sub(1)))).style(style),
            toast_row,
        );
    }
    if let Some(toast) = toast {
        chrome::render_toast(frame, toast_row, toast, chrome.locale);
    }
    if !notices.is_empty() {
        chrome::render_notices(frame, notice_rows, notices);
    }
    if !app.recovered.is_empty() {
        modal::recovered(frame, body, app, chrome);
    }
    if let Some(problem) = &app.problem {
        modal::problem(frame, body, problem, app, chrome);
    }
    if app.overlays.help {
        help::render(frame, body, app, chrome);
    }
    if app.overlays.leave_unconfirmed {
        modal::leave_unconfirmed(frame, body, app, chrome);
    }
    status::hints(frame, hints_row, app, chrome);
}

/// Draws one step into `area` (a question about leaving draws the step it would leave underneath).
fn render_step(frame: &mut Frame, area: Rect, app: &App, chrome: &Chrome, step: &Step) {
    match step {
        Step::Entry { code, .. } => entry::render(frame, area, app, chrome, Some(code), None),
        Step::Starting { code } => entry::render(frame, area, app, chrome, None, Some(code)),
        Step::Identify(identify) => identify::render(frame, area, identify, app, chrome),
        Step::Preparing => summary::waiting(frame, area, app, chrome, "screen.preparing"),
        Step::Verify(Verify::Otp(otp)) => otp::render(frame, area, otp, app, chrome),
        Step::Verify(Verify::Fingerprint(fingerprint)) => fingerprint::render(frame, area, fingerprint, app, chrome),
        Step::Verify(Verify::Facial(facial)) => facial::render(frame, area, facial, app, chrome),
        Step::Review(review) => review::render(frame, area, review, app, chrome),
        Step::Finalize(finalize) => finalize::render(frame, area, finalize, app, chrome),
        Step::Done(done) => done::render(frame, area, done, chrome),
        Step::ConfirmLeave { then, back_to } => {
            render_step(frame, area, app, chrome, back_to);
            modal::confirm_leave(frame, area, then, app, chrome);
        }
        Step::Leaving { .. } => summary::waiting(frame, area, app, chrome, "screen.leaving"),
        Step::History(history) => history::render(frame, area, history, app, chrome),
        Step::Settlements(step) => settlements::render(frame, area, step, app, chrome),
        Step::Paper(paper) => paper::render(frame, area, paper, app, chrome),
    }
}

/// A one-line text field: the part of the value that fits (scrolled so the cursor stays in view), and the
/// terminal's cursor on it when `cursor` (the field has the focus and keys reach it).
fn input_field(frame: &mut Frame, area: Rect, input: &tui_input::Input, style: ratatui::style::Style, cursor: bool) {
    let room = usize::from(area.width.saturating_sub(1));
    let scroll = input.visual_scroll(room);
    let shown: String = input.value().chars().skip(scroll).collect();
    frame.render_widget(Paragraph::new(shown).style(style), area);
    if cursor {
        let at = u16::try_from(input.visual_cursor().saturating_sub(scroll)).unwrap_or(u16::MAX);
        frame.set_cursor_position((area.x + at.min(area.width.saturating_sub(1)), area.y));
    }
}

/// A step's frame with its title in the top border; returns the inside, a column in from each side.
fn panel(frame: &mut Frame, area: Rect, title: &str) -> Rect {
    let block = ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_style(theme::DIM)
        .title(ratatui::text::Span::styled(format!(" {title} "), theme::TITLE));
    let inner = block.inner(area).inner(ratatui::layout::Margin { horizontal: 1, vertical: 0 });
    frame.render_widget(block, area);
    inner
}

/// The catalogue text of `key` in the chrome's language.
fn t(locale: Locale, key: &'static str) -> &'static str {
    i18n::text(locale, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every screen's source, to find the catalogue keys it names.
    const SOURCES: &[&str] = &[
        include_str!("chrome.rs"),
        include_str!("entry.rs"),
        include_str!("done.rs"),
        include_str!("door.rs"),
        include_str!("facial.rs"),
        include_str!("fingerprint.rs"),
        include_str!("finalize.rs"),
        include_str!("help.rs"),
        include_str!("history.rs"),
        include_str!("identify.rs"),
        include_str!("mod.rs"),
        include_str!("modal.rs"),
        include_str!("otp.rs"),
        include_str!("packs.rs"),
        include_str!("paper.rs"),
        include_str!("privacy.rs"),
        include_str!("review.rs"),
        include_str!("settlements.rs"),
        include_str!("status.rs"),
        include_str!("substitution.rs"),
        include_str!("summary.rs"),
    ];

    /// String literals shaped like catalogue keys (`"otp.expires_in"`).
    fn keys_named_in(source: &str) -> Vec<&str> {
        source
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|literal| {
                let mut parts = literal.split('.');
                let section = parts.next().unwrap_or("");
                let name = parts.next().unwrap_or("");
                parts.next().is_none()
                    && !literal.ends_with(".rs")
                    && !section.is_empty()
                    && !name.is_empty()
                    && literal.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
            })
            .collect()
    }

    #[test]
    fn every_key_a_screen_names_has_words_in_both_languages() {
        let keys: Vec<&str> = SOURCES.iter().flat_map(|source| keys_named_in(source)).collect();
        assert!(keys.len() > 100, "the scan finds the screens' keys ({})", keys.len());
        for key in keys {
            for locale in [Locale::Es, Locale::En] {
                assert_ne!(i18n::text(locale, key), key, "{key} has no {locale:?} text");
            }
        }
    }
}
