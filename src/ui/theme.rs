//! Colours and emphasis, in one place. Only the 16 basic colours, so the screen reads the same on a Linux
//! console, over SSH and in any terminal theme; meaning never rests on colour alone (every state has words).

use ratatui::style::{Color, Modifier, Style};

pub const PLAIN: Style = Style::new();
pub const DIM: Style = Style::new().add_modifier(Modifier::DIM);
pub const BOLD: Style = Style::new().add_modifier(Modifier::BOLD);
pub const TITLE: Style = Style::new().add_modifier(Modifier::BOLD);
/// The focused field or the selected line.
pub const FOCUS: Style = Style::new().fg(Color::Black).bg(Color::Cyan);
pub const SELECTED: Style = Style::new().add_modifier(Modifier::REVERSED);
pub const OK: Style = Style::new().fg(Color::Green).add_modifier(Modifier::BOLD);
pub const WARNING: Style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
/// What must stop the clerk: nothing can be recorded.
pub const ALARM: Style = Style::new().fg(Color::White).bg(Color::Red).add_modifier(Modifier::BOLD);
pub const ERROR: Style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
/// The status bar's own background.
pub const BAR: Style = Style::new().fg(Color::White).bg(Color::Blue);
/// The SANDBOX badge: loud, so nobody mistakes practice for real dispensing.
pub const SANDBOX: Style = Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD);
pub const PRODUCTION: Style = Style::new().fg(Color::White).bg(Color::Red).add_modifier(Modifier::BOLD);
pub const KEY: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
/// The sandbox's toast (an OTP "sent by SMS").
pub const TOAST: Style = Style::new().fg(Color::Black).bg(Color::Magenta).add_modifier(Modifier::BOLD);
/// What the clerk charges the patient: the one figure to read from across the counter.
pub const CHARGE: Style = Style::new().add_modifier(Modifier::BOLD).add_modifier(Modifier::REVERSED);
pub const BADGE: Style = Style::new().fg(Color::Black).bg(Color::White).add_modifier(Modifier::BOLD);
