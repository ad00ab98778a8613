//! One-time passwords (contract §4): sending (with the resend cool-down and the outbox), validating (with
//! expiry and attempts), and the code itself, a fixed function of the OTP's id.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;
use time::OffsetDateTime;

use super::{TOKEN_TTL, TokenKind, VerificationToken};
use crate::osigu::model::{
    DispensationStatus, ErrorCode, Id, OtpSendRequest, OtpSent, OtpValidateRequest, OtpValidated, VerificationMethod,
    VerificationState, wire_name,
};
use crate::sandbox::error::ApiError;
use crate::sandbox::store::Store;
use crate::sandbox::store::outbox::OutboxMessage;

/// An OTP lapses five minutes after it is sent.
pub(crate) const OTP_TTL: Duration = Duration::from_secs(300);
/// A beneficiary waits this long before another OTP on the same channel.
pub(crate) const OTP_RESEND_COOLDOWN: Duration = Duration::from_secs(30);
/// Wrong codes an OTP tolerates.
pub(crate) const OTP_MAX_ATTEMPTS: u32 = 3;

/// Key of the HMAC that makes each OTP code a fixed function of its id.
const OTP_KEY: &[u8] = b"mostrador-sandbox-otp";

pub(crate) struct OtpRecord {
    /// Order of sending, to tell the newest OTP of a dispensation.
    pub(super) serial: usize,
    pub(super) beneficiary_id: Id,
    pub(super) dispensation_id: Option<Id>,
    pub(super) code: String,
    pub(super) expires_at: OffsetDateTime,
    pub(super) failed_attempts: u32,
    pub(super) used: bool,
}

/// The six digits of an OTP: a keyed hash of its id, so the same id always gives the same code.
pub(crate) fn otp_code(otp_id: &Id) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(OTP_KEY).unwrap_or_else(|_| unreachable!("any key length"));
    mac.update(otp_id.as_str().as_bytes());
    let digest = mac.finalize().into_bytes();
    let number = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    format!("{:06}", number % 1_000_000)
}

fn seconds_until(now: OffsetDateTime, later: OffsetDateTime) -> u64 {
    u64::try_from((later - now).whole_seconds()).unwrap_or(0)
}

impl Store {
    /// `POST /v1/otp/send` (and `/otp/generate`).
    pub fn send_otp(&mut self, now: OffsetDateTime, request: OtpSendRequest) -> Result<OtpSent, ApiError> {
        let sponsor = self
            .catalog
            .sponsor(&request.sponsor_slug)
            .ok_or_else(|| ApiError::new(ErrorCode::SponsorNotFound, format!("no sponsor {}", request.sponsor_slug)))?;
        let beneficiary = self
            .catalog
            .beneficiary(&request.beneficiary_id)
            .filter(|beneficiary| beneficiary.sponsor_slug == request.sponsor_slug)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::BeneficiaryNotFound,
                    format!("{} has no beneficiary {}", request.sponsor_slug, request.beneficiary_id),
                )
            })?;
        if !sponsor.dispensing.otp_channels.contains(&request.channel) {
            return Err(ApiError::new(
                ErrorCode::OtpChannelUnsupported,
                format!("{} does not send OTPs by {}", sponsor.slug(), wire_name(&request.channel)),
            )
            .with_details(json!({ "supported_channels": sponsor.dispensing.otp_channels })));
        }
        if let Some(id) = &request.dispensation_id {
            let record = self
                .dispensations
                .get(id)
                .ok_or_else(|| ApiError::new(ErrorCode::DispensationNotFound, format!("no dispensation {id}")))?;
            if record.status != DispensationStatus::Started {
                return Err(ApiError::new(ErrorCode::InvalidState, format!("{id} is not STARTED")));
            }
            if record.beneficiary_id != request.beneficiary_id {
                return Err(ApiError::new(ErrorCode::BeneficiaryMismatch, format!("{id} is for another beneficiary")));
            }
        }
        let cooldown_key = (request.beneficiary_id.clone(), request.channel);
        if let Some(until) = self.otp_cooldowns.get(&cooldown_key).filter(|until| now < **until) {
            let wait = seconds_until(now, *until).max(1);
            return Err(ApiError::new(
                ErrorCode::OtpResendTooSoon,
                format!("wait {wait} s before sending another OTP"),
            )
            .with_retry_after(wait)
            .with_details(json!({ "resend_available_in": wait })));
        }

        let masked_destination = beneficiary.masked_destination(request.channel);
        let otp_id = self.ids.id("otp", now);
        let code = otp_code(&otp_id);
        let expires_at = now + OTP_TTL;
        self.otp_cooldowns.insert(cooldown_key, now + OTP_RESEND_COOLDOWN);
        self.otps.insert(
            otp_id.clone(),
            OtpRecord {
                serial: self.otps.len(),
                beneficiary_id: request.beneficiary_id.clone(),
                dispensation_id: request.dispensation_id.clone(),
                code: code.clone(),
                expires_at,
                failed_attempts: 0,
                used: false,
            },
        );
        self.outbox.push(OutboxMessage {
            otp_id: otp_id.clone(),
            channel: request.channel,
            masked_destination: masked_destination.clone(),
            code,
            sent_at: now,
            expires_at,
            dispensation_id: request.dispensation_id,
        });
        Ok(OtpSent {
            otp_id,
            channel: Some(request.channel),
            expires_in: Some(OTP_TTL.as_secs()),
            expires_at: Some(expires_at),
            masked_destination: Some(masked_destination),
            resend_available_in: Some(OTP_RESEND_COOLDOWN.as_secs()),
        })
    }

    /// `POST /v1/otp/validate` (and `/otp/validate`).
    pub fn validate_otp(&mut self, now: OffsetDateTime, request: OtpValidateRequest) -> Result<OtpValidated, ApiError> {
        let code = request.code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::invalid_field("code", "an OTP is six digits"));
        }
        let otp = self
            .otps
            .get_mut(&request.otp_id)
            .ok_or_else(|| ApiError::new(ErrorCode::OtpNotFound, format!("no OTP {}", request.otp_id)))?;
        let remaining = OTP_MAX_ATTEMPTS.saturating_sub(otp.failed_attempts);
        if otp.used {
            return Err(ApiError::new(ErrorCode::OtpInvalid, "this OTP was already used; send a new one")
                .with_details(json!({ "attempts_remaining": remaining })));
        }
        if remaining == 0 {
            return Err(ApiError::new(ErrorCode::OtpAttemptsExceeded, "too many wrong codes; send a new OTP"));
        }
        if now >= otp.expires_at {
            return Err(ApiError::new(ErrorCode::OtpExpired, "the OTP expired; send a new one"));
        }
        if code != otp.code {
            otp.failed_attempts += 1;
            let remaining = OTP_MAX_ATTEMPTS - otp.failed_attempts;
            return Err(ApiError::new(ErrorCode::OtpInvalid, "wrong code")
                .with_details(json!({ "attempts_remaining": remaining })));
        }
        otp.used = true;
        let beneficiary_id = otp.beneficiary_id.clone();
        let dispensation_id = otp.dispensation_id.clone();
        let token = self.ids.secret("ovt");
        self.tokens.insert(
            token.clone(),
            VerificationToken {
                kind: TokenKind::Otp,
                beneficiary_id,
                dispensation_id: dispensation_id.clone(),
                expires_at: now + TOKEN_TTL,
                used: false,
            },
        );
        if let Some(record) = dispensation_id.and_then(|id| self.dispensations.get_mut(&id))
            && record.status == DispensationStatus::Started
        {
            record.verification.state = VerificationState::Verified;
            record.verification.method = Some(VerificationMethod::Otp);
        }
        Ok(OtpValidated { otp_verification_token: token, expires_in: Some(TOKEN_TTL.as_secs()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otp_codes_are_six_digits_and_a_fixed_function_of_the_id() {
        let id = Id::new("otp_01JD00SANDBX00000000000001");
        let code = otp_code(&id);
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(code, otp_code(&id));
        assert_ne!(code, otp_code(&Id::new("otp_01JD00SANDBX00000000000002")));
    }
}
