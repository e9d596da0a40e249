//! End-to-end tests: the real `narrate` binary on real documents, with the real espeak-ng.

mod architecture;
mod audio;
mod bad_documents;
mod bad_input;
mod check;
mod dialogue;
mod documents;
mod espeak_server;
mod fake_engine;
mod http;
mod http_server;
mod kokoro;
mod narrate_run;
mod plan;
mod properties;
mod resume;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn seed() -> PathBuf {
    fixture("seed-newspaper-pdf.txt")
}

/// Called by a test that cannot run because `what` is missing on this machine. Under CI
/// (`CI` set to anything but `false` or `0`) the test fails, since CI installs every tool
/// (`scripts/setup.sh`); elsewhere it says loudly that the test did not run. Never a pass
/// by silence.
#[allow(clippy::print_stderr)]
pub fn missing(what: &str) {
    if narrate::env::under_ci() {
        panic!("{what} is missing; CI must have it (scripts/setup.sh installs it)");
    }
    eprintln!("\n*** NOT RUN (not a pass): {what} is missing; run scripts/setup.sh ***\n");
}

/// Whether poppler's `pdftohtml` is installed; says so ([`missing`]) when not.
pub fn has_poppler() -> bool {
    let found = Command::new("pdftohtml").arg("-v").output().is_ok();
    if !found {
        missing("pdftohtml (poppler-utils)");
    }
    found
}

/// Runs narrate with `args` in `cwd` (so `./voices` there does not leak in).
pub fn narrate_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_narrate"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NARRATE_VOICES_DIR")
        .env("NARRATE_CACHE_DIR", cwd.join("cache"))
        .output()
        .expect("the narrate binary runs")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `narrate plan --json FILE` as JSON.
pub fn plan_json(file: &Path) -> serde_json::Value {
    plan_json_with(file, narrate::voice::DEFAULT_VOICE)
}

/// `narrate plan --json --voice VOICE FILE`.
pub fn plan_json_with(file: &Path, voice: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = narrate_in(
        dir.path(),
        &["plan", "--json", "--voice", voice, file.to_str().unwrap()],
    );
    assert!(out.status.success(), "plan failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("plan --json prints JSON")
}

/// A voice whose engine is a shell script wrapping espeak-ng. `body` runs with the text in
/// `$text` before espeak-ng speaks it (it may log, sleep or fail).
pub fn wrapped_voice(dir: &Path, body: &str) -> PathBuf {
    let engine = dir.join("wrapped-espeak");
    std::fs::write(
        &engine,
        format!("#!/bin/sh\ntext=$(cat)\n{body}\nprintf '%s' \"$text\" | exec espeak-ng \"$@\"\n"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&engine, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let voice = dir.join("wrapped.toml");
    std::fs::write(
        &voice,
        format!(
            "language = \"zh-CN\"\nbackend = \"espeak\"\nprogram = \"{}\"\n",
            engine.display()
        ),
    )
    .unwrap();
    voice
}
