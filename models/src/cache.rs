//! A cache in front of a service: Zipf key popularity, a TTL on the owner's local clock,
//! single flight (request coalescing), serve-stale-on-error and optional LRU eviction.
//!
//! A pure state machine over local clock readings: `world` draws each request's key with
//! `Zipf::sample` from the owner's own stream, asks `Cache::lookup` what to do, and reports
//! the fetch's outcome with `Cache::complete`. One `Cache` per owner: a client, or one calling
//! replica's call edge.
//!
//! An entry fetched at local reading L is fresh while the owner's clock reads below L + ttl
//! (the model of Jung, Berger and Balakrishnan, "Modeling TTL-based Internet Caches",
//! INFOCOM 2003: an entry lives T after the miss that fetched it). Expired entries stay until
//! replaced or evicted, so they can be served stale when a fetch fails (RFC 5861's
//! `stale-if-error`). Without single flight every concurrent miss on a key goes downstream
//! (a stampede); with it, misses on a key already being fetched wait for that fetch and share
//! its answer (Go's `singleflight`, Facebook's memcache leases in "Scaling Memcache at
//! Facebook", NSDI 2013).

use std::collections::BTreeMap;
use std::rc::Rc;

use sim_core::{LocalTime, Stream};

use crate::config::CacheConfig;
use crate::failure::Ending;

/// What a cache counted, over requests that arrived after the warm-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheCounts {
    /// Lookups answered from a fresh entry, with no downstream request.
    pub hits: u64,
    /// Lookups that found no fresh entry (`coalesced` + `fetches`).
    pub misses: u64,
    /// Misses that waited for a fetch already in flight and took its answer.
    pub coalesced: u64,
    /// Misses that went downstream (each is one downstream request).
    pub fetches: u64,
    /// Requests answered with an expired entry because their fetch failed.
    pub stale_served: u64,
    /// Entries evicted to make room (with a `capacity`).
    pub evictions: u64,
}

impl CacheCounts {
    /// Adds `other`'s counts to these (summing a call edge over its calling replicas).
    pub fn add(&mut self, other: &CacheCounts) {
        self.hits += other.hits;
        self.misses += other.misses;
        self.coalesced += other.coalesced;
        self.fetches += other.fetches;
        self.stale_served += other.stale_served;
        self.evictions += other.evictions;
    }
}

/// The Zipf distribution over keys `0..n`: key k has probability (k+1)^-s / H(n, s).
///
/// Sampled exactly by inverting a precomputed cumulative table with a binary search; the table
/// is built with `libm::pow`, so draws are the same on every platform.
#[derive(Clone, Debug)]
pub struct Zipf {
    /// `cdf[k]` = P(key ≤ k); the last entry is exactly 1.
    cdf: Vec<f64>,
}

impl Zipf {
    /// The distribution over `keys` keys (≥ 1) with exponent `s` (finite, ≥ 0).
    pub fn new(keys: u32, s: f64) -> Zipf {
        assert!(keys >= 1, "a Zipf distribution needs a key");
        assert!(
            s.is_finite() && s >= 0.0,
            "a Zipf exponent is finite and ≥ 0"
        );
        let mut cdf = Vec::with_capacity(keys as usize);
        let mut total = 0.0;
        for k in 1..=keys {
            total += libm::pow(f64::from(k), -s);
            cdf.push(total);
        }
        for value in &mut cdf {
            *value /= total;
        }
        *cdf.last_mut().expect("at least one key") = 1.0;
        Zipf { cdf }
    }

    /// The probability of key `key` (0-based).
    pub fn probability(&self, key: u32) -> f64 {
        let k = key as usize;
        if k == 0 {
            self.cdf[0]
        } else {
            self.cdf[k] - self.cdf[k - 1]
        }
    }

    /// Number of keys.
    pub fn keys(&self) -> u32 {
        self.cdf.len() as u32
    }

    /// One key drawn from `stream` (exactly one draw).
    pub fn sample(&self, stream: &mut Stream) -> u32 {
        let u = stream.unit();
        // The first key whose cumulative probability exceeds u; u < 1 = the last entry.
        self.cdf.partition_point(|&c| c <= u) as u32
    }
}

/// What a lookup decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A fresh entry answers at once; `garbage` if the stored answer was garbage.
    Hit {
        /// The stored answer was silently wrong.
        garbage: bool,
    },
    /// The key is being fetched: the waiter was added to that fetch (single flight).
    Joined,
    /// The request must go downstream; report its outcome to `complete` with this flight.
    Fetch(Flight),
}

/// One fetch of a key, as `complete` must be told of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flight {
    /// The key fetched.
    pub key: u32,
    /// The fetch's number in this cache (a fetch made before a `clear` is forgotten).
    pub id: u64,
}

/// How a fetch ended for its requests.
#[derive(Debug, PartialEq, Eq)]
pub struct Settled<K> {
    /// The requests' answer: succeeded (from the fetch, or stale).
    pub ok: bool,
    /// The answer is garbage.
    pub garbage: bool,
    /// The answer is an expired entry served because the fetch failed.
    pub stale: bool,
    /// Requests that joined the fetch, in the order they joined.
    pub waiters: Vec<K>,
}

/// One owner's cache; `K` names a waiting request.
#[derive(Debug)]
pub struct Cache<K> {
    config: CacheConfig,
    zipf: Rc<Zipf>,
    /// Draws each request's key.
    stream: Stream,
    /// Per key: its entry, fresh or expired.
    entries: Vec<Option<Entry>>,
    /// Keys being fetched under single flight, with their fetch and its waiters.
    flights: BTreeMap<u32, (u64, Vec<K>)>,
    /// Fetches started so far (the next flight's id).
    flights_made: u64,
    /// With a capacity: keys by last use (a use counter), least recent first.
    recency: BTreeMap<u64, u32>,
    /// Uses so far (the next use's number).
    uses: u64,
    /// Entries held.
    held: u32,
    /// Fetches started before this number were forgotten by `clear`.
    cleared: u64,
    /// Measured counts.
    pub counts: CacheCounts,
}

/// What a fetch that succeeded stores.
#[derive(Clone, Copy, Debug)]
struct Stored {
    /// The answer was silently wrong (a garbage fault), and so is every hit on it.
    garbage: bool,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Fresh while the owner's clock reads below this.
    expires: LocalTime,
    garbage: bool,
    /// Its last use, with a capacity.
    used: u64,
}

impl<K: Copy> Cache<K> {
    /// An empty cache drawing keys from `zipf` with `stream`.
    pub fn new(config: CacheConfig, zipf: Rc<Zipf>, stream: Stream) -> Cache<K> {
        assert_eq!(zipf.keys(), config.keys, "the table matches the key count");
        Cache {
            entries: vec![None; config.keys as usize],
            config,
            zipf,
            stream,
            flights: BTreeMap::new(),
            flights_made: 0,
            recency: BTreeMap::new(),
            uses: 0,
            held: 0,
            cleared: 0,
            counts: CacheCounts::default(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// Draws the key of the next request (one draw from the owner's stream).
    pub fn draw_key(&mut self) -> u32 {
        self.zipf.sample(&mut self.stream)
    }

    /// Looks `key` up at the owner's local reading `now`; `waiter` joins a fetch in flight
    /// under single flight. `measured` requests count.
    pub fn lookup(&mut self, key: u32, now: LocalTime, waiter: K, measured: bool) -> Lookup {
        if let Some(entry) = self.entries[key as usize] {
            if now < entry.expires {
                self.touch(key);
                if measured {
                    self.counts.hits += 1;
                }
                return Lookup::Hit {
                    garbage: entry.garbage,
                };
            }
        }
        if measured {
            self.counts.misses += 1;
        }
        if self.config.single_flight {
            if let Some((_, waiters)) = self.flights.get_mut(&key) {
                waiters.push(waiter);
                if measured {
                    self.counts.coalesced += 1;
                }
                return Lookup::Joined;
            }
        }
        let id = self.flights_made;
        self.flights_made += 1;
        if self.config.single_flight {
            self.flights.insert(key, (id, Vec::new()));
        }
        if measured {
            self.counts.fetches += 1;
        }
        Lookup::Fetch(Flight { key, id })
    }

    /// The fetch `flight` ended at local reading `now` as `ending` says: a success (perhaps a
    /// garbage answer) is stored until `now` + ttl; a failure is answered with the expired
    /// entry under `serve_stale`; `measured` if the fetch's request counts. Returns the answer
    /// and the requests that waited for it; a fetch forgotten by `clear` stores nothing and has
    /// no waiters.
    pub fn complete(
        &mut self,
        flight: Flight,
        ending: Ending,
        now: LocalTime,
        measured: bool,
    ) -> Settled<K> {
        let (ok, garbage) = (ending.ok(), ending.garbage());
        if flight.id < self.cleared {
            // Started before the cache was emptied: its answer is not kept.
            return Settled {
                ok,
                garbage,
                stale: false,
                waiters: Vec::new(),
            };
        }
        let waiters = match self.flights.get(&flight.key) {
            Some(&(id, _)) if id == flight.id => self
                .flights
                .remove(&flight.key)
                .map(|(_, waiters)| waiters)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        if ok {
            self.store(flight.key, now, Stored { garbage }, measured);
            return Settled {
                ok,
                garbage,
                stale: false,
                waiters,
            };
        }
        match self.entries[flight.key as usize] {
            Some(entry) if self.config.serve_stale => {
                self.touch(flight.key);
                Settled {
                    ok: true,
                    garbage: entry.garbage,
                    stale: true,
                    waiters,
                }
            }
            _ => Settled {
                ok: false,
                garbage: false,
                stale: false,
                waiters,
            },
        }
    }

    /// Empties the cache (its owner crashed): entries and fetches in flight are forgotten.
    /// Returns the requests that were waiting, which nobody will answer.
    pub fn clear(&mut self) -> Vec<K> {
        self.entries.iter_mut().for_each(|e| *e = None);
        self.recency.clear();
        self.held = 0;
        let mut orphans = Vec::new();
        for (_, (_, waiters)) in std::mem::take(&mut self.flights) {
            orphans.extend(waiters);
        }
        self.cleared = self.flights_made;
        orphans
    }

    /// Stores `key`'s answer fetched at local reading `now`, evicting the least recently used
    /// entry if the cache is full.
    fn store(&mut self, key: u32, now: LocalTime, answer: Stored, measured: bool) {
        let garbage = answer.garbage;
        let expires = now.checked_add(self.config.ttl).unwrap_or(LocalTime::MAX);
        if self.entries[key as usize].is_none() {
            if let Some(capacity) = self.config.capacity {
                if self.held >= capacity {
                    let (_, victim) = self
                        .recency
                        .pop_first()
                        .expect("a full cache has a least recent entry");
                    self.entries[victim as usize] = None;
                    self.held -= 1;
                    if measured {
                        self.counts.evictions += 1;
                    }
                }
            }
            self.held += 1;
        }
        let used = self.entries[key as usize].map_or(0, |e| e.used);
        self.entries[key as usize] = Some(Entry {
            expires,
            garbage,
            used,
        });
        self.touch(key);
    }

    /// Marks `key`'s entry as just used (for LRU eviction; nothing to do without a capacity).
    fn touch(&mut self, key: u32) {
        if self.config.capacity.is_none() {
            return;
        }
        let entry = self.entries[key as usize]
            .as_mut()
            .expect("only a held entry is used");
        self.recency.remove(&entry.used);
        self.uses += 1;
        entry.used = self.uses;
        self.recency.insert(entry.used, key);
    }
}

#[cfg(test)]
mod tests;
