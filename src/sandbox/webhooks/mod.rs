//! Webhooks out (contract §5, facts §8): each event POSTed to every subscription whose patterns match it,
//! signed with the subscription's secrets, at least once, on the retry schedule of [`schedule`] measured on the
//! sandbox's clock (so a test advances the clock through 72 hours instead of waiting them), never following
//! a redirect. Subscriptions are made with `POST /webhooks/v1/subscriptions` or, for `--webhook-url`, at start.

mod schedule;
mod sender;

use std::net::IpAddr;

use reqwest::Url;

pub use self::sender::{AttemptRecord, DeliveryStatus, DeliveryView};
pub(crate) use self::sender::{Deliveries, spawn};

/// The secret the sandbox signs with when none is configured, as public as its demo client secret: receivers
/// in demos and tests verify with it.
pub const DEMO_WEBHOOK_SECRET: &str = "whsec_sandbox_demo_0001";

/// The longest URL a subscription may have.
const MAX_URL_CHARS: usize = 2048;

/// The receiver `--webhook-url` (or `[sandbox] webhook_url`) names: subscribed to every event at start,
/// signed with `secrets`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookTarget {
    pub url: String,
    /// Signing secrets; more than one during a rotation.
    pub secrets: Vec<String>,
}

impl WebhookTarget {
    pub fn new(url: impl Into<String>, secrets: Vec<String>) -> Self {
        Self { url: url.into(), secrets }
    }
}

/// Why a receiver's URL was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookUrlError {
    #[error("not an absolute URL")]
    NotAUrl,
    #[error("longer than {MAX_URL_CHARS} characters")]
    TooLong,
    #[error("the scheme must be https (http only to a loopback host), not {0}")]
    Scheme(String),
    #[error("plain http is allowed only to a loopback host (127.0.0.1, [::1], localhost); use https")]
    PlainHttp,
}

/// Whether `url` names this machine: a loopback address or `localhost`.
fn is_loopback(url: &Url) -> bool {
    // The parser has normalised the host already (`2130706433` is `127.0.0.1`); IPv6 keeps its brackets.
    let Some(host) = url.host_str() else { return false };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// A receiver's URL as Osigu accepts it: HTTPS, or plain HTTP to a loopback host (a developer's receiver on
/// this machine). Anything else is refused, never downgraded.
pub fn check_url(text: &str) -> Result<Url, WebhookUrlError> {
    if text.chars().count() > MAX_URL_CHARS {
        return Err(WebhookUrlError::TooLong);
    }
    let url = Url::parse(text.trim()).map_err(|_| WebhookUrlError::NotAUrl)?;
    if url.host().is_none() {
        return Err(WebhookUrlError::NotAUrl);
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(WebhookUrlError::PlainHttp),
        other => Err(WebhookUrlError::Scheme(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receivers_need_https_unless_they_are_on_this_machine() {
        for good in [
            "https://farmacia.example.do/osigu",
            "http://127.0.0.1:9000/osigu",
            "http://127.8.0.1/x",
            "http://[::1]:9000/osigu",
            "http://LocalHost:9000/osigu",
        ] {
            assert!(check_url(good).is_ok(), "{good}");
        }
        assert_eq!(check_url("http://example.com/osigu"), Err(WebhookUrlError::PlainHttp));
        assert_eq!(check_url("http://192.168.1.20:9000/osigu"), Err(WebhookUrlError::PlainHttp));
        assert_eq!(check_url("http://localhost.example.com/"), Err(WebhookUrlError::PlainHttp));
        assert_eq!(check_url("ftp://127.0.0.1/x"), Err(WebhookUrlError::Scheme("ftp".into())));
        assert_eq!(check_url("/osigu"), Err(WebhookUrlError::NotAUrl));
        assert_eq!(check_url("mailto:a@b.c"), Err(WebhookUrlError::NotAUrl));
        assert_eq!(check_url(&format!("https://a.do/{}", "x".repeat(3000))), Err(WebhookUrlError::TooLong));
    }
}
