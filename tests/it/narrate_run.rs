//! `narrate` synthesizing for real with espeak-ng: files, durations, manifest, failures.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::{fixture, narrate_in, seed, stderr};

fn manifest(dir: &Path) -> Value {
    let bytes = std::fs::read(dir.join("manifest.json")).expect("manifest.json written");
    serde_json::from_slice(&bytes).unwrap()
}

/// Checks every chapter file against the manifest: valid mono 16-bit WAV at `rate`, the
/// manifest's length, and utterance times that increase and stay inside the chapter.
fn check_chapters(dir: &Path, rate: u32) -> Vec<Value> {
    let manifest = manifest(dir);
    assert_eq!(manifest["sample_rate"], rate);
    let chapters = manifest["chapters"].as_array().unwrap().clone();
    assert!(!chapters.is_empty());
    for chapter in &chapters {
        let file = dir.join(chapter["file"].as_str().unwrap());
        let reader =
            hound::WavReader::open(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let spec = reader.spec();
        assert_eq!(spec.channels, 1);
        assert_eq!(spec.bits_per_sample, 16);
        assert_eq!(spec.sample_rate, rate);
        let frames = reader.duration() as u64;
        assert_eq!(chapter["frames"].as_u64().unwrap(), frames);
        let duration = chapter["duration"].as_f64().unwrap();
        assert!((duration - frames as f64 / f64::from(rate)).abs() < 1e-9);
        let mut last_end = 0.0;
        for u in chapter["utterances"].as_array().unwrap() {
            let (start, end) = (u["start"].as_f64().unwrap(), u["end"].as_f64().unwrap());
            assert!(start >= last_end && end >= start && end <= duration, "{u}");
            last_end = end;
        }
        // real speech, not silence
        let samples: Vec<i16> = hound::WavReader::open(&file)
            .unwrap()
            .into_samples::<i16>()
            .map(Result::unwrap)
            .collect();
        let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        assert!(peak > 1000, "{} is silent", file.display());
    }
    chapters
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") || n.starts_with('.'))
        .collect()
}

#[test]
fn seed_article_becomes_one_valid_wav_per_section() {
    let dir = tempfile::tempdir().unwrap();
    let out = narrate_in(
        dir.path(),
        &[
            "--voice",
            "zh-CN-espeak",
            "--jobs",
            "2",
            seed().to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let book = dir.path().join("output/seed-newspaper-pdf");
    let chapters = check_chapters(&book, 24000);
    let titles: Vec<&str> = chapters
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"牢记殷殷嘱托"), "{titles:?}");
    assert_eq!(
        chapters[0]["file"],
        "01-推动一体化向更深层次更宽领域拓展.wav"
    );
    let manifest = manifest(&book);
    assert!(manifest["warnings"].as_array().unwrap().len() >= 10);
    // the warnings reach the user too, with their line
    assert!(
        stderr(&out).contains(":29:") || stderr(&out).contains("line 29"),
        "{}",
        stderr(&out)
    );
    assert!(leftovers(&book).is_empty(), "{:?}", leftovers(&book));
}

#[test]
fn several_inputs_get_a_folder_each_at_the_requested_rate() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.md");
    let b = dir.path().join("b.md");
    std::fs::copy(fixture("book-markdown.md"), &a).unwrap();
    std::fs::write(&b, "# 另一本\n\n今天天气很好。我们去公园散步。\n").unwrap();
    let out = narrate_in(
        dir.path(),
        &["--sample-rate", "22050", "-o", "book", "-q", "a.md", "b.md"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).is_empty(),
        "--quiet prints nothing: {}",
        stderr(&out)
    );
    assert_eq!(check_chapters(&dir.path().join("book/a"), 22050).len(), 3);
    assert_eq!(check_chapters(&dir.path().join("book/b"), 22050).len(), 1);
}

#[test]
fn pauses_are_longer_after_paragraphs_than_after_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let out = narrate_in(
        dir.path(),
        &["-q", fixture("book-markdown.md").to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let chapters = check_chapters(&dir.path().join("output/book-markdown"), 24000);
    let utterances = chapters[0]["utterances"].as_array().unwrap();
    // 小书 | 第一章 出发 | 清晨，我们从上海出发。| 天气很好，路上车不多。| 大家一路说笑…
    let gap = |i: usize| {
        utterances[i + 1]["start"].as_f64().unwrap() - utterances[i]["end"].as_f64().unwrap()
    };
    assert_eq!(
        utterances[0]["written"], "小书",
        "the book title opens chapter 1"
    );
    let after_heading = gap(1);
    let after_sentence = gap(2);
    let after_paragraph = gap(3);
    assert!(
        after_heading > after_paragraph,
        "{after_heading} vs {after_paragraph}"
    );
    assert!(
        after_paragraph > after_sentence,
        "{after_paragraph} vs {after_sentence}"
    );
}

#[test]
fn failing_engine_stops_naming_chapter_and_utterance_and_keeps_finished_chapters() {
    let dir = tempfile::tempdir().unwrap();
    let voice = crate::wrapped_voice(
        dir.path(),
        "case \"$text\" in *半路*) echo 'engine exploded' >&2; exit 3;; esac",
    );
    let out = narrate_in(
        dir.path(),
        &[
            "--voice",
            voice.to_str().unwrap(),
            "--jobs",
            "1",
            "--subtitles",
            "vtt",
            fixture("book-markdown.md").to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("chapter 2") && err.contains("第二章 故障"),
        "{err}"
    );
    assert!(err.contains("车在半路出了故障"), "{err}");
    assert!(err.contains("engine exploded"), "{err}");
    let book = dir.path().join("output/book-markdown");
    assert!(book.join("01-第一章-出发.wav").is_file());
    assert!(!book.join("02-第二章-故障.wav").exists());
    // the manifest as rewritten after chapter 1 lists its utterances in full
    let chapters = check_chapters(&book, 24000);
    assert_eq!(chapters.len(), 1);
    let utterances = chapters[0]["utterances"].as_array().unwrap();
    for (i, u) in utterances.iter().enumerate() {
        assert_eq!(u["id"], format!("1.{}", i + 1), "{u}");
    }
    let written: String = utterances
        .iter()
        .map(|u| u["written"].as_str().unwrap())
        .collect();
    assert!(written.contains("清晨，我们从上海出发。"), "{written}");
    assert!(written.contains("很快就到了苏州。"), "{written}");
    let reported = "wrote 01-第一章-出发.wav (";
    let count = format!(" s, {} utterances)", utterances.len());
    assert!(err.contains(reported) && err.contains(&count), "{err}");
    // and its subtitles, written as soon as it was
    let vtt = std::fs::read_to_string(book.join("01-第一章-出发.vtt")).unwrap();
    assert!(vtt.starts_with("WEBVTT"), "{vtt}");
    assert!(vtt.contains("很快就到了苏州。"), "{vtt}");
    let heard = utterances
        .iter()
        .filter(|u| u["end"].as_f64() > u["start"].as_f64())
        .count();
    assert!(heard > 0);
    assert_eq!(vtt.matches(" --> ").count(), heard, "{vtt}");
    assert!(!book.join("02-第二章-故障.vtt").exists());
    assert!(leftovers(&book).is_empty(), "{:?}", leftovers(&book));
}

#[test]
fn output_path_that_is_a_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("taken"), "x").unwrap();
    let out = narrate_in(
        dir.path(),
        &["-o", "taken", fixture("book-markdown.md").to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("taken"), "{}", stderr(&out));
}

#[test]
fn default_voice_is_neural_and_says_latin_letters_in_chinese() {
    use narrate::synth::neural::{ACOUSTIC_FILE, default_model_dir};
    if !default_model_dir().join(ACOUSTIC_FILE).is_file() {
        return crate::missing("the neural model (scripts/setup-neural.sh)");
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mixed.txt");
    std::fs::write(
        &input,
        "苹果公司CEO库克表示，iPhone 16的销量在Q3增长了15%。\n",
    )
    .unwrap();
    let out = narrate_in(dir.path(), &[input.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let book = dir.path().join("output/mixed");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(book.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["voice"], "zh-CN");
    assert!(
        manifest["backend"].as_str().unwrap().starts_with("neural"),
        "{manifest}"
    );
    let chapters = check_chapters(&book, 24000);
    // 26 syllables of Chinese and numbers, 6 of letters and iPhone: several seconds
    assert!(
        chapters[0]["duration"].as_f64().unwrap() > 5.0,
        "{}",
        chapters[0]
    );
}

#[test]
fn without_its_model_the_default_voice_stops_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_narrate"))
        .arg(seed())
        .current_dir(dir.path())
        .env("NARRATE_NEURAL_MODEL_DIR", dir.path().join("no-model"))
        .env("NARRATE_CACHE_DIR", dir.path().join("cache"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("scripts/setup-neural.sh"), "{err}");
    assert!(!dir.path().join("output").exists(), "work began");
}
