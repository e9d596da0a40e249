//! Bad input is normal input: each case gives a sensible result or a clear error, never a
//! panic and never a hang.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::stderr;

/// Runs narrate with a deadline; a hang fails the test instead of blocking it.
pub(crate) fn run_with_deadline(cwd: &Path, args: &[&str], deadline: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_narrate"))
        .args(args)
        .current_dir(cwd)
        .env("NARRATE_CACHE_DIR", cwd.join("cache"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    // drain stdout in the background so a large plan cannot block on a full pipe
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).ok();
        buf
    });
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > deadline {
            child.kill().ok();
            panic!("narrate {args:?} still running after {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = child.wait_with_output().unwrap();
    out.stdout = reader.join().unwrap();
    out
}

pub(crate) fn no_panic(out: &Output) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(out.status.code(), Some(101), "{err}");
}

#[test]
fn empty_blank_and_punctuation_only_files_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("empty.txt", &b""[..]),
        ("blank.txt", &b"   \n\n\t \n"[..]),
        ("marks.txt", "。，！？……——\n“”\n".as_bytes()),
    ] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let plan = run_with_deadline(dir.path(), &["plan", name], Duration::from_secs(30));
        no_panic(&plan);
        assert!(plan.status.success(), "{}", stderr(&plan));
        let run = run_with_deadline(dir.path(), &[name], Duration::from_secs(30));
        no_panic(&run);
        assert_eq!(run.status.code(), Some(1));
        let err = stderr(&run);
        assert!(
            err.contains(name) && err.contains("nothing to read aloud"),
            "{err}"
        );
    }
}

#[test]
fn nul_bytes_are_refused_with_their_offset() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nul.txt"), "你好\0世界。".as_bytes()).unwrap();
    let out = run_with_deadline(dir.path(), &["plan", "nul.txt"], Duration::from_secs(30));
    no_panic(&out);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("nul.txt") && err.contains("offset 6"), "{err}");
    assert_eq!(
        err.matches("not a text file").count(),
        1,
        "said once: {err}"
    );
}

#[test]
fn utf8_with_pasted_gb18030_reads_both_parts() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = "你好，世界。".as_bytes().to_vec();
    bytes.extend(encoding_rs::GB18030.encode("再见，朋友。").0.iter());
    std::fs::write(dir.path().join("mixed.txt"), bytes).unwrap();
    let out = run_with_deadline(dir.path(), &["plan", "mixed.txt"], Duration::from_secs(30));
    no_panic(&out);
    let plan = crate::stdout(&out);
    assert!(
        plan.contains("你好，世界。") && plan.contains("再见，朋友。"),
        "{plan}"
    );
}

#[test]
fn ten_megabyte_line_without_punctuation_plans_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let line = "长江三角洲区域一体化发展".repeat(10 * 1024 * 1024 / 36);
    std::fs::write(dir.path().join("long.txt"), &line).unwrap();
    let out = run_with_deadline(
        dir.path(),
        &["plan", "--json", "long.txt"],
        Duration::from_secs(120),
    );
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let utterances = plan["chapters"][0]["utterances"].as_array().unwrap();
    let spoken: usize = utterances
        .iter()
        .map(|u| u["text"].as_str().unwrap().chars().count())
        .sum();
    assert_eq!(spoken, line.chars().count(), "every character is read");
    assert!(
        utterances
            .iter()
            .all(|u| u["text"].as_str().unwrap().chars().count() <= 80),
        "split to the voice's limit"
    );
}

#[test]
fn input_over_the_size_limit_is_refused_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.txt"), "长".repeat(400_000)).unwrap();
    let out = run_with_deadline(
        dir.path(),
        &["--max-input-mb", "1", "big.txt"],
        Duration::from_secs(30),
    );
    no_panic(&out);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("big.txt") && err.contains("--max-input-mb"),
        "{err}"
    );
}
