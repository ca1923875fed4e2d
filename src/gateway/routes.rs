//! The gateway's routes, behind the guards of `guard.rs`.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tower_http::timeout::TimeoutLayer;

use super::guard::{self, AllowedHosts};
use super::{CHANNEL, GatewaySettings};
use crate::agent::Agent;
use crate::channels::{Incoming, Reply, delivered, receive};

#[derive(Clone)]
pub(super) struct AppState {
    pub(super) agent: Arc<Agent>,
    pub(super) settings: GatewaySettings,
    pub(super) hosts: AllowedHosts,
}

/// Every route, with the guards, the body limit and the timeout.
pub fn router(agent: Arc<Agent>, settings: GatewaySettings, hosts: AllowedHosts) -> Router {
    let state = AppState { agent, settings: settings.clone(), hosts };
    let guarded = Router::new()
        .route("/v1/chat", post(chat))
        .route("/plugins", get(plugins))
        .route("/plugins/reload", post(reload))
        .route("/metrics", get(metrics))
        .route_layer(middleware::from_fn_with_state(state.clone(), guard::check_caller));
    Router::new()
        .route("/health", get(health))
        .merge(guarded)
        .layer(middleware::from_fn_with_state(state.clone(), guard::check_host))
        .layer(DefaultBodyLimit::max(settings.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, settings.request_timeout))
        .with_state(state)
}

pub(super) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

/// The `/health` body: `ok`, or `degraded` with the reason.
pub(super) fn health_body(agent: &Agent) -> serde_json::Value {
    match agent.degraded() {
        None => json!({"status": "ok"}),
        Some(reason) => json!({"status": "degraded", "reason": reason}),
    }
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(health_body(&state.agent))
}

/// `POST /v1/chat` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChatBody {
    session_id: String,
    message: String,
    #[serde(default)]
    sender: Option<String>,
}

/// One tool call in a chat answer.
#[derive(Serialize)]
struct ToolCallSummary {
    name: String,
    owner: String,
    ok: bool,
}

fn valid_session_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

async fn chat(
    State(state): State<AppState>,
    body: Result<Json<ChatBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(rejection) => return error(rejection.status(), rejection.body_text()),
    };
    if !valid_session_id(&body.session_id) {
        return error(StatusCode::BAD_REQUEST, "session_id: 1 to 128 characters of A-Z a-z 0-9 - _ . :");
    }
    if body.message.trim().is_empty() {
        return error(StatusCode::BAD_REQUEST, "message is empty");
    }
    let sender = body.sender.unwrap_or_else(|| "gateway".into());
    let incoming = Incoming {
        session_id: body.session_id.clone(),
        channel: CHANNEL.into(),
        sender: sender.clone(),
        text: body.message,
    };
    match receive(&state.agent, incoming).await {
        Reply::Send { text, turn } => {
            let tools: Vec<ToolCallSummary> = turn
                .tool_calls
                .iter()
                .map(|t| ToolCallSummary { name: t.call.name.clone(), owner: t.owner.clone(), ok: !t.result.is_error })
                .collect();
            let answer = Json(json!({
                "session_id": body.session_id,
                "reply": text,
                "cancelled": turn.cancelled,
                "tool_calls": tools,
                "usage": turn.usage,
            }));
            delivered(&state.agent, &body.session_id, CHANNEL, &sender, &text).await;
            answer.into_response()
        }
        Reply::Dropped { reason } => {
            Json(json!({"session_id": body.session_id, "reply": null, "dropped": reason})).into_response()
        }
        Reply::Suppressed { reason } => {
            Json(json!({"session_id": body.session_id, "reply": null, "suppressed": reason})).into_response()
        }
        // Nothing is acknowledged that is not stored.
        Reply::Unsaved { reason } => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the turn could not be stored, so it is not answered: {reason}; see GET /health"),
        ),
    }
}

async fn plugins(State(state): State<AppState>) -> Json<serde_json::Value> {
    let snapshot = state.agent.runtime().snapshot();
    let plugins: Vec<serde_json::Value> = snapshot
        .plugins()
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "version": p.version,
                "backend": p.backend,
                "description": p.description,
                "status": p.live_status(),
                "reason": match &p.status {
                    crate::plugins::PluginStatus::Active => None,
                    crate::plugins::PluginStatus::Disabled(r) | crate::plugins::PluginStatus::Failed(r) => Some(r.clone()),
                },
            })
        })
        .collect();
    Json(json!({
        "generation": snapshot.generation(),
        "plugins": plugins,
        "entries": snapshot.rows(),
        "diagnostics": snapshot.diagnostics(),
    }))
}

async fn reload(State(state): State<AppState>) -> Response {
    let report = state.agent.reload(None).await;
    let status = if report.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    (status, Json(report)).into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], super::render_metrics(&state.agent)).into_response()
}
