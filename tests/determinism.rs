//! Determinism as a property: the same (scenario, variant, seed, version) is the same run.
//!
//! proptest draws small random scenarios (services that may call later services, clients,
//! distributions, timeouts, retries, jitter, all four balancers, and issue #4's policies:
//! outlier detection, client errors, rate limits, bulkheads, queue-time limits, adaptive LIFO
//! and CoDel; tied requests, optional calls, side effects and idempotency-key stores; caches on
//! clients and calls), and a random failure model on top (error bursts sometimes not retryable):
//! 0–4 faults drawn from every kind (slowdown, error_burst, garbage, crash with and without
//! `for`, replica_loss, pause, brownout, partition one-way or both ways, black_hole, refuse,
//! latency, flapping_link, load_spike, clock_jump, drift_change, and crash, pause, slowdown and
//! partition of zone a, where even-numbered services place their replicas), sometimes network
//! loss and
//! duplication, a per-link override, initial clock settings, and sometimes a lease `election`
//! with 0–3 faults on its nodes and store (crash, pause, partition, black_hole, clock_jump,
//! drift_change), and sometimes a leader–follower `database` with 0–3 faults on its nodes
//! (crash, replica_loss, slowdown, latency, partition), and sometimes a `random_faults` recipe
//! with its defaults (every kind that can hit a service, the election, the database or a
//! zone). Clients arrive in every way issue #14 offers: fixed-rate Poisson or constant,
//! profiles (steps, table, ramp, daily), on/off bursts, closed-loop users, sessions and a
//! trace (`TRACE`, written beside the scenario), sometimes as groups (`count`, with members
//! reported), sometimes with request classes that cost their own service time; a
//! `load_spike` names only a client whose load it can multiply. Every name refers to an
//! existing service (`s0`..), replica (`s0[1]` only if `s0` has two) or client (`c0`..), and
//! every fault starts before the run ends. Each scenario is written to a file and run through
//! the CLI's own `run` path twice: the JSON must be byte-identical and the trace hash equal.
//! Another seed must give another trace, and the summary must list every fault of the file.
//! On failure proptest prints the scenario and the seed.

use std::path::Path;

use faultline::cli::{Format, RunArgs};
use proptest::prelude::*;

fn duration_ms(low: u64, high: u64) -> impl Strategy<Value = String> {
    (low..=high).prop_map(|ms| format!("\"{ms}ms\""))
}

fn distribution() -> impl Strategy<Value = String> {
    prop_oneof![
        duration_ms(0, 5).prop_map(|v| format!(r#"{{ "kind": "constant", "value": {v} }}"#)),
        (0u64..3, 3u64..8).prop_map(|(a, b)| format!(r#"{{ "kind": "uniform", "min": "{a}ms", "max": "{b}ms" }}"#)),
        duration_ms(1, 5).prop_map(|v| format!(r#"{{ "kind": "exponential", "mean": {v} }}"#)),
        (1u64..5, 5u64..30).prop_map(|(a, b)| format!(r#"{{ "kind": "lognormal", "p50": "{a}ms", "p99": "{b}ms" }}"#)),
        (1u64..4, 1u64..3).prop_map(|(m, s)| format!(r#"{{ "kind": "lognormal", "mean": "{m}ms", "sd": "{s}ms" }}"#)),
        (1u64..5, 50u64..400).prop_map(|(fast, slow)| format!(
            r#"{{ "kind": "mixture", "of": [ {{ "weight": 0.95, "dist": {{ "kind": "constant", "value": "{fast}ms" }} }}, {{ "weight": 0.05, "dist": {{ "kind": "constant", "value": "{slow}ms" }} }} ] }}"#
        )),
        // Issue #14's kinds: measured and heavy-tailed.
        (1u64..4, 5u64..20, 20u64..200).prop_map(|(p50, p99, p999)| format!(
            r#"{{ "kind": "quantiles", "p50": "{p50}ms", "p99": "{p99}ms", "p99.9": "{p999}ms" }}"#
        )),
        (1u64..5, 5u64..50).prop_map(|(a, b)| format!(
            r#"{{ "kind": "empirical", "samples": ["{a}ms", "{b}ms", "{a}500us"] }}"#
        )),
        (1u64..4, 20u64..60).prop_map(|(a, b)| format!(
            r#"{{ "kind": "histogram", "buckets": [ {{ "le": "{a}ms", "count": 90 }}, {{ "le": "{b}ms", "count": 10 }} ] }}"#
        )),
        (11u32..30, 20u64..500).prop_map(|(alpha, max)| format!(
            r#"{{ "kind": "pareto", "alpha": {}, "min": "1ms", "max": "{max}ms" }}"#, f64::from(alpha) / 10.0
        )),
        (5u32..20, 1u64..5).prop_map(|(shape, mean)| format!(
            r#"{{ "kind": "weibull", "shape": {}, "mean": "{mean}ms" }}"#, f64::from(shape) / 10.0
        )),
        (3u32..30, 1u64..5).prop_map(|(shape, mean)| format!(
            r#"{{ "kind": "gamma", "shape": {}, "mean": "{mean}ms" }}"#, f64::from(shape) / 10.0
        )),
        (1u32..6, 1u64..5).prop_map(|(k, mean)| format!(r#"{{ "kind": "erlang", "k": {k}, "mean": "{mean}ms" }}"#)),
        (1u64..3, 10u64..60).prop_map(|(fast, slow)| format!(
            r#"{{ "kind": "hyperexponential", "of": [ {{ "weight": 0.9, "mean": "{fast}ms" }}, {{ "weight": 0.1, "mean": "{slow}ms" }} ] }}"#
        )),
    ]
}

fn retry() -> impl Strategy<Value = String> {
    let backoff = prop_oneof![
        Just(r#"{ "kind": "none" }"#.to_string()),
        duration_ms(1, 20).prop_map(|d| format!(r#"{{ "kind": "constant", "delay": {d} }}"#)),
        (1u64..10, 10u64..200).prop_map(|(b, c)| format!(
            r#"{{ "kind": "exponential", "base": "{b}ms", "cap": "{c}ms" }}"#
        )),
    ];
    let jitter = prop_oneof![
        Just("none"),
        Just("full"),
        Just("equal"),
        Just("decorrelated")
    ];
    let budget = prop_oneof![
        Just(String::new()),
        Just(r#", "budget": { "ratio": 0.1, "min_per_s": 5, "ttl": "5s" }"#.to_string()),
    ];
    (1u32..5, backoff, jitter, budget).prop_map(|(attempts, backoff, jitter, budget)| {
        format!(r#", "retry": {{ "max_attempts": {attempts}, "backoff": {backoff}, "jitter": "{jitter}"{budget} }}"#)
    })
}

/// A caller's optional guards: a circuit breaker, adaptive throttling, hedging, a bulkhead.
fn guards() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(r#", "circuit_breaker": { "failure_rate": 0.5, "window": 20, "minimum_calls": 10, "open_for": "1s", "half_open_calls": 3 }"#.to_string()),
        Just(r#", "circuit_breaker": { "failure_rate": 0.3, "window_duration": "2s", "minimum_calls": 5, "open_for": "500ms" }"#.to_string()),
        Just(r#", "throttle": { "k": 2, "window": "10s" }"#.to_string()),
        Just(r#", "hedge": { "after": "5ms" }"#.to_string()),
        Just(r#", "hedge": { "after": "p90" }"#.to_string()),
        Just(r#", "bulkhead": { "max_concurrent": 2 }"#.to_string()),
        Just(r#", "bulkhead": { "max_concurrent": 1, "max_wait": "20ms", "max_waiting": 3 }, "hedge": { "after": "5ms" }"#.to_string()),
        Just(r#", "hedge": { "tied": true }"#.to_string()),
    ]
}

/// `, "timeout": ...` or nothing.
fn timeout() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        duration_ms(5, 100).prop_map(|t| format!(r#", "timeout": {t}"#))
    ]
}

/// The skeleton every name in the failure model refers to.
#[derive(Clone, Debug)]
struct Shape {
    /// Replicas of `s0`, `s1`, ...
    replicas: Vec<u32>,
    /// Number of clients `c0`, `c1`, ...
    clients: usize,
    /// Each client's kind of load (`LOADS`); `c0`'s is always random (Poisson, fixed or
    /// with a profile), so that every scenario has randomness and a new seed changes its trace.
    loads: Vec<u8>,
    /// Run length in milliseconds; every fault starts before it.
    duration_ms: u64,
}

/// A client (`Unit::Client`) or a service (`Unit::Service`): the things an endpoint names.
#[derive(Clone, Copy, Debug)]
enum Unit {
    Client(usize),
    Service(usize),
}

impl Shape {
    fn units(&self) -> Vec<Unit> {
        (0..self.clients)
            .map(Unit::Client)
            .chain((0..self.replicas.len()).map(Unit::Service))
            .collect()
    }

    /// `s3` or, when `pick` holds, one of its replicas `s3[r]` (`r` taken modulo its count).
    fn target_name(&self, service: usize, pick: bool, r: u32) -> String {
        if pick {
            format!("s{service}[{}]", r % self.replicas[service])
        } else {
            format!("s{service}")
        }
    }

    fn endpoint_name(&self, unit: Unit, pick: bool, r: u32) -> String {
        match unit {
            Unit::Client(c) => format!("c{c}"),
            Unit::Service(s) => self.target_name(s, pick, r),
        }
    }

    /// The clients a load spike can multiply (never empty: `c0` always can).
    fn spikeable(&self) -> Vec<usize> {
        (0..self.clients)
            .filter(|&c| spikeable(self.loads[c]))
            .collect()
    }

    /// How many replicas zone a holds: replicas 0, 2, .. of the even-numbered services.
    fn zone_a(&self) -> usize {
        self.replicas
            .iter()
            .step_by(2)
            .map(|&r| r.div_ceil(2) as usize)
            .sum()
    }

    /// A service or one of its existing replicas, as a JSON string.
    fn target(&self) -> impl Strategy<Value = String> {
        let shape = self.clone();
        (0..self.replicas.len(), prop::bool::ANY, 0u32..3)
            .prop_map(move |(s, pick, r)| format!("\"{}\"", shape.target_name(s, pick, r)))
    }

    /// `count` endpoints as JSON strings, each naming a different client or service (a service
    /// perhaps as one of its replicas), so groups cut from them never share a node (overlapping
    /// partition or flapping-link endpoints pass validation today but make the engine panic).
    fn endpoints(&self, count: usize) -> impl Strategy<Value = Vec<String>> {
        let shape = self.clone();
        let units = self.units();
        (
            Just(units).prop_shuffle(),
            prop::collection::vec((prop::bool::ANY, 0u32..3), count),
        )
            .prop_map(move |(units, picks)| {
                units
                    .iter()
                    .zip(&picks)
                    .map(|(&unit, &(pick, r))| {
                        format!("\"{}\"", shape.endpoint_name(unit, pick, r))
                    })
                    .collect()
            })
    }

    /// A start time inside the run, and maybe a length.
    fn window(&self) -> impl Strategy<Value = String> {
        let at = 0..self.duration_ms;
        let lasts = prop_oneof![
            Just(String::new()),
            (1u64..=2_000).prop_map(|ms| format!(r#", "for": "{ms}ms""#))
        ];
        (at, lasts).prop_map(|(at, lasts)| format!(r#""at": "{at}ms"{lasts}"#))
    }

    /// A start time inside the run, for faults that happen at an instant and last to the end.
    fn instant(&self) -> impl Strategy<Value = String> {
        (0..self.duration_ms).prop_map(|at| format!(r#""at": "{at}ms""#))
    }

    /// One fault of any kind, with valid parameters and a start inside the run.
    fn fault(&self) -> BoxedStrategy<String> {
        let unreachable = || {
            prop_oneof![
                Just(""),
                Just(r#", "mode": "black_hole""#),
                Just(r#", "mode": "refuse""#)
            ]
        };
        let while_down = || {
            prop_oneof![
                Just(""),
                Just(r#", "while_down": "black_hole""#),
                Just(r#", "while_down": "refuse""#)
            ]
        };
        let units = self.units().len();
        let partition = (1..units)
            .prop_flat_map(move |left| (Just(left), 1..=units - left))
            .prop_flat_map({
                let shape = self.clone();
                move |(left, right)| {
                    (
                        Just(left),
                        shape.endpoints(left + right),
                        prop_oneof![
                            Just(""),
                            Just(r#", "one_way": false"#),
                            Just(r#", "one_way": true"#)
                        ],
                        unreachable(),
                        shape.window(),
                    )
                }
            })
            .prop_map(|(left, names, one_way, mode, window)| {
                format!(
                    r#"{{ "kind": "partition", "groups": [[{}], [{}]]{one_way}{mode}, {window} }}"#,
                    names[..left].join(", "),
                    names[left..].join(", ")
                )
            });
        let clients = self.clients;
        prop_oneof![
            (self.target(), 0.2f64..8.0, self.window()).prop_map(|(t, f, w)| format!(
                r#"{{ "kind": "slowdown", "target": {t}, "factor": {f}, {w} }}"#
            )),
            (self.target(), 0.0f64..=1.0, prop_oneof![Just(""), Just(r#", "retryable": false"#)], self.window()).prop_map(|(t, p, r, w)| format!(
                r#"{{ "kind": "error_burst", "target": {t}, "fraction": {p}{r}, {w} }}"#
            )),
            (self.target(), 0.0f64..=1.0, self.window()).prop_map(|(t, p, w)| format!(
                r#"{{ "kind": "garbage", "target": {t}, "fraction": {p}, {w} }}"#
            )),
            // `window` draws crashes with and without `for`.
            (self.target(), while_down(), self.window()).prop_map(|(t, d, w)| format!(
                r#"{{ "kind": "crash", "target": {t}{d}, {w} }}"#
            )),
            (self.target(), while_down(), self.instant()).prop_map(|(t, d, w)| format!(
                r#"{{ "kind": "replica_loss", "target": {t}{d}, {w} }}"#
            )),
            // Correlated failure of zone a (issue #3): a crash, pause or slowdown of every
            // replica in it, or a partition between it and a client.
            (prop_oneof![Just(r#""crash""#), Just(r#""pause""#), Just(r#""slowdown", "factor": 3"#)], self.window()).prop_map(|(k, w)| format!(
                r#"{{ "kind": {k}, "target": "zone:a", {w} }}"#
            )),
            (0..clients, unreachable(), self.window()).prop_map(|(c, mode, w)| format!(
                r#"{{ "kind": "partition", "groups": [["zone:a"], ["c{c}"]]{mode}, {w} }}"#
            )),
            // A brownout (issue #3) always has a window: its ramp needs an end.
            (self.target(), 0.0f64..=1.0, 0..self.duration_ms, 1u64..=2_000).prop_map(|(t, p, at, ms)| format!(
                r#"{{ "kind": "brownout", "target": {t}, "peak": {p}, "at": "{at}ms", "for": "{ms}ms" }}"#
            )),
            // A replica pause (issue #3), with and without `for` like a crash.
            (self.target(), self.window()).prop_map(|(t, w)| format!(
                r#"{{ "kind": "pause", "target": {t}, {w} }}"#
            )),
            partition,
            (self.target(), self.window()).prop_map(|(t, w)| format!(
                r#"{{ "kind": "black_hole", "target": {t}, {w} }}"#
            )),
            (self.target(), self.window()).prop_map(|(t, w)| format!(
                r#"{{ "kind": "refuse", "target": {t}, {w} }}"#
            )),
            (self.target(), 1u64..=50, self.window()).prop_map(|(t, add, w)| format!(
                r#"{{ "kind": "latency", "target": {t}, "add": "{add}ms", {w} }}"#
            )),
            (self.endpoints(2), 2u64..=2_000, self.window())
                .prop_flat_map(|(names, period, w)| (Just(names), Just(period), 1..period, Just(w)))
                .prop_map(|(names, period, down, w)| format!(
                    r#"{{ "kind": "flapping_link", "between": [{}], "period": "{period}ms", "down": "{down}ms", {w} }}"#,
                    names.join(", ")
                )),
            (prop::sample::select(self.spikeable()), 0.2f64..5.0, self.window()).prop_map(|(c, f, w)| format!(
                r#"{{ "kind": "load_spike", "client": "c{c}", "factor": {f}, {w} }}"#
            )),
            (self.target(), prop::bool::ANY, 1u64..=2_000, self.instant()).prop_map(
                |(t, back, ms, w)| {
                    let sign = if back { "-" } else { "" };
                    format!(r#"{{ "kind": "clock_jump", "target": {t}, "by": "{sign}{ms}ms", {w} }}"#)
                }
            ),
            (self.target(), -500_000i32..=500_000, self.instant()).prop_map(|(t, ppm, w)| format!(
                r#"{{ "kind": "drift_change", "target": {t}, "drift_ppm": {ppm}, {w} }}"#
            )),
        ]
        .boxed()
    }

    /// `, "clocks": [...]` with 1–2 settings, or nothing.
    fn clocks(&self) -> impl Strategy<Value = String> {
        let setting = (
            self.endpoints(1),
            prop_oneof![Just(0.0), -200_000.0f64..200_000.0],
            prop_oneof![
                Just(String::new()),
                (prop::bool::ANY, 0u64..=500).prop_map(|(neg, ms)| {
                    format!(r#", "offset": "{}{ms}ms""#, if neg { "-" } else { "" })
                })
            ],
        )
            .prop_map(|(target, ppm, offset)| {
                format!(
                    r#"{{ "target": {}, "drift_ppm": {ppm}{offset} }}"#,
                    target[0]
                )
            });
        prop_oneof![
            2 => Just(String::new()),
            1 => prop::collection::vec(setting, 1..=2)
                .prop_map(|s| format!(r#", "clocks": [ {} ]"#, s.join(", "))),
        ]
    }

    /// The network: a latency, sometimes loss and duplication, sometimes one link override.
    fn network(&self) -> impl Strategy<Value = String> {
        let chance = || prop_oneof![3 => Just(0.0), 1 => 0.0f64..0.2];
        let link = (
            self.endpoints(2),
            prop_oneof![
                Just(String::new()),
                distribution().prop_map(|d| format!(r#", "latency": {d}"#))
            ],
            prop_oneof![
                Just(String::new()),
                (0.0f64..0.3).prop_map(|p| format!(r#", "loss": {p}"#))
            ],
            prop_oneof![
                Just(String::new()),
                (0.0f64..0.3).prop_map(|p| format!(r#", "duplicate": {p}"#))
            ],
        )
            .prop_map(|(names, latency, loss, duplicate)| {
                format!(
                    r#"{{ "between": [{}]{latency}{loss}{duplicate} }}"#,
                    names.join(", ")
                )
            });
        (
            distribution(),
            chance(),
            chance(),
            prop_oneof![2 => Just(String::new()), 1 => link.prop_map(|l| format!(r#", "links": [ {l} ]"#))],
        )
            .prop_map(|(latency, loss, duplicate, links)| {
                format!(
                    r#"{{ "latency": {latency}, "loss": {loss}, "duplicate": {duplicate}{links} }}"#
                )
            })
    }
}

/// Service `index`; it may call one later service (never an earlier one: no cycles).
fn service(index: usize, replicas: u32, services: usize) -> impl Strategy<Value = String> {
    let call = if index + 1 < services {
        prop_oneof![
            Just(String::new()),
            (
                index + 1..services,
                timeout(),
                prop_oneof![Just(String::new()), retry()],
                guards(),
                prop_oneof![
                    Just(String::new()),
                    Just(r#", "fanout": 2"#.to_string()),
                    Just(r#", "fanout": 3, "wait_for": "any""#.to_string()),
                    Just(r#", "fanout": 3, "wait_for": 2"#.to_string()),
                    Just(r#", "optional": true"#.to_string()),
                    Just(r#", "cache": { "keys": 50, "ttl": "200ms", "single_flight": true, "serve_stale": true }"#.to_string()),
                ],
            )
                .prop_map(|(target, timeout, retry, guards, fanout)| {
                    format!(r#", "calls": [ {{ "service": "s{target}"{timeout}{retry}{guards}{fanout} }} ]"#)
                })
        ]
        .boxed()
    } else {
        Just(String::new()).boxed()
    };
    let queue = prop_oneof![
        3 => Just(""),
        1 => Just(r#", "max_wait": "20ms""#),
        1 => Just(r#", "discipline": "adaptive_lifo", "lifo_after": "10ms""#),
        1 => Just(r#", "codel": { "target": "2ms", "interval": "20ms" }"#),
        1 => Just(r#", "shed_sheddable_above": 0.5"#),
    ];
    // Even-numbered services are placed in zones a and b (issue #3), so zone a always holds
    // replica 0 of s0.
    let zones = if index % 2 == 0 {
        r#", "zones": ["a", "b"]"#
    } else {
        ""
    };
    // A deployment of a bad version (issue #21), rolled back by its alert or not.
    let deploy = prop_oneof![
        4 => Just(""),
        1 => Just(r#", "deploy": { "at": "300ms", "error_rate": 0.3, "latency_factor": 2, "alert": { "target": 0.9, "long_window": "200ms", "short_window": "50ms", "every": "10ms" }, "rollback": { "duration": "50ms" } }"#),
        1 => Just(r#", "deploy": { "at": "300ms", "strategy": "canary", "share": 0.3, "bake": "200ms", "error_rate": 0.5, "alert": { "target": 0.9, "long_window": "100ms", "short_window": "20ms", "every": "10ms" }, "rollback": {} }"#),
        1 => Just(r#", "deploy": { "at": "250ms", "strategy": "rolling", "interval": "100ms", "latency_add": "2ms" }"#),
        1 => Just(r#", "deploy": { "at": "250ms", "strategy": "blue_green", "error_rate": 0.2, "rollback": {} }"#),
    ];
    (1u32..6, 1u32..200, queue, service_policies(), distribution(), call, deploy).prop_map(
        move |(workers, capacity, queue, policies, dist, call, deploy)| {
            format!(
                r#"{{ "name": "s{index}", "replicas": {replicas}, "workers": {workers}, "queue": {{ "capacity": {capacity}{queue} }}{policies}{zones}, "service_time": {dist}{call}{deploy} }}"#
            )
        },
    )
}

/// A service's balancer (any of the four) and, sometimes, the policies and caller classes of
/// issue #4.
fn service_policies() -> impl Strategy<Value = String> {
    let balancer = prop_oneof![
        Just("round_robin"),
        Just("random"),
        Just("least_outstanding"),
        Just("p2c")
    ];
    let outlier = prop_oneof![
        Just(""),
        Just(
            r#", "outlier_detection": { "consecutive_5xx": 3, "interval": "100ms", "base_ejection_time": "200ms", "max_ejection_percent": 50 }"#
        ),
    ];
    let client_errors = prop_oneof![Just(""), Just(r#", "client_error_fraction": 0.05"#)];
    let rate_limit = prop_oneof![
        Just(""),
        Just(r#", "rate_limit": { "rate_per_s": 200, "burst": 20 }"#),
        Just(r#", "rate_limit": { "rate_per_s": 100, "burst": 10, "per": "caller" }"#)
    ];
    let identity = prop_oneof![
        Just(""),
        Just(r#", "side_effect": true"#),
        Just(r#", "side_effect": true, "idempotency": { "ttl": "2s" }"#)
    ];
    // Caller classes: client c0 always exists, so a pool may name it.
    let classes = prop_oneof![
        2 => Just(""),
        1 => Just(r#", "overload": { "cores": 2, "penalty": 0.2 }"#),
        1 => Just(r#", "pools": [ { "callers": ["c0"], "workers": 2, "queue_capacity": 5 } ]"#),
    ];
    (
        balancer,
        outlier,
        client_errors,
        rate_limit,
        identity,
        classes,
    )
        .prop_map(|(b, o, c, r, i, k)| format!(r#", "balancer": "{b}"{o}{c}{r}{i}{k}"#))
}

/// The trace a trace-driven client replays, written as `trace.csv` beside every scenario.
const TRACE: &str = "time_ms,class\n0,a\n3,b\n3,a\n40,a\n41,b\n250,a\n";

/// The kinds of load a client may have: 0 fixed-rate Poisson, 1 fixed-rate constant, 2 a
/// profile, 3 on/off bursts, 4 closed-loop users, 5 sessions, 6 a trace.
const LOADS: u8 = 7;

/// Whether a load spike can multiply a client of load `kind` (not a closed loop, not a trace).
fn spikeable(kind: u8) -> bool {
    !matches!(kind, 4 | 6)
}

/// A think time with a mean above 0.
fn think() -> impl Strategy<Value = String> {
    prop_oneof![
        duration_ms(1, 50).prop_map(|v| format!(r#"{{ "kind": "exponential", "mean": {v} }}"#)),
        (1u64..10, 10u64..60).prop_map(|(a, b)| format!(
            r#"{{ "kind": "uniform", "min": "{a}ms", "max": "{b}ms" }}"#
        )),
        (1u64..5, 5u64..50).prop_map(|(a, b)| format!(
            r#"{{ "kind": "empirical", "samples": ["{a}ms", "{b}ms"] }}"#
        )),
        (2u64..10, 20u64..80).prop_map(|(p50, p99)| format!(
            r#"{{ "kind": "quantiles", "p50": "{p50}ms", "p99": "{p99}ms" }}"#
        )),
    ]
}

/// A rate over time for a run of up to 3 s.
fn profile() -> impl Strategy<Value = String> {
    prop_oneof![
        (20u32..800, 20u32..800, 1u64..3000).prop_map(|(a, b, at)| format!(
            r#"{{ "kind": "steps", "rates": [["0s", {a}], ["{at}ms", {b}]] }}"#
        )),
        (0u32..800, 20u32..800, 1u64..1500, 0u32..300).prop_map(|(a, b, at, c)| format!(
            r#"{{ "kind": "table", "rates": [["0s", {a}], ["{at}ms", {b}], ["{at}ms", {c}], ["3s", {a}]] }}"#
        )),
        (0u32..800, 20u32..800, 0u64..2000, 1u64..2000).prop_map(|(a, b, at, lasts)| format!(
            r#"{{ "kind": "ramp", "from_per_s": {a}, "to_per_s": {b}, "at": "{at}ms", "for": "{lasts}ms" }}"#
        )),
        (20u32..800, 0u32..=10, 0u64..2000).prop_map(|(mean, amplitude, peak)| format!(
            r#"{{ "kind": "daily", "mean_per_s": {mean}, "amplitude": {}, "peak_at": "{peak}ms", "period": "2s" }}"#,
            f64::from(amplitude) / 10.0
        )),
    ]
}

/// The `"arrival": {...}` of a client of load `kind` (see `LOADS`), with a rate of `rate`
/// where it takes one.
fn arrival(kind: u8, rate: u32) -> BoxedStrategy<String> {
    fn wrap(body: String) -> String {
        format!(r#""arrival": {body}"#)
    }
    match kind {
        0 => Just(wrap(format!(r#"{{ "kind": "poisson", "rate_per_s": {rate} }}"#))).boxed(),
        1 => Just(wrap(format!(r#"{{ "kind": "constant", "rate_per_s": {rate} }}"#))).boxed(),
        2 => (prop::bool::ANY, profile())
            .prop_map(move |(poisson, p)| {
                let spacing = if poisson { "poisson" } else { "constant" };
                // A daily curve is thinned, which takes a Poisson process.
                let spacing = if p.contains("daily") { "poisson" } else { spacing };
                wrap(format!(r#"{{ "kind": "{spacing}", "profile": {p} }}"#))
            })
            .boxed(),
        3 => (0u32..50, 5u64..500, 5u64..500)
            .prop_map(move |(off, on_ms, off_ms)| {
                wrap(format!(
                    r#"{{ "kind": "on_off", "rate_per_s": {rate}, "off_rate_per_s": {off}, "on": "{on_ms}ms", "off": "{off_ms}ms" }}"#
                ))
            })
            .boxed(),
        4 => (1u32..20, think())
            .prop_map(|(users, t)| wrap(format!(r#"{{ "kind": "closed", "users": {users}, "think": {t} }}"#)))
            .boxed(),
        5 => (1u32..50, 1u32..6, think())
            .prop_map(|(users, requests, t)| {
                wrap(format!(
                    r#"{{ "kind": "sessions", "rate_per_s": {users}, "requests": {requests}, "think": {t} }}"#
                ))
            })
            .boxed(),
        _ => prop_oneof![Just(1.0), Just(0.5), Just(3.0)]
            .prop_map(|speed| {
                wrap(format!(
                    r#"{{ "kind": "trace", "file": "trace.csv", "column": "time_ms", "speed": {speed}, "loop": "300ms" }}"#
                ))
            })
            .boxed(),
    }
}

/// A client's group size and request classes (with their own service time at `target`), or
/// nothing. A trace plays in one client, and names its requests' classes when there are any.
fn group_and_classes(kind: u8, target: usize) -> impl Strategy<Value = String> {
    let count = if kind == 6 {
        Just(String::new()).boxed()
    } else {
        prop_oneof![
            3 => Just(String::new()),
            1 => (2u32..4).prop_map(|n| format!(r#", "count": {n}"#)),
            1 => (2u32..4).prop_map(|n| format!(r#", "count": {n}, "report_members": true"#)),
        ]
        .boxed()
    };
    let classes = prop_oneof![
        2 => Just(String::new()),
        1 => distribution().prop_map(move |d| {
            if kind == 6 {
                format!(r#", "classes": [ {{ "name": "a" }}, {{ "name": "b", "service_time": {{ "s{target}": {d} }} }} ]"#)
            } else {
                format!(r#", "classes": [ {{ "name": "a", "weight": 0.7 }}, {{ "name": "b", "weight": 0.3, "service_time": {{ "s{target}": {d} }} }} ]"#)
            }
        }),
    ];
    (count, classes).prop_map(|(c, k)| format!("{c}{k}"))
}

fn client(index: usize, services: usize, kind: u8) -> impl Strategy<Value = String> {
    let retry = prop_oneof![Just(String::new()), retry()];
    let deadline = prop_oneof![
        Just(String::new()),
        Just(r#", "deadline": { "after": "200ms", "propagate": true }"#.to_string()),
        Just(r#", "deadline": { "after": "50ms" }"#.to_string()),
    ];
    let priority = prop_oneof![Just(""), Just(r#", "priority": "sheddable""#)];
    let cache = prop_oneof![
        3 => Just(""),
        1 => Just(r#", "cache": { "keys": 100, "zipf": 0.9, "ttl": "100ms" }"#),
        1 => Just(r#", "cache": { "keys": 20, "ttl": "50ms", "single_flight": true, "capacity": 10 }"#),
    ];
    let extra =
        (guards(), deadline, priority, cache).prop_map(|(g, d, p, c)| format!("{g}{d}{p}{c}"));
    (0..services, 20u32..1500, timeout(), retry, extra)
        .prop_flat_map(move |(target, rate, timeout, retry, extra)| {
            (
                arrival(kind, rate),
                group_and_classes(kind, target),
                Just((target, timeout, retry, extra)),
            )
        })
        .prop_map(move |(arrival, group, (target, timeout, retry, extra))| {
            format!(
                r#"{{ "name": "c{index}", "target": "s{target}", {arrival}{group}{timeout}{retry}{extra} }}"#
            )
        })
}

/// Maybe a lease `election` block (issue #3), as `, "election": {...}`, with 0–3 faults that
/// name its nodes and store (crash, pause, partition with the store, black_hole, clock_jump,
/// drift_change), each starting inside a run of `duration_ms`.
fn election(duration_ms: u64) -> BoxedStrategy<(String, Vec<String>)> {
    let block = (
        1u32..4,
        100u64..800,
        0u32..40,
        prop::bool::ANY,
        distribution(),
    );
    let with = block.prop_flat_map(move |(nodes, lease, writes, fencing, latency)| {
        let text = format!(
            r#", "election": {{ "nodes": {nodes}, "lease": "{lease}ms", "renew_every": "{}ms", "retry_every": "{}ms", "safety_margin": "{}ms", "store_latency": {latency}, "writes": {{ "kind": "poisson", "rate_per_s": {writes} }}, "fencing": {fencing} }}"#,
            lease / 3,
            lease / 4,
            lease / 5
        );
        let node = (0..nodes).prop_map(|i| format!("\"election[{i}]\""));
        let member = prop_oneof![node.clone(), Just("\"election.store\"".to_string())];
        let at = (0..duration_ms).prop_map(|ms| format!(r#""at": "{ms}ms""#));
        let lasts = (1u64..=2_000).prop_map(|ms| format!(r#", "for": "{ms}ms""#));
        let fault = prop_oneof![
            (prop_oneof![Just("crash"), Just("pause"), Just("black_hole")], node.clone(), at.clone(), lasts.clone())
                .prop_map(|(kind, n, at, f)| format!(r#"{{ "kind": "{kind}", "target": {n}, {at}{f} }}"#)),
            (node, prop::bool::ANY, at.clone(), lasts)
                .prop_map(|(n, one_way, at, f)| format!(r#"{{ "kind": "partition", "groups": [[{n}], ["election.store"]], "one_way": {one_way}, {at}{f} }}"#)),
            (member.clone(), -500i64..500, at.clone())
                .prop_map(|(m, by, at)| format!(r#"{{ "kind": "clock_jump", "target": {m}, "by": "{by}ms", {at} }}"#)),
            (member, -300_000i64..300_000, at)
                .prop_map(|(m, ppm, at)| format!(r#"{{ "kind": "drift_change", "target": {m}, "drift_ppm": {ppm}, {at} }}"#)),
        ];
        (Just(text), prop::collection::vec(fault, 0..=3))
    });
    prop_oneof![Just((String::new(), Vec::new())), with].boxed()
}

/// Maybe a leader–follower `database` block (issue #3), as `, "database": {...}`, with 0–3
/// faults on its nodes (crash with and without `for`, replica_loss, slowdown, latency, and a
/// partition between two of them), each starting inside a run of `duration_ms`.
fn database(duration_ms: u64) -> BoxedStrategy<(String, Vec<String>)> {
    let block = (
        (1u32..=3, prop::bool::ANY, 1u32..300, 1u32..1_000),
        (
            prop_oneof![Just("followers"), Just("leader"), Just("any")],
            prop_oneof![Just("async"), Just("semi_sync")],
            prop_oneof![Just("most_caught_up"), Just("first")],
        ),
        distribution(),
        0u64..2_000,
    );
    let with = block.prop_flat_map(
        move |((followers, poisson, writes, reads), (read_from, replication, promote), lag, after)| {
            let kind = if poisson { "poisson" } else { "constant" };
            let text = format!(
                r#", "database": {{ "followers": {followers}, "writes": {{ "kind": "{kind}", "rate_per_s": {writes} }}, "reads": {{ "kind": "poisson", "rate_per_s": {reads} }}, "read_from": "{read_from}", "replication": "{replication}", "replication_lag": {lag}, "failover_after": "{after}ms", "promote": "{promote}" }}"#
            );
            let nodes = followers + 1;
            let node = prop_oneof![
                (0..nodes).prop_map(|i| format!("\"db[{i}]\"")),
                Just("\"db\"".to_string())
            ];
            let at = (0..duration_ms).prop_map(|ms| format!(r#""at": "{ms}ms""#));
            let lasts = prop_oneof![
                Just(String::new()),
                (1u64..=2_000).prop_map(|ms| format!(r#", "for": "{ms}ms""#))
            ];
            let pair = (0..nodes, 1..nodes).prop_map(move |(a, d)| (a, (a + d) % nodes));
            let fault = prop_oneof![
                (node.clone(), at.clone(), lasts.clone())
                    .prop_map(|(n, at, f)| format!(r#"{{ "kind": "crash", "target": {n}, {at}{f} }}"#)),
                (node.clone(), at.clone())
                    .prop_map(|(n, at)| format!(r#"{{ "kind": "replica_loss", "target": {n}, {at} }}"#)),
                (node.clone(), 0.2f64..50.0, at.clone(), lasts.clone())
                    .prop_map(|(n, x, at, f)| format!(r#"{{ "kind": "slowdown", "target": {n}, "factor": {x}, {at}{f} }}"#)),
                (node, 1u64..500, at.clone(), lasts.clone())
                    .prop_map(|(n, ms, at, f)| format!(r#"{{ "kind": "latency", "target": {n}, "add": "{ms}ms", {at}{f} }}"#)),
                (pair, prop::bool::ANY, at, lasts)
                    .prop_map(|((a, b), one_way, at, f)| format!(r#"{{ "kind": "partition", "groups": [["db[{a}]"], ["db[{b}]"]], "one_way": {one_way}, {at}{f} }}"#)),
            ];
            (Just(text), prop::collection::vec(fault, 0..=3))
        },
    );
    prop_oneof![Just((String::new(), Vec::new())), with].boxed()
}

/// Maybe a `random_faults` block (issue #3), as `, "random_faults": {...}`, and how many faults
/// it draws at least (a zone outage lists one fault per replica in the zone).
fn random_faults() -> BoxedStrategy<(String, usize)> {
    prop_oneof![
        2 => Just((String::new(), 0)),
        1 => (1usize..4).prop_map(|n| (
            format!(r#", "random_faults": {{ "count": {n}, "duration": ["100ms", "1s"] }}"#),
            n
        )),
    ]
    .boxed()
}

/// A scenario's text, the number of faults in its schedule, and the least number drawn.
fn scenario() -> impl Strategy<Value = (String, usize, usize)> {
    (
        prop::collection::vec(1u32..3, 1..4),
        prop::collection::vec(0u8..LOADS, 1..4),
        1u64..4,
    )
        .prop_map(|(replicas, mut loads, secs)| {
            // c0 is Poisson: at a fixed rate, or following a profile.
            loads[0] = if loads[0] % 2 == 0 { 0 } else { 2 };
            Shape {
                replicas,
                clients: loads.len(),
                loads,
                duration_ms: secs * 1_000,
            }
        })
        .prop_flat_map(|shape| {
            let services = shape.replicas.len();
            let services_json = shape
                .replicas
                .iter()
                .enumerate()
                .map(|(i, &r)| service(i, r, services))
                .collect::<Vec<_>>();
            let clients_json = (0..shape.clients)
                .map(|i| client(i, services, shape.loads[i]))
                .collect::<Vec<_>>();
            let faults = prop::collection::vec(shape.fault(), 0..=4);
            (
                services_json,
                clients_json,
                shape.network(),
                faults,
                shape.clocks(),
                Just(shape.duration_ms),
                Just(shape.zone_a()),
                election(shape.duration_ms),
                database(shape.duration_ms),
                random_faults(),
            )
        })
        .prop_map(|(s, c, network, mut faults, clocks, duration_ms, zone_a, (election, more), (database, on_database), (random, drawn))| {
            faults.extend(more);
            faults.extend(on_database);
            let text = format!(
                r#"{{ "name": "random", "description": "drawn by proptest", "duration": "{duration_ms}ms", "warmup": "200ms",
  "clients": [ {} ],
  "services": [ {} ],
  "network": {network},
  "faults": [ {} ]{clocks}{election}{database}{random},
  "slo": [ {{ "client": "c0", "latency_below": "50ms", "target": 0.5 }} ] }}"#,
                c.join(",\n    "),
                s.join(",\n    "),
                faults.join(",\n    ")
            );
            // A crash, pause or slowdown of zone a is listed once per replica in it; a
            // deployment is listed as a fault of its own.
            let deploys = s.iter().filter(|service| service.contains(r#""deploy""#)).count();
            let listed = deploys + faults
                .iter()
                .map(|f| {
                    if f.contains(r#""target": "zone:a""#) {
                        zone_a
                    } else {
                        1
                    }
                })
                .sum::<usize>();
            (text, listed, drawn)
        })
}

fn run_json(file: &Path, seed: u64) -> (String, i32) {
    let args = RunArgs {
        file: file.to_path_buf(),
        variant: None,
        seed,
        set: vec![],
        format: Format::Json,
        record: None,
        out: None,
        limits: Default::default(),
    };
    let outcome = faultline::run::run(&args).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    (outcome.stdout, outcome.exit_code)
}

fn trace_hash(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    value["trace_hash"].as_str().unwrap().to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn same_input_same_bytes((text, faults, drawn) in scenario(), seed in 0u64..1_000_000) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("random.json");
        std::fs::write(&file, &text).unwrap();
        std::fs::write(dir.path().join("trace.csv"), TRACE).unwrap();
        let (first, code_first) = run_json(&file, seed);
        let (second, code_second) = run_json(&file, seed);
        prop_assert_eq!(&first, &second, "replay: faultline run {} --seed {}", file.display(), seed);
        prop_assert_eq!(code_first, code_second);
        let (other, _) = run_json(&file, seed + 1);
        let summary: serde_json::Value = serde_json::from_str(&first).unwrap();
        let events = summary["events"].as_u64().unwrap();
        if events > 100 {
            prop_assert_ne!(trace_hash(&first), trace_hash(&other), "seeds {} and {} gave one trace", seed, seed + 1);
        }
        let listed = summary["faults"].as_array().map_or(0, Vec::len);
        if drawn == 0 {
            prop_assert_eq!(listed, faults, "the summary lists every fault of the file");
        } else {
            prop_assert!(listed >= faults + drawn, "the summary lists every fault, drawn ones too");
        }
    }
}

/// The generator itself: every scenario it draws is valid, and over a few hundred draws it
/// reaches every fault kind and every option of the failure model.
#[test]
fn the_generator_covers_the_failure_model() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    use std::collections::BTreeMap;

    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = scenario();
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    let mut note = |feature: String| *seen.entry(feature).or_default() += 1;
    for _ in 0..400 {
        let (text, faults, _) = strategy.new_tree(&mut runner).unwrap().current();
        let options = scenarios::LoadOptions {
            files: scenarios::Files::new(scenarios::files::InMemory::new([("trace.csv", TRACE)])),
            ..Default::default()
        };
        scenarios::parse(&text, "generated", &options)
            .unwrap_or_else(|e| panic!("the generator drew an invalid scenario: {e}\n{text}"));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        // A zone-a crash, pause or slowdown is listed once per replica in zone a: replicas
        // 0, 2, .. of every service with `zones`.
        let zone_a: usize = value["services"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s.get("zones").is_some())
            .map(|s| (s["replicas"].as_u64().unwrap() as usize).div_ceil(2))
            .sum();
        let listed: usize = value["faults"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| if f["target"] == "zone:a" { zone_a } else { 1 })
            .sum();
        let deploys = value["services"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s.get("deploy").is_some())
            .count();
        assert_eq!(listed + deploys, faults);
        for fault in value["faults"].as_array().unwrap() {
            let kind = fault["kind"].as_str().unwrap();
            note(kind.to_string());
            let zoned =
                fault["target"] == "zone:a" || fault["groups"].to_string().contains("zone:a");
            if zoned {
                note(format!("zone {kind}"));
            }
            if kind == "crash" {
                note(format!("crash, for: {}", fault.get("for").is_some()));
            }
            if kind == "partition" {
                let one_way = fault.get("one_way").and_then(|v| v.as_bool()) == Some(true);
                let mode = fault
                    .get("mode")
                    .and_then(|v| v.as_str())
                    .unwrap_or("black_hole");
                note(format!("partition, one_way: {one_way}, {mode}"));
            }
            if let Some(target) = fault.get("target").and_then(|t| t.as_str()) {
                note(format!("target replica: {}", target.contains('[')));
            }
        }
        let network = &value["network"];
        note(format!("loss: {}", network["loss"].as_f64().unwrap() > 0.0));
        note(format!(
            "duplicate: {}",
            network["duplicate"].as_f64().unwrap() > 0.0
        ));
        note(format!("links: {}", network.get("links").is_some()));
        note(format!("clocks: {}", value.get("clocks").is_some()));
        // The policies of issue #4.
        for service in value["services"].as_array().unwrap() {
            note(format!(
                "balancer {}",
                service["balancer"].as_str().unwrap()
            ));
            for key in ["outlier_detection", "client_error_fraction", "rate_limit"] {
                if service.get(key).is_some() {
                    note(key.to_string());
                }
            }
            for key in ["max_wait", "discipline", "codel"] {
                if service["queue"].get(key).is_some() {
                    note(format!("queue.{key}"));
                }
            }
            if let Some(deploy) = service.get("deploy") {
                let strategy = deploy.get("strategy").and_then(|s| s.as_str());
                note(format!("deploy {}", strategy.unwrap_or("all_at_once")));
            }
        }
        if text.contains("\"bulkhead\"") {
            note("bulkhead".to_string());
        }
        if text.contains("\"cache\"") {
            note("cache".to_string());
        }
        if text.contains("\"retryable\": false") {
            note("retryable: false".to_string());
        }
        for client in value["clients"].as_array().unwrap() {
            let arrival = &client["arrival"];
            let kind = arrival["kind"].as_str().unwrap();
            match arrival.get("profile") {
                Some(p) => note(format!("arrival {kind} {}", p["kind"].as_str().unwrap())),
                None => note(format!("arrival {kind}")),
            }
            note(format!("count: {}", client.get("count").is_some()));
            note(format!("classes: {}", client.get("classes").is_some()));
            if client.get("report_members").is_some() {
                note("report_members".to_string());
            }
        }
        note(format!("election: {}", value.get("election").is_some()));
        note(format!("database: {}", value.get("database").is_some()));
        note(format!(
            "random_faults: {}",
            value.get("random_faults").is_some()
        ));
    }
    let mut expected: Vec<String> = [
        "slowdown",
        "error_burst",
        "garbage",
        "crash",
        "replica_loss",
        "partition",
        "black_hole",
        "refuse",
        "latency",
        "flapping_link",
        "load_spike",
        "clock_jump",
        "drift_change",
        "pause",
        "brownout",
        "zone crash",
        "zone pause",
        "zone slowdown",
        "zone partition",
        "deploy all_at_once",
        "deploy canary",
        "deploy rolling",
        "deploy blue_green",
    ]
    .iter()
    .map(|k| k.to_string())
    .collect();
    for flag in [
        "crash, for",
        "target replica",
        "loss",
        "duplicate",
        "links",
        "clocks",
        "election",
        "database",
        "random_faults",
    ] {
        expected.push(format!("{flag}: true"));
        expected.push(format!("{flag}: false"));
    }
    for balancer in ["round_robin", "random", "least_outstanding", "p2c"] {
        expected.push(format!("balancer {balancer}"));
    }
    for policy in [
        "outlier_detection",
        "client_error_fraction",
        "rate_limit",
        "queue.max_wait",
        "queue.discipline",
        "queue.codel",
        "bulkhead",
        "cache",
        "retryable: false",
    ] {
        expected.push(policy.to_string());
    }
    for arrival in [
        "poisson",
        "constant",
        "on_off",
        "closed",
        "sessions",
        "trace",
        "poisson steps",
        "poisson table",
        "poisson ramp",
        "poisson daily",
        "constant steps",
        "constant table",
        "constant ramp",
    ] {
        expected.push(format!("arrival {arrival}"));
    }
    for flag in ["count", "classes"] {
        expected.push(format!("{flag}: true"));
        expected.push(format!("{flag}: false"));
    }
    expected.push("report_members".to_string());
    for one_way in [false, true] {
        for mode in ["black_hole", "refuse"] {
            expected.push(format!("partition, one_way: {one_way}, {mode}"));
        }
    }
    let missing: Vec<&String> = expected.iter().filter(|f| !seen.contains_key(*f)).collect();
    assert!(
        missing.is_empty(),
        "never drawn: {missing:?}; drawn: {seen:?}"
    );
}
