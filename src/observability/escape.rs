//! Text from outside (plugins, providers, clients) is data: before it reaches a log line or
//! a terminal, every control character in it is written as an escape, so it can neither
//! start a line of its own (a forged log line) nor drive the terminal (ANSI sequences,
//! bells, cursor moves, bidirectional overrides that reorder what is shown).
//!
//! Escapes look like Rust's: `\n`, `\r`, `\t`, `\0`, else `\u{1b}`. A backslash is left
//! as it is: it cannot start a line or drive a terminal.

use std::borrow::Cow;
use std::fmt::{self, Write};

/// Where escaped text goes: a log line keeps nothing, a terminal keeps line breaks and tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sink {
    /// One log line: every control character is escaped, CR and LF included.
    LogLine,
    /// Human-readable output on a terminal: `\n` and `\t` stay, the rest is escaped.
    Terminal,
}

impl Sink {
    fn keeps(self, c: char) -> bool {
        match self {
            Sink::LogLine => false,
            Sink::Terminal => c == '\n' || c == '\t',
        }
    }
}

/// Whether `c` is escaped when it is not kept: C0 and C1 controls, DEL, and the Unicode
/// bidirectional embedding, override and isolate characters.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn write_escape(out: &mut impl Write, c: char) -> fmt::Result {
    match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        '\0' => out.write_str("\\0"),
        other => write!(out, "\\u{{{:x}}}", other as u32),
    }
}

/// `text` made safe for `sink`; borrowed when nothing needed escaping (the common case).
pub fn escape(text: &str, sink: Sink) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && !sink.keeps(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let _ = Escaping { out: &mut out, sink }.write_str(text);
    Cow::Owned(out)
}

/// `text` for a terminal (see [`Sink::Terminal`]).
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escape(text, Sink::Terminal)
}

/// `text` as one line (see [`Sink::LogLine`]): for reasons and names shown inline.
pub fn for_one_line(text: &str) -> Cow<'_, str> {
    escape(text, Sink::LogLine)
}

/// A `fmt::Write` that escapes what is written through it, for formatting values straight
/// into a writer without an intermediate string.
pub struct Escaping<W: Write> {
    /// Where the escaped text goes.
    pub out: W,
    /// What it must be safe for.
    pub sink: Sink,
}

impl<W: Write> Write for Escaping<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut clean = 0;
        for (i, c) in s.char_indices() {
            if is_unsafe(c) && !self.sink.keeps(c) {
                self.out.write_str(&s[clean..i])?;
                write_escape(&mut self.out, c)?;
                clean = i + c.len_utf8();
            }
        }
        self.out.write_str(&s[clean..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_line_keeps_no_control_character() {
        let hostile = "ok\nFORGED 2026 INFO host: fine\r\u{1b}[31mred\u{7}\0\u{9b}\u{202e}txt";
        let escaped = escape(hostile, Sink::LogLine);
        assert_eq!(escaped, "ok\\nFORGED 2026 INFO host: fine\\r\\u{1b}[31mred\\u{7}\\0\\u{9b}\\u{202e}txt");
        assert!(!escaped.chars().any(is_unsafe));
    }

    #[test]
    fn a_terminal_keeps_line_breaks_and_tabs_only() {
        assert_eq!(for_terminal("a\n\tb\u{1b}]0;title\u{7}"), "a\n\tb\\u{1b}]0;title\\u{7}");
        assert!(matches!(for_terminal("plain text, üñí\n"), Cow::Borrowed(_)), "clean text is not copied");
    }
}
