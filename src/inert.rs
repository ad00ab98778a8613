//! Outside text made inert before it reaches a terminal or a log: what a server, a configuration file or a
//! journal row says is shown as text, never obeyed as a command.
//!
//! A terminal acts on some characters instead of showing them: ESC starts sequences that set the window title,
//! write the clipboard (OSC 52), clear the screen or recolour what follows (a fake green OK); other C0 controls
//! move the cursor or ring the bell; C1 controls (U+0080–U+009F) are single-character ESC sequences on many
//! terminals; and the Unicode bidirectional controls reorder what is displayed, so a line can read differently
//! from what it holds ("Trojan Source"). This module owns that list ([`is_hazard`]) and the one way they are
//! replaced:
//!
//! - tab, line feed and carriage return become a space in [`line`]: they are layout, and a message that spans
//!   lines reads naturally on one (a log line or a report line stays one line, so it cannot forge the next);
//! - every other hazard becomes U+FFFD REPLACEMENT CHARACTER ([`REPLACEMENT`], `�`): visible, so the reader
//!   sees that something was there, one column wide, and meaningless to every terminal;
//! - [`lines`] does the same but keeps line feeds, for output that is meant to span lines.
//!
//! Every printer of outside text uses it: `check`'s report and failure line, `sandbox serve`, the log (every
//! field of every event, through [`InertFields`]), the fatal errors `main` prints, and the journal's CSV export.
//! The counter's screen needs none of it: ratatui drops every grapheme that holds a control character and every
//! zero-width one (the bidi controls are zero-width), which a test of the screens proves.

use std::borrow::Cow;
use std::fmt;

use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::{DefaultFields, Writer};

/// What replaces a character that could act on a terminal: U+FFFD REPLACEMENT CHARACTER.
pub const REPLACEMENT: char = '\u{FFFD}';

/// True for a character a terminal may act on instead of showing: the C0 controls (ESC among them), DEL, the C1
/// controls (U+0080–U+009F), the bidirectional controls (embeddings and overrides U+202A–U+202E, isolates
/// U+2066–U+2069, the marks U+200E, U+200F and U+061C) and the Unicode line and paragraph separators (U+2028,
/// U+2029), which some viewers break lines on.
pub fn is_hazard(c: char) -> bool {
    // `is_control` is the general category Cc: exactly U+0000–U+001F, U+007F and U+0080–U+009F.
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `text` for one line of a terminal or a log: tab, line feed and carriage return become a space, every other
/// hazard [`REPLACEMENT`]. Borrowed when there is nothing to replace, which is nearly always.
pub fn line(text: &str) -> Cow<'_, str> {
    replace(text, |c| match c {
        '\t' | '\n' | '\r' => ' ',
        _ => REPLACEMENT,
    })
}

/// `text` for output that spans lines: line feeds are kept, a carriage return is dropped when a line feed
/// follows it (a Windows line end) and becomes a space otherwise (a bare one would overwrite the line), tabs
/// become a space, every other hazard [`REPLACEMENT`].
pub fn lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_hazard(c) && c != '\n') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\t' | '\r' => out.push(' '),
            c if is_hazard(c) => out.push(REPLACEMENT),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn replace(text: &str, with: impl Fn(char) -> char) -> Cow<'_, str> {
    if !text.chars().any(is_hazard) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(|c| if is_hazard(c) { with(c) } else { c }).collect())
}

/// The fields of a log event or span (the message included) formatted as tracing-subscriber's default does,
/// then made inert with [`line`]: whatever a field holds (a server's error text, a path), the log line stays
/// one line of plain text. The formatter's own parts (time, level, target, its colours on a terminal) are
/// written around the fields and are not touched. Field names are not set in italics on a terminal.
#[derive(Debug, Default)]
pub struct InertFields(DefaultFields);

impl InertFields {
    pub fn new() -> Self {
        Self::default()
    }
}

impl<'writer> FormatFields<'writer> for InertFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut buffer = String::new();
        self.0.format_fields(Writer::new(&mut buffer), fields)?;
        writer.write_str(&line(&buffer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_controls_are_replaced_by_something_visible() {
        let hostile = "OK\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{202e}gnp.exe\u{2066}x\u{2069}\u{200f}\u{61c}\x7f";
        let shown = line(hostile);
        assert!(!shown.chars().any(is_hazard), "{shown:?}");
        assert_eq!(shown, "OK�]0;pwned��[2J�31m�gnp.exe�x����");
    }

    #[test]
    fn layout_controls_become_spaces_on_one_line_and_line_feeds_stay_in_lines() {
        assert_eq!(line("a\tb\r\nc"), "a b  c");
        assert_eq!(lines("a\tb\r\nc\rd\n"), "a b\nc d\n");
        assert_eq!(lines("x\x1by"), "x�y");
    }

    #[test]
    fn ordinary_text_is_borrowed_untouched() {
        for text in ["Acetaminofén 500 mg", "RD$1,234.50 · 薬局", "", "ñ\u{301}"] {
            assert!(matches!(line(text), Cow::Borrowed(t) if t == text), "{text}");
            assert!(matches!(lines(text), Cow::Borrowed(t) if t == text), "{text}");
        }
        assert!(matches!(lines("uno\ndos"), Cow::Borrowed(_)));
    }

    #[test]
    fn every_c0_and_c1_control_is_a_hazard_and_nothing_printable_is() {
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            assert!(is_hazard(c), "{:#x}", c as u32);
        }
        for c in [' ', 'a', 'é', '€', '\u{a0}', '\u{200d}', '…'] {
            assert!(!is_hazard(c), "{c:?}");
        }
    }
}
