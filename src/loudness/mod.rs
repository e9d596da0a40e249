//! Loudness: a finished chapter → the same audio at a target integrated loudness (EBU R128)
//! under a true-peak ceiling.
//!
//! A chapter is streamed to disk, so this works in passes over files, never over a whole
//! chapter in memory. While the chapter is written a [`Meter`] measures it; then
//! [`normalize_file`] reads the temp file once more, applies the gain that brings it to the
//! target, lets a look-ahead [`Limiter`] hold the true peak under the ceiling, and writes the
//! final file while measuring it again. What the manifest records is that last measurement.

mod limiter;
mod meter;

use std::io::BufWriter;
use std::path::Path;

pub use limiter::Limiter;
pub use meter::{Loudness, Meter};

use crate::audio::{SampleRate, SampleWriter};
use crate::output::Error;

/// What a chapter is brought to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoudnessTarget {
    /// Integrated loudness, LUFS.
    pub integrated: f64,
    /// True-peak ceiling, dBTP.
    pub true_peak: f64,
}

impl Default for LoudnessTarget {
    /// −18 LUFS (a common level for spoken word), −1.5 dBTP (room for lossy encoders).
    fn default() -> Self {
        LoudnessTarget {
            integrated: -18.0,
            true_peak: -1.5,
        }
    }
}

pub fn db_to_amplitude(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

pub fn amplitude_to_db(amplitude: f64) -> f64 {
    20.0 * amplitude.log10()
}

/// Frames read and written at a time.
const BLOCK: usize = 4096;

/// Reads the 32-bit float WAV `source` (measured by `first` while it was written), brings
/// it to `target` and writes `destination` in the format of `spec`. Returns the level of
/// what was written.
///
/// The limiter takes some loudness off speech whose peaks sit far above its average (about
/// 0.5 LU for espeak-ng). So when the limiter can act at all, a dry pass runs it alone
/// (nothing written, nothing K-weighted) and estimates the loudness it leaves: each 100 ms
/// of the first pass's K-weighted energy, scaled by the share of plain energy the limiter
/// kept there. The gain is corrected by that estimate's miss; then one pass writes and
/// measures. The written pass is checked and redone once if it still misses by more than
/// [`TOLERANCE_LU`], and a last rescale runs only if the limiter's estimate of the true
/// peak fell short of the meter's.
pub fn normalize_file(
    source: &Path,
    destination: &Path,
    spec: hound::WavSpec,
    first: &Meter,
    target: LoudnessTarget,
) -> Result<Loudness, Error> {
    let ceiling = db_to_amplitude(target.true_peak - LIMITER_MARGIN_DB) as f32;
    let rate = SampleRate::new(spec.sample_rate).expect("a chapter's rate is never zero");
    let Some(lufs) = first.loudness().integrated else {
        // silence: nothing to level, but the format still changes
        return rewrite(source, destination, spec, 1.0, ceiling);
    };
    let mut gain = target.integrated - lufs;
    let misses = |got: Option<f64>| {
        got.map(|got| target.integrated - got)
            .filter(|miss| miss.abs() > TOLERANCE_LU)
    };
    let limits = !Limiter::new(rate, ceiling)
        .passes_untouched(first.sample_peak() * db_to_amplitude(gain) as f32);
    if limits {
        let estimate =
            estimate_limited(source, rate, first, db_to_amplitude(gain) as f32, ceiling)?;
        if let Some(miss) = misses(estimate) {
            gain += miss;
        }
    }
    let mut written = rewrite(
        source,
        destination,
        spec,
        db_to_amplitude(gain) as f32,
        ceiling,
    )?;
    if let Some(miss) = misses(written.integrated) {
        gain += miss;
        written = rewrite(
            source,
            destination,
            spec,
            db_to_amplitude(gain) as f32,
            ceiling,
        )?;
    }
    match written.true_peak {
        Some(peak) if peak > target.true_peak => {
            let correction = db_to_amplitude(target.true_peak - peak - 0.05) as f32;
            let again = destination.with_extension("peak.tmp");
            let result = rewrite(destination, &again, spec, correction, f32::INFINITY).and_then(
                |loudness| {
                    std::fs::rename(&again, destination).map_err(|source| Error::Io {
                        path: destination.to_owned(),
                        source,
                    })?;
                    Ok(loudness)
                },
            );
            if result.is_err() {
                let _ = std::fs::remove_file(&again);
            }
            result
        }
        _ => Ok(written),
    }
}

/// The integrated loudness that `source` times `gain` would have after the limiter,
/// estimated without K-weighting it again: the first pass's K-weighted energy of each
/// 100 ms sub-block, times `gain`², times the share of plain energy the limiter keeps in it.
fn estimate_limited(
    source: &Path,
    rate: SampleRate,
    first: &Meter,
    gain: f32,
    ceiling: f32,
) -> Result<Option<f64>, Error> {
    let frames = first.sub_block_frames();
    let (mut before, mut after) = (SubBlockEnergy::new(frames), SubBlockEnergy::new(frames));
    stream_limited(
        source,
        rate,
        gain,
        ceiling,
        |input| before.add(input),
        |out| {
            after.add(out);
            Ok(())
        },
    )?;
    let weighted: Vec<f32> = first
        .sub_blocks()
        .iter()
        .zip(before.sums.iter().zip(&after.sums))
        .map(|(&k, (&b, &a))| {
            let kept = if b > 0.0 { a / b } else { 1.0 };
            (f64::from(k) * f64::from(gain).powi(2) * kept) as f32
        })
        .collect();
    Ok(meter::integrated_loudness(&weighted, frames))
}

/// Plain (unweighted) sum of squares per sub-block of a stream.
struct SubBlockEnergy {
    frames: usize,
    filled: usize,
    sum: f64,
    sums: Vec<f64>,
}

impl SubBlockEnergy {
    fn new(frames: usize) -> Self {
        SubBlockEnergy {
            frames,
            filled: 0,
            sum: 0.0,
            sums: Vec::new(),
        }
    }

    fn add(&mut self, mut samples: &[f32]) {
        while !samples.is_empty() {
            let take = (self.frames - self.filled).min(samples.len());
            let (now, later) = samples.split_at(take);
            self.sum += now.iter().map(|&x| f64::from(x * x)).sum::<f64>();
            self.filled += take;
            if self.filled == self.frames {
                self.sums.push(self.sum);
                (self.sum, self.filled) = (0.0, 0);
            }
            samples = later;
        }
    }
}

/// Streams `source` times `gain` through a limiter at amplitude `ceiling`, handing each
/// block that goes in (after the gain) to `input` and each that leaves to `each`; the last
/// block includes the limiter's tail.
fn stream_limited(
    source: &Path,
    rate: SampleRate,
    gain: f32,
    ceiling: f32,
    mut input: impl FnMut(&[f32]),
    mut each: impl FnMut(&[f32]) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut samples = SourceSamples::open(source)?;
    let mut limiter = Limiter::new(rate, ceiling);
    let (mut block, mut out) = (Vec::with_capacity(BLOCK), Vec::with_capacity(BLOCK));
    loop {
        samples.read(&mut block)?;
        for s in &mut block {
            *s *= gain;
        }
        input(&block);
        out.clear();
        limiter.push_block(&block, &mut out);
        let last = block.len() < BLOCK;
        if last {
            limiter.finish(&mut out);
        }
        each(&out)?;
        if last {
            return Ok(());
        }
    }
}

/// How far from the target loudness a chapter may land before its pass is redone.
pub const TOLERANCE_LU: f64 = 0.2;

/// The limiter holds its 4× estimate of the true peak this far under the ceiling, as the
/// estimate can miss an inter-sample peak by a fraction of a dB.
const LIMITER_MARGIN_DB: f64 = 0.3;

/// Streams `source` times `gain` through the limiter (at amplitude `ceiling`) into
/// `destination`, measuring what is written.
fn rewrite(
    source: &Path,
    destination: &Path,
    spec: hound::WavSpec,
    gain: f32,
    ceiling: f32,
) -> Result<Loudness, Error> {
    let wav_err = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Wav { path, source }
    };
    let rate = SampleRate::new(spec.sample_rate).expect("a chapter's rate is never zero");
    let file = std::fs::File::create(destination).map_err(|source| Error::Io {
        path: destination.to_owned(),
        source,
    })?;
    let mut writer =
        SampleWriter::create(BufWriter::new(file), spec).map_err(wav_err(destination))?;
    let mut meter = Meter::new(rate);
    stream_limited(
        source,
        rate,
        gain,
        ceiling,
        |_| (),
        |out| {
            meter.add(out);
            writer.write_all(out).map_err(|source| Error::Wav {
                path: destination.to_owned(),
                source,
            })
        },
    )?;
    writer.finish().map_err(wav_err(destination))?;
    Ok(meter.loudness())
}

/// The samples of a WAV file as f32 in −1.0..=1.0, whatever its integer or float format,
/// read a block at a time; 32-bit float (the temp files) straight from the bytes.
struct SourceSamples {
    path: std::path::PathBuf,
    kind: SourceKind,
}

enum SourceKind {
    Float32 {
        reader: std::io::BufReader<std::fs::File>,
        left: usize,
        bytes: Vec<u8>,
    },
    Int {
        samples: hound::WavIntoSamples<std::io::BufReader<std::fs::File>, i32>,
        scale: f32,
    },
    Float(hound::WavIntoSamples<std::io::BufReader<std::fs::File>, f32>),
}

impl SourceSamples {
    fn open(path: &Path) -> Result<Self, Error> {
        let reader = hound::WavReader::open(path).map_err(|source| Error::Wav {
            path: path.to_owned(),
            source,
        })?;
        let spec = reader.spec();
        let kind = match spec.sample_format {
            hound::SampleFormat::Float if spec.bits_per_sample == 32 => SourceKind::Float32 {
                left: reader.len() as usize,
                reader: reader.into_inner(),
                bytes: Vec::new(),
            },
            hound::SampleFormat::Float => SourceKind::Float(reader.into_samples()),
            hound::SampleFormat::Int => SourceKind::Int {
                scale: 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32,
                samples: reader.into_samples(),
            },
        };
        Ok(SourceSamples {
            path: path.to_owned(),
            kind,
        })
    }

    /// Replaces `block` with the next [`BLOCK`] samples, fewer only at the end.
    fn read(&mut self, block: &mut Vec<f32>) -> Result<(), Error> {
        block.clear();
        let wav_err = |source| Error::Wav {
            path: self.path.clone(),
            source,
        };
        match &mut self.kind {
            SourceKind::Float32 {
                reader,
                left,
                bytes,
            } => {
                let n = (*left).min(BLOCK);
                bytes.resize(n * 4, 0);
                std::io::Read::read_exact(reader, bytes)
                    .map_err(|e| wav_err(hound::Error::IoError(e)))?;
                *left -= n;
                block.extend(
                    bytes
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                );
            }
            SourceKind::Int { samples, scale } => {
                for s in samples.by_ref().take(BLOCK) {
                    block.push(s.map_err(wav_err)? as f32 * *scale);
                }
            }
            SourceKind::Float(samples) => {
                for s in samples.by_ref().take(BLOCK) {
                    block.push(s.map_err(wav_err)?);
                }
            }
        }
        Ok(())
    }
}
