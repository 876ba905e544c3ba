//! Accepting connections and serving HTTP/1.1 and HTTP/2 on them.
//!
//! Written here with hyper's own server rather than `axum::serve` for one setting axum does not
//! expose: a timeout on reading a request's headers. Without it a client that trickles its
//! headers a byte at a time (slowloris) holds its connection, and a file descriptor, for ever;
//! the request timeout only starts once the headers are in. hyper applies the same timeout to
//! an idle keep-alive connection waiting for its next request.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// Serves `app` on every connection `listener` accepts until `stop` resolves; then stops
/// accepting, lets each connection finish the requests it has started (HTTP/1 connections are
/// closed after their current response, HTTP/2 ones get a GOAWAY), and returns once all have.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_timeout: Duration,
    stop: impl Future<Output = ()>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // back off briefly instead of spinning, as axum::serve does.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // Responses go out as soon as they are written: with Nagle's algorithm a small response
        // can wait for the client's delayed ACK of the previous one.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let connection = builder
            .serve_connection_with_upgrades(
                TokioIo::new(stream),
                // The peer's address, for handlers that need the client (short links' visitor
                // marks), as axum's `ConnectInfo`.
                TowerToHyperService::new(tower::ServiceExt::map_request(
                    app.clone(),
                    move |mut req: axum::http::Request<_>| {
                        req.extensions_mut()
                            .insert(axum::extract::ConnectInfo(peer));
                        req
                    },
                )),
            )
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client gone mid-request, a malformed request or a header timeout: hyper has
            // answered what it could; nothing here for the log at the default level.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
