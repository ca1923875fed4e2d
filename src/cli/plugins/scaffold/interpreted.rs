//! The Python and JavaScript templates: one module each (`app.py`, `app.js`), built by
//! the language's componentize tool. The module texts live beside this file, with
//! `@name@` (the plugin id) and `@ident@` (the tool or provider name) to fill in.

use super::{Kind, Lang};

/// The module of a `lang` plugin of `kind`, filled in, with its file name.
pub(super) fn files(name: &str, kind: Kind, lang: Lang) -> Vec<(&'static str, String)> {
    let (entry, template) = match (lang, kind) {
        (Lang::Python, Kind::Hook) => ("app.py", include_str!("templates/hook.py")),
        (Lang::Python, Kind::Tool) => ("app.py", include_str!("templates/tool.py")),
        (Lang::Python, Kind::Provider) => ("app.py", include_str!("templates/provider.py")),
        (Lang::Js, Kind::Hook) => ("app.js", include_str!("templates/hook.js")),
        (Lang::Js, Kind::Tool) => ("app.js", include_str!("templates/tool.js")),
        (Lang::Js, Kind::Provider) => ("app.js", include_str!("templates/provider.js")),
        (Lang::Rust, _) => return Vec::new(),
    };
    let text = template.replace("@name@", name).replace("@ident@", &name.replace('-', "_"));
    vec![(entry, text)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_filled_in_and_named_after_its_entry_module() {
        for lang in [Lang::Python, Lang::Js] {
            for kind in [Kind::Hook, Kind::Tool, Kind::Provider] {
                let files = files("my-plugin", kind, lang);
                let [(entry, text)] = files.as_slice() else { panic!("{lang:?} {kind:?}: one module") };
                let expected = match lang {
                    Lang::Python => crate::plugins::build::PYTHON_ENTRY,
                    _ => crate::plugins::build::JS_ENTRY,
                };
                assert_eq!(*entry, expected);
                assert!(!text.contains("@name@") && !text.contains("@ident@"), "{text}");
                assert!(text.contains("my-plugin") || text.contains("my_plugin"), "{lang:?} {kind:?}");
            }
        }
    }
}
