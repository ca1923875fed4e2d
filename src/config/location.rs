//! Locating a byte span of a TOML file for error messages: `file:line:column in [table]`.
//!
//! Shared by the config loader and the plugin manifest parser, so every TOML error a user
//! can meet reads the same way.

use std::ops::Range;
use std::path::Path;

/// `file:line:column in [table]` for `span` of `text`; just the file when `text` is empty.
pub fn locate(path: &Path, text: &str, span: Range<usize>) -> String {
    if text.is_empty() {
        return path.display().to_string();
    }
    let (line, column) = line_col(text, span.start);
    let table = table_at(text, span.start).map(|t| format!(" in [{t}]")).unwrap_or_default();
    format!("{}:{line}:{column}{table}", path.display())
}

/// 1-based line and column of byte `offset`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..text.floor_char_boundary(offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The `[table]` or `[[array]]` header in force at `offset`, if any: the header on
/// `offset`'s own line (a span that starts at a table's header) or the last one before it.
fn table_at(text: &str, offset: usize) -> Option<String> {
    let offset = text.floor_char_boundary(offset.min(text.len()));
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let before = &text[..line_end];
    before.lines().rev().find_map(|line| {
        let line = line.trim();
        let inner = line.strip_prefix('[')?.split(']').next()?;
        Some(inner.trim_start_matches('[').trim().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_line_column_and_the_enclosing_table() {
        let text = "a = 1\n[x.y]\nb = 2\n[[hooks]]\npoint = \"nope\"\n";
        let at = |needle: &str| text.find(needle).unwrap();
        assert_eq!(locate(Path::new("f.toml"), text, at("a =")..0), "f.toml:1:1");
        assert_eq!(locate(Path::new("f.toml"), text, at("2")..0), "f.toml:3:5 in [x.y]");
        assert_eq!(locate(Path::new("f.toml"), text, at("\"nope\"")..0), "f.toml:5:9 in [hooks]");
        assert_eq!(locate(Path::new("f.toml"), "", 0..0), "f.toml");
    }
}
