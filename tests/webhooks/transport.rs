//! How the receiver listens: TLS with a certificate (a test CA's, in `tests/fixtures/tls/`), plain HTTP only on
//! loopback or behind a proxy, and the body limit.

use std::path::PathBuf;
use std::time::Duration;

use mostrador::osigu::webhook::signature_header;
use mostrador::receiver::{MAX_BODY_BYTES, Receiver, ReceiverError, TlsFiles};
use mostrador::sandbox::Clock;
use serde_json::json;

use crate::harness::{data_dir, receiver, settings};
use crate::support::T0;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls").join(name)
}

fn tls_files() -> TlsFiles {
    TlsFiles { cert: fixture("receiver.crt"), key: fixture("receiver.key") }
}

/// An event's body, signed for T0 with `secret`.
fn signed(event_id: &str, secret: &str) -> (String, String) {
    let body = json!({
        "event_id": event_id, "event_type": "dispensing.started", "created_at": "2026-11-21T10:00:00Z",
        "api_version": "2026-01-01", "environment": "sandbox", "data": {"dispensation_id": "dsp_1"},
        "provider": {"provider_slug": "farmacia-demo"},
    })
    .to_string();
    let header = signature_header(&[secret], T0.unix_timestamp(), body.as_bytes());
    (body, header)
}

#[tokio::test]
async fn with_a_certificate_it_speaks_tls_and_only_tls() {
    let mut config = settings(&["whsec_a"], &Clock::frozen_at(T0), &data_dir(), "127.0.0.1:0".parse().unwrap());
    config.tls = Some(tls_files());
    let receiver = Receiver::start(config).await.expect("starts with TLS");
    assert!(receiver.url().starts_with("https://127.0.0.1:"), "{}", receiver.url());

    let ca = reqwest::Certificate::from_pem(&std::fs::read(fixture("ca.crt")).unwrap()).unwrap();
    let client = mostrador::http::client_builder().tls_certs_only([ca]).build().unwrap();
    let (body, header) = signed("evt_tls", "whsec_a");
    let reply = client.post(receiver.url()).header("X-Osigu-Signature", &header).body(body.clone()).send().await;
    assert_eq!(reply.unwrap().status(), 200);
    assert_eq!(receiver.journal().webhook_events().unwrap()[0].event_id, "evt_tls");

    // Plain HTTP to the TLS port gets no HTTP answer, and records nothing.
    let plain = mostrador::http::client_builder().timeout(Duration::from_secs(5)).build().unwrap();
    let url = receiver.url().replacen("https://", "http://", 1);
    assert!(plain.post(url).header("X-Osigu-Signature", header).body(body).send().await.is_err());
    assert_eq!(receiver.journal().webhook_events().unwrap().len(), 1);
}

#[tokio::test]
async fn plain_http_off_loopback_is_refused_unless_a_proxy_terminates_tls() {
    let anywhere = "0.0.0.0:0".parse().unwrap();
    let refused = Receiver::start(settings(&["whsec_a"], &Clock::frozen_at(T0), &data_dir(), anywhere)).await;
    let error = refused.err().expect("refused");
    assert!(matches!(error, ReceiverError::PlainHttp { .. }) && error.is_configuration());
    let message = error.to_string();
    assert!(message.contains("refusing plain HTTP on 0.0.0.0:0") && message.contains("tls_cert"), "{message}");
    assert!(message.contains("behind_proxy"), "{message}");

    let mut proxied = settings(&["whsec_a"], &Clock::frozen_at(T0), &data_dir(), anywhere);
    proxied.behind_proxy = true;
    let started = Receiver::start(proxied).await.expect("behind a proxy, plain HTTP may listen anywhere");
    assert!(started.url().starts_with("http://0.0.0.0:"));

    let mut with_tls = settings(&["whsec_a"], &Clock::frozen_at(T0), &data_dir(), anywhere);
    with_tls.tls = Some(tls_files());
    assert!(Receiver::start(with_tls).await.unwrap().is_tls());
}

#[tokio::test]
async fn unusable_tls_files_and_secrets_stop_it_before_it_listens() {
    let clock = Clock::frozen_at(T0);
    let loopback = "127.0.0.1:0".parse().unwrap();
    let mut missing = settings(&["whsec_a"], &clock, &data_dir(), loopback);
    missing.tls = Some(TlsFiles { cert: fixture("absent.crt"), key: fixture("receiver.key") });
    let error = Receiver::start(missing).await.err().unwrap().to_string();
    assert!(error.contains("absent.crt") && error.contains("cannot be read"), "{error}");

    let mut swapped = settings(&["whsec_a"], &clock, &data_dir(), loopback);
    swapped.tls = Some(TlsFiles { cert: fixture("receiver.key"), key: fixture("receiver.crt") });
    let error = Receiver::start(swapped).await.err().unwrap().to_string();
    assert!(error.contains("holds no certificate"), "{error}");

    let none = Receiver::start(settings(&[], &clock, &data_dir(), loopback)).await.err().unwrap();
    assert!(none.to_string().contains("MOSTRADOR_WEBHOOK_SECRETS"), "{none}");
    let three = Receiver::start(settings(&["a", "b", "c"], &clock, &data_dir(), loopback)).await.err().unwrap();
    assert!(matches!(three, ReceiverError::TooManySecrets { count: 3 }), "{three}");
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_refused_413_unread() {
    let receiver = receiver(&["whsec_a"], &Clock::frozen_at(T0), &data_dir()).await;
    let client = mostrador::http::client_builder().build().unwrap();
    let post = |body: Vec<u8>| {
        let header = signature_header(&["whsec_a"], T0.unix_timestamp(), &body);
        client.post(receiver.url()).header("X-Osigu-Signature", header).body(body).send()
    };
    // Signed, so only its size is wrong.
    assert_eq!(post(vec![b' '; MAX_BODY_BYTES + 1]).await.unwrap().status(), 413);
    // At the limit it is read, and refused for what it is (not an event).
    assert_eq!(post(vec![b' '; MAX_BODY_BYTES]).await.unwrap().status(), 400);
    let (body, _) = signed("evt_ok", "whsec_a");
    assert_eq!(post(body.into_bytes()).await.unwrap().status(), 200);
    let stats = receiver.stats();
    assert_eq!((stats.too_large, stats.malformed, stats.accepted), (1, 1, 1));
    // Anything but POST /osigu is not the receiver's.
    assert_eq!(client.get(receiver.url()).send().await.unwrap().status(), 405);
    let elsewhere = receiver.url().replace("/osigu", "/other");
    assert_eq!(client.post(elsewhere).send().await.unwrap().status(), 404);
}
