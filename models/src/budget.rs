//! A run's budget: what a world will hold and process, estimated from its configuration, for
//! the run guards (`sim_core::Limits`).
//!
//! Memory has two parts. The fixed part is there from the start or grows with simulated time
//! alone: each client's and service's state (mostly latency histograms of fixed size) and the
//! series, a row per interval of the run and its drain (1 s up to 2,000 s, then wider: about
//! 2,000 rows, `sim_core::series::interval_for`). It is known before the run,
//! so validation refuses a scenario whose fixed part alone exceeds `limits.memory_max`, with
//! this estimate in the message, and the world counts it from its first event. The other part
//! grows with the work in flight (requests, attempts, jobs and events), which only the run
//! knows; `World` counts it after every event (`sim_core::Model::memory_used`).
//!
//! The figures are measured, not derived: peak resident memory of runs of 10,000 clients,
//! 10,000 services, 100,000 replicas, and 200,000 simulated seconds of 1 and 10 clients and
//! services, on x86-64 Linux (glibc). They round up, so the guard trips a little early rather
//! than late. This module does not decide what is too much: the limits do.
//!
//! Events: every arrival is at least one event, so the arrivals a scenario's clients are
//! expected to make over its duration (rate × duration) bound the events a run processes
//! from below; validation refuses a scenario whose arrivals alone pass `limits.events_max`,
//! which the run would reach only after minutes of work.

use std::fmt;

use sim_core::memory::Bytes;

use crate::config::{Load, WorldConfig, DRAIN_MAX};

/// Fixed state per client: its latency histograms (of successes, of failures, and the
/// current second's), their copies in the result, streams and counters (10,000 clients: 2.5 GB).
pub const CLIENT_BYTES: u64 = 256 * Bytes::KIB;

/// Fixed state per service: its wait and sojourn histograms, their copies in the result,
/// streams, counters and balancer (10,000 services: 3.2 GB).
pub const SERVICE_BYTES: u64 = 320 * Bytes::KIB;

/// Fixed state per arrival source beyond a client's first: a group member's or a closed-loop
/// user's stream and batch of draws (10,000 members: 29.5 MB against 11.4 MB for one client
/// at their rate, BENCHMARKS.md, issue #14), or a counted member's counts. A Poisson group is
/// one source, however large (`arrival::merges`).
pub const SOURCE_BYTES: u64 = 2 * Bytes::KIB;

/// Fixed state per replica: its queue, workers and clock (100,000 replicas: 30 MB).
pub const REPLICA_BYTES: u64 = 320;

/// Series bytes per client per row (per simulated second at 1 s): five counts, a time-weighted level and a
/// row of quantiles, and their conversion in the result (10 clients for 200,000 s: 480 MB).
pub const CLIENT_SERIES_ROW_BYTES: u64 = 320;

/// Series bytes per service per row (per simulated second at 1 s): three counts and three levels, and their
/// conversion in the result (10 services for 200,000 s: 190 MB).
pub const SERVICE_SERIES_ROW_BYTES: u64 = 128;

/// The fixed part of a world's memory, estimated (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fixed {
    /// Clients in the world.
    pub clients: u64,
    /// Services in the world.
    pub services: u64,
    /// Replicas over all services.
    pub replicas: u64,
    /// Arrival sources beyond one per client: the other members of groups and the other
    /// users of closed loops (`SOURCE_BYTES` each; a group keeps one client's figures).
    pub sources: u64,
    /// Rows of every series: the run's intervals plus the longest drain's.
    pub rows: u64,
}

impl Fixed {
    /// The estimate for `config`.
    pub fn of(config: &WorldConfig) -> Fixed {
        let interval = sim_core::series::interval_for(config.duration);
        let intervals = config
            .duration
            .saturating_add(DRAIN_MAX)
            .as_nanos()
            .div_ceil(interval.as_nanos());
        Fixed {
            clients: config.clients.len() as u64,
            services: config.services.len() as u64,
            replicas: config.services.iter().map(|s| u64::from(s.replicas)).sum(),
            sources: config
                .clients
                .iter()
                .map(|c| {
                    // A Poisson group is one source (`arrival::merges`); only counted members
                    // keep state of their own.
                    if crate::arrival::merges(c) && !c.report_members {
                        return 0;
                    }
                    let users = match c.arrival {
                        Load::Closed { users, .. } => u64::from(users),
                        _ => 1,
                    };
                    (u64::from(c.count) * users).saturating_sub(1)
                })
                .sum(),
            rows: intervals + 1,
        }
    }

    /// Bytes of the clients', services' and replicas' own state.
    pub fn nodes(&self) -> u64 {
        (self.clients.saturating_mul(CLIENT_BYTES))
            .saturating_add(self.services.saturating_mul(SERVICE_BYTES))
            .saturating_add(self.replicas.saturating_mul(REPLICA_BYTES))
            .saturating_add(self.sources.saturating_mul(SOURCE_BYTES))
    }

    /// Bytes of the series over the whole run.
    pub fn series(&self) -> u64 {
        let per_row = (self.clients.saturating_mul(CLIENT_SERIES_ROW_BYTES))
            .saturating_add(self.services.saturating_mul(SERVICE_SERIES_ROW_BYTES));
        per_row.saturating_mul(self.rows)
    }

    /// The whole fixed part.
    pub fn total(&self) -> u64 {
        self.nodes().saturating_add(self.series())
    }

    /// Whether the series (rather than the nodes' own state) make up most of it.
    pub fn mostly_series(&self) -> bool {
        self.series() > self.nodes()
    }
}

impl fmt::Display for Fixed {
    /// `"about 2.43 GiB: 10000 clients × 256 KiB, 1 service × 320 KiB, 1 replica × 320 B,
    /// and series of 261 rows × 3.05 MiB"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let per_row = (self.clients.saturating_mul(CLIENT_SERIES_ROW_BYTES))
            .saturating_add(self.services.saturating_mul(SERVICE_SERIES_ROW_BYTES));
        write!(
            f,
            "about {}: {} × {}, {} × {}, {} × {}, ",
            Bytes(self.total()),
            plural(self.clients, "client", "clients"),
            Bytes(CLIENT_BYTES),
            plural(self.services, "service", "services"),
            Bytes(SERVICE_BYTES),
            plural(self.replicas, "replica", "replicas"),
            Bytes(REPLICA_BYTES),
        )?;
        if self.sources > 0 {
            write!(
                f,
                "{} × {}, ",
                plural(
                    self.sources,
                    "more arrival source (a group member or a user)",
                    "more arrival sources (group members or users)"
                ),
                Bytes(SOURCE_BYTES)
            )?;
        }
        write!(f, "and series of {} rows × {}", self.rows, Bytes(per_row))
    }
}

/// The arrivals `config`'s clients are expected to make over its duration (the sum of each
/// client's mean rate × the duration × its members): a lower bound on the events a run
/// processes, since each arrival is one. A closed loop's rate depends on its answers, so it
/// counts 0 (a lower bound); sessions count one request per session.
pub fn arrivals_expected(config: &WorldConfig) -> f64 {
    let duration = config.duration;
    let seconds = duration.as_secs_f64();
    config
        .clients
        .iter()
        .map(|client| {
            let rate = match &client.arrival {
                Load::Closed { .. } => 0.0,
                Load::Sessions { rate_per_s, .. } => *rate_per_s,
                other => other.mean_rate_per_s(duration).unwrap_or(0.0),
            };
            rate * seconds * f64::from(client.count)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use sim_core::{Distribution, SimDuration};

    use super::*;
    use crate::config::{Arrival, ClientConfig, ServiceConfig, ServiceId};

    fn world(clients: usize, duration: SimDuration) -> WorldConfig {
        let service = ServiceConfig::plain(
            "api",
            2,
            1,
            10,
            Distribution::Constant(SimDuration::from_millis(1)),
        );
        let clients = (0..clients)
            .map(|i| {
                ClientConfig::plain(
                    &format!("c{i}"),
                    ServiceId(0),
                    Arrival::Poisson { rate_per_s: 100.0 },
                )
            })
            .collect();
        WorldConfig::plain(duration, SimDuration::ZERO, clients, vec![service])
    }

    #[test]
    fn the_fixed_part_counts_nodes_and_a_row_per_second_of_run_and_drain() {
        let fixed = Fixed::of(&world(3, SimDuration::from_secs(100)));
        assert_eq!(
            fixed,
            Fixed {
                clients: 3,
                services: 1,
                replicas: 2,
                sources: 0,
                rows: 161,
            }
        );
        assert_eq!(
            fixed.nodes(),
            3 * CLIENT_BYTES + SERVICE_BYTES + 2 * REPLICA_BYTES
        );
        assert_eq!(
            fixed.series(),
            161 * (3 * CLIENT_SERIES_ROW_BYTES + SERVICE_SERIES_ROW_BYTES)
        );
        assert!(!fixed.mostly_series());
        let text = fixed.to_string();
        assert!(
            text.starts_with("about 1.23 MiB: 3 clients × 256 KiB, 1 service × 320 KiB, 2 replicas × 320 B, and series of 161 rows × 1.06 KiB"),
            "{text}"
        );
    }

    #[test]
    fn a_month_of_series_stays_near_two_thousand_rows() {
        // Issue #19: series rows widen with the run, so a month holds about as many as 2,000 s.
        let fixed = Fixed::of(&world(1, SimDuration::RUN_MAX));
        assert!(fixed.rows <= 2_100, "{fixed}");
        assert!(fixed.total() < 2 * Bytes::MIB, "{fixed}");
    }

    #[test]
    fn arrivals_are_rate_times_duration() {
        let config = world(3, SimDuration::from_secs(100));
        assert_eq!(arrivals_expected(&config), 30_000.0);
    }

    /// Issue #14: a group counts one client's state plus a stream per other member, and its
    /// members' arrivals; a closed loop's users count as sources and its arrivals as 0. A
    /// Poisson group is one source unless its members are counted (issue #19).
    #[test]
    fn groups_and_users_count_their_sources() {
        let mut config = world(1, SimDuration::from_secs(100));
        config.clients[0].count = 10_000;
        assert_eq!(Fixed::of(&config).sources, 0);
        assert_eq!(arrivals_expected(&config), 100.0 * 100.0 * 10_000.0);
        config.clients[0].report_members = true;
        let fixed = Fixed::of(&config);
        assert_eq!((fixed.clients, fixed.sources), (1, 9_999));
        assert!(fixed
            .to_string()
            .contains(", 9999 more arrival sources (group members or users) × 2 KiB, "));
        config.clients[0].report_members = false;
        config.clients[0].arrival = Arrival::Constant { rate_per_s: 100.0 }.into();
        assert_eq!(Fixed::of(&config).sources, 9_999);
        config.clients[0].count = 2;
        config.clients[0].arrival = Load::Closed {
            users: 50,
            think: Distribution::Constant(SimDuration::from_secs(1)),
        };
        assert_eq!(Fixed::of(&config).sources, 99);
        assert_eq!(arrivals_expected(&config), 0.0);
    }
}
