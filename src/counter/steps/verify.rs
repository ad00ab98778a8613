//! Verifying the beneficiary as the sponsor demands: an OTP read aloud, a fingerprint on the counter's reader,
//! or a facial check on the beneficiary's phone. Each ends with a proof for `complete`, then the review.

use std::time::Duration;

use base64::Engine;
use time::OffsetDateTime;
use tui_input::Input;

use super::text;
use crate::counter::app::{App, Proof, Purpose, Step};
use crate::counter::effect::{Call, Effect};
use crate::counter::msg::{CaptureError, Msg, Reply};
use crate::counter::problem::{self, NextStep, Problem, ProblemKind};
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::{
    BiometricCapture, BiometricSample, BiometricType, ChallengeRequest, ErrorCode, Id, OtpChannel, OtpSendRequest,
    OtpValidateRequest, VerificationKind, VerificationState,
};

/// OTP codes have six digits; the sixth submits.
pub const OTP_DIGITS: usize = 6;
/// First pause between polls of a facial check; it grows by half each time up to [`POLL_MAX`].
const POLL_FIRST: Duration = Duration::from_secs(1);
const POLL_MAX: Duration = Duration::from_secs(5);

/// The verification step.
#[derive(Clone, Debug)]
pub enum Verify {
    Otp(Box<Otp>),
    Fingerprint(Fingerprint),
    Facial(Facial),
}

/// An OTP sent to the beneficiary.
#[derive(Clone, Debug)]
pub struct Otp {
    /// The sponsor's channels, its default first.
    pub channels: Vec<OtpChannel>,
    pub channel: usize,
    pub sent: Option<SentOtp>,
    /// The digits typed so far.
    pub code: Input,
    pub state: OtpState,
    /// Wrong codes left before the OTP locks, as the server last said.
    pub attempts_left: Option<u32>,
    /// The send or validation in flight, kept so that a retry reuses its key.
    pending: Option<(Call, Purpose)>,
}

/// An OTP on its way, with times on this machine's clock (from `expires_in`, so a skewed server clock does not
/// distort the countdown).
#[derive(Clone, Debug, PartialEq)]
pub struct SentOtp {
    pub otp_id: Id,
    pub channel: OtpChannel,
    /// Safe to show (`+502 **** **42`).
    pub masked_destination: Option<String>,
    pub expires_at: OffsetDateTime,
    pub resend_at: OffsetDateTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtpState {
    Sending,
    /// Waiting for the beneficiary to read the code aloud.
    Waiting,
    Validating,
    /// The last code was wrong (`attempts_left` says how many remain).
    Wrong,
    /// Lapsed: resend.
    Expired,
    /// Too many wrong codes: resend.
    Locked,
}

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

impl Verify {
    /// Next moment the screen needs a tick: each second while a countdown shows, or the next poll.
    pub(in crate::counter) fn wake_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let next_second = || now.replace_nanosecond(0).ok().map(|whole| whole + time::Duration::SECOND);
        match self {
            Verify::Otp(otp) => {
                let sent = otp.sent.as_ref()?;
                let counting = now < sent.expires_at || now < sent.resend_at;
                (counting && otp.state != OtpState::Locked).then(next_second).flatten()
            }
            Verify::Facial(facial) if facial.state == FacialState::Waiting => {
                let second = next_second()?;
                Some(second.min(facial.next_poll))
            }
            Verify::Facial(_) | Verify::Fingerprint(_) => None,
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
                let mut channels = rules.map(|rules| rules.otp_channels.clone()).unwrap_or_default();
                if channels.is_empty() {
                    channels.push(OtpChannel::Sms);
                }
                let otp = Otp {
                    channels,
                    channel: 0,
                    sent: None,
                    code: Input::default(),
                    state: OtpState::Sending,
                    attempts_left: None,
                    pending: None,
                };
                self.go(Step::Verify(Verify::Otp(Box::new(otp))));
                // Sent at once: by the time the clerk turns to the beneficiary, the SMS is on its way.
                self.send_otp(effects);
            }
            Some(VerificationKind::Biometric) => {
                let remote = rules.and_then(|rules| rules.biometric_capture) == Some(BiometricCapture::Remote)
                    || rules.is_some_and(|rules| rules.biometric_modes == [BiometricType::Facial]);
                if remote {
                    let facial = Facial {
                        challenge_url: None,
                        expires_at: None,
                        state: FacialState::Requesting,
                        next_poll: self.now,
                        interval: POLL_FIRST,
                        key: None,
                    };
                    self.go(Step::Verify(Verify::Facial(facial)));
                    self.request_challenge(effects);
                } else {
                    let fingerprint = Fingerprint {
                        state: FingerprintState::Capturing,
                        attempts_left: None,
                        key: None,
                        sample: None,
                    };
                    self.go(Step::Verify(Verify::Fingerprint(fingerprint)));
                    self.capture(effects);
                }
            }
        }
    }

    fn send_otp(&mut self, effects: &mut Vec<Effect>) {
        let Some(active) = &self.active else { return };
        let (Some(beneficiary), Some(sponsor_slug)) =
            (&active.dispensation.beneficiary, &active.dispensation.sponsor_slug)
        else {
            return self.show(Problem::new(ProblemKind::VerificationRequired, NextStep::Acknowledge));
        };
        let request = OtpSendRequest {
            beneficiary_id: beneficiary.beneficiary_id.clone(),
            sponsor_slug: sponsor_slug.clone(),
            channel: OtpChannel::Sms,
            dispensation_id: Some(active.id().clone()),
        };
        let key = self.key("otp-send");
        let Step::Verify(Verify::Otp(otp)) = &mut self.step else { return };
        let request = OtpSendRequest { channel: otp.channels[otp.channel], ..request };
        otp.state = OtpState::Sending;
        otp.code.reset();
        let call = Call::SendOtp { request, key };
        otp.pending = Some((call.clone(), Purpose::SendOtp));
        effects.push(self.call(Purpose::SendOtp, call));
    }

    fn capture(&mut self, effects: &mut Vec<Effect>) {
        let Some(beneficiary) = self.active.as_ref().and_then(|a| a.dispensation.beneficiary.as_ref()) else { return };
        let beneficiary_id = beneficiary.beneficiary_id.clone();
        let Step::Verify(Verify::Fingerprint(fingerprint)) = &mut self.step else { return };
        fingerprint.state = FingerprintState::Capturing;
        let id = self.request(Purpose::Capture);
        effects.push(Effect::CaptureFingerprint { id, beneficiary_id });
    }

    fn submit_sample(&mut self, effects: &mut Vec<Effect>) {
        let Some(id) = self.active.as_ref().map(|active| active.id().clone()) else { return };
        let Step::Verify(Verify::Fingerprint(fingerprint)) = &mut self.step else { return };
        let (Some(sample), Some(key)) = (fingerprint.sample.clone(), fingerprint.key.clone()) else { return };
        fingerprint.state = FingerprintState::Submitting;
        effects.push(self.call(Purpose::Biometric, Call::Biometric { id, sample, key }));
    }

    fn request_challenge(&mut self, effects: &mut Vec<Effect>) {
        let Some(id) = self.active.as_ref().map(|active| active.id().clone()) else { return };
        let new_key = self.key("challenge");
        let Step::Verify(Verify::Facial(facial)) = &mut self.step else { return };
        let key = facial.key.get_or_insert(new_key).clone();
        facial.state = FacialState::Requesting;
        let request = ChallengeRequest { biometric_type: BiometricType::Facial };
        effects.push(self.call(Purpose::Challenge, Call::Challenge { id, request, key }));
    }

    pub(in crate::counter) fn verify_msg(&mut self, msg: Msg, effects: &mut Vec<Effect>) {
        let busy = self.is_awaiting(|p| {
            matches!(
                p,
                Purpose::SendOtp | Purpose::ValidateOtp | Purpose::Capture | Purpose::Biometric | Purpose::Challenge
            )
        });
        let now = self.now;
        let Step::Verify(verify) = &mut self.step else { return };
        match verify {
            Verify::Otp(otp) => match msg {
                Msg::Edit(request) if otp.sent.is_some() && otp.state != OtpState::Validating => {
                    text::edit(&mut otp.code, request, OTP_DIGITS, text::digit);
                    self.maybe_validate(effects);
                }
                Msg::Paste(pasted) if otp.sent.is_some() && otp.state != OtpState::Validating => {
                    otp.code.reset();
                    text::paste(&mut otp.code, &pasted, OTP_DIGITS, text::digit);
                    self.maybe_validate(effects);
                }
                Msg::Submit if matches!(otp.state, OtpState::Expired | OtpState::Locked) => self.resend(effects),
                Msg::Submit => self.maybe_validate(effects),
                Msg::Resend => self.resend(effects),
                Msg::SwitchChannel if otp.channels.len() > 1 && !busy => {
                    otp.channel = (otp.channel + 1) % otp.channels.len();
                    self.send_otp(effects);
                }
                _ => {}
            },
            Verify::Fingerprint(fingerprint) => {
                let again = matches!(fingerprint.state, FingerprintState::NoMatch | FingerprintState::ReaderFailed);
                if matches!(msg, Msg::Submit | Msg::Retry) && again && !busy {
                    self.capture(effects);
                }
            }
            Verify::Facial(facial) => {
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
        }
    }

    /// Sends a new OTP once the cool-down allows it.
    fn resend(&mut self, effects: &mut Vec<Effect>) {
        let Step::Verify(Verify::Otp(otp)) = &self.step else { return };
        if otp.state == OtpState::Sending || otp.state == OtpState::Validating {
            return;
        }
        if let Some(sent) = &otp.sent
            && self.now < sent.resend_at
        {
            let wait_secs = (sent.resend_at - self.now).whole_seconds().max(1) as u64;
            return self.show(Problem::new(ProblemKind::OtpResendTooSoon { wait_secs }, NextStep::Acknowledge));
        }
        self.send_otp(effects);
    }

    /// Validates once all six digits are in.
    fn maybe_validate(&mut self, effects: &mut Vec<Effect>) {
        let Step::Verify(Verify::Otp(otp)) = &mut self.step else { return };
        let Some(sent) = &otp.sent else { return };
        if otp.code.value().len() < OTP_DIGITS || otp.state == OtpState::Validating {
            return;
        }
        if self.now >= sent.expires_at {
            otp.state = OtpState::Expired;
            return;
        }
        let request = OtpValidateRequest { otp_id: sent.otp_id.clone(), code: otp.code.value().to_owned() };
        otp.state = OtpState::Validating;
        let key = self.key("otp-validate");
        let call = Call::ValidateOtp { request, key };
        if let Step::Verify(Verify::Otp(otp)) = &mut self.step {
            otp.pending = Some((call.clone(), Purpose::ValidateOtp));
        }
        effects.push(self.call(Purpose::ValidateOtp, call));
    }

    /// Enter after a transient failure.
    pub(in crate::counter) fn verify_retry(&mut self, effects: &mut Vec<Effect>) {
        match &self.step {
            Step::Verify(Verify::Otp(otp)) => {
                if let Some((call, purpose)) = otp.pending.clone() {
                    effects.push(self.call(purpose, call));
                }
            }
            Step::Verify(Verify::Fingerprint(fingerprint)) => {
                if fingerprint.sample.is_some() && fingerprint.state == FingerprintState::Submitting {
                    self.submit_sample(effects);
                } else {
                    self.capture(effects);
                }
            }
            Step::Verify(Verify::Facial(facial)) => {
                if facial.challenge_url.is_none() {
                    self.request_challenge(effects);
                } else {
                    self.verify_tick(effects);
                }
            }
            _ => {}
        }
    }

    /// Counts down and polls.
    pub(in crate::counter) fn verify_tick(&mut self, effects: &mut Vec<Effect>) {
        let polling = self.is_awaiting(|p| *p == Purpose::Poll);
        let now = self.now;
        let Some(id) = self.active.as_ref().map(|active| active.id().clone()) else { return };
        let Step::Verify(verify) = &mut self.step else { return };
        match verify {
            Verify::Otp(otp)
                if otp.sent.as_ref().is_some_and(|sent| now >= sent.expires_at)
                    && matches!(otp.state, OtpState::Waiting | OtpState::Wrong) =>
            {
                otp.state = OtpState::Expired;
                otp.code.reset();
            }
            Verify::Facial(facial) if facial.state == FacialState::Waiting => {
                if facial.expires_at.is_some_and(|at| now >= at) {
                    facial.state = FacialState::Expired;
                } else if now >= facial.next_poll && !polling {
                    facial.next_poll = now + facial.interval;
                    facial.interval = facial.interval.mul_f64(1.5).min(POLL_MAX);
                    effects.push(self.call(Purpose::Poll, Call::VerificationStatus { id }));
                }
            }
            _ => {}
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

    pub(in crate::counter) fn verify_replied(&mut self, result: Result<Reply, ClientError>, effects: &mut Vec<Effect>) {
        let now = self.now;
        let code = self.active.as_ref().and_then(|a| a.dispensation.code.clone()).unwrap_or_default();
        let Step::Verify(verify) = &mut self.step else { return };
        match (verify, result) {
            (Verify::Otp(otp), Ok(Reply::OtpSent(sent))) => {
                let expires_at = match (sent.expires_in, sent.expires_at) {
                    (Some(seconds), _) => now + time::Duration::seconds(seconds as i64),
                    (None, Some(at)) => at,
                    (None, None) => now + time::Duration::minutes(5),
                };
                let resend_at = now + time::Duration::seconds(sent.resend_available_in.unwrap_or(30) as i64);
                otp.sent = Some(SentOtp {
                    otp_id: sent.otp_id,
                    channel: sent.channel.unwrap_or(otp.channels[otp.channel]),
                    masked_destination: sent.masked_destination,
                    expires_at,
                    resend_at,
                });
                otp.state = OtpState::Waiting;
                otp.attempts_left = None;
                otp.pending = None;
            }
            (Verify::Otp(otp), Ok(Reply::OtpValidated(validated))) => {
                otp.pending = None;
                if let Some(active) = &mut self.active {
                    active.proof = Proof::Otp { token: validated.otp_verification_token };
                }
                self.begin_review(effects);
            }
            (Verify::Otp(otp), Err(error)) => {
                otp.code.reset();
                let envelope = error.envelope();
                let attempts = envelope.and_then(|e| e.detail("attempts_remaining")).and_then(|v| v.as_u64());
                match error.code() {
                    Some(ErrorCode::OtpInvalid) => {
                        otp.pending = None;
                        otp.attempts_left = attempts.map(|n| n as u32);
                        otp.state = if otp.attempts_left == Some(0) { OtpState::Locked } else { OtpState::Wrong };
                    }
                    Some(ErrorCode::OtpExpired | ErrorCode::OtpNotFound) => {
                        otp.pending = None;
                        otp.state = OtpState::Expired;
                    }
                    Some(ErrorCode::OtpAttemptsExceeded) => {
                        otp.pending = None;
                        otp.state = OtpState::Locked;
                        otp.attempts_left = Some(0);
                    }
                    Some(ErrorCode::OtpResendTooSoon) => {
                        otp.pending = None;
                        let wait =
                            error.envelope().and_then(|e| e.detail("resend_available_in")).and_then(|v| v.as_u64());
                        let wait_secs = wait.or(match &error {
                            ClientError::Api { retry_after, .. } => retry_after.map(|d| d.as_secs()),
                            _ => None,
                        });
                        let wait_secs = wait_secs.unwrap_or(30);
                        // An OTP sent moments ago is still good: keep waiting for it.
                        otp.state = if otp.sent.is_some() { OtpState::Waiting } else { OtpState::Expired };
                        if let Some(sent) = &mut otp.sent {
                            sent.resend_at = now + time::Duration::seconds(wait_secs as i64);
                        }
                        self.show(Problem::new(ProblemKind::OtpResendTooSoon { wait_secs }, NextStep::Acknowledge));
                    }
                    _ => {
                        // Transport or server trouble: keep the call, so Retry sends it again with its key.
                        otp.state = if otp.sent.is_some() { OtpState::Waiting } else { OtpState::Sending };
                        self.show(problem::from_client(&error, &code, NextStep::Retry));
                    }
                }
            }
            (Verify::Fingerprint(fingerprint), Ok(Reply::Biometric(result))) => {
                match (result.matched, result.biometric_verification_token) {
                    (true, Some(token)) => {
                        if let Some(active) = &mut self.active {
                            active.proof = Proof::Biometric { token };
                        }
                        self.begin_review(effects);
                    }
                    _ => fingerprint.state = FingerprintState::NoMatch,
                }
            }
            (Verify::Fingerprint(fingerprint), Err(error)) => {
                let attempts = error.envelope().and_then(|e| e.detail("attempts_remaining")).and_then(|v| v.as_u64());
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
            (Verify::Facial(facial), Ok(Reply::Challenge(challenge))) => {
                facial.challenge_url = Some(challenge.challenge_url);
                facial.expires_at = Some(now + time::Duration::seconds(challenge.expires_in as i64));
                facial.state = FacialState::Waiting;
                facial.interval = POLL_FIRST;
                facial.next_poll = now + POLL_FIRST;
            }
            (Verify::Facial(facial), Ok(Reply::VerificationStatus(status))) => match status.status {
                VerificationState::Verified => {
                    if let Some(active) = &mut self.active {
                        active.proof = Proof::Server;
                        active.dispensation.verification.status = VerificationState::Verified;
                    }
                    self.begin_review(effects);
                }
                VerificationState::Failed => {
                    facial.state = FacialState::Rejected;
                    self.show(Problem::new(ProblemKind::FacialRejected, NextStep::Acknowledge));
                }
                _ => {}
            },
            (Verify::Facial(facial), Err(error)) => {
                if facial.state == FacialState::Waiting && error.is_transient() {
                    // A poll that failed: the next one will tell. Nothing for the clerk to do.
                    tracing::info!(error = %error, "poll of the facial check failed");
                } else {
                    self.show(problem::from_client(&error, &code, NextStep::Retry));
                }
            }
            (_, Ok(_)) => tracing::warn!("a verification reply of another kind was ignored"),
        }
    }
}
