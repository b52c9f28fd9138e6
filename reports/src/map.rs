//! The metastability map: for each cell of a grid of offered load × trigger magnitude, does
//! the system come back after the trigger ends?
//!
//! # The rule
//!
//! A metastable failure is a bad state that a trigger pushes a system into and that outlives
//! the trigger, sustained by the system's own feedback (retries, queues of work for callers
//! that are gone): Bronson, Aghayev, Charapko & Stutsman, "Metastable Failures in Distributed
//! Systems", HotOS 2021; Huang et al., "Metastable Failures in the Wild", OSDI 2022, who
//! measure it the same way: the trigger removed, does goodput come back? Each run is judged
//! on the per-second goodput of its clients (every client, or the one named):
//!
//! - *before*: mean goodput over the `BEFORE_S` seconds before the trigger starts (only
//!   seconds after the warm-up); *offered before*: the mean offered load over the same
//!   seconds. The run was *healthy* before the trigger if goodput was at least
//!   `RECOVERED_SHARE` (90%) of the offered load.
//! - *after*: mean goodput over the `AFTER_S` seconds that start `settle` after the trigger
//!   ends. The run *recovered* if that is at least `RECOVERED_SHARE` (90%) of *before*.
//!
//! With several clients, a run is healthy (recovered) only if every judged client is. A cell
//! (a variant at one load and trigger) is, over its `n` seeds:
//!
//! - **recovers**: every seed was healthy before the trigger and recovered;
//! - **metastable**: at least `share` × n seeds were healthy before the trigger and did not
//!   recover: the trigger tipped a working system into a state that outlived it;
//! - **degraded**: anything else: fewer seeds stayed down than that, or the load alone was
//!   already too much before the trigger (an overload, which needs no trigger).
//!
//! This module holds the rule and renders the map; the CLI runs the grid.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;
use serde_json::Value;

use crate::comparison::number;
use crate::figures::{slug, Figure};
use crate::page::Page;
use crate::plot::{self, HeatCell, HeatMap, PlotError};
use crate::sweep::shown;

/// The share of its earlier level goodput must reach to count as back (and the share of the
/// offered load it must reach before the trigger to count as healthy).
pub const RECOVERED_SHARE: f64 = 0.9;

/// Seconds before the trigger over which goodput's level is measured.
pub const BEFORE_S: usize = 10;

/// Seconds over which goodput after the settling time is measured.
pub const AFTER_S: usize = 10;

/// The three classes, in the heat maps' colour order.
pub const CLASSES: [Class; 3] = [Class::Recovers, Class::Degraded, Class::Metastable];

/// What a cell of the map is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Every seed was healthy and came back.
    Recovers,
    /// Some seeds stayed down, or the load was already too much before the trigger.
    Degraded,
    /// At least the stated share of seeds was healthy and did not come back.
    Metastable,
}

impl Class {
    /// The class's name.
    pub fn name(self) -> &'static str {
        match self {
            Class::Recovers => "recovers",
            Class::Degraded => "degraded",
            Class::Metastable => "metastable",
        }
    }

    /// One letter for grids of text.
    pub fn letter(self) -> char {
        match self {
            Class::Recovers => 'R',
            Class::Degraded => 'D',
            Class::Metastable => 'M',
        }
    }
}

/// When the trigger acts, in seconds of the run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Window {
    /// The warm-up's end: seconds before it are not a level to return to.
    pub warmup_s: f64,
    /// The trigger's start.
    pub start_s: f64,
    /// The trigger's end.
    pub end_s: f64,
    /// How long after the end goodput has to be back.
    pub settle_s: f64,
}

impl Window {
    /// The seconds `[from, to)` of the "before" window.
    pub fn before(&self) -> (usize, usize) {
        let to = self.start_s.floor().max(0.0) as usize;
        let from = to
            .saturating_sub(BEFORE_S)
            .max(self.warmup_s.ceil() as usize);
        (from, to)
    }

    /// The seconds `[from, to)` of the "after" window.
    pub fn after(&self) -> (usize, usize) {
        let from = (self.end_s + self.settle_s).ceil() as usize;
        (from, from + AFTER_S)
    }

    /// Why this window cannot be judged in a run of `duration_s` seconds, if it cannot.
    pub fn problem(&self, duration_s: f64) -> Option<String> {
        let (from, to) = self.before();
        if to <= from {
            return Some(format!(
                "the trigger starts at {}s, with no second after the warm-up ({}s) before it to measure goodput's level; start it later",
                self.start_s, self.warmup_s
            ));
        }
        let (_, end) = self.after();
        if end as f64 > duration_s {
            return Some(format!(
                "the runs last {duration_s}s, but the map measures goodput until {end}s (the trigger ends at {}s, then {}s to settle, then {AFTER_S}s); lengthen them with --set duration={end}s, or shorten --settle",
                self.end_s, self.settle_s
            ));
        }
        None
    }
}

/// One run judged.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeedVerdict {
    /// The master seed.
    pub seed: u64,
    /// Mean goodput before the trigger, summed over the judged clients.
    pub before: f64,
    /// Mean offered load before the trigger, summed over the judged clients.
    pub offered_before: f64,
    /// Mean goodput after the settling time, summed over the judged clients.
    pub after: f64,
    /// Whether every judged client's goodput kept up with its offered load before.
    pub healthy: bool,
    /// Whether every judged client's goodput came back.
    pub recovered: bool,
}

/// The mean of `series[from..to]` (0 where it is shorter).
fn mean(series: &[f64], (from, to): (usize, usize)) -> f64 {
    let values: Vec<f64> = (from..to)
        .map(|i| series.get(i).copied().unwrap_or(0.0))
        .collect();
    if values.is_empty() {
        return 0.0;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// Judges one run from its clients' per-second `(goodput, offered)` series.
pub fn judge(seed: u64, clients: &[(&[f64], &[f64])], window: &Window) -> SeedVerdict {
    let mut verdict = SeedVerdict {
        seed,
        before: 0.0,
        offered_before: 0.0,
        after: 0.0,
        healthy: true,
        recovered: true,
    };
    for (goodput, offered) in clients {
        let before = mean(goodput, window.before());
        let offered_before = mean(offered, window.before());
        let after = mean(goodput, window.after());
        verdict.before += before;
        verdict.offered_before += offered_before;
        verdict.after += after;
        verdict.healthy &= before >= RECOVERED_SHARE * offered_before;
        verdict.recovered &= after >= RECOVERED_SHARE * before;
    }
    let round = |v: f64| crate::summary::round(v, 3);
    verdict.before = round(verdict.before);
    verdict.offered_before = round(verdict.offered_before);
    verdict.after = round(verdict.after);
    verdict
}

/// The class of a cell from its seeds' verdicts (see the module doc).
pub fn classify(seeds: &[SeedVerdict], share: f64) -> Class {
    let stuck = seeds.iter().filter(|s| s.healthy && !s.recovered).count();
    let needed = (share * seeds.len() as f64).ceil().max(1.0) as usize;
    if stuck >= needed {
        Class::Metastable
    } else if seeds.iter().all(|s| s.healthy && s.recovered) {
        Class::Recovers
    } else {
        Class::Degraded
    }
}

/// One cell of the map for one variant.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cell {
    /// The variant.
    pub variant: String,
    /// The load axis's value.
    pub load: Value,
    /// The trigger axis's value.
    pub trigger: Value,
    /// The duration axis's value, if there is one.
    pub duration: Option<Value>,
    /// The cell's class.
    pub class: Class,
    /// Seeds run.
    pub seeds: usize,
    /// Seeds healthy before the trigger that did not recover.
    pub stuck: usize,
    /// Seeds already unhealthy before the trigger.
    pub overloaded: usize,
    /// Each seed's verdict.
    pub per_seed: Vec<SeedVerdict>,
}

impl Cell {
    /// A cell from its seeds' verdicts.
    pub fn new(
        variant: &str,
        (load, trigger, duration): (Value, Value, Option<Value>),
        per_seed: Vec<SeedVerdict>,
        share: f64,
    ) -> Cell {
        Cell {
            variant: variant.to_string(),
            load,
            trigger,
            duration,
            class: classify(&per_seed, share),
            seeds: per_seed.len(),
            stuck: per_seed
                .iter()
                .filter(|s| s.healthy && !s.recovered)
                .count(),
            overloaded: per_seed.iter().filter(|s| !s.healthy).count(),
            per_seed,
        }
    }

    /// The cell's text in a heat map: its letter and the seeds that stayed down
    /// (`M 5/5`), `D ovl 3/5` when seeds were overloaded before the trigger.
    fn text(&self) -> String {
        if self.overloaded > 0 && self.class != Class::Metastable {
            format!(
                "{} ovl {}/{}",
                self.class.letter(),
                self.overloaded,
                self.seeds
            )
        } else {
            format!("{} {}/{}", self.class.letter(), self.stuck, self.seeds)
        }
    }
}

/// A swept axis of the map.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MapAxis {
    /// The dotted path.
    pub path: String,
    /// Its values, in order.
    pub values: Vec<Value>,
}

/// The rule's settings, as map.json states them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    /// Goodput must come back to this share of its level before the trigger.
    pub recovered_share: f64,
    /// Seconds before the trigger that set that level.
    pub before_s: usize,
    /// Seconds after the trigger ends before goodput is measured again.
    pub settle_s: f64,
    /// Seconds over which it is measured then.
    pub after_s: usize,
    /// A cell is metastable when at least this share of its seeds stayed down.
    pub share: f64,
    /// The clients whose goodput is judged.
    pub clients: Vec<String>,
    /// The rule in words.
    pub words: String,
}

impl Rule {
    /// The rule for `settle_s`, `share` and `clients`, with its words.
    pub fn new(settle_s: f64, share: f64, clients: Vec<String>) -> Rule {
        let words = format!(
            "A run recovered if its goodput ({}) over the {AFTER_S} s starting {settle_s} s after the trigger ends is at least {}% of its mean over the {BEFORE_S} s before the trigger (after the warm-up), and was healthy if that earlier goodput was at least {}% of the offered load. A cell is metastable when at least {}% of its seeds were healthy and did not recover, recovers when every seed was healthy and recovered, and is degraded otherwise (some seeds stayed down, or the load alone was too much). Metastable failures: Bronson et al., HotOS 2021; Huang et al., OSDI 2022.",
            clients.join(", "),
            RECOVERED_SHARE * 100.0,
            RECOVERED_SHARE * 100.0,
            number(share * 100.0, None)
        );
        Rule {
            recovered_share: RECOVERED_SHARE,
            before_s: BEFORE_S,
            settle_s,
            after_s: AFTER_S,
            share,
            clients,
            words,
        }
    }
}

/// Everything the map found: map.json.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MapFindings {
    /// Scenario name.
    pub scenario: String,
    /// The command that reproduces it.
    pub command: String,
    /// faultline version.
    pub version: String,
    /// How cells are classified.
    pub rule: Rule,
    /// The load axis (x of the heat maps).
    pub load: MapAxis,
    /// The trigger axis (y of the heat maps).
    pub trigger: MapAxis,
    /// The duration axis, if any (one heat map per value).
    pub duration: Option<MapAxis>,
    /// The variants.
    pub variants: Vec<String>,
    /// The seeds of every cell.
    pub seeds: Vec<u64>,
    /// Runs made in all.
    pub runs: u64,
    /// Every cell: by variant, then duration, then trigger, then load.
    pub cells: Vec<Cell>,
}

impl MapFindings {
    /// map.json: pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("map findings serialize");
        text.push('\n');
        text
    }

    /// The cells of one heat map: a variant at one duration value, as rows of triggers
    /// (lowest first), each a row of loads.
    fn grid(&self, variant: &str, duration: Option<&Value>) -> Vec<Vec<&Cell>> {
        self.trigger
            .values
            .iter()
            .map(|trigger| {
                self.load
                    .values
                    .iter()
                    .filter_map(|load| {
                        self.cells.iter().find(|c| {
                            c.variant == variant
                                && &c.load == load
                                && &c.trigger == trigger
                                && c.duration.as_ref() == duration
                        })
                    })
                    .collect()
            })
            .collect()
    }

    /// The duration values (one `None` without a duration axis).
    fn durations(&self) -> Vec<Option<&Value>> {
        match &self.duration {
            Some(axis) => axis.values.iter().map(Some).collect(),
            None => vec![None],
        }
    }

    /// One heat map per variant (and duration value).
    pub fn figures(&self) -> Result<Vec<Figure>, PlotError> {
        let mut out = Vec::new();
        for variant in &self.variants {
            for duration in self.durations() {
                let suffix = match (duration, &self.duration) {
                    (Some(value), Some(axis)) => format!(" ({}={})", axis.path, shown(value)),
                    _ => String::new(),
                };
                let title = format!("{variant}: after the trigger{suffix}");
                let cells: Vec<HeatCell> = self
                    .grid(variant, duration)
                    .into_iter()
                    .flatten()
                    .map(|cell| HeatCell {
                        class: CLASSES.iter().position(|c| *c == cell.class).unwrap_or(0),
                        text: cell.text(),
                    })
                    .collect();
                let map = HeatMap {
                    title: title.clone(),
                    x_desc: self.load.path.clone(),
                    x_names: self.load.values.iter().map(shown).collect(),
                    y_desc: self.trigger.path.clone(),
                    y_names: self.trigger.values.iter().map(shown).collect(),
                    cells,
                    classes: CLASSES.iter().map(|c| c.name().to_string()).collect(),
                };
                out.push(Figure {
                    name: slug(&format!("map-{variant}{suffix}")),
                    svg: plot::heat_map(&map)?,
                    caption: format!(
                        "Each cell: {} at one load (x) and trigger (y) over {} seeds; R recovers, D degraded (ovl: seeds already overloaded before the trigger), M metastable; the number is the seeds that stayed down (or were overloaded).",
                        variant,
                        self.seeds.len()
                    ),
                    title,
                });
            }
        }
        Ok(out)
    }

    /// The map as text: per variant (and duration), a grid of letters, the highest trigger on
    /// top.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "map of {}: {} × {}, {} seeds per cell (R recovers, D degraded, M metastable):",
            self.scenario,
            self.load.path,
            self.trigger.path,
            self.seeds.len()
        );
        let loads: Vec<String> = self.load.values.iter().map(shown).collect();
        let triggers: Vec<String> = self.trigger.values.iter().map(shown).collect();
        let width = triggers
            .iter()
            .map(|t| t.chars().count())
            .max()
            .unwrap_or(0);
        let column = loads
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(1)
            .max(1);
        for variant in &self.variants {
            for duration in self.durations() {
                let suffix = match (duration, &self.duration) {
                    (Some(value), Some(axis)) => format!(" ({}={})", axis.path, shown(value)),
                    _ => String::new(),
                };
                let _ = writeln!(out, "\n{variant}{suffix}:");
                let grid = self.grid(variant, duration);
                for (row, trigger) in grid.iter().zip(&triggers).rev() {
                    let letters: Vec<String> = row
                        .iter()
                        .map(|c| format!("{:>column$}", c.class.letter()))
                        .collect();
                    let _ = writeln!(out, "  {trigger:>width$} | {}", letters.join(" "));
                }
                let header: Vec<String> = loads.iter().map(|l| format!("{l:>column$}")).collect();
                let _ = writeln!(out, "  {:>width$}   {}", "", header.join(" "));
            }
        }
        out
    }

    /// report.md.
    pub fn markdown(&self, figures: &[Figure]) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# faultline map: {}\n", self.scenario);
        let _ = writeln!(out, "{}\n", self.rule.words);
        let _ = writeln!(out, "```text\n{}```\n", self.text());
        for figure in figures {
            let _ = writeln!(out, "![{}](plots/{}.svg)\n", figure.title, figure.name);
        }
        let _ = writeln!(
            out,
            "## Reproduce\n\n```sh\n{}\n```\n\nfaultline {}; {} runs. Every cell's seeds, with goodput before and after, are in map.json.",
            self.command, self.version, self.runs
        );
        out
    }

    /// report.html.
    pub fn html(&self, figures: &[Figure], description: &str, scenario_text: &str) -> String {
        let mut page = Page::new(&format!("faultline map: {}", self.scenario), description);
        page.paragraph(&self.rule.words);
        for figure in figures {
            page.figure(figure);
        }
        page.heading("Cells");
        let header: Vec<String> = [
            "variant",
            "load",
            "trigger",
            "duration",
            "class",
            "stayed down",
            "overloaded",
        ]
        .map(str::to_string)
        .to_vec();
        let rows: Vec<Vec<(String, Option<&str>)>> = self
            .cells
            .iter()
            .map(|c| {
                let class = match c.class {
                    Class::Recovers => Some("pass"),
                    Class::Metastable => Some("fail"),
                    Class::Degraded => None,
                };
                vec![
                    (c.variant.clone(), None),
                    (shown(&c.load), None),
                    (shown(&c.trigger), None),
                    (c.duration.as_ref().map_or("—".to_string(), shown), None),
                    (c.class.name().to_string(), class),
                    (format!("{}/{}", c.stuck, c.seeds), None),
                    (format!("{}/{}", c.overloaded, c.seeds), None),
                ]
            })
            .collect();
        page.table(&header, &rows);
        page.heading("Reproduce");
        page.code(&self.command);
        page.heading("Scenario");
        page.code(scenario_text);
        page.finish()
    }

    /// Per variant, the cells in each class (for a one-line summary).
    pub fn tally(&self) -> BTreeMap<String, [usize; 3]> {
        let mut tally: BTreeMap<String, [usize; 3]> = BTreeMap::new();
        for cell in &self.cells {
            let entry = tally.entry(cell.variant.clone()).or_default();
            let index = CLASSES.iter().position(|c| *c == cell.class).unwrap_or(0);
            entry[index] += 1;
        }
        tally
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window() -> Window {
        Window {
            warmup_s: 5.0,
            start_s: 20.0,
            end_s: 30.0,
            settle_s: 5.0,
        }
    }

    #[test]
    fn a_run_that_comes_back_recovered_and_one_that_does_not_did_not() {
        let offered = vec![100.0; 60];
        let mut good = vec![100.0; 60];
        for v in &mut good[20..30] {
            *v = 0.0;
        }
        let verdict = judge(1, &[(&good, &offered)], &window());
        assert!(verdict.healthy && verdict.recovered, "{verdict:?}");
        let mut stuck = good.clone();
        for v in &mut stuck[30..] {
            *v = 10.0;
        }
        let verdict = judge(2, &[(&stuck, &offered)], &window());
        assert!(verdict.healthy && !verdict.recovered, "{verdict:?}");
        let overloaded = vec![50.0; 60];
        let verdict = judge(3, &[(&overloaded, &offered)], &window());
        assert!(!verdict.healthy && verdict.recovered, "{verdict:?}");
    }

    #[test]
    fn cells_are_metastable_when_the_share_of_seeds_stays_down() {
        let seed = |healthy, recovered| SeedVerdict {
            seed: 1,
            before: 0.0,
            offered_before: 0.0,
            after: 0.0,
            healthy,
            recovered,
        };
        let ok = seed(true, true);
        let stuck = seed(true, false);
        let overloaded = seed(false, true);
        assert_eq!(classify(&[ok.clone(), ok.clone()], 0.5), Class::Recovers);
        assert_eq!(
            classify(&[ok.clone(), stuck.clone()], 0.5),
            Class::Metastable
        );
        assert_eq!(
            classify(&[ok.clone(), ok.clone(), stuck.clone()], 0.5),
            Class::Degraded
        );
        assert_eq!(classify(&[ok.clone(), overloaded], 0.5), Class::Degraded);
        assert_eq!(classify(&[stuck.clone(), stuck], 1.0), Class::Metastable);
    }

    #[test]
    fn windows_that_do_not_fit_the_run_say_how_to_fix_it() {
        let w = window();
        assert_eq!(w.before(), (10, 20));
        assert_eq!(w.after(), (35, 45));
        assert!(w.problem(60.0).is_none());
        assert!(w.problem(40.0).unwrap().contains("--set duration=45s"));
        let early = Window { start_s: 5.0, ..w };
        assert!(early.problem(60.0).unwrap().contains("start it later"));
    }
}
