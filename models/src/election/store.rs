//! The lease store: who holds the lease, until when by the store's own clock, and the token of
//! the current grant. It answers requests and judges writes; it schedules nothing.

use sim_core::{Clock, LocalTime, SimDuration, SimTime};

/// The store's lease record.
#[derive(Clone, Debug)]
pub(super) struct Store {
    /// The store's clock: expiry is judged on it.
    clock: Clock,
    /// Lease duration granted from receipt.
    lease: SimDuration,
    /// The node that was granted the lease last, if any.
    holder: Option<u32>,
    /// The token of the latest fresh grant (0: none yet).
    token: u64,
    /// When the lease ends, by the store's clock.
    expiry: LocalTime,
}

/// A granted request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Grant {
    /// The lease's token.
    pub(super) token: u64,
    /// A new lease (a new token), not a renewal.
    pub(super) fresh: bool,
}

impl Store {
    /// A store with no holder, judging expiry on `clock`.
    pub(super) fn new(clock: Clock, lease: SimDuration) -> Store {
        Store {
            clock,
            lease,
            holder: None,
            token: 0,
            expiry: LocalTime::MIN,
        }
    }

    /// Answers `node`'s request at `now`: a grant if the lease is free, expired, or `node`'s.
    pub(super) fn request(&mut self, node: u32, now: SimTime) -> Option<Grant> {
        let local = self.clock.local_at(now);
        let live = self.holder.is_some() && local < self.expiry;
        if live && self.holder != Some(node) {
            return None;
        }
        let fresh = !live;
        if fresh {
            self.token += 1;
            self.holder = Some(node);
        }
        self.expiry = local.checked_add(self.lease).unwrap_or(LocalTime::MAX);
        assert_eq!(self.holder, Some(node), "a grant goes to the holder");
        Some(Grant {
            token: self.token,
            fresh,
        })
    }

    /// Whether a write carrying `token` holds the current, unexpired lease at `now`.
    pub(super) fn current(&self, token: u64, now: SimTime) -> bool {
        assert!(token <= self.token, "tokens come from grants");
        token == self.token && self.clock.local_at(now) < self.expiry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: u64) -> SimTime {
        SimTime::from_nanos(secs * 1_000_000_000)
    }

    #[test]
    fn grants_free_expired_or_own_leases_and_counts_tokens() {
        let mut store = Store::new(Clock::perfect(), SimDuration::from_secs(10));
        let first = store.request(0, t(0)).unwrap();
        assert_eq!(
            first,
            Grant {
                token: 1,
                fresh: true
            }
        );
        assert_eq!(store.request(1, t(5)), None, "held by node 0 until 10 s");
        let renewal = store.request(0, t(6)).unwrap();
        assert_eq!(
            renewal,
            Grant {
                token: 1,
                fresh: false
            }
        );
        assert_eq!(store.request(1, t(15)), None, "renewed until 16 s");
        assert!(store.current(1, t(15)));
        let second = store.request(1, t(16)).unwrap();
        assert_eq!(
            second,
            Grant {
                token: 2,
                fresh: true
            }
        );
        assert!(!store.current(1, t(17)), "superseded");
        assert!(store.current(2, t(17)));
        assert!(!store.current(2, t(26)), "expired at 26 s");
        let again = store.request(1, t(30)).unwrap();
        assert_eq!(
            again,
            Grant {
                token: 3,
                fresh: true
            },
            "own but expired: fresh"
        );
    }

    #[test]
    fn expiry_runs_on_the_store_clock() {
        let mut clock = Clock::perfect();
        clock.jump(t(5), -3_000_000_000);
        let mut store = Store::new(clock, SimDuration::from_secs(10));
        store.request(0, t(0)).unwrap();
        // The store's clock reads 10 s only at true 13 s.
        assert_eq!(store.request(1, t(12)), None);
        assert_eq!(store.request(1, t(13)).map(|g| g.token), Some(2));
    }
}
