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
//! A handler may fold an outcome that its events do not show (which node served a read, how
//! far behind it was) into the same hash with `Context::fold`, exactly as an event: its `t` is
//! the current time and its `c` the outcome's code. So one hash covers a whole run.

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
