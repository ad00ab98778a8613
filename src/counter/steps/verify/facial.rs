//! The facial check on the beneficiary's phone: ask the server for a challenge (the screen shows its page as a
//! QR code), poll the verification's status with a growing pause until the phone's check ends or the challenge
//! lapses, and ask for a new challenge after a rejection or expiry (both said on the screen, so the first Enter
//! asks for the new one).

use std::time::Duration;

use time::OffsetDateTime;

use super::Next;
use crate::counter::action::Action;
use crate::counter::app::{Active, Proof, Purpose, Session};
use crate::counter::effect::{Call, Effect};
use crate::counter::msg::{Msg, Reply};
use crate::counter::offers::Offer;
use crate::counter::problem::{self, NextStep};
use crate::counter::record::VerifiedBy;
use crate::counter::steps::{after_secs, next_second};
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

    /// Asks the server for a challenge (again with the same key when the last request got no answer).
    pub(super) fn request(&mut self, session: &mut Session, active: &Active, effects: &mut Vec<Effect>) -> Next {
        let key = match &self.key {
            Some(key) => key.clone(),
            None => self.key.insert(session.key("challenge")).clone(),
        };
        self.state = FacialState::Requesting;
        let request = ChallengeRequest { biometric_type: BiometricType::Facial };
        effects.push(session.call(Purpose::Challenge, Call::Challenge { id: active.id().clone(), request, key }));
        Next::Stay
    }

    /// Enter or Retry after a rejection or expiry asks for a new challenge; Enter while waiting polls at once.
    pub(super) fn on_msg(
        &mut self,
        msg: &Msg,
        session: &mut Session,
        active: &Active,
        effects: &mut Vec<Effect>,
    ) -> Next {
        let again = matches!(self.state, FacialState::Rejected | FacialState::Expired);
        if matches!(msg, Msg::Submit | Msg::Retry) && again && !super::busy(session) {
            self.key = None;
            self.challenge_url = None;
            return self.request(session, active, effects);
        }
        if matches!(msg, Msg::Submit) && self.state == FacialState::Waiting {
            // The beneficiary says it is done: look now rather than at the next poll.
            self.next_poll = session.now;
            return self.tick(session, active, effects);
        }
        Next::Stay
    }

    /// Asks again for the challenge if none came, else polls.
    pub(super) fn retry(&mut self, session: &mut Session, active: &Active, effects: &mut Vec<Effect>) -> Next {
        if self.challenge_url.is_none() {
            self.request(session, active, effects)
        } else {
            self.tick(session, active, effects)
        }
    }

    /// Expires the challenge once its time is up, else polls when the pause is over and no poll is in flight.
    pub(super) fn tick(&mut self, session: &mut Session, active: &Active, effects: &mut Vec<Effect>) -> Next {
        let now = session.now;
        if self.state != FacialState::Waiting {
            return Next::Stay;
        }
        if self.expires_at.is_some_and(|at| now >= at) {
            self.state = FacialState::Expired;
        } else if now >= self.next_poll && !session.is_awaiting(|p| *p == Purpose::Poll) {
            self.next_poll = now + self.interval;
            self.interval = self.interval.mul_f64(1.5).min(POLL_MAX);
            effects.push(session.call(Purpose::Poll, Call::VerificationStatus { id: active.id().clone() }));
        }
        Next::Stay
    }

    /// What the server answered a challenge request or a poll.
    pub(super) fn replied(&mut self, result: Result<Reply, ClientError>, now: OffsetDateTime, code: &str) -> Next {
        match result {
            Ok(Reply::Challenge(challenge)) => {
                self.challenge_url = Some(challenge.challenge_url);
                // A time past the calendar's end lapses at once: the clerk asks for another challenge.
                self.expires_at = Some(after_secs(now, challenge.expires_in).unwrap_or(now));
                self.state = FacialState::Waiting;
                self.interval = POLL_FIRST;
                self.next_poll = now + POLL_FIRST;
                Next::Stay
            }
            Ok(Reply::VerificationStatus(status)) => match status.status {
                VerificationState::Verified => Next::Verified(Proof::Server, VerifiedBy::Facial),
                // Said on the screen where the QR code was (no box to dismiss first): Enter asks for a new one.
                VerificationState::Failed => {
                    self.state = FacialState::Rejected;
                    Next::Stay
                }
                _ => Next::Stay,
            },
            Err(error) if self.state == FacialState::Waiting && error.is_transient() => {
                // A poll that failed: the next one will tell. Nothing for the clerk to do.
                tracing::info!(error = %error, "poll of the facial check failed");
                Next::Stay
            }
            Err(error) => Next::Problem(problem::from_client(&error, code, NextStep::Retry)),
            Ok(_) => {
                tracing::warn!("a verification reply of another kind was ignored");
                Next::Stay
            }
        }
    }
}
