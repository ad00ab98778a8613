//! When a call is repeated and when it is not: connections closed or reset without a reply, `Retry-After`, and
//! servers that refuse connections. Repeats happen only where they cannot do a thing twice (GETs, keyed
//! requests with the same key every time, requests that never reached the server), and never hang.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use axum::routing::get;
use mostrador::osigu::error::{ClientError, IdempotencyKey};
use mostrador::osigu::model::{CompleteRequest, ErrorCode, Id};
use rust_decimal::Decimal;
use tokio::io::AsyncWriteExt;

use crate::support::*;

const COMPLETE_PATH: &str = "/dispensing/v1/dispensations/dsp_01RETRY/complete";
const SEARCH_PATH: &str = "/v1/sponsors/aseguradora-demo/search";

fn complete_request() -> CompleteRequest {
    CompleteRequest {
        amount: Decimal::new(37500, 2),
        document_number: Some("F-0001".into()),
        document_date: Some("2026-03-02".into()),
        document_serial: None,
        provider_transaction_id: None,
        otp_verification_token: Some("ovt_1".into()),
        biometric_verification_token: None,
        external_verifications: Vec::new(),
    }
}

fn search_fields() -> BTreeMap<String, serde_json::Value> {
    BTreeMap::from([("document_number".to_owned(), serde_json::json!("1234567890101"))])
}

/// Reads the request, then closes the connection without a byte of reply.
async fn close_silently(_: RawRequest, mut stream: tokio::net::TcpStream) {
    let _ = stream.shutdown().await;
}

/// Reads the request, then resets the connection (RST instead of FIN).
async fn reset(_: RawRequest, stream: tokio::net::TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

#[tokio::test]
async fn a_get_closed_without_reply_is_broken_after_every_try() {
    bounded(async {
        let log = Log::new();
        let raw = serve_raw(&log, close_silently).await;
        let error = client(&raw.base).sponsors().await.unwrap_err();
        assert!(matches!(error, ClientError::Broken { .. }), "{error:?}");
        assert_eq!(log.count(SPONSORS_PATH), 3);
    })
    .await;
}

#[tokio::test]
async fn a_keyed_post_reset_by_the_server_is_repeated_with_the_same_key() {
    bounded(async {
        let log = Log::new();
        let raw = serve_raw(&log, reset).await;
        let key = IdempotencyKey::new("complete-dsp_01RETRY-7f3a");
        let error = client(&raw.base).complete(&Id::new("dsp_01RETRY"), &complete_request(), &key).await.unwrap_err();
        assert!(matches!(error, ClientError::Broken { .. }), "{error:?}");
        assert!(error.outcome_unknown(), "the counter must re-ask the server, not report failure");
        assert_eq!(log.count(COMPLETE_PATH), 3);
        assert_eq!(log.keys(COMPLETE_PATH), vec![Some(key.as_str().to_owned()); 3]);
        assert_eq!(log.methods(COMPLETE_PATH), ["POST", "POST", "POST"]);
        let bodies = log.bodies(COMPLETE_PATH);
        assert!(bodies[0].starts_with(b"{\"amount\"") && bodies.iter().all(|body| *body == bodies[0]), "{bodies:?}");
    })
    .await;
}

#[tokio::test]
async fn a_keyed_post_closed_without_reply_is_repeated_with_the_same_key() {
    bounded(async {
        let log = Log::new();
        let raw = serve_raw(&log, close_silently).await;
        let key = IdempotencyKey::new("complete-dsp_01RETRY-0001");
        let error = client(&raw.base).complete(&Id::new("dsp_01RETRY"), &complete_request(), &key).await.unwrap_err();
        assert!(matches!(error, ClientError::Broken { .. }), "{error:?}");
        assert_eq!(log.keys(COMPLETE_PATH), vec![Some(key.as_str().to_owned()); 3]);
    })
    .await;
}

#[tokio::test]
async fn a_beneficiary_search_closed_or_reset_is_repeated_as_the_lookup_it_is() {
    // The search is a keyless POST, but it changes nothing on the server: a lost reply is asked for again
    // (every keyless POST that does change something was given a key, so none is left to refuse a repeat).
    bounded(async {
        for reset_it in [false, true] {
            let log = Log::new();
            let raw = if reset_it { serve_raw(&log, reset).await } else { serve_raw(&log, close_silently).await };
            let error = client(&raw.base).search("aseguradora-demo", &search_fields()).await.unwrap_err();
            assert!(matches!(error, ClientError::Broken { .. }), "{error:?}");
            assert_eq!(log.count(SEARCH_PATH), 3, "reset: {reset_it}");
            assert_eq!(log.keys(SEARCH_PATH), [None, None, None]);
        }
    })
    .await;
}

/// `GET /v1/sponsors` answering 429 with `Retry-After: {seconds}` the first `refusals` times, then 200.
async fn rate_limited_sponsors(log: &Arc<Log>, seconds: &'static str, refusals: usize) -> String {
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = move || {
        let call = calls.fetch_add(1, Ordering::SeqCst);
        let response = if call < refusals {
            Response::builder()
                .status(429)
                .header("content-type", "application/json")
                .header("retry-after", seconds)
                .body(Body::from(r#"{"code":"RATE_LIMITED","message":"slow down"}"#))
                .unwrap()
        } else {
            json(200, SPONSORS_JSON)
        };
        std::future::ready(response)
    };
    serve(log, with_token(Router::new().route(SPONSORS_PATH, get(handler)))).await
}

#[tokio::test]
async fn a_short_retry_after_is_waited_out_and_the_call_succeeds() {
    bounded(async {
        let log = Log::new();
        let base = rate_limited_sponsors(&log, "1", 1).await;
        let started = Instant::now();
        let sponsors = client(&base).sponsors().await.unwrap();
        let elapsed = started.elapsed();
        assert_eq!(sponsors[0].sponsor_slug, "aseguradora-demo");
        assert!(elapsed >= Duration::from_millis(900), "Retry-After: 1 honoured, yet only {elapsed:?} passed");
        assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
        assert_eq!(log.count(SPONSORS_PATH), 2);
    })
    .await;
}

#[tokio::test]
async fn a_long_retry_after_is_returned_to_the_caller_at_once() {
    bounded(async {
        let log = Log::new();
        let base = rate_limited_sponsors(&log, "3600", usize::MAX).await;
        let started = Instant::now();
        let error = client(&base).sponsors().await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        let ClientError::Api { status: 429, code, retry_after, .. } = &error else { panic!("{error:?}") };
        assert_eq!(*retry_after, Some(Duration::from_secs(3600)));
        assert_eq!(*code, Some(ErrorCode::RateLimited));
        assert!(error.is_transient());
        assert_eq!(log.count(SPONSORS_PATH), 1);
    })
    .await;
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error_naming_the_host() {
    bounded(async {
        let base = refused_base().await;
        let started = Instant::now();
        let error = client(&base).sponsors().await.unwrap_err();
        let ClientError::Connect { host, .. } = &error else { panic!("{error:?}") };
        assert_eq!(format!("http://{host}"), base);
        assert!(!error.outcome_unknown() && error.is_transient());
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    })
    .await;
}

#[tokio::test]
async fn refused_connections_are_retried_even_for_a_keyless_post() {
    bounded(async {
        let log = Log::new();
        let raw = serve_raw(&log, close_silently).await;
        let base = raw.base.clone();
        // A slow backoff makes the repeats measurable: three tries sleep at least 300 + 600 ms between them, two
        // tries at most 375 ms.
        let client = client_with(&base, |options| options.backoff = Duration::from_millis(300));
        client.token_info().await.unwrap();
        raw.close().await;

        for keyless in [false, true] {
            let started = Instant::now();
            let error = if keyless {
                client.search("aseguradora-demo", &search_fields()).await.unwrap_err()
            } else {
                client.sponsors().await.unwrap_err()
            };
            let elapsed = started.elapsed();
            assert!(matches!(error, ClientError::Connect { .. }), "{error:?}");
            assert!(elapsed >= Duration::from_millis(900), "three tries, keyless {keyless}: {elapsed:?}");
            assert!(elapsed < Duration::from_secs(5), "keyless {keyless}: {elapsed:?}");
        }
        assert_eq!(log.count(TOKEN_PATH), 1);
        assert_eq!(log.count(SPONSORS_PATH) + log.count(SEARCH_PATH), 0, "nothing ever reached the server");
    })
    .await;
}
