//! Why a request failed: the cause its caller gave up on, and a count per cause.
//!
//! A request fails for exactly one reason, decided where it is resolved: its caller's guards
//! refused to send it (an open breaker, throttling, a full bulkhead), its retry budget refused
//! a retry, its overall deadline passed, its attempt got a non-retryable answer, or it ran out
//! of attempts, in which case the cause is how its last attempt failed (a timeout, an overload
//! rejection, a 5xx-like error, a refused connection, a rate limit or an idempotency
//! conflict). Counting causes per request (not per attempt) keeps one denominator: the causes
//! of a client's failed requests add up to its `failed` count. Plain data: the world maps its
//! replies and its guards' refusals onto these causes (`world/outcome.rs`), and carries a
//! request's fate to its caller as an `Ending`: served, or failed for one of them.

/// The cause of one failed request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Failure {
    /// Its last attempt timed out.
    #[default]
    Timeout,
    /// Its last attempt was turned away for overload (a full queue, or shed from one).
    Overload,
    /// Its last attempt was answered with a 5xx-like error.
    Error,
    /// Its last attempt's connection was refused (a crashed replica, a refusing partition).
    Refused,
    /// Its last attempt was turned away by the target's rate limit.
    RateLimited,
    /// Its last attempt met an idempotency conflict (its key was executing).
    Conflict,
    /// An attempt was answered with a non-retryable (4xx-like) error.
    NonRetryable,
    /// The caller's circuit breaker refused to send an attempt.
    BreakerOpen,
    /// Adaptive throttling refused to send an attempt.
    Throttled,
    /// The caller's bulkhead had no slot for an attempt.
    BulkheadFull,
    /// The retry budget refused a retry.
    RetryDenied,
    /// The request's overall deadline passed.
    DeadlineExceeded,
}

/// Failed requests counted by cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FailureCounts {
    counts: [u64; Failure::ALL.len()],
}

impl Failure {
    /// Every cause, in the order reports list them.
    pub const ALL: [Failure; 12] = [
        Failure::Timeout,
        Failure::Overload,
        Failure::Error,
        Failure::Refused,
        Failure::RateLimited,
        Failure::Conflict,
        Failure::NonRetryable,
        Failure::BreakerOpen,
        Failure::Throttled,
        Failure::BulkheadFull,
        Failure::RetryDenied,
        Failure::DeadlineExceeded,
    ];

    /// The cause's stable name in JSON and reports (`timeout`, `breaker_open`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Failure::Timeout => "timeout",
            Failure::Overload => "overload",
            Failure::Error => "error",
            Failure::Refused => "refused",
            Failure::RateLimited => "rate_limited",
            Failure::Conflict => "conflict",
            Failure::NonRetryable => "non_retryable",
            Failure::BreakerOpen => "breaker_open",
            Failure::Throttled => "throttled",
            Failure::BulkheadFull => "bulkhead_full",
            Failure::RetryDenied => "retry_denied",
            Failure::DeadlineExceeded => "deadline_exceeded",
        }
    }
}

impl FailureCounts {
    /// Counts one more failed request of `cause`.
    #[inline]
    pub fn add(&mut self, cause: Failure) {
        self.counts[cause as usize] += 1;
    }

    /// The failed requests of `cause`.
    pub fn get(&self, cause: Failure) -> u64 {
        self.counts[cause as usize]
    }

    /// Failed requests in all.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Every cause with its count, in `Failure::ALL` order (zeros included).
    pub fn iter(&self) -> impl Iterator<Item = (Failure, u64)> + '_ {
        Failure::ALL.iter().map(|&cause| (cause, self.get(cause)))
    }
}

/// How a request ends: served (perhaps with a silently wrong answer), or failed for a cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// It got a successful answer; `garbage` if that answer was silently wrong.
    Served {
        /// The answer was garbage (a garbage fault).
        garbage: bool,
    },
    /// Its caller gave up on it, for this cause.
    Failed(Failure),
}

impl Ending {
    /// Whether the request succeeded.
    #[inline]
    pub fn ok(self) -> bool {
        matches!(self, Ending::Served { .. })
    }

    /// Whether it succeeded with a garbage answer.
    #[inline]
    pub fn garbage(self) -> bool {
        self == Ending::Served { garbage: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_is_listed_once_at_its_own_index() {
        for (index, cause) in Failure::ALL.iter().enumerate() {
            assert_eq!(*cause as usize, index, "{cause:?}");
        }
        let mut names: Vec<&str> = Failure::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Failure::ALL.len());
    }

    #[test]
    fn counts_add_up_to_their_total() {
        let mut counts = FailureCounts::default();
        counts.add(Failure::Timeout);
        counts.add(Failure::Timeout);
        counts.add(Failure::RetryDenied);
        assert_eq!(counts.get(Failure::Timeout), 2);
        assert_eq!(counts.total(), 3);
        assert_eq!(counts.iter().map(|(_, n)| n).sum::<u64>(), 3);
    }
}
