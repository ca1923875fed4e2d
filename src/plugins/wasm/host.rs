//! The host side of a store: per-instance state, the resource limiter, captured stdio, and
//! the `zeroclaw:host` imports (log, config).
//!
//! Every host call counts against the per-call bound; going over it traps the guest with
//! the flag set, so the caller can report `host_call_limit` rather than a bare trap.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Instant;
use wasmtime::ResourceLimiter;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};
use wasmtime_wasi::{FsPerms, ResourceTable, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};
use zeroclaw_plugin_api::Owner;

use super::bindings::hooks::zeroclaw::host::{config, invoke, kv, log, secrets};
use super::http::HttpPolicy;
use super::secrets::Secrets;
use crate::capability::Capability;
use crate::config::Limits;
use crate::plugins::invoke::{CallChain, InvokeError, PluginToolCall, ToolGateway};
use crate::plugins::kv::{KvError as KvStoreError, KvQuota, KvStore};

/// Longest log line a plugin may write; longer ones are cut.
const MAX_LOG_LINE: usize = 4096;

/// What the operator granted one plugin, resolved when it loaded. Each field opens
/// exactly what it names; everything else stays closed.
pub struct Grants {
    /// The kv store, when `kv` is granted.
    pub kv: Option<Arc<KvStore>>,
    /// The outbound HTTP allowlist, when `http:outbound` is granted.
    pub http_allow: Option<Vec<String>>,
    /// Directories preopened read-only (`fs:read`), at the same path in the guest.
    pub fs_read: Vec<PathBuf>,
    /// Directories preopened read-write (`fs:write`), at the same path in the guest.
    pub fs_write: Vec<PathBuf>,
    /// Environment variables exposed (`env`), with their values at load.
    pub env: Vec<(String, String)>,
    /// Whether conversation content reaches the plugin unredacted (`conversation:read`).
    pub conversation_read: bool,
    /// Whether its log lines are written (`log` is implicit unless globally denied).
    pub log: bool,
    /// The tools it may call and the pipeline that runs them, when `tools:invoke` is granted.
    pub invoke: Option<InvokeGrant>,
    /// Its secrets, added to outbound requests to their hosts.
    pub secrets: Secrets,
}

/// What `tools:invoke` opens: the tools on the operator's allowlist, through the agent's
/// tool pipeline.
pub struct InvokeGrant {
    /// `plugins.entries.<id>.invoke_allow`.
    pub allow: Arc<[String]>,
    /// Where the pipeline is found.
    pub gateway: Arc<ToolGateway>,
}

/// What every instance of one loaded plugin shares.
pub struct PluginShared {
    /// Who the plugin is.
    pub owner: Owner,
    /// `plugins.entries.<id>.config` as JSON text.
    pub config_json: String,
    /// The limits in force for it.
    pub limits: Limits,
    /// What it may reach.
    pub grants: Grants,
}

/// Caps linear memory and table growth of one store, remembering when it said no.
#[derive(Debug)]
pub struct Limiter {
    memory_cap: usize,
    /// Set when the guest asked for more memory than its cap.
    pub memory_exceeded: bool,
}

impl Limiter {
    fn new(memory_mb: u64) -> Self {
        let cap = usize::try_from(memory_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
        Limiter { memory_cap: cap, memory_exceeded: false }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.memory_cap {
            self.memory_exceeded = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        // Tables hold function references; a million is far beyond any honest plugin.
        Ok(desired <= 1_000_000)
    }

    fn instances(&self) -> usize {
        100
    }

    fn tables(&self) -> usize {
        100
    }

    fn memories(&self) -> usize {
        100
    }
}

/// Guest stdout or stderr, kept in memory up to a cap and then drained into the log.
///
/// Writes past the cap succeed for the guest and are counted as dropped, so a chatty
/// plugin never fails because of its own output.
#[derive(Clone, Debug)]
pub struct Capture {
    inner: Arc<Mutex<Captured>>,
    /// Set by every write, so a drain after a silent call costs one atomic load.
    written: Arc<AtomicBool>,
}

#[derive(Debug, Default)]
struct Captured {
    bytes: Vec<u8>,
    dropped: u64,
    cap: usize,
}

impl Capture {
    /// A capture that keeps at most `cap` bytes between drains.
    pub fn new(cap: usize) -> Self {
        Capture { inner: Arc::new(Mutex::new(Captured { cap, ..Default::default() })), written: Arc::default() }
    }

    /// Takes what was written since the last drain, and how many bytes were dropped.
    pub fn drain(&self) -> (Vec<u8>, u64) {
        // A plain load first: after a silent call there is nothing to take, and a load
        // costs less than the swap.
        if !self.written.load(Ordering::Relaxed) || !self.written.swap(false, Ordering::Acquire) {
            return (Vec::new(), 0);
        }
        let mut inner = self.inner.lock();
        (std::mem::take(&mut inner.bytes), std::mem::take(&mut inner.dropped))
    }
}

impl IsTerminal for Capture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl Capture {
    fn keep(&self, buf: &[u8]) {
        let mut inner = self.inner.lock();
        self.written.store(true, Ordering::Release);
        let room = inner.cap.saturating_sub(inner.bytes.len());
        let kept = room.min(buf.len());
        inner.bytes.extend_from_slice(&buf[..kept]);
        inner.dropped += (buf.len() - kept) as u64;
    }
}

impl StdoutStream for Capture {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }

    // A direct WASI stream: the default adapter forwards every write through a
    // background task, which made a chatty guest pay a task hop per line.
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Pollable for Capture {
    async fn ready(&mut self) {}
}

impl OutputStream for Capture {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        self.keep(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Always writable: what goes over the cap is dropped and counted, never refused.
        Ok(64 * 1024)
    }
}

impl tokio::io::AsyncWrite for Capture {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.keep(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Per-call bookkeeping, reset at the start of every call.
#[derive(Debug)]
pub struct CallState {
    /// How long the call may run.
    pub timeout: Duration,
    /// When the call must be over: set at the call's first epoch tick, from then on
    /// (within one [`super::TICK`] of its start, and no clock read for a call that ends
    /// before a tick, which is most of them).
    pub deadline: Option<Instant>,
    /// Set by the epoch callback when it stopped the guest at the deadline.
    pub timed_out: bool,
    /// Host calls made so far.
    pub host_calls: u64,
    /// Set when the guest went over `max_host_calls`.
    pub host_call_limit_hit: bool,
    /// Log lines written so far.
    pub log_lines: u64,
    /// Log lines dropped over `max_log_lines`.
    pub log_dropped: u64,
}

impl CallState {
    fn new(timeout: Duration) -> Self {
        CallState {
            timeout,
            deadline: None,
            timed_out: false,
            host_calls: 0,
            host_call_limit_hit: false,
            log_lines: 0,
            log_dropped: 0,
        }
    }
}

/// The data of one store: one instance of one plugin.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    http_ctx: WasiHttpCtx,
    http: HttpPolicy,
    /// The plugin this instance belongs to.
    pub plugin: Arc<PluginShared>,
    /// Memory and table caps.
    pub limiter: Limiter,
    /// The current call.
    pub call: CallState,
    /// Guest stdout.
    pub stdout: Capture,
    /// Guest stderr.
    pub stderr: Capture,
}

impl HostState {
    /// State for a new instance of `plugin`. Its WASI context grants nothing but captured
    /// stdio, plus exactly what the plugin's grants name: listed variables, listed
    /// directories. No inherited stdio, no arguments, no sockets.
    pub fn new(plugin: Arc<PluginShared>) -> Self {
        let stdout = Capture::new(64 * 1024);
        let stderr = Capture::new(64 * 1024);
        let mut wasi = WasiCtx::builder();
        wasi.stdout(stdout.clone()).stderr(stderr.clone());
        let grants = &plugin.grants;
        for (name, value) in &grants.env {
            wasi.env(name, value);
        }
        let dirs = grants
            .fs_read
            .iter()
            .map(|d| (d, FsPerms::ReadOnly))
            .chain(grants.fs_write.iter().map(|d| (d, FsPerms::ReadWrite)));
        for (dir, perms) in dirs {
            if let Err(e) = wasi.preopened_dir(dir, dir.to_string_lossy(), perms) {
                tracing::warn!(plugin = %plugin.owner, "cannot open granted directory {}: {e}", dir.display());
            }
        }
        let limiter = Limiter::new(plugin.limits.memory_mb);
        let http =
            HttpPolicy::new(plugin.owner.clone(), grants.http_allow.clone()).with_secrets(grants.secrets.clone());
        HostState {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            http_ctx: WasiHttpCtx::new(),
            http,
            plugin,
            limiter,
            call: CallState::new(Duration::ZERO),
            stdout,
            stderr,
        }
    }

    /// Starts a new call that may run for `timeout`.
    pub fn begin_call(&mut self, timeout: Duration) {
        self.call = CallState::new(timeout);
        self.limiter.memory_exceeded = false;
    }

    /// Counts a host call; traps the guest past the per-call bound.
    fn host_call(&mut self) -> wasmtime::Result<()> {
        self.call.host_calls += 1;
        if self.call.host_calls > self.plugin.limits.max_host_calls {
            self.call.host_call_limit_hit = true;
            return Err(wasmtime::format_err!(
                "more than {} host calls in one call (plugins.limits.max_host_calls)",
                self.plugin.limits.max_host_calls
            ));
        }
        Ok(())
    }

    /// Writes what the guest printed to the log, line by line, tagged with the plugin.
    /// Returns the stderr text (for trap messages: a Rust guest's panic message is there).
    pub fn flush_stdio(&self) -> String {
        let owner = &self.plugin.owner;
        let (out, out_dropped) = self.stdout.drain();
        let (err, err_dropped) = self.stderr.drain();
        if out.is_empty() && err.is_empty() && out_dropped + err_dropped == 0 && self.call.log_dropped == 0 {
            return String::new(); // a silent call: the common case
        }
        for line in String::from_utf8_lossy(&out).lines().filter(|l| !l.is_empty()) {
            tracing::info!(plugin = %owner, stream = "stdout", "{line}");
        }
        let err = String::from_utf8_lossy(&err).into_owned();
        for line in err.lines().filter(|l| !l.is_empty()) {
            tracing::warn!(plugin = %owner, stream = "stderr", "{line}");
        }
        if out_dropped + err_dropped > 0 {
            tracing::warn!(plugin = %owner, "dropped {} bytes of guest output over the capture cap", out_dropped + err_dropped);
        }
        if self.call.log_dropped > 0 {
            tracing::warn!(
                plugin = %owner,
                "dropped {} log lines over plugins.limits.max_log_lines = {}",
                self.call.log_dropped, self.plugin.limits.max_log_lines
            );
        }
        err
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http_ctx, table: &mut self.table, hooks: &mut self.http }
    }
}

impl HostState {
    /// The kv store, or the guest-facing reason it is closed.
    fn kv(&mut self) -> wasmtime::Result<Result<Arc<KvStore>, kv::KvError>> {
        self.host_call()?;
        Ok(match &self.plugin.grants.kv {
            Some(store) => Ok(store.clone()),
            None => {
                let id = self.plugin.owner.plugin_id();
                tracing::warn!(plugin = %self.plugin.owner, "kv call refused: `kv` is not granted");
                Err(kv::KvError::Denied(format!("`kv` is not granted; {}", Capability::Kv.whole_fix(id))))
            }
        })
    }

    fn quota(&self) -> KvQuota {
        KvQuota { max_keys: self.plugin.limits.kv_max_keys, max_bytes: self.plugin.limits.kv_max_bytes }
    }
}

fn kv_error(e: KvStoreError) -> kv::KvError {
    match e {
        KvStoreError::Quota(m) => kv::KvError::Quota(m),
        KvStoreError::Store(m) => kv::KvError::Store(m),
    }
}

impl kv::Host for HostState {
    fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<Vec<u8>>, kv::KvError>> {
        let id = self.plugin.owner.plugin_id().to_string();
        Ok(self.kv()?.and_then(|store| store.get(&id, &key).map_err(kv_error)))
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> wasmtime::Result<Result<(), kv::KvError>> {
        let (id, quota) = (self.plugin.owner.plugin_id().to_string(), self.quota());
        Ok(self.kv()?.and_then(|store| store.set(&id, &key, &value, quota).map_err(kv_error)))
    }

    fn delete(&mut self, key: String) -> wasmtime::Result<Result<bool, kv::KvError>> {
        let id = self.plugin.owner.plugin_id().to_string();
        Ok(self.kv()?.and_then(|store| store.delete(&id, &key).map_err(kv_error)))
    }

    fn keys(&mut self) -> wasmtime::Result<Result<Vec<String>, kv::KvError>> {
        let id = self.plugin.owner.plugin_id().to_string();
        Ok(self.kv()?.and_then(|store| store.keys(&id).map_err(kv_error)))
    }
}

/// The `tracing` target of the lines plugins write through `zeroclaw:host/log`.
pub use crate::observability::log::PLUGIN_LOG;

impl log::Host for HostState {
    fn log(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
        self.host_call()?;
        if !self.plugin.grants.log || self.call.log_lines >= self.plugin.limits.max_log_lines {
            self.call.log_dropped += 1;
            return Ok(());
        }
        self.call.log_lines += 1;
        let mut message = message;
        if message.len() > MAX_LOG_LINE {
            message.truncate(message.floor_char_boundary(MAX_LOG_LINE));
            message.push_str(" [cut]");
        }
        let owner = &self.plugin.owner;
        match level {
            // One target for every plugin's own lines, so a filter can show them alone
            // (`ZEROCLAW_LOG=plugin=debug`).
            log::Level::Trace => tracing::trace!(target: PLUGIN_LOG, plugin = %owner, "{message}"),
            log::Level::Debug => tracing::debug!(target: PLUGIN_LOG, plugin = %owner, "{message}"),
            log::Level::Info => tracing::info!(target: PLUGIN_LOG, plugin = %owner, "{message}"),
            log::Level::Warn => tracing::warn!(target: PLUGIN_LOG, plugin = %owner, "{message}"),
            log::Level::Error => tracing::error!(target: PLUGIN_LOG, plugin = %owner, "{message}"),
        }
        Ok(())
    }
}

impl config::Host for HostState {
    fn get(&mut self) -> wasmtime::Result<String> {
        self.host_call()?;
        Ok(self.plugin.config_json.clone())
    }
}

impl secrets::Host for HostState {
    fn has(&mut self, name: String) -> wasmtime::Result<bool> {
        self.host_call()?;
        Ok(self.plugin.grants.secrets.has(&name))
    }
}

fn invoke_error(e: InvokeError) -> invoke::InvokeError {
    match e {
        InvokeError::Denied(m) => invoke::InvokeError::Denied(m),
        InvokeError::NotFound(m) => invoke::InvokeError::NotFound(m),
        InvokeError::InvalidArguments(m) => invoke::InvokeError::InvalidArguments(m),
        InvokeError::Cancelled(m) => invoke::InvokeError::Cancelled(m),
        InvokeError::Failed(m) => invoke::InvokeError::Failed(m),
        InvokeError::Limit(m) => invoke::InvokeError::Limit(m),
    }
}

impl HostState {
    /// A tool call of this plugin, checked against its grant, its allowlist and the depth
    /// limit, then run through the pipeline within what is left of this call's deadline.
    async fn invoke_tool(&mut self, name: String, arguments: String) -> Result<String, InvokeError> {
        let plugin = self.plugin.clone();
        let id = plugin.owner.plugin_id();
        let Some(grant) = &plugin.grants.invoke else {
            tracing::warn!(plugin = %plugin.owner, tool = %name, "tool call refused: `tools:invoke` is not granted");
            let fix = Capability::ToolsInvoke.whole_fix(id);
            return Err(InvokeError::Denied(format!("`tools:invoke` is not granted; {fix}")));
        };
        if !grant.allow.contains(&name) {
            tracing::warn!(plugin = %plugin.owner, tool = %name, "tool call refused: not on the allowlist");
            return Err(InvokeError::Denied(format!(
                "`{name}` is not in plugins.entries.{id}.invoke_allow; add it there to let `{id}` call it"
            )));
        }
        let arguments = serde_json::from_str(&arguments)
            .map_err(|e| InvokeError::InvalidArguments(format!("the arguments of `{name}` are not JSON: {e}")))?;
        let chain = CallChain::current().child(id);
        let max = plugin.limits.invoke_max_depth;
        if chain.depth() as u64 > max {
            return Err(InvokeError::Limit(format!(
                "calling `{name}` would nest plugin calls {} deep ({chain}); plugins.limits.invoke_max_depth is {max}",
                chain.depth()
            )));
        }
        // The caller's own deadline bounds the whole nested call, waits for slots included.
        // The deadline is set at the call's first epoch tick; a call that invokes before it
        // sets it here, so that a later invoke cannot start the clock again.
        let now = Instant::now();
        let deadline = *self.call.deadline.get_or_insert(now + self.call.timeout);
        let left = deadline.saturating_duration_since(now);
        let call = PluginToolCall {
            caller: plugin.owner.clone(),
            name: name.clone(),
            arguments,
            allowed: grant.allow.clone(),
        };
        match tokio::time::timeout(left, grant.gateway.invoke(chain, call)).await {
            Ok(result) => result,
            Err(_) => Err(InvokeError::Limit(format!(
                "`{name}` did not finish within the {} ms left of `{id}`'s own call (plugins.limits.timeout_ms)",
                left.as_millis()
            ))),
        }
    }
}

impl invoke::Host for HostState {
    async fn call(&mut self, name: String, arguments: String) -> wasmtime::Result<Result<String, invoke::InvokeError>> {
        self.host_call()?;
        Ok(self.invoke_tool(name, arguments).await.map_err(invoke_error))
    }
}
