//! Seed ranges on the command line: `--seeds 1..30` means seeds 1 to 30 inclusive.

use crate::error::CliError;

/// An inclusive range of master seeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedRange {
    /// First seed.
    pub first: u64,
    /// Last seed (inclusive).
    pub last: u64,
}

impl SeedRange {
    /// Parses `A..B` (inclusive, A ≤ B) or a single seed `A`; `flag` names the flag in errors.
    pub fn parse(text: &str, flag: &str) -> Result<SeedRange, CliError> {
        let bad = |problem: String| CliError::Usage {
            flag: flag.to_string(),
            problem,
        };
        let number = |part: &str| {
            part.trim().parse::<u64>().map_err(|_| {
                bad(format!(
                    "`{text}` is not a seed range; write FIRST..LAST, e.g. `1..30`"
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
        if last - first == u64::MAX {
            // Every seed there is: one more than a count can hold. Nothing would finish it.
            return Err(bad(format!(
                "`{text}` holds 2^64 seeds; give a range a command can finish"
            )));
        }
        Ok(SeedRange { first, last })
    }

    /// How many seeds the range holds.
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
        let all = format!("0..{}", u64::MAX);
        assert!(SeedRange::parse(&all, "--seeds").is_err());
        let most = format!("1..{}", u64::MAX);
        assert_eq!(SeedRange::parse(&most, "--seeds").unwrap().len(), u64::MAX);
    }
}
