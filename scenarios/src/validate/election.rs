//! Validation of the `election` block, and of the faults and clocks that name its nodes
//! (`NAME[i]`, or `NAME` for every node) or its store (`NAME.store`).
//!
//! A fault or clock setting belongs to the election when any endpoint it names is one of the
//! election's (`claims_fault`, `claims_clock`); it is then checked here and kept out of the
//! world's schedule, so the world never sees a name it does not know.

use models::{
    Arrival, Direction, ElectionClock, ElectionConfig, ElectionFault, ElectionFaultKind, Member,
    Unreachable,
};
use sim_core::SimDuration;

use super::part_name::Part;
use super::Checker;
use crate::error::{nearest, quoted, Path, ScenarioError};
use crate::raw;

/// Most nodes in an election: lease groups are a handful of nodes; the cap turns a typo such
/// as 1e9 into an error instead of an out-of-memory crash.
const NODES_MAX: u64 = 1_000;

/// Most writes per second: one per microsecond keeps a minute of writes to tens of millions
/// of events.
const WRITES_PER_S_MAX: f64 = 1e6;

/// The kinds of fault an election node takes, for messages.
const KINDS: &str = "crash, replica_loss, pause, partition (with the store), black_hole, refuse, latency, clock_jump and drift_change";

/// Whether `fault` names an election endpoint anywhere (target, partition groups, link ends).
pub(super) fn claims_fault(election: Option<&raw::Election>, fault: &raw::Fault) -> bool {
    let Some(election) = election else {
        return false;
    };
    let named = |text: &String| refers(&election.name, text);
    fault.target.as_ref().is_some_and(named)
        || fault.groups.iter().flatten().flatten().any(named)
        || fault.between.iter().flatten().any(named)
}

/// Whether a `clocks` entry names an election endpoint.
pub(super) fn claims_clock(election: Option<&raw::Election>, clock: &raw::ClockSetting) -> bool {
    election.is_some_and(|e| refers(&e.name, &clock.target))
}

/// `error` with the election offered as "did you mean", when it is an unknown name close to
/// the election's and nothing closer was found.
pub(super) fn suggest(error: ScenarioError, election: Option<&str>) -> ScenarioError {
    match (error, election) {
        (
            ScenarioError::UnknownReference {
                origin,
                path,
                wanted,
                name,
                mut available,
                suggestion: None,
            },
            Some(election),
        ) => {
            let store = format!("{election}.store");
            let suggestion = nearest(&name, &[election, &store]).map(str::to_string);
            available.extend([election.to_string(), store]);
            ScenarioError::UnknownReference {
                origin,
                path,
                wanted,
                name,
                available,
                suggestion,
            }
        }
        (error, _) => error,
    }
}

/// Whether `text` is `NAME`, `NAME.store` or `NAME[...]`.
fn refers(name: &str, text: &str) -> bool {
    text == name
        || text
            .strip_prefix(name)
            .is_some_and(|rest| rest == ".store" || (rest.starts_with('[') && rest.ends_with(']')))
}

/// An election endpoint, resolved.
enum Endpoint {
    /// Some nodes (all of them for `NAME`).
    Nodes(Vec<u32>),
    /// The store.
    Store,
}

/// What endpoint names are resolved against.
struct Shape<'a> {
    name: &'a str,
    nodes: u32,
}

impl Checker<'_> {
    /// Validates `raw.election` with the faults and clocks it claims; `None` without a block.
    pub(super) fn election(
        &self,
        raw: &raw::Scenario,
        duration: SimDuration,
    ) -> Result<Option<ElectionConfig>, ScenarioError> {
        let Some(block) = &raw.election else {
            return Ok(None);
        };
        let path = Path::root().key("election");
        self.name(&path.key("name"), &block.name)?;
        self.unique_part_name(Part::Election, &block.name, raw)?;
        let nodes = self.count(
            &path.key("nodes"),
            block.nodes,
            1..=NODES_MAX,
            (
                "an election needs at least one node",
                "lease groups are a handful of nodes; the cap turns a typo such as 1e9 into this error",
            ),
        )? as u32;
        let (lease, renew_every, retry_every, safety_margin) = self.lease_timing(&path, block)?;
        let shape = Shape {
            name: &block.name,
            nodes,
        };
        let mut clocks = Vec::new();
        for (i, clock) in raw.clocks.iter().enumerate() {
            if claims_clock(raw.election.as_ref(), clock) {
                clocks.extend(self.election_clock(
                    &Path::root().key("clocks").element(i, None),
                    clock,
                    &shape,
                )?);
            }
        }
        let mut faults = Vec::new();
        for (i, fault) in raw.faults.iter().enumerate() {
            if claims_fault(raw.election.as_ref(), fault) {
                let at = Path::root().key("faults").element(i, None);
                faults.push(self.election_fault(&at, fault, &shape, duration, i)?);
            }
        }
        Ok(Some(ElectionConfig {
            name: block.name.clone(),
            nodes,
            lease,
            renew_every,
            retry_every,
            safety_margin,
            store_latency: self.distribution(&path.key("store_latency"), &block.store_latency)?,
            writes: self.writes(&path.key("writes"), &block.writes)?,
            fencing: block.fencing,
            clocks,
            faults,
        }))
    }

    /// (lease, renew_every, retry_every, safety_margin), checked against each other.
    fn lease_timing(
        &self,
        path: &Path,
        block: &raw::Election,
    ) -> Result<(SimDuration, SimDuration, SimDuration, SimDuration), ScenarioError> {
        let lease = self.positive_duration(
            &path.key("lease"),
            &block.lease,
            "a lease of 0s is never held; client-go's default is \"15s\"",
        )?;
        let safety_margin = self.duration(&path.key("safety_margin"), &block.safety_margin)?;
        if safety_margin >= lease {
            return Err(self.bad(
                &path.key("safety_margin"),
                format!("must be shorter than `lease` ({lease})"),
                safety_margin,
                "a holder acts for lease minus margin, so nobody would ever act",
            ));
        }
        let hold = lease.saturating_sub(safety_margin);
        let renew_every = self.positive_duration(
            &path.key("renew_every"),
            &block.renew_every,
            "a leader renews on a timer, e.g. every \"2s\"",
        )?;
        if renew_every >= hold {
            return Err(self.bad(
                &path.key("renew_every"),
                format!("must be shorter than `lease` minus `safety_margin` ({hold})"),
                renew_every,
                "otherwise the leader's lease lapses by its own clock before it renews; renew a few times per lease",
            ));
        }
        let retry_every = self.positive_duration(
            &path.key("retry_every"),
            &block.retry_every,
            "a node retries on a timer, e.g. every \"2s\"",
        )?;
        Ok((lease, renew_every, retry_every, safety_margin))
    }

    /// The write rate: 0 (no writes) to 1e6 per second.
    fn writes(&self, path: &Path, raw: &raw::Arrival) -> Result<Option<Arrival>, ScenarioError> {
        let rate_per_s = raw.rate_per_s;
        if !(0.0..=WRITES_PER_S_MAX).contains(&rate_per_s) {
            return Err(self.bad(
                &path.key("rate_per_s"),
                "must be between 0 and 1e6",
                rate_per_s,
                "it is the acting leader's writes per second; 0 writes nothing",
            ));
        }
        if rate_per_s == 0.0 {
            return Ok(None);
        }
        Ok(Some(match raw.kind {
            raw::ArrivalKind::Poisson => Arrival::Poisson { rate_per_s },
            raw::ArrivalKind::Constant => Arrival::Constant { rate_per_s },
        }))
    }

    fn election_clock(
        &self,
        path: &Path,
        raw: &raw::ClockSetting,
        shape: &Shape<'_>,
    ) -> Result<Vec<ElectionClock>, ScenarioError> {
        let members = self.members(&path.key("target"), &raw.target, shape)?;
        let offset_ns = match &raw.offset {
            Some(text) => self.signed_duration(&path.key("offset"), text)?,
            None => 0,
        };
        let drift_ppb = self.drift(&path.key("drift_ppm"), raw.drift_ppm)?;
        Ok(members
            .into_iter()
            .map(|member| ElectionClock {
                member,
                offset_ns,
                drift_ppb,
            })
            .collect())
    }

    fn election_fault(
        &self,
        path: &Path,
        raw: &raw::Fault,
        shape: &Shape<'_>,
        duration: SimDuration,
        position: usize,
    ) -> Result<ElectionFault, ScenarioError> {
        use raw::FaultKind as K;
        let (kind, allowed): (&str, &[&str]) = match raw.kind {
            K::Crash => ("crash", &["target", "while_down"]),
            K::ReplicaLoss => ("replica_loss", &["target", "while_down"]),
            K::Pause => ("pause", &["target"]),
            K::Partition => ("partition", &["groups", "one_way", "mode"]),
            K::BlackHole => ("black_hole", &["target"]),
            K::Refuse => ("refuse", &["target"]),
            K::Latency => ("latency", &["target", "add"]),
            K::ClockJump => ("clock_jump", &["target", "by"]),
            K::DriftChange => ("drift_change", &["target", "drift_ppm"]),
            K::Slowdown
            | K::ErrorBurst
            | K::Garbage
            | K::Brownout
            | K::FlappingLink
            | K::LoadSpike => {
                let (field, name) = match raw.kind {
                    K::Slowdown => ("target", "slowdown"),
                    K::ErrorBurst => ("target", "error_burst"),
                    K::Brownout => ("target", "brownout"),
                    K::Garbage => ("target", "garbage"),
                    K::FlappingLink => ("between", "flapping_link"),
                    _ => ("client", "load_spike"),
                };
                return Err(self.bad(
                    &path.key("kind"),
                    format!("does not apply to the election `{}`", shape.name),
                    quoted(name),
                    format!(
                        "its `{field}` names an election endpoint, and election nodes take {KINDS}"
                    ),
                ));
            }
        };
        self.only(path, raw, kind, allowed)?;
        let instant = matches!(raw.kind, K::ReplicaLoss | K::ClockJump | K::DriftChange)
            .then(|| format!("`{kind}` happens at an instant and lasts to the end; remove `for`"));
        let (start, end) = self.window(path, raw, kind, instant.as_deref(), duration)?;
        let kind = self.election_fault_kind(path, raw, kind, shape)?;
        Ok(ElectionFault {
            kind,
            start,
            end,
            position,
        })
    }

    fn election_fault_kind(
        &self,
        path: &Path,
        raw: &raw::Fault,
        kind: &str,
        shape: &Shape<'_>,
    ) -> Result<ElectionFaultKind, ScenarioError> {
        use raw::FaultKind as K;
        let target = || self.required(path, "target", &raw.target);
        let nodes = || -> Result<Vec<u32>, ScenarioError> {
            let text = target()?;
            match self.endpoint_of(&path.key("target"), text, shape)? {
                Endpoint::Nodes(nodes) => Ok(nodes),
                Endpoint::Store => Err(self.bad(
                    &path.key("target"),
                    format!("names the store, which `{kind}` cannot hit"),
                    quoted(text),
                    format!(
                        "the store is the reliable lock service; cut nodes off from it with a `partition` between `{}` and `{}.store`",
                        shape.name, shape.name
                    ),
                )),
            }
        };
        Ok(match raw.kind {
            K::Crash | K::ReplicaLoss => ElectionFaultKind::Crash { nodes: nodes()? },
            K::Pause => ElectionFaultKind::Pause { nodes: nodes()? },
            K::BlackHole | K::Refuse => ElectionFaultKind::Cut {
                nodes: nodes()?,
                direction: Direction::Both,
                partition: false,
                mode: if raw.kind == K::Refuse {
                    Unreachable::Refuse
                } else {
                    Unreachable::BlackHole
                },
            },
            K::Latency => ElectionFaultKind::Latency {
                nodes: nodes()?,
                add: self.positive_duration(
                    &path.key("add"),
                    self.required(path, "add", &raw.add)?,
                    "it is the added one-way latency, e.g. \"50ms\"",
                )?,
            },
            K::ClockJump => ElectionFaultKind::ClockJump {
                members: self.members(&path.key("target"), target()?, shape)?,
                by: self.signed_duration(&path.key("by"), self.required(path, "by", &raw.by)?)?,
            },
            K::DriftChange => ElectionFaultKind::DriftChange {
                members: self.members(&path.key("target"), target()?, shape)?,
                drift_ppb: self.drift(
                    &path.key("drift_ppm"),
                    *self.required(path, "drift_ppm", &raw.drift_ppm)?,
                )?,
            },
            K::Partition => {
                let (nodes, direction) = self.election_partition(path, raw, shape)?;
                ElectionFaultKind::Cut {
                    nodes,
                    direction,
                    partition: true,
                    mode: match raw.mode.unwrap_or(raw::Unreachable::BlackHole) {
                        raw::Unreachable::BlackHole => Unreachable::BlackHole,
                        raw::Unreachable::Refuse => Unreachable::Refuse,
                    },
                }
            }
            K::Slowdown
            | K::ErrorBurst
            | K::Garbage
            | K::Brownout
            | K::FlappingLink
            | K::LoadSpike => {
                unreachable!("refused by election_fault")
            }
        })
    }

    /// A partition between some election nodes and the store: the nodes and the direction.
    fn election_partition(
        &self,
        path: &Path,
        raw: &raw::Fault,
        shape: &Shape<'_>,
    ) -> Result<(Vec<u32>, Direction), ScenarioError> {
        let groups = self.required(path, "groups", &raw.groups)?;
        let store = format!("{}.store", shape.name);
        let hint = format!(
            "election nodes talk only to their store: write [[\"{}[0]\"], [\"{store}\"]]",
            shape.name
        );
        if groups.len() != 2 || groups.iter().any(Vec::is_empty) {
            return Err(self.bad(
                &path.key("groups"),
                "must be two non-empty lists of endpoints",
                format!("{} group(s)", groups.len()),
                hint,
            ));
        }
        let mut sides = Vec::with_capacity(2);
        for (i, group) in groups.iter().enumerate() {
            let mut nodes = Vec::new();
            let mut has_store = false;
            for (j, text) in group.iter().enumerate() {
                let at = path.key("groups").element(i, None).element(j, None);
                if !refers(shape.name, text) {
                    return Err(self.bad(
                        &at,
                        format!("is not an endpoint of the election `{}`", shape.name),
                        quoted(text),
                        &hint,
                    ));
                }
                match self.endpoint_of(&at, text, shape)? {
                    Endpoint::Nodes(more) => nodes.extend(more),
                    Endpoint::Store => has_store = true,
                }
            }
            if has_store && !nodes.is_empty() {
                return Err(self.bad(
                    &path.key("groups").element(i, None),
                    "must not put the store and nodes on one side",
                    format!("{group:?}"),
                    &hint,
                ));
            }
            sides.push((nodes, has_store));
        }
        let one_way = raw.one_way.unwrap_or(false);
        match (&sides[0], &sides[1]) {
            ((nodes, false), (_, true)) => Ok((
                dedup(nodes),
                if one_way {
                    Direction::ToStore
                } else {
                    Direction::Both
                },
            )),
            ((_, true), (nodes, false)) => Ok((
                dedup(nodes),
                if one_way {
                    Direction::FromStore
                } else {
                    Direction::Both
                },
            )),
            _ => Err(self.bad(
                &path.key("groups"),
                format!("must have `{store}` alone on one side"),
                format!("{groups:?}"),
                hint,
            )),
        }
    }

    /// The clock owners `text` names: nodes or the store.
    fn members(
        &self,
        path: &Path,
        text: &str,
        shape: &Shape<'_>,
    ) -> Result<Vec<Member>, ScenarioError> {
        Ok(match self.endpoint_of(path, text, shape)? {
            Endpoint::Nodes(nodes) => nodes.into_iter().map(Member::Node).collect(),
            Endpoint::Store => vec![Member::Store],
        })
    }

    /// Resolves `NAME`, `NAME[i]` or `NAME.store` (`text` is known to refer to the election).
    fn endpoint_of(
        &self,
        path: &Path,
        text: &str,
        shape: &Shape<'_>,
    ) -> Result<Endpoint, ScenarioError> {
        let name = shape.name;
        if text == name {
            return Ok(Endpoint::Nodes((0..shape.nodes).collect()));
        }
        if text == format!("{name}.store") {
            return Ok(Endpoint::Store);
        }
        let index = text
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('['))
            .and_then(|rest| rest.strip_suffix(']'))
            .unwrap_or("");
        let Ok(node) = index.parse::<u32>() else {
            return Err(self.bad(
                path,
                "has a node index that is not a number",
                quoted(text),
                format!("write `{name}[0]` for the first node, `{name}` for every node, or `{name}.store`"),
            ));
        };
        if node >= shape.nodes {
            return Err(self.bad(
                path,
                format!("names node {node}, but `{name}` has {}", shape.nodes),
                quoted(text),
                "nodes are numbered from 0",
            ));
        }
        Ok(Endpoint::Nodes(vec![node]))
    }
}

/// `nodes` sorted without repeats.
fn dedup(nodes: &[u32]) -> Vec<u32> {
    let mut nodes = nodes.to_vec();
    nodes.sort_unstable();
    nodes.dedup();
    nodes
}

impl Checker<'_> {
    /// A leader-only service needs the election, and one replica per election node.
    pub(super) fn leader_only(&self, raw: &raw::Scenario) -> Result<(), ScenarioError> {
        for (i, service) in raw.services.iter().enumerate() {
            if !service.leader_only {
                continue;
            }
            let path = Path::root().key("services").element(i, Some(&service.name));
            let Some(election) = &raw.election else {
                return Err(self.bad(
                    &path.key("leader_only"),
                    "needs a lease election",
                    true,
                    "add an `election` block: its nodes are this service's replicas, and only the one acting as leader serves",
                ));
            };
            if service.replicas.0 != election.nodes.0 {
                return Err(self.bad(
                    &path.key("replicas"),
                    format!(
                        "must equal the election's `nodes` ({}) for a leader-only service",
                        election.nodes.0
                    ),
                    service.replicas.0,
                    "replica i is election node i: give the service one replica per node",
                ));
            }
        }
        Ok(())
    }
}
