//! Why the gateway cannot start, or stopped without being asked to.

use std::net::SocketAddr;

use thiserror::Error;

/// A gateway that cannot serve; each message says what to change.
#[derive(Debug, Error)]
pub enum GatewayError {
    /// `gateway.token_env` names a variable that is not set (or is empty).
    #[error("gateway.token_env names `{0}`, which is not set (or empty); set it or remove token_env")]
    TokenUnset(String),
    /// Serving beyond loopback without a token, and the operator did not allow it.
    #[error(
        "refusing to serve {0} (beyond this machine) without a token: set gateway.token_env, bind 127.0.0.1, or set gateway.allow_public_without_token = true"
    )]
    Exposed(SocketAddr),
    /// The listener has no local address.
    #[error("cannot read the listener's address: {0}")]
    Address(#[source] std::io::Error),
    /// The server task ended before a shutdown was asked for.
    #[error("the gateway stopped on its own: {0}")]
    Stopped(String),
}
