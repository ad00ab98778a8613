//! The bearer token as a counter depends on it: fetched once for any number of concurrent calls, refreshed
//! once (and only once) when the API refuses it or when it is old, never re-requested after the credentials
//! are refused, and never requested more than 10 times a minute.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use futures_util::future::join_all;
use mostrador::osigu::error::ClientError;
use mostrador::osigu::model::ErrorCode;
use tokio::sync::Barrier;

use crate::support::*;

/// `GET /v1/sponsors` answering 401 to the tokens in `refused` and 200 to any other.
fn sponsors_refusing(refused: &'static [&'static str]) -> Router {
    let handler = |State(refused): State<&'static [&'static str]>, headers: HeaderMap| async move {
        let bearer = headers.get("authorization").and_then(|value| value.to_str().ok()).unwrap_or_default();
        if refused.iter().any(|token| bearer == format!("Bearer {token}")) {
            json(401, r#"{"code":"UNAUTHORIZED","message":"token expired"}"#)
        } else {
            json(200, SPONSORS_JSON)
        }
    };
    with_token(Router::new().route(SPONSORS_PATH, get(handler)).with_state(refused))
}

fn bearer(token: &str) -> Option<String> {
    Some(format!("Bearer {token}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_calls_on_a_fresh_client_share_one_token() {
    bounded(async {
        let log = Log::new();
        let base = serve(&log, sponsors_refusing(&[])).await;
        let client = client_with(&base, |options| options.request_timeout = Duration::from_secs(5));
        let results = join_all((0..100).map(|_| client.sponsors())).await;
        assert!(results.iter().all(Result::is_ok), "{:?}", results.iter().find(|result| result.is_err()));
        assert_eq!(log.count(TOKEN_PATH), 1);
        assert_eq!(log.count(SPONSORS_PATH), 100);
        assert!(log.authorizations(SPONSORS_PATH).iter().all(|seen| *seen == bearer("tok-1")));
    })
    .await;
}

#[tokio::test]
async fn a_refused_token_is_refreshed_once_and_the_call_repeated() {
    bounded(async {
        let log = Log::new();
        let base = serve(&log, sponsors_refusing(&["tok-1"])).await;
        let sponsors = client(&base).sponsors().await.unwrap();
        assert_eq!(sponsors.len(), 1);
        assert_eq!(log.count(TOKEN_PATH), 2);
        assert_eq!(log.authorizations(SPONSORS_PATH), [bearer("tok-1"), bearer("tok-2")]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_refused_together_share_one_refresh() {
    bounded(async {
        let log = Log::new();
        // `tok-1` is refused only once all twenty calls hold it, so every one of them sees the 401.
        let all_sent = Arc::new(Barrier::new(20));
        let handler = move |headers: HeaderMap| {
            let all_sent = all_sent.clone();
            async move {
                if headers.get("authorization").is_some_and(|value| value == "Bearer tok-1") {
                    all_sent.wait().await;
                    return json(401, r#"{"code":"UNAUTHORIZED"}"#);
                }
                json(200, SPONSORS_JSON)
            }
        };
        let base = serve(&log, with_token(Router::new().route(SPONSORS_PATH, get(handler)))).await;
        let client = client_with(&base, |options| options.request_timeout = Duration::from_secs(5));
        let results = join_all((0..20).map(|_| client.sponsors())).await;
        assert!(results.iter().all(Result::is_ok), "{:?}", results.iter().find(|result| result.is_err()));
        assert_eq!(log.count(TOKEN_PATH), 2, "one refresh for all twenty refusals");
        let seen = log.authorizations(SPONSORS_PATH);
        assert_eq!(seen.iter().filter(|seen| **seen == bearer("tok-1")).count(), 20);
        assert_eq!(seen.iter().filter(|seen| **seen == bearer("tok-2")).count(), 20);
    })
    .await;
}

#[tokio::test]
async fn an_api_that_always_refuses_gets_one_refresh_then_the_401() {
    bounded(async {
        let log = Log::new();
        let base = serve(&log, sponsors_refusing(&["tok-1", "tok-2", "tok-3"])).await;
        let error = client(&base).sponsors().await.unwrap_err();
        assert!(matches!(error, ClientError::Api { status: 401, .. }), "{error:?}");
        assert_eq!(error.code(), Some(&ErrorCode::Unauthorized));
        assert_eq!(log.count(TOKEN_PATH), 2, "one refresh, no loop");
        assert_eq!(log.count(SPONSORS_PATH), 2);
    })
    .await;
}

#[tokio::test]
async fn an_aged_token_is_replaced_on_the_next_call() {
    bounded(async {
        let log = Log::new();
        let base = serve(&log, sponsors_refusing(&[])).await;
        let client = client(&base);
        client.sponsors().await.unwrap();
        client.sponsors().await.unwrap();
        assert_eq!(log.count(TOKEN_PATH), 1, "a fresh token is reused");
        client.age_token().await;
        client.sponsors().await.unwrap();
        assert_eq!(log.count(TOKEN_PATH), 2);
        assert_eq!(log.authorizations(SPONSORS_PATH), [bearer("tok-1"), bearer("tok-1"), bearer("tok-2")]);
    })
    .await;
}

#[tokio::test]
async fn refused_credentials_are_reported_and_the_api_is_never_called() {
    bounded(async {
        let log = Log::new();
        let token = |headers: HeaderMap| async move {
            // The client signs in with HTTP Basic; the secret is wrong on purpose here.
            assert!(headers.get("authorization").is_some_and(|value| value.as_bytes().starts_with(b"Basic ")));
            json(401, r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#)
        };
        let router = Router::new().route(TOKEN_PATH, post(token)).route(SPONSORS_PATH, get(fixed(200, SPONSORS_JSON)));
        let base = serve(&log, router).await;
        let error = client(&base).sponsors().await.unwrap_err();
        assert_eq!(error, ClientError::Credentials { status: 401, error: "invalid_client".into() });
        assert_eq!(log.count(TOKEN_PATH), 1, "wrong credentials stay wrong: not asked again");
        assert_eq!(log.count(SPONSORS_PATH), 0);
    })
    .await;
}

#[tokio::test]
async fn the_eleventh_token_in_a_minute_is_held_back_by_the_client() {
    bounded(async {
        let log = Log::new();
        let base = serve(&log, sponsors_refusing(&[])).await;
        let client = client(&base);
        for _ in 0..10 {
            client.sponsors().await.unwrap();
            client.age_token().await;
        }
        assert_eq!(log.count(TOKEN_PATH), 10);
        let error = client.sponsors().await.unwrap_err();
        let ClientError::TokenRateLimited { retry_after } = error else { panic!("{error:?}") };
        assert!(retry_after > Duration::from_secs(50) && retry_after <= Duration::from_secs(60), "{retry_after:?}");
        assert_eq!(log.count(TOKEN_PATH), 10, "the endpoint is not contacted an eleventh time");
        assert_eq!(log.count(SPONSORS_PATH), 10);
    })
    .await;
}

#[tokio::test]
async fn the_token_endpoint_rate_limit_is_reported_as_such() {
    bounded(async {
        let log = Log::new();
        let token = || async {
            let mut response: Response = json(429, r#"{"error":"rate_limited"}"#);
            response.headers_mut().insert("retry-after", "42".parse().unwrap());
            response
        };
        let base = serve(&log, Router::new().route(TOKEN_PATH, post(token))).await;
        let error = client(&base).sponsors().await.unwrap_err();
        assert_eq!(error, ClientError::TokenRateLimited { retry_after: Duration::from_secs(42) });
        assert_eq!(log.count(TOKEN_PATH), 1);
    })
    .await;
}

#[tokio::test]
async fn clones_of_a_client_share_its_token() {
    bounded(async {
        let log = Log::new();
        let base = serve(&log, sponsors_refusing(&[])).await;
        let client = client(&base);
        let other = client.clone();
        client.sponsors().await.unwrap();
        other.sponsors().await.unwrap();
        assert_eq!(log.count(TOKEN_PATH), 1);
    })
    .await;
}
