//! Host-side bindings of `wit/`, one module per plugin kind.
//!
//! The hooks world generates the shared `zeroclaw:host` interfaces; the tools and
//! providers worlds reuse them (`with`), so each type has one Rust definition and one
//! conversion in `convert.rs`.

/// `zeroclaw:hooks/hook-plugin`, plus the shared `zeroclaw:host` interfaces.
pub mod hooks {
    wasmtime::component::bindgen!({
        path: ["wit/zeroclaw/host/v1", "wit/zeroclaw/hooks/v1"],
        world: "zeroclaw:hooks/hook-plugin",
        // A plugin's tool call runs the agent's tool pipeline: the one async import.
        imports: { "zeroclaw:host/invoke.call": async | trappable, default: trappable },
        exports: { default: async },
    });
}

/// `zeroclaw:tools/tool-plugin`.
pub mod tools {
    wasmtime::component::bindgen!({
        path: ["wit/zeroclaw/host/v1", "wit/zeroclaw/tools/v1"],
        world: "zeroclaw:tools/tool-plugin",
        imports: { default: trappable },
        exports: { default: async },
        with: {
            "zeroclaw:host/types": super::hooks::zeroclaw::host::types,
            "zeroclaw:host/log": super::hooks::zeroclaw::host::log,
            "zeroclaw:host/config": super::hooks::zeroclaw::host::config,
            "zeroclaw:host/kv": super::hooks::zeroclaw::host::kv,
            "zeroclaw:host/invoke": super::hooks::zeroclaw::host::invoke,
            "zeroclaw:host/secrets": super::hooks::zeroclaw::host::secrets,
        },
    });
}

/// `zeroclaw:providers/provider-plugin`.
pub mod providers {
    wasmtime::component::bindgen!({
        path: ["wit/zeroclaw/host/v1", "wit/zeroclaw/providers/v1"],
        world: "zeroclaw:providers/provider-plugin",
        imports: { default: trappable },
        exports: { default: async },
        with: {
            "zeroclaw:host/types": super::hooks::zeroclaw::host::types,
            "zeroclaw:host/log": super::hooks::zeroclaw::host::log,
            "zeroclaw:host/config": super::hooks::zeroclaw::host::config,
            "zeroclaw:host/kv": super::hooks::zeroclaw::host::kv,
            "zeroclaw:host/invoke": super::hooks::zeroclaw::host::invoke,
            "zeroclaw:host/secrets": super::hooks::zeroclaw::host::secrets,
        },
    });
}
