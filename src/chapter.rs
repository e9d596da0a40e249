//! Chapter: utterance audio in order → one WAV file, with pauses, and the cue of each utterance.
//!
//! Audio is streamed to a temporary file beside the destination, so memory does not grow
//! with chapter length; [`ChapterWriter::finish`] renames it into place. A writer dropped
//! before `finish` removes its temporary file, so an interrupted chapter leaves nothing.

use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::audio::{Audio, SampleRate, to_i16, wav_spec};
use crate::output::Error;

/// Where one utterance sits in its chapter, in frames at the chapter's rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    pub start: usize,
    pub end: usize,
}

/// A chapter being written.
pub struct ChapterWriter {
    destination: PathBuf,
    temp: PathBuf,
    writer: Option<hound::WavWriter<BufWriter<std::fs::File>>>,
    rate: SampleRate,
    frames: usize,
}

/// A finished chapter file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenChapter {
    pub path: PathBuf,
    pub frames: usize,
}

impl ChapterWriter {
    /// Starts `destination` (written as a hidden temp file in the same folder until
    /// [`finish`](Self::finish)).
    pub fn create(destination: &Path, rate: SampleRate) -> Result<Self, Error> {
        let name = destination
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = destination.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let writer =
            hound::WavWriter::create(&temp, wav_spec(rate)).map_err(|source| Error::Wav {
                path: temp.clone(),
                source,
            })?;
        Ok(ChapterWriter {
            destination: destination.to_owned(),
            temp,
            writer: Some(writer),
            rate,
            frames: 0,
        })
    }

    /// Frames written so far.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Appends an utterance (already at the chapter's rate) and returns its cue.
    pub fn speak(&mut self, audio: &Audio) -> Result<Cue, Error> {
        debug_assert_eq!(audio.rate, self.rate);
        let start = self.frames;
        self.write_samples(audio.samples.iter().copied())?;
        Ok(Cue {
            start,
            end: self.frames,
        })
    }

    /// Appends silence.
    pub fn pause(&mut self, duration: Duration) -> Result<(), Error> {
        let frames = self.rate.frames(duration);
        self.write_samples(std::iter::repeat_n(0.0, frames))
    }

    fn write_samples(&mut self, samples: impl Iterator<Item = f32>) -> Result<(), Error> {
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        for s in samples {
            writer
                .write_sample(to_i16(s))
                .map_err(|source| Error::Wav {
                    path: self.temp.clone(),
                    source,
                })?;
            self.frames += 1;
        }
        Ok(())
    }

    /// Completes the WAV header, flushes, and renames the file into place.
    pub fn finish(mut self) -> Result<WrittenChapter, Error> {
        if let Some(writer) = self.writer.take() {
            writer.finalize().map_err(|source| Error::Wav {
                path: self.temp.clone(),
                source,
            })?;
        }
        std::fs::rename(&self.temp, &self.destination).map_err(|source| Error::Io {
            path: self.destination.clone(),
            source,
        })?;
        Ok(WrittenChapter {
            path: self.destination.clone(),
            frames: self.frames,
        })
    }
}

impl Drop for ChapterWriter {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate() -> SampleRate {
        SampleRate::new(8000).unwrap()
    }

    #[test]
    fn finished_chapter_holds_speech_and_pauses_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("01-test.wav");
        let mut w = ChapterWriter::create(&path, rate()).unwrap();
        let tone = Audio {
            samples: vec![0.5; 800],
            rate: rate(),
        };
        let first = w.speak(&tone).unwrap();
        w.pause(Duration::from_millis(250)).unwrap();
        let second = w.speak(&tone).unwrap();
        assert_eq!(first, Cue { start: 0, end: 800 });
        assert_eq!(
            second,
            Cue {
                start: 2800,
                end: 3600
            }
        );
        let done = w.finish().unwrap();
        assert_eq!(done.frames, 3600);
        let reader = hound::WavReader::open(&path).unwrap();
        assert_eq!(reader.duration(), 3600);
        assert_eq!(reader.spec().bits_per_sample, 16);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temp file left");
    }

    #[test]
    fn abandoned_chapter_leaves_no_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("01-test.wav");
        let mut w = ChapterWriter::create(&path, rate()).unwrap();
        w.pause(Duration::from_millis(100)).unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
