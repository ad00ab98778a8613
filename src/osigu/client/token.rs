//! The process's bearer token: fetched once, shared by every call, refreshed when 50 minutes old or when the
//! server refuses it, never requested more than 10 times a minute (the endpoint's own limit, which locks out
//! a client that exceeds it).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::Inner;
use super::send::{ERROR_BODY_LIMIT, decode, retry_after};
use crate::osigu::error::ClientError;
use crate::osigu::model::{OAuthError, TokenResponse};

/// Refresh a token when it is this old, whatever its stated lifetime (the docs say "cache ~50 minutes").
pub(super) const REFRESH_AGE: Duration = Duration::from_secs(50 * 60);
/// The token endpoint's limit, per client and minute.
const REQUESTS_PER_MINUTE: usize = 10;
const MINUTE: Duration = Duration::from_secs(60);

/// A token in use, with the generation that identifies it when it is refused.
#[derive(Clone)]
pub(super) struct Token {
    pub value: Arc<str>,
    pub generation: u64,
    refresh_at: Instant,
    pub reply: Arc<TokenResponse>,
    /// Server clock minus this machine's, from the reply's `Date` header.
    pub skew: Option<time::Duration>,
}

#[derive(Default)]
pub(super) struct TokenCache {
    /// Held across the fetch, so concurrent callers wait for one refresh instead of starting their own.
    slot: Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    current: Option<Token>,
    generation: u64,
    /// When recent token requests were made, for the per-minute limit.
    requests: VecDeque<Instant>,
}

impl TokenCache {
    /// Forgets the token of `generation` if it is still the current one; a newer token is kept, because a
    /// concurrent caller has already replaced the refused one.
    pub async fn invalidate(&self, generation: u64) {
        let mut slot = self.slot.lock().await;
        if slot.current.as_ref().is_some_and(|token| token.generation == generation) {
            slot.current = None;
        }
    }

    /// Makes the current token due for refresh, as if 50 minutes had passed.
    pub async fn age(&self) {
        if let Some(token) = self.slot.lock().await.current.as_mut() {
            token.refresh_at = Instant::now();
        }
    }
}

impl Inner {
    /// The current token, fetching a new one when there is none or it is due.
    pub(super) async fn token(&self) -> Result<Token, ClientError> {
        let mut slot = self.tokens.slot.lock().await;
        let now = Instant::now();
        if let Some(token) = slot.current.as_ref().filter(|token| now < token.refresh_at) {
            return Ok(token.clone());
        }
        while slot.requests.front().is_some_and(|at| now.duration_since(*at) >= MINUTE) {
            slot.requests.pop_front();
        }
        if slot.requests.len() >= REQUESTS_PER_MINUTE
            && let Some(oldest) = slot.requests.front()
        {
            return Err(ClientError::TokenRateLimited { retry_after: MINUTE - now.duration_since(*oldest) });
        }
        slot.requests.push_back(now);
        let (reply, skew) = self.fetch_token().await?;
        let lifetime = Duration::from_secs(reply.expires_in);
        // A token shorter-lived than an hour is refreshed at five sixths of its life.
        let refresh_after = REFRESH_AGE.min(lifetime.mul_f64(5.0 / 6.0));
        slot.generation += 1;
        let token = Token {
            value: Arc::from(reply.access_token.as_str()),
            generation: slot.generation,
            refresh_at: now + refresh_after,
            reply: Arc::new(reply),
            skew,
        };
        slot.current = Some(token.clone());
        tracing::debug!(generation = token.generation, "new access token");
        Ok(token)
    }

    /// `POST /v1/oauth/token` with the client's credentials.
    async fn fetch_token(&self) -> Result<(TokenResponse, Option<time::Duration>), ClientError> {
        let url = self.url("/v1/oauth/token");
        let response = self
            .http
            .post(url)
            .basic_auth(&self.options.client_id, Some(self.options.client_secret.expose()))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(|error| self.transport_error(&error))?;
        let status = response.status();
        if status.is_success() {
            let skew = server_date(&response).map(|date| date - time::OffsetDateTime::now_utc());
            let body = self.read_body(response, self.options.body_limit).await?;
            return Ok((decode(status, &body)?, skew));
        }
        let wait = retry_after(&response);
        let body = self.read_body(response, ERROR_BODY_LIMIT).await.unwrap_or_default();
        // The token endpoint answers in the OAuth2 shape (`{"error": "invalid_client"}`), not the envelope.
        let oauth = serde_json::from_slice::<OAuthError>(&body).ok().map(|error| error.error);
        Err(match status {
            StatusCode::TOO_MANY_REQUESTS => ClientError::TokenRateLimited { retry_after: wait.unwrap_or(MINUTE) },
            StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ClientError::Credentials {
                status: status.as_u16(),
                error: oauth.unwrap_or_else(|| "invalid_client".to_owned()),
            },
            _ => ClientError::Api { status: status.as_u16(), code: None, envelope: None, retry_after: wait },
        })
    }
}

/// The reply's `Date` header (RFC 7231's IMF-fixdate, which RFC 2822 parsing reads).
fn server_date(response: &reqwest::Response) -> Option<time::OffsetDateTime> {
    super::send::http_date(response.headers().get(reqwest::header::DATE)?.to_str().ok()?)
}
