//! How a world's nodes are numbered, and what is built from the numbering: the network (with
//! the fault schedule's network rules) and every node's clock (with its scheduled changes).
//!
//! Clients are nodes `0..clients`; then each service's replicas follow, in configuration order.

use sim_core::network::{LinkConfig, Network, NodeId, NodeSet};
use sim_core::{Clock, Drift};

use crate::config::{Endpoint, Fault, FaultKind, NetworkConfig, Target, Unreachable, WorldConfig};

/// What `build_network` and `build_clocks` need to know about node numbering.
pub(super) struct Nodes<'a> {
    pub(super) clients: u32,
    pub(super) replica_nodes: &'a [u32],
    pub(super) services: &'a [crate::config::ServiceConfig],
}

impl Nodes<'_> {
    fn of(&self, endpoint: &Endpoint) -> Vec<NodeId> {
        match *endpoint {
            Endpoint::Client(client) => {
                assert!(client.0 < self.clients, "client ids are validated");
                vec![NodeId(client.0)]
            }
            Endpoint::Service(target) => {
                let base = self.replica_nodes[target.service.0 as usize];
                match target.replica {
                    Some(r) => vec![NodeId(base + r)],
                    None => (0..self.services[target.service.0 as usize].replicas)
                        .map(|r| NodeId(base + r))
                        .collect(),
                }
            }
        }
    }

    fn set(&self, endpoints: &[Endpoint]) -> NodeSet {
        NodeSet::from_iter(endpoints.iter().flat_map(|e| self.of(e)))
    }
}

pub(super) fn build_network(
    config: &NetworkConfig,
    faults: &[Fault],
    nodes: &Nodes<'_>,
    seed: u64,
) -> Network {
    use sim_core::fault::{Rule, RuleAction};
    let mut links = Vec::new();
    for link in &config.links {
        let (a, b) = (nodes.set(&link.a), nodes.set(&link.b));
        for (from, to) in [(a.clone(), b.clone()), (b, a)] {
            links.push(LinkConfig {
                from,
                to,
                latency: link.latency.clone(),
                loss: link.loss,
                duplicate: link.duplicate,
            });
        }
    }
    // Delay rules go last: the first non-Pass verdict wins, and a partition must beat added
    // latency whatever order the scenario lists them in.
    let mut rules = Vec::new();
    let mut delays = Vec::new();
    let action = |mode: Unreachable| match mode {
        Unreachable::BlackHole => RuleAction::BlackHole,
        Unreachable::Refuse => RuleAction::Refuse,
    };
    for f in faults {
        match &f.kind {
            FaultKind::Partition {
                from,
                to,
                one_way,
                mode,
            } => rules.extend(Rule::partition(
                &nodes.set(from),
                &nodes.set(to),
                f.start,
                f.end,
                action(*mode),
                *one_way,
            )),
            FaultKind::Isolate { target, mode } => rules.extend(Rule::isolate(
                &nodes.set(&[Endpoint::Service(*target)]),
                f.start,
                f.end,
                action(*mode),
            )),
            FaultKind::Latency { target, add } => delays.extend(Rule::isolate(
                &nodes.set(&[Endpoint::Service(*target)]),
                f.start,
                f.end,
                RuleAction::Delay(*add),
            )),
            FaultKind::FlappingLink { a, b, period, down } => rules.extend(Rule::partition(
                &nodes.set(&[*a]),
                &nodes.set(&[*b]),
                f.start,
                f.end,
                RuleAction::Flap {
                    period: *period,
                    down: *down,
                },
                false,
            )),
            _ => {}
        }
    }
    rules.extend(delays);
    let network = sim_core::network::NetworkConfig {
        latency: config.latency.clone(),
        loss: config.loss,
        duplicate: config.duplicate,
        links,
    };
    Network::new(network, rules, seed)
}

pub(super) fn build_clocks(config: &WorldConfig, nodes: &Nodes<'_>, count: u32) -> Vec<Clock> {
    let mut clocks = vec![Clock::perfect(); count as usize];
    for setting in &config.clocks {
        // Drift was validated when the scenario was read; a refused drift here is a bug.
        let drift = Drift::from_ppb(setting.drift_ppb).expect("validated drift");
        for node in nodes.of(&setting.target) {
            clocks[node.0 as usize] = Clock::new(setting.offset_ns, drift);
        }
    }
    for f in &config.faults {
        match f.kind {
            FaultKind::ClockJump { target, by } => {
                for node in nodes.of(&target) {
                    clocks[node.0 as usize].jump(f.start, by);
                }
            }
            FaultKind::DriftChange { target, drift_ppb } => {
                let drift = Drift::from_ppb(drift_ppb).expect("validated drift");
                for node in nodes.of(&target) {
                    clocks[node.0 as usize].set_drift(f.start, drift);
                }
            }
            _ => {}
        }
    }
    clocks
}

/// A fault's target in words, for reports.
pub(super) fn describe(kind: &FaultKind, services: &[String], clients: &[String]) -> String {
    let target = |t: &Target| match t.replica {
        Some(r) => format!("{}[{r}]", services[t.service.0 as usize]),
        None => services[t.service.0 as usize].clone(),
    };
    let endpoint = |e: &Endpoint| match e {
        Endpoint::Client(c) => clients[c.0 as usize].clone(),
        Endpoint::Service(t) => target(t),
    };
    let list = |es: &[Endpoint]| es.iter().map(endpoint).collect::<Vec<_>>().join(", ");
    match kind {
        FaultKind::Slowdown { target: t, .. }
        | FaultKind::ErrorBurst { target: t, .. }
        | FaultKind::Garbage { target: t, .. }
        | FaultKind::Crash { target: t, .. }
        | FaultKind::Pause { target: t }
        | FaultKind::Brownout { target: t, .. }
        | FaultKind::Isolate { target: t, .. }
        | FaultKind::Latency { target: t, .. } => target(t),
        FaultKind::ClockJump { target: e, .. } | FaultKind::DriftChange { target: e, .. } => {
            endpoint(e)
        }
        FaultKind::Partition {
            from, to, one_way, ..
        } => {
            format!(
                "{} {} {}",
                list(from),
                if *one_way { "→" } else { "↔" },
                list(to)
            )
        }
        FaultKind::FlappingLink { a, b, .. } => format!("{} ↔ {}", endpoint(a), endpoint(b)),
        FaultKind::LoadSpike { client, .. } => format!("client {}", clients[client.0 as usize]),
    }
}
