//! `--max-memory SIZE` and `--max-wall DURATION`, the run-guard flags of `run` and of every
//! multi-run command.
//!
//! `--max-memory` is the scenario's `limits.memory_max` from the command line: it is added
//! as `--set limits.memory_max=SIZE` after the other `--set`s, so it reaches every run, its
//! journal key, a shard's `job.json`, a record and a replay command like any other override
//! (a run that fits in either budget gives the same result; one that does not stops with
//! exit 3 naming the limit).
//!
//! `--max-wall` starts `interrupt`'s watchdog: it never reaches a run, so it decides only
//! whether a command stops (exit 3), never a number.

use crate::error::CliError;

/// The flags, flattened into `RunArgs` and `BatchArgs`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LimitArgs {
    /// Stop a run whose live state passes SIZE (`512MiB`, `8GiB`; exit 3): the scenario's
    /// `limits.memory_max` (default 2GiB), set for every run.
    #[arg(long = "max-memory", value_name = "SIZE")]
    pub memory_max: Option<String>,
    /// Stop the command after DURATION of wall time (`30s`, `10m`, `2h`; exit 3). Results
    /// never depend on it; a multi-run command's finished runs stay journaled for --resume.
    #[arg(long = "max-wall", value_name = "DURATION")]
    pub wall_max: Option<String>,
}

impl LimitArgs {
    /// Checks the flags, adds `--max-memory` to `set` and starts the `--max-wall` watchdog.
    pub fn apply(&self, set: &mut Vec<String>) -> Result<(), CliError> {
        if let Some(size) = &self.memory_max {
            set.push(memory_override(size)?);
        }
        if let Some(text) = &self.wall_max {
            let limit = crate::interrupt::parse_wall(text)?;
            crate::interrupt::watch_wall(limit, text)?;
        }
        Ok(())
    }
}

/// `--max-memory SIZE` as the override it stands for, after checking SIZE.
pub fn memory_override(size: &str) -> Result<String, CliError> {
    let usage = |problem: String| CliError::Usage {
        flag: "--max-memory".to_string(),
        problem,
    };
    let text = size.trim();
    let bytes = sim_core::Bytes::parse(text)
        .map_err(|e| {
            usage(format!(
                "{size:?} is not a size ({e}): write a number and a unit, e.g. 512MiB, 8GiB, \
                 or a number of bytes"
            ))
        })?
        .0;
    if bytes == 0 {
        return Err(usage(
            "must be more than 0 bytes (leave it out for the scenario's limits.memory_max, \
             2GiB by default)"
                .to_string(),
        ));
    }
    Ok(format!("limits.memory_max={text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memory_limit_becomes_the_override_of_limits_memory_max() {
        assert_eq!(
            memory_override("512MiB").unwrap(),
            "limits.memory_max=512MiB"
        );
        assert_eq!(
            memory_override("1048576").unwrap(),
            "limits.memory_max=1048576"
        );
        let zero = memory_override("0").unwrap_err().to_string();
        assert!(
            zero.starts_with("--max-memory: must be more than 0 bytes"),
            "{zero}"
        );
        let word = memory_override("lots").unwrap_err().to_string();
        assert!(word.contains("\"lots\" is not a size"), "{word}");
    }
}
