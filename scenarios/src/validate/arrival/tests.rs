//! The `arrival`, `count` and `classes` rules: what each builds, and each refusal's path.

use models::{ClassId, Load, Profile, Rate, Spacing};
use serde_json::{json, Value};
use sim_core::{Distribution, SimDuration};

use crate::files::InMemory;
use crate::{parse, Files, LoadOptions, Scenario, ScenarioError};

fn base() -> Value {
    json!({
        "name": "t",
        "duration": "100s",
        "clients": [{ "name": "web", "target": "api",
                      "arrival": { "kind": "poisson", "rate_per_s": 100 } }],
        "services": [{ "name": "api", "calls": [{ "service": "db" }],
                       "service_time": { "kind": "exponential", "mean": "1ms" } },
                     { "name": "db",
                       "service_time": { "kind": "exponential", "mean": "1ms" } },
                     { "name": "other",
                       "service_time": { "kind": "exponential", "mean": "1ms" } }]
    })
}

fn files() -> Files {
    Files::new(InMemory::new([
        (
            "trace.csv",
            "time_s,class\n0.5,read\n1.25,write\n1.25,read\n4,read\n",
        ),
        ("plain.csv", "time_ms\n10\n20\n"),
        ("backwards.csv", "time_s\n1\n3\n2\n"),
        ("empty.csv", "time_s\n"),
        ("epoch.csv", "time_s\n1714550400\n1714550401\n"),
        ("unknown.csv", "time_s,class\n1,read\n2,delete\n"),
    ]))
}

fn load(document: &Value) -> Result<Scenario, ScenarioError> {
    let text = serde_json::to_string_pretty(document).expect("a Value always serializes");
    let options = LoadOptions {
        files: files(),
        ..LoadOptions::default()
    };
    parse(&text, "t.json", &options)
}

fn with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut document = base();
    edit(&mut document);
    document
}

fn arrival(value: Value) -> Value {
    with(|d| d["clients"][0]["arrival"] = value)
}

/// The message refusing `document`.
fn refused(document: Value) -> String {
    load(&document).expect_err("must be refused").to_string()
}

#[test]
fn profiles_are_built_as_written() {
    let scenario = load(&arrival(json!({"kind": "poisson", "profile": {
        "kind": "table", "rates": [["0s", 100], ["60s", 400], ["60s", 50]]}})))
    .unwrap();
    let s = SimDuration::from_secs;
    assert_eq!(
        scenario.world.clients[0].arrival,
        Load::Open {
            spacing: Spacing::Poisson,
            rate: Rate::Profile(Profile::Table(vec![
                (s(0), 100.0),
                (s(60), 400.0),
                (s(60), 50.0)
            ])),
        }
    );
    let ramp = load(&arrival(json!({"kind": "constant", "profile": {
        "kind": "ramp", "from_per_s": 10, "to_per_s": 20, "at": "10s", "for": "5s"}})))
    .unwrap();
    assert_eq!(
        ramp.world.clients[0].arrival,
        Load::Open {
            spacing: Spacing::Constant,
            rate: Rate::Profile(Profile::Ramp {
                from_per_s: 10.0,
                to_per_s: 20.0,
                start: s(10),
                end: s(15)
            }),
        }
    );
    let daily = load(&arrival(json!({"kind": "poisson", "profile": {
        "kind": "daily", "mean_per_s": 10, "amplitude": 0.5, "peak_at": "14h"}})))
    .unwrap();
    let Load::Open {
        rate: Rate::Profile(Profile::Daily { period, .. }),
        ..
    } = daily.world.clients[0].arrival
    else {
        panic!("a daily profile")
    };
    assert_eq!(period, s(24 * 3600), "a day by default");
}

#[test]
fn a_rate_table_going_backwards_is_refused_at_its_point() {
    let message = refused(arrival(json!({"kind": "poisson", "profile": {
        "kind": "table", "rates": [["0s", 100], ["60s", 400], ["30s", 50]]}})));
    assert!(
        message.starts_with("t.json: clients[0] (web).arrival.profile.rates[2][0]: must be later than the previous point's time (60s)"),
        "{message}"
    );
    let message = refused(arrival(json!({"kind": "poisson", "profile": {
        "kind": "steps", "rates": [["10s", 100]]}})));
    assert!(message.contains("rates[0][0]: must be 0s"), "{message}");
    let message = refused(arrival(json!({"kind": "poisson", "profile": {
        "kind": "steps", "rates": [["0s", 100], ["0s", 50]]}})));
    assert!(message.contains("rates[1][0]: must be later"), "{message}");
    let message = refused(arrival(json!({"kind": "poisson", "profile": {
        "kind": "table", "rates": [["0s", 0], ["10s", 0]]}})));
    assert!(message.contains("must not be 0 everywhere"), "{message}");
    let message = refused(arrival(json!({"kind": "poisson", "profile": {
        "kind": "table", "rates": [["0s", -3]]}})));
    assert!(
        message.contains("rates[0][1]: must be at least 0"),
        "{message}"
    );
    let message = refused(arrival(json!({"kind": "poisson", "profile": {
        "kind": "table", "rates": []}})));
    assert!(
        message.contains("rates: must list at least one point"),
        "{message}"
    );
}

#[test]
fn each_kind_takes_its_own_keys() {
    let message = refused(arrival(json!({"kind": "closed", "users": 3,
        "think": {"kind": "constant", "value": "1s"}, "rate_per_s": 5})));
    assert!(
        message.contains("arrival.rate_per_s: is not a parameter of the `closed` arrival"),
        "{message}"
    );
    let message = refused(arrival(json!({"kind": "poisson"})));
    assert!(
        message.contains("arrival: needs exactly one of `rate_per_s` and `profile`"),
        "{message}"
    );
    let message = refused(arrival(json!({"kind": "poisson", "rate_per_s": 5,
        "profile": {"kind": "steps", "rates": [["0s", 1]]}})));
    assert!(message.contains("got both"), "{message}");
    let message = refused(arrival(json!({"kind": "closed", "users": 3})));
    assert!(message.contains("missing field `think`"), "{message}");
    let message = refused(arrival(json!({"kind": "poisson", "profile": {
        "kind": "daily", "mean_per_s": 10, "amplitude": 1.5, "peak_at": "1h"}})));
    assert!(
        message.contains("profile.amplitude: must be between 0 and 1"),
        "{message}"
    );
    let message = refused(arrival(json!({"kind": "poisson", "profile": {
        "kind": "ramp", "from_per_s": 1, "to_per_s": 2, "at": "1s", "for": "2s", "rates": []}})));
    assert!(
        message.contains("profile.rates: is not a parameter of the `ramp` profile"),
        "{message}"
    );
    let message = refused(arrival(json!({"kind": "constant", "profile": {
        "kind": "daily", "mean_per_s": 10, "amplitude": 0.5, "peak_at": "1h"}})));
    assert!(
        message.contains("arrival.kind: must be `poisson` with a daily profile"),
        "{message}"
    );
    let message = refused(arrival(json!({"kind": "bursty"})));
    assert!(message.contains("`bursty` is not one of"), "{message}");
}

#[test]
fn users_and_groups_are_bounded() {
    let closed = |users: i64| {
        arrival(json!({"kind": "closed", "users": users,
            "think": {"kind": "exponential", "mean": "1s"}}))
    };
    let message = refused(closed(-3));
    assert!(
        message.contains("clients[0] (web).arrival.users: must be at least 1"),
        "{message}"
    );
    let mut group = closed(1000);
    group["clients"][0]["count"] = json!(2000);
    let message = refused(group);
    assert!(
        message.contains("arrival.users: times `count` (2000) must be at most 1000000"),
        "{message}"
    );
    let message = refused(with(|d| d["clients"][0]["count"] = json!(0)));
    assert!(
        message.contains("clients[0] (web).count: must be at least 1"),
        "{message}"
    );
    let scenario = load(&with(|d| d["clients"][0]["count"] = json!(10_000))).unwrap();
    assert_eq!(scenario.world.clients[0].count, 10_000);
    let message = refused(arrival(
        json!({"kind": "sessions", "rate_per_s": 1, "requests": 0,
        "think": {"kind": "exponential", "mean": "1s"}}),
    ));
    assert!(
        message.contains("arrival.requests: must be at least 1"),
        "{message}"
    );
}

#[test]
fn traces_are_read_through_the_file_source() {
    let mut document = arrival(json!({"kind": "trace", "file": "trace.csv", "loop": "5s"}));
    document["clients"][0]["classes"] = json!([{"name": "read"}, {"name": "write"}]);
    let scenario = load(&document).unwrap();
    let Load::Trace(trace) = &scenario.world.clients[0].arrival else {
        panic!("a trace")
    };
    assert_eq!(trace.times.len(), 4);
    assert_eq!(trace.classes, vec![0, 1, 0, 0]);
    assert_eq!(trace.period, Some(SimDuration::from_secs(5)));
    assert_eq!(scenario.files[0].name, "trace.csv");
    let plain = load(&arrival(
        json!({"kind": "trace", "file": "plain.csv", "speed": 2}),
    ))
    .unwrap();
    let Load::Trace(trace) = &plain.world.clients[0].arrival else {
        panic!("a trace")
    };
    assert_eq!(trace.speed, 2.0);
    assert!(trace.classes.is_empty());
}

#[test]
fn bad_traces_name_the_file_and_line() {
    let trace = |file: &str| arrival(json!({"kind": "trace", "file": file}));
    let message = refused(trace("backwards.csv"));
    assert!(
        message.starts_with("t.json: clients[0] (web).arrival.file: backwards.csv line 4: goes back in time: 2s after 3s on line 3"),
        "{message}"
    );
    let message = refused(trace("empty.csv"));
    assert!(message.contains("empty.csv: holds no values"), "{message}");
    let message = refused(trace("epoch.csv"));
    assert!(message.contains("after the run ends (100s)"), "{message}");
    assert!(
        message.contains("subtract the log's first timestamp"),
        "{message}"
    );
    let message = refused(trace("missing.csv"));
    assert!(
        message.contains("arrival.file: missing.csv: cannot be read"),
        "{message}"
    );
    let mut classes = trace("unknown.csv");
    classes["clients"][0]["classes"] = json!([{"name": "read"}, {"name": "write"}]);
    let message = refused(classes);
    assert!(
        message.contains(
            "line 3: class `delete` is not one of the client's classes (`read`, `write`)"
        ),
        "{message}"
    );
    let message = refused(arrival(
        json!({"kind": "trace", "file": "plain.csv", "loop": "10ms"}),
    ));
    assert!(
        message.contains("arrival.loop: must be longer than the trace's last time (20ms)"),
        "{message}"
    );
    let mut group = trace("plain.csv");
    group["clients"][0]["count"] = json!(2);
    assert!(refused(group).contains("count: must be 1 for a trace"));
}

#[test]
fn classes_get_world_ids_and_their_service_times() {
    let mut document = base();
    document["clients"][0]["classes"] = json!([
        {"name": "read", "weight": 0.9},
        {"name": "write", "weight": 0.1,
         "service_time": {"db": {"kind": "exponential", "mean": "8ms"}}}
    ]);
    document["slo"] = json!([{"client": "web", "class": "write",
                              "latency_below": "50ms", "target": 0.99}]);
    let scenario = load(&document).unwrap();
    let classes = &scenario.world.clients[0].classes;
    assert_eq!((classes[0].id, classes[1].id), (ClassId(1), ClassId(2)));
    assert_eq!(classes[1].latency_marks, vec![SimDuration::from_millis(50)]);
    assert!(scenario.world.clients[0].latency_marks.is_empty());
    let db = &scenario.world.services[1].classes.service_times;
    assert_eq!(db.len(), 1);
    assert_eq!(
        (db[0].class, db[0].label.as_str()),
        (ClassId(2), "web/write")
    );
    assert_eq!(
        db[0].service_time,
        Distribution::Exponential {
            mean: SimDuration::from_millis(8)
        }
    );
    assert_eq!(scenario.slos[0].class.as_deref(), Some("write"));
}

#[test]
fn bad_classes_are_refused_with_their_path() {
    let classes = |value: Value| with(|d| d["clients"][0]["classes"] = value);
    let message = refused(classes(
        json!([{"name": "a", "weight": 0.5}, {"name": "b", "weight": 0.4}]),
    ));
    assert!(
        message.contains("classes: needs weights that sum to 1"),
        "{message}"
    );
    let message = refused(classes(
        json!([{"name": "a", "weight": 0.5}, {"name": "a", "weight": 0.5}]),
    ));
    assert!(message.contains("classes[1] (a).name"), "{message}");
    let message = refused(classes(json!([{"name": "a"}])));
    assert!(
        message.contains("classes[0] (a): missing field `weight`"),
        "{message}"
    );
    let message = refused(classes(json!([{"name": "a", "weight": 1,
        "service_time": {"other": {"kind": "constant", "value": "1ms"}}}])));
    assert!(
        message.contains(
            "classes[0] (a).service_time.other: names a service the client's requests never reach"
        ),
        "{message}"
    );
    let message = refused(classes(json!([{"name": "a", "weight": 1,
        "service_time": {"dbb": {"kind": "constant", "value": "1ms"}}}])));
    assert!(message.contains("did you mean `db`?"), "{message}");
    let mut slo = classes(json!([{"name": "read", "weight": 1}]));
    slo["slo"] = json!([{"client": "web", "class": "reed", "latency_below": "1s", "target": 0.9}]);
    let message = refused(slo);
    assert!(
        message.contains("slo[0].class") && message.contains("did you mean `read`?"),
        "{message}"
    );
}

#[test]
fn a_spike_cannot_multiply_a_closed_loop() {
    let mut document = arrival(json!({"kind": "closed", "users": 3,
        "think": {"kind": "exponential", "mean": "1s"}}));
    document["faults"] = json!([{"kind": "load_spike", "client": "web", "at": "10s",
                                 "for": "5s", "factor": 2}]);
    let message = refused(document);
    assert!(
        message.contains("faults[0].client: names a client whose load a spike cannot multiply"),
        "{message}"
    );
}
