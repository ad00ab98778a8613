//! One-time passwords (contract §4).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{Id, OtpChannel, bounded, known};

/// `POST /v1/otp/send` (alias `POST /otp/generate`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OtpSendRequest {
    pub beneficiary_id: Id,
    pub sponsor_slug: String,
    #[serde(deserialize_with = "known::required")]
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
    /// Seconds until the code lapses, at most a day.
    #[serde(default, deserialize_with = "bounded::optional_verification_secs")]
    pub expires_in: Option<u64>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Safe to show: `+502 **** **42`.
    #[serde(default)]
    pub masked_destination: Option<String>,
    /// Seconds before another OTP may be sent, at most a day.
    #[serde(default, deserialize_with = "bounded::optional_verification_secs")]
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
///
/// The guide names the token `otp_verification_token`; the reference leaves its name open, so decoding also
/// takes `verification_token` or `token`, at the top level or inside a `data` wrapper.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct OtpValidated {
    pub otp_verification_token: String,
    /// Seconds the token stays good, at most a day.
    #[serde(default)]
    pub expires_in: Option<u64>,
}

impl<'de> Deserialize<'de> for OtpValidated {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Flat {
            #[serde(alias = "verification_token", alias = "token")]
            otp_verification_token: Option<String>,
            #[serde(default, deserialize_with = "bounded::optional_verification_secs")]
            expires_in: Option<u64>,
            #[serde(default)]
            data: Option<Box<Flat>>,
        }
        let flat = Flat::deserialize(deserializer)?;
        let pick = |flat: Flat| flat.otp_verification_token.map(|token| (token, flat.expires_in));
        let expires_outer = flat.expires_in;
        let found = match flat.data {
            Some(inner) if flat.otp_verification_token.is_none() => pick(*inner),
            _ => pick(Flat { data: None, ..flat }),
        };
        let (token, expires_in) = found.ok_or_else(|| serde::de::Error::missing_field("otp_verification_token"))?;
        Ok(Self { otp_verification_token: token, expires_in: expires_in.or(expires_outer) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_found_under_each_documented_name() {
        for body in [
            r#"{"otp_verification_token": "ovt_1", "expires_in": 600}"#,
            r#"{"verification_token": "ovt_1", "expires_in": 600}"#,
            r#"{"data": {"token": "ovt_1", "expires_in": 600}}"#,
            r#"{"data": {"otp_verification_token": "ovt_1"}, "expires_in": 600}"#,
        ] {
            let validated: OtpValidated = serde_json::from_str(body).unwrap();
            assert_eq!(validated.otp_verification_token, "ovt_1", "{body}");
            assert_eq!(validated.expires_in, Some(600), "{body}");
        }
        assert!(serde_json::from_str::<OtpValidated>(r#"{"data": {}}"#).is_err());
    }

    #[test]
    fn otp_durations_past_a_day_do_not_decode() {
        let sent =
            |field: &str| serde_json::from_str::<OtpSent>(&format!(r#"{{"otp_id":"o","{field}":999999999999}}"#));
        assert!(sent("expires_in").is_err());
        assert!(sent("resend_available_in").is_err());
        let fine: OtpSent =
            serde_json::from_str(r#"{"otp_id":"o","expires_in":300,"resend_available_in":30}"#).unwrap();
        assert_eq!((fine.expires_in, fine.resend_available_in), (Some(300), Some(30)));
        assert!(serde_json::from_str::<OtpValidated>(r#"{"token":"t","expires_in":999999999999}"#).is_err());
        assert!(serde_json::from_str::<OtpValidated>(r#"{"data":{"token":"t","expires_in":86401}}"#).is_err());
        let request = r#"{"beneficiary_id":"b","sponsor_slug":"s","channel":"WHATSAPP"}"#;
        assert!(serde_json::from_str::<OtpSendRequest>(request).is_err(), "a request names a known channel");
    }

    #[test]
    fn an_otp_with_only_an_expiry_timestamp_decodes() {
        let sent: OtpSent = serde_json::from_str(r#"{"id": 77, "expires_at": "2026-11-21T10:05:00Z"}"#).unwrap();
        assert_eq!(sent.otp_id.as_str(), "77");
        assert!(sent.expires_in.is_none() && sent.expires_at.is_some());
    }
}
