//! The real terminal: raw mode, the alternate screen and bracketed paste on the way in; all of it undone on the
//! way out, whether the program ends normally, with an error, or in a panic (the hook restores the terminal
//! first, then hands the panic to the previous hook so its message lands on a readable screen).
//!
//! The panic hook ([`install_panic_hook`], installed by `main` for every command) also writes the panic to the
//! log: where it happened and its message, nothing else (no backtrace, no state that could hold personal data),
//! so a counter that died on a clerk's screen leaves its cause in `mostrador.log` for IT.

use std::io::{self, Stdout};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use crossterm::{cursor, execute};
use ratatui::layout::{Rect, Size};
use ratatui::{Terminal, TerminalOptions, Viewport};

use crate::runtime::Wire;

/// The counter's screen: a fixed viewport whose size only resize events change (no size query per frame).
pub type Screen = Terminal<Wire<Stdout>>;

/// The terminal in counter mode; dropping it restores the terminal.
pub struct Guard {
    _private: (),
}

/// The terminal is in counter mode (raw, alternate screen): a panic must restore it before saying anything.
static IN_COUNTER_MODE: AtomicBool = AtomicBool::new(false);

/// The longest panic message the log keeps, in characters.
const MAX_LOGGED_MESSAGE_CHARS: usize = 500;

/// Puts the terminal in counter mode, and gives the screen to draw on at the terminal's size (asked once).
pub fn enter() -> io::Result<(Guard, Screen)> {
    install_panic_hook();
    enable_raw_mode()?;
    IN_COUNTER_MODE.store(true, Ordering::SeqCst);
    let guard = Guard { _private: () };
    let mut stdout = io::stdout();
    execute!(stdout, EnterAlternateScreen, EnableBracketedPaste)?;
    let (columns, rows) = crossterm::terminal::size()?;
    let size = Size { width: columns, height: rows };
    let viewport = Viewport::Fixed(Rect::new(0, 0, columns, rows));
    let screen = Terminal::with_options(Wire::new(stdout, size), TerminalOptions { viewport })?;
    Ok((guard, screen))
}

/// Undoes [`enter`]. Safe to call more than once and when the terminal is gone (a dropped SSH session): every
/// step is attempted and failures are ignored, since there is nobody left to tell.
pub fn restore() {
    IN_COUNTER_MODE.store(false, Ordering::SeqCst);
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), DisableBracketedPaste, LeaveAlternateScreen, cursor::Show);
    // Log lines the log file would not take were kept while the screen was the counter's: now they can be read.
    crate::logging::release_deferred();
}

/// Whether the counter has the terminal (raw mode, the alternate screen): nothing else may write to it then.
pub fn in_counter_mode() -> bool {
    IN_COUNTER_MODE.load(Ordering::SeqCst)
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Installs, once per process, the hook that restores the terminal when the counter had it, writes the panic
/// to the log ([`log_panic`]), then hands the panic to the hook that was there (Rust's own prints it on stderr).
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_COUNTER_MODE.load(Ordering::SeqCst) {
                restore();
            }
            log_panic(info);
            previous(info);
        }));
    });
}

/// Logs a panic as an error: its location and its message (cut to [`MAX_LOGGED_MESSAGE_CHARS`]), made inert
/// like every log field. The payload is logged only when it is the message text itself.
fn log_panic(info: &std::panic::PanicHookInfo<'_>) {
    let location = info
        .location()
        .map_or_else(|| "unknown".to_owned(), |at| format!("{}:{}:{}", at.file(), at.line(), at.column()));
    let payload = info.payload();
    let message = match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(text), _) => text,
        (None, Some(text)) => text.as_str(),
        (None, None) => "(no message)",
    };
    let message: String = message.chars().take(MAX_LOGGED_MESSAGE_CHARS).collect();
    let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
    tracing::error!(location = %location, thread = %thread, message = %message, "panic");
}
