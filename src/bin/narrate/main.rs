//! The `narrate` command. All printing happens here; the library returns data and errors.

mod bars;
mod check;
mod cli;
mod logger;

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use narrate::audio::{SampleFormat, SampleRate};
use narrate::book::BookOptions;
use narrate::chapter::ChapterFormat;
use narrate::config::Config;
use narrate::lexicon::Lexicon;
use narrate::loudness::LoudnessTarget;
use narrate::output::RunRecord;
use narrate::plan::{self, Plan, PlanOptions};
use narrate::synth;
use narrate::synth::cache::Store;
use narrate::voice::{self, Voice};

use crate::bars::Reporter;
use crate::cli::{CacheAction, Cli, Command, RunArgs};

/// Utterance audio comes and goes in buffers of a megabyte or more, from several threads.
/// glibc's malloc raises its mmap threshold to the size of each large buffer freed, after
/// which such buffers come from per-thread heaps that fragment and are never given back:
/// resident memory then creeps up with the length of the book (68 MB for 100 kB of text,
/// 89 MB for 1 MB). A fixed threshold keeps them mmapped, returned on free (48 MB). At
/// 256 kB (an utterance of 2.7 s at 24 kHz) rather than 1 MiB, the peak is also lower and
/// steadier from run to run (100 kB of text: 31.5–33 MB in five runs, against 36–37 in
/// three; 1 MB: 36–38 MB, against 40–43), for about 4% more wall time (page faults: +1.5 s
/// system time on the 105,000-character book). Smaller buffers come and go from the heap's
/// top; glibc gives back any free top over 128 kB at once, and the next buffer faults the
/// same pages in again (a sixth of the book bench's system time). Up to 2 MB of free top
/// is kept instead: that saves most of those faults, while each worker thread's heap
/// (which holds its rendered audio until the writer takes it) does not keep its busiest
/// moment for the rest of the run (with 8 MB, two worker heaps held 19 MB at the peak of a
/// 1 MB text, their audio 9 MB).
///
/// Not for the neural voice: its interpreter allocates tensors of many megabytes per
/// operator, and mmapping each of them doubled its CPU time in page faults (seed article:
/// 13 s → 29 s), while its memory is mostly the models anyway.
fn keep_memory_flat() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning parameter; it is called before the run starts its threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 10);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 2 << 20);
    }
}

/// `narrate --espeak-batch-server VOICE SPEED PITCH`: the process a worker thread keeps to
/// speak espeak-ng batches through (`narrate::synth::espeak::server`); `None` for any other
/// command line.
fn serve_espeak_batches() -> Option<ExitCode> {
    use narrate::synth::espeak::server;
    let mut args = std::env::args_os().skip(1);
    if args.next()? != server::SERVE_ARG {
        return None;
    }
    let args: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    Some(match server::serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("narrate {}: {why}", server::SERVE_ARG);
            ExitCode::FAILURE
        }
    })
}

/// Exit code after Ctrl-C, as shells report 128 + SIGINT.
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    if let Some(code) = serve_espeak_batches() {
        return code;
    }
    let cli = Cli::parse();
    logger::init(cli.run.quiet, cli.run.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("narrate: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Plan {
            inputs,
            voice,
            lexicon,
            dialogue_voice,
            no_normalize,
            notes,
            json,
        }) => {
            let mut voice = with_lexicon(Voice::find(&voice)?, lexicon.as_deref())?;
            voice.dialogue = dialogue_voice.or(voice.dialogue);
            let options = PlanOptions {
                normalize: voice.normalize && !no_normalize,
                notes,
                ..PlanOptions::default()
            };
            plan(&inputs, &voice, &options, json)
        }
        Some(Command::Voices) => voices(),
        Some(Command::Cache { action, cache }) => cache_command(action, cache),
        Some(Command::Normalize { inputs }) => normalize(&inputs),
        Some(Command::Check {
            book,
            max_error,
            jobs,
            redo,
            rounds,
            quiet,
        }) => check::check(&book, max_error, jobs, redo.then_some(rounds), quiet),
        None => narrate(cli.run),
    }
}

fn plan(
    inputs: &[PathBuf],
    voice: &Voice,
    options: &PlanOptions,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    for input in expand_inputs(inputs)? {
        let plan = plan::plan(&input, voice, options)?;
        if json {
            serde_json::to_writer_pretty(&mut out, &plan)?;
            writeln!(out)?;
        } else {
            print_plan(&mut out, &plan)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_plan(out: &mut impl Write, plan: &Plan) -> std::io::Result<()> {
    writeln!(out, "# {}", plan.source.display())?;
    if let Some(title) = &plan.title {
        writeln!(out, "title: {title}")?;
    }
    if let Some(author) = &plan.author {
        writeln!(out, "author: {author}")?;
    }
    for warning in &plan.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    for chapter in plan.planned() {
        // `##` for a chapter, `###` for a section in it: the heading's level
        writeln!(
            out,
            "\n{} {:02} {}  ->  {}  ({} utterances)",
            "#".repeat(usize::from(chapter.level.clamp(1, 5)) + 1),
            chapter.index,
            chapter.title,
            chapter.file,
            chapter.utterances.len()
        )?;
        for spoken in &chapter.utterances {
            let u = &spoken.utterance;
            let end = serde_json::to_value(u.end)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            // quoted speech for the dialogue voice is marked »
            let role = if u.dialogue { "» " } else { "" };
            writeln!(
                out,
                "{:>7} L{:<5} {:<9} {role}{}",
                u.id, u.line, end, spoken.spoken
            )?;
        }
    }
    Ok(())
}

fn voices() -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<22} {:<8} {:<8} {:<32} source",
        "voice", "language", "backend", "description"
    )?;
    for (name, source) in voice::available() {
        let shown = if name == voice::DEFAULT_VOICE {
            format!("{name} (default)")
        } else {
            name.clone()
        };
        match Voice::find(&name) {
            Ok(v) => {
                let backend = v.backend.name();
                writeln!(
                    out,
                    "{:<22} {:<8} {:<8} {:<32} {}",
                    shown,
                    v.language,
                    backend,
                    v.description.as_deref().unwrap_or(""),
                    source
                )?;
            }
            Err(err) => writeln!(out, "{shown:<22} (invalid: {err})")?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn cache_dir(dir: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match dir {
        Some(dir) => Ok(dir),
        None => Store::default_dir()
            .context("no cache folder known for this platform; give one with --cache DIR"),
    }
}

fn cache_store(dir: Option<PathBuf>) -> anyhow::Result<Store> {
    Ok(Store::new(cache_dir(dir)?))
}

/// `voice` with the lexicon in `file` (if any) after its own.
fn with_lexicon(mut voice: Voice, file: Option<&Path>) -> anyhow::Result<Voice> {
    if let Some(file) = file {
        let lexicon = voice.lexicon.as_ref().clone().then(&Lexicon::open(file)?);
        voice.lexicon = std::sync::Arc::new(lexicon);
    }
    Ok(voice)
}

/// The run's settings: the voice, then the flags over its defaults.
pub(crate) fn config(args: &RunArgs) -> anyhow::Result<Config> {
    let voice = with_lexicon(Voice::find(&args.voice)?, args.lexicon.as_deref())?;
    let mut config = Config::new(voice);
    if let Some(name) = args
        .dialogue_voice
        .clone()
        .or(config.voice.dialogue.clone())
    {
        config = config
            .with_dialogue(&name)
            .with_context(|| format!("the dialogue voice `{name}`"))?;
    }
    config.rate = args.rate;
    config.sample_rate =
        SampleRate::new(args.sample_rate).context("--sample-rate must not be 0")?;
    if let Some(jobs) = args.jobs {
        config.jobs = jobs;
    }
    config.chapter = chapter_format(args);
    config.subtitles = args.subtitles.iter().copied().collect();
    config.book = BookOptions {
        container: args.format,
    };
    config.plan.normalize &= !args.no_normalize;
    config.plan.max_input_bytes = args.max_input_mb.saturating_mul(1 << 20);
    config.plan.notes = args.notes;
    config.cache = if args.no_cache {
        None
    } else {
        Some(cache_dir(args.cache.clone())?)
    };
    // this binary, started with SERVE_ARG, is the espeak-ng batch server
    config.espeak_server = std::env::current_exe().ok();
    config.title = args.title.clone();
    config.author = args.author.clone();
    Ok(config)
}

fn cache_command(action: CacheAction, dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let store = cache_store(dir)?;
    let what = || format!("cache {}", store.dir().display());
    match action {
        CacheAction::Stats => {
            let stats = store.stats().with_context(what)?;
            println!(
                "{}: {} utterances, {:.1} MB",
                store.dir().display(),
                stats.entries,
                stats.bytes as f64 / 1e6
            );
        }
        CacheAction::Clear => {
            let removed = store.clear().with_context(what)?;
            println!("{}: removed {removed} utterances", store.dir().display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn normalize(inputs: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut each_line = |line: &str| writeln!(out, "{}", narrate::normalize::normalize(line));
    if inputs.is_empty() {
        for line in std::io::stdin().lock().lines() {
            each_line(&line.context("reading standard input")?)?;
        }
    } else {
        for input in inputs {
            let bytes =
                std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
            let text = narrate::ingest::decode::decode(&bytes)
                .with_context(|| format!("{}", input.display()))?;
            for line in text.text.lines() {
                each_line(line)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn narrate(args: RunArgs) -> anyhow::Result<ExitCode> {
    if args.inputs.is_empty() {
        bail!("no input given; try `narrate --voice zh-CN article.txt` or `narrate --help`");
    }
    let mut config = config(&args)?;
    // kept in each manifest, for `narrate check --redo`
    config.record = Some(RunRecord {
        args: std::env::args().skip(1).collect(),
        dir: std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default(),
    });
    // a voice whose model is not installed stops here, before any work, naming the command
    config.check_engine()?;
    if !matches!(config.voice.backend, synth::BackendConfig::Neural(_)) {
        keep_memory_flat();
    }
    let engine = config.engine();
    let cancel = config.cancel.clone();
    let _ = ctrlc::set_handler(move || {
        if cancel.is_cancelled() {
            // a second Ctrl-C: stop now
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
        cancel.cancel();
    });
    let started = std::time::Instant::now();
    if config.book.container.needs_ffmpeg() {
        narrate::encode::check(&format!("--format {}", args.format.name()))?;
    }
    let reporter = Reporter::new(args.quiet);
    let inputs = expand_inputs(&args.inputs)?;
    let mut used_names = HashSet::new();
    let mut failed = 0;
    let mut summary = Summary::default();
    for input in &inputs {
        let dir = args.output.join(folder_name(input, &mut used_names));
        // anyhow's `{:#}` prints the error's whole chain of causes
        let result = config
            .narrate(input, &engine, &dir, &reporter)
            .map_err(anyhow::Error::from);
        reporter.finish();
        match result {
            Ok(manifest) => {
                summary.add(&manifest);
                if args.verbose > 0 {
                    reporter.line(&format!(
                        "narrate: {} -> {} ({} chapters)",
                        input.display(),
                        dir.display(),
                        manifest.chapters.len()
                    ));
                }
            }
            Err(err) => {
                eprintln!("narrate: {}: {err:#}", input.display());
                if config.cancel.is_cancelled() {
                    return Ok(ExitCode::from(EXIT_INTERRUPTED));
                }
                failed += 1;
            }
        }
    }
    if !args.quiet {
        let counts = engine.counts();
        let wall = started.elapsed().as_secs_f64();
        eprintln!(
            "narrate: {} inputs, {} chapters, {:.2} h of audio in {:.1} s ({:.0}x real time); {} utterances from the cache, {} synthesized; {} warnings",
            inputs.len() - failed,
            summary.chapters,
            summary.seconds / 3600.0,
            wall,
            summary.seconds / wall.max(1e-9),
            counts.hits,
            counts.misses,
            summary.warnings,
        );
    }
    if failed > 0 {
        eprintln!("narrate: {failed} of {} inputs failed", inputs.len());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Totals over the inputs of one run.
#[derive(Default)]
struct Summary {
    chapters: usize,
    seconds: f64,
    warnings: usize,
}

impl Summary {
    fn add(&mut self, manifest: &narrate::output::Manifest) {
        self.chapters += manifest.chapters.len();
        self.seconds += manifest.chapters.iter().map(|c| c.duration).sum::<f64>();
        self.warnings += manifest.warnings.len();
    }
}

/// Sample format and loudness target of the chapter files, from the flags.
fn chapter_format(args: &RunArgs) -> ChapterFormat {
    ChapterFormat {
        samples: match args.bits {
            24 => SampleFormat::Int24,
            _ => SampleFormat::Int16,
        },
        loudness: (!args.no_loudness).then_some(LoudnessTarget {
            integrated: args.loudness,
            true_peak: args.true_peak,
        }),
    }
}

/// The kinds of file a folder given as input is searched for.
const INPUT_EXTENSIONS: [&str; 9] = [
    "txt", "md", "markdown", "html", "htm", "xhtml", "epub", "pdf", "docx",
];

/// Files as given, and the documents inside given folders (by extension, sorted).
fn expand_inputs(inputs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(input)
                .with_context(|| format!("cannot read folder {}", input.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && p.extension().is_some_and(|e| {
                            INPUT_EXTENSIONS.contains(&e.to_string_lossy().to_lowercase().as_str())
                        })
                })
                .collect();
            inside.sort();
            if inside.is_empty() {
                bail!(
                    "{}: folder has no documents ({})",
                    input.display(),
                    INPUT_EXTENSIONS.join(", ")
                );
            }
            files.extend(inside);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// The output folder name of an input: its file stem, made unique within the run.
fn folder_name(input: &Path, used: &mut HashSet<String>) -> String {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input".into());
    let stem = narrate::output::chapter_file_name(0, &stem, "x");
    let stem = stem
        .strip_prefix("00-")
        .and_then(|s| s.strip_suffix(".x"))
        .unwrap_or("input")
        .to_owned();
    let mut name = stem.clone();
    let mut n = 2;
    while !used.insert(name.clone()) {
        name = format!("{stem}-{n}");
        n += 1;
    }
    name
}
