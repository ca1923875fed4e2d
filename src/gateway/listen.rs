//! Accepting connections so that no client can lock others out.
//!
//! - Every connection must send a request's headers within `gateway.header_timeout_ms`,
//!   counted from when it starts waiting for one: a new connection, or a keep-alive one
//!   between requests. A slow or idle client is closed at that bound.
//! - At most `gateway.max_connections` are served at once (never more than the open-file
//!   limit leaves room for). A connection past the cap gets a short answer and is closed:
//!   `GET /health` is still answered there (so a flood cannot hide the host's health),
//!   everything else gets `503`. Those short answers are themselves bounded in number and
//!   time.
//! - On shutdown the listener stops accepting and waits for the connections it serves to
//!   finish their requests in flight.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// Connections past the cap answered at once at most; the rest are closed unanswered.
const OVERFLOW_ANSWERS: usize = 256;

/// How long a connection past the cap may take to send its request line: a health check
/// sends it at once, an idle flood is dropped quickly.
const OVERFLOW_READ: Duration = Duration::from_millis(250);

/// File descriptors kept free beyond the connection cap (databases, plugins, the cache).
const FD_HEADROOM: u64 = 64;

/// How the listener treats connections.
#[derive(Clone, Debug)]
pub struct ConnectionLimits {
    /// Time to receive a request's headers (also the keep-alive idle bound).
    pub header_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

/// The body `GET /health` answers with, read when it is asked.
pub type HealthBody = Arc<dyn Fn() -> String + Send + Sync>;

/// Raises the open-file soft limit to the hard limit (where the OS allows), and returns
/// the soft limit now in force, if it is known.
#[allow(unsafe_code, reason = "getrlimit and setrlimit have no safe std wrapper")]
pub fn raise_open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit/setrlimit only read and write the struct passed.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return None;
            }
            if limit.rlim_cur < limit.rlim_max {
                let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit.rlim_cur = limit.rlim_max;
                }
            }
        }
        #[allow(clippy::unnecessary_cast, reason = "rlim_t is u64 on Linux, not on every unix")]
        Some(limit.rlim_cur as u64)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The connection cap actually used: `configured`, lowered to what the open-file limit
/// leaves room for.
pub fn effective_cap(configured: usize, open_files: Option<u64>) -> usize {
    match open_files {
        Some(limit) => {
            let room = usize::try_from(limit.saturating_sub(FD_HEADROOM)).unwrap_or(usize::MAX).max(1);
            configured.min(room)
        }
        None => configured,
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits for the connections in
/// flight to finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    health: HealthBody,
    shutdown: impl Future<Output = ()> + Send,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let overflow = Arc::new(Semaphore::new(OVERFLOW_ANSWERS));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors or similar: back off instead of spinning.
                    tracing::warn!("gateway: cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            if let Ok(answer) = overflow.clone().try_acquire_owned() {
                let health = health.clone();
                tokio::spawn(async move {
                    answer_overflow(stream, &health).await;
                    drop(answer);
                });
            }
            continue;
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = watched.await {
                tracing::debug!("gateway connection ended: {e}");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// The short answer to a connection past the cap: health for `GET /health`, else 503.
async fn answer_overflow(mut stream: TcpStream, health: &HealthBody) {
    let mut head = [0u8; 512];
    let read = tokio::time::timeout(OVERFLOW_READ, stream.read(&mut head)).await;
    let asked_health = matches!(read, Ok(Ok(n)) if head[..n].starts_with(b"GET /health "));
    let (status, body) = if asked_health {
        ("200 OK", health())
    } else {
        (
            "503 Service Unavailable",
            r#"{"error":"too many connections; retry shortly (gateway.max_connections)"}"#.to_string(),
        )
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(OVERFLOW_READ, stream.write_all(response.as_bytes())).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_for_the_hosts_own_files() {
        assert_eq!(effective_cap(512, Some(256)), 192);
        assert_eq!(effective_cap(512, Some(1 << 20)), 512);
        assert_eq!(effective_cap(512, Some(10)), 1);
        assert_eq!(effective_cap(512, None), 512);
    }
}
