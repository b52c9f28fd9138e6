//! The optional `cost` object of a run's summary: what the run's work cost at the scenario's
//! prices, split into goodput, retries, hedges, wasted work and idle capacity.
//!
//! Absent (not null, not 0) when the scenario sets no price: a column of zeros would read as
//! "free", when nothing was priced. Money keeps nine significant digits, so the parts add up
//! to the total to within a part in 10^8.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::stats::round_sig;
use crate::summary::round;

/// A run's cost, in the currency of its scenario's prices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostSummary {
    /// The whole bill of the measured window: the sum of `parts`.
    pub total: f64,
    /// The bill per hour of the measured window (null for an empty window).
    pub per_hour: Option<f64>,
    /// The bill in five disjoint parts.
    pub parts: CostPartsSummary,
    /// Each part's share of the total (null when the total is 0).
    pub shares: Option<CostPartsSummary>,
    /// Replica-hours billed, over every service.
    pub replica_hours: f64,
    /// Attempts served (finished by a worker), over every service.
    pub requests_served: u64,
    /// GB (10^9 bytes) of messages billed.
    pub gb: f64,
    /// Per service, by name.
    pub services: BTreeMap<String, ServiceCostSummary>,
}

/// One service's bill.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceCostSummary {
    /// The service's whole bill.
    pub total: f64,
    /// Its parts.
    pub parts: CostPartsSummary,
    /// Replica-hours billed.
    pub replica_hours: f64,
    /// Attempts served.
    pub requests_served: u64,
}

/// Five disjoint parts of a bill (money, or shares of it).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostPartsSummary {
    /// Work that answered first attempts to callers still waiting.
    pub goodput: f64,
    /// Work that answered retries.
    pub retries: f64,
    /// Work that answered hedge and tied copies.
    pub hedges: f64,
    /// Work for callers gone, or answered with an error.
    pub wasted: f64,
    /// Replica time no measured job used.
    pub idle: f64,
}

/// Significant digits of money.
const MONEY_DIGITS: u32 = 9;

impl CostSummary {
    /// The summary of `cost`.
    pub fn of(cost: &models::Cost) -> CostSummary {
        let total = cost.total();
        let money = |x: f64| round_sig(x, MONEY_DIGITS);
        CostSummary {
            total: money(total),
            per_hour: cost.per_hour().map(money),
            parts: CostPartsSummary::money(&cost.parts),
            shares: (total > 0.0).then(|| {
                let p = &cost.parts;
                let share = |x: f64| round(x / total, 6);
                CostPartsSummary {
                    goodput: share(p.goodput),
                    retries: share(p.retries),
                    hedges: share(p.hedges),
                    wasted: share(p.wasted),
                    idle: share(p.idle),
                }
            }),
            replica_hours: round_sig(cost.services.iter().map(|s| s.replica_hours).sum(), 9),
            requests_served: cost.services.iter().map(models::ServiceCost::jobs).sum(),
            gb: round_sig(
                cost.services.iter().map(|s| s.bytes).sum::<u128>() as f64 / 1e9,
                9,
            ),
            services: cost
                .services
                .iter()
                .map(|s| {
                    let summary = ServiceCostSummary {
                        total: money(s.parts.total()),
                        parts: CostPartsSummary::money(&s.parts),
                        replica_hours: round_sig(s.replica_hours, 9),
                        requests_served: s.jobs(),
                    };
                    (s.name.clone(), summary)
                })
                .collect(),
        }
    }
}

impl CostPartsSummary {
    fn money(parts: &models::CostParts) -> CostPartsSummary {
        let money = |x: f64| round_sig(x, MONEY_DIGITS);
        CostPartsSummary {
            goodput: money(parts.goodput),
            retries: money(parts.retries),
            hedges: money(parts.hedges),
            wasted: money(parts.wasted),
            idle: money(parts.idle),
        }
    }

    /// The parts in report order with their names.
    pub fn named(&self) -> [(&'static str, f64); 5] {
        [
            ("goodput", self.goodput),
            ("retries", self.retries),
            ("hedges", self.hedges),
            ("wasted", self.wasted),
            ("idle", self.idle),
        ]
    }
}
