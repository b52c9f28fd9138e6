//! `--shard I/N`: which part of a multi-run command this process runs.
//!
//! A multi-run command is a list of units in a fixed order (a run of compare, sweep or map, a
//! seed of explore, one seed's search of capacity). Shard `I` of `N` owns the units whose
//! position in that list is `I` modulo `N`: the assignment depends only on the command line,
//! never on timing or on the machine, and dealing the units round robin spreads expensive
//! ones (high loads at the end of a sweep) evenly. Shards are numbered from 0, as Kubernetes
//! numbers an Indexed Job's pods (`$JOB_COMPLETION_INDEX`) and as a Slurm array written
//! `--array=0-(N-1)` numbers its tasks.
//!
//! This module owns the arithmetic only; `batch` skips the units a shard does not own and
//! `merge` puts the shards back together.

use crate::error::CliError;

/// One shard of `count`: units `index`, `index + count`, `index + 2·count`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard's number, `0..count`.
    pub index: u64,
    /// How many shards the work is split into.
    pub count: u64,
}

impl Shard {
    /// The whole job: one shard of one.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Reads `I/N` (0 ≤ I < N); `flag` names the flag in errors.
    pub fn parse(text: &str, flag: &str) -> Result<Shard, CliError> {
        let bad = |problem: String| CliError::Usage {
            flag: flag.to_string(),
            problem,
        };
        let shape = || {
            bad(format!(
                "`{text}` is not a shard; write INDEX/COUNT with 0 ≤ INDEX < COUNT, e.g. `0/4` for \
                 the first of four"
            ))
        };
        let (index, count) = text.split_once('/').ok_or_else(shape)?;
        let index: u64 = index.trim().parse().map_err(|_| shape())?;
        let count: u64 = count.trim().parse().map_err(|_| shape())?;
        if count == 0 {
            return Err(bad(format!(
                "`{text}`: the count of shards must be at least 1"
            )));
        }
        if index >= count {
            return Err(bad(format!(
                "`{text}`: shards are numbered from 0, so the shards of {count} are 0/{count} to \
                 {}/{count} (with a 1-based task number, write $((TASK - 1))/{count})",
                count - 1
            )));
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard runs unit number `unit`.
    pub fn owns(&self, unit: u64) -> bool {
        unit % self.count == self.index
    }

    /// How many of `units` units this shard owns.
    pub fn share(&self, units: u64) -> u64 {
        units / self.count + u64::from(units % self.count > self.index)
    }

    /// The `k`-th unit this shard owns.
    pub fn unit(&self, k: u64) -> u64 {
        self.index + k * self.count
    }

    /// True for the whole job (one shard of one).
    pub fn is_whole(&self) -> bool {
        self.count == 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_deal_units_round_robin_and_cover_each_once() {
        for count in 1..6u64 {
            for units in 0..20u64 {
                let mut seen = vec![0; units as usize];
                for index in 0..count {
                    let shard = Shard { index, count };
                    let owned: Vec<u64> = (0..shard.share(units)).map(|k| shard.unit(k)).collect();
                    assert!(owned.iter().all(|&u| shard.owns(u) && u < units));
                    for u in owned {
                        seen[u as usize] += 1;
                    }
                }
                assert!(seen.iter().all(|&n| n == 1), "{count} shards of {units}");
            }
        }
    }

    #[test]
    fn bad_shards_say_how_to_write_one() {
        assert_eq!(
            Shard::parse("2/4", "--shard").unwrap(),
            Shard { index: 2, count: 4 }
        );
        for text in ["4/4", "1-4", "x/2", "0/0", "3"] {
            let error = Shard::parse(text, "--shard").unwrap_err().to_string();
            assert!(error.starts_with("--shard:"), "{error}");
        }
        let error = Shard::parse("4/4", "--shard").unwrap_err().to_string();
        assert!(error.contains("0/4 to 3/4"), "{error}");
    }
}
