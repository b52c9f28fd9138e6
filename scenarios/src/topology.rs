//! The call graph of a validated scenario, read without running it: worst-case attempt
//! amplification along every path, and the resilience anti-patterns the design shows.
//!
//! ```text
//!  client web ──300ms / 3──▶ api ──50ms / 3──▶ db      3 × 3 = 9x attempts at db per request
//! ```
//!
//! Nodes are the clients and then the services, in configuration order; edges are each
//! client's target and then each service's calls, in configuration order, so everything
//! derived here is ordered by the file and never by a hash. A layer's multiplier is its
//! fan-out times its `max_attempts` (plus one for a hedge): in the worst case every attempt
//! fails and is retried, and every attempt that reaches a service makes all of that service's
//! calls. A retry budget caps its layer at `fan-out × (1 + ratio)` in steady state (its
//! `min_per_s` floor adds a fixed rate on top, which dominates only at low traffic).
//!
//! This module owns the analysis as data; it prints nothing (the CLI's `explain` renders it)
//! and simulates nothing, so latencies and service times are not part of any bound.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use models::{Backoff, Deadline, Guards, Jitter, RetryPolicy, WorldConfig};
use sim_core::SimDuration;

use crate::Scenario;

/// Most paths `analyze` lists: the number of paths can grow exponentially with the depth of
/// the graph, and a listing past a thousand lines is no longer read. Per-service figures stay
/// exact beyond it (they are computed over the graph, not over the list).
pub const PATHS_LISTED_MAX: usize = 1_000;

/// Analyzes the call graph of `scenario`.
///
/// ```
/// let text = scenarios::catalog::find("tiers").unwrap().text;
/// let scenario = scenarios::parse(text, "catalog:tiers", &Default::default()).unwrap();
/// let topology = scenarios::topology::analyze(&scenario);
/// assert_eq!(topology.paths[0].factor, 9);
/// ```
pub fn analyze(scenario: &Scenario) -> Topology {
    let (nodes, edges) = nodes_and_edges(&scenario.world);
    let graph = graph(&nodes, &edges);
    let outgoing = adjacent(&graph, Direction::Outgoing);
    let incoming = adjacent(&graph, Direction::Incoming);
    let paths = list_paths(&nodes, &edges, &outgoing);
    let exposures = exposures(&graph, &nodes, &edges, &outgoing);
    let path_count = exposures
        .iter()
        .filter(|e| outgoing[e.service.0 as usize].is_empty())
        .fold(0u64, |sum, e| sum.saturating_add(e.path_count));
    let mut warnings = warnings(&nodes, &edges, &paths, &outgoing, &incoming);
    // A message queue answers its publishers when it stores a message and delivers it later
    // on its own, so its delivery's timeout (the visibility timeout) outlasting a publisher's
    // is no inversion.
    let queues: Vec<models::ServiceId> = scenario.world.queues.iter().map(|q| q.service).collect();
    warnings.retain(|w| match w {
        Warning::TimeoutInversion { inner, .. } => {
            let from = &nodes[edges[inner.0 as usize].from.0 as usize];
            !matches!(from.kind, NodeKind::Service(s) if queues.contains(&s))
        }
        _ => true,
    });
    Topology {
        nodes,
        edges,
        paths_omitted: path_count.saturating_sub(paths.len() as u64),
        paths,
        exposures,
        warnings,
    }
}

/// The call graph of a scenario and what it implies.
#[derive(Clone, Debug, PartialEq)]
pub struct Topology {
    /// Every client, then every service, in configuration order (indexed by `NodeId`).
    pub nodes: Vec<Node>,
    /// Every client's target, then every service's calls, in configuration order.
    pub edges: Vec<Edge>,
    /// Every path from a client to a leaf service, depth first in configuration order, up to
    /// `PATHS_LISTED_MAX`.
    pub paths: Vec<CallPath>,
    /// Paths beyond `PATHS_LISTED_MAX` that `paths` leaves out (saturating).
    pub paths_omitted: u64,
    /// The worst case at each service reached, per client (services in configuration order,
    /// then clients).
    pub exposures: Vec<Exposure>,
    /// The anti-patterns found, grouped by kind in the order of `Warning`'s variants, each
    /// group in configuration order.
    pub warnings: Vec<Warning>,
}

/// Index of a node in `Topology::nodes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

/// Index of an edge in `Topology::edges`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EdgeId(pub u32);

/// A client or a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Its name in the scenario.
    pub name: String,
    /// Whether it is a client or a service.
    pub kind: NodeKind,
}

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// A client, the start of every path.
    Client(models::ClientId),
    /// A service.
    Service(models::ServiceId),
}

/// A caller's policy towards the service it calls: a client's target or a service's call.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// The caller.
    pub from: NodeId,
    /// The service called.
    pub to: NodeId,
    /// The dotted path of the caller's settings (`clients.web`, `services.api.calls.db`), as
    /// variants and `--set` address them.
    pub setting: String,
    /// Per-attempt timeout; `None` waits forever.
    pub timeout: Option<SimDuration>,
    /// Attempts, backoff and jitter.
    pub retry: RetryPolicy,
    /// Requests sent in parallel per call (1 for clients).
    pub fanout: u32,
    /// How many of them must succeed (1 for clients).
    pub needed: u32,
    /// Retry budget, circuit breaker and adaptive throttling.
    pub guards: Guards,
    /// A client's overall deadline (always `None` for calls).
    pub deadline: Option<Deadline>,
    /// The call may fail without failing its caller's job (graceful degradation).
    pub optional: bool,
    /// The caller's cache in front of the callee, if any.
    pub cache: Option<models::CacheConfig>,
    /// Set on a service's publish call in outbox mode: the outbox relay makes it, in batches,
    /// rather than each job.
    pub relay: Option<Relay>,
}

/// How an outbox relay publishes in place of its service's jobs (`Edge::relay`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relay {
    /// Time between the relay's polls of the outbox table.
    pub interval: SimDuration,
    /// Rows published per poll at most.
    pub batch: u32,
}

/// One path from a client to a leaf service, with its worst-case attempt amplification.
#[derive(Clone, Debug, PartialEq)]
pub struct CallPath {
    /// The edges from the client to the leaf, in order.
    pub edges: Vec<EdgeId>,
    /// Worst-case attempts at the leaf per client request: the product of the layers'
    /// multipliers (saturating).
    pub factor: u64,
    /// The steady-state bound under the retry budgets on the path, if it has any.
    pub factor_budgeted: Option<f64>,
}

/// The worst case at one service per request of one client, over every path between them.
#[derive(Clone, Debug, PartialEq)]
pub struct Exposure {
    /// The service.
    pub service: NodeId,
    /// The client whose requests it counts.
    pub client: NodeId,
    /// The largest product of multipliers over the paths from the client (saturating).
    pub factor_max: u64,
    /// A path with that product (on a tie, the first found in a fixed topological walk).
    pub path_max: Vec<EdgeId>,
    /// The largest steady-state bound under retry budgets, if a path carries a budget.
    pub factor_budgeted_max: Option<f64>,
    /// Worst-case attempts summed over all those paths, since each path's attempts arrive
    /// (saturating); equal to `factor_max` when one path leads there.
    pub factor_total: u64,
    /// How many paths lead from the client to the service (saturating).
    pub path_count: u64,
}

/// A resilience anti-pattern, with what it concerns.
#[derive(Clone, Debug, PartialEq)]
pub enum Warning {
    /// Retries at two or more layers of one path multiply: `path` runs from the client to the
    /// last retrying layer, and `factor` is the worst-case product along it.
    RetryLayers {
        /// The path, cut after its last retrying edge.
        path: Vec<EdgeId>,
        /// Its worst-case product of multipliers.
        factor: u64,
    },
    /// A call can outlast its caller's own timeout: the caller gives up while the callee still
    /// works and retries.
    TimeoutInversion {
        /// The edge into the calling service, whose timeout expires first.
        outer: EdgeId,
        /// The call out of that service.
        inner: EdgeId,
        /// The call's worst time: timeout × attempts plus the largest backoff delays.
        inner_time_max: SimDuration,
    },
    /// Retries with no retry budget, circuit breaker or adaptive throttling: a slowdown can
    /// tip into a retry storm.
    RetriesUnguarded {
        /// The retrying edge.
        edge: EdgeId,
    },
    /// No timeout (nor, for a client, a deadline): the caller waits forever.
    TimeoutMissing {
        /// The edge.
        edge: EdgeId,
    },
    /// Retries without jitter: callers that failed together retry together.
    JitterMissing {
        /// The retrying edge.
        edge: EdgeId,
    },
}

impl Topology {
    /// The node at `id`.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    /// The edge at `id`.
    pub fn edge(&self, id: EdgeId) -> &Edge {
        &self.edges[id.0 as usize]
    }

    /// The names along `path`, from its caller to its last callee.
    pub fn names(&self, path: &[EdgeId]) -> Vec<&str> {
        let mut names = Vec::with_capacity(path.len() + 1);
        if let Some(first) = path.first() {
            names.push(self.node(self.edge(*first).from).name.as_str());
        }
        names.extend(
            path.iter()
                .map(|e| self.node(self.edge(*e).to).name.as_str()),
        );
        names
    }

    /// The edges whose caller is `node`, in configuration order.
    pub fn edges_from(&self, node: NodeId) -> impl Iterator<Item = (EdgeId, &Edge)> {
        self.edges
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.from == node)
            .map(|(i, e)| (EdgeId(i as u32), e))
    }
}

impl Edge {
    /// Whether this edge retries (more than one attempt per request).
    pub fn retries(&self) -> bool {
        self.retry.max_attempts > 1
    }

    /// Most attempts one request can send: `max_attempts`, plus one if it hedges.
    ///
    /// A hedge counts against `max_attempts` but is not held back by it: when the hedge delay
    /// outlasts the retries, the copy goes out beside the last attempt, so one more can be sent.
    pub fn attempts_max(&self) -> u32 {
        self.retry.max_attempts + u32::from(self.guards.hedge.is_some())
    }

    /// Worst-case attempts this layer sends per request it receives: fan-out × `attempts_max`.
    pub fn factor(&self) -> u64 {
        u64::from(self.fanout) * u64::from(self.attempts_max())
    }

    /// The steady-state bound of `factor` under this edge's retry budget: fan-out ×
    /// (min(attempts, 1 + ratio), plus one if it hedges); `factor` itself without a budget.
    pub fn factor_budgeted(&self) -> f64 {
        let Some(budget) = &self.guards.budget else {
            return self.factor() as f64;
        };
        let attempts = f64::from(self.retry.max_attempts).min(1.0 + budget.ratio);
        let hedge = f64::from(u32::from(self.guards.hedge.is_some()));
        f64::from(self.fanout) * (attempts + hedge)
    }

    /// The longest the delays between this edge's attempts can add up to.
    pub fn backoff_max(&self) -> SimDuration {
        let backoff = self.retry.backoff;
        (1..self.retry.max_attempts)
            .map(|retry| match self.retry.jitter {
                // Decorrelated jitter draws up to the cap whatever the retry number.
                Jitter::Decorrelated => match backoff {
                    Backoff::None => SimDuration::ZERO,
                    Backoff::Constant { delay } => delay,
                    Backoff::Exponential { cap, .. } => cap,
                },
                // The other jitters stay at or below the un-jittered delay.
                Jitter::None | Jitter::Full | Jitter::Equal => backoff.delay(retry),
            })
            .fold(SimDuration::ZERO, SimDuration::saturating_add)
    }

    /// How long this edge's caller can wait for one request: timeout × attempts plus
    /// `backoff_max`; `None` without a timeout.
    pub fn time_max(&self) -> Option<SimDuration> {
        let timeout = self.timeout?;
        Some(
            timeout
                .saturating_mul(u64::from(self.retry.max_attempts))
                .saturating_add(self.backoff_max()),
        )
    }

    /// Whether a guard limits this edge's retries under overload: a retry budget, a circuit
    /// breaker or adaptive throttling.
    pub fn guarded(&self) -> bool {
        let g = &self.guards;
        g.budget.is_some() || g.breaker.is_some() || g.throttle.is_some()
    }
}

/// The graph's nodes and edges, in configuration order.
fn nodes_and_edges(world: &WorldConfig) -> (Vec<Node>, Vec<Edge>) {
    let client_count = world.clients.len() as u32;
    let service_node = |service: models::ServiceId| NodeId(client_count + service.0);
    let mut nodes = Vec::with_capacity(world.clients.len() + world.services.len());
    let mut edges = Vec::new();
    for (index, client) in world.clients.iter().enumerate() {
        nodes.push(Node {
            name: client.name.clone(),
            kind: NodeKind::Client(models::ClientId(index as u32)),
        });
        edges.push(Edge {
            from: NodeId(index as u32),
            to: service_node(client.target),
            setting: format!("clients.{}", client.name),
            timeout: client.timeout,
            retry: client.retry,
            fanout: 1,
            needed: 1,
            guards: client.guards.clone(),
            deadline: client.deadline,
            optional: false,
            cache: client.cache.clone(),
            relay: None,
        });
    }
    for (index, service) in world.services.iter().enumerate() {
        let id = models::ServiceId(index as u32);
        nodes.push(Node {
            name: service.name.clone(),
            kind: NodeKind::Service(id),
        });
        // A workflow's coordinator makes its steps as its calls: their settings live in the
        // workflow (`workflows.NAME.steps.SERVICE`), not in the service.
        let workflow = world.workflows.iter().find(|w| w.coordinator == id);
        let calls_at = match workflow {
            Some(w) => format!("workflows.{}.steps", w.name),
            None => format!("services.{}.calls", service.name),
        };
        for (call_index, call) in service.calls.iter().enumerate() {
            let target = &world.services[call.target.0 as usize].name;
            // A path names a call by the service it calls, which finds the first such call;
            // a later call to the same service needs its index.
            let first = service.calls.iter().position(|c| c.target == call.target);
            let label = if first == Some(call_index) {
                target.clone()
            } else {
                call_index.to_string()
            };
            edges.push(Edge {
                from: service_node(id),
                to: service_node(call.target),
                setting: format!("{calls_at}.{label}"),
                timeout: call.timeout,
                retry: call.retry,
                fanout: call.fanout,
                needed: call.needed,
                guards: call.guards.clone(),
                deadline: None,
                optional: call.optional,
                cache: call.cache.clone(),
                relay: service
                    .policies
                    .outbox
                    .as_ref()
                    .filter(|o| {
                        o.mode == models::config::OutboxMode::Outbox
                            && o.publish_call as usize == call_index
                    })
                    .map(|o| Relay {
                        interval: o.relay_interval,
                        batch: o.relay_batch,
                    }),
            });
        }
    }
    (nodes, edges)
}

/// The petgraph graph: node indexes equal `NodeId`s, edge weights are `EdgeId`s.
fn graph(nodes: &[Node], edges: &[Edge]) -> DiGraph<NodeId, EdgeId> {
    let mut graph = DiGraph::with_capacity(nodes.len(), edges.len());
    for index in 0..nodes.len() {
        graph.add_node(NodeId(index as u32));
    }
    for (index, edge) in edges.iter().enumerate() {
        graph.add_edge(
            NodeIndex::new(edge.from.0 as usize),
            NodeIndex::new(edge.to.0 as usize),
            EdgeId(index as u32),
        );
    }
    graph
}

/// Each node's edges in one direction, in configuration order (petgraph lists the newest
/// edge first, so they are sorted by id).
fn adjacent(graph: &DiGraph<NodeId, EdgeId>, direction: Direction) -> Vec<Vec<EdgeId>> {
    graph
        .node_indices()
        .map(|node| {
            let mut ids: Vec<EdgeId> = graph
                .edges_directed(node, direction)
                .map(|e| *e.weight())
                .collect();
            ids.sort_unstable();
            ids
        })
        .collect()
}

/// Every client-to-leaf path, depth first in configuration order, up to `PATHS_LISTED_MAX`.
///
/// The walk keeps an explicit stack (a chain of thousands of services must not overflow the
/// thread's stack); it ends because validation refused cycles, so every path is simple, and
/// it stops at the cap, so a graph with exponentially many paths costs no more than the cap.
fn list_paths(nodes: &[Node], edges: &[Edge], outgoing: &[Vec<EdgeId>]) -> Vec<CallPath> {
    let mut paths = Vec::new();
    let clients = nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| matches!(n.kind, NodeKind::Client(_)));
    for (client, _) in clients {
        for &first in &outgoing[client] {
            if paths.len() == PATHS_LISTED_MAX {
                break;
            }
            let mut path = vec![first];
            // The next outgoing edge to try at the tip of each prefix of `path`.
            let mut next = vec![0usize];
            while let (Some(&tip), Some(cursor)) = (path.last(), next.last_mut()) {
                let out = &outgoing[edges[tip.0 as usize].to.0 as usize];
                if out.is_empty() {
                    if paths.len() == PATHS_LISTED_MAX {
                        break;
                    }
                    paths.push(call_path(path.clone(), edges));
                    path.pop();
                    next.pop();
                } else if let Some(&edge) = out.get(*cursor) {
                    *cursor += 1;
                    path.push(edge);
                    next.push(0);
                } else {
                    path.pop();
                    next.pop();
                }
            }
        }
    }
    paths
}

fn call_path(edges: Vec<EdgeId>, all: &[Edge]) -> CallPath {
    let layers = || edges.iter().map(|e| &all[e.0 as usize]);
    let budgeted = layers().any(|e| e.guards.budget.is_some());
    CallPath {
        factor: layers().fold(1u64, |product, e| product.saturating_mul(e.factor())),
        factor_budgeted: budgeted.then(|| layers().map(Edge::factor_budgeted).product::<f64>()),
        edges,
    }
}

/// The worst case at every service each client reaches, over the graph in topological order
/// (exact however many paths there are).
fn exposures(
    graph: &DiGraph<NodeId, EdgeId>,
    nodes: &[Node],
    edges: &[Edge],
    outgoing: &[Vec<EdgeId>],
) -> Vec<Exposure> {
    let order = petgraph::algo::toposort(graph, None)
        .expect("validation refuses call cycles, so the call graph is acyclic");
    let mut found = Vec::new();
    for (client, _) in nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| matches!(n.kind, NodeKind::Client(_)))
    {
        let mut at: Vec<Option<Reach>> = vec![None; nodes.len()];
        at[client] = Some(Reach::START);
        for node in order.iter().map(|n| n.index()) {
            let Some(from) = at[node] else {
                continue;
            };
            for &id in &outgoing[node] {
                let edge = &edges[id.0 as usize];
                let to = &mut at[edge.to.0 as usize];
                *to = Some(Reach::extend(*to, &from, id, edge));
            }
        }
        for (service, reach) in at.iter().enumerate() {
            if let (Some(reach), NodeKind::Service(_)) = (reach, nodes[service].kind) {
                // Follow each node's best incoming edge back to the client.
                let mut path_max = Vec::new();
                let mut via = reach.via;
                while let Some(id) = via {
                    path_max.push(id);
                    via = at[edges[id.0 as usize].from.0 as usize].and_then(|r| r.via);
                }
                path_max.reverse();
                found.push(Exposure {
                    service: NodeId(service as u32),
                    client: NodeId(client as u32),
                    factor_max: reach.factor_max,
                    path_max,
                    factor_budgeted_max: reach.budgeted.then_some(reach.factor_budgeted_max),
                    factor_total: reach.factor_total,
                    path_count: reach.path_count,
                });
            }
        }
    }
    found.sort_by_key(|e| (e.service, e.client));
    found
}

/// What reaches one node from one client, so far in the topological walk.
#[derive(Clone, Copy, Debug)]
struct Reach {
    factor_max: u64,
    /// The last edge of a path with `factor_max` (`None` at the client).
    via: Option<EdgeId>,
    factor_budgeted_max: f64,
    budgeted: bool,
    factor_total: u64,
    path_count: u64,
}

impl Reach {
    /// The client itself: one request, by no path.
    const START: Reach = Reach {
        factor_max: 1,
        via: None,
        factor_budgeted_max: 1.0,
        budgeted: false,
        factor_total: 1,
        path_count: 1,
    };

    /// `old` after adding the paths through `from` and then `edge`.
    fn extend(old: Option<Reach>, from: &Reach, id: EdgeId, edge: &Edge) -> Reach {
        let factor = from.factor_max.saturating_mul(edge.factor());
        let budgeted = from.factor_budgeted_max * edge.factor_budgeted();
        let new = Reach {
            factor_max: factor,
            via: Some(id),
            factor_budgeted_max: budgeted,
            budgeted: from.budgeted || edge.guards.budget.is_some(),
            factor_total: from.factor_total.saturating_mul(edge.factor()),
            path_count: from.path_count,
        };
        let Some(old) = old else { return new };
        // Strictly greater, so the first path in walk order wins a tie. Multipliers are at
        // least 1, so a best path's prefix is a best path too, and one edge per node suffices.
        let (factor_max, via) = if new.factor_max > old.factor_max {
            (new.factor_max, new.via)
        } else {
            (old.factor_max, old.via)
        };
        Reach {
            factor_max,
            via,
            factor_budgeted_max: old.factor_budgeted_max.max(new.factor_budgeted_max),
            budgeted: old.budgeted || new.budgeted,
            factor_total: old.factor_total.saturating_add(new.factor_total),
            path_count: old.path_count.saturating_add(new.path_count),
        }
    }
}

/// Every warning, grouped by kind in the order of `Warning`'s variants.
fn warnings(
    nodes: &[Node],
    edges: &[Edge],
    paths: &[CallPath],
    outgoing: &[Vec<EdgeId>],
    incoming: &[Vec<EdgeId>],
) -> Vec<Warning> {
    let mut found: Vec<Warning> = Vec::new();
    for path in paths {
        let retrying: Vec<usize> = (0..path.edges.len())
            .filter(|&i| edges[path.edges[i].0 as usize].retries())
            .collect();
        let (Some(&last), true) = (retrying.last(), retrying.len() >= 2) else {
            continue;
        };
        let cut = path.edges[..=last].to_vec();
        let seen = found
            .iter()
            .any(|w| matches!(w, Warning::RetryLayers { path, .. } if *path == cut));
        if !seen {
            let factor = cut.iter().fold(1u64, |product, e| {
                product.saturating_mul(edges[e.0 as usize].factor())
            });
            found.push(Warning::RetryLayers { path: cut, factor });
        }
    }
    for node in 0..nodes.len() {
        for &inner in &outgoing[node] {
            let Some(inner_time_max) = edges[inner.0 as usize].time_max() else {
                continue;
            };
            for &outer in &incoming[node] {
                // The service's own work and the network come on top of the call's worst
                // time, so a call that merely equals the caller's timeout already outlasts it.
                if edges[outer.0 as usize]
                    .timeout
                    .is_some_and(|timeout| inner_time_max >= timeout)
                {
                    found.push(Warning::TimeoutInversion {
                        outer,
                        inner,
                        inner_time_max,
                    });
                }
            }
        }
    }
    let each = |test: fn(&Edge) -> bool, make: fn(EdgeId) -> Warning| {
        (0..edges.len())
            .filter(move |&i| test(&edges[i]))
            .map(move |i| make(EdgeId(i as u32)))
    };
    found.extend(each(
        |e| e.retries() && !e.guarded(),
        |edge| Warning::RetriesUnguarded { edge },
    ));
    found.extend(each(
        |e| e.timeout.is_none() && e.deadline.is_none(),
        |edge| Warning::TimeoutMissing { edge },
    ));
    found.extend(each(
        |e| e.retries() && e.retry.jitter == Jitter::None,
        |edge| Warning::JitterMissing { edge },
    ));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse, LoadOptions};

    /// A scenario of `clients` and `services` (JSON arrays), everything else defaulted; each
    /// service takes 1ms unless it says otherwise.
    fn scenario(clients: &str, services: &str) -> Scenario {
        let mut services: serde_json::Value =
            serde_json::from_str(services).expect("the test's services are JSON");
        for service in services.as_array_mut().expect("services are an array") {
            let service = service.as_object_mut().expect("a service is an object");
            service
                .entry("service_time")
                .or_insert(serde_json::json!({ "kind": "constant", "value": "1ms" }));
        }
        let text = format!(
            r#"{{ "name": "t", "duration": "10s", "clients": {clients}, "services": {services} }}"#
        );
        match parse(&text, "test", &LoadOptions::default()) {
            Ok(scenario) => scenario,
            Err(error) => panic!("the test scenario is valid: {error}\n{text}"),
        }
    }

    /// A retry object with `attempts`, exponential backoff and full jitter, plus `extra` keys.
    fn retry(attempts: u32, extra: &str) -> String {
        format!(
            r#"{{ "max_attempts": {attempts}, "backoff": {{ "kind": "exponential", "base": "10ms", "cap": "40ms" }}, "jitter": "full" {extra} }}"#
        )
    }

    const BUDGET: &str = r#", "budget": { "ratio": 0.1, "min_per_s": 10, "ttl": "10s" }"#;

    const ARRIVAL: &str = r#""arrival": { "kind": "poisson", "rate_per_s": 10 }"#;

    /// web → a → b → c, four attempts at each of the three layers, all budgeted, every
    /// timeout inside its caller's: no warning but retry amplification.
    fn chain() -> Scenario {
        let r = retry(4, BUDGET);
        scenario(
            &format!(
                r#"[{{ "name": "web", "target": "a", {ARRIVAL}, "timeout": "10s", "retry": {r} }}]"#
            ),
            &format!(
                r#"[{{ "name": "a", "calls": [{{ "service": "b", "timeout": "1s", "retry": {r} }}] }},
                   {{ "name": "b", "calls": [{{ "service": "c", "timeout": "100ms", "retry": {r} }}] }},
                   {{ "name": "c" }}]"#
            ),
        )
    }

    fn names(topology: &Topology, path: &[EdgeId]) -> String {
        topology.names(path).join(" → ")
    }

    /// Every warning, one line each, with the path or edge it concerns.
    fn summary(topology: &Topology) -> Vec<String> {
        let edge = |id: &EdgeId| names(topology, &[*id]);
        topology
            .warnings
            .iter()
            .map(|w| match w {
                Warning::RetryLayers { path, factor } => {
                    format!("layers {} {factor}", names(topology, path))
                }
                Warning::TimeoutInversion {
                    outer,
                    inner,
                    inner_time_max,
                } => format!("inversion {} {} {inner_time_max}", edge(outer), edge(inner)),
                Warning::RetriesUnguarded { edge: e } => format!("unguarded {}", edge(e)),
                Warning::TimeoutMissing { edge: e } => format!("timeout {}", edge(e)),
                Warning::JitterMissing { edge: e } => format!("jitter {}", edge(e)),
            })
            .collect()
    }

    #[test]
    fn a_three_layer_chain_multiplies_to_64_and_budgets_bound_it() {
        let topology = analyze(&chain());
        assert_eq!(topology.paths.len(), 1);
        let path = &topology.paths[0];
        assert_eq!(names(&topology, &path.edges), "web → a → b → c");
        assert_eq!(path.factor, 64, "4 × 4 × 4");
        let bound = path.factor_budgeted.expect("every layer has a budget");
        assert!((bound - 1.1 * 1.1 * 1.1).abs() < 1e-12, "{bound}");
        let at: Vec<(String, u64, u64)> = topology
            .exposures
            .iter()
            .map(|e| {
                (
                    topology.node(e.service).name.clone(),
                    e.factor_max,
                    e.factor_total,
                )
            })
            .collect();
        let expected = [("a", 4, 4), ("b", 16, 16), ("c", 64, 64)];
        let expected: Vec<(String, u64, u64)> = expected
            .iter()
            .map(|(n, m, t)| (n.to_string(), *m, *t))
            .collect();
        assert_eq!(at, expected);
        assert_eq!(summary(&topology), ["layers web → a → b → c 64"]);
    }

    #[test]
    fn a_fan_of_two_calls_gives_two_paths_and_fanout_multiplies() {
        let s = scenario(
            &format!(
                r#"[{{ "name": "web", "target": "api", {ARRIVAL}, "timeout": "1s", "retry": {} }}]"#,
                retry(2, BUDGET)
            ),
            r#"[{ "name": "api", "calls": [
                   { "service": "db", "timeout": "100ms" },
                   { "service": "search", "timeout": "100ms", "fanout": 5 } ] },
                { "name": "db" }, { "name": "search" }]"#,
        );
        let topology = analyze(&s);
        let paths: Vec<(String, u64)> = topology
            .paths
            .iter()
            .map(|p| (names(&topology, &p.edges), p.factor))
            .collect();
        assert_eq!(
            paths,
            [
                ("web → api → db".to_string(), 2),
                ("web → api → search".to_string(), 10)
            ]
        );
        let bounds: Vec<Option<f64>> = topology.paths.iter().map(|p| p.factor_budgeted).collect();
        assert_eq!(bounds, [Some(1.1), Some(1.1 * 5.0)]);
        assert_eq!(topology.paths_omitted, 0);
        assert!(topology.warnings.is_empty(), "{:?}", summary(&topology));
    }

    #[test]
    fn two_paths_into_one_service_add_up() {
        // web → api → db and web → api → cache → db: db sees both paths' attempts.
        let s = scenario(
            &format!(r#"[{{ "name": "web", "target": "api", {ARRIVAL}, "timeout": "1s" }}]"#),
            &format!(
                r#"[{{ "name": "api", "calls": [
                       {{ "service": "db", "timeout": "100ms", "retry": {r} }},
                       {{ "service": "cache", "timeout": "100ms" }} ] }},
                   {{ "name": "cache", "calls": [{{ "service": "db", "timeout": "10ms", "retry": {r} }}] }},
                   {{ "name": "db" }}]"#,
                r = retry(3, BUDGET)
            ),
        );
        let topology = analyze(&s);
        let db = topology
            .exposures
            .iter()
            .find(|e| topology.node(e.service).name == "db")
            .expect("db is reached");
        assert_eq!((db.factor_max, db.factor_total, db.path_count), (3, 6, 2));
        assert_eq!(
            names(&topology, &db.path_max),
            "web → api → db",
            "first of a tie"
        );
        assert_eq!(db.factor_budgeted_max, Some(1.1));
    }

    #[test]
    fn an_unbudgeted_path_has_no_budgeted_bound() {
        let s = scenario(
            &format!(
                r#"[{{ "name": "web", "target": "api", {ARRIVAL}, "timeout": "1s", "retry": {} }}]"#,
                retry(3, "")
            ),
            r#"[{ "name": "api" }]"#,
        );
        let topology = analyze(&s);
        assert_eq!(topology.paths[0].factor, 3);
        assert_eq!(topology.paths[0].factor_budgeted, None);
        assert_eq!(topology.exposures[0].factor_budgeted_max, None);
    }

    #[test]
    fn a_clean_design_has_no_warning() {
        let s = scenario(
            &format!(
                r#"[{{ "name": "web", "target": "api", {ARRIVAL}, "timeout": "300ms", "retry": {} }}]"#,
                retry(3, BUDGET)
            ),
            r#"[{ "name": "api", "calls": [{ "service": "db", "timeout": "50ms" }] }, { "name": "db" }]"#,
        );
        assert_eq!(summary(&analyze(&s)), Vec::<String>::new());
    }

    #[test]
    fn each_warning_fires_on_a_minimal_design() {
        let breaker = r#", "circuit_breaker": { "failure_rate": 0.5 }"#;
        let cases = [
            // Retries at two layers (both guarded so only this warning fires).
            (
                format!(
                    r#"[{{ "name": "web", "target": "api", {ARRIVAL}, "timeout": "1s", "retry": {} }}]"#,
                    retry(2, BUDGET)
                ),
                format!(
                    r#"[{{ "name": "api", "calls": [{{ "service": "db", "timeout": "100ms", "retry": {} }}] }}, {{ "name": "db" }}]"#,
                    retry(3, BUDGET)
                ),
                "layers web → api → db 6",
            ),
            // A call longer than its caller's timeout: 2 × 100ms + 10ms backoff ≥ 150ms.
            (
                format!(r#"[{{ "name": "web", "target": "api", {ARRIVAL}, "timeout": "150ms" }}]"#),
                format!(
                    r#"[{{ "name": "api", "calls": [{{ "service": "db", "timeout": "100ms", "retry": {} {breaker} }}] }}, {{ "name": "db" }}]"#,
                    retry(2, "")
                ),
                "inversion web → api api → db 210ms",
            ),
            // Even one attempt's timeout is longer than the caller's.
            (
                format!(r#"[{{ "name": "web", "target": "api", {ARRIVAL}, "timeout": "50ms" }}]"#),
                r#"[{ "name": "api", "calls": [{ "service": "db", "timeout": "80ms" }] }, { "name": "db" }]"#.to_string(),
                "inversion web → api api → db 80ms",
            ),
            // Retries with neither budget nor breaker nor throttle.
            (
                format!(
                    r#"[{{ "name": "web", "target": "api", {ARRIVAL}, "timeout": "1s", "retry": {} }}]"#,
                    retry(2, "")
                ),
                r#"[{ "name": "api" }]"#.to_string(),
                "unguarded web → api",
            ),
            // No timeout on a call.
            (
                format!(r#"[{{ "name": "web", "target": "api", {ARRIVAL}, "timeout": "1s" }}]"#),
                r#"[{ "name": "api", "calls": [{ "service": "db" }] }, { "name": "db" }]"#
                    .to_string(),
                "timeout api → db",
            ),
            // No timeout and no deadline on a client.
            (
                format!(r#"[{{ "name": "web", "target": "api", {ARRIVAL} }}]"#),
                r#"[{ "name": "api" }]"#.to_string(),
                "timeout web → api",
            ),
            // Retries without jitter.
            (
                format!(
                    r#"[{{ "name": "web", "target": "api", {ARRIVAL}, "timeout": "1s", "retry": {{ "max_attempts": 2, "jitter": "none" {BUDGET} }} }}]"#
                ),
                r#"[{ "name": "api" }]"#.to_string(),
                "jitter web → api",
            ),
        ];
        for (clients, services, expected) in cases {
            let topology = analyze(&scenario(&clients, &services));
            assert_eq!(summary(&topology), [expected], "{clients}\n{services}");
        }
    }

    #[test]
    fn a_hedge_adds_at_most_one_attempt_per_request() {
        let s = scenario(
            &format!(r#"[{{ "name": "web", "target": "api", {ARRIVAL}, "timeout": "1s" }}]"#),
            &format!(
                r#"[{{ "name": "api", "calls": [{{ "service": "db", "timeout": "100ms", "fanout": 10, "hedge": {{ "after": "10ms" }}, "retry": {} }}] }}, {{ "name": "db" }}]"#,
                retry(3, BUDGET)
            ),
        );
        let topology = analyze(&s);
        let call = &topology.edges[1];
        assert_eq!(call.attempts_max(), 4);
        assert_eq!(topology.paths[0].factor, 40, "1 × (10 × (3 + 1))");
        let bound = topology.paths[0]
            .factor_budgeted
            .expect("the call has a budget");
        assert!((bound - 10.0 * 2.1).abs() < 1e-9, "{bound}");
    }

    #[test]
    fn a_deadline_stands_in_for_a_client_timeout() {
        let s = scenario(
            &format!(
                r#"[{{ "name": "web", "target": "api", {ARRIVAL}, "deadline": {{ "after": "1s" }} }}]"#
            ),
            r#"[{ "name": "api" }]"#,
        );
        assert!(analyze(&s).warnings.is_empty());
    }

    #[test]
    fn backoff_bounds_follow_the_jitter() {
        let mut edge = analyze(&chain()).edges[0].clone();
        // Exponential 10ms..40ms, four attempts: retries wait at most 10 + 20 + 40 ms.
        assert_eq!(edge.backoff_max(), SimDuration::from_millis(70));
        assert_eq!(edge.time_max(), Some(SimDuration::from_millis(40_070)));
        edge.retry.jitter = Jitter::Decorrelated;
        assert_eq!(edge.backoff_max(), SimDuration::from_millis(120), "3 × cap");
        edge.timeout = None;
        assert_eq!(edge.time_max(), None);
    }

    #[test]
    fn a_later_call_to_the_same_service_is_named_by_index() {
        let s = scenario(
            &format!(r#"[{{ "name": "web", "target": "api", {ARRIVAL}, "timeout": "1s" }}]"#),
            r#"[{ "name": "api", "calls": [{ "service": "db", "timeout": "10ms" }, { "service": "db", "timeout": "10ms" }] }, { "name": "db" }]"#,
        );
        let settings: Vec<String> = analyze(&s).edges.into_iter().map(|e| e.setting).collect();
        assert_eq!(
            settings,
            [
                "clients.web",
                "services.api.calls.db",
                "services.api.calls.1"
            ]
        );
    }

    #[test]
    fn a_wide_graph_lists_at_most_the_cap_and_counts_the_rest() {
        // Each of 11 layers calls the next one twice: 2^11 = 2048 paths.
        let layers = 11;
        let mut services = Vec::new();
        for i in 0..layers {
            services.push(format!(
                r#"{{ "name": "s{i}", "calls": [{{ "service": "s{n}", "timeout": "1s" }}, {{ "service": "s{n}", "timeout": "1s" }}] }}"#,
                n = i + 1
            ));
        }
        services.push(format!(r#"{{ "name": "s{layers}" }}"#));
        let s = scenario(
            &format!(r#"[{{ "name": "web", "target": "s0", {ARRIVAL}, "timeout": "1s" }}]"#),
            &format!("[{}]", services.join(",")),
        );
        let topology = analyze(&s);
        assert_eq!(topology.paths.len(), PATHS_LISTED_MAX);
        assert_eq!(topology.paths_omitted, 2048 - PATHS_LISTED_MAX as u64);
        let leaf = topology.exposures.last().expect("the leaf is reached");
        assert_eq!((leaf.factor_total, leaf.path_count), (2048, 2048));
    }
}
