//! Verifying the beneficiary as the sponsor demands: an OTP read aloud, a fingerprint on the counter's reader,
//! or a facial check on the beneficiary's phone. Each ends with a proof for `complete`, then the review.
//!
//! This file picks the kind, and is the one place that finds the verification on screen: each message, tick,
//! retry and reply goes to the kind's own methods (in its file, with its rules), which change the kind's state,
//! make their calls through the [`Session`], and say in a [`Next`] what the counter must do beyond that.

mod facial;
mod fingerprint;
mod otp;

use time::OffsetDateTime;

pub use facial::{Facial, FacialState};
pub use fingerprint::{Fingerprint, FingerprintState};
pub use otp::{OTP_DIGITS, Otp, OtpNotice, OtpState, SentOtp};

use crate::counter::app::{Active, App, Proof, Purpose, Session, Step};
use crate::counter::effect::Effect;
use crate::counter::msg::{CaptureError, Msg, Reply};
use crate::counter::offers::Offer;
use crate::counter::problem::Problem;
use crate::counter::record::{Event, VerifiedBy};
use crate::osigu::error::ClientError;
use crate::osigu::model::{
    BiometricCapture, BiometricType, DispensingRules, Known, OtpChannel, VerificationKind, VerificationState,
};

/// The verification step.
#[derive(Clone, Debug)]
pub enum Verify {
    Otp(Box<Otp>),
    Fingerprint(Fingerprint),
    Facial(Facial),
}

/// What the counter must do after a verification handled something, beyond the calls it made.
#[derive(Debug)]
enum Next {
    /// Nothing more: the screen shows the new state.
    Stay,
    /// Show a problem over the step.
    Problem(Problem),
    /// The beneficiary is verified: keep the proof, put it on record, and go to the review.
    Verified(Proof, VerifiedBy),
}

/// Whether a sponsor's biometric check is a fingerprint on this counter's reader, rather than a facial check on
/// the beneficiary's phone. The counter and `mostrador check` (which warns when no reader is configured) share
/// this rule.
pub fn fingerprint_at_counter(rules: &DispensingRules) -> bool {
    let remote = rules.biometric_capture == Some(BiometricCapture::Remote)
        || rules.biometric_modes.iter().filter(|mode| mode.is_known()).eq([&BiometricType::Facial]);
    !remote
}

impl Verify {
    /// What the verification on screen offers, and whether it takes text.
    pub(in crate::counter) fn offers(&self, now: OffsetDateTime) -> (Vec<Offer>, bool) {
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

    /// The failed state on screen (how, why, attempts left), so that a new failure can be told from the last one.
    fn failure(&self) -> Option<(VerifiedBy, &'static str, Option<u32>)> {
        match self {
            Verify::Otp(otp) => match otp.state {
                OtpState::Wrong => Some((VerifiedBy::Otp, "wrong-code", otp.attempts_left)),
                OtpState::Locked => Some((VerifiedBy::Otp, "locked", otp.attempts_left)),
                _ => None,
            },
            Verify::Fingerprint(fingerprint) => (fingerprint.state == FingerprintState::NoMatch).then_some((
                VerifiedBy::Fingerprint,
                "no-match",
                fingerprint.attempts_left,
            )),
            Verify::Facial(facial) => {
                (facial.state == FacialState::Rejected).then_some((VerifiedBy::Facial, "rejected", None))
            }
        }
    }
}

/// Whether a verification call is in flight: a second one is not started meanwhile.
fn busy(session: &Session) -> bool {
    session.is_awaiting(|p| {
        matches!(
            p,
            Purpose::SendOtp | Purpose::ValidateOtp | Purpose::Capture | Purpose::Biometric | Purpose::Challenge
        )
    })
}

impl App {
    /// The verification on screen, with what its methods need: the session (clock, keys, calls) and the
    /// dispensation. `None` on any other step, or without a dispensation (then nothing is verified).
    fn verifying(&mut self) -> Option<(&mut Verify, &mut Session, &Active)> {
        match self {
            App { step: Step::Verify(verify), session, active: Some(active), .. } => Some((verify, session, active)),
            _ => None,
        }
    }

    /// Does what a verification's [`Next`] says.
    fn apply(&mut self, next: Next, effects: &mut Vec<Effect>) {
        match next {
            Next::Stay => {}
            Next::Problem(problem) => self.show(problem),
            Next::Verified(proof, method) => {
                if let Some(active) = &mut self.active {
                    // A facial check is proven on the server: the dispensation itself says it is verified.
                    if proof == Proof::Server {
                        active.dispensation.verification.status = VerificationState::Verified;
                    }
                    active.proof = proof;
                }
                effects.extend(self.record(Event::Verified { method }));
                self.begin_review(effects);
            }
        }
    }

    /// Opens the verification the dispensation needs, or goes straight to review when none is pending.
    pub(in crate::counter) fn begin_verification(&mut self, effects: &mut Vec<Effect>) {
        let Some(active) = &self.active else { return };
        let dispensation = &active.dispensation;
        let pending =
            !matches!(dispensation.verification.status, VerificationState::Verified | VerificationState::NotRequired);
        let needed = if pending && active.proof == Proof::None { dispensation.verification_required } else { None };
        let rules = active.configuration.as_ref().map(|configuration| &configuration.dispensing);
        let verify = match needed {
            None => return self.begin_review(effects),
            Some(VerificationKind::Otp) => {
                // A channel this build does not know (a newer contract's) is never offered.
                let channels: Vec<OtpChannel> = rules
                    .map(|rules| rules.otp_channels.iter().copied().filter(Known::is_known).collect())
                    .unwrap_or_default();
                Verify::Otp(Box::new(Otp::new(channels)))
            }
            Some(VerificationKind::Biometric) if rules.is_none_or(fingerprint_at_counter) => {
                Verify::Fingerprint(Fingerprint::new())
            }
            Some(VerificationKind::Biometric) => Verify::Facial(Facial::new(self.session.now)),
        };
        self.go(Step::Verify(verify));
        // Under way at once: by the time the clerk turns to the beneficiary, the SMS is on its way, the reader
        // is waiting for the finger, or the QR code is coming.
        let Some((verify, session, active)) = self.verifying() else { return };
        let next = match verify {
            Verify::Otp(otp) => otp.send(session, active, effects),
            Verify::Fingerprint(fingerprint) => fingerprint.capture(session, active, effects),
            Verify::Facial(facial) => facial.request(session, active, effects),
        };
        self.apply(next, effects);
    }

    /// A key or a paste on the verification.
    pub(in crate::counter) fn verify_msg(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        let Some((verify, session, active)) = self.verifying() else { return };
        let next = match verify {
            Verify::Otp(otp) => otp.on_msg(msg, session, active, effects),
            Verify::Fingerprint(fingerprint) => fingerprint.on_msg(&msg, session, active, effects),
            Verify::Facial(facial) => facial.on_msg(&msg, session, active, effects),
        };
        self.apply(next, effects);
    }

    /// Enter after a transient failure.
    pub(in crate::counter) fn verify_retry(&mut self, effects: &mut Vec<Effect>) {
        let Some((verify, session, active)) = self.verifying() else { return };
        let next = match verify {
            Verify::Otp(otp) => otp.retry(session, effects),
            Verify::Fingerprint(fingerprint) => fingerprint.retry(session, active, effects),
            Verify::Facial(facial) => facial.retry(session, active, effects),
        };
        self.apply(next, effects);
    }

    /// Counts down, polls, and sends what was waiting for its time.
    pub(in crate::counter) fn verify_tick(&mut self, effects: &mut Vec<Effect>) {
        let Some((verify, session, active)) = self.verifying() else { return };
        let next = match verify {
            Verify::Otp(otp) => otp.tick(session, active, effects),
            Verify::Facial(facial) => facial.tick(session, active, effects),
            Verify::Fingerprint(_) => Next::Stay,
        };
        self.apply(next, effects);
    }

    /// The reader answered.
    pub(in crate::counter) fn captured(&mut self, sample: Result<Vec<u8>, CaptureError>, effects: &mut Vec<Effect>) {
        let Some((Verify::Fingerprint(fingerprint), session, active)) = self.verifying() else { return };
        let next = fingerprint.captured(sample, session, active, effects);
        self.apply(next, effects);
    }

    /// Osigu answered a verification call.
    pub(in crate::counter) fn verify_replied(&mut self, result: Result<Reply, ClientError>, effects: &mut Vec<Effect>) {
        let Some((verify, session, active)) = self.verifying() else { return };
        let before = verify.failure();
        let code = active.dispensation.code.clone().unwrap_or_default();
        let next = match verify {
            Verify::Otp(otp) => otp.replied(result, session.now, &code),
            Verify::Fingerprint(fingerprint) => fingerprint.replied(result, &code),
            Verify::Facial(facial) => facial.replied(result, session.now, &code),
        };
        // Each failed attempt is on record (how, and why), never with what was typed or scanned.
        if let Some((method, reason, _)) = verify.failure().filter(|after| Some(*after) != before) {
            effects.extend(self.record(Event::NotVerified { method, reason }));
        }
        self.apply(next, effects);
    }
}
