//! `Holders`: what still refers to an attempt besides its caller's wait, counted by kind.
//!
//! An attempt is freed once its caller stops waiting for it and nothing else refers to it:
//! no copy of its request message is on its way to a replica, no job serves it, no copy of its
//! reply is on its way back, and no tied twin's cancellation is on its way to it. Each kind is
//! counted apart, and each release names what it releases, so releasing what was never held is
//! a bug caught where it happens (an assertion), not a wrapped count found much later.

use sim_core::network::Delivery;

/// What refers to an attempt, by kind (each at most a few: a message is sent once or
/// duplicated, and each copy that arrives makes at most one job).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Holders {
    /// Copies of its request message on their way to its replica.
    requests: u8,
    /// Jobs serving it (a duplicated request makes two).
    jobs: u8,
    /// Copies of its reply (or of a refusal) on their way to its caller.
    replies: u8,
    /// Cancellations from its tied twin's replica on their way to its replica.
    cancels: u8,
}

impl Holders {
    /// What a request message sent with `delivery` holds: the copies that will arrive, or
    /// the refusal that will come back.
    pub(super) fn sent(delivery: Delivery) -> Holders {
        let mut holders = Holders::default();
        match delivery {
            Delivery::Deliver(_) => holders.requests = 1,
            Delivery::Duplicate(..) => holders.requests = 2,
            Delivery::Drop => {}
            Delivery::Refuse(_) => holders.replies = 1,
        }
        holders
    }

    /// Whether nothing refers to the attempt any more.
    #[inline]
    pub(super) fn none(self) -> bool {
        self == Holders::default()
    }

    /// A copy of its request message reached its replica.
    #[inline]
    pub(super) fn request_arrived(&mut self) {
        self.requests = self
            .requests
            .checked_sub(1)
            .expect("a request copy arrives only if one was sent");
    }

    /// A job started serving it.
    #[inline]
    pub(super) fn job_began(&mut self) {
        self.jobs = self.jobs.checked_add(1).expect("an attempt has a few jobs");
    }

    /// A job serving it ended (finished, dropped, rejected or lost in a crash).
    #[inline]
    pub(super) fn job_ended(&mut self) {
        self.jobs = self
            .jobs
            .checked_sub(1)
            .expect("only a job that began ends");
    }

    /// `copies` copies of its reply are on their way back.
    #[inline]
    pub(super) fn replies_sent(&mut self, copies: u8) {
        self.replies = self
            .replies
            .checked_add(copies)
            .expect("an attempt gets a few replies");
    }

    /// A copy of its reply (or its refusal) reached its caller.
    #[inline]
    pub(super) fn reply_arrived(&mut self) {
        self.replies = self
            .replies
            .checked_sub(1)
            .expect("a reply arrives only if one was sent");
    }

    /// `copies` cancellations from its tied twin are on their way.
    pub(super) fn cancels_sent(&mut self, copies: u8) {
        self.cancels = self
            .cancels
            .checked_add(copies)
            .expect("a twin sends a few cancellations");
    }

    /// A cancellation from its tied twin reached its replica.
    pub(super) fn cancel_arrived(&mut self) {
        self.cancels = self
            .cancels
            .checked_sub(1)
            .expect("a cancellation arrives only if one was sent");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::SimDuration;

    #[test]
    fn each_kind_is_released_apart_and_none_is_left_at_the_end() {
        let mut h = Holders::sent(Delivery::Duplicate(SimDuration::ZERO, SimDuration::ZERO));
        h.request_arrived();
        h.job_began();
        h.request_arrived();
        h.job_began();
        assert!(!h.none());
        h.job_ended();
        h.replies_sent(2);
        h.job_ended();
        h.reply_arrived();
        h.reply_arrived();
        assert!(h.none());
        assert!(Holders::sent(Delivery::Drop).none());
        let mut refused = Holders::sent(Delivery::Refuse(SimDuration::ZERO));
        refused.reply_arrived();
        assert!(refused.none());
    }

    #[test]
    fn releasing_what_was_never_held_is_caught() {
        let released = std::panic::catch_unwind(|| {
            let mut h = Holders::default();
            h.job_ended();
        });
        assert!(released.is_err(), "a job that never began cannot end");
    }
}
