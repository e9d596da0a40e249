//! Whether listing chapters costs the same at the end of a long book as at its start: a
//! 300-chapter book (40 utterances each) run in process with an engine that answers at
//! once (a short tone), so what is timed is narrate's own work per chapter — writing and
//! levelling the file, subtitles, the journal and the manifest.
//!
//! For a baseline, the same run's final manifest is then written the way narrate wrote it
//! before it kept a journal: all chapters so far, after every chapter.
//!
//! ```text
//! cargo run --release --example manifest_bench -- [CHAPTERS]
//! ```

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use narrate::audio::{Audio, SampleRate};
use narrate::output::{self, ChapterRecord, Manifest};
use narrate::progress::Progress;
use narrate::run::{self, RunOptions};
use narrate::synth::{SynthError, Synthesizer};
use narrate::voice::Voice;
use narrate::{Document, Paragraph, Section};

const RATE: u32 = 24000;
const UTTERANCES_PER_CHAPTER: usize = 40;

/// 50 ms of a tone for any text.
struct Instant50ms;

impl Synthesizer for Instant50ms {
    fn id(&self) -> &str {
        "bench"
    }

    fn synthesize(&self, _text: &str) -> Result<Audio, SynthError> {
        let samples = (0..RATE as usize / 20)
            .map(|i| 0.3 * (i as f32 * 0.115).sin())
            .collect();
        Ok(Audio {
            samples,
            rate: SampleRate::new(RATE).unwrap(),
        })
    }
}

/// When each chapter was listed.
struct Clock(Mutex<Vec<Instant>>);

impl Progress for Clock {
    fn chapter_written(&self, _chapter: &ChapterRecord) {
        self.0.lock().unwrap().push(Instant::now());
    }
}

fn book(chapters: usize) -> Document {
    let sections = (1..=chapters)
        .map(|n| Section {
            paragraphs: (0..UTTERANCES_PER_CHAPTER)
                .map(|k| {
                    Paragraph::new(
                        format!("这是第{n}章的第{k}段，我们一路向前走去。"),
                        n * 100 + k + 1,
                    )
                })
                .collect(),
            ..Section::headed(format!("第{n}章"), 1, n * 100)
        })
        .collect();
    Document {
        title: Some("长书".into()),
        sections,
        ..Document::default()
    }
}

/// Mean milliseconds per chapter over the first and the last fifth.
fn first_and_last(per_chapter: &[Duration]) -> (f64, f64) {
    let fifth = (per_chapter.len() / 5).max(1);
    let mean =
        |d: &[Duration]| d.iter().map(Duration::as_secs_f64).sum::<f64>() / d.len() as f64 * 1e3;
    (
        mean(&per_chapter[..fifth]),
        mean(&per_chapter[per_chapter.len() - fifth..]),
    )
}

fn main() -> anyhow::Result<()> {
    let chapters: usize = std::env::args().nth(1).map_or(Ok(300), |s| s.parse())?;
    let voice = Voice::parse(
        "bench",
        "bench.toml",
        "language = \"zh-CN\"\nbackend = \"espeak\"\n",
    )?;
    let plan = narrate::plan::plan_document(Path::new("book.md"), book(chapters), &voice, true);
    let dir = tempfile::tempdir()?;
    let options = RunOptions {
        sample_rate: SampleRate::new(RATE).unwrap(),
        jobs: 2,
        rate: 1.0,
        chapter: narrate::chapter::ChapterFormat::default(),
        subtitles: Default::default(),
        cancel: Default::default(),
        record: None,
    };
    let clock = Clock(Mutex::new(Vec::new()));
    let started = Instant::now();
    run::narrate(&plan, &voice, &Instant50ms, dir.path(), &options, &clock)?;
    let total = started.elapsed();
    let times = clock.0.into_inner().unwrap();
    let mut per_chapter = vec![times[0] - started];
    per_chapter.extend(times.windows(2).map(|w| w[1] - w[0]));
    let (first, last) = first_and_last(&per_chapter);
    println!(
        "narrate, {chapters} chapters x {UTTERANCES_PER_CHAPTER} utterances: {:.2} s; ms per chapter, first fifth {first:.2}, last fifth {last:.2}: last/first {:.2}",
        total.as_secs_f64(),
        last / first
    );

    // the baseline: every chapter so far listed after each chapter
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json"))?)?;
    let path = dir.path().join("baseline.json");
    let mut so_far = Manifest {
        chapters: Vec::new(),
        ..manifest.clone()
    };
    let mut rewrites = Vec::with_capacity(chapters);
    for chapter in manifest.chapters {
        so_far.chapters.push(chapter);
        let started = Instant::now();
        output::write_manifest(&path, &so_far)?;
        rewrites.push(started.elapsed());
    }
    let (first_rewrite, last_rewrite) = first_and_last(&rewrites);
    let rewriting: f64 = rewrites.iter().map(Duration::as_secs_f64).sum();
    println!(
        "baseline, the whole manifest after every chapter: {rewriting:.2} s of rewrites; ms per chapter, first fifth {first_rewrite:.2}, last fifth {last_rewrite:.2}: last/first {:.2}",
        last_rewrite / first_rewrite
    );
    println!(
        "the baseline's last fifth adds {:.0}% to narrate's time per chapter there",
        last_rewrite / last * 100.0
    );
    Ok(())
}
