//! The fingerprint check on the counter's reader: capture a sample, submit it to the server, and capture again
//! after a mismatch or a reader failure.

use base64::Engine;

use super::Verify;
use crate::counter::action::Action;
use crate::counter::app::{App, Proof, Purpose, Step};
use crate::counter::effect::{Call, Effect};
use crate::counter::msg::{CaptureError, Msg, Reply};
use crate::counter::offers::Offer;
use crate::counter::problem::{self, NextStep, Problem, ProblemKind};
use crate::counter::record::{Event, VerifiedBy};
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
}

impl Fingerprint {
    /// Read again after a mismatch or a reader failure; back.
    pub(in crate::counter) fn offers(&self) -> Vec<Offer> {
        use Action::*;
        let again = matches!(self.state, FingerprintState::NoMatch | FingerprintState::ReaderFailed);
        vec![Offer::when(again, Continue, "hint.capture_again"), Offer::on(Back, "hint.cancel")]
    }

    /// A check about to ask the reader for its first sample.
    pub(super) fn new() -> Self {
        Fingerprint { state: FingerprintState::Capturing, attempts_left: None, key: None, sample: None }
    }
}

impl App {
    pub(super) fn capture(&mut self, effects: &mut Vec<Effect>) {
        let Some(beneficiary) = self.active.as_ref().and_then(|a| a.dispensation.beneficiary.as_ref()) else { return };
        let beneficiary_id = beneficiary.beneficiary_id.clone();
        let Step::Verify(Verify::Fingerprint(fingerprint)) = &mut self.step else { return };
        fingerprint.state = FingerprintState::Capturing;
        let id = self.request(Purpose::Capture);
        effects.push(Effect::CaptureFingerprint { id, beneficiary_id });
    }

    fn submit_sample(&mut self, effects: &mut Vec<Effect>) {
        let Some(id) = self.active_id() else { return };
        let Step::Verify(Verify::Fingerprint(fingerprint)) = &mut self.step else { return };
        let (Some(sample), Some(key)) = (fingerprint.sample.clone(), fingerprint.key.clone()) else { return };
        fingerprint.state = FingerprintState::Submitting;
        effects.push(self.call(Purpose::Biometric, Call::Biometric { id, sample, key }));
    }

    /// Enter or Retry after a mismatch or a reader failure captures again; `busy` says a call is in flight.
    pub(super) fn fingerprint_msg(&mut self, msg: &Msg, busy: bool, effects: &mut Vec<Effect>) {
        let Step::Verify(Verify::Fingerprint(fingerprint)) = &self.step else { return };
        let again = matches!(fingerprint.state, FingerprintState::NoMatch | FingerprintState::ReaderFailed);
        if matches!(msg, Msg::Submit | Msg::Retry) && again && !busy {
            self.capture(effects);
        }
    }

    /// Submits the captured sample again, or captures anew when there is none to submit.
    pub(super) fn fingerprint_retry(&mut self, effects: &mut Vec<Effect>) {
        let Step::Verify(Verify::Fingerprint(fingerprint)) = &self.step else { return };
        if fingerprint.sample.is_some() && fingerprint.state == FingerprintState::Submitting {
            self.submit_sample(effects);
        } else {
            self.capture(effects);
        }
    }

    /// The reader answered.
    pub(in crate::counter) fn captured(&mut self, sample: Result<Vec<u8>, CaptureError>, effects: &mut Vec<Effect>) {
        let key = self.key("biometric");
        let Step::Verify(Verify::Fingerprint(fingerprint)) = &mut self.step else { return };
        match sample {
            Ok(bytes) => {
                fingerprint.sample = Some(BiometricSample {
                    biometric_type: BiometricType::Fingerprint,
                    format: Some("WSQ".to_owned()),
                    sample_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
                });
                fingerprint.key = Some(key);
                self.submit_sample(effects);
            }
            Err(error) => {
                fingerprint.state = FingerprintState::ReaderFailed;
                let kind = match error {
                    CaptureError::NoReader => ProblemKind::NoFingerprintReader,
                    CaptureError::Failed(detail) => ProblemKind::CaptureFailed { detail },
                };
                self.show(Problem::new(kind, NextStep::Retry));
            }
        }
    }

    pub(super) fn fingerprint_replied(&mut self, result: Result<Reply, ClientError>, effects: &mut Vec<Effect>) {
        let code = self.active_code();
        let Step::Verify(Verify::Fingerprint(fingerprint)) = &mut self.step else { return };
        match result {
            Ok(Reply::Biometric(result)) => match (result.matched, result.biometric_verification_token) {
                (true, Some(token)) => {
                    if let Some(active) = &mut self.active {
                        active.proof = Proof::Biometric { token };
                    }
                    effects.extend(self.record(Event::Verified { method: VerifiedBy::Fingerprint }));
                    self.begin_review(effects);
                }
                _ => fingerprint.state = FingerprintState::NoMatch,
            },
            Err(error) => {
                let attempts = error.detail_u64("attempts_remaining");
                match error.code() {
                    Some(ErrorCode::BiometricNoMatch) => {
                        fingerprint.state = FingerprintState::NoMatch;
                        fingerprint.attempts_left = attempts.map(|n| n as u32);
                        fingerprint.sample = None;
                    }
                    Some(ErrorCode::VerificationAttemptsExceeded) => {
                        fingerprint.attempts_left = Some(0);
                        fingerprint.state = FingerprintState::NoMatch;
                        self.show(problem::from_client(&error, &code, NextStep::Acknowledge));
                    }
                    _ if error.is_transient() => self.show(problem::from_client(&error, &code, NextStep::Retry)),
                    _ => {
                        fingerprint.state = FingerprintState::ReaderFailed;
                        fingerprint.sample = None;
                        self.show(problem::from_client(&error, &code, NextStep::Retry));
                    }
                }
            }
            Ok(_) => tracing::warn!("a verification reply of another kind was ignored"),
        }
    }
}
