//! The HTTP/1.1 server loop under the API's routers (axum's own `serve` sets no timeouts): a bound
//! on open connections, a time limit on reading a request's headers that also closes connections
//! idle between requests, the client's address for the rate limits, and a graceful stop that
//! finishes the requests in flight and awaits every connection task it started.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::limits::Admission;

/// How long a stopping server waits for the requests in flight before it closes their
/// connections.
const DRAIN: Duration = Duration::from_secs(10);
/// How long the accept loop pauses after the OS refused a connection (e.g. out of file
/// descriptors), rather than spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// A listener's connection limits.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    /// Most connections open at once; more are closed as soon as accepted.
    pub max_connections: usize,
    /// Time to send a request's headers, and longest idle time between two requests.
    pub header_timeout: Duration,
}

/// Serves `router` on `listener` until `stop` is cancelled; then stops accepting, lets the
/// requests in flight finish (up to 10 s), and returns once every connection task ended.
///
/// # Errors
/// None today: a failed `accept` is logged and retried. The result type leaves room for
/// listener failures the loop cannot survive.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServeLimits,
    admission: Arc<Admission>,
    stop: CancellationToken,
) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let (stream, client) = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            admission.shed("connections", Some(client));
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(client));
            router.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        let admission = admission.clone();
        connections.spawn(async move {
            if let Err(e) = connection.await {
                if e.is_timeout() {
                    admission.shed("timeout", Some(client));
                } else {
                    tracing::debug!(%client, error = %e, "connection ended with an error");
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still in flight after {} s: closing their connections",
            DRAIN.as_secs()
        );
        connections.abort_all();
    }
    while connections.join_next().await.is_some() {}
    Ok(())
}
