//! `faultline validate` and `faultline list`: looking at scenarios without running them, and
//! `warnings`, the check of every variant that `validate` prints and `compare` runs up front.

use std::fmt::Write;
use std::path::Path;

use crate::cli::Format;
use crate::error::CliError;
use crate::input;
use crate::run::Outcome;

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
        &crate::run::load_options(None, &[])?,
    )?;
    let mut variants = vec![None];
    variants.extend(base.variants.iter().cloned().map(Some));
    let warnings = warnings(&source, &variants, &[])?;
    let world = &base.world;
    if format == Format::Json {
        let json = serde_json::json!({
            "origin": source.origin,
            "scenario": base.name,
            "description": base.description,
            "clients": world.clients.len(),
            "services": world.services.len(),
            "slos": base.slos.len(),
            "duration": world.duration.to_string(),
            "warmup": world.warmup.to_string(),
            "variants": base.variants,
            "warnings": warnings.iter().map(ToString::to_string).collect::<Vec<String>>(),
        });
        return Ok(Outcome {
            stdout: crate::output::json_text(&json),
            exit_code: 0,
        });
    }
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
    for warning in &warnings {
        let _ = writeln!(out, "warning: {warning}");
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
    let mut distinct: Vec<scenarios::ScenarioWarning> = Vec::new();
    for variant in variants {
        let options = crate::run::load_options(variant.as_deref(), set)?;
        let scenario = scenarios::parse(&source.text, &source.origin, &options)?;
        for warning in scenario.warnings {
            if !distinct.iter().any(|seen| seen.concern == warning.concern) {
                distinct.push(warning);
            }
        }
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
