//! Reading measured durations from CSV text: a column of samples, or a histogram's bounds
//! and counts. Text in, values or a line-numbered problem out; no I/O (the bytes come from a
//! `FileSource`).
//!
//! # The format
//!
//! 1. UTF-8 text (a leading byte-order mark is skipped); lines end in `\n` or `\r\n`; blank
//!    lines and lines starting with `#` are skipped.
//! 2. Fields are separated by commas and trimmed of spaces and of one pair of double quotes.
//! 3. The first line not skipped is a header if its first field starts with a letter or `_`;
//!    it names the columns.
//! 4. A column's unit comes from its name: `ns`, `us`, `ms` or `s`, alone or as a suffix
//!    after `_` (`latency_ms`), means plain numbers in that unit (`3.25`). A column named
//!    `unit` gives each row's unit instead. Otherwise every value carries its own unit
//!    (`3.25ms`, `450us`, `2s`, `17ns`, `µs` too).
//! 5. Samples (`empirical`): the column named by `column`, or else the only column other
//!    than `unit`. Without a header, each line is `VALUE` or `VALUE,UNIT` (`3.25,ms`).
//! 6. Buckets (`histogram`): a `count` column of whole numbers, and one bound column (named
//!    by `column`, or else the only other one except `unit`). Without a header, each line is
//!    `BOUND,COUNT` (`5ms,800`).
//! 7. Values are finite and not negative, at most `ROWS_MAX` rows; a value is rounded to
//!    the nearest nanosecond (`3.2` ms is 3,200,000 ns).
//!
//! A problem names its line (from 1, counting every line) when there is one.

use sim_core::SimDuration;

/// The most rows a file may hold: ten million samples are 80 MB in memory, far more than a
/// latency distribution needs, and the cap turns a wrong file into an error, not a stall.
pub(crate) const ROWS_MAX: usize = 10_000_000;

/// What is wrong with a CSV file, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CsvError {
    /// The line at fault, from 1.
    pub line: Option<usize>,
    /// What is wrong.
    pub problem: String,
    /// How to fix it.
    pub hint: &'static str,
}

/// The durations in one column of `bytes` (rule 5 of the module doc).
pub(crate) fn durations(bytes: &[u8], column: Option<&str>) -> Result<Vec<SimDuration>, CsvError> {
    let table = Table::read(bytes)?;
    let layout = table.layout(column, None)?;
    let mut values = Vec::new();
    for row in &table.rows {
        values.push(layout.value(row)?);
    }
    if values.is_empty() {
        return Err(no_values(
            "the file needs one value per line, e.g. a header `latency_ms` and then `3.2`",
        ));
    }
    Ok(values)
}

/// The `(line, bound, count)` rows of a histogram in `bytes` (rule 6 of the module doc).
pub(crate) fn buckets(
    bytes: &[u8],
    column: Option<&str>,
) -> Result<Vec<(usize, SimDuration, u64)>, CsvError> {
    let table = Table::read(bytes)?;
    let layout = table.layout(column, Some("count"))?;
    let mut rows = Vec::new();
    for row in &table.rows {
        rows.push((row.line, layout.value(row)?, layout.count(row)?));
    }
    if rows.is_empty() {
        return Err(no_values(
            "the file needs one bucket per line, e.g. a header `le_ms,count` and then `5,800`",
        ));
    }
    Ok(rows)
}

/// The file split into a header (if any) and rows of trimmed fields.
struct Table<'t> {
    header: Option<(usize, Vec<&'t str>)>,
    rows: Vec<Row<'t>>,
}

struct Row<'t> {
    line: usize,
    fields: Vec<&'t str>,
}

/// Where a row's value, unit and count are.
struct Layout {
    value: usize,
    /// The unit every value of the column is in, from its name.
    unit: Option<Unit>,
    /// The column naming each row's unit.
    unit_column: Option<usize>,
    count: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Unit(f64);

const UNITS: [(&str, f64); 5] = [
    ("ns", 1.0),
    ("us", 1e3),
    ("µs", 1e3),
    ("ms", 1e6),
    ("s", 1e9),
];

impl<'t> Table<'t> {
    fn read(bytes: &'t [u8]) -> Result<Table<'t>, CsvError> {
        let text = std::str::from_utf8(bytes).map_err(|e| CsvError {
            line: Some(
                bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1,
            ),
            problem: "is not UTF-8 text".to_string(),
            hint: "save the file as UTF-8 text (plain ASCII numbers are UTF-8)",
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut header = None;
        let mut rows = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = trimmed.split(',').map(field).collect();
            let first_row = header.is_none() && rows.is_empty();
            if first_row && fields[0].starts_with(|c: char| c.is_alphabetic() || c == '_') {
                header = Some((index + 1, fields));
                continue;
            }
            if rows.len() == ROWS_MAX {
                return Err(CsvError {
                    line: Some(index + 1),
                    problem: format!("has more than {ROWS_MAX} rows"),
                    hint: "a sample of a few thousand values describes a distribution well; take a random subset",
                });
            }
            rows.push(Row {
                line: index + 1,
                fields,
            });
        }
        Ok(Table { header, rows })
    }

    /// Finds the value column (and the count column, named `count`, when `count` is given).
    fn layout(&self, column: Option<&str>, count: Option<&str>) -> Result<Layout, CsvError> {
        let Some((line, names)) = &self.header else {
            if let Some(column) = column {
                return Err(CsvError {
                    line: None,
                    problem: format!("has no header line, so no column is called `{column}`"),
                    hint: "add a header line naming the columns (e.g. `latency_ms`), or remove `column`",
                });
            }
            // Without a header: VALUE[,UNIT] for samples, BOUND,COUNT for buckets.
            return Ok(Layout {
                value: 0,
                unit: None,
                unit_column: count.is_none().then_some(1),
                count: count.map(|_| 1),
            });
        };
        let at_header = |problem: String, hint: &'static str| CsvError {
            line: Some(*line),
            problem,
            hint,
        };
        let listed = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let position = |name: &str| names.iter().position(|n| *n == name);
        let count_column = match count {
            Some(wanted) => Some(position(wanted).ok_or_else(|| {
                at_header(
                    format!("has no `{wanted}` column (its columns are {listed})"),
                    "a histogram file has a bound column (e.g. `le_ms`) and a `count` column",
                )
            })?),
            None => None,
        };
        let unit_column = position("unit");
        let value = match column {
            Some(wanted) => position(wanted).ok_or_else(|| {
                at_header(
                    format!("has no column `{wanted}` (its columns are {listed})"),
                    "name one of the file's columns in `column`",
                )
            })?,
            None => {
                let candidates: Vec<usize> = (0..names.len())
                    .filter(|&i| Some(i) != unit_column && Some(i) != count_column)
                    .collect();
                match candidates.as_slice() {
                    [only] => *only,
                    [] => {
                        return Err(at_header(
                            format!("has no column of values (its columns are {listed})"),
                            "add a column of durations, e.g. `latency_ms`",
                        ))
                    }
                    _ => {
                        return Err(at_header(
                            format!("has several columns ({listed})"),
                            "name the one that holds the durations with `column`",
                        ))
                    }
                }
            }
        };
        Ok(Layout {
            value,
            unit: unit_of_name(names[value]),
            unit_column: unit_column.filter(|_| unit_of_name(names[value]).is_none()),
            count: count_column,
        })
    }
}

impl Layout {
    fn value(&self, row: &Row<'_>) -> Result<SimDuration, CsvError> {
        let text = self.field(row, self.value)?;
        let at = |problem: String, hint: &'static str| CsvError {
            line: Some(row.line),
            problem,
            hint,
        };
        let row_unit =
            match self.unit_column.and_then(|i| row.fields.get(i)) {
                Some(name) if !name.is_empty() => Some(unit_of(name).ok_or_else(|| {
                    at(format!("`{name}` is not a unit"), "write ns, us, ms or s")
                })?),
                _ => None,
            };
        let (number, unit) = match self.unit.or(row_unit) {
            Some(unit) => (text, unit),
            None => split_unit(text).ok_or_else(|| {
                at(
                    format!("`{text}` has no unit"),
                    "name the unit in the header (`latency_ms`) or write it with each value (`3.2ms`)",
                )
            })?,
        };
        let parsed: f64 = number.trim().parse().map_err(|_| {
            at(
                format!("`{text}` is not a number"),
                "write a decimal number such as `3.25`",
            )
        })?;
        if !parsed.is_finite() {
            return Err(at(
                format!("`{text}` is not a finite number"),
                "write a decimal number such as `3.25`",
            ));
        }
        if parsed < 0.0 {
            return Err(at(
                format!("`{text}` is negative"),
                "a duration cannot be negative; fix or remove the measurement",
            ));
        }
        let nanos = parsed * unit.0;
        if nanos >= u64::MAX as f64 {
            return Err(at(
                format!("`{text}` is too long"),
                "durations must be below 584 years (u64 nanoseconds)",
            ));
        }
        Ok(SimDuration::from_nanos_f64(nanos))
    }

    fn count(&self, row: &Row<'_>) -> Result<u64, CsvError> {
        let index = self.count.expect("a bucket layout has a count column");
        let text = self.field(row, index)?;
        text.parse().map_err(|_| CsvError {
            line: Some(row.line),
            problem: format!("count `{text}` is not a whole number"),
            hint: "a bucket's count is how many samples fell in it: 0, 1, 2, ...",
        })
    }

    fn field<'r>(&self, row: &'r Row<'_>, index: usize) -> Result<&'r str, CsvError> {
        row.fields.get(index).copied().ok_or_else(|| CsvError {
            line: Some(row.line),
            problem: format!(
                "has {} field{} but the value is in field {}",
                row.fields.len(),
                if row.fields.len() == 1 { "" } else { "s" },
                index + 1
            ),
            hint: "give every line the same columns",
        })
    }
}

/// One field: trimmed, and without one pair of surrounding double quotes.
fn field(raw: &str) -> &str {
    let trimmed = raw.trim();
    trimmed
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .map_or(trimmed, str::trim)
}

/// The unit a column name implies: `ms` or `latency_ms`.
fn unit_of_name(name: &str) -> Option<Unit> {
    unit_of(name).or_else(|| {
        name.rsplit_once('_')
            .and_then(|(_, suffix)| unit_of(suffix))
    })
}

fn unit_of(name: &str) -> Option<Unit> {
    UNITS
        .iter()
        .find(|(unit, _)| unit.eq_ignore_ascii_case(name))
        .map(|&(_, factor)| Unit(factor))
}

/// `3.25ms` → (`3.25`, ms). Longer suffixes are tried first (`ms` before `s`).
fn split_unit(text: &str) -> Option<(&str, Unit)> {
    UNITS.iter().find_map(|&(unit, factor)| {
        text.strip_suffix(unit)
            .filter(|number| !number.trim().is_empty())
            .map(|number| (number, Unit(factor)))
    })
}

fn no_values(hint: &'static str) -> CsvError {
    CsvError {
        line: None,
        problem: "holds no values".to_string(),
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    #[test]
    fn a_header_names_the_unit() {
        let text = "# measured 2024-05-01\nlatency_ms\n3\n\n0.5\r\n12.25\n";
        assert_eq!(
            durations(text.as_bytes(), None).unwrap(),
            [
                ms(3),
                SimDuration::from_micros(500),
                SimDuration::from_micros(12_250)
            ]
        );
    }

    #[test]
    fn values_may_carry_their_units_or_a_unit_column() {
        let text = "\u{feff}3ms\n450us\n\"2s\"\n17ns\n1.5 µs\n";
        assert_eq!(
            durations(text.as_bytes(), None).unwrap(),
            [
                ms(3),
                SimDuration::from_micros(450),
                SimDuration::from_secs(2),
                SimDuration::from_nanos(17),
                SimDuration::from_nanos(1_500)
            ]
        );
        assert_eq!(
            durations(b"latency,unit\n3,ms\n4,us\n", None).unwrap(),
            [ms(3), SimDuration::from_micros(4)]
        );
        assert_eq!(
            durations(b"3,ms\n4,s\n", None).unwrap(),
            [ms(3), SimDuration::from_secs(4)]
        );
    }

    #[test]
    fn column_picks_one_of_several() {
        let text = "timestamp,latency_ms,status\n1714550400,3,200\n1714550401,5,500\n";
        assert_eq!(
            durations(text.as_bytes(), Some("latency_ms")).unwrap(),
            [ms(3), ms(5)]
        );
        let error = durations(text.as_bytes(), None).unwrap_err();
        assert_eq!(error.line, Some(1));
        assert!(error.problem.contains("several columns"), "{error:?}");
        let error = durations(text.as_bytes(), Some("latency")).unwrap_err();
        assert!(error.problem.contains("no column `latency`"), "{error:?}");
    }

    #[test]
    fn bad_lines_are_named() {
        let problem = |text: &str| {
            let e = durations(text.as_bytes(), None).unwrap_err();
            (e.line, e.problem)
        };
        assert_eq!(
            problem("latency_ms\n3\n-2\n"),
            (Some(3), "`-2` is negative".to_string())
        );
        assert_eq!(
            problem("latency_ms\n3\nabc3\n"),
            (Some(3), "`abc3` is not a number".to_string())
        );
        assert_eq!(problem("3\n4\n"), (Some(1), "`3` has no unit".to_string()));
        assert_eq!(
            problem("latency_ms\nNaN\n"),
            (Some(2), "`NaN` is not a finite number".to_string())
        );
        assert_eq!(
            problem("latency_ms\n"),
            (None, "holds no values".to_string())
        );
        assert_eq!(problem(""), (None, "holds no values".to_string()));
        assert_eq!(
            problem("latency,unit\n3,sec\n"),
            (Some(2), "`sec` is not a unit".to_string())
        );
        let e = durations(b"latency_ms\n3\n\xff\n", None).unwrap_err();
        assert_eq!((e.line, e.problem.as_str()), (Some(3), "is not UTF-8 text"));
        assert_eq!(
            problem("a_ms,b_ms\n1,2\n3\n"),
            (Some(1), "has several columns (`a_ms`, `b_ms`)".to_string())
        );
    }

    #[test]
    fn buckets_have_bounds_and_counts() {
        assert_eq!(
            buckets(b"le_ms,count\n1,10\n5,3\n", None).unwrap(),
            [(2, ms(1), 10), (3, ms(5), 3)]
        );
        assert_eq!(
            buckets(b"1ms,10\n5ms,3\n", None).unwrap(),
            [(1, ms(1), 10), (2, ms(5), 3)]
        );
        let e = buckets(b"le_ms,count\n1,ten\n", None).unwrap_err();
        assert_eq!(
            (e.line, e.problem.as_str()),
            (Some(2), "count `ten` is not a whole number")
        );
        let e = buckets(b"le_ms,n\n1,3\n", None).unwrap_err();
        assert!(e.problem.contains("no `count` column"), "{e:?}");
        let e = buckets(b"1ms\n", None).unwrap_err();
        assert!(e.problem.contains("has 1 field"), "{e:?}");
    }
}
