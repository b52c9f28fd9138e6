//! Fault schedules written down: a `models::Fault` back in the scenario format's JSON, and in
//! words.
//!
//! `explore` draws each seed's faults from a `random_faults` recipe; its records carry the
//! drawn schedule explicitly, as two ordinary overrides (`random_faults=null`, then
//! `faults=[...]` with the whole schedule, scheduled faults first), so that `replay` needs
//! no recipe and `shrink` can remove and weaken faults one by one. The rendering is exact:
//! times and durations print as exact decimal strings (`40.123456789s`), magnitudes as
//! shortest round-trip floats, and names as the scenario spells them.
//!
//! This module renders and describes; it runs nothing.

use serde_json::{Map, Value};
use sim_core::{SimDuration, SimTime};

use models::{Endpoint, Fault, FaultKind, Target, Unreachable, WorldConfig};

/// The names faults refer to, from a validated world.
#[derive(Clone, Debug, PartialEq)]
pub struct Names {
    /// Service names, indexed by `ServiceId`.
    services: Vec<String>,
    /// Client names, indexed by `ClientId`.
    clients: Vec<String>,
}

impl Names {
    /// The service and client names of `world`.
    pub fn of(world: &WorldConfig) -> Names {
        Names {
            services: world.services.iter().map(|s| s.name.clone()).collect(),
            clients: world.clients.iter().map(|c| c.name.clone()).collect(),
        }
    }

    fn target(&self, target: &Target) -> String {
        let name = &self.services[target.service.0 as usize];
        match target.replica {
            Some(replica) => format!("{name}[{replica}]"),
            None => name.clone(),
        }
    }

    fn endpoint(&self, endpoint: &Endpoint) -> String {
        match endpoint {
            Endpoint::Client(client) => self.clients[client.0 as usize].clone(),
            Endpoint::Service(target) => self.target(target),
        }
    }

    fn endpoints(&self, endpoints: &[Endpoint]) -> Vec<String> {
        endpoints.iter().map(|e| self.endpoint(e)).collect()
    }
}

/// The two overrides that replace a scenario's schedule with exactly `faults` and draw
/// nothing more: `random_faults=null` and `faults=[...]`.
pub fn explicit_overrides(faults: &[Fault], names: &Names) -> [String; 2] {
    let list: Vec<Value> = faults.iter().map(|f| to_json(f, names)).collect();
    [
        "random_faults=null".to_string(),
        format!("faults={}", Value::Array(list)),
    ]
}

/// Whether `--set` text changes the fault schedule (its path is `faults` or
/// `random_faults`, or lies inside one), so that `explicit_overrides` supersedes it.
pub fn touches_schedule(set: &str) -> bool {
    let path = set.split_once('=').map_or(set, |(path, _)| path).trim();
    ["faults", "random_faults"]
        .iter()
        .any(|root| path == *root || path.starts_with(&format!("{root}.")))
}

/// One fault as a scenario file's `faults` entry.
pub fn to_json(fault: &Fault, names: &Names) -> Value {
    let mut object = Map::new();
    let mut put = |key: &str, value: Value| {
        object.insert(key.to_string(), value);
    };
    let text = Value::String;
    let number = <Value as From<f64>>::from;
    let kind = match &fault.kind {
        FaultKind::Crash { .. } if fault.end < SimTime::MAX => "crash",
        _ => fault.kind_name(),
    };
    put("kind", text(kind.to_string()));
    match &fault.kind {
        FaultKind::Slowdown { target, .. }
        | FaultKind::ErrorBurst { target, .. }
        | FaultKind::Garbage { target, .. }
        | FaultKind::Crash { target, .. }
        | FaultKind::Pause { target }
        | FaultKind::Brownout { target, .. }
        | FaultKind::Isolate { target, .. }
        | FaultKind::Latency { target, .. } => put("target", text(names.target(target))),
        FaultKind::ClockJump { target, .. } | FaultKind::DriftChange { target, .. } => {
            put("target", text(names.endpoint(target)))
        }
        FaultKind::LoadSpike { client, .. } => {
            put("client", text(names.clients[client.0 as usize].clone()))
        }
        FaultKind::Partition { from, to, .. } => put(
            "groups",
            serde_json::json!([names.endpoints(from), names.endpoints(to)]),
        ),
        FaultKind::FlappingLink { a, b, .. } => put(
            "between",
            serde_json::json!([names.endpoint(a), names.endpoint(b)]),
        ),
    }
    put("at", text(fault.start.since(SimTime::ZERO).to_string()));
    if fault.end < SimTime::MAX {
        put("for", text(fault.end.since(fault.start).to_string()));
    }
    match &fault.kind {
        FaultKind::Slowdown { factor, .. } | FaultKind::LoadSpike { factor, .. } => {
            put("factor", number(*factor))
        }
        FaultKind::ErrorBurst {
            fraction,
            retryable,
            ..
        } => {
            put("fraction", number(fraction.get()));
            if !retryable {
                put("retryable", Value::Bool(false));
            }
        }
        FaultKind::Garbage { fraction, .. } => put("fraction", number(fraction.get())),
        FaultKind::Brownout { peak, .. } => put("peak", number(peak.get())),
        FaultKind::Crash { while_down, .. } => put("while_down", text(mode(*while_down))),
        FaultKind::Partition {
            one_way, mode: m, ..
        } => {
            put("one_way", Value::Bool(*one_way));
            put("mode", text(mode(*m)));
        }
        FaultKind::Isolate { .. } | FaultKind::Pause { .. } => {}
        FaultKind::Latency { add, .. } => put("add", text(add.to_string())),
        FaultKind::FlappingLink { period, down, .. } => {
            put("period", text(period.to_string()));
            put("down", text(down.to_string()));
        }
        FaultKind::ClockJump { by, .. } => put("by", text(signed(*by))),
        FaultKind::DriftChange { drift_ppb, .. } => {
            put("drift_ppm", number(*drift_ppb as f64 / 1_000.0))
        }
    }
    Value::Object(object)
}

/// One fault in words: `crash api[0] 40s..52s`, `slowdown db ×4.37 10s..25.5s`.
///
/// Times are rounded to the millisecond for reading; the records keep them exact. A fault
/// that never heals reads `from 40s`, an instant one `at 40s`.
pub fn describe(fault: &Fault, names: &Names) -> String {
    let target = |t: &Target| names.target(t);
    let (subject, magnitude) = match &fault.kind {
        FaultKind::Slowdown { target: t, factor } => {
            (target(t), format!(" ×{}", decimal(*factor, 2)))
        }
        FaultKind::ErrorBurst {
            target: t,
            fraction,
            ..
        }
        | FaultKind::Garbage {
            target: t,
            fraction,
        }
        | FaultKind::Brownout {
            target: t,
            peak: fraction,
        } => (
            target(t),
            format!(" {}%", decimal(fraction.get() * 100.0, 1)),
        ),
        FaultKind::Crash {
            target: t,
            while_down,
        } => (
            target(t),
            match while_down {
                Unreachable::Refuse => String::new(),
                Unreachable::BlackHole => " (black hole)".to_string(),
            },
        ),
        FaultKind::Isolate { target: t, .. } | FaultKind::Pause { target: t } => {
            (target(t), String::new())
        }
        FaultKind::Latency { target: t, add } => (target(t), format!(" +{}", short(*add))),
        FaultKind::Partition {
            from,
            to,
            one_way,
            mode: m,
        } => (
            format!(
                "{} {} {}",
                names.endpoints(from).join(","),
                if *one_way { "→" } else { "↔" },
                names.endpoints(to).join(",")
            ),
            match m {
                Unreachable::BlackHole => String::new(),
                Unreachable::Refuse => " (refuse)".to_string(),
            },
        ),
        FaultKind::FlappingLink { a, b, period, down } => (
            format!("{} ↔ {}", names.endpoint(a), names.endpoint(b)),
            format!(" down {} every {}", short(*down), short(*period)),
        ),
        FaultKind::LoadSpike { client, factor } => (
            names.clients[client.0 as usize].clone(),
            format!(" ×{}", decimal(*factor, 2)),
        ),
        FaultKind::ClockJump { target: e, by } => (
            names.endpoint(e),
            format!(
                " by {}{}",
                if *by < 0 { "-" } else { "+" },
                short(SimDuration::from_nanos(by.unsigned_abs()))
            ),
        ),
        FaultKind::DriftChange {
            target: e,
            drift_ppb,
        } => (
            names.endpoint(e),
            format!(" to {}ppm", decimal(*drift_ppb as f64 / 1_000.0, 3)),
        ),
    };
    format!(
        "{} {subject}{magnitude} {}",
        fault.kind_name(),
        window(fault)
    )
}

/// A fault's window in words: `40s..52s`, `from 40s` (never heals) or `at 40s` (an instant).
pub fn window(fault: &Fault) -> String {
    let start = seconds(fault.start.as_nanos());
    match fault.kind {
        FaultKind::ClockJump { .. } | FaultKind::DriftChange { .. } => format!("at {start}"),
        _ if fault.end == SimTime::MAX => format!("from {start}"),
        _ => format!("{start}..{}", seconds(fault.end.as_nanos())),
    }
}

/// Nanoseconds since the start as seconds, to the millisecond (`40.125s`, `52s`).
pub fn seconds(nanos: u64) -> String {
    let millis = (nanos + 500_000) / 1_000_000;
    format!("{}s", decimal(millis as f64 / 1_000.0, 3))
}

/// A duration for reading, to three significant decimals of its unit (`45ms`, `1.5s`).
fn short(span: SimDuration) -> String {
    let nanos = span.as_nanos();
    if nanos >= 1_000_000_000 {
        seconds(nanos)
    } else if nanos >= 1_000_000 {
        format!("{}ms", decimal(nanos as f64 / 1e6, 3))
    } else {
        span.to_string()
    }
}

/// `x` with at most `places` decimals, trailing zeros trimmed (`4.37`, `5`).
pub fn decimal(x: f64, places: usize) -> String {
    let text = format!("{x:.places$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A signed step of nanoseconds as the format writes it (`-2s`).
fn signed(nanos: i64) -> String {
    let magnitude = SimDuration::from_nanos(nanos.unsigned_abs());
    if nanos < 0 {
        format!("-{magnitude}")
    } else {
        magnitude.to_string()
    }
}

fn mode(mode: Unreachable) -> String {
    match mode {
        Unreachable::BlackHole => "black_hole",
        Unreachable::Refuse => "refuse",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = r#"{
      "name": "schedule",
      "duration": "100s",
      "clients": [ { "name": "web", "target": "api",
                     "arrival": { "kind": "poisson", "rate_per_s": 10 } } ],
      "services": [
        { "name": "api", "replicas": 2, "service_time": { "kind": "constant", "value": "1ms" },
          "calls": [ { "service": "db" } ] },
        { "name": "db", "service_time": { "kind": "constant", "value": "1ms" } }
      ],
      "faults": [
        { "kind": "slowdown", "target": "db", "at": "10s", "for": "5s", "factor": 3.5 },
        { "kind": "error_burst", "target": "api", "at": "11s", "for": "1s", "fraction": 0.25 },
        { "kind": "garbage", "target": "db", "at": "12s", "fraction": 0.1 },
        { "kind": "crash", "target": "api[1]", "at": "13s", "for": "2s", "while_down": "black_hole" },
        { "kind": "replica_loss", "target": "api[0]", "at": "90s" },
        { "kind": "partition", "groups": [["api", "web"], ["db"]], "at": "20s", "for": "1s",
          "one_way": true, "mode": "refuse" },
        { "kind": "black_hole", "target": "db", "at": "21s", "for": "1s" },
        { "kind": "refuse", "target": "db", "at": "22s", "for": "1s" },
        { "kind": "latency", "target": "api", "at": "23s", "for": "1s", "add": "1.5ms" },
        { "kind": "flapping_link", "between": ["api[0]", "db"], "at": "24s", "for": "10s",
          "period": "2s", "down": "250ms" },
        { "kind": "load_spike", "client": "web", "at": "30s", "for": "3s", "factor": 4 },
        { "kind": "clock_jump", "target": "api[0]", "at": "40s", "by": "-2s" },
        { "kind": "drift_change", "target": "web", "at": "41s", "drift_ppm": -12.345 }
      ],
      "random_faults": { "count": 40 }
    }"#;

    fn parse(set: &[String]) -> scenarios::Scenario {
        let options = crate::run::load_options(None, set).unwrap();
        scenarios::parse(SCENARIO, "schedule.json", &options).unwrap()
    }

    #[test]
    fn every_kind_renders_back_to_the_same_fault() {
        let scenario = parse(&[]);
        let names = Names::of(&scenario.world);
        let scheduled = scenario.world.faults.clone();
        assert_eq!(scheduled.len(), 13);
        let set = explicit_overrides(&scheduled, &names).to_vec();
        let again = parse(&set);
        assert_eq!(again.world.faults, scheduled);
        assert_eq!(again.world.random_faults, None);
    }

    #[test]
    fn drawn_schedules_render_exactly() {
        // Drawn times are whole nanoseconds and drawn magnitudes arbitrary floats; with
        // serde_json's `float_roundtrip` feature (on for the workspace) both read back
        // exactly, so an explicit schedule replays the very world that ran.
        let scenario = parse(&[]);
        let names = Names::of(&scenario.world);
        for seed in 1..=25u64 {
            let drawn = models::with_random_faults(&scenario.world, seed);
            let again = parse(&explicit_overrides(&drawn.faults, &names));
            assert_eq!(again.world.faults, drawn.faults, "seed {seed}");
            assert_eq!(again.world.random_faults, None, "seed {seed}");
        }
    }

    #[test]
    fn faults_read_as_words() {
        let scenario = parse(&[]);
        let names = Names::of(&scenario.world);
        let words: Vec<String> = scenario
            .world
            .faults
            .iter()
            .map(|f| describe(f, &names))
            .collect();
        assert_eq!(
            words,
            [
                "slowdown db ×3.5 10s..15s",
                "error_burst api 25% 11s..12s",
                "garbage db 10% from 12s",
                "crash api[1] (black hole) 13s..15s",
                "replica_loss api[0] from 90s",
                "partition api,web → db (refuse) 20s..21s",
                "black_hole db 21s..22s",
                "refuse db 22s..23s",
                "latency api +1.5ms 23s..24s",
                "flapping_link api[0] ↔ db down 250ms every 2s 24s..34s",
                "load_spike web ×4 30s..33s",
                "clock_jump api[0] by -2s at 40s",
                "drift_change web to -12.345ppm at 41s",
            ]
        );
    }

    #[test]
    fn schedule_overrides_are_recognized() {
        assert!(touches_schedule("faults=[]"));
        assert!(touches_schedule("faults.0.mode=refuse"));
        assert!(touches_schedule("random_faults.count=3"));
        assert!(!touches_schedule("services.faults_db.workers=3"));
        assert!(!touches_schedule("faultsx=1"));
    }
}
