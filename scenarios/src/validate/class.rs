//! Validation of caller classes (issue #4): a client's priority, a service's worker pools per
//! caller, priority shedding on its queues, a per-caller rate limit and the overload penalty.

use models::{
    CallerId, ClientId, OverloadConfig, PoolConfig, Priority, RateLimitScope, ServiceClasses,
    ServiceId,
};
use sim_core::Probability;

use super::{Checker, NameList, QUEUE_CAPACITY_MAX, TYPO_GUARD, UNITS_MAX};
use crate::error::{quoted, Path, Referent, ScenarioError};
use crate::raw;

/// The largest overload penalty: beyond a millionfold slowdown per extra job nothing finishes.
const PENALTY_MAX: f64 = 1e6;

/// The name reports give the default pool; a pool of one caller named so would clash.
const DEFAULT_POOL: &str = "default";

impl Checker<'_> {
    /// A client's criticality as the models name it.
    pub(super) fn priority(&self, raw: raw::Priority) -> Priority {
        match raw {
            raw::Priority::Critical => Priority::Critical,
            raw::Priority::Sheddable => Priority::Sheddable,
        }
    }

    /// The caller-class settings of the service whose JSON object is at `path`, given every
    /// client's and service's name and the service's queue capacity.
    pub(super) fn classes(
        &self,
        path: &Path,
        raw: &raw::Service,
        (clients, services): (&NameList<'_>, &NameList<'_>),
        queue_capacity: u32,
    ) -> Result<ServiceClasses, ScenarioError> {
        let mut pools: Vec<PoolConfig> = Vec::with_capacity(raw.pools.len());
        let mut seen: Vec<(CallerId, Path)> = Vec::new();
        for (index, pool) in raw.pools.iter().enumerate() {
            let pool_path = path.key("pools").element(index, None);
            let pool = self.pool(&pool_path, pool, (clients, services), queue_capacity)?;
            for (i, caller) in pool.callers.iter().enumerate() {
                let caller_path = pool_path.key("callers").element(i, None);
                if let Some((_, first)) = seen.iter().find(|(c, _)| c == caller) {
                    return Err(self.bad(
                        &caller_path,
                        format!("is already in the pool at {}", first.text()),
                        quoted(&pool_name(&[*caller], clients, services)),
                        "each caller's attempts go to one pool; list it once",
                    ));
                }
                seen.push((*caller, caller_path));
            }
            pools.push(pool);
        }
        let shed_sheddable_above = match raw.queue.shed_sheddable_above {
            Some(fraction) => Some(Probability::new(fraction).ok_or_else(|| {
                self.bad(
                    &path.key("queue").key("shed_sheddable_above"),
                    "must be between 0 and 1",
                    fraction,
                    "it is the fraction of the queue's capacity sheddable attempts may take: 0.5 for half",
                )
            })?),
            None => None,
        };
        let rate_limit_per = match raw.rate_limit.as_ref().map(|r| r.per) {
            Some(raw::RateLimitPer::Caller) => RateLimitScope::Caller,
            Some(raw::RateLimitPer::Global) | None => RateLimitScope::Global,
        };
        let overload = match &raw.overload {
            Some(o) => Some(self.overload(&path.key("overload"), o)?),
            None => None,
        };
        Ok(ServiceClasses {
            pools,
            shed_sheddable_above,
            rate_limit_per,
            overload,
        })
    }

    fn pool(
        &self,
        path: &Path,
        raw: &raw::Pool,
        (clients, services): (&NameList<'_>, &NameList<'_>),
        queue_capacity: u32,
    ) -> Result<PoolConfig, ScenarioError> {
        if raw.callers.is_empty() {
            return Err(self.bad(
                &path.key("callers"),
                "must name at least one caller",
                "[]",
                "list the clients or calling services whose attempts this pool serves",
            ));
        }
        let everyone = NameList::new(clients.iter().chain(services.iter()).copied());
        let callers = raw
            .callers
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let index = self.reference(
                    &path.key("callers").element(i, None),
                    name,
                    Referent::Caller,
                    &everyone,
                )? as usize;
                Ok(match index.checked_sub(clients.len()) {
                    None => CallerId::Client(ClientId(index as u32)),
                    Some(service) => CallerId::Service(ServiceId(service as u32)),
                })
            })
            .collect::<Result<Vec<_>, ScenarioError>>()?;
        let workers = self.count(
            &path.key("workers"),
            raw.workers,
            1..=UNITS_MAX,
            (
                "a pool with no workers never serves its callers",
                TYPO_GUARD,
            ),
        )? as u32;
        let queue_capacity = match raw.queue_capacity {
            Some(capacity) => self.count(
                &path.key("queue_capacity"),
                capacity,
                0..=QUEUE_CAPACITY_MAX,
                (
                    "use 0 for no waiting room",
                    "a longer queue would trip the pending-events guard before it filled",
                ),
            )? as u32,
            None => queue_capacity,
        };
        let name = pool_name(&callers, clients, services);
        if name == DEFAULT_POOL {
            return Err(self.bad(
                &path.key("callers"),
                "would be reported under the default pool's name",
                quoted(&name),
                "rename the caller called `default`, or add a second caller to the pool",
            ));
        }
        Ok(PoolConfig {
            name,
            callers,
            workers,
            queue_capacity,
        })
    }

    fn overload(&self, path: &Path, raw: &raw::Overload) -> Result<OverloadConfig, ScenarioError> {
        let cores = self.count(
            &path.key("cores"),
            raw.cores,
            1..=UNITS_MAX,
            ("a replica has at least one core", TYPO_GUARD),
        )? as u32;
        let penalty = raw.penalty;
        if !(0.0..=PENALTY_MAX).contains(&penalty) {
            return Err(self.bad(
                &path.key("penalty"),
                "must be between 0 and 1000000",
                penalty,
                "it is the extra slowdown per job beyond the cores: 0.1 for 10%; 0 is pure CPU sharing",
            ));
        }
        Ok(OverloadConfig { cores, penalty })
    }
}

/// A pool's name in reports: its callers' names joined with `+`.
fn pool_name(callers: &[CallerId], clients: &[&str], services: &[&str]) -> String {
    callers
        .iter()
        .map(|caller| match *caller {
            CallerId::Client(c) => clients[c.0 as usize],
            CallerId::Service(s) => services[s.0 as usize],
        })
        .collect::<Vec<_>>()
        .join("+")
}

#[cfg(test)]
mod tests;
