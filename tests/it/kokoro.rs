//! The Kokoro voices (Kokoro-82M v1.0 on ONNX Runtime): the ids misaki gives, the seed
//! narrated to its gold chapters and heard back by the recognizer, and dialogue read by a
//! male voice while a female one narrates. Needs `scripts/setup-kokoro.sh` (CI runs it; a
//! missing model fails there and is reported loudly elsewhere).

use std::path::Path;

use narrate::synth::kokoro::{Kokoro, KokoroSettings, MODEL_FILE, RUNTIME_FILE, default_dir};
use serde_json::Value;

use crate::{fixture, narrate_in, seed, stderr};

fn installed() -> bool {
    let dir = default_dir();
    let ready = [MODEL_FILE, RUNTIME_FILE, "voices/zm_yunxi.bin"]
        .iter()
        .all(|f| dir.join(f).is_file());
    if !ready {
        crate::missing("the Kokoro model (scripts/setup-kokoro.sh)");
    }
    ready
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// misaki 0.9.4's ids for the golden sentences, wherever narrate's phonemes are misaki's
/// (all but the lexicon's words, which the frontend's unit test checks).
#[test]
fn ids_are_misakis_on_the_golden_sentences() {
    if !installed() {
        return;
    }
    let settings = KokoroSettings {
        speaker: "zf_xiaoxiao".into(),
        model_dir: None,
        sandhi: false,
        threads: Some(1),
    };
    let engine = Kokoro::new(&settings, 1.0, 1);
    let cases: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(fixture("kokoro/misaki-golden.json")).unwrap(),
    )
    .unwrap();
    let differing: Vec<String> = std::fs::read_to_string(fixture("kokoro/differences.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .collect();
    let mut equal = 0;
    for case in &cases {
        let text = case["text"].as_str().unwrap();
        let expected: Vec<i64> = serde_json::from_value(case["ids"].clone()).unwrap();
        let ids = engine.ids(text).unwrap();
        if differing.iter().any(|w| text.contains(w.as_str())) {
            continue;
        }
        assert_eq!(ids, expected, "{text}");
        equal += 1;
    }
    assert!(equal >= 70, "{equal} sentences compared");
}

/// The seed in a Kokoro voice: the five gold chapters, and every utterance heard back by
/// `narrate check` (none flagged).
#[test]
fn the_seed_in_a_kokoro_voice_has_its_chapters_and_passes_the_check() {
    if !installed() {
        return;
    }
    if let Err(e) = narrate::check::Whisper::installed(1, "zh") {
        return crate::missing(&format!("the recognizer (scripts/setup-check.sh): {e}"));
    }
    let dir = tempfile::tempdir().unwrap();
    let voice = "zh-CN-kokoro-xiaoxiao";
    let out = narrate_in(
        dir.path(),
        &[
            "-q",
            "--voice",
            voice,
            "-o",
            "book",
            seed().to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let book = dir.path().join("book/seed-newspaper-pdf");
    let manifest = read_json(&book.join("manifest.json"));
    let gold = read_json(&fixture("documents/seed-newspaper/gold.json"));
    let titles: Vec<&Value> = manifest["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["title"])
        .collect();
    let expected: Vec<&Value> = gold["sections"].as_array().unwrap().iter().collect();
    assert_eq!(titles, expected);
    assert_eq!(manifest["sample_rate"], 24_000);
    assert!(
        manifest["backend"]
            .as_str()
            .unwrap()
            .starts_with("kokoro/kokoro-v1.0/zf_xiaoxiao"),
        "{}",
        manifest["backend"]
    );
    let out = narrate_in(dir.path(), &["check", "-q", book.to_str().unwrap()]);
    let report = read_json(&book.join("check.json"));
    assert!(out.status.success(), "{}\n{report}", stderr(&out));
    let rate = report["error_rate"].as_f64().unwrap();
    assert!(rate < 0.15, "syllable error rate {rate}");
}

/// The fundamental frequency (Hz) of the voiced frames of `samples` at `rate`, median:
/// autocorrelation over 40 ms frames, 70–400 Hz.
fn median_pitch(samples: &[f32], rate: u32) -> Option<f32> {
    let frame = rate as usize / 25;
    let (min_lag, max_lag) = (rate as usize / 400, rate as usize / 70);
    let mut pitches = Vec::new();
    for chunk in samples.chunks_exact(frame) {
        let energy: f32 = chunk.iter().map(|s| s * s).sum();
        if energy / (frame as f32) < 1e-4 {
            continue;
        }
        let (lag, corr) = (min_lag..=max_lag)
            .map(|lag| {
                let c: f32 = chunk[..frame - lag]
                    .iter()
                    .zip(&chunk[lag..])
                    .map(|(a, b)| a * b)
                    .sum();
                (lag, c)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        // voiced: the period repeats strongly
        if corr > 0.5 * energy {
            pitches.push(rate as f32 / lag as f32);
        }
    }
    pitches.sort_by(f32::total_cmp);
    pitches.get(pitches.len() / 2).copied()
}

/// A male voice reads the quotes of 狂人日记 while a female one narrates: the manifest names
/// each utterance's voice, and the quotes are pitched far lower than the narration.
#[test]
fn kokoro_dialogue_is_read_by_the_second_voice() {
    if !installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("dialogue/kuangren-excerpt.txt");
    let args = [
        "-q",
        "--voice",
        "zh-CN-kokoro-xiaoxiao",
        "--dialogue-voice",
        "zh-CN-kokoro-yunxi",
        input.to_str().unwrap(),
    ];
    let out = narrate_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let book = dir.path().join("output/kuangren-excerpt");
    let manifest = read_json(&book.join("manifest.json"));
    let chapter = &manifest["chapters"][0];
    let mut reader = hound::WavReader::open(book.join(chapter["file"].as_str().unwrap())).unwrap();
    let rate = reader.spec().sample_rate;
    let samples: Vec<f32> = reader
        .samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0)
        .collect();
    let (mut narration, mut dialogue) = (Vec::new(), Vec::new());
    for u in chapter["utterances"].as_array().unwrap() {
        let quoted = u["written"].as_str().unwrap().starts_with('“');
        let voice = u["voice"].as_str().unwrap();
        assert_eq!(
            voice,
            if quoted {
                "zh-CN-kokoro-yunxi"
            } else {
                "zh-CN-kokoro-xiaoxiao"
            },
            "{u}"
        );
        let at = |k: &str| (u[k].as_f64().unwrap() * f64::from(rate)) as usize;
        if let Some(pitch) = median_pitch(&samples[at("start")..at("end")], rate) {
            if quoted {
                &mut dialogue
            } else {
                &mut narration
            }
            .push(pitch);
        }
    }
    assert_eq!(dialogue.len(), 6, "{dialogue:?}");
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    let (female, male) = (mean(&narration), mean(&dialogue));
    // measured: narration 220-270 Hz (mean 243), quotes 159-173 Hz (mean 167)
    assert!(
        male < female * 0.8,
        "narration {female:.0} Hz, dialogue {male:.0} Hz"
    );
}

/// Without its files a Kokoro voice (narrator or dialogue) stops before any work, with one
/// line naming the missing file and the setup script. Needs nothing installed.
#[test]
fn without_its_files_a_kokoro_voice_stops_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("dialogue/kuangren-excerpt.txt");
    for args in [
        vec!["--voice", "zh-CN-kokoro-yunxi"],
        vec![
            "--voice",
            "zh-CN-espeak",
            "--dialogue-voice",
            "zh-CN-kokoro-yunxi",
        ],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_narrate"))
            .args(&args)
            .arg(&input)
            .current_dir(dir.path())
            .env("NARRATE_KOKORO_DIR", dir.path().join("no-model"))
            .env("NARRATE_CACHE_DIR", dir.path().join("cache"))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(
            err.contains("scripts/setup-kokoro.sh") && err.contains("no-model"),
            "{err}"
        );
        assert!(!dir.path().join("output").exists(), "work began");
    }
}
