//! Fingerprints captured at the counter: a sample matches only its owner's, failures count against the
//! sponsor's attempts, and a match yields a single-use token.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use time::OffsetDateTime;

use super::{TOKEN_TTL, TokenKind, VerificationToken};
use crate::osigu::model::{
    BiometricCapture, BiometricMatch, BiometricSample, ErrorCode, Id, VerificationKind, VerificationState, wire_name,
};
use crate::sandbox::error::ApiError;
use crate::sandbox::store::Store;

/// The largest biometric sample accepted, decoded.
pub(crate) const MAX_SAMPLE_BYTES: usize = 1024 * 1024;

impl Store {
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
}
