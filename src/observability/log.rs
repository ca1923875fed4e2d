//! The host log: `tracing` to stderr, one line per event, whatever its fields hold.
//!
//! Field values (the message included) often carry text from outside: a plugin's log
//! call, a guest's stderr, a tool's error. [`EscapedFields`] writes every value through
//! [`Escaping`], so no value can break its line or forge the next one, and colours are on
//! only when stderr is a terminal (a log file gets no escape codes).

use std::fmt::{self, Write};
use std::io::IsTerminal;

use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::Writer;

use super::escape::{Escaping, Sink};

/// Formats an event's or a span's fields as `message name=value …`, every value escaped
/// for one log line.
#[derive(Clone, Copy, Debug, Default)]
pub struct EscapedFields;

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut visitor = FieldWriter { writer, result: Ok(()), first: true };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct FieldWriter<'writer> {
    writer: Writer<'writer>,
    result: fmt::Result,
    first: bool,
}

impl FieldWriter<'_> {
    fn field(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        if self.result.is_err() {
            return;
        }
        let separator = if self.first { "" } else { " " };
        self.first = false;
        self.result = (|| {
            self.writer.write_str(separator)?;
            if field.name() != "message" {
                write!(self.writer, "{}=", field.name())?;
            }
            Escaping { out: &mut self.writer, sink: Sink::LogLine }.write_fmt(value)
        })();
    }
}

impl Visit for FieldWriter<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // `message` arrives as `fmt::Arguments`, whose Debug is its text; `%x` fields as
        // Display wrappers, likewise.
        self.field(field, format_args!("{value:?}"));
    }
}

/// Installs the host log: the filter from `ZEROCLAW_LOG` (else `default`, e.g. [`QUIET`]),
/// stderr, escaped fields, colours only on a terminal. Does nothing if a subscriber is
/// already set.
pub fn init(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ZEROCLAW_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .fmt_fields(EscapedFields)
        .try_init();
}

/// The `tracing` target of what plugins log through `zeroclaw:host/log`.
pub const PLUGIN_LOG: &str = "plugin";

/// The `tracing` target of reload summaries.
pub const RELOAD_LOG: &str = "reload";

/// The filter when `ZEROCLAW_LOG` is unset: warnings and errors.
pub const QUIET: &str = "warn";

/// The filter of the commands where an author watches a plugin act (`agent`, `plugins
/// call`, `plugins fire`, `plugins test`) when `ZEROCLAW_LOG` is unset: warnings, plus what
/// plugins log at info and the reload summaries.
pub const WATCHING: &str = "warn,plugin=info,reload=info";

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn no_field_can_start_a_line_or_carry_an_escape_code() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .fmt_fields(EscapedFields)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let owner = "wasm:evil@1.0.0";
            let message = "hello\n2026-12-01T00:00:00Z  WARN zeroclaw: forged\r\u{1b}[2J\u{7}";
            tracing::warn!(plugin = %owner, stream = "stderr", "{message}");
            tracing::info!(plugin = %owner, detail = "a\nb", "plain");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "one line per event: {text:?}");
        assert!(lines.iter().all(|l| l.contains("plugin=wasm:evil@1.0.0")), "{text}");
        assert!(lines[0].contains("hello\\n2026-12-01T00:00:00Z  WARN zeroclaw: forged\\r\\u{1b}[2J\\u{7}"), "{text}");
        assert!(lines[1].contains("plain plugin=wasm:evil@1.0.0 detail=a\\nb"), "{text}");
        assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
    }
}
