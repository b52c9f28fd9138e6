//! Checks a distribution block into a `sim_core::Distribution`: which keys each kind takes,
//! the quantile keys, and the files a measured distribution reads.
//!
//! # Quantile keys
//!
//! A quantile table (`"kind": "quantiles"`) takes `min` (q = 0), `max` (q = 1) and keys that
//! name a percentile:
//! - `pN` with N a whole number from 0 to 100 written without leading zeros is the N-th
//!   percentile: `p1`, `p50`, `p90`, `p100` (q = N/100);
//! - a longer `p99…` is 99 percent and the rest decimals, the way latency dashboards write
//!   it: `p999` is the 99.9th percentile, `p9999` the 99.99th, `p995` the 99.5th;
//! - `pN.D…` is a decimal percentile: `p99.9`, `p99.99`, `p0.1`.
//!
//! Two keys for one percentile (`min` and `p0`, `p999` and `p99.9`) are an error. Values
//! must not decrease as the percentile grows, and must be above 0 (the interpolation is in
//! log space). How the table is completed and sampled is `sim_core::distribution::quantiles`'
//! business.
//!
//! # Files
//!
//! `empirical` and `histogram` may read a CSV (`"file": "db.csv"`, relative to the
//! scenario; the format is the `csv` module's) through the `FileSource` of the options; a
//! file named twice is read once. A problem in the file is a `ScenarioError::File` naming the
//! scenario, the JSON path of `file`, the file and the line.

use sim_core::distribution::{Bucket, Gamma, QuantilePoint, Weibull};
use sim_core::{Distribution, DistributionError, MixtureArm, Probability, SimDuration};

use super::Checker;
use crate::csv::{self, CsvError};
use crate::error::{quoted, Path, ScenarioError};
use crate::raw::{self, DistributionKind as Kind};
use crate::ScenarioFile;

/// The most samples written inline: a longer list belongs in a CSV file.
const INLINE_SAMPLES_MAX: usize = 100_000;

/// The most phases of an Erlang: the gamma sampler's shape bound.
const ERLANG_K_MAX: u64 = 1_000_000;

impl Checker<'_> {
    /// Builds a distribution; which fields are allowed and required depends on `kind`.
    pub(super) fn distribution(
        &self,
        path: &Path,
        raw: &raw::Distribution,
    ) -> Result<Distribution, ScenarioError> {
        self.parameters(path, raw)?;
        let built = match raw.kind {
            Kind::Constant => Distribution::Constant(self.duration(
                &path.key("value"),
                self.required(path, "value", &raw.value)?,
            )?),
            Kind::Uniform => {
                let low = self.duration(&path.key("min"), self.required(path, "min", &raw.min)?)?;
                let high =
                    self.duration(&path.key("max"), self.required(path, "max", &raw.max)?)?;
                Distribution::uniform(low, high).map_err(|e| self.distribution_error(path, e))?
            }
            Kind::Exponential => {
                let mean = self.required(path, "mean", &raw.mean)?;
                let hint = "an exponential with mean 0 is always 0; write {\"kind\": \"constant\", \"value\": \"0s\"} if that is meant";
                Distribution::Exponential {
                    mean: self.positive_duration(&path.key("mean"), mean, hint)?,
                }
            }
            Kind::Lognormal => self.lognormal(path, raw)?,
            Kind::Mixture => self.mixture(path, self.required(path, "of", &raw.of)?)?,
            Kind::Quantiles => self.quantiles(path, raw)?,
            Kind::Empirical => self.empirical(path, raw)?,
            Kind::Histogram => self.histogram(path, raw)?,
            Kind::Pareto => self.pareto(path, raw)?,
            Kind::Weibull | Kind::Gamma | Kind::Erlang => self.shaped(path, raw)?,
            Kind::Hyperexponential => {
                self.hyperexponential(path, self.required(path, "of", &raw.of)?)?
            }
        };
        Ok(built)
    }

    /// Refuses every key the kind does not take.
    fn parameters(&self, path: &Path, raw: &raw::Distribution) -> Result<(), ScenarioError> {
        let (kind, allowed): (&str, &[&str]) = match raw.kind {
            Kind::Constant => ("constant", &["value"]),
            Kind::Uniform => ("uniform", &["min", "max"]),
            Kind::Exponential => ("exponential", &["mean"]),
            Kind::Lognormal => ("lognormal", &["mean", "sd", "p50", "p99"]),
            Kind::Mixture => ("mixture", &["of"]),
            Kind::Quantiles => ("quantiles", &["min", "max", "pN"]),
            Kind::Empirical => ("empirical", &["file", "column", "samples"]),
            Kind::Histogram => ("histogram", &["buckets", "file", "column", "min"]),
            Kind::Pareto => ("pareto", &["alpha", "min", "max"]),
            Kind::Weibull => ("weibull", &["shape", "scale", "mean"]),
            Kind::Gamma => ("gamma", &["shape", "scale", "mean"]),
            Kind::Erlang => ("erlang", &["k", "mean", "scale"]),
            Kind::Hyperexponential => ("hyperexponential", &["of"]),
        };
        let duration = |d: &Option<raw::Duration>| d.as_ref().map(|d| quoted(&d.0));
        let number = |n: Option<f64>| n.map(|n| n.to_string());
        let present = [
            ("value", duration(&raw.value)),
            ("min", duration(&raw.min)),
            ("max", duration(&raw.max)),
            ("mean", duration(&raw.mean)),
            ("sd", duration(&raw.sd)),
            ("of", raw.of.as_ref().map(|_| "an array".to_string())),
            ("file", raw.file.as_deref().map(quoted)),
            ("column", raw.column.as_deref().map(quoted)),
            (
                "samples",
                raw.samples.as_ref().map(|_| "an array".to_string()),
            ),
            (
                "buckets",
                raw.buckets.as_ref().map(|_| "an array".to_string()),
            ),
            ("alpha", number(raw.alpha)),
            ("shape", number(raw.shape)),
            ("scale", duration(&raw.scale)),
            ("k", raw.k.map(|k| k.0.to_string())),
        ];
        let family = format!("the `{kind}` distribution");
        for (field, value) in present {
            if let (Some(value), false) = (value, allowed.contains(&field)) {
                return Err(self.not_a_parameter(&path.key(field), value, &family, allowed));
            }
        }
        for (key, value) in &raw.quantiles {
            let takes = allowed.contains(&"pN") || allowed.contains(&key.as_str());
            if !takes {
                return Err(self.not_a_parameter(
                    &path.key(key),
                    quoted(&value.0),
                    &family,
                    allowed,
                ));
            }
        }
        Ok(())
    }

    fn lognormal(
        &self,
        path: &Path,
        raw: &raw::Distribution,
    ) -> Result<Distribution, ScenarioError> {
        let (p50, p99) = (raw.quantile("p50"), raw.quantile("p99"));
        let moments = raw.mean.is_some() || raw.sd.is_some();
        let quantiles = p50.is_some() || p99.is_some();
        let hint = "a lognormal is given either by `mean` and `sd`, or by `p50` and `p99`";
        let rule = "needs exactly one of the pairs `mean` + `sd` or `p50` + `p99`";
        match (moments, quantiles) {
            (true, true) => {
                let given = [("mean", &raw.mean), ("sd", &raw.sd)]
                    .iter()
                    .filter(|(_, v)| v.is_some())
                    .map(|(f, _)| *f)
                    .chain(
                        [("p50", p50), ("p99", p99)]
                            .iter()
                            .filter(|(_, v)| v.is_some())
                            .map(|(f, _)| *f),
                    )
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                Err(self.bad(path, rule, given, hint))
            }
            (false, false) => Err(self.bad(path, rule, "none of them", hint)),
            (true, false) => {
                let mean =
                    self.duration(&path.key("mean"), self.required(path, "mean", &raw.mean)?)?;
                let sd = self.duration(&path.key("sd"), self.required(path, "sd", &raw.sd)?)?;
                Distribution::lognormal_mean_sd(mean, sd)
                    .map_err(|e| self.distribution_error(path, e))
            }
            (false, true) => {
                let p50 = self.duration(&path.key("p50"), self.required(path, "p50", &p50)?)?;
                let p99 = self.duration(&path.key("p99"), self.required(path, "p99", &p99)?)?;
                Distribution::lognormal_p50_p99(p50, p99)
                    .map_err(|e| self.distribution_error(path, e))
            }
        }
    }

    fn mixture(
        &self,
        path: &Path,
        arms: &[raw::MixtureArm],
    ) -> Result<Distribution, ScenarioError> {
        let of = path.key("of");
        if arms.is_empty() {
            return Err(self.bad(
                &of,
                "must list at least one arm",
                "[]",
                "write [{\"weight\": 1, \"dist\": {...}}] for a single distribution",
            ));
        }
        let mut built = Vec::with_capacity(arms.len());
        for (i, arm) in arms.iter().enumerate() {
            let arm_path = of.element(i, None);
            if let Some(mean) = &arm.mean {
                return Err(self.bad(
                    &arm_path.key("mean"),
                    "is not a field of a mixture's arm",
                    quoted(&mean.0),
                    "an arm is {\"weight\": w, \"dist\": {...}}; a mixture of exponentials by their means is {\"kind\": \"hyperexponential\"}",
                ));
            }
            let weight = self.weight(&arm_path, arm.weight)?;
            let dist = self.required(&arm_path, "dist", &arm.dist)?;
            let distribution = self.distribution(&arm_path.key("dist"), dist)?;
            built.push(MixtureArm {
                weight,
                distribution,
            });
        }
        Distribution::mixture(built).map_err(|e| self.distribution_error(path, e))
    }

    fn hyperexponential(
        &self,
        path: &Path,
        phases: &[raw::MixtureArm],
    ) -> Result<Distribution, ScenarioError> {
        let of = path.key("of");
        if phases.is_empty() {
            return Err(self.bad(
                &of,
                "must list at least one phase",
                "[]",
                "write [{\"weight\": 0.9, \"mean\": \"2ms\"}, {\"weight\": 0.1, \"mean\": \"50ms\"}]",
            ));
        }
        let mut built = Vec::with_capacity(phases.len());
        for (i, phase) in phases.iter().enumerate() {
            let phase_path = of.element(i, None);
            if phase.dist.is_some() {
                return Err(self.bad(
                    &phase_path.key("dist"),
                    "is not a field of a hyperexponential's phase",
                    "an object",
                    "a phase is {\"weight\": w, \"mean\": \"2ms\"}; a mixture of other distributions is {\"kind\": \"mixture\"}",
                ));
            }
            let weight = self.weight(&phase_path, phase.weight)?;
            let mean = self.positive_duration(
                &phase_path.key("mean"),
                self.required(&phase_path, "mean", &phase.mean)?,
                "a phase is an exponential, and one with mean 0 is always 0",
            )?;
            built.push((weight, mean));
        }
        Distribution::hyperexponential(&built).map_err(|e| self.distribution_error(path, e))
    }

    fn weight(&self, arm: &Path, weight: f64) -> Result<f64, ScenarioError> {
        Probability::new(weight)
            .map(Probability::get)
            .ok_or_else(|| {
                self.bad(
                    &arm.key("weight"),
                    "must be between 0 and 1",
                    weight,
                    "a weight is the probability of choosing this arm",
                )
            })
    }

    /// A quantile table from `min`, `max` and the `pN` keys (see the module doc).
    fn quantiles(
        &self,
        path: &Path,
        raw: &raw::Distribution,
    ) -> Result<Distribution, ScenarioError> {
        // (key, q, value) in file order, `min` and `max` first.
        let mut points: Vec<(String, f64, SimDuration)> = Vec::new();
        for (key, q, value) in [("min", 0.0, &raw.min), ("max", 1.0, &raw.max)] {
            if let Some(value) = value {
                points.push((key.to_string(), q, self.duration(&path.key(key), value)?));
            }
        }
        for (key, value) in &raw.quantiles {
            let q = quantile_of_key(key).ok_or_else(|| {
                self.bad(
                    &path.key(key),
                    "is not a percentile key",
                    quoted(key),
                    "write `pN` for the N-th percentile (p1 … p100), `p999` or `p99.9` for the 99.9th, `p99.99` for the 99.99th",
                )
            })?;
            points.push((key.clone(), q, self.duration(&path.key(key), value)?));
        }
        for (i, (key, q, _)) in points.iter().enumerate() {
            if let Some((first, ..)) = points[..i].iter().find(|(_, other, _)| other == q) {
                return Err(self.bad(
                    &path.key(key),
                    format!("names the same percentile as `{first}`"),
                    quoted(key),
                    "keep one of the two",
                ));
            }
        }
        let key_of = |q: f64| {
            points
                .iter()
                .find(|(_, other, _)| *other == q)
                .map_or_else(String::new, |(key, ..)| key.clone())
        };
        let table: Vec<QuantilePoint> = points
            .iter()
            .map(|&(_, q, value)| QuantilePoint { q, value })
            .collect();
        Distribution::quantiles(&table).map_err(|error| match error {
            DistributionError::QuantilePoints { count } => self.bad(
                path,
                "needs at least two points",
                format!("{count}"),
                "give the percentiles you measured, e.g. \"p50\": \"3ms\", \"p99\": \"40ms\", \"p999\": \"400ms\"",
            ),
            DistributionError::QuantileZero { q } => self.bad(
                &path.key(&key_of(q)),
                "must be greater than 0",
                "0s",
                "values are interpolated in log space; write the smallest value measured, e.g. \"1us\"",
            ),
            DistributionError::QuantileOrder { low, high } => self.bad(
                &path.key(&key_of(high.q)),
                format!("must be at least `{}` ({})", key_of(low.q), low.value),
                high.value,
                "a higher percentile cannot be shorter than a lower one",
            ),
            DistributionError::QuantileExtrapolation { q, nanos } => self.bad(
                &path.key(&key_of(q)),
                "is the highest point, and extending the last segment to the maximum goes past 104 days",
                format!("{:.3e}s at q = 1", nanos / 1e9),
                "give `max` (the largest value measured), or a higher percentile",
            ),
            other => self.distribution_error(path, other),
        })
    }

    /// Samples from `samples` or from the CSV `file`.
    fn empirical(
        &self,
        path: &Path,
        raw: &raw::Distribution,
    ) -> Result<Distribution, ScenarioError> {
        let values = match (&raw.file, &raw.samples) {
            (Some(name), None) => {
                let file_path = path.key("file");
                let file = self.read_file(&file_path, name)?;
                csv::durations(&file.bytes, raw.column.as_deref())
                    .map_err(|e| self.file_error(&file_path, &file.location, e))?
            }
            (None, Some(samples)) => {
                let samples_path = path.key("samples");
                if let Some(column) = &raw.column {
                    return Err(self.bad(
                        &path.key("column"),
                        "applies only to a `file`",
                        quoted(column),
                        "remove `column`: inline samples are one list",
                    ));
                }
                if samples.len() > INLINE_SAMPLES_MAX {
                    return Err(self.bad(
                        &samples_path,
                        format!("must hold at most {INLINE_SAMPLES_MAX} values"),
                        samples.len(),
                        "put a long list in a CSV file and name it with `file`",
                    ));
                }
                samples
                    .iter()
                    .enumerate()
                    .map(|(i, d)| self.duration(&samples_path.element(i, None), d))
                    .collect::<Result<Vec<_>, _>>()?
            }
            (file, _) => {
                return Err(self.bad(
                    path,
                    "needs exactly one of `file` and `samples`",
                    if file.is_some() { "both" } else { "neither" },
                    "name a CSV of measured durations (\"file\": \"db.csv\") or list them (\"samples\": [\"3ms\", \"5ms\"])",
                ))
            }
        };
        Distribution::empirical(values).map_err(|_| {
            self.bad(
                &path.key("samples"),
                "must hold at least one value",
                "[]",
                "list the measured durations, e.g. [\"3ms\", \"5ms\"]",
            )
        })
    }

    /// A histogram from `buckets` or from the CSV `file`, above `min` (default 0).
    fn histogram(
        &self,
        path: &Path,
        raw: &raw::Distribution,
    ) -> Result<Distribution, ScenarioError> {
        let low = match &raw.min {
            Some(min) => self.duration(&path.key("min"), min)?,
            None => SimDuration::ZERO,
        };
        match (&raw.file, &raw.buckets) {
            (Some(name), None) => {
                let file_path = path.key("file");
                let file = self.read_file(&file_path, name)?;
                let rows = csv::buckets(&file.bytes, raw.column.as_deref())
                    .map_err(|e| self.file_error(&file_path, &file.location, e))?;
                let buckets: Vec<Bucket> = rows
                    .iter()
                    .map(|&(_, le, count)| Bucket { le, count })
                    .collect();
                Distribution::histogram(low, &buckets).map_err(|error| {
                    let line = match &error {
                        DistributionError::BucketOrder { index, .. }
                        | DistributionError::BucketTooLong { index, .. } => Some(rows[*index].0),
                        _ => None,
                    };
                    let hint = bucket_hint(&error);
                    self.file_error(
                        &file_path,
                        &file.location,
                        CsvError {
                            line,
                            problem: error.to_string(),
                            hint,
                        },
                    )
                })
            }
            (None, Some(written)) => {
                if let Some(column) = &raw.column {
                    return Err(self.bad(
                        &path.key("column"),
                        "applies only to a `file`",
                        quoted(column),
                        "remove `column`: inline buckets name their bounds with `le`",
                    ));
                }
                let buckets_path = path.key("buckets");
                let mut buckets = Vec::with_capacity(written.len());
                for (i, bucket) in written.iter().enumerate() {
                    let at = buckets_path.element(i, None);
                    buckets.push(Bucket {
                        le: self.duration(&at.key("le"), &bucket.le)?,
                        count: self.count(
                            &at.key("count"),
                            bucket.count,
                            0..=u64::MAX,
                            ("a count is how many samples fell in the bucket", ""),
                        )?,
                    });
                }
                Distribution::histogram(low, &buckets).map_err(|error| {
                    let at = match &error {
                        DistributionError::BucketOrder { index, .. }
                        | DistributionError::BucketTooLong { index, .. } => {
                            buckets_path.element(*index, None).key("le")
                        }
                        _ => buckets_path.clone(),
                    };
                    self.bad(&at, error.to_string(), "", bucket_hint(&error))
                })
            }
            (file, _) => Err(self.bad(
                path,
                "needs exactly one of `buckets` and `file`",
                if file.is_some() { "both" } else { "neither" },
                "list the buckets ([{\"le\": \"1ms\", \"count\": 120}, ...]) or name a CSV of them",
            )),
        }
    }

    fn pareto(&self, path: &Path, raw: &raw::Distribution) -> Result<Distribution, ScenarioError> {
        let alpha = *self.required(path, "alpha", &raw.alpha)?;
        let low = self.duration(&path.key("min"), self.required(path, "min", &raw.min)?)?;
        let high = self.duration(&path.key("max"), self.required(path, "max", &raw.max)?)?;
        Distribution::pareto(alpha, low, high).map_err(|error| match error {
            DistributionError::ParetoShape { alpha } => self.bad(
                &path.key("alpha"),
                "must be a number greater than 0",
                alpha,
                "the tail index: 1 to 2 is a heavy tail (finite mean, huge variance), larger is lighter",
            ),
            DistributionError::ParetoBounds { low, .. } if low == SimDuration::ZERO => self.bad(
                &path.key("min"),
                "must be greater than 0",
                low,
                "a power law starts at a positive scale: the smallest value measured",
            ),
            DistributionError::ParetoBounds { low, high } => self.bad(
                &path.key("max"),
                format!("must be greater than `min` ({low}) and at most 104 days"),
                high,
                "the bound keeps the variance finite; use the largest value measured",
            ),
            other => self.distribution_error(path, other),
        })
    }

    /// Weibull, gamma and Erlang: a shape (or `k`) and one of `scale` and `mean`.
    fn shaped(&self, path: &Path, raw: &raw::Distribution) -> Result<Distribution, ScenarioError> {
        let (shape, shape_key) = match raw.kind {
            Kind::Erlang => {
                let k = self.count(
                    &path.key("k"),
                    *self.required(path, "k", &raw.k)?,
                    1..=ERLANG_K_MAX,
                    (
                        "an Erlang-k is the sum of k exponential phases, so k ≥ 1",
                        "past a million phases an Erlang is a constant; use one",
                    ),
                )?;
                // At most 10^6, exact in f64.
                (k as f64, "k")
            }
            _ => (*self.required(path, "shape", &raw.shape)?, "shape"),
        };
        let (by_mean, value) = match (&raw.scale, &raw.mean) {
            (Some(scale), None) => (false, (scale, "scale")),
            (None, Some(mean)) => (true, (mean, "mean")),
            (scale, _) => {
                return Err(self.bad(
                    path,
                    "needs exactly one of `scale` and `mean`",
                    if scale.is_some() { "both" } else { "neither" },
                    "give the mean (\"mean\": \"4ms\"), or the scale parameter",
                ))
            }
        };
        let duration = self.positive_duration(
            &path.key(value.1),
            value.0,
            "a distribution of durations needs a positive scale",
        )?;
        let built = match (raw.kind, by_mean) {
            (Kind::Weibull, false) => Weibull::new(shape, duration).map(Distribution::Weibull),
            (Kind::Weibull, true) => Weibull::with_mean(shape, duration).map(Distribution::Weibull),
            (_, false) => Gamma::new(shape, duration).map(|g| Distribution::Gamma(Box::new(g))),
            (_, true) => {
                Gamma::with_mean(shape, duration).map(|g| Distribution::Gamma(Box::new(g)))
            }
        };
        built.map_err(|error| match error {
            DistributionError::WeibullShape { shape } => self.bad(
                &path.key(shape_key),
                "must lie between 0.1 and 100",
                shape,
                "below 1 the tail is heavier than an exponential's, 1 is the exponential, above 1 lighter; below 0.1 the variance lives in draws rarer than 1 in 2^53",
            ),
            DistributionError::GammaShape { shape } => self.bad(
                &path.key(shape_key),
                "must lie between 0.01 and 1e6",
                shape,
                "the squared coefficient of variation is 1/shape: 1 is the exponential, larger is more regular",
            ),
            other => self.distribution_error(path, other),
        })
    }

    /// Reads `name` through the options' `FileSource`, once per parse.
    fn read_file(&self, path: &Path, name: &str) -> Result<ScenarioFile, ScenarioError> {
        if let Some(read) = self.read.borrow().iter().find(|f| f.name == name) {
            return Ok(read.clone());
        }
        let contents = self
            .source
            .files
            .read(self.source.origin, name)
            .map_err(|e| ScenarioError::File {
                origin: self.origin.to_string(),
                path: path.text(),
                file: e.location,
                line: None,
                problem: format!("cannot be read ({})", e.reason),
                hint: "a file is named relative to the scenario file's directory",
            })?;
        let read = ScenarioFile {
            name: name.to_string(),
            location: contents.location,
            bytes: contents.bytes,
        };
        self.read.borrow_mut().push(read.clone());
        Ok(read)
    }

    fn file_error(&self, path: &Path, location: &str, error: CsvError) -> ScenarioError {
        ScenarioError::File {
            origin: self.origin.to_string(),
            path: path.text(),
            file: location.to_string(),
            line: error.line.map(|l| u32::try_from(l).unwrap_or(u32::MAX)),
            problem: error.problem,
            hint: error.hint,
        }
    }

    /// Turns a refusal from a `sim_core::Distribution` constructor into a `BadValue`.
    fn distribution_error(&self, path: &Path, error: DistributionError) -> ScenarioError {
        match error {
            DistributionError::UniformReversed { low, high } => self.bad(
                &path.key("min"),
                format!("must not exceed `max` ({high})"),
                low,
                "swap `min` and `max`",
            ),
            DistributionError::LogNormalMoments { mean, .. } => self.bad(
                &path.key("mean"),
                "must be greater than 0",
                mean,
                "a lognormal takes only positive values, so its mean is positive (`sd` may be 0)",
            ),
            DistributionError::LogNormalQuantiles { p50, p99 } if p50 == SimDuration::ZERO => self
                .bad(
                    &path.key("p50"),
                    "must be greater than 0",
                    p99,
                    "a lognormal takes only positive values, so its median is positive",
                ),
            DistributionError::LogNormalQuantiles { p50, p99 } => self.bad(
                &path.key("p99"),
                format!("must be at least `p50` ({p50})"),
                p99,
                "the 99th percentile cannot lie below the median",
            ),
            DistributionError::MixtureWeights { sum } => self.bad(
                &path.key("of"),
                "needs weights that sum to 1 (within 1e-9)",
                format!("a sum of {sum}"),
                "scale the weights so that they add up to exactly 1",
            ),
            // Each kind's own function maps its errors to their keys; what reaches here is
            // reported against the block as a whole.
            other => self.bad(
                path,
                other.to_string(),
                "",
                "fix the distribution's parameters",
            ),
        }
    }
}

/// The probability a quantile key names (see the module doc), or `None`.
pub(crate) fn quantile_of_key(key: &str) -> Option<f64> {
    let digits = key.strip_prefix('p')?;
    let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) if is_digits(fraction) => (whole, fraction),
        Some(_) => return None,
        None if digits.len() >= 3 && digits.starts_with("99") => ("99", &digits[2..]),
        None => (digits, ""),
    };
    if !is_digits(whole) || whole.len() > 3 || (whole.len() > 1 && whole.starts_with('0')) {
        return None;
    }
    let percent: u32 = whole.parse().ok()?;
    if percent > 100 || (percent == 100 && fraction.bytes().any(|b| b != b'0')) {
        return None;
    }
    // Move the decimal point two places left in text, so that `p999` and `p99.9` parse to
    // the very same f64.
    let q = if percent == 100 {
        "1".to_string()
    } else {
        format!("0.{whole:0>2}{fraction}")
    };
    q.parse().ok()
}

fn bucket_hint(error: &DistributionError) -> &'static str {
    match error {
        DistributionError::BucketOrder { .. } => {
            "list buckets by increasing bound, each above the previous (and the first above `min`)"
        }
        DistributionError::BucketTooLong { .. } => "a bound must be below 104 days",
        DistributionError::BucketsEmpty => "at least one bucket must count a sample",
        _ => "counts must add up to at most 2^53",
    }
}

#[cfg(test)]
mod tests;
