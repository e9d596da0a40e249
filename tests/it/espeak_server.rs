//! The espeak-ng batch server (`narrate --espeak-batch-server`): what it says is what the
//! `espeak-ng` program says for the same input, byte for byte, whatever it spoke before.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use narrate::synth::espeak::server::{SERVE_ARG, Server, ServerError, server_args};

fn narrate() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_narrate"))
}

fn cmn() -> [String; 3] {
    server_args("sit/cmn", 175, 50)
}

/// The first line of `espeak-ng --version`.
fn program_version() -> String {
    let out = Command::new("espeak-ng").arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().next().unwrap().trim().to_owned()
}

/// What `espeak-ng -b 1 --stdout -v sit/cmn -s 175 -p 50 [-m]` writes with `input` on stdin.
fn program_says(input: &str, ssml: bool) -> Vec<u8> {
    let mut cmd = Command::new("espeak-ng");
    cmd.args([
        "-b", "1", "--stdout", "-v", "sit/cmn", "-s", "175", "-p", "50",
    ]);
    if ssml {
        cmd.arg("-m");
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    out.stdout
}

/// Rate and samples of a WAV (the program's header gives no length: it streams).
fn speech(wav: &[u8]) -> Option<(u32, &[[u8; 2]])> {
    narrate::audio::plain_pcm16(wav).map(|(rate, samples)| (rate.hz(), samples))
}

/// Seed sentences as the engine sends a batch: SSML, one a line, each with a break.
fn seed_batch(skip: usize, n: usize) -> String {
    let text = std::fs::read_to_string(crate::seed()).unwrap();
    text.split('。')
        .map(|s| s.replace(['\n', '\r'], ""))
        .filter(|s| s.chars().count() > 5)
        .skip(skip)
        .take(n)
        .map(|s| format!("{}。<break time=\"1s\"/>\n", s.replace('<', "&lt;")))
        .collect()
}

#[test]
fn the_server_says_what_the_program_says_batch_after_batch() {
    let mut server = Server::start(narrate(), &cmn(), &program_version()).unwrap();
    let long_line = "长三角一体化发展，".repeat(60); // 1620 bytes: fgets reads it in two pieces
    let inputs = [
        (seed_batch(0, 8), true),
        ("他说：“你好，世界！”二零二零年六月。".to_owned(), false),
        (seed_batch(8, 3), true),
        (long_line, false),
        (seed_batch(0, 8), true), // the first batch again, after all the others
    ];
    let mut wav = Vec::new();
    for (input, ssml) in &inputs {
        server.speak(input, *ssml, &mut wav).unwrap();
        let program = program_says(input, *ssml);
        let (ours, theirs) = (speech(&wav).unwrap(), speech(&program).unwrap());
        assert_eq!(ours.0, 22050);
        assert_eq!(ours.0, theirs.0, "sample rate for {input:?}");
        assert!(ours.1.len() > 22050 / 2, "{} samples", ours.1.len());
        assert!(ours.1 == theirs.1, "the audio differs for {input:?}");
    }
}

#[test]
fn input_that_says_nothing_gives_no_wav_as_the_program_gives_none() {
    let mut server = Server::start(narrate(), &cmn(), &program_version()).unwrap();
    let mut wav = vec![1, 2, 3];
    server.speak("", false, &mut wav).unwrap();
    assert_eq!(wav, program_says("", false));
    assert!(wav.is_empty());
    // and the server goes on
    server.speak("你好。", false, &mut wav).unwrap();
    assert!(speech(&wav).is_some());
}

#[test]
fn a_server_for_another_engine_or_voice_is_refused() {
    let err = Server::start(narrate(), &cmn(), "eSpeak NG text-to-speech: 0.0").err();
    assert!(matches!(err, Some(ServerError::Version { .. })), "{err:?}");
    let err = Server::start(
        narrate(),
        &server_args("no-such-voice", 175, 50),
        &program_version(),
    )
    .err();
    assert!(matches!(err, Some(ServerError::NotReady)), "{err:?}");
}

#[test]
fn a_bad_request_ends_the_server_with_an_error() {
    let out = Command::new(narrate())
        .arg(SERVE_ARG)
        .args(cmn())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(b"speak this\n")?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ready\n"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad request"));
}
