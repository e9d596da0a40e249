//! Progress: the library's only channel to the user while a run goes on.
//!
//! The pipeline calls these methods; the binary implements them (indicatif bars on a
//! terminal, one line per chapter otherwise). Every method has a no-op default.

use std::path::Path;

use crate::output::ChapterRecord;
use crate::text::Warning;

pub trait Progress: Send + Sync {
    /// A document is about to be synthesized.
    fn document_started(&self, _source: &Path, _chapters: usize, _utterances: usize) {}
    /// A chapter's first utterance is being written.
    fn chapter_started(&self, _index: usize, _title: &str, _utterances: usize) {}
    /// One more utterance is in its chapter file.
    fn utterance_done(&self) {}
    /// A chapter file is complete and renamed into place.
    fn chapter_written(&self, _chapter: &ChapterRecord) {}
    /// A chapter file from an earlier run was already right and is kept as it is.
    fn chapter_kept(&self, _chapter: &ChapterRecord) {}
    /// Something the user should know about the input.
    fn warning(&self, _source: &Path, _warning: &Warning) {}
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {}
