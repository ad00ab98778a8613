//! The two bars every screen has: the status bar on top (environment badge, provider, connection health,
//! clock) and the key hints at the bottom, generated from the keymap so they always match the keys.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::chrome::{Chrome, Health};
use super::{t, text, theme};
use crate::counter::{App, FacialState, FinalizeState, FingerprintState, Step, SubstitutionField, Verify};
use crate::i18n;
use crate::keymap::Action;
use crate::osigu::endpoint::Environment;

/// ` MOSTRADOR  SANDBOX  farmacia-demo · ● conectado ·········· caja-2 · 14:32 `
pub(super) fn render(frame: &mut Frame, area: Rect, chrome: &Chrome) {
    let locale = chrome.locale;
    let (badge, badge_style) = match chrome.environment {
        Environment::OsiguProduction => (t(locale, "status.production"), theme::PRODUCTION),
        Environment::Sandbox | Environment::OsiguSandbox => (t(locale, "status.sandbox"), theme::SANDBOX),
        Environment::Custom => (t(locale, "status.custom"), theme::SANDBOX),
    };
    let (dot, health_style, health) = match chrome.health {
        Health::Unknown => ("○", theme::BAR, t(locale, "status.connecting")),
        Health::Ok => ("●", theme::BAR, t(locale, "status.online")),
        Health::Slow => ("●", theme::BAR.fg(ratatui::style::Color::Yellow), t(locale, "status.slow")),
        Health::Down => ("●", theme::BAR.fg(ratatui::style::Color::LightRed), t(locale, "status.offline")),
    };
    // Which till this is, beside the clock: clerks on one store server tell their sessions apart by it.
    let clock = match &chrome.till {
        Some(till) => format!("{} · {}", text::fit(till, 12), i18n::time_of_day(chrome.now)),
        None => i18n::time_of_day(chrome.now),
    };
    let provider = chrome.provider.as_deref().unwrap_or("");
    let fixed = text::width(badge) + text::width(health) + text::width(&clock) + 22;
    let room = usize::from(area.width).saturating_sub(fixed);
    let provider = text::fit(provider, u16::try_from(room).unwrap_or(u16::MAX));
    let left = Line::from(vec![
        Span::styled(" MOSTRADOR ", theme::BAR.add_modifier(ratatui::style::Modifier::BOLD)),
        Span::styled(format!(" {badge} "), badge_style),
        Span::styled(format!(" {provider}"), theme::BAR),
        Span::styled(if provider.is_empty() { " " } else { " · " }, theme::BAR),
        Span::styled(format!("{dot} "), health_style),
        Span::styled(health.to_owned(), theme::BAR),
    ]);
    frame.render_widget(Paragraph::new(left).style(theme::BAR), area);
    let right = Paragraph::new(format!("{clock} ")).alignment(Alignment::Right).style(theme::BAR);
    let clock_width = u16::try_from(text::width(&clock) + 1).unwrap_or(area.width).min(area.width);
    frame.render_widget(right, Rect { x: area.right() - clock_width, width: clock_width, ..area });
}

/// The keys that do something on this screen, each with what it does: `Enter buscar · F1 ayuda · …`.
pub(super) fn hints(frame: &mut Frame, area: Rect, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    // Help is always offered, at the right end, so a newcomer finds it however full the line is.
    let help = chrome.keymap.hint(Action::Help).map(|key| (key, t(locale, "hint.help")));
    let help_width = help.as_ref().map_or(0, |(key, label)| text::width(key) + text::width(label) + 3);
    let room = usize::from(area.width).saturating_sub(help_width);
    let mut spans = Vec::new();
    let mut used = 0;
    for (action, label) in hints_for(app) {
        let Some(key) = chrome.keymap.hint(action) else { continue };
        let label = t(locale, label);
        let width = text::width(&key) + text::width(label) + 3;
        if used + width > room {
            break;
        }
        used += width;
        spans.push(Span::styled(format!(" {key}"), theme::KEY));
        spans.push(Span::raw(format!(" {label} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if let Some((key, label)) = help
        && !app.overlays.help
    {
        let line = Line::from(vec![Span::styled(format!(" {key}"), theme::KEY), Span::raw(format!(" {label} "))]);
        let width = u16::try_from(help_width).unwrap_or(0).min(area.width);
        frame.render_widget(Paragraph::new(line), Rect { x: area.right() - width, width, ..area });
    }
}

/// What each screen offers, most important first (the line is cut from the end on a narrow screen).
fn hints_for(app: &App) -> Vec<(Action, &'static str)> {
    use Action::*;
    if app.overlays.help {
        return vec![(Back, "hint.close")];
    }
    if !app.recovered.is_empty() && app.problem.is_none() {
        return vec![(Continue, "hint.continue")];
    }
    if let Some(problem) = &app.problem {
        let mut hints = vec![(Continue, "hint.continue")];
        if problem.details.is_some() {
            hints.push((Details, "hint.details"));
        }
        hints.push((NewCode, "hint.new_code"));
        return hints;
    }
    let mut hints = match &app.step {
        Step::Entry { .. } => vec![(Continue, "hint.search"), (Back, "hint.clear"), (History, "hint.history")],
        Step::Starting { .. } | Step::Preparing => vec![(Back, "hint.back")],
        Step::Identify(_) => vec![(Continue, "hint.search"), (NextField, "hint.next_field"), (Back, "hint.back")],
        Step::Verify(Verify::Otp(otp)) => {
            // Resending is offered only once the server allows it; until then the screen shows the wait.
            let may_resend = otp.sent.as_ref().is_some_and(|sent| app.session.now >= sent.resend_at);
            let usable = otp.usable();
            let mut hints = Vec::new();
            if usable {
                hints.push((Continue, "hint.validate"));
                if may_resend {
                    hints.push((Resend, "hint.resend"));
                }
            } else if may_resend {
                hints.push((Continue, "hint.resend"));
            }
            if otp.channels.len() > 1 {
                hints.push((SwitchChannel, "hint.switch_channel"));
            }
            hints.push((Back, "hint.cancel"));
            hints
        }
        Step::Verify(Verify::Fingerprint(fingerprint)) => match fingerprint.state {
            FingerprintState::NoMatch | FingerprintState::ReaderFailed => {
                vec![(Continue, "hint.capture_again"), (Back, "hint.cancel")]
            }
            _ => vec![(Back, "hint.cancel")],
        },
        Step::Verify(Verify::Facial(facial)) => match facial.state {
            FacialState::Rejected | FacialState::Expired => {
                vec![(Continue, "hint.new_challenge"), (Back, "hint.cancel")]
            }
            _ => vec![(Continue, "hint.check_now"), (Back, "hint.cancel")],
        },
        Step::Review(review) if review.dialog.is_some() => {
            let mut hints = vec![(Continue, "hint.save"), (NextField, "hint.next_field")];
            if review.dialog.as_ref().is_some_and(|dialog| dialog.focus == SubstitutionField::Reason) {
                hints.push((Down, "hint.change_reason"));
            }
            hints.push((Back, "hint.close"));
            hints
        }
        Step::Review(review) => {
            let mut hints = vec![(Finalize, "hint.finalize")];
            // A locked line takes no quantity and no substitute: its keys are not offered.
            if review.lines.get(review.selected).is_some_and(|line| line.max > 0) {
                hints.extend([(Increase, "hint.more"), (Decrease, "hint.less"), (Substitute, "hint.substitute")]);
            }
            hints.push((Back, "hint.cancel"));
            hints.push((Reveal, if app.overlays.reveal { "hint.hide" } else { "hint.reveal" }));
            hints
        }
        Step::Finalize(finalize) => match finalize.state {
            FinalizeState::Editing => vec![(Continue, "hint.confirm_finalize"), (Back, "hint.back_to_review")],
            FinalizeState::Unknown => vec![(Continue, "hint.retry_same")],
            FinalizeState::Confirming if finalize.next_try_at.is_some() => vec![(Continue, "hint.try_now")],
            FinalizeState::Sending | FinalizeState::Confirming => vec![],
        },
        Step::Done(_) => vec![(Continue, "hint.next_code"), (History, "hint.history")],
        Step::History(_) => vec![(Back, "hint.back"), (Down, "hint.scroll")],
        Step::ConfirmLeave { .. } => vec![(Continue, "hint.yes_cancel"), (Back, "hint.stay")],
        Step::Leaving { .. } => vec![],
    };
    if !matches!(app.step, Step::Finalize(_) | Step::Leaving { .. } | Step::ConfirmLeave { .. }) {
        hints.push((NewCode, "hint.new_code"));
    }
    hints
}
