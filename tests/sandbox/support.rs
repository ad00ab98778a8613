//! The harness: one sandbox per test, a client, and helpers that keep tests about behaviour.

use std::time::Duration;

use mostrador::sandbox::{Clock, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, Sandbox, SandboxConfig};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

/// The instant every test's clock starts at.
pub const T0: OffsetDateTime = datetime!(2026-11-21 10:00:00 UTC);

/// A reply, kept whole so failures can print it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text))
    }

    /// The envelope's `code`.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }

    pub fn detail(&self, name: &str) -> Value {
        self.json()["details"][name].clone()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Asserts the status and hands the reply on.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "unexpected reply: {}", self.text);
        self
    }

    /// Asserts an envelope with this status and code, both `code` and `error_code` filled.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> Self {
        assert_eq!((self.status, self.code().as_str()), (status, code), "unexpected reply: {}", self.text);
        let body = self.json();
        assert!(body["error_code"].is_string(), "envelope without error_code: {}", self.text);
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "envelope without message: {}", self.text);
        assert!(body["errors"].is_array(), "envelope without errors: {}", self.text);
        self
    }
}

pub struct Harness {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    token: std::sync::Mutex<String>,
}

/// The default test configuration: frozen clock at [`T0`], fixed id seed, no faults.
pub fn config() -> SandboxConfig {
    SandboxConfig { clock: Clock::frozen_at(T0), id_seed: Some(7), ..SandboxConfig::default() }
}

pub fn client() -> reqwest::Client {
    mostrador::http::client_builder().timeout(Duration::from_secs(20)).build().expect("client")
}

impl Harness {
    pub async fn start() -> Self {
        Self::with(config()).await
    }

    pub async fn with(config: SandboxConfig) -> Self {
        let sandbox = Sandbox::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("sandbox starts");
        let http = client();
        let harness = Self { sandbox, http, token: std::sync::Mutex::new(String::new()) };
        harness.renew_token().await;
        harness
    }

    /// The demo client's current token.
    pub fn token(&self) -> String {
        self.token.lock().unwrap().clone()
    }

    /// Gets a fresh token, as a client does when the clock has moved past the old one's hour.
    pub async fn renew_token(&self) {
        let token = self.token_for(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET).await;
        *self.token.lock().unwrap() = token;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    pub async fn token_reply(&self, client_id: &str, secret: &str) -> Reply {
        let response = self
            .http
            .post(self.url("/v1/oauth/token"))
            .basic_auth(client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token request");
        read(response).await
    }

    pub async fn token_for(&self, client_id: &str, secret: &str) -> String {
        let reply = self.token_reply(client_id, secret).await.expect(200);
        reply.json()["access_token"].as_str().expect("access_token").to_owned()
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Reply {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        read(request.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, Some(&self.token()), None, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(&self.token()), Some(&body), None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(&self.token()), Some(&body), None).await
    }

    pub async fn post_keyed(&self, path: &str, key: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(&self.token()), Some(&body), Some(key)).await
    }

    pub fn advance(&self, seconds: u64) {
        self.sandbox.clock().advance(Duration::from_secs(seconds));
    }

    /// Moves the clock forward to `seconds` after [`T0`] and gets a fresh token (the old one may have expired
    /// on the way).
    pub async fn advance_to(&self, seconds: u64) {
        let now = (self.sandbox.clock().now() - T0).whole_seconds();
        let by = u64::try_from(i64::try_from(seconds).unwrap() - now).expect("the clock only moves forward");
        self.advance(by);
        self.renew_token().await;
    }

    /// The sandbox's record of an event's webhook deliveries (a sandbox extra).
    pub async fn deliveries_of(&self, event_id: &Value) -> Vec<Value> {
        let path = format!("/sandbox/v1/webhook-deliveries?event_id={}", event_id.as_str().expect("an event id"));
        self.get(&path).await.expect(200).json().as_array().expect("a list").clone()
    }

    /// Subscribes `url` to `event_types` through the API (asserting 201) and returns the subscription.
    pub async fn subscribe(&self, url: &str, event_types: &[&str]) -> Value {
        self.post("/webhooks/v1/subscriptions", json!({ "url": url, "event_types": event_types }))
            .await
            .expect(201)
            .json()
    }

    /// Starts a dispensation and returns it (asserting 201).
    pub async fn start_code(&self, code: &str) -> Value {
        self.post("/dispensing/v1/dispensations", json!({ "code": code })).await.expect(201).json()
    }

    pub async fn dispensation(&self, id: &str) -> Value {
        self.get(&format!("/dispensing/v1/dispensations/{id}")).await.expect(200).json()
    }

    /// The code of the newest OTP in the outbox for a dispensation.
    pub async fn outbox_code(&self, dispensation_id: &str) -> String {
        let messages =
            self.get(&format!("/sandbox/v1/outbox?dispensation_id={dispensation_id}")).await.expect(200).json();
        messages[0]["code"].as_str().expect("an OTP in the outbox").to_owned()
    }

    /// Sends an OTP for the dispensation's beneficiary on `channel`, returns the reply.
    pub async fn send_otp(&self, dispensation: &Value, channel: &str) -> Reply {
        self.post(
            "/v1/otp/send",
            json!({
                "beneficiary_id": dispensation["beneficiary"]["beneficiary_id"],
                "sponsor_slug": dispensation["sponsor_slug"],
                "channel": channel,
                "dispensation_id": dispensation["dispensation_id"],
            }),
        )
        .await
    }

    /// Sends an OTP by SMS and reads, from the outbox, the code the beneficiary would read aloud.
    pub async fn sent_otp(&self, dispensation: &Value) -> (Value, String) {
        let sent = self.send_otp(dispensation, "SMS").await.expect(201).json();
        let code = self.outbox_code(id(dispensation)).await;
        (sent, code)
    }

    /// Requests a facial check on the beneficiary's phone (asserting 201) and returns the challenge.
    pub async fn request_challenge(&self, dispensation: &Value) -> Value {
        let path = format!("/dispensing/v1/dispensations/{}/biometric/challenge", id(dispensation));
        self.post(&path, json!({ "biometric_type": "FACIAL" })).await.expect(201).json()
    }

    /// Answers a challenge from the "phone": `approve` or `reject`.
    pub async fn answer_challenge(&self, challenge: &Value, answer: &str) -> Reply {
        let challenge_id = challenge["challenge_id"].as_str().expect("challenge_id");
        self.post(&format!("/sandbox/v1/challenges/{challenge_id}/{answer}"), json!({})).await
    }

    /// The whole OTP dance: send by SMS, read the outbox, validate; returns the verification token.
    pub async fn otp_token(&self, dispensation: &Value) -> String {
        let sent = self.send_otp(dispensation, "SMS").await.expect(201).json();
        let code = self.outbox_code(id(dispensation)).await;
        let validated =
            self.post("/v1/otp/validate", json!({ "otp_id": sent["otp_id"], "code": code })).await.expect(200);
        validated.json()["otp_verification_token"].as_str().expect("token").to_owned()
    }

    /// Completes with the dispensation's own total and a valid invoice; `extra` adds or overrides fields.
    pub async fn complete(&self, dispensation: &Value, extra: Value) -> Reply {
        let mut body = json!({
            "amount": dispensation["total_amount"],
            "document_number": "F001-000123",
            "document_serial": "A",
            "document_date": "2026-11-21",
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            for (key, value) in extra {
                body.insert(key.clone(), value.clone());
            }
        }
        self.post(&format!("/dispensing/v1/dispensations/{}/complete", id(dispensation)), body).await
    }
}

pub async fn read(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    Reply { status, headers, text }
}

/// A dispensation's id.
pub fn id(dispensation: &Value) -> &str {
    dispensation["dispensation_id"].as_str().expect("dispensation_id")
}

/// The lines' (claimed, available) pairs.
pub fn quantities(dispensation: &Value) -> Vec<(u64, u64)> {
    dispensation["products"]
        .as_array()
        .expect("products")
        .iter()
        .map(|line| (line["claimed_quantity"].as_u64().unwrap(), line["available_quantity"].as_u64().unwrap()))
        .collect()
}

/// A money value as f64 for comparisons to the cent.
pub fn money(value: &Value) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("not a JSON number: {value}"))
}
