//! `faultline validate` and `faultline list`: looking at scenarios without running them, and
//! `warnings`, the check of every variant that `validate` prints and `compare` runs up front.

use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::Path;

use crate::cli::Format;
use crate::error::CliError;
use crate::input;
use crate::simulate::Outcome;

/// Validates a scenario and every one of its variants; prints a one-paragraph description
/// and the warnings (each line starting `warning:`), which do not change the exit code.
///
/// With `--format json`: `{origin, scenario, description, clients, services, slos,
/// duration, warmup, variants: [names], warnings: [text]}`.
pub fn validate(path: &Path, format: Format) -> Result<Outcome, CliError> {
    let source = input::read(path)?;
    let base = scenarios::parse(
        &source.text,
        &source.origin,
        &crate::simulate::load_options(None, &[])?,
    )?;
    let variants: Vec<Option<String>> = base.variants.iter().cloned().map(Some).collect();
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
    // The scenario as written is parsed once, and its world is dropped before the variants'
    // parses: validating a large file costs one parse's memory, not two.
    let counts = (
        world.clients.len(),
        world.services.len(),
        world.duration.to_string(),
        world.warmup.to_string(),
    );
    let known = base.warnings;
    drop(base.world);
    let warnings = warnings_after(known, &source, &variants, &[])?;
    if format == Format::Json {
        // The warnings listed as `warning_lines` lists them (the same cap), without the prefix.
        let listed: Vec<String> = crate::simulate::warning_lines(&warnings)
            .into_iter()
            .map(|line| line.trim_start_matches("warning: ").to_string())
            .collect();
        let json = serde_json::json!({
            "origin": source.origin,
            "scenario": base.name,
            "description": base.description,
            "clients": counts.0,
            "services": counts.1,
            "slos": base.slos.len(),
            "duration": counts.2,
            "warmup": counts.3,
            "variants": base.variants,
            "warnings": listed,
        });
        return Ok(Outcome {
            stdout: crate::output::json_text(&json),
            exit_code: 0,
        });
    }
    for line in crate::simulate::warning_lines(&warnings) {
        let _ = writeln!(out, "{line}");
    }
    Ok(Outcome {
        stdout: out,
        exit_code: 0,
    })
}

/// Parses the scenario of `source` with each of `variants` (`None`: as written) after the
/// `--set`s of `set`, refusing the first that is invalid, and returns their warnings in that
/// order, each concern once: a fault every variant shares is named by the first origin that
/// has it, and a variant that moves the warm-up or a fault adds its own.
pub fn warnings(
    source: &input::Source,
    variants: &[Option<String>],
    set: &[String],
) -> Result<Vec<scenarios::ScenarioWarning>, CliError> {
    warnings_after(Vec::new(), source, variants, set)
}

/// `warnings`, after those of a scenario already parsed (`known`, listed first).
fn warnings_after(
    known: Vec<scenarios::ScenarioWarning>,
    source: &input::Source,
    variants: &[Option<String>],
    set: &[String],
) -> Result<Vec<scenarios::ScenarioWarning>, CliError> {
    let mut distinct: Vec<scenarios::ScenarioWarning> = Vec::new();
    // Concerns seen so far, in a set: a file with a million faults in its warm-up has a
    // million warnings, which comparing each with every earlier one took hours to list.
    let mut seen = BTreeSet::new();
    let mut add = |warnings: Vec<scenarios::ScenarioWarning>| {
        for warning in warnings {
            if seen.insert(warning.concern.clone()) {
                distinct.push(warning);
            }
        }
    };
    add(known);
    for variant in variants {
        let options = crate::simulate::load_options(variant.as_deref(), set)?;
        add(scenarios::parse(&source.text, &source.origin, &options)?.warnings);
    }
    Ok(distinct)
}

/// Lists the catalog: name and one-line description of each built-in scenario (with
/// `--format json`: `[{name, description}]`).
pub fn list(format: Format) -> Result<Outcome, CliError> {
    let mut out = String::new();
    let entries = scenarios::catalog::entries();
    if format == Format::Json {
        let mut list = Vec::new();
        for entry in entries {
            let scenario = scenarios::parse(
                entry.text,
                &format!("catalog:{}", entry.name),
                &Default::default(),
            )?;
            list.push(serde_json::json!({
                "name": entry.name,
                "description": scenario.description,
            }));
        }
        return Ok(Outcome {
            stdout: crate::output::json_text(&serde_json::Value::Array(list)),
            exit_code: 0,
        });
    }
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
