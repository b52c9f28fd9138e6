//! `Bytes`: a size in bytes, the unit of the memory guard (`Limits::memory_max`), read from
//! `"2GiB"`, `"512MB"` or a plain number and printed in binary units (`2 GiB`).
//!
//! What takes memory, and how much, is the models' business (`Model::memory_used`); this
//! module only reads and prints sizes.

use std::fmt;

/// A size in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub u64);

/// Why a size could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BytesError {
    /// Occurs when the text is not a number with an optional unit, e.g. `"lots"` or `"2XB"`.
    #[error(
        "`{text}` is not a size; write a number and a unit, e.g. \"2GiB\", \"512MB\" or \"1.5GiB\""
    )]
    Invalid {
        /// The text as given.
        text: String,
    },
    /// Occurs when the size does not fit in 64 bits (16 EiB).
    #[error("`{text}` is too large: sizes must be below 16 EiB")]
    TooLarge {
        /// The text as given.
        text: String,
    },
}

/// Units by name: decimal (`KB` = 1000) and binary (`KiB` = 1024; a bare `K`, `M`, `G` or `T`
/// is binary too, as in `ulimit` and the JVM's `-Xmx`). Case does not matter.
const UNITS: [(&str, u64); 13] = [
    ("b", 1),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("tib", 1 << 40),
    ("k", 1 << 10),
    ("m", 1 << 20),
    ("g", 1 << 30),
    ("t", 1 << 40),
];

impl Bytes {
    /// One kibibyte.
    pub const KIB: u64 = 1 << 10;
    /// One mebibyte.
    pub const MIB: u64 = 1 << 20;
    /// One gibibyte.
    pub const GIB: u64 = 1 << 30;

    /// Reads `"2GiB"`, `"512 MB"`, `"1.5g"` or `"2000000000"` (bytes).
    ///
    /// ```
    /// use sim_core::memory::Bytes;
    /// assert_eq!(Bytes::parse("2GiB").unwrap(), Bytes(2 << 30));
    /// assert_eq!(Bytes::parse("512MB").unwrap(), Bytes(512_000_000));
    /// assert_eq!(Bytes::parse("1.5GiB").unwrap().to_string(), "1.5 GiB");
    /// ```
    pub fn parse(text: &str) -> Result<Bytes, BytesError> {
        let invalid = || BytesError::Invalid {
            text: text.to_string(),
        };
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let unit = unit.trim().to_ascii_lowercase();
        let scale = match unit.as_str() {
            "" => 1,
            unit => UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|(_, scale)| *scale)
                .ok_or_else(invalid)?,
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() {
            return Err(invalid());
        }
        let digits = |part: &str| -> Result<u128, BytesError> {
            if part.is_empty() {
                return Ok(0);
            }
            if part.len() > 30 {
                return Err(BytesError::TooLarge {
                    text: text.to_string(),
                });
            }
            part.parse::<u128>().map_err(|_| invalid())
        };
        // Exact decimal arithmetic: whole × scale + fraction × scale / 10^len, rounded down.
        let fraction_digits = fraction.len().min(18);
        let fraction = &fraction[..fraction_digits];
        let bytes = digits(whole)? * u128::from(scale)
            + digits(fraction)? * u128::from(scale) / 10u128.pow(fraction_digits as u32);
        u64::try_from(bytes)
            .map(Bytes)
            .map_err(|_| BytesError::TooLarge {
                text: text.to_string(),
            })
    }
}

impl fmt::Display for Bytes {
    /// Prints the size in the largest binary unit it reaches, with at most two decimals
    /// (rounded down): `2 GiB`, `1.5 GiB`, `953.67 MiB`, `512 B`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units: [(u64, &str); 5] = [
            (1 << 40, "TiB"),
            (1 << 30, "GiB"),
            (1 << 20, "MiB"),
            (1 << 10, "KiB"),
            (1, "B"),
        ];
        let (scale, unit) = units
            .into_iter()
            .find(|(scale, _)| self.0 >= *scale)
            .unwrap_or((1, "B"));
        let hundredths = u128::from(self.0) * 100 / u128::from(scale);
        let (whole, rest) = (hundredths / 100, hundredths % 100);
        match rest {
            0 => write!(f, "{whole} {unit}"),
            r if r % 10 == 0 => write!(f, "{whole}.{} {unit}", r / 10),
            r => write!(f, "{whole}.{r:02} {unit}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_decimal_and_binary_units() {
        let cases = [
            ("0", 0),
            ("1024", 1024),
            ("2GiB", 2 << 30),
            ("2 gib", 2 << 30),
            ("2G", 2 << 30),
            ("2GB", 2_000_000_000),
            ("512MiB", 512 << 20),
            ("1.5GiB", 3 << 29),
            ("0.5k", 512),
            ("16TiB", 16 << 40),
        ];
        for (text, bytes) in cases {
            assert_eq!(Bytes::parse(text), Ok(Bytes(bytes)), "{text}");
        }
    }

    #[test]
    fn bad_sizes_say_how_to_write_one() {
        for text in ["", "lots", "2XB", "GiB", ".", "-1GiB", "1..2GB"] {
            let error = Bytes::parse(text).unwrap_err();
            assert!(
                matches!(error, BytesError::Invalid { .. }),
                "{text}: {error}"
            );
            assert!(error.to_string().contains("2GiB"), "{error}");
        }
        assert!(matches!(
            Bytes::parse("17000000TiB"),
            Err(BytesError::TooLarge { .. })
        ));
    }

    #[test]
    fn sizes_print_in_binary_units() {
        assert_eq!(Bytes(2 << 30).to_string(), "2 GiB");
        assert_eq!(Bytes(3 << 29).to_string(), "1.5 GiB");
        assert_eq!(Bytes(1_000_000_000).to_string(), "953.67 MiB");
        assert_eq!(Bytes(512).to_string(), "512 B");
        assert_eq!(Bytes(0).to_string(), "0 B");
    }
}
