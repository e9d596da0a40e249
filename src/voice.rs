//! Voices: TOML files that pick a backend and its settings.
//!
//! A voice file states its `language` (BCP 47) and `backend`, then that backend's settings,
//! and optionally `[pauses]` and `[segment]`. `--voice` takes a name or a path; names are
//! looked up in `$NARRATE_VOICES_DIR`, `./voices/`, the user's config dir
//! (`~/.config/narrate/voices/`) and finally the voices built into the binary
//! (the files in the repository's `voices/`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::env::EnvVars;
use crate::lexicon::{Lexicon, LexiconError};
use crate::segment::{Boundary, Limits};
use crate::synth::BackendConfig;

/// The voice used when none is named: the best local Mandarin voice (neural).
pub const DEFAULT_VOICE: &str = "zh-CN";

/// Voices compiled into the binary, so `--voice zh-CN` works from any folder.
const BUILT_IN: &[(&str, &str)] = &[
    ("zh-CN", include_str!("../voices/zh-CN.toml")),
    ("zh-CN-espeak", include_str!("../voices/zh-CN-espeak.toml")),
    ("en-US", include_str!("../voices/en-US.toml")),
    ("zh-CN-neural", include_str!("../voices/zh-CN-neural.toml")),
    (
        "zh-CN-kokoro-xiaobei",
        include_str!("../voices/zh-CN-kokoro-xiaobei.toml"),
    ),
    (
        "zh-CN-kokoro-xiaoni",
        include_str!("../voices/zh-CN-kokoro-xiaoni.toml"),
    ),
    (
        "zh-CN-kokoro-xiaoxiao",
        include_str!("../voices/zh-CN-kokoro-xiaoxiao.toml"),
    ),
    (
        "zh-CN-kokoro-xiaoyi",
        include_str!("../voices/zh-CN-kokoro-xiaoyi.toml"),
    ),
    (
        "zh-CN-kokoro-yunjian",
        include_str!("../voices/zh-CN-kokoro-yunjian.toml"),
    ),
    (
        "zh-CN-kokoro-yunxi",
        include_str!("../voices/zh-CN-kokoro-yunxi.toml"),
    ),
    (
        "zh-CN-kokoro-yunxia",
        include_str!("../voices/zh-CN-kokoro-yunxia.toml"),
    ),
    (
        "zh-CN-kokoro-yunyang",
        include_str!("../voices/zh-CN-kokoro-yunyang.toml"),
    ),
];

/// A resolved voice: what to run and how to pace it.
#[derive(Debug, Clone, PartialEq)]
pub struct Voice {
    pub name: String,
    /// Where it was read from (a path, or "built-in").
    pub source: String,
    pub language: String,
    pub description: Option<String>,
    pub pauses: Pauses,
    pub limits: Limits,
    /// Whether narrate rewrites numbers and symbols before sending the text (on for zh
    /// voices unless the voice says its backend does it).
    pub normalize: bool,
    pub backend: BackendConfig,
    /// Words read a given way (`lexicon = "FILE"` in the voice file, and `--lexicon`),
    /// over the built-in lexicon.
    pub lexicon: Arc<Lexicon>,
    /// The voice (a name or a path) that says quoted speech: `[roles] dialogue = "…"` in
    /// the voice file, or `--dialogue-voice`. With one, quotes are utterances of their own.
    pub dialogue: Option<String>,
}

/// Silence after each kind of break, at `--rate 1.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pauses {
    pub clause: Duration,
    pub sentence: Duration,
    pub paragraph: Duration,
    pub heading: Duration,
}

impl Default for Pauses {
    fn default() -> Self {
        Pauses {
            clause: Duration::from_millis(250),
            sentence: Duration::from_millis(450),
            paragraph: Duration::from_millis(800),
            heading: Duration::from_millis(1100),
        }
    }
}

impl Pauses {
    /// The pause after a piece that ends with `end`, at speaking rate `rate` (2.0 = twice as
    /// fast, so half the pause).
    pub fn after(&self, end: Boundary, rate: f32) -> Duration {
        let base = match end {
            Boundary::Clause => self.clause,
            Boundary::Sentence => self.sentence,
            Boundary::Paragraph => self.paragraph,
            Boundary::Heading => self.heading,
        };
        base.div_f32(rate.max(0.05))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    #[error("unknown voice `{name}`; available: {}", available.join(", "))]
    Unknown {
        name: String,
        available: Vec<String>,
    },
    #[error("cannot read voice file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("voice file {source_name}: {message}")]
    Invalid {
        source_name: String,
        message: String,
    },
    #[error(transparent)]
    Lexicon(#[from] LexiconError),
}

/// The common part of every voice file; the rest belongs to the backend.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Common {
    language: String,
    description: Option<String>,
    normalize: Option<bool>,
    /// A lexicon file, relative to the voice file.
    lexicon: Option<PathBuf>,
    #[serde(default)]
    pauses: PausesMs,
    #[serde(default)]
    segment: SegmentLimits,
    #[serde(default)]
    roles: Roles,
}

/// `[roles]`: other voices for parts of the text.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Roles {
    /// Says quoted speech (“…”, 「…」).
    dialogue: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PausesMs {
    clause: u64,
    sentence: u64,
    paragraph: u64,
    heading: u64,
}

impl Default for PausesMs {
    fn default() -> Self {
        let p = Pauses::default();
        let ms = |d: Duration| d.as_millis() as u64;
        PausesMs {
            clause: ms(p.clause),
            sentence: ms(p.sentence),
            paragraph: ms(p.paragraph),
            heading: ms(p.heading),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct SegmentLimits {
    max_chars: usize,
    min_chars: usize,
}

impl Default for SegmentLimits {
    fn default() -> Self {
        let l = Limits::default();
        SegmentLimits {
            max_chars: l.max_chars,
            min_chars: l.min_chars,
        }
    }
}

const COMMON_KEYS: &[&str] = &[
    "language",
    "description",
    "normalize",
    "lexicon",
    "pauses",
    "segment",
    "roles",
];

impl Voice {
    /// Parses a voice file's text. `name` is the voice name, `source` where it came from
    /// (used in messages).
    pub fn parse(name: &str, source: &str, text: &str) -> Result<Voice, VoiceError> {
        let invalid = |message: String| VoiceError::Invalid {
            source_name: source.to_owned(),
            message,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let (common, backend): (toml::Table, toml::Table) = table
            .into_iter()
            .partition(|(k, _)| COMMON_KEYS.contains(&k.as_str()));
        if !backend.contains_key("backend") {
            return Err(invalid(
                "missing `backend` (e.g. backend = \"espeak\")".into(),
            ));
        }
        let common: Common = common.try_into().map_err(|e| invalid(e.to_string()))?;
        let backend: BackendConfig = backend.try_into().map_err(|e| invalid(e.to_string()))?;
        if common.segment.max_chars < 2 || common.segment.min_chars >= common.segment.max_chars {
            return Err(invalid(
                "[segment] needs max-chars >= 2 and min-chars < max-chars".into(),
            ));
        }
        let lexicon = match &common.lexicon {
            // beside the voice file (a built-in voice has no folder: the current one)
            Some(file) => Lexicon::open(
                &Path::new(source)
                    .parent()
                    .unwrap_or(Path::new(""))
                    .join(file),
            )?,
            None => Lexicon::default(),
        };
        Ok(Voice {
            name: name.to_owned(),
            source: source.to_owned(),
            normalize: common
                .normalize
                .unwrap_or(crate::synth::mandarin::is_mandarin(&common.language)),
            pauses: Pauses {
                clause: Duration::from_millis(common.pauses.clause),
                sentence: Duration::from_millis(common.pauses.sentence),
                paragraph: Duration::from_millis(common.pauses.paragraph),
                heading: Duration::from_millis(common.pauses.heading),
            },
            limits: Limits {
                max_chars: common.segment.max_chars,
                min_chars: common.segment.min_chars,
            },
            language: common.language,
            description: common.description,
            backend,
            lexicon: Arc::new(lexicon),
            dialogue: common.roles.dialogue,
        })
    }

    /// Reads a voice file from disk.
    pub fn open(path: &Path) -> Result<Voice, VoiceError> {
        let text = std::fs::read_to_string(path).map_err(|source| VoiceError::Read {
            path: path.to_owned(),
            source,
        })?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Voice::parse(&name, &path.display().to_string(), &text)
    }

    /// Finds a voice by name or path (see the module docs for the search order).
    pub fn find(name_or_path: &str) -> Result<Voice, VoiceError> {
        let as_path = Path::new(name_or_path);
        if name_or_path.ends_with(".toml") || name_or_path.contains(std::path::MAIN_SEPARATOR) {
            return Voice::open(as_path);
        }
        for dir in search_dirs() {
            let candidate = dir.join(format!("{name_or_path}.toml"));
            if candidate.is_file() {
                return Voice::open(&candidate);
            }
        }
        if let Some((name, text)) = BUILT_IN.iter().find(|(n, _)| *n == name_or_path) {
            return Voice::parse(name, "built-in", text);
        }
        Err(VoiceError::Unknown {
            name: name_or_path.to_owned(),
            available: available().into_iter().map(|(name, _)| name).collect(),
        })
    }
}

/// Folders searched for `NAME.toml`, first match wins.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os(EnvVars::NARRATE_VOICES_DIR) {
        dirs.push(PathBuf::from(dir));
    }
    dirs.push(PathBuf::from("voices"));
    if let Some(config) = dirs::config_dir() {
        dirs.push(config.join("narrate").join("voices"));
    }
    dirs
}

/// Every voice name that `find` can resolve, with the source of the one it would pick.
/// Unreadable folders are skipped.
pub fn available() -> Vec<(String, String)> {
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    for (name, _) in BUILT_IN {
        found.insert((*name).to_owned(), "built-in".to_owned());
    }
    for dir in search_dirs().iter().rev() {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if let Some(stem) = path.file_stem()
                && path.extension().is_some_and(|e| e == "toml")
            {
                found.insert(
                    stem.to_string_lossy().into_owned(),
                    path.display().to_string(),
                );
            }
        }
    }
    found.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_voice_is_neural_and_espeak_has_its_own_name() {
        let default = Voice::find(DEFAULT_VOICE).unwrap();
        assert_eq!(default.language, "zh-CN");
        assert!(matches!(default.backend, BackendConfig::Neural(_)));
        let voice = Voice::find("zh-CN-espeak").unwrap();
        assert_eq!(voice.language, "zh-CN");
        assert!(voice.normalize);
        let BackendConfig::Espeak(settings) = &voice.backend else {
            panic!("zh-CN-espeak is an espeak voice");
        };
        assert_eq!(settings.voice.as_deref(), Some("cmn"));
        assert_eq!(voice.pauses.paragraph, Duration::from_millis(800));
    }

    #[test]
    fn every_bundled_voice_file_parses() {
        for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/voices")).unwrap() {
            let path = entry.unwrap().path();
            Voice::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }

    #[test]
    fn misspelled_setting_is_named_in_the_error() {
        let err = Voice::parse(
            "x",
            "x.toml",
            "language = \"zh-CN\"\nbackend = \"espeak\"\nsped = 100\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("sped") && err.contains("x.toml"), "{err}");
    }

    #[test]
    fn unknown_backend_is_refused() {
        let err = Voice::parse("x", "x.toml", "language = \"zh-CN\"\nbackend = \"sapi\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("sapi"), "{err}");
    }

    #[test]
    fn unknown_voice_lists_the_available_ones() {
        let err = Voice::find("no-such-voice").unwrap_err().to_string();
        assert!(err.contains("zh-CN") && err.contains("en-US"), "{err}");
    }

    #[test]
    fn pauses_shrink_when_speaking_faster() {
        let p = Pauses::default();
        let half = p.after(Boundary::Sentence, 2.0).as_secs_f64();
        assert!((half - p.sentence.as_secs_f64() / 2.0).abs() < 1e-6);
        assert!(p.after(Boundary::Heading, 1.0) > p.after(Boundary::Paragraph, 1.0));
        assert!(p.after(Boundary::Paragraph, 1.0) > p.after(Boundary::Sentence, 1.0));
    }
}
