//! Terminal input to core messages: keys through the keymap (an action), and otherwise editing keys for the
//! focused field. Releases are ignored (terminals that report them would otherwise type everything twice).
//!
//! Before the keymap, the [`Scanner`] tells a barcode scanner from a clerk's hands: a keyboard-wedge scanner
//! "types" a code as a burst of printable keys a few milliseconds apart and ends it with its terminator (Enter
//! by default). Such a burst, or a bracketed paste ending with a newline, becomes ONE [`Input::Scan`]; keys
//! typed by hand (slower, or fewer, or without the terminator) stay keys. Printable keys are held while they
//! may still be a scan, at most `max_gap_ms` after the last one, so a scanned code never acts as keys on a
//! screen (digits as quantities, letters in an OTP field).

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use time::OffsetDateTime;
use tui_input::InputRequest;

use crate::config::{ScannerSection, Terminator};
use crate::counter::Msg;
use crate::keymap::{Action, Keymap};

/// What the terminal's events mean once scans are told apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A terminal event as it came (a key typed by hand, a paste, a resize...).
    Event(Event),
    /// A scanned code, prefix, suffix and terminator removed.
    Scan(String),
}

/// Tells scans from typing, by the timing of the keys (see the module's documentation).
#[derive(Debug)]
pub struct Scanner {
    rule: ScannerSection,
    /// Keys that may be a scan, oldest first (printable ones, and a CR waiting for its LF).
    held: Vec<KeyEvent>,
    /// When the last held key arrived.
    last_at: Option<OffsetDateTime>,
}

impl Scanner {
    /// A scanner following `rule` (`[scanner]` in the configuration).
    pub fn new(rule: ScannerSection) -> Self {
        Self { rule, held: Vec::new(), last_at: None }
    }

    /// When the held keys are typed if nothing else comes: `max_gap_ms` after the last one.
    pub fn deadline(&self) -> Option<OffsetDateTime> {
        let last = self.last_at.filter(|_| !self.held.is_empty())?;
        Some(last + self.gap())
    }

    /// The gap ran out at `now`: the held keys were typed by hand.
    pub fn expire(&mut self, now: OffsetDateTime) -> Vec<Input> {
        let mut out = Vec::new();
        if self.deadline().is_some_and(|deadline| deadline <= now) {
            self.release(&mut out);
        }
        out
    }

    /// One terminal event at `now`: what it means, in order (held keys come out before what ended them).
    pub fn event(&mut self, event: Event, now: OffsetDateTime) -> Vec<Input> {
        let mut out = Vec::new();
        if self.deadline().is_some_and(|deadline| deadline < now) {
            self.release(&mut out);
        }
        match event {
            Event::Key(key) if key.kind == KeyEventKind::Release => {}
            Event::Key(key) => self.key(key, now, &mut out),
            Event::Paste(text) => {
                self.release(&mut out);
                out.push(match self.pasted_code(&text) {
                    Some(code) => Input::Scan(code),
                    None => Input::Event(Event::Paste(text)),
                });
            }
            other => {
                self.release(&mut out);
                out.push(Input::Event(other));
            }
        }
        out
    }

    fn key(&mut self, key: KeyEvent, now: OffsetDateTime, out: &mut Vec<Input>) {
        let waiting_for_lf = self.held.last().is_some_and(|last| last.code == KeyCode::Enter);
        if waiting_for_lf {
            // CR LF: only LF may follow the CR.
            if is_lf(&key) {
                self.finish(key, out);
            } else {
                self.release(out);
                self.key(key, now, out);
            }
            return;
        }
        if printable(&key) {
            self.held.push(key);
            self.last_at = Some(now);
            return;
        }
        let ends = match self.rule.terminator {
            Terminator::Enter => is_enter(&key),
            Terminator::Tab => key.code == KeyCode::Tab && key.modifiers.is_empty(),
            Terminator::Lf => is_lf(&key),
            Terminator::Crlf => is_enter(&key),
        };
        if ends && self.code().is_some() {
            if self.rule.terminator == Terminator::Crlf {
                // The LF is still to come.
                self.held.push(key);
                self.last_at = Some(now);
            } else {
                self.finish(key, out);
            }
            return;
        }
        self.release(out);
        out.push(Input::Event(Event::Key(key)));
    }

    /// The burst ended with its terminator: one scan.
    fn finish(&mut self, terminator: KeyEvent, out: &mut Vec<Input>) {
        match self.code() {
            Some(code) => {
                self.held.clear();
                self.last_at = None;
                out.push(Input::Scan(code));
            }
            None => {
                self.release(out);
                out.push(Input::Event(Event::Key(terminator)));
            }
        }
    }

    /// The held keys as a code, when they make one: enough characters, with the prefix and suffix the rule
    /// names (removed).
    fn code(&self) -> Option<String> {
        let text: String = self.held.iter().filter_map(key_char).collect();
        let code = self.strip(&text, true)?;
        (code.chars().count() >= self.rule.min_chars).then_some(code)
    }

    /// `text` without the rule's prefix and suffix; `None` when `required` and one of them is missing.
    fn strip(&self, text: &str, required: bool) -> Option<String> {
        let mut code = text;
        if let Some(prefix) = self.rule.prefix.as_deref().filter(|prefix| !prefix.is_empty()) {
            match code.strip_prefix(prefix) {
                Some(rest) => code = rest,
                None if required => return None,
                None => {}
            }
        }
        if let Some(suffix) = self.rule.suffix.as_deref().filter(|suffix| !suffix.is_empty()) {
            match code.strip_suffix(suffix) {
                Some(rest) => code = rest,
                None if required => return None,
                None => {}
            }
        }
        Some(code.to_owned())
    }

    /// A paste is a scan when it is one line ended by a newline (CR, LF or CR LF), with something on it.
    fn pasted_code(&self, text: &str) -> Option<String> {
        let line = text.strip_suffix("\r\n").or_else(|| text.strip_suffix(['\r', '\n']))?;
        if line.contains(['\r', '\n']) {
            return None;
        }
        let code = self.strip(line, false)?;
        (!code.trim().is_empty()).then_some(code)
    }

    /// The held keys were typed by hand: out they go, as keys, in order.
    fn release(&mut self, out: &mut Vec<Input>) {
        out.extend(self.held.drain(..).map(|key| Input::Event(Event::Key(key))));
        self.last_at = None;
    }

    fn gap(&self) -> time::Duration {
        time::Duration::milliseconds(i64::try_from(self.rule.max_gap_ms).unwrap_or(i64::MAX))
    }
}

/// A key that types a character by itself (no Ctrl or Alt): what a scanner sends for a code.
fn printable(key: &KeyEvent) -> bool {
    key_char(key).is_some()
}

fn key_char(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c) if !c.is_control() && !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
            Some(c)
        }
        _ => None,
    }
}

fn is_enter(key: &KeyEvent) -> bool {
    key.code == KeyCode::Enter && key.modifiers.is_empty()
}

/// LF in raw mode: crossterm reads byte 0x0A as Ctrl-J.
fn is_lf(key: &KeyEvent) -> bool {
    key.code == KeyCode::Char('j') && key.modifiers == KeyModifiers::CONTROL
}

/// The message a key press means, if any. `typing` says whether a text field has the focus.
pub fn key_msg(keymap: &Keymap, key: &KeyEvent, typing: bool) -> Option<Msg> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if let Some(action) = keymap.action(key, typing) {
        return action_msg(action);
    }
    // Ctrl-C quits even when `[keys]` moved `quit` elsewhere: a clerk must always be able to get out.
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return Some(Msg::Interrupt);
    }
    let request = match key.code {
        KeyCode::Char('w' | 'h') if ctrl => InputRequest::DeletePrevWord,
        KeyCode::Char('u') if ctrl => InputRequest::DeleteLine,
        KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => InputRequest::InsertChar(c),
        KeyCode::Backspace if ctrl => InputRequest::DeletePrevWord,
        KeyCode::Backspace => InputRequest::DeletePrevChar,
        KeyCode::Delete => InputRequest::DeleteNextChar,
        KeyCode::Left if ctrl => InputRequest::GoToPrevWord,
        KeyCode::Right if ctrl => InputRequest::GoToNextWord,
        KeyCode::Left => InputRequest::GoToPrevChar,
        KeyCode::Right => InputRequest::GoToNextChar,
        KeyCode::Home => InputRequest::GoToStart,
        KeyCode::End => InputRequest::GoToEnd,
        _ => return None,
    };
    Some(Msg::Edit(request))
}

/// What each action asks of the core.
fn action_msg(action: Action) -> Option<Msg> {
    Some(match action {
        Action::Continue => Msg::Submit,
        Action::Back => Msg::Back,
        Action::Help => Msg::Help,
        Action::NewCode => Msg::NewCode,
        Action::History => Msg::History,
        Action::Substitute => Msg::Substitute,
        Action::Resend => Msg::Resend,
        Action::SwitchChannel => Msg::SwitchChannel,
        Action::Reveal => Msg::Reveal,
        Action::Details => Msg::Details,
        Action::Finalize => Msg::Finalize,
        Action::NextField => Msg::NextField,
        Action::PrevField => Msg::PrevField,
        Action::Up => Msg::Up,
        Action::Down => Msg::Down,
        Action::PageUp => Msg::PageUp,
        Action::PageDown => Msg::PageDown,
        Action::Increase => Msg::Increase,
        Action::Decrease => Msg::Decrease,
        Action::Quit => Msg::Interrupt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn a_scanner_types_and_enter_submits() {
        let keymap = Keymap::default();
        assert!(matches!(
            key_msg(&keymap, &press(KeyCode::Char('A')), true),
            Some(Msg::Edit(InputRequest::InsertChar('A')))
        ));
        assert!(matches!(key_msg(&keymap, &press(KeyCode::Enter), true), Some(Msg::Submit)));
    }

    #[test]
    fn plus_is_text_while_typing_and_a_quantity_key_on_the_lines() {
        let keymap = Keymap::default();
        assert!(matches!(
            key_msg(&keymap, &press(KeyCode::Char('+')), true),
            Some(Msg::Edit(InputRequest::InsertChar('+')))
        ));
        assert!(matches!(key_msg(&keymap, &press(KeyCode::Char('+')), false), Some(Msg::Increase)));
    }

    #[test]
    fn releases_are_ignored_and_ctrl_c_always_quits() {
        let keymap = Keymap::with_overrides(&[("quit".to_owned(), vec![])].into_iter().collect()).unwrap();
        let mut release = press(KeyCode::Char('a'));
        release.kind = KeyEventKind::Release;
        assert!(key_msg(&keymap, &release, true).is_none());
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert!(matches!(key_msg(&keymap, &ctrl_c, true), Some(Msg::Interrupt)));
    }
}
