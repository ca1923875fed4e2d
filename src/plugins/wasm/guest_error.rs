//! The guest's own account of why it trapped, read from what it wrote to stderr just
//! before: a Python exception, a JavaScript error, a Rust panic message.
//!
//! The interpreters embedded in a Python or JavaScript component print the guest's error
//! and then panic with boilerplate of their own (`Python function threw an unexpected
//! exception`), so the last lines of stderr are the wrong ones to quote. Each language's
//! shape is recognised here; anything else is left to the caller's stderr tail.

/// The guest's error in one line, with where it was raised when the guest said so.
pub(super) fn guest_error(stderr: &str) -> Option<String> {
    python(stderr).or_else(|| quickjs(stderr)).or_else(|| rust_panic(stderr))
}

/// A CPython traceback (componentize-py): `ValueError: why (app.py, line 20, in invoke)`.
fn python(stderr: &str) -> Option<String> {
    let (_, traceback) = stderr.rsplit_once("Traceback (most recent call last):")?;
    let mut place = None;
    for line in traceback.lines().skip(1) {
        if let Some(frame) = line.trim_start().strip_prefix("File \"") {
            // `File "/0/app.py", line 20, in invoke`; `/0/` is the component's path entry.
            if let Some((file, rest)) = frame.split_once('"') {
                let file = file.trim_start_matches('/');
                let file =
                    file.split_once('/').filter(|(entry, _)| entry.parse::<u32>().is_ok()).map_or(file, |(_, f)| f);
                place = Some(format!("{file}{}", rest.trim_end()));
            }
        } else if !line.starts_with(char::is_whitespace) && !line.trim().is_empty() {
            return Some(match place {
                Some(place) => format!("{} ({place})", line.trim_end()),
                None => line.trim_end().to_string(),
            });
        }
    }
    None
}

/// A QuickJS exception (componentize-qjs), printed as Rust debug output:
/// `Exception { message: Some("why"), stack: Some("    at invoke (/app.js:12:36)\n") }`.
fn quickjs(stderr: &str) -> Option<String> {
    let (_, exception) = stderr.rsplit_once("Exception { message: Some(\"")?;
    let message = debug_string(exception)?;
    let at = exception
        .split_once("stack: Some(\"")
        .and_then(|(_, stack)| debug_string(stack))
        .and_then(|stack| stack.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string));
    Some(match at {
        Some(at) => format!("{message} ({})", at.replacen("(/", "(", 1)),
        None => message,
    })
}

/// A Rust panic: `thread '…' panicked at src/lib.rs:5:9:` and the message on the next
/// line(s): `why (panicked at src/lib.rs:5:9)`.
fn rust_panic(stderr: &str) -> Option<String> {
    let (_, after) = stderr.rsplit_once(" panicked at ")?;
    let (place, message) = after.split_once('\n')?;
    let message: Vec<&str> =
        message.lines().take_while(|l| !l.starts_with("note: ")).map(str::trim).filter(|l| !l.is_empty()).collect();
    if message.is_empty() {
        return None;
    }
    Some(format!("{} (panicked at {})", message.join(" "), place.trim_end_matches(':')))
}

/// The text of a Rust debug-printed string whose opening quote is just before `text`,
/// up to its closing quote; `None` when it does not close.
fn debug_string(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'u' => {
                    // `\u{1f600}`
                    let code: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                    out.push(u32::from_str_radix(&code, 16).ok().and_then(char::from_u32).unwrap_or('\u{fffd}'));
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    // What componentize-py 0.25.1 prints when `invoke` raises.
    const PYTHON: &str = "Traceback (most recent call last):\n  File \"/0/app.py\", line 20, in invoke\nValueError: the answer was 41, not 42\nthread '<unnamed>' (1) panicked at runtime/src/lib.rs:1293:29:\nPython function threw an unexpected exception\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";

    // What componentize-qjs 0.4.5 prints when `invoke` throws.
    const QUICKJS: &str = "thread '<unnamed>' (1) panicked at crates/runtime/src/interpreter.rs:51:31:\nFailed to call 'invoke': Value(Exception(\nException { message: Some(\"cannot read property 'length' of \\\"x\\\"\"), stack: Some(\"    at invoke (/app.js:13:32)\\n\") })\n)\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";

    #[test]
    fn a_python_exception_is_quoted_with_its_type_and_line_not_the_runtime_boilerplate() {
        assert_eq!(guest_error(PYTHON).unwrap(), "ValueError: the answer was 41, not 42 (app.py, line 20, in invoke)");
    }

    #[test]
    fn a_javascript_error_is_quoted_with_where_it_was_thrown() {
        assert_eq!(guest_error(QUICKJS).unwrap(), "cannot read property 'length' of \"x\" (at invoke (app.js:13:32))");
    }

    #[test]
    fn a_rust_panic_is_quoted_with_its_place() {
        let stderr =
            "thread '<unnamed>' panicked at src/lib.rs:5:9:\nindex out of bounds\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(guest_error(stderr).unwrap(), "index out of bounds (panicked at src/lib.rs:5:9)");
    }

    #[test]
    fn other_output_or_a_cut_off_account_is_not_mistaken_for_an_error() {
        assert_eq!(guest_error(""), None);
        assert_eq!(guest_error("just some logging\n"), None);
        assert_eq!(guest_error("Exception { message: Some(\"never closed"), None);
        assert_eq!(guest_error("Traceback (most recent call last):\n  File \"/0/app.py\", line 1, in f\n"), None);
        assert_eq!(guest_error("thread 'x' panicked at src/lib.rs:1:1:"), None);
    }
}
