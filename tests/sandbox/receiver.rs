//! A webhook receiver for tests: a real HTTP server on 127.0.0.1:0 that records every request (path,
//! signature header, raw body) and answers 500 while told to fail, 307 on `/moved` (to `/osigu`), 204
//! otherwise.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::net::TcpListener;

/// One request as received.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub path: String,
    pub signature: String,
    pub body: Vec<u8>,
}

impl Delivery {
    pub fn event(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone, Default)]
pub struct Receiver {
    received: Arc<Mutex<Vec<Delivery>>>,
    /// Requests still to answer 500.
    failures_left: Arc<Mutex<u32>>,
    base: String,
}

async fn receive(State(receiver): State<Receiver>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers.get("x-osigu-signature").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let path = uri.path().to_owned();
    receiver.received.lock().unwrap().push(Delivery { path: path.clone(), signature, body: body.to_vec() });
    if path == "/moved" {
        return (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, "/osigu")]).into_response();
    }
    let mut failures = receiver.failures_left.lock().unwrap();
    if *failures > 0 {
        *failures -= 1;
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}

impl Receiver {
    /// Listening, answering 500 to the first `failures` requests.
    pub async fn start(failures: u32) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Self {
            failures_left: Arc::new(Mutex::new(failures)),
            base: format!("http://{}", listener.local_addr().unwrap()),
            ..Self::default()
        };
        let app = Router::new().fallback(receive).with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        receiver
    }

    /// The URL of `path` on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn received(&self) -> Vec<Delivery> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (bounded) until `count` requests have arrived, and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Delivery> {
        for _ in 0..1000 {
            if self.received.lock().unwrap().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let received = self.received();
        assert!(received.len() >= count, "{} of {count} requests arrived", received.len());
        received
    }

    /// The requests that carried this event.
    pub fn of_event(&self, event_id: &Value) -> Vec<Delivery> {
        self.received().into_iter().filter(|delivery| delivery.event()["event_id"] == *event_id).collect()
    }
}
