//! Unit tests of the cache: the Zipf sampler, freshness on a local clock, single flight,
//! serve-stale and LRU eviction.
use super::*;
use crate::config::*;
use crate::failure::{Ending, Failure};
use sim_core::{Clock, Drift, SimDuration, SimTime};

fn config(keys: u32) -> CacheConfig {
    CacheConfig {
        keys,
        zipf: 1.0,
        ttl: SimDuration::from_secs(1),
        single_flight: false,
        serve_stale: false,
        capacity: None,
    }
}

fn cache(config: CacheConfig) -> Cache<u32> {
    let zipf = Rc::new(Zipf::new(config.keys, config.zipf));
    Cache::new(config, zipf, Stream::new(1, "test/cache_key"))
}

fn at(nanos: i64) -> LocalTime {
    LocalTime::from_nanos(nanos)
}

/// Zipf's law as Breslau, Cao, Fan, Phillips and Shenker state it for web requests ("Web
/// Caching and Zipf-like Distributions: Evidence and Implications", INFOCOM 1999): the k-th
/// most popular key is requested with probability Ω / k^s. Table probabilities are exact.
#[test]
fn zipf_probabilities_follow_a_power_law() {
    for s in [0.0, 0.8, 1.0, 1.5] {
        let zipf = Zipf::new(50, s);
        let total: f64 = (0..50).map(|k| zipf.probability(k)).sum();
        assert!((total - 1.0).abs() < 1e-12, "s={s}: sums to {total}");
        for k in 1..50u32 {
            let ratio = zipf.probability(0) / zipf.probability(k);
            let expected = libm::pow(f64::from(k + 1), s);
            assert!(
                (ratio - expected).abs() < 1e-9 * expected,
                "s={s} k={k}: p(1)/p(k+1) = {ratio}, expected {expected}"
            );
        }
    }
}

/// Breslau et al. (INFOCOM 1999): draws follow p(k) ∝ k^-s. Pearson's chi-square over 20 keys
/// (19 degrees of freedom) stays below 43.82, its 0.999 quantile, for s = 0 (uniform), 0.8
/// and 1.2; the seed is fixed, so the test is exact, and the bound says it is no fluke.
#[test]
fn zipf_draws_pass_a_chi_square_test() {
    const DRAWS: u32 = 200_000;
    for s in [0.0, 0.8, 1.2] {
        let zipf = Zipf::new(20, s);
        let mut stream = Stream::new(7, "test/zipf");
        let mut observed = [0u32; 20];
        for _ in 0..DRAWS {
            observed[zipf.sample(&mut stream) as usize] += 1;
        }
        let chi_square: f64 = (0..20u32)
            .map(|k| {
                let expected = f64::from(DRAWS) * zipf.probability(k);
                let diff = f64::from(observed[k as usize]) - expected;
                diff * diff / expected
            })
            .sum();
        assert!(chi_square < 43.82, "s={s}: chi-square {chi_square}");
    }
}

/// One draw per key, whatever the outcome: a key never depends on the cache's state.
#[test]
fn a_key_costs_exactly_one_draw() {
    let zipf = Zipf::new(1000, 1.0);
    let mut a = Stream::new(3, "test/zipf");
    let mut b = Stream::new(3, "test/zipf");
    for _ in 0..100 {
        zipf.sample(&mut a);
        b.unit();
    }
    assert_eq!(a.next_u64(), b.next_u64());
}

/// A fresh entry answers; it expires exactly ttl after its fetch completed, on the local clock.
#[test]
fn an_entry_is_fresh_for_exactly_its_ttl() {
    let mut c = cache(config(1));
    let Lookup::Fetch(flight) = c.lookup(0, at(0), 1, true) else {
        panic!("an empty cache misses");
    };
    let settled = c.complete(flight, Ending::Served { garbage: false }, at(5), true);
    assert!(settled.ok && !settled.stale && settled.waiters.is_empty());
    let second = 1_000_000_000 + 5;
    assert_eq!(
        c.lookup(0, at(second - 1), 2, true),
        Lookup::Hit { garbage: false }
    );
    assert!(matches!(c.lookup(0, at(second), 3, true), Lookup::Fetch(_)));
    assert_eq!(c.counts.hits, 1);
    assert_eq!(c.counts.misses, 2);
    assert_eq!(c.counts.fetches, 2);
}

/// The TTL runs on the owner's local clock (DESIGN.md: "Timeouts, leases and TTLs run on local
/// clocks"). At +1000 ppm the clock reads t·1.001, so an entry stored at true 0 with a 1 s ttl
/// expires at true 1 s / 1.001 = 999 000 999.001 ns: the first expired nanosecond is
/// 999 001 000, earlier than a perfect clock's 1 000 000 000 by the drift (999 000 ns).
#[test]
fn a_fast_clock_expires_entries_early_by_its_drift() {
    let fast = Clock::new(0, Drift::from_ppm(1000).unwrap());
    for (clock, first_expired) in [(fast, 999_001_000u64), (Clock::perfect(), 1_000_000_000)] {
        let mut c = cache(config(1));
        let local = |t: u64| clock.local_at(SimTime::from_nanos(t));
        let Lookup::Fetch(flight) = c.lookup(0, local(0), 1, true) else {
            panic!("an empty cache misses");
        };
        c.complete(flight, Ending::Served { garbage: false }, local(0), true);
        assert!(c.is_fresh(0, local(first_expired - 1)));
        assert!(!c.is_fresh(0, local(first_expired)));
    }
}

/// The stampede (the "thundering herd" of a hot key's expiry): without single flight every
/// concurrent miss fetches; with it exactly one does and the others wait for its answer.
#[test]
fn single_flight_turns_a_stampede_into_one_fetch() {
    for single_flight in [false, true] {
        let mut c = cache(CacheConfig {
            single_flight,
            ..config(1)
        });
        let lookups: Vec<Lookup> = (0..10).map(|w| c.lookup(0, at(0), w, true)).collect();
        let fetches = lookups
            .iter()
            .filter(|l| matches!(l, Lookup::Fetch(_)))
            .count();
        assert_eq!(fetches, if single_flight { 1 } else { 10 });
        assert_eq!(c.counts.fetches, fetches as u64);
        assert_eq!(c.counts.coalesced, 10 - fetches as u64);
        let Lookup::Fetch(first) = lookups[0] else {
            panic!("the first miss fetches");
        };
        let settled = c.complete(first, Ending::Served { garbage: false }, at(1), true);
        let waiters: Vec<u32> = if single_flight {
            (1..10).collect()
        } else {
            vec![]
        };
        assert_eq!(settled.waiters, waiters);
        assert_eq!(c.lookup(0, at(2), 99, true), Lookup::Hit { garbage: false });
    }
}

/// A failed fetch shares its failure with its waiters (Go's `singleflight`: every caller
/// gets the one call's result, error included).
#[test]
fn waiters_share_a_failure() {
    let mut c = cache(CacheConfig {
        single_flight: true,
        ..config(1)
    });
    let Lookup::Fetch(flight) = c.lookup(0, at(0), 0, true) else {
        panic!("an empty cache misses");
    };
    assert_eq!(c.lookup(0, at(0), 1, true), Lookup::Joined);
    let settled = c.complete(flight, Ending::Failed(Failure::Error), at(1), true);
    assert_eq!(
        settled,
        Settled {
            ok: false,
            garbage: false,
            stale: false,
            waiters: vec![1]
        }
    );
    // The flight is over: the next miss fetches again.
    assert!(matches!(c.lookup(0, at(2), 2, true), Lookup::Fetch(_)));
}

/// RFC 5861's `stale-if-error`: a failed fetch is answered with the expired entry when one is
/// held, and fails when none is (or without `serve_stale`).
#[test]
fn serve_stale_answers_a_failed_fetch_with_the_expired_entry() {
    for serve_stale in [false, true] {
        let mut c = cache(CacheConfig {
            serve_stale,
            ..config(2)
        });
        let Lookup::Fetch(flight) = c.lookup(0, at(0), 0, true) else {
            panic!("an empty cache misses");
        };
        c.complete(flight, Ending::Served { garbage: true }, at(0), true);
        let later = at(2_000_000_000);
        let Lookup::Fetch(flight) = c.lookup(0, later, 1, true) else {
            panic!("an expired entry misses");
        };
        let settled = c.complete(flight, Ending::Failed(Failure::Error), later, true);
        assert_eq!((settled.ok, settled.stale), (serve_stale, serve_stale));
        // The stale answer is the stored one, garbage included.
        assert_eq!(settled.garbage, serve_stale);
        let Lookup::Fetch(flight) = c.lookup(1, later, 2, true) else {
            panic!("a key never fetched misses");
        };
        let settled = c.complete(flight, Ending::Failed(Failure::Error), later, true);
        assert!(!settled.ok && !settled.stale, "nothing stale to serve");
    }
}

/// With a capacity the least recently used entry goes first (a hit counts as a use).
#[test]
fn a_full_cache_evicts_the_least_recently_used_entry() {
    let mut c = cache(CacheConfig {
        capacity: Some(2),
        ..config(3)
    });
    let fetch = |c: &mut Cache<u32>, key: u32| {
        let Lookup::Fetch(flight) = c.lookup(key, at(0), key, true) else {
            panic!("key {key} should miss");
        };
        c.complete(flight, Ending::Served { garbage: false }, at(0), true);
    };
    fetch(&mut c, 0);
    fetch(&mut c, 1);
    assert_eq!(c.lookup(0, at(1), 9, true), Lookup::Hit { garbage: false });
    fetch(&mut c, 2); // Evicts key 1, used longest ago.
    assert_eq!(c.counts.evictions, 1);
    assert_eq!(c.lookup(0, at(1), 9, true), Lookup::Hit { garbage: false });
    assert_eq!(c.lookup(2, at(1), 9, true), Lookup::Hit { garbage: false });
    assert!(matches!(c.lookup(1, at(1), 9, true), Lookup::Fetch(_)));
}

/// A crash empties the cache: a fetch started before it stores nothing and has no waiters.
#[test]
fn clear_forgets_entries_and_fetches() {
    let mut c = cache(CacheConfig {
        single_flight: true,
        ..config(1)
    });
    let Lookup::Fetch(flight) = c.lookup(0, at(0), 0, true) else {
        panic!("an empty cache misses");
    };
    assert_eq!(c.lookup(0, at(0), 1, true), Lookup::Joined);
    assert_eq!(c.clear(), vec![1]);
    let settled = c.complete(flight, Ending::Served { garbage: false }, at(1), true);
    assert!(settled.waiters.is_empty());
    assert!(matches!(c.lookup(0, at(2), 2, true), Lookup::Fetch(_)));
}

/// Unmeasured lookups (during the warm-up) change the cache but count nothing.
#[test]
fn warm_up_lookups_are_not_counted() {
    let mut c = cache(config(1));
    let Lookup::Fetch(flight) = c.lookup(0, at(0), 0, false) else {
        panic!("an empty cache misses");
    };
    c.complete(flight, Ending::Served { garbage: false }, at(0), false);
    assert_eq!(c.lookup(0, at(1), 1, false), Lookup::Hit { garbage: false });
    assert_eq!(c.counts, CacheCounts::default());
}

impl Cache<u32> {
    /// Whether `key` is fresh at `now`, without counting or touching anything.
    fn is_fresh(&self, key: u32, now: LocalTime) -> bool {
        self.entries[key as usize].is_some_and(|e| now < e.expires)
    }
}
