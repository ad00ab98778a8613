//! Beneficiary verification: OTPs (contract §4), fingerprints at the counter, facial checks on the
//! beneficiary's phone through remote challenges, the single-use verification tokens they yield, and the gate
//! `complete` passes through.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::Store;
use super::dispensing::DispensationRecord;
use super::outbox::OutboxMessage;
use crate::osigu::model::{
    BiometricCapture, BiometricMatch, BiometricSample, Challenge, ChallengeRequest, CompleteRequest,
    DispensationStatus, ErrorCode, Id, OtpSendRequest, OtpSent, OtpValidateRequest, OtpValidated, VerificationKind,
    VerificationMethod, VerificationState, VerificationStatus, wire_name,
};
use crate::sandbox::error::ApiError;

/// An OTP lapses five minutes after it is sent.
pub(crate) const OTP_TTL: Duration = Duration::from_secs(300);
/// A beneficiary waits this long before another OTP on the same channel.
pub(crate) const OTP_RESEND_COOLDOWN: Duration = Duration::from_secs(30);
/// Wrong codes an OTP tolerates.
pub(crate) const OTP_MAX_ATTEMPTS: u32 = 3;
/// A verification token is good for ten minutes, once.
pub(crate) const TOKEN_TTL: Duration = Duration::from_secs(600);
/// A remote challenge lapses five minutes after it is created.
pub(crate) const CHALLENGE_TTL: Duration = Duration::from_secs(300);
/// The largest biometric sample accepted, decoded.
pub(crate) const MAX_SAMPLE_BYTES: usize = 1024 * 1024;

/// Key of the HMAC that makes each OTP code a fixed function of its id.
const OTP_KEY: &[u8] = b"mostrador-sandbox-otp";

pub(crate) struct OtpRecord {
    /// Order of sending, to tell the newest OTP of a dispensation.
    serial: usize,
    beneficiary_id: Id,
    dispensation_id: Option<Id>,
    code: String,
    expires_at: OffsetDateTime,
    failed_attempts: u32,
    used: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    Otp,
    Biometric,
}

pub(crate) struct VerificationToken {
    kind: TokenKind,
    beneficiary_id: Id,
    dispensation_id: Option<Id>,
    expires_at: OffsetDateTime,
    used: bool,
}

/// Where a remote challenge stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChallengeState {
    Pending,
    Approved,
    Rejected,
    Expired,
}

pub(crate) struct ChallengeRecord {
    dispensation_id: Id,
    expires_at: OffsetDateTime,
    auto_approve_at: Option<OffsetDateTime>,
    state: ChallengeState,
}

/// Sandbox extra: the outcome of approving or rejecting a challenge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChallengeDecision {
    pub challenge_id: Id,
    pub dispensation_id: Id,
    pub state: ChallengeState,
}

/// Sandbox extra: what the beneficiary's phone shows for a challenge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChallengeSummary {
    pub challenge_id: Id,
    pub state: ChallengeState,
    pub code: String,
    pub sponsor_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
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
    fn max_attempts(&self, record: &DispensationRecord) -> u32 {
        record
            .sponsor_slug
            .as_deref()
            .and_then(|slug| self.catalog.sponsor(slug))
            .map_or(OTP_MAX_ATTEMPTS, |sponsor| sponsor.dispensing.max_attempts)
    }

    fn started_needing(&self, id: &Id, kind: VerificationKind) -> Result<&DispensationRecord, ApiError> {
        let record = self
            .dispensations
            .get(id)
            .ok_or_else(|| ApiError::new(ErrorCode::DispensationNotFound, format!("no dispensation {id}")))?;
        if record.status != DispensationStatus::Started {
            return Err(ApiError::new(ErrorCode::InvalidState, format!("{id} is not STARTED"))
                .with_details(json!({ "status": record.status })));
        }
        if record.verification.required != Some(kind) {
            return Err(ApiError::new(
                ErrorCode::InvalidState,
                format!("{id} does not call for {} verification", wire_name(&kind)),
            )
            .with_details(json!({ "verification_required": record.verification.required })));
        }
        Ok(record)
    }

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

    /// `POST /dispensing/v1/dispensations/{id}/biometric`: a sample from the counter's reader.
    pub fn submit_biometric(
        &mut self,
        now: OffsetDateTime,
        id: &Id,
        sample: BiometricSample,
    ) -> Result<BiometricMatch, ApiError> {
        let record = self.started_needing(id, VerificationKind::Biometric)?;
        let max_attempts = self.max_attempts(record);
        let sponsor = record.sponsor_slug.as_deref().and_then(|slug| self.catalog.sponsor(slug));
        if sponsor.is_some_and(|s| s.dispensing.biometric_capture == Some(BiometricCapture::Remote)) {
            return Err(ApiError::new(
                ErrorCode::InvalidState,
                "this sponsor verifies on the beneficiary's phone: request a challenge",
            ));
        }
        if sponsor.is_some_and(|s| !s.dispensing.biometric_modes.contains(&sample.biometric_type)) {
            return Err(ApiError::new(
                ErrorCode::BiometricSampleInvalid,
                format!("the sponsor does not accept {} samples", wire_name(&sample.biometric_type)),
            ));
        }
        if record.verification.failed_attempts >= max_attempts {
            return Err(ApiError::new(ErrorCode::VerificationAttemptsExceeded, "no verification attempts left"));
        }
        let compact: String = sample.sample_base64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let bytes = STANDARD.decode(compact.as_bytes()).map_err(|_| {
            ApiError::new(ErrorCode::BiometricSampleInvalid, "sample_base64 is not valid base64")
                .with_field("sample_base64", "not base64")
        })?;
        if bytes.len() > MAX_SAMPLE_BYTES {
            return Err(ApiError::new(ErrorCode::PayloadTooLarge, "the sample exceeds 1 MiB")
                .with_details(json!({ "max_bytes": MAX_SAMPLE_BYTES })));
        }
        let wsq = sample.format.as_deref().is_none_or(|format| format.eq_ignore_ascii_case("WSQ"));
        if bytes.len() < 16 || (wsq && !bytes.starts_with(&[0xFF, 0xA0])) {
            return Err(ApiError::new(ErrorCode::BiometricSampleInvalid, "the sample is not a readable WSQ image"));
        }

        let beneficiary_id = record.beneficiary_id.clone();
        let matches = self.catalog.fingerprint(&beneficiary_id) == Some(bytes.as_slice());
        let token = matches.then(|| self.ids.secret("bvt"));
        let record =
            self.dispensations.get_mut(id).ok_or_else(|| ApiError::new(ErrorCode::DispensationNotFound, ""))?;
        if let Some(token) = token {
            record.verification.state = VerificationState::Verified;
            record.verification.method = Some(sample.biometric_type.into());
            self.tokens.insert(
                token.clone(),
                VerificationToken {
                    kind: TokenKind::Biometric,
                    beneficiary_id,
                    dispensation_id: Some(id.clone()),
                    expires_at: now + TOKEN_TTL,
                    used: false,
                },
            );
            return Ok(BiometricMatch { matched: true, score: 0.97, biometric_verification_token: Some(token) });
        }
        record.verification.failed_attempts += 1;
        let remaining = max_attempts.saturating_sub(record.verification.failed_attempts);
        if remaining == 0 {
            record.verification.state = VerificationState::Failed;
        }
        Err(ApiError::new(ErrorCode::BiometricNoMatch, "the sample does not match the beneficiary")
            .with_details(json!({ "attempts_remaining": remaining, "score": 0.12 })))
    }

    pub(super) fn challenge_url(&self, challenge: &Id) -> String {
        format!("{}/sandbox/v1/challenges/{challenge}", self.settings.base_url)
    }

    /// `POST /dispensing/v1/dispensations/{id}/biometric/challenge`: a check on the beneficiary's phone.
    pub fn create_challenge(
        &mut self,
        now: OffsetDateTime,
        id: &Id,
        request: ChallengeRequest,
    ) -> Result<Challenge, ApiError> {
        let record = self.started_needing(id, VerificationKind::Biometric)?;
        let max_attempts = self.max_attempts(record);
        let sponsor = record.sponsor_slug.as_deref().and_then(|slug| self.catalog.sponsor(slug));
        if sponsor.is_some_and(|s| s.dispensing.biometric_capture != Some(BiometricCapture::Remote)) {
            return Err(ApiError::new(ErrorCode::InvalidState, "this sponsor captures biometrics at the counter"));
        }
        if sponsor.is_some_and(|s| !s.dispensing.biometric_modes.contains(&request.biometric_type)) {
            return Err(ApiError::new(
                ErrorCode::InvalidState,
                format!("the sponsor does not verify by {}", wire_name(&request.biometric_type)),
            ));
        }
        if record.verification.state == VerificationState::Verified {
            return Err(ApiError::new(ErrorCode::InvalidState, format!("{id} is already verified")));
        }
        if record.verification.failed_attempts >= max_attempts {
            return Err(ApiError::new(ErrorCode::VerificationAttemptsExceeded, "no verification attempts left"));
        }
        if let Some(previous) = record.verification.challenge.clone()
            && let Some(old) = self.challenges.get_mut(&previous).filter(|c| c.state == ChallengeState::Pending)
        {
            old.state = ChallengeState::Expired;
        }
        let challenge_id = self.ids.id("chl", now);
        self.challenges.insert(
            challenge_id.clone(),
            ChallengeRecord {
                dispensation_id: id.clone(),
                expires_at: now + CHALLENGE_TTL,
                auto_approve_at: self.settings.remote_auto_approve.map(|after| now + after),
                state: ChallengeState::Pending,
            },
        );
        let url = self.challenge_url(&challenge_id);
        if let Some(record) = self.dispensations.get_mut(id) {
            record.verification.challenge = Some(challenge_id.clone());
            record.verification.state = VerificationState::Pending;
        }
        Ok(Challenge { challenge_url: url, expires_in: CHALLENGE_TTL.as_secs(), challenge_id: Some(challenge_id) })
    }

    /// Sandbox extra: the beneficiary's phone approves (or rejects) a challenge.
    pub fn decide_challenge(&mut self, challenge_id: &Id, approve: bool) -> Result<ChallengeDecision, ApiError> {
        let challenge = self
            .challenges
            .get(challenge_id)
            .ok_or_else(|| ApiError::new(ErrorCode::ChallengeNotFound, format!("no challenge {challenge_id}")))?;
        if challenge.state != ChallengeState::Pending {
            return Err(ApiError::new(
                ErrorCode::InvalidState,
                format!("the challenge is {}", wire_name(&challenge.state)),
            )
            .with_details(json!({ "state": challenge.state })));
        }
        let dispensation_id = challenge.dispensation_id.clone();
        self.settle_challenge(challenge_id, if approve { ChallengeState::Approved } else { ChallengeState::Rejected });
        Ok(ChallengeDecision {
            challenge_id: challenge_id.clone(),
            dispensation_id,
            state: self.challenges.get(challenge_id).map_or(ChallengeState::Expired, |c| c.state),
        })
    }

    /// Sandbox extra: the challenge as the beneficiary's phone shows it.
    pub fn challenge_summary(&self, challenge_id: &Id) -> Result<ChallengeSummary, ApiError> {
        let challenge = self
            .challenges
            .get(challenge_id)
            .ok_or_else(|| ApiError::new(ErrorCode::ChallengeNotFound, format!("no challenge {challenge_id}")))?;
        let record = self.dispensations.get(&challenge.dispensation_id);
        Ok(ChallengeSummary {
            challenge_id: challenge_id.clone(),
            state: challenge.state,
            code: record.map(|r| r.code.clone()).unwrap_or_default(),
            sponsor_name: record
                .and_then(|r| r.sponsor_slug.as_deref())
                .and_then(|slug| self.catalog.sponsor(slug))
                .map(|sponsor| sponsor.sponsor.name.clone()),
            expires_at: challenge.expires_at,
        })
    }

    /// Moves a pending challenge to its outcome and the dispensation's verification with it.
    fn settle_challenge(&mut self, challenge_id: &Id, outcome: ChallengeState) {
        let Some(challenge) = self.challenges.get_mut(challenge_id) else {
            return;
        };
        challenge.state = outcome;
        let dispensation_id = challenge.dispensation_id.clone();
        let Some(record) = self.dispensations.get_mut(&dispensation_id) else {
            return;
        };
        if record.status != DispensationStatus::Started || record.verification.challenge.as_ref() != Some(challenge_id)
        {
            return;
        }
        match outcome {
            ChallengeState::Approved => {
                record.verification.state = VerificationState::Verified;
                record.verification.method = Some(VerificationMethod::Facial);
            }
            ChallengeState::Rejected => {
                record.verification.failed_attempts += 1;
                record.verification.state = VerificationState::Failed;
            }
            ChallengeState::Expired => record.verification.state = VerificationState::Failed,
            ChallengeState::Pending => {}
        }
    }

    /// Approves challenges whose auto-approval time came, and lapses those past their expiry.
    pub(super) fn advance_challenges(&mut self, now: OffsetDateTime) {
        let due: Vec<(Id, ChallengeState)> = self
            .challenges
            .iter()
            .filter(|(_, challenge)| challenge.state == ChallengeState::Pending)
            .filter_map(|(id, challenge)| {
                let approve_due = challenge.auto_approve_at.is_some_and(|at| at <= now && at < challenge.expires_at);
                if approve_due {
                    Some((id.clone(), ChallengeState::Approved))
                } else if challenge.expires_at <= now {
                    Some((id.clone(), ChallengeState::Expired))
                } else {
                    None
                }
            })
            .collect();
        for (id, outcome) in due {
            self.settle_challenge(&id, outcome);
        }
    }

    pub(super) fn challenge_deadlines(&self) -> impl Iterator<Item = OffsetDateTime> + '_ {
        self.challenges
            .values()
            .filter(|challenge| challenge.state == ChallengeState::Pending)
            .map(|challenge| challenge.auto_approve_at.map_or(challenge.expires_at, |at| at.min(challenge.expires_at)))
    }

    /// `GET /dispensing/v1/dispensations/{id}/verification-status`.
    pub fn verification_status(&self, id: &Id) -> Result<VerificationStatus, ApiError> {
        let record = self
            .dispensations
            .get(id)
            .ok_or_else(|| ApiError::new(ErrorCode::DispensationNotFound, format!("no dispensation {id}")))?;
        let attempts_remaining = match record.verification.required {
            None => None,
            Some(VerificationKind::Biometric) => {
                Some(self.max_attempts(record).saturating_sub(record.verification.failed_attempts))
            }
            // The attempts left on the newest OTP sent for this dispensation: the one the beneficiary reads.
            Some(VerificationKind::Otp) => Some(
                self.otps
                    .values()
                    .filter(|otp| otp.dispensation_id.as_ref() == Some(id))
                    .max_by_key(|otp| otp.serial)
                    .map_or(OTP_MAX_ATTEMPTS, |otp| OTP_MAX_ATTEMPTS.saturating_sub(otp.failed_attempts)),
            ),
        };
        Ok(VerificationStatus {
            dispensation_id: id.clone(),
            verification_required: record.verification.required,
            status: record.verification.state,
            method: record.verification.method,
            challenge_url: record.verification.challenge.as_ref().map(|challenge| self.challenge_url(challenge)),
            attempts_remaining,
        })
    }

    /// The verification gate of `complete`: returns the token to spend once the completion commits.
    pub(super) fn check_verification(
        &self,
        now: OffsetDateTime,
        record: &DispensationRecord,
        request: &CompleteRequest,
    ) -> Result<Option<String>, ApiError> {
        let Some(required) = record.verification.required else {
            return Ok(None);
        };
        // A remote check is proven server-side: the phone approved the challenge of this very dispensation.
        if required == VerificationKind::Biometric
            && record.verification.state == VerificationState::Verified
            && record.verification.method == Some(VerificationMethod::Facial)
        {
            return Ok(None);
        }
        let wanted = match required {
            VerificationKind::Otp => TokenKind::Otp,
            VerificationKind::Biometric => TokenKind::Biometric,
        };
        let offered: Vec<&str> = request
            .otp_verification_token
            .iter()
            .chain(request.biometric_verification_token.iter())
            .map(String::as_str)
            .chain(request.external_verifications.iter().map(|v| v.value.as_str()))
            .collect();
        if offered.is_empty() {
            return Err(ApiError::new(
                ErrorCode::VerificationRequired,
                format!("this dispensation needs {} verification before it can be completed", wire_name(&required)),
            )
            .with_details(json!({ "verification_required": required })));
        }
        let valid = offered.into_iter().find(|token| {
            self.tokens.get(*token).is_some_and(|proof| {
                proof.kind == wanted
                    && !proof.used
                    && now < proof.expires_at
                    && proof.beneficiary_id == record.beneficiary_id
                    && proof.dispensation_id.as_ref().is_none_or(|bound| *bound == record.id)
            })
        });
        valid.map(|token| Some(token.to_owned())).ok_or_else(|| {
            ApiError::new(
                ErrorCode::VerificationTokenInvalid,
                "the verification token is unknown, used, expired or for someone else",
            )
        })
    }

    pub(super) fn consume_token(&mut self, token: &str) {
        if let Some(proof) = self.tokens.get_mut(token) {
            proof.used = true;
        }
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
