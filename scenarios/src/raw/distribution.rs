//! A distribution of durations as written: a `kind` and the parameters that kind takes.
//!
//! Every kind's keys live in one object, as the other `kind` blocks of the format do, so
//! `validate` can say which key does not belong to which kind. A quantile table's keys are
//! open-ended (`p50`, `p999`, `p99.99`): any key made of `p` and a digit is kept, in file
//! order, for `validate` to read by the rule documented there; every other unknown key is
//! refused here, with the keys that are known. That one open-ended family is why this type
//! deserializes by hand rather than with `deny_unknown_fields`.

use schemars::JsonSchema;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::{Count, Duration};

/// A distribution of durations; which fields apply depends on `kind`.
#[derive(Clone, Debug, PartialEq)]
pub struct Distribution {
    /// Which family.
    pub kind: DistributionKind,
    /// The value (constant).
    pub value: Option<Duration>,
    /// Smallest value (uniform, pareto; a quantile table's q = 0; a histogram's lower bound).
    pub min: Option<Duration>,
    /// Largest value (uniform, pareto; a quantile table's q = 1).
    pub max: Option<Duration>,
    /// Mean (exponential; lognormal with `sd`; weibull, gamma and erlang instead of `scale`).
    pub mean: Option<Duration>,
    /// Standard deviation (lognormal with `mean`).
    pub sd: Option<Duration>,
    /// Quantile keys as written (`p50`, `p999`, `p99.9`), in file order (lognormal: `p50`
    /// and `p99`; quantiles: any).
    pub quantiles: Vec<(String, Duration)>,
    /// Arms (mixture) or phases (hyperexponential).
    pub of: Option<Vec<MixtureArm>>,
    /// A CSV file of samples (empirical) or buckets (histogram), relative to the scenario.
    pub file: Option<String>,
    /// The CSV column that holds the values (empirical, histogram).
    pub column: Option<String>,
    /// Samples written inline (empirical).
    pub samples: Option<Vec<Duration>>,
    /// Buckets written inline (histogram).
    pub buckets: Option<Vec<Bucket>>,
    /// Tail index α (pareto).
    pub alpha: Option<f64>,
    /// Shape (weibull, gamma).
    pub shape: Option<f64>,
    /// Scale (weibull, gamma, erlang).
    pub scale: Option<Duration>,
    /// Number of phases (erlang).
    pub k: Option<Count>,
}

/// The distribution families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistributionKind {
    /// Always `value`.
    Constant,
    /// Uniform on `min..=max`.
    Uniform,
    /// Exponential with `mean`.
    Exponential,
    /// Lognormal by `mean`/`sd` or by `p50`/`p99`.
    Lognormal,
    /// A weighted choice among `of`.
    Mixture,
    /// Measured quantiles (`p50`, `p99`, ..., `min`, `max`), interpolated log-linearly.
    Quantiles,
    /// Measured samples, from `file` or `samples`, resampled.
    Empirical,
    /// A histogram of measured samples, from `buckets` or `file`.
    Histogram,
    /// A bounded Pareto with `alpha` on `min..=max`.
    Pareto,
    /// A Weibull with `shape` and `scale` (or `mean`).
    Weibull,
    /// A gamma with `shape` and `scale` (or `mean`).
    Gamma,
    /// An Erlang with `k` phases and `mean` (or `scale`, one phase's mean).
    Erlang,
    /// A mixture of exponentials, `of: [{weight, mean}]`.
    Hyperexponential,
}

/// One arm of a mixture (`weight` and `dist`) or one phase of a hyperexponential (`weight`
/// and `mean`).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MixtureArm {
    /// Probability of this arm.
    pub weight: f64,
    /// The arm's distribution (mixture).
    #[serde(default)]
    pub dist: Option<Distribution>,
    /// The phase's mean (hyperexponential).
    #[serde(default)]
    pub mean: Option<Duration>,
}

/// One bucket of a histogram written inline.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    /// The bucket's upper bound (`le`, as Prometheus calls it).
    pub le: Duration,
    /// How many samples fell above the previous bound and at most `le`.
    pub count: Count,
}

/// The fixed keys, listed when an unknown key is refused (quantile keys are open-ended; the
/// common ones are listed so that a typo such as `p9O` finds its neighbour).
const FIELDS: &[&str] = &[
    "kind", "value", "min", "max", "mean", "sd", "p50", "p90", "p99", "p999", "of", "file",
    "column", "samples", "buckets", "alpha", "shape", "scale", "k",
];

impl Distribution {
    /// A distribution of `kind` with no parameters yet.
    pub fn of_kind(kind: DistributionKind) -> Distribution {
        Distribution {
            kind,
            value: None,
            min: None,
            max: None,
            mean: None,
            sd: None,
            quantiles: Vec::new(),
            of: None,
            file: None,
            column: None,
            samples: None,
            buckets: None,
            alpha: None,
            shape: None,
            scale: None,
            k: None,
        }
    }

    /// `{"kind": "constant", "value": VALUE}`.
    pub fn constant(value: &str) -> Distribution {
        Distribution {
            value: Some(Duration(value.to_string())),
            ..Distribution::of_kind(DistributionKind::Constant)
        }
    }

    /// The quantile key `key` (`"p50"`), if it was written.
    pub fn quantile(&self, key: &str) -> Option<&Duration> {
        self.quantiles
            .iter()
            .find(|(written, _)| written == key)
            .map(|(_, value)| value)
    }
}

/// Whether `key` belongs to the open-ended family of quantile keys: `p` and then a digit.
/// `validate` decides what it means (or that it means nothing).
pub(crate) fn is_quantile_key(key: &str) -> bool {
    key.strip_prefix('p')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

impl<'de> Deserialize<'de> for Distribution {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Distribution, D::Error> {
        deserializer.deserialize_map(DistributionVisitor)
    }
}

struct DistributionVisitor;

impl<'de> Visitor<'de> for DistributionVisitor {
    type Value = Distribution;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a distribution object such as {\"kind\": \"exponential\", \"mean\": \"2ms\"}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Distribution, A::Error> {
        // Built with a placeholder kind; a missing `kind` is refused at the end.
        let mut kind = None;
        let mut out = Distribution::of_kind(DistributionKind::Constant);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "kind" => kind = Some(map.next_value::<DistributionKind>()?),
                "value" => out.value = map.next_value()?,
                "min" => out.min = map.next_value()?,
                "max" => out.max = map.next_value()?,
                "mean" => out.mean = map.next_value()?,
                "sd" => out.sd = map.next_value()?,
                "of" => out.of = map.next_value()?,
                "file" => out.file = map.next_value()?,
                "column" => out.column = map.next_value()?,
                "samples" => out.samples = map.next_value()?,
                "buckets" => out.buckets = map.next_value()?,
                "alpha" => out.alpha = map.next_value()?,
                "shape" => out.shape = map.next_value()?,
                "scale" => out.scale = map.next_value()?,
                "k" => out.k = map.next_value()?,
                quantile if is_quantile_key(quantile) => {
                    // `null` (what a variant's removal writes) leaves the key out.
                    if let Some(value) = map.next_value::<Option<Duration>>()? {
                        out.quantiles.push((key, value));
                    }
                }
                unknown => return Err(de::Error::unknown_field(unknown, FIELDS)),
            }
        }
        out.kind = kind.ok_or_else(|| de::Error::missing_field("kind"))?;
        Ok(out)
    }
}

impl JsonSchema for Distribution {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Distribution".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let kind = generator.subschema_for::<DistributionKind>();
        let duration = generator.subschema_for::<Duration>();
        let durations = generator.subschema_for::<Vec<Duration>>();
        let arms = generator.subschema_for::<Vec<MixtureArm>>();
        let buckets = generator.subschema_for::<Vec<Bucket>>();
        let count = generator.subschema_for::<Count>();
        schemars::json_schema!({
            "description": "A distribution of durations; which fields apply depends on `kind`. Quantile keys (`p50`, `p90`, `p99`, `p999` or `p99.9`, ...) give measured percentiles (lognormal: `p50` and `p99`; quantiles: any).",
            "type": "object",
            "required": ["kind"],
            "properties": {
                "kind": kind,
                "value": { "description": "The value (constant).", "$ref": duration_ref(&duration) },
                "min": { "description": "Smallest value (uniform, pareto; a quantile table's q = 0; a histogram's lower bound).", "$ref": duration_ref(&duration) },
                "max": { "description": "Largest value (uniform, pareto; a quantile table's q = 1).", "$ref": duration_ref(&duration) },
                "mean": { "description": "Mean (exponential; lognormal with `sd`; weibull, gamma and erlang instead of `scale`).", "$ref": duration_ref(&duration) },
                "sd": { "description": "Standard deviation (lognormal with `mean`).", "$ref": duration_ref(&duration) },
                "of": arms,
                "file": { "description": "A CSV file of samples (empirical) or buckets (histogram), relative to the scenario.", "type": "string" },
                "column": { "description": "The CSV column that holds the values (empirical, histogram).", "type": "string" },
                "samples": durations,
                "buckets": buckets,
                "alpha": { "description": "Tail index α (pareto).", "type": "number" },
                "shape": { "description": "Shape (weibull, gamma).", "type": "number" },
                "scale": { "description": "Scale (weibull, gamma, erlang).", "$ref": duration_ref(&duration) },
                "k": count
            },
            "patternProperties": { "^p[0-9]": duration },
            "additionalProperties": false
        })
    }
}

/// The `$ref` target of a referenced subschema (`#/$defs/Duration`).
fn duration_ref(schema: &schemars::Schema) -> String {
    schema
        .get("$ref")
        .and_then(|r| r.as_str())
        .unwrap_or("#/$defs/Duration")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Distribution, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn quantile_keys_are_kept_in_file_order() {
        let d = read(
            r#"{"kind": "quantiles", "p99": "40ms", "p50": "3ms", "p99.9": "400ms", "max": "2s"}"#,
        )
        .unwrap();
        assert_eq!(d.kind, DistributionKind::Quantiles);
        let keys: Vec<&str> = d.quantiles.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["p99", "p50", "p99.9"]);
        assert_eq!(d.quantile("p50"), Some(&Duration("3ms".into())));
        assert_eq!(d.max, Some(Duration("2s".into())));
    }

    #[test]
    fn unknown_keys_and_a_missing_kind_are_refused() {
        let error = read(r#"{"kind": "exponential", "meen": "2ms"}"#).unwrap_err();
        assert!(
            error.starts_with("unknown field `meen`, expected one of"),
            "{error}"
        );
        assert!(read(r#"{"kind": "exponential", "pmax": "2ms"}"#).is_err());
        let error = read(r#"{"mean": "2ms"}"#).unwrap_err();
        assert!(error.starts_with("missing field `kind`"), "{error}");
        let error = read(r#"{"kind": "exponentail", "mean": "2ms"}"#).unwrap_err();
        assert!(
            error.starts_with("unknown variant `exponentail`"),
            "{error}"
        );
    }

    #[test]
    fn arms_take_a_distribution_or_a_mean() {
        let d = read(
            r#"{"kind": "hyperexponential", "of": [{"weight": 0.9, "mean": "2ms"}, {"weight": 0.1, "mean": "50ms"}]}"#,
        )
        .unwrap();
        let of = d.of.unwrap();
        assert_eq!(of[1].mean, Some(Duration("50ms".into())));
        assert!(of[1].dist.is_none());
    }
}
