//! `zeroclaw agent` and `zeroclaw gateway`.

use std::path::Path;
use std::sync::Arc;

use zeroclaw_plugin_api::SessionEndReason;

use super::CliError;
use super::trace::LiveTrace;
use crate::agent::{Agent, AgentOptions};
use crate::channels::cli;
use crate::config::LoadedConfig;
use crate::gateway::{GatewaySettings, serve, shutdown_signal};
use crate::hooks::HookListener;

/// `zeroclaw agent [-m MESSAGE] [--session ID] [--trace]`.
pub async fn agent(
    config: Option<&Path>,
    message: Option<String>,
    session: String,
    trace: bool,
) -> Result<(), CliError> {
    let listeners: Vec<Arc<dyn HookListener>> = if trace { vec![Arc::new(LiveTrace)] } else { Vec::new() };
    let options = AgentOptions { listeners, observers: Vec::new() };
    let agent = Agent::start_with(LoadedConfig::discover(config)?, options).await?;
    match message {
        Some(message) => {
            let answered = cli::one(&agent, &session, &message).await;
            agent.end_session(&session, SessionEndReason::Closed).await;
            answered?;
        }
        None => cli::interactive(&agent, &session).await,
    }
    Ok(())
}

/// `zeroclaw gateway [--bind ADDR]`: serves until SIGINT or SIGTERM, then shuts down
/// gracefully and exits 0.
pub async fn gateway(config: Option<&Path>, bind: Option<String>) -> Result<(), CliError> {
    let agent = Agent::start(LoadedConfig::discover(config)?).await?;
    let settings = GatewaySettings::from_agent(&agent)?;
    let bind = bind.unwrap_or_else(|| agent.config().config.gateway.bind.clone());
    let listener =
        tokio::net::TcpListener::bind(&bind).await.map_err(|e| CliError(format!("cannot listen on {bind}: {e}")))?;
    eprintln!("zeroclaw gateway listening on http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    reload_on_sighup(&agent);
    serve(agent, listener, settings, shutdown_signal()).await?;
    eprintln!("zeroclaw gateway stopped");
    Ok(())
}

/// SIGHUP reloads the plugins (and the config's `[plugins]`).
fn reload_on_sighup(agent: &std::sync::Arc<Agent>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else { return };
        let agent = std::sync::Arc::downgrade(agent);
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                let Some(agent) = agent.upgrade() else { break };
                let report = agent.reload(None).await;
                eprintln!("SIGHUP: {}", report.summary());
            }
        });
    }
}
