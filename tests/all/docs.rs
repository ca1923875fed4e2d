//! The docs cannot drift from the code: every relative link and `#anchor` in README.md
//! and docs/ (every language) resolves; every config key of the schema is documented in
//! config-reference.md in every language, and nothing there names a key that does not
//! exist; every command and flag of the CLI is in commands-reference.md in every language;
//! a page translated in full has the English page's sections. Each check reports the
//! file, the line and what is missing; the tests at the end show each one failing.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use clap::CommandFactory;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The languages the docs are translated into, each a folder of docs/.
const LANGUAGES: [&str; 2] = ["fr", "vi"];
/// Pages translated in full: their sections must be the English page's.
const FULL: [&str; 3] = ["config-reference.md", "commands-reference.md", "troubleshooting.md"];
/// Pages translated as an overview that links to the English page for the rest.
const OVERVIEWS: [&str; 2] = ["plugins-runtime.md", "writing-wasm-plugins.md"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A heading: its level, its text, the inline code it holds, its line and its anchor.
#[derive(Clone, Debug)]
struct Heading {
    level: usize,
    text: String,
    code: Vec<String>,
    line: usize,
    anchor: String,
}

/// An inline code span, with its line and the heading it sits under (an index into
/// `headings`; `None` before the first heading).
#[derive(Clone, Debug)]
struct Code {
    text: String,
    line: usize,
    section: Option<usize>,
    /// Whether it is in the first cell of a body row of its section's first table (the
    /// key column of a reference section; later tables list values, not keys).
    key_cell: bool,
}

/// What the checks read off one Markdown page.
struct Page {
    /// The page as reported (`docs/fr/config-reference.md`).
    name: String,
    /// Its directory, for relative links.
    dir: PathBuf,
    headings: Vec<Heading>,
    links: Vec<(String, usize)>,
    code: Vec<Code>,
}

/// GitHub's anchor for a heading: lowercase, letters, digits, `-` and `_` kept, spaces
/// to `-`, everything else dropped; a repeated anchor gets `-1`, `-2`, ….
fn anchor(text: &str, seen: &mut BTreeMap<String, usize>) -> String {
    let base: String = text
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect();
    let count = seen.entry(base.clone()).or_insert(0);
    let anchor = if *count == 0 { base.clone() } else { format!("{base}-{count}") };
    *count += 1;
    anchor
}

fn parse(name: &str, dir: &Path, text: &str) -> Page {
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let mut page = Page {
        name: name.to_string(),
        dir: dir.to_path_buf(),
        headings: Vec::new(),
        links: Vec::new(),
        code: Vec::new(),
    };
    let mut seen = BTreeMap::new();
    let mut heading: Option<Heading> = None;
    let (mut in_head, mut cell_in_row, mut in_cell, mut tables_in_section) = (false, 0usize, false, 0usize);
    for (event, range) in Parser::new_ext(text, Options::ENABLE_TABLES).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let level = level as usize;
                heading = Some(Heading {
                    level,
                    text: String::new(),
                    code: Vec::new(),
                    line: line_of(range.start),
                    anchor: String::new(),
                });
                tables_in_section = 0;
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(mut done) = heading.take() {
                    done.anchor = anchor(&done.text, &mut seen);
                    page.headings.push(done);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. }) => {
                page.links.push((dest_url.to_string(), line_of(range.start)));
            }
            Event::Start(Tag::Table(_)) => tables_in_section += 1,
            Event::Start(Tag::TableHead) => in_head = true,
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableRow) => cell_in_row = 0,
            Event::Start(Tag::TableCell) => {
                cell_in_row += 1;
                in_cell = true;
            }
            Event::End(TagEnd::TableCell) => in_cell = false,
            Event::Text(t) => {
                if let Some(h) = &mut heading {
                    h.text.push_str(&t);
                }
            }
            Event::Code(c) => {
                if let Some(h) = &mut heading {
                    h.text.push_str(&c);
                    h.code.push(c.to_string());
                } else {
                    page.code.push(Code {
                        text: c.to_string(),
                        line: line_of(range.start),
                        section: page.headings.len().checked_sub(1),
                        key_cell: in_cell && !in_head && cell_in_row == 1 && tables_in_section == 1,
                    });
                }
            }
            _ => {}
        }
    }
    page
}

fn read(path: &Path) -> Page {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path.strip_prefix(repo()).unwrap_or(path).display().to_string();
    parse(&name, path.parent().unwrap(), &text)
}

/// README.md and every Markdown file under docs/.
fn all_pages() -> Vec<PathBuf> {
    let docs = crate::support::files_under(&repo().join("docs"));
    let markdown = docs.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md"));
    std::iter::once(repo().join("README.md")).chain(markdown).collect()
}

/// `%C3%A9` as `é`.
fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// `a/b/../c` as `a/c`, without touching the file system.
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Every relative link of `pages` that does not resolve: a missing file, or an anchor no
/// heading of its page has.
fn broken_links(pages: &[Page]) -> Vec<String> {
    let mut errors = Vec::new();
    let mut targets: BTreeMap<PathBuf, Option<Page>> = BTreeMap::new();
    for page in pages {
        for (dest, line) in &page.links {
            if dest.contains("://") || dest.starts_with("mailto:") {
                continue;
            }
            let (path, fragment) = dest.split_once('#').unwrap_or((dest, ""));
            let target = if path.is_empty() { None } else { Some(normalized(&page.dir.join(percent_decoded(path)))) };
            if let Some(target) = &target
                && !target.exists()
            {
                errors.push(format!("{}:{line}: link `{dest}`: {} does not exist", page.name, target.display()));
                continue;
            }
            if fragment.is_empty() {
                continue;
            }
            let wanted = percent_decoded(fragment);
            let headings: Vec<String> = match &target {
                None => page.headings.iter().map(|h| h.anchor.clone()).collect(),
                Some(target) if target.extension().is_some_and(|e| e == "md") => {
                    let found = targets.entry(target.clone()).or_insert_with(|| Some(read(target)));
                    found.as_ref().map(|p| p.headings.iter().map(|h| h.anchor.clone()).collect()).unwrap_or_default()
                }
                Some(_) => continue,
            };
            if !headings.contains(&wanted) {
                let start: String = wanted.chars().take(4).collect();
                let near: Vec<&String> = headings.iter().filter(|h| h.starts_with(&start)).collect();
                errors.push(format!(
                    "{}:{line}: link `{dest}`: no heading has the anchor `{wanted}` (close ones: {near:?})",
                    page.name
                ));
            }
        }
    }
    errors
}

/// A config table: its path with every map key as `<>` (`plugins.entries.<>`), and its
/// keys; each key says whether it is a table of its own (documented by its own section).
#[derive(Debug, Default)]
struct Schema {
    tables: BTreeMap<String, BTreeMap<String, bool>>,
}

/// The field names serde lists in "unknown field `zz_probe`, expected one of `a`, `b`".
fn expected_fields(message: &str) -> Option<Vec<String>> {
    let (_, rest) = message.split_once("unknown field `zz_probe`, expected ")?;
    let rest = rest.lines().next().unwrap_or(rest);
    Some(rest.split('`').skip(1).step_by(2).map(str::to_string).collect())
}

/// The table path with each map key `<>` given a name, as TOML (`plugins.entries.x`).
fn concrete(path: &str) -> String {
    path.replace("<>", "x")
}

/// The config schema, read off serde itself: a probe key in each table makes the
/// deserialiser list the table's fields; a probe in each field tells a table of its own
/// (it lists its fields in turn), a map (it wants a value for the probe key), from a leaf.
fn schema() -> Schema {
    let probe = |table: &str| -> Result<(), String> {
        let text = if table.is_empty() {
            "zz_probe = 1\n".to_string()
        } else {
            format!("[{}]\nzz_probe = 1\n", concrete(table))
        };
        toml::from_str::<zeroclaw::config::Config>(&text).map(drop).map_err(|e| e.to_string())
    };
    let mut schema = Schema::default();
    let mut pending = vec![String::new()];
    while let Some(table) = pending.pop() {
        let Err(message) = probe(&table) else { continue };
        let Some(fields) = expected_fields(&message) else { continue };
        let mut keys = BTreeMap::new();
        for field in fields {
            let path = if table.is_empty() { field.clone() } else { format!("{table}.{field}") };
            let own_table = match probe(&path) {
                Err(m) if expected_fields(&m).is_some() => {
                    pending.push(path);
                    true
                }
                // A map whose values are tables: "invalid type: integer, expected struct …".
                Err(m) if m.contains("expected struct") => {
                    pending.push(format!("{path}.<>"));
                    true
                }
                // A free-form table, a map of values, or a leaf.
                _ => false,
            };
            keys.insert(field, own_table);
        }
        schema.tables.insert(table, keys);
    }
    schema
}

/// `[plugins.entries.<id>]` as `plugins.entries.<>`; `None` for a code span that names no
/// table.
fn table_of(code: &str) -> Option<String> {
    let inner = code.strip_prefix('[')?.strip_suffix(']')?;
    // `<id>`, `<name>`, `<plugin>`: however a page names a map key, it is `<>` here.
    let mut out = String::new();
    let mut in_map_key = false;
    for c in inner.chars() {
        match c {
            '<' => {
                in_map_key = true;
                out.push_str("<>");
            }
            '>' => in_map_key = false,
            c if !in_map_key => out.push(c),
            _ => {}
        }
    }
    Some(out)
}

/// The key a code span in a key column names, relative to its table: `tools.<name>.effect`
/// as `tools`, `timeout_ms = 2000` as `timeout_ms`.
fn key_of(code: &str) -> &str {
    code.split(['.', ' ', '=']).next().unwrap_or(code)
}

/// What config-reference `page` leaves out of `schema`, and what it documents that the
/// schema does not have.
fn config_drift(page: &Page, schema: &Schema) -> Vec<String> {
    let mut errors = Vec::new();
    // The section of each table: the heading whose code names it.
    let sections: BTreeMap<String, usize> = page
        .headings
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.code.iter().find_map(|c| table_of(c)).map(|t| (t, i)))
        .collect();
    let first_table = sections.values().min().copied();
    let in_section = |code: &Code, table: &str| match sections.get(table) {
        Some(index) => code.section == Some(*index),
        // The top level: before the first table's section.
        None if table.is_empty() => code.section.is_none_or(|s| first_table.is_none_or(|first| s < first)),
        None => false,
    };
    for (table, keys) in &schema.tables {
        let shown = if table.is_empty() { "the top level".to_string() } else { format!("`[{table}]`") };
        if !table.is_empty() && !sections.contains_key(table) {
            // A table with no section of its own must be described in its parent's.
            let (parent, field) = table.trim_end_matches(".<>").rsplit_once('.').unwrap_or(("", table));
            let described = page.code.iter().any(|c| in_section(c, parent) && key_of(&c.text) == field);
            if !described {
                errors.push(format!("{}: no section for {shown} (a heading holding `[{table}]`)", page.name));
            }
            continue;
        }
        for key in keys.keys() {
            let path = if table.is_empty() { key.clone() } else { format!("{table}.{key}") };
            // A table (or a map of them) may have a section of its own instead of a row.
            if sections.contains_key(&path) || sections.contains_key(&format!("{path}.<>")) {
                continue;
            }
            let documented = page.code.iter().any(|c| in_section(c, table) && key_of(&c.text) == key);
            if !documented {
                let at = sections.get(table).map_or(String::new(), |i| format!(":{}", page.headings[*i].line));
                errors.push(format!("{}{at}: `{path}` is not documented in {shown}", page.name));
            }
        }
        // The other way: every key a key column names in this section exists.
        for code in page.code.iter().filter(|c| c.key_cell && in_section(c, table)) {
            let key = key_of(&code.text);
            if !key.is_empty() && !keys.contains_key(key) {
                errors.push(format!(
                    "{}:{}: {shown} documents `{}`, which is not a key of the config schema",
                    page.name, code.line, code.text
                ));
            }
        }
    }
    errors
}

/// A command's path (`["plugins", "inspect"]`) and its flags, each with its spellings
/// (`["--message", "-m"]`): a flag is documented when one of them is.
type CommandFlags = (Vec<String>, Vec<Vec<String>>);

/// Every command of the CLI with its flags, and last the global flags (an empty path).
fn commands() -> Vec<CommandFlags> {
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<CommandFlags>) {
        let flags = cmd
            .get_arguments()
            .filter(|a| !a.is_positional() && !a.is_global_set())
            .map(|a| {
                let long = a.get_long().map(|l| format!("--{l}"));
                let short = a.get_short().map(|s| format!("-{s}"));
                long.into_iter().chain(short).collect::<Vec<_>>()
            })
            .filter(|forms| !forms.is_empty() && !forms.iter().any(|f| f == "--help" || f == "--version"))
            .collect();
        if cmd.get_subcommands().next().is_none() || !path.is_empty() {
            out.push((path.clone(), flags));
        }
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut next = path.clone();
            next.push(sub.get_name().to_string());
            walk(sub, next, out);
        }
    }
    let mut out = Vec::new();
    let root = zeroclaw::cli::Cli::command();
    walk(&root, Vec::new(), &mut out);
    // The global flags, documented once for every command.
    let globals: Vec<Vec<String>> = root
        .get_arguments()
        .filter(|a| a.is_global_set())
        .filter_map(|a| a.get_long().map(|l| vec![format!("--{l}")]))
        .collect();
    out.push((Vec::new(), globals));
    out
}

/// What commands-reference `page` leaves out: a command without a section (a heading
/// whose code is `zeroclaw <command> …`, or names it among `a|b|c`), or a flag its section
/// does not mention.
fn command_drift(page: &Page, commands: &[CommandFlags]) -> Vec<String> {
    let mut errors = Vec::new();
    for (path, flags) in commands {
        let named = format!("zeroclaw {}", path.join(" "));
        let section = if path.is_empty() {
            None
        } else {
            let found = page.headings.iter().position(|h| {
                h.code.iter().any(|c| {
                    let words: Vec<&str> = c.split_whitespace().collect();
                    words.len() > path.len()
                        && words[0] == "zeroclaw"
                        && path.iter().enumerate().all(|(i, p)| words[i + 1].split('|').any(|w| w == p))
                })
            });
            match found {
                Some(index) => Some(index),
                None => {
                    errors.push(format!("{}: `{named}` has no section (a heading `{named} …`)", page.name));
                    continue;
                }
            }
        };
        // A flag as written in code: `[--json]`, `--bind=ADDR`, `-m`.
        let names = |code: &str, flag: &str| {
            code.split_whitespace().any(|w| w.trim_matches(['[', ']', '.', '…']).split('=').next() == Some(flag))
        };
        for forms in flags {
            let flag = &forms[0];
            let in_heading =
                section.is_some_and(|i| page.headings[i].code.iter().any(|c| forms.iter().any(|f| names(c, f))));
            let in_body = page
                .code
                .iter()
                .any(|c| (section.is_none() || c.section == section) && forms.iter().any(|f| names(&c.text, f)));
            if !in_heading && !in_body {
                let at = section.map_or(String::new(), |i| format!(":{}", page.headings[i].line));
                let whose = if path.is_empty() { "a global flag".to_string() } else { format!("a flag of `{named}`") };
                errors.push(format!("{}{at}: `{flag}` ({whose}) is not documented", page.name));
            }
        }
    }
    errors
}

/// Where `translated` departs from `english`'s sections: a heading missing, extra, at
/// another level, or holding other code.
fn section_drift(english: &Page, translated: &Page) -> Vec<String> {
    let mut errors = Vec::new();
    for (i, expected) in english.headings.iter().enumerate() {
        let marks = "#".repeat(expected.level);
        let Some(found) = translated.headings.get(i) else {
            errors.push(format!(
                "{}: section {} is missing: `{marks} {}` ({}:{}); translate it",
                translated.name,
                i + 1,
                expected.text,
                english.name,
                expected.line
            ));
            continue;
        };
        if found.level != expected.level || found.code != expected.code {
            errors.push(format!(
                "{}:{}: section {} is `{} {}`, but {}:{} has `{marks} {}` there (same level and the same code expected)",
                translated.name,
                found.line,
                i + 1,
                "#".repeat(found.level),
                found.text,
                english.name,
                expected.line,
                expected.text
            ));
            break; // one shift makes every later section differ: report the first
        }
    }
    for extra in translated.headings.iter().skip(english.headings.len()) {
        errors.push(format!("{}:{}: section `{}` is not in {}", translated.name, extra.line, extra.text, english.name));
    }
    errors
}

/// Each translated page names the others on its first line; the English page too.
fn language_line_drift(page: &Page, others: &[String]) -> Vec<String> {
    others
        .iter()
        .filter(|other| !page.links.iter().any(|(dest, line)| *line == 1 && dest == *other))
        .map(|other| {
            format!(
                "{}:1: the first line does not link `{other}` (each page names its other languages first)",
                page.name
            )
        })
        .collect()
}

fn page_in(language: Option<&str>, file: &str) -> PathBuf {
    match language {
        Some(lang) => repo().join("docs").join(lang).join(file),
        None => repo().join("docs").join(file),
    }
}

/// What `check` finds in page `file` of English and of every translation.
fn in_every_language(file: &str, check: impl Fn(&Page) -> Vec<String>) -> Vec<String> {
    let languages = [None].into_iter().chain(LANGUAGES.iter().map(|l| Some(*l)));
    languages.flat_map(|language| check(&read(&page_in(language, file)))).collect()
}

fn assert_none(errors: Vec<String>) {
    assert!(errors.is_empty(), "{} problems:\n{}", errors.len(), errors.join("\n"));
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let pages: Vec<Page> = all_pages().iter().map(|p| read(p)).collect();
    assert!(pages.len() > 15, "README and docs/ in every language");
    assert_none(broken_links(&pages));
}

#[test]
fn every_config_key_is_documented_in_every_language() {
    let schema = schema();
    assert!(schema.tables.get("plugins.limits").is_some_and(|k| k.contains_key("timeout_ms")), "{schema:?}");
    assert_none(in_every_language("config-reference.md", |page| config_drift(page, &schema)));
}

#[test]
fn every_command_and_flag_is_documented_in_every_language() {
    let commands = commands();
    assert!(
        commands
            .iter()
            .any(|(path, flags)| path == &["plugins", "list"] && flags.contains(&vec!["--json".to_string()]))
    );
    assert_none(in_every_language("commands-reference.md", |page| command_drift(page, &commands)));
}

#[test]
fn translated_pages_keep_the_english_sections_and_name_their_languages() {
    let mut errors = Vec::new();
    for file in FULL.iter().chain(&OVERVIEWS) {
        let english = read(&page_in(None, file));
        let others: Vec<String> = LANGUAGES.iter().map(|l| format!("{l}/{file}")).collect();
        errors.extend(language_line_drift(&english, &others));
        for language in LANGUAGES {
            let path = page_in(Some(language), file);
            if !path.exists() {
                errors
                    .push(format!("docs/{language}/{file} is missing (docs/{file} is translated into {LANGUAGES:?})"));
                continue;
            }
            let translated = read(&path);
            let mut others: Vec<String> =
                LANGUAGES.iter().filter(|l| **l != language).map(|l| format!("../{l}/{file}")).collect();
            others.push(format!("../{file}"));
            errors.extend(language_line_drift(&translated, &others));
            if FULL.contains(file) {
                errors.extend(section_drift(&english, &translated));
            } else if !translated.links.iter().any(|(dest, line)| *line > 1 && dest.starts_with(&format!("../{file}")))
            {
                errors.push(format!(
                    "{}: an overview must link to the English page `../{file}` for the rest",
                    translated.name
                ));
            }
        }
    }
    assert_none(errors);
}

// The checks, shown failing.

fn synthetic(name: &str, dir: &Path, text: &str) -> Page {
    parse(name, dir, text)
}

#[test]
fn a_broken_link_and_a_missing_anchor_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.md"), "# Other page\n\n## A section\n").unwrap();
    let text = "# Page\n\n[ok](b.md#a-section) [self](#page)\n\n[gone](missing.md)\n[no anchor](b.md#nope)\n";
    let errors = broken_links(&[synthetic("a.md", dir.path(), text)]);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].starts_with("a.md:5: link `missing.md`:") && errors[0].ends_with("does not exist"), "{errors:?}");
    assert!(errors[1].starts_with("a.md:6: link `b.md#nope`: no heading has the anchor `nope`"), "{errors:?}");
}

#[test]
fn anchors_follow_github_with_accents_code_and_repeats() {
    let page = synthetic("a.md", Path::new("."), "# Référence `[plugins.limits]`\n## Cách dùng\n## Cách dùng\n");
    let anchors: Vec<&str> = page.headings.iter().map(|h| h.anchor.as_str()).collect();
    assert_eq!(anchors, ["référence-pluginslimits", "cách-dùng", "cách-dùng-1"]);
}

#[test]
fn a_missing_key_and_a_key_that_does_not_exist_are_reported() {
    let schema = schema();
    let real = std::fs::read_to_string(page_in(None, "config-reference.md")).unwrap();
    let row = real.lines().find(|l| l.starts_with("| `invoke_max_depth` |")).expect("the row").to_string();
    let without = real.replace(&format!("{row}\n"), "");
    let errors = config_drift(&synthetic("config-reference.md", Path::new("docs"), &without), &schema);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("`plugins.limits.invoke_max_depth` is not documented in `[plugins.limits]`"),
        "{errors:?}"
    );
    assert!(errors[0].starts_with("config-reference.md:"), "names the file and the section's line: {errors:?}");
    let invented = real.replace(&row, &format!("{row}\n| `retry_forever` | `true` | not a key |"));
    let errors = config_drift(&synthetic("config-reference.md", Path::new("docs"), &invented), &schema);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("`[plugins.limits]` documents `retry_forever`, which is not a key"), "{errors:?}");
}

#[test]
fn a_missing_command_and_a_missing_flag_are_reported() {
    let commands = commands();
    let real = std::fs::read_to_string(page_in(None, "commands-reference.md")).unwrap();
    let heading = real.lines().find(|l| l.starts_with("## `zeroclaw plugins list")).unwrap().to_string();
    let no_flag = real.replace(&heading, "## `zeroclaw plugins list`").replace("`--json` prints", "it prints");
    let errors = command_drift(&synthetic("commands-reference.md", Path::new("docs"), &no_flag), &commands);
    assert!(
        errors.iter().any(|e| e.contains("`--json` (a flag of `zeroclaw plugins list`) is not documented")),
        "{errors:?}"
    );
    let no_command = real.replace(&heading, "## Listing");
    let errors = command_drift(&synthetic("commands-reference.md", Path::new("docs"), &no_command), &commands);
    assert!(errors.iter().any(|e| e.contains("`zeroclaw plugins list` has no section")), "{errors:?}");
}

#[test]
fn a_missing_or_changed_section_is_reported() {
    let english = synthetic("docs/x.md", Path::new("docs"), "# Title\n## `[agent]`\n## Other\n");
    let complete = synthetic("docs/fr/x.md", Path::new("docs/fr"), "# Titre\n## `[agent]`\n## Autre\n");
    assert!(section_drift(&english, &complete).is_empty());
    let missing = synthetic("docs/fr/x.md", Path::new("docs/fr"), "# Titre\n## `[agent]`\n");
    let errors = section_drift(&english, &missing);
    assert_eq!(errors, ["docs/fr/x.md: section 3 is missing: `## Other` (docs/x.md:3); translate it"]);
    let changed = synthetic("docs/fr/x.md", Path::new("docs/fr"), "# Titre\n### `[agent]`\n## Autre\n");
    let errors = section_drift(&english, &changed);
    assert!(errors[0].starts_with("docs/fr/x.md:2: section 2 is `### [agent]`"), "{errors:?}");
}

#[test]
fn the_schema_is_read_off_serde_with_tables_maps_and_leaves() {
    let schema = schema();
    let entries = &schema.tables["plugins.entries.<>"];
    assert!(entries.contains_key("invoke_allow") && entries.contains_key("secrets"), "{entries:?}");
    assert!(schema.tables.contains_key("plugins.entries.<>.secrets.<>"), "{:?}", schema.tables.keys());
    assert_eq!(schema.tables["plugins"].get("limits"), Some(&true), "a table of its own");
    let keys: usize = schema.tables.values().map(BTreeMap::len).sum();
    assert!(
        schema.tables.len() >= 15 && keys >= 100,
        "{} tables, {keys} keys: {:?}",
        schema.tables.len(),
        schema.tables
    );
}
