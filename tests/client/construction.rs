//! Where a client may point: plain `http://` only to this machine, `https://` anywhere. Tokens, secrets and
//! patient data must never cross a network unencrypted, and the refusal happens when the client is built,
//! before any request.

use mostrador::osigu::client::{ClientOptions, OsiguClient};
use mostrador::osigu::error::ClientError;

fn build(base: &str) -> Result<OsiguClient, ClientError> {
    OsiguClient::new(ClientOptions::new(reqwest::Url::parse(base).unwrap(), "counter-demo", "sandbox-secret-0001"))
}

#[test]
fn plain_http_to_another_host_is_refused() {
    for base in ["http://example.com", "http://10.0.0.5:8080", "http://api.osigu.com/v1"] {
        let error = build(base).err().unwrap_or_else(|| panic!("{base} was accepted"));
        assert!(matches!(error, ClientError::Invalid { .. }), "{base}: {error:?}");
        assert!(error.to_string().contains("https://"), "the message says what to use instead: {error}");
    }
}

#[test]
fn plain_http_to_loopback_and_https_anywhere_are_accepted() {
    for base in ["http://127.0.0.1:1", "http://localhost:8080", "http://[::1]:9", "https://example.com"] {
        let client = build(base).unwrap_or_else(|error| panic!("{base}: {error}"));
        assert_eq!(client.base_url().scheme(), &base[..base.find(':').unwrap()]);
    }
    assert_eq!(build("https://example.com/api/").unwrap().base_url().as_str(), "https://example.com/api");
}

#[test]
fn the_secret_never_shows_in_debug_output() {
    let options =
        ClientOptions::new(reqwest::Url::parse("https://example.com").unwrap(), "counter-demo", "s3cr3t-0001");
    assert!(!format!("{options:?}").contains("s3cr3t-0001"));
}
