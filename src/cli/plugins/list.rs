//! `zeroclaw plugins list`.

use std::path::Path;

use crate::cli::CliError;
use crate::config::LoadedConfig;
use crate::observability::for_terminal;
use crate::plugins::{EntryRow, PluginRuntime};

/// `plugins list [--json]`.
pub async fn run(config: Option<&Path>, json: bool) -> Result<(), CliError> {
    let loaded = LoadedConfig::discover(config)?;
    let runtime = PluginRuntime::start(loaded).await?;
    let snapshot = runtime.snapshot();
    let rows = snapshot.rows();
    if json {
        let doc = serde_json::json!({
            "generation": snapshot.generation(),
            "entries": rows,
            "plugins": snapshot.plugins(),
            "diagnostics": snapshot.diagnostics(),
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    print!("{}", for_terminal(&render_table(&rows)));
    for d in snapshot.diagnostics() {
        println!("note: {}: {}", d.plugin, for_terminal(&d.message));
    }
    Ok(())
}

/// A plain aligned table.
fn render_table(rows: &[EntryRow]) -> String {
    let header = ["KIND", "NAME", "OWNER", "PRIORITY", "STATUS"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.kind.to_string(),
                r.name.clone(),
                r.owner.clone(),
                r.priority.map_or_else(|| "-".to_string(), |p| p.to_string()),
                r.status.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |cols: [&str; 5]| {
        let parts: Vec<String> = cols.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(header);
    for row in &cells {
        line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
    if rows.is_empty() {
        out.push_str("(no entries)\n");
    }
    out
}
