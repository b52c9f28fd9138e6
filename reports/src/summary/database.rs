//! The `database` object of the run summary: a leader–follower database's stale reads, writes
//! lost in failovers and leaderless time, present only when the scenario has a database.

use serde::Serialize;
use sim_core::Histogram;

use models::{DatabaseCalls, DatabaseResult, ReadFrom, Replication};

use super::{ratio, round, Quantiles};

/// What a leader–follower database measured after the warm-up, in the summary's units.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DatabaseSummary {
    /// The database's name.
    pub name: String,
    /// Nodes in all (leader and followers).
    pub nodes: u32,
    /// `"async"` or `"semi_sync"`.
    pub replication: String,
    /// `"followers"`, `"leader"` or `"any"`.
    pub read_from: String,
    /// The leader when the run ended (`db[1]`), or null during a failover.
    pub leader: Option<String>,
    /// Writes that arrived.
    pub writes: u64,
    /// Writes acknowledged to their clients.
    pub writes_acknowledged: u64,
    /// Writes that failed: no leader, or the leader crashed before a follower had them.
    pub failed_writes: u64,
    /// Acknowledged writes discarded by a failover.
    pub writes_lost_in_failover: u64,
    /// Reads that arrived.
    pub reads: u64,
    /// Reads with no live node to serve them.
    pub failed_reads: u64,
    /// Reads that missed an acknowledged write.
    pub stale_reads: u64,
    /// Stale reads per served read.
    pub stale_fraction: f64,
    /// Reads served by each node, by index.
    pub reads_per_node: Vec<u64>,
    /// How many acknowledged writes each stale read missed.
    pub versions_behind: Versions,
    /// How long ago the first write a stale read missed was acknowledged.
    pub staleness_ms: Quantiles,
    /// Commit to acknowledgement of each acknowledged write (0 under async).
    pub write_latency_ms: Quantiles,
    /// Failovers completed.
    pub failovers: u64,
    /// Seconds without a leader.
    pub unavailable_s: f64,
}

/// Statistics of a count (versions behind); each null when there was nothing to count.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Versions {
    /// Exact mean.
    pub mean: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Exact maximum.
    pub max: Option<f64>,
}

impl DatabaseSummary {
    /// The summary of one database's measurements.
    pub fn of(result: &DatabaseResult) -> DatabaseSummary {
        let served = result.reads - result.failed_reads;
        DatabaseSummary {
            name: result.name.clone(),
            nodes: result.nodes,
            replication: match result.replication {
                Replication::Async => "async",
                Replication::SemiSync => "semi_sync",
            }
            .to_string(),
            read_from: match result.read_from {
                ReadFrom::Followers => "followers",
                ReadFrom::Leader => "leader",
                ReadFrom::Any => "any",
            }
            .to_string(),
            leader: result.leader.map(|i| format!("{}[{i}]", result.name)),
            writes: result.writes,
            writes_acknowledged: result.writes_acknowledged,
            failed_writes: result.failed_writes,
            writes_lost_in_failover: result.writes_lost_in_failover,
            reads: result.reads,
            failed_reads: result.failed_reads,
            stale_reads: result.stale_reads,
            stale_fraction: round(ratio(result.stale_reads as f64, served as f64), 6),
            reads_per_node: result.reads_per_node.clone(),
            versions_behind: Versions::of(&result.versions_behind),
            staleness_ms: Quantiles::of(&result.staleness),
            write_latency_ms: Quantiles::of(&result.write_latency),
            failovers: result.failovers,
            unavailable_s: round(result.unavailable.as_secs_f64(), 9),
        }
    }
}

impl Versions {
    /// Statistics of a histogram that holds one nanosecond per version.
    fn of(histogram: &Histogram) -> Versions {
        // Histogram quantiles carry up to 0.4% error; versions are whole numbers.
        let some = histogram.count() > 0;
        let whole = |nanos: f64| some.then(|| nanos.round());
        Versions {
            mean: some.then(|| round(histogram.mean_nanos(), 3)),
            p50: whole(histogram.quantile_nanos(0.5)),
            p99: whole(histogram.quantile_nanos(0.99)),
            max: some.then(|| histogram.max().as_nanos() as f64),
        }
    }
}

/// What one client's requests met at the database through services' calls, after the warm-up:
/// the `database` object of a client, present only when services call a database.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ClientDatabaseSummary {
    /// Reads its requests' calls made.
    pub reads: u64,
    /// Reads that failed: no live node could serve them.
    pub failed_reads: u64,
    /// Reads that succeeded but missed a write acknowledged before they began.
    pub stale_reads: u64,
    /// Stale reads per successful read; null without one.
    pub stale_fraction: Option<f64>,
    /// Writes its requests' calls made.
    pub writes: u64,
    /// Writes the leader committed and acknowledged.
    pub writes_acknowledged: u64,
    /// Writes that failed: no leader, or the node had stopped leading.
    pub failed_writes: u64,
    /// Acknowledged writes a failover later discarded.
    pub writes_lost: u64,
}

impl ClientDatabaseSummary {
    /// The summary of `calls`.
    pub fn of(calls: &DatabaseCalls) -> ClientDatabaseSummary {
        let served = calls.reads - calls.failed_reads;
        ClientDatabaseSummary {
            reads: calls.reads,
            failed_reads: calls.failed_reads,
            stale_reads: calls.stale_reads,
            stale_fraction: (served > 0)
                .then(|| round(calls.stale_reads as f64 / served as f64, 6)),
            writes: calls.writes,
            writes_acknowledged: calls.writes_acknowledged,
            failed_writes: calls.failed_writes,
            writes_lost: calls.writes_lost,
        }
    }
}
