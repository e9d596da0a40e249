//! Run: a [`Plan`] → synthesized in parallel, chapters written in order, and the manifest.
//!
//! Utterances of the whole document form one queue, so workers never wait at a chapter
//! boundary; a bounded window keeps them at most a few utterances ahead of the writer, and
//! a chapter's utterances are planned when first needed and let go once it is written, so
//! memory does not grow with the length of the book.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::Duration;

use crate::audio::{Audio, SampleRate};
use crate::chapter::{ChapterFormat, ChapterWriter, Cue};
use crate::output::{self, ChapterRecord, Manifest, UtteranceRecord};
use crate::plan::{ChapterOutline, Plan, PlannedChapter, Spoken};
use crate::progress::Progress;
use crate::resample::{RateConverter, ResampleError};
use crate::segment::{self, UtteranceId};
use crate::subtitles::{self, BookInfo, SubtitleFormat};
use crate::synth::{SynthError, Synthesizer};
use crate::voice::Voice;

/// Silence kept around each utterance after trimming, and the fade at each edge.
const EDGE_MARGIN: Duration = Duration::from_millis(30);
const EDGE_FADE: Duration = Duration::from_millis(5);
/// Below this fraction of an utterance's own peak counts as silence when trimming.
const SILENCE_THRESHOLD: f32 = 0.01;

/// Settings of a run that come from the command line.
#[derive(Debug, Clone, PartialEq)]
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

/// Synthesizes every chapter of `plan` into `dir`, with its subtitles, and writes
/// `dir/manifest.json`. The manifest is rewritten after each chapter, so a failed run still
/// lists what it finished. Returns the manifest's chapters without their utterances, which
/// only manifest.json lists: a book's utterances are never all in memory at once.
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
    );
    let (tx, rx) = mpsc::channel::<(Place, Result<Audio, NarrateError>)>();

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
    rx: &'a mpsc::Receiver<(Place, Result<Audio, NarrateError>)>,
    queue: &'a Queue<'a>,
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
        let lister = Lister {
            plan: writer.plan,
            dir: writer.dir,
            manifest_path: writer.manifest_path,
            subtitles: &writer.options.subtitles,
            progress: writer.progress,
        };
        let lister = scope.spawn(move || lister.list_in_order(arrived, manifest));
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
enum Done<'scope> {
    Kept(ChapterRecord),
    Written(Finishing<'scope>),
}

/// What the lister works from.
#[derive(Clone, Copy)]
struct Lister<'a> {
    plan: &'a Plan,
    dir: &'a Path,
    manifest_path: &'a Path,
    subtitles: &'a BTreeSet<SubtitleFormat>,
    progress: &'a dyn Progress,
}

impl Lister<'_> {
    /// Lists chapters in the manifest as they are done, in order, rewriting it each time,
    /// and writes each one's subtitles; stops at the first error. A written chapter's
    /// utterances are listed from its plan and cues, and made into records (planned again)
    /// only while they are written out: a book's records would otherwise grow with every
    /// chapter. `manifest` gets the written chapters without them.
    fn list_in_order(
        self,
        arrived: mpsc::Receiver<Done<'_>>,
        manifest: &mut Manifest,
    ) -> Result<(), NarrateError> {
        let book = BookInfo {
            title: manifest.title.clone(),
            author: manifest.author.clone(),
        };
        let mut heard: Vec<Option<Heard>> = Vec::new();
        // whether manifest.json lacks chapters that `manifest` has
        let mut behind = true;
        for done in arrived {
            match done {
                Done::Kept(record) => {
                    self.progress.chapter_kept(&record);
                    subtitles::write(self.dir, &record, self.subtitles, &book)?;
                    manifest.chapters.push(record);
                    heard.push(None);
                    behind = true;
                }
                Done::Written(finishing) => {
                    let (mut record, in_file) = finishing.complete()?;
                    // the record as the manifest lists it, while it is reported
                    record.utterances = in_file.records(self.plan);
                    self.progress.chapter_written(&record);
                    subtitles::write(self.dir, &record, self.subtitles, &book)?;
                    record.utterances = Vec::new();
                    manifest.chapters.push(record);
                    heard.push(Some(in_file));
                    self.write_manifest(manifest, &heard)?;
                    behind = false;
                }
            }
        }
        if behind {
            self.write_manifest(manifest, &heard)?;
        }
        Ok(())
    }

    /// Writes `manifest`, the utterances of its written chapters made from `heard`.
    fn write_manifest(
        &self,
        manifest: &Manifest,
        heard: &[Option<Heard>],
    ) -> Result<(), NarrateError> {
        let utterances = |i: usize| heard[i].as_ref().map(|h| h.records(self.plan));
        Ok(output::write_manifest_with(
            self.manifest_path,
            manifest,
            &utterances,
        )?)
    }
}

/// A chapter whose utterances are all written, being levelled and renamed into place.
struct Finishing<'scope> {
    work: std::thread::ScopedJoinHandle<
        'scope,
        Result<crate::chapter::WrittenChapter, output::Error>,
    >,
    /// Its record, less what only the finished file tells, and without utterances...
    record: ChapterRecord,
    /// ...which are here.
    heard: Heard,
}

impl Finishing<'_> {
    /// Waits for the file; its record and where its utterances are heard.
    fn complete(self) -> Result<(ChapterRecord, Heard), NarrateError> {
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
struct Heard {
    /// The chapter's place in the plan.
    chapter: usize,
    /// One per utterance, in order.
    cues: Vec<Cue>,
    rate: SampleRate,
}

impl Heard {
    fn records(&self, plan: &Plan) -> Vec<UtteranceRecord> {
        let seconds = |frames: usize| self.rate.duration(frames).as_secs_f64();
        plan.chapter(self.chapter)
            .utterances
            .into_iter()
            .zip(&self.cues)
            .map(|(spoken, cue)| UtteranceRecord {
                id: spoken.utterance.id,
                line: spoken.utterance.line,
                written: spoken.utterance.text,
                text: spoken.spoken,
                start: seconds(cue.start),
                end: seconds(cue.end),
            })
            .collect()
    }
}

/// Writes the chapters, handing each finished one (or one kept from an earlier run) to
/// `done`; returns early, without error, when nothing takes them any more (the lister
/// stopped at an error of its own, which it reports).
fn write_in_order<'scope>(
    writer: &Writer,
    scope: &'scope std::thread::Scope<'scope, '_>,
    done: &mpsc::SyncSender<Done<'scope>>,
) -> Result<(), NarrateError> {
    let Writer {
        plan,
        keys,
        kept,
        voice,
        options,
        dir,
        manifest_path: _,
        rx,
        queue,
        progress,
    } = *writer;
    let rate = options.sample_rate;
    let seconds = |frames: usize| rate.duration(frames).as_secs_f64();
    let mut pending: BTreeMap<Place, Result<Audio, NarrateError>> = BTreeMap::new();
    // the chapter's place among those written
    let mut slot = 0;
    for c in 0..plan.chapters.len() {
        if let Some(record) = &kept[c] {
            if done.send(Done::Kept(record.clone())).is_err() {
                return Ok(());
            }
            continue;
        }
        let chapter = queue.chapter(slot);
        progress.chapter_started(chapter.index, &chapter.title, chapter.utterances.len());
        let mut writer = ChapterWriter::create_as(&dir.join(&chapter.file), rate, options.chapter)?;
        let mut pause = None;
        let mut cues = Vec::with_capacity(chapter.utterances.len());
        for (k, spoken) in chapter.utterances.iter().enumerate() {
            let audio = loop {
                if is_cancelled() {
                    return Err(NarrateError::Cancelled);
                }
                if let Some(result) = pending.remove(&(slot, k)) {
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
            queue.advance(slot, k + 1);
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
                chapter: c,
                cues,
                rate,
            },
        };
        slot += 1;
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
    chapter: &ChapterOutline,
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
    // what shapes the audio (not how many run at once, nor the subtitles)
    put(&format!(
        "{:?} {:?} {:?}",
        options.sample_rate, options.rate, options.chapter
    ));
    put(&format!("{:?}", voice.pauses));
    hash.update(chapter.said);
    hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Synthesizes consecutive utterances (in one engine call when there are several) and
/// brings each to the output rate, trimmed and faded.
fn render(
    group: &[Spoken],
    engine: &dyn Synthesizer,
    rate: SampleRate,
    converter: &mut Option<RateConverter>,
) -> Vec<Result<Audio, RenderError>> {
    let texts: Vec<&str> = group
        .iter()
        .filter(|s| s.is_speakable())
        .map(|s| &*s.spoken)
        .collect();
    let mut spoken = match texts[..] {
        [text] => vec![engine.synthesize(text)],
        _ => engine.synthesize_batch(&texts),
    }
    .into_iter();
    group
        .iter()
        .map(|s| {
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

/// Audio that each worker (and one more) may render ahead of the writer, and how long a
/// spoken character lasts, roughly (Mandarin with espeak-ng: 0.29 s on the seed article).
/// At 60 s the most audio ever waiting grew with the length of the run (peak RSS 43 MB
/// for 100 kB of text, 57 MB for 1 MB); at 30 s workers waited on the writer.
const AUDIO_AHEAD_PER_WORKER: f64 = 45.0;
/// Characters spoken in one engine call at most (about 50 s of audio), however many
/// utterances the voice's `batch` allows.
const BATCH_CHARS: usize = 160;
const SECONDS_PER_CHAR: f64 = 0.3;

/// Hands out the work in order: groups of consecutive utterances of a chapter (spoken by
/// the engine in one call), none ending more than `ahead` seconds of audio (estimated)
/// past the writer. A chapter is planned when first needed, by a worker or the writer,
/// and let go when the writer is past it.
struct Queue<'a> {
    plan: &'a Plan,
    /// The chapters to write (places in the plan), in order.
    chapters: &'a [usize],
    /// Utterances per engine call at most.
    batch: usize,
    /// Seconds of audio (estimated) that may be rendered ahead of the writer.
    ahead: f64,
    state: Mutex<Window>,
    moved: Condvar,
    stopped: AtomicBool,
}

/// The chapters between the writer and the work handed out last.
struct Window {
    /// Planned chapters from the writer's on, in order.
    planned: VecDeque<Arc<Chapter>>,
    /// The place (in `Queue::chapters`) of the first of `planned`.
    first: usize,
    /// The utterance the writer waits for.
    writer: Place,
    /// Estimated seconds of audio before it, from the start of the run.
    writer_seconds: f64,
    /// The next group to hand out: a chapter's place and the group's in that chapter.
    next: (usize, usize),
    /// Estimated seconds of audio in the chapters planned so far.
    seconds_planned: f64,
}

/// A planned chapter cut into groups.
struct Chapter {
    planned: Arc<PlannedChapter>,
    groups: Vec<Range<usize>>,
    /// Estimated seconds of audio before each utterance from the start of the run, and
    /// one more entry for the end of the chapter.
    seconds_before: Vec<f64>,
}

/// A group for a worker.
struct Work {
    chapter: Arc<PlannedChapter>,
    /// The chapter's place among those written.
    slot: usize,
    /// Its utterances in the group.
    range: Range<usize>,
}

impl<'a> Queue<'a> {
    fn new(plan: &'a Plan, chapters: &'a [usize], batch: usize, ahead: f64) -> Self {
        Queue {
            plan,
            chapters,
            batch,
            ahead,
            state: Mutex::new(Window {
                planned: VecDeque::new(),
                first: 0,
                writer: (0, 0),
                writer_seconds: 0.0,
                next: (0, 0),
                seconds_planned: 0.0,
            }),
            moved: Condvar::new(),
            stopped: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Window> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The chapter at `slot` among those to write, planned now if it is not yet.
    fn chapter(&self, slot: usize) -> Arc<PlannedChapter> {
        let mut window = self.lock();
        Arc::clone(&self.planned(&mut window, slot).planned)
    }

    /// The chapter at `slot`, planning the chapters up to it that are not yet. Never one
    /// the writer is past: work is handed out in order, and the writer waits for it.
    fn planned<'w>(&self, window: &'w mut Window, slot: usize) -> &'w Arc<Chapter> {
        while window.first + window.planned.len() <= slot {
            let place = window.first + window.planned.len();
            let chapter = self.cut(
                self.plan.chapter(self.chapters[place]),
                window.seconds_planned,
            );
            window.seconds_planned = chapter.seconds_before.last().copied().unwrap_or_default();
            window.planned.push_back(Arc::new(chapter));
        }
        &window.planned[slot - window.first]
    }

    /// Cuts a chapter into groups, its audio starting `seconds` into the run.
    fn cut(&self, planned: PlannedChapter, seconds: f64) -> Chapter {
        let mut groups: Vec<Range<usize>> = Vec::new();
        let mut group_chars = 0;
        let mut seconds_before = Vec::with_capacity(planned.utterances.len() + 1);
        seconds_before.push(seconds);
        for (i, spoken) in planned.utterances.iter().enumerate() {
            let chars = spoken.spoken.chars().count();
            let estimate = chars.max(1) as f64 * SECONDS_PER_CHAR;
            seconds_before.push(seconds_before.last().copied().unwrap_or_default() + estimate);
            match groups.last_mut() {
                // a batch's audio is in memory several times over while it is split and
                // resampled: at most BATCH_CHARS characters
                Some(group) if group.len() < self.batch && group_chars + chars <= BATCH_CHARS => {
                    group.end = i + 1;
                    group_chars += chars;
                }
                _ => {
                    groups.push(i..i + 1);
                    group_chars = chars;
                }
            }
        }
        Chapter {
            planned: Arc::new(planned),
            groups,
            seconds_before,
        }
    }

    /// The next group to do, waiting while the writer is too far behind; `None` when all
    /// are handed out or the run stopped.
    fn take(&self) -> Option<Work> {
        let mut window = self.lock();
        let (slot, chapter, range) = loop {
            let (slot, g) = window.next;
            if is_cancelled() || self.stopped.load(Ordering::SeqCst) || slot >= self.chapters.len()
            {
                return None;
            }
            let chapter = Arc::clone(self.planned(&mut window, slot));
            match chapter.groups.get(g).cloned() {
                Some(range) => {
                    // on to the next chapter as soon as this one is handed out: the writer
                    // may then be done with it before the next call
                    window.next = match g + 1 < chapter.groups.len() {
                        true => (slot, g + 1),
                        false => (slot + 1, 0),
                    };
                    break (slot, chapter, range);
                }
                None => window.next = (slot + 1, 0),
            }
        };
        let end_seconds = chapter.seconds_before[range.end];
        // the group the writer waits for always goes; later ones while the audio between
        // the writer and their end stays within `ahead`
        while (slot, range.start) > window.writer
            && end_seconds - window.writer_seconds > self.ahead
            && !self.stopped.load(Ordering::SeqCst)
        {
            window = self.moved.wait(window).unwrap_or_else(|e| e.into_inner());
        }
        (!self.stopped.load(Ordering::SeqCst)).then(|| Work {
            chapter: Arc::clone(&chapter.planned),
            slot,
            range,
        })
    }

    /// The writer has consumed the first `written` utterances of the chapter at `slot`;
    /// a finished chapter is let go.
    fn advance(&self, slot: usize, written: usize) {
        let mut window = self.lock();
        let chapter = self.planned(&mut window, slot);
        let seconds = chapter.seconds_before[written];
        window.writer = if written < chapter.planned.utterances.len() {
            (slot, written)
        } else {
            (slot + 1, 0)
        };
        window.writer_seconds = seconds;
        while window.first < window.writer.0 && !window.planned.is_empty() {
            window.planned.pop_front();
            window.first += 1;
        }
        self.moved.notify_all();
    }

    /// Releases every waiting worker; no new job is handed out.
    fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.moved.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Document, Paragraph, Section};

    /// `chapters` chapters of `sentences` sentences of 10 characters each.
    fn book(chapters: usize, sentences: usize) -> Plan {
        let sections = (0..chapters)
            .map(|c| Section {
                title: Some(format!("第{}章", c + 1)),
                line: c * 3 + 1,
                paragraphs: vec![Paragraph {
                    text: "今天天气很好我们出发。".repeat(sentences),
                    line: c * 3 + 2,
                }],
            })
            .collect();
        let document = Document {
            sections,
            ..Document::default()
        };
        let voice = Voice::find("zh-CN").unwrap();
        crate::plan::plan_document(Path::new("书.txt"), document, &voice, true)
    }

    #[test]
    fn the_queue_hands_out_every_utterance_once_in_order_and_lets_written_chapters_go() {
        let plan = book(6, 7);
        let chapters: Vec<usize> = (0..plan.chapters.len()).collect();
        let queue = Queue::new(&plan, &chapters, 3, 1e9);
        let mut handed = Vec::new();
        while let Some(work) = queue.take() {
            let texts: usize = work.chapter.utterances[work.range.clone()]
                .iter()
                .map(|s| s.spoken.chars().count())
                .sum();
            assert!(
                work.range.len() <= 3 && texts <= BATCH_CHARS,
                "{:?}",
                work.range
            );
            handed.extend(work.range.clone().map(|i| (work.slot, i)));
            // the writer, right behind: only the chapter it writes (and the next, once
            // handed out) stays planned
            queue.advance(work.slot, work.range.end);
            assert!(queue.lock().planned.len() <= 1);
        }
        let expected: Vec<Place> = chapters
            .iter()
            .flat_map(|&c| (0..plan.chapters[c].utterances).map(move |i| (c, i)))
            .collect();
        assert_eq!(handed, expected);
    }

    #[test]
    fn a_worker_waits_while_the_writer_is_too_far_behind_and_stop_releases_it() {
        let plan = book(2, 4);
        let texts: Vec<String> = plan
            .chapter(0)
            .utterances
            .iter()
            .map(|s| s.spoken.to_string())
            .collect();
        assert_eq!(
            texts[..3],
            ["第一章", "今天天气很好我们出发。", "今天天气很好我们出发。"]
        );
        let chapters = [0, 1];
        // one utterance a group: 0.9 s, then 3.3 s each; 5 s may be ahead of the writer
        let queue = Queue::new(&plan, &chapters, 1, 5.0);
        /// Stops the queue however the test ends, so that the worker below always ends.
        struct Stop<'q, 'a>(&'q Queue<'a>);
        impl Drop for Stop<'_, '_> {
            fn drop(&mut self) {
                self.0.stop();
            }
        }
        let first = queue.take().unwrap();
        let second = queue.take().unwrap();
        assert_eq!((first.range.clone(), second.range.clone()), (0..1, 1..2));
        std::thread::scope(|scope| {
            let stop = Stop(&queue);
            let (tx, rx) = mpsc::channel();
            let queue = &queue;
            scope.spawn(move || {
                while let Some(work) = queue.take() {
                    let _ = tx.send((work.slot, work.range.start));
                }
            });
            // the third would end 7.5 s into the run
            assert!(
                rx.recv_timeout(Duration::from_millis(200)).is_err(),
                "waits"
            );
            queue.advance(0, 1);
            assert!(
                rx.recv_timeout(Duration::from_millis(200)).is_err(),
                "6.6 s ahead"
            );
            queue.advance(0, 2);
            assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok((0, 2)));
            assert!(
                rx.recv_timeout(Duration::from_millis(200)).is_err(),
                "waits again"
            );
            drop(stop);
            assert_eq!(
                rx.recv_timeout(Duration::from_secs(5)),
                Err(mpsc::RecvTimeoutError::Disconnected)
            );
        });
    }
}
