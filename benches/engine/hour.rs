//! Rows (g), (h) and (i) of the engine bench: a whole run of many clients (a simulated hour of
//! 1,000 or 10,000, and 10 minutes of 10,000 with 1,000,000 timers pending), read from a
//! scenario file in `bench/`, timed whole, per request against the minimal loop per customer,
//! with the run's peak memory.

use super::{compare, minimal, mm1, nanos_per, peak_rss, Row, Table, Target, SEED};

/// The row letters, keys and scenario files (relative to the package root).
pub const FILES: [(char, &str, &str); 3] = [
    ('g', "hour-1k", "bench/clients-1k.json"),
    ('h', "hour-10k", "bench/clients-10k.json"),
    ('i', "timers-1m", "bench/timers-1m.json"),
];

/// Loads a scenario file as the CLI would (no variant, no overrides).
fn load(file: &str) -> models::WorldConfig {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).expect("the bench's scenario file is readable");
    scenarios::parse(&text, file, &Default::default())
        .expect("the bench's scenario file is valid")
        .world
}

pub fn bench(table: &mut Table, letter: char, key: &str, file: &str) {
    let config = load(file);
    // Two whole runs (each many seconds), alternating with the minimal loop.
    reset_peak_rss();
    let ((elapsed, result), (baseline, _)) = compare(
        2,
        || models::run(&config, SEED).expect("the bench's limits are not reached"),
        minimal::row_a,
    );
    let peak = peak_rss();
    let requests: u64 = result.clients.iter().map(|c| c.requests).sum();
    println!(
        "  {key}: {requests} requests, {} events, fastest run {:.2} s wall, peak RSS since the rows began {peak}",
        result.stats.events,
        elapsed.as_secs_f64()
    );
    table.add(Row {
        name: format!("({letter}) {key} {file}"),
        count: requests,
        unit: "request",
        engine: nanos_per(elapsed, requests),
        baseline: nanos_per(baseline, mm1::CUSTOMERS),
        target: Target::None,
    });
}

/// Resets this process's peak resident set (`VmHWM`) to its current size, so that the next
/// `peak_rss` reads the peak of what follows (Linux 4.0 and later; elsewhere a no-op).
fn reset_peak_rss() {
    // Writing 5 to clear_refs resets the peak RSS (Documentation/filesystems/proc.rst).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
