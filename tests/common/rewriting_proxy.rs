//! A hostile network in front of the embedded sandbox: a real HTTP proxy on 127.0.0.1:0 that forwards every
//! request to the sandbox unchanged and, for the routes a test arms, rewrites the JSON of successful replies on
//! their way back (huge durations, prices past what money holds, values the contract does not name). The
//! sandbox still does the real work; only what the counter reads is altered, as a broken or malicious server
//! (or a man in the middle) would.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use tokio::net::TcpListener;

/// Changes one reply body in place.
type Edit = Box<dyn Fn(&mut Value) + Send + Sync>;

/// One armed rewrite: replies to `method` on a path ending in `path_suffix` pass through `edit`.
struct Rule {
    method: Method,
    path_suffix: String,
    edit: Edit,
}

#[derive(Default)]
struct Shared {
    rules: Mutex<Vec<Rule>>,
    /// Replies rewritten so far, by path.
    rewritten: Mutex<Vec<String>>,
}

/// The proxy: its base URL, and the rewrites a test arms or clears while it runs.
pub struct RewritingProxy {
    pub base_url: String,
    shared: Arc<Shared>,
}

impl RewritingProxy {
    /// Starts forwarding to `upstream` (a base URL such as the sandbox's).
    pub async fn start(upstream: &str) -> Self {
        let shared = Arc::new(Shared::default());
        let client = mostrador::http::client_builder().build().expect("proxy client");
        let upstream = upstream.trim_end_matches('/').to_owned();
        let state = (shared.clone(), client, upstream);
        let app = axum::Router::new().fallback(forward).with_state(Arc::new(state));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let base_url = format!("http://{}", listener.local_addr().expect("proxy address"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("the proxy serves") });
        Self { base_url, shared }
    }

    /// From now on, successful JSON replies to `method` on a path ending in `path_suffix` go through `edit`.
    pub fn rewrite(&self, method: Method, path_suffix: &str, edit: impl Fn(&mut Value) + Send + Sync + 'static) {
        let rule = Rule { method, path_suffix: path_suffix.to_owned(), edit: Box::new(edit) };
        self.shared.rules.lock().expect("rules").push(rule);
    }

    /// Every reply passes unchanged again.
    pub fn clear(&self) {
        self.shared.rules.lock().expect("rules").clear();
    }

    /// The paths of the replies rewritten so far, oldest first.
    pub fn rewritten(&self) -> Vec<String> {
        self.shared.rewritten.lock().expect("log").clone()
    }
}

type ProxyState = Arc<(Arc<Shared>, reqwest::Client, String)>;

/// Headers worth carrying across: what the API reads on the way in and the client reads on the way out.
const FORWARDED: [header::HeaderName; 4] =
    [header::AUTHORIZATION, header::CONTENT_TYPE, header::RETRY_AFTER, header::DATE];

fn copy_headers(from: &HeaderMap, to: &mut HeaderMap) {
    for name in FORWARDED {
        if let Some(value) = from.get(&name) {
            to.insert(name, value.clone());
        }
    }
    if let Some(value) = from.get("idempotency-key") {
        to.insert("idempotency-key", value.clone());
    }
}

async fn forward(State(state): State<ProxyState>, request: Request) -> Response {
    let (shared, client, upstream) = (&state.0, &state.1, &state.2);
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 16 * 1024 * 1024).await else {
        return status_only(StatusCode::BAD_REQUEST);
    };
    let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut headers = HeaderMap::new();
    copy_headers(&parts.headers, &mut headers);
    let sent = client.request(parts.method.clone(), format!("{upstream}{path_and_query}")).headers(headers).body(body);
    let Ok(reply) = sent.send().await else { return status_only(StatusCode::BAD_GATEWAY) };
    let status = reply.status();
    let mut reply_headers = HeaderMap::new();
    copy_headers(reply.headers(), &mut reply_headers);
    let Ok(mut bytes) = reply.bytes().await.map(|bytes| bytes.to_vec()) else {
        return status_only(StatusCode::BAD_GATEWAY);
    };
    if status.is_success() {
        let rules = shared.rules.lock().expect("rules");
        let path = parts.uri.path();
        for rule in rules.iter().filter(|rule| rule.method == parts.method && path.ends_with(&rule.path_suffix)) {
            if let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) {
                (rule.edit)(&mut value);
                bytes = serde_json::to_vec(&value).expect("JSON");
                shared.rewritten.lock().expect("log").push(path.to_owned());
            }
        }
    }
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    *response.headers_mut() = reply_headers;
    response
}

fn status_only(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}
