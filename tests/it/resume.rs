//! Reruns, the utterance cache, and runs that are killed or interrupted part-way.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{fixture, narrate_in, seed, stderr, wrapped_voice};

/// A voice that logs every text it is asked to speak (one line each) to `dir/spoken.log`,
/// after waiting `delay` seconds, so a test can count requests and catch a run midway.
fn logging_voice(dir: &Path, delay: &str) -> PathBuf {
    let log = dir.join("spoken.log");
    wrapped_voice(
        dir,
        &format!(
            "sleep {delay}\nprintf '%s\\n' \"$text\" >> '{}'",
            log.display()
        ),
    )
}

fn spoken_log(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("spoken.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty()) // `--version`, asked once per run for the cache key
        .map(str::to_owned)
        .collect()
}

fn wav_bytes(book: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(book)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn hidden_files(book: &Path) -> Vec<String> {
    std::fs::read_dir(book)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') || n.ends_with(".tmp"))
        .collect()
}

fn chapters_in_manifest(book: &Path) -> usize {
    std::fs::read(book.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .map_or(0, |m| m["chapters"].as_array().map_or(0, Vec::len))
}

fn spawn(cwd: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_narrate"))
        .args(args)
        .current_dir(cwd)
        .env("NARRATE_CACHE_DIR", cwd.join("cache"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the run has finished at least one chapter, and fails the test when it
/// ends first (the test would prove nothing), showing what the run said.
fn wait_for_first_chapter(child: &mut Child, book: &Path) {
    let deadline = Instant::now() + Duration::from_secs(180);
    while chapters_in_manifest(book) == 0 {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                std::io::Read::read_to_string(&mut pipe, &mut err).ok();
            }
            panic!("the run ended ({status}) before a chapter was written:\n{err}");
        }
        assert!(Instant::now() < deadline, "no chapter after 180 s");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn second_run_of_a_finished_book_synthesizes_nothing_and_keeps_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let voice = logging_voice(dir.path(), "0");
    let book_md = fixture("book-markdown.md");
    let args = [
        "--voice",
        voice.to_str().unwrap(),
        book_md.to_str().unwrap(),
    ];
    assert!(narrate_in(dir.path(), &args).status.success());
    let book = dir.path().join("output/book-markdown");
    let first = wav_bytes(&book);
    let first_calls = spoken_log(dir.path()).len();
    let first_manifest = std::fs::read_to_string(book.join("manifest.json")).unwrap();
    let modified = std::fs::metadata(book.join(&first[0].0))
        .unwrap()
        .modified()
        .unwrap();

    // asking for subtitles now changes no chapter: they are made from the kept ones
    let again = narrate_in(dir.path(), &[&args[..], &["--subtitles", "srt"]].concat());
    assert!(again.status.success(), "{}", stderr(&again));
    let manifest = std::fs::read_to_string(book.join("manifest.json")).unwrap();
    // the chapters listed as they were; only the command that made the book is the new one
    let without_command = |json: &str| {
        let mut manifest: Value = serde_json::from_str(json).unwrap();
        let command = manifest["run"]["args"].clone();
        manifest.as_object_mut().unwrap().remove("run");
        (manifest, command)
    };
    let (before, _) = without_command(&first_manifest);
    let (after, command) = without_command(&manifest);
    assert_eq!(after, before, "the kept chapters listed as they were");
    assert!(command.to_string().contains("--subtitles"), "{command}");
    let manifest: Value = serde_json::from_str(&manifest).unwrap();
    for chapter in manifest["chapters"].as_array().unwrap() {
        let file = chapter["file"].as_str().unwrap().replace(".wav", ".srt");
        let srt = std::fs::read_to_string(book.join(&file)).expect(&file);
        let shown = chapter["utterances"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["end"].as_f64() > u["start"].as_f64())
            .count();
        assert!(shown > 0);
        assert_eq!(srt.matches(" --> ").count(), shown, "{file}: {srt}");
    }
    assert_eq!(
        spoken_log(dir.path()).len(),
        first_calls,
        "nothing synthesized"
    );
    assert_eq!(wav_bytes(&book), first);
    let still = std::fs::metadata(book.join(&first[0].0))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(still, modified, "an unchanged chapter is not rewritten");
    assert_eq!(
        stderr(&again).matches("kept").count(),
        3,
        "{}",
        stderr(&again)
    );
}

#[test]
fn editing_one_paragraph_synthesizes_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let voice = logging_voice(dir.path(), "0");
    let input = dir.path().join("book.md");
    let text = std::fs::read_to_string(fixture("book-markdown.md")).unwrap();
    std::fs::write(&input, &text).unwrap();
    let args = ["--voice", voice.to_str().unwrap(), "book.md"];
    assert!(narrate_in(dir.path(), &args).status.success());
    let before = spoken_log(dir.path()).len();

    std::fs::write(
        &input,
        text.replace("我们只好在路边等待。", "我们只好在路边耐心等待。"),
    )
    .unwrap();
    let out = narrate_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let log = spoken_log(dir.path());
    assert_eq!(&log[before..], ["我们只好在路边耐心等待。"]);
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("output/book/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["chapters"].as_array().unwrap().len(), 3);
}

#[test]
fn run_killed_with_sigkill_resumes_to_the_same_bytes_without_repeating_work() {
    let dir = tempfile::tempdir().unwrap();
    let voice = logging_voice(dir.path(), "0.03");
    let seed = seed();
    let seed = seed.to_str().unwrap();
    let voice = voice.to_str().unwrap();
    let args = ["--voice", voice, "--jobs", "2", "-o", "resumed", seed];
    let book = dir.path().join("resumed/seed-newspaper-pdf");

    let mut child = spawn(dir.path(), &args);
    wait_for_first_chapter(&mut child, &book);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let calls_before_kill = spoken_log(dir.path()).len();

    let rerun = narrate_in(dir.path(), &args);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(hidden_files(&book).is_empty(), "{:?}", hidden_files(&book));

    let resumed_calls = spoken_log(dir.path());

    // a clean, uncached run elsewhere gives the same bytes
    let clean = narrate_in(
        dir.path(),
        &["--voice", voice, "--no-cache", "-o", "clean", seed],
    );
    assert!(clean.status.success(), "{}", stderr(&clean));
    let clean_book = dir.path().join("clean/seed-newspaper-pdf");
    let resumed = wav_bytes(&book);
    assert_eq!(resumed.len(), 5);
    assert!(
        resumed == wav_bytes(&clean_book),
        "resumed chapters differ from a clean run"
    );

    // across the killed run and the rerun, each utterance was synthesized once, except the
    // ones in flight at the kill (at most one per job)
    let clean_calls = spoken_log(dir.path())[resumed_calls.len()..].to_vec();
    let mut counts = std::collections::HashMap::new();
    for text in &resumed_calls {
        *counts.entry(text.as_str()).or_insert(0usize) += 1;
    }
    for text in &clean_calls {
        assert!(
            counts.contains_key(text.as_str()),
            "never synthesized: {text}"
        );
    }
    assert_eq!(resumed_calls.len(), counts.values().sum::<usize>());
    let repeated: usize = counts.values().map(|n| n - 1).sum();
    assert!(repeated <= 2, "{repeated} utterances synthesized twice");
    assert!(
        calls_before_kill < clean_calls.len(),
        "the kill came too late"
    );
}

#[test]
fn ctrl_c_stops_with_130_keeps_finished_chapters_and_leaves_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let voice = logging_voice(dir.path(), "0.03");
    let seed = seed();
    let args = [
        "--voice",
        voice.to_str().unwrap(),
        "--jobs",
        "2",
        seed.to_str().unwrap(),
    ];
    let book = dir.path().join("output/seed-newspaper-pdf");
    let mut child = spawn(dir.path(), &args);
    wait_for_first_chapter(&mut child, &book);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    assert!(hidden_files(&book).is_empty(), "{:?}", hidden_files(&book));
    let written = wav_bytes(&book);
    assert!(
        !written.is_empty() && written.len() < 5,
        "{} chapters",
        written.len()
    );
    assert_eq!(chapters_in_manifest(&book), written.len());
}

#[test]
fn http_run_killed_with_sigkill_resumes_and_the_server_hears_each_utterance_once() {
    use crate::http::{input, tone_reply};
    use crate::http_server::Server;

    let server = Server::start(|req, _| tone_reply(req).after(Duration::from_millis(40)));
    let dir = tempfile::tempdir().unwrap();
    let voice = dir.path().join("counted.toml");
    std::fs::write(
        &voice,
        format!(
            "language = \"zh-CN\"\nbackend = \"http\"\npreset = \"openai\"\nurl = \"{}/v1/audio/speech\"\nconcurrency = 2\n",
            server.base
        ),
    )
    .unwrap();
    let seed = seed();
    let args = [
        "--voice",
        voice.to_str().unwrap(),
        "-o",
        "resumed",
        seed.to_str().unwrap(),
    ];
    let book = dir.path().join("resumed/seed-newspaper-pdf");
    let mut child = spawn(dir.path(), &args);
    wait_for_first_chapter(&mut child, &book);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let heard_before_kill = server.requests().len();

    let rerun = narrate_in(dir.path(), &args);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(hidden_files(&book).is_empty(), "{:?}", hidden_files(&book));
    let heard: Vec<String> = server.requests().iter().map(input).collect();

    let clean = narrate_in(
        dir.path(),
        &[
            "--voice",
            voice.to_str().unwrap(),
            "--no-cache",
            "-o",
            "clean",
            seed.to_str().unwrap(),
        ],
    );
    assert!(clean.status.success(), "{}", stderr(&clean));
    let once: Vec<String> = server.requests()[heard.len()..].iter().map(input).collect();
    assert!(heard_before_kill < once.len(), "the kill came too late");
    let resumed = wav_bytes(&book);
    assert_eq!(resumed.len(), 5);
    assert!(resumed == wav_bytes(&dir.path().join("clean/seed-newspaper-pdf")));

    // every utterance reached the server, and only the requests in flight at the kill
    // (at most `concurrency`) were asked twice
    let mut counts = std::collections::HashMap::new();
    for text in &heard {
        *counts.entry(text.as_str()).or_insert(0usize) += 1;
    }
    for text in &once {
        assert!(
            counts.contains_key(text.as_str()),
            "never asked for: {text}"
        );
    }
    assert_eq!(
        heard.len(),
        once.len() + counts.values().map(|n| n - 1).sum::<usize>()
    );
    assert!(
        heard.len() - once.len() <= 2,
        "{} repeated",
        heard.len() - once.len()
    );
}

#[test]
fn batched_espeak_voice_resumes_after_sigkill_to_the_bytes_of_a_clean_run() {
    // zh-CN-espeak speaks 8 utterances per espeak-ng process; a resumed run must still match
    let dir = tempfile::tempdir().unwrap();
    let seed = seed();
    let args = [
        "--voice",
        "zh-CN-espeak",
        "-o",
        "resumed",
        seed.to_str().unwrap(),
    ];
    let book = dir.path().join("resumed/seed-newspaper-pdf");
    let mut child = spawn(dir.path(), &args);
    wait_for_first_chapter(&mut child, &book);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let after_kill = wav_bytes(&book).len();

    let rerun = narrate_in(dir.path(), &args);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    let clean = narrate_in(
        dir.path(),
        &[
            "--voice",
            "zh-CN-espeak",
            "--no-cache",
            "-o",
            "clean",
            seed.to_str().unwrap(),
        ],
    );
    assert!(clean.status.success(), "{}", stderr(&clean));
    let resumed = wav_bytes(&book);
    assert_eq!(resumed.len(), 5);
    assert!(after_kill < 5 || stderr(&rerun).matches("kept").count() == 5);
    assert!(
        resumed == wav_bytes(&dir.path().join("clean/seed-newspaper-pdf")),
        "resumed chapters differ from a clean run"
    );
}
