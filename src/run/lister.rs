//! Lister: finished chapters, in order → their subtitles, the journal and the manifest.
//!
//! Each written chapter's record (with its utterances) is written once, to the journal;
//! manifest.json is written from the journal now and then and when the run ends, so the
//! cost of listing grows with the book, not with its square (see [`super::journal`]).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::mpsc;

use super::RunError;
use super::journal::{self, Entry, Journal};
use super::writer::Done;
use crate::output::{self, Manifest};
use crate::progress::Progress;
use crate::subtitles::{self, BookInfo, SubtitleFormat};

/// What the lister works from.
#[derive(Clone, Copy)]
pub(super) struct Lister<'a> {
    pub(super) dir: &'a Path,
    pub(super) manifest_path: &'a Path,
    pub(super) subtitles: &'a BTreeSet<SubtitleFormat>,
    pub(super) progress: &'a dyn Progress,
}

impl Lister<'_> {
    /// Lists chapters as they are done, in order: writes each one's subtitles, a written
    /// one's record to the journal, and manifest.json after the 1st, 2nd, 4th… written
    /// chapter. Stops at the first error; then as at the end, manifest.json is written
    /// with every chapter listed so far and the journal removed. `manifest` gets the
    /// chapters, the written ones without their utterances (manifest.json has them).
    pub(super) fn list_in_order(
        self,
        arrived: mpsc::Receiver<Done<'_>>,
        manifest: &mut Manifest,
    ) -> Result<(), RunError> {
        let mut journal = Journal::open(self.dir)?;
        // for each chapter of `manifest`, where the journal holds its utterances
        let mut entries: Vec<Option<Entry>> = Vec::new();
        let listed = self.list(arrived, manifest, &mut journal, &mut entries);
        // what was finished is listed whatever stopped the run
        let written = self.write_manifest(manifest, &journal, &entries);
        listed?;
        written?;
        Ok(journal.remove()?)
    }

    fn list(
        self,
        arrived: mpsc::Receiver<Done<'_>>,
        manifest: &mut Manifest,
        journal: &mut Journal,
        entries: &mut Vec<Option<Entry>>,
    ) -> Result<(), RunError> {
        let book = BookInfo {
            title: manifest.title.clone(),
            author: manifest.author.clone(),
        };
        let mut written = 0;
        for done in arrived {
            match done {
                Done::Kept(record) => {
                    self.progress.chapter_kept(&record);
                    subtitles::write(self.dir, &record, self.subtitles, &book)?;
                    manifest.chapters.push(record);
                    entries.push(None);
                }
                Done::Written(finishing) => {
                    let mut record = finishing.complete()?;
                    self.progress.chapter_written(&record);
                    subtitles::write(self.dir, &record, self.subtitles, &book)?;
                    entries.push(Some(journal.append(&record)?));
                    record.utterances = Vec::new();
                    manifest.chapters.push(record);
                    written += 1;
                    if journal::rewrite_after(written) {
                        self.write_manifest(manifest, journal, entries)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes `manifest`, the utterances of its written chapters read from the journal.
    fn write_manifest(
        &self,
        manifest: &Manifest,
        journal: &Journal,
        entries: &[Option<Entry>],
    ) -> Result<(), RunError> {
        let utterances = |i: usize| match entries[i] {
            Some(entry) => journal.read(entry).map(|record| Some(record.utterances)),
            None => Ok(None),
        };
        Ok(output::write_manifest_with(
            self.manifest_path,
            manifest,
            &utterances,
        )?)
    }
}
