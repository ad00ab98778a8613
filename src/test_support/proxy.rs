//! A hostile network in front of the embedded sandbox: a real HTTP proxy on 127.0.0.1:0 that forwards every
//! request unchanged (headers, Idempotency-Key and all) and lets a test rewrite the JSON replies on their way back
//! (huge durations, prices past what money holds, values the contract does not name, a `complete` answered 200 but
//! still STARTED, a reply naming another dispensation). The sandbox still does the real work; only what the counter
//! reads is altered, as a broken or malicious server, or a man in the middle, would.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// Rewrites one reply: `(method, path, status, body)` in, the reply to send instead out (`None`: not this one).
pub type Rewrite = dyn Fn(&Method, &str, StatusCode, &Value) -> Option<(StatusCode, Value)> + Send + Sync;

#[derive(Default)]
struct Rules {
    /// Tried in order; the first that answers rewrites the reply.
    rules: Vec<Arc<Rewrite>>,
    /// The paths of the replies rewritten so far.
    rewritten: Vec<String>,
}

/// The proxy; it stops with the test's runtime.
pub struct Proxy {
    pub base_url: String,
    rules: Arc<Mutex<Rules>>,
}

#[derive(Clone)]
struct Shared {
    upstream: String,
    client: reqwest::Client,
    rules: Arc<Mutex<Rules>>,
}

impl Proxy {
    /// A proxy on 127.0.0.1:0 forwarding to `upstream` (a base URL such as the sandbox's).
    pub async fn start(upstream: &str) -> Self {
        let rules = Arc::new(Mutex::new(Rules::default()));
        let client = crate::http::client_builder().build().expect("proxy client");
        let shared = Shared { upstream: upstream.trim_end_matches('/').to_owned(), client, rules: rules.clone() };
        let app = axum::Router::new().fallback(forward).with_state(shared);
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base_url, rules }
    }

    /// From now on, replies go through `rewrite` (after the rules armed before it).
    pub fn rewrite(
        &self,
        rewrite: impl Fn(&Method, &str, StatusCode, &Value) -> Option<(StatusCode, Value)> + Send + Sync + 'static,
    ) {
        self.rules.lock().expect("rules").rules.push(Arc::new(rewrite));
    }

    /// From now on, successful JSON replies to `method` on a path ending in `path_suffix` go through `edit`.
    pub fn edit(&self, method: Method, path_suffix: &str, edit: impl Fn(&mut Value) + Send + Sync + 'static) {
        let suffix = path_suffix.to_owned();
        self.rewrite(move |asked: &Method, path: &str, status: StatusCode, body: &Value| {
            if *asked != method || !path.ends_with(&suffix) || !status.is_success() {
                return None;
            }
            let mut body = body.clone();
            edit(&mut body);
            Some((status, body))
        });
    }

    /// Every reply passes unchanged again.
    pub fn clear(&self) {
        self.rules.lock().expect("rules").rules.clear();
    }

    /// The paths of the replies rewritten so far, oldest first.
    pub fn rewritten(&self) -> Vec<String> {
        self.rules.lock().expect("rules").rewritten.clone()
    }
}

async fn forward(State(shared): State<Shared>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    let target = format!("{}{}", shared.upstream, uri.path_and_query().map_or("", |p| p.as_str()));
    let mut request = shared.client.request(method.clone(), target).body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let Ok(reply) = request.send().await else { return StatusCode::BAD_GATEWAY.into_response() };
    let status = reply.status();
    let reply_headers = reply.headers().clone();
    let bytes = reply.bytes().await.unwrap_or_default();
    if let Ok(json) = serde_json::from_slice::<Value>(&bytes) {
        let rules = shared.rules.lock().expect("rules").rules.clone();
        if let Some((status, json)) = rules.iter().find_map(|rule| rule(&method, &path, status, &json)) {
            shared.rules.lock().expect("rules").rewritten.push(path);
            return (status, [("content-type", "application/json")], json.to_string()).into_response();
        }
    }
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    for (name, value) in &reply_headers {
        if name != "content-length" && name != "transfer-encoding" {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}
