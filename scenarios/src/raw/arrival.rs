//! A client's `arrival` block and its `classes` as written (see `models::load` for what they
//! simulate). Which keys each kind takes is `validate::arrival`'s to check; defaults are
//! listed in the table of the parent module.
//!
//! ```json
//! {"kind": "poisson", "rate_per_s": 800}
//! {"kind": "poisson", "profile": {"kind": "table", "rates": [["0s", 100], ["600s", 400]]}}
//! {"kind": "on_off", "rate_per_s": 2000, "off_rate_per_s": 50, "on": "2s", "off": "20s"}
//! {"kind": "closed", "users": 200, "think": {"kind": "exponential", "mean": "5s"}}
//! {"kind": "sessions", "rate_per_s": 4, "requests": 10, "think": {...}}
//! {"kind": "trace", "file": "requests.csv", "speed": 2, "loop": "1h"}
//! ```

use schemars::JsonSchema;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Count, Distribution, Duration};

/// How a client's requests arrive; which fields apply depends on `kind`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientArrival {
    /// Which process.
    pub kind: ClientArrivalKind,
    /// Requests per second (`poisson`, `constant`; while on for `on_off`); new users per
    /// second (`sessions`).
    #[serde(default)]
    pub rate_per_s: Option<f64>,
    /// A rate over time instead of `rate_per_s` (`poisson`, `constant`).
    #[serde(default)]
    pub profile: Option<Profile>,
    /// Requests per second while off (`on_off`).
    #[serde(default)]
    pub off_rate_per_s: Option<f64>,
    /// The mean length of an on period (`on_off`).
    #[serde(default)]
    pub on: Option<Duration>,
    /// The mean length of an off period (`on_off`).
    #[serde(default)]
    pub off: Option<Duration>,
    /// Users per client (`closed`).
    #[serde(default)]
    pub users: Option<Count>,
    /// Think time between a request's outcome and the user's next request (`closed`,
    /// `sessions`).
    #[serde(default)]
    pub think: Option<Distribution>,
    /// Requests per session (`sessions`).
    #[serde(default)]
    pub requests: Option<Count>,
    /// A CSV file of arrival times, relative to the scenario (`trace`).
    #[serde(default)]
    pub file: Option<String>,
    /// The CSV column of times (`trace`).
    #[serde(default)]
    pub column: Option<String>,
    /// The CSV column naming each request's class (`trace`).
    #[serde(default)]
    pub class_column: Option<String>,
    /// Times are divided by this: 2 plays the trace at twice its rate (`trace`).
    #[serde(default)]
    pub speed: Option<f64>,
    /// The trace starts over every this long (`trace`).
    #[serde(default, rename = "loop")]
    pub period: Option<Duration>,
}

/// The arrival processes of a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientArrivalKind {
    /// Exponential inter-arrival times (a Poisson process; non-homogeneous with a profile).
    Poisson,
    /// Evenly spaced arrivals.
    Constant,
    /// Bursts: a two-state Markov-modulated Poisson process.
    OnOff,
    /// Closed-loop users who think between requests.
    Closed,
    /// Users who arrive, send a session of requests with think times, and leave.
    Sessions,
    /// Arrival times replayed from a CSV file.
    Trace,
}

/// A rate over time; which fields apply depends on `kind`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Which shape.
    pub kind: ProfileKind,
    /// `[time, requests per second]` points (`steps`, `table`).
    #[serde(default)]
    pub rates: Option<Vec<(Duration, f64)>>,
    /// The rate before a ramp.
    #[serde(default)]
    pub from_per_s: Option<f64>,
    /// The rate after a ramp.
    #[serde(default)]
    pub to_per_s: Option<f64>,
    /// When a ramp starts.
    #[serde(default)]
    pub at: Option<Duration>,
    /// How long a ramp lasts.
    #[serde(default, rename = "for")]
    pub lasts: Option<Duration>,
    /// A daily curve's mean rate.
    #[serde(default)]
    pub mean_per_s: Option<f64>,
    /// A daily curve's swing as a fraction of its mean.
    #[serde(default)]
    pub amplitude: Option<f64>,
    /// When in the period a daily curve peaks.
    #[serde(default)]
    pub peak_at: Option<Duration>,
    /// A daily curve's period.
    #[serde(default)]
    pub period: Option<Duration>,
}

/// The shapes of a rate over time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    /// Each rate holds until the next point's time.
    Steps,
    /// Linear between points.
    Table,
    /// Linear from one rate to another over a window.
    Ramp,
    /// A sinusoidal day.
    Daily,
}

/// One class of a client's requests.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestClass {
    /// Unique within the client.
    pub name: String,
    /// The probability that a request is of this class; absent when a trace names each
    /// request's class.
    #[serde(default)]
    pub weight: Option<f64>,
    /// The class's own service time at some services, by service name.
    #[serde(default)]
    pub service_time: BTreeMap<String, Distribution>,
}
