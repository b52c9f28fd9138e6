//! `faultline validate` and `faultline list`: looking at scenarios without running them.

use std::fmt::Write;
use std::path::Path;

use crate::error::CliError;
use crate::input;
use crate::run::Outcome;

/// Validates a scenario and every one of its variants; prints a one-paragraph description.
pub fn validate(path: &Path) -> Result<Outcome, CliError> {
    let source = input::read(path)?;
    let base = scenarios::parse(
        &source.text,
        &source.origin,
        &crate::run::load_options(None, &[])?,
    )?;
    for variant in &base.variants {
        let options = crate::run::load_options(Some(variant), &[])?;
        scenarios::parse(&source.text, &source.origin, &options)?;
    }
    let world = &base.world;
    let mut out = String::new();
    let _ = writeln!(out, "{}: ok — scenario `{}`", source.origin, base.name);
    let _ = writeln!(out, "  {}", base.description);
    let _ = writeln!(
        out,
        "  {} client(s), {} service(s), {} SLO(s), duration {}, warm-up {}",
        world.clients.len(),
        world.services.len(),
        base.slos.len(),
        world.duration,
        world.warmup
    );
    if !base.variants.is_empty() {
        let _ = writeln!(out, "  variants (all valid): {}", base.variants.join(", "));
    }
    Ok(Outcome {
        stdout: out,
        exit_code: 0,
    })
}

/// Lists the catalog: name and one-line description of each built-in scenario.
pub fn list() -> Result<Outcome, CliError> {
    let mut out = String::new();
    let entries = scenarios::catalog::entries();
    let width = entries.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for entry in entries {
        let scenario = scenarios::parse(
            entry.text,
            &format!("catalog:{}", entry.name),
            &Default::default(),
        )?;
        let _ = writeln!(out, "{:<width$}  {}", entry.name, scenario.description);
    }
    let _ = writeln!(
        out,
        "\nrun one with: faultline run NAME   (or a path to your own JSON file)"
    );
    Ok(Outcome {
        stdout: out,
        exit_code: 0,
    })
}
