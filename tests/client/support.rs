//! Small servers for the client tests: a well-behaved axum one that records every request, and a raw TCP one
//! whose replies are hand-written bytes, for what axum cannot do wrong enough (truncated, endless or oversized
//! bodies, connections dropped or reset mid-call). Both answer the token endpoint and log what they saw.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use mostrador::osigu::client::{ClientOptions, OsiguClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub const TOKEN_PATH: &str = "/v1/oauth/token";
pub const SPONSORS_PATH: &str = "/v1/sponsors";
pub const SPONSORS_JSON: &str =
    r#"[{"sponsor_slug":"aseguradora-demo","name":"Aseguradora Demo","country_code":"GT","currency_code":"GTQ"}]"#;

/// Upper bound for any one test: a hung client fails the test instead of the CI job.
pub const TEST_LIMIT: Duration = Duration::from_secs(10);

/// Runs `future` or fails the test when it takes longer than [`TEST_LIMIT`].
pub async fn bounded<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(TEST_LIMIT, future).await.expect("the test hung past its time limit")
}

/// Fast options: 1 s per exchange, 500 ms to connect, 10 ms first backoff.
pub fn options(base: &str) -> ClientOptions {
    let mut options = ClientOptions::new(reqwest::Url::parse(base).unwrap(), "counter-demo", "sandbox-secret-0001");
    options.request_timeout = Duration::from_secs(1);
    options.connect_timeout = Duration::from_millis(500);
    options.backoff = Duration::from_millis(10);
    options
}

pub fn client(base: &str) -> OsiguClient {
    OsiguClient::new(options(base)).unwrap()
}

pub fn client_with(base: &str, adjust: impl FnOnce(&mut ClientOptions)) -> OsiguClient {
    let mut options = options(base);
    adjust(&mut options);
    OsiguClient::new(options).unwrap()
}

/// One request as a server saw it.
#[derive(Clone, Debug)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub idempotency_key: Option<String>,
    /// The request body (raw server only; the axum server leaves it empty).
    pub body: Vec<u8>,
}

/// Every request a server received, in order; counts are per path.
#[derive(Default)]
pub struct Log {
    hits: Mutex<Vec<Hit>>,
}

impl Log {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    fn record(&self, hit: Hit) {
        self.hits.lock().unwrap().push(hit);
    }

    fn on(&self, path: &str) -> Vec<Hit> {
        self.hits.lock().unwrap().iter().filter(|hit| hit.path == path).cloned().collect()
    }

    /// Requests received for `path`.
    pub fn count(&self, path: &str) -> usize {
        self.on(path).len()
    }

    /// The `Idempotency-Key` of each request for `path`.
    pub fn keys(&self, path: &str) -> Vec<Option<String>> {
        self.on(path).into_iter().map(|hit| hit.idempotency_key).collect()
    }

    /// The `Authorization` header of each request for `path`.
    pub fn authorizations(&self, path: &str) -> Vec<Option<String>> {
        self.on(path).into_iter().map(|hit| hit.authorization).collect()
    }

    /// The body of each request for `path`.
    pub fn bodies(&self, path: &str) -> Vec<Vec<u8>> {
        self.on(path).into_iter().map(|hit| hit.body).collect()
    }

    /// The methods used on `path`.
    pub fn methods(&self, path: &str) -> Vec<String> {
        self.on(path).into_iter().map(|hit| hit.method).collect()
    }
}

/// A token reply naming the `n`th token issued.
pub fn token_json(n: usize) -> String {
    format!(
        r#"{{"access_token":"tok-{n}","token_type":"Bearer","expires_in":3600,"scope":"arc:read dispensing:read"}}"#
    )
}

/// `router` plus a token endpoint issuing `tok-1`, `tok-2`… in order.
pub fn with_token(router: Router) -> Router {
    let issued = Arc::new(AtomicUsize::new(0));
    router.route(
        TOKEN_PATH,
        axum::routing::post(move || {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            std::future::ready(json(200, &token_json(n)))
        }),
    )
}

/// A JSON reply with a fixed status.
pub fn json(status: u16, body: &str) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// A handler that always answers `status` with the JSON `body`.
pub fn fixed(status: u16, body: &str) -> impl Fn() -> std::future::Ready<Response> + Clone + Send + Sync + 'static {
    let body = body.to_owned();
    move || std::future::ready(json(status, &body))
}

async fn record(State(log): State<Arc<Log>>, request: Request, next: Next) -> Response {
    log.record(hit_of(&request));
    next.run(request).await
}

fn hit_of(request: &Request) -> Hit {
    let header = |name: &str| request.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
    Hit {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        authorization: header("authorization"),
        idempotency_key: header("idempotency-key"),
        body: Vec::new(),
    }
}

/// Serves `router` on 127.0.0.1 (recording every request, unmatched ones included) and returns its base URL.
pub async fn serve(log: &Arc<Log>, router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router.layer(middleware::from_fn_with_state(log.clone(), record));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// A request as the raw server parsed it.
#[derive(Clone, Debug)]
pub struct RawRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// A raw server: the base URL and the accept loop (abort it to close the listening socket).
pub struct Raw {
    pub base: String,
    pub accept: JoinHandle<()>,
}

impl Raw {
    /// Stops accepting: connecting to the port is refused from now on.
    pub async fn close(self) {
        self.accept.abort();
        let _ = self.accept.await;
    }
}

/// Serves hand-written HTTP/1.1: the token endpoint answers normally (and closes the connection); every other
/// request is parsed, logged and handed with its socket to `behaviour`, which writes whatever it likes.
pub async fn serve_raw<F, Fut>(log: &Arc<Log>, behaviour: F) -> Raw
where
    F: Fn(RawRequest, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = log.clone();
    let behaviour = Arc::new(behaviour);
    let issued = Arc::new(AtomicUsize::new(0));
    let accept = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { continue };
            let (log, behaviour, issued) = (log.clone(), behaviour.clone(), issued.clone());
            tokio::spawn(async move {
                let Some(request) = read_request(&mut stream).await else { return };
                log.record(Hit {
                    method: request.method.clone(),
                    path: request.path.clone(),
                    authorization: request.header("authorization").map(str::to_owned),
                    idempotency_key: request.header("idempotency-key").map(str::to_owned),
                    body: request.body.clone(),
                });
                if request.path == TOKEN_PATH {
                    let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                    let _ = write_reply(&mut stream, "200 OK", &[("content-type", "application/json")], &token_json(n))
                        .await;
                    let _ = stream.shutdown().await;
                    return;
                }
                behaviour(request, stream).await;
            });
        }
    });
    Raw { base, accept }
}

/// Reads one request head and its `Content-Length` body; `None` if the peer goes away first.
async fn read_request(stream: &mut TcpStream) -> Option<RawRequest> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break at;
        }
        let read = tokio::time::timeout(TEST_LIMIT, stream.read(&mut chunk)).await.ok()?.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut start = lines.next()?.split(' ');
    let method = start.next()?.to_owned();
    let target = start.next()?;
    let path = target.split('?').next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let read = tokio::time::timeout(TEST_LIMIT, stream.read(&mut chunk)).await.ok()?.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Some(RawRequest { method, path, headers, body })
}

/// Writes a status line and headers (plus `connection: close`), then `body` as is. Headers are not checked
/// against the body: that is the point.
pub async fn write_reply(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    let declares_length = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("transfer-encoding"));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !declares_length {
        head.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.flush().await
}

/// Writes one chunk of a `transfer-encoding: chunked` body.
pub async fn write_chunk(stream: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    stream.write_all(format!("{:x}\r\n", data.len()).as_bytes()).await?;
    stream.write_all(data).await?;
    stream.write_all(b"\r\n").await?;
    stream.flush().await
}

/// Waits until the peer closes the connection (or the test limit passes), reading and dropping anything.
pub async fn until_peer_closes(stream: &mut TcpStream) {
    let mut sink = [0u8; 1024];
    let _ = tokio::time::timeout(TEST_LIMIT, async {
        while let Ok(read) = stream.read(&mut sink).await {
            if read == 0 {
                break;
            }
        }
    })
    .await;
}

/// A base URL on which nothing listens: a port bound a moment ago and released.
pub async fn refused_base() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}")
}
