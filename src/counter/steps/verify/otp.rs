//! The OTP check: a code sent to the beneficiary by SMS or another channel the sponsor allows, read aloud and
//! typed by the clerk. Covers sending, resending with its cool-down, switching channel, validating once all the
//! digits are in, the countdown to expiry, and what the server answers.

use time::OffsetDateTime;
use tui_input::Input;

use super::Verify;
use crate::counter::action::Action;
use crate::counter::app::{App, Proof, Purpose, Step};
use crate::counter::effect::{Call, Effect};
use crate::counter::msg::{Msg, Reply};
use crate::counter::offers::Offer;
use crate::counter::problem::{self, NextStep, Problem, ProblemKind};
use crate::counter::record::{Event, VerifiedBy};
use crate::counter::steps::text;
use crate::counter::steps::{after_secs, next_second};
use crate::osigu::error::ClientError;
use crate::osigu::model::{ErrorCode, Id, Known, OtpChannel, OtpSendRequest, OtpValidateRequest};

/// OTP codes have six digits; the sixth submits.
pub const OTP_DIGITS: usize = 6;

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

impl SentOtp {
    /// Seconds until another code may be sent (zero or less: now).
    pub fn resend_wait(&self, now: OffsetDateTime) -> i64 {
        (self.resend_at - now).whole_seconds()
    }
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

impl Otp {
    /// A check over `channels` (the first is used), about to send its first code.
    pub(super) fn new(channels: Vec<OtpChannel>) -> Self {
        Otp {
            channels,
            channel: 0,
            sent: None,
            code: Input::default(),
            state: OtpState::Sending,
            attempts_left: None,
            pending: None,
        }
    }

    /// Whether the code sent can still be typed: not lapsed, not locked (then only another code helps).
    /// Validate the code typed (or send a new one when this one can no longer be used), resend once the server
    /// allows it, another channel, back.
    pub(in crate::counter) fn offers(&self, now: OffsetDateTime) -> (Vec<Offer>, bool) {
        use Action::*;
        let may_resend = self.sent.as_ref().is_some_and(|sent| now >= sent.resend_at);
        let mut list = Vec::new();
        if self.usable() {
            list.push(Offer::when(self.sent.is_some(), Continue, "hint.validate"));
        } else {
            list.push(Offer::when(may_resend, Continue, "hint.resend"));
        }
        list.push(Offer::when(may_resend, Resend, "hint.resend"));
        if self.channels.len() > 1 {
            list.push(Offer::on(SwitchChannel, "hint.switch_channel"));
        }
        list.push(Offer::on(Back, "hint.cancel"));
        (list, true)
    }

    pub fn usable(&self) -> bool {
        !matches!(self.state, OtpState::Expired | OtpState::Locked)
    }

    /// Each second while the expiry or the resend cool-down counts down, unless the OTP is locked.
    pub(super) fn wake_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let sent = self.sent.as_ref()?;
        // A locked or lapsed code no longer counts down; the wait before another can be sent still does.
        let counting = match self.state {
            _ if !self.usable() => now < sent.resend_at,
            _ => now < sent.expires_at || now < sent.resend_at,
        };
        counting.then(|| next_second(now)).flatten()
    }
}

impl App {
    pub(super) fn send_otp(&mut self, effects: &mut Vec<Effect>) {
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

    /// Typing, pasting, Enter, resend and channel switching; `busy` says a verification call is in flight.
    pub(super) fn otp_msg(&mut self, msg: Msg, busy: bool, effects: &mut Vec<Effect>) {
        let Step::Verify(Verify::Otp(otp)) = &mut self.step else { return };
        match msg {
            Msg::Edit(request) if otp.sent.is_some() && otp.state != OtpState::Validating => {
                text::edit(&mut otp.code, request, OTP_DIGITS, text::digit);
                self.maybe_validate(effects);
            }
            Msg::Paste(pasted) if otp.sent.is_some() && otp.state != OtpState::Validating => {
                otp.code.reset();
                text::paste(&mut otp.code, &pasted, OTP_DIGITS, text::digit);
                self.maybe_validate(effects);
            }
            Msg::Submit if !otp.usable() => self.resend(effects),
            Msg::Submit => self.maybe_validate(effects),
            Msg::Resend => self.resend(effects),
            Msg::SwitchChannel if otp.channels.len() > 1 && !busy => {
                otp.channel = (otp.channel + 1) % otp.channels.len();
                self.send_otp(effects);
            }
            _ => {}
        }
    }

    /// Sends a new OTP once the cool-down allows it.
    fn resend(&mut self, effects: &mut Vec<Effect>) {
        let Step::Verify(Verify::Otp(otp)) = &self.step else { return };
        if otp.state == OtpState::Sending || otp.state == OtpState::Validating {
            return;
        }
        if let Some(sent) = &otp.sent
            && self.session.now < sent.resend_at
        {
            let wait_secs = sent.resend_wait(self.session.now).max(1) as u64;
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
        if self.session.now >= sent.expires_at {
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

    /// Sends the pending call again, with its key.
    pub(super) fn otp_retry(&mut self, effects: &mut Vec<Effect>) {
        let Step::Verify(Verify::Otp(otp)) = &self.step else { return };
        if let Some((call, purpose)) = otp.pending.clone() {
            effects.push(self.call(purpose, call));
        }
    }

    /// Expires the code once its time is up.
    pub(super) fn otp_tick(&mut self) {
        let now = self.session.now;
        let Step::Verify(Verify::Otp(otp)) = &mut self.step else { return };
        if otp.sent.as_ref().is_some_and(|sent| now >= sent.expires_at)
            && matches!(otp.state, OtpState::Waiting | OtpState::Wrong)
        {
            otp.state = OtpState::Expired;
            otp.code.reset();
        }
    }

    pub(super) fn otp_replied(&mut self, result: Result<Reply, ClientError>, effects: &mut Vec<Effect>) {
        let now = self.session.now;
        let code = self.active_code();
        let Step::Verify(Verify::Otp(otp)) = &mut self.step else { return };
        match result {
            Ok(Reply::OtpSent(sent)) => {
                // A time past the calendar's end lapses at once: the clerk sends another code.
                let expires_at = match (sent.expires_in, sent.expires_at) {
                    (Some(seconds), _) => after_secs(now, seconds).unwrap_or(now),
                    (None, Some(at)) => at,
                    (None, None) => after_secs(now, 5 * 60).unwrap_or(now),
                };
                let resend_at = after_secs(now, sent.resend_available_in.unwrap_or(30)).unwrap_or(now);
                otp.sent = Some(SentOtp {
                    otp_id: sent.otp_id,
                    // The channel asked for, unless the server names another one this build knows.
                    channel: sent.channel.filter(Known::is_known).unwrap_or(otp.channels[otp.channel]),
                    masked_destination: sent.masked_destination,
                    expires_at,
                    resend_at,
                });
                otp.state = OtpState::Waiting;
                otp.attempts_left = None;
                otp.pending = None;
            }
            Ok(Reply::OtpValidated(validated)) => {
                otp.pending = None;
                if let Some(active) = &mut self.active {
                    active.proof = Proof::Otp { token: validated.otp_verification_token };
                }
                effects.extend(self.record(Event::Verified { method: VerifiedBy::Otp }));
                self.begin_review(effects);
            }
            Err(error) => {
                otp.code.reset();
                let attempts = error.detail_u64("attempts_remaining");
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
                        let problem = problem::from_client(&error, &code, NextStep::Acknowledge);
                        let wait_secs = match problem.kind {
                            ProblemKind::OtpResendTooSoon { wait_secs } => wait_secs,
                            _ => 30,
                        };
                        // An OTP sent moments ago is still good: keep waiting for it.
                        otp.state = if otp.sent.is_some() { OtpState::Waiting } else { OtpState::Expired };
                        if let Some(sent) = &mut otp.sent {
                            sent.resend_at = after_secs(now, wait_secs).unwrap_or(now);
                        }
                        self.show(problem);
                    }
                    _ => {
                        // Transport or server trouble: keep the call, so Retry sends it again with its key.
                        otp.state = if otp.sent.is_some() { OtpState::Waiting } else { OtpState::Sending };
                        self.show(problem::from_client(&error, &code, NextStep::Retry));
                    }
                }
            }
            Ok(_) => tracing::warn!("a verification reply of another kind was ignored"),
        }
    }
}
