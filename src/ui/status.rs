//! The two bars every screen has: the status bar on top (environment badge, provider, connection health,
//! clock) and the key hints at the bottom, generated from the keymap so they always match the keys.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::chrome::Chrome;
use super::{t, text, theme};
use crate::counter::App;
use crate::counter::Health;
use crate::i18n;
use crate::keymap::Action;
use crate::osigu::endpoint::Environment;

/// ` MOSTRADOR  SANDBOX  farmacia-demo · ● conectado ·········· caja-2 · 14:32 `
pub(super) fn render(frame: &mut Frame, area: Rect, app: &App, chrome: &Chrome) {
    let surroundings = &app.session.surroundings;
    let locale = chrome.locale;
    let (badge, badge_style) = match chrome.environment {
        Environment::OsiguProduction => (t(locale, "status.production"), theme::PRODUCTION),
        Environment::Sandbox | Environment::OsiguSandbox => (t(locale, "status.sandbox"), theme::SANDBOX),
        Environment::Custom => (t(locale, "status.custom"), theme::SANDBOX),
    };
    let (dot, health_style, health) = match surroundings.health {
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
    let provider = surroundings.provider.as_deref().map(crate::inert::line).unwrap_or_default();
    let fixed = text::width(badge) + text::width(health) + text::width(&clock) + 22;
    let room = usize::from(area.width).saturating_sub(fixed);
    let provider = text::fit(&provider, u16::try_from(room).unwrap_or(u16::MAX));
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

/// The keys that do something on this screen, each with what it does: `Enter buscar · F1 ayuda · …`, read from
/// the core's offers (so a hint is never shown for a key that would do nothing). Offers with the same words side
/// by side share one hint (`↑/↓ desplazar`).
pub(super) fn hints(frame: &mut Frame, area: Rect, app: &App, chrome: &Chrome) {
    let locale = chrome.locale;
    let offers = app.offers();
    // Help is always offered, at the right end, so a newcomer finds it however full the line is.
    let help = offers
        .allows(Action::Help)
        .then(|| chrome.keymap.hint(Action::Help))
        .flatten()
        .map(|key| (key, t(locale, if app.overlays.help { "hint.close" } else { "hint.help" })));
    let help_width = help.as_ref().map_or(0, |(key, label)| text::width(key) + text::width(label) + 3);
    let room = usize::from(area.width).saturating_sub(help_width);
    let mut grouped: Vec<(String, &'static str)> = Vec::new();
    for offer in offers.hints().filter(|offer| offer.action != Action::Help) {
        let Some(key) = chrome.keymap.hint(offer.action) else { continue };
        match grouped.last_mut() {
            Some((keys, words)) if *words == offer.words => {
                keys.push('/');
                keys.push_str(&key);
            }
            _ => grouped.push((key, offer.words)),
        }
    }
    let mut spans = Vec::new();
    let mut used = 0;
    for (key, words) in grouped {
        let label = t(locale, words);
        let width = text::width(&key) + text::width(label) + 3;
        if used + width > room {
            break;
        }
        used += width;
        spans.push(Span::styled(format!(" {key}"), theme::KEY));
        spans.push(Span::raw(format!(" {label} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if let Some((key, label)) = help {
        let line = Line::from(vec![Span::styled(format!(" {key}"), theme::KEY), Span::raw(format!(" {label} "))]);
        let width = u16::try_from(help_width).unwrap_or(0).min(area.width);
        frame.render_widget(Paragraph::new(line), Rect { x: area.right() - width, width, ..area });
    }
}
