//! `faultline new NAME [--from TEMPLATE]`: a starter scenario that validates and runs as is.
//!
//! Four templates (`Template`): a single service, three tiers, a fan-out and a replicated
//! database, each a JSON file in `src/new/` embedded in the binary. The format has no
//! comments (JSON has none, and unknown fields are errors), so the file carries a
//! `description` of itself, and the command prints the commentary instead: what each part of
//! the file means, what to change first, and the commands to run next. The file is written
//! only if it is new (`--force` replaces one) and only after it parses and validates.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use crate::error::CliError;
use crate::simulate::Outcome;

/// A starter template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Template {
    /// One client and one service, with a timeout, budgeted retries and a slowdown.
    Single,
    /// web → api → db: a call chain, retries at the edge only, shedding at api.
    Tiers,
    /// A fan-out to 10 leaves that waits for all of them.
    Fanout,
    /// A leader and two followers with asynchronous replication and a failover.
    Database,
}

/// The longest scenario name `new` accepts.
pub const NAME_BYTES_MAX: usize = 64;

/// Writes the starter scenario `name` from `template` to `out` (default `NAME.json`).
pub fn new(
    name: &str,
    template: Template,
    out: Option<&Path>,
    force: bool,
) -> Result<Outcome, CliError> {
    check_name(name)?;
    let text = text(template).replacen("\"NAME\"", &format!("\"{name}\""), 1);
    let path = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(format!("{name}.json")));
    // A template that does not validate is a bug here, never the user's: say so plainly.
    scenarios::parse(&text, &path.display().to_string(), &Default::default()).map_err(|error| {
        CliError::Report {
            problem: format!("the {template:?} template does not validate (a bug): {error}"),
        }
    })?;
    if path.exists() && !force {
        return Err(CliError::Usage {
            flag: "new".to_string(),
            problem: format!(
                "{} exists; choose another NAME or --out, or pass --force to replace it",
                path.display()
            ),
        });
    }
    crate::output::write_atomic(&path, text.as_bytes())?;
    Ok(Outcome {
        stdout: commentary(template, &path),
        exit_code: 0,
    })
}

/// The template's JSON, with `"NAME"` where the scenario's name goes.
pub fn text(template: Template) -> &'static str {
    match template {
        Template::Single => include_str!("new/single.json"),
        Template::Tiers => include_str!("new/tiers.json"),
        Template::Fanout => include_str!("new/fanout.json"),
        Template::Database => include_str!("new/database.json"),
    }
}

/// A name is 1 to `NAME_BYTES_MAX` ASCII letters, digits, `-` and `_` (it becomes a file name).
fn check_name(name: &str) -> Result<(), CliError> {
    let fine = !name.is_empty()
        && name.len() <= NAME_BYTES_MAX
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if fine {
        Ok(())
    } else {
        Err(CliError::Usage {
            flag: "new".to_string(),
            problem: format!(
                "`{name}` is not a usable name: use 1 to {NAME_BYTES_MAX} letters, digits, `-` or `_` (it names the file too)"
            ),
        })
    }
}

/// What the written file means, part by part, and what to run next.
fn commentary(template: Template, path: &Path) -> String {
    let file = path.display();
    let parts = match template {
        Template::Single => SINGLE,
        Template::Tiers => TIERS,
        Template::Fanout => FANOUT,
        Template::Database => DATABASE,
    };
    format!(
        "wrote {file}, a starter scenario ({template} template) that validates and runs as is.\n\
         JSON has no comments, so here is what its parts mean:\n\n{parts}\n{COMMON}\n\
         Next:\n  faultline validate {file}\n  faultline run {file}\n  \
         faultline compare {file} --seeds 1..10 --out report\n  faultline explain {file}\n",
        template = format!("{template:?}").to_lowercase()
    )
}

/// Notes every template shares.
const COMMON: &str = "  duration, warmup      how long to simulate, and how much of the start to leave out of every figure
  network               one-way latency of every message (add \"loss\" or per-link \"links\")
  faults                what goes wrong and when (kinds: slowdown, error_burst, crash, partition,
                        latency, load_spike, pause, clock_jump, ...); `faults: []` runs it healthy
  slo                   the fraction of a client's requests that must succeed within a latency;
                        `faultline run` exits 1 when one is missed
  variants              named sets of changes by dotted path; `--variant NAME` applies one, and
                        `--set PATH=VALUE` changes any value for one run
  Every field, its unit and its default: the doc comment of scenarios/src/raw.rs.
";

/// Notes on the single-service template.
const SINGLE: &str =
    "  clients[web]          200 requests/s as a Poisson process to api; gives up after 250 ms and
                        retries twice (exponential backoff, full jitter) within a budget of 10%
  services[api]         2 replicas x 4 workers; work is lognormal (median 10 ms, p99 50 ms); a
                        queue of 200 per replica
  faults                api runs 3x slower from 60 s to 70 s
";

/// Notes on the three-tier template.
const TIERS: &str = "  clients[web]          300 requests/s to api, 500 ms timeout, budgeted retries: the only layer
                        that retries (retries at every layer multiply: see `faultline lesson retry-layers`)
  services[api]         calls db for every request and holds a worker while it waits; its queue
                        drops requests that waited over 200 ms (max_wait), work nobody wants
  services[db]          16 workers, lognormal work (median 5 ms)
  faults                db runs 3x slower from 60 s to 70 s
";

/// Notes on the fan-out template.
const FANOUT: &str = "  services[root]        asks 10 leaf replicas in parallel (fanout 10) and waits for all of them
  services[leaf]        99% of the work takes about 2 ms, 1% takes 200 ms: the slowest of 10
                        leaves sets each request's latency (see `faultline lesson tail-at-scale`)
  variants              wait for 9 of 10, hedge after the running p95, or fan out to 100
";

/// Notes on the database template.
const DATABASE: &str =
    "  database              a leader and 2 followers; 100 writes/s to the leader, 500 reads/s to a
                        follower; replication is asynchronous with a lognormal lag (median 1 ms)
  faults                the leader db[0] crashes at 40 s; a follower is promoted 10 s later, and
                        acknowledged writes it had not received are lost (see `faultline lesson
                        replication-lag`)
  variants              semi-synchronous replication, or every read from the leader
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_validates_with_a_name() {
        for template in Template::value_variants() {
            let text = text(*template).replacen("\"NAME\"", "\"starter\"", 1);
            let scenario = scenarios::parse(&text, "starter.json", &Default::default())
                .unwrap_or_else(|e| panic!("{template:?}: {e}"));
            assert_eq!(scenario.name, "starter");
            assert!(
                scenario.warnings.is_empty(),
                "{template:?}: {:?}",
                scenario.warnings
            );
        }
    }

    #[test]
    fn a_name_must_be_a_file_name() {
        assert!(check_name("my-design_2").is_ok());
        for bad in ["", "a/b", "../x", "a b", &"x".repeat(NAME_BYTES_MAX + 1)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
