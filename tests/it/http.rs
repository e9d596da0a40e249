//! The http backend against real HTTP servers started here on 127.0.0.1: each preset's
//! wire format with real espeak-ng audio, injected faults through the whole `narrate` run,
//! and concurrency.
//!
//! Fault runs answer each utterance with a tone whose pitch and length follow from its
//! text, so the chapter files show that every utterance is there exactly once, in order.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use narrate::audio::SampleRate;
use narrate::output::Manifest;
use narrate::plan::{self, Plan};
use narrate::progress::Silent;
use narrate::run::{self, RunError, RunOptions};
use narrate::synth::{SynthOptions, Synthesizer};
use narrate::voice::Voice;
use narrate::{Document, Paragraph, Section};
use serde_json::{Value, json};

use crate::http_server::{Request, Response, Server};

// ---------------------------------------------------------------- audio the servers send

/// espeak-ng's WAV for `text`, as `--stdout` writes it (sizes say "unknown").
fn espeak_wav(text: &str) -> Vec<u8> {
    let out = Command::new("espeak-ng")
        .args(["-v", "cmn", "--stdout", text])
        .output()
        .expect("espeak-ng runs (apt-get install espeak-ng)");
    assert!(out.status.success());
    out.stdout
}

fn wav(rate: u32, samples: &[f32], float: bool) -> Vec<u8> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: if float { 32 } else { 16 },
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
    for &s in samples {
        if float {
            w.write_sample(s).unwrap();
        } else {
            w.write_sample((s * 32767.0) as i16).unwrap();
        }
    }
    w.finalize().unwrap();
    cursor.into_inner()
}

fn pcm16(samples: &[f32]) -> Vec<u8> {
    samples
        .iter()
        .flat_map(|&s| ((s * 32767.0) as i16).to_le_bytes())
        .collect()
}

/// The tone that stands for `text`: (frequency in Hz, seconds).
fn tone_of(text: &str) -> (f64, f64) {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let chars = text.chars().filter(|c| c.is_alphanumeric()).count();
    (300.0 + 50.0 * (hash % 12) as f64, 0.3 + 0.05 * chars as f64)
}

fn tone(text: &str, rate: u32) -> Vec<f32> {
    let (freq, secs) = tone_of(text);
    let n = (secs * f64::from(rate)).round() as usize;
    (0..n)
        .map(|i| {
            (0.5 * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin()) as f32
        })
        .collect()
}

/// The text an openai-style request asks for.
pub(crate) fn input(req: &Request) -> String {
    req.json()["input"]
        .as_str()
        .expect("`input` is a string")
        .to_owned()
}

/// Answers an openai request with the text's tone as a 24 kHz WAV.
pub(crate) fn tone_reply(req: &Request) -> Response {
    Response::audio("audio/wav", wav(24000, &tone(&input(req), 24000), false))
}

// ---------------------------------------------------------------- running the pipeline

/// Three chapters; the second is the one faults aim at (its text has 故障).
fn book() -> Document {
    let chapter = |title: &str, paragraphs: &[&str]| Section {
        paragraphs: paragraphs.iter().map(|p| Paragraph::new(*p, 1)).collect(),
        ..Section::headed(title, 1, 1)
    };
    Document {
        title: Some("测试书".into()),
        sections: vec![
            chapter(
                "第一章 出发",
                &[
                    "清晨，我们从上海出发。天气很好，路上车不多。",
                    "大家一路说笑，很快就到了苏州。",
                ],
            ),
            chapter(
                "第二章 半路",
                &[
                    "车在半路出了故障，司机说要修一个小时。",
                    "我们只好在路边等待。",
                ],
            ),
            chapter("第三章 归来", &["傍晚时分，我们终于回到了家。"]),
        ],
        ..Document::default()
    }
}

fn openai_voice(server: &Server, extra: &str) -> String {
    format!(
        "language = \"zh-CN\"\nbackend = \"http\"\npreset = \"openai\"\nurl = \"{}/v1/audio/speech\"\nretries = 4\nbackoff-ms = 20\n{extra}\n",
        server.base
    )
}

struct Run {
    plan: Plan,
    result: Result<Manifest, RunError>,
    book: PathBuf,
    _dir: tempfile::TempDir,
}

impl Run {
    /// The error as the binary prints it (`{:#}`: the whole chain).
    fn error(&self) -> String {
        match &self.result {
            Ok(_) => panic!("the run succeeded"),
            Err(e) => chain(e),
        }
    }

    fn manifest(&self) -> Value {
        let bytes = std::fs::read(self.book.join("manifest.json")).expect("manifest.json written");
        serde_json::from_slice(&bytes).unwrap()
    }
}

/// An error and its causes on one line, as the binary prints them (`{:#}`).
fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        out.push_str(": ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}

/// Runs the pipeline (what `narrate --voice voice.toml book.md` does after ingest) on
/// [`book`] with a voice file's text.
fn narrate(voice: &str) -> Run {
    let voice = Voice::parse("test", "voice.toml", voice).unwrap_or_else(|e| panic!("{e}"));
    let engine = voice
        .backend
        .build(&voice.language, SynthOptions::default());
    let plan = plan::plan_document(Path::new("book.md"), book(), &voice, voice.normalize);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out/book");
    let options = RunOptions {
        sample_rate: SampleRate::new(24000).unwrap(),
        jobs: 2,
        rate: 1.0,
        chapter: narrate::chapter::ChapterFormat::default(),
        subtitles: Default::default(),
        cancel: Default::default(),
        record: None,
    };
    let result = run::narrate(&plan, &voice, engine.as_ref(), &out, &options, &Silent);
    Run {
        plan,
        result,
        book: out,
        _dir: dir,
    }
}

/// Checks that each chapter file holds, for each utterance of the manifest, that text's
/// tone (pitch and length) between its cue times. Returns the texts in order.
fn tones_in_order(run: &Run) -> Vec<String> {
    let manifest = run.manifest();
    let rate = manifest["sample_rate"].as_f64().unwrap();
    let mut texts = Vec::new();
    for chapter in manifest["chapters"].as_array().unwrap() {
        let file = run.book.join(chapter["file"].as_str().unwrap());
        let samples: Vec<i16> = hound::WavReader::open(&file)
            .unwrap()
            .into_samples::<i16>()
            .map(Result::unwrap)
            .collect();
        for u in chapter["utterances"].as_array().unwrap() {
            let text = u["text"].as_str().unwrap().to_owned();
            let (freq, secs) = tone_of(&text);
            let (start, end) = (u["start"].as_f64().unwrap(), u["end"].as_f64().unwrap());
            assert!(
                ((end - start) - secs).abs() < 0.03,
                "«{text}» lasts {:.3} s, its tone {secs:.3} s",
                end - start
            );
            let a = ((start + 0.02) * rate) as usize;
            let b = ((end - 0.02) * rate) as usize;
            let crossings = samples[a..b]
                .windows(2)
                .filter(|w| (w[0] < 0) != (w[1] < 0))
                .count();
            let measured = crossings as f64 / 2.0 / ((b - a) as f64 / rate);
            assert!(
                (measured - freq).abs() / freq < 0.03,
                "«{text}»: {measured:.0} Hz where {freq} Hz was sent"
            );
            texts.push(text);
        }
    }
    texts
}

/// The texts of the plan, in order.
fn planned_texts(plan: &Plan) -> Vec<String> {
    plan.planned()
        .flat_map(|c| c.utterances.into_iter().map(|u| u.spoken.to_string()))
        .collect()
}

/// A run that must finish with every utterance once, in order.
fn assert_complete(run: &Run) {
    if let Err(e) = &run.result {
        panic!("the run failed: {:#}", chain(e));
    }
    let texts = tones_in_order(run);
    assert_eq!(texts, planned_texts(&run.plan));
    assert!(texts.len() >= 5);
}

// ---------------------------------------------------------------- faults through a whole run

#[test]
fn too_many_requests_waits_as_retry_after_says_then_completes() {
    let server = Server::start(|req, n| match n {
        0 => Response::json(429, json!({"error": {"message": "slow down"}}))
            .header("Retry-After", "1"),
        1 => Response::json(429, json!({"error": {"message": "slow down"}}))
            .header("retry-after-ms", "300"),
        _ => tone_reply(req),
    });
    let run = narrate(&openai_voice(&server, "concurrency = 1"));
    assert_complete(&run);
    let reqs = server.requests();
    let gap = |i: usize| reqs[i + 1].at.duration_since(reqs[i].at);
    assert!(
        gap(0) >= Duration::from_millis(950),
        "waited {:?} after Retry-After: 1",
        gap(0)
    );
    assert!(
        gap(1) >= Duration::from_millis(280),
        "waited {:?} after retry-after-ms: 300",
        gap(1)
    );
}

#[test]
fn service_unavailable_is_retried_until_it_recovers() {
    let server = Server::start(|req, n| {
        if n < 3 {
            Response::new(503, Some("text/plain"), "overloaded")
        } else {
            tone_reply(req)
        }
    });
    assert_complete(&narrate(&openai_voice(&server, "")));
}

#[test]
fn slow_reply_beyond_the_timeout_is_retried() {
    let server = Server::start(|req, n| {
        let reply = tone_reply(req);
        if n == 0 {
            reply.after(Duration::from_secs(3))
        } else {
            reply
        }
    });
    assert_complete(&narrate(&openai_voice(&server, "timeout = 1")));
}

#[test]
fn body_cut_off_midway_is_retried() {
    let server = Server::start(|req, n| {
        let reply = tone_reply(req);
        if n < 2 {
            let half = reply.body.len() / 2;
            reply.cut_at(half)
        } else {
            reply
        }
    });
    assert_complete(&narrate(&openai_voice(&server, "")));
}

#[test]
fn wrong_content_type_is_overruled_by_the_bytes() {
    let server = Server::start(|req, n| {
        let body = wav(24000, &tone(&input(req), 24000), false);
        let ct = ["text/html", "audio/mpeg", "application/octet-stream"][n % 3];
        Response::audio(ct, body)
    });
    assert_complete(&narrate(&openai_voice(&server, "")));
}

#[test]
fn streaming_wav_with_unknown_sizes_is_read_to_the_end() {
    let server = Server::start(|req, n| {
        let mut body = wav(24000, &tone(&input(req), 24000), false);
        let unknown: u32 = if n % 2 == 0 { 0xffff_ffff } else { 0 };
        body[4..8].copy_from_slice(&unknown.to_le_bytes());
        body[40..44].copy_from_slice(&unknown.to_le_bytes());
        Response::audio("audio/wav", body)
    });
    assert_complete(&narrate(&openai_voice(&server, "")));
}

#[test]
fn float_wav_at_another_rate_is_converted() {
    let server = Server::start(|req, _| {
        Response::audio("audio/wav", wav(44100, &tone(&input(req), 44100), true))
    });
    assert_complete(&narrate(&openai_voice(&server, "")));
}

#[test]
fn raw_pcm_at_22050_hz_without_content_type_is_read() {
    let server = Server::start(|req, _| {
        let text = req.field("tts_text").expect("cosyvoice sends tts_text");
        Response::new(200, None, pcm16(&tone(&text, 22050)))
    });
    let voice = format!(
        "language = \"zh-CN\"\nbackend = \"http\"\npreset = \"cosyvoice\"\nurl = \"{}/inference_sft\"\n",
        server.base
    );
    assert_complete(&narrate(&voice));
}

#[test]
fn json_error_with_status_200_stops_the_run_naming_the_utterance_and_keeping_chapter_one() {
    let server = Server::start(|req, _| {
        if input(req).contains("故障") {
            Response::json(
                200,
                json!({"error": {"message": "model zf_xiaobei is not loaded"}}),
            )
        } else {
            tone_reply(req)
        }
    });
    let run = narrate(&openai_voice(&server, "concurrency = 1"));
    assert!(run.result.is_err());
    let err = run.error();
    assert!(
        err.contains("chapter 2") && err.contains("车在半路出了故障"),
        "{err}"
    );
    assert!(err.contains("model zf_xiaobei is not loaded"), "{err}");
    // not retried: the server said what is wrong
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| input(r).contains("故障"))
            .count(),
        1
    );
    let manifest = run.manifest();
    let chapters = manifest["chapters"].as_array().unwrap();
    assert_eq!(chapters.len(), 1, "chapter 1 is kept");
    assert!(
        run.book
            .join(chapters[0]["file"].as_str().unwrap())
            .is_file()
    );
}

#[test]
fn persistent_503_gives_up_after_the_last_attempt_with_the_servers_words() {
    let server = Server::start(|req, _| {
        if input(req).contains("故障") {
            Response::new(503, Some("text/plain"), "backend GPU is on fire")
        } else {
            tone_reply(req)
        }
    });
    let run =
        narrate(&openai_voice(&server, "concurrency = 1").replace("retries = 4", "retries = 2"));
    assert!(run.result.is_err());
    let err = run.error();
    assert!(err.contains("gave up after 3 attempts"), "{err}");
    assert!(
        err.contains("503") && err.contains("backend GPU is on fire"),
        "{err}"
    );
    assert!(err.contains("chapter 2"), "{err}");
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| input(r).contains("故障"))
            .count(),
        3
    );
    assert_eq!(run.manifest()["chapters"].as_array().unwrap().len(), 1);
}

#[test]
fn exhausted_quota_fails_at_once_and_secrets_never_show() {
    const KEY: &str = "sk-live-SECRET-4242";
    let server = Server::start(|req, _| {
        assert_eq!(
            req.header("authorization"),
            Some("Bearer sk-live-SECRET-4242")
        );
        if input(req).contains("故障") {
            Response::json(
                429,
                json!({"error": {"message": "You exceeded your current quota (key sk-live-SECRET-4242)", "type": "insufficient_quota", "code": "insufficient_quota"}}),
            )
            .header("Retry-After", "1")
        } else {
            tone_reply(req)
        }
    });
    let voice = openai_voice(
        &server,
        "concurrency = 1\nurl = \"URL?api_key=${env:NARRATE_TEST_KEY}\"\n[headers]\nAuthorization = \"Bearer ${env:NARRATE_TEST_KEY}\"\n",
    );
    // the voice's own url line, with the key in its query
    let voice = voice
        .replacen(
            &format!("url = \"{}/v1/audio/speech\"\n", server.base),
            "",
            1,
        )
        .replace("URL", &format!("{}/v1/audio/speech", server.base));
    // SAFETY: std's env functions take a lock; nothing outside Rust reads this variable
    unsafe { std::env::set_var("NARRATE_TEST_KEY", KEY) };
    let run = narrate(&voice);
    assert!(run.result.is_err());
    let err = run.error();
    assert!(
        err.contains("429") && err.contains("You exceeded your current quota"),
        "{err}"
    );
    assert!(err.contains("api_key=***"), "{err}");
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| input(r).contains("故障"))
            .count(),
        1
    );
    let manifest = std::fs::read_to_string(run.book.join("manifest.json")).unwrap();
    for shown in [&err, &manifest, &format!("{:?}", run.result)] {
        assert!(!shown.contains("SECRET"), "the key leaked: {shown}");
    }
}

#[test]
fn missing_secret_is_named_without_sending_anything() {
    let server = Server::start(|req, _| tone_reply(req));
    let voice = openai_voice(
        &server,
        "[headers]\nAuthorization = \"Bearer ${env:NARRATE_TEST_UNSET_KEY}\"\n",
    );
    let run = narrate(&voice);
    assert!(run.result.is_err());
    assert!(
        run.error().contains("NARRATE_TEST_UNSET_KEY"),
        "{}",
        run.error()
    );
    assert!(server.requests().is_empty());
}

// ---------------------------------------------------------------- each preset's wire format

fn engine(voice: &str) -> Box<dyn Synthesizer> {
    let voice = Voice::parse("test", "test.toml", voice).unwrap_or_else(|e| panic!("{e}"));
    voice
        .backend
        .build(&voice.language, SynthOptions::default())
}

fn voice(preset: &str, url: &str, extra: &str) -> String {
    format!(
        "language = \"zh-CN\"\nbackend = \"http\"\npreset = \"{preset}\"\nurl = \"{url}\"\n{extra}\n"
    )
}

/// Real speech: long enough and not silent.
fn assert_speech(audio: &narrate::audio::Audio, rate: u32) {
    assert_eq!(audio.rate.hz(), rate);
    let secs = audio.duration().as_secs_f64();
    assert!((0.5..10.0).contains(&secs), "{secs} s");
    let peak = audio.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    assert!(peak > 0.05, "peak {peak}");
}

const HELLO: &str = "你好，世界。<测试> & \"引号\"";

#[test]
fn openai_preset_posts_json_and_reads_wav() {
    let server = Server::start(|req, _| Response::audio("audio/wav", espeak_wav(&input(req))));
    let e = engine(&voice(
        "openai",
        &format!("{}/v1/audio/speech", server.base),
        "voice = \"zf_xiaobei\"\nmodel = \"kokoro\"",
    ));
    assert_eq!(e.id(), "http/openai/kokoro/zf_xiaobei");
    assert_eq!(e.concurrency(), Some(4));
    assert_speech(&e.synthesize(HELLO).unwrap(), 22050);
    let req = &server.requests()[0];
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/v1/audio/speech")
    );
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(
        req.json(),
        json!({"model": "kokoro", "input": HELLO, "voice": "zf_xiaobei", "response_format": "wav", "speed": 1})
    );
}

#[test]
fn openai_preset_decodes_mp3() {
    let wav = espeak_wav("今天天气很好。");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.wav"), &wav).unwrap();
    let ok = Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-i",
            "a.wav",
            "-codec:a",
            "libmp3lame",
            "-b:a",
            "64k",
            "a.mp3",
        ])
        .current_dir(dir.path())
        .status();
    if !ok.is_ok_and(|s| s.success()) {
        crate::missing("ffmpeg with libmp3lame (to make the MP3)");
        return;
    }
    let mp3 = std::fs::read(dir.path().join("a.mp3")).unwrap();
    let server = Server::start(move |_, _| Response::audio("audio/mpeg", mp3.clone()));
    let e = engine(&voice(
        "openai",
        &format!("{}/v1/audio/speech", server.base),
        "format = \"mp3\"",
    ));
    let audio = e.synthesize("今天天气很好。").unwrap();
    assert_speech(&audio, 22050);
    let original = narrate::audio::Audio::from_wav(&wav)
        .unwrap()
        .duration()
        .as_secs_f64();
    let decoded = audio.duration().as_secs_f64();
    assert!(
        (decoded - original).abs() < 0.1,
        "{decoded} s vs {original} s"
    );
}

#[test]
fn azure_preset_sends_escaped_ssml_with_its_headers() {
    let server = Server::start(|_, _| Response::audio("audio/x-wav", espeak_wav("你好世界")));
    let e = engine(&voice(
        "azure",
        &format!("{}/cognitiveservices/v1", server.base),
        "[headers]\nOcp-Apim-Subscription-Key = \"test-key\"",
    ));
    assert_speech(&e.synthesize(HELLO).unwrap(), 22050);
    let req = &server.requests()[0];
    assert_eq!(req.header("content-type"), Some("application/ssml+xml"));
    assert_eq!(
        req.header("x-microsoft-outputformat"),
        Some("riff-24khz-16bit-mono-pcm")
    );
    assert_eq!(req.header("ocp-apim-subscription-key"), Some("test-key"));
    let ssml = String::from_utf8(req.body.clone()).unwrap();
    assert!(
        ssml.contains("xml:lang='zh-CN'") && ssml.contains("name='zh-CN-XiaoxiaoNeural'"),
        "{ssml}"
    );
    assert!(
        ssml.contains("你好，世界。&lt;测试&gt; &amp; &quot;引号&quot;"),
        "{ssml}"
    );
}

#[test]
fn google_preset_reads_base64_audio_content_and_splits_at_5000_bytes() {
    let server = Server::start(|req, _| {
        let text = req.json()["input"]["text"].as_str().unwrap().to_owned();
        let audio = base64::engine::general_purpose::STANDARD.encode(wav(
            24000,
            &tone(&text, 24000),
            false,
        ));
        Response::json(200, json!({ "audioContent": audio }))
    });
    let e = engine(&voice(
        "google",
        &format!("{}/v1/text:synthesize?key=AIzaTEST", server.base),
        "",
    ));
    // 2000 hanzi = 6000 UTF-8 bytes: two requests
    let sentence = "长三角一体化发展日益深入，区域合作不断加强。";
    let text = sentence.repeat(2000 / sentence.chars().count() + 1);
    let audio = e.synthesize(&text).unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(
        reqs[0].path.ends_with("text:synthesize?key=AIzaTEST"),
        "{}",
        reqs[0].path
    );
    let body = reqs[0].json();
    assert_eq!(
        body["voice"],
        json!({"languageCode": "zh-CN", "name": "cmn-CN-Wavenet-A"})
    );
    assert_eq!(body["audioConfig"]["audioEncoding"], "LINEAR16");
    assert_eq!(body["audioConfig"]["sampleRateHertz"], 24000);
    let pieces: Vec<String> = reqs
        .iter()
        .map(|r| r.json()["input"]["text"].as_str().unwrap().to_owned())
        .collect();
    assert!(pieces.iter().all(|p| p.len() <= 5000 && p.ends_with('。')));
    assert_eq!(pieces.concat(), text);
    let expected: f64 = pieces.iter().map(|p| tone_of(p).1).sum();
    assert!((audio.duration().as_secs_f64() - expected).abs() < 0.01);
}

#[test]
fn gpt_sovits_preset_sends_reference_audio_and_reads_streaming_wav() {
    let server = Server::start(|req, _| {
        Response::audio(
            "audio/wav",
            espeak_wav(req.json()["text"].as_str().unwrap()),
        )
    });
    let e = engine(&voice(
        "gpt-sovits",
        &format!("{}/tts", server.base),
        "voice = \"/data/ref.wav\"\n[vars]\nprompt_text = \"参考音频的文字。\"",
    ));
    assert_speech(&e.synthesize(HELLO).unwrap(), 22050);
    let body = server.requests()[0].json();
    assert_eq!(body["text"], HELLO);
    assert_eq!(body["text_lang"], "zh");
    assert_eq!(body["ref_audio_path"], "/data/ref.wav");
    assert_eq!(body["prompt_text"], "参考音频的文字。");
    assert_eq!(body["streaming_mode"], false);
}

#[test]
fn cosyvoice_preset_posts_a_form_and_reads_raw_pcm() {
    let server = Server::start(|req, _| {
        let wav = espeak_wav(&req.field("tts_text").unwrap());
        Response::new(200, None, wav[44..].to_vec())
    });
    let e = engine(&voice(
        "cosyvoice",
        &format!("{}/inference_sft", server.base),
        "",
    ));
    assert_speech(&e.synthesize(HELLO).unwrap(), 22050);
    let req = &server.requests()[0];
    assert_eq!(
        req.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(req.field("tts_text").as_deref(), Some(HELLO));
    assert_eq!(req.field("spk_id").as_deref(), Some("中文女"));
}

#[test]
fn volcengine_preset_checks_code_3000_and_reads_base64_data() {
    let server = Server::start(|req, n| {
        let body = req.json();
        if n == 0 {
            return Response::json(
                200,
                json!({"reqid": body["request"]["reqid"], "code": 3050, "message": "quota exceeded for voice_type"}),
            );
        }
        let audio = base64::engine::general_purpose::STANDARD
            .encode(espeak_wav(body["request"]["text"].as_str().unwrap()));
        Response::json(
            200,
            json!({"reqid": body["request"]["reqid"], "code": 3000, "message": "Success", "data": audio}),
        )
    });
    let e = engine(&voice(
        "volcengine",
        &format!("{}/api/v1/tts", server.base),
        "[headers]\nAuthorization = \"Bearer;tok\"\n[json.app]\nappid = \"app1\"",
    ));
    let err = e.synthesize(HELLO).unwrap_err().to_string();
    assert!(
        err.contains("quota exceeded for voice_type") && err.contains("3050"),
        "{err}"
    );
    assert_speech(&e.synthesize(HELLO).unwrap(), 22050);
    let reqs = server.requests();
    let body = reqs[1].json();
    assert_eq!(reqs[1].header("authorization"), Some("Bearer;tok"));
    assert_eq!(
        body["app"],
        json!({"appid": "app1", "token": "access_token", "cluster": "volcano_tts"})
    );
    assert_eq!(body["audio"]["voice_type"], "BV001_streaming");
    assert_eq!(body["audio"]["speed_ratio"], 1);
    assert_eq!(body["request"]["text"], HELLO);
    assert_eq!(body["request"]["operation"], "query");
    let id0 = reqs[0].json()["request"]["reqid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(id0.len(), 36);
    assert_ne!(body["request"]["reqid"], id0, "each request has a fresh id");
}

#[test]
fn baidu_preset_posts_a_form_and_takes_a_json_reply_for_an_error() {
    let server = Server::start(|req, n| {
        if n == 0 {
            return Response::json(
                200,
                json!({"err_no": 502, "err_msg": "access token invalid or no longer valid", "sn": "abc", "idx": 1}),
            );
        }
        Response::audio("audio/wav", espeak_wav(&req.field("tex").unwrap()))
    });
    let e = engine(&voice(
        "baidu",
        &format!("{}/text2audio", server.base),
        "[form]\ntok = \"24.abc\"",
    ));
    let err = e.synthesize(HELLO).unwrap_err().to_string();
    assert!(
        err.contains("access token invalid") && err.contains("502"),
        "{err}"
    );
    assert_speech(&e.synthesize(HELLO).unwrap(), 22050);
    let req = &server.requests()[1];
    assert_eq!(req.field("tex").as_deref(), Some(HELLO));
    assert_eq!(req.field("tok").as_deref(), Some("24.abc"));
    assert_eq!(req.field("spd").as_deref(), Some("5"));
    assert_eq!(req.field("aue").as_deref(), Some("6"));
}

#[test]
fn several_urls_share_the_load() {
    let a = Server::start(|req, _| tone_reply(req).after(Duration::from_millis(50)));
    let b = Server::start(|req, _| tone_reply(req).after(Duration::from_millis(50)));
    let voice = format!(
        "language = \"zh-CN\"\nbackend = \"http\"\npreset = \"openai\"\nurl = [\"{}/v1/audio/speech\", \"{}/v1/audio/speech\"]\nconcurrency = 4\n",
        a.base, b.base
    );
    let e: Arc<dyn Synthesizer> = Arc::from(engine(&voice));
    std::thread::scope(|s| {
        for t in 0..4 {
            let e = e.clone();
            s.spawn(move || {
                for i in 0..4 {
                    e.synthesize(&format!("第{t}组第{i}句话。")).unwrap();
                }
            });
        }
    });
    let (na, nb) = (a.requests().len(), b.requests().len());
    assert_eq!(na + nb, 16);
    assert!(na >= 6 && nb >= 6, "{na} vs {nb}");
}

// ---------------------------------------------------------------- concurrency

/// 64 utterances, 200 ms each, sixteen callers push: the engine keeps the server at exactly 8
/// requests at once (it reaches 8, so the requests overlap, and never more). The wall time
/// is printed, not asserted (see `bench_http_pipeline_against_the_ideal`).
#[test]
fn concurrency_8_keeps_exactly_8_requests_in_flight() {
    let server = Server::start(|req, _| tone_reply(req).after(Duration::from_millis(200)));
    let e: Arc<dyn Synthesizer> = Arc::from(engine(&openai_voice(&server, "concurrency = 8")));
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..16 {
            let (e, next) = (e.clone(), &next);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= 64 {
                        break;
                    }
                    let text = format!("这是第{i}句话。");
                    let audio = e.synthesize(&text).unwrap();
                    let expected = tone_of(&text).1;
                    assert!((audio.duration().as_secs_f64() - expected).abs() < 0.001);
                }
            });
        }
    });
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(server.requests().len(), 64);
    assert_eq!(
        server.peak(),
        8,
        "the server saw at most {} requests at once",
        server.peak()
    );
    eprintln!(
        "64 × 200 ms at concurrency 8: {wall:.2} s, {:.2} × the ideal 1.6 s",
        wall / 1.6
    );
}

/// Benchmark: the pipeline (synthesis, resampling, chapter files) against a server with a
/// fixed latency, compared with the ideal (total server time / concurrency).
/// `cargo test --release --test it -- --ignored bench --nocapture`
#[test]
#[ignore = "benchmark; run with --ignored --nocapture"]
fn bench_http_pipeline_against_the_ideal() {
    const LATENCY: Duration = Duration::from_millis(200);
    const CONCURRENCY: usize = 8;
    let server = Server::start(|req, _| tone_reply(req).after(LATENCY));
    let sections = (0..4)
        .map(|c| Section {
            paragraphs: (0..40)
                .map(|i| Paragraph::new(format!("这是第{c}章里的第{i}段话，用来测量速度。"), 1))
                .collect(),
            ..Section::headed(format!("第{c}章"), 1, 1)
        })
        .collect();
    let document = Document {
        sections,
        ..Document::default()
    };
    let voice = Voice::parse(
        "bench",
        "bench.toml",
        &openai_voice(&server, &format!("concurrency = {CONCURRENCY}")),
    )
    .unwrap();
    let engine = voice
        .backend
        .build(&voice.language, SynthOptions::default());
    let plan = plan::plan_document(Path::new("bench.md"), document, &voice, true);
    let dir = tempfile::tempdir().unwrap();
    let options = RunOptions {
        sample_rate: SampleRate::new(24000).unwrap(),
        jobs: 1,
        rate: 1.0,
        chapter: narrate::chapter::ChapterFormat::default(),
        subtitles: Default::default(),
        cancel: Default::default(),
        record: None,
    };
    let started = Instant::now();
    run::narrate(
        &plan,
        &voice,
        engine.as_ref(),
        dir.path(),
        &options,
        &Silent,
    )
    .unwrap();
    let wall = started.elapsed().as_secs_f64();
    let n = server.requests().len();
    let ideal = n as f64 * LATENCY.as_secs_f64() / CONCURRENCY as f64;
    eprintln!(
        "{n} requests x {} ms at concurrency {CONCURRENCY}: wall {wall:.2} s, ideal {ideal:.2} s, ratio {:.3} (target <= 1.15); peak {}",
        LATENCY.as_millis(),
        wall / ideal,
        server.peak()
    );
}

/// `scripts/tts-server` (Python, espeak-ng) answers the openai preset as a real server.
#[test]
fn tts_server_script_speaks_for_the_openai_local_voice() {
    use std::io::BufRead;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/tts-server");
    let Ok(mut child) = Command::new("python3")
        .arg(&script)
        .args(["--port", "0", "--quiet"])
        .stdout(std::process::Stdio::piped())
        .spawn()
    else {
        crate::missing("python3 (for scripts/tts-server)");
        return;
    };
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("tts-server printed {line:?}"))
        .to_owned();
    let local = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("voices/openai-local.toml"),
    )
    .unwrap()
    .replace("http://127.0.0.1:8880/v1/audio/speech", &url);
    let result = engine(&local).synthesize("长三角一体化发展。");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_speech(&result.unwrap(), 22050);
}
