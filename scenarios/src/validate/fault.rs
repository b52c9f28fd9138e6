//! Validation of the failure model: `faults`, `network` (loss, duplication, links) and
//! `clocks`, resolving endpoint names (`"db"`, `"db[1]"`, a client's name) to ids.
//!
//! A zone target (`"zone:a"`, issue #3's correlated failures) names every replica placed in
//! zone `a` (replica i of a service with n `zones` is in zone i mod n). A crash, pause or
//! slowdown of a zone becomes one fault per replica in it (in service, then replica order),
//! with the same window; a zone in a partition's group stands for those replicas.

use models::{ClockSetting, Endpoint, Fault, FaultKind, Link, NetworkConfig, Target, Unreachable};
use sim_core::{Drift, Probability, SimDuration, SimTime};

use super::{Checker, NameList};
use crate::error::{nearest, quoted, Path, Referent, ScenarioError};
use crate::raw;

/// The names endpoints are resolved against.
pub(super) struct Names<'a> {
    pub(super) services: &'a [raw::Service],
    /// Every service's replicas, by `ServiceId`: the scenario's own, then those that stand
    /// for the database's nodes and for message queues' partitions.
    pub(super) replicas: &'a [u32],
    /// The services' names, indexed.
    pub(super) service_names: &'a NameList<'a>,
    pub(super) clients: &'a NameList<'a>,
    /// The election's name, if the scenario has one (offered in "did you mean" hints).
    pub(super) election: Option<&'a str>,
}

/// Every parameter a fault may carry, for "is not a parameter of" errors.
const PARAMETERS: [&str; 16] = [
    "target",
    "client",
    "factor",
    "fraction",
    "add",
    "by",
    "drift_ppm",
    "while_down",
    "mode",
    "groups",
    "one_way",
    "between",
    "period",
    "down",
    "retryable",
    "peak",
];

impl Checker<'_> {
    pub(super) fn network(
        &self,
        path: &Path,
        raw: &raw::Network,
        names: &Names<'_>,
    ) -> Result<NetworkConfig, ScenarioError> {
        let links = raw
            .links
            .iter()
            .enumerate()
            .map(|(i, link)| self.link(&path.key("links").element(i, None), link, names))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(NetworkConfig {
            latency: self.distribution(&path.key("latency"), &raw.latency)?,
            loss: self.probability(&path.key("loss"), raw.loss)?,
            duplicate: self.probability(&path.key("duplicate"), raw.duplicate)?,
            links,
        })
    }

    fn link(&self, path: &Path, raw: &raw::Link, names: &Names<'_>) -> Result<Link, ScenarioError> {
        let (a, b) = self.pair(&path.key("between"), &raw.between, names)?;
        Ok(Link {
            a: vec![a],
            b: vec![b],
            latency: match &raw.latency {
                Some(d) => Some(self.distribution(&path.key("latency"), d)?),
                None => None,
            },
            loss: raw
                .loss
                .map(|p| self.probability(&path.key("loss"), p))
                .transpose()?,
            duplicate: raw
                .duplicate
                .map(|p| self.probability(&path.key("duplicate"), p))
                .transpose()?,
        })
    }

    pub(super) fn clock(
        &self,
        path: &Path,
        raw: &raw::ClockSetting,
        names: &Names<'_>,
    ) -> Result<ClockSetting, ScenarioError> {
        let target = self.endpoint(&path.key("target"), &raw.target, names)?;
        let offset_ns = match &raw.offset {
            Some(text) => self.signed_duration(&path.key("offset"), text)?,
            None => 0,
        };
        let drift_ppb = self.drift(&path.key("drift_ppm"), raw.drift_ppm)?;
        Ok(ClockSetting {
            target,
            offset_ns,
            drift_ppb,
        })
    }

    /// A service's `zones`: distinct, non-empty names without `:`.
    pub(super) fn zones(&self, path: &Path, zones: &[String]) -> Result<(), ScenarioError> {
        for (i, zone) in zones.iter().enumerate() {
            if zone.is_empty() || zone.contains(':') {
                return Err(self.bad(
                    &path.element(i, None),
                    "must be a non-empty name without `:`",
                    quoted(zone),
                    "name zones as your cloud does, e.g. \"a\" or \"us-east-1a\"",
                ));
            }
            if zones[..i].contains(zone) {
                return Err(self.bad(
                    &path.element(i, None),
                    "repeats an earlier zone",
                    quoted(zone),
                    "list each zone once: replica i is placed in zone i mod the number of zones",
                ));
            }
        }
        Ok(())
    }

    /// The replicas placed in zone `zone`, as one-replica targets in service order.
    pub(super) fn zone(
        &self,
        path: &Path,
        zone: &str,
        names: &Names<'_>,
    ) -> Result<Vec<Target>, ScenarioError> {
        let mut all: Vec<&str> = Vec::new();
        for service in names.services {
            for z in &service.zones {
                if !all.contains(&z.as_str()) {
                    all.push(z);
                }
            }
        }
        self.reference(path, zone, Referent::Zone, &NameList::new(all))?;
        let mut targets = Vec::new();
        for (index, service) in names.services.iter().enumerate() {
            let Some(slot) = service.zones.iter().position(|z| z == zone) else {
                continue;
            };
            let n = service.zones.len();
            // Replica counts were validated before faults, so they fit in u32.
            let replicas = u32::try_from(service.replicas.0).unwrap_or(0);
            for replica in (0..replicas).filter(|r| *r as usize % n == slot) {
                targets.push(Target {
                    service: models::ServiceId(index as u32),
                    replica: Some(replica),
                });
            }
        }
        if targets.is_empty() {
            return Err(self.bad(
                path,
                "names a zone that holds no replica",
                quoted(zone),
                "replica i of a service with n zones is placed in zone i mod n; add replicas or target another zone",
            ));
        }
        Ok(targets)
    }

    /// One entry of `faults`: usually one fault, one per replica for a zone target.
    pub(super) fn faults(
        &self,
        path: &Path,
        raw: &raw::Fault,
        names: &Names<'_>,
        duration: SimDuration,
        position: usize,
    ) -> Result<Vec<Fault>, ScenarioError> {
        let Some(zone) = raw.target.as_deref().and_then(|t| t.strip_prefix("zone:")) else {
            return Ok(vec![self.fault(path, raw, names, duration, position)?]);
        };
        use raw::FaultKind as K;
        if !matches!(raw.kind, K::Crash | K::Pause | K::Slowdown) {
            return Err(self.bad(
                &path.key("target"),
                "can name a zone only for `crash`, `pause` or `slowdown`",
                quoted(raw.target.as_deref().unwrap_or_default()),
                "name a service or a replica; a partition takes a zone in its `groups`",
            ));
        }
        let services = names.service_names;
        self.zone(&path.key("target"), zone, names)?
            .into_iter()
            .map(|target| {
                let replica = target.replica.expect("a zone lists single replicas");
                let mut one = raw.clone();
                one.target = Some(format!(
                    "{}[{replica}]",
                    services[target.service.0 as usize]
                ));
                self.fault(path, &one, names, duration, position)
            })
            .collect()
    }

    /// One fault of entry `position` of `faults` (a zone's replica, or the entry itself).
    pub(super) fn fault(
        &self,
        path: &Path,
        raw: &raw::Fault,
        names: &Names<'_>,
        duration: SimDuration,
        position: usize,
    ) -> Result<Fault, ScenarioError> {
        use raw::FaultKind as K;
        let (kind, allowed): (&str, &[&str]) = match raw.kind {
            K::Slowdown => ("slowdown", &["target", "factor"]),
            K::ErrorBurst => ("error_burst", &["target", "fraction", "retryable"]),
            K::Garbage => ("garbage", &["target", "fraction"]),
            K::Brownout => ("brownout", &["target", "peak"]),
            K::Crash => ("crash", &["target", "while_down"]),
            K::ReplicaLoss => ("replica_loss", &["target", "while_down"]),
            K::Partition => ("partition", &["groups", "one_way", "mode"]),
            K::BlackHole => ("black_hole", &["target"]),
            K::Refuse => ("refuse", &["target"]),
            K::Latency => ("latency", &["target", "add"]),
            K::FlappingLink => ("flapping_link", &["between", "period", "down"]),
            K::LoadSpike => ("load_spike", &["client", "factor"]),
            K::ClockJump => ("clock_jump", &["target", "by"]),
            K::DriftChange => ("drift_change", &["target", "drift_ppm"]),
            K::Pause => ("pause", &["target"]),
        };
        self.only(path, raw, kind, allowed)?;
        let instant = matches!(raw.kind, K::ReplicaLoss | K::ClockJump | K::DriftChange)
            .then(|| format!("`{kind}` happens at an instant and lasts to the end; remove `for`"));
        let (start, end) = self.window(path, raw, kind, instant.as_deref(), duration)?;
        if matches!(raw.kind, K::Brownout) && end == SimTime::MAX {
            return Err(self.bad(
                &path.key("for"),
                "is required for `brownout`",
                "nothing",
                "its error rate ramps up to `peak` over the first half of the window and back down over the second, so the window needs an end, e.g. \"for\": \"20s\"",
            ));
        }
        let kind = self.fault_kind(path, raw, names)?;
        Ok(Fault {
            kind,
            start,
            end,
            position,
        })
    }

    fn fault_kind(
        &self,
        path: &Path,
        raw: &raw::Fault,
        names: &Names<'_>,
    ) -> Result<FaultKind, ScenarioError> {
        use raw::FaultKind as K;
        let target = || -> Result<Target, ScenarioError> {
            let text = self.required(path, "target", &raw.target)?;
            self.target(&path.key("target"), text, names)
        };
        Ok(match raw.kind {
            K::Slowdown => FaultKind::Slowdown {
                target: target()?,
                factor: self.factor(&path.key("factor"), raw.factor, path)?,
            },
            K::ErrorBurst => FaultKind::ErrorBurst {
                target: target()?,
                fraction: self.probability(
                    &path.key("fraction"),
                    *self.required(path, "fraction", &raw.fraction)?,
                )?,
                retryable: raw.retryable.unwrap_or(true),
            },
            K::Garbage => FaultKind::Garbage {
                target: target()?,
                fraction: self.probability(
                    &path.key("fraction"),
                    *self.required(path, "fraction", &raw.fraction)?,
                )?,
            },
            K::Brownout => FaultKind::Brownout {
                target: target()?,
                peak: self
                    .probability(&path.key("peak"), *self.required(path, "peak", &raw.peak)?)?,
            },
            K::Crash | K::ReplicaLoss => FaultKind::Crash {
                target: target()?,
                while_down: unreachable(raw.while_down.unwrap_or(raw::Unreachable::Refuse)),
            },
            K::Partition => {
                let groups = self.required(path, "groups", &raw.groups)?;
                if groups.len() != 2 || groups.iter().any(Vec::is_empty) {
                    return Err(self.bad(
                        &path.key("groups"),
                        "must be two non-empty lists of endpoints",
                        format!("{} group(s)", groups.len()),
                        "write e.g. [[\"api\"], [\"db\"]]; for a partial partition list the pairs that cannot talk",
                    ));
                }
                let group = |i: usize| -> Result<Vec<Endpoint>, ScenarioError> {
                    let mut endpoints = Vec::new();
                    for (j, name) in groups[i].iter().enumerate() {
                        let at = path.key("groups").element(i, None).element(j, None);
                        match name.strip_prefix("zone:") {
                            Some(zone) => endpoints.extend(
                                self.zone(&at, zone, names)?
                                    .into_iter()
                                    .map(Endpoint::Service),
                            ),
                            None => endpoints.push(self.endpoint(&at, name, names)?),
                        }
                    }
                    Ok(endpoints)
                };
                let (from, to) = (group(0)?, group(1)?);
                if let Some((a, b)) = from
                    .iter()
                    .find_map(|a| to.iter().find(|b| overlap(a, b)).map(|b| (a, b)))
                {
                    return Err(self.bad(
                        &path.key("groups"),
                        "must not share an endpoint between the two sides",
                        format!("{a:?} and {b:?}"),
                        "a node cannot be partitioned from itself; list each endpoint on one side only",
                    ));
                }
                FaultKind::Partition {
                    from,
                    to,
                    one_way: raw.one_way.unwrap_or(false),
                    mode: unreachable(raw.mode.unwrap_or(raw::Unreachable::BlackHole)),
                }
            }
            K::BlackHole => FaultKind::Isolate {
                target: target()?,
                mode: Unreachable::BlackHole,
            },
            K::Refuse => FaultKind::Isolate {
                target: target()?,
                mode: Unreachable::Refuse,
            },
            K::Latency => FaultKind::Latency {
                target: target()?,
                add: self.positive_duration(
                    &path.key("add"),
                    self.required(path, "add", &raw.add)?,
                    "it is the added one-way latency, e.g. \"50ms\"",
                )?,
            },
            K::FlappingLink => {
                let between = self.required(path, "between", &raw.between)?;
                let (a, b) = self.pair(&path.key("between"), between, names)?;
                if overlap(&a, &b) {
                    return Err(self.bad(
                        &path.key("between"),
                        "must name two endpoints that do not overlap",
                        format!("{a:?} and {b:?}"),
                        "a link joins two different nodes, e.g. [\"api\", \"db\"]",
                    ));
                }
                let period = self.positive_duration(
                    &path.key("period"),
                    self.required(path, "period", &raw.period)?,
                    "it is the length of one up/down cycle, e.g. \"10s\"",
                )?;
                let down = self.positive_duration(
                    &path.key("down"),
                    self.required(path, "down", &raw.down)?,
                    "it is how long the link is down in each cycle",
                )?;
                if down >= period {
                    return Err(self.bad(
                        &path.key("down"),
                        format!("must be shorter than `period` ({period})"),
                        down,
                        "a link down for the whole period is a partition: use `partition`",
                    ));
                }
                FaultKind::FlappingLink { a, b, period, down }
            }
            K::LoadSpike => {
                let name = self.required(path, "client", &raw.client)?;
                let client =
                    self.reference(&path.key("client"), name, Referent::Client, names.clients)?;
                FaultKind::LoadSpike {
                    client: models::ClientId(client),
                    factor: self.factor(&path.key("factor"), raw.factor, path)?,
                }
            }
            K::ClockJump => FaultKind::ClockJump {
                target: self.endpoint(
                    &path.key("target"),
                    self.required(path, "target", &raw.target)?,
                    names,
                )?,
                by: self.signed_duration(&path.key("by"), self.required(path, "by", &raw.by)?)?,
            },
            K::DriftChange => FaultKind::DriftChange {
                target: self.endpoint(
                    &path.key("target"),
                    self.required(path, "target", &raw.target)?,
                    names,
                )?,
                drift_ppb: self.drift(
                    &path.key("drift_ppm"),
                    *self.required(path, "drift_ppm", &raw.drift_ppm)?,
                )?,
            },
            K::Pause => FaultKind::Pause { target: target()? },
        })
    }

    /// A fault's window: from `at` (which must fall inside the run) for `for`, or to the
    /// end of the run without `for`. `instant` is the hint for a kind that happens at an
    /// instant and so refuses `for`; `None` for kinds with a window.
    pub(super) fn window(
        &self,
        path: &Path,
        raw: &raw::Fault,
        kind: &str,
        instant: Option<&str>,
        duration: SimDuration,
    ) -> Result<(SimTime, SimTime), ScenarioError> {
        let start = SimTime::ZERO.add(self.duration(&path.key("at"), &raw.at)?);
        if start >= SimTime::ZERO.add(duration) {
            return Err(self.bad(
                &path.key("at"),
                format!("must be before the end of the run ({duration})"),
                quoted(&raw.at.0),
                "a fault that starts after the run ends never happens",
            ));
        }
        let end = match (&raw.lasts, instant) {
            (Some(_), Some(hint)) => {
                return Err(self.bad(
                    &path.key("for"),
                    format!("is not a parameter of `{kind}`"),
                    "a duration",
                    hint,
                ))
            }
            (Some(text), None) => start.add(self.positive_duration(
                &path.key("for"),
                text,
                "remove `for` to let the fault last until the end of the run",
            )?),
            (None, _) => SimTime::MAX,
        };
        Ok((start, end))
    }

    /// Refuses parameters that belong to other kinds of fault.
    pub(super) fn only(
        &self,
        path: &Path,
        raw: &raw::Fault,
        kind: &str,
        allowed: &[&str],
    ) -> Result<(), ScenarioError> {
        let present = [
            raw.target.is_some(),
            raw.client.is_some(),
            raw.factor.is_some(),
            raw.fraction.is_some(),
            raw.add.is_some(),
            raw.by.is_some(),
            raw.drift_ppm.is_some(),
            raw.while_down.is_some(),
            raw.mode.is_some(),
            raw.groups.is_some(),
            raw.one_way.is_some(),
            raw.between.is_some(),
            raw.period.is_some(),
            raw.down.is_some(),
            raw.retryable.is_some(),
            raw.peak.is_some(),
        ];
        for (field, present) in PARAMETERS.iter().zip(present) {
            if present && !allowed.contains(field) {
                return Err(self.not_a_parameter(
                    &path.key(field),
                    "a value",
                    &format!("the `{kind}` fault"),
                    allowed,
                ));
            }
        }
        Ok(())
    }

    fn factor(&self, at: &Path, raw: Option<f64>, fault: &Path) -> Result<f64, ScenarioError> {
        let factor = *self.required(fault, "factor", &raw)?;
        if !(factor > 0.0 && factor <= 1e6) {
            return Err(self.bad(
                at,
                "must be greater than 0 and at most 1e6",
                factor,
                "it multiplies a duration or a rate: 5 means five times",
            ));
        }
        Ok(factor)
    }

    fn probability(&self, path: &Path, p: f64) -> Result<Probability, ScenarioError> {
        Probability::new(p).ok_or_else(|| {
            self.bad(
                path,
                "must be between 0 and 1",
                p,
                "it is a probability: 0.01 means 1%",
            )
        })
    }

    pub(super) fn drift(&self, path: &Path, ppm: f64) -> Result<i64, ScenarioError> {
        let ppb = ppm * 1_000.0;
        if !(ppb.is_finite() && ppb.abs() < 1e9) {
            return Err(self.bad(
                path,
                "must be between -1000000 and 1000000 (exclusive)",
                ppm,
                "it is parts per million: real clocks drift by tens of ppm",
            ));
        }
        let ppb = ppb.round() as i64;
        Drift::from_ppb(ppb)
            .map_err(|e| self.bad(path, e.to_string(), ppm, "use a smaller drift"))?;
        Ok(ppb)
    }

    pub(super) fn signed_duration(
        &self,
        path: &Path,
        raw: &raw::Duration,
    ) -> Result<i64, ScenarioError> {
        let text = raw.0.trim();
        let (sign, magnitude) = match text.strip_prefix('-') {
            Some(rest) => (-1, rest),
            None => (1, text.strip_prefix('+').unwrap_or(text)),
        };
        let span = self.duration(path, &raw::Duration(magnitude.to_string()))?;
        let nanos = i64::try_from(span.as_nanos()).map_err(|_| {
            self.bad(
                path,
                "must be shorter than 292 years",
                quoted(text),
                "use a smaller step",
            )
        })?;
        Ok(sign * nanos)
    }

    fn pair(
        &self,
        path: &Path,
        raw: &[String],
        names: &Names<'_>,
    ) -> Result<(Endpoint, Endpoint), ScenarioError> {
        if raw.len() != 2 {
            return Err(self.bad(
                path,
                "must name exactly two endpoints",
                format!("{} name(s)", raw.len()),
                "write e.g. [\"api\", \"db\"]",
            ));
        }
        Ok((
            self.endpoint(&path.element(0, None), &raw[0], names)?,
            self.endpoint(&path.element(1, None), &raw[1], names)?,
        ))
    }

    /// Resolves `"db"`, `"db[1]"` or a client's name.
    fn endpoint(
        &self,
        path: &Path,
        text: &str,
        names: &Names<'_>,
    ) -> Result<Endpoint, ScenarioError> {
        if let Some(client) = names.clients.position(text) {
            return Ok(Endpoint::Client(models::ClientId(client as u32)));
        }
        self.target(path, text, names)
            .map(Endpoint::Service)
            .map_err(|error| match error {
                ScenarioError::UnknownReference {
                    origin, path, name, ..
                } => {
                    let mut available: Vec<String> =
                        names.services.iter().map(|s| s.name.clone()).collect();
                    available.extend(names.clients.iter().map(|c| c.to_string()));
                    if let Some(election) = names.election {
                        available.extend([election.to_string(), format!("{election}.store")]);
                    }
                    let candidates: Vec<&str> = available.iter().map(String::as_str).collect();
                    let suggestion = nearest(&name, &candidates).map(str::to_string);
                    ScenarioError::UnknownReference {
                        origin,
                        path,
                        wanted: Referent::Endpoint,
                        name,
                        available,
                        suggestion,
                    }
                }
                other => other,
            })
    }

    /// Resolves `"db"` (every replica) or `"db[1]"` (one replica).
    pub(super) fn target(
        &self,
        path: &Path,
        text: &str,
        names: &Names<'_>,
    ) -> Result<Target, ScenarioError> {
        let (name, replica) = match text.strip_suffix(']').and_then(|t| t.split_once('[')) {
            Some((name, index)) => match index.parse::<u32>() {
                Ok(index) => (name, Some(index)),
                Err(_) => {
                    return Err(self.bad(
                        path,
                        "has a replica index that is not a number",
                        quoted(text),
                        "write `db[0]` for the first replica of `db`",
                    ))
                }
            },
            None => (text, None),
        };
        let service = self
            .reference(path, name, Referent::Service, names.service_names)
            .map_err(|error| super::election::suggest(error, names.election))?;
        if let Some(replica) = replica {
            let replicas = i128::from(names.replicas[service as usize]);
            if i128::from(replica) >= replicas {
                return Err(self.bad(
                    path,
                    format!("names replica {replica}, but `{name}` has {replicas}"),
                    quoted(text),
                    "replicas are numbered from 0",
                ));
            }
        }
        Ok(Target {
            service: models::ServiceId(service),
            replica,
        })
    }
}

/// Whether two endpoints share a node (the same client, or overlapping replicas).
fn overlap(a: &Endpoint, b: &Endpoint) -> bool {
    match (a, b) {
        (Endpoint::Client(x), Endpoint::Client(y)) => x == y,
        (Endpoint::Service(x), Endpoint::Service(y)) => {
            x.service == y.service
                && (x.replica.is_none() || y.replica.is_none() || x.replica == y.replica)
        }
        _ => false,
    }
}

fn unreachable(raw: raw::Unreachable) -> Unreachable {
    match raw {
        raw::Unreachable::BlackHole => Unreachable::BlackHole,
        raw::Unreachable::Refuse => Unreachable::Refuse,
    }
}
