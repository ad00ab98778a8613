//! What the counter knows of the world around the dispensation, for the status bar and the rows above the hints:
//! the pharmacy the credentials belong to, how the connection is doing, the embedded sandbox's latest message to
//! the beneficiary (the toast), the configuration's warnings, and a void of the code being dispensed that the
//! webhook receiver recorded. Like everything else on screen it changes only
//! through `update`: the runtime reports each change as a message ([`Msg::Provider`], [`Msg::Health`],
//! [`Msg::SandboxSent`]), and the rules of when a toast or a warning goes away are here, once.
//!
//! [`Msg::Provider`]: super::Msg::Provider
//! [`Msg::Health`]: super::Msg::Health
//! [`Msg::SandboxSent`]: super::Msg::SandboxSent

use super::app::{App, Step};
use super::steps::Verify;
use crate::config::ConfigWarning;
use crate::osigu::model::OtpChannel;

/// The surroundings as the last messages told them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Surroundings {
    /// The pharmacy the credentials belong to, once the first token names it.
    pub provider: Option<String>,
    /// How the connection is doing, from the last calls.
    pub health: Health,
    /// The sandbox's latest message to the beneficiary (an OTP), while the code it carries can be used.
    pub toast: Option<Toast>,
    /// Warnings about the configuration, shown on the first screen until the first code is looked up (they are
    /// in the log too; printed on stderr they would vanish under the screen the moment it opens).
    pub warnings: Vec<ConfigWarning>,
    /// The code being dispensed was voided by its sponsor (the webhook receiver recorded it): finalizing it will
    /// be refused, so the clerk is told first. Cleared when that dispensation ends.
    pub voided: Option<Voided>,
}

/// The connection as recent calls found it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Health {
    /// No call has finished yet.
    #[default]
    Unknown,
    Ok,
    /// Answers, but slowly (a recent call took seconds).
    Slow,
    /// The last call could not reach the server.
    Down,
}

/// A message the sandbox "sent" to the beneficiary, shown so a newcomer can finish a flow alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    pub channel: OtpChannel,
    pub code: String,
}

impl App {
    /// Keeps the toast only while the code it carries can still be used (during the verification it was sent for,
    /// and not once that OTP lapsed or locked: a resend brings a new one), the configuration's warnings only
    /// until the first code is looked up, and a void only while its code is being dispensed.
    pub(super) fn follow_surroundings(&mut self) {
        let usable = match &self.step {
            Step::Verify(Verify::Otp(otp)) => otp.usable(),
            Step::Verify(_) => true,
            _ => false,
        };
        let current = self.active.as_ref().and_then(|active| active.dispensation.code.as_deref());
        let surroundings = &mut self.session.surroundings;
        if surroundings
            .voided
            .as_ref()
            .is_some_and(|voided| current.is_none_or(|code| !code.eq_ignore_ascii_case(&voided.code)))
        {
            surroundings.voided = None;
        }
        if !usable {
            surroundings.toast = None;
        }
        if !matches!(self.step, Step::Entry { .. }) {
            surroundings.warnings.clear();
        }
    }
}

/// An authorization the sponsor voided while this till was dispensing it, as the webhook receiver recorded it
/// (`authorization.voided`, in the journal the tills share): shown as a banner until the dispensation ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Voided {
    /// The code as Osigu wrote it.
    pub code: String,
    /// Osigu's machine word (`SPONSOR_VOID`), if it gave one; for the log, never translated on screen.
    pub reason: Option<String>,
}

/// How long before its dispensation started a void still counts for it: the receiver accepts events whose clock
/// is up to 300 s off, and a record older than this is about an earlier life of the code (a sandbox reseeded).
const VOID_LOOKBACK: time::Duration = time::Duration::minutes(5);

impl App {
    /// The journal read that tells whether the code being dispensed was voided, unless no dispensation is in
    /// progress or its void is already on screen. Asked when the clerk acts: no timer, so an idle counter still
    /// sleeps, and the action that could send a completion is preceded by its check.
    pub(super) fn void_check(&mut self) -> Option<super::Effect> {
        let active = self.active.as_ref()?;
        let code = active.dispensation.code.clone()?;
        if self.session.surroundings.voided.as_ref().is_some_and(|voided| voided.code.eq_ignore_ascii_case(&code)) {
            return None;
        }
        let since = active.dispensation.started_at.unwrap_or(self.session.now) - VOID_LOOKBACK;
        let id = self.request(super::Purpose::VoidCheck { code: code.clone() });
        Some(super::Effect::CheckVoided { id, code, since })
    }

    /// The journal's answer for `code`: a void is kept for the banner while that code is still being dispensed.
    pub(super) fn void_checked(&mut self, code: &str, voided: Option<Voided>) {
        let current = self.active.as_ref().and_then(|active| active.dispensation.code.as_deref());
        if let Some(voided) = voided
            && current.is_some_and(|current| current.eq_ignore_ascii_case(code))
        {
            tracing::info!(reason = voided.reason.as_deref().unwrap_or("-"), "the code being dispensed was voided");
            self.session.surroundings.voided = Some(voided);
        }
    }
}
