//! What the gateway refuses before a route runs: a foreign `Host` (DNS rebinding), a
//! browser's cross-site request to a state-changing route, and a missing or wrong token.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::routes::{AppState, error};

/// The host names a request may be addressed to.
#[derive(Clone, Debug)]
pub struct AllowedHosts {
    /// Names (lowercase, IPv6 without brackets) accepted on any port.
    names: Vec<String>,
    /// Any host: bound beyond loopback with no `gateway.allowed_hosts` (the token guards).
    any: bool,
}

impl AllowedHosts {
    /// The hosts for a gateway bound to `bound`, plus the operator's `extra` names. On
    /// loopback: the loopback names and `extra`. Beyond it: the bound address and `extra`,
    /// or any host when `extra` is empty and the address is unspecified.
    pub fn new(bound: std::net::SocketAddr, extra: &[String]) -> Self {
        let mut names: Vec<String> = extra.iter().map(|h| normalize(h)).collect();
        let ip = bound.ip();
        // Loopback names reach an unspecified bind (0.0.0.0) too: a local client.
        if ip.is_loopback() || ip.is_unspecified() {
            names.extend(["localhost", "127.0.0.1", "::1"].map(String::from));
        }
        if !ip.is_unspecified() {
            names.push(ip.to_string());
        }
        let any = !ip.is_loopback() && ip.is_unspecified() && extra.is_empty();
        AllowedHosts { names, any }
    }

    /// Whether `authority` (`name[:port]`) is one of them.
    pub fn allows(&self, authority: &str) -> bool {
        self.any || self.names.contains(&normalize(authority))
    }
}

/// `authority` without its port, lowercase, an IPv6 address without brackets.
fn normalize(authority: &str) -> String {
    let authority = authority.trim().to_ascii_lowercase();
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default().to_string();
    }
    match authority.rsplit_once(':') {
        // One colon: `name:port`. More: a bare IPv6 address.
        Some((name, port)) if !name.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => name.to_string(),
        _ => authority,
    }
}

/// The host part of an `Origin` header (`scheme://host[:port]`).
fn origin_host(origin: &str) -> Option<&str> {
    origin.split_once("://").map(|(_, rest)| rest.split('/').next().unwrap_or(rest))
}

/// Whether the request carries the right bearer token (the scheme in any case).
fn has_token(headers: &HeaderMap, token: &str) -> bool {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
    let Some((scheme, given)) = value.trim().split_once(' ') else { return false };
    let given = given.trim();
    // Compare in constant time: the token is a secret.
    scheme.eq_ignore_ascii_case("bearer")
        && given.len() == token.len()
        && given.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// Refuses a request addressed to a host this gateway does not serve (every route).
pub async fn check_host(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !state.hosts.allows(host) {
        return error(
            StatusCode::MISDIRECTED_REQUEST,
            format!("this gateway does not serve host `{host}`; if it should, add it to gateway.allowed_hosts"),
        );
    }
    next.run(request).await
}

/// The token (when one is set) on the guarded routes, and on state-changing ones the
/// proof that the request is not a browser's cross-site form: a JSON body or the token,
/// and no foreign `Origin`.
pub async fn check_caller(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let authorized = state.settings.token.as_deref().is_some_and(|token| has_token(headers, token));
    if state.settings.token.is_some() && !authorized {
        return error(StatusCode::UNAUTHORIZED, "missing or wrong bearer token (Authorization: Bearer <token>)");
    }
    if request.method() == Method::POST {
        if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
            && !origin_host(origin).is_some_and(|host| state.hosts.allows(host))
        {
            return error(StatusCode::FORBIDDEN, format!("cross-site request refused (Origin: {origin})"));
        }
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")));
        if !json && !authorized {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "POST routes take Content-Type: application/json (a browser form cannot send it)",
            );
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_serves_loopback_names_only() {
        let hosts = AllowedHosts::new("127.0.0.1:7878".parse().unwrap(), &[]);
        for ok in ["localhost:7878", "127.0.0.1:7878", "LOCALHOST", "[::1]:7878", "127.0.0.1"] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for bad in ["evil.example:7878", "evil.example", "", "127.0.0.1.evil.example"] {
            assert!(!hosts.allows(bad), "{bad}");
        }
        let extra = AllowedHosts::new("127.0.0.1:7878".parse().unwrap(), &["zc.internal".into()]);
        assert!(extra.allows("zc.internal:7878"));
    }

    #[test]
    fn beyond_loopback_the_token_guards_unless_hosts_are_listed() {
        assert!(AllowedHosts::new("0.0.0.0:80".parse().unwrap(), &[]).allows("anything"));
        let listed = AllowedHosts::new("0.0.0.0:80".parse().unwrap(), &["zc.example".into()]);
        assert!(listed.allows("zc.example") && !listed.allows("evil.example"));
        assert!(listed.allows("localhost:80"), "a local client of an unspecified bind");
    }

    #[test]
    fn the_scheme_is_case_insensitive_and_the_token_exact() {
        let headers = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, v.parse().unwrap());
            h
        };
        for ok in ["Bearer s3cret", "bearer s3cret", "BEARER  s3cret"] {
            assert!(has_token(&headers(ok), "s3cret"), "{ok}");
        }
        for bad in ["Bearer s3cre", "Basic s3cret", "s3cret", "Bearer s3cret2"] {
            assert!(!has_token(&headers(bad), "s3cret"), "{bad}");
        }
    }
}
