//! The whole run for one input: plan (ingest → segment → normalize), then synthesize in
//! parallel and write the chapters in order.
//!
//! Utterances of the whole document form one queue, so workers never wait at a chapter
//! boundary; a bounded window keeps them at most a few utterances ahead of the writer, so
//! memory does not grow with the length of the book.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};
use std::time::Duration;

use serde::Serialize;

use crate::audio::{Audio, SampleRate};
use crate::chapter::{ChapterFormat, ChapterWriter, Cue};
use crate::output::{self, ChapterRecord, Manifest, UtteranceRecord};
use crate::progress::Progress;
use crate::resample::{RateConverter, ResampleError};
use crate::segment::{self, Utterance, UtteranceId};
use crate::synth::{SynthError, Synthesizer};
use crate::text::{Document, Warning};
use crate::voice::Voice;
use crate::{ingest, normalize};

/// Silence kept around each utterance after trimming, and the fade at each edge.
const EDGE_MARGIN: Duration = Duration::from_millis(30);
const EDGE_FADE: Duration = Duration::from_millis(5);
/// Below this fraction of an utterance's own peak counts as silence when trimming.
const SILENCE_THRESHOLD: f32 = 0.01;

/// What will be said, chapter by chapter, before any audio exists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub source: PathBuf,
    pub title: Option<String>,
    pub author: Option<String>,
    pub chapters: Vec<PlannedChapter>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedChapter {
    /// 1-based.
    pub index: usize,
    pub title: String,
    pub file: String,
    pub utterances: Vec<Spoken>,
}

/// An utterance with the text the engine will get.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spoken {
    #[serde(flatten)]
    pub utterance: Utterance,
    /// Text after normalization; what the engine is sent.
    pub spoken: std::sync::Arc<str>,
}

impl Spoken {
    /// Whether there is anything to say (not only punctuation and spaces).
    pub fn is_speakable(&self) -> bool {
        self.spoken.chars().any(char::is_alphanumeric)
    }
}

impl Plan {
    pub fn utterance_count(&self) -> usize {
        self.chapters.iter().map(|c| c.utterances.len()).sum()
    }
}

/// How to read and plan an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanOptions {
    /// Rewrite numbers and symbols into words (the voice may say its backend does it).
    pub normalize: bool,
    /// Larger inputs are refused.
    pub max_input_bytes: u64,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            normalize: true,
            max_input_bytes: ingest::DEFAULT_MAX_INPUT_BYTES,
        }
    }
}

/// Reads an input and plans its chapters for `voice`.
pub fn plan(path: &Path, voice: &Voice, options: &PlanOptions) -> Result<Plan, ingest::Error> {
    let document = ingest::read_limited(path, options.max_input_bytes)?;
    Ok(plan_document(path, document, voice, options.normalize))
}

/// Plans an already structured document. Sections with nothing to say are left out, a
/// heading without text is spoken at the start of the next chapter, and an untitled
/// section is named after the document (or the file).
pub fn plan_document(path: &Path, document: Document, voice: &Voice, normalize: bool) -> Plan {
    let fallback_title = document.title.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "chapter".into())
    });
    let mut chapters: Vec<PlannedChapter> = Vec::new();
    // Headings with no text of their own (a book title right before its first chapter, a
    // part title before its chapters) are spoken at the start of the next chapter.
    let mut carried: Vec<Spoken> = Vec::new();
    let last = document.sections.len().saturating_sub(1);
    for (s, section) in document.sections.iter().enumerate() {
        let index = chapters.len();
        let own = segment::utterances(section, index, &voice.limits)
            .into_iter()
            .map(|utterance| {
                // most sentences have nothing to rewrite: they share the written text
                let spoken = match normalize.then(|| normalize::normalize(&utterance.text)) {
                    Some(rewritten) if *rewritten != *utterance.text => rewritten.into(),
                    _ => utterance.text.clone(),
                };
                Spoken { utterance, spoken }
            });
        carried.extend(own);
        if section.paragraphs.is_empty() && s < last {
            continue;
        }
        let mut utterances = std::mem::take(&mut carried);
        // a book holds every chapter's utterances for the whole run: no room to spare
        utterances.shrink_to_fit();
        if !utterances.iter().any(Spoken::is_speakable) {
            continue;
        }
        for (i, spoken) in utterances.iter_mut().enumerate() {
            spoken.utterance.id = UtteranceId::new(index, i);
        }
        let title = section
            .title
            .clone()
            .unwrap_or_else(|| fallback_title.clone());
        chapters.push(PlannedChapter {
            index: index + 1,
            file: output::chapter_file_name(index + 1, &title, "wav"),
            title,
            utterances,
        });
    }
    Plan {
        source: path.to_owned(),
        title: document.title,
        author: document.author,
        chapters,
        warnings: document.warnings,
    }
}

/// Settings of a run that come from the command line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunOptions {
    pub sample_rate: SampleRate,
    /// Utterances synthesized at once.
    pub jobs: usize,
    /// Speaking rate (scales pauses; the engine gets it through `SynthOptions`).
    pub rate: f32,
    /// Sample format and loudness target of the chapter files.
    pub chapter: ChapterFormat,
}

#[derive(Debug, thiserror::Error)]
pub enum NarrateError {
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
    Output(#[from] output::Error),
    #[error("a synthesis worker stopped before finishing its utterance; please report this")]
    WorkerLost,
    #[error("interrupted; finished chapters are kept, and a rerun goes on from there")]
    Cancelled,
}

/// Synthesizes every chapter of `plan` into `dir` and writes `dir/manifest.json`. The
/// manifest is rewritten after each chapter, so a failed run still lists what it finished.
pub fn narrate(
    plan: &Plan,
    voice: &Voice,
    engine: &dyn Synthesizer,
    dir: &Path,
    options: &RunOptions,
    progress: &dyn Progress,
) -> Result<Manifest, NarrateError> {
    output::prepare_dir(dir)?;
    output::remove_stale_temp_files(dir);
    let manifest_path = dir.join("manifest.json");
    let previous = output::read_manifest(&manifest_path);
    let keys: Vec<String> = plan
        .chapters
        .iter()
        .map(|c| chapter_key(c, voice, engine, options))
        .collect();
    // chapters whose file is already there, written from the same inputs
    let kept: Vec<Option<ChapterRecord>> = plan
        .chapters
        .iter()
        .zip(&keys)
        .map(|(chapter, key)| {
            let old = previous
                .as_ref()?
                .chapters
                .iter()
                .find(|r| r.file == chapter.file && &r.key == key)?;
            let reader = hound::WavReader::open(dir.join(&old.file)).ok()?;
            (reader.duration() as usize == old.frames
                && reader.spec().sample_rate == options.sample_rate.hz())
            .then(|| old.clone())
        })
        .collect();
    if let Some(previous) = &previous {
        // files of the previous run that this plan no longer has
        for old in &previous.chapters {
            if !plan.chapters.iter().any(|c| c.file == old.file) {
                let _ = std::fs::remove_file(dir.join(&old.file));
            }
        }
    }
    let mut manifest = Manifest {
        source: plan.source.display().to_string(),
        title: plan.title.clone(),
        author: plan.author.clone(),
        voice: voice.name.clone(),
        backend: engine.id().to_owned(),
        sample_rate: options.sample_rate.hz(),
        chapters: Vec::new(),
        warnings: plan.warnings.clone(),
    };
    let to_write = || {
        plan.chapters
            .iter()
            .enumerate()
            .filter(|(c, _)| kept[*c].is_none())
    };
    let mut jobs: Vec<(usize, &Spoken)> =
        Vec::with_capacity(to_write().map(|(_, c)| c.utterances.len()).sum());
    jobs.extend(to_write().flat_map(|(c, chapter)| chapter.utterances.iter().map(move |u| (c, u))));
    progress.document_started(&plan.source, plan.chapters.len(), jobs.len());

    // consecutive utterances of a chapter, spoken by the engine in one call
    // (and at most BATCH_CHARS characters: a batch's audio is in memory several times
    // over while it is split and resampled)
    let batch = engine.batch_size().max(1);
    let mut groups: Vec<std::ops::Range<usize>> = Vec::new();
    let mut group_chars = 0;
    for (i, (chapter, spoken)) in jobs.iter().enumerate() {
        let chars = spoken.spoken.chars().count();
        match groups.last_mut() {
            Some(group)
                if group.len() < batch
                    && group_chars + chars <= BATCH_CHARS
                    && jobs[group.start].0 == *chapter =>
            {
                group.end = i + 1;
                group_chars += chars;
            }
            _ => {
                groups.push(i..i + 1);
                group_chars = chars;
            }
        }
    }
    let workers = engine
        .concurrency()
        .unwrap_or(options.jobs)
        .clamp(1, groups.len().max(1));
    // Workers run ahead of the writer by at most this much audio (estimated from the
    // text), so that memory stays the same for a page and for a book full of long
    // sentences; room for a group per worker and one more, so no worker waits on the writer.
    let ahead = AUDIO_AHEAD_PER_WORKER * (workers + 1) as f64;
    let mut seconds_before = Vec::with_capacity(jobs.len() + 1);
    seconds_before.push(0.0);
    for (_, spoken) in &jobs {
        let estimate = spoken.spoken.chars().count().max(1) as f64 * SECONDS_PER_CHAR;
        seconds_before.push(seconds_before.last().copied().unwrap_or(0.0) + estimate);
    }
    let queue = Queue::new(ahead, &groups, seconds_before);
    let (tx, rx) = mpsc::channel::<(usize, Result<Audio, NarrateError>)>();

    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let queue = &queue;
            let jobs = &jobs;
            let groups = &groups;
            scope.spawn(move || {
                let mut converter: Option<RateConverter> = None;
                'work: while let Some(g) = queue.take() {
                    let group = groups[g].clone();
                    let results = render(
                        &jobs[group.clone()],
                        engine,
                        options.sample_rate,
                        &mut converter,
                    );
                    for (i, result) in group.zip(results) {
                        let (chapter, spoken) = jobs[i];
                        let result = result.map_err(|e| e.located(&plan.chapters[chapter], spoken));
                        if tx.send((i, result)).is_err() {
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
            jobs: &jobs,
            rx: &rx,
            queue: &queue,
            progress,
        };
        let result = write_chapters(&writer, &mut manifest);
        queue.stop();
        result
    })?;
    output::write_manifest(&manifest_path, &manifest)?;
    Ok(manifest)
}

/// What the writer works from: the plan and what it keeps from an earlier run, where the
/// files go, and where rendered utterances arrive.
#[derive(Clone, Copy)]
struct Writer<'a> {
    plan: &'a Plan,
    keys: &'a [String],
    kept: &'a [Option<ChapterRecord>],
    voice: &'a Voice,
    options: &'a RunOptions,
    dir: &'a Path,
    manifest_path: &'a Path,
    jobs: &'a [(usize, &'a Spoken)],
    rx: &'a mpsc::Receiver<(usize, Result<Audio, NarrateError>)>,
    queue: &'a Queue,
    progress: &'a dyn Progress,
}

/// Receives rendered utterances (in any order) and writes them in order, chapter by
/// chapter. A finished chapter is levelled on a thread of its own, and listed in the
/// manifest by another, while the next one is written: the writer never waits on either
/// (unless [`LEVELLING_AHEAD`] chapters are still being levelled), since workers that wait
/// on the writer hold their audio meanwhile. Stops at the first error; finished chapters
/// stay.
fn write_chapters(writer: &Writer, manifest: &mut Manifest) -> Result<(), NarrateError> {
    std::thread::scope(|scope| {
        let (done, arrived) = mpsc::sync_channel::<Done>(LEVELLING_AHEAD);
        let (manifest_path, progress) = (writer.manifest_path, writer.progress);
        let lister = scope.spawn(move || list_in_order(arrived, manifest, manifest_path, progress));
        let written = write_in_order(writer, scope, &done);
        drop(done);
        // the chapters being levelled are kept whatever happened after them
        let listed = lister.join().map_err(|_| NarrateError::WorkerLost)?;
        written.and(listed)
    })
}

/// Chapters finished while the next is written, at most (more, and the writer waits).
const LEVELLING_AHEAD: usize = 2;

/// A chapter for the manifest, in order: kept from an earlier run, or just written.
enum Done<'scope, 'plan> {
    Kept(ChapterRecord),
    Written(Finishing<'scope, 'plan>),
}

/// Lists chapters in the manifest as they are done, in order, rewriting it each time;
/// stops at the first error. A written chapter's utterances are listed from its plan and
/// cues, and made into records only while the manifest is written (a book's records
/// would otherwise grow with every chapter); `manifest` gets them at the end.
fn list_in_order<'plan>(
    arrived: mpsc::Receiver<Done<'_, 'plan>>,
    manifest: &mut Manifest,
    manifest_path: &Path,
    progress: &dyn Progress,
) -> Result<(), NarrateError> {
    let mut heard: Vec<Option<Heard<'plan>>> = Vec::new();
    let listed = list_each(arrived, manifest, &mut heard, manifest_path, progress);
    for (record, heard) in manifest.chapters.iter_mut().zip(&heard) {
        if let Some(heard) = heard {
            record.utterances = heard.records();
        }
    }
    listed
}

/// [`list_in_order`] less the final filling in: `heard` gets a written chapter's cues
/// where `manifest` gets its record.
fn list_each<'plan>(
    arrived: mpsc::Receiver<Done<'_, 'plan>>,
    manifest: &mut Manifest,
    heard: &mut Vec<Option<Heard<'plan>>>,
    manifest_path: &Path,
    progress: &dyn Progress,
) -> Result<(), NarrateError> {
    for done in arrived {
        match done {
            Done::Kept(record) => {
                progress.chapter_kept(&record);
                manifest.chapters.push(record);
                heard.push(None);
            }
            Done::Written(finishing) => {
                let (mut record, in_file) = finishing.complete()?;
                // the record as the manifest lists it, for as long as it is reported
                record.utterances = in_file.records();
                progress.chapter_written(&record);
                record.utterances = Vec::new();
                manifest.chapters.push(record);
                heard.push(Some(in_file));
                let utterances = |i: usize| heard[i].as_ref().map(Heard::records);
                output::write_manifest_with(manifest_path, manifest, &utterances)?;
            }
        }
    }
    Ok(())
}

/// A chapter whose utterances are all written, being levelled and renamed into place.
struct Finishing<'scope, 'plan> {
    work: std::thread::ScopedJoinHandle<
        'scope,
        Result<crate::chapter::WrittenChapter, output::Error>,
    >,
    /// Its record, less what only the finished file tells, and without utterances...
    record: ChapterRecord,
    /// ...which are here.
    heard: Heard<'plan>,
}

impl<'plan> Finishing<'_, 'plan> {
    /// Waits for the file; its record and where its utterances are heard.
    fn complete(self) -> Result<(ChapterRecord, Heard<'plan>), NarrateError> {
        let written = self.work.join().map_err(|_| NarrateError::WorkerLost)??;
        let record = ChapterRecord {
            frames: written.frames,
            duration: self.heard.rate.duration(written.frames).as_secs_f64(),
            loudness: Some(written.loudness),
            ..self.record
        };
        Ok((record, self.heard))
    }
}

/// Where each utterance of a planned chapter is heard in its file.
struct Heard<'plan> {
    chapter: &'plan PlannedChapter,
    /// One per utterance, in order.
    cues: Vec<Cue>,
    rate: SampleRate,
}

impl Heard<'_> {
    fn records(&self) -> Vec<UtteranceRecord> {
        let seconds = |frames: usize| self.rate.duration(frames).as_secs_f64();
        self.chapter
            .utterances
            .iter()
            .zip(&self.cues)
            .map(|(spoken, cue)| UtteranceRecord {
                id: spoken.utterance.id,
                line: spoken.utterance.line,
                written: spoken.utterance.text.clone(),
                text: spoken.spoken.clone(),
                start: seconds(cue.start),
                end: seconds(cue.end),
            })
            .collect()
    }
}

/// Writes the chapters, handing each finished one (or one kept from an earlier run) to
/// `done`; returns early, without error, when nothing takes them any more (the lister
/// stopped at an error of its own, which it reports).
fn write_in_order<'scope, 'plan>(
    writer: &Writer<'plan>,
    scope: &'scope std::thread::Scope<'scope, '_>,
    done: &mpsc::SyncSender<Done<'scope, 'plan>>,
) -> Result<(), NarrateError> {
    let Writer {
        plan,
        keys,
        kept,
        voice,
        options,
        dir,
        manifest_path: _,
        jobs,
        rx,
        queue,
        progress,
    } = *writer;
    let rate = options.sample_rate;
    let seconds = |frames: usize| rate.duration(frames).as_secs_f64();
    let mut pending: BTreeMap<usize, Result<Audio, NarrateError>> = BTreeMap::new();
    let mut next = 0;
    for (c, chapter) in plan.chapters.iter().enumerate() {
        if let Some(record) = &kept[c] {
            if done.send(Done::Kept(record.clone())).is_err() {
                return Ok(());
            }
            continue;
        }
        progress.chapter_started(chapter.index, &chapter.title, chapter.utterances.len());
        let mut writer = ChapterWriter::create_as(&dir.join(&chapter.file), rate, options.chapter)?;
        let mut pause = None;
        let mut cues = Vec::with_capacity(chapter.utterances.len());
        for (k, spoken) in chapter.utterances.iter().enumerate() {
            let audio = loop {
                if is_cancelled() {
                    return Err(NarrateError::Cancelled);
                }
                if let Some(result) = pending.remove(&next) {
                    break result.map_err(|e| {
                        if is_cancelled() {
                            NarrateError::Cancelled
                        } else {
                            e
                        }
                    })?;
                }
                match rx.recv_timeout(Duration::from_millis(200)) {
                    Ok((i, result)) => {
                        pending.insert(i, result);
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        return Err(if is_cancelled() {
                            NarrateError::Cancelled
                        } else {
                            NarrateError::WorkerLost
                        });
                    }
                }
            };
            debug_assert!(std::ptr::eq(jobs[next].1, spoken));
            next += 1;
            queue.advance(next);
            // the silence heard between two utterances is the configured pause: their
            // quiet edges count towards it
            let (lead, trail) = audio.quiet_edges(SILENCE_THRESHOLD);
            if let Some((length, previous_trail)) = pause.take() {
                let quiet = rate.duration(previous_trail + lead);
                writer.pause(Duration::saturating_sub(length, quiet))?;
            }
            let cue = writer.speak(&audio)?;
            if k + 1 < chapter.utterances.len() {
                pause = Some((
                    voice.pauses.after(spoken.utterance.end, options.rate),
                    trail,
                ));
            }
            cues.push(cue);
            progress.utterance_done();
        }
        // a short tail so consecutive chapters do not run into each other
        writer.pause(
            voice
                .pauses
                .after(segment::Boundary::Paragraph, options.rate),
        )?;
        let record = ChapterRecord {
            index: chapter.index,
            title: chapter.title.clone(),
            file: chapter.file.clone(),
            frames: writer.frames(),
            duration: seconds(writer.frames()),
            key: keys[c].clone(),
            loudness: None,
            utterances: Vec::new(),
        };
        let finishing = Finishing {
            work: scope.spawn(move || writer.finish()),
            record,
            heard: Heard {
                chapter,
                cues,
                rate,
            },
        };
        if done.send(Done::Written(finishing)).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// Set by [`cancel`]: no new utterance is started and the chapter being written is dropped.
static CANCELLED: AtomicBool = AtomicBool::new(false);

/// Asks every running [`narrate`] to stop as soon as it can (the binary calls this on
/// Ctrl-C). Finished chapters stay; the one in progress is removed.
pub fn cancel() {
    CANCELLED.store(true, Ordering::SeqCst);
}

pub fn is_cancelled() -> bool {
    CANCELLED.load(Ordering::SeqCst)
}

/// Hash of everything that decides a chapter file's bytes.
fn chapter_key(
    chapter: &PlannedChapter,
    voice: &Voice,
    engine: &dyn Synthesizer,
    options: &RunOptions,
) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    let mut put = |part: &str| {
        hash.update(part.as_bytes());
        hash.update([0]);
    };
    put(env!("CARGO_PKG_VERSION"));
    put(&engine.fingerprint());
    // every option shapes the audio except how many run at once
    put(&format!(
        "{:?}",
        RunOptions {
            jobs: 0,
            ..*options
        }
    ));
    put(&format!("{:?}", voice.pauses));
    put(&chapter.title);
    for spoken in &chapter.utterances {
        put(&spoken.spoken);
        put(&format!("{:?}", spoken.utterance.end));
    }
    hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Synthesizes consecutive utterances (in one engine call when there are several) and
/// brings each to the output rate, trimmed and faded.
fn render(
    group: &[(usize, &Spoken)],
    engine: &dyn Synthesizer,
    rate: SampleRate,
    converter: &mut Option<RateConverter>,
) -> Vec<Result<Audio, RenderError>> {
    let texts: Vec<&str> = group
        .iter()
        .filter(|(_, s)| s.is_speakable())
        .map(|(_, s)| &*s.spoken)
        .collect();
    let mut spoken = match texts[..] {
        [text] => vec![engine.synthesize(text)],
        _ => engine.synthesize_batch(&texts),
    }
    .into_iter();
    group
        .iter()
        .map(|(_, s)| {
            if !s.is_speakable() {
                return Ok(Audio {
                    samples: Vec::new(),
                    rate,
                });
            }
            let audio = spoken.next().unwrap_or_else(|| {
                Err(SynthError::Io {
                    program: engine.id().to_owned(),
                    source: std::io::Error::other(
                        "the engine returned fewer utterances than asked",
                    ),
                })
            })?;
            finish(audio, rate, converter)
        })
        .collect()
}

/// Trims, resamples and fades one utterance's audio.
fn finish(
    mut audio: Audio,
    rate: SampleRate,
    converter: &mut Option<RateConverter>,
) -> Result<Audio, RenderError> {
    audio.trim_silence(SILENCE_THRESHOLD, EDGE_MARGIN);
    if converter
        .as_ref()
        .is_none_or(|c| c.from_rate() != audio.rate)
    {
        *converter = Some(RateConverter::new(audio.rate, rate)?);
    }
    let converter = converter.as_mut().expect("set just above");
    let mut audio = converter.convert(audio)?;
    audio.fade_edges(EDGE_FADE);
    Ok(audio)
}

/// A failure inside a worker, before it knows which chapter it belongs to.
#[derive(Debug, thiserror::Error)]
enum RenderError {
    #[error(transparent)]
    Synth(#[from] SynthError),
    #[error(transparent)]
    Resample(#[from] ResampleError),
}

impl RenderError {
    fn located(self, chapter: &PlannedChapter, spoken: &Spoken) -> NarrateError {
        match self {
            RenderError::Synth(source) => NarrateError::Synth {
                chapter: chapter.index,
                title: chapter.title.clone(),
                id: spoken.utterance.id,
                line: spoken.utterance.line,
                preview: preview(&spoken.spoken),
                source: Box::new(source),
            },
            RenderError::Resample(source) => NarrateError::Resample {
                chapter: chapter.index,
                source,
            },
        }
    }
}

/// The first characters of an utterance, for messages.
fn preview(text: &str) -> String {
    const MAX: usize = 30;
    let mut out: String = text.chars().take(MAX).collect();
    if text.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// Hands out groups of jobs in order, none starting more than `window` jobs ahead of the
/// writer.
struct Queue {
    next: AtomicUsize,
    written: Mutex<usize>,
    moved: Condvar,
    /// Seconds of audio (estimated) that may be rendered ahead of the writer.
    ahead: f64,
    /// The jobs of each group.
    groups: Vec<std::ops::Range<usize>>,
    /// Estimated seconds of audio of the jobs before each job (one more entry than jobs).
    seconds_before: Vec<f64>,
    stopped: AtomicBool,
}

/// Audio that each worker (and one more) may render ahead of the writer, and how long a
/// spoken character lasts, roughly (Mandarin with espeak-ng: 0.29 s on the seed article).
/// At 60 s the most audio ever waiting grew with the length of the run (peak RSS 43 MB
/// for 100 kB of text, 57 MB for 1 MB); at 30 s workers waited on the writer.
const AUDIO_AHEAD_PER_WORKER: f64 = 45.0;
/// Characters spoken in one engine call at most (about 50 s of audio), however many
/// utterances the voice's `batch` allows.
const BATCH_CHARS: usize = 160;
const SECONDS_PER_CHAR: f64 = 0.3;

impl Queue {
    fn new(ahead: f64, groups: &[std::ops::Range<usize>], seconds_before: Vec<f64>) -> Self {
        Queue {
            next: AtomicUsize::new(0),
            written: Mutex::new(0),
            moved: Condvar::new(),
            ahead,
            groups: groups.to_vec(),
            seconds_before,
            stopped: AtomicBool::new(false),
        }
    }

    /// The next group to do, waiting while the writer is too far behind; `None` when all
    /// are handed out or the run stopped.
    fn take(&self) -> Option<usize> {
        if is_cancelled() {
            return None;
        }
        let g = self.next.fetch_add(1, Ordering::SeqCst);
        let group = self.groups.get(g)?.clone();
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        // the group the writer waits for always goes; later ones while the audio between
        // the writer and their end stays within `ahead`
        while group.start > *written
            && self.seconds_before[group.end] - self.seconds_before[*written] > self.ahead
            && !self.stopped.load(Ordering::SeqCst)
        {
            written = self.moved.wait(written).unwrap_or_else(|e| e.into_inner());
        }
        (!self.stopped.load(Ordering::SeqCst)).then_some(g)
    }

    /// The writer has consumed jobs `..written`.
    fn advance(&self, written: usize) {
        *self.written.lock().unwrap_or_else(|e| e.into_inner()) = written;
        self.moved.notify_all();
    }

    /// Releases every waiting worker; no new job is handed out.
    fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.next.store(usize::MAX / 2, Ordering::SeqCst);
        self.moved.notify_all();
    }
}
