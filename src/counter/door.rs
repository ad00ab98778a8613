//! The counter's door: who is at it. When clerks are configured (`mostrador clerks add`) the counter opens on a
//! sign-in (clerk id, Enter or Tab, PIN, Enter); a clerk signs out between dispensations (never in the middle of
//! one). After `[counter] lock_after_secs` without a key the counter locks: the screen shows only the till, the
//! clock and "Bloqueado", while whatever runs under it (a countdown, a completion being confirmed) keeps running;
//! the same clerk's PIN, or a supervisor's, unlocks it. Without clerks the lock is a privacy screen any key lifts.
//!
//! A PIN is checked off the key thread ([`Effect::CheckPin`]: Argon2 costs tens of milliseconds of CPU) and the
//! verdict comes back as [`Msg::PinChecked`]. Scans and pastes never reach the door's fields, and the PIN typed
//! is never kept longer than its check nor printed (`Door`'s `Debug` leaves it out).
//!
//! [`Effect::CheckPin`]: super::Effect::CheckPin
//! [`Msg::PinChecked`]: super::Msg::PinChecked

use time::OffsetDateTime;
use tui_input::{Input, InputRequest};

use super::action::Action;
use super::app::{App, Purpose, Step};
use super::effect::{Effect, Write};
use super::msg::Msg;
use super::offers::{Offer, Offers};
use crate::clerks::{MAX_ID_CHARS, Pin, PinFor, PinVerdict};

/// The door on screen, over everything: nothing of the step under it shows.
pub struct Door {
    pub kind: DoorKind,
    /// The clerk id typed (for an unlock, the signed-in clerk's, which a supervisor may replace with theirs).
    pub id: Input,
    /// The PIN typed so far: shown as dots, emptied as soon as it is sent to be checked.
    pub pin: Input,
    pub focus: DoorField,
    /// A PIN is being checked: keys wait.
    pub checking: bool,
    /// What the last attempt came to.
    pub said: Option<DoorSaid>,
}

/// Written by hand: the PIN typed never reaches a log or a test's failure message.
impl std::fmt::Debug for Door {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Door")
            .field("kind", &self.kind)
            .field("id", &self.id.value())
            .field("pin", &"…")
            .field("focus", &self.focus)
            .field("checking", &self.checking)
            .field("said", &self.said)
            .finish()
    }
}

/// Why the door is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DoorKind {
    /// Nobody is signed in.
    SignIn,
    /// Locked after being idle while clerk `of` was signed in (their PIN or a supervisor's unlocks); `None`:
    /// no clerks are configured, and any key unlocks.
    Locked { of: Option<String> },
}

/// The door's two fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoorField {
    Id,
    Pin,
}

/// What the last attempt at the door came to, as the screen says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DoorSaid {
    /// A PIN is 4 to 12 digits; this one was not (nothing was checked).
    BadPin,
    /// Not a clerk id (nothing was checked).
    BadId,
    /// A wrong PIN; `left` more lock the clerk.
    Wrong { left: u32 },
    /// That wrong PIN locked the clerk until `until`.
    LockedOut { until: OffsetDateTime },
    /// The clerk is locked until `until`.
    Locked { until: OffsetDateTime },
    /// No clerk has this id.
    Unknown,
    /// The clerk was disabled.
    Disabled,
    /// Only the clerk signed in, or a supervisor, may unlock.
    NotAllowed,
    /// The PIN could not be checked (the journal failed): the text is for the log, not the screen.
    Failed,
}

impl Door {
    fn new(kind: DoorKind, id: &str) -> Self {
        let focus = if id.is_empty() { DoorField::Id } else { DoorField::Pin };
        Self { kind, id: Input::new(id.to_owned()), pin: Input::default(), focus, checking: false, said: None }
    }

    /// The sign-in, empty.
    pub fn sign_in() -> Self {
        Self::new(DoorKind::SignIn, "")
    }

    /// The lock over clerk `of`'s counter (their id ready, the PIN field focused); `None` without clerks.
    pub fn locked(of: Option<String>) -> Self {
        let id = of.clone().unwrap_or_default();
        Self::new(DoorKind::Locked { of }, &id)
    }

    /// Whether any key lifts this door (the privacy lock of a counter without clerks).
    pub fn any_key_unlocks(&self) -> bool {
        self.kind == (DoorKind::Locked { of: None })
    }

    /// Whether this door is the idle lock (as opposed to the sign-in).
    pub fn is_lock(&self) -> bool {
        matches!(self.kind, DoorKind::Locked { .. })
    }

    /// What the door offers: its fields take text; Ctrl-C quits from the sign-in only (a stranger at a locked
    /// counter must not be able to cancel the dispensation under the lock).
    pub fn offers(&self) -> Offers {
        use Action::*;
        if self.any_key_unlocks() {
            return Offers { list: vec![Offer::on(Continue, "hint.unlock")], typing: false };
        }
        if self.checking {
            return Offers { list: Vec::new(), typing: false };
        }
        let continue_words = match (self.focus, &self.kind) {
            (DoorField::Id, _) => "hint.next_field",
            (DoorField::Pin, DoorKind::SignIn) => "hint.sign_in",
            (DoorField::Pin, DoorKind::Locked { .. }) => "hint.unlock",
        };
        let mut list = vec![
            Offer::on(Continue, continue_words),
            Offer::on(NextField, "hint.other_field"),
            Offer::on(PrevField, "hint.other_field"),
            // Esc empties the PIN; on an empty one it goes back to the id (another clerk, a supervisor).
            match (self.pin.value().is_empty(), self.focus) {
                (false, _) => Offer::on(Back, "hint.clear"),
                (true, DoorField::Pin) => Offer::on(Back, "hint.change_clerk"),
                (true, DoorField::Id) => Offer::off(Back, "hint.clear"),
            },
        ];
        if self.kind == DoorKind::SignIn {
            list.push(Offer::on(Quit, "hint.quit"));
        }
        Offers { list, typing: true }
    }

    /// A key at the door; returns the PIN check to run, if Enter sent one.
    fn key(&mut self, msg: Msg) -> Option<(String, Pin)> {
        if self.checking {
            return None;
        }
        match msg {
            Msg::Edit(request) => self.edit(request),
            Msg::NextField | Msg::PrevField => self.switch(),
            Msg::Back => {
                if self.pin.value().is_empty() {
                    self.focus = DoorField::Id;
                } else {
                    self.pin.reset();
                }
            }
            Msg::Submit => return self.submit(),
            // Scans and pastes never land in a field here (a PIN is typed, never scanned).
            _ => {}
        }
        None
    }

    fn switch(&mut self) {
        self.focus = match self.focus {
            DoorField::Id => DoorField::Pin,
            DoorField::Pin => DoorField::Id,
        };
    }

    /// Typing: an id takes the characters an id may have, a PIN digits only, each up to its length.
    fn edit(&mut self, request: InputRequest) {
        let (field, fits): (&mut Input, fn(char) -> bool) = match self.focus {
            DoorField::Id => (&mut self.id, |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
            DoorField::Pin => (&mut self.pin, |c| c.is_ascii_digit()),
        };
        let max = match self.focus {
            DoorField::Id => MAX_ID_CHARS,
            DoorField::Pin => *crate::clerks::PIN_DIGITS.end(),
        };
        if let InputRequest::InsertChar(c) = request
            && (!fits(c) || field.value().chars().count() >= max)
        {
            return;
        }
        field.handle(request);
    }

    /// Enter: from the id, on to the PIN; from the PIN, the check (the PIN leaves the field at once).
    fn submit(&mut self) -> Option<(String, Pin)> {
        if self.focus == DoorField::Id {
            if !self.id.value().trim().is_empty() {
                self.focus = DoorField::Pin;
            }
            return None;
        }
        let Ok(id) = crate::clerks::normalize_id(self.id.value()) else {
            self.said = Some(DoorSaid::BadId);
            self.focus = DoorField::Id;
            return None;
        };
        let pin = Pin::new(self.pin.value());
        self.pin.reset();
        let Ok(pin) = pin else {
            self.said = Some(DoorSaid::BadPin);
            return None;
        };
        self.checking = true;
        Some((id, pin))
    }
}

impl App {
    /// A key while the door is on screen.
    pub(super) fn door_key(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        let Some(door) = &mut self.door else { return };
        if door.any_key_unlocks() {
            // A scan or a paste is not someone at the keyboard: it lifts nothing (and is dropped).
            if !matches!(msg, Msg::Scan(_) | Msg::Paste(_)) {
                self.unlocked();
            }
            return;
        }
        if matches!(msg, Msg::Interrupt) {
            // Offered at the sign-in only: nobody is signed in and nothing is in progress, so it quits.
            return self.interrupt(effects);
        }
        let Some((id, pin)) = door.key(msg) else { return };
        let purpose = match &door.kind {
            DoorKind::SignIn => PinFor::SignIn,
            DoorKind::Locked { of } => PinFor::Unlock { of: of.clone().unwrap_or_default() },
        };
        let request = self.session.request(Purpose::Pin);
        effects.push(Effect::CheckPin { id: request, clerk_id: id, pin, purpose, at: self.session.now });
    }

    /// The PIN's verdict.
    pub(super) fn pin_checked(&mut self, verdict: Result<PinVerdict, String>) {
        let Some(door) = &mut self.door else { return };
        door.checking = false;
        let said = match verdict {
            Ok(PinVerdict::Accepted(clerk)) => {
                if door.kind == DoorKind::SignIn {
                    self.session.clerk = Some(clerk);
                }
                return self.unlocked();
            }
            Ok(PinVerdict::Wrong { left }) => DoorSaid::Wrong { left },
            Ok(PinVerdict::LockedOut { until }) => DoorSaid::LockedOut { until },
            Ok(PinVerdict::Locked { until }) => DoorSaid::Locked { until },
            Ok(PinVerdict::Unknown) => DoorSaid::Unknown,
            Ok(PinVerdict::Disabled) => DoorSaid::Disabled,
            Ok(PinVerdict::NotAllowed) => DoorSaid::NotAllowed,
            Err(error) => {
                tracing::error!(error = %error, "a PIN could not be checked");
                DoorSaid::Failed
            }
        };
        door.said = Some(said);
        door.focus = DoorField::Pin;
    }

    /// The door opens: the counter is back as it was (the idle clock starts again).
    fn unlocked(&mut self) {
        self.door = None;
        self.session.last_key = self.session.now;
    }

    /// When the counter locks if no key comes first: never while the door is shown, nor with the lock off.
    pub(super) fn lock_at(&self) -> Option<OffsetDateTime> {
        let after = self.session.settings.lock_after?;
        self.door.is_none().then(|| self.session.last_key + after)
    }

    /// Locks the counter if it has been idle long enough (on the core's timer).
    pub(super) fn lock_if_idle(&mut self, effects: &mut Vec<Effect>) {
        if self.lock_at().is_none_or(|at| at > self.session.now) {
            return;
        }
        let of = self.session.clerk.as_ref().map(|clerk| clerk.id.clone());
        // Nothing personal shows under the lock, nor after it: data revealed with F7 is masked again.
        self.overlays.help = false;
        self.overlays.reveal = false;
        if let Some(clerk_id) = &of {
            effects.push(self.audit(clerk_id.clone(), "idle-locked"));
        }
        self.door = Some(Door::locked(of));
    }

    /// Whether the clerk may sign out now: only between dispensations.
    pub(super) fn may_sign_out(&self) -> bool {
        self.session.clerk.is_some()
            && self.active.is_none()
            && matches!(self.step, Step::Entry { .. } | Step::Done(_) | Step::History(_))
    }

    /// Signs the clerk out: the counter is back at the sign-in, on an empty code field.
    pub(super) fn sign_out(&mut self, effects: &mut Vec<Effect>) {
        if !self.may_sign_out() {
            return;
        }
        let Some(clerk) = self.session.clerk.take() else { return };
        effects.push(self.audit(clerk.id, "signed-out"));
        self.problem = None;
        self.overlays = super::app::Overlays::default();
        self.session.notice = None;
        self.go_to_entry();
        self.door = Some(Door::sign_in());
    }

    /// A line of the clerks' audit.
    fn audit(&mut self, clerk_id: String, event: &'static str) -> Effect {
        self.session.write(Write::Audit { at: self.session.now, clerk_id, event })
    }
}
