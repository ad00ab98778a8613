//! What can go wrong when talking to Osigu, as plain data: the counter core maps each case to a message and a
//! next step for the clerk, and the journal needs to know whether a request may have taken effect.
//!
//! Nothing here holds a reqwest type, so the core can match on it without depending on the HTTP stack.

use std::time::Duration;

use super::model::{ErrorCode, ErrorEnvelope};

/// Why a call to Osigu failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// No connection could be made (refused, unreachable, DNS): the request never left this machine.
    #[error("cannot connect to {host}: {detail}")]
    Connect { host: String, detail: String },
    /// The TLS handshake failed: a certificate problem, a proxy in the middle, or this machine's clock.
    #[error("secure connection to {host} failed: {detail}")]
    Tls { host: String, detail: String },
    /// The connection broke after the request was sent; the server may or may not have acted on it.
    #[error("the connection broke before the reply arrived: {detail}")]
    Broken { detail: String },
    /// No complete reply within the time limit; the server may or may not have acted on it.
    #[error("no reply within {} s", .after.as_secs())]
    Timeout { after: Duration },
    /// The server refused the request with an HTTP status; `code` comes from the error envelope when the body
    /// was one (a proxy's HTML page gives none).
    #[error("HTTP {status}{}", code.as_ref().map(|code| format!(" {code}")).unwrap_or_default())]
    Api {
        status: u16,
        code: Option<ErrorCode>,
        envelope: Option<Box<ErrorEnvelope>>,
        /// From `Retry-After`, when the server sent one.
        retry_after: Option<Duration>,
    },
    /// The token endpoint refused the credentials (`invalid_client`) or the request.
    #[error("the token endpoint refused the credentials (HTTP {status}: {error})")]
    Credentials { status: u16, error: String },
    /// Too many token requests; the client holds back instead of being locked out.
    #[error("too many token requests; retry in {} s", .retry_after.as_secs())]
    TokenRateLimited { retry_after: Duration },
    /// A successful status with a body that is not what the contract says (truncated JSON, HTML...).
    /// `detail` names where decoding stopped, never the body's content, which may hold personal data.
    #[error("HTTP {status} with a reply that cannot be read: {detail}")]
    Undecodable { status: u16, detail: String },
    /// The reply was larger than Mostrador reads.
    #[error("the reply is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// The request could not even be built (a bad base URL, an unserializable body).
    #[error("invalid request: {detail}")]
    Invalid { detail: String },
}

impl ClientError {
    /// The envelope's machine code, if the server sent one.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Api { code, .. } => code.as_ref(),
            _ => None,
        }
    }

    /// The envelope, if the server sent one.
    pub fn envelope(&self) -> Option<&ErrorEnvelope> {
        match self {
            Self::Api { envelope, .. } => envelope.as_deref(),
            _ => None,
        }
    }

    /// HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::Credentials { status, .. } | Self::Undecodable { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// True when the request may have taken effect on the server although no usable reply arrived: the
    /// caller must ask the server before concluding anything (finalize never reports "failed" on these).
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Broken { .. } | Self::Timeout { .. } | Self::Undecodable { .. } | Self::TooLarge { .. } => true,
            Self::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// A number from the refusal's `details` (`attempts_remaining`, `resend_available_in`, …).
    pub fn detail_u64(&self, name: &str) -> Option<u64> {
        self.envelope()?.detail(name)?.as_u64()
    }

    /// A text from the refusal's `details` (`sponsor_slug`, `required_scope`, …).
    pub fn detail_str(&self, name: &str) -> Option<&str> {
        self.envelope()?.detail(name)?.as_str()
    }

    /// The completed dispensation an `ALREADY_COMPLETED` refusal carries in its details (an earlier try of the
    /// same completion went through).
    pub fn completed_dispensation(&self) -> Option<crate::osigu::model::Dispensation> {
        if self.code() != Some(&ErrorCode::AlreadyCompleted) {
            return None;
        }
        let value = self.envelope()?.detail("dispensation")?;
        serde_json::from_value(value.clone()).ok()
    }

    /// True when a cancel found the dispensation already over on the server (cancelled, timed out, unknown to
    /// it): there is nothing left to cancel.
    pub fn already_ended(&self) -> bool {
        matches!(self.status(), Some(404 | 409 | 410))
    }

    /// True when the server could not be reached or did not answer usefully, so trying again later may work.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Connect { .. } | Self::Broken { .. } | Self::Timeout { .. } | Self::TokenRateLimited { .. } => true,
            Self::Api { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            _ => false,
        }
    }
}

/// The `Idempotency-Key` of one state-changing request: every retry of that request carries the same key, so
/// the server applies it at most once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The contract accepts any string up to 255 characters; longer text is cut.
    pub fn new(text: impl Into<String>) -> Self {
        let mut text: String = text.into();
        if text.len() > 255 {
            let mut end = 255;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
