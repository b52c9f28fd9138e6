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

use models::{
    DatabaseFault, DatabaseFaultKind, Direction, ElectionFault, ElectionFaultKind, Endpoint, Fault,
    FaultKind, Member, Target, Unreachable, WorldConfig,
};

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

/// A drawn fault of the lease election named `name`, as a scenario `faults` entry.
pub fn election_json(fault: &ElectionFault, name: &str) -> Value {
    let node = |n: &u32| format!("{name}[{n}]");
    let member = |m: &Member| match m {
        Member::Node(n) => node(n),
        Member::Store => format!("{name}.store"),
    };
    let mut object = Map::new();
    let (kind, target) = match &fault.kind {
        ElectionFaultKind::Crash { nodes } => ("crash", nodes.iter().map(node).collect()),
        ElectionFaultKind::Pause { nodes } => ("pause", nodes.iter().map(node).collect()),
        ElectionFaultKind::Latency { nodes, add } => {
            object.insert("add".into(), Value::String(add.to_string()));
            ("latency", nodes.iter().map(node).collect())
        }
        ElectionFaultKind::Cut {
            nodes,
            direction,
            mode: m,
            ..
        } => {
            let nodes: Vec<String> = nodes.iter().map(node).collect();
            let store = vec![format!("{name}.store")];
            let groups = match direction {
                Direction::FromStore => serde_json::json!([store, nodes]),
                _ => serde_json::json!([nodes, store]),
            };
            object.insert("groups".into(), groups);
            object.insert("one_way".into(), Value::Bool(*direction != Direction::Both));
            object.insert("mode".into(), Value::String(mode(*m)));
            ("partition", Vec::new())
        }
        ElectionFaultKind::ClockJump { members, by } => {
            object.insert("by".into(), Value::String(signed(*by)));
            ("clock_jump", members.iter().map(member).collect())
        }
        ElectionFaultKind::DriftChange { members, drift_ppb } => {
            let ppm = <Value as From<f64>>::from(*drift_ppb as f64 / 1_000.0);
            object.insert("drift_ppm".into(), ppm);
            ("drift_change", members.iter().map(member).collect())
        }
    };
    object.insert("kind".into(), Value::String(kind.to_string()));
    // A drawn fault hits one member, named as its target.
    if let [one] = &target[..] {
        object.insert("target".into(), Value::String(one.clone()));
    }
    window_json(&mut object, fault.start, fault.end, kind);
    Value::Object(object)
}

/// A drawn fault of the database named `name`, as a scenario `faults` entry.
pub fn database_json(fault: &DatabaseFault, name: &str) -> Value {
    let node = |n: &Option<u32>| match n {
        Some(n) => format!("{name}[{n}]"),
        None => name.to_string(),
    };
    let nodes = |list: &[u32]| -> Vec<String> { list.iter().map(|n| node(&Some(*n))).collect() };
    let mut object = Map::new();
    let kind = match &fault.kind {
        DatabaseFaultKind::Crash { node: n } => {
            object.insert("target".into(), Value::String(node(n)));
            "crash"
        }
        DatabaseFaultKind::Slowdown { node: n, factor } => {
            object.insert("target".into(), Value::String(node(n)));
            object.insert("factor".into(), <Value as From<f64>>::from(*factor));
            "slowdown"
        }
        DatabaseFaultKind::Latency { node: n, add } => {
            object.insert("target".into(), Value::String(node(n)));
            object.insert("add".into(), Value::String(add.to_string()));
            "latency"
        }
        DatabaseFaultKind::Partition { from, to, one_way } => {
            object.insert("groups".into(), serde_json::json!([nodes(from), nodes(to)]));
            object.insert("one_way".into(), Value::Bool(*one_way));
            "partition"
        }
    };
    object.insert("kind".into(), Value::String(kind.to_string()));
    window_json(&mut object, fault.start, fault.end, kind);
    Value::Object(object)
}

/// The election and database faults of `drawn` (drawn for `world`) as `faults` entries, in
/// draw order.
pub fn drawn_foreign(world: &WorldConfig, drawn: &models::Drawn) -> Vec<Value> {
    drawn_foreign_placed(world, drawn)
        .into_iter()
        .map(|(_, entry)| entry)
        .collect()
}

/// `drawn_foreign` with each entry's position in the run's one fault schedule.
pub fn drawn_foreign_placed(world: &WorldConfig, drawn: &models::Drawn) -> Vec<(usize, Value)> {
    let mut entries: Vec<(usize, Value)> = Vec::new();
    if let Some(election) = &world.election {
        for fault in &drawn.election {
            entries.push((fault.position, election_json(fault, &election.name)));
        }
    }
    if let Some(database) = &world.database {
        for fault in &drawn.database {
            entries.push((fault.position, database_json(fault, &database.name)));
        }
    }
    entries.sort_by_key(|(position, _)| *position);
    entries
}

/// Adds `at` and (unless the fault never heals or is an instant) `for`.
fn window_json(object: &mut Map<String, Value>, start: SimTime, end: SimTime, kind: &str) {
    object.insert(
        "at".into(),
        Value::String(start.since(SimTime::ZERO).to_string()),
    );
    let instant = matches!(kind, "clock_jump" | "drift_change");
    if end < SimTime::MAX && !instant {
        object.insert("for".into(), Value::String(end.since(start).to_string()));
    }
}

/// A `faults` entry in words (for faults of an election or a database, which have no
/// `models::Fault`): `crash lease[1] 40s..52s`, `partition lease[0] ↔ lease.store 3s..9s`.
pub fn describe_entry(entry: &Value) -> String {
    let text = |key: &str| entry.get(key).and_then(Value::as_str).unwrap_or("");
    let group = |i: usize| {
        entry["groups"][i]
            .as_array()
            .map(|g| {
                g.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default()
    };
    let subject = if entry.get("groups").is_some() {
        let arrow = if entry["one_way"] == Value::Bool(true) {
            "→"
        } else {
            "↔"
        };
        format!("{} {arrow} {}", group(0), group(1))
    } else {
        text("target").to_string()
    };
    let magnitude = if let Some(factor) = entry.get("factor").and_then(Value::as_f64) {
        format!(" ×{}", decimal(factor, 2))
    } else if !text("add").is_empty() {
        format!(" +{}", text("add"))
    } else if !text("by").is_empty() {
        format!(" by {}", text("by"))
    } else if let Some(ppm) = entry.get("drift_ppm").and_then(Value::as_f64) {
        format!(" to {}ppm", decimal(ppm, 3))
    } else {
        String::new()
    };
    let parse = |key: &str| SimDuration::parse(text(key)).ok();
    let start = parse("at").map_or(0, SimDuration::as_nanos);
    let window = match parse("for") {
        _ if matches!(text("kind"), "clock_jump" | "drift_change") => {
            format!("at {}", seconds(start))
        }
        Some(lasts) => format!("{}..{}", seconds(start), seconds(start + lasts.as_nanos())),
        None => format!("from {}", seconds(start)),
    };
    format!("{} {subject}{magnitude} {window}", text("kind"))
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
        let options = crate::simulate::load_options(None, set).unwrap();
        scenarios::parse(SCENARIO, "schedule.json", &options).unwrap()
    }

    /// A world with a lease election and a database whose recipe draws for both.
    const FOREIGN: &str = r#"{
      "name": "foreign",
      "duration": "100s",
      "clients": [ { "name": "web", "target": "api",
                     "arrival": { "kind": "poisson", "rate_per_s": 10 } } ],
      "services": [ { "name": "api", "service_time": { "kind": "constant", "value": "1ms" } } ],
      "election": { "name": "lease", "nodes": 3, "lease": "10s", "renew_every": "2s",
                    "retry_every": "1s" },
      "database": { "name": "db", "followers": 2,
                    "writes": { "kind": "poisson", "rate_per_s": 10 },
                    "reads": { "kind": "poisson", "rate_per_s": 10 },
                    "replication_lag": { "kind": "constant", "value": "1ms" } },
      "faults": [ { "kind": "crash", "target": "lease[1]", "at": "5s", "for": "1s" } ],
      "random_faults": { "count": 60, "targets": ["lease", "db"] }
    }"#;

    #[test]
    fn drawn_election_and_database_faults_render_exactly() {
        let parse = |set: &[String]| {
            let options = crate::simulate::load_options(None, set).unwrap();
            scenarios::parse(FOREIGN, "foreign.json", &options).unwrap()
        };
        let scenario = parse(&[]);
        let world = &scenario.world;
        for seed in 1..=10u64 {
            let drawn = models::draw_random_faults(world, seed);
            assert!(
                drawn.world.is_empty(),
                "only the election and db are targets"
            );
            assert_eq!(drawn.election.len() + drawn.database.len(), 60);
            let mut entries = vec![serde_json::json!(
                { "kind": "crash", "target": "lease[1]", "at": "5s", "for": "1s" }
            )];
            entries.extend(drawn_foreign(world, &drawn));
            let set = [
                "random_faults=null".to_string(),
                format!("faults={}", Value::Array(entries.clone())),
            ];
            let again = parse(&set);
            let full = models::with_random_faults(world, seed);
            let windows = |w: &WorldConfig| {
                let election = w.election.as_ref().unwrap();
                let database = w.database.as_ref().unwrap();
                let e: Vec<_> = election
                    .faults
                    .iter()
                    .map(|f| (f.kind.clone(), f.start, f.end))
                    .collect();
                let d: Vec<_> = database
                    .faults
                    .iter()
                    .map(|f| (f.kind.clone(), f.start, f.end))
                    .collect();
                (e, d)
            };
            assert_eq!(windows(&again.world), windows(&full), "seed {seed}");
            // Every entry reads as words.
            for entry in &entries {
                let words = describe_entry(entry);
                assert!(
                    words.starts_with(entry["kind"].as_str().unwrap()),
                    "{words}"
                );
            }
        }
        let cut = serde_json::json!({ "kind": "partition", "groups": [["lease[0]"], ["lease.store"]],
                                      "one_way": false, "at": "3s", "for": "6s" });
        assert_eq!(
            describe_entry(&cut),
            "partition lease[0] ↔ lease.store 3s..9s"
        );
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
