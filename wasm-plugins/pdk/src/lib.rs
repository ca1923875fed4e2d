pub mod bindings {
    wit_bindgen::generate!({
        path: ["../../wit/zeroclaw/host/v1", "../../wit/zeroclaw/hooks/v1", "../../wit/zeroclaw/tools/v1", "../../wit/zeroclaw/providers/v1", "wit"],
        world: "zeroclaw:pdk/plugin",
        pub_export_macro: true,
        generate_all,
        default_bindings_module: "zeroclaw_pdk::bindings",
    });
}
