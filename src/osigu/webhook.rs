//! Webhook envelopes and their signature (contract §5).
//!
//! `X-Osigu-Signature: t=<unix>,v1=<hex hmac-sha256(secret, "<t>.<raw body>")>`. During a secret rotation the
//! sender signs with every live secret, one `v1=` each, and a receiver accepts when any of them matches one of
//! its own secrets.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::model::Id;

/// Name of the signature header.
pub const SIGNATURE_HEADER: &str = "X-Osigu-Signature";

/// How far a signature's `t` may be from the receiver's clock.
pub const TOLERANCE_SECS: i64 = 300;

/// The envelope of every webhook event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookEnvelope {
    /// Receivers deduplicate on it: delivery is at least once.
    pub event_id: Id,
    /// `dispensing.started`, `dispensing.completed`, `dispensing.cancelled`, `authorization.voided`…
    pub event_type: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub api_version: String,
    /// `sandbox` or `production`.
    pub environment: String,
    pub data: serde_json::Value,
    pub provider: WebhookProvider,
}

/// The provider an event is addressed to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookProvider {
    pub provider_slug: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
}

/// Why a signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is malformed")]
    Malformed,
    #[error("the signature timestamp is more than {TOLERANCE_SECS} s away from now")]
    Stale,
    #[error("no signature matches any configured secret")]
    Mismatch,
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` sent at `timestamp`, one `v1=` per secret.
pub fn signature_header(secrets: &[impl AsRef<str>], timestamp: i64, body: &[u8]) -> String {
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        let digest = mac(secret.as_ref(), timestamp, body).finalize().into_bytes();
        header.push_str(",v1=");
        header.push_str(&hex::encode(digest));
    }
    header
}

/// Checks a received signature: well-formed, fresh within [`TOLERANCE_SECS`] of `now`, and matching one of
/// `secrets` (compared in constant time).
pub fn verify_signature(
    header: &str,
    body: &[u8],
    secrets: &[impl AsRef<str>],
    now: OffsetDateTime,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => {
                timestamp = Some(value.parse::<i64>().map_err(|_| SignatureError::Malformed)?);
            }
            Some(("v1", value)) => {
                signatures.push(hex::decode(value).map_err(|_| SignatureError::Malformed)?);
            }
            // Unknown schemes (a future v2=) are ignored, as receivers should.
            Some(_) => {}
            None => return Err(SignatureError::Malformed),
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now.unix_timestamp() - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let matches = secrets.iter().any(|secret| {
        signatures.iter().any(|signature| mac(secret.as_ref(), timestamp, body).verify_slice(signature).is_ok())
    });
    if matches { Ok(()) } else { Err(SignatureError::Mismatch) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"event_id":"evt_1","event_type":"dispensing.completed"}"#;
    const NOW: i64 = 1_782_000_000;

    fn at(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).unwrap()
    }

    #[test]
    fn accepts_a_fresh_signature_by_the_shared_secret() {
        let header = signature_header(&["whsec_a"], NOW, BODY);
        assert_eq!(verify_signature(&header, BODY, &["whsec_a"], at(NOW + 299)), Ok(()));
    }

    #[test]
    fn refuses_a_tampered_body() {
        let header = signature_header(&["whsec_a"], NOW, BODY);
        let tampered = br#"{"event_id":"evt_1","event_type":"dispensing.cancelled"}"#;
        assert_eq!(verify_signature(&header, tampered, &["whsec_a"], at(NOW)), Err(SignatureError::Mismatch));
    }

    #[test]
    fn refuses_a_stale_timestamp_either_way() {
        let header = signature_header(&["whsec_a"], NOW, BODY);
        assert_eq!(verify_signature(&header, BODY, &["whsec_a"], at(NOW + 301)), Err(SignatureError::Stale));
        assert_eq!(verify_signature(&header, BODY, &["whsec_a"], at(NOW - 301)), Err(SignatureError::Stale));
    }

    #[test]
    fn a_rotation_header_with_two_signatures_satisfies_old_and_new_receivers() {
        let header = signature_header(&["whsec_old", "whsec_new"], NOW, BODY);
        assert_eq!(header.matches("v1=").count(), 2);
        assert_eq!(verify_signature(&header, BODY, &["whsec_old"], at(NOW)), Ok(()));
        assert_eq!(verify_signature(&header, BODY, &["whsec_new"], at(NOW)), Ok(()));
        assert_eq!(verify_signature(&header, BODY, &["whsec_other"], at(NOW)), Err(SignatureError::Mismatch));
    }

    #[test]
    fn refuses_malformed_headers() {
        for header in ["", "t=abc,v1=00", "v1=00", "t=1", "t=1,v1=zz", "garbage"] {
            assert_eq!(verify_signature(header, BODY, &["s"], at(1)), Err(SignatureError::Malformed), "{header}");
        }
    }
}
