//! The memory database (`zeroclaw-memory-db`): one SQLite file (`[memory] path`, default
//! `<state_dir>/memory.sqlite3`) in WAL mode. The host keeps transcripts there; built-ins
//! (session_memory) keep their own tables in the same file.

mod transcripts;

pub use transcripts::{TranscriptError, Transcripts};
pub use zeroclaw_memory_db::{migrate, open};
