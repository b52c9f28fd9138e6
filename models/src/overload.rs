//! The overload penalty: a replica with more jobs doing their own work than it has cores
//! slows every one of them down, and more than the cores alone would explain.
//!
//! Sources: processor sharing (Kleinrock, "Queueing Systems, Volume 2", 1976, §4.4: n jobs on
//! c processors each progress at rate min(1, c/n)), and the "server realism" that metastable
//! failures need (Bronson et al., "Metastable Failures in Distributed Systems", HotOS 2021;
//! Huang et al., "Metastable Failures in the Wild", OSDI 2022: under overload, per-request
//! cost rises through context switching, cache and lock contention and GC, so goodput falls as
//! load rises and the overload sustains itself).
//!
//! # Model
//!
//! With `cores` = c and `penalty` = p, a job that starts its own work while `running` = n jobs
//! (itself included) are in their own-work phase on the replica takes its drawn service time
//! times
//!
//! ```text
//! factor(n) = 1                              if n ≤ c
//!           = (n / c) × (1 + p × (n − c))    if n > c
//! ```
//!
//! The first term is CPU sharing, the second the thrashing cost of each job beyond the cores.
//! With every one of W ≥ c workers busy on own work of mean S, a replica completes
//! `W / (S × factor(W)) = c / (S × (1 + p × (W − c)))` jobs per second: flat at c / S
//! without a penalty, falling as W grows with one.
//!
//! # Approximation
//!
//! The factor is fixed when the job starts (from the jobs running then) and never revised as
//! others start or finish, so the model stays exact in integer time, schedules nothing extra
//! and needs no event per change of concurrency. Jobs waiting on downstream calls hold a
//! worker but no core, so they do not count; the worker pools of a replica (`caller_class`)
//! share its cores, so jobs of every pool count.

use crate::config::OverloadConfig;

impl OverloadConfig {
    /// How much longer a job's own work takes when it starts with `running` jobs (itself
    /// included) in their own-work phase on its replica (see the module doc).
    pub fn factor(&self, running: u32) -> f64 {
        if running <= self.cores {
            return 1.0;
        }
        let extra = f64::from(running - self.cores);
        f64::from(running) / f64::from(self.cores) * (1.0 + self.penalty * extra)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The formula of the module doc, point by point.
    #[test]
    fn factor_is_cpu_sharing_times_the_thrashing_penalty() {
        let overload = OverloadConfig {
            cores: 4,
            penalty: 0.1,
        };
        assert_eq!(overload.factor(1), 1.0);
        assert_eq!(overload.factor(4), 1.0, "up to the cores, full speed");
        // 8 jobs on 4 cores: half speed, times 1 + 0.1 × 4.
        assert!((overload.factor(8) - 2.0 * 1.4).abs() < 1e-12);
        assert!((overload.factor(5) - 1.25 * 1.1).abs() < 1e-12);
    }

    /// Processor sharing alone (Kleinrock): throughput W / factor(W) stays at the cores; with
    /// a penalty it falls as concurrency rises beyond them.
    #[test]
    fn throughput_is_flat_without_a_penalty_and_falls_with_one() {
        let sharing = OverloadConfig {
            cores: 4,
            penalty: 0.0,
        };
        let thrashing = OverloadConfig {
            cores: 4,
            penalty: 0.1,
        };
        for workers in 4..=32 {
            let flat = f64::from(workers) / sharing.factor(workers);
            assert!((flat - 4.0).abs() < 1e-9, "{workers} workers: {flat}");
            let falling = f64::from(workers) / thrashing.factor(workers);
            let expected = 4.0 / (1.0 + 0.1 * f64::from(workers - 4));
            assert!((falling - expected).abs() < 1e-9);
        }
    }
}
