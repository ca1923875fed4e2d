//! The HTTP gateway (axum): `POST /v1/chat`, `GET /health`, `GET /plugins`,
//! `GET /metrics`.
//!
//! It binds 127.0.0.1 by default, and refuses to bind beyond it without a token unless
//! told to; a bearer token (from the variable named by `gateway.token_env`) guards
//! everything but `/health`; a foreign `Host` is refused (DNS rebinding), and so is a
//! state-changing request a browser could send cross-site; connections are bounded in
//! number and in how long they may take to send headers (`listen.rs`); request bodies and
//! times are bounded. `gateway_start` fires once it listens. On shutdown it stops accepting, lets
//! requests in flight finish, ends the open sessions (`session_end`), then fires
//! `gateway_stop`, each under `gateway.shutdown_timeout_ms`.

mod error;
mod guard;
mod listen;
mod metrics;
mod routes;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use zeroclaw_plugin_api::{GatewayStart, GatewayStop, HookContext, SessionEndReason, hooks};

use crate::agent::Agent;
pub use error::GatewayError;
pub use guard::AllowedHosts;
pub use listen::{ConnectionLimits, effective_cap, raise_open_file_limit};
pub use metrics::render as render_metrics;

/// The channel name of gateway sessions.
pub const CHANNEL: &str = "gateway";

/// The gateway's settings, resolved at start.
#[derive(Clone)]
pub struct GatewaySettings {
    /// Required bearer token, if any.
    pub token: Option<String>,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Longest request.
    pub request_timeout: Duration,
    /// Longest each shutdown step may take.
    pub shutdown_timeout: Duration,
    /// Header-read (and keep-alive idle) timeout and the connection cap.
    pub connections: ConnectionLimits,
    /// Host names beyond the defaults (`gateway.allowed_hosts`).
    pub allowed_hosts: Vec<String>,
    /// Whether serving beyond loopback without a token is allowed.
    pub allow_public_without_token: bool,
}

impl GatewaySettings {
    /// The settings of the agent's config; fails when `token_env` names an unset variable.
    pub fn from_agent(agent: &Agent) -> Result<Self, GatewayError> {
        let config = &agent.config().config.gateway;
        let token = match &config.token_env {
            Some(var) => match std::env::var(var) {
                Ok(token) if !token.is_empty() => Some(token),
                _ => return Err(GatewayError::TokenUnset(var.clone())),
            },
            None => None,
        };
        Ok(GatewaySettings {
            token,
            max_body_bytes: usize::try_from(config.max_body_bytes).unwrap_or(usize::MAX),
            request_timeout: Duration::from_millis(config.request_timeout_ms),
            shutdown_timeout: Duration::from_millis(config.shutdown_timeout_ms),
            connections: ConnectionLimits {
                header_timeout: Duration::from_millis(config.header_timeout_ms),
                max_connections: usize::try_from(config.max_connections).unwrap_or(usize::MAX),
            },
            allowed_hosts: config.allowed_hosts.clone(),
            allow_public_without_token: config.allow_public_without_token,
        })
    }
}

/// Serves on `listener` until `shutdown` resolves (with a reason such as `SIGTERM`), then
/// shuts down gracefully. Returns once `gateway_stop` has run (or its wait ran out).
pub async fn serve(
    agent: Arc<Agent>,
    listener: TcpListener,
    settings: GatewaySettings,
    shutdown: impl Future<Output = String> + Send + 'static,
) -> Result<(), GatewayError> {
    let local = listener.local_addr().map_err(GatewayError::Address)?;
    let addr = local.to_string();
    check_exposure(local, &settings)?;
    if !local.ip().is_loopback() && settings.token.is_none() {
        tracing::warn!(
            "the gateway listens on {addr}, beyond this machine, without a token (gateway.allow_public_without_token)"
        );
    }
    let open_files = raise_open_file_limit();
    let mut limits = settings.connections.clone();
    limits.max_connections = effective_cap(limits.max_connections, open_files);
    if limits.max_connections < settings.connections.max_connections {
        tracing::warn!(
            "gateway.max_connections lowered to {} to stay within the open-file limit ({})",
            limits.max_connections,
            open_files.unwrap_or(0)
        );
    }
    let hosts = AllowedHosts::new(local, &settings.allowed_hosts);
    let app = routes::router(agent.clone(), settings.clone(), hosts);
    let ctx = HookContext::agent(agent.config().config.agent.id.as_str());
    agent.runner().fire::<hooks::GatewayStart>(&ctx, GatewayStart { bind_addr: addr.clone() }).await;
    tracing::info!("gateway listening on http://{addr}");

    let (stopping, mut stop_reason) = tokio::sync::oneshot::channel::<String>();
    let health_agent = Arc::downgrade(&agent);
    let health: listen::HealthBody = Arc::new(move || match health_agent.upgrade() {
        Some(agent) => routes::health_body(&agent).to_string(),
        None => r#"{"status":"stopping"}"#.to_string(),
    });
    let server = listen::serve(listener, app, limits, health, async move {
        let reason = shutdown.await;
        let _ = stopping.send(reason);
    });
    let mut server = tokio::spawn(server);
    // The reason is sent before the server drains, so a server that finished with a reason
    // waiting was shut down, not stopped on its own (with nothing in flight, it can finish
    // before this task looks at the reason).
    let mut drained = false;
    let reason = tokio::select! {
        biased;
        reason = &mut stop_reason => reason.unwrap_or_else(|_| "server stopped".into()),
        result = &mut server => match stop_reason.try_recv() {
            Ok(reason) => {
                drained = true;
                reason
            }
            Err(_) => return Err(GatewayError::Stopped(format!("{result:?}"))),
        },
    };
    tracing::info!("gateway stopping ({reason}): finishing requests in flight");
    if !drained && tokio::time::timeout(settings.shutdown_timeout, &mut server).await.is_err() {
        tracing::warn!("requests still in flight after {:?}; closing them", settings.shutdown_timeout);
        server.abort();
    }
    if tokio::time::timeout(settings.shutdown_timeout, agent.end_all_sessions(SessionEndReason::Shutdown))
        .await
        .is_err()
    {
        tracing::warn!("session_end hooks did not finish within {:?}", settings.shutdown_timeout);
    }
    let stop = GatewayStop { bind_addr: addr, reason };
    let fired = agent.runner().fire::<hooks::GatewayStop>(&ctx, stop);
    if tokio::time::timeout(settings.shutdown_timeout, fired).await.is_err() {
        tracing::warn!("gateway_stop hooks did not finish within {:?}", settings.shutdown_timeout);
    }
    Ok(())
}

/// Refuses to serve beyond loopback without a token, unless the operator said so.
pub fn check_exposure(local: std::net::SocketAddr, settings: &GatewaySettings) -> Result<(), GatewayError> {
    if local.ip().is_loopback() || settings.token.is_some() || settings.allow_public_without_token {
        return Ok(());
    }
    Err(GatewayError::Exposed(local))
}

/// Resolves on SIGINT or SIGTERM, with the signal's name.
pub async fn shutdown_signal() -> String {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(mut term), Ok(mut int)) => tokio::select! {
                _ = term.recv() => "SIGTERM".to_string(),
                _ = int.recv() => "SIGINT".to_string(),
            },
            _ => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT".to_string()
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT".to_string()
    }
}
