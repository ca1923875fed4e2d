//! `http:outbound`: standard `wasi:http` requests, let through only to the hosts the
//! operator listed in `plugins.entries.<id>.http_allow`.
//!
//! An entry is `host`, `host:port` or `*.domain` (any subdomain). Before a request is
//! sent, its host is resolved and every address checked: loopback, private, link-local and
//! other non-public addresses are refused unless the entry names that host itself (a
//! wildcard never reaches them). A plugin without the capability has its every request
//! refused. Refusals are logged with the plugin and answer the guest with
//! `HTTP-request-denied`.
//!
//! Known limit: the address is checked, then the request connects by name, so a DNS answer
//! that changes in between (rebinding) is not caught. List only hosts you trust.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use http_body_util::BodyExt;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks, default_send_request};
use zeroclaw_plugin_api::Owner;

use super::secrets::Secrets;
use crate::capability::Capability;

/// One plugin's outbound HTTP policy.
#[derive(Clone, Debug)]
pub struct HttpPolicy {
    owner: Owner,
    /// `None`: the capability is not granted.
    allow: Option<Arc<[String]>>,
    /// Added at egress to requests to their hosts.
    secrets: Secrets,
}

/// How a request's destination matched the allowlist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Match {
    /// Not on the list.
    None,
    /// Matched by a `*.domain` wildcard: public addresses only.
    Wildcard,
    /// The host itself is listed: any address it resolves to.
    Exact,
}

impl HttpPolicy {
    /// The policy for `owner`: `allow` is `None` when `http:outbound` is not granted.
    pub fn new(owner: Owner, allow: Option<Vec<String>>) -> Self {
        let allow = allow.map(|a| a.into_iter().map(|h| h.to_ascii_lowercase()).collect());
        HttpPolicy { owner, allow, secrets: Secrets::default() }
    }

    /// This policy, adding `secrets` to the requests bound to them.
    pub fn with_secrets(mut self, secrets: Secrets) -> Self {
        self.secrets = secrets;
        self
    }

    fn matches(&self, host: &str, port: u16) -> Match {
        let Some(allow) = &self.allow else { return Match::None };
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let mut best = Match::None;
        for entry in allow.iter() {
            let (entry_host, entry_port) = match entry.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') || h.starts_with('[') => (h, p.parse::<u16>().ok()),
                _ => (entry.as_str(), None),
            };
            let entry_host = entry_host.trim_start_matches('[').trim_end_matches(']');
            if entry_port.is_some_and(|p| p != port) {
                continue;
            }
            if entry_host == host {
                return Match::Exact;
            }
            if let Some(domain) = entry_host.strip_prefix("*.")
                && host.ends_with(&format!(".{domain}"))
            {
                best = Match::Wildcard;
            }
        }
        best
    }

    fn deny(&self, why: String) -> HttpError {
        tracing::warn!(plugin = %self.owner, "outbound HTTP refused: {why}");
        HttpError::HttpRequestDenied
    }
}

/// Whether `ip` is reachable on the public internet (loopback, private, link-local,
/// unique-local, unspecified, broadcast, documentation and shared ranges are not).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
                || (a == 198 && (b == 18 || b == 19))) // benchmarking
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80) // link local
        }
    }
}

type SendResult = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), HttpError>> + Send>), HttpError>;

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        drop(fut);
        let policy = self.clone();
        Box::new(async move {
            if policy.allow.is_none() {
                return Err(policy.deny(format!(
                    "{} (`http:outbound` is not granted; {})",
                    request.uri(),
                    Capability::HttpOutbound.whole_fix(policy.owner.plugin_id())
                )));
            }
            let uri = request.uri().clone();
            let host = uri.host().ok_or(HttpError::HttpRequestUriInvalid)?.to_string();
            let https = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
            let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
            let matched = policy.matches(&host, port);
            if matched == Match::None {
                return Err(policy
                    .deny(format!("{host}:{port} is not in plugins.entries.{}.http_allow", policy.owner.plugin_id())));
            }
            let bare = host.trim_start_matches('[').trim_end_matches(']').to_string();
            let addresses: Vec<IpAddr> = match bare.parse::<IpAddr>() {
                Ok(ip) => vec![ip],
                Err(_) => tokio::net::lookup_host((bare.as_str(), port))
                    .await
                    .map_err(|_| HttpError::DestinationNotFound)?
                    .map(|a| a.ip())
                    .collect(),
            };
            if matched != Match::Exact
                && let Some(private) = addresses.iter().find(|ip| !is_public(**ip))
            {
                return Err(policy.deny(format!(
                    "{host} resolves to the non-public address {private}; list the host itself (not a wildcard) to allow it"
                )));
            }
            // Last, once the request may go: a secret is added only to a request that leaves.
            let private = https || (!addresses.is_empty() && addresses.iter().all(IpAddr::is_loopback));
            let (added, withheld) = policy.secrets.apply(request.headers_mut(), &host, port, private);
            if added > 0 {
                tracing::debug!(plugin = %policy.owner, "added {added} secret header(s) for {host}:{port}");
            }
            for name in withheld {
                tracing::warn!(
                    plugin = %policy.owner,
                    "secret `{name}` not sent to {host}:{port}: plain HTTP over the network would carry it in clear text; use https"
                );
            }
            let (response, io) = default_send_request(request, options).await?;
            Ok((response.map(BodyExt::boxed_unsync), Box::new(io) as Box<dyn Future<Output = _> + Send>))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow: &[&str]) -> HttpPolicy {
        HttpPolicy::new(Owner::native("t"), Some(allow.iter().map(|s| s.to_string()).collect()))
    }

    #[test]
    fn hosts_ports_and_wildcards_match_as_documented() {
        let p = policy(&["api.example.com", "*.cdn.net", "127.0.0.1:8080"]);
        assert_eq!(p.matches("api.example.com", 443), Match::Exact);
        assert_eq!(p.matches("API.example.com", 80), Match::Exact);
        assert_eq!(p.matches("evil.example.com", 443), Match::None);
        assert_eq!(p.matches("a.cdn.net", 443), Match::Wildcard);
        assert_eq!(p.matches("cdn.net", 443), Match::None, "a wildcard names subdomains only");
        assert_eq!(p.matches("127.0.0.1", 8080), Match::Exact);
        assert_eq!(p.matches("127.0.0.1", 8081), Match::None, "the port is part of the entry");
        assert_eq!(HttpPolicy::new(Owner::native("t"), None).matches("api.example.com", 443), Match::None);
    }

    #[test]
    fn non_public_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.1.1",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }
}
