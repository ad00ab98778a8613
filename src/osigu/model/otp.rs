//! One-time passwords (contract §4).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{Id, OtpChannel};

/// `POST /v1/otp/send` (alias `POST /otp/generate`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OtpSendRequest {
    pub beneficiary_id: Id,
    pub sponsor_slug: String,
    pub channel: OtpChannel,
    /// Binds the OTP to one dispensation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispensation_id: Option<Id>,
}

/// An OTP on its way to the beneficiary. The reference documents an `expires_at` timestamp where the guide
/// has `expires_in`; the sandbox sends both.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OtpSent {
    #[serde(alias = "id", alias = "request_id")]
    pub otp_id: Id,
    #[serde(default)]
    pub channel: Option<OtpChannel>,
    /// Seconds until the code lapses.
    #[serde(default)]
    pub expires_in: Option<u64>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Safe to show: `+502 **** **42`.
    #[serde(default)]
    pub masked_destination: Option<String>,
    /// Seconds before another OTP may be sent.
    #[serde(default)]
    pub resend_available_in: Option<u64>,
}

/// `POST /v1/otp/validate` (alias `POST /otp/validate`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OtpValidateRequest {
    pub otp_id: Id,
    /// The six digits the beneficiary reads aloud.
    #[schema(pattern = "^[0-9]{6}$", example = "482913")]
    pub code: String,
}

/// A validated OTP: the single-use token to attach to `complete`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OtpValidated {
    pub otp_verification_token: String,
    #[serde(default)]
    pub expires_in: Option<u64>,
}
