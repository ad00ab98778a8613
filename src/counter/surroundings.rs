//! What the counter knows of the world around the dispensation, for the status bar and the rows above the hints:
//! the pharmacy the credentials belong to, how the connection is doing, the embedded sandbox's latest message to
//! the beneficiary (the toast), and the configuration's warnings. Like everything else on screen it changes only
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
    /// and not once that OTP lapsed or locked: a resend brings a new one), and the configuration's warnings only
    /// until the first code is looked up.
    pub(super) fn follow_surroundings(&mut self) {
        let usable = match &self.step {
            Step::Verify(Verify::Otp(otp)) => otp.usable(),
            Step::Verify(_) => true,
            _ => false,
        };
        let surroundings = &mut self.session.surroundings;
        if !usable {
            surroundings.toast = None;
        }
        if !matches!(self.step, Step::Entry { .. }) {
            surroundings.warnings.clear();
        }
    }
}
