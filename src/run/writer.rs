//! Writer: rendered utterances (in any order) → chapter files, in order, with the pauses
//! between utterances; each finished chapter goes to the lister while the next is written.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use super::lister::Lister;
use super::queue::Queue;
use super::render::SILENCE_THRESHOLD;
use super::{Place, RunError, RunOptions};
use crate::audio::{Audio, SampleRate};
use crate::chapter::ChapterWriter;
use crate::output::{self, ChapterRecord, Manifest, UtteranceRecord};
use crate::plan::Plan;
use crate::progress::Progress;
use crate::segment;
use crate::voice::Voice;

/// What the writer works from: the plan and what it keeps from an earlier run, where the
/// files go, and where rendered utterances arrive.
#[derive(Clone, Copy)]
pub(super) struct Writer<'a> {
    pub(super) plan: &'a Plan,
    pub(super) keys: &'a [String],
    pub(super) kept: &'a [Option<ChapterRecord>],
    pub(super) voice: &'a Voice,
    pub(super) options: &'a RunOptions,
    pub(super) dir: &'a Path,
    pub(super) manifest_path: &'a Path,
    pub(super) rx: &'a mpsc::Receiver<(Place, Result<Audio, RunError>)>,
    pub(super) queue: &'a Queue<'a>,
    pub(super) progress: &'a dyn Progress,
}

/// Receives rendered utterances (in any order) and writes them in order, chapter by
/// chapter. A finished chapter is levelled on a thread of its own, and listed in the
/// manifest by another, while the next one is written: the writer never waits on either
/// (unless [`LEVELLING_AHEAD`] chapters are still being levelled), since workers that wait
/// on the writer hold their audio meanwhile. Stops at the first error; finished chapters
/// stay.
pub(super) fn write_chapters(writer: &Writer, manifest: &mut Manifest) -> Result<(), RunError> {
    std::thread::scope(|scope| {
        let (done, arrived) = mpsc::sync_channel::<Done>(LEVELLING_AHEAD);
        let lister = Lister {
            dir: writer.dir,
            manifest_path: writer.manifest_path,
            subtitles: &writer.options.subtitles,
            progress: writer.progress,
        };
        let lister = scope.spawn(move || lister.list_in_order(arrived, manifest));
        let written = write_in_order(writer, scope, &done);
        drop(done);
        // the chapters being levelled are kept whatever happened after them
        let listed = lister.join().map_err(|_| RunError::WorkerLost)?;
        written.and(listed)
    })
}

/// Chapters finished while the next is written, at most (more, and the writer waits).
const LEVELLING_AHEAD: usize = 2;

/// A chapter for the manifest, in order: kept from an earlier run, or just written.
pub(super) enum Done<'scope> {
    Kept(ChapterRecord),
    Written(Finishing<'scope>),
}

/// A chapter whose utterances are all written, being levelled and renamed into place.
pub(super) struct Finishing<'scope> {
    work: std::thread::ScopedJoinHandle<
        'scope,
        Result<crate::chapter::WrittenChapter, output::OutputError>,
    >,
    /// Its record, with its utterances, less what only the finished file tells.
    record: ChapterRecord,
    rate: SampleRate,
}

impl Finishing<'_> {
    /// Waits for the file; its whole record.
    pub(super) fn complete(self) -> Result<ChapterRecord, RunError> {
        let written = self.work.join().map_err(|_| RunError::WorkerLost)??;
        Ok(ChapterRecord {
            frames: written.frames,
            duration: self.rate.duration(written.frames).as_secs_f64(),
            loudness: Some(written.loudness),
            ..self.record
        })
    }
}

/// Writes the chapters, handing each finished one (or one kept from an earlier run) to
/// `done`; returns early, without error, when nothing takes them any more (the lister
/// stopped at an error of its own, which it reports).
fn write_in_order<'scope>(
    writer: &Writer,
    scope: &'scope std::thread::Scope<'scope, '_>,
    done: &mpsc::SyncSender<Done<'scope>>,
) -> Result<(), RunError> {
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
    let mut pending: BTreeMap<Place, Result<Audio, RunError>> = BTreeMap::new();
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
        // where each utterance is heard: the chapter's records, made once
        let mut heard = Vec::with_capacity(chapter.utterances.len());
        for (k, spoken) in chapter.utterances.iter().enumerate() {
            let audio = loop {
                if options.cancel.is_cancelled() {
                    return Err(RunError::Cancelled);
                }
                if let Some(result) = pending.remove(&(slot, k)) {
                    break result.map_err(|e| {
                        if options.cancel.is_cancelled() {
                            RunError::Cancelled
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
                        return Err(if options.cancel.is_cancelled() {
                            RunError::Cancelled
                        } else {
                            RunError::WorkerLost
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
            heard.push(UtteranceRecord {
                id: spoken.utterance.id,
                line: spoken.utterance.line,
                written: spoken.utterance.text.clone(),
                text: spoken.spoken.clone(),
                start: seconds(cue.start),
                end: seconds(cue.end),
                // with a dialogue voice, each utterance names the voice that says it
                voice: voice.dialogue.as_ref().map(|dialogue| {
                    if spoken.utterance.dialogue {
                        dialogue.clone()
                    } else {
                        voice.name.clone()
                    }
                }),
            });
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
            level: chapter.level,
            file: chapter.file.clone(),
            frames: writer.frames(),
            duration: seconds(writer.frames()),
            key: keys[c].clone(),
            loudness: None,
            utterances: heard,
        };
        let finishing = Finishing {
            work: scope.spawn(move || writer.finish()),
            record,
            rate,
        };
        slot += 1;
        if done.send(Done::Written(finishing)).is_err() {
            return Ok(());
        }
    }
    Ok(())
}
