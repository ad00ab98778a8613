//! The counter's keys: every [`Action`] with its POS-style default keys, the clerk's overrides from the
//! configuration's `[keys]` section (an empty list unbinds an action), and what hints and help show, generated
//! from the same table so they can never disagree with what the keys do.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub use crate::counter::Action;

/// A key with its modifiers, as written in the configuration (`f10`, `ctrl-c`, `shift-tab`, `+`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Chord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

/// A key name that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a key; write e.g. \"f10\", \"enter\", \"ctrl-c\", \"shift-tab\", \"pageup\", \"+\" or \"a\"")]
pub struct ChordError {
    pub text: String,
}

impl Chord {
    /// Reads a key as written in `[keys]`; case does not matter except for a single letter.
    pub fn parse(text: &str) -> Result<Self, ChordError> {
        let error = || ChordError { text: text.to_owned() };
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text.trim();
        // A lone "-" or "+" is a key, not a modifier separator.
        while rest.len() > 1 {
            let lower = rest.to_ascii_lowercase();
            let Some((prefix, tail)) = lower.split_once('-').filter(|(_, tail)| !tail.is_empty()) else { break };
            let modifier = match prefix {
                "ctrl" | "control" => KeyModifiers::CONTROL,
                "alt" => KeyModifiers::ALT,
                "shift" => KeyModifiers::SHIFT,
                _ => break,
            };
            modifiers |= modifier;
            rest = &rest[rest.len() - tail.len()..];
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('f') => {
                let number: u8 = f[1..].parse().map_err(|_| error())?;
                if !(1..=24).contains(&number) {
                    return Err(error());
                }
                KeyCode::F(number)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    // With Ctrl or Alt, letters are matched case-insensitively (terminals differ); alone, as typed.
                    (Some(c), None) if !c.is_control() && modifiers.is_empty() => KeyCode::Char(c),
                    (Some(c), None) if !c.is_control() => KeyCode::Char(c.to_ascii_lowercase()),
                    _ => return Err(error()),
                }
            }
        };
        Ok(Self { code, modifiers })
    }

    /// The chord a terminal key event stands for; shifted characters lose the SHIFT they already carry.
    fn of(event: &KeyEvent) -> Self {
        let mut modifiers = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match event.code {
            KeyCode::Char(c) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::Char(if modifiers.is_empty() { c } else { c.to_ascii_lowercase() })
            }
            KeyCode::BackTab => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Self { code, modifiers }
    }

    /// Whether this chord would type a character into a text field.
    fn types_text(self) -> bool {
        matches!(self.code, KeyCode::Char(_)) && !self.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }
}

impl fmt::Display for Chord {
    /// As the hints show it: `F10`, `Ctrl-C`, `Shift-Tab`, `Enter`, `+`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.modifiers.is_empty() => write!(f, "{c}"),
            KeyCode::Char(c) => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Why a `[keys]` section cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("there is no such action; the actions are: {}", Action::ALL.iter().map(|a| a.name()).collect::<Vec<_>>().join(", "))]
    UnknownAction { name: String },
    #[error("{error}")]
    BadKey { action: &'static str, error: ChordError },
    #[error("{chord} is bound to both `{first}` and `{second}`")]
    Conflict { chord: String, first: &'static str, second: &'static str },
}

impl KeymapError {
    /// The configuration key the error is about (`keys.finalize`).
    pub fn key(&self) -> String {
        match self {
            Self::UnknownAction { name } => format!("keys.{name}"),
            Self::BadKey { action, .. } => format!("keys.{action}"),
            Self::Conflict { second, .. } => format!("keys.{second}"),
        }
    }
}

/// Keys to actions, and back.
#[derive(Clone, Debug, PartialEq)]
pub struct Keymap {
    by_chord: HashMap<Chord, Action>,
    by_action: BTreeMap<Action, Vec<Chord>>,
}

impl Default for Keymap {
    fn default() -> Self {
        // The defaults are written above and tested to parse without conflicts.
        Self::with_overrides(&BTreeMap::new())
            .unwrap_or_else(|_| Self { by_chord: HashMap::new(), by_action: BTreeMap::new() })
    }
}

impl Keymap {
    /// The defaults with `[keys]` applied: each named action gets exactly the keys listed (none for `[]`).
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Self, KeymapError> {
        let mut by_action = BTreeMap::new();
        for action in Action::ALL {
            let chords = action.default_keys().iter().filter_map(|text| Chord::parse(text).ok()).collect();
            by_action.insert(*action, chords);
        }
        for (name, keys) in overrides {
            let action = Action::ALL
                .iter()
                .copied()
                .find(|action| action.name() == name)
                .ok_or_else(|| KeymapError::UnknownAction { name: name.clone() })?;
            let chords = keys
                .iter()
                .map(|text| Chord::parse(text).map_err(|error| KeymapError::BadKey { action: action.name(), error }))
                .collect::<Result<Vec<_>, _>>()?;
            by_action.insert(action, chords);
        }
        let mut by_chord = HashMap::new();
        for (action, chords) in &by_action {
            for chord in chords {
                if let Some(first) = by_chord.insert(*chord, *action)
                    && first != *action
                {
                    return Err(KeymapError::Conflict {
                        chord: chord.to_string(),
                        first: first.name(),
                        second: action.name(),
                    });
                }
            }
        }
        Ok(Self { by_chord, by_action })
    }

    /// The action a key press asks for. While the clerk types into a text field, a plain character is text,
    /// not an action (so `+` and `-` can be typed into a phone number). Key releases are ignored.
    pub fn action(&self, event: &KeyEvent, typing: bool) -> Option<Action> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let chord = Chord::of(event);
        if typing && chord.types_text() {
            return None;
        }
        self.by_chord.get(&chord).copied()
    }

    /// The keys of `action`, as hints show them (empty when unbound).
    pub fn keys(&self, action: Action) -> Vec<String> {
        self.by_action.get(&action).map(|chords| chords.iter().map(Chord::to_string).collect()).unwrap_or_default()
    }

    /// The first key of `action`, for a one-line hint.
    pub fn hint(&self, action: Action) -> Option<String> {
        self.by_action.get(&action)?.first().map(Chord::to_string)
    }

    /// Every action with its keys, for the help overlay; unbound actions show no key.
    pub fn help(&self) -> Vec<(Action, Vec<String>)> {
        Action::ALL.iter().map(|action| (*action, self.keys(*action))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn the_defaults_are_the_pos_keys() {
        let keymap = Keymap::default();
        let none = KeyModifiers::NONE;
        assert_eq!(keymap.action(&press(KeyCode::Enter, none), false), Some(Action::Continue));
        assert_eq!(keymap.action(&press(KeyCode::Esc, none), false), Some(Action::Back));
        assert_eq!(keymap.action(&press(KeyCode::F(10), none), true), Some(Action::Finalize));
        assert_eq!(keymap.action(&press(KeyCode::F(4), none), false), Some(Action::Substitute));
        assert_eq!(keymap.action(&press(KeyCode::BackTab, KeyModifiers::SHIFT), false), Some(Action::PrevField));
        assert_eq!(keymap.action(&press(KeyCode::Char('c'), KeyModifiers::CONTROL), true), Some(Action::Quit));
        assert_eq!(keymap.action(&press(KeyCode::Char('+'), KeyModifiers::SHIFT), false), Some(Action::Increase));
    }

    #[test]
    fn while_typing_plain_characters_are_text() {
        let keymap = Keymap::default();
        assert_eq!(keymap.action(&press(KeyCode::Char('+'), KeyModifiers::NONE), true), None);
        assert_eq!(keymap.action(&press(KeyCode::Char('a'), KeyModifiers::NONE), false), None, "unbound");
        let mut release = press(KeyCode::Enter, KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(keymap.action(&release, false), None, "key releases are ignored");
    }

    #[test]
    fn every_action_appears_in_help_with_its_keys() {
        let keymap = Keymap::default();
        let help = keymap.help();
        assert_eq!(help.len(), Action::ALL.len());
        for (action, keys) in help {
            assert!(!keys.is_empty(), "{} has a default key", action.name());
        }
        assert_eq!(keymap.hint(Action::Finalize).as_deref(), Some("F10"));
        assert_eq!(keymap.hint(Action::PrevField).as_deref(), Some("Shift-Tab"));
        assert_eq!(keymap.hint(Action::Quit).as_deref(), Some("Ctrl-C"));
    }

    #[test]
    fn overrides_replace_and_an_empty_list_unbinds() {
        let overrides = BTreeMap::from([
            ("finalize".to_owned(), vec!["F12".to_owned(), "ctrl-f".to_owned()]),
            ("history".to_owned(), vec![]),
        ]);
        let keymap = Keymap::with_overrides(&overrides).unwrap();
        assert_eq!(keymap.action(&press(KeyCode::F(12), KeyModifiers::NONE), false), Some(Action::Finalize));
        assert_eq!(keymap.action(&press(KeyCode::Char('f'), KeyModifiers::CONTROL), true), Some(Action::Finalize));
        assert_eq!(keymap.action(&press(KeyCode::F(10), KeyModifiers::NONE), false), None);
        assert_eq!(keymap.action(&press(KeyCode::F(3), KeyModifiers::NONE), false), None);
        assert!(keymap.keys(Action::History).is_empty());
        assert_eq!(keymap.keys(Action::Finalize), ["F12", "Ctrl-F"]);
    }

    #[test]
    fn mistakes_in_keys_are_named() {
        let unknown = BTreeMap::from([("finalise".to_owned(), vec!["F10".to_owned()])]);
        let error = Keymap::with_overrides(&unknown).unwrap_err();
        assert_eq!(error.key(), "keys.finalise");
        assert!(error.to_string().contains("finalize"), "the actions are listed: {error}");
        let bad = BTreeMap::from([("finalize".to_owned(), vec!["F99".to_owned()])]);
        assert!(Keymap::with_overrides(&bad).unwrap_err().to_string().contains("`F99` is not a key"));
        let clash = BTreeMap::from([("finalize".to_owned(), vec!["enter".to_owned()])]);
        let error = Keymap::with_overrides(&clash).unwrap_err().to_string();
        assert!(error.contains("Enter") && error.contains("continue") && error.contains("finalize"), "{error}");
    }

    #[test]
    fn key_names_read_back_as_written() {
        for text in ["F1", "enter", "Esc", "ctrl-c", "Shift-Tab", "alt-x", "pgup", "+", "-", "space", "ctrl-+"] {
            let chord = Chord::parse(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(Chord::parse(&chord.to_string().replace(['↑'], "up")).ok(), Some(chord), "{text}");
        }
        assert!(Chord::parse("").is_err());
        assert!(Chord::parse("ctrl-").is_err());
    }
}
