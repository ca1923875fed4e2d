//! session_memory recall with 10,000 stored summaries (200 sessions of 50): the query the
//! `before_agent_start` hook runs: the scope's own summaries ranked by the message's words,
//! then the newest. Targets: one session under 1 ms, with `include_channel` (the whole
//! store is one channel) under 5 ms.

use criterion::{Criterion, criterion_group, criterion_main};
use zeroclaw_session_memory::{RecallQuery, Source, SummaryStore};

/// A deterministic word stream (no RNG crate needed): a linear congruential generator
/// over a 400-word vocabulary.
fn words(seed: u64, count: usize) -> String {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..count)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            format!("word{}", (state >> 33) % 400)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = SummaryStore::new(&dir.path().join("memory.sqlite3"));
    for i in 0..10_000u64 {
        let session = format!("s-{}", i % 200);
        store.insert(&session, "cli", Source::Compaction, &words(i, 40)).unwrap();
    }
    let message = words(99_999, 8);
    let mut group = c.benchmark_group("memory");
    group.bench_function("recall_10k_summaries", |b| {
        b.iter(|| {
            let found = store
                .recall(&RecallQuery {
                    session_id: "s-17",
                    channel: None,
                    text: &message,
                    limit: 5,
                    budget_chars: 2000,
                    channel_window: 2000,
                })
                .unwrap();
            assert!(!found.is_empty());
            found
        })
    });
    group.bench_function("recall_10k_summaries_with_channel", |b| {
        b.iter(|| {
            store
                .recall(&RecallQuery {
                    session_id: "s-17",
                    channel: Some("cli"),
                    text: &message,
                    limit: 5,
                    budget_chars: 2000,
                    channel_window: 2000,
                })
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
