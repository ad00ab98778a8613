//! Terminal input to core messages: keys through the keymap (an action), and otherwise editing keys for the
//! focused field. Releases are ignored (terminals that report them would otherwise type everything twice).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::InputRequest;

use crate::counter::Msg;
use crate::keymap::{Action, Keymap};

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
