//! `notify`: posts every finished turn to a webhook as JSON. The webhook wants a token;
//! the operator binds it as the secret `webhook` to the webhook's host, and the host adds
//! it to the request at egress (contract 1.1). The plugin only asks whether it exists.

use serde::Deserialize;
use zeroclaw_pdk::serde_json::json;
use zeroclaw_pdk::{HookContext, HookEvent, Hooks, Outcome, log, secrets};

#[derive(Deserialize)]
struct Config {
    url: String,
}

/// POSTs `body` as JSON to `url`; the response status.
fn post_json(url: &str, body: &[u8]) -> Result<u16, String> {
    use wasi::http::outgoing_handler;
    use wasi::http::types::{Fields, Method, OutgoingBody, OutgoingRequest, Scheme};
    let (scheme, rest) = url.split_once("://").ok_or("the url has no scheme")?;
    let (authority, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    let headers = Fields::from_list(&[("content-type".to_string(), b"application/json".to_vec())])
        .map_err(|e| format!("headers: {e:?}"))?;
    let request = OutgoingRequest::new(headers);
    request.set_method(&Method::Post).map_err(|_| "method")?;
    request.set_scheme(Some(&if scheme == "https" { Scheme::Https } else { Scheme::Http })).map_err(|_| "scheme")?;
    request.set_authority(Some(authority)).map_err(|_| "authority")?;
    request.set_path_with_query(Some(&path)).map_err(|_| "path")?;
    let outgoing = request.body().map_err(|_| "body")?;
    let pending = outgoing_handler::handle(request, None).map_err(|e| format!("refused: {e:?}"))?;
    {
        let stream = outgoing.write().map_err(|_| "body stream")?;
        stream.blocking_write_and_flush(body).map_err(|e| format!("write: {e:?}"))?;
    }
    OutgoingBody::finish(outgoing, None).map_err(|e| format!("finish: {e:?}"))?;
    pending.subscribe().block();
    let response =
        pending.get().ok_or("no response")?.map_err(|_| "response taken")?.map_err(|e| format!("failed: {e:?}"))?;
    Ok(response.status())
}

struct Notify;

impl Hooks for Notify {
    fn handle(ctx: &HookContext, event: HookEvent) -> Result<Outcome, String> {
        let HookEvent::AgentEnd(end) = event else { return Ok(Outcome::Continue) };
        let config: Config = zeroclaw_pdk::config()?;
        if !secrets::has("webhook") {
            log::warn("no `webhook` secret is configured: posting without a token");
        }
        let body = json!({
            "session": ctx.session_id,
            "reply": end.reply,
            "iterations": end.iterations,
            "tool_calls": end.tool_calls,
            "cancelled": end.cancelled,
        });
        let status = post_json(&config.url, body.to_string().as_bytes())?;
        if !(200..300).contains(&status) {
            return Err(format!("the webhook answered {status}"));
        }
        Ok(Outcome::Continue)
    }
}

zeroclaw_pdk::plugin!(hooks = Notify);
