//! The counter's core, in the Elm style: an [`App`] state, [`Msg`]s in, [`update`] changing the state and
//! returning [`Effect`]s out. No I/O, no terminal, no clock: time arrives with each message, and the runtime
//! executes the effects and feeds their results back. Screens render the `App`; tests drive it headless.
//!
//! The flow: code → start → [identify the beneficiary] → [verify: OTP | fingerprint | facial] → review lines →
//! finalize → done. `Esc` backs out one step; leaving a started dispensation cancels it on the server.

mod action;
mod app;
mod countdown;
mod door;
mod effect;
mod journaled;
mod msg;
mod offers;
mod printing;
mod problem;
mod record;
mod shares;
mod steps;
mod surroundings;
#[cfg(test)]
mod tests;
mod update;

/// The smallest terminal the screens are laid out for: below it nothing is shown, and no key but Ctrl-C acts (a
/// clerk must never complete what they cannot see).
pub const MIN_COLUMNS: u16 = 80;
pub const MIN_ROWS: u16 = 24;

pub use action::Action;
pub use app::{Active, App, CONFIGURATION_TTL, Leave, Overlays, Proof, Purpose, Session, Settings, Sponsors, Step};
pub use countdown::seconds_until;
pub use door::{Door, DoorField, DoorKind, DoorSaid};
pub use effect::{Call, Effect, Guarded, PososCall, Write};
pub use msg::{CaptureError, Msg, PososReply, Reply, ReqId};
pub use offers::{Offer, Offers};
pub use printing::{Notice, Printing, Wanted, mask_document};
pub use problem::{NextStep, Problem, ProblemKind, from_client};
pub use record::{
    Event, InvoiceRefusal, JournalCause, JournalFailure, PackFacts, Record, Recovered, Recovery, Unsent, VerifiedBy,
};
pub use shares::{Shares, Source};
pub use steps::*;
pub use surroundings::{Health, Surroundings, Toast, Voided};
pub use update::update;
