//! Chapter: utterance audio in order → one WAV file, with pauses, and the cue of each utterance.
//!
//! Audio is streamed to a temporary file beside the destination, so memory does not grow
//! with chapter length; [`ChapterWriter::finish`] renames it into place. A writer dropped
//! before `finish` removes its temporary file, so an interrupted chapter leaves nothing.

use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::audio::{Audio, SampleFormat, SampleRate, SampleWriter};
use crate::loudness::{self, Loudness, LoudnessTarget, Meter};
use crate::output::{self, OutputError};

/// Where one utterance sits in its chapter, in frames at the chapter's rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    pub start: usize,
    pub end: usize,
}

/// How a chapter file is stored and levelled.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ChapterFormat {
    pub samples: SampleFormat,
    /// Loudness to bring the chapter to when it is finished; `None` keeps the level as is.
    pub loudness: Option<LoudnessTarget>,
}

/// A chapter being written.
pub struct ChapterWriter {
    destination: PathBuf,
    temp: PathBuf,
    writer: Option<SampleWriter<BufWriter<std::fs::File>>>,
    rate: SampleRate,
    frames: usize,
    format: ChapterFormat,
    meter: Meter,
}

/// A finished chapter file.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenChapter {
    pub path: PathBuf,
    pub frames: usize,
    /// Level of the finished file.
    pub loudness: Loudness,
}

impl ChapterWriter {
    /// Starts `destination` (written as a hidden temp file in the same folder until
    /// [`finish`](Self::finish)).
    pub fn create(destination: &Path, rate: SampleRate) -> Result<Self, OutputError> {
        Self::create_as(destination, rate, ChapterFormat::default())
    }

    /// Like [`create`](Self::create), in `format`. With a loudness target the temp file
    /// holds 32-bit floats, and `finish` writes the levelled file in the final format.
    pub fn create_as(
        destination: &Path,
        rate: SampleRate,
        format: ChapterFormat,
    ) -> Result<Self, OutputError> {
        let name = destination
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = destination.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let wav_error = |source| OutputError::Wav {
            path: temp.clone(),
            source,
        };
        let file = std::fs::File::create(&temp).map_err(|source| OutputError::Io {
            path: temp.clone(),
            source,
        })?;
        // with a target, a float temp file that `finish` levels into the final format
        let spec = match format.loudness {
            Some(_) => SampleFormat::Float32.spec(rate),
            None => format.samples.spec(rate),
        };
        let writer = SampleWriter::create(
            BufWriter::with_capacity(crate::audio::FILE_BUFFER, file),
            spec,
        )
        .map_err(wav_error)?;
        Ok(ChapterWriter {
            destination: destination.to_owned(),
            temp,
            writer: Some(writer),
            rate,
            frames: 0,
            format,
            // with a target, the levelling pass measures the true peak of what it writes
            meter: if format.loudness.is_some() {
                Meter::integrated_only(rate)
            } else {
                Meter::new(rate)
            },
        })
    }

    /// Frames written so far.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Appends an utterance (already at the chapter's rate) and returns its cue.
    pub fn speak(&mut self, audio: &Audio) -> Result<Cue, OutputError> {
        debug_assert_eq!(audio.rate, self.rate);
        let start = self.frames;
        self.write_samples(&audio.samples)?;
        Ok(Cue {
            start,
            end: self.frames,
        })
    }

    /// Appends silence.
    pub fn pause(&mut self, duration: Duration) -> Result<(), OutputError> {
        let frames = self.rate.frames(duration);
        self.write_samples(&vec![0.0; frames])
    }

    fn write_samples(&mut self, samples: &[f32]) -> Result<(), OutputError> {
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        self.meter.add(samples);
        writer
            .write_all(samples)
            .map_err(|source| OutputError::Wav {
                path: self.temp.clone(),
                source,
            })?;
        self.frames += samples.len();
        Ok(())
    }

    /// Completes the WAV header, flushes, and renames the file into place.
    pub fn finish(mut self) -> Result<WrittenChapter, OutputError> {
        let Some(writer) = self.writer.take() else {
            unreachable!("the writer is only taken by finish, which consumes self");
        };
        let wav_error = |path: &Path| {
            let path = path.to_owned();
            move |source| OutputError::Wav { path, source }
        };
        let result = writer
            .finish()
            .map_err(wav_error(&self.temp))
            .and_then(|()| self.level());
        let loudness = match result {
            Ok(loudness) => loudness,
            Err(err) => {
                let _ = std::fs::remove_file(&self.temp);
                return Err(err);
            }
        };
        std::fs::rename(&self.temp, &self.destination).map_err(|source| OutputError::Io {
            path: self.destination.clone(),
            source,
        })?;
        Ok(WrittenChapter {
            path: self.destination.clone(),
            frames: self.frames,
            loudness,
        })
    }

    /// Brings the temp file to the loudness target (a second pass through a second temp
    /// file, which then replaces the first); returns the level of the result.
    fn level(&self) -> Result<Loudness, OutputError> {
        let Some(target) = self.format.loudness else {
            return Ok(self.meter.loudness());
        };
        let spec = self.format.samples.spec(self.rate);
        output::replace_through(
            &self.temp,
            &self.temp.with_extension("level.tmp"),
            |levelled| {
                loudness::normalize_file(&self.temp, levelled, spec, &self.meter, target)
                    .map_err(OutputError::from)
            },
        )
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

    #[test]
    fn chapter_with_a_loudness_target_is_levelled_in_24_bits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("01-test.wav");
        let rate = SampleRate::new(24000).unwrap();
        let format = ChapterFormat {
            samples: SampleFormat::Int24,
            loudness: Some(LoudnessTarget::default()),
        };
        let mut w = ChapterWriter::create_as(&path, rate, format).unwrap();
        // quiet bursts of a buzzy tone (its peaks are high for its loudness)
        let burst = Audio {
            samples: (0..12000)
                .map(|i| 0.05 * (i as f32 * 0.2).sin().signum() * (i as f32 * 0.013).sin())
                .collect(),
            rate,
        };
        let mut cues = Vec::new();
        for _ in 0..4 {
            cues.push(w.speak(&burst).unwrap());
            w.pause(Duration::from_millis(300)).unwrap();
        }
        let done = w.finish().unwrap();
        let lufs = done.loudness.integrated.unwrap();
        let peak = done.loudness.true_peak.unwrap();
        assert!((lufs + 18.0).abs() < 1.0, "{lufs:.2} LUFS");
        assert!(peak <= -1.5, "{peak:.2} dBTP");
        let reader = hound::WavReader::open(&path).unwrap();
        assert_eq!(reader.spec().bits_per_sample, 24);
        assert_eq!(reader.duration() as usize, done.frames);
        // the pauses stay silent and the cues still point at the bursts
        let samples: Vec<i32> = reader.into_samples().map(Result::unwrap).collect();
        assert!(
            samples[cues[0].end + 10..cues[1].start - 10]
                .iter()
                .all(|&s| s == 0)
        );
        assert!(
            samples[cues[1].start + 100..cues[1].start + 200]
                .iter()
                .any(|&s| s != 0)
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }
}
