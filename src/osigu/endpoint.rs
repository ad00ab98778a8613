//! Where the Osigu API lives and how Mostrador signs in to it: the environments a counter can point at, the
//! checks a base URL must pass, and the resolved endpoint the HTTP client is built from. Pure: no I/O, so the
//! configuration can validate with it and the client can trust what it receives.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

/// Osigu's public sandbox.
pub const OSIGU_SANDBOX_URL: &str = "https://sandbox.osigu.com";
/// Osigu's production API.
pub const OSIGU_PRODUCTION_URL: &str = "https://api.osigu.com";

/// Which Osigu the counter talks to.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Environment {
    /// The sandbox embedded in Mostrador, started in-process on a loopback port.
    #[default]
    Sandbox,
    /// Osigu's public sandbox ([`OSIGU_SANDBOX_URL`]).
    OsiguSandbox,
    /// Osigu's production API ([`OSIGU_PRODUCTION_URL`]).
    OsiguProduction,
    /// Any Osigu-compatible server at a configured base URL (a standalone `mostrador sandbox serve`, a proxy).
    Custom,
}

impl Environment {
    /// The name used in the configuration file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::OsiguSandbox => "osigu-sandbox",
            Self::OsiguProduction => "osigu-production",
            Self::Custom => "custom",
        }
    }

    /// The fixed base URL of Osigu's own environments; `None` for the embedded sandbox (its port is chosen at
    /// start-up) and for `custom` (the configuration gives it).
    pub fn fixed_base_url(self) -> Option<&'static str> {
        match self {
            Self::OsiguSandbox => Some(OSIGU_SANDBOX_URL),
            Self::OsiguProduction => Some(OSIGU_PRODUCTION_URL),
            Self::Sandbox | Self::Custom => None,
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text cannot be an API base URL.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlError {
    #[error("not a valid URL ({reason}); expected something like https://api.example.com")]
    Malformed { reason: String },
    #[error("the scheme `{scheme}` is not supported; use https://")]
    Scheme { scheme: String },
    #[error("the URL has no host; expected something like https://api.example.com")]
    NoHost,
    #[error("plain http:// is allowed only for a loopback host (127.0.0.1, ::1, localhost); use https://")]
    PlainHttp,
    #[error("the URL must not contain a user name or password; credentials go in client_id and client_secret")]
    Credentials,
    #[error("the URL must not contain a query (`?...`)")]
    Query,
    #[error("the URL must not contain a fragment (`#...`)")]
    Fragment,
}

/// Checks that `text` can serve as the API's base URL and normalises it.
///
/// `https://` is always accepted; `http://` only for a loopback host, because the traffic carries client
/// secrets, bearer tokens and patient data, which may cross a network only encrypted. Credentials, a query or a
/// fragment have no meaning in a base URL and would leak into every request, so they are refused. A trailing
/// `/` is removed from the path, so `https://host/api/` and `https://host/api` name the same base
/// (see [`api_url`]).
pub fn check_base_url(text: &str) -> Result<Url, BaseUrlError> {
    let mut url = Url::parse(text.trim()).map_err(|error| BaseUrlError::Malformed { reason: error.to_string() })?;
    match url.scheme() {
        "http" if url.host_str().is_some_and(|host| !is_loopback(host)) => return Err(BaseUrlError::PlainHttp),
        "http" | "https" => {}
        other => return Err(BaseUrlError::Scheme { scheme: format!("{other}://") }),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(BaseUrlError::NoHost);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BaseUrlError::Credentials);
    }
    if url.query().is_some() {
        return Err(BaseUrlError::Query);
    }
    if url.fragment().is_some() {
        return Err(BaseUrlError::Fragment);
    }
    let trimmed = url.path().trim_end_matches('/').to_owned();
    url.set_path(&trimmed);
    Ok(url)
}

/// `localhost`, any 127.0.0.0/8 address or `[::1]`, as `Url::host_str` spells them (lower-case domain,
/// normalised IPv4, bracketed IPv6).
fn is_loopback(host: &str) -> bool {
    if host == "localhost" {
        return true;
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().is_ok_and(|address| address.is_loopback());
    }
    host.parse::<Ipv4Addr>().is_ok_and(|address| address.is_loopback())
}

/// The URL of `route` (which starts with `/`, e.g. `/v1/sponsors`) under `base`, keeping any path prefix the
/// base has (`https://host/api` + `/v1/sponsors` = `https://host/api/v1/sponsors`). `Url::join` would instead
/// replace the base's last path segment.
pub fn api_url(base: &Url, route: &str) -> Url {
    let mut url = base.clone();
    let path = format!("{}/{}", base.path().trim_end_matches('/'), route.trim_start_matches('/'));
    url.set_path(&path);
    url
}

/// A secret (client secret) that never shows itself in `Debug` or `Display`, so it cannot reach a log by
/// accident; [`Secret::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Everything the HTTP client needs to reach Osigu, resolved from the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub environment: Environment,
    /// The API's base URL (checked by [`check_base_url`]); `None` means the embedded sandbox, whose address is
    /// known only once it has started.
    pub base_url: Option<Url>,
    pub client_id: String,
    pub client_secret: Secret,
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Limit for a whole request, connection included.
    pub request_timeout: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_have_kebab_case_names() {
        for environment in
            [Environment::Sandbox, Environment::OsiguSandbox, Environment::OsiguProduction, Environment::Custom]
        {
            let text = format!("\"{environment}\"");
            let parsed: Environment = serde_json::from_str(&text).unwrap();
            assert_eq!(parsed, environment);
            assert_eq!(environment.to_string(), environment.as_str());
        }
        assert_eq!(Environment::default(), Environment::Sandbox);
        assert_eq!(Environment::OsiguProduction.as_str(), "osigu-production");
        assert!(serde_json::from_str::<Environment>("\"prod\"").is_err());
    }

    #[test]
    fn the_fixed_urls_pass_the_check() {
        for environment in [Environment::OsiguSandbox, Environment::OsiguProduction] {
            let text = environment.fixed_base_url().unwrap();
            assert_eq!(check_base_url(text).unwrap().as_str(), format!("{text}/"));
        }
        assert_eq!(Environment::Sandbox.fixed_base_url(), None);
        assert_eq!(Environment::Custom.fixed_base_url(), None);
    }

    #[test]
    fn https_is_accepted_anywhere() {
        let url = check_base_url("https://osigu.example.com:8443/api/").unwrap();
        assert_eq!(url.as_str(), "https://osigu.example.com:8443/api");
        assert_eq!(check_base_url("https://10.0.0.5").unwrap().host_str(), Some("10.0.0.5"));
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for text in [
            "http://127.0.0.1:8080",
            "http://127.10.20.30",
            "http://localhost:8080/",
            "http://LOCALHOST",
            "http://[::1]:8080",
        ] {
            assert!(check_base_url(text).is_ok(), "{text}");
        }
        for text in ["http://10.0.0.5:8080", "http://osigu.example.com", "http://[::2]", "http://128.0.0.1"] {
            assert_eq!(check_base_url(text), Err(BaseUrlError::PlainHttp), "{text}");
        }
        let message = BaseUrlError::PlainHttp.to_string();
        assert!(message.contains("loopback") && message.contains("https://"), "{message}");
    }

    #[test]
    fn other_schemes_are_refused() {
        assert_eq!(check_base_url("ftp://example.com"), Err(BaseUrlError::Scheme { scheme: "ftp://".into() }));
        assert!(matches!(check_base_url("file:///tmp/osigu"), Err(BaseUrlError::Scheme { .. })));
        assert!(check_base_url("ftp://example.com").unwrap_err().to_string().contains("ftp://"));
    }

    #[test]
    fn malformed_text_is_refused() {
        for text in ["", "osigu.example.com", "https://", "https://exa mple.com", "http://[::1"] {
            assert!(matches!(check_base_url(text), Err(BaseUrlError::Malformed { .. })), "{text}");
        }
    }

    #[test]
    fn credentials_query_and_fragment_are_refused() {
        assert_eq!(check_base_url("https://user:pass@example.com"), Err(BaseUrlError::Credentials));
        assert_eq!(check_base_url("https://user@example.com"), Err(BaseUrlError::Credentials));
        assert_eq!(check_base_url("https://example.com/?env=1"), Err(BaseUrlError::Query));
        assert_eq!(check_base_url("https://example.com/#top"), Err(BaseUrlError::Fragment));
    }

    #[test]
    fn routes_join_under_the_base_path() {
        let root = check_base_url("https://api.example.com/").unwrap();
        assert_eq!(api_url(&root, "/v1/sponsors").as_str(), "https://api.example.com/v1/sponsors");
        let prefixed = check_base_url("https://example.com/osigu/").unwrap();
        assert_eq!(prefixed.path(), "/osigu");
        assert_eq!(api_url(&prefixed, "/v1/sponsors").as_str(), "https://example.com/osigu/v1/sponsors");
        assert_eq!(api_url(&prefixed, "v1/sponsors").as_str(), "https://example.com/osigu/v1/sponsors");
    }

    #[test]
    fn secrets_do_not_show_themselves() {
        let secret = Secret::new("s3cr3t-value");
        assert_eq!(secret.expose(), "s3cr3t-value");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "***");
        let endpoint = Endpoint {
            environment: Environment::Custom,
            base_url: None,
            client_id: "client".into(),
            client_secret: secret,
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(15),
        };
        assert!(!format!("{endpoint:?}").contains("s3cr3t"));
    }
}
