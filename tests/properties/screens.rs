//! Every screen the core reaches, drawn by the real `ui::render` at any size from 1x1 to 250x80, in both
//! languages, with or without the sandbox's toast: no panic, nothing drawn outside the frame, and no control
//! character (an escape sequence from a server's text) in any cell.
//!
//! The frame is a fixed viewport in the middle of a larger test terminal, so a screen that assumed it starts
//! at the top-left corner, or overflowed its area, would mark the margin around it.

use mostrador::counter::Surroundings;
use mostrador::i18n::Locale;
use mostrador::osigu::endpoint::Environment;
use mostrador::osigu::model::OtpChannel;
use mostrador::ui::{self, Chrome, Health, Toast};
use proptest::prelude::*;
use proptest::sample::select;
use ratatui::backend::TestBackend;
use ratatui::layout::{Position, Rect};
use ratatui::{Terminal, TerminalOptions, Viewport};

use crate::generators::{START, World, action, hostile_text};

/// Blank cells kept around the frame, to see anything drawn past its edges.
const MARGIN: u16 = 2;

fn chrome() -> impl Strategy<Value = (Chrome, Surroundings)> {
    let locale = select(vec![Locale::Es, Locale::En]);
    let environment = select(vec![Environment::Sandbox, Environment::OsiguSandbox, Environment::OsiguProduction]);
    let health = select(vec![Health::Unknown, Health::Ok, Health::Slow, Health::Down]);
    let toast = proptest::option::of((select(vec![OtpChannel::Sms, OtpChannel::Email]), "[0-9]{6}"));
    (locale, environment, health, proptest::option::of(hostile_text()), toast).prop_map(
        |(locale, environment, health, provider, toast)| {
            let chrome = Chrome::new(locale, environment, START);
            let toast = toast.map(|(channel, code)| Toast { channel, code });
            (chrome, Surroundings { provider, health, toast, warnings: Vec::new() })
        },
    )
}

/// Draws `world` into a `width` x `height` frame and checks every cell of the terminal around it.
/// Draws `world` with `surroundings` (kept over the core's own rule of when a toast goes, to draw it on every
/// screen) into a `width` x `height` frame and checks every cell of the terminal around it.
fn draw(
    world: &mut World,
    (chrome, surroundings): &(Chrome, Surroundings),
    (width, height): (u16, u16),
) -> Result<(), TestCaseError> {
    world.app.session.surroundings = surroundings.clone();
    let frame_area = Rect::new(MARGIN, MARGIN, width, height);
    let backend = TestBackend::new(width + 2 * MARGIN, height + 2 * MARGIN);
    let options = TerminalOptions { viewport: Viewport::Fixed(frame_area) };
    let mut terminal = Terminal::with_options(backend, options).expect("a test terminal");
    let mut chrome = chrome.clone();
    chrome.now = world.now;
    let mut drawn_in = Rect::default();
    terminal
        .draw(|frame| {
            drawn_in = frame.area();
            ui::render(frame, &world.app, &chrome);
        })
        .expect("drawn");
    prop_assert_eq!(drawn_in, frame_area);
    let backend = terminal.backend();
    let buffer = backend.buffer();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            let symbol = buffer[(x, y)].symbol();
            if !frame_area.contains(Position { x, y }) {
                prop_assert_eq!(symbol, " ", "drawn outside the {}x{} frame at ({}, {})", width, height, x, y);
            }
            prop_assert!(!symbol.contains(char::is_control), "a control character at ({}, {}): {:?}", x, y, symbol);
        }
    }
    if backend.cursor_visible() {
        let cursor = backend.cursor_position();
        prop_assert!(frame_area.contains(cursor), "the cursor at {:?} is outside the frame", cursor);
    }
    Ok(())
}

fn size() -> impl Strategy<Value = (u16, u16)> {
    prop_oneof![
        1 => (1_u16..=250, 1_u16..=80),
        1 => (78_u16..=82, 22_u16..=26),
        1 => (1_u16..=4, 1_u16..=4),
    ]
}

proptest! {
    #![proptest_config(crate::config(500))]

    #[test]
    fn every_screen_draws_inside_its_frame_at_any_size(
        actions in prop::collection::vec(action(), 0..60),
        sizes in prop::collection::vec(size(), 1..4),
        chrome in chrome(),
        every in 3_usize..8,
    ) {
        let mut world = World::new();
        draw(&mut world, &chrome, sizes[0])?;
        for (n, action) in actions.iter().enumerate() {
            world.act(action);
            if n.is_multiple_of(every) {
                draw(&mut world, &chrome, sizes[n % sizes.len()])?;
            }
        }
        draw(&mut world, &chrome, sizes[sizes.len() - 1])?;
    }
}
