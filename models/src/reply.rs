//! What a server answers an attempt (`Reply`): what every part of the world that serves
//! attempts hands back, and what callers count, retry or fail on (`world::outcome`).

/// How an attempt was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The request was served.
    Ok,
    /// The request was served, but the answer is silently wrong (a garbage fault).
    Garbage,
    /// The replica turned it away for overload (its queue was full, or load shedding dropped
    /// it from the queue): retryable.
    Rejected,
    /// The server failed the request (a downstream call failed, or an error burst): retryable.
    Error,
    /// The connection was refused (a crashed replica or a refusing partition): retryable.
    Refused,
    /// The server refused the request itself (4xx-like: malformed, forbidden, not found): not
    /// retryable, since every retry would get the same answer.
    ClientError,
    /// The service's rate limit turned it away ("429 Too Many Requests"): overload, retryable.
    RateLimited,
    /// The service's idempotency-key store holds the request's key for an execution in
    /// progress (Stripe's "409 Conflict"): retryable, and a healthy backend's answer.
    Conflict,
    /// The request was served, but without an optional call that failed (graceful
    /// degradation): a success.
    Degraded,
}
