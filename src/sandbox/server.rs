//! The accept loop: HTTP/1.1 with hyper on tokio, one task per connection, graceful shutdown, and the fault
//! injector between the socket and the router. Sitting outside the router is what lets a fault close a
//! connection without writing a byte: hyper drops the connection when the service fails.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;
use tracing::{debug, info, warn};

use super::error::ApiError;
use super::faults::{FaultAction, Faults, classify};
use crate::osigu::model::ErrorCode;

/// How long in-flight requests may run after shutdown is asked.
const GRACE: Duration = Duration::from_secs(5);
/// A client must finish sending its headers within this time (unless the sandbox is told otherwise).
pub(crate) const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// The service "error" that makes hyper close the connection unanswered.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct DroppedByFault;

/// What a proxy in front of Osigu answers when the backend is down: HTML, not JSON.
const PROXY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
    <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

fn injected_error(html: bool) -> Response<Body> {
    if html {
        let mut response = (StatusCode::BAD_GATEWAY, PROXY_PAGE).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        response
    } else {
        ApiError::new(ErrorCode::ServiceUnavailable, "the service is temporarily unavailable (injected fault)")
            .with_retry_after(1)
            .into_response()
    }
}

async fn handle(
    router: Router,
    faults: Arc<Faults>,
    request: Request<Incoming>,
) -> Result<Response<Body>, DroppedByFault> {
    let decision = faults.decide(classify(request.method(), request.uri().path()));
    // Only the path is logged: query strings can carry patient identifiers.
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    if let Some(delay) = decision.delay {
        tokio::time::sleep(delay).await;
    }
    match decision.action {
        FaultAction::Drop => {
            info!(%method, %path, "fault: closing the connection without handling the request");
            return Err(DroppedByFault);
        }
        FaultAction::Error5xx { html } => {
            info!(%method, %path, html, "fault: replying 5xx without handling the request");
            return Ok(injected_error(html));
        }
        FaultAction::Pass | FaultAction::CommitThenDrop => {}
    }
    let started = Instant::now();
    let response = router.oneshot(request.map(Body::new)).await;
    let mut response = match response {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let elapsed = started.elapsed();
    if decision.action == FaultAction::CommitThenDrop {
        info!(%method, %path, status = response.status().as_u16(), "fault: handled, now closing without the reply");
        return Err(DroppedByFault);
    }
    let timing = format!("app;dur={:.3}", elapsed.as_secs_f64() * 1000.0);
    if let Ok(value) = HeaderValue::from_str(&timing) {
        response.headers_mut().insert("server-timing", value);
    }
    debug!(%method, %path, status = response.status().as_u16(), micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX), "request");
    Ok(response)
}

/// Serves until `shutdown` turns true (or its sender is dropped), then lets in-flight requests finish.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    faults: Arc<Faults>,
    header_timeout: Option<Duration>,
    mut shutdown: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let (router, faults) = (router.clone(), Arc::clone(&faults));
                    let service = service_fn(move |request| handle(router.clone(), Arc::clone(&faults), request));
                    let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
                    tokio::spawn(async move {
                        if let Err(error) = connection.await {
                            debug!(%error, "connection ended with an error");
                        }
                    });
                }
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(GRACE) => warn!("shutting down with requests still in flight"),
    }
}
