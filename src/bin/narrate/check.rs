//! `narrate check BOOK [--redo]`: the report as a table, and the redo rounds.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use narrate::check::{self, CheckOptions, CheckReport, Whisper};

use crate::bars::Reporter;
use crate::cli::Cli;

/// How many flagged utterances are listed.
const WORST_SHOWN: usize = 10;

/// Checks `book`; with `redo` rounds, mends what it can and checks again.
pub fn check(
    book: &Path,
    max_error: f64,
    jobs: Option<usize>,
    redo: Option<usize>,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = jobs.unwrap_or(cores).max(1);
    // each recognizer process gets an equal share of the cores
    let recognizer = Whisper::installed((cores / jobs).max(1), "zh")?;
    let options = CheckOptions { max_error, jobs };
    let reporter = Reporter::new(quiet);
    let report = check::check(book, &recognizer, &options, &reporter);
    reporter.finish();
    let mut report = report.with_context(|| format!("checking {}", book.display()))?;
    print_report(book, &report, quiet)?;
    let book = book
        .canonicalize()
        .with_context(|| format!("cannot find {}", book.display()))?;
    for round in 1..=redo.unwrap_or(0) {
        if report.passed {
            break;
        }
        let chapters = redo_flagged(&book, &report, &reporter)?;
        let again = check::recheck(&book, &report, &chapters, &recognizer, &options, &reporter);
        reporter.finish();
        report = again.with_context(|| format!("checking {}", book.display()))?;
        println!("redo round {round}: chapters {chapters:?} made again");
        print_report(&book, &report, quiet)?;
    }
    Ok(if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Asks the voice again for the flagged utterances of `report` and makes their chapters
/// again with the command that made the book; returns those chapters' indices.
fn redo_flagged(
    book: &Path,
    report: &CheckReport,
    reporter: &Reporter,
) -> anyhow::Result<BTreeSet<usize>> {
    let mut manifest = check::read_manifest(book)?;
    let record = manifest.run.clone().with_context(|| {
        format!(
            "{} does not say which command made it (an older narrate, or the library); narrate it again, then check",
            book.join("manifest.json").display()
        )
    })?;
    let cli = Cli::try_parse_from(std::iter::once("narrate".to_owned()).chain(record.args.clone()))
        .context("the command recorded in the manifest no longer parses; narrate the book again")?;
    if cli.command.is_some() {
        bail!("the command recorded in the manifest is not a narration; narrate the book again");
    }
    // the recorded paths (input, voice, lexicon, cache) are relative to where it ran
    std::env::set_current_dir(&record.dir)
        .with_context(|| format!("cannot go to {}, where the book was made", record.dir))?;
    let mut config = crate::config(&cli.run)?;
    config.record = Some(record);
    let flagged = report.worst();
    let texts = flagged.iter().map(|u| u.text.clone());
    let engine = config.engine().refreshing(texts);
    if narrate::synth::Synthesizer::deterministic(&engine) {
        bail!(
            "a redo cannot help: voice {} ({}) says a text the same way every time; try another voice, or reword the flagged text (or give it a lexicon entry)",
            config.voice.name,
            manifest.backend
        );
    }
    let chapters: BTreeSet<usize> = flagged.iter().map(|u| u.chapter).collect();
    // their chapters no longer match their keys: the run makes them again, and only them
    for chapter in &mut manifest.chapters {
        if chapters.contains(&chapter.index) {
            chapter.key.clear();
        }
    }
    narrate::output::write_manifest(&book.join("manifest.json"), &manifest)?;
    let source = Path::new(&manifest.source);
    let made = config.narrate(source, &engine, book, reporter);
    reporter.finish();
    made.with_context(|| format!("{}: making chapters {chapters:?} again", source.display()))?;
    Ok(chapters)
}

fn print_report(book: &Path, report: &CheckReport, quiet: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if !quiet {
        writeln!(
            out,
            "{:>3}  {:<32} {:>10} {:>9} {:>7}",
            "#", "chapter", "utterances", "syllables", "errors"
        )?;
        for c in &report.chapters {
            let title: String = c.title.chars().take(16).collect();
            let flagged = if c.flagged > 0 {
                format!("  {} flagged", c.flagged)
            } else {
                String::new()
            };
            writeln!(
                out,
                "{:>3}  {:<width$} {:>10} {:>9} {:>6.1}%{flagged}",
                c.index,
                title,
                c.utterances,
                c.syllables,
                c.error_rate * 100.0,
                // CJK characters take two columns
                width = 32 - title.chars().filter(|c| !c.is_ascii()).count(),
            )?;
        }
    }
    let worst = report.worst();
    writeln!(
        out,
        "{}: {} utterances, {:.0} s of speech, syllable error rate {:.1}%; {} flagged (over {:.0}%, silent or too long); report in {}",
        if report.passed { "passed" } else { "FAILED" },
        report.utterances.len(),
        report.seconds,
        report.error_rate * 100.0,
        worst.len(),
        report.max_error * 100.0,
        book.join(check::REPORT_FILE).display(),
    )?;
    for u in worst.iter().take(WORST_SHOWN) {
        let c = &u.comparison;
        let mut what = Vec::new();
        if u.silent {
            what.push("silent".to_owned());
        }
        if c.stopped_early {
            what.push("stopped early".to_owned());
        }
        if c.repeated {
            what.push("repeated".to_owned());
        }
        if u.too_long {
            what.push(format!("{:.1}x the book's time per syllable", u.pace));
        }
        what.extend(c.dropped.iter().map(|d| format!("dropped «{d}»")));
        what.extend(c.extra.iter().map(|d| format!("extra «{d}»")));
        writeln!(
            out,
            "  {} chapter {} line {} at {:.1}-{:.1} s: {:.0}% {}\n    text:  {}\n    heard: {}",
            u.id,
            u.chapter,
            u.line,
            u.start,
            u.end,
            c.error_rate * 100.0,
            what.join(", "),
            u.text,
            u.heard
        )?;
    }
    Ok(())
}
