//! Checks a client's `arrival` block, its `count` and its request `classes` into a
//! `models::Load`, a group size and `models::RequestClass`es.
//!
//! The rules, each with its reason:
//! - Each kind takes its own keys (`not_a_parameter` lists them): `poisson` and `constant`
//!   exactly one of `rate_per_s` and `profile`; `on_off` `rate_per_s`, `on`, `off` and
//!   optionally `off_rate_per_s`; `closed` `users` and `think`; `sessions` `rate_per_s`,
//!   `requests` and `think`; `trace` `file` and optionally `column`, `class_column`, `speed`
//!   and `loop`.
//! - A daily profile takes `poisson` (it is sampled by thinning, `models::arrival`).
//! - Rates are at most 1e9 per second (one request per nanosecond, virtual time's
//!   resolution); a profile's points start at 0 s, go forward in time (`table` may repeat a
//!   time once, for a jump) and are not all 0.
//! - At most `USERS_MAX` users in all (`count` × `users`): each has its own stream.
//! - A think time's mean is above 0: a user who never pauses could loop at one instant
//!   forever when its requests resolve at once (a cache hit, an open breaker).
//! - A trace is not empty, is in time order (`csv`), starts before the run ends, loops
//!   after its last time, and plays in one client (`count` 1): copies of one trace would
//!   arrive together. Its file is read through the options' `FileSource` and listed in
//!   `Scenario::files`, so a run record hashes it.
//! - Classes have unique names and weights that sum to 1, or no weights when the trace names
//!   each request's class; a class's own `service_time` names a service its requests reach.

use std::sync::Arc;

use models::{ArrivalTrace, ClassId, Load, OnOff, Profile, Rate, RequestClass, ServiceConfig};
use models::{ServiceId, Spacing};
use sim_core::{Distribution, SimDuration};

use super::{Checker, NameList, NAME_HINT, RATE_PER_S_MAX, TYPO_GUARD, UNITS_MAX};
use crate::csv;
use crate::error::{quoted, Path, Referent, ScenarioError};
use crate::raw::{self, ClientArrivalKind as Kind, ProfileKind};

/// Most users in one client entry (`count` × `users`): each has its own stream (about half a
/// kilobyte), so a million is about 500 MB, and a typo such as `1e9` is an error.
const USERS_MAX: u64 = 1_000_000;

/// Most requests per session: a longer session is a closed-loop user.
const SESSION_REQUESTS_MAX: u64 = 1_000_000;

/// Most request classes per client: classes are a mix of a few kinds of request.
const CLASSES_MAX: usize = 100;

/// Fastest replay: a million times the trace's own pace.
const SPEED_MAX: f64 = 1e6;

/// A client's request class with the services where it has its own service time.
pub(super) struct CheckedClass {
    pub(super) class: RequestClass,
    pub(super) service_times: Vec<(ServiceId, Distribution)>,
}

impl Checker<'_> {
    /// The group size of the client at `path`.
    pub(super) fn group_count(&self, path: &Path, raw: &raw::Client) -> Result<u32, ScenarioError> {
        let count = self.count(
            &path.key("count"),
            raw.count,
            1..=UNITS_MAX,
            ("a client stands for at least one client", TYPO_GUARD),
        )?;
        // At most `UNITS_MAX`, so it fits.
        Ok(count as u32)
    }

    /// The load of the client at `path` (`count` members, whose classes are named
    /// `classes`), arriving over a run of `duration`.
    pub(super) fn load(
        &self,
        path: &Path,
        raw: &raw::ClientArrival,
        count: u32,
        classes: &[&str],
        duration: SimDuration,
    ) -> Result<Load, ScenarioError> {
        let at = path.key("arrival");
        self.arrival_keys(&at, raw)?;
        match raw.kind {
            Kind::Poisson | Kind::Constant => {
                let spacing = match raw.kind {
                    Kind::Poisson => Spacing::Poisson,
                    _ => Spacing::Constant,
                };
                let rate = match (&raw.rate_per_s, &raw.profile) {
                    (Some(rate), None) => Rate::Fixed(self.rate(&at.key("rate_per_s"), *rate)?),
                    (None, Some(profile)) => {
                        let profile = self.profile(&at.key("profile"), profile)?;
                        if let (Profile::Daily { .. }, Spacing::Constant) = (&profile, spacing) {
                            return Err(self.bad(
                                &at.key("kind"),
                                "must be `poisson` with a daily profile",
                                quoted("constant"),
                                "a daily curve is sampled by thinning a Poisson process; for evenly spaced arrivals along a day, write its rates as a `table`",
                            ));
                        }
                        Rate::Profile(profile)
                    }
                    (rate, _) => {
                        return Err(self.bad(
                            &at,
                            "needs exactly one of `rate_per_s` and `profile`",
                            if rate.is_some() { "both" } else { "neither" },
                            "give a fixed rate (\"rate_per_s\": 100) or a rate over time (\"profile\": {\"kind\": \"table\", \"rates\": [[\"0s\", 100], [\"600s\", 400]]})",
                        ))
                    }
                };
                Ok(Load::Open { spacing, rate })
            }
            Kind::OnOff => {
                let rate = *self.required(&at, "rate_per_s", &raw.rate_per_s)?;
                let on_rate_per_s = self.rate(&at.key("rate_per_s"), rate)?;
                let off_rate_per_s = match raw.off_rate_per_s {
                    None => 0.0,
                    Some(rate) => self.rate_or_zero(&at.key("off_rate_per_s"), rate)?,
                };
                let hint = "the mean length of a period; on and off periods are exponential";
                let on_mean = self.positive_duration(
                    &at.key("on"),
                    self.required(&at, "on", &raw.on)?,
                    hint,
                )?;
                let off_mean = self.positive_duration(
                    &at.key("off"),
                    self.required(&at, "off", &raw.off)?,
                    hint,
                )?;
                Ok(Load::OnOff(OnOff {
                    on_rate_per_s,
                    off_rate_per_s,
                    on_mean,
                    off_mean,
                }))
            }
            Kind::Closed => {
                let users = self.count(
                    &at.key("users"),
                    *self.required(&at, "users", &raw.users)?,
                    1..=USERS_MAX,
                    ("a closed loop needs at least one user", TYPO_GUARD),
                )?;
                if users * u64::from(count) > USERS_MAX {
                    return Err(self.bad(
                        &at.key("users"),
                        format!("times `count` ({count}) must be at most {USERS_MAX}"),
                        users,
                        "each user has its own stream; simulate fewer users, or an open loop at their rate",
                    ));
                }
                let think = self.think(&at, raw)?;
                Ok(Load::Closed {
                    users: users as u32,
                    think,
                })
            }
            Kind::Sessions => {
                let rate = *self.required(&at, "rate_per_s", &raw.rate_per_s)?;
                let rate_per_s = self.rate(&at.key("rate_per_s"), rate)?;
                let requests = self.count(
                    &at.key("requests"),
                    *self.required(&at, "requests", &raw.requests)?,
                    1..=SESSION_REQUESTS_MAX,
                    (
                        "a session sends at least one request",
                        "a session that long is a closed-loop user: use \"kind\": \"closed\"",
                    ),
                )? as u32;
                let think = self.think(&at, raw)?;
                Ok(Load::Sessions {
                    rate_per_s,
                    requests,
                    think,
                })
            }
            Kind::Trace => {
                if count > 1 {
                    return Err(self.bad(
                        &path.key("count"),
                        "must be 1 for a trace",
                        count,
                        "copies of one trace would arrive together; replay it faster with `speed`",
                    ));
                }
                self.trace(&at, raw, classes, duration)
                    .map(|trace| Load::Trace(Arc::new(trace)))
            }
        }
    }

    /// Refuses every key `raw`'s kind does not take.
    fn arrival_keys(&self, path: &Path, raw: &raw::ClientArrival) -> Result<(), ScenarioError> {
        let (kind, allowed): (&str, &[&str]) = match raw.kind {
            Kind::Poisson => ("poisson", &["rate_per_s", "profile"]),
            Kind::Constant => ("constant", &["rate_per_s", "profile"]),
            Kind::OnOff => ("on_off", &["rate_per_s", "off_rate_per_s", "on", "off"]),
            Kind::Closed => ("closed", &["users", "think"]),
            Kind::Sessions => ("sessions", &["rate_per_s", "requests", "think"]),
            Kind::Trace => (
                "trace",
                &["file", "column", "class_column", "speed", "loop"],
            ),
        };
        let duration = |d: &Option<raw::Duration>| d.as_ref().map(|d| quoted(&d.0));
        let number = |n: Option<f64>| n.map(|n| n.to_string());
        let present = [
            ("rate_per_s", number(raw.rate_per_s)),
            (
                "profile",
                raw.profile.as_ref().map(|_| "an object".to_string()),
            ),
            ("off_rate_per_s", number(raw.off_rate_per_s)),
            ("on", duration(&raw.on)),
            ("off", duration(&raw.off)),
            ("users", raw.users.map(|u| u.0.to_string())),
            ("think", raw.think.as_ref().map(|_| "an object".to_string())),
            ("requests", raw.requests.map(|r| r.0.to_string())),
            ("file", raw.file.as_deref().map(quoted)),
            ("column", raw.column.as_deref().map(quoted)),
            ("class_column", raw.class_column.as_deref().map(quoted)),
            ("speed", number(raw.speed)),
            ("loop", duration(&raw.period)),
        ];
        let family = format!("the `{kind}` arrival");
        for (field, value) in present {
            if let (Some(value), false) = (value, allowed.contains(&field)) {
                return Err(self.not_a_parameter(&path.key(field), value, &family, allowed));
            }
        }
        Ok(())
    }

    /// A rate in requests per second: above 0, at most 1e9.
    fn rate(&self, path: &Path, rate: f64) -> Result<f64, ScenarioError> {
        if !(rate > 0.0 && rate <= RATE_PER_S_MAX) {
            return Err(self.bad(
                path,
                "must be greater than 0 and at most 1e9",
                rate,
                "it is requests per second; above one per nanosecond (virtual time's resolution) arrivals would coincide",
            ));
        }
        Ok(rate)
    }

    /// A rate that may be 0.
    fn rate_or_zero(&self, path: &Path, rate: f64) -> Result<f64, ScenarioError> {
        if !(0.0..=RATE_PER_S_MAX).contains(&rate) {
            return Err(self.bad(
                path,
                "must be at least 0 and at most 1e9",
                rate,
                "it is requests per second; 0 sends nothing",
            ));
        }
        Ok(rate)
    }

    /// A think time whose mean is above 0: a user who never stops to think could loop at
    /// one instant forever when its requests resolve at once (a cache hit, an open breaker).
    fn think(&self, path: &Path, raw: &raw::ClientArrival) -> Result<Distribution, ScenarioError> {
        let think = self.required(path, "think", &raw.think)?;
        let distribution = self.distribution(&path.key("think"), think)?;
        if distribution.mean_nanos() <= 0.0 {
            return Err(self.bad(
                &path.key("think"),
                "must have a mean above 0",
                "a think time that is always 0",
                "a user who never pauses could loop at one instant when its requests resolve at once; give a short think time (\"1ms\") or use an open loop",
            ));
        }
        Ok(distribution)
    }

    fn profile(&self, path: &Path, raw: &raw::Profile) -> Result<Profile, ScenarioError> {
        let (kind, allowed): (&str, &[&str]) = match raw.kind {
            ProfileKind::Steps => ("steps", &["rates"]),
            ProfileKind::Table => ("table", &["rates"]),
            ProfileKind::Ramp => ("ramp", &["from_per_s", "to_per_s", "at", "for"]),
            ProfileKind::Daily => ("daily", &["mean_per_s", "amplitude", "peak_at", "period"]),
        };
        let duration = |d: &Option<raw::Duration>| d.as_ref().map(|d| quoted(&d.0));
        let number = |n: Option<f64>| n.map(|n| n.to_string());
        let present = [
            ("rates", raw.rates.as_ref().map(|_| "an array".to_string())),
            ("from_per_s", number(raw.from_per_s)),
            ("to_per_s", number(raw.to_per_s)),
            ("at", duration(&raw.at)),
            ("for", duration(&raw.lasts)),
            ("mean_per_s", number(raw.mean_per_s)),
            ("amplitude", number(raw.amplitude)),
            ("peak_at", duration(&raw.peak_at)),
            ("period", duration(&raw.period)),
        ];
        let family = format!("the `{kind}` profile");
        for (field, value) in present {
            if let (Some(value), false) = (value, allowed.contains(&field)) {
                return Err(self.not_a_parameter(&path.key(field), value, &family, allowed));
            }
        }
        match raw.kind {
            ProfileKind::Steps | ProfileKind::Table => {
                let steps = raw.kind == ProfileKind::Steps;
                let points = self.points(path, self.required(path, "rates", &raw.rates)?, steps)?;
                Ok(if steps {
                    Profile::Steps(points)
                } else {
                    Profile::Table(points)
                })
            }
            ProfileKind::Ramp => {
                let from = *self.required(path, "from_per_s", &raw.from_per_s)?;
                let to = *self.required(path, "to_per_s", &raw.to_per_s)?;
                let from_per_s = self.rate_or_zero(&path.key("from_per_s"), from)?;
                let to_per_s = self.rate_or_zero(&path.key("to_per_s"), to)?;
                let start = self.duration(&path.key("at"), self.required(path, "at", &raw.at)?)?;
                let lasts = self.positive_duration(
                    &path.key("for"),
                    self.required(path, "for", &raw.lasts)?,
                    "a ramp takes some time; use `steps` for a jump",
                )?;
                if from_per_s == 0.0 && to_per_s == 0.0 {
                    return Err(self.bad(
                        &path.key("to_per_s"),
                        "must be above 0 when `from_per_s` is 0",
                        to,
                        "a ramp from 0 to 0 sends nothing",
                    ));
                }
                Ok(Profile::Ramp {
                    from_per_s,
                    to_per_s,
                    start,
                    end: start.saturating_add(lasts),
                })
            }
            ProfileKind::Daily => {
                let mean = *self.required(path, "mean_per_s", &raw.mean_per_s)?;
                let mean_per_s = self.rate(&path.key("mean_per_s"), mean)?;
                let amplitude = *self.required(path, "amplitude", &raw.amplitude)?;
                if !(0.0..=1.0).contains(&amplitude) {
                    return Err(self.bad(
                        &path.key("amplitude"),
                        "must be between 0 and 1",
                        amplitude,
                        "the swing as a fraction of the mean: 0.5 peaks at 1.5 times the mean and bottoms at half of it",
                    ));
                }
                let period = match &raw.period {
                    None => SimDuration::from_secs(24 * 3600),
                    Some(period) => self.positive_duration(
                        &path.key("period"),
                        period,
                        "a day's length: \"24h\", or shorter to compress one",
                    )?,
                };
                let peak_at = self.duration(
                    &path.key("peak_at"),
                    self.required(path, "peak_at", &raw.peak_at)?,
                )?;
                if peak_at >= period {
                    return Err(self.bad(
                        &path.key("peak_at"),
                        format!("must be shorter than the period ({period})"),
                        peak_at,
                        "it is when in each period the rate peaks, e.g. \"14h\" in a 24 h day",
                    ));
                }
                Ok(Profile::Daily {
                    mean_per_s,
                    amplitude,
                    peak_at,
                    period,
                })
            }
        }
    }

    /// A `rates` list: from 0 s, forward in time (a `table` may repeat a time once: a jump),
    /// rates at least 0 and not all 0.
    fn points(
        &self,
        path: &Path,
        raw: &[(raw::Duration, f64)],
        steps: bool,
    ) -> Result<Vec<(SimDuration, f64)>, ScenarioError> {
        let rates = path.key("rates");
        if raw.is_empty() {
            return Err(self.bad(
                &rates,
                "must list at least one point",
                "[]",
                "write [[\"0s\", 100], [\"600s\", 400]]: requests per second from each time on",
            ));
        }
        let mut points: Vec<(SimDuration, f64)> = Vec::with_capacity(raw.len());
        for (i, (at, rate)) in raw.iter().enumerate() {
            let point = rates.element(i, None);
            let at = self.duration(&point.element(0, None), at)?;
            let rate = self.rate_or_zero(&point.element(1, None), *rate)?;
            match points.last() {
                None if at != SimDuration::ZERO => {
                    return Err(self.bad(
                        &point.element(0, None),
                        "must be 0s",
                        at,
                        "the first point gives the rate from the start of the run",
                    ))
                }
                Some(&(previous, _)) if at < previous || (at == previous && steps) => {
                    return Err(self.bad(
                        &point.element(0, None),
                        format!("must be later than the previous point's time ({previous})"),
                        at,
                        if steps {
                            "list the steps in time order, each at its own time"
                        } else {
                            "list the points in time order (the same time twice makes a jump)"
                        },
                    ))
                }
                Some(_) if points.len() >= 2 && points[points.len() - 2].0 == at => {
                    return Err(self.bad(
                        &point.element(0, None),
                        "is the third point at one time",
                        at,
                        "two points at one time make a jump; a third says nothing more",
                    ))
                }
                _ => {}
            }
            points.push((at, rate));
        }
        if points.iter().all(|p| p.1 == 0.0) {
            return Err(self.bad(
                &rates,
                "must not be 0 everywhere",
                "all rates 0",
                "such a client would send nothing; remove it instead",
            ));
        }
        Ok(points)
    }

    /// A trace from its CSV file.
    fn trace(
        &self,
        path: &Path,
        raw: &raw::ClientArrival,
        classes: &[&str],
        duration: SimDuration,
    ) -> Result<ArrivalTrace, ScenarioError> {
        let file_path = path.key("file");
        let name = self.required(path, "file", &raw.file)?;
        if raw.class_column.is_some() && classes.is_empty() {
            return Err(self.bad(
                &path.key("class_column"),
                "needs the client's `classes`",
                quoted(raw.class_column.as_deref().unwrap_or_default()),
                "list the classes the trace names in the client's `classes`, or remove `class_column`",
            ));
        }
        let file = self.read_file(&file_path, name)?;
        let rows = csv::trace(
            &file.bytes,
            raw.column.as_deref(),
            raw.class_column.as_deref(),
            !classes.is_empty(),
        )
        .map_err(|e| self.file_error(&file_path, &file.location, e))?;
        let mut trace_classes = Vec::new();
        for row in &rows {
            let Some(class) = row.class else { break };
            let index = classes.iter().position(|c| *c == class).ok_or_else(|| {
                self.file_error(
                    &file_path,
                    &file.location,
                    csv::CsvError {
                        line: Some(row.line),
                        problem: format!(
                            "class `{class}` is not one of the client's classes ({})",
                            classes
                                .iter()
                                .map(|c| format!("`{c}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        hint: "name each request's class as the client's `classes` do",
                    },
                )
            })?;
            // At most `CLASSES_MAX` classes, so it fits.
            trace_classes.push(index as u16);
        }
        let speed = match raw.speed {
            None => 1.0,
            Some(speed) if speed > 0.0 && speed <= SPEED_MAX => speed,
            Some(speed) => {
                return Err(self.bad(
                    &path.key("speed"),
                    "must be greater than 0 and at most 1e6",
                    speed,
                    "times are divided by it: 2 replays the trace at twice its rate",
                ))
            }
        };
        let times: Vec<SimDuration> = rows.iter().map(|r| r.time).collect();
        let (first, last) = (times[0], times[times.len() - 1]);
        let period = match &raw.period {
            None => None,
            Some(period) => {
                let period = self.duration(&path.key("loop"), period)?;
                if period <= last {
                    return Err(self.bad(
                        &path.key("loop"),
                        format!("must be longer than the trace's last time ({last})"),
                        period,
                        "the trace starts over this long after its own start, so after its last arrival",
                    ));
                }
                Some(period)
            }
        };
        let first_at = first.as_nanos() as f64 / speed;
        if first_at > duration.as_nanos() as f64 {
            return Err(self.file_error(
                &file_path,
                &file.location,
                csv::CsvError {
                    line: Some(rows[0].line),
                    problem: format!(
                        "starts at {first}{}, after the run ends ({duration})",
                        if speed == 1.0 {
                            String::new()
                        } else {
                            format!(" ({} at speed {speed})", SimDuration::from_nanos_f64(first_at))
                        }
                    ),
                    hint: "times are offsets from the start of the run; subtract the log's first timestamp (e.g. epoch seconds) from every row",
                },
            ));
        }
        Ok(ArrivalTrace {
            times,
            classes: trace_classes,
            speed,
            period,
        })
    }

    /// The request classes of the client at `path`, whose requests reach the services in
    /// `reached`; `traced`: a trace names each request's class (so no weights).
    pub(super) fn request_classes(
        &self,
        path: &Path,
        raw: &[raw::RequestClass],
        traced: bool,
        (names, reached): (&NameList<'_>, &[bool]),
    ) -> Result<Vec<CheckedClass>, ScenarioError> {
        let at = path.key("classes");
        if raw.len() > CLASSES_MAX {
            return Err(self.bad(
                &at,
                format!("must list at most {CLASSES_MAX} classes"),
                raw.len(),
                "classes are a mix of a few kinds of request; split the client",
            ));
        }
        let mut checked: Vec<CheckedClass> = Vec::with_capacity(raw.len());
        for (i, class) in raw.iter().enumerate() {
            let class_path = at.element(i, Some(&class.name));
            if let Some(problem) = crate::name::name_problem(&class.name) {
                return Err(self.bad(
                    &class_path.key("name"),
                    problem,
                    quoted(&class.name),
                    NAME_HINT,
                ));
            }
            if let Some(first) = raw[..i].iter().position(|c| c.name == class.name) {
                return Err(ScenarioError::DuplicateName {
                    origin: self.origin.to_string(),
                    path: class_path.key("name").text(),
                    name: class.name.clone(),
                    first: at.element(first, None).text(),
                });
            }
            let weight = match (class.weight, traced) {
                (Some(weight), true) => {
                    return Err(self.bad(
                        &class_path.key("weight"),
                        "is not taken when the trace names each request's class",
                        weight,
                        "remove `weight`: the trace's class column decides",
                    ))
                }
                (None, true) => 0.0,
                (None, false) => {
                    return Err(ScenarioError::MissingField {
                        origin: self.origin.to_string(),
                        path: class_path.text(),
                        field: "weight".to_string(),
                        position: None,
                    })
                }
                (Some(weight), false) if weight > 0.0 && weight <= 1.0 => weight,
                (Some(weight), false) => {
                    return Err(self.bad(
                        &class_path.key("weight"),
                        "must be greater than 0 and at most 1",
                        weight,
                        "it is the share of the client's requests of this class: 0.1 for 10%",
                    ))
                }
            };
            let mut service_times = Vec::with_capacity(class.service_time.len());
            for (service, distribution) in &class.service_time {
                let dist_path = class_path.key("service_time").key(service);
                let index = self.reference(&dist_path, service, Referent::Service, names)?;
                if !reached[index as usize] {
                    return Err(self.bad(
                        &dist_path,
                        "names a service the client's requests never reach",
                        quoted(service),
                        "a class's own service time applies where its requests go: the client's target and the services it calls",
                    ));
                }
                service_times.push((
                    ServiceId(index),
                    self.distribution(&dist_path, distribution)?,
                ));
            }
            checked.push(CheckedClass {
                class: RequestClass {
                    name: class.name.clone(),
                    weight,
                    id: ClassId::NONE,
                    latency_marks: Vec::new(),
                },
                service_times,
            });
        }
        if !traced && !raw.is_empty() {
            let sum: f64 = checked.iter().map(|c| c.class.weight).sum();
            if (sum - 1.0).abs() > 1e-9 {
                return Err(self.bad(
                    &at,
                    "needs weights that sum to 1 (within 1e-9)",
                    format!("a sum of {sum}"),
                    "scale the weights so that they add up to exactly 1",
                ));
            }
        }
        Ok(checked)
    }
}

/// Which services the requests of a client that calls `target` reach: it, and every service
/// a reached one calls.
pub(super) fn reached(services: &[ServiceConfig], target: ServiceId) -> Vec<bool> {
    let mut reached = vec![false; services.len()];
    let mut stack = vec![target];
    // Each service is pushed at most once per caller edge, and the graph is finite.
    while let Some(service) = stack.pop() {
        if std::mem::replace(&mut reached[service.0 as usize], true) {
            continue;
        }
        stack.extend(services[service.0 as usize].calls.iter().map(|c| c.target));
    }
    reached
}

#[cfg(test)]
mod tests;
