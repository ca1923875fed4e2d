//! The hook reference: every hook point of the catalog with its kind, its payload's fields
//! (types and docs from the WIT a guest is built against), what a rewrite may change and
//! the capability it needs, and what a plugin without `conversation:read` sees redacted.
//!
//! `zeroclaw plugins hooks` prints it; docs/hooks-reference.md is [`markdown`]'s output,
//! and a test keeps the two equal.

use serde::Serialize;
use wit_parser::{Resolve, Type, TypeDefKind, TypeId};
use zeroclaw_plugin_api::{HookKind, HookPoint};

use crate::plugins::contract::{HOOKS_WIT, HOST_WIT};
use crate::plugins::conversation;

/// One hook point.
#[derive(Clone, Debug, Serialize)]
pub struct HookDoc {
    /// The name in config and manifests, `before_tool_call`.
    pub name: &'static str,
    /// The `hook-event` case, `before-tool-call`.
    pub wit_case: &'static str,
    /// `void` or `modifying`.
    pub kind: HookKind,
    /// What the point is for (the docs of its WIT case and record).
    pub doc: String,
    /// The payload's WIT record, `tool-call`.
    pub payload: String,
    /// The payload's fields.
    pub fields: Vec<FieldDoc>,
    /// The fields a rewrite may change (the rest of a rewrite is ignored).
    pub rewritable: &'static [&'static str],
    /// The capability a rewrite or a cancel needs (`None` for void points).
    pub rewrite_needs: Option<&'static str>,
    /// The fields that hold conversation content: redacted for a plugin without
    /// `conversation:read`, which then may not rewrite the payload.
    pub redacted: &'static [&'static str],
}

/// One field of a record.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FieldDoc {
    /// Its name as the payload's JSON and the Rust and Python bindings spell it (`tool_calls`).
    pub name: String,
    /// Its WIT type, `list<chat-message>`.
    #[serde(rename = "type")]
    pub ty: String,
    /// Its doc.
    pub doc: String,
}

/// A shared record, enum or variant the payloads use (`chat-message`, `role`, …).
#[derive(Clone, Debug, Serialize)]
pub struct TypeDoc {
    /// Its WIT name.
    pub name: String,
    /// `record`, `enum` or `variant`.
    pub form: &'static str,
    /// Its doc.
    pub doc: String,
    /// Its fields (a record) or cases (an enum, a variant: `type` is the case's payload).
    pub fields: Vec<FieldDoc>,
}

/// The whole reference.
#[derive(Clone, Debug, Serialize)]
pub struct HookReference {
    /// Every hook point, in catalog order.
    pub hooks: Vec<HookDoc>,
    /// The shared types the payloads name, in WIT order.
    pub types: Vec<TypeDoc>,
}

/// The reference, from the catalog and the WIT built into this binary.
pub fn reference() -> HookReference {
    let mut resolve = Resolve::new();
    // Both files are this crate's own, checked by its tests: they parse.
    resolve.push_str("host.wit", HOST_WIT).expect("wit/zeroclaw/host parses");
    let hooks = resolve.push_str("hooks.wit", HOOKS_WIT).expect("wit/zeroclaw/hooks parses");
    let types = resolve.packages[hooks].interfaces["types"];
    let event = resolve.interfaces[types].types["hook-event"];
    let TypeDefKind::Variant(variant) = &resolve.types[event].kind else { unreachable!("hook-event is a variant") };
    let hooks = HookPoint::ALL
        .iter()
        .map(|point| {
            let case = variant.cases.iter().find(|c| c.name == point.wit_name());
            let record = case.and_then(|c| c.ty).and_then(|ty| named(&resolve, ty));
            HookDoc {
                name: point.name(),
                wit_case: point.wit_name(),
                kind: point.kind(),
                // The case says the kind and what a cancel does; the record says what it is.
                doc: [case.map(|c| docs(&c.docs)), record.map(|id| docs(&resolve.types[id].docs))]
                    .into_iter()
                    .flatten()
                    .filter(|d| !d.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
                payload: record.map(|id| type_name(&resolve, id)).unwrap_or_default(),
                fields: record.map(|id| fields(&resolve, id)).unwrap_or_default(),
                rewritable: point.rewritable_fields(),
                rewrite_needs: point.required_right().map(|r| r.capability()),
                redacted: conversation::redacted_fields(*point),
            }
        })
        .collect();
    let host = resolve.packages.iter().find(|(_, p)| p.name.name == "host").map(|(id, _)| id);
    let shared = host.map(|id| resolve.packages[id].interfaces["types"]);
    let types = shared
        .map(|iface| {
            resolve.interfaces[iface]
                .types
                .values()
                .map(|id| {
                    let def = &resolve.types[*id];
                    let form = match def.kind {
                        TypeDefKind::Record(_) => "record",
                        TypeDefKind::Enum(_) => "enum",
                        _ => "variant",
                    };
                    TypeDoc {
                        name: type_name(&resolve, *id),
                        form,
                        doc: docs(&def.docs),
                        fields: fields(&resolve, *id),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    HookReference { hooks, types }
}

fn docs(docs: &wit_parser::Docs) -> String {
    docs.contents.as_deref().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The named type `ty` stands for, through `use` aliases.
fn named(resolve: &Resolve, ty: Type) -> Option<TypeId> {
    let Type::Id(mut id) = ty else { return None };
    while let TypeDefKind::Type(Type::Id(inner)) = resolve.types[id].kind {
        id = inner;
    }
    Some(id)
}

fn type_name(resolve: &Resolve, id: TypeId) -> String {
    resolve.types[id].name.clone().unwrap_or_default()
}

/// The fields of a record, or the cases of an enum or a variant.
fn fields(resolve: &Resolve, id: TypeId) -> Vec<FieldDoc> {
    let field =
        |name: &str, ty: String, doc: &wit_parser::Docs| FieldDoc { name: name.replace('-', "_"), ty, doc: docs(doc) };
    match &resolve.types[named(resolve, Type::Id(id)).unwrap_or(id)].kind {
        TypeDefKind::Record(r) => r.fields.iter().map(|f| field(&f.name, render(resolve, f.ty), &f.docs)).collect(),
        TypeDefKind::Enum(e) => e.cases.iter().map(|c| field(&c.name, String::new(), &c.docs)).collect(),
        TypeDefKind::Variant(v) => v
            .cases
            .iter()
            .map(|c| field(&c.name, c.ty.map(|t| render(resolve, t)).unwrap_or_default(), &c.docs))
            .collect(),
        _ => Vec::new(),
    }
}

/// A WIT type as WIT writes it: `string`, `option<u64>`, `list<chat-message>`.
fn render(resolve: &Resolve, ty: Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::S8 => "s8".into(),
        Type::S16 => "s16".into(),
        Type::S32 => "s32".into(),
        Type::S64 => "s64".into(),
        Type::F32 => "f32".into(),
        Type::F64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
        Type::Id(id) => {
            let def = &resolve.types[id];
            if let Some(name) = &def.name {
                return name.clone();
            }
            match &def.kind {
                TypeDefKind::Option(inner) => format!("option<{}>", render(resolve, *inner)),
                TypeDefKind::List(inner) => format!("list<{}>", render(resolve, *inner)),
                TypeDefKind::Type(inner) => render(resolve, *inner),
                other => other.as_str().to_string(),
            }
        }
    }
}

/// The reference as text, for the terminal.
pub fn text(reference: &HookReference) -> String {
    let mut out = String::new();
    for hook in &reference.hooks {
        let kind = match hook.kind {
            HookKind::Void => "void",
            HookKind::Modifying => "modifying",
        };
        out.push_str(&format!("{}  ({kind}; WIT case `{}`, record `{}`)\n", hook.name, hook.wit_case, hook.payload));
        out.push_str(&format!("  {}\n", hook.doc));
        for field in &hook.fields {
            out.push_str(&format!("  {:<20} {:<22} {}\n", field.name, field.ty, field.doc));
        }
        if let Some(cap) = hook.rewrite_needs {
            out.push_str(&format!("  a rewrite needs `{cap}` and may change: {}\n", hook.rewritable.join(", ")));
        }
        if !hook.redacted.is_empty() {
            out.push_str(&format!("  redacted without `conversation:read`: {}\n", hook.redacted.join(", ")));
        }
        out.push('\n');
    }
    out.push_str("shared types (zeroclaw:host/types)\n");
    for ty in &reference.types {
        out.push_str(&format!("  {} {}: {}\n", ty.form, ty.name, ty.doc));
        for field in &ty.fields {
            out.push_str(&format!("    {:<18} {:<20} {}\n", field.name, field.ty, field.doc));
        }
    }
    out
}

/// The reference as the Markdown page docs/hooks-reference.md.
pub fn markdown(reference: &HookReference) -> String {
    let cell = |text: &str| text.replace('|', "\\|");
    let mut out = String::from(
        "# Hook reference\n\n\
         Generated from the hook catalog and `wit/zeroclaw/{host,hooks}/v1` by\n\
         `zeroclaw plugins hooks --markdown`; a test checks that this page and the catalog agree.\n\n\
         Field names are as the payload's JSON (`plugins fire`), Rust and Python spell them;\n\
         JavaScript bindings use camelCase. A modifying hook's rewrite may change only the listed\n\
         fields (the rest of a rewrite is ignored) and needs the listed capability, requested in\n\
         `plugin.toml` and granted in `plugins.entries.<id>.grant`. Without `conversation:read`,\n\
         a hook sees the message and model text in the redacted fields as\n\
         `[redacted: conversation:read not granted]` (the text of every message but the system\n\
         ones; the tool calls they carry are kept) and may not rewrite the payload.\n\n\
         | hook | kind | record | a rewrite needs | may change | redacted without `conversation:read` |\n\
         |---|---|---|---|---|---|\n",
    );
    let list = |items: &[&str]| if items.is_empty() { "—".to_string() } else { items.join(", ") };
    for hook in &reference.hooks {
        let kind = match hook.kind {
            HookKind::Void => "void",
            HookKind::Modifying => "modifying",
        };
        out.push_str(&format!(
            "| [`{}`](#{}) | {kind} | `{}` | {} | {} | {} |\n",
            hook.name,
            hook.name,
            hook.payload,
            hook.rewrite_needs.map_or("—".to_string(), |c| format!("`{c}`")),
            list(hook.rewritable),
            list(hook.redacted),
        ));
    }
    for hook in &reference.hooks {
        out.push_str(&format!("\n## {}\n\n{}\n\n", hook.name, cell(&hook.doc)));
        out.push_str(&format!("WIT case `{}`, record `{}`:\n\n", hook.wit_case, hook.payload));
        out.push_str("| field | type | |\n|---|---|---|\n");
        for field in &hook.fields {
            out.push_str(&format!("| `{}` | `{}` | {} |\n", field.name, field.ty, cell(&field.doc)));
        }
    }
    out.push_str("\n## Shared types (`zeroclaw:host/types`)\n");
    for ty in &reference.types {
        out.push_str(&format!("\n### {} `{}`\n\n{}\n\n", ty.form, ty.name, cell(&ty.doc)));
        let what = if ty.form == "record" { "field" } else { "case" };
        out.push_str(&format!("| {what} | type | |\n|---|---|---|\n"));
        for field in &ty.fields {
            let ty = if field.ty.is_empty() { String::new() } else { format!("`{}`", field.ty) };
            out.push_str(&format!("| `{}` | {ty} | {} |\n", field.name, cell(&field.doc)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_has_its_record_and_fields() {
        let reference = reference();
        assert_eq!(reference.hooks.len(), HookPoint::COUNT);
        for hook in &reference.hooks {
            assert!(!hook.payload.is_empty() && !hook.fields.is_empty(), "{}", hook.name);
            assert!(!hook.doc.is_empty(), "{}: the WIT case has a doc", hook.name);
            for field in hook.rewritable.iter().chain(hook.redacted) {
                assert!(hook.fields.iter().any(|f| f.name == *field), "{}: `{field}` is a field", hook.name);
            }
        }
        let call = reference.hooks.iter().find(|h| h.name == "before_llm_call").unwrap();
        assert_eq!(call.payload, "llm-call");
        assert_eq!(
            call.fields[1],
            FieldDoc { name: "request".into(), ty: "chat-request".into(), doc: "The request.".into() }
        );
        let message = reference.types.iter().find(|t| t.name == "chat-message").unwrap();
        assert!(message.fields.iter().any(|f| f.name == "tool_calls" && f.ty == "list<tool-call>"), "{message:?}");
    }

    #[test]
    fn the_docs_page_is_the_generated_reference() {
        let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/hooks-reference.md"))
            .expect("docs/hooks-reference.md exists");
        assert!(
            page == markdown(&reference()),
            "docs/hooks-reference.md is out of date: regenerate it with `cargo run -- plugins hooks --markdown > docs/hooks-reference.md`"
        );
    }
}
