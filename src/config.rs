//! Config: everything one narration needs, resolved in one place — the voice, the
//! settings a user may change (the binary's flags), and the environment — and the one
//! call that runs the stages in order. The binary builds a `Config` from its flags; a
//! library user starts from [`Config::new`].
//!
//! ```
//! use narrate::config::Config;
//! use narrate::progress::Silent;
//! use narrate::voice::Voice;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let input = dir.path().join("游记.txt");
//! std::fs::write(&input, "第一章 出发\n\n清晨，我们从上海出发，走了3公里。\n")?;
//!
//! let mut config = Config::new(Voice::find("zh-CN-espeak")?);
//! config.cache = None; // no utterance cache for this example
//! let engine = config.engine();
//! let manifest = config.narrate(&input, &engine, &dir.path().join("游记"), &Silent)?;
//!
//! assert_eq!(manifest.chapters.len(), 1);
//! assert!(manifest.chapters[0].duration > 1.0);
//! assert!(dir.path().join("游记").join("manifest.json").is_file());
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::audio::SampleRate;
use crate::book::{self, BookError, BookOptions};
use crate::chapter::ChapterFormat;
use crate::env::EnvVars;
use crate::ingest::IngestError;
use crate::output::{Manifest, RunRecord};
use crate::plan::{self, PlanOptions};
use crate::progress::Progress;
use crate::run::{self, CancelToken, RunError, RunOptions};
use crate::subtitles::SubtitleFormat;
use crate::synth::cache::{Cached, Store};
use crate::synth::cast::Cast;
use crate::synth::{SynthError, SynthOptions, Synthesizer};
use crate::voice::Voice;

/// One narration's settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub voice: Voice,
    /// The voice quoted speech is said with, when `voice.dialogue` names one
    /// ([`with_dialogue`](Self::with_dialogue)).
    pub dialogue_voice: Option<Voice>,
    /// Speaking rate, 1.0 = the voice's own: scales the engine's speed and the pauses.
    pub rate: f32,
    /// Sample rate of the chapter files.
    pub sample_rate: SampleRate,
    /// Utterances synthesized at once (an HTTP voice's own limit wins).
    pub jobs: usize,
    /// Sample format and loudness target of the chapter files.
    pub chapter: ChapterFormat,
    /// Subtitle files written beside each chapter.
    pub subtitles: BTreeSet<SubtitleFormat>,
    /// Playlist, CUE sheet, MP3 or M4B made from the chapters.
    pub book: BookOptions,
    /// Whether numbers and symbols are rewritten into words, and the largest input read.
    pub plan: PlanOptions,
    /// The utterance cache's folder; `None` reads and writes no cache.
    pub cache: Option<PathBuf>,
    /// The program an espeak-ng voice starts as its batch server (the `narrate` binary
    /// itself, started with `synth::espeak::server::SERVE_ARG`); `None` starts espeak-ng.
    pub espeak_server: Option<PathBuf>,
    /// Title and author for the manifest and tags, over what the document says.
    pub title: Option<String>,
    pub author: Option<String>,
    /// Trips to stop the run (Ctrl-C).
    pub cancel: CancelToken,
    /// The command line that asked for this narration, kept in the manifest (so that
    /// `narrate check --redo` can narrate again the same way).
    pub record: Option<RunRecord>,
}

/// Why a narration failed.
#[derive(Debug, thiserror::Error)]
pub enum NarrateError {
    #[error(transparent)]
    Engine(#[from] SynthError),
    #[error(transparent)]
    Read(#[from] IngestError),
    #[error("nothing to read aloud: the file is empty or holds only spaces and punctuation")]
    Empty,
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Book(#[from] BookError),
}

impl Config {
    /// The defaults for `voice`: its own rate, 24 kHz 16-bit chapters levelled to
    /// −18 LUFS, as many jobs as cores, normalization as the voice asks, and the cache in
    /// `$NARRATE_CACHE_DIR` or the user's cache folder.
    pub fn new(voice: Voice) -> Config {
        Config {
            plan: PlanOptions {
                normalize: voice.normalize,
                ..PlanOptions::default()
            },
            // a dialogue voice named in the voice file that cannot be found is reported by
            // `with_dialogue`, which the binary calls; here it is simply not used
            dialogue_voice: voice
                .dialogue
                .as_deref()
                .and_then(|name| Voice::find(name).ok()),
            voice,
            rate: 1.0,
            sample_rate: SampleRate::new(24000).expect("not 0"),
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            chapter: ChapterFormat::default(),
            subtitles: BTreeSet::new(),
            book: BookOptions::default(),
            cache: std::env::var_os(EnvVars::NARRATE_CACHE_DIR)
                .map(PathBuf::from)
                .or_else(Store::default_dir),
            espeak_server: None,
            title: None,
            author: None,
            cancel: CancelToken::new(),
            record: None,
        }
    }

    /// Whether the voice's engine is installed (a neural voice's model); [`narrate`]
    /// checks it first, and a caller with many files may check it once before them.
    ///
    /// [`narrate`]: Self::narrate
    pub fn check_engine(&self) -> Result<(), SynthError> {
        self.voice.backend.check_installed()?;
        match &self.dialogue_voice {
            Some(dialogue) => dialogue.backend.check_installed(),
            None => Ok(()),
        }
    }

    /// Quoted speech is said by the voice `name` (a name or a path): quotes become
    /// utterances of their own.
    pub fn with_dialogue(mut self, name: &str) -> Result<Config, crate::voice::VoiceError> {
        self.dialogue_voice = Some(Voice::find(name)?);
        self.voice.dialogue = Some(name.to_owned());
        Ok(self)
    }

    /// The voices' engines (the narrator's, and the dialogue voice's when there is one),
    /// each behind the utterance cache (when there is one).
    pub fn engine(&self) -> Cast {
        let build = |voice: &Voice| {
            let engine = voice.backend.build(
                &voice.language,
                SynthOptions {
                    rate: self.rate,
                    espeak_server: self.espeak_server.clone(),
                    lexicon: voice.lexicon.clone(),
                    jobs: self.jobs,
                },
            );
            Cached::new(engine, self.cache.clone().map(Store::new))
        };
        Cast::new(build(&self.voice), self.dialogue_voice.as_ref().map(build))
    }

    /// What [`run::narrate`] takes from this config.
    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            sample_rate: self.sample_rate,
            jobs: self.jobs,
            rate: self.rate,
            chapter: self.chapter,
            subtitles: self.subtitles.clone(),
            cancel: self.cancel.clone(),
            record: self.record.clone(),
        }
    }

    /// Narrates `input` into the folder `out`: reads and plans it, synthesizes its
    /// chapters with `engine` (from [`engine`](Self::engine)), writes the manifest and
    /// the book files. Chapters an earlier run left in `out` from the same text and
    /// settings are kept. Warnings about the input go to `progress`.
    pub fn narrate(
        &self,
        input: &Path,
        engine: &dyn Synthesizer,
        out: &Path,
        progress: &dyn Progress,
    ) -> Result<Manifest, NarrateError> {
        self.check_engine()?;
        let mut plan = plan::plan(input, &self.voice, &self.plan)?;
        plan.title = self.title.clone().or(plan.title);
        plan.author = self.author.clone().or(plan.author);
        for warning in &plan.warnings {
            progress.warning(input, warning);
        }
        if plan.chapters.is_empty() {
            return Err(NarrateError::Empty);
        }
        let manifest = run::narrate(
            &plan,
            &self.voice,
            engine,
            out,
            &self.run_options(),
            progress,
        )?;
        book::write(&manifest, out, &self.book)?;
        Ok(manifest)
    }
}
