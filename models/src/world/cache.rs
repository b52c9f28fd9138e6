//! The world's caches: one per caching client and per calling replica of a caching call.
//!
//! A request whose caller has a cache draws a key from the caller's own stream
//! (`client/NAME/cache_key`, `service/NAME/R/call/C/cache_key`) before anything else, so no
//! other stream moves. A hit resolves it at once (no attempt, no guard consulted); a miss that
//! joins a fetch in flight waits, with no attempt, until that fetch resolves; any other miss
//! goes downstream carrying its `Flight`, and `resolve` settles the fetch: the answer is
//! stored, or a failure is answered stale, and the waiters get the same answer. Freshness is
//! judged on the caller's local clock. A crash empties its replica's caches; the jobs that
//! waited are gone with it. Without caches nothing here runs and no event is added.
//!
//! Simplifications: a request that waits on another's fetch ignores its own deadline (it
//! gets the fetch's answer whenever that comes), and hits take no time.

use std::rc::Rc;

use sim_core::network::NodeId;
use sim_core::{Context, Stream};

use super::dispatch::Caller;
use super::trace::{CacheOutcome, Happening};
use super::{PackedEvent, RequestKey, World};
use crate::cache::{Cache, CacheCounts, Flight, Lookup, Zipf};
use crate::config::{ServiceId, WorldConfig};
use crate::failure::Ending;

/// Every cache of a world.
#[derive(Debug)]
pub(super) struct Caches {
    /// Per client, if it caches.
    clients: Vec<Option<Cache<RequestKey>>>,
    /// Per service, at `replica * calls + call`, if the call caches.
    calls: Vec<Vec<Option<Cache<RequestKey>>>>,
    /// Per service, its number of calls.
    calls_per_replica: Vec<usize>,
    /// Whether any caller caches (if not, a lookup is skipped at once).
    any: bool,
}

impl Caches {
    /// The empty caches `config` asks for, their streams derived from `seed`.
    pub(super) fn new(config: &WorldConfig, seed: u64) -> Caches {
        let clients = config
            .clients
            .iter()
            .map(|c| {
                let cache = c.cache.as_ref()?;
                let zipf = Rc::new(Zipf::new(cache.keys, cache.zipf));
                let stream = Stream::new(seed, &format!("client/{}/cache_key", c.name));
                Some(Cache::new(cache.clone(), zipf, stream))
            })
            .collect();
        let calls = config
            .services
            .iter()
            .map(|s| {
                // One Zipf table per call, shared by the replicas' caches.
                let tables: Vec<Option<Rc<Zipf>>> = s
                    .calls
                    .iter()
                    .map(|c| c.cache.as_ref().map(|k| Rc::new(Zipf::new(k.keys, k.zipf))))
                    .collect();
                let mut caches = Vec::new();
                for replica in 0..s.replicas {
                    for (index, call) in s.calls.iter().enumerate() {
                        caches.push(call.cache.as_ref().map(|cache| {
                            let name =
                                format!("service/{}/{replica}/call/{index}/cache_key", s.name);
                            let zipf = tables[index].clone().expect("a caching call has a table");
                            Cache::new(cache.clone(), zipf, Stream::new(seed, &name))
                        }));
                    }
                }
                caches
            })
            .collect();
        let calls_per_replica = config.services.iter().map(|s| s.calls.len()).collect();
        let any = config.clients.iter().any(|c| c.cache.is_some())
            || config
                .services
                .iter()
                .any(|s| s.calls.iter().any(|c| c.cache.is_some()));
        Caches {
            clients,
            calls,
            calls_per_replica,
            any,
        }
    }

    /// The cache of `caller`, if it has one.
    fn get(&mut self, caller: Caller) -> Option<&mut Cache<RequestKey>> {
        match caller {
            Caller::Client(client) => self.clients[client.0 as usize].as_mut(),
            Caller::Edge {
                service,
                replica,
                call,
            } => {
                let calls = self.calls_per_replica[service.0 as usize];
                self.calls[service.0 as usize][replica as usize * calls + call as usize].as_mut()
            }
        }
    }

    /// The client's cache counts, if it caches.
    pub(super) fn client_counts(&self, client: usize) -> Option<CacheCounts> {
        self.clients[client].as_ref().map(|c| c.counts)
    }

    /// A call edge's cache counts summed over its calling replicas, if it caches.
    pub(super) fn call_counts(&self, service: usize, call: usize) -> Option<CacheCounts> {
        let calls = self.calls_per_replica[service];
        let caches = &self.calls[service];
        let mut total: Option<CacheCounts> = None;
        for cache in caches.iter().skip(call).step_by(calls.max(1)).flatten() {
            total
                .get_or_insert_with(CacheCounts::default)
                .add(&cache.counts);
        }
        total
    }
}

impl World {
    /// Looks `request` up in its caller's cache. True if the cache took it: a hit (resolved
    /// now) or a miss that joined a fetch in flight; false if it must be sent (a fetch, or no
    /// cache).
    #[inline]
    pub(super) fn cache_takes(
        &mut self,
        request: RequestKey,
        ctx: &mut Context<'_, PackedEvent>,
    ) -> bool {
        self.caches.any && self.cache_lookup(request, ctx)
    }

    /// `cache_takes` for a world with caches.
    fn cache_lookup(&mut self, request: RequestKey, ctx: &mut Context<'_, PackedEvent>) -> bool {
        let r = &self.requests[request];
        let (caller, node, measured) = (r.caller, r.node, r.measured);
        let Some(cache) = self.caches.get(caller) else {
            return false;
        };
        let now = ctx.now();
        let local = self.clocks[node.0 as usize].local_at(now);
        let key = cache.draw_key();
        let lookup = cache.lookup(key, local, request, measured);
        let outcome = match lookup {
            Lookup::Hit { .. } => CacheOutcome::Hit,
            Lookup::Joined => CacheOutcome::Joined,
            Lookup::Fetch(_) => CacheOutcome::Fetch,
        };
        self.note(now, |w| w.cache_note(request, outcome));
        match lookup {
            Lookup::Hit { garbage } => {
                self.resolve(request, Ending::Served { garbage }, ctx);
                true
            }
            Lookup::Joined => true,
            Lookup::Fetch(flight) => {
                self.fetches.insert(request, flight);
                false
            }
        }
    }

    /// The fetch `flight` of `caller` (at `node`) resolved `ok` (with a `garbage` answer) or
    /// not: stores or serves stale, answers its waiters, and returns the answer the fetching
    /// request itself gets.
    pub(super) fn settle_fetch(
        &mut self,
        caller: Caller,
        node: NodeId,
        (flight, request_id): (Flight, u64),
        (ending, measured): (Ending, bool),
        ctx: &mut Context<'_, PackedEvent>,
    ) -> Ending {
        let local = self.clocks[node.0 as usize].local_at(ctx.now());
        let cache = self.caches.get(caller).expect("a fetch has a cache");
        let settled = cache.complete(flight, ending, local, measured);
        // A failed fetch fails its waiters for the fetch's own cause, unless stale data is
        // served instead.
        let answer = if settled.ok {
            Ending::Served {
                garbage: settled.garbage,
            }
        } else {
            ending
        };
        if settled.stale {
            if measured {
                cache.counts.stale_served += 1;
            }
            self.note(ctx.now(), |_| Happening::Cache {
                caller: node,
                request: request_id,
                outcome: CacheOutcome::Stale,
            });
        }
        for waiter in settled.waiters {
            if !self.origin_alive(waiter) {
                self.drop_request(waiter);
                continue;
            }
            if settled.stale {
                if self.requests[waiter].measured {
                    let cache = self.caches.get(caller).expect("a fetch has a cache");
                    cache.counts.stale_served += 1;
                }
                self.note(ctx.now(), |w| w.cache_note(waiter, CacheOutcome::Stale));
            }
            self.resolve(waiter, answer, ctx);
        }
        answer
    }

    /// Empties the caches of `service`'s replica `replica` (it crashed); the requests that
    /// waited on its fetches belonged to its jobs, which are gone.
    pub(super) fn clear_caches(&mut self, service: ServiceId, replica: u32) {
        let calls = self.caches.calls_per_replica[service.0 as usize];
        for call in 0..calls {
            let index = replica as usize * calls + call;
            let Some(cache) = self.caches.calls[service.0 as usize][index].as_mut() else {
                continue;
            };
            for orphan in cache.clear() {
                self.drop_request(orphan);
            }
        }
    }
}

impl World {
    /// The trace record of what the cache did with `request`.
    fn cache_note(&self, request: RequestKey, outcome: CacheOutcome) -> Happening {
        let r = &self.requests[request];
        Happening::Cache {
            caller: r.node,
            request: r.id,
            outcome,
        }
    }
}

#[cfg(test)]
mod tests;
