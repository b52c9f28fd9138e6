//! A component written outside faultline: a token-bucket proxy in front of a service,
//! wired into a scenario by name and compared with the built-in `rate_limit` it reimplements.
//!
//! ```sh
//! cargo run --release --example token_bucket
//! ```
//!
//! The scenario's `api` names `"component": "bucket"`; `models::run_with` hands the run a
//! `TokenBucket` whose `name()` is `bucket`, and the bucket decides for every attempt that
//! reaches `api` whether `api` serves it or the caller gets a "429" at once. The same
//! scenario with `"rate_limit": {"rate_per_s": 400, "burst": 20}` instead runs the built-in
//! limiter (a token bucket shared by the replicas, initially full, refilled continuously:
//! golang.org/x/time/rate's semantics), and the two runs' clients see exactly the same
//! outcomes: the component is as good as a built-in one.

use models::component::{Call, Component, ComponentScope, Verdict};
use models::{Reply, RunResult};
use sim_core::SimTime;

/// A token bucket of `burst` tokens refilled at `rate_per_s`, initially full, counted in
/// units of one nanosecond's refill (a token is 10⁹ units), so no rounding accumulates.
pub struct TokenBucket {
    name: String,
    rate_per_s: u64,
    burst: u64,
    units: u128,
    updated: SimTime,
    admitted: u64,
    refused: u64,
}

/// Units per token: one second of refill at one token per second.
const TOKEN: u128 = 1_000_000_000;

impl TokenBucket {
    /// A full bucket named `name`.
    pub fn new(name: &str, rate_per_s: u64, burst: u64) -> TokenBucket {
        TokenBucket {
            name: name.to_string(),
            rate_per_s,
            burst,
            units: u128::from(burst) * TOKEN,
            updated: SimTime::ZERO,
            admitted: 0,
            refused: 0,
        }
    }
}

impl Component for TokenBucket {
    fn name(&self) -> &str {
        &self.name
    }

    fn on_call(&mut self, _call: Call, scope: &mut dyn ComponentScope) -> Verdict {
        let now = scope.now();
        let elapsed = u128::from(now.since(self.updated).as_nanos());
        let capacity = u128::from(self.burst) * TOKEN;
        self.units = (self.units + elapsed * u128::from(self.rate_per_s)).min(capacity);
        self.updated = now;
        if self.units >= TOKEN {
            self.units -= TOKEN;
            self.admitted += 1;
            scope.fold(1);
            Verdict::Serve
        } else {
            self.refused += 1;
            scope.fold(0);
            Verdict::Answer(Reply::RateLimited)
        }
    }

    fn counters(&self) -> Vec<(String, u64)> {
        vec![
            ("admitted".to_string(), self.admitted),
            ("refused".to_string(), self.refused),
        ]
    }
}

/// The scenario: 600 requests/s (Poisson) against a service that should take 400/s;
/// `limit` is spliced into `api`.
fn scenario(limit: &str) -> String {
    format!(
        r#"{{ "name": "token-bucket", "duration": "60s", "warmup": "5s",
  "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "poisson", "rate_per_s": 600 }},
                 "timeout": "500ms" }} ],
  "services": [ {{ "name": "api", "replicas": 2, "workers": 8,
                   "service_time": {{ "kind": "exponential", "mean": "10ms" }}, {limit} }} ] }}"#
    )
}

/// Runs the scenario at `seed` with the bucket component and with the built-in limiter.
pub fn compare(seed: u64) -> (RunResult, RunResult) {
    let parse = |text: &str| {
        scenarios::parse(text, "token-bucket", &Default::default())
            .unwrap_or_else(|e| panic!("{e}"))
            .world
    };
    let custom = parse(&scenario(r#""component": "bucket""#));
    let builtin = parse(&scenario(
        r#""rate_limit": { "rate_per_s": 400, "burst": 20 }"#,
    ));
    let bucket: Box<dyn Component> = Box::new(TokenBucket::new("bucket", 400, 20));
    let with_component = models::run_with(&custom, seed, vec![bucket])
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let built_in = models::run(&builtin, seed).unwrap_or_else(|e| panic!("{e}"));
    (with_component, built_in)
}

#[allow(dead_code)] // Also compiled into `tests/component.rs`, which has a `main` of its own.
fn main() {
    let (custom, builtin) = compare(1);
    println!(
        "600 requests/s at a service limited to 400/s (burst 20), seed 1, measured after 5 s:"
    );
    println!(
        "{:<22} {:>9} {:>9} {:>13} {:>9}",
        "limiter", "requests", "ok", "rate-limited", "p99 ms"
    );
    for (label, run) in [
        ("component `bucket`", &custom),
        ("built-in rate_limit", &builtin),
    ] {
        let web = &run.clients[0];
        // Null, not 0, when nothing succeeded.
        let p99 = match web.succeeded {
            0 => "null".to_string(),
            _ => format!("{:.3}", web.latency.quantile_nanos(0.99) / 1e6),
        };
        println!(
            "{label:<22} {:>9} {:>9} {:>13} {:>9}",
            web.requests, web.succeeded, web.rate_limited, p99
        );
    }
    for counts in &custom.components {
        let counters: Vec<String> = counts
            .counters
            .iter()
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        println!("component {}: {}", counts.name, counters.join(", "));
    }
    let (a, b) = (&custom.clients[0], &builtin.clients[0]);
    let same = (a.requests, a.succeeded, a.rate_limited, a.failed)
        == (b.requests, b.succeeded, b.rate_limited, b.failed);
    println!(
        "the clients' outcomes are {}",
        if same { "identical" } else { "DIFFERENT" }
    );
    if !same {
        std::process::exit(1);
    }
}
