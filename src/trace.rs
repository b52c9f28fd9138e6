//! `replay --trace-window` and `--until-event`: the events of a window, the state at an event.
//!
//! `--trace-window 60s..65s` replays a record with a tracer in the world and writes
//! `DIR/trace-60s-65s.jsonl` (one JSON object per line: each processed event of the window,
//! then what it caused, all tagged with the event's index) and `DIR/sequence-60s-65s.svg` (the
//! sequence diagram of the window's first requests, `reports::sequence`). The replay still
//! checks the trace hash: tracing only reads, so a traced replay reproduces exactly.
//!
//! `--until-event N` stops after N processed events and prints the state of every node
//! (`models::WorldState`) and the last few events. A stopped run has no final trace hash, so
//! it is not verified; the record's own replay does that.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use models::{
    Admitted, CacheOutcome, Done, Happening, LocalRejection, Part, PartHappening, PartRecord,
    Reply, Trace, TraceOptions, TraceRecord, Transit, WorldState,
};
use serde_json::{json, Map, Value};
use sim_core::{Drift, LocalTime, SimDuration, SimTime};

use crate::error::CliError;
use crate::record::{Record, EXIT_NOT_REPRODUCED};
use crate::simulate::Outcome;

/// What a traced replay should capture.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceRequest {
    /// `--trace-window FROM..TO`, as typed.
    pub window: Option<String>,
    /// `--until-event N`.
    pub until_event: Option<u64>,
    /// `--out DIR`.
    pub out: Option<std::path::PathBuf>,
}

/// Client requests the sequence diagram draws (with the calls they make): enough to see a
/// pattern, few enough to read.
pub const DIAGRAM_REQUESTS_MAX: usize = 20;

/// The most records one window may hold (about 200 bytes of JSON each); a longer window is
/// cut short with a warning rather than exhausting memory.
pub const RECORDS_MAX: usize = 2_000_000;

/// Events before `--until-event`'s stop whose records are printed with the state.
const EVENTS_SHOWN: u64 = 5;

/// Replays `record` capturing what `request` asks for.
pub fn replay_traced(record: &Path, request: &TraceRequest) -> Result<Outcome, CliError> {
    let window = request.window.as_deref().map(parse_window).transpose()?;
    let (record_value, mut out) = load(record)?;
    let options =
        crate::simulate::load_options(record_value.variant.as_deref(), &record_value.overrides)?;
    let origin = crate::input::record_origin(&record_value.origin, record);
    let scenario = scenarios::parse(&record_value.scenario_text, &origin, &options)?;
    if let Some((from, to)) = window {
        let end = SimTime::ZERO.add(scenario.world.duration);
        if from >= end {
            return Err(CliError::Usage {
                flag: "--trace-window".into(),
                problem: format!(
                    "the run lasts {}, so the window {from}..{to} holds no event; pick one inside it, e.g. `--trace-window 0s..1s`",
                    scenario.world.duration
                ),
            });
        }
    }
    let stop = request.until_event;
    let trace_options = match window {
        Some((from, to)) => TraceOptions {
            from,
            to,
            events_from: 1,
            until_event: stop,
            records_max: RECORDS_MAX,
        },
        None => TraceOptions {
            from: SimTime::ZERO,
            to: SimTime::MAX,
            events_from: stop.map_or(u64::MAX, |n| n.saturating_sub(EVENTS_SHOWN - 1).max(1)),
            until_event: stop,
            records_max: RECORDS_MAX,
        },
    };
    let seed = record_value.seed;
    let traced = models::run_traced(&scenario.world, seed, trace_options).map_err(|source| {
        CliError::Guard {
            source,
            seed,
            replay: format!("faultline replay {}", record.display()),
        }
    })?;
    let mut exit_code = 0;
    match traced.stats {
        Some(stats) => {
            let hash = stats.trace_hash.to_hex();
            if hash == record_value.trace_hash && stats.events == record_value.events {
                let _ = writeln!(
                    out,
                    "reproduced: scenario {} seed {seed}: trace {hash} after {} events, as recorded",
                    record_value.scenario_name, stats.events
                );
            } else {
                let _ = writeln!(
                    out,
                    "NOT reproduced: scenario {} seed {seed}: recorded trace {} after {} events, replay gave trace {hash} after {} events",
                    record_value.scenario_name,
                    record_value.trace_hash,
                    record_value.events,
                    stats.events
                );
                exit_code = EXIT_NOT_REPRODUCED;
            }
        }
        None => {
            let _ = writeln!(
                out,
                "stopped after event {} at {} (the recorded run has {} events; replay it without --until-event to verify its trace hash)",
                traced.events, traced.at, record_value.events
            );
        }
    }
    if let Some((from, to)) = window {
        let title = format!(
            "{} seed {seed}{}",
            record_value.scenario_name,
            record_value
                .variant
                .as_deref()
                .map(|v| format!(" (variant {v})"))
                .unwrap_or_default()
        );
        let directory = request.out.clone().unwrap_or_else(|| PathBuf::from("."));
        write_window(&traced.trace, &directory, (from, to), &title, &mut out)?;
    }
    if let Some(state) = &traced.state {
        if stop.is_some_and(|n| traced.events < n) {
            let _ = writeln!(
                out,
                "the run ended after {} events, before event {}; this is its final state",
                traced.events,
                stop.unwrap_or_default()
            );
        }
        out.push('\n');
        out.push_str(&render_state(state));
        let shown: Vec<&TraceRecord> = traced
            .trace
            .records
            .iter()
            .filter(|r| r.event + EVENTS_SHOWN > traced.events)
            .collect();
        if !shown.is_empty() {
            let _ = writeln!(out, "\nthe last events (as JSON lines):");
            for record in shown {
                let _ = writeln!(out, "  {}", to_json(&traced.trace, record));
            }
        }
    }
    Ok(Outcome {
        stdout: out,
        exit_code,
    })
}

/// Reads `FROM..TO` (two durations, FROM before TO) as a half-open window of true time.
pub fn parse_window(text: &str) -> Result<(SimTime, SimTime), CliError> {
    let usage = |problem: String| CliError::Usage {
        flag: "--trace-window".into(),
        problem: format!(
            "{problem}; write FROM..TO with durations, e.g. `--trace-window 60s..65s`"
        ),
    };
    let Some((from, to)) = text.split_once("..") else {
        return Err(usage(format!("`{text}` is not a window of virtual time")));
    };
    let parse = |part: &str| {
        SimDuration::parse(part)
            .map(|d| SimTime::ZERO.add(d))
            .map_err(|e| usage(format!("in `{text}`: {e}")))
    };
    let (from, to) = (parse(from)?, parse(to)?);
    if from >= to {
        return Err(usage(format!(
            "`{text}` is empty: FROM must come before TO"
        )));
    }
    Ok((from, to))
}

/// Reads and checks a record, with any warning to print first.
fn load(path: &Path) -> Result<(Record, String), CliError> {
    let record = Record::read(path)?;
    let warning = record.version_warning();
    Ok((record, warning))
}

/// Writes the window's JSON lines and sequence diagram into `directory`, and says so.
fn write_window(
    trace: &Trace,
    directory: &Path,
    (from, to): (SimTime, SimTime),
    title: &str,
    out: &mut String,
) -> Result<(), CliError> {
    // The world's records and its components' (the election's, the database's), in the run's
    // event order: both are numbered among the run's events.
    let mut merged: Vec<(u64, String)> = trace
        .records
        .iter()
        .map(|r| (r.event, to_json(trace, r)))
        .chain(trace.parts.iter().map(|r| (r.event, part_json(trace, r))))
        .collect();
    merged.sort_by_key(|(event, _)| *event);
    let mut lines = String::new();
    for (_, line) in &merged {
        lines.push_str(line);
        lines.push('\n');
    }
    let events = count_events(&trace.records);
    let jsonl = directory.join(format!("trace-{from}-{to}.jsonl"));
    crate::output::write_atomic(&jsonl, lines.as_bytes())?;
    let _ = writeln!(
        out,
        "wrote {}: {} records of {events} events in {from}..{to}",
        jsonl.display(),
        trace.records.len()
    );
    for (model, name) in [
        (Part::Election, &trace.election),
        (Part::Database, &trace.database),
        (Part::Quorum, &trace.quorum),
    ] {
        if let Some(name) = name {
            let count = trace.parts.iter().filter(|r| r.model == model).count();
            let _ = writeln!(
                out,
                "  and {count} events of `{name}` (tagged \"model\": \"{name}\")"
            );
        }
    }
    if trace.truncated {
        let last = trace.records.last().map_or(from, |r| r.at);
        let _ = writeln!(
            out,
            "warning: the window holds more than {RECORDS_MAX} records; the trace stops at {last}: choose a shorter window"
        );
    }
    let options = reports::sequence::SequenceOptions {
        title: title.to_string(),
        requests_max: DIAGRAM_REQUESTS_MAX,
    };
    let diagram = reports::sequence::render(trace, &options);
    let svg = directory.join(format!("sequence-{from}-{to}.svg"));
    crate::output::write_atomic(&svg, diagram.svg.as_bytes())?;
    let _ = writeln!(
        out,
        "wrote {}: the first {} of {} client requests starting in the window, with the calls they make",
        svg.display(),
        diagram.requests_drawn,
        diagram.requests_in_window
    );
    Ok(())
}

/// Distinct events among `records` (which come grouped by event).
fn count_events(records: &[TraceRecord]) -> u64 {
    let mut count = 0;
    let mut previous = None;
    for record in records {
        if previous != Some(record.event) {
            count += 1;
            previous = Some(record.event);
        }
    }
    count
}

/// One event of the election or the database as a JSON object on one line: `model` (its
/// name), `event` (numbered among the run's events), `t_ms`, `kind`, then its fields.
pub fn part_json(trace: &Trace, record: &PartRecord) -> String {
    use PartHappening as H;
    let model = match record.model {
        Part::Election => trace.election.as_deref(),
        Part::Database => trace.database.as_deref(),
        Part::Quorum => trace.quorum.as_deref(),
    }
    .unwrap_or("beside");
    let node = |n: u32| json!(format!("{model}[{n}]"));
    let mut map = Map::new();
    map.insert("model".into(), json!(model));
    map.insert("event".into(), json!(record.event));
    map.insert("t_ms".into(), json!(record.at.as_nanos() as f64 / 1e6));
    let mut put = |key: &str, value: Value| {
        map.insert(key.to_string(), value);
    };
    let kind = match record.what {
        H::LeaseTick { node: n } => {
            put("node", node(n));
            "lease_tick"
        }
        H::LeaseRequest { node: n, seq } => {
            put("node", node(n));
            put("seq", json!(seq));
            "lease_request"
        }
        H::LeaseReply {
            node: n,
            seq,
            granted,
        } => {
            put("node", node(n));
            put("seq", json!(seq));
            put("granted", json!(granted));
            "lease_reply"
        }
        H::LeaderWrite { node: n } => {
            put("node", node(n));
            "leader_write"
        }
        H::WriteStored {
            node: n,
            token,
            fenced,
        } => {
            put("node", node(n));
            put("token", json!(token));
            put("fenced", json!(fenced));
            "write_stored"
        }
        H::LeaseDeadline { node: n } => {
            put("node", node(n));
            "lease_deadline"
        }
        H::NodeCrash { node: n } => {
            put("node", node(n));
            "node_crash"
        }
        H::NodeRestart { node: n } => {
            put("node", node(n));
            "node_restart"
        }
        H::NodePause { node: n, until } => {
            put("node", node(n));
            put("until_ms", json!(until.as_nanos() as f64 / 1e6));
            "node_pause"
        }
        H::NodeResume { node: n } => {
            put("node", node(n));
            "node_resume"
        }
        H::DbWrite => "write",
        H::DbRead => "read",
        H::DbCrash { fault, start } => {
            put("fault", json!(fault));
            put("start", json!(start));
            "fault_crash"
        }
        H::DbPartition { fault, start } => {
            put("fault", json!(fault));
            put("start", json!(start));
            "fault_partition"
        }
        H::DbPromote => "promote",
        H::QuorumAntiEntropy => "anti_entropy",
        H::QuorumCall { coordinator } => {
            put("coordinator", json!(coordinator));
            "call"
        }
    };
    put("kind", json!(kind));
    Value::Object(map).to_string()
}

/// One record as a JSON object on one line: `event`, `t_ms`, `kind`, then its fields.
pub fn to_json(trace: &Trace, record: &TraceRecord) -> String {
    let name = |node: sim_core::NodeId| Value::from(trace.nodes[node.0 as usize].as_str());
    let ms = |t: SimTime| Value::from(t.as_nanos() as f64 / 1e6);
    let span = |d: SimDuration| Value::from(d.as_nanos() as f64 / 1e6);
    let mut map = Map::new();
    map.insert("event".into(), json!(record.event));
    map.insert("t_ms".into(), ms(record.at));
    let mut put = |key: &str, value: Value| {
        map.insert(key.to_string(), value);
    };
    let attempt_fields = |put: &mut dyn FnMut(&str, Value), a: models::AttemptRef| {
        put("request", json!(a.request));
        put("attempt", json!(a.attempt));
    };
    match record.what {
        Happening::Arrival { client, request } => {
            put("kind", json!("arrival"));
            put("client", name(client));
            put("request", json!(request));
        }
        Happening::Retry {
            caller,
            request,
            attempt,
        } => {
            put("kind", json!("retry"));
            put("caller", name(caller));
            put("request", json!(request));
            put("attempt", json!(attempt));
        }
        Happening::Hedge { caller, request } => {
            put("kind", json!("hedge"));
            put("caller", name(caller));
            put("request", json!(request));
        }
        Happening::AttemptArrived {
            from,
            to,
            attempt,
            cancelled,
        } => {
            put("kind", json!("attempt_arrived"));
            put("from", name(from));
            put("to", name(to));
            attempt_fields(&mut put, attempt);
            if cancelled {
                put("cancelled", json!(true));
            }
        }
        Happening::WorkDone { replica, attempt } => {
            put("kind", json!("work_done"));
            put("replica", name(replica));
            attempt_fields(&mut put, attempt);
        }
        Happening::Response {
            from,
            to,
            attempt,
            reply,
            used,
        } => {
            put("kind", json!("response"));
            put("from", name(from));
            put("to", name(to));
            attempt_fields(&mut put, attempt);
            put("reply", json!(reply_name(reply)));
            put("used", json!(used));
        }
        Happening::Timeout {
            caller,
            replica,
            attempt,
        } => {
            put("kind", json!("timeout"));
            put("caller", name(caller));
            put("replica", name(replica));
            attempt_fields(&mut put, attempt);
        }
        Happening::Fault { fault, start } => {
            let f = &trace.faults[fault as usize];
            put(
                "kind",
                json!(if start { "fault_start" } else { "fault_end" }),
            );
            put("fault", json!(fault));
            put("fault_kind", json!(f.kind));
            put("target", json!(f.target));
        }
        Happening::Stale { kind } => {
            put("kind", json!(kind));
            put("stale", json!(true));
        }
        Happening::Autoscale { replica, evaluate } => {
            let kind = if evaluate {
                "autoscale_evaluate"
            } else {
                "replica_provisioned"
            };
            put("kind", json!(kind));
            put("replica", name(replica));
        }
        Happening::OutboxRelay { replica, mark } => {
            put(
                "kind",
                json!(if mark { "outbox_mark" } else { "outbox_poll" }),
            );
            put("replica", name(replica));
        }
        Happening::UserTimer { tag } => {
            put("kind", json!("component_timer"));
            put("tag", json!(tag));
        }
        Happening::QueueVisible {
            queue,
            message,
            partition,
        } => {
            put("kind", json!("queue_visible"));
            put("queue", json!(queue));
            put("message", json!(message));
            put("partition", json!(partition));
        }
        Happening::Deploy { service, action } => {
            put("kind", json!("deploy"));
            put("service", json!(trace.services[service.0 as usize]));
            let (what, step) = match action {
                models::deploy::Action::Step(k) => ("step", Some(k)),
                models::deploy::Action::Check => ("alert_check", None),
                models::deploy::Action::RollbackDone => ("rollback_done", None),
            };
            put("action", json!(what));
            if let Some(k) = step {
                put("step", json!(k));
            }
        }
        Happening::TiedCancel {
            replica,
            attempt,
            effective,
        } => {
            put("kind", json!("tied_cancel"));
            put("replica", name(replica));
            put("request", json!(attempt.request));
            put("attempt", json!(attempt.attempt));
            put("effective", json!(effective));
        }
        Happening::CallStarted {
            caller,
            request,
            parent,
            service,
            call,
        } => {
            put("kind", json!("call_started"));
            put("caller", name(caller));
            put("request", json!(request));
            put("parent", json!(parent.request));
            put("parent_attempt", json!(parent.attempt));
            put("service", json!(trace.services[service.0 as usize]));
            put("call", json!(call));
        }
        Happening::AttemptSent {
            from,
            to,
            attempt,
            hedge,
            transit,
            timeout_at,
        } => {
            put("kind", json!("attempt_sent"));
            put("from", name(from));
            put("to", name(to));
            attempt_fields(&mut put, attempt);
            if hedge {
                put("hedge", json!(true));
            }
            transit_fields(&mut put, transit);
            if let Some(at) = timeout_at {
                put("timeout_ms", ms(at));
            }
        }
        Happening::RejectedLocally {
            caller,
            request,
            attempt,
            reason,
        } => {
            put("kind", json!("rejected_locally"));
            put("caller", name(caller));
            put("request", json!(request));
            put("attempt", json!(attempt));
            let reason = match reason {
                LocalRejection::BreakerOpen => "breaker_open",
                LocalRejection::Throttled => "throttled",
                LocalRejection::BulkheadFull => "bulkhead_full",
            };
            put("reason", json!(reason));
        }
        Happening::Admission {
            replica,
            attempt,
            admitted,
        } => {
            let kind = match admitted {
                Admitted::Started(_) => "started",
                Admitted::Queued => "queued",
                Admitted::QueueFull => "queue_full",
                Admitted::Expired => "expired",
                Admitted::ReplicaDown(_) => "replica_down",
                Admitted::ErrorBurst => "error_burst",
                Admitted::BadVersion => "bad_version",
                Admitted::Component(_) => "answered_by_component",
                Admitted::ClientError => "client_error",
                Admitted::RateLimited => "rate_limited",
                Admitted::Shed => "shed_by_priority",
                Admitted::Locked => "locked",
            };
            put("kind", json!(kind));
            put("replica", name(replica));
            attempt_fields(&mut put, attempt);
            match admitted {
                Admitted::Started(work) => put("work_ms", span(work)),
                Admitted::ReplicaDown(mode) => {
                    let mode = match mode {
                        models::Unreachable::Refuse => "refuse",
                        models::Unreachable::BlackHole => "black_hole",
                    };
                    put("mode", json!(mode));
                }
                _ => {}
            }
        }
        Happening::Dequeued {
            replica,
            attempt,
            waited,
            work,
        } => {
            put("kind", json!("dequeued"));
            put("replica", name(replica));
            attempt_fields(&mut put, attempt);
            put("waited_ms", span(waited));
            put("work_ms", span(work));
        }
        Happening::Unqueued {
            replica,
            attempt,
            cancelled,
        } => {
            put("kind", json!("dropped_from_queue"));
            put("replica", name(replica));
            attempt_fields(&mut put, attempt);
            put(
                "reason",
                json!(if cancelled { "hedge_lost" } else { "expired" }),
            );
        }
        Happening::ReplySent {
            from,
            to,
            attempt,
            reply,
            transit,
        } => {
            put("kind", json!("reply_sent"));
            put("from", name(from));
            put("to", name(to));
            attempt_fields(&mut put, attempt);
            put("reply", json!(reply_name(reply)));
            transit_fields(&mut put, transit);
        }
        Happening::RetryScheduled {
            caller,
            request,
            attempt,
            at,
        } => {
            put("kind", json!("retry_scheduled"));
            put("caller", name(caller));
            put("request", json!(request));
            put("attempt", json!(attempt));
            put("at_ms", ms(at));
        }
        Happening::RetryDenied { caller, request } => {
            put("kind", json!("retry_denied"));
            put("caller", name(caller));
            put("request", json!(request));
            put("reason", json!("retry_budget"));
        }
        Happening::DeadlineExceeded { caller, request } => {
            put("kind", json!("deadline_exceeded"));
            put("caller", name(caller));
            put("request", json!(request));
        }
        Happening::RequestDone {
            caller,
            request,
            outcome,
            latency,
            attempts,
        } => {
            put("kind", json!("request_done"));
            put("caller", name(caller));
            put("request", json!(request));
            let outcome = match outcome {
                Done::Ok => "ok",
                Done::Garbage => "garbage",
                Done::Failed => "failed",
            };
            put("outcome", json!(outcome));
            put("latency_ms", span(latency));
            put("attempts", json!(attempts));
        }
        Happening::Shed {
            replica,
            attempt,
            waited,
        } => {
            put("kind", json!("shed"));
            put("replica", name(replica));
            attempt_fields(&mut put, attempt);
            put("waited_ms", span(waited));
        }
        Happening::BulkheadWaitOver { caller, request } => {
            put("kind", json!("bulkhead_wait_over"));
            put("caller", name(caller));
            put("request", json!(request));
        }
        Happening::BulkheadQueued {
            caller,
            request,
            until,
        } => {
            put("kind", json!("bulkhead_queued"));
            put("caller", name(caller));
            put("request", json!(request));
            put("until_ms", ms(until));
        }
        Happening::Cache {
            caller,
            request,
            outcome,
        } => {
            put("kind", json!("cache"));
            put("caller", name(caller));
            put("request", json!(request));
            let outcome = match outcome {
                CacheOutcome::Hit => "hit",
                CacheOutcome::Joined => "joined",
                CacheOutcome::Fetch => "fetch",
                CacheOutcome::Stale => "stale",
            };
            put("outcome", json!(outcome));
        }
        Happening::JobsLost { replica, jobs } => {
            put("kind", json!("jobs_lost"));
            put("replica", name(replica));
            put("jobs", json!(jobs));
        }
    }
    Value::Object(map).to_string()
}

/// `delivery` and the arrival (or refusal) instants of a message.
fn transit_fields(put: &mut dyn FnMut(&str, Value), transit: Transit) {
    let ms = |t: SimTime| Value::from(t.as_nanos() as f64 / 1e6);
    match transit {
        Transit::Delivered(at) => {
            put("delivery", json!("delivered"));
            put("arrives_ms", ms(at));
        }
        Transit::Duplicated(a, b) => {
            put("delivery", json!("duplicated"));
            put("arrives_ms", Value::Array(vec![ms(a), ms(b)]));
        }
        Transit::Dropped => put("delivery", json!("dropped")),
        Transit::Refused(at) => {
            put("delivery", json!("refused"));
            put("refused_ms", ms(at));
        }
    }
}

fn reply_name(reply: Reply) -> &'static str {
    match reply {
        Reply::Ok => "ok",
        Reply::Garbage => "garbage",
        Reply::Rejected => "rejected",
        Reply::Error => "error",
        Reply::Refused => "refused",
        Reply::ClientError => "client_error",
        Reply::RateLimited => "rate_limited",
        Reply::Conflict => "conflict",
        Reply::Degraded => "degraded",
    }
}

/// The state of every node, as aligned text.
pub fn render_state(state: &WorldState) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "state after event {} at {}:", state.events, state.at);
    let width = state
        .clients
        .iter()
        .map(|c| c.name.chars().count())
        .chain(state.replicas.iter().map(|r| r.name.chars().count()))
        .max()
        .unwrap_or(0)
        .max(6);
    let _ = writeln!(out, "clients:");
    for c in &state.clients {
        let breaker = c
            .breaker
            .map(|b| format!("  breaker {}", breaker_name(b)))
            .unwrap_or_default();
        let budget = c
            .budget_tokens
            .map(|t| format!("  retry budget {t} tokens"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<width$}  in flight {} requests, {} attempts waiting{breaker}{budget}",
            c.name, c.requests, c.attempts_waiting
        );
        let g = &c.guards;
        let _ = writeln!(
            out,
            "  {:<width$}  guards so far: retries denied {}, breaker rejections {}, throttled {}, breaker opened {}, hedges {}",
            "", g.retries_denied, g.breaker_rejections, g.throttled, g.breaker_opened, g.hedges
        );
        let _ = writeln!(out, "  {:<width$}  clock {}", "", clock(&c.clock));
    }
    let _ = writeln!(out, "replicas:");
    for r in &state.replicas {
        let _ = writeln!(
            out,
            "  {:<width$}  {:<4}  busy {}/{} ({} waiting on calls)  queue {}/{}  calls in flight {} ({} attempts waiting)",
            r.name,
            if r.up { "up" } else { "DOWN" },
            r.busy,
            r.workers,
            r.busy_in_calls,
            r.queued,
            r.queue_capacity,
            r.requests,
            r.attempts_waiting
        );
        let breakers: Vec<String> = r
            .breakers
            .iter()
            .map(|(target, b)| format!("breaker to {target} {}", breaker_name(*b)))
            .collect();
        let breakers = if breakers.is_empty() {
            String::new()
        } else {
            format!("  {}", breakers.join(", "))
        };
        let _ = writeln!(out, "  {:<width$}  clock {}{breakers}", "", clock(&r.clock));
    }
    let _ = writeln!(
        out,
        "in flight: {} requests, {} attempts waited for ({} attempts held, with abandoned ones), {} jobs at replicas",
        state.requests, state.attempts_waiting, state.attempts_held, state.jobs
    );
    if state.faults_active.is_empty() {
        let _ = writeln!(out, "faults active: none");
    } else {
        let _ = writeln!(out, "faults active:");
        for f in &state.faults_active {
            let _ = writeln!(out, "  {f}");
        }
    }
    out
}

fn clock(reading: &models::ClockReading) -> String {
    let offset = LocalTime::from_nanos(reading.offset_ns);
    let sign = if reading.offset_ns >= 0 { "+" } else { "" };
    let drift = Drift::from_ppb(reading.drift_ppb)
        .map(|d| d.to_string())
        .unwrap_or_else(|_| format!("{}ppb", reading.drift_ppb));
    format!(
        "reads {} (offset {sign}{offset}, drift {drift})",
        reading.local
    )
}

fn breaker_name(state: models::BreakerState) -> &'static str {
    match state {
        models::BreakerState::Closed => "closed",
        models::BreakerState::HalfOpen => "half-open",
        models::BreakerState::Open => "OPEN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_and_bad_ones_say_how_to_write_them() {
        let (from, to) = parse_window("60s..65s").unwrap();
        assert_eq!(from, SimTime::from_nanos(60_000_000_000));
        assert_eq!(to, SimTime::from_nanos(65_000_000_000));
        assert_eq!(
            parse_window("1m..1m500ms").unwrap().1,
            SimTime::from_nanos(60_500_000_000)
        );
        for bad in ["60s-65s", "60..65s", "65s..60s", "5s..5s", ""] {
            let error = parse_window(bad).unwrap_err();
            let message = error.to_string();
            assert_eq!(error.exit_code(), 2, "{bad}");
            assert!(message.starts_with("--trace-window: "), "{message}");
            assert!(
                message.contains("e.g. `--trace-window 60s..65s`"),
                "{message}"
            );
        }
    }
}
