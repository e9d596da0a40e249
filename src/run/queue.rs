//! Queue: hands the utterances of the chapters to write to the workers, in order and in
//! groups an engine speaks in one call, never too far ahead of the writer; a chapter is
//! planned when first needed and let go once written.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use super::{CancelToken, Place};
use crate::plan::{Plan, PlannedChapter};

/// Audio that each worker (and one more) may render ahead of the writer, and how long a
/// spoken character lasts, roughly (Mandarin with espeak-ng: 0.29 s on the seed article).
/// At 60 s the most audio ever waiting grew with the length of the run (peak RSS 43 MB
/// for 100 kB of text, 57 MB for 1 MB); at 30 s workers waited on the writer.
pub(super) const AUDIO_AHEAD_PER_WORKER: f64 = 45.0;
/// Characters spoken in one engine call at most (about 50 s of audio), however many
/// utterances the voice's `batch` allows.
const BATCH_CHARS: usize = 160;
const SECONDS_PER_CHAR: f64 = 0.3;

/// Hands out the work in order: groups of consecutive utterances of a chapter (spoken by
/// the engine in one call), none ending more than `ahead` seconds of audio (estimated)
/// past the writer. A chapter is planned when first needed, by a worker or the writer,
/// and let go when the writer is past it.
pub(super) struct Queue<'a> {
    plan: &'a Plan,
    cancel: &'a CancelToken,
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
pub(super) struct Work {
    pub(super) chapter: Arc<PlannedChapter>,
    /// The chapter's place among those written.
    pub(super) slot: usize,
    /// Its utterances in the group.
    pub(super) range: Range<usize>,
}

impl<'a> Queue<'a> {
    pub(super) fn new(
        plan: &'a Plan,
        chapters: &'a [usize],
        batch: usize,
        ahead: f64,
        cancel: &'a CancelToken,
    ) -> Self {
        Queue {
            plan,
            cancel,
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
    pub(super) fn chapter(&self, slot: usize) -> Arc<PlannedChapter> {
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
                Some(group)
                    if group.len() < self.batch
                        && group_chars + chars <= BATCH_CHARS
                        && planned.utterances[group.start].utterance.dialogue
                            == spoken.utterance.dialogue =>
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
        Chapter {
            planned: Arc::new(planned),
            groups,
            seconds_before,
        }
    }

    /// The next group to do, waiting while the writer is too far behind; `None` when all
    /// are handed out or the run stopped.
    pub(super) fn take(&self) -> Option<Work> {
        let mut window = self.lock();
        let (slot, chapter, range) = loop {
            let (slot, g) = window.next;
            if self.cancel.is_cancelled()
                || self.stopped.load(Ordering::SeqCst)
                || slot >= self.chapters.len()
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
    pub(super) fn advance(&self, slot: usize, written: usize) {
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
    pub(super) fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.moved.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Document, Paragraph, Section};
    use crate::voice::Voice;
    use std::path::Path;
    use std::sync::mpsc;
    use std::time::Duration;

    /// `chapters` chapters of `sentences` sentences of 10 characters each.
    fn book(chapters: usize, sentences: usize) -> Plan {
        let sections = (0..chapters)
            .map(|c| Section {
                paragraphs: vec![Paragraph::new(
                    "今天天气很好我们出发。".repeat(sentences),
                    c * 3 + 2,
                )],
                ..Section::headed(format!("第{}章", c + 1), 1, c * 3 + 1)
            })
            .collect();
        let document = Document {
            sections,
            ..Document::default()
        };
        let voice = Voice::find("zh-CN-espeak").unwrap();
        crate::plan::plan_document(Path::new("书.txt"), document, &voice, true)
    }

    #[test]
    fn the_queue_hands_out_every_utterance_once_in_order_and_lets_written_chapters_go() {
        let plan = book(6, 7);
        let chapters: Vec<usize> = (0..plan.chapters.len()).collect();
        let cancel = CancelToken::new();
        let queue = Queue::new(&plan, &chapters, 3, 1e9, &cancel);
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
        let cancel = CancelToken::new();
        let queue = Queue::new(&plan, &chapters, 1, 5.0, &cancel);
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
