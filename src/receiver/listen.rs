//! The receiver's accept loop: HTTP/1.1 with hyper on tokio, one task per connection (the TLS handshake, when
//! there is TLS, inside that task, so a slow or silent client holds up nobody), each request told its peer's
//! address, and a graceful stop.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;
use tracing::{debug, warn};

use super::GRACE;
use super::route::Peer;

/// A client must finish sending its headers within this time.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// A client must finish the TLS handshake within this time.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves one connection (already through TLS, if any) until it ends or the stop is asked.
async fn connection<S>(
    io: S,
    peer: SocketAddr,
    router: Router,
    builder: http1::Builder,
    watcher: hyper_util::server::graceful::Watcher,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(Peer(peer));
        router.clone().oneshot(request.map(Body::new))
    });
    if let Err(error) = watcher.watch(builder.serve_connection(TokioIo::new(io), service)).await {
        debug!(%error, "connection ended with an error");
    }
}

async fn accepted(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    router: Router,
    builder: http1::Builder,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let _ = stream.set_nodelay(true);
    match tls {
        None => connection(stream, peer, router, builder, watcher).await,
        Some(acceptor) => match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
            Ok(Ok(stream)) => connection(stream, peer, router, builder, watcher).await,
            Ok(Err(error)) => debug!(%peer, %error, "TLS handshake failed"),
            Err(_) => debug!(%peer, "TLS handshake timed out"),
        },
    }
}

/// Serves until `shutdown` turns true (or its sender is dropped), then lets requests in flight finish.
pub(super) async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
    loop {
        tokio::select! {
            accepted_stream = listener.accept() => match accepted_stream {
                Ok((stream, peer)) => {
                    let task = accepted(stream, peer, tls.clone(), router.clone(), builder.clone(), graceful.watcher());
                    tokio::spawn(task);
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
    drop(router);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(GRACE) => warn!("webhook receiver stopping with requests still in flight"),
    }
}
