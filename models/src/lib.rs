//! models: the components faultline simulates, built on `sim-core`.
//!
//! Clients (open-loop arrivals, timeouts, retries with backoff and jitter), replicated services
//! (workers, bounded FIFO queues, balancers) and the network between them. `World` wires them
//! into one `sim_core::Model`; `run` builds a world from a validated `WorldConfig` and runs it.

#![deny(missing_docs)]

pub mod backoff;
pub mod client;
pub mod config;
pub mod result;
pub mod service;
pub mod world;

pub use backoff::{retry_delay, Backoff, Jitter};
pub use config::{
    Arrival, Balancer, CallConfig, ClientConfig, ClientId, NetworkConfig, RetryPolicy,
    ServiceConfig, ServiceId, WorldConfig,
};
pub use result::{ClientResult, ClientSeries, RunResult, ServiceResult, ServiceSeries};
pub use world::{run, run_observed, AttemptKey, Event, RequestKey, World};
