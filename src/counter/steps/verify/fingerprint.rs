//! The fingerprint check on the counter's reader: capture a sample, submit it to the server, and capture again
//! after a mismatch or a reader failure. A terminal with no reader configured says so, and offers no retry.

use base64::Engine;

use super::Next;
use crate::counter::action::Action;
use crate::counter::app::{Active, Proof, Purpose, Session};
use crate::counter::effect::{Call, Effect};
use crate::counter::msg::{CaptureError, Msg, Reply};
use crate::counter::offers::Offer;
use crate::counter::problem::{self, NextStep, Problem, ProblemKind};
use crate::counter::record::VerifiedBy;
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::{BiometricSample, BiometricType, ErrorCode};

/// A fingerprint on the counter's reader.
#[derive(Clone, Debug)]
pub struct Fingerprint {
    pub state: FingerprintState,
    pub attempts_left: Option<u32>,
    key: Option<IdempotencyKey>,
    sample: Option<BiometricSample>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FingerprintState {
    /// The reader is waiting for the finger.
    Capturing,
    Submitting,
    /// The sample did not match; Enter captures again.
    NoMatch,
    /// The reader failed; Enter tries again.
    ReaderFailed,
    /// This terminal has no reader (`[biometric] capture_command` is not set): nothing to try again here; the
    /// dispensation is cancelled and served at a counter with one.
    NoReader,
}

impl Fingerprint {
    /// Read again after a mismatch or a reader failure (never without a reader); back.
    pub(in crate::counter) fn offers(&self) -> Vec<Offer> {
        use Action::*;
        let mut list = Vec::new();
        if self.state != FingerprintState::NoReader {
            list.push(Offer::when(self.again(), Continue, "hint.capture_again"));
        }
        list.push(Offer::on(Back, "hint.cancel"));
        list
    }

    /// A check about to ask the reader for its first sample.
    pub(super) fn new() -> Self {
        Fingerprint { state: FingerprintState::Capturing, attempts_left: None, key: None, sample: None }
    }

    /// Whether another capture may help: after a mismatch or a reader that failed.
    fn again(&self) -> bool {
        matches!(self.state, FingerprintState::NoMatch | FingerprintState::ReaderFailed)
    }

    /// Asks the reader for the beneficiary's finger.
    pub(super) fn capture(&mut self, session: &mut Session, active: &Active, effects: &mut Vec<Effect>) -> Next {
        let Some(beneficiary) = &active.dispensation.beneficiary else { return Next::Stay };
        self.state = FingerprintState::Capturing;
        let id = session.request(Purpose::Capture);
        effects.push(Effect::CaptureFingerprint { id, beneficiary_id: beneficiary.beneficiary_id.clone() });
        Next::Stay
    }

    /// Sends the sample read to the server.
    fn submit(&mut self, session: &mut Session, active: &Active, effects: &mut Vec<Effect>) -> Next {
        let (Some(sample), Some(key)) = (self.sample.clone(), self.key.clone()) else { return Next::Stay };
        self.state = FingerprintState::Submitting;
        effects.push(session.call(Purpose::Biometric, Call::Biometric { id: active.id().clone(), sample, key }));
        Next::Stay
    }

    /// Enter or Retry after a mismatch or a reader failure captures again.
    pub(super) fn on_msg(
        &mut self,
        msg: &Msg,
        session: &mut Session,
        active: &Active,
        effects: &mut Vec<Effect>,
    ) -> Next {
        if matches!(msg, Msg::Submit | Msg::Retry) && self.again() && !super::busy(session) {
            return self.capture(session, active, effects);
        }
        Next::Stay
    }

    /// Submits the captured sample again, or captures anew when there is none to submit.
    pub(super) fn retry(&mut self, session: &mut Session, active: &Active, effects: &mut Vec<Effect>) -> Next {
        match self.state {
            FingerprintState::NoReader => Next::Stay,
            FingerprintState::Submitting if self.sample.is_some() => self.submit(session, active, effects),
            _ => self.capture(session, active, effects),
        }
    }

    /// The reader answered.
    pub(super) fn captured(
        &mut self,
        sample: Result<Vec<u8>, CaptureError>,
        session: &mut Session,
        active: &Active,
        effects: &mut Vec<Effect>,
    ) -> Next {
        match sample {
            Ok(bytes) => {
                self.sample = Some(BiometricSample {
                    biometric_type: BiometricType::Fingerprint,
                    format: Some("WSQ".to_owned()),
                    sample_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
                });
                self.key = Some(session.key("biometric"));
                self.submit(session, active, effects)
            }
            // Said on the screen, with what to configure and what to do now: no box, no retry that cannot work.
            Err(CaptureError::NoReader) => {
                self.state = FingerprintState::NoReader;
                Next::Stay
            }
            Err(CaptureError::Failed(detail)) => {
                self.state = FingerprintState::ReaderFailed;
                Next::Problem(Problem::new(ProblemKind::CaptureFailed { detail }, NextStep::Retry))
            }
        }
    }

    /// What the server answered a sample.
    pub(super) fn replied(&mut self, result: Result<Reply, ClientError>, code: &str) -> Next {
        match result {
            Ok(Reply::Biometric(result)) => match (result.matched, result.biometric_verification_token) {
                (true, Some(token)) => Next::Verified(Proof::Biometric { token }, VerifiedBy::Fingerprint),
                _ => {
                    self.state = FingerprintState::NoMatch;
                    Next::Stay
                }
            },
            Err(error) => {
                let attempts = error.detail_u64("attempts_remaining");
                match error.code() {
                    Some(ErrorCode::BiometricNoMatch) => {
                        self.state = FingerprintState::NoMatch;
                        self.attempts_left = attempts.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
                        self.sample = None;
                        Next::Stay
                    }
                    Some(ErrorCode::VerificationAttemptsExceeded) => {
                        self.attempts_left = Some(0);
                        self.state = FingerprintState::NoMatch;
                        Next::Problem(problem::from_client(&error, code, NextStep::Acknowledge))
                    }
                    _ if error.is_transient() => Next::Problem(problem::from_client(&error, code, NextStep::Retry)),
                    _ => {
                        self.state = FingerprintState::ReaderFailed;
                        self.sample = None;
                        Next::Problem(problem::from_client(&error, code, NextStep::Retry))
                    }
                }
            }
            Ok(_) => {
                tracing::warn!("a verification reply of another kind was ignored");
                Next::Stay
            }
        }
    }
}
