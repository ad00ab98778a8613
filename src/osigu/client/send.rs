//! One call to the API: authorize, send, retry when it is safe, read the reply up to a cap, decode it.
//!
//! A call is retried only when repeating it cannot do a thing twice: GETs, requests that carry an
//! `Idempotency-Key` (sent unchanged on every try), and requests that never left this machine (no connection).
//! A 401 refreshes the token once and repeats the call, because the server refused it before acting.

use std::error::Error as _;
use std::time::Duration;

use rand::RngExt;
use reqwest::{Method, Response, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Inner;
use crate::osigu::error::{ClientError, IdempotencyKey};
use crate::osigu::model::ErrorEnvelope;

/// Error pages are read only this far: the envelope is small, and a proxy's HTML page says nothing useful.
pub(super) const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// What to send.
pub(super) struct Call<'a> {
    pub method: Method,
    pub path: &'a str,
    pub query: &'a [(&'a str, String)],
    pub body: Option<Vec<u8>>,
    pub key: Option<&'a IdempotencyKey>,
    /// A POST that only reads (a search): repeating it changes nothing on the server.
    pub lookup: bool,
}

impl<'a> Call<'a> {
    pub fn get(path: &'a str) -> Self {
        Self { method: Method::GET, path, query: &[], body: None, key: None, lookup: false }
    }

    pub fn with_json(method: Method, path: &'a str, body: &impl Serialize) -> Result<Self, ClientError> {
        let body = serde_json::to_vec(body).map_err(|error| ClientError::Invalid { detail: error.to_string() })?;
        Ok(Self { method, path, query: &[], body: Some(body), key: None, lookup: false })
    }

    pub fn keyed(self, key: &'a IdempotencyKey) -> Self {
        Self { key: Some(key), ..self }
    }

    /// Marks a POST that changes nothing on the server, so it may be retried like a GET.
    pub fn lookup(self) -> Self {
        Self { lookup: true, ..self }
    }

    /// Repeating this request cannot apply it twice.
    fn repeatable(&self) -> bool {
        self.method == Method::GET || self.key.is_some() || self.lookup
    }
}

impl Inner {
    /// Sends `call` and decodes a 2xx reply as `T`.
    pub(super) async fn call<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, ClientError> {
        let (status, bytes) = self.exchange(&call).await?;
        decode(status, &bytes)
    }

    /// Sends `call` with retries and returns the 2xx body.
    async fn exchange(&self, call: &Call<'_>) -> Result<(StatusCode, Vec<u8>), ClientError> {
        let mut attempt = 1;
        let mut refreshed = false;
        loop {
            let token = match self.token().await {
                Ok(token) => token,
                Err(error) => {
                    // Asking for a token changes nothing on the server, so it may always be repeated.
                    let Some(pause) = self.pause_before_retry(true, &error, attempt) else {
                        return Err(error);
                    };
                    tokio::time::sleep(pause).await;
                    attempt += 1;
                    continue;
                }
            };
            let outcome = self.send_once(call, &token.value).await;
            let error = match outcome {
                Ok(bytes) => return Ok(bytes),
                Err(error) => error,
            };
            if error.status() == Some(401) && !refreshed {
                // The token was refused before anything happened: get a new one (shared with concurrent
                // callers that saw the same refusal) and repeat once.
                tracing::info!(path = call.path, "token refused; refreshing it and repeating the call");
                self.tokens.invalidate(token.generation).await;
                refreshed = true;
                continue;
            }
            let Some(pause) = self.pause_before_retry(call.repeatable(), &error, attempt) else { return Err(error) };
            tracing::info!(path = call.path, attempt, error = %error, "retrying in {} ms", pause.as_millis());
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }

    /// How long to wait before trying again after `error`, or `None` to give up. `repeatable`: sending the
    /// request again cannot do a thing twice (see [`Call::repeatable`]).
    fn pause_before_retry(&self, repeatable: bool, error: &ClientError, attempt: u32) -> Option<Duration> {
        if attempt >= self.options.max_attempts {
            return None;
        }
        let backoff = || {
            let base = self.options.backoff.saturating_mul(1 << (attempt - 1).min(8));
            // A little jitter keeps terminals that failed together from retrying together.
            base + base.mul_f64(rand::rng().random_range(0.0..0.25))
        };
        match error {
            // Nothing reached the server, so even a keyless request may be sent again.
            ClientError::Connect { .. } => Some(backoff()),
            ClientError::Broken { .. } | ClientError::Timeout { .. } if repeatable => Some(backoff()),
            ClientError::Api { status, retry_after, .. } if repeatable && retryable_status(*status) => {
                match retry_after {
                    Some(wait) if *wait > self.options.max_retry_after => None,
                    Some(wait) => Some(*wait),
                    None => Some(backoff()),
                }
            }
            _ => None,
        }
    }

    /// One request, one reply.
    async fn send_once(&self, call: &Call<'_>, token: &str) -> Result<(StatusCode, Vec<u8>), ClientError> {
        let url = self.url(call.path);
        let mut request = self.http.request(call.method.clone(), url).bearer_auth(token);
        if !call.query.is_empty() {
            request = request.query(call.query);
        }
        if let Some(key) = call.key {
            request = request.header("Idempotency-Key", key.as_str());
        }
        if let Some(body) = &call.body {
            request = request.header(header::CONTENT_TYPE, "application/json").body(body.clone());
        }
        let response = request.send().await.map_err(|error| self.transport_error(&error))?;
        let status = response.status();
        Ok((status, self.read_reply(response).await?))
    }

    /// `base_url` + `path`.
    pub(super) fn url(&self, path: &str) -> reqwest::Url {
        crate::osigu::endpoint::api_url(&self.options.base_url, path)
    }

    /// The body of a 2xx reply, or the typed refusal.
    pub(super) async fn read_reply(&self, response: Response) -> Result<Vec<u8>, ClientError> {
        let status = response.status();
        if status.is_success() {
            return self.read_body(response, self.options.body_limit).await;
        }
        let retry_after = retry_after(&response);
        let body = match self.read_body(response, ERROR_BODY_LIMIT).await {
            Ok(body) => body,
            // The status says enough; a refusal whose page is too big or breaks off is still a refusal.
            Err(ClientError::TooLarge { .. } | ClientError::Broken { .. }) => Vec::new(),
            Err(error) => return Err(error),
        };
        let envelope =
            serde_json::from_slice::<ErrorEnvelope>(&body).ok().filter(|envelope| envelope.error_code().is_some());
        Err(ClientError::Api {
            status: status.as_u16(),
            code: envelope.as_ref().and_then(ErrorEnvelope::error_code),
            envelope: envelope.map(Box::new),
            retry_after,
        })
    }

    /// Reads at most `limit` bytes, stopping as soon as the reply is known to be larger.
    pub(super) async fn read_body(&self, mut response: Response, limit: usize) -> Result<Vec<u8>, ClientError> {
        if response.content_length().is_some_and(|length| length > limit as u64) {
            return Err(ClientError::TooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| self.transport_error(&error))? {
            if body.len() + chunk.len() > limit {
                return Err(ClientError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Sorts a reqwest failure into what it means for the clerk.
    pub(super) fn transport_error(&self, error: &reqwest::Error) -> ClientError {
        let host = self.host();
        if error.is_timeout() {
            return ClientError::Timeout { after: self.options.request_timeout };
        }
        let detail = root_cause(error);
        if is_tls(error) {
            return ClientError::Tls { host, detail };
        }
        if error.is_connect() {
            return ClientError::Connect { host, detail };
        }
        if error.is_builder() {
            return ClientError::Invalid { detail };
        }
        ClientError::Broken { detail }
    }

    pub(super) fn host(&self) -> String {
        let url = &self.options.base_url;
        format!(
            "{}{}",
            url.host_str().unwrap_or_default(),
            url.port().map(|port| format!(":{port}")).unwrap_or_default()
        )
    }
}

/// Decodes a JSON body; on failure names where it stopped, never what it read (it may be personal data).
pub(super) fn decode<T: DeserializeOwned>(status: StatusCode, bytes: &[u8]) -> Result<T, ClientError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.inner();
        let what = match inner.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "unexpected content",
            serde_json::error::Category::Eof => "cut short",
        };
        let place = if path == "." { String::new() } else { format!(" at `{path}`") };
        ClientError::Undecodable {
            status: status.as_u16(),
            detail: format!("{what}{place} (line {}, column {})", inner.line(), inner.column()),
        }
    })
}

/// Statuses after which the same request may succeed.
fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// `Retry-After` in seconds or as an HTTP date.
pub(super) fn retry_after(response: &Response) -> Option<Duration> {
    let text = response.headers().get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let wait = http_date(text)? - time::OffsetDateTime::now_utc();
    Some(wait.try_into().unwrap_or(Duration::ZERO))
}

/// An HTTP date (`Date`, `Retry-After`): `Sat, 21 Nov 2026 15:04:05 GMT`.
pub(super) fn http_date(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc2822).ok()
}

/// The innermost cause of a reqwest error, which is the one that says what happened ("connection refused").
fn root_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// True when a rustls error is somewhere in the chain.
fn is_tls(error: &reqwest::Error) -> bool {
    let mut cause = error.source();
    while let Some(current) = cause {
        if current.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        cause = next_cause(current);
    }
    false
}

/// The error `current` wraps. An `io::Error` that wraps another error reports that error's *source* as its own,
/// skipping the wrapped error itself, so it is unwrapped with `get_ref`: the connector hands a certificate
/// failure over as `io::Error(Other, io::Error(InvalidData, rustls::Error))`, where `source()` alone never
/// reaches the rustls error (and the failure was taken for an unreachable server).
fn next_cause<'a>(current: &'a (dyn std::error::Error + 'static)) -> Option<&'a (dyn std::error::Error + 'static)> {
    if let Some(io) = current.downcast_ref::<std::io::Error>()
        && let Some(inner) = io.get_ref()
    {
        return Some(inner);
    }
    current.source()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reads_keyed_requests_and_lookups_are_repeated() {
        let key = IdempotencyKey::new("k");
        assert!(Call::get("/v1/sponsors").repeatable());
        let post = || Call::with_json(Method::POST, "/x", &serde_json::json!({})).unwrap();
        assert!(!post().repeatable(), "a keyless POST may have acted: never repeated");
        assert!(post().keyed(&key).repeatable());
        assert!(post().lookup().repeatable());
    }
}
