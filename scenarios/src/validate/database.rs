//! Validation of the `database` block and of the faults that hit its nodes (`"db"` for every
//! node, `"db[1]"` for one).
//!
//! A fault belongs to the database when one of its targets names the database or one of its
//! nodes; such faults are taken out of the world's schedule (`owns`) and validated here, with
//! their index in `faults` kept so reports list them in file order. A database fault takes
//! `crash`, `replica_loss`, `slowdown` (lag × `factor`), `latency` (lag + `add`) and
//! `partition` (among database nodes only); the other kinds act on requests between clients
//! and services, which never reach the database, so they are refused with the list.

use models::{
    Arrival, Balancer, DatabaseConfig, DatabaseFault, DatabaseFaultKind, Promotion, ReadFrom,
    Replication, ServiceClasses, ServiceConfig, ServicePolicies,
};
use sim_core::SimDuration;

use super::part_name::Part;
use super::{Checker, NameList, RATE_PER_S_MAX};
use crate::error::{nearest, quoted, Path, ScenarioError};
use crate::raw;

/// Most followers: every write draws one lag per follower, so the bound turns a typo such as
/// `1e6` into an error; real clusters have a handful of replicas.
const FOLLOWERS_MAX: u64 = 100;

/// The fault kinds a database node takes.
const KINDS: &str = "`crash`, `replica_loss`, `slowdown`, `latency` and `partition`";

/// Whether `fault` belongs to `database`: one of its targets names the database or one of its
/// nodes, or none names an existing client, service or election (`others`) and one names nothing, so
/// that a typo such as `"dbb[0]"` is reported with the database's name among the suggestions.
pub(super) fn owns(
    database: Option<&raw::Database>,
    fault: &raw::Fault,
    others: &NameList<'_>,
) -> bool {
    let Some(database) = database else {
        return false;
    };
    let names = fault
        .target
        .iter()
        .chain(fault.between.iter().flatten())
        .chain(fault.groups.iter().flatten().flatten());
    let (mut database_named, mut known, mut unknown) = (false, false, false);
    for name in names {
        let base = base_name(name);
        if base == database.name {
            database_named = true;
        } else if others.position(base).is_some() || name.starts_with("zone:") {
            // A zone (`"zone:a"`) holds service replicas: the world's, never the database's.
            known = true;
        } else {
            unknown = true;
        }
    }
    database_named || (unknown && !known)
}

/// Which faults of a scenario belong to its database (see `owns`); the names are indexed
/// once, not once per fault (issue #17).
pub(super) struct Owner<'a> {
    database: Option<&'a raw::Database>,
    others: NameList<'a>,
}

impl<'a> Owner<'a> {
    /// The owner of `raw`'s database faults.
    pub(super) fn new(raw: &'a raw::Scenario) -> Owner<'a> {
        Owner {
            database: raw.database.as_ref(),
            // Without a database nothing is owned, and the names are never looked at.
            others: match raw.database {
                Some(_) => other_names(raw),
                None => NameList::new([]),
            },
        }
    }

    /// Whether `fault` belongs to the database.
    pub(super) fn owns(&self, fault: &raw::Fault) -> bool {
        owns(self.database, fault, &self.others)
    }
}

/// Every other name a fault may target: clients, services, queues (their partitions) and the
/// election's.
fn other_names(raw: &raw::Scenario) -> NameList<'_> {
    NameList::new(
        raw.clients
            .iter()
            .map(|c| c.name.as_str())
            .chain(raw.services.iter().map(|s| s.name.as_str()))
            .chain(raw.queues.iter().map(|q| q.name.as_str()))
            .chain(raw.election.iter().map(|e| e.name.as_str())),
    )
}

impl Checker<'_> {
    /// Validates the `database` block, if any, with the faults of `raw.faults` it owns.
    pub(super) fn database(
        &self,
        raw: &raw::Scenario,
        duration: SimDuration,
    ) -> Result<Option<DatabaseConfig>, ScenarioError> {
        let Some(database) = &raw.database else {
            return Ok(None);
        };
        let path = Path::root().key("database");
        if raw.services.is_empty() && raw.random_faults.is_some() {
            return Err(self.bad(
                &Path::root().key("random_faults"),
                "needs at least one service to hit",
                "no services",
                "random faults hit services; a database's faults are listed in `faults`",
            ));
        }
        self.name(&path.key("name"), &database.name)?;
        self.unique_part_name(Part::Database, &database.name, raw)?;
        let followers = self.count(
            &path.key("followers"),
            database.followers,
            1..=FOLLOWERS_MAX,
            (
                "a database needs a follower to replicate to and to fail over to",
                "every write draws one lag per follower; the cap turns a typo into this error",
            ),
        )?;
        let nodes = followers as u32 + 1;
        let others = other_names(raw);
        let mut faults = Vec::new();
        for (position, fault) in raw.faults.iter().enumerate() {
            if owns(Some(database), fault, &others) {
                let at = Path::root().key("faults").element(position, None);
                let nodes = Nodes {
                    name: &database.name,
                    count: nodes,
                    others: &others,
                };
                faults.push(self.database_fault(&at, fault, &nodes, duration, position)?);
            }
        }
        Ok(Some(DatabaseConfig {
            name: database.name.clone(),
            nodes,
            writes: database
                .writes
                .as_ref()
                .map(|w| self.database_arrival(&path.key("writes"), w))
                .transpose()?,
            reads: database
                .reads
                .as_ref()
                .map(|r| self.database_arrival(&path.key("reads"), r))
                .transpose()?,
            // Set by `world` when services call it.
            service: None,
            read_from: match database.read_from {
                raw::ReadFrom::Followers => ReadFrom::Followers,
                raw::ReadFrom::Leader => ReadFrom::Leader,
                raw::ReadFrom::Any => ReadFrom::Any,
            },
            replication_lag: self
                .distribution(&path.key("replication_lag"), &database.replication_lag)?,
            replication: match database.replication {
                raw::Replication::Async => Replication::Async,
                raw::Replication::SemiSync => Replication::SemiSync,
            },
            failover_after: self.duration(&path.key("failover_after"), &database.failover_after)?,
            promote: match database.promote {
                raw::Promote::MostCaughtUp => Promotion::MostCaughtUp,
                raw::Promote::First => Promotion::First,
            },
            faults,
        }))
    }

    /// The service that stands for `database`'s nodes when services call it: one replica per
    /// node, `workers` workers each, `service_time` per call, no calls of its own. The
    /// database routes each call itself (`DatabaseOp`), so its balancer is never asked.
    pub(super) fn database_service(
        &self,
        database: &raw::Database,
    ) -> Result<ServiceConfig, ScenarioError> {
        let path = Path::root().key("database");
        let workers = self.count(
            &path.key("workers"),
            database.workers,
            1..=super::UNITS_MAX,
            (
                "a node needs a worker to serve calls",
                "workers are simulated one by one; the cap turns a typo into this error",
            ),
        )?;
        Ok(ServiceConfig {
            name: database.name.clone(),
            // Validated as `followers` by `database`; clamped here so that a bad count gets
            // that error, not a huge service.
            replicas: database.followers.0.clamp(1, i128::from(FOLLOWERS_MAX)) as u32 + 1,
            workers: workers as u32,
            queue_capacity: 10_000,
            balancer: Balancer::RoundRobin,
            policies: ServicePolicies::NONE,
            service_time: self.distribution(&path.key("service_time"), &database.service_time)?,
            calls: Vec::new(),
            classes: ServiceClasses::NONE,
        })
    }

    /// A call names the database iff it has an `op`; a database that services call is async.
    pub(super) fn operations(
        &self,
        raw: &raw::Scenario,
        callee: Option<&raw::Database>,
    ) -> Result<(), ScenarioError> {
        for (i, service) in raw.services.iter().enumerate() {
            let path = Path::root().key("services").element(i, Some(&service.name));
            for (j, call) in service.calls.iter().enumerate() {
                let at = path.key("calls").element(j, Some(&call.service));
                let to_database = callee.is_some_and(|d| d.name == call.service);
                let to_queue = raw.queues.iter().any(|q| q.name == call.service);
                match (to_queue, call.op) {
                    (true, Some(raw::Op::Publish)) => continue,
                    (true, _) => {
                        return Err(self.bad(
                            &at.key("op"),
                            "must be \"publish\" for a call to a message queue",
                            call.op.map_or("absent".to_string(), |op| {
                                format!("{op:?}").to_lowercase()
                            }),
                            "write \"op\": \"publish\": a call to a queue publishes one message",
                        ))
                    }
                    (false, Some(raw::Op::Publish)) => {
                        return Err(self.bad(
                            &at.key("op"),
                            "is \"publish\", which is only for calls to a message queue",
                            quoted(&call.service),
                            "name a queue of `queues` in `service`, or remove `op`",
                        ))
                    }
                    _ => {}
                }
                let to_store = raw.quorum.as_ref().is_some_and(|q| q.name == call.service);
                match (to_database || to_store, call.op) {
                    (true, None) if to_store => {
                        return Err(self.bad(
                            &at.key("op"),
                            "is required for a call to the quorum store",
                            "absent",
                            "say what the call asks: \"op\": \"read\" (from R replicas) or \"op\": \"write\" (to W replicas)",
                        ))
                    }
                    (true, None) => {
                        return Err(self.bad(
                            &at.key("op"),
                            "is required for a call to the database",
                            "absent",
                            "say what the call asks: \"op\": \"read\" (routed per `read_from`) or \"op\": \"write\" (to the leader)",
                        ))
                    }
                    (false, Some(_)) => {
                        return Err(self.bad(
                            &at.key("op"),
                            "is only for calls to the database or the quorum store",
                            quoted(&call.service),
                            "remove `op`: a service call asks the service for its whole work",
                        ))
                    }
                    _ => {}
                }
            }
        }
        if let Some(database) = callee {
            if database.replication == raw::Replication::SemiSync {
                return Err(self.bad(
                    &Path::root().key("database").key("replication"),
                    "must be \"async\" when services call the database",
                    "\"semi_sync\"",
                    "a call's write is acknowledged at commit; semi-sync acknowledgement of calls is not modelled yet, so use \"async\" or give the database its own `writes` instead of calls",
                ));
            }
        }
        Ok(())
    }

    fn database_arrival(&self, path: &Path, raw: &raw::Arrival) -> Result<Arrival, ScenarioError> {
        let rate_per_s = raw.rate_per_s;
        if !(rate_per_s > 0.0 && rate_per_s <= RATE_PER_S_MAX) {
            return Err(self.bad(
                &path.key("rate_per_s"),
                "must be greater than 0 and at most 1e9",
                rate_per_s,
                "it is operations per second; above one per nanosecond (virtual time's resolution) they would coincide",
            ));
        }
        Ok(match raw.kind {
            raw::ArrivalKind::Poisson => Arrival::Poisson { rate_per_s },
            raw::ArrivalKind::Constant => Arrival::Constant { rate_per_s },
        })
    }

    fn database_fault(
        &self,
        path: &Path,
        raw: &raw::Fault,
        nodes: &Nodes<'_>,
        duration: SimDuration,
        position: usize,
    ) -> Result<DatabaseFault, ScenarioError> {
        use raw::FaultKind as K;
        let (kind, allowed): (&str, &[&str]) = match raw.kind {
            K::Crash => ("crash", &["target"]),
            K::ReplicaLoss => ("replica_loss", &["target"]),
            K::Slowdown => ("slowdown", &["target", "factor"]),
            K::Latency => ("latency", &["target", "add"]),
            K::Partition => ("partition", &["groups", "one_way"]),
            other => {
                return Err(self.bad(
                    &path.key("kind"),
                    format!("does not apply to the database `{}`", nodes.name),
                    quoted(kind_name(other)),
                    format!("a database node takes {KINDS}; the other kinds act on requests between clients and services, which never reach the database"),
                ))
            }
        };
        self.database_parameters(path, raw, kind, allowed)?;
        let instant = matches!(raw.kind, K::ReplicaLoss).then_some(
            "`replica_loss` happens at an instant and lasts to the end; remove `for`, or use `crash` for a node that restarts",
        );
        let (start, end) = self.window(path, raw, "replica_loss", instant, duration)?;
        let target = || -> Result<Option<u32>, ScenarioError> {
            let text = self.required(path, "target", &raw.target)?;
            self.database_node(&path.key("target"), text, nodes)
        };
        let kind = match raw.kind {
            K::Crash | K::ReplicaLoss => DatabaseFaultKind::Crash { node: target()? },
            K::Slowdown => {
                let factor = *self.required(path, "factor", &raw.factor)?;
                if !(factor > 0.0 && factor <= 1e6) {
                    return Err(self.bad(
                        &path.key("factor"),
                        "must be greater than 0 and at most 1e6",
                        factor,
                        "it multiplies the replication lag: 5 means five times",
                    ));
                }
                DatabaseFaultKind::Slowdown {
                    node: target()?,
                    factor,
                }
            }
            K::Latency => DatabaseFaultKind::Latency {
                node: target()?,
                add: self.positive_duration(
                    &path.key("add"),
                    self.required(path, "add", &raw.add)?,
                    "it is the lag added to each entry shipped, e.g. \"500ms\"",
                )?,
            },
            _ => self.database_partition(path, raw, nodes)?,
        };
        Ok(DatabaseFault {
            kind,
            start,
            end,
            position,
        })
    }

    /// Refuses parameters that a database fault of this kind does not take.
    fn database_parameters(
        &self,
        path: &Path,
        raw: &raw::Fault,
        kind: &str,
        allowed: &[&str],
    ) -> Result<(), ScenarioError> {
        let present = [
            ("target", raw.target.is_some()),
            ("client", raw.client.is_some()),
            ("factor", raw.factor.is_some()),
            ("fraction", raw.fraction.is_some()),
            ("add", raw.add.is_some()),
            ("by", raw.by.is_some()),
            ("drift_ppm", raw.drift_ppm.is_some()),
            ("while_down", raw.while_down.is_some()),
            ("mode", raw.mode.is_some()),
            ("groups", raw.groups.is_some()),
            ("one_way", raw.one_way.is_some()),
            ("between", raw.between.is_some()),
            ("period", raw.period.is_some()),
            ("down", raw.down.is_some()),
            ("peak", raw.peak.is_some()),
        ];
        match present
            .iter()
            .find(|(field, given)| *given && !allowed.contains(field))
        {
            Some((field, _)) => Err(self.not_a_parameter(
                &path.key(field),
                "a value",
                &format!("`{kind}` on a database node (reads and writes go only to live, connected nodes, so how messages fail does not matter)"),
                allowed,
            )),
            None => Ok(()),
        }
    }

    fn database_partition(
        &self,
        path: &Path,
        raw: &raw::Fault,
        nodes: &Nodes<'_>,
    ) -> Result<DatabaseFaultKind, ScenarioError> {
        let groups = self.required(path, "groups", &raw.groups)?;
        if groups.len() != 2 || groups.iter().any(Vec::is_empty) {
            return Err(self.bad(
                &path.key("groups"),
                "must be two non-empty lists of database nodes",
                format!("{} group(s)", groups.len()),
                format!(
                    "write e.g. [[\"{0}[0]\"], [\"{0}[1]\", \"{0}[2]\"]]",
                    nodes.name
                ),
            ));
        }
        let mut sides: [Vec<u32>; 2] = [Vec::new(), Vec::new()];
        for (i, group) in groups.iter().enumerate() {
            for (j, name) in group.iter().enumerate() {
                let at = path.key("groups").element(i, None).element(j, None);
                if nodes.others.position(base_name(name)).is_some() {
                    return Err(self.bad(
                        &at,
                        format!(
                            "must name a node of the database `{}` like the rest of this partition",
                            nodes.name
                        ),
                        quoted(name),
                        "the database replicates only among its own nodes and no client or service talks to it, so a partition splits one or the other",
                    ));
                }
                match self.database_node(&at, name, nodes)? {
                    Some(node) => sides[i].push(node),
                    None => sides[i].extend(0..nodes.count),
                }
            }
        }
        if let Some(node) = sides[0].iter().find(|n| sides[1].contains(n)) {
            return Err(self.bad(
                &path.key("groups"),
                "must not share a node between the two sides",
                format!("{}[{node}]", nodes.name),
                "a node cannot be partitioned from itself; list each node on one side only",
            ));
        }
        let [from, to] = sides;
        Ok(DatabaseFaultKind::Partition {
            from,
            to,
            one_way: raw.one_way.unwrap_or(false),
        })
    }

    /// Resolves `"db"` (every node, `None`) or `"db[1]"` (one node).
    fn database_node(
        &self,
        path: &Path,
        text: &str,
        nodes: &Nodes<'_>,
    ) -> Result<Option<u32>, ScenarioError> {
        let name = nodes.name;
        if base_name(text) != name {
            let mut candidates: Vec<&str> = nodes.others.to_vec();
            candidates.push(name);
            let hint = match nearest(base_name(text), &candidates) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!(
                    "the database's nodes are `{name}[0]` to `{name}[{}]`, or `{name}` for all of them",
                    nodes.count - 1
                ),
            };
            return Err(self.bad(
                path,
                "names no database node, service or client",
                quoted(text),
                hint,
            ));
        }
        let rest = &text[name.len()..];
        if rest.is_empty() {
            return Ok(None);
        }
        let index = rest.strip_prefix('[').and_then(|i| i.strip_suffix(']'));
        match index.and_then(|i| i.parse::<u32>().ok()) {
            Some(node) if node < nodes.count => Ok(Some(node)),
            Some(node) => Err(self.bad(
                path,
                format!(
                    "names node {node}, but `{name}` has {} nodes, `{name}[0]` to `{name}[{}]`",
                    nodes.count,
                    nodes.count - 1
                ),
                quoted(text),
                format!("nodes are numbered from 0, and there is one more than `followers`: `{name}[0]` is the first leader"),
            )),
            None => Err(self.bad(
                path,
                format!("is neither `{name}` nor one of its nodes `{name}[i]`"),
                quoted(text),
                format!(
                    "write `{name}[0]` for the first node of `{name}`, or `{name}` for all of them"
                ),
            )),
        }
    }
}

/// What a database fault's names are resolved against.
struct Nodes<'a> {
    /// The database's name.
    name: &'a str,
    /// Its number of nodes.
    count: u32,
    /// Every client, service and election name (for suggestions).
    others: &'a NameList<'a>,
}

/// The name a target starts with: `"db"` of `"db[1]"` and of `"db"`, `"election"` of
/// `"election.store"` (names never contain `[` or `.`).
fn base_name(text: &str) -> &str {
    text.split(['[', '.']).next().unwrap_or(text)
}

fn kind_name(kind: raw::FaultKind) -> &'static str {
    use raw::FaultKind as K;
    match kind {
        K::Slowdown => "slowdown",
        K::ErrorBurst => "error_burst",
        K::Garbage => "garbage",
        K::Brownout => "brownout",
        K::Crash => "crash",
        K::ReplicaLoss => "replica_loss",
        K::Partition => "partition",
        K::BlackHole => "black_hole",
        K::Refuse => "refuse",
        K::Latency => "latency",
        K::FlappingLink => "flapping_link",
        K::LoadSpike => "load_spike",
        K::ClockJump => "clock_jump",
        K::DriftChange => "drift_change",
        K::Pause => "pause",
    }
}
