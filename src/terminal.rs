//! The real terminal: raw mode, the alternate screen and bracketed paste on the way in; all of it undone on the
//! way out, whether the program ends normally, with an error, or in a panic (the hook restores the terminal
//! first, then hands the panic to the previous hook so its message lands on a readable screen).

use std::io::{self, Stdout};
use std::sync::Once;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The counter's screen.
pub type Screen = Terminal<CrosstermBackend<Stdout>>;

/// The terminal in counter mode; dropping it restores the terminal.
pub struct Guard {
    pub screen: Screen,
}

/// Puts the terminal in counter mode.
pub fn enter() -> io::Result<Guard> {
    install_panic_hook();
    enable_raw_mode()?;
    let mut stdout = io::stdout();
    if let Err(error) = execute!(stdout, EnterAlternateScreen, EnableBracketedPaste) {
        restore();
        return Err(error);
    }
    match Terminal::new(CrosstermBackend::new(stdout)) {
        Ok(screen) => Ok(Guard { screen }),
        Err(error) => {
            restore();
            Err(error)
        }
    }
}

/// Undoes [`enter`]. Safe to call more than once and when the terminal is gone (a dropped SSH session): every
/// step is attempted and failures are ignored, since there is nobody left to tell.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), DisableBracketedPaste, LeaveAlternateScreen, cursor::Show);
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
