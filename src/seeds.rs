//! Seed ranges on the command line: `--seeds 1..30` means seeds 1 to 30 inclusive.
//!
//! A range is checked when it is read: it holds at least one seed and at most `SEEDS_MAX`,
//! so its length always fits in a `u64` and no command allocates or loops for an absurd
//! range (`0..18446744073709551615` holds 2^64 seeds: its length wrapped to 0, and a
//! command that sized a vector by it died of a capacity overflow; issue #17).

use crate::error::CliError;

/// The most seeds one command runs (and the most `--max-seeds` may ask for).
///
/// A million runs of even a small scenario take hours on one machine, and `compare` keeps
/// every run's measurements until its report is written; a larger question is split into
/// several commands (or shards), each with its own range.
pub const SEEDS_MAX: u64 = 1_000_000;

/// An inclusive range of master seeds, holding 1 to `SEEDS_MAX` seeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedRange {
    /// First seed.
    pub first: u64,
    /// Last seed (inclusive).
    pub last: u64,
}

impl SeedRange {
    /// Parses `A..B` (inclusive, A ≤ B, at most `SEEDS_MAX` seeds) or a single seed `A`;
    /// `flag` names the flag in errors.
    pub fn parse(text: &str, flag: &str) -> Result<SeedRange, CliError> {
        let bad = |problem: String| CliError::Usage {
            flag: flag.to_string(),
            problem,
        };
        let number = |part: &str| {
            part.trim().parse::<u64>().map_err(|_| {
                bad(format!(
                    "`{text}` is not a seed range; write FIRST..LAST, e.g. `1..30` (seeds are whole numbers from 0 to {})",
                    u64::MAX
                ))
            })
        };
        let (first, last) = match text.split_once("..") {
            Some((a, b)) => (number(a)?, number(b.trim_start_matches('='))?),
            None => {
                let seed = number(text)?;
                (seed, seed)
            }
        };
        if first > last {
            return Err(bad(format!(
                "`{text}` is empty: the first seed must not exceed the last (`{last}..{first}`?)"
            )));
        }
        // `last - first` cannot overflow; the count (one more) may not fit in a u64.
        if last - first >= SEEDS_MAX {
            let count = u128::from(last - first) + 1;
            let suggestion = first.saturating_add(SEEDS_MAX - 1);
            return Err(bad(format!(
                "`{text}` holds {count} seeds, and one command runs at most {SEEDS_MAX}; \
                 split the range over several commands, e.g. `{first}..{suggestion}`"
            )));
        }
        Ok(SeedRange { first, last })
    }

    /// How many seeds the range holds (1 to `SEEDS_MAX`).
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    /// Never true: a range holds at least one seed.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The seeds in order.
    pub fn iter(&self) -> impl Iterator<Item = u64> {
        self.first..=self.last
    }
}

/// Checks a `--max-seeds` value: at least 1 (0 would run nothing and report on nothing) and
/// at most `SEEDS_MAX`.
pub fn check_max_seeds(max_seeds: u64, flag: &str) -> Result<u64, CliError> {
    if (1..=SEEDS_MAX).contains(&max_seeds) {
        return Ok(max_seeds);
    }
    let problem = if max_seeds == 0 {
        "0 seeds would run nothing; give the most seeds to run, e.g. `200`".to_string()
    } else {
        format!("{max_seeds} is more seeds than one command runs (at most {SEEDS_MAX}); split the work over several commands")
    };
    Err(CliError::Usage {
        flag: flag.to_string(),
        problem,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_inclusive() {
        let range = SeedRange::parse("1..30", "--seeds").unwrap();
        assert_eq!(range.len(), 30);
        assert_eq!(range.iter().last(), Some(30));
        assert_eq!(SeedRange::parse("7", "--seeds").unwrap().len(), 1);
        assert_eq!(SeedRange::parse("1..=3", "--seeds").unwrap().len(), 3);
        let top = SeedRange::parse("18446744073709551615", "--seeds").unwrap();
        assert_eq!(top.len(), 1, "the largest seed is a seed");
    }

    #[test]
    fn bad_ranges_say_how_to_write_one() {
        let error = SeedRange::parse("1-30", "--seeds").unwrap_err().to_string();
        assert!(
            error.contains("--seeds") && error.contains("1..30"),
            "{error}"
        );
        let error = SeedRange::parse("9..3", "--seeds").unwrap_err().to_string();
        assert!(error.contains("3..9"), "{error}");
    }

    // See: #17. The count of `0..u64::MAX` wrapped to 0: `compare` died of a capacity
    // overflow and `explore` never ended.
    #[test]
    fn r17_a_range_of_every_seed_is_refused_with_its_count() {
        let error = SeedRange::parse("0..18446744073709551615", "--seeds").unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("18446744073709551616 seeds")
                && message.contains("at most 1000000")
                && message.contains("`0..999999`"),
            "{message}"
        );
        assert_eq!(error.exit_code(), 2);
        assert_eq!(
            SeedRange::parse("5..1000004", "--seeds").unwrap().len(),
            SEEDS_MAX,
            "the maximum itself is allowed"
        );
        assert!(SeedRange::parse("5..1000005", "--seeds").is_err());
    }

    // See: #17. `--max-seeds 0` was accepted.
    #[test]
    fn r17_max_seeds_of_zero_is_refused() {
        let error = check_max_seeds(0, "--max-seeds").unwrap_err().to_string();
        assert!(
            error.starts_with("--max-seeds: 0 seeds would run nothing"),
            "{error}"
        );
        assert!(check_max_seeds(SEEDS_MAX + 1, "--max-seeds").is_err());
        assert_eq!(check_max_seeds(200, "--max-seeds").unwrap(), 200);
    }
}
