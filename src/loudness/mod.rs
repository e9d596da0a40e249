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
use std::path::{Path, PathBuf};

pub use limiter::Limiter;
pub use meter::{Loudness, Meter};

use crate::audio::{SampleRate, SampleWriter};

/// What can go wrong while a chapter file is levelled: its temp file cannot be read, or the
/// levelled file cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum LoudnessError {
    #[error("cannot write {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Wav {
        path: PathBuf,
        #[source]
        source: hound::Error,
    },
}

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
/// 0.5 LU for espeak-ng), and more the louder it is driven. So when the limiter can act at
/// all, dry runs estimate the loudness it leaves ([`estimate_limited`]: nothing written, a
/// long chapter only sampled) at the measured gain and at that gain corrected by the miss;
/// a secant step between the two gives the gain. One pass then writes and measures; it is
/// redone once if it still misses by more than [`TOLERANCE_LU`], and a last rescale runs
/// only if the limiter's estimate of the true peak fell short of the meter's.
pub fn normalize_file(
    source: &Path,
    destination: &Path,
    spec: hound::WavSpec,
    first: &Meter,
    target: LoudnessTarget,
) -> Result<Loudness, LoudnessError> {
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
        let estimate = |gain: f64| {
            estimate_limited(source, rate, first, db_to_amplitude(gain) as f32, ceiling)
        };
        // the limiter takes more the louder it is driven: after the first correction, a
        // second estimate gives the slope, and a secant step the gain
        if let Some(before) = estimate(gain)?
            && (target.integrated - before).abs() > TOLERANCE_LU / 4.0
        {
            let first_try = gain;
            gain += target.integrated - before;
            if let Some(after) = estimate(gain)? {
                let slope = (after - before) / (gain - first_try);
                gain += (target.integrated - after) / slope.clamp(0.2, 1.0);
            }
        }
    }
    let write = |gain: f64| {
        rewrite(
            source,
            destination,
            spec,
            db_to_amplitude(gain) as f32,
            ceiling,
        )
    };
    let mut written = write(gain)?;
    if let Some(miss) = misses(written.integrated) {
        written = write(gain + miss)?;
    }
    match written.true_peak {
        Some(peak) if peak > target.true_peak => {
            let correction = db_to_amplitude(target.true_peak - peak - 0.05) as f32;
            crate::files::replace_through(
                destination,
                &destination.with_extension("peak.tmp"),
                |again| rewrite(destination, again, spec, correction, f32::INFINITY),
                |source| LoudnessError::Io {
                    path: destination.to_owned(),
                    source,
                },
            )
        }
        _ => Ok(written),
    }
}

/// The integrated loudness that `source` times `gain` would have after the limiter.
///
/// A chapter longer than two [`STRETCH`]es is sampled: of every stretch only the first
/// [`SAMPLED`] sub-blocks (100 ms each) go through the limiter and the K-weighting (after
/// [`PREROLL`] more that warm both up); each sub-block passed over is taken to keep the
/// share of its first-pass K-weighted energy that the sampled ones kept on average. Speech
/// is even enough that this lands within a few hundredths of a LU of the full pass, at a
/// fifth of its cost; the written pass checks the result anyway.
fn estimate_limited(
    source: &Path,
    rate: SampleRate,
    first: &Meter,
    gain: f32,
    ceiling: f32,
) -> Result<Option<f64>, LoudnessError> {
    let frames = first.sub_block_frames();
    // Five bytes a sub-block (180 kB for an hour), not 32: the first pass's energies
    // become the estimate in place, each sampled one replaced by its energy after the
    // limiter, each other one scaled at the end by what the sampled ones kept.
    let mut estimated = first.sub_blocks();
    let mut measured = vec![false; estimated.len()];
    let before = |k: f32| f64::from(k) * f64::from(gain).powi(2);
    let total = estimated.len();
    let sampled = total >= 2 * STRETCH;
    let mut samples = SourceSamples::open(source)?;
    let (mut after_sum, mut before_sum) = (0.0, 0.0);
    let mut at = 0;
    while at < total {
        let (counted, end) = if sampled {
            (at + PREROLL, (at + PREROLL + SAMPLED).min(total))
        } else {
            (0, total)
        };
        // sub-blocks at..end through a fresh limiter and meter; the limiter is flushed so
        // that the meter's sub-blocks line up with the source's
        let mut meter = Meter::integrated_only(rate);
        stream_limited(
            &mut samples,
            (end - at) * frames,
            rate,
            gain,
            ceiling,
            |out| {
                meter.add(out);
                Ok(())
            },
        )?;
        for (i, &k) in meter.sub_blocks().iter().enumerate() {
            if at + i >= counted {
                (after_sum, before_sum) = (
                    after_sum + f64::from(k),
                    before_sum + before(estimated[at + i]),
                );
                (estimated[at + i], measured[at + i]) = (k, true);
            }
        }
        let next = if sampled { at + STRETCH } else { total };
        samples.skip((next.min(total) - end) * frames)?;
        at = next;
    }
    let kept = if before_sum > 0.0 {
        after_sum / before_sum
    } else {
        1.0
    };
    for (k, measured) in estimated.iter_mut().zip(measured) {
        if !measured {
            *k = (before(*k) * kept) as f32;
        }
    }
    Ok(meter::integrated_loudness(&estimated, frames))
}

/// Sub-blocks (100 ms) per stretch of a sampled estimate, how many of each are limited
/// and counted, and how many before those warm the limiter up. At 12 of 80 (was 20) the
/// book bench's 23 chapters still land within 0.08 LU of the target.
const STRETCH: usize = 80;
const SAMPLED: usize = 12;
const PREROLL: usize = 3;

/// Streams the next `frames` samples of `samples` (`usize::MAX`: all that are left)
/// times `gain` through a fresh limiter at amplitude `ceiling`, handing each block that
/// leaves it to `each`; the last block includes the limiter's tail, so as many samples
/// leave as went in.
fn stream_limited(
    samples: &mut SourceSamples,
    frames: usize,
    rate: SampleRate,
    gain: f32,
    ceiling: f32,
    mut each: impl FnMut(&[f32]) -> Result<(), LoudnessError>,
) -> Result<(), LoudnessError> {
    let mut limiter = Limiter::new(rate, ceiling);
    let (mut block, mut out) = (Vec::with_capacity(BLOCK), Vec::with_capacity(BLOCK));
    let mut rest = frames;
    loop {
        let wanted = rest.min(BLOCK);
        samples.read_at_most(&mut block, wanted)?;
        rest -= block.len();
        for s in &mut block {
            *s *= gain;
        }
        out.clear();
        limiter.push_block(&block, &mut out);
        let last = block.len() < wanted || rest == 0;
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
) -> Result<Loudness, LoudnessError> {
    let wav_err = |path: &Path| {
        let path = path.to_owned();
        move |source| LoudnessError::Wav { path, source }
    };
    let rate = SampleRate::new(spec.sample_rate).expect("a chapter's rate is never zero");
    let file = std::fs::File::create(destination).map_err(|source| LoudnessError::Io {
        path: destination.to_owned(),
        source,
    })?;
    let mut writer = SampleWriter::create(
        BufWriter::with_capacity(crate::audio::FILE_BUFFER, file),
        spec,
    )
    .map_err(wav_err(destination))?;
    let mut meter = Meter::new(rate);
    let mut samples = SourceSamples::open(source)?;
    stream_limited(&mut samples, usize::MAX, rate, gain, ceiling, |out| {
        meter.add(out);
        writer.write_all(out).map_err(|source| LoudnessError::Wav {
            path: destination.to_owned(),
            source,
        })
    })?;
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
    fn open(path: &Path) -> Result<Self, LoudnessError> {
        let file = std::fs::File::open(path).map_err(|source| LoudnessError::Io {
            path: path.to_owned(),
            source,
        })?;
        let file = std::io::BufReader::with_capacity(crate::audio::FILE_BUFFER, file);
        let reader = hound::WavReader::new(file).map_err(|source| LoudnessError::Wav {
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

    /// Passes over the next `frames` samples (fewer at the end).
    fn skip(&mut self, frames: usize) -> Result<(), LoudnessError> {
        if let SourceKind::Float32 { reader, left, .. } = &mut self.kind {
            let n = (*left).min(frames);
            *left -= n;
            return std::io::Seek::seek_relative(reader, n as i64 * 4).map_err(|e| {
                LoudnessError::Wav {
                    path: self.path.clone(),
                    source: hound::Error::IoError(e),
                }
            });
        }
        let mut block = Vec::new();
        let mut rest = frames;
        while rest > 0 {
            self.read_at_most(&mut block, rest.min(BLOCK))?;
            if block.is_empty() {
                break;
            }
            rest -= block.len();
        }
        Ok(())
    }

    /// Replaces `block` with the next `most` samples, fewer only at the end.
    fn read_at_most(&mut self, block: &mut Vec<f32>, most: usize) -> Result<(), LoudnessError> {
        block.clear();
        let wav_err = |source| LoudnessError::Wav {
            path: self.path.clone(),
            source,
        };
        match &mut self.kind {
            SourceKind::Float32 {
                reader,
                left,
                bytes,
            } => {
                let n = (*left).min(most);
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
                for s in samples.by_ref().take(most) {
                    block.push(s.map_err(wav_err)? as f32 * *scale);
                }
            }
            SourceKind::Float(samples) => {
                for s in samples.by_ref().take(most) {
                    block.push(s.map_err(wav_err)?);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minute of speech (the neural fixture, 你好。) at varying levels with pauses,
    /// peaking near full scale, as a float temp file; and the meter of its first pass.
    fn long_speech(dir: &Path) -> (std::path::PathBuf, Meter) {
        let bytes = include_bytes!("../../tests/fixtures/neural/parity-nihao-wav.f32");
        let voice: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let peak = voice.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        let rate = SampleRate::new(24000).unwrap();
        let path = dir.join("speech.wav");
        let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut writer =
            SampleWriter::create(file, crate::audio::SampleFormat::Float32.spec(rate)).unwrap();
        let mut meter = Meter::integrated_only(rate);
        let (mut frames, mut i) = (0, 0);
        while frames < 24_000 * 60 {
            let level = [0.99, 0.6, 0.8, 0.45][i % 4] / peak;
            let utterance: Vec<f32> = voice.iter().map(|s| s * level).collect();
            let pause = vec![0.0; 2400 * (1 + i % 3)];
            for part in [&utterance, &pause] {
                meter.add(part);
                writer.write_all(part).unwrap();
                frames += part.len();
            }
            i += 1;
        }
        writer.finish().unwrap();
        (path, meter)
    }

    #[test]
    fn a_sampled_estimate_lands_near_the_full_one() {
        let dir = tempfile::tempdir().unwrap();
        let (path, first) = long_speech(dir.path());
        assert!(
            first.sub_blocks().len() >= 2 * STRETCH,
            "long enough to be sampled"
        );
        let rate = SampleRate::new(24000).unwrap();
        let ceiling = db_to_amplitude(-1.8) as f32;
        let gain = db_to_amplitude(-18.0 - first.loudness().integrated.unwrap()) as f32;
        let sampled = estimate_limited(&path, rate, &first, gain, ceiling)
            .unwrap()
            .unwrap();
        // the full measurement: everything through the limiter and a meter
        let mut meter = Meter::integrated_only(rate);
        let mut samples = SourceSamples::open(&path).unwrap();
        stream_limited(&mut samples, usize::MAX, rate, gain, ceiling, |out| {
            meter.add(out);
            Ok(())
        })
        .unwrap();
        let full = meter.loudness().integrated.unwrap();
        assert!(
            full < -18.3,
            "the limiter takes loudness off ({full:.2} LUFS)"
        );
        assert!(
            (sampled - full).abs() < 0.1,
            "sampled {sampled:.3}, full {full:.3}"
        );
    }

    #[test]
    fn speech_that_needs_limiting_lands_on_target_under_the_ceiling() {
        let dir = tempfile::tempdir().unwrap();
        let (path, first) = long_speech(dir.path());
        let out = dir.path().join("levelled.wav");
        let spec = crate::audio::SampleFormat::Int16.spec(SampleRate::new(24000).unwrap());
        let got = normalize_file(&path, &out, spec, &first, LoudnessTarget::default()).unwrap();
        let lufs = got.integrated.unwrap();
        let peak = got.true_peak.unwrap();
        assert!((lufs + 18.0).abs() <= TOLERANCE_LU, "{lufs:.2} LUFS");
        assert!(peak <= -1.5, "{peak:.2} dBTP");
        // what the manifest would say is what the file holds
        let samples: Vec<f32> = hound::WavReader::open(&out)
            .unwrap()
            .into_samples::<i16>()
            .map(|s| f32::from(s.unwrap()) / 32768.0)
            .collect();
        let mut reference =
            ebur128::EbuR128::new(1, 24000, ebur128::Mode::I | ebur128::Mode::TRUE_PEAK).unwrap();
        reference.add_frames_f32(&samples).unwrap();
        assert!((reference.loudness_global().unwrap() - lufs).abs() < 0.02);
    }
}
