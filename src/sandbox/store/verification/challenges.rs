//! Facial checks on the beneficiary's phone: a challenge URL (drawn as a QR code at the counter), approved or
//! rejected from the phone, approved by the sandbox itself after a while, or lapsing.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::osigu::model::{
    BiometricCapture, Challenge, ChallengeRequest, DispensationStatus, ErrorCode, Id, VerificationKind,
    VerificationMethod, VerificationState, wire_name,
};
use crate::sandbox::dates::later;
use crate::sandbox::error::ApiError;
use crate::sandbox::store::Store;
use crate::sandbox::store::timetable::Due;

/// A remote challenge lapses five minutes after it is created.
pub(crate) const CHALLENGE_TTL: Duration = Duration::from_secs(300);

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

impl Store {
    pub(in crate::sandbox::store) fn challenge_url(&self, challenge: &Id) -> String {
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
        // Computed before anything changes: a duration past the calendar's end refuses, it does not panic.
        let out_of_range = || ApiError::new(ErrorCode::InternalError, "a challenge deadline is out of range");
        let expires_at = later(now, CHALLENGE_TTL).ok_or_else(out_of_range)?;
        let auto_approve_at = match self.settings.remote_auto_approve {
            Some(after) => Some(later(now, after).ok_or_else(out_of_range)?),
            None => None,
        };
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
                expires_at,
                auto_approve_at,
                state: ChallengeState::Pending,
            },
        );
        self.timetable.schedule(expires_at, Due::ChallengeDecision(challenge_id.clone()));
        if let Some(at) = auto_approve_at.filter(|at| *at < expires_at) {
            self.timetable.schedule(at, Due::ChallengeDecision(challenge_id.clone()));
        }
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

    /// A challenge's auto-approval or expiry came: settle it if nobody has.
    pub(in crate::sandbox::store) fn decide_challenge_by_time(&mut self, id: &Id, now: OffsetDateTime) {
        let Some(challenge) = self.challenges.get(id).filter(|c| c.state == ChallengeState::Pending) else {
            return;
        };
        if challenge.auto_approve_at.is_some_and(|at| at <= now && at < challenge.expires_at) {
            self.settle_challenge(id, ChallengeState::Approved);
        } else if challenge.expires_at <= now {
            self.settle_challenge(id, ChallengeState::Expired);
        }
    }
}
