//! `faultline lesson`: the course in order, or one lesson taught as predict-then-run.
//!
//! `faultline lesson` lists the course (`course::UNITS`). `faultline lesson NAME` prints the
//! lesson's story and question, takes an answer (`--answer B`, or a line on standard input:
//! typed at a terminal, or piped by a script or a test), runs the lesson's run of its catalog
//! scenario with progress on standard error, and prints the result table, a terminal chart of
//! goodput per second with the faults shaded (`chart`), whether the prediction was right and
//! why, and the path of the full report it wrote (`--out`, default `lesson-NAME`).
//!
//! The story and question are printed (and flushed) before the answer is read, so a person at
//! a terminal reads them first; everything after the run is the command's `Outcome`.

pub mod chart;
pub mod course;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::cli::LessonArgs;
use crate::error::CliError;
use crate::simulate::Outcome;

/// Runs `faultline lesson [NAME]`.
pub fn lesson(args: &LessonArgs) -> Result<Outcome, CliError> {
    let Some(name) = &args.name else {
        return Ok(Outcome {
            stdout: listing(),
            exit_code: 0,
        });
    };
    let lesson = find(name)?;
    let predicted = match &args.answer {
        Some(answer) => Some(choice(&lesson, answer)?),
        None => None,
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(introduction(&lesson, predicted).as_bytes());
    let _ = stdout.flush();
    drop(stdout);
    let predicted = match predicted {
        Some(index) => Some(index),
        None => read_answer(&lesson)?,
    };
    let entry = scenarios::catalog::find(&lesson.name).ok_or_else(|| CliError::Usage {
        flag: "lesson".to_string(),
        problem: format!("the lesson {} has no catalog scenario", lesson.name),
    })?;
    let taught = teach(&lesson, entry, args.quiet)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("lesson-{}", lesson.name)));
    write_report(&out, &lesson, entry.text, &taught)?;
    let mut text = String::new();
    text.push('\n');
    text.push_str(&reports::render(&taught.summary));
    text.push('\n');
    text.push_str(&goodput_chart(&taught));
    text.push('\n');
    text.push_str(&verdict(&lesson, predicted));
    text.push_str(&format!(
        "\nRead the whole lesson in docs/lessons/{}.md; the full report is {}.\n",
        lesson.name,
        out.join("report.html").display()
    ));
    Ok(Outcome {
        stdout: text,
        exit_code: 0,
    })
}

/// The course in order, with what each lesson teaches.
pub fn listing() -> String {
    let total = course::names().len();
    let mut out = format!(
        "The faultline course: {total} lessons in {} units. Start with `faultline lesson {}`;\n\
         each asks a question, runs the scenario and explains what happened.\n",
        course::UNITS.len(),
        course::names()[0]
    );
    let mut number = 0;
    for (unit_index, unit) in course::UNITS.iter().enumerate() {
        out.push_str(&format!("\n{}. {}\n", unit_index + 1, unit.title));
        for name in unit.lessons {
            number += 1;
            let teaches = course::lesson(name)
                .map(|lesson| lesson.teaches)
                .unwrap_or_default();
            out.push_str(&format!("  {number:>2}  {name:<18} {teaches}\n"));
        }
    }
    out
}

/// A lesson and what its run produced.
struct Taught {
    /// The run's summary.
    summary: reports::RunSummary,
    /// Everything it measured.
    result: models::RunResult,
    /// The scenario's description.
    description: String,
}

/// The lesson called `name`, or a usage error with the nearest name.
fn find(name: &str) -> Result<course::Lesson, CliError> {
    if course::text(name).is_none() {
        let hint = scenarios::catalog::suggest(name)
            .map(|near| format!("did you mean `{near}`? "))
            .unwrap_or_default();
        return Err(CliError::Usage {
            flag: "lesson".to_string(),
            problem: format!(
                "there is no lesson called `{name}`; {hint}`faultline lesson` lists the course"
            ),
        });
    }
    course::lesson(name).map_err(|problem| CliError::Usage {
        flag: "lesson".to_string(),
        problem: format!("docs/lessons/{name}.md cannot be read as a lesson: {problem}"),
    })
}

/// The index of the choice `answer` names (a letter, either case).
fn choice(lesson: &course::Lesson, answer: &str) -> Result<usize, CliError> {
    let answer = answer.trim();
    let letters: String = (0..lesson.choices.len())
        .map(course::letter_of)
        .map(String::from)
        .collect::<Vec<_>>()
        .join(", ");
    let mut chars = answer.chars();
    let index = match (chars.next(), chars.next()) {
        (Some(letter), None) => (0..lesson.choices.len())
            .find(|&index| course::letter_of(index) == letter.to_ascii_uppercase()),
        _ => None,
    };
    index.ok_or_else(|| CliError::Usage {
        flag: "--answer".to_string(),
        problem: format!("`{answer}` is not a choice; answer one of {letters}"),
    })
}

/// Reads an answer from standard input: a prompt at a terminal, a line from a pipe; none at
/// the end of input (the lesson runs without a prediction).
fn read_answer(lesson: &course::Lesson) -> Result<Option<usize>, CliError> {
    let stdin = std::io::stdin();
    let last = course::letter_of(lesson.choices.len() - 1);
    loop {
        if stdin.is_terminal() {
            print!("Your answer (A–{last}): ");
            let _ = std::io::stdout().flush();
        }
        let mut line = String::new();
        let read = stdin
            .lock()
            .read_line(&mut line)
            .map_err(|source| CliError::Read {
                path: PathBuf::from("standard input"),
                source,
                hint: "pass --answer instead".to_string(),
            })?;
        if read == 0 {
            println!("(no answer on standard input: running without a prediction)");
            return Ok(None);
        }
        match choice(lesson, &line) {
            Ok(index) => {
                if !stdin.is_terminal() {
                    println!("Your answer: {}", course::letter_of(index));
                }
                return Ok(Some(index));
            }
            Err(error) if stdin.is_terminal() => println!("{error}"),
            Err(error) => return Err(error),
        }
    }
}

/// The title, the story and the question (and the answer when it came with `--answer`).
fn introduction(lesson: &course::Lesson, predicted: Option<usize>) -> String {
    let position = course::names()
        .iter()
        .position(|name| *name == lesson.name)
        .map(|index| index + 1)
        .unwrap_or(0);
    let unit = course::UNITS
        .iter()
        .find(|unit| unit.lessons.contains(&lesson.name.as_str()))
        .map(|unit| unit.title)
        .unwrap_or("");
    let mut out = format!(
        "{}: {}\n(lesson {position} of {}, {unit})\n",
        lesson.name,
        lesson.teaches,
        course::names().len()
    );
    for paragraph in &lesson.story {
        out.push('\n');
        out.push_str(&wrap(paragraph));
    }
    out.push('\n');
    out.push_str(&wrap(&format!("Predict: {}", lesson.question)));
    for (index, text) in lesson.choices.iter().enumerate() {
        out.push_str(&wrap_indented(
            &format!("  {}. {text}", course::letter_of(index)),
            5,
        ));
    }
    if let Some(index) = predicted {
        out.push_str(&format!("Your answer: {}\n", course::letter_of(index)));
    }
    out
}

/// Runs the lesson's run of `entry` with progress over simulated seconds.
fn teach(
    lesson: &course::Lesson,
    entry: &scenarios::catalog::Entry,
    quiet: bool,
) -> Result<Taught, CliError> {
    let run = &lesson.run;
    let options = crate::simulate::load_options(run.variant.as_deref(), &run.set)?;
    let scenario = entry.load(&options)?;
    crate::simulate::warn(&scenario.warnings);
    let seconds = scenario.world.duration.as_secs_f64().ceil() as u64;
    let progress = std::rc::Rc::new(crate::progress::Progress::new(
        quiet,
        &format!("lesson {}", lesson.name),
        "simulated seconds",
        seconds,
    ));
    let watcher = std::rc::Rc::clone(&progress);
    let mut shown = 0u64;
    let observer: sim_core::simulation::Observer<models::Event> =
        Box::new(move |at: sim_core::SimTime, _: &models::Event| {
            let second = (at.as_secs_f64() as u64).min(seconds);
            if second > shown {
                watcher.advance(second - shown);
                shown = second;
            }
        });
    let result =
        models::run_observed(&scenario.world, run.seed, Some(observer)).map_err(|source| {
            CliError::Guard {
                source,
                seed: run.seed,
                replay: replay_command(lesson),
            }
        })?;
    progress.finish();
    Ok(Taught {
        summary: crate::simulate::summarize(&scenario, run.seed, &result),
        result,
        description: scenario.description,
    })
}

/// `faultline run NAME ...`, the lesson's run as a command.
fn replay_command(lesson: &course::Lesson) -> String {
    let mut command = format!("faultline run {}", lesson.name);
    if let Some(variant) = &lesson.run.variant {
        command.push_str(&format!(" --variant {variant}"));
    }
    command.push_str(&format!(" --seed {}", lesson.run.seed));
    for set in &lesson.run.set {
        command.push_str(&format!(" --set '{set}'"));
    }
    command
}

/// The chart of the SLO's client (or the first client): goodput per second, faults shaded.
fn goodput_chart(taught: &Taught) -> String {
    let clients = &taught.result.clients;
    let index = taught
        .summary
        .slo
        .first()
        .and_then(|slo| clients.iter().position(|c| c.name == slo.client))
        .unwrap_or(0);
    let Some(client) = clients.get(index) else {
        return String::new();
    };
    let run_s = taught.result.duration.as_secs_f64();
    let shades: Vec<chart::Shade> = taught
        .result
        .faults
        .iter()
        .map(|fault| chart::Shade {
            from_s: fault.start.as_secs_f64(),
            to_s: fault.end.as_secs_f64().min(run_s),
        })
        .collect();
    let faults: Vec<String> = taught
        .summary
        .faults
        .iter()
        .map(|fault| match fault.end_s {
            Some(end_s) => format!(
                "{} on {}, {}s → {}s",
                fault.kind, fault.target, fault.start_s, end_s
            ),
            None => format!(
                "{} on {}, from {}s",
                fault.kind, fault.target, fault.start_s
            ),
        })
        .collect();
    let title = if faults.is_empty() {
        format!("{} goodput per second (req/s)", client.name)
    } else {
        format!(
            "{} goodput per second (req/s); ░ = {}",
            client.name,
            faults.join(", ")
        )
    };
    chart::render(&title, &client.series.goodput_per_s, &shades)
}

/// Whether the prediction was right, and why.
fn verdict(lesson: &course::Lesson, predicted: Option<usize>) -> String {
    let right = course::letter_of(lesson.answer);
    let mut out = match predicted {
        Some(index) if index == lesson.answer => {
            format!("You predicted {right}: right.\n")
        }
        Some(index) => format!(
            "You predicted {}: not quite; the answer is {right}.\n",
            course::letter_of(index)
        ),
        None => format!("The answer is {right}.\n"),
    };
    for paragraph in &lesson.explanation {
        out.push('\n');
        out.push_str(&wrap(paragraph));
    }
    out
}

/// Writes the run's full report (report.html, report.md, results.json, plots) into `dir`.
fn write_report(
    dir: &Path,
    lesson: &course::Lesson,
    text: &str,
    taught: &Taught,
) -> Result<(), CliError> {
    let name = lesson
        .run
        .variant
        .clone()
        .unwrap_or_else(|| crate::simulate::AS_WRITTEN.to_string());
    let mut comparison = reports::comparison::Comparison::new(&[name]);
    comparison.add(0, &taught.summary, &taught.result);
    let findings = comparison.finish();
    let figures =
        reports::figures::figures(&comparison, &findings).map_err(|e| CliError::Report {
            problem: e.to_string(),
        })?;
    let command = format!("{} --out {}", replay_command(lesson), dir.display());
    let warmup_s = taught.summary.sim_time_s - taught.summary.measured_s;
    let warmup = format!("{}s, the scenario's own", (warmup_s * 1e6).round() / 1e6);
    let report = reports::report::Report {
        scenario: &taught.summary.scenario,
        description: &taught.description,
        scenario_text: text,
        command: &command,
        warmup: &warmup,
        version: crate::VERSION,
        findings: &findings,
        figures: &figures,
        dashboard: None,
    };
    crate::output::write_report(dir, &report)
}

/// A Markdown paragraph as terminal text: emphasis and links dropped, wrapped at 80 columns.
fn wrap(paragraph: &str) -> String {
    wrap_indented(paragraph, 0)
}

/// Like `wrap`, with continuation lines indented by `indent` spaces.
fn wrap_indented(paragraph: &str, indent: usize) -> String {
    let plain = plain(paragraph);
    let mut out = String::new();
    let leading = plain.len() - plain.trim_start().len();
    let mut line = plain[..leading].to_string();
    for word in plain.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > chart::WIDTH_MAX {
            out.push_str(&line);
            out.push('\n');
            line = " ".repeat(indent);
        } else if !line.is_empty() && !line.chars().all(|c| c == ' ') {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.trim().is_empty() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Markdown inline syntax removed: `**`, backquotes, and `[text](link)` as `text`.
fn plain(text: &str) -> String {
    let text = text.replace("**", "").replace('`', "");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|at| open + at) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|at| close + at) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_plain_wrapped_text() {
        assert_eq!(
            plain("see [retry-storm](retry-storm.md) and **`naive`**"),
            "see retry-storm and naive"
        );
        let long = "word ".repeat(40);
        for line in wrap(&long).lines() {
            assert!(line.chars().count() <= chart::WIDTH_MAX);
        }
    }

    #[test]
    fn the_course_lists_every_lesson_in_order() {
        let text = listing();
        let first = text.find("steady-state").expect("listed");
        let last = text.find("replication-lag").expect("listed");
        assert!(first < last);
        assert!(text.contains("1. Queueing"));
    }
}
