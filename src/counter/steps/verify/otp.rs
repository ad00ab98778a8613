//! The OTP check: a code sent to the beneficiary by SMS or another channel the sponsor allows, read aloud and
//! typed by the clerk. Covers sending, resending with its cool-down, switching channel, validating once all the
//! digits are in, the countdown to expiry, and what the server answers, including a refusal to send because a
//! code went to the same beneficiary moments ago.

use time::OffsetDateTime;
use tui_input::Input;

use super::Next;
use crate::counter::action::Action;
use crate::counter::app::{Active, Proof, Purpose, Session};
use crate::counter::effect::{Call, Effect};
use crate::counter::msg::{Msg, Reply};
use crate::counter::offers::Offer;
use crate::counter::problem::{self, NextStep, Problem, ProblemKind};
use crate::counter::record::VerifiedBy;
use crate::counter::steps::text;
use crate::counter::steps::{after_secs, next_second};
use crate::osigu::error::ClientError;
use crate::osigu::model::{ErrorCode, Id, Known, OtpChannel, OtpSendRequest, OtpValidateRequest};

/// OTP codes have six digits; the sixth submits.
pub const OTP_DIGITS: usize = 6;

/// The cool-down the contract gives between two codes, when the server does not say how long.
const RESEND_SECS: u64 = 30;

/// An OTP sent to the beneficiary.
#[derive(Clone, Debug)]
pub struct Otp {
    /// The sponsor's channels, its default first (never empty).
    pub channels: Vec<OtpChannel>,
    pub channel: usize,
    pub sent: Option<SentOtp>,
    /// The digits typed so far.
    pub code: Input,
    pub state: OtpState,
    /// Wrong codes left before the OTP locks, as the server last said.
    pub attempts_left: Option<u32>,
    /// What the screen says under the field about the clerk's last key, until the next one.
    pub notice: Option<OtpNotice>,
    /// The send or validation in flight, kept so that a retry reuses its key.
    pending: Option<(Call, Purpose)>,
    /// The state a send started from: where a send the server refuses goes back to.
    before_send: OtpState,
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

impl SentOtp {
    /// Seconds until another code may be sent (zero or less: now).
    pub fn resend_wait(&self, now: OffsetDateTime) -> i64 {
        crate::counter::seconds_until(self.resend_at, now)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtpState {
    Sending,
    /// The server would not send this dispensation's first code: one went to the same beneficiary moments ago
    /// (for another dispensation, so it cannot verify this one). The code goes by itself at `send_at`.
    TooSoon {
        send_at: OffsetDateTime,
    },
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

/// What the screen says about the clerk's last key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtpNotice {
    /// Enter with this many digits still to type.
    DigitsMissing(usize),
    /// The server refused to send another code yet; the one sent before still works.
    ResendRefused,
}

impl Otp {
    /// A check over `channels` (the first is used; SMS when the sponsor names none this build knows), about to
    /// send its first code.
    pub(super) fn new(mut channels: Vec<OtpChannel>) -> Self {
        if channels.is_empty() {
            channels.push(OtpChannel::Sms);
        }
        Otp {
            channels,
            channel: 0,
            sent: None,
            code: Input::default(),
            state: OtpState::Sending,
            attempts_left: None,
            notice: None,
            pending: None,
            before_send: OtpState::Sending,
        }
    }

    /// Validate the code typed (or send a new one when this one can no longer be used), resend once the server
    /// allows it, another channel, back. Nothing that sends is offered before the server's wait is over: the
    /// screen shows the wait instead.
    pub(in crate::counter) fn offers(&self, now: OffsetDateTime) -> (Vec<Offer>, bool) {
        use Action::*;
        let may_send = self.may_send(now);
        let mut list = Vec::new();
        list.push(match self.state {
            OtpState::TooSoon { .. } => Offer::when(may_send, Continue, "hint.send_code"),
            OtpState::Expired | OtpState::Locked => Offer::when(may_send, Continue, "hint.resend"),
            OtpState::Sending | OtpState::Validating => Offer::off(Continue, "hint.validate"),
            OtpState::Waiting | OtpState::Wrong => Offer::when(self.sent.is_some(), Continue, "hint.validate"),
        });
        list.push(Offer::when(may_send && self.sent.is_some(), Resend, "hint.resend"));
        if self.channels.len() > 1 {
            list.push(Offer::on(SwitchChannel, "hint.switch_channel"));
        }
        list.push(Offer::on(Back, "hint.cancel"));
        (list, true)
    }

    /// Whether a code is on its way or can be typed: not lapsed, not locked, not waiting to be sent (then only
    /// another code helps).
    pub fn usable(&self) -> bool {
        matches!(self.state, OtpState::Sending | OtpState::Waiting | OtpState::Validating | OtpState::Wrong)
    }

    /// When the server allows the next code: the end of the cool-down after the last one sent, or after the
    /// refusal of the first.
    pub fn send_at(&self) -> Option<OffsetDateTime> {
        match self.state {
            OtpState::TooSoon { send_at } => Some(send_at),
            _ => self.sent.as_ref().map(|sent| sent.resend_at),
        }
    }

    /// Whether a new code may be asked for now: the server's wait is over and no call is under way.
    fn may_send(&self, now: OffsetDateTime) -> bool {
        !matches!(self.state, OtpState::Sending | OtpState::Validating) && self.send_at().is_some_and(|at| now >= at)
    }

    /// Each second while the expiry or a wait before sending counts down.
    pub(super) fn wake_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let counting = match (self.state, &self.sent) {
            (OtpState::TooSoon { send_at }, _) => now < send_at,
            (_, None) => false,
            // A locked or lapsed code no longer counts down; the wait before another can be sent still does.
            (_, Some(sent)) if !self.usable() => now < sent.resend_at,
            (_, Some(sent)) => now < sent.expires_at || now < sent.resend_at,
        };
        counting.then(|| next_second(now)).flatten()
    }

    /// The channel chosen now.
    fn chosen(&self) -> OtpChannel {
        self.channels.get(self.channel).copied().unwrap_or(OtpChannel::Sms)
    }

    /// Asks the server to send a code by the channel chosen.
    pub(super) fn send(&mut self, session: &mut Session, active: &Active, effects: &mut Vec<Effect>) -> Next {
        let dispensation = &active.dispensation;
        let (Some(beneficiary), Some(sponsor_slug)) = (&dispensation.beneficiary, &dispensation.sponsor_slug) else {
            return Next::Problem(Problem::new(ProblemKind::VerificationRequired, NextStep::Acknowledge));
        };
        let request = OtpSendRequest {
            beneficiary_id: beneficiary.beneficiary_id.clone(),
            sponsor_slug: sponsor_slug.clone(),
            channel: self.chosen(),
            dispensation_id: Some(active.id().clone()),
        };
        let call = Call::SendOtp { request, key: session.key("otp-send") };
        if self.state != OtpState::Sending {
            self.before_send = self.state;
        }
        self.state = OtpState::Sending;
        self.notice = None;
        self.code.reset();
        self.pending = Some((call.clone(), Purpose::SendOtp));
        effects.push(session.call(Purpose::SendOtp, call));
        Next::Stay
    }

    /// Typing, pasting, Enter, resend and channel switching.
    pub(super) fn on_msg(
        &mut self,
        msg: Msg,
        session: &mut Session,
        active: &Active,
        effects: &mut Vec<Effect>,
    ) -> Next {
        let now = session.now;
        let typing = self.sent.is_some() && matches!(self.state, OtpState::Waiting | OtpState::Wrong);
        match msg {
            Msg::Edit(request) if typing => {
                self.notice = None;
                text::edit(&mut self.code, request, OTP_DIGITS, text::digit);
                self.validate_when_complete(session, effects)
            }
            Msg::Paste(pasted) if typing => {
                self.notice = None;
                self.code.reset();
                text::paste(&mut self.code, &pasted, OTP_DIGITS, text::digit);
                self.validate_when_complete(session, effects)
            }
            Msg::Submit if typing => {
                let missing = OTP_DIGITS.saturating_sub(self.code.value().chars().count());
                if missing > 0 {
                    // Enter before the last digit: say how many are missing rather than do nothing.
                    self.notice = Some(OtpNotice::DigitsMissing(missing));
                    return Next::Stay;
                }
                self.validate_when_complete(session, effects)
            }
            Msg::Submit | Msg::Resend if self.may_send(now) => self.send(session, active, effects),
            Msg::SwitchChannel if self.channels.len() > 1 && !super::busy(session) => {
                self.channel = (self.channel + 1) % self.channels.len();
                self.send(session, active, effects)
            }
            _ => Next::Stay,
        }
    }

    /// Validates once all six digits are in.
    fn validate_when_complete(&mut self, session: &mut Session, effects: &mut Vec<Effect>) -> Next {
        let Some(sent) = &self.sent else { return Next::Stay };
        if self.code.value().len() < OTP_DIGITS || self.state == OtpState::Validating {
            return Next::Stay;
        }
        if session.now >= sent.expires_at {
            self.state = OtpState::Expired;
            return Next::Stay;
        }
        let request = OtpValidateRequest { otp_id: sent.otp_id.clone(), code: self.code.value().to_owned() };
        self.state = OtpState::Validating;
        let call = Call::ValidateOtp { request, key: session.key("otp-validate") };
        self.pending = Some((call.clone(), Purpose::ValidateOtp));
        effects.push(session.call(Purpose::ValidateOtp, call));
        Next::Stay
    }

    /// Sends the pending call again, with its key.
    pub(super) fn retry(&mut self, session: &mut Session, effects: &mut Vec<Effect>) -> Next {
        if let Some((call, purpose)) = self.pending.clone() {
            effects.push(session.call(purpose, call));
        }
        Next::Stay
    }

    /// Sends the first code once the server's wait is over; expires the code once its time is up.
    pub(super) fn tick(&mut self, session: &mut Session, active: &Active, effects: &mut Vec<Effect>) -> Next {
        let now = session.now;
        if let OtpState::TooSoon { send_at } = self.state
            && now >= send_at
            && !super::busy(session)
        {
            return self.send(session, active, effects);
        }
        if self.sent.as_ref().is_some_and(|sent| now >= sent.expires_at)
            && matches!(self.state, OtpState::Waiting | OtpState::Wrong)
        {
            self.state = OtpState::Expired;
            self.notice = None;
            self.code.reset();
        }
        Next::Stay
    }

    /// What the server answered a send or a validation.
    pub(super) fn replied(&mut self, result: Result<Reply, ClientError>, now: OffsetDateTime, code: &str) -> Next {
        match result {
            Ok(Reply::OtpSent(sent)) => {
                // A time past the calendar's end lapses at once: the clerk sends another code.
                let expires_at = match (sent.expires_in, sent.expires_at) {
                    (Some(seconds), _) => after_secs(now, seconds).unwrap_or(now),
                    (None, Some(at)) => at,
                    (None, None) => after_secs(now, 5 * 60).unwrap_or(now),
                };
                let resend_at = after_secs(now, sent.resend_available_in.unwrap_or(RESEND_SECS)).unwrap_or(now);
                self.sent = Some(SentOtp {
                    otp_id: sent.otp_id,
                    // The channel asked for, unless the server names another one this build knows.
                    channel: sent.channel.filter(Known::is_known).unwrap_or(self.chosen()),
                    masked_destination: sent.masked_destination,
                    expires_at,
                    resend_at,
                });
                self.state = OtpState::Waiting;
                self.attempts_left = None;
                self.pending = None;
                Next::Stay
            }
            Ok(Reply::OtpValidated(validated)) => {
                self.pending = None;
                Next::Verified(Proof::Otp { token: validated.otp_verification_token }, VerifiedBy::Otp)
            }
            Err(error) => {
                self.code.reset();
                let attempts = error.detail_u64("attempts_remaining");
                match error.code() {
                    Some(ErrorCode::OtpInvalid) => {
                        self.pending = None;
                        self.attempts_left = attempts.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
                        self.state = if self.attempts_left == Some(0) { OtpState::Locked } else { OtpState::Wrong };
                    }
                    Some(ErrorCode::OtpExpired | ErrorCode::OtpNotFound) => {
                        self.pending = None;
                        self.state = OtpState::Expired;
                    }
                    Some(ErrorCode::OtpAttemptsExceeded) => {
                        self.pending = None;
                        self.state = OtpState::Locked;
                        self.attempts_left = Some(0);
                    }
                    Some(ErrorCode::OtpResendTooSoon) => self.refused(&error, now, code),
                    _ => {
                        // Transport or server trouble: keep the call, so Retry sends it again with its key.
                        self.state = if self.sent.is_some() { OtpState::Waiting } else { OtpState::Sending };
                        return Next::Problem(problem::from_client(&error, code, NextStep::Retry));
                    }
                }
                Next::Stay
            }
            Ok(_) => {
                tracing::warn!("a verification reply of another kind was ignored");
                Next::Stay
            }
        }
    }

    /// The server would not send a code yet: one went to this beneficiary by this channel moments ago. Said on
    /// the screen, not in a box: the code sent before still works when this dispensation has one; otherwise the
    /// one sent moments ago was for another dispensation (the server binds a code to its dispensation), so the
    /// new one goes by itself once the wait is over.
    fn refused(&mut self, error: &ClientError, now: OffsetDateTime, code: &str) {
        self.pending = None;
        let wait_secs = match problem::from_client(error, code, NextStep::Acknowledge).kind {
            ProblemKind::OtpResendTooSoon { wait_secs } => wait_secs,
            _ => RESEND_SECS,
        };
        let until = after_secs(now, wait_secs).unwrap_or(now);
        match &mut self.sent {
            Some(sent) => {
                // Back to the channel of the code the beneficiary has, and to where the send started from.
                self.channel =
                    self.channels.iter().position(|channel| *channel == sent.channel).unwrap_or(self.channel);
                sent.resend_at = sent.resend_at.max(until);
                self.state = match self.before_send {
                    OtpState::Expired | OtpState::Locked => self.before_send,
                    _ if now >= sent.expires_at => OtpState::Expired,
                    _ => OtpState::Waiting,
                };
                if self.usable() {
                    self.notice = Some(OtpNotice::ResendRefused);
                }
            }
            None => self.state = OtpState::TooSoon { send_at: until },
        }
    }
}
