//! Lister: finished chapters, in order → their subtitles and the manifest, rewritten as
//! each chapter is done so that a failed run still lists what it finished.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::mpsc;

use super::NarrateError;
use super::writer::{Done, Heard};
use crate::output::{self, Manifest};
use crate::plan::Plan;
use crate::progress::Progress;
use crate::subtitles::{self, BookInfo, SubtitleFormat};

/// What the lister works from.
#[derive(Clone, Copy)]
pub(super) struct Lister<'a> {
    pub(super) plan: &'a Plan,
    pub(super) dir: &'a Path,
    pub(super) manifest_path: &'a Path,
    pub(super) subtitles: &'a BTreeSet<SubtitleFormat>,
    pub(super) progress: &'a dyn Progress,
}

impl Lister<'_> {
    /// Lists chapters in the manifest as they are done, in order, rewriting it each time,
    /// and writes each one's subtitles; stops at the first error. A written chapter's
    /// utterances are listed from its plan and cues, and made into records (planned again)
    /// only while they are written out: a book's records would otherwise grow with every
    /// chapter. `manifest` gets the written chapters without them.
    pub(super) fn list_in_order(
        self,
        arrived: mpsc::Receiver<Done<'_>>,
        manifest: &mut Manifest,
    ) -> Result<(), NarrateError> {
        let book = BookInfo {
            title: manifest.title.clone(),
            author: manifest.author.clone(),
        };
        let mut heard: Vec<Option<Heard>> = Vec::new();
        // whether manifest.json lacks chapters that `manifest` has
        let mut behind = true;
        for done in arrived {
            match done {
                Done::Kept(record) => {
                    self.progress.chapter_kept(&record);
                    subtitles::write(self.dir, &record, self.subtitles, &book)?;
                    manifest.chapters.push(record);
                    heard.push(None);
                    behind = true;
                }
                Done::Written(finishing) => {
                    let (mut record, in_file) = finishing.complete()?;
                    // the record as the manifest lists it, while it is reported
                    record.utterances = in_file.records(self.plan);
                    self.progress.chapter_written(&record);
                    subtitles::write(self.dir, &record, self.subtitles, &book)?;
                    record.utterances = Vec::new();
                    manifest.chapters.push(record);
                    heard.push(Some(in_file));
                    self.write_manifest(manifest, &heard)?;
                    behind = false;
                }
            }
        }
        if behind {
            self.write_manifest(manifest, &heard)?;
        }
        Ok(())
    }

    /// Writes `manifest`, the utterances of its written chapters made from `heard`.
    fn write_manifest(
        &self,
        manifest: &Manifest,
        heard: &[Option<Heard>],
    ) -> Result<(), NarrateError> {
        let utterances = |i: usize| heard[i].as_ref().map(|h| h.records(self.plan));
        Ok(output::write_manifest_with(
            self.manifest_path,
            manifest,
            &utterances,
        )?)
    }
}
