//! Turns a `raw::Scenario` into a validated `Scenario`: the only way one is built.
//!
//! It parses durations, checks every range and rule, resolves names to `ClientId` and
//! `ServiceId`, builds `sim_core::Distribution`s through their checked constructors, and
//! pushes each SLO's threshold into its client's `latency_marks`. It owns the rules (listed
//! on each check, with the reason for every bound); it does not own defaults (`raw` does)
//! or dotted paths (`overrides` does).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Display;
use std::ops::{Deref, RangeInclusive};

use models::{
    Backoff, CallConfig, ClassId, ClientConfig, ClientId, Jitter, RetryPolicy, ServiceConfig,
    ServiceId, WorldConfig,
};
use sim_core::{Bytes, BytesError, DurationError, Limits, Probability, SimDuration};

use crate::error::{nearest, quoted, Path, Referent, ScenarioError};
use crate::name::name_problem;
use crate::raw;
use crate::{Files, Scenario, ScenarioFile, Slo};
use part_name::Part;

/// Where the scenario came from, for reading the files it names: its plain origin (without
/// the variant and `--set` notes of the one in messages) and the source to ask.
#[derive(Clone, Copy)]
pub(crate) struct Source<'a> {
    pub(crate) origin: &'a str,
    pub(crate) files: &'a Files,
}

/// Validates `raw` into a `Scenario`; errors name `origin` and the JSON path.
pub(crate) fn scenario(
    raw: raw::Scenario,
    origin: &str,
    source: Source<'_>,
    variant: Option<String>,
    variants: Vec<String>,
) -> Result<Scenario, ScenarioError> {
    let check = Checker {
        origin,
        source,
        read: RefCell::new(Vec::new()),
    };
    let root = Path::root();
    check.name(&root.key("name"), &raw.name)?;
    let (world, slos) = check.world(&raw)?;
    let prices = check.cost(&root.key("cost"), raw.cost.as_ref())?;
    let warnings = check.warnings(&raw, &world)?;
    Ok(Scenario {
        name: raw.name,
        description: raw.description,
        world,
        slos,
        prices,
        variant,
        variants,
        warnings,
        as_written: None,
        files: check.read.into_inner(),
    })
}

const NAME_HINT: &str =
    "names appear in dotted paths such as `clients.NAME.timeout`, so they use letters, digits, `-` and `_`; a number would read as an index";

/// Most replicas or workers per replica. Each is state the engine allocates up front; the
/// bound turns a typo such as `1e9` into an error instead of an out-of-memory crash, and is
/// far above any design this simulator is meant to compare.
const UNITS_MAX: u64 = 100_000;

const TYPO_GUARD: &str =
    "the cap turns a typo such as 1e9 into this error instead of an out-of-memory crash";

/// Most waiting requests per replica: the default pending-event guard (10^7) would trip
/// before a longer queue could fill, and queue memory stays bounded.
const QUEUE_CAPACITY_MAX: u64 = 10_000_000;

/// Widest fan-out: each request of a fan-out is an event stream of its own.
const FANOUT_MAX: u64 = 10_000;

/// Most attempts per request: every retry loop needs a bound, and past 100 attempts a
/// blip becomes a storm, which the retry scenarios show with far fewer.
const ATTEMPTS_MAX: u64 = 100;

/// Highest arrival rate: one request per nanosecond, the resolution of virtual time.
const RATE_PER_S_MAX: f64 = 1e9;

/// Names (of services, clients, zones or callers) in file order, with an index: each
/// reference is resolved in O(log n), so a file with a million clients or faults validates in
/// linear time (it took minutes when each lookup scanned the list; issue #17). It reads as
/// the slice of names.
pub(crate) struct NameList<'n> {
    names: Vec<&'n str>,
    /// Each name's first position.
    index: BTreeMap<&'n str, usize>,
}

impl<'n> NameList<'n> {
    /// The names in order.
    pub(crate) fn new(names: impl IntoIterator<Item = &'n str>) -> NameList<'n> {
        let names: Vec<&str> = names.into_iter().collect();
        let mut index = BTreeMap::new();
        for (i, name) in names.iter().enumerate() {
            index.entry(*name).or_insert(i);
        }
        NameList { names, index }
    }

    /// Where `name` first appears.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

impl<'n> Deref for NameList<'n> {
    type Target = [&'n str];

    fn deref(&self) -> &[&'n str] {
        &self.names
    }
}

/// Runs the checks for one scenario; holds what every message needs, and the files read.
struct Checker<'a> {
    origin: &'a str,
    source: Source<'a>,
    /// Every file read so far, so that a file named twice is read once and listed once.
    read: RefCell<Vec<ScenarioFile>>,
}

impl Checker<'_> {
    fn world(&self, raw: &raw::Scenario) -> Result<(WorldConfig, Vec<Slo>), ScenarioError> {
        let root = Path::root();
        let duration = self.duration(&root.key("duration"), &raw.duration)?;
        if duration == SimDuration::ZERO {
            return Err(self.bad(
                &root.key("duration"),
                "must be longer than 0s",
                duration,
                "a run needs some virtual time, e.g. \"60s\"",
            ));
        }
        if duration > SimDuration::RUN_MAX {
            return Err(self.bad(
                &root.key("duration"),
                "must be at most 30 days (\"720h\")",
                quoted(&raw.duration.0),
                "every run keeps a row per simulated second for each client and service; simulate a representative day, or scale rates and times down, rather than a month",
            ));
        }
        let warmup = self.duration(&root.key("warmup"), &raw.warmup)?;
        if warmup >= duration {
            return Err(self.bad(
                &root.key("warmup"),
                format!("must be shorter than `duration` ({duration})"),
                warmup,
                "the warm-up is excluded from every metric, so nothing would be measured; shorten it or lengthen the run",
            ));
        }
        // A quorum store stands in the world as one more service, after the scenario's own.
        let extended = self.with_store(raw)?;
        let written = raw;
        let raw = extended.as_ref().unwrap_or(raw);
        self.names(raw)?;
        self.uncallable(raw)?;
        // A database that services call stands in the world as one more service, after the
        // scenario's own: its nodes are that service's replicas.
        let callee = raw.database.as_ref().filter(|d| {
            let calls = raw.services.iter().flat_map(|s| &s.calls);
            calls.clone().any(|c| c.service == d.name)
        });
        for (i, queue) in written.queues.iter().enumerate() {
            self.unique_part_name(Part::Queue(i), &queue.name, written)?;
        }
        // Each message queue stands in the world as one more service, after those.
        let service_names = NameList::new(
            raw.services
                .iter()
                .map(|s| s.name.as_str())
                .chain(callee.map(|d| d.name.as_str()))
                .chain(raw.queues.iter().map(|q| q.name.as_str())),
        );
        let client_names = NameList::new(raw.clients.iter().map(|c| c.name.as_str()));
        let services = raw
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                self.service(
                    &root.key("services").element(i, Some(&s.name)),
                    s,
                    &service_names,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut services = services;
        if let Some(database) = callee {
            services.push(self.database_service(database)?);
        }
        let own_names = NameList::new(raw.services.iter().map(|s| s.name.as_str()));
        let first_queue = services.len() as u32;
        let (queues, brokers) = self.queues(raw, first_queue, &service_names, &own_names)?;
        services.extend(brokers);
        let workflows = self.workflows(raw, &own_names, &mut services)?;
        self.outboxes(raw, callee, &queues, &mut services)?;
        self.operations(raw, callee)?;
        self.leader_only(raw)?;
        self.acyclic(&services)?;
        for (i, (service, raw_service)) in services.iter_mut().zip(&raw.services).enumerate() {
            let path = root.key("services").element(i, Some(&raw_service.name));
            let names = (&client_names, &service_names);
            service.classes = self.classes(&path, raw_service, names, service.queue_capacity)?;
        }
        let checked = raw
            .clients
            .iter()
            .enumerate()
            .map(|(i, c)| {
                self.client(
                    &root.key("clients").element(i, Some(&c.name)),
                    c,
                    (&service_names, &services),
                    duration,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut clients = Vec::with_capacity(checked.len());
        let mut next_class = 1u32;
        for (mut client, classes) in checked {
            for (class, checked) in client.classes.iter_mut().zip(classes) {
                // At most 100 classes per client, and a world's ids are u16: refuse more.
                class.id = ClassId(u16::try_from(next_class).map_err(|_| {
                    self.bad(
                        &root.key("clients"),
                        "must have at most 65535 request classes in all",
                        next_class,
                        "merge classes that cost the same",
                    )
                })?);
                next_class += 1;
                for (service, service_time) in checked.service_times {
                    let label = format!("{}/{}", client.name, class.name);
                    let times = &mut services[service.0 as usize].classes.service_times;
                    times.push(models::ClassServiceTime {
                        class: class.id,
                        label,
                        service_time,
                    });
                }
            }
            clients.push(client);
        }
        let replicas: Vec<u32> = services.iter().map(|s| s.replicas).collect();
        let names = fault::Names {
            services: &raw.services,
            replicas: &replicas,
            service_names: &service_names,
            clients: &client_names,
            election: raw.election.as_ref().map(|e| e.name.as_str()),
        };
        let network = self.network(&root.key("network"), &raw.network, &names)?;
        let owner = database::Owner::new(raw);
        let faults = raw
            .faults
            .iter()
            .enumerate()
            .filter(|(_, f)| !owner.owns(f))
            .filter(|(_, f)| !election::claims_fault(raw.election.as_ref(), f))
            .map(|(i, f)| self.faults(&root.key("faults").element(i, None), f, &names, duration, i))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
        let mut database = self.database(raw, duration)?;
        if let (Some(database), Some(_)) = (database.as_mut(), callee) {
            database.service = Some(ServiceId(raw.services.len() as u32));
        }
        let election = self.election(raw, duration)?;
        let random_faults = match &raw.random_faults {
            Some(recipe) => {
                let others = random::Others {
                    election: election.as_ref(),
                    database: database.as_ref(),
                };
                let path = root.key("random_faults");
                Some(self.random_faults(&path, recipe, &names, &others, duration)?)
            }
            None => None,
        };
        let clocks = raw
            .clocks
            .iter()
            .enumerate()
            .filter(|(_, c)| !election::claims_clock(raw.election.as_ref(), c))
            .map(|(i, c)| self.clock(&root.key("clocks").element(i, None), c, &names))
            .collect::<Result<Vec<_>, _>>()?;
        let mut slos = Vec::with_capacity(raw.slo.len());
        for (i, slo) in raw.slo.iter().enumerate() {
            let slo = self.slo(
                &root.key("slo").element(i, None),
                slo,
                &client_names,
                &clients,
            )?;
            let client = &mut clients[slo.client.0 as usize];
            let marks = match &slo.class {
                None => &mut client.latency_marks,
                Some(name) => {
                    let class = client.classes.iter_mut().find(|c| &c.name == name);
                    &mut class.expect("an SLO's class is validated").latency_marks
                }
            };
            marks.push(slo.latency_below);
            marks.sort_unstable();
            marks.dedup();
            slos.push(slo);
        }
        self.spikes_apply(raw, &clients)?;
        let limits = self.limits(&root.key("limits"), &raw.limits)?;
        let deployments = self.deployments(raw, duration)?;
        let world = WorldConfig {
            duration,
            warmup,
            clients,
            services,
            network,
            limits,
            faults,
            clocks,
            random_faults,
            database,
            election,
            queues,
            quorum: self.quorum(raw)?,
            deployments,
            workflows,
        };
        self.within_limits(&world)?;
        Ok((world, slos))
    }

    /// Checks every name and that clients and services share one namespace without clashes.
    fn names(&self, raw: &raw::Scenario) -> Result<(), ScenarioError> {
        let root = Path::root();
        // A database runs on its own, so a scenario may consist of one.
        if raw.clients.is_empty() && raw.database.is_none() {
            return Err(self.bad(
                &root.key("clients"),
                "must list at least one client",
                "[]",
                "without clients no request is ever sent",
            ));
        }
        if raw.services.is_empty() && raw.database.is_none() {
            return Err(self.bad(
                &root.key("services"),
                "must list at least one service",
                "[]",
                "every client needs a service to call",
            ));
        }
        // Each name's first use, by position in clients-then-services: a map, so a million
        // names are checked in O(n log n), not by comparing each with every earlier one.
        let list = |i: usize| match i.checked_sub(raw.clients.len()) {
            None => root.key("clients").element(i, None),
            Some(s) => root.key("services").element(s, None),
        };
        let names = raw
            .clients
            .iter()
            .map(|c| &c.name)
            .chain(raw.services.iter().map(|s| &s.name));
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, name) in names.enumerate() {
            let path_name = list(i).key("name");
            self.name(&path_name, name)?;
            if let Some(&first) = seen.get(name.as_str()) {
                return Err(ScenarioError::DuplicateName {
                    origin: self.origin.to_string(),
                    path: path_name.text(),
                    name: name.clone(),
                    first: list(first).text(),
                });
            }
            seen.insert(name, i);
        }
        Ok(())
    }

    fn name(&self, path: &Path, name: &str) -> Result<(), ScenarioError> {
        match name_problem(name) {
            Some(rule) => Err(self.bad(path, rule, quoted(name), NAME_HINT)),
            None => Ok(()),
        }
    }

    /// A client target that names the database or the election, or a call that names the
    /// election, gets its own error ("no service named" would leave the user to guess):
    /// clients call services, services call the database with an `op`, and nothing calls
    /// the election yet.
    fn uncallable(&self, raw: &raw::Scenario) -> Result<(), ScenarioError> {
        let database = raw.database.as_ref().map(|d| d.name.as_str());
        let election = raw.election.as_ref().map(|e| e.name.as_str());
        let is_service = |name: &str| raw.services.iter().any(|s| s.name == name);
        let check = |path: Path, name: &str, client: bool| -> Result<(), ScenarioError> {
            if is_service(name) {
                return Ok(());
            }
            let (what, hint) = if Some(name) == election {
                (
                    "the lease election, which clients and services cannot call yet",
                    "the election runs on its own writes (`election.writes`); target a service here",
                )
            } else if client && Some(name) == database {
                (
                    "the database, which clients cannot call",
                    "clients call services: let a service call the database, with `\"calls\": [{\"service\": \"NAME\", \"op\": \"read\"}]` (or \"write\")",
                )
            } else {
                return Ok(());
            };
            Err(self.bad(&path, format!("names {what}"), quoted(name), hint))
        };
        let root = Path::root();
        for (i, client) in raw.clients.iter().enumerate() {
            let path = root.key("clients").element(i, Some(&client.name));
            check(path.key("target"), &client.target, true)?;
        }
        for (i, service) in raw.services.iter().enumerate() {
            let path = root.key("services").element(i, Some(&service.name));
            for (j, call) in service.calls.iter().enumerate() {
                let at = path.key("calls").element(j, Some(&call.service));
                check(at.key("service"), &call.service, false)?;
            }
        }
        Ok(())
    }

    fn service(
        &self,
        path: &Path,
        raw: &raw::Service,
        services: &NameList<'_>,
    ) -> Result<ServiceConfig, ScenarioError> {
        let replicas = self.count(
            &path.key("replicas"),
            raw.replicas,
            1..=UNITS_MAX,
            ("a service needs at least one replica", TYPO_GUARD),
        )?;
        let workers = self.count(
            &path.key("workers"),
            raw.workers,
            1..=UNITS_MAX,
            ("a replica with no workers never serves", TYPO_GUARD),
        )?;
        let queue_capacity = self.count(
            &path.key("queue").key("capacity"),
            raw.queue.capacity,
            0..=QUEUE_CAPACITY_MAX,
            (
                "use 0 for no waiting room (requests beyond the busy workers are rejected)",
                "a longer queue would trip the pending-events guard before it filled",
            ),
        )?;
        self.zones(&path.key("zones"), &raw.zones)?;
        let balancer = self.balancer(raw.balancer);
        let mut policies = self.policies(path, raw)?;
        policies.autoscale = self.autoscale(path, raw)?;
        Ok(ServiceConfig {
            name: raw.name.clone(),
            // Counts were range-checked above, so they fit in u32. An autoscaled service
            // has `max_replicas` allocated, those beyond `replicas` off at the start.
            replicas: policies
                .autoscale
                .map_or(replicas as u32, |a| a.max_replicas),
            workers: workers as u32,
            queue_capacity: queue_capacity as u32,
            balancer,
            policies,
            service_time: self.distribution(&path.key("service_time"), &raw.service_time)?,
            calls: raw
                .calls
                .iter()
                .enumerate()
                .map(|(i, call)| {
                    self.call(
                        &path.key("calls").element(i, Some(&call.service)),
                        call,
                        services,
                    )
                })
                .collect::<Result<Vec<_>, _>>()?,
            // Filled in by `world`, which knows the clients' names.
            classes: models::ServiceClasses::NONE,
        })
    }

    fn call(
        &self,
        path: &Path,
        raw: &raw::Call,
        services: &NameList<'_>,
    ) -> Result<CallConfig, ScenarioError> {
        let target = self.reference(
            &path.key("service"),
            &raw.service,
            Referent::Service,
            services,
        )?;
        let timeout = self.timeout(path, &raw.timeout)?;
        let retry = match &raw.retry {
            None => RetryPolicy::NONE,
            Some(retry) => self.retry(&path.key("retry"), retry)?,
        };
        let guards = self.guards(
            path,
            raw.retry.as_ref(),
            raw.circuit_breaker.as_ref(),
            raw.throttle.as_ref(),
            raw.hedge.as_ref(),
            raw.bulkhead.as_ref(),
        )?;
        let fanout = self.count(
            &path.key("fanout"),
            raw.fanout,
            1..=FANOUT_MAX,
            (
                "a call sends at least one request",
                "a wider fan-out would be its own scenario",
            ),
        )? as u32;
        let needed = self.wait_for(&path.key("wait_for"), raw.wait_for.as_ref(), fanout)?;
        let cache = self.cache(&path.key("cache"), raw.cache.as_ref(), fanout)?;
        Ok(CallConfig {
            target: ServiceId(target),
            op: raw.op.and_then(|op| match op {
                raw::Op::Read => Some(models::DatabaseOp::Read),
                raw::Op::Write => Some(models::DatabaseOp::Write),
                // A queue's service takes only publishes: it needs no operation.
                raw::Op::Publish => None,
            }),
            timeout,
            retry,
            guards,
            fanout,
            needed,
            optional: raw.optional,
            cache,
        })
    }

    /// How many of a fan-out's requests must succeed: `"all"` (the default), `"any"`, or k.
    fn wait_for(
        &self,
        path: &Path,
        raw: Option<&serde_json::Value>,
        fanout: u32,
    ) -> Result<u32, ScenarioError> {
        let hint = "write \"all\", \"any\", or a quorum such as 2";
        match raw {
            None => Ok(fanout),
            Some(serde_json::Value::String(text)) if text == "all" => Ok(fanout),
            Some(serde_json::Value::String(text)) if text == "any" => Ok(1),
            Some(serde_json::Value::Number(n)) => match n.as_u64() {
                Some(k) if k >= 1 && k <= u64::from(fanout) => Ok(k as u32),
                _ => Err(self.bad(
                    path,
                    format!("must be a quorum from 1 to the fan-out ({fanout})"),
                    n,
                    hint,
                )),
            },
            Some(other) => Err(self.bad(path, "is not a way to wait", other, hint)),
        }
    }

    /// Refuses call cycles: a worker holds its thread while it calls, so a cycle deadlocks
    /// (and its worst-case amplification is unbounded).
    fn acyclic(&self, services: &[ServiceConfig]) -> Result<(), ScenarioError> {
        let mut graph = petgraph::graph::DiGraph::<(), ()>::new();
        let nodes: Vec<_> = services.iter().map(|_| graph.add_node(())).collect();
        for (from, service) in services.iter().enumerate() {
            for call in &service.calls {
                graph.add_edge(nodes[from], nodes[call.target.0 as usize], ());
            }
        }
        match petgraph::algo::toposort(&graph, None) {
            Ok(_) => Ok(()),
            Err(cycle) => {
                let index = cycle.node_id().index();
                let name = &services[index].name;
                Err(self.bad(
                    &Path::root().key("services").element(index, Some(name)).key("calls"),
                    "form a cycle of calls",
                    quoted(name),
                    "a worker holds its thread while it calls, so a cycle would deadlock; break the cycle",
                ))
            }
        }
    }

    fn timeout(
        &self,
        path: &Path,
        raw: &Option<raw::Duration>,
    ) -> Result<Option<SimDuration>, ScenarioError> {
        match raw {
            None => Ok(None),
            Some(text) => Ok(Some(self.positive_duration(
                &path.key("timeout"),
                text,
                "remove `timeout` to wait forever",
            )?)),
        }
    }

    /// A client, and each of its request classes' own service times.
    fn client(
        &self,
        path: &Path,
        raw: &raw::Client,
        (service_names, services): (&NameList<'_>, &[ServiceConfig]),
        duration: SimDuration,
    ) -> Result<(ClientConfig, Vec<arrival::CheckedClass>), ScenarioError> {
        let target = self.reference(
            &path.key("target"),
            &raw.target,
            Referent::Service,
            service_names,
        )?;
        let count = self.group_count(path, raw)?;
        let class_names: Vec<&str> = raw.classes.iter().map(|c| c.name.as_str()).collect();
        let arrival = self.load(path, &raw.arrival, count, &class_names, duration)?;
        let traced = matches!(&arrival, models::Load::Trace(t) if !t.classes.is_empty());
        let reached = arrival::reached(services, ServiceId(target));
        let classes =
            self.request_classes(path, &raw.classes, traced, (service_names, &reached))?;
        let timeout = self.timeout(path, &raw.timeout)?;
        let retry = match &raw.retry {
            None => RetryPolicy::NONE,
            Some(retry) => self.retry(&path.key("retry"), retry)?,
        };
        let config = ClientConfig {
            name: raw.name.clone(),
            target: ServiceId(target),
            arrival,
            count,
            classes: classes.iter().map(|c| c.class.clone()).collect(),
            report_members: raw.report_members,
            timeout,
            retry,
            guards: self.guards(
                path,
                raw.retry.as_ref(),
                raw.circuit_breaker.as_ref(),
                raw.throttle.as_ref(),
                raw.hedge.as_ref(),
                raw.bulkhead.as_ref(),
            )?,
            deadline: self.deadline(&path.key("deadline"), raw.deadline.as_ref())?,
            latency_marks: Vec::new(),
            cache: self.cache(&path.key("cache"), raw.cache.as_ref(), 1)?,
            priority: self.priority(raw.priority),
        };
        Ok((config, classes))
    }

    /// Refuses a load spike on a client whose load it cannot multiply: a closed loop (whose
    /// rate comes from its users) or a trace (whose times are given).
    fn spikes_apply(
        &self,
        raw: &raw::Scenario,
        clients: &[ClientConfig],
    ) -> Result<(), ScenarioError> {
        for (i, fault) in raw.faults.iter().enumerate() {
            let (raw::FaultKind::LoadSpike, Some(name)) = (fault.kind, &fault.client) else {
                continue;
            };
            let Some(client) = clients.iter().find(|c| &c.name == name) else {
                continue;
            };
            let what = match client.arrival {
                models::Load::Closed { .. } => "a closed loop's rate comes from its users",
                models::Load::Trace(_) => "a trace's times are given",
                _ => continue,
            };
            return Err(self.bad(
                &Path::root().key("faults").element(i, None).key("client"),
                "names a client whose load a spike cannot multiply",
                quoted(name),
                format!("{what}; add users or a second client for the extra load, or speed the trace up"),
            ));
        }
        Ok(())
    }

    fn retry(&self, path: &Path, raw: &raw::Retry) -> Result<RetryPolicy, ScenarioError> {
        let max_attempts = self.count(
            &path.key("max_attempts"),
            raw.max_attempts,
            1..=ATTEMPTS_MAX,
            (
                "it counts the first attempt too (1 = never retry); remove `retry` to turn retries off",
                "every retry loop needs a bound, and past 100 attempts a blip becomes a storm",
            ),
        )?;
        let jitter = match raw.jitter {
            raw::Jitter::None => Jitter::None,
            raw::Jitter::Full => Jitter::Full,
            raw::Jitter::Equal => Jitter::Equal,
            raw::Jitter::Decorrelated => Jitter::Decorrelated,
        };
        let backoff = self.backoff(&path.key("backoff"), &raw.backoff)?;
        Ok(RetryPolicy {
            max_attempts: max_attempts as u32,
            backoff,
            jitter,
        })
    }

    fn backoff(&self, path: &Path, raw: &raw::Backoff) -> Result<Backoff, ScenarioError> {
        let (kind, allowed): (&str, &[&str]) = match raw.kind {
            raw::BackoffKind::None => ("none", &[]),
            raw::BackoffKind::Constant => ("constant", &["delay"]),
            raw::BackoffKind::Exponential => ("exponential", &["base", "cap"]),
        };
        let given = [
            ("delay", &raw.delay),
            ("base", &raw.base),
            ("cap", &raw.cap),
        ];
        for (field, value) in given {
            if let (Some(value), false) = (value, allowed.contains(&field)) {
                return Err(self.not_a_parameter(
                    &path.key(field),
                    quoted(&value.0),
                    &format!("the `{kind}` backoff"),
                    allowed,
                ));
            }
        }
        match raw.kind {
            raw::BackoffKind::None => Ok(Backoff::None),
            raw::BackoffKind::Constant => {
                let delay = self.required(path, "delay", &raw.delay)?;
                Ok(Backoff::Constant {
                    delay: self.duration(&path.key("delay"), delay)?,
                })
            }
            raw::BackoffKind::Exponential => {
                let base = self.required(path, "base", &raw.base)?;
                let base = self.positive_duration(
                    &path.key("base"),
                    base,
                    "use {\"kind\": \"none\"} to retry at once",
                )?;
                let cap = match &raw.cap {
                    // Envoy's rule: the largest interval defaults to ten times the base.
                    None => base.saturating_mul(10),
                    Some(cap) => self.duration(&path.key("cap"), cap)?,
                };
                if cap < base {
                    return Err(self.bad(
                        &path.key("cap"),
                        format!("must be at least `base` ({base})"),
                        cap,
                        "the cap bounds the doubling delay from above",
                    ));
                }
                Ok(Backoff::Exponential { base, cap })
            }
        }
    }

    fn slo(
        &self,
        path: &Path,
        raw: &raw::Slo,
        clients: &NameList<'_>,
        configs: &[ClientConfig],
    ) -> Result<Slo, ScenarioError> {
        let client = self.reference(&path.key("client"), &raw.client, Referent::Client, clients)?;
        if let Some(class) = &raw.class {
            let names = NameList::new(
                configs[client as usize]
                    .classes
                    .iter()
                    .map(|c| c.name.as_str()),
            );
            self.reference(&path.key("class"), class, Referent::Class, &names)?;
        }
        let latency_below = self.positive_duration(
            &path.key("latency_below"),
            &raw.latency_below,
            "it is the latency a good request stays under, e.g. \"300ms\"",
        )?;
        let target = match Probability::new(raw.target) {
            Some(p) if p.get() > 0.0 => p.get(),
            _ => {
                return Err(self.bad(
                    &path.key("target"),
                    "must be greater than 0 and at most 1",
                    raw.target,
                    "it is the fraction of good requests required: write 0.999 for 99.9%",
                ))
            }
        };
        Ok(Slo {
            client: ClientId(client),
            client_name: raw.client.clone(),
            class: raw.class.clone(),
            latency_below,
            target,
        })
    }

    fn limits(&self, path: &Path, raw: &raw::Limits) -> Result<Limits, ScenarioError> {
        let hint =
            "a limit of 0 would stop every run at once; raise it or remove it for the default";
        let memory_path = path.key("memory_max");
        let memory_max = match &raw.memory_max {
            raw::Size::Bytes(count) => self.count(&memory_path, *count, 1..=u64::MAX, (hint, hint))?,
            raw::Size::Text(text) => match Bytes::parse(text) {
                Ok(Bytes(0)) => return Err(self.bad(&memory_path, "must be more than 0 bytes", quoted(text), hint)),
                Ok(Bytes(bytes)) => bytes,
                Err(error) => {
                    return Err(self.bad(
                        &memory_path,
                        "is not a size",
                        quoted(text),
                        match error {
                            BytesError::Invalid { .. } => "write a number and a unit, e.g. \"2GiB\", \"512MB\", or a number of bytes",
                            BytesError::TooLarge { .. } => "sizes must be below 16 EiB",
                        },
                    ))
                }
            },
        };
        Ok(Limits {
            memory_max,
            pending_events_max: self.count(
                &path.key("pending_events_max"),
                raw.pending_events_max,
                1..=u64::MAX,
                (hint, hint),
            )?,
            events_max: self.count(
                &path.key("events_max"),
                raw.events_max,
                1..=u64::MAX,
                (hint, hint),
            )?,
        })
    }

    /// Refuses a scenario that cannot run within its limits, by estimates made before the
    /// run (`models::budget`): its fixed memory (clients, services and series)
    /// beyond `limits.memory_max`, or its expected arrivals (each at least one event) beyond
    /// `limits.events_max`. The run's guards would stop it anyway, after a long wait or a
    /// large allocation; the estimate says why at once.
    fn within_limits(&self, world: &WorldConfig) -> Result<(), ScenarioError> {
        let limits = world.limits;
        let fixed = models::budget::Fixed::of(world);
        if fixed.total() > limits.memory_max {
            let (path, hint) = if fixed.mostly_series() {
                ("duration", "every run keeps up to about 2,000 rows of series for each client and service: shorten the run, or raise the limit if the machine has the memory (`--max-memory 16GiB`)")
            } else {
                ("clients", "each client and service holds its latency histograms: model fewer, larger clients or services, or raise the limit if the machine has the memory (`--max-memory 16GiB`)")
            };
            return Err(ScenarioError::BeyondLimit {
                origin: self.origin.to_string(),
                path,
                limit: "limits.memory_max",
                allowed: Bytes(limits.memory_max).to_string(),
                estimate: format!("the clients, services and series alone take {fixed}"),
                hint,
            });
        }
        let arrivals = models::budget::arrivals_expected(world);
        if arrivals > limits.events_max as f64 {
            return Err(ScenarioError::BeyondLimit {
                origin: self.origin.to_string(),
                path: "clients",
                limit: "limits.events_max",
                allowed: format!("{} events", limits.events_max),
                estimate: format!(
                    "the clients are expected to make about {arrivals:.3e} requests over {} (each rate × the duration), each at least one event",
                    world.duration
                ),
                hint: "lower the rates or shorten the run, or raise the limit (`--set limits.events_max=1e10`) and expect a long run",
            });
        }
        Ok(())
    }

    /// Resolves `name` among `names` (services or clients) to its index.
    fn reference(
        &self,
        path: &Path,
        name: &str,
        wanted: Referent,
        names: &NameList<'_>,
    ) -> Result<u32, ScenarioError> {
        match names.position(name) {
            // Name lists come from a JSON array that validation bounded to u32 ids.
            Some(index) => u32::try_from(index).map_err(|_| {
                self.bad(
                    path,
                    "refers past the 4294967295th element",
                    index,
                    "split the scenario",
                )
            }),
            None => Err(ScenarioError::UnknownReference {
                origin: self.origin.to_string(),
                path: path.text(),
                wanted,
                name: name.to_string(),
                available: names.iter().map(|n| n.to_string()).collect(),
                suggestion: nearest(name, names).map(str::to_string),
            }),
        }
    }

    fn duration(&self, path: &Path, raw: &raw::Duration) -> Result<SimDuration, ScenarioError> {
        SimDuration::parse(&raw.0).map_err(|e| match e {
            DurationError::Invalid { reason, .. } => self.bad(
                path,
                format!("is not a duration ({reason})"),
                quoted(&raw.0),
                "write a number and a unit, e.g. \"250ms\", \"2s\", \"1m30s\", \"500us\"",
            ),
            DurationError::TooLong { .. } => self.bad(
                path,
                "is too long",
                quoted(&raw.0),
                "durations must be below 584 years (u64 nanoseconds)",
            ),
        })
    }

    fn positive_duration(
        &self,
        path: &Path,
        raw: &raw::Duration,
        hint: &str,
    ) -> Result<SimDuration, ScenarioError> {
        let duration = self.duration(path, raw)?;
        if duration == SimDuration::ZERO {
            return Err(self.bad(path, "must be longer than 0s", quoted(&raw.0), hint));
        }
        Ok(duration)
    }

    fn count(
        &self,
        path: &Path,
        raw: raw::Count,
        range: RangeInclusive<u64>,
        (hint_low, hint_high): (&str, &str),
    ) -> Result<u64, ScenarioError> {
        let (low, high) = (*range.start(), *range.end());
        if raw.0 < i128::from(low) {
            return Err(self.bad(path, format!("must be at least {low}"), raw.0, hint_low));
        }
        if raw.0 > i128::from(high) {
            return Err(self.bad(path, format!("must be at most {high}"), raw.0, hint_high));
        }
        // In range, hence within u64.
        Ok(raw.0 as u64)
    }

    fn required<'v, T>(
        &self,
        path: &Path,
        field: &str,
        value: &'v Option<T>,
    ) -> Result<&'v T, ScenarioError> {
        value.as_ref().ok_or_else(|| ScenarioError::MissingField {
            origin: self.origin.to_string(),
            path: path.text(),
            field: field.to_string(),
            position: None,
        })
    }

    fn not_a_parameter(
        &self,
        path: &Path,
        got: impl Display,
        family: &str,
        allowed: &[&str],
    ) -> ScenarioError {
        let takes = match allowed {
            [] => format!("{family} takes no parameters"),
            fields => format!(
                "{family} takes {}",
                fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.bad(path, format!("is not a parameter of {family}"), got, takes)
    }

    fn bad(
        &self,
        path: &Path,
        rule: impl Into<String>,
        got: impl Display,
        hint: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError::BadValue {
            origin: self.origin.to_string(),
            path: path.text(),
            rule: rule.into(),
            got: got.to_string(),
            hint: hint.into(),
        }
    }
}

mod arrival;
mod autoscale;
mod cache;
mod class;
mod cost;
mod database;
mod deploy;
mod distribution;
mod election;
mod fault;
mod guard;
mod idempotency;
mod message_queue;
mod outbox;
mod part_name;
mod policy;
mod quorum;
mod random;
mod warmup;
mod workflow;

#[cfg(test)]
mod tests;
