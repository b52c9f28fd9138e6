//! The keys of what a world holds in flight: requests, attempts and jobs.
//!
//! Slot-map keys, handed out by the world's slot maps in a deterministic order and never
//! shown outside it (traces name requests by a stable counter instead). They live apart from
//! `world` so that the state machines the world consults (a bulkhead's queue of waiters, a
//! cache's fetches) can name a request without importing the world.

use slotmap::new_key_type;

new_key_type! {
    /// A request in flight (one call a caller wants answered, possibly several attempts).
    pub struct RequestKey;
    /// An attempt in flight (one try of a request).
    pub struct AttemptKey;
    /// A job: a replica serving one arrived attempt.
    pub struct JobKey;
    /// A component's event parked until it runs (`component`).
    pub struct PartKey;
}
