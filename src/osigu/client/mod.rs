//! The HTTP client Mostrador uses for Osigu and for its own sandbox alike (contract §1–§4, and the
//! pre-authorization requests of §10).
//!
//! - one bearer token per process, refreshed when 50 minutes old or on the first 401 (the call is then retried
//!   once); concurrent callers share one refresh; at most 10 token requests a minute ([`token`]);
//! - connect and request timeouts; retries only where they are safe: GETs, and POSTs/PUTs carrying an
//!   `Idempotency-Key` (the same key on every retry); `Retry-After` is honoured ([`send`]);
//! - every failure is a typed [`ClientError`]; bodies are read up to a cap and decoded tolerantly;
//! - rustls only, and plain `http://` only for a loopback host (checked when the client is built).

mod api;
mod preauthorization;
mod send;
mod settlements;
mod token;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

pub use api::{ListQuery, TokenInfo};

use super::endpoint::Secret;
use super::error::ClientError;

/// How a client connects and how patient it is.
#[derive(Clone)]
pub struct ClientOptions {
    /// Scheme, host and optional path prefix, without a trailing slash (`https://api.osigu.com`).
    pub base_url: Url,
    pub client_id: String,
    pub client_secret: Secret,
    pub connect_timeout: Duration,
    /// Limit for one whole exchange: connecting, sending and reading the entire reply.
    pub request_timeout: Duration,
    /// Tries per call, the first included, for calls that may be retried.
    pub max_attempts: u32,
    /// First pause between tries; it doubles each time.
    pub backoff: Duration,
    /// The longest `Retry-After` worth waiting inside one call; a longer one is returned to the caller.
    pub max_retry_after: Duration,
    /// Largest successful reply read, in bytes.
    pub body_limit: usize,
}

impl ClientOptions {
    /// The contract's defaults: connect 3 s, request 15 s, three tries, replies up to 4 MiB.
    pub fn new(base_url: Url, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            base_url,
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret),
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(15),
            max_attempts: 3,
            backoff: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(10),
            body_limit: 4 * 1024 * 1024,
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("base_url", &self.base_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

/// A cheap-to-clone handle; clones share the connection pool and the token.
#[derive(Clone)]
pub struct OsiguClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    options: ClientOptions,
    tokens: token::TokenCache,
}

impl OsiguClient {
    /// Builds a client. Fails on a base URL that is not `https://` (or `http://` on a loopback host).
    pub fn new(options: ClientOptions) -> Result<Self, ClientError> {
        let base = super::endpoint::check_base_url(options.base_url.as_str())
            .map_err(|error| ClientError::Invalid { detail: error.to_string() })?;
        let options = ClientOptions { base_url: base, ..options };
        // A loopback http:// server (the sandbox) needs no certificates: none are read.
        let http = crate::http::client_builder_for(&options.base_url)
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            // The API never redirects; following one could carry the token to another host or to plain http.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mostrador/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| ClientError::Invalid { detail: error.to_string() })?;
        Ok(Self { inner: Arc::new(Inner { http, options, tokens: token::TokenCache::default() }) })
    }

    /// The server this client talks to.
    pub fn base_url(&self) -> &Url {
        &self.inner.options.base_url
    }

    /// The host part (with a port when there is one), for messages.
    pub fn host(&self) -> String {
        self.inner.host()
    }
}
