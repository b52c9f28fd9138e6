//! Validation of the `quorum` block: a quorum-replicated store that services call.
//!
//! The store stands in the world as one more service named after it, placed after the
//! scenario's own services (and before a called database's): its replicas are the store's
//! replicas. `with_store` adds that service to a copy of the scenario before anything else is
//! checked, so fault targets (`"kv[2]"`, `"zone:a"`), partitions between its replicas and
//! calls to it resolve as they do for any service; `quorum` then validates the store itself.

use models::{NoQuorum, QuorumConfig, ServiceId};

use super::part_name::Part;
use super::{Checker, UNITS_MAX};
use crate::error::{quoted, Path, ScenarioError};
use crate::raw;

/// Most replicas: a real store has a handful; the bound turns a typo into an error.
const REPLICAS_MAX: u64 = 100;

/// Most keys: every replica keeps a version of every key.
const KEYS_MAX: u64 = 1_000_000;

/// Most replica-keys (replicas × keys), eight bytes each: 80 MB.
const SLOTS_MAX: u64 = 10_000_000;

impl Checker<'_> {
    /// A copy of `raw` with the store's service appended to `services`, if it has a `quorum`
    /// block (whose own fields are checked here first, with `quorum.` paths).
    pub(super) fn with_store(
        &self,
        raw: &raw::Scenario,
    ) -> Result<Option<raw::Scenario>, ScenarioError> {
        let Some(quorum) = &raw.quorum else {
            return Ok(None);
        };
        let path = Path::root().key("quorum");
        self.name(&path.key("name"), &quorum.name)?;
        self.unique_part_name(Part::Quorum, &quorum.name, raw)?;
        let replicas = self.count(
            &path.key("replicas"),
            quorum.replicas,
            1..=REPLICAS_MAX,
            (
                "a store needs a replica to hold its data",
                "every call orders every replica; the cap turns a typo into this error",
            ),
        )?;
        let workers = self.count(
            &path.key("workers"),
            quorum.workers,
            1..=UNITS_MAX,
            (
                "a replica needs a worker to coordinate calls",
                "workers are simulated one by one; the cap turns a typo into this error",
            ),
        )?;
        let mut scenario = raw.clone();
        let service = serde_json::json!({
            "name": quorum.name,
            "replicas": replicas,
            "workers": workers,
            "service_time": { "kind": "constant", "value": "1ms" },
            "zones": quorum.zones,
        });
        let mut service: raw::Service =
            serde_json::from_value(service).expect("a store's service is a well-formed service");
        service.service_time = quorum.service_time.clone();
        scenario.services.push(service);
        Ok(Some(scenario))
    }

    /// Validates the `quorum` block of `raw` (a scenario `with_store` extended): the store,
    /// its quorums, and that services (not clients) call it with an `op`.
    pub(super) fn quorum(
        &self,
        raw: &raw::Scenario,
    ) -> Result<Option<QuorumConfig>, ScenarioError> {
        let Some(quorum) = &raw.quorum else {
            return Ok(None);
        };
        let path = Path::root().key("quorum");
        let replicas = quorum.replicas.0 as u64;
        let within = |key: &str, count: raw::Count| {
            self.count(
                &path.key(key),
                count,
                1..=replicas,
                (
                    "a quorum needs at least one replica to answer",
                    "a quorum cannot need more replicas than the store has; R + W > N (e.g. 2 and 2 of 3) never reads stale",
                ),
            )
        };
        let read_quorum = within("read_quorum", quorum.read_quorum)? as u32;
        let write_quorum = within("write_quorum", quorum.write_quorum)? as u32;
        let keys = self.count(
            &path.key("keys"),
            quorum.keys,
            1..=KEYS_MAX,
            (
                "a store needs a key to read and write",
                "every replica keeps a version of every key; the cap turns a typo into this error",
            ),
        )?;
        if keys * replicas > SLOTS_MAX {
            return Err(self.bad(
                &path.key("keys"),
                format!("must be at most {} with {replicas} replicas", SLOTS_MAX / replicas),
                keys,
                "every replica keeps a version of every key (replicas × keys at most 10,000,000); fewer keys show the same staleness with the same load per key",
            ));
        }
        let anti_entropy = match &quorum.anti_entropy {
            Some(every) => Some(self.positive_duration(
                &path.key("anti_entropy"),
                every,
                "it is the interval between anti-entropy rounds, e.g. \"1s\"",
            )?),
            None => None,
        };
        self.store_callers(raw, &quorum.name)?;
        let index = raw
            .services
            .iter()
            .position(|s| s.name == quorum.name)
            .expect("with_store added the store's service");
        Ok(Some(QuorumConfig {
            name: quorum.name.clone(),
            replicas: replicas as u32,
            read_quorum,
            write_quorum,
            read_repair: quorum.read_repair,
            on_no_quorum: match quorum.on_no_quorum {
                raw::OnNoQuorum::Fail => NoQuorum::Fail,
                raw::OnNoQuorum::Sloppy => NoQuorum::Sloppy,
            },
            replication_delay: self
                .distribution(&path.key("replication_delay"), &quorum.replication_delay)?,
            anti_entropy,
            keys: keys as u32,
            service: Some(ServiceId(index as u32)),
        }))
    }

    /// Clients may not target the store (only services' calls carry an `op`), and some service
    /// must call it, or it would serve nothing.
    fn store_callers(&self, raw: &raw::Scenario, name: &str) -> Result<(), ScenarioError> {
        let root = Path::root();
        for (i, client) in raw.clients.iter().enumerate() {
            if client.target == name {
                return Err(self.bad(
                    &root.key("clients").element(i, Some(&client.name)).key("target"),
                    "names the quorum store, which clients cannot call",
                    quoted(name),
                    "clients call services: let a service call the store, with `\"calls\": [{\"service\": \"NAME\", \"op\": \"read\"}]` (or \"write\")",
                ));
            }
        }
        let called = raw
            .services
            .iter()
            .flat_map(|s| &s.calls)
            .any(|c| c.service == name);
        if !called {
            return Err(self.bad(
                &root.key("quorum"),
                "is called by no service",
                quoted(name),
                format!("a quorum store serves only services' calls: add `{{\"service\": \"{name}\", \"op\": \"read\"}}` (or \"write\") to a service's `calls`"),
            ));
        }
        Ok(())
    }
}
