//! A swept axis on the command line: `PATH=V1,V2,...` or a range `PATH=FROM..TO:STEP`.
//!
//! `sweep --sweep` and `map --load/--trigger/--duration` take one each. A list is split at
//! commas outside brackets and quotes, and each value is read as `--set` reads one: JSON if it
//! parses as JSON, else a string (`5s`, `full`). A range counts from FROM by STEP up to TO
//! (included when the steps land on it): numbers (`100..2000:100`, `1.5..4:0.5`), written
//! with as many decimals as FROM and STEP have, so no value reads `0.30000000000000004`; and
//! durations (`5s..30s:5s`), in integer nanoseconds. A value that is a whole number is written
//! as a JSON integer, so it fits an integer field (`services.api.workers=2..8:2`).
//!
//! At most `VALUES_MAX` values per axis, refused before anything is allocated.

use serde_json::Value;

use crate::error::CliError;

/// The most values one axis may have.
pub const VALUES_MAX: u64 = 10_000;

/// A dotted path and its values, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The dotted path, as `--set` takes it.
    pub path: String,
    /// Its values, as JSON.
    pub values: Vec<Value>,
}

impl Axis {
    /// Reads `PATH=VALUES`; `flag` names the flag in errors.
    pub fn parse(text: &str, flag: &str) -> Result<Axis, CliError> {
        let bad = |problem: String| CliError::Usage {
            flag: flag.to_string(),
            problem,
        };
        let Some((path, values)) = text.split_once('=') else {
            return Err(bad(format!(
                "`{text}` is not PATH=VALUES; write e.g. `clients.web.arrival.rate_per_s=100,200,400` or `...=100..2000:100`"
            )));
        };
        let path = path.trim();
        if path.is_empty() {
            return Err(bad(format!("`{text}` names no path before `=`")));
        }
        let values = match range(values.trim()) {
            Some(result) => result.map_err(|problem| bad(format!("`{text}`: {problem}")))?,
            None => list(values).map_err(|problem| bad(format!("`{text}`: {problem}")))?,
        };
        Ok(Axis {
            path: path.to_string(),
            values,
        })
    }

    /// The `--set` that puts value number `index` in place.
    pub fn set(&self, index: usize) -> String {
        let value = &self.values[index];
        format!(
            "{}={}",
            self.path,
            serde_json::to_string(value).expect("JSON")
        )
    }

    /// The axis as `PATH=V1,V2,...` (how a report's command line writes it).
    pub fn words(&self) -> String {
        let values: Vec<String> = self
            .values
            .iter()
            .map(|v| serde_json::to_string(v).expect("JSON"))
            .collect();
        format!("{}={}", self.path, values.join(","))
    }
}

/// A comma list, split outside brackets and quotes.
fn list(text: &str) -> Result<Vec<Value>, String> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut escaped) = (0i32, false, false);
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '[' | '{' if !quoted => depth += 1,
            ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    if parts.len() as u64 > VALUES_MAX {
        return Err(format!(
            "{} values; an axis has at most {VALUES_MAX}",
            parts.len()
        ));
    }
    parts
        .into_iter()
        .map(|part| {
            let part = part.trim();
            if part.is_empty() {
                return Err("an empty value (two commas in a row, or one at an end)".to_string());
            }
            Ok(serde_json::from_str(part).unwrap_or_else(|_| Value::String(part.to_string())))
        })
        .collect()
}

/// A range `FROM..TO:STEP` of numbers or durations; None if `text` is not shaped like one.
fn range(text: &str) -> Option<Result<Vec<Value>, String>> {
    let (from, rest) = text.split_once("..")?;
    let (to, step) = rest.split_once(':')?;
    let (from, to, step) = (from.trim(), to.trim(), step.trim());
    if let (Ok(a), Ok(b), Ok(s)) = (from.parse::<f64>(), to.parse::<f64>(), step.parse::<f64>()) {
        return Some(numbers((a, b, s), decimals(from).max(decimals(step))));
    }
    let duration = |t: &str| sim_core::SimDuration::parse(t).ok().map(|d| d.as_nanos());
    if let (Some(a), Some(b), Some(s)) = (duration(from), duration(to), duration(step)) {
        return Some(durations(a, b, s));
    }
    Some(Err(format!(
        "a range is FROM..TO:STEP with numbers (`100..2000:100`) or durations (`5s..30s:5s`); \
         `{from}`, `{to}` and `{step}` are not both"
    )))
}

/// How many decimals a number is written with.
fn decimals(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    mantissa.split_once('.').map_or(0, |(_, f)| f.len()).min(12)
}

/// `from, from + step, ...` up to `to`, rounded to `places` decimals.
fn numbers((from, to, step): (f64, f64, f64), places: usize) -> Result<Vec<Value>, String> {
    if !(from.is_finite() && to.is_finite() && step.is_finite()) {
        return Err("the range's ends and step must be finite numbers".to_string());
    }
    if step <= 0.0 {
        return Err("the step must be positive".to_string());
    }
    if to < from {
        return Err(format!("it is empty: {from} is above {to}"));
    }
    // A billionth of a step absorbs the rounding of (to − from) / step.
    let steps = ((to - from) / step + 1e-9).floor();
    if steps + 1.0 > VALUES_MAX as f64 {
        return Err(format!(
            "{} values; an axis has at most {VALUES_MAX}: take a larger step",
            steps + 1.0
        ));
    }
    let scale = 10f64.powi(places as i32);
    Ok((0..=steps as u64)
        .map(|k| {
            let value = ((from + k as f64 * step) * scale).round() / scale;
            if value.fract() == 0.0 && value.abs() < 9e15 {
                Value::from(value as i64)
            } else {
                Value::from(value)
            }
        })
        .collect())
}

/// Durations `from, from + step, ...` up to `to`, in nanoseconds, written as `--set` reads them.
fn durations(from: u64, to: u64, step: u64) -> Result<Vec<Value>, String> {
    if step == 0 {
        return Err("the step must be positive".to_string());
    }
    if to < from {
        return Err("it is empty: FROM is after TO".to_string());
    }
    let count = (to - from) / step + 1;
    if count > VALUES_MAX {
        return Err(format!(
            "{count} values; an axis has at most {VALUES_MAX}: take a larger step"
        ));
    }
    Ok((0..count)
        .map(|k| {
            let nanos = from + k * step;
            Value::String(sim_core::SimDuration::from_nanos(nanos).to_string())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(text: &str) -> Vec<Value> {
        Axis::parse(text, "--sweep").unwrap().values
    }

    #[test]
    fn lists_read_json_or_strings() {
        assert_eq!(
            values("a.b=1,2.5,full"),
            [json!(1), json!(2.5), json!("full")]
        );
        assert_eq!(
            values(r#"a={"x":1,"y":[1,2]},null"#),
            [json!({"x": 1, "y": [1, 2]}), Value::Null]
        );
        assert_eq!(values("a=5s, 10s"), [json!("5s"), json!("10s")]);
    }

    #[test]
    fn ranges_count_exactly() {
        assert_eq!(values("r=100..500:100").len(), 5);
        assert_eq!(values("r=100..500:100")[4], json!(500));
        assert_eq!(
            values("f=1.5..3:0.5"),
            [json!(1.5), json!(2), json!(2.5), json!(3)]
        );
        assert_eq!(
            values("f=0.1..0.3:0.1"),
            [json!(0.1), json!(0.2), json!(0.3)]
        );
        assert_eq!(
            values("d=5s..15s:5s"),
            [json!("5s"), json!("10s"), json!("15s")]
        );
        assert_eq!(values("d=250ms..1s:250ms")[3], json!("1s"));
    }

    #[test]
    fn sets_put_a_value_in_place() {
        let axis = Axis::parse("services.api.workers=2..4:2", "--sweep").unwrap();
        assert_eq!(axis.set(1), "services.api.workers=4");
        let axis = Axis::parse("faults.0.for=5s,10s", "--trigger").unwrap();
        assert_eq!(axis.set(0), "faults.0.for=\"5s\"");
        assert_eq!(axis.words(), "faults.0.for=\"5s\",\"10s\"");
    }

    #[test]
    fn bad_axes_are_usage_errors_that_say_why() {
        for (text, says) in [
            ("novalues", "PATH=VALUES"),
            ("=1,2", "no path"),
            ("r=1..0:1", "empty"),
            ("r=1..10:0", "positive"),
            ("r=0..1e12:1", "at most"),
            ("r=1..2:x", "FROM..TO:STEP"),
            ("r=1,,2", "empty value"),
        ] {
            let error = Axis::parse(text, "--sweep").unwrap_err().to_string();
            assert!(error.starts_with("--sweep:"), "{error}");
            assert!(error.contains(says), "{text}: {error}");
        }
    }
}
