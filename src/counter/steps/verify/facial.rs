//! The facial check on the beneficiary's phone: ask the server for a challenge (the screen shows its page as a
//! QR code), poll the verification's status with a growing pause until the phone's check ends or the challenge
//! lapses, and ask for a new challenge after a rejection or expiry.

use std::time::Duration;

use time::OffsetDateTime;

use super::Verify;
use crate::counter::action::Action;
use crate::counter::app::{App, Proof, Purpose, Step};
use crate::counter::effect::{Call, Effect};
use crate::counter::msg::{Msg, Reply};
use crate::counter::offers::Offer;
use crate::counter::problem::{self, NextStep, Problem, ProblemKind};
use crate::counter::record::{Event, VerifiedBy};
use crate::counter::steps::next_second;
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::{BiometricType, ChallengeRequest, VerificationState};

/// First pause between polls of a facial check; it grows by half each time up to [`POLL_MAX`].
const POLL_FIRST: Duration = Duration::from_secs(1);
const POLL_MAX: Duration = Duration::from_secs(5);

/// A facial check on the beneficiary's phone.
#[derive(Clone, Debug)]
pub struct Facial {
    /// The page the phone opens (the screen draws it as a QR code).
    pub challenge_url: Option<String>,
    pub expires_at: Option<OffsetDateTime>,
    pub state: FacialState,
    next_poll: OffsetDateTime,
    interval: Duration,
    key: Option<IdempotencyKey>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FacialState {
    Requesting,
    /// Waiting for the beneficiary to finish on the phone.
    Waiting,
    /// The phone's check failed; Enter asks for a new one.
    Rejected,
    /// Nobody finished in time; Enter asks for a new one.
    Expired,
}

impl Facial {
    /// A new QR after a rejection or expiry, ask the server now while waiting; back.
    pub(in crate::counter) fn offers(&self) -> Vec<Offer> {
        use Action::*;
        let first = match self.state {
            FacialState::Rejected | FacialState::Expired => Offer::on(Continue, "hint.new_challenge"),
            FacialState::Waiting => Offer::on(Continue, "hint.check_now"),
            FacialState::Requesting => Offer::off(Continue, "hint.check_now"),
        };
        vec![first, Offer::on(Back, "hint.cancel")]
    }

    /// A check about to request its first challenge at `now`.
    pub(super) fn new(now: OffsetDateTime) -> Self {
        Facial {
            challenge_url: None,
            expires_at: None,
            state: FacialState::Requesting,
            next_poll: now,
            interval: POLL_FIRST,
            key: None,
        }
    }

    /// While waiting for the phone: each second for the countdown, or the next poll if sooner.
    pub(super) fn wake_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        if self.state != FacialState::Waiting {
            return None;
        }
        let second = next_second(now)?;
        Some(second.min(self.next_poll))
    }
}

impl App {
    pub(super) fn request_challenge(&mut self, effects: &mut Vec<Effect>) {
        let Some(id) = self.active_id() else { return };
        let new_key = self.key("challenge");
        let Step::Verify(Verify::Facial(facial)) = &mut self.step else { return };
        let key = facial.key.get_or_insert(new_key).clone();
        facial.state = FacialState::Requesting;
        let request = ChallengeRequest { biometric_type: BiometricType::Facial };
        effects.push(self.call(Purpose::Challenge, Call::Challenge { id, request, key }));
    }

    /// Enter or Retry after a rejection or expiry asks for a new challenge; Enter while waiting polls at once.
    /// `busy` says a verification call is in flight.
    pub(super) fn facial_msg(&mut self, msg: &Msg, busy: bool, effects: &mut Vec<Effect>) {
        let now = self.session.now;
        let Step::Verify(Verify::Facial(facial)) = &mut self.step else { return };
        let again = matches!(facial.state, FacialState::Rejected | FacialState::Expired);
        if matches!(msg, Msg::Submit | Msg::Retry) && again && !busy {
            facial.key = None;
            facial.challenge_url = None;
            self.request_challenge(effects);
        } else if matches!(msg, Msg::Submit) && facial.state == FacialState::Waiting {
            // The beneficiary says it is done: look now rather than at the next poll.
            facial.next_poll = now;
            self.verify_tick(effects);
        }
    }

    /// Asks again for the challenge if none came, else polls.
    pub(super) fn facial_retry(&mut self, effects: &mut Vec<Effect>) {
        let Step::Verify(Verify::Facial(facial)) = &self.step else { return };
        if facial.challenge_url.is_none() {
            self.request_challenge(effects);
        } else {
            self.verify_tick(effects);
        }
    }

    /// Expires the challenge once its time is up, else polls when the pause is over and no poll is in flight.
    pub(super) fn facial_tick(&mut self, effects: &mut Vec<Effect>) {
        let polling = self.is_awaiting(|p| *p == Purpose::Poll);
        let now = self.session.now;
        let Some(id) = self.active_id() else { return };
        let Step::Verify(Verify::Facial(facial)) = &mut self.step else { return };
        if facial.state != FacialState::Waiting {
            return;
        }
        if facial.expires_at.is_some_and(|at| now >= at) {
            facial.state = FacialState::Expired;
        } else if now >= facial.next_poll && !polling {
            facial.next_poll = now + facial.interval;
            facial.interval = facial.interval.mul_f64(1.5).min(POLL_MAX);
            effects.push(self.call(Purpose::Poll, Call::VerificationStatus { id }));
        }
    }

    pub(super) fn facial_replied(&mut self, result: Result<Reply, ClientError>, effects: &mut Vec<Effect>) {
        let now = self.session.now;
        let code = self.active_code();
        let Step::Verify(Verify::Facial(facial)) = &mut self.step else { return };
        match result {
            Ok(Reply::Challenge(challenge)) => {
                facial.challenge_url = Some(challenge.challenge_url);
                // A time past the calendar's end lapses at once: the clerk asks for another challenge.
                facial.expires_at = Some(crate::counter::steps::after_secs(now, challenge.expires_in).unwrap_or(now));
                facial.state = FacialState::Waiting;
                facial.interval = POLL_FIRST;
                facial.next_poll = now + POLL_FIRST;
            }
            Ok(Reply::VerificationStatus(status)) => match status.status {
                VerificationState::Verified => {
                    if let Some(active) = &mut self.active {
                        active.proof = Proof::Server;
                        active.dispensation.verification.status = VerificationState::Verified;
                    }
                    effects.extend(self.record(Event::Verified { method: VerifiedBy::Facial }));
                    self.begin_review(effects);
                }
                VerificationState::Failed => {
                    facial.state = FacialState::Rejected;
                    self.show(Problem::new(ProblemKind::FacialRejected, NextStep::Acknowledge));
                }
                _ => {}
            },
            Err(error) => {
                if facial.state == FacialState::Waiting && error.is_transient() {
                    // A poll that failed: the next one will tell. Nothing for the clerk to do.
                    tracing::info!(error = %error, "poll of the facial check failed");
                } else {
                    self.show(problem::from_client(&error, &code, NextStep::Retry));
                }
            }
            Ok(_) => tracing::warn!("a verification reply of another kind was ignored"),
        }
    }
}
