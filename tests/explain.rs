//! End-to-end tests of `faultline explain` through the real binary: the figures it prints for
//! the catalog, its DOT output, its byte stability and its exit codes.

#[path = "support/binary.rs"]
mod binary;

use binary::{faultline, stderr, stdout};

/// The output of a command that must succeed.
fn ok(args: &[&str]) -> String {
    let output = faultline(args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    stdout(&output)
}

/// The lines of `text` that start with `prefix` (after indentation).
fn lines_starting<'t>(text: &'t str, prefix: &str) -> Vec<&'t str> {
    text.lines()
        .filter(|l| l.trim_start().starts_with(prefix))
        .collect()
}

#[test]
fn every_catalog_scenario_explains_and_repeats_byte_for_byte() {
    for entry in scenarios::catalog::entries() {
        for form in [&[][..], &["--dot"][..]] {
            let mut args = vec!["explain", entry.name];
            args.extend_from_slice(form);
            let first = ok(&args);
            assert_eq!(first, ok(&args), "{args:?} is not byte-stable");
        }
    }
}

#[test]
fn tiers_multiplies_three_attempts_at_two_layers_to_nine() {
    // tiers.json: web tries api up to 3 times (300ms each), and api tries db up to 3 times
    // (50ms each, 5ms..100ms backoff): 3 × 3 = 9 attempts at db per web request.
    let text = ok(&["explain", "tiers"]);
    let figures = "\
tiers: the design, read without running it

call graph (timeout / attempts per edge):
  web → api  300ms / 3  exponential backoff 20ms..500ms, full jitter
  api → db   50ms / 3   exponential backoff 5ms..100ms, full jitter

attempt amplification per path (worst case: every attempt fails and is retried):
  web → api → db: 3 × 3 = 9x worst case at db per web request

worst case per service (the largest over the paths from each client):
  api  3x per web request, via web → api
  db   9x per web request, via web → api → db

warnings (3):
";
    assert!(text.starts_with(figures), "{text}");
    let warnings = lines_starting(&text, "warning: ");
    assert_eq!(warnings.len(), 3, "{text}");
    assert!(warnings[0].starts_with(
        "  warning: retry amplification: web → api → db retries at 2 layers (web → api × 3, api → db × 3), up to 9x attempts at db per web request;"
    ));
    assert!(warnings[1].contains("retry storm risk: web → api retries (3 attempts)"));
    assert!(warnings[1].contains("--set 'clients.web.retry.budget={\"ratio\":0.1}'"));
    assert!(warnings[2].contains("retry storm risk: api → db retries (3 attempts)"));
    assert!(!text.contains("budgeted"), "tiers has no retry budget");
}

#[test]
fn variants_and_overrides_change_what_is_explained() {
    let text = ok(&["explain", "tiers", "--variant", "no-db-retry"]);
    assert!(text.starts_with("tiers (variant no-db-retry): "), "{text}");
    assert!(
        text.contains("  web → api → db: 3 × 1 = 3x worst case at db per web request\n"),
        "{text}"
    );
    assert!(!text.contains("retry amplification"), "{text}");
    let text = ok(&[
        "explain",
        "tiers",
        "--set",
        "services.api.calls.db.timeout=150ms",
    ]);
    assert!(
        text.contains("timeout inversion: api → db can take 465ms (3 × 150ms + 15ms backoff) but web → api gives up after 300ms"),
        "{text}"
    );
}

#[test]
fn a_retry_budget_prints_both_bounds_and_says_which_is_which() {
    let naive = ok(&["explain", "retry-storm"]);
    assert!(naive.contains("  web → api: 4x worst case at api per web request\n"));
    assert_eq!(lines_starting(&naive, "warning: ").len(), 1, "{naive}");
    let budgeted = ok(&["explain", "retry-storm", "--variant", "budget"]);
    assert!(budgeted.contains(
        "  web → api: 4x worst case at api per web request\n    budgeted: 1.1x in steady state\n"
    ));
    assert!(budgeted.contains("\nwarnings (0):\n  none\n"), "{budgeted}");
}

#[test]
fn dot_output_is_a_digraph_naming_every_service() {
    for entry in scenarios::catalog::entries() {
        let dot = ok(&["explain", entry.name, "--dot"]);
        assert!(dot.starts_with("digraph "), "{}: {dot}", entry.name);
        assert!(dot.trim_end().ends_with('}'), "{}: {dot}", entry.name);
        let scenario = entry.load(&Default::default()).expect("catalog is valid");
        for service in &scenario.world.services {
            assert!(
                dot.contains(&format!("\n  \"{}\" [shape=ellipse", service.name)),
                "{}: no node for {}",
                entry.name,
                service.name
            );
        }
    }
    let dot = ok(&["explain", "tiers", "--dot"]);
    assert!(
        dot.contains("  \"web\" -> \"api\" [label=\"300ms / 3\""),
        "{dot}"
    );
    assert!(
        dot.contains("  \"api\" -> \"db\" [label=\"50ms / 3\""),
        "{dot}"
    );
    assert!(dot.contains("  // warnings (3):\n"), "{dot}");
}

#[test]
fn bad_input_exits_2_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, r#"{ "name": "broken", "clients": [] "#).unwrap();
    let file = path.display().to_string();
    let cases: [&[&str]; 4] = [
        &["explain", &file],
        &["explain", "no-such-scenario-anywhere.json"],
        &["explain", "tiers", "--variant", "no-such-variant"],
        &["explain", "tiers", "--set", "no equals sign"],
    ];
    for args in cases {
        let output = faultline(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stdout(&output).is_empty(), "{args:?}");
        assert!(!stderr(&output).contains("panicked"), "{args:?}");
    }
    assert!(stderr(&faultline(&["explain", &file])).contains("broken.json"));
}

/// Issue #4's call policies read in the call graph: an optional call, a bulkhead, a cache.
#[test]
fn the_call_graph_names_optional_calls_bulkheads_and_caches() {
    let text = ok(&["explain", "cascading-failure", "--variant", "bulkhead"]);
    assert!(
        text.contains(
            "api → recs     100ms / 1  bulkhead of 4 concurrent calls; optional (a failure degrades the answer)"
        ),
        "{text}"
    );
    let naive = ok(&["explain", "cascading-failure", "--variant", "naive"]);
    assert!(
        naive.contains("warning: no timeout: api → recs waits forever"),
        "the cascade's cause is flagged before running: {naive}"
    );
    let text = ok(&["explain", "cache-stampede", "--variant", "single-flight"]);
    assert!(
        text.contains("api → db   250ms / 1  cache of 500 keys, ttl 10s, single flight"),
        "{text}"
    );
}

/// Issue #14: the offered load over time and the utilization it implies, before any run.
#[test]
fn the_offered_load_and_its_utilization_are_read_before_running() {
    let text = ok(&["explain", "retry-storm"]);
    assert!(
        text.contains("\noffered load (from the arrival settings and load spikes; a group counts all its members):\n  web  poisson: mean 600/s, peak 600/s\n"),
        "{text}"
    );
    assert!(
        text.contains("  api  mean 60.0%, peak 60.0% of 10 workers (600/s arriving on average)\n"),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("load.json");
    std::fs::write(
        &path,
        r#"{ "name": "load", "duration": "100s",
  "clients": [ { "name": "web", "target": "api", "count": 2,
                 "arrival": { "kind": "poisson", "profile": { "kind": "steps", "rates": [["0s", 100], ["50s", 300]] } } },
               { "name": "users", "target": "api",
                 "arrival": { "kind": "closed", "users": 50, "think": { "kind": "exponential", "mean": "990ms" } } } ],
  "services": [ { "name": "api", "workers": 2, "service_time": { "kind": "constant", "value": "2ms" } } ] }"#,
    )
    .unwrap();
    let text = ok(&["explain", &path.display().to_string()]);
    assert!(
        text.contains("  web    poisson, 2 steps × 2 clients: mean 400/s, peak 600/s\n         ▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃████████████████████████  (0s..100s, 0 to 600/s)\n"),
        "{text}"
    );
    assert!(
        text.contains("  users  closed loop: 50 users thinking 990ms on average: at most 50.4/s: min(N/(D+Z) = 50/(D 2ms + Z 990ms) = 50.4/s, bottleneck 1000/s)"),
        "{text}"
    );
    // (400 + 50.4) × 2 ms / 2 workers, the closed loop's share at its bound.
    assert!(
        text.contains("  api  mean at most 45.0%, peak at most 65.0% of 2 workers (450/s arriving on average)\n"),
        "{text}"
    );
}

#[test]
fn an_outbox_s_publish_call_is_shown_as_the_relay_s() {
    // outbox-vs-dual-write: in `outbox` mode the orders service's jobs commit the event row with
    // their write, and a relay polling every 100 ms publishes it; in dual write each job does.
    let relayed = "  orders → events    500ms / 1  published by the outbox relay every 100ms, up to 100 rows a poll, not by each job\n";
    let outbox = ok(&["explain", "outbox-vs-dual-write", "--variant", "outbox"]);
    assert!(outbox.contains(relayed), "{outbox}");
    let dual = ok(&["explain", "outbox-vs-dual-write"]);
    assert!(dual.contains("  orders → events    500ms / 1\n"), "{dual}");
    assert!(!dual.contains("outbox relay"), "{dual}");
}
