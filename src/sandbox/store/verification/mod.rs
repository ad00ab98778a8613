//! Beneficiary verification: the single-use tokens that prove it, the gate `complete` passes through, and the
//! verification status. How each kind is obtained lives beside: OTPs (`otp.rs`), fingerprints at the counter
//! (`biometric.rs`), facial checks on the beneficiary's phone (`challenges.rs`).

mod biometric;
mod challenges;
mod otp;

use std::time::Duration;

use serde_json::json;
use time::OffsetDateTime;

use super::Store;
use super::dispensing::DispensationRecord;
use crate::osigu::model::{
    CompleteRequest, DispensationStatus, ErrorCode, Id, VerificationKind, VerificationMethod, VerificationState,
    VerificationStatus, wire_name,
};
use crate::sandbox::error::ApiError;

pub(crate) use self::challenges::ChallengeRecord;
pub use self::challenges::{ChallengeDecision, ChallengeState, ChallengeSummary};
pub(crate) use self::otp::{OTP_MAX_ATTEMPTS, OtpRecord};

/// A verification token is good for ten minutes, once.
pub(crate) const TOKEN_TTL: Duration = Duration::from_secs(600);

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    Otp,
    Biometric,
}

pub(crate) struct VerificationToken {
    pub(super) kind: TokenKind,
    beneficiary_id: Id,
    dispensation_id: Option<Id>,
    expires_at: OffsetDateTime,
    used: bool,
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
    pub(in crate::sandbox::store) fn check_verification(
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

    pub(in crate::sandbox::store) fn consume_token(&mut self, token: &str) {
        if let Some(proof) = self.tokens.get_mut(token) {
            proof.used = true;
        }
    }
}
