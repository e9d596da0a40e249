//! Run: a [`Plan`] → synthesized in parallel, chapters written in order, and the manifest.
//!
//! Utterances of the whole document form one queue ([`queue`]), so workers never wait at a
//! chapter boundary; a bounded window keeps them at most a few utterances ahead of the
//! writer, and a chapter's utterances are planned when first needed and let go once it is
//! written, so memory does not grow with the length of the book. Workers [`mod@render`] groups
//! of utterances; the [`writer`] puts them into chapter files in order; the [`lister`]
//! writes each finished chapter's subtitles and the manifest; [`resume`] decides which
//! chapters an earlier run already made. A [`CancelToken`] stops a run.

mod cancel;
mod journal;
mod lister;
mod queue;
mod render;
mod resume;
mod writer;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::mpsc;

pub use cancel::CancelToken;

use crate::audio::{Audio, SampleRate};
use crate::chapter::ChapterFormat;
use crate::output::{self, Manifest};
use crate::plan::Plan;
use crate::progress::Progress;
use crate::resample::{RateConverter, ResampleError};
use crate::segment::UtteranceId;
use crate::subtitles::SubtitleFormat;
use crate::synth::{SynthError, Synthesizer};
use crate::voice::Voice;
use queue::{AUDIO_AHEAD_PER_WORKER, Queue};
use render::render;
use writer::{Writer, write_chapters};

/// Settings of a run that come from the command line.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub sample_rate: SampleRate,
    /// Utterances synthesized at once.
    pub jobs: usize,
    /// Speaking rate (scales pauses; the engine gets it through `SynthOptions`).
    pub rate: f32,
    /// Sample format and loudness target of the chapter files.
    pub chapter: ChapterFormat,
    /// Subtitle files written beside each chapter.
    pub subtitles: BTreeSet<SubtitleFormat>,
    /// Tripped to stop the run (Ctrl-C); a new token for each run that should start clean.
    pub cancel: CancelToken,
    /// The command line, kept in the manifest.
    pub record: Option<output::RunRecord>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(
        "chapter {chapter} «{title}», utterance {id} (line {line}) «{preview}»; chapters before it are kept"
    )]
    Synth {
        chapter: usize,
        title: String,
        id: UtteranceId,
        line: usize,
        preview: String,
        #[source]
        source: Box<SynthError>,
    },
    #[error("chapter {chapter}: resampling")]
    Resample {
        chapter: usize,
        #[source]
        source: ResampleError,
    },
    #[error(transparent)]
    Output(#[from] output::OutputError),
    #[error("a synthesis worker stopped before finishing its utterance; please report this")]
    WorkerLost,
    #[error("interrupted; finished chapters are kept, and a rerun goes on from there")]
    Cancelled,
}

/// Synthesizes every chapter of `plan` into `dir`, with its subtitles, and writes
/// `dir/manifest.json`. A failed or cancelled run still lists what it finished; a killed one
/// leaves it for the next run in the manifest and a journal beside it ([`journal`]). Returns the manifest's chapters without their utterances, which
/// only manifest.json lists: a book's utterances are never all in memory at once.
pub fn narrate(
    plan: &Plan,
    voice: &Voice,
    engine: &dyn Synthesizer,
    dir: &Path,
    options: &RunOptions,
    progress: &dyn Progress,
) -> Result<Manifest, RunError> {
    output::prepare_dir(dir)?;
    output::remove_stale_temp_files(dir);
    let manifest_path = dir.join("manifest.json");
    let previous = journal::previous_chapters(dir, output::read_manifest(&manifest_path));
    let (keys, kept) = resume::kept_chapters(plan, &previous, voice, engine, dir, options);
    drop(previous);
    let mut manifest = Manifest {
        source: plan.source.display().to_string(),
        title: plan.title.clone(),
        author: plan.author.clone(),
        voice: voice.name.clone(),
        backend: engine.id().to_owned(),
        sample_rate: options.sample_rate.hz(),
        chapters: Vec::new(),
        warnings: plan.warnings.clone(),
        run: options.record.clone(),
    };
    let to_write: Vec<usize> = (0..plan.chapters.len())
        .filter(|&c| kept[c].is_none())
        .collect();
    let utterances: usize = to_write.iter().map(|&c| plan.chapters[c].utterances).sum();
    progress.document_started(&plan.source, plan.chapters.len(), utterances);

    let workers = engine
        .concurrency()
        .unwrap_or(options.jobs)
        .clamp(1, utterances.max(1));
    // Workers run ahead of the writer by at most this much audio (estimated from the
    // text), so that memory stays the same for a page and for a book full of long
    // sentences; room for a group per worker and one more, so no worker waits on the writer.
    let queue = Queue::new(
        plan,
        &to_write,
        engine.batch_size().max(1),
        AUDIO_AHEAD_PER_WORKER * (workers + 1) as f64,
        &options.cancel,
    );
    let (tx, rx) = mpsc::channel::<(Place, Result<Audio, RunError>)>();

    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let queue = &queue;
            scope.spawn(move || {
                let mut converter: Option<RateConverter> = None;
                'work: while let Some(work) = queue.take() {
                    let utterances = &work.chapter.utterances[work.range.clone()];
                    let results = render(utterances, engine, options.sample_rate, &mut converter);
                    for ((i, spoken), result) in work.range.clone().zip(utterances).zip(results) {
                        let result = result.map_err(|e| e.located(&work.chapter, spoken));
                        if tx.send(((work.slot, i), result)).is_err() {
                            break 'work;
                        }
                    }
                }
            });
        }
        drop(tx);
        let writer = Writer {
            plan,
            keys: &keys,
            kept: &kept,
            voice,
            options,
            dir,
            manifest_path: &manifest_path,
            rx: &rx,
            queue: &queue,
            progress,
        };
        let result = write_chapters(&writer, &mut manifest);
        queue.stop();
        result
    })?;
    // kept chapters came with their utterances: the manifest returned lists none
    for chapter in &mut manifest.chapters {
        chapter.utterances = Vec::new();
    }
    Ok(manifest)
}

/// Where an utterance is in a run: the chapter's place among those written, and the
/// utterance's in its chapter.
type Place = (usize, usize);
