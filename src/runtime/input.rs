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
        Action::Settlements => Msg::Settlements,
        Action::Refresh => Msg::Refresh,
        Action::Export => Msg::Export,
        Action::Print => Msg::Print,
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
        Action::PaperPrescription => Msg::PaperPrescription,
        Action::Quit => Msg::Interrupt,
        Action::SignOut => Msg::SignOut,
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

#[cfg(test)]
mod scanner_tests {
    use time::macros::datetime;

    use super::*;

    const START: OffsetDateTime = datetime!(2026-11-21 15:04:00 UTC);

    fn key(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn ch(c: char) -> Event {
        key(KeyCode::Char(c))
    }

    /// Feeds `keys`, each `gap_ms` after the previous one, then lets the gap run out; everything it meant.
    fn feed(scanner: &mut Scanner, at: &mut OffsetDateTime, keys: &[Event], gap_ms: i64) -> Vec<Input> {
        let mut out = Vec::new();
        for event in keys {
            *at += time::Duration::milliseconds(gap_ms);
            out.extend(scanner.event(event.clone(), *at));
        }
        out
    }

    fn settle(scanner: &mut Scanner, at: OffsetDateTime) -> Vec<Input> {
        match scanner.deadline() {
            Some(deadline) => scanner.expire(deadline.max(at)),
            None => Vec::new(),
        }
    }

    fn typed(text: &str) -> Vec<Event> {
        text.chars().map(ch).collect()
    }

    fn keys_of(text: &str) -> Vec<Input> {
        typed(text).into_iter().map(Input::Event).collect()
    }

    fn with_enter(text: &str) -> Vec<Event> {
        let mut keys = typed(text);
        keys.push(key(KeyCode::Enter));
        keys
    }

    #[test]
    fn a_scanners_burst_is_one_scan() {
        let mut scanner = Scanner::new(ScannerSection::default());
        let mut at = START;
        let out = feed(&mut scanner, &mut at, &with_enter("AUTH-2026-000102"), 8);
        assert_eq!(out, [Input::Scan("AUTH-2026-000102".into())]);
        assert_eq!(scanner.deadline(), None, "nothing left held");
    }

    #[test]
    fn typing_by_hand_stays_keys() {
        let mut scanner = Scanner::new(ScannerSection::default());
        let mut at = START;
        // A quick typist: 120 ms a key. Each key is typed once the gap after it has passed.
        let mut out = Vec::new();
        for event in with_enter("AUTH-2026-000102") {
            out.extend(feed(&mut scanner, &mut at, &[event], 120));
            out.extend(settle(&mut scanner, at + time::Duration::milliseconds(51)));
        }
        let mut expected = keys_of("AUTH-2026-000102");
        expected.push(Input::Event(key(KeyCode::Enter)));
        assert_eq!(out, expected);
    }

    #[test]
    fn a_short_fast_burst_is_typing() {
        let mut scanner = Scanner::new(ScannerSection::default());
        let mut at = START;
        let out = feed(&mut scanner, &mut at, &with_enter("12345"), 5);
        let mut expected = keys_of("12345");
        expected.push(Input::Event(key(KeyCode::Enter)));
        assert_eq!(out, expected, "five characters are fewer than a scan has");
    }

    #[test]
    fn keys_held_while_they_may_be_a_scan_come_out_when_the_gap_runs_out() {
        let mut scanner = Scanner::new(ScannerSection::default());
        let mut at = START;
        assert!(feed(&mut scanner, &mut at, &typed("482913"), 10).is_empty(), "held: it may still be a scan");
        assert_eq!(scanner.deadline(), Some(at + time::Duration::milliseconds(50)));
        assert!(scanner.expire(at + time::Duration::milliseconds(49)).is_empty());
        assert_eq!(scanner.expire(at + time::Duration::milliseconds(50)), keys_of("482913"));
    }

    #[test]
    fn a_scan_right_after_typing_is_still_a_scan_and_the_typing_stays_keys() {
        let mut scanner = Scanner::new(ScannerSection::default());
        let mut at = START;
        let mut out = feed(&mut scanner, &mut at, &typed("AB"), 200);
        // The scanner starts 60 ms after the last typed key: past the gap, so the typed keys are keys.
        at += time::Duration::milliseconds(60 - 8);
        out.extend(feed(&mut scanner, &mut at, &with_enter("RX-2026-000004"), 8));
        let mut expected = keys_of("AB");
        expected.push(Input::Scan("RX-2026-000004".into()));
        assert_eq!(out, expected);
    }

    #[test]
    fn a_slow_key_in_the_middle_splits_the_burst_into_typing() {
        let mut scanner = Scanner::new(ScannerSection::default());
        let mut at = START;
        let mut out = feed(&mut scanner, &mut at, &typed("AUTH-20"), 8);
        out.extend(feed(&mut scanner, &mut at, &typed("2"), 80));
        out.extend(feed(&mut scanner, &mut at, &with_enter("6-00"), 8));
        let mut expected = keys_of("AUTH-20");
        expected.extend(keys_of("26-00"));
        expected.push(Input::Event(key(KeyCode::Enter)));
        assert_eq!(out, expected, "the second part is too short to be a scan by itself");
    }

    #[test]
    fn each_terminator_ends_a_scan_and_only_its_own() {
        let ctrl_j = Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL));
        for (terminator, ending) in [
            (Terminator::Enter, vec![key(KeyCode::Enter)]),
            (Terminator::Tab, vec![key(KeyCode::Tab)]),
            (Terminator::Lf, vec![ctrl_j.clone()]),
            (Terminator::Crlf, vec![key(KeyCode::Enter), ctrl_j.clone()]),
        ] {
            let mut scanner = Scanner::new(ScannerSection { terminator, ..ScannerSection::default() });
            let mut at = START;
            let mut keys = typed("AUTH-2026-000101");
            keys.extend(ending);
            assert_eq!(
                feed(&mut scanner, &mut at, &keys, 4),
                [Input::Scan("AUTH-2026-000101".into())],
                "{terminator:?}"
            );
        }
        // With Tab as the terminator, Enter after a burst is typing (the keys and Enter).
        let mut scanner = Scanner::new(ScannerSection { terminator: Terminator::Tab, ..ScannerSection::default() });
        let mut at = START;
        let out = feed(&mut scanner, &mut at, &with_enter("AUTH-2026-000101"), 4);
        assert_eq!(out.last(), Some(&Input::Event(key(KeyCode::Enter))));
        assert_eq!(out.len(), 17);
        // CR LF with the LF missing: once the gap runs out, the keys and the Enter are typed.
        let mut scanner = Scanner::new(ScannerSection { terminator: Terminator::Crlf, ..ScannerSection::default() });
        let mut at = START;
        assert!(feed(&mut scanner, &mut at, &with_enter("AUTH-2026-000101"), 4).is_empty());
        assert_eq!(settle(&mut scanner, at).len(), 17);
    }

    #[test]
    fn prefix_and_suffix_are_removed_and_required() {
        let rule = ScannerSection { prefix: Some("]C1".into()), suffix: Some("#".into()), ..ScannerSection::default() };
        let mut scanner = Scanner::new(rule.clone());
        let mut at = START;
        assert_eq!(
            feed(&mut scanner, &mut at, &with_enter("]C1AUTH-2026-000101#"), 4),
            [Input::Scan("AUTH-2026-000101".into())]
        );
        // Without its prefix a burst is not this scanner's: typing.
        let mut scanner = Scanner::new(rule);
        let mut at = START;
        let out = feed(&mut scanner, &mut at, &with_enter("AUTH-2026-000101#"), 4);
        assert!(out.iter().all(|input| matches!(input, Input::Event(_))), "{out:?}");
    }

    #[test]
    fn a_pasted_line_ending_with_a_newline_is_a_scan_and_other_pastes_are_pastes() {
        let mut scanner = Scanner::new(ScannerSection::default());
        for ending in ["\r\n", "\n", "\r"] {
            let out = scanner.event(Event::Paste(format!("AUTH-2026-000101{ending}")), START);
            assert_eq!(out, [Input::Scan("AUTH-2026-000101".into())], "{ending:?}");
        }
        for text in ["AUTH-2026-000101", "two\nlines\n", "\n", "   \r\n"] {
            let out = scanner.event(Event::Paste(text.into()), START);
            assert_eq!(out, [Input::Event(Event::Paste(text.into()))], "{text:?}");
        }
    }

    #[test]
    fn other_events_and_control_keys_release_held_keys_first() {
        let mut scanner = Scanner::new(ScannerSection::default());
        let mut at = START;
        let mut out = feed(&mut scanner, &mut at, &typed("12"), 5);
        out.extend(feed(&mut scanner, &mut at, &[Event::Resize(100, 30)], 5));
        out.extend(feed(&mut scanner, &mut at, &typed("3"), 5));
        out.extend(feed(&mut scanner, &mut at, &[key(KeyCode::F(10))], 5));
        let mut expected = keys_of("12");
        expected.push(Input::Event(Event::Resize(100, 30)));
        expected.extend(keys_of("3"));
        expected.push(Input::Event(key(KeyCode::F(10))));
        assert_eq!(out, expected);
    }
}
