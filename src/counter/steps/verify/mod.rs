//! Verifying the beneficiary as the sponsor demands: an OTP read aloud, a fingerprint on the counter's reader,
//! or a facial check on the beneficiary's phone. Each ends with a proof for `complete`, then the review.
//!
//! This file picks the kind and hands each message, tick, retry and reply to the kind on screen; the rules of
//! each kind live in its own file.

mod facial;
mod fingerprint;
mod otp;

use time::OffsetDateTime;

pub use facial::{Facial, FacialState};
pub use fingerprint::{Fingerprint, FingerprintState};
pub use otp::{OTP_DIGITS, Otp, OtpState, SentOtp};

use crate::counter::app::{App, Proof, Purpose, Step};
use crate::counter::effect::Effect;
use crate::counter::msg::{Msg, Reply};
use crate::counter::record::{Event, VerifiedBy};
use crate::osigu::error::ClientError;
use crate::osigu::model::{BiometricCapture, BiometricType, Known, OtpChannel, VerificationKind, VerificationState};

/// The verification step.
#[derive(Clone, Debug)]
pub enum Verify {
    Otp(Box<Otp>),
    Fingerprint(Fingerprint),
    Facial(Facial),
}

impl Verify {
    /// What the verification on screen offers.
    pub(in crate::counter) fn offers(&self, now: OffsetDateTime) -> (Vec<crate::counter::offers::Offer>, bool) {
        match self {
            Verify::Otp(otp) => otp.offers(now),
            Verify::Fingerprint(fingerprint) => (fingerprint.offers(), false),
            Verify::Facial(facial) => (facial.offers(), false),
        }
    }

    /// Next moment the screen needs a tick: each second while a countdown shows, or the next poll.
    pub(in crate::counter) fn wake_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        match self {
            Verify::Otp(otp) => otp.wake_at(now),
            Verify::Facial(facial) => facial.wake_at(now),
            Verify::Fingerprint(_) => None,
        }
    }
}

impl App {
    /// Opens the verification the dispensation needs, or goes straight to review when none is pending.
    pub(in crate::counter) fn begin_verification(&mut self, effects: &mut Vec<Effect>) {
        let Some(active) = &self.active else { return };
        let dispensation = &active.dispensation;
        let pending =
            !matches!(dispensation.verification.status, VerificationState::Verified | VerificationState::NotRequired);
        let needed = if pending && active.proof == Proof::None { dispensation.verification_required } else { None };
        let rules = active.configuration.as_ref().map(|configuration| &configuration.dispensing);
        match needed {
            None => self.begin_review(effects),
            Some(VerificationKind::Otp) => {
                // A channel this build does not know (a newer contract's) is never offered.
                let mut channels: Vec<OtpChannel> = rules
                    .map(|rules| rules.otp_channels.iter().copied().filter(Known::is_known).collect())
                    .unwrap_or_default();
                if channels.is_empty() {
                    channels.push(OtpChannel::Sms);
                }
                self.go(Step::Verify(Verify::Otp(Box::new(Otp::new(channels)))));
                // Sent at once: by the time the clerk turns to the beneficiary, the SMS is on its way.
                self.send_otp(effects);
            }
            Some(VerificationKind::Biometric) => {
                let remote = rules.and_then(|rules| rules.biometric_capture) == Some(BiometricCapture::Remote)
                    || rules.is_some_and(|rules| {
                        rules.biometric_modes.iter().filter(|mode| mode.is_known()).eq([&BiometricType::Facial])
                    });
                if remote {
                    self.go(Step::Verify(Verify::Facial(Facial::new(self.session.now))));
                    self.request_challenge(effects);
                } else {
                    self.go(Step::Verify(Verify::Fingerprint(Fingerprint::new())));
                    self.capture(effects);
                }
            }
        }
    }

    pub(in crate::counter) fn verify_msg(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        let busy = self.is_awaiting(|p| {
            matches!(
                p,
                Purpose::SendOtp | Purpose::ValidateOtp | Purpose::Capture | Purpose::Biometric | Purpose::Challenge
            )
        });
        match &self.step {
            Step::Verify(Verify::Otp(_)) => self.otp_msg(msg, busy, effects),
            Step::Verify(Verify::Fingerprint(_)) => self.fingerprint_msg(&msg, busy, effects),
            Step::Verify(Verify::Facial(_)) => self.facial_msg(&msg, busy, effects),
            _ => {}
        }
    }

    /// Enter after a transient failure.
    pub(in crate::counter) fn verify_retry(&mut self, effects: &mut Vec<Effect>) {
        match &self.step {
            Step::Verify(Verify::Otp(_)) => self.otp_retry(effects),
            Step::Verify(Verify::Fingerprint(_)) => self.fingerprint_retry(effects),
            Step::Verify(Verify::Facial(_)) => self.facial_retry(effects),
            _ => {}
        }
    }

    /// Counts down and polls.
    pub(in crate::counter) fn verify_tick(&mut self, effects: &mut Vec<Effect>) {
        // Nothing counts down without a dispensation at the counter.
        if self.active.is_none() {
            return;
        }
        match &self.step {
            Step::Verify(Verify::Otp(_)) => self.otp_tick(),
            Step::Verify(Verify::Facial(_)) => self.facial_tick(effects),
            _ => {}
        }
    }

    pub(in crate::counter) fn verify_replied(&mut self, result: Result<Reply, ClientError>, effects: &mut Vec<Effect>) {
        let before = self.verification_failure();
        match &self.step {
            Step::Verify(Verify::Otp(_)) => self.otp_replied(result, effects),
            Step::Verify(Verify::Fingerprint(_)) => self.fingerprint_replied(result, effects),
            Step::Verify(Verify::Facial(_)) => self.facial_replied(result, effects),
            _ => {}
        }
        // Each failed attempt is on record (how, and why), never with what was typed or scanned.
        if let Some((method, reason, _)) = self.verification_failure().filter(|after| Some(*after) != before) {
            effects.extend(self.record(Event::NotVerified { method, reason }));
        }
    }

    /// The failed state on screen, with the attempts left, so that a new failure can be told from the last one.
    fn verification_failure(&self) -> Option<(VerifiedBy, &'static str, Option<u32>)> {
        match &self.step {
            Step::Verify(Verify::Otp(otp)) => match otp.state {
                OtpState::Wrong => Some((VerifiedBy::Otp, "wrong-code", otp.attempts_left)),
                OtpState::Locked => Some((VerifiedBy::Otp, "locked", otp.attempts_left)),
                _ => None,
            },
            Step::Verify(Verify::Fingerprint(fingerprint)) => (fingerprint.state == FingerprintState::NoMatch)
                .then_some((VerifiedBy::Fingerprint, "no-match", fingerprint.attempts_left)),
            Step::Verify(Verify::Facial(facial)) => {
                (facial.state == FacialState::Rejected).then_some((VerifiedBy::Facial, "rejected", None))
            }
            _ => None,
        }
    }
}
