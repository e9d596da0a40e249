//! narrate turns articles and books, first of all Mandarin Chinese, into audiobooks.
//!
//! ```text
//! bytes ─ingest→ Document ─plan (segment, normalize)→ Plan: chapters of spoken utterances
//!       ─synth→ [Audio] ─resample→ [Audio] ─chapter→ WAV file + cues ─output→ manifest.json
//! ```
//!
//! Each stage is one module; [`config::Config`] holds one narration's settings and runs the
//! stages in order (its module shows a whole narration in a few lines). The library never prints: it returns data and errors, and
//! reports progress through [`progress::Progress`], which the binary implements.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod audio;
pub mod book;
pub mod chapter;
pub mod check;
pub mod config;
pub mod encode;
pub mod env;
pub mod files;
pub mod ingest;
pub mod lexicon;
pub mod loudness;
pub mod normalize;
pub mod output;
pub mod plan;
pub mod progress;
pub mod resample;
pub mod run;
pub mod segment;
pub mod subtitles;
pub mod synth;
pub mod text;
pub mod voice;

pub use text::{BlockKind, Document, LeftOut, Paragraph, Section, Warning};
