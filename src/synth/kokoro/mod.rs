//! The Kokoro backend (`backend = "kokoro"`): Kokoro-82M v1.0 (StyleTTS2 + iSTFTNet,
//! int8 ONNX, Apache-2.0) run in-process by ONNX Runtime, with its eight Mandarin voices.
//! Text → misaki-compatible phonemes → ids ([`phonemes`]) → the model, with the speaker's
//! style vector for that many ids → audio at 24 kHz.
//!
//! ONNX Runtime is opened at run time (`ort`'s `load-dynamic`): `libonnxruntime.so` comes
//! from PyPI's onnxruntime wheel with the model, vocabulary and voices, all installed once by
//! `scripts/setup-kokoro.sh`; narrate never downloads. One session per worker that speaks at
//! the same time (the session's `run` takes it exclusively), each with its share of the cores.

pub mod phonemes;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ort::session::Session;
use ort::value::Tensor;
use serde::Deserialize;

use super::{SynthError, Synthesizer};
use crate::audio::{Audio, SampleRate};
use phonemes::{MAX_TOKENS, Phonemizer, Vocab};

pub const MODEL_NAME: &str = "kokoro-v1.0";
pub const MODEL_FILE: &str = "kokoro-v1.0.int8.onnx";
pub const VOCAB_FILE: &str = "vocab.json";
/// The ONNX Runtime library the setup script installs beside the model.
pub const RUNTIME_FILE: &str = "libonnxruntime.so.1.32.0";
pub const SETUP_COMMAND: &str = "scripts/setup-kokoro.sh";
pub const DIR_ENV: &str = crate::env::EnvVars::NARRATE_KOKORO_DIR;
pub const SAMPLE_RATE: u32 = 24_000;
/// A voice file: one 256-wide style vector per utterance length in ids (1..=510).
const STYLE_WIDTH: usize = 256;
const STYLE_ROWS: usize = 510;

/// `[backend = "kokoro"]` settings in a voice file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct KokoroSettings {
    /// The voice: a file `voices/<speaker>.bin` in the model folder (`zf_xiaoxiao`, …).
    pub speaker: String,
    /// Folder holding the model, `vocab.json`, `voices/` and the runtime; by default
    /// `$NARRATE_KOKORO_DIR`, else `~/.local/share/narrate/models/kokoro-v1.0`.
    pub model_dir: Option<PathBuf>,
    /// Give the model tones after sandhi (default: citation tones, as it was trained).
    #[serde(default)]
    pub sandhi: bool,
    /// ONNX Runtime threads per session; default: the cores shared among `--jobs`.
    pub threads: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum KokoroError {
    #[error(
        "the Kokoro voices are not installed ({} not found); install them with `{SETUP_COMMAND}` (downloads the model, voices and ONNX Runtime once)",
        path.display()
    )]
    Missing { path: PathBuf },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {problem}; reinstall with `{SETUP_COMMAND}`", path.display())]
    Corrupt { path: PathBuf, problem: String },
    #[error("ONNX Runtime ({}): {message}", path.display())]
    Runtime { path: PathBuf, message: String },
    #[error("the model failed on {ids} ids: {message}")]
    Run { ids: usize, message: String },
}

impl KokoroSettings {
    /// Whether every file this voice needs is where it looks; the error names the first
    /// missing one and the install command. Reads nothing.
    pub fn check_installed(&self) -> Result<(), KokoroError> {
        let dir = self.dir();
        for file in [MODEL_FILE, VOCAB_FILE, RUNTIME_FILE] {
            file_in(&dir, file)?;
        }
        file_in(&dir, &voice_file(&self.speaker))?;
        Ok(())
    }

    pub fn dir(&self) -> PathBuf {
        self.model_dir.clone().unwrap_or_else(default_dir)
    }
}

fn voice_file(speaker: &str) -> String {
    format!("voices/{speaker}.bin")
}

fn file_in(dir: &Path, file: &str) -> Result<PathBuf, KokoroError> {
    super::model_file(dir, file).map_err(|path| KokoroError::Missing { path })
}

/// `$NARRATE_KOKORO_DIR`, else the user's data dir.
pub fn default_dir() -> PathBuf {
    super::model_dir(DIR_ENV, MODEL_NAME)
}

fn read(path: &Path) -> Result<Vec<u8>, KokoroError> {
    std::fs::read(path).map_err(|source| KokoroError::Read {
        path: path.to_owned(),
        source,
    })
}

/// The process's ONNX Runtime: opened once, from the first model folder asked for.
fn environment(dir: &Path) -> Result<&'static ort::environment::Environment, KokoroError> {
    static ENVIRONMENT: OnceLock<Result<ort::environment::Environment, (PathBuf, String)>> =
        OnceLock::new();
    ENVIRONMENT
        .get_or_init(|| {
            let path = dir.join(RUNTIME_FILE);
            if !path.is_file() {
                return Err((path, "not found".to_owned()));
            }
            ort::init_from(&path)
                .map_err(|e| e.to_string())
                .and_then(|builder| builder.build().map_err(|e| e.to_string()))
                .map_err(|message| (path, message))
        })
        .as_ref()
        .map_err(|(path, message)| match message.as_str() {
            "not found" => KokoroError::Missing { path: path.clone() },
            _ => KokoroError::Runtime {
                path: path.clone(),
                message: message.clone(),
            },
        })
}

/// What a voice loads once: vocabulary, style table, and the idle sessions.
struct Loaded {
    vocab: Vocab,
    styles: Vec<f32>,
    model: PathBuf,
    environment: &'static ort::environment::Environment,
    /// Sessions not in use; a worker takes one (or makes one) and puts it back.
    idle: Mutex<Vec<Session>>,
}

impl Loaded {
    fn load(dir: &Path, speaker: &str) -> Result<Loaded, KokoroError> {
        let model = file_in(dir, MODEL_FILE)?;
        let vocab_path = file_in(dir, VOCAB_FILE)?;
        let voice_path = file_in(dir, &voice_file(speaker))?;
        let vocab = String::from_utf8_lossy(&read(&vocab_path)?).into_owned();
        let vocab = Vocab::from_json(&vocab).map_err(|problem| KokoroError::Corrupt {
            path: vocab_path,
            problem,
        })?;
        let bytes = read(&voice_path)?;
        if bytes.len() != STYLE_ROWS * STYLE_WIDTH * 4 {
            return Err(KokoroError::Corrupt {
                path: voice_path,
                problem: format!(
                    "{} bytes, not {STYLE_ROWS} x {STYLE_WIDTH} f32",
                    bytes.len()
                ),
            });
        }
        let styles = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(Loaded {
            vocab,
            styles,
            model,
            environment: environment(dir)?,
            idle: Mutex::new(Vec::new()),
        })
    }

    fn session(&self, threads: usize) -> Result<Session, KokoroError> {
        if let Some(session) = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(session);
        }
        let runtime = |e: ort::Error| KokoroError::Runtime {
            path: self.model.clone(),
            message: e.to_string(),
        };
        Session::builder(self.environment)
            .map_err(runtime)?
            .with_intra_threads(threads)
            .map_err(|e| runtime(e.into()))?
            .with_inter_threads(1)
            .map_err(|e| runtime(e.into()))?
            .commit_from_file(&self.model)
            .map_err(runtime)
    }

    /// Audio for at most [`MAX_TOKENS`] ids.
    fn speak(&self, ids: &[i64], speed: f32, threads: usize) -> Result<Vec<f32>, KokoroError> {
        let row = ids.len().clamp(1, STYLE_ROWS) - 1;
        let style = self.styles[row * STYLE_WIDTH..(row + 1) * STYLE_WIDTH].to_vec();
        let mut tokens = Vec::with_capacity(ids.len() + 2);
        tokens.push(0);
        tokens.extend_from_slice(ids);
        tokens.push(0);
        let failed = |e: ort::Error| KokoroError::Run {
            ids: ids.len(),
            message: e.to_string(),
        };
        let inputs = ort::inputs![
            "tokens" => Tensor::from_array(([1, tokens.len()], tokens)).map_err(failed)?,
            "style" => Tensor::from_array(([1, STYLE_WIDTH], style)).map_err(failed)?,
            "speed" => Tensor::from_array(([1], vec![speed])).map_err(failed)?,
        ];
        let mut session = self.session(threads)?;
        let result = session.run(inputs).map_err(failed).and_then(|outputs| {
            let (_, audio) = outputs[0].try_extract_tensor::<f32>().map_err(failed)?;
            Ok(audio.to_vec())
        });
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(session);
        result
    }
}

/// The synthesizer: loads on first use, once, and serves every thread.
pub struct Kokoro {
    id: String,
    dir: PathBuf,
    speaker: String,
    phonemizer: Phonemizer,
    speed: f32,
    threads: usize,
    loaded: OnceLock<Result<Loaded, Arc<KokoroError>>>,
}

impl Kokoro {
    /// `jobs`: how many utterances the run speaks at once (the cores are shared among them).
    pub fn new(settings: &KokoroSettings, rate: f32, jobs: usize) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Kokoro {
            id: format!("kokoro/{MODEL_NAME}/{}", settings.speaker),
            dir: settings.dir(),
            speaker: settings.speaker.clone(),
            phonemizer: Phonemizer {
                lexicon: Arc::default(),
                sandhi: settings.sandhi,
            },
            speed: rate.clamp(0.25, 4.0),
            threads: settings
                .threads
                .unwrap_or_else(|| (cores / jobs.max(1)).max(1)),
            loaded: OnceLock::new(),
        }
    }

    /// This engine reading the words of `lexicon` as it says (pinyin entries).
    pub fn with_lexicon(mut self, lexicon: Arc<crate::lexicon::Lexicon>) -> Self {
        self.phonemizer.lexicon = lexicon;
        self
    }

    fn loaded(&self) -> Result<&Loaded, SynthError> {
        self.loaded
            .get_or_init(|| Loaded::load(&self.dir, &self.speaker).map_err(Arc::new))
            .as_ref()
            .map_err(|error| SynthError::Kokoro(Arc::clone(error)))
    }

    /// The ids the model is given for `text` (before the cut into pieces of 510).
    pub fn ids(&self, text: &str) -> Result<Vec<i64>, SynthError> {
        let loaded = self.loaded()?;
        Ok(loaded.vocab.ids(&self.phonemizer.phonemes(text)))
    }
}

impl Synthesizer for Kokoro {
    fn id(&self) -> &str {
        &self.id
    }

    fn deterministic(&self) -> bool {
        true
    }

    fn fingerprint(&self) -> String {
        let mut fingerprint = format!(
            "kokoro|{MODEL_NAME}|{}|sandhi={}|speed={}",
            self.speaker, self.phonemizer.sandhi, self.speed
        );
        if !self.phonemizer.lexicon.is_empty() {
            fingerprint.push_str("|lexicon=");
            fingerprint.push_str(&self.phonemizer.lexicon.fingerprint());
        }
        fingerprint
    }

    fn synthesize(&self, text: &str) -> Result<Audio, SynthError> {
        let loaded = self.loaded()?;
        let rate = SampleRate::new(SAMPLE_RATE).expect("non-zero");
        let ids = loaded.vocab.ids(&self.phonemizer.phonemes(text));
        let mut samples = Vec::new();
        for piece in phonemes::chunks(&ids, MAX_TOKENS, |id| loaded.vocab.is_pause(id)) {
            let audio = loaded
                .speak(piece, self.speed, self.threads)
                .map_err(Arc::new)?;
            samples.extend(audio.into_iter().map(|s| s.clamp(-1.0, 1.0)));
        }
        Ok(Audio { samples, rate })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &str) -> KokoroSettings {
        KokoroSettings {
            speaker: "zf_xiaoxiao".into(),
            model_dir: Some(dir.into()),
            sandhi: false,
            threads: None,
        }
    }

    #[test]
    fn missing_files_name_the_setup_command() {
        let err = Kokoro::new(&settings("/nonexistent/kokoro"), 1.0, 2)
            .synthesize("你好")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(SETUP_COMMAND) && err.contains("/nonexistent/kokoro"),
            "{err}"
        );
        let err = settings("/nonexistent/kokoro")
            .check_installed()
            .unwrap_err()
            .to_string();
        assert!(err.contains(MODEL_FILE), "{err}");
    }

    #[test]
    fn a_broken_voice_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MODEL_FILE), b"x").unwrap();
        std::fs::write(dir.path().join(VOCAB_FILE), r#"{"vocab": {"a": 43}}"#).unwrap();
        std::fs::create_dir(dir.path().join("voices")).unwrap();
        std::fs::write(dir.path().join("voices/zf_xiaoxiao.bin"), [0u8; 100]).unwrap();
        let err = Loaded::load(dir.path(), "zf_xiaoxiao")
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("zf_xiaoxiao.bin") && err.contains("100 bytes"),
            "{err}"
        );
    }

    #[test]
    fn speed_and_speaker_change_the_fingerprint() {
        let s = settings("/x");
        let other = KokoroSettings {
            speaker: "zm_yunxi".into(),
            ..s.clone()
        };
        let a = Kokoro::new(&s, 1.0, 1).fingerprint();
        assert_ne!(a, Kokoro::new(&s, 1.5, 1).fingerprint());
        assert_ne!(a, Kokoro::new(&other, 1.0, 1).fingerprint());
        // more jobs than cores: one thread each, never none
        assert_eq!(Kokoro::new(&s, 1.0, 10_000).threads, 1);
    }
}
