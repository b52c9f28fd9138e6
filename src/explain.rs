//! `faultline explain`: a scenario's call graph, its worst-case attempt amplification and its
//! resilience anti-patterns, as text or as a Graphviz DOT digraph, and (as text) each
//! client's offered load over time with the utilization it implies at each service, without
//! running anything.
//!
//! The analyses are `scenarios::topology` and `scenarios::offered`; this module only renders
//! them. Everything is printed in configuration order, so the output is byte-stable.

use std::fmt::Write;
use std::path::Path;

use scenarios::offered::Offered;
use scenarios::topology::{CallPath, Edge, EdgeId, Exposure, NodeKind, Topology, Warning};

use crate::error::CliError;
use crate::input;
use crate::simulate::{load_options, Outcome};

/// How `explain` prints its analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Sections for a terminal: edges, amplification per path and per service, warnings.
    Text,
    /// A Graphviz DOT digraph, with the warnings as a comment block.
    Dot,
    /// One JSON object (`json`; its shape is in the README).
    Json,
}

/// Reads the scenario at `path` (with `variant` and the `set` overrides applied, as `run`
/// does) and renders its analysis; warnings do not change the exit code, which is 0.
pub fn explain(
    path: &Path,
    variant: Option<&str>,
    set: &[String],
    form: Form,
) -> Result<Outcome, CliError> {
    let source = input::read(path)?;
    let options = load_options(variant, set)?;
    let scenario = scenarios::parse(&source.text, &source.origin, &options)?;
    let topology = scenarios::topology::analyze(&scenario);
    let mut title = scenario.name.clone();
    let changes: Vec<String> = scenario
        .variant
        .iter()
        .map(|v| format!("variant {v}"))
        .chain(set.iter().map(|s| format!("--set {s}")))
        .collect();
    if !changes.is_empty() {
        title.push_str(&format!(" ({})", changes.join(", ")));
    }
    let stdout = match form {
        Form::Text => {
            let mut out = text(&title, &topology);
            offered(
                &mut out,
                &scenarios::offered::analyze(&scenario),
                scenario.world.duration,
            );
            out
        }
        Form::Dot => dot(&scenario.name, &title, &topology),
        Form::Json => crate::output::json_text(&json(&scenario.name, &title, &topology)),
    };
    Ok(Outcome {
        stdout,
        exit_code: 0,
    })
}

/// Renders the analysis as text sections.
pub fn text(title: &str, topology: &Topology) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{title}: the design, read without running it");
    let _ = writeln!(out, "\ncall graph (timeout / attempts per edge):");
    let rows: Vec<[String; 3]> = topology
        .edges
        .iter()
        .enumerate()
        .map(|(index, e)| {
            [
                topology.names(&[EdgeId(index as u32)]).join(" → "),
                label(e),
                details(e),
            ]
        })
        .collect();
    let widths = [0, 1].map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0));
    for [name, label, details] in &rows {
        let line = format!(
            "  {name}{}  {label}{}  {details}",
            pad(name, widths[0]),
            pad(label, widths[1])
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let budgeted = topology.paths.iter().any(|p| p.factor_budgeted.is_some());
    let hedged = topology.edges.iter().any(|e| e.guards.hedge.is_some());
    let _ = writeln!(
        out,
        "\nattempt amplification per path (worst case: every attempt fails and is retried{}{}):",
        if hedged {
            ", and every hedge is sent"
        } else {
            ""
        },
        if budgeted {
            "; budgeted: the steady-state bound when each retry budget caps its layer at 1 + ratio, plus its min_per_s floor"
        } else {
            ""
        }
    );
    for path in &topology.paths {
        path_lines(&mut out, topology, path);
    }
    if topology.paths_omitted > 0 {
        let _ = writeln!(
            out,
            "  ... and {} more paths, not listed (the figures below count them)",
            topology.paths_omitted
        );
    }
    let _ = writeln!(
        out,
        "\nworst case per service (the largest over the paths from each client):"
    );
    let width = topology
        .exposures
        .iter()
        .map(|e| topology.node(e.service).name.chars().count())
        .max()
        .unwrap_or(0);
    for exposure in &topology.exposures {
        let name = &topology.node(exposure.service).name;
        let _ = writeln!(
            out,
            "  {name}{}  {}",
            pad(name, width),
            exposure_text(topology, exposure)
        );
    }
    let _ = writeln!(out, "\nwarnings ({}):", topology.warnings.len());
    if topology.warnings.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for warning in &topology.warnings {
        let _ = writeln!(out, "  warning: {}", warning_text(topology, warning));
    }
    out
}

/// The offered-load sections: each client's rate (mean, peak, and a sparkline over the run
/// from 0 to its peak) and each service's implied utilization.
pub fn offered(out: &mut String, offered: &Offered, duration: sim_core::SimDuration) {
    let _ = writeln!(
        out,
        "\noffered load (from the arrival settings and load spikes; a group counts all its members):"
    );
    let width = offered
        .clients
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    for c in &offered.clients {
        let group = if c.count > 1 {
            format!(" × {} clients", c.count)
        } else {
            String::new()
        };
        let figures = match &c.closed {
            Some(b) => format!(
                "at most {}/s: min(N/(D+Z) = {}/(D {} + Z {}) = {}/s, bottleneck {}/s); the bottleneck saturates near N* = {} users",
                rate(c.mean_per_s),
                b.users,
                seconds(b.demand_s),
                seconds(b.think_s),
                rate(b.light_per_s),
                rate(b.bottleneck_per_s),
                number(b.saturation_users)
            ),
            None => format!(
                "mean {}/s, peak {}/s",
                rate(c.mean_per_s),
                rate(c.peak_per_s)
            ),
        };
        let name = &c.name;
        let _ = writeln!(
            out,
            "  {name}{}  {}{group}: {figures}",
            pad(name, width),
            c.kind
        );
        if !c.over_time.is_empty() && c.peak_per_s > 0.0 {
            let _ = writeln!(
                out,
                "  {}  {}  (0s..{duration}, 0 to {}/s)",
                " ".repeat(width),
                sparkline(&c.over_time, c.peak_per_s),
                rate(c.peak_per_s)
            );
        }
    }
    let _ = writeln!(
        out,
        "\nimplied utilization (U = X × S over replicas × workers: each request served once, no retries):"
    );
    let width = offered
        .services
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0);
    for s in &offered.services {
        let bound = if s.bounded { " at most" } else { "" };
        let over = if s.utilization_peak > 1.0 {
            "; over capacity: queues grow while it lasts"
        } else {
            ""
        };
        let name = &s.name;
        let _ = writeln!(
            out,
            "  {name}{}  mean{bound} {}, peak{bound} {} of {} worker{} ({}/s arriving on average){over}",
            pad(name, width),
            percent(s.utilization_mean),
            percent(s.utilization_peak),
            s.workers,
            if s.workers == 1 { "" } else { "s" },
            rate(s.arrivals_per_s)
        );
    }
}

/// `values` as a line of block characters scaled from 0 to `peak`.
fn sparkline(values: &[f64], peak: f64) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    values
        .iter()
        .map(|v| {
            let level = (v / peak * 8.0).floor().clamp(0.0, 7.0) as usize;
            BLOCKS[level]
        })
        .collect()
}

/// A rate: whole numbers from 100 on, otherwise at most two decimals.
fn rate(value: f64) -> String {
    if value.is_infinite() {
        return "unbounded".to_string();
    }
    if value >= 100.0 {
        format!("{value:.0}")
    } else {
        number(value)
    }
}

/// A fraction as a percentage with one decimal.
fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

/// Seconds as a duration (`5ms`, `1.2s`).
fn seconds(value: f64) -> String {
    sim_core::SimDuration::from_nanos_f64(value * 1e9).to_string()
}

/// The analysis as one JSON object: `{scenario, title, edges: [{from, to, label, details,
/// fanout}], paths: [{path, factor, factor_budgeted}], paths_omitted, services: [{service,
/// client, factor_max, factor_total, paths, factor_budgeted_max, path}], warnings: [text]}`,
/// in configuration order. A saturated factor is `u64::MAX`.
pub fn json(name: &str, title: &str, topology: &Topology) -> serde_json::Value {
    use serde_json::json;
    let edges: Vec<serde_json::Value> = topology
        .edges
        .iter()
        .map(|e| {
            json!({
                "from": topology.node(e.from).name,
                "to": topology.node(e.to).name,
                "label": label(e),
                "details": details(e),
                "fanout": e.fanout,
            })
        })
        .collect();
    let paths: Vec<serde_json::Value> = topology
        .paths
        .iter()
        .map(|p| {
            json!({
                "path": topology.names(&p.edges),
                "factor": p.factor,
                "factor_budgeted": p.factor_budgeted,
            })
        })
        .collect();
    let services: Vec<serde_json::Value> = topology
        .exposures
        .iter()
        .map(|x| {
            json!({
                "service": topology.node(x.service).name,
                "client": topology.node(x.client).name,
                "factor_max": x.factor_max,
                "factor_total": x.factor_total,
                "paths": x.path_count,
                "factor_budgeted_max": x.factor_budgeted_max,
                "path": topology.names(&x.path_max),
            })
        })
        .collect();
    let warnings: Vec<String> = topology
        .warnings
        .iter()
        .map(|w| warning_text(topology, w))
        .collect();
    json!({
        "scenario": name,
        "title": title,
        "edges": edges,
        "paths": paths,
        "paths_omitted": topology.paths_omitted,
        "services": services,
        "warnings": warnings,
    })
}

/// Renders the analysis as a Graphviz DOT digraph named `name`.
pub fn dot(name: &str, title: &str, topology: &Topology) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(name));
    let _ = writeln!(out, "  // faultline explain {title}");
    let _ = writeln!(
        out,
        "  // Edges read timeout / attempts; a service shows its worst-case attempts per client request."
    );
    let _ = writeln!(out, "  // warnings ({}):", topology.warnings.len());
    for warning in &topology.warnings {
        let _ = writeln!(out, "  //   {}", warning_text(topology, warning));
    }
    let _ = writeln!(out, "  rankdir=LR;");
    for (index, node) in topology.nodes.iter().enumerate() {
        let (shape, mut lines) = match node.kind {
            NodeKind::Client(_) => ("box", vec![node.name.clone(), "client".to_string()]),
            NodeKind::Service(_) => ("ellipse", vec![node.name.clone()]),
        };
        let service = scenarios::topology::NodeId(index as u32);
        for exposure in topology.exposures.iter().filter(|e| e.service == service) {
            lines.push(format!(
                "{} per {} request",
                times(exposure.factor_max),
                topology.node(exposure.client).name
            ));
        }
        let label: Vec<String> = lines.iter().map(|l| escape(l)).collect();
        let _ = writeln!(
            out,
            "  {} [shape={shape}, label=\"{}\"];",
            quote(&node.name),
            label.join("\\n")
        );
    }
    let flagged = flagged_edges(topology);
    for (index, edge) in topology.edges.iter().enumerate() {
        let color = if flagged.contains(&EdgeId(index as u32)) {
            ", color=red, fontcolor=red"
        } else {
            ""
        };
        let mut text = label(edge);
        if edge.fanout > 1 {
            text.push_str(&format!(", fan-out {}", edge.fanout));
        }
        let _ = writeln!(
            out,
            "  {} -> {} [label=\"{}\"{color}];",
            quote(&topology.node(edge.from).name),
            quote(&topology.node(edge.to).name),
            escape(&text)
        );
    }
    let _ = writeln!(out, "}}");
    out
}

/// One warning as one actionable line.
pub fn warning_text(topology: &Topology, warning: &Warning) -> String {
    let edge_name = |id: &EdgeId| topology.names(&[*id]).join(" → ");
    match warning {
        Warning::RetryLayers { path, factor } => {
            let layers: Vec<String> = path
                .iter()
                .filter(|id| topology.edge(**id).retries())
                .map(|id| {
                    format!(
                        "{} × {}",
                        edge_name(id),
                        topology.edge(*id).retry.max_attempts
                    )
                })
                .collect();
            let names = topology.names(path);
            let last = names.last().copied().unwrap_or_default();
            format!(
                "retry amplification: {} retries at {} layers ({}), up to {} attempts at {last} per {} request; keep retries at one layer (remove the others' `retry`) or give each layer a retry budget",
                names.join(" → "),
                layers.len(),
                layers.join(", "),
                times(*factor),
                names.first().copied().unwrap_or_default(),
            )
        }
        Warning::TimeoutInversion {
            outer,
            inner,
            inner_time_max,
        } => {
            let (o, i) = (topology.edge(*outer), topology.edge(*inner));
            let outer_timeout = o.timeout.unwrap_or_default();
            let caller = &topology.node(i.from).name;
            let inner_timeout = i.timeout.unwrap_or_default();
            let why = if inner_timeout >= outer_timeout {
                format!(
                    "{}'s timeout ({inner_timeout}) alone is not shorter than {}'s ({outer_timeout})",
                    edge_name(inner),
                    edge_name(outer)
                )
            } else {
                format!(
                    "{} can take {inner_time_max} ({}) but {} gives up after {outer_timeout}",
                    edge_name(inner),
                    time_max_terms(i),
                    edge_name(outer)
                )
            };
            format!(
                "timeout inversion: {why}, so {caller} keeps working and retrying for a caller that has left; fit {}'s timeout × attempts + backoff well inside {outer_timeout}, raise {}.timeout, or propagate a client deadline",
                i.setting, o.setting
            )
        }
        Warning::RetriesUnguarded { edge } => {
            let e = topology.edge(*edge);
            format!(
                "retry storm risk: {} retries ({} attempts) with no retry budget, circuit breaker or throttle: when {} slows down it can receive up to {} its load and stay overloaded; add a budget: --set '{}.retry.budget={{\"ratio\":0.1}}'",
                edge_name(edge),
                e.retry.max_attempts,
                topology.node(e.to).name,
                times(e.factor()),
                e.setting
            )
        }
        Warning::TimeoutMissing { edge } => {
            let e = topology.edge(*edge);
            let also = match topology.node(e.from).kind {
                NodeKind::Client(_) => format!(" (or {}.deadline)", e.setting),
                NodeKind::Service(_) => String::new(),
            };
            format!(
                "no timeout: {} waits forever for a reply that may never come; set {}.timeout{also}",
                edge_name(edge),
                e.setting
            )
        }
        Warning::JitterMissing { edge } => {
            let e = topology.edge(*edge);
            format!(
                "synchronized retries: {} retries without jitter, so callers that failed together retry together (a thundering herd); --set {}.retry.jitter=full",
                edge_name(edge),
                e.setting
            )
        }
    }
}

/// The path's worst case, and its budgeted bound on a second line when it has one.
fn path_lines(out: &mut String, topology: &Topology, path: &CallPath) {
    let names = topology.names(&path.edges);
    let (first, last) = (
        names.first().copied().unwrap_or_default(),
        names.last().copied().unwrap_or_default(),
    );
    let edges: Vec<&Edge> = path.edges.iter().map(|id| topology.edge(*id)).collect();
    let worst: Vec<String> = edges
        .iter()
        .map(|e| layer(e, e.attempts_max().to_string()))
        .collect();
    let _ = writeln!(
        out,
        "  {}: {} worst case at {last} per {first} request",
        names.join(" → "),
        product(&worst, &times(path.factor))
    );
    if let Some(bound) = path.factor_budgeted {
        let budgeted: Vec<String> = edges
            .iter()
            .map(|e| {
                let attempts = e.factor_budgeted() / f64::from(e.fanout);
                layer(e, number(attempts))
            })
            .collect();
        let _ = writeln!(
            out,
            "    budgeted: {} in steady state",
            product(&budgeted, &format!("{}x", number(bound)))
        );
    }
}

/// `a × b = Nx`, or just `Nx` for one layer.
fn product(layers: &[String], result: &str) -> String {
    if layers.len() == 1 && !layers[0].starts_with('(') {
        result.to_string()
    } else {
        format!("{} = {result}", layers.join(" × "))
    }
}

/// One layer's multiplier: its attempts, or `(fan-out × attempts)`.
fn layer(edge: &Edge, attempts: String) -> String {
    if edge.fanout > 1 {
        format!("({} × {attempts})", edge.fanout)
    } else {
        attempts
    }
}

fn exposure_text(topology: &Topology, exposure: &Exposure) -> String {
    let client = &topology.node(exposure.client).name;
    let mut text = format!(
        "{} per {client} request, via {}",
        times(exposure.factor_max),
        topology.names(&exposure.path_max).join(" → ")
    );
    if exposure.path_count > 1 {
        text.push_str(&format!(
            "; {} summed over its {} paths",
            times(exposure.factor_total),
            exposure.path_count
        ));
    }
    if let Some(bound) = exposure.factor_budgeted_max {
        text.push_str(&format!("; budgeted: {}x in steady state", number(bound)));
    }
    text
}

/// An edge's `timeout / attempts`.
fn label(edge: &Edge) -> String {
    let timeout = edge
        .timeout
        .map_or_else(|| "no timeout".to_string(), |t| t.to_string());
    let hedge = if edge.guards.hedge.is_some() {
        " + hedge"
    } else {
        ""
    };
    format!("{timeout} / {}{hedge}", edge.retry.max_attempts)
}

/// An edge's policies in words: fan-out, backoff and jitter, guards, deadline.
fn details(edge: &Edge) -> String {
    let mut parts = Vec::new();
    if let Some(relay) = edge.relay {
        parts.push(format!(
            "published by the outbox relay every {}, up to {} rows a poll, not by each job",
            relay.interval, relay.batch
        ));
    }
    if edge.fanout > 1 {
        let wait = if edge.needed == edge.fanout {
            "waits for all".to_string()
        } else if edge.needed == 1 {
            "waits for any".to_string()
        } else {
            format!("waits for {}", edge.needed)
        };
        parts.push(format!("fan-out {} ({wait})", edge.fanout));
    }
    if edge.retries() {
        let backoff = match edge.retry.backoff {
            models::Backoff::None => "no backoff".to_string(),
            models::Backoff::Constant { delay } => format!("constant backoff {delay}"),
            models::Backoff::Exponential { base, cap } => {
                format!("exponential backoff {base}..{cap}")
            }
        };
        let jitter = match edge.retry.jitter {
            models::Jitter::None => "no jitter",
            models::Jitter::Full => "full jitter",
            models::Jitter::Equal => "equal jitter",
            models::Jitter::Decorrelated => "decorrelated jitter",
        };
        parts.push(format!("{backoff}, {jitter}"));
    }
    let guards = &edge.guards;
    match guards.hedge {
        Some(models::Hedge::After(delay)) => parts.push(format!("hedge after {delay}")),
        Some(models::Hedge::Percentile(quantile)) => {
            parts.push(format!("hedge at p{}", number(quantile * 100.0)))
        }
        Some(models::Hedge::Tied) => parts.push("tied requests".to_string()),
        None => {}
    }
    if let Some(budget) = &guards.budget {
        parts.push(format!(
            "retry budget {} + {}/s",
            number(budget.ratio),
            budget.retries_per_s_min
        ));
    }
    if guards.breaker.is_some() {
        parts.push("circuit breaker".to_string());
    }
    if guards.throttle.is_some() {
        parts.push("adaptive throttling".to_string());
    }
    if let Some(bulkhead) = &guards.bulkhead {
        parts.push(format!(
            "bulkhead of {} concurrent calls",
            bulkhead.calls_concurrent_max
        ));
    }
    if edge.optional {
        parts.push("optional (a failure degrades the answer)".to_string());
    }
    if let Some(cache) = &edge.cache {
        let mut cache_words = format!("cache of {} keys, ttl {}", cache.keys, cache.ttl);
        if cache.single_flight {
            cache_words.push_str(", single flight");
        }
        if cache.serve_stale {
            cache_words.push_str(", serve stale");
        }
        parts.push(cache_words);
    }
    if let Some(deadline) = edge.deadline {
        let propagated = if deadline.propagate {
            ", propagated"
        } else {
            ""
        };
        parts.push(format!("deadline {}{propagated}", deadline.after));
    }
    parts.join("; ")
}

/// `3 × 50ms + 15ms backoff`: the terms of `Edge::time_max`.
fn time_max_terms(edge: &Edge) -> String {
    let timeout = edge.timeout.unwrap_or_default();
    let mut terms = if edge.retry.max_attempts > 1 {
        format!("{} × {timeout}", edge.retry.max_attempts)
    } else {
        timeout.to_string()
    };
    let backoff = edge.backoff_max();
    if backoff > sim_core::SimDuration::ZERO {
        terms.push_str(&format!(" + {backoff} backoff"));
    }
    terms
}

/// Edges that a warning names directly, drawn in red.
fn flagged_edges(topology: &Topology) -> Vec<EdgeId> {
    let mut flagged: Vec<EdgeId> = topology
        .warnings
        .iter()
        .flat_map(|w| match w {
            Warning::RetryLayers { path, .. } => path
                .iter()
                .copied()
                .filter(|id| topology.edge(*id).retries())
                .collect(),
            Warning::TimeoutInversion { inner, .. } => vec![*inner],
            Warning::RetriesUnguarded { edge }
            | Warning::TimeoutMissing { edge }
            | Warning::JitterMissing { edge } => vec![*edge],
        })
        .collect();
    flagged.sort_unstable();
    flagged.dedup();
    flagged
}

/// `9x`; a product that saturated u64 reads as what it is, a lower bound.
fn times(factor: u64) -> String {
    if factor == u64::MAX {
        format!("{SATURATED}x")
    } else {
        format!("{factor}x")
    }
}

/// How a product too large for u64 (about 1.8 × 10^19) is printed.
const SATURATED: &str = "over 10^19";

/// A multiplier with at most two decimals and no trailing zeros: `1.1`, `3.3`, `2`.
fn number(value: f64) -> String {
    if value.is_nan() || value >= 1e19 {
        return SATURATED.to_string();
    }
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

/// Spaces that pad `text` to `width` characters.
fn pad(text: &str, width: usize) -> String {
    " ".repeat(width.saturating_sub(text.chars().count()))
}

/// A DOT string literal.
fn quote(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

/// `text` safe inside a DOT string literal.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
