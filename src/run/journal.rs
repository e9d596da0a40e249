//! Journal: each chapter a run finishes, appended to a file as one JSON line the moment it
//! is done, and read back only when the manifest is written.
//!
//! Writing manifest.json after every chapter would cost time with the square of the
//! chapter count (the manifest holds every utterance of every chapter so far). So a run
//! writes each chapter's record once, here, and rewrites manifest.json only after its 1st,
//! 2nd, 4th, 8th… written chapter and when it ends: linear in the book. A run killed
//! between two rewrites leaves the journal, and the next run reads the chapters it lists
//! on top of the manifest's. A run that ends (done, failed or cancelled) writes the
//! manifest and removes the journal.

use std::fs::File;
use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::output::{self, ChapterRecord, Manifest};

/// The journal's name in the output folder: hidden, beside manifest.json.
const FILE_NAME: &str = ".manifest-journal.jsonl";

/// Whether manifest.json is rewritten after the run's `written`-th written chapter
/// (1-based): after 1, 2, 4, 8…, so that all rewrites together cost at most twice the
/// last one.
pub(super) fn rewrite_after(written: usize) -> bool {
    written.is_power_of_two()
}

/// The journal file of one output folder, open for appending.
pub(super) struct Journal {
    path: PathBuf,
    file: File,
}

/// Where a chapter's line is in the journal.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    offset: u64,
    len: usize,
}

impl Journal {
    /// Opens (or creates) the journal of `dir`; lines an earlier, killed run left stay,
    /// and one it cut short is ended, so that it does not swallow the next.
    pub(super) fn open(dir: &Path) -> Result<Journal, output::OutputError> {
        let path = dir.join(FILE_NAME);
        let io = |source| io_error(&path, source);
        let mut file = File::options()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io)?;
        let len = file.seek(SeekFrom::End(0)).map_err(io)?;
        if len > 0 {
            let mut last = [0];
            file.seek(SeekFrom::End(-1)).map_err(io)?;
            file.read_exact(&mut last).map_err(io)?;
            if last[0] != b'\n' {
                file.write_all(b"\n").map_err(io)?;
            }
        }
        Ok(Journal { path, file })
    }

    /// Appends `record` as one line and makes it durable, so a run killed after this
    /// keeps the chapter.
    pub(super) fn append(&mut self, record: &ChapterRecord) -> Result<Entry, output::OutputError> {
        let io = |source| io_error(&self.path, source);
        let mut line = serde_json::to_vec(record).map_err(|e| io(e.into()))?;
        line.push(b'\n');
        let offset = self.file.seek(SeekFrom::End(0)).map_err(io)?;
        self.file.write_all(&line).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        Ok(Entry {
            offset,
            len: line.len(),
        })
    }

    /// The record at `entry`.
    pub(super) fn read(&self, entry: Entry) -> std::io::Result<ChapterRecord> {
        let mut file = &self.file;
        file.seek(SeekFrom::Start(entry.offset))?;
        let mut line = vec![0; entry.len];
        file.read_exact(&mut line)?;
        Ok(serde_json::from_slice(&line)?)
    }

    /// Removes the journal once the manifest lists everything in it.
    pub(super) fn remove(self) -> Result<(), output::OutputError> {
        std::fs::remove_file(&self.path).map_err(|source| io_error(&self.path, source))
    }
}

/// The chapters an earlier run in `dir` finished: those `manifest` lists, then those its
/// journal lists (a later line wins over an earlier one and over the manifest's record of
/// the same file). A line a kill cut short, or that is not a record, is passed over.
pub(super) fn previous_chapters(dir: &Path, manifest: Option<Manifest>) -> Vec<ChapterRecord> {
    let mut chapters = manifest.map(|m| m.chapters).unwrap_or_default();
    let Ok(file) = File::open(dir.join(FILE_NAME)) else {
        return chapters;
    };
    for line in std::io::BufReader::new(file).split(b'\n') {
        let Ok(line) = line else { break };
        let Ok(record) = serde_json::from_slice::<ChapterRecord>(&line) else {
            continue;
        };
        match chapters.iter_mut().find(|c| c.file == record.file) {
            Some(old) => *old = record,
            None => chapters.push(record),
        }
    }
    chapters
}

fn io_error(path: &Path, source: std::io::Error) -> output::OutputError {
    output::OutputError::Io {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(file: &str, key: &str) -> ChapterRecord {
        ChapterRecord {
            index: 1,
            title: "第一章".into(),
            level: 1,
            file: file.into(),
            frames: 2400,
            duration: 0.1,
            key: key.into(),
            loudness: None,
            utterances: Vec::new(),
        }
    }

    #[test]
    fn rewrites_happen_at_powers_of_two_only() {
        let rewrites: Vec<usize> = (1..=300).filter(|&n| rewrite_after(n)).collect();
        assert_eq!(rewrites, [1, 2, 4, 8, 16, 32, 64, 128, 256]);
    }

    #[test]
    fn records_read_back_and_later_lines_win_over_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path()).unwrap();
        let a = journal.append(&record("01-a.wav", "new")).unwrap();
        let b = journal.append(&record("02-b.wav", "b")).unwrap();
        assert_eq!(journal.read(b).unwrap(), record("02-b.wav", "b"));
        assert_eq!(journal.read(a).unwrap(), record("01-a.wav", "new"));
        drop(journal);
        // a kill in the middle of a line
        let mut file = File::options()
            .append(true)
            .open(dir.path().join(FILE_NAME))
            .unwrap();
        file.write_all(br#"{"index":3,"title":"#).unwrap();
        drop(file);
        // the next run's lines are read whole after it
        let mut journal = Journal::open(dir.path()).unwrap();
        journal.append(&record("03-c.wav", "c")).unwrap();
        drop(journal);

        let manifest = Manifest {
            source: "book.txt".into(),
            title: None,
            author: None,
            voice: "zh-CN".into(),
            backend: "espeak-ng".into(),
            sample_rate: 24000,
            chapters: vec![record("01-a.wav", "old"), record("00-z.wav", "z")],
            warnings: Vec::new(),
            run: None,
        };
        let chapters = previous_chapters(dir.path(), Some(manifest));
        let listed: Vec<(&str, &str)> = chapters
            .iter()
            .map(|c| (c.file.as_str(), c.key.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                ("01-a.wav", "new"),
                ("00-z.wav", "z"),
                ("02-b.wav", "b"),
                ("03-c.wav", "c")
            ]
        );

        Journal::open(dir.path()).unwrap().remove().unwrap();
        assert_eq!(previous_chapters(dir.path(), None), Vec::new());
    }
}
