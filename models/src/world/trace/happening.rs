//! The kinds of trace record (`Happening`): what a processed event was, and each thing it
//! caused, in terms a person can follow.

use super::super::Reply;
use super::{Admitted, AttemptRef, CacheOutcome, Done, Transit};
use crate::config::ServiceId;
use crate::guard::LocalRejection;
use sim_core::network::NodeId;
use sim_core::{SimDuration, SimTime};

/// The kinds of trace record; the first nine and `BulkheadWaitOver` are primary records (one
/// per processed event).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Happening {
    /// A client's new request arrives.
    Arrival {
        /// The client.
        client: NodeId,
        /// The new request's id.
        request: u64,
    },
    /// A backoff passed: the request's next attempt goes out now.
    Retry {
        /// The caller.
        caller: NodeId,
        /// The request.
        request: u64,
        /// The number the new attempt will have.
        attempt: u32,
    },
    /// A hedge delay passed: a second copy may go out now.
    Hedge {
        /// The caller.
        caller: NodeId,
        /// The request.
        request: u64,
    },
    /// A copy of an attempt reaches its replica.
    AttemptArrived {
        /// The caller.
        from: NodeId,
        /// The replica.
        to: NodeId,
        /// The attempt.
        attempt: AttemptRef,
        /// It lost a hedge race on the way and is dropped on arrival.
        cancelled: bool,
    },
    /// A worker finished a job's own work (its calls, or its reply, come next).
    WorkDone {
        /// The replica.
        replica: NodeId,
        /// The attempt the job serves.
        attempt: AttemptRef,
    },
    /// A reply reaches its caller.
    Response {
        /// The replica that answered.
        from: NodeId,
        /// The caller.
        to: NodeId,
        /// The attempt answered.
        attempt: AttemptRef,
        /// The answer.
        reply: Reply,
        /// The caller still waited for it (false: it timed out already, or a copy came first).
        used: bool,
    },
    /// An attempt's timer fires at its caller.
    Timeout {
        /// The caller.
        caller: NodeId,
        /// The replica it was sent to.
        replica: NodeId,
        /// The attempt.
        attempt: AttemptRef,
    },
    /// A scheduled crash or restart.
    Fault {
        /// Index in `Trace::faults`.
        fault: u32,
        /// It starts (true) or ends (false).
        start: bool,
    },
    /// An autoscaled service evaluates its metric (`replica` is its first replica), or a
    /// replica's provisioning ends (`replica` is that replica; `evaluate` false).
    Autoscale {
        /// The replica (the service's first for an evaluation).
        replica: NodeId,
        /// An evaluation (true) or a provisioning end (false).
        evaluate: bool,
    },
    /// A service's outbox relay polls its table, or the broker's acknowledgement of its batch
    /// arrives (`mark`).
    OutboxRelay {
        /// The relay's replica (its service's replica 0).
        replica: NodeId,
        /// A mark (true) or a poll (false).
        mark: bool,
    },
    /// A timer of a user component (`component::Component`) fires.
    UserTimer {
        /// The timer's tag, as the component set it.
        tag: u64,
    },
    /// A message queue's message becomes visible again after a failed delivery.
    QueueVisible {
        /// The queue's index in the scenario's `queues`.
        queue: u32,
        /// The message's sequence number in its queue.
        message: u64,
        /// Its partition.
        partition: u32,
    },
    /// A deployment's step, alert evaluation or end of rollback (`deploy`).
    Deploy {
        /// The service deployed to.
        service: ServiceId,
        /// What is due.
        action: crate::deploy::Action,
    },
    /// An event whose subject is already gone (work of a crashed job, a hedge of a request
    /// already resolved): it does nothing.
    Stale {
        /// The event's kind, as in the JSON lines.
        kind: &'static str,
    },
    /// A job's downstream call makes a request.
    CallStarted {
        /// The replica calling.
        caller: NodeId,
        /// The new request's id.
        request: u64,
        /// The attempt whose job makes the call.
        parent: AttemptRef,
        /// The service called.
        service: ServiceId,
        /// The call's index in the service's `calls`.
        call: u32,
    },
    /// An attempt is sent.
    AttemptSent {
        /// The caller.
        from: NodeId,
        /// The replica.
        to: NodeId,
        /// The attempt.
        attempt: AttemptRef,
        /// It is a hedge copy.
        hedge: bool,
        /// What the network does with it.
        transit: Transit,
        /// When its caller stops waiting for it, if ever.
        timeout_at: Option<SimTime>,
    },
    /// The caller's own guards refused to send an attempt (fail fast).
    RejectedLocally {
        /// The caller.
        caller: NodeId,
        /// The request.
        request: u64,
        /// The number the attempt would have had.
        attempt: u32,
        /// Which guard refused.
        reason: LocalRejection,
    },
    /// What a replica did with an arriving attempt.
    Admission {
        /// The replica.
        replica: NodeId,
        /// The attempt.
        attempt: AttemptRef,
        /// What it did.
        admitted: Admitted,
    },
    /// A freed worker takes a queued job.
    Dequeued {
        /// The replica.
        replica: NodeId,
        /// The attempt the job serves.
        attempt: AttemptRef,
        /// How long it waited in the queue.
        waited: SimDuration,
        /// Its own work.
        work: SimDuration,
    },
    /// A queued job is dropped undone (its deadline passed, or it lost a hedge race).
    Unqueued {
        /// The replica.
        replica: NodeId,
        /// The attempt the job serves.
        attempt: AttemptRef,
        /// It lost a hedge race (else its deadline passed).
        cancelled: bool,
    },
    /// Load shedding dropped a queued job undone (it waited too long, or CoDel dropped it);
    /// its caller is told the replica is overloaded.
    Shed {
        /// The replica.
        replica: NodeId,
        /// The attempt the job serves.
        attempt: AttemptRef,
        /// How long it waited in the queue.
        waited: SimDuration,
    },
    /// A replica sends a reply.
    ReplySent {
        /// The replica.
        from: NodeId,
        /// The caller.
        to: NodeId,
        /// The attempt answered.
        attempt: AttemptRef,
        /// The answer.
        reply: Reply,
        /// What the network does with it.
        transit: Transit,
    },
    /// A failed attempt will be retried after a backoff.
    RetryScheduled {
        /// The caller.
        caller: NodeId,
        /// The request.
        request: u64,
        /// The number the retry will have.
        attempt: u32,
        /// When it goes out.
        at: SimTime,
    },
    /// The retry budget refused a retry: the request fails.
    RetryDenied {
        /// The caller.
        caller: NodeId,
        /// The request.
        request: u64,
    },
    /// The request's overall deadline passed: it fails.
    DeadlineExceeded {
        /// The caller.
        caller: NodeId,
        /// The request.
        request: u64,
    },
    /// A request is over.
    RequestDone {
        /// The caller.
        caller: NodeId,
        /// The request.
        request: u64,
        /// How it ended.
        outcome: Done,
        /// From its arrival (or call) to now.
        latency: SimDuration,
        /// Attempts it made.
        attempts: u32,
    },
    /// A request's wait for a bulkhead slot is over without a slot (a primary record).
    BulkheadWaitOver {
        /// The caller.
        caller: NodeId,
        /// The request.
        request: u64,
    },
    /// No bulkhead slot was free: the request's next attempt waits for one.
    BulkheadQueued {
        /// The caller.
        caller: NodeId,
        /// The request.
        request: u64,
        /// When the wait times out.
        until: SimTime,
    },
    /// A crash lost the jobs a replica held (queued, in service, or waiting on calls).
    JobsLost {
        /// The replica.
        replica: NodeId,
        /// How many.
        jobs: u64,
    },
    /// A tied copy's twin started: its cancellation reaches the copy's replica.
    TiedCancel {
        /// The copy's replica.
        replica: NodeId,
        /// The copy.
        attempt: AttemptRef,
        /// Whether it cancels the copy (it had not started and was not cancelled already).
        effective: bool,
    },
    /// The caller's cache looked the request's key up, or answered its failed fetch stale.
    Cache {
        /// The caller.
        caller: NodeId,
        /// The request.
        request: u64,
        /// What the cache did.
        outcome: CacheOutcome,
    },
}
