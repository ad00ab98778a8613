//! Tokens (contract §1): Basic client credentials, one hour, scopes, 10 requests a minute per client.

use mostrador::sandbox::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET};
use reqwest::Method;
use serde_json::json;

use crate::support::{Harness, read};

#[tokio::test]
async fn a_token_lasts_an_hour_and_carries_the_clients_scopes() {
    let sandbox = Harness::start().await;
    let reply = sandbox.token_reply(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET).await.expect(200).json();
    assert_eq!(reply["token_type"], "bearer");
    assert_eq!(reply["expires_in"], 3600);
    assert_eq!(reply["scope"], "arc:read arc:write dispensing:read dispensing:write ehr:read ehr:write");
    let token = reply["access_token"].as_str().unwrap();
    sandbox.advance(3599);
    sandbox.send(Method::GET, "/v1/sponsors", Some(token), None, None).await.expect(200);
    sandbox.advance(1);
    let expired = sandbox.send(Method::GET, "/v1/sponsors", Some(token), None, None).await;
    assert!(expired.expect_error(401, "UNAUTHORIZED").json()["message"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn the_read_only_client_reads_but_cannot_write() {
    let sandbox = Harness::start().await;
    let reply = sandbox.token_reply(READONLY_CLIENT_ID, READONLY_CLIENT_SECRET).await.expect(200).json();
    assert_eq!(reply["scope"], "arc:read dispensing:read ehr:read");
    let token = reply["access_token"].as_str().unwrap();
    sandbox.send(Method::GET, "/dispensing/v1/dispensations", Some(token), None, None).await.expect(200);
    let body = json!({ "beneficiary_id": "bnf_01JD00SANDBX00000000000002", "sponsor_slug": "aseguradora-otp", "channel": "SMS" });
    let refused = sandbox.send(Method::POST, "/v1/otp/send", Some(token), Some(&body), None).await;
    assert_eq!(refused.expect_error(403, "INSUFFICIENT_SCOPE").detail("required_scope"), "arc:write");
}

#[tokio::test]
async fn wrong_credentials_and_grants_get_oauth_errors() {
    let sandbox = Harness::start().await;
    let wrong = sandbox.token_reply(DEMO_CLIENT_ID, "not-the-secret").await.expect(401);
    assert_eq!(wrong.json()["error"], "invalid_client");
    assert!(wrong.header("www-authenticate").is_some());
    sandbox.token_reply("nobody", DEMO_CLIENT_SECRET).await.expect(401);

    let url = sandbox.url("/v1/oauth/token");
    let no_auth =
        read(sandbox.http.post(&url).form(&[("grant_type", "client_credentials")]).send().await.unwrap()).await;
    assert_eq!(no_auth.expect(401).json()["error"], "invalid_client");
    let password = read(
        sandbox
            .http
            .post(&url)
            .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
            .form(&[("grant_type", "password")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(password.expect(400).json()["error"], "unsupported_grant_type");
    let missing =
        read(sandbox.http.post(&url).basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET)).send().await.unwrap()).await;
    assert_eq!(missing.expect(400).json()["error"], "invalid_request");
    // A sibling product sends grant_type in the query string; that works too.
    let in_query = read(
        sandbox
            .http
            .post(format!("{url}?grant_type=client_credentials"))
            .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
            .send()
            .await
            .unwrap(),
    )
    .await;
    in_query.expect(200);
}

#[tokio::test]
async fn more_than_ten_token_requests_a_minute_are_refused_until_the_minute_passes() {
    let sandbox = Harness::start().await; // the harness already asked for one
    for _ in 0..9 {
        sandbox.token_reply(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET).await.expect(200);
    }
    let limited = sandbox.token_reply(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET).await.expect(429);
    assert_eq!(limited.json()["error"], "rate_limited");
    assert_eq!(limited.header("retry-after"), Some("60"));
    // Another client has its own allowance.
    sandbox.token_reply(READONLY_CLIENT_ID, READONLY_CLIENT_SECRET).await.expect(200);
    sandbox.advance(60);
    sandbox.token_reply(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET).await.expect(200);
}

#[tokio::test]
async fn every_api_call_needs_a_known_bearer_token() {
    let sandbox = Harness::start().await;
    for token in [None, Some("sbx_at_unknown")] {
        sandbox
            .send(Method::GET, "/dispensing/v1/dispensations", token, None, None)
            .await
            .expect_error(401, "UNAUTHORIZED");
        sandbox.send(Method::GET, "/sandbox/v1/outbox", token, None, None).await.expect_error(401, "UNAUTHORIZED");
    }
}
