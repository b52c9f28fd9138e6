//! sim-core: faultline's deterministic discrete-event engine.
//!
//! It owns virtual time, the event queue, named random streams, the trace hash, duration
//! distributions and metric primitives. It knows nothing of clients, services or JSON: the
//! `models` crate builds worlds on top of it, and `scenarios` reads files.
//!
//! A run is a pure function of its model, its master seed and this crate's version: no wall
//! clock, no threads, no hash-map iteration, no platform libm.

#![deny(missing_docs)]

pub mod active;
pub mod clock;
pub mod distribution;
pub mod draws;
pub mod fault;
pub mod histogram;
pub mod memory;
pub mod network;
pub mod queue;
pub mod rng;
pub mod series;
pub mod simulation;
pub mod time;
pub mod time_average;
pub mod trace;
pub mod ziggurat;

pub use active::Active;
pub use clock::{Clock, ClockError, Drift, LocalTime};
pub use distribution::{Distribution, DistributionError, MixtureArm, QuantilePoint};
pub use draws::Draws;
pub use fault::{Rule, RuleAction, RuleError, Verdict};
pub use histogram::Histogram;
pub use memory::{Bytes, BytesError};
pub use network::{Delivery, LinkConfig, Network, NetworkConfig, NodeId, NodeSet};
pub use queue::{EventId, EventQueue};
pub use rng::{Probability, Stream};
pub use series::{CountSeries, LevelSeries, QuantileSeries};
pub use simulation::{Context, Limits, Model, Observer, RunError, RunStats, Simulation};
pub use time::{DurationError, SimDuration, SimTime};
pub use time_average::TimeAverage;
pub use trace::{TraceCode, TraceHash};
