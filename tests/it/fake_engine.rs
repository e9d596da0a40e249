//! The whole run in process, with an engine written here: every utterance synthesized
//! once, chapters and manifest complete, and a run stopped between two manifest rewrites
//! resumed from its journal.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use narrate::audio::{Audio, SampleRate};
use narrate::plan::{self, Plan};
use narrate::progress::Silent;
use narrate::run::{self, RunOptions};
use narrate::synth::{SynthError, Synthesizer};
use narrate::voice::Voice;
use narrate::{Document, Paragraph, Section};
use serde_json::Value;

const RATE: u32 = 24000;
/// Text of the utterance the held engine stops at (chapter 4).
const HOLD_AT: &str = "停在这里";

/// A tone per utterance, 40 ms per character; counts what it is asked, and can be told
/// to wait at [`HOLD_AT`] until released.
#[derive(Default)]
struct FakeEngine {
    asked: Mutex<BTreeMap<String, usize>>,
    hold: Option<Hold>,
}

#[derive(Default)]
struct Hold {
    released: Mutex<bool>,
    changed: Condvar,
}

impl FakeEngine {
    fn holding() -> Self {
        FakeEngine {
            hold: Some(Hold::default()),
            ..FakeEngine::default()
        }
    }

    fn release(&self) {
        let hold = self.hold.as_ref().unwrap();
        *hold.released.lock().unwrap() = true;
        hold.changed.notify_all();
    }

    fn asked(&self) -> BTreeMap<String, usize> {
        self.asked.lock().unwrap().clone()
    }
}

impl Synthesizer for FakeEngine {
    fn id(&self) -> &str {
        "fake"
    }

    fn synthesize(&self, text: &str) -> Result<Audio, SynthError> {
        *self
            .asked
            .lock()
            .unwrap()
            .entry(text.to_owned())
            .or_default() += 1;
        if let (Some(hold), true) = (&self.hold, text.contains(HOLD_AT)) {
            let mut released = hold.released.lock().unwrap();
            while !*released {
                released = hold.changed.wait(released).unwrap();
            }
        }
        let frames = text.chars().count() * RATE as usize / 25;
        let samples = (0..frames)
            .map(|i| 0.3 * (i as f32 * 440.0 * std::f32::consts::TAU / RATE as f32).sin())
            .collect();
        Ok(Audio {
            samples,
            rate: SampleRate::new(RATE).unwrap(),
        })
    }
}

/// Twelve chapters of two paragraphs; chapter 4 holds [`HOLD_AT`].
fn book() -> Document {
    let sections = (1..=12)
        .map(|n| Section {
            paragraphs: vec![
                Paragraph::new(
                    if n == 4 {
                        format!("{HOLD_AT}，我们等一等。")
                    } else {
                        format!("这是第{n}章的开头，我们出发了。")
                    },
                    n * 10 + 1,
                ),
                Paragraph::new(format!("第{n}章到这里就结束了。"), n * 10 + 2),
            ],
            ..Section::headed(format!("第{n}章 旅途"), 1, n * 10)
        })
        .collect();
    Document {
        title: Some("旅途".into()),
        sections,
        ..Document::default()
    }
}

fn voice() -> Voice {
    Voice::parse(
        "fake",
        "fake.toml",
        "language = \"zh-CN\"\nbackend = \"espeak\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn options() -> RunOptions {
    RunOptions {
        sample_rate: SampleRate::new(RATE).unwrap(),
        jobs: 2,
        rate: 1.0,
        chapter: narrate::chapter::ChapterFormat::default(),
        subtitles: Default::default(),
        cancel: Default::default(),
        record: None,
    }
}

fn plan(voice: &Voice) -> Plan {
    plan::plan_document(Path::new("book.md"), book(), voice, voice.normalize)
}

fn manifest(book: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(book.join("manifest.json")).unwrap()).unwrap()
}

fn hidden_files(book: &Path) -> Vec<String> {
    std::fs::read_dir(book)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

fn journal_lines(book: &Path) -> usize {
    std::fs::read(book.join(".manifest-journal.jsonl"))
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
}

#[test]
fn a_run_in_process_speaks_every_utterance_once_and_lists_every_chapter() {
    let voice = voice();
    let plan = plan(&voice);
    let engine = FakeEngine::default();
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    let returned = run::narrate(&plan, &voice, &engine, &book, &options(), &Silent).unwrap();
    assert_eq!(returned.chapters.len(), 12);

    let manifest = manifest(&book);
    let chapters = manifest["chapters"].as_array().unwrap();
    assert_eq!(chapters.len(), 12);
    let mut listed = Vec::new();
    for chapter in chapters {
        let wav = hound::WavReader::open(book.join(chapter["file"].as_str().unwrap())).unwrap();
        assert_eq!(wav.duration() as u64, chapter["frames"].as_u64().unwrap());
        let end = wav.duration() as f64 / f64::from(RATE);
        let mut last = 0.0;
        for u in chapter["utterances"].as_array().unwrap() {
            let (start, stop) = (u["start"].as_f64().unwrap(), u["end"].as_f64().unwrap());
            assert!(last <= start && start < stop && stop <= end, "{u}");
            last = stop;
            listed.push(u["text"].as_str().unwrap().to_owned());
        }
    }
    let asked = engine.asked();
    assert!(asked.values().all(|&n| n == 1), "{asked:?}");
    let mut asked: Vec<String> = asked.into_keys().collect();
    asked.sort();
    listed.sort();
    assert_eq!(
        asked, listed,
        "what was synthesized is what the manifest lists"
    );
    assert!(hidden_files(&book).is_empty(), "{:?}", hidden_files(&book));
}

#[test]
fn a_run_stopped_between_manifest_rewrites_resumes_from_its_journal() {
    let voice = voice();
    let plan = plan(&voice);
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    let snapshot = dir.path().join("snapshot");
    let engine = FakeEngine::holding();
    std::thread::scope(|scope| {
        let run = scope.spawn(|| run::narrate(&plan, &voice, &engine, &book, &options(), &Silent));
        // chapters 1-3 are done; the engine waits in chapter 4
        let deadline = Instant::now() + Duration::from_secs(60);
        while journal_lines(&book) < 3 {
            assert!(Instant::now() < deadline, "chapter 3 never listed");
            std::thread::sleep(Duration::from_millis(5));
        }
        // what a kill -9 now leaves: manifest.json as rewritten after the 2nd chapter, the
        // 3rd only in the journal
        std::fs::create_dir(&snapshot).unwrap();
        for entry in std::fs::read_dir(&book).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), snapshot.join(entry.file_name())).unwrap();
        }
        engine.release();
        run.join().unwrap().unwrap();
    });
    assert_eq!(manifest(&snapshot)["chapters"].as_array().unwrap().len(), 2);
    assert_eq!(journal_lines(&snapshot), 3);

    let again = FakeEngine::default();
    run::narrate(&plan, &voice, &again, &snapshot, &options(), &Silent).unwrap();
    // exactly the utterances of chapters 4-12, each once
    let mut after_third: Vec<String> = manifest(&book)["chapters"].as_array().unwrap()[3..]
        .iter()
        .flat_map(|c| c["utterances"].as_array().unwrap().clone())
        .map(|u| u["text"].as_str().unwrap().to_owned())
        .collect();
    after_third.sort();
    let asked = again.asked();
    assert!(asked.values().all(|&n| n == 1), "{asked:?}");
    assert_eq!(asked.into_keys().collect::<Vec<_>>(), after_third);
    // the resumed book is the uninterrupted one
    let whole = std::fs::read_to_string(book.join("manifest.json")).unwrap();
    let resumed = std::fs::read_to_string(snapshot.join("manifest.json")).unwrap();
    assert_eq!(resumed, whole);
    assert!(hidden_files(&snapshot).is_empty());
}
