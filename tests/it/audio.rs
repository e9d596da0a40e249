//! Audiobook-grade output measured on real espeak-ng audio: loudness and true peak, pause
//! lengths, joins, subtitles against the manifest, and the M4B read back with ffprobe.
//!
//! One run of the book fixture (three chapters) serves every test here.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::{fixture, narrate_in, plan_json_with, stderr};

struct Book {
    dir: PathBuf,
    manifest: Value,
    plan: Value,
}

/// `narrate --voice zh-CN-espeak --subtitles srt,vtt,lrc --format m4b --author 某人
/// book-markdown.md`, once. (The assembly measured here is the same for every voice;
/// espeak-ng is the fast one, and its pauses are the ones below.)
fn book() -> &'static Book {
    static BOOK: OnceLock<Book> = OnceLock::new();
    BOOK.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("audio-book");
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let input = fixture("book-markdown.md");
        let out = narrate_in(
            &root,
            &[
                "-q",
                "--voice",
                ESPEAK,
                "--jobs",
                "2",
                "--subtitles",
                "srt,vtt,lrc",
                "--format",
                "m4b",
                "--author",
                "某人",
                input.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let dir = root.join("output/book-markdown");
        let manifest = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap())
            .expect("manifest.json is JSON");
        Book {
            dir,
            manifest,
            plan: plan_json_with(&input, ESPEAK),
        }
    })
}

fn chapters(manifest: &Value) -> &Vec<Value> {
    manifest["chapters"].as_array().unwrap()
}

/// A chapter WAV as f32 samples and its rate.
fn samples(path: &Path) -> (Vec<f32>, u32) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
    let samples = reader
        .samples::<i32>()
        .map(|s| s.unwrap() as f32 * scale)
        .collect();
    (samples, spec.sample_rate)
}

/// Measures a file independently of narrate's own numbers.
fn measure(path: &Path) -> (f64, f64) {
    let (samples, rate) = samples(path);
    let mut meter =
        ebur128::EbuR128::new(1, rate, ebur128::Mode::I | ebur128::Mode::TRUE_PEAK).unwrap();
    meter.add_frames_f32(&samples).unwrap();
    let lufs = meter.loudness_global().unwrap();
    let peak = 20.0 * meter.true_peak(0).unwrap().log10();
    (lufs, peak)
}

#[test]
fn every_chapter_is_at_minus_18_lufs_with_its_true_peak_under_minus_1_5_dbtp() {
    let book = book();
    for chapter in chapters(&book.manifest) {
        let (lufs, peak) = measure(&book.dir.join(chapter["file"].as_str().unwrap()));
        assert!(
            (lufs + 18.0).abs() <= 1.0,
            "{}: {lufs:.2} LUFS",
            chapter["title"]
        );
        assert!(peak <= -1.5, "{}: {peak:.2} dBTP", chapter["title"]);
        // the manifest says what the file measures
        let recorded = &chapter["loudness"];
        assert!((recorded["integrated"].as_f64().unwrap() - lufs).abs() < 0.1);
        assert!((recorded["true_peak"].as_f64().unwrap() - peak).abs() < 0.1);
    }
}

const ESPEAK: &str = "zh-CN-espeak";

/// Milliseconds of pause after each kind of break in voices/zh-CN-espeak.toml.
fn configured_pause(end: &str) -> f64 {
    match end {
        "clause" => 250.0,
        "sentence" => 450.0,
        "paragraph" => 800.0,
        "heading" => 1100.0,
        other => panic!("unknown boundary {other}"),
    }
}

#[test]
fn silence_between_utterances_is_the_configured_pause_within_10_percent() {
    let book = book();
    let measured = check_pauses(&book.dir, &book.manifest, &book.plan);
    assert!(measured >= 6, "{measured} pauses measured");
}

/// Checks that the silence around each join is the pause configured for its break, within
/// 10%; returns how many were measured.
fn check_pauses(dir: &Path, manifest: &Value, plan: &Value) -> usize {
    let mut measured = 0;
    for (chapter, planned) in chapters(manifest).iter().zip(chapters(plan)) {
        let (samples, rate) = samples(&dir.join(chapter["file"].as_str().unwrap()));
        let frame =
            |seconds: &Value| (seconds.as_f64().unwrap() * f64::from(rate)).round() as usize;
        let utterances = chapter["utterances"].as_array().unwrap();
        let ends = planned["utterances"].as_array().unwrap();
        for (i, pair) in utterances.windows(2).enumerate() {
            let (a, b) = (&pair[0], &pair[1]);
            let (a_start, a_end) = (frame(&a["start"]), frame(&a["end"]));
            let (b_start, b_end) = (frame(&b["start"]), frame(&b["end"]));
            let peak =
                |r: std::ops::Range<usize>| samples[r].iter().fold(0.0f32, |m, s| m.max(s.abs()));
            // silence: quieter than 1% of the neighbouring utterance's own peak
            let (floor_a, floor_b) = (0.01 * peak(a_start..a_end), 0.01 * peak(b_start..b_end));
            let mut first_silent = a_end;
            while first_silent > a_start && samples[first_silent - 1].abs() <= floor_a {
                first_silent -= 1;
            }
            let mut first_loud = b_start;
            while first_loud < b_end && samples[first_loud].abs() <= floor_b {
                first_loud += 1;
            }
            // between the cues there is nothing but silence
            assert!(
                samples[a_end..b_start]
                    .iter()
                    .all(|s| s.abs() <= floor_a.min(floor_b))
            );
            let silence_ms = (first_loud - first_silent) as f64 * 1000.0 / f64::from(rate);
            let want = configured_pause(ends[i]["end"].as_str().unwrap());
            assert!(
                (silence_ms - want).abs() <= want * 0.1,
                "{} after «{}»: {silence_ms:.0} ms of silence, configured {want} ms",
                chapter["title"],
                a["written"]
            );
            measured += 1;
        }
    }
    measured
}

#[test]
fn joins_between_utterances_and_pauses_do_not_click() {
    let book = book();
    for chapter in chapters(&book.manifest) {
        let (samples, rate) = samples(&book.dir.join(chapter["file"].as_str().unwrap()));
        // the samples on either side of each join: an utterance starts and ends at zero (a
        // 5 ms fade), and silence is zero, so no step is heard there
        let around = 3;
        for u in chapter["utterances"].as_array().unwrap() {
            for key in ["start", "end"] {
                let join = (u[key].as_f64().unwrap() * f64::from(rate)).round() as usize;
                let from = join.saturating_sub(around).max(1);
                let to = (join + around).min(samples.len());
                let jump = (from..to)
                    .map(|n| (samples[n] - samples[n - 1]).abs())
                    .fold(0.0f32, f32::max);
                // 0.01 of full scale is −40 dBFS: a step that small does not click (an unfaded
                // join of this speech can step by 0.5)
                assert!(
                    jump < 0.01,
                    "{} {key} of «{}»: jump {jump}",
                    chapter["title"],
                    u["written"]
                );
            }
        }
    }
}

/// Cue times (seconds) and text in an SRT or WebVTT file.
fn srt_or_vtt_cues(text: &str) -> Vec<(f64, f64, String)> {
    let time = |t: &str| {
        let t = t.trim().replace(',', ".");
        let parts: Vec<f64> = t.split(':').map(|p| p.parse().unwrap()).collect();
        parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]
    };
    let lines: Vec<&str> = text.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let (start, end) = line.split_once(" --> ")?;
            Some((time(start), time(end), lines[i + 1].to_owned()))
        })
        .collect()
}

#[test]
fn subtitles_show_the_written_text_within_20_ms_of_the_manifest() {
    let book = book();
    for chapter in chapters(&book.manifest) {
        let file = Path::new(chapter["file"].as_str().unwrap());
        let utterances = chapter["utterances"].as_array().unwrap();
        for ext in ["srt", "vtt"] {
            let text = std::fs::read_to_string(book.dir.join(file.with_extension(ext))).unwrap();
            let cues = srt_or_vtt_cues(&text);
            assert_eq!(cues.len(), utterances.len(), "{ext}: {text}");
            for ((start, end, shown), u) in cues.iter().zip(utterances) {
                assert!((start - u["start"].as_f64().unwrap()).abs() <= 0.020);
                assert!((end - u["end"].as_f64().unwrap()).abs() <= 0.020);
                assert_eq!(shown, u["written"].as_str().unwrap());
            }
        }
        let lrc = std::fs::read_to_string(book.dir.join(file.with_extension("lrc"))).unwrap();
        let timed: Vec<(f64, &str)> = lrc
            .lines()
            .filter_map(|l| {
                let rest = l.strip_prefix('[')?;
                let (time, text) = rest.split_once(']')?;
                let (m, s) = time.split_once(':')?;
                Some((m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?, text))
            })
            .filter(|(_, text)| !text.is_empty())
            .collect();
        assert_eq!(timed.len(), utterances.len(), "{lrc}");
        for ((start, shown), u) in timed.iter().zip(utterances) {
            assert!((start - u["start"].as_f64().unwrap()).abs() <= 0.020);
            assert_eq!(*shown, u["written"].as_str().unwrap());
        }
    }
    // the text is as written, not as spoken: 第一章 stays, no digits are spelled out here
    let srt = std::fs::read_to_string(book.dir.join("01-第一章-出发.srt")).unwrap();
    assert!(srt.contains("清晨，我们从上海出发。"), "{srt}");
}

#[test]
fn playlist_and_cue_sheet_list_the_chapters() {
    let book = book();
    let playlist = std::fs::read_to_string(book.dir.join("playlist.m3u8")).unwrap();
    let cue = std::fs::read_to_string(book.dir.join("chapters.cue")).unwrap();
    assert!(playlist.starts_with("#EXTM3U\n"));
    for chapter in chapters(&book.manifest) {
        let (file, title) = (
            chapter["file"].as_str().unwrap(),
            chapter["title"].as_str().unwrap(),
        );
        let seconds = chapter["duration"].as_f64().unwrap().round();
        assert!(
            playlist.contains(&format!("#EXTINF:{seconds},某人 - {title}\n{file}\n")),
            "{playlist}"
        );
        assert!(cue.contains(&format!("FILE \"{file}\" WAVE")), "{cue}");
        assert!(cue.contains(&format!("TITLE \"{title}\"")), "{cue}");
    }
}

#[test]
fn m4b_has_one_chapter_marker_per_chapter_with_titles_and_tags() {
    let book = book();
    let m4b = book.dir.join("小书.m4b");
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_chapters",
            "-show_format",
            "-of",
            "json",
        ])
        .arg(&m4b)
        .output()
        .expect("ffprobe runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let probe: Value = serde_json::from_slice(&out.stdout).unwrap();
    let markers = probe["chapters"].as_array().unwrap();
    let chapters = chapters(&book.manifest);
    assert_eq!(markers.len(), chapters.len());
    let mut start = 0.0;
    for (marker, chapter) in markers.iter().zip(chapters) {
        assert_eq!(marker["tags"]["title"], chapter["title"]);
        let marker_start: f64 = marker["start_time"].as_str().unwrap().parse().unwrap();
        assert!((marker_start - start).abs() < 0.01, "{marker}");
        start += chapter["duration"].as_f64().unwrap();
    }
    let tags = &probe["format"]["tags"];
    assert_eq!(tags["title"], "小书");
    assert_eq!(tags["artist"], "某人");
    let duration: f64 = probe["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((duration - start).abs() < 0.1, "{duration} vs {start}");
}

#[test]
fn mp3_and_24_bit_at_44100_hz_with_clause_pauses_and_a_title_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    // the long sentence is split at its commas: clause pauses
    let text = "今天天气很好。我们沿着河边慢慢地走，看见许多老人在树下下棋，孩子们在草地上放风筝，\
                年轻人在跑步，小狗在追着蝴蝶跑来跑去，湖面上还有几条小船在慢慢地划着，远处的山上开满了红色和黄色的野花，空气里都是青草和泥土的香味。\
                我们去公园散步。\n";
    std::fs::write(dir.path().join("短.txt"), text).unwrap();
    let out = narrate_in(
        dir.path(),
        &[
            "-q",
            "--voice",
            ESPEAK,
            "--bits",
            "24",
            "--sample-rate",
            "44100",
            "--format",
            "mp3",
            "--title",
            "散步",
            "短.txt",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let book = dir.path().join("output/短");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(book.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["title"], "散步");
    let chapter = &chapters(&manifest)[0];
    let wav = book.join(chapter["file"].as_str().unwrap());
    let spec = hound::WavReader::open(&wav).unwrap().spec();
    assert_eq!((spec.bits_per_sample, spec.sample_rate), (24, 44100));
    let (lufs, peak) = measure(&wav);
    assert!((lufs + 18.0).abs() <= 1.0 && peak <= -1.5, "{lufs} {peak}");
    let mp3 = wav.with_extension("mp3");
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_format", "-of", "json"])
        .arg(&mp3)
        .output()
        .unwrap();
    let probe: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(probe["format"]["format_name"], "mp3");
    assert_eq!(probe["format"]["tags"]["album"], "散步");
    let playlist = std::fs::read_to_string(book.join("playlist.m3u8")).unwrap();
    assert!(playlist.contains(".mp3\n"), "{playlist}");
    let plan = plan_json_with(&dir.path().join("短.txt"), ESPEAK);
    let clauses = chapters(&plan)[0]["utterances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["end"] == "clause")
        .count();
    assert!(clauses >= 1, "{plan}");
    assert!(check_pauses(&book, &manifest, &plan) >= 3);
}

#[test]
fn m4b_without_ffmpeg_stops_before_synthesis_and_says_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_narrate"))
        .args(["--format", "m4b"])
        .arg(fixture("book-markdown.md"))
        .current_dir(dir.path())
        .env("NARRATE_FFMPEG", dir.path().join("no-ffmpeg-here"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("apt install ffmpeg") && err.contains("--format m4b"),
        "{err}"
    );
    assert!(
        !dir.path().join("output").exists(),
        "nothing was synthesized"
    );
}
