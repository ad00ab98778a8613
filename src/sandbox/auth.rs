//! Who may call the sandbox: client credentials (HTTP Basic) become bearer tokens that last an hour and carry
//! the client's scopes; the token endpoint admits 10 requests a minute per client and, in the `faithful`
//! profile, the API admits 50 a minute (contract §1).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

use super::catalog::Catalog;
use super::error::ApiError;
use super::store::IdGen;
use crate::osigu::model::{ErrorCode, OAuthError, TokenExtensions, TokenResponse};

/// How long an access token lives.
pub(crate) const TOKEN_TTL: Duration = Duration::from_secs(3600);
/// Token requests per client per minute.
pub(crate) const TOKEN_REQUESTS_PER_MINUTE: usize = 10;
/// API calls per client per minute in the `faithful` profile.
pub(crate) const API_CALLS_PER_MINUTE: usize = 50;

const MINUTE: time::Duration = time::Duration::minutes(1);

/// What a bearer token stands for.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at: OffsetDateTime,
}

/// The token endpoint's refusals, in OAuth2's own shape rather than the envelope.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TokenError {
    InvalidClient,
    InvalidRequest(&'static str),
    UnsupportedGrantType,
    RateLimited { retry_after: u64 },
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let (status, error, description, retry_after) = match self {
            Self::InvalidClient => (StatusCode::UNAUTHORIZED, "invalid_client", "unknown client or wrong secret", None),
            Self::InvalidRequest(why) => (StatusCode::BAD_REQUEST, "invalid_request", why, None),
            Self::UnsupportedGrantType => {
                (StatusCode::BAD_REQUEST, "unsupported_grant_type", "only client_credentials is supported", None)
            }
            Self::RateLimited { retry_after } => {
                (StatusCode::TOO_MANY_REQUESTS, "rate_limited", "at most 10 token requests a minute", Some(retry_after))
            }
        };
        let body = OAuthError { error: error.to_owned(), error_description: Some(description.to_owned()) };
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"osigu\""));
        }
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Admits at most `limit` events per minute; otherwise says how many seconds until the oldest one ages out.
fn admit(log: &mut VecDeque<OffsetDateTime>, now: OffsetDateTime, limit: usize) -> Result<(), u64> {
    while log.front().is_some_and(|oldest| now - *oldest >= MINUTE) {
        log.pop_front();
    }
    if log.len() >= limit {
        let oldest = log.front().copied().unwrap_or(now);
        let wait = (oldest + MINUTE - now).whole_seconds();
        return Err(u64::try_from(wait).unwrap_or(1).max(1));
    }
    log.push_back(now);
    Ok(())
}

pub(crate) struct AuthState {
    tokens: HashMap<String, Grant>,
    token_requests: HashMap<String, VecDeque<OffsetDateTime>>,
    api_calls: HashMap<String, VecDeque<OffsetDateTime>>,
    secrets: IdGen,
}

impl AuthState {
    pub fn new(seed: u64) -> Self {
        Self {
            tokens: HashMap::new(),
            token_requests: HashMap::new(),
            api_calls: HashMap::new(),
            secrets: IdGen::new(seed),
        }
    }

    /// `POST /v1/oauth/token`: `credentials` from the Basic header, `grant_type` from the form body.
    pub fn issue(
        &mut self,
        catalog: &Catalog,
        now: OffsetDateTime,
        credentials: Option<(String, String)>,
        grant_type: Option<&str>,
    ) -> Result<TokenResponse, TokenError> {
        let (client_id, secret) = credentials.ok_or(TokenError::InvalidClient)?;
        let client = catalog
            .client(&client_id)
            .filter(|client| client.client_secret == secret)
            .ok_or(TokenError::InvalidClient)?;
        let log = self.token_requests.entry(client_id.clone()).or_default();
        admit(log, now, TOKEN_REQUESTS_PER_MINUTE).map_err(|retry_after| TokenError::RateLimited { retry_after })?;
        match grant_type {
            None => return Err(TokenError::InvalidRequest("grant_type is required")),
            Some("client_credentials") => {}
            Some(_) => return Err(TokenError::UnsupportedGrantType),
        }
        // Expired tokens are dropped here, the only place tokens accumulate.
        self.tokens.retain(|_, grant| grant.expires_at > now);
        let token = self.secrets.secret("sbx_at");
        let scope = client.scopes.join(" ");
        self.tokens
            .insert(token.clone(), Grant { client_id, scopes: client.scopes.clone(), expires_at: now + TOKEN_TTL });
        Ok(TokenResponse {
            access_token: token,
            token_type: "bearer".to_owned(),
            expires_in: TOKEN_TTL.as_secs(),
            scope: Some(scope),
            extensions: Some(TokenExtensions { provider_slug: Some(catalog.provider.provider_slug.clone()) }),
        })
    }

    /// The grant behind a bearer token, if it is known and not expired.
    pub fn resolve(&self, token: &str, now: OffsetDateTime) -> Result<&Grant, ApiError> {
        let grant =
            self.tokens.get(token).ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "unknown access token"))?;
        if grant.expires_at <= now {
            return Err(ApiError::new(ErrorCode::Unauthorized, "the access token expired; request a new one"));
        }
        Ok(grant)
    }

    /// Counts one API call against the `faithful` profile's limit.
    pub fn count_api_call(&mut self, client_id: &str, now: OffsetDateTime) -> Result<(), ApiError> {
        let log = self.api_calls.entry(client_id.to_owned()).or_default();
        admit(log, now, API_CALLS_PER_MINUTE).map_err(|retry_after| {
            ApiError::new(ErrorCode::RateLimited, "at most 50 calls a minute in this sandbox profile")
                .with_retry_after(retry_after)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sliding_minute_admits_the_limit_then_says_how_long_to_wait() {
        let start = OffsetDateTime::from_unix_timestamp(1_782_000_000).unwrap();
        let mut log = VecDeque::new();
        for second in 0..10 {
            assert_eq!(admit(&mut log, start + time::Duration::seconds(second), 10), Ok(()));
        }
        assert_eq!(admit(&mut log, start + time::Duration::seconds(15), 10), Err(45));
        assert_eq!(admit(&mut log, start + time::Duration::seconds(60), 10), Ok(()));
    }
}
