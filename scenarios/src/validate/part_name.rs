//! Part names: clients, services, the database, the election, the quorum store and the queues
//! share one namespace, because calls and faults name any of them.

use super::Checker;
use crate::error::{Path, ScenarioError};
use crate::raw;

/// A named part of a scenario, in the order that decides which of two clashing names is
/// reported as the first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(super) enum Part {
    /// `clients[i]`.
    Client(usize),
    /// `services[i]`.
    Service(usize),
    /// `database`.
    Database,
    /// `election`.
    Election,
    /// `quorum`.
    Quorum,
    /// `queues[i]`.
    Queue(usize),
}

impl Part {
    /// The path of the part's block.
    fn path(self) -> Path {
        let root = Path::root();
        match self {
            Part::Client(i) => root.key("clients").element(i, None),
            Part::Service(i) => root.key("services").element(i, None),
            Part::Database => root.key("database"),
            Part::Election => root.key("election"),
            Part::Quorum => root.key("quorum"),
            Part::Queue(i) => root.key("queues").element(i, None),
        }
    }
}

/// Every named part of `raw` with its name, in `Part` order.
fn parts(raw: &raw::Scenario) -> impl Iterator<Item = (Part, &str)> {
    let clients = raw.clients.iter().enumerate();
    let services = raw.services.iter().enumerate();
    let queues = raw.queues.iter().enumerate();
    clients
        .map(|(i, c)| (Part::Client(i), c.name.as_str()))
        .chain(services.map(|(i, s)| (Part::Service(i), s.name.as_str())))
        .chain(
            raw.database
                .iter()
                .map(|d| (Part::Database, d.name.as_str())),
        )
        .chain(
            raw.election
                .iter()
                .map(|e| (Part::Election, e.name.as_str())),
        )
        .chain(raw.quorum.iter().map(|q| (Part::Quorum, q.name.as_str())))
        .chain(queues.map(|(i, q)| (Part::Queue(i), q.name.as_str())))
}

impl Checker<'_> {
    /// Refuses `part`'s name when a part before it in `Part` order already uses it.
    ///
    /// Clients and services among themselves are checked by `names`, with a map, since a
    /// scenario may list a million of them.
    pub(super) fn unique_part_name(
        &self,
        part: Part,
        name: &str,
        raw: &raw::Scenario,
    ) -> Result<(), ScenarioError> {
        match parts(raw).find(|&(other, other_name)| other < part && other_name == name) {
            Some((first, _)) => Err(ScenarioError::DuplicateName {
                origin: self.origin.to_string(),
                path: part.path().key("name").text(),
                name: name.to_string(),
                first: first.path().key("name").text(),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::{parse, LoadOptions, ScenarioError};

    /// A client calling a service, with a database, a quorum store and a queue whose names
    /// the tests make clash.
    fn scenario() -> Value {
        json!({
            "name": "t",
            "duration": "10s",
            "clients": [ { "name": "users", "target": "api",
                           "arrival": { "kind": "poisson", "rate_per_s": 10 } } ],
            "services": [ { "name": "api", "service_time": { "kind": "constant", "value": "1ms" },
                            "calls": [ { "service": "orders", "op": "publish" } ] },
                          { "name": "worker", "service_time": { "kind": "constant", "value": "1ms" },
                            "calls": [ { "service": "kv", "op": "write" } ] } ],
            "database": { "name": "db",
                          "replication_lag": { "kind": "constant", "value": "1ms" } },
            "quorum": { "name": "kv", "keys": 20,
                        "replication_delay": { "kind": "constant", "value": "1ms" } },
            "queues": [ { "name": "orders", "consumer": "worker" } ]
        })
    }

    fn refused(edit: impl FnOnce(&mut Value)) -> String {
        let mut document = scenario();
        edit(&mut document);
        let text = serde_json::to_string(&document).unwrap();
        match parse(&text, "t.json", &LoadOptions::default()) {
            Err(error @ ScenarioError::DuplicateName { .. }) => error.to_string(),
            other => panic!("expected a duplicate name, got {other:?}"),
        }
    }

    #[test]
    fn the_scenario_without_clashes_is_accepted() {
        let text = serde_json::to_string(&scenario()).unwrap();
        parse(&text, "t.json", &LoadOptions::default()).unwrap();
    }

    #[test]
    fn a_clash_is_reported_at_the_later_part_naming_the_earlier() {
        let message = refused(|d| d["database"]["name"] = json!("users"));
        assert!(
            message.contains("database.name: the name `users` is already used by clients[0].name"),
            "{message}"
        );
        let message = refused(|d| d["quorum"]["name"] = json!("db"));
        assert!(
            message.contains("quorum.name: the name `db` is already used by database.name"),
            "{message}"
        );
        // The queue's check reads the scenario as written, so it names the store's own block,
        // not the service that stands for the store in the world (`services[2]`).
        let message = refused(|d| {
            d["queues"][0]["name"] = json!("kv");
            d["services"][0]["calls"][0]["service"] = json!("kv");
        });
        assert!(
            message.contains("queues[0].name: the name `kv` is already used by quorum.name"),
            "{message}"
        );
    }
}
