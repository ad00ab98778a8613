//! The OAuth2 client-credentials token endpoint (contract §1).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::bounded;

/// `POST /v1/oauth/token` reply. Unknown fields (such as DVS's `extensions.provider_slug`) are ignored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    /// Lifetime in seconds (3600); at most a year.
    #[serde(deserialize_with = "bounded::token_secs")]
    pub expires_in: u64,
    /// Space-separated scopes granted to the client.
    #[serde(default)]
    pub scope: Option<String>,
    /// Who the token speaks for. A documented variant (DVS); the sandbox sends it too, so `mostrador check`
    /// can name the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<TokenExtensions>,
}

/// `extensions` of a token reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokenExtensions {
    #[serde(default)]
    pub provider_slug: Option<String>,
}

/// The OAuth2 error shape the token endpoint uses instead of the envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OAuthError {
    /// `invalid_client`, `invalid_request`, `unsupported_grant_type` or `rate_limited`.
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// Scopes the contract knows.
pub mod scopes {
    pub const ARC_READ: &str = "arc:read";
    pub const ARC_WRITE: &str = "arc:write";
    pub const DISPENSING_READ: &str = "dispensing:read";
    pub const DISPENSING_WRITE: &str = "dispensing:write";
    pub const EHR_READ: &str = "ehr:read";
    pub const EHR_WRITE: &str = "ehr:write";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_lifetime_past_a_year_does_not_decode() {
        let token = |secs: u64| {
            serde_json::from_str::<TokenResponse>(&format!(
                r#"{{"access_token":"a","token_type":"Bearer","expires_in":{secs}}}"#
            ))
        };
        assert_eq!(token(3600).unwrap().expires_in, 3600);
        assert!(token(bounded::MAX_TOKEN_SECS + 1).is_err());
    }
}
