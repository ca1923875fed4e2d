//! Secrets a plugin uses without seeing them (`plugins.entries.<id>.secrets`).
//!
//! A value is read from its environment variable or file when the plugin loads and kept
//! here as a sensitive header value: it is added to the plugin's outbound HTTP requests
//! to the hosts it is bound to, at egress, after the guest handed the request over. It is
//! never copied into guest memory, never formatted (`Debug` shows names only), and a
//! request to any other host, a redirect's target included, goes without it: the host
//! does not follow redirects for a plugin, so a redirect is a new request, judged anew.

use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue};

use super::load_error::GrantError;
use crate::config::SecretBinding;

/// One resolved secret.
struct Secret {
    name: String,
    /// `(host, port)`: the port `None` matches any.
    hosts: Vec<(String, Option<u16>)>,
    header: HeaderName,
    value: HeaderValue,
}

/// The secrets of one plugin, resolved.
#[derive(Clone, Default)]
pub struct Secrets(Arc<[Secret]>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter().map(|s| &s.name)).finish()
    }
}

impl Secrets {
    /// Resolves plugin `id`'s bindings. `http_allow` is its outbound allowlist (`None`
    /// without `http:outbound`): a secret is only ever sent where the plugin may connect.
    /// A binding that cannot work as written refuses the plugin; a value that is not set
    /// (an unset variable, a missing file) leaves that secret out with a warning, so the
    /// plugin can ask [`has`](Self::has) and go without.
    pub fn resolve(
        id: &str,
        bindings: &std::collections::BTreeMap<String, SecretBinding>,
        http_allow: Option<&[String]>,
        resolve_path: impl Fn(&std::path::Path) -> std::path::PathBuf,
    ) -> Result<Secrets, GrantError> {
        let mut secrets = Vec::new();
        for (name, binding) in bindings {
            let problem = |problem: String| GrantError::Secret { id: id.to_string(), name: name.clone(), problem };
            let Some(allow) = http_allow else {
                return Err(problem(
                    "a secret is only sent with outbound HTTP, and `http:outbound` is not granted".into(),
                ));
            };
            let header = HeaderName::from_bytes(binding.header.as_bytes())
                .map_err(|_| problem(format!("header `{}` is not a valid HTTP header name", binding.header)))?;
            if binding.format.matches("{}").count() != 1 {
                return Err(problem(format!(
                    "format `{}` must hold `{{}}` exactly once, where the value goes (e.g. \"Bearer {{}}\")",
                    binding.format
                )));
            }
            if binding.hosts.is_empty() {
                return Err(problem("hosts lists no host; name the hosts whose requests carry it".into()));
            }
            let mut hosts = Vec::new();
            for entry in &binding.hosts {
                let host = parse_host(entry).ok_or_else(|| {
                    problem(format!(
                        "host `{entry}` is not `host`, `host:port` or `[ipv6]:port` (wildcards are not allowed)"
                    ))
                })?;
                if !allow.iter().any(|a| reaches(a, &host)) {
                    // The host may be allowed on some ports only: say which to bind.
                    let ports: Vec<String> = allow
                        .iter()
                        .filter_map(|a| parse_host(a))
                        .filter(|(h, p)| *h == host.0 && p.is_some())
                        .filter_map(|(_, p)| p.map(|p| format!("`{}:{p}`", host.0)))
                        .collect();
                    let hint = if ports.is_empty() {
                        "the plugin could never reach it".to_string()
                    } else {
                        format!("http_allow lets it reach only {}: bind that", ports.join(", "))
                    };
                    return Err(problem(format!("host `{entry}` is not in plugins.entries.{id}.http_allow; {hint}")));
                }
                hosts.push(host);
            }
            let raw = match (&binding.env, &binding.file) {
                (Some(var), None) => match std::env::var(var) {
                    Ok(value) => value,
                    Err(_) => {
                        tracing::warn!(plugin = %id, "plugins.entries.{id}.secrets.{name}: the environment variable `{var}` is not set; the secret is left out");
                        continue;
                    }
                },
                (None, Some(file)) => {
                    let path = resolve_path(file);
                    match std::fs::read_to_string(&path) {
                        Ok(text) => text.trim().to_string(),
                        Err(e) => {
                            tracing::warn!(plugin = %id, "plugins.entries.{id}.secrets.{name}: cannot read {}: {e}; the secret is left out", path.display());
                            continue;
                        }
                    }
                }
                _ => return Err(problem("set exactly one of `env` or `file`: where the value is read from".into())),
            };
            if raw.is_empty() {
                tracing::warn!(plugin = %id, "plugins.entries.{id}.secrets.{name}: the value is empty; the secret is left out");
                continue;
            }
            let mut value = HeaderValue::from_str(&binding.format.replacen("{}", &raw, 1))
                .map_err(|_| problem("its value holds characters a header cannot carry (a line break?)".into()))?;
            value.set_sensitive(true);
            secrets.push(Secret { name: name.clone(), hosts, header, value });
        }
        Ok(Secrets(secrets.into()))
    }

    /// Whether secret `name` is configured and was read.
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|s| s.name == name)
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets the headers of every secret bound to `host:port` (replacing what the guest set
    /// under those names); returns how many were set, and the names of those withheld.
    /// `private` says whether the request stays private on the wire: HTTPS, or plain HTTP
    /// to a loopback address (which never leaves the machine). A secret is never sent in
    /// clear text over a network: a bound request that is not private goes without it.
    pub fn apply(&self, headers: &mut HeaderMap, host: &str, port: u16, private: bool) -> (usize, Vec<&str>) {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let (mut applied, mut withheld) = (0, Vec::new());
        for secret in self.0.iter() {
            let bound = secret.hosts.iter().any(|(h, p)| h.eq_ignore_ascii_case(host) && p.is_none_or(|p| p == port));
            if !bound {
                continue;
            }
            if !private {
                withheld.push(secret.name.as_str());
                continue;
            }
            headers.insert(secret.header.clone(), secret.value.clone());
            applied += 1;
        }
        (applied, withheld)
    }
}

/// Whether `http_allow` entry `allowed` lets the plugin reach secret host `host`: the same
/// host (on any port, or on the port the binding names), or a `*.domain` wildcard over it.
fn reaches(allowed: &str, (host, port): &(String, Option<u16>)) -> bool {
    if let Some(domain) = allowed.strip_prefix("*.") {
        let domain = domain.split(':').next().unwrap_or_default().to_ascii_lowercase();
        return host.ends_with(&format!(".{domain}"));
    }
    match parse_host(allowed) {
        Some((h, None)) => h == *host,
        Some((h, Some(p))) => h == *host && *port == Some(p),
        None => false,
    }
}

/// `host`, `host:port`, `[ipv6]` or `[ipv6]:port`, lowercased and without brackets; `None`
/// for a wildcard or anything else.
fn parse_host(entry: &str) -> Option<(String, Option<u16>)> {
    if entry.contains('*') || entry.contains('/') || entry.is_empty() {
        return None;
    }
    let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?.parse::<u16>().ok()?)),
        }
    } else {
        match entry.rsplit_once(':') {
            // A bare IPv6 address has several colons: no port.
            Some((h, _)) if h.contains(':') => (entry, None),
            Some((h, p)) => (h, Some(p.parse::<u16>().ok()?)),
            None => (entry, None),
        }
    };
    (!host.is_empty()).then(|| (host.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn binding(env: &str, hosts: &[&str]) -> SecretBinding {
        SecretBinding {
            env: Some(env.into()),
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            ..SecretBinding::default()
        }
    }

    fn resolve(bindings: BTreeMap<String, SecretBinding>, allow: &[&str]) -> Result<Secrets, GrantError> {
        let allow: Vec<String> = allow.iter().map(|a| a.to_string()).collect();
        Secrets::resolve("p", &bindings, Some(&allow), |p| p.to_path_buf())
    }

    #[test]
    fn a_bound_host_gets_the_header_and_no_other_host_does() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "s3cr3t").unwrap();
        let bound =
            SecretBinding { env: None, file: Some(dir.path().join("token")), ..binding("", &["api.example.com"]) };
        let bindings = BTreeMap::from([("token".to_string(), bound)]);
        let secrets = resolve(bindings, &["api.example.com", "other.example.com"]).unwrap();
        assert!(secrets.has("token") && !secrets.has("other"));
        let covered = BTreeMap::from([("t".to_string(), binding("X", &["api.example.com"]))]);
        assert!(resolve(covered, &["*.example.com"]).is_ok(), "a wildcard in http_allow reaches the host");
        let v6 = BTreeMap::from([("t".to_string(), binding("X", &["[::1]", "[::1]:8443"]))]);
        assert!(resolve(v6, &["[::1]"]).is_ok(), "bracketed IPv6 hosts, with and without a port");
        let pinned = BTreeMap::from([("t".to_string(), binding("X", &["api.example.com"]))]);
        let err = resolve(pinned, &["api.example.com:443"]).unwrap_err().to_string();
        assert!(err.contains("http_allow lets it reach only `api.example.com:443`: bind that"), "{err}");
        let mut headers = HeaderMap::new();
        assert_eq!(secrets.apply(&mut headers, "other.example.com", 443, true), (0, vec![]));
        assert!(headers.is_empty());
        assert_eq!(
            secrets.apply(&mut headers, "API.example.com", 80, false),
            (0, vec!["token"]),
            "never in clear text"
        );
        assert!(headers.is_empty());
        assert_eq!(secrets.apply(&mut headers, "API.example.com", 443, true), (1, vec![]));
        assert_eq!(headers["authorization"], "Bearer s3cr3t");
        assert!(!format!("{secrets:?}").contains("s3cr3t"), "Debug shows names only");
        assert!(!format!("{:?}", headers["authorization"]).contains("s3cr3t"), "the header value is sensitive");
    }

    #[test]
    fn bindings_that_cannot_work_are_refused_naming_the_key_and_the_fix() {
        let cases = [
            (binding("X", &[]), "hosts lists no host"),
            (binding("X", &["*.example.com"]), "wildcards are not allowed"),
            (binding("X", &["elsewhere.net"]), "not in plugins.entries.p.http_allow"),
            (SecretBinding { header: "bad header".into(), ..binding("X", &["a.com"]) }, "not a valid HTTP header"),
            (SecretBinding { format: "Bearer".into(), ..binding("X", &["a.com"]) }, "exactly once"),
            (SecretBinding { env: None, ..binding("X", &["a.com"]) }, "exactly one of `env` or `file`"),
        ];
        for (b, expected) in cases {
            let err = resolve(BTreeMap::from([("k".to_string(), b)]), &["a.com"]).expect_err(expected).to_string();
            assert!(err.starts_with("plugins.entries.p.secrets.k: "), "{err}");
            assert!(err.contains(expected), "{err}");
        }
        let err = Secrets::resolve("p", &BTreeMap::from([("k".to_string(), binding("X", &["a.com"]))]), None, |p| {
            p.to_path_buf()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("`http:outbound` is not granted"), "{err}");
    }

    #[test]
    fn an_unset_value_leaves_the_secret_out_and_a_file_value_is_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "  abc\n").unwrap();
        let file = SecretBinding { env: None, file: Some(dir.path().join("token")), ..binding("", &["a.com:8080"]) };
        let bindings = BTreeMap::from([
            ("unset".to_string(), binding("ZEROCLAW_TEST_SECRET_NEVER_SET", &["a.com"])),
            ("file".to_string(), file),
        ]);
        let secrets = resolve(bindings, &["a.com:8080", "a.com"]).unwrap();
        assert!(!secrets.has("unset") && secrets.has("file"));
        let mut headers = HeaderMap::new();
        assert_eq!(secrets.apply(&mut headers, "a.com", 8081, true).0, 0, "the port is part of the binding");
        assert_eq!(secrets.apply(&mut headers, "a.com", 8080, true).0, 1);
        assert_eq!(headers["authorization"], "Bearer abc");
    }
}
