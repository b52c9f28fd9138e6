//! The cost of a run: what its work cost at the scenario's `Prices`, split by what it bought.
//!
//! Computed after the run from what the services measured, so pricing adds no event and draws
//! no random number. Each service's bill has three lines:
//!
//! - **replicas**: every configured replica for the measured window, at `replica_hour`. A
//!   replica's time is its workers' time, priced per worker-nanosecond (a replica of `w`
//!   workers costs `replica_hour / (w × 3.6·10^12)` per worker-nanosecond);
//! - **requests**: each attempt a worker finished, at `million_requests / 10^6`;
//! - **transfer**: each such attempt's request and reply messages, at `gb` per 10^9 bytes.
//!
//! The bill is split into five disjoint parts that add up to the total (`WorkParts` keeps the
//! jobs and their worker time in the first four):
//!
//! | part | what |
//! |---|---|
//! | goodput | first attempts answered successfully to a caller still waiting |
//! | retries | retries answered successfully to a caller still waiting |
//! | hedges | hedge and tied copies answered successfully to a caller still waiting |
//! | wasted | jobs whose caller had given up, or answered with an error |
//! | idle | replica time no finished job of the measured window used |
//!
//! Idle capacity is what is left of the replicas' time: idle workers, and also the work of
//! jobs still unfinished when arrivals stopped, of jobs that arrived in the warm-up, and of
//! jobs lost in a crash. Attempts turned away without a worker (a full queue, a rate limit, a
//! crashed replica) cost nothing. Only services are priced; the database and the election,
//! which run beside the world, are not.
//!
//! What this module does not know: the world (it reads a `RunResult`) and any rendering.

use crate::config::{Prices, WorldConfig};
use crate::result::{RunResult, ServiceResult, Spent};

/// The cost of one run at its scenario's prices.
#[derive(Clone, Debug, PartialEq)]
pub struct Cost {
    /// The parts, summed over services.
    pub parts: CostParts,
    /// Per service, in configuration order.
    pub services: Vec<ServiceCost>,
    /// Hours in the measured window (the bill's period).
    pub measured_hours: f64,
}

/// The cost of one service.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceCost {
    /// The service's name.
    pub name: String,
    /// Replica-hours billed: configured replicas × the measured window.
    pub replica_hours: f64,
    /// The worker time and jobs each part priced.
    pub usage: Usage,
    /// Bytes of messages priced: each served attempt's request and reply.
    pub bytes: u128,
    /// The service's parts.
    pub parts: CostParts,
}

/// What a service's bill counts, in exact integers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Workers × the measured window, in worker-nanoseconds.
    pub capacity_ns: u128,
    /// First attempts answered successfully.
    pub goodput: Spent,
    /// Retries answered successfully.
    pub retries: Spent,
    /// Hedge and tied copies answered successfully.
    pub hedges: Spent,
    /// Jobs for callers gone, or answered with an error.
    pub wasted: Spent,
    /// Worker-nanoseconds no finished job used.
    pub idle_ns: u128,
}

/// Money in five disjoint parts, in the scenario's currency.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CostParts {
    /// Work that answered first attempts.
    pub goodput: f64,
    /// Work that answered retries.
    pub retries: f64,
    /// Work that answered hedge copies.
    pub hedges: f64,
    /// Work nobody used (callers gone, errors).
    pub wasted: f64,
    /// Replica time no measured job used.
    pub idle: f64,
}

/// Nanoseconds in an hour: a replica-hour's worker time per worker.
const HOUR_NS: f64 = 3.6e12;

impl Cost {
    /// The cost of `result`, a run of `world`, at `prices`; `None` when nothing has a price
    /// (no cost to report, rather than a misleading 0).
    pub fn of(world: &WorldConfig, prices: &Prices, result: &RunResult) -> Option<Cost> {
        if prices.is_free() {
            return None;
        }
        let services: Vec<ServiceCost> = world
            .services
            .iter()
            .zip(&result.services)
            .map(|(config, measured)| {
                ServiceCost::of(
                    config.replicas,
                    prices,
                    measured,
                    result.measured.as_nanos(),
                )
            })
            .collect();
        let mut parts = CostParts::default();
        for service in &services {
            parts.add(&service.parts);
        }
        Some(Cost {
            parts,
            services,
            measured_hours: result.measured.as_nanos() as f64 / HOUR_NS,
        })
    }

    /// The whole bill: the sum of its parts.
    pub fn total(&self) -> f64 {
        self.parts.total()
    }

    /// The bill per hour of the measured window; `None` for an empty window.
    pub fn per_hour(&self) -> Option<f64> {
        (self.measured_hours > 0.0).then(|| self.total() / self.measured_hours)
    }
}

impl ServiceCost {
    /// One service's bill: `replicas` configured, `measured_ns` of measured window.
    pub fn of(
        replicas: u32,
        prices: &Prices,
        measured: &ServiceResult,
        measured_ns: u64,
    ) -> ServiceCost {
        let parts = measured.work.parts;
        // With an autoscaler, a replica costs only while provisioned (starting, serving or
        // draining): the replica-time it measured replaces the configured count's.
        let replica_ns = match &measured.autoscale {
            Some(a) => a.provisioned_ns,
            None => u128::from(replicas) * u128::from(measured_ns),
        };
        let workers = u128::from(measured.capacity / replicas.max(1));
        let capacity_ns = workers * replica_ns;
        let busy_ns: u128 = [parts.goodput, parts.retries, parts.hedges, parts.wasted]
            .iter()
            .map(|spent| u128::from(spent.busy_ns))
            .sum();
        // Jobs counted here arrived after the warm-up and finished before arrivals stopped, so
        // they fit in the window; the saturation only guards a run a guard stopped early.
        debug_assert!(busy_ns <= capacity_ns, "finished work fits in the window");
        let usage = Usage {
            capacity_ns,
            goodput: parts.goodput,
            retries: parts.retries,
            hedges: parts.hedges,
            wasted: parts.wasted,
            idle_ns: capacity_ns.saturating_sub(busy_ns),
        };
        let replica_hours = replica_ns as f64 / HOUR_NS;
        // A worker-nanosecond's share of its replica's price (a service has workers).
        let per_worker_ns = if measured.capacity == 0 {
            0.0
        } else {
            prices.replica_hour * f64::from(replicas) / f64::from(measured.capacity) / HOUR_NS
        };
        let bytes = (prices.request_bytes + prices.reply_bytes) as f64;
        let per_job = prices.million_requests / 1e6 + bytes * prices.gb / 1e9;
        let price =
            |spent: Spent| spent.busy_ns as f64 * per_worker_ns + spent.jobs as f64 * per_job;
        let jobs = usage.goodput.jobs + usage.retries.jobs + usage.hedges.jobs + usage.wasted.jobs;
        ServiceCost {
            name: measured.name.clone(),
            replica_hours,
            usage,
            bytes: u128::from(jobs) * u128::from(prices.request_bytes + prices.reply_bytes),
            parts: CostParts {
                goodput: price(usage.goodput),
                retries: price(usage.retries),
                hedges: price(usage.hedges),
                wasted: price(usage.wasted),
                idle: usage.idle_ns as f64 * per_worker_ns,
            },
        }
    }

    /// Jobs a worker finished (every part's).
    pub fn jobs(&self) -> u64 {
        let u = &self.usage;
        u.goodput.jobs + u.retries.jobs + u.hedges.jobs + u.wasted.jobs
    }
}

impl CostParts {
    /// The five parts added in a fixed order (goodput, retries, hedges, wasted, idle).
    pub fn total(&self) -> f64 {
        self.goodput + self.retries + self.hedges + self.wasted + self.idle
    }

    /// Adds `other` part by part.
    pub fn add(&mut self, other: &CostParts) {
        self.goodput += other.goodput;
        self.retries += other.retries;
        self.hedges += other.hedges;
        self.wasted += other.wasted;
        self.idle += other.idle;
    }
}

#[cfg(test)]
mod tests;
