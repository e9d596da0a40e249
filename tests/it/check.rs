//! `narrate check` with the real recognizer on real audio: the seed narrated by the neural
//! voice passes; the same book with utterances replaced, cut, doubled or silenced is
//! flagged at exactly those utterances.

use std::path::{Path, PathBuf};

use narrate::check::{CheckReport, UtteranceCheck, Whisper};
use serde_json::Value;

use crate::{narrate_in, seed, stderr, stdout};

/// Whether the neural voice and the recognizer are installed; says so loudly (or fails
/// under CI) when not.
fn ready() -> bool {
    use narrate::synth::neural::{ACOUSTIC_FILE, default_model_dir};
    if !default_model_dir().join(ACOUSTIC_FILE).is_file() {
        crate::missing("the neural model (scripts/setup-neural.sh)");
        return false;
    }
    if let Err(e) = Whisper::installed(1, "zh") {
        crate::missing(&format!("the recognizer (scripts/setup-check.sh): {e}"));
        return false;
    }
    true
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn report(book: &Path) -> CheckReport {
    serde_json::from_slice(&std::fs::read(book.join("check.json")).unwrap()).unwrap()
}

/// The samples of a 16-bit mono chapter file, and its spec.
fn samples(path: &Path) -> (Vec<i16>, hound::WavSpec) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    (reader.samples::<i16>().map(Result::unwrap).collect(), spec)
}

/// Frames of utterance `u` of `chapter` (JSON, from the manifest) at `rate`.
fn span(utterance: &Value, rate: u32) -> std::ops::Range<usize> {
    let at = |key: &str| (utterance[key].as_f64().unwrap() * f64::from(rate)).round() as usize;
    at("start")..at("end")
}

/// Replaces the audio of utterance `u` of chapter `c` (0-based) in `book` by what `change`
/// makes of it, and moves the times of the manifest to match, as a voice that had said it
/// that way would have left them.
fn splice(book: &Path, c: usize, u: usize, change: impl FnOnce(&[i16]) -> Vec<i16>) {
    let manifest_path = book.join("manifest.json");
    let mut manifest = read_json(&manifest_path);
    let chapter = &mut manifest["chapters"][c];
    let file = book.join(chapter["file"].as_str().unwrap());
    let (mut audio, spec) = samples(&file);
    let range = span(&chapter["utterances"][u], spec.sample_rate);
    let new = change(&audio[range.clone()]);
    let shift = (new.len() as f64 - range.len() as f64) / f64::from(spec.sample_rate);
    audio.splice(range, new);
    let mut writer = hound::WavWriter::create(&file, spec).unwrap();
    for s in &audio {
        writer.write_sample(*s).unwrap();
    }
    writer.finalize().unwrap();
    chapter["frames"] = audio.len().into();
    chapter["duration"] = (audio.len() as f64 / f64::from(spec.sample_rate)).into();
    let utterances = chapter["utterances"].as_array_mut().unwrap();
    let end = utterances[u]["end"].as_f64().unwrap() + shift;
    utterances[u]["end"] = end.into();
    for later in &mut utterances[u + 1..] {
        for key in ["start", "end"] {
            later[key] = (later[key].as_f64().unwrap() + shift).into();
        }
    }
    std::fs::write(
        &manifest_path,
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();
}

fn copy_book(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if path.extension().is_some_and(|e| e == "wav") || name == "manifest.json" {
            std::fs::copy(&path, to.join(name)).unwrap();
        }
    }
}

/// An utterance of chapter `c` (1-based) that the recognizer heard well and that is long
/// enough for a damage to show: the one to damage.
fn well_heard(report: &CheckReport, c: usize) -> &UtteranceCheck {
    report
        .utterances
        .iter()
        .filter(|u| u.chapter == c && u.comparison.syllables >= 12)
        .min_by(|a, b| a.comparison.error_rate.total_cmp(&b.comparison.error_rate))
        .unwrap_or_else(|| panic!("chapter {c} has no utterance of 12 syllables"))
}

/// (chapter, index) 0-based, from an id "c.i".
fn place(id: &str) -> (usize, usize) {
    let (c, i) = id.split_once('.').unwrap();
    (
        c.parse::<usize>().unwrap() - 1,
        i.parse::<usize>().unwrap() - 1,
    )
}

#[test]
fn the_neural_seed_passes_and_each_damaged_utterance_is_flagged_alone() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = narrate_in(dir.path(), &["-q", seed().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let book: PathBuf = dir.path().join("output/seed-newspaper-pdf");

    // the whole book, as the default voice says it, passes under the default threshold
    let out = narrate_in(dir.path(), &["check", book.to_str().unwrap()]);
    let clean = report(&book);
    assert!(
        out.status.success() && clean.passed,
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("passed"), "{}", stdout(&out));
    assert_eq!(
        clean.utterances.len(),
        clean.chapters.iter().map(|c| c.utterances).sum::<usize>()
    );
    assert!(
        clean.chapters.len() >= 5 && clean.seconds > 600.0,
        "{clean:?}"
    );

    // one damage in each of four chapters, to utterances heard well before
    let damaged = dir.path().join("damaged");
    copy_book(&book, &damaged);
    let manifest = read_json(&book.join("manifest.json"));
    let rate = manifest["sample_rate"].as_u64().unwrap() as u32;
    let [replaced, halved, doubled, silenced] =
        [2, 3, 4, 5].map(|c| well_heard(&clean, c).id.clone());
    // another utterance's audio, from chapter 1
    let other = &manifest["chapters"][0]["utterances"][3];
    let (first_chapter, _) = samples(&book.join(manifest["chapters"][0]["file"].as_str().unwrap()));
    let other_audio = first_chapter[span(other, rate)].to_vec();
    let (c, u) = place(&replaced);
    splice(&damaged, c, u, |_| other_audio);
    let (c, u) = place(&halved);
    splice(&damaged, c, u, |audio| audio[..audio.len() / 2].to_vec());
    let (c, u) = place(&doubled);
    splice(&damaged, c, u, |audio| [audio, audio].concat());
    let (c, u) = place(&silenced);
    splice(&damaged, c, u, |audio| vec![0; audio.len()]);

    let out = narrate_in(dir.path(), &["check", damaged.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("FAILED") && text.contains(&halved), "{text}");
    let report = report(&damaged);
    let flagged: Vec<&str> = report
        .utterances
        .iter()
        .filter(|u| u.flagged)
        .map(|u| u.id.as_str())
        .collect();
    let mut expected = vec![
        replaced.as_str(),
        halved.as_str(),
        doubled.as_str(),
        silenced.as_str(),
    ];
    expected.sort_by_key(|id| place(id));
    assert_eq!(flagged, expected, "{text}");
    let find = |id: &str| report.utterances.iter().find(|u| u.id == id).unwrap();
    let halved = find(&halved);
    assert!(
        halved.comparison.stopped_early && !halved.comparison.dropped.is_empty(),
        "{halved:?}"
    );
    let doubled = find(&doubled);
    // heard twice, or heard once (Whisper often merges a repeat) and far too long
    assert!(
        doubled.comparison.repeated || doubled.too_long,
        "{doubled:?}"
    );
    let silenced = find(&silenced);
    assert!(silenced.comparison.error_rate >= 0.9, "{silenced:?}");
    let replaced = find(&replaced);
    assert!(replaced.comparison.error_rate >= 0.6, "{replaced:?}");
}

#[test]
fn a_folder_without_a_manifest_is_named_with_what_to_give() {
    let dir = tempfile::tempdir().unwrap();
    let out = narrate_in(dir.path(), &["check", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("no manifest.json") && err.contains("output/"),
        "{err}"
    );
}

/// A 24 kHz 16-bit mono WAV of `samples`.
fn wav_bytes(samples: &[i16], rate: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::new(&mut out, spec).unwrap();
    for s in samples {
        writer.write_sample(*s).unwrap();
    }
    writer.finalize().unwrap();
    out.into_inner()
}

const TRIP: &str = "第一章 出发\n\n清晨，我们从上海出发。天气很好，路上车不多。\n\n大家一路说笑，很快就到了苏州。\n\n第二章 归来\n\n傍晚时分，我们终于回到了家。\n\n晚饭以后，大家都早早地睡了。\n";

/// Each utterance's text of the book in `book`, with its audio as a WAV.
fn utterance_audio(book: &Path) -> Vec<(String, Vec<u8>)> {
    let manifest = read_json(&book.join("manifest.json"));
    let rate = manifest["sample_rate"].as_u64().unwrap() as u32;
    let mut clips = Vec::new();
    for chapter in manifest["chapters"].as_array().unwrap() {
        let (audio, _) = samples(&book.join(chapter["file"].as_str().unwrap()));
        for u in chapter["utterances"].as_array().unwrap() {
            let text = u["text"].as_str().unwrap().to_owned();
            clips.push((text, wav_bytes(&audio[span(u, rate)], rate)));
        }
    }
    clips
}

#[test]
fn redo_asks_a_service_again_for_a_garbled_utterance_and_ends_clean() {
    use crate::http_server::{Response, Server};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("trip.txt"), TRIP).unwrap();
    // the service speaks with the neural voice's audio, said once here
    let out = narrate_in(dir.path(), &["-q", "-o", "neural", "trip.txt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let clips: HashMap<String, Vec<u8>> = utterance_audio(&dir.path().join("neural/trip"))
        .into_iter()
        .collect();
    let victim = "傍晚时分，我们终于回到了家。";
    let decoy = clips["大家一路说笑，很快就到了苏州。"].clone();
    assert!(clips.contains_key(victim), "{:?}", clips.keys());
    let asked: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let log = asked.clone();
    let server = Server::start(move |req, _| {
        let text = crate::http::input(req);
        let times = {
            let mut asked = log.lock().unwrap();
            let n = asked.entry(text.clone()).or_default();
            *n += 1;
            *n
        };
        match clips.get(&text) {
            // the first answer for the victim says another sentence
            Some(_) if text == victim && times == 1 => Response::audio("audio/wav", decoy.clone()),
            Some(wav) => Response::audio("audio/wav", wav.clone()),
            None => Response::new(400, Some("text/plain"), format!("no audio for «{text}»")),
        }
    });
    std::fs::write(
        dir.path().join("service.toml"),
        format!(
            "language = \"zh-CN\"\nbackend = \"http\"\npreset = \"openai\"\nurl = \"{}/v1/audio/speech\"\nvoice = \"x\"\nmodel = \"y\"\n",
            server.base
        ),
    )
    .unwrap();
    let out = narrate_in(
        dir.path(),
        &[
            "-q",
            "--voice",
            "service.toml",
            "--subtitles",
            "srt",
            "trip.txt",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let book = dir.path().join("output/trip");
    let first_chapter = std::fs::read(book.join("01-第一章-出发.wav")).unwrap();
    let subtitles = || std::fs::read_to_string(book.join("02-第二章-归来.srt")).unwrap();
    let garbled_subtitles = subtitles();

    let out = narrate_in(dir.path(), &["check", "output/trip"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let flagged: Vec<String> = report(&book)
        .utterances
        .into_iter()
        .filter(|u| u.flagged)
        .map(|u| u.text)
        .collect();
    assert_eq!(flagged, [victim], "{}", stdout(&out));

    let out = narrate_in(dir.path(), &["check", "--redo", "output/trip"]);
    let said = stdout(&out);
    assert!(out.status.success(), "{said}\n{}", stderr(&out));
    assert!(
        said.contains("redo round 1") && !said.contains("redo round 2"),
        "{said}"
    );
    assert!(report(&book).passed);
    // the victim was asked again once; nothing else was asked twice
    let asked = asked.lock().unwrap();
    assert_eq!(asked[victim], 2, "{asked:?}");
    assert!(
        asked.iter().all(|(t, &n)| t == victim || n == 1),
        "{asked:?}"
    );
    // its chapter was made again (the subtitles follow its new length); the other kept
    assert_ne!(subtitles(), garbled_subtitles);
    assert_eq!(
        std::fs::read(book.join("01-第一章-出发.wav")).unwrap(),
        first_chapter
    );
}

#[test]
fn redo_with_a_local_voice_says_it_cannot_help() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("trip.txt"), TRIP).unwrap();
    let out = narrate_in(dir.path(), &["-q", "trip.txt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let book = dir.path().join("output/trip");
    splice(&book, 1, 1, |audio| vec![0; audio.len()]);
    let out = narrate_in(dir.path(), &["check", "--redo", "output/trip"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("a redo cannot help") && err.contains("zh-CN"),
        "{err}"
    );
    let report = report(&book);
    assert_eq!(
        report
            .worst()
            .iter()
            .map(|u| u.id.as_str())
            .collect::<Vec<_>>(),
        ["2.2"]
    );
    assert!(report.worst()[0].silent);
}
