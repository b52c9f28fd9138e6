//! The trace hash: a stable 64-bit fingerprint of every processed event.
//!
//! # Algorithm (stable; changing it changes every recorded hash)
//!
//! Start from `h = 0x6a09e667f3bcc908` (the first 64 bits of the fractional part of √2, as
//! in SHA-512). For every processed event, in processing order, with `t` its time in
//! nanoseconds and `c` the event's 64-bit trace code (see `TraceCode`):
//!
//! ```text
//! h = splitmix64_mix(h ^ t)
//! h = splitmix64_mix(h ^ c)
//! ```
//!
//! `splitmix64_mix` is the SplitMix64 output function (see `rng`). It is cheap (two multiplies
//! per word), platform-independent and avalanching, which is all a fingerprint of a
//! deterministic run needs; it is not a cryptographic hash. Two runs are the same run iff their
//! hashes and their event counts match.
//!
//! A run made of two simulations one after the other (a world, then a self-contained model
//! such as a lease election) reports one hash: the second simulation's final hash `g` and event
//! count `n` are folded into the first's with `combine`:
//!
//! ```text
//! h = splitmix64_mix(h ^ g)
//! h = splitmix64_mix(h ^ n)
//! ```

use crate::rng::splitmix64_mix;
use crate::time::SimTime;

/// An event that can describe itself as one 64-bit word for the trace hash.
pub trait TraceCode {
    /// A word that identifies the event: its kind and the ids it concerns, never an address.
    fn trace_code(&self) -> u64;
}

/// The running trace hash of a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceHash(u64);

impl Default for TraceHash {
    fn default() -> Self {
        TraceHash::new()
    }
}

impl TraceHash {
    /// The hash of a run that processed no event.
    pub const fn new() -> TraceHash {
        TraceHash(0x6a09_e667_f3bc_c908)
    }

    /// Folds one processed event into the hash.
    #[inline]
    pub fn fold(&mut self, time: SimTime, code: u64) {
        self.0 = splitmix64_mix(self.0 ^ time.as_nanos());
        self.0 = splitmix64_mix(self.0 ^ code);
    }

    /// Folds the final hash and event count of a second simulation of the same run into this one.
    pub fn combine(&mut self, other: TraceHash, other_events: u64) {
        self.0 = splitmix64_mix(self.0 ^ other.0);
        self.0 = splitmix64_mix(self.0 ^ other_events);
    }

    /// The hash value.
    pub const fn value(self) -> u64 {
        self.0
    }

    /// The hash as 16 lower-case hex digits, as reports print it.
    pub fn to_hex(self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_pinned() {
        let mut h = TraceHash::new();
        h.fold(SimTime::from_nanos(1), 2);
        h.fold(SimTime::from_nanos(3), 4);
        let mut again = TraceHash::new();
        again.fold(SimTime::from_nanos(1), 2);
        again.fold(SimTime::from_nanos(3), 4);
        assert_eq!(h, again);
        assert_eq!(h.to_hex().len(), 16);
    }

    #[test]
    fn combining_depends_on_both_hashes_and_the_event_count() {
        let mut world = TraceHash::new();
        world.fold(SimTime::from_nanos(1), 2);
        let mut other = TraceHash::new();
        other.fold(SimTime::from_nanos(5), 6);
        let mut a = world;
        a.combine(other, 1);
        let mut b = world;
        b.combine(other, 2);
        let mut c = world;
        c.combine(TraceHash::new(), 1);
        assert_ne!(a, world);
        assert_ne!(a, b);
        assert_ne!(a, c);
        let mut again = world;
        again.combine(other, 1);
        assert_eq!(a, again);
    }

    #[test]
    fn order_matters() {
        let mut a = TraceHash::new();
        a.fold(SimTime::from_nanos(1), 2);
        a.fold(SimTime::from_nanos(1), 3);
        let mut b = TraceHash::new();
        b.fold(SimTime::from_nanos(1), 3);
        b.fold(SimTime::from_nanos(1), 2);
        assert_ne!(a, b);
    }
}
