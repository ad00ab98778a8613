//! A hostile middle: a real HTTP server in front of the sandbox that forwards every request as it is and lets a
//! test rewrite the JSON replies on their way back (a `complete` answered 200 but still STARTED, a reply naming
//! another dispensation, another amount). The counter talks to it with its own client, over real HTTP.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// Rewrites one reply: `(method, path, status, body)` in, the reply to send instead out (`None`: as it came).
pub type Rewrite =
    dyn Fn(&Method, &str, StatusCode, &serde_json::Value) -> Option<(StatusCode, serde_json::Value)> + Send + Sync;

/// The proxy; it stops with the test's runtime.
pub struct Proxy {
    pub base_url: String,
    rewrite: Arc<Mutex<Option<Arc<Rewrite>>>>,
}

#[derive(Clone)]
struct Shared {
    upstream: String,
    client: reqwest::Client,
    rewrite: Arc<Mutex<Option<Arc<Rewrite>>>>,
}

impl Proxy {
    /// A proxy on 127.0.0.1:0 forwarding to `upstream` (a base URL without a trailing slash).
    pub async fn start(upstream: &str) -> Self {
        let rewrite: Arc<Mutex<Option<Arc<Rewrite>>>> = Arc::new(Mutex::new(None));
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().build().expect("client");
        let shared = Shared { upstream: upstream.to_owned(), client, rewrite: rewrite.clone() };
        let app = axum::Router::new().fallback(forward).with_state(shared);
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base_url, rewrite }
    }

    /// From now on, replies go through `rewrite`.
    pub fn rewrite(
        &self,
        rewrite: impl Fn(&Method, &str, StatusCode, &serde_json::Value) -> Option<(StatusCode, serde_json::Value)>
        + Send
        + Sync
        + 'static,
    ) {
        *self.rewrite.lock().expect("lock") = Some(Arc::new(rewrite));
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
    let rewrite = shared.rewrite.lock().expect("lock").clone();
    if let (Some(rewrite), Ok(json)) = (rewrite, serde_json::from_slice::<serde_json::Value>(&bytes))
        && let Some((status, json)) = rewrite(&method, &path, status, &json)
    {
        return (status, [("content-type", "application/json")], json.to_string()).into_response();
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
