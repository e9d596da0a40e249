//! Loudness: a finished chapter → the same audio at a target integrated loudness (EBU R128)
//! under a true-peak ceiling.
//!
//! A chapter is streamed to disk, so this works in passes over files, never over a whole
//! chapter in memory. While the chapter is written a [`Meter`] measures it; then
//! [`normalize_file`] reads the temp file once more, applies the gain that brings it to the
//! target, lets a look-ahead [`Limiter`] hold the true peak under the ceiling, and writes the
//! final file while measuring it again. What the manifest records is that last measurement.

use std::collections::VecDeque;
use std::io::BufWriter;
use std::path::Path;

use ebur128::{EbuR128, Mode};
use serde::{Deserialize, Serialize};

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

/// A chapter's measured level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Loudness {
    /// Integrated loudness in LUFS; `None` for a chapter with nothing above the −70 LUFS gate.
    pub integrated: Option<f64>,
    /// Highest true peak in dBTP (4× oversampled); `None` for digital silence.
    pub true_peak: Option<f64>,
}

/// EBU R128 integrated loudness and true peak of a mono stream, in constant memory; also
/// the highest absolute sample.
pub struct Meter(EbuR128, f32);

impl Meter {
    /// Integrated loudness and true peak.
    pub fn new(rate: SampleRate) -> Self {
        Self::with_mode(rate, Mode::I | Mode::TRUE_PEAK | Mode::HISTOGRAM)
    }

    /// Integrated loudness only (`true_peak` reads `None`): the true peak is 4×
    /// oversampled and costs more than the rest of the meter, so a pass that only needs
    /// the loudness skips it.
    pub fn integrated_only(rate: SampleRate) -> Self {
        Self::with_mode(rate, Mode::I | Mode::HISTOGRAM)
    }

    fn with_mode(rate: SampleRate, mode: Mode) -> Self {
        let meter = EbuR128::new(1, rate.hz(), mode)
            .expect("one channel at a non-zero rate is a valid meter");
        Meter(meter, 0.0)
    }

    pub fn add(&mut self, samples: &[f32]) {
        // only fails for a frame count that is not a multiple of the channel count (1)
        let _ = self.0.add_frames_f32(samples);
        self.1 = samples.iter().fold(self.1, |m, s| m.max(s.abs()));
    }

    /// The highest absolute sample so far.
    pub fn sample_peak(&self) -> f32 {
        self.1
    }

    pub fn loudness(&self) -> Loudness {
        let integrated = self
            .0
            .loudness_global()
            .ok()
            .filter(|l| l.is_finite() && *l > -70.0);
        let true_peak = self
            .0
            .true_peak(0)
            .ok()
            .filter(|p| *p > 0.0)
            .map(amplitude_to_db);
        Loudness {
            integrated,
            true_peak,
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

/// Reads the 32-bit float WAV `source` (measured as `measured` while it was written, its
/// highest absolute sample `sample_peak`), brings it to `target` and writes `destination` in
/// the format of `spec`. Returns the level of what was written.
///
/// The limiter takes some loudness off speech whose peaks sit far above its average. So
/// when the limiter can act at all, a dry pass first measures only the integrated loudness
/// after gain and limiter (nothing written, no true-peak meter) and corrects the gain by its
/// miss when that exceeds [`TOLERANCE_LU`]; then one pass writes and measures. When the
/// limiter cannot act the written pass is checked instead, and redone once if it misses. A
/// last rescale runs only if the limiter's estimate of the true peak fell short of the
/// meter's.
pub fn normalize_file(
    source: &Path,
    destination: &Path,
    spec: hound::WavSpec,
    measured: Loudness,
    sample_peak: f32,
    target: LoudnessTarget,
) -> Result<Loudness, Error> {
    let ceiling = db_to_amplitude(target.true_peak - LIMITER_MARGIN_DB) as f32;
    let rate = SampleRate::new(spec.sample_rate).expect("a chapter's rate is never zero");
    let Some(lufs) = measured.integrated else {
        // silence: nothing to level, but the format still changes
        return rewrite(source, destination, spec, 1.0, ceiling);
    };
    let mut gain = target.integrated - lufs;
    let misses = |got: Option<f64>| {
        got.map(|got| target.integrated - got)
            .filter(|miss| miss.abs() > TOLERANCE_LU)
    };
    let limits =
        !Limiter::new(rate, ceiling).passes_untouched(sample_peak * db_to_amplitude(gain) as f32);
    let mut checked = false;
    if limits {
        if let Some(miss) = misses(dry_run(
            source,
            rate,
            db_to_amplitude(gain) as f32,
            ceiling,
        )?) {
            gain += miss;
        }
        checked = true;
    }
    let mut written = rewrite(
        source,
        destination,
        spec,
        db_to_amplitude(gain) as f32,
        ceiling,
    )?;
    if !checked && let Some(miss) = misses(written.integrated) {
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

/// The integrated loudness of `source` times `gain` through the limiter, nothing written.
fn dry_run(source: &Path, rate: SampleRate, gain: f32, ceiling: f32) -> Result<Option<f64>, Error> {
    let mut meter = Meter::integrated_only(rate);
    stream_limited(source, rate, gain, ceiling, |out| {
        meter.add(out);
        Ok(())
    })?;
    Ok(meter.loudness().integrated)
}

/// Streams `source` times `gain` through a limiter at amplitude `ceiling`, handing each
/// block that leaves it to `each`; the last block includes the limiter's tail.
fn stream_limited(
    source: &Path,
    rate: SampleRate,
    gain: f32,
    ceiling: f32,
    mut each: impl FnMut(&[f32]) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut samples = SourceSamples::open(source)?;
    let mut limiter = Limiter::new(rate, ceiling);
    let (mut block, mut out) = (Vec::with_capacity(BLOCK), Vec::with_capacity(BLOCK));
    loop {
        samples.read(&mut block)?;
        out.clear();
        for &s in &block {
            limiter.push(s * gain, &mut out);
        }
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
    let mut writer = SampleWriter::new(
        hound::WavWriter::new(BufWriter::new(file), spec).map_err(wav_err(destination))?,
        spec,
    );
    let mut meter = Meter::new(rate);
    stream_limited(source, rate, gain, ceiling, |out| {
        meter.add(out);
        for &s in out {
            if let Err(source) = writer.write(s) {
                return Err(Error::Wav {
                    path: destination.to_owned(),
                    source,
                });
            }
        }
        Ok(())
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

/// A look-ahead peak limiter: the gain reaches its lowest point exactly at each peak, falls
/// towards it over the look-ahead (a linear ramp, no step) and recovers with an exponential
/// release, so speech under the ceiling passes untouched and nothing clicks.
///
/// Peaks are estimated 4× oversampled (the sample and the points ¼, ½, ¾ of the way to
/// each neighbour), as a true-peak meter sees them. With `r[j]` the gain frame j needs and
/// `m[t] = min r[t..t+L]` (held by the release, which only lowers it), the gain at frame s is
/// the mean of `m[s-L+1..=s]`. Every term of that mean is at most `r[s]`, so no estimated
/// peak passes the ceiling.
pub struct Limiter {
    ceiling: f32,
    lookahead: usize,
    release: f32,
    /// The last `TAPS` input samples.
    history: VecDeque<f32>,
    /// Peak of the interpolated points between the previous centre sample and this one.
    left_interval: f32,
    /// Samples waiting for their gain.
    waiting: VecDeque<f32>,
    /// Monotonic deque of (frame, needed gain) for the sliding minimum.
    minimum: VecDeque<(u64, f32)>,
    /// The held minimum of the last `lookahead` frames, and their sum.
    recent: VecDeque<f32>,
    recent_sum: f64,
    held: f32,
    /// Samples pushed so far, the flush included.
    pushed: u64,
    /// Outputs still to drop: those of the silence that primed the limiter.
    skip: usize,
    /// Interpolation taps for the points ¼, ½ and ¾ of the way between two samples.
    taps: [[f32; TAPS]; 3],
    /// The most any interpolated point can exceed the loudest sample it is made of (the
    /// largest sum of absolute taps): below the ceiling by that margin, no point can reach it.
    tap_gain: f32,
}

/// Length of the interpolation filter; the detector lags `TAPS / 2` frames behind.
const TAPS: usize = 12;

impl Limiter {
    /// Look-ahead 2 ms, release 60 ms; `ceiling` is an amplitude.
    pub fn new(rate: SampleRate, ceiling: f32) -> Self {
        let lookahead = rate.frames(std::time::Duration::from_millis(2)).max(1);
        let release = (-1.0 / (0.060 * f64::from(rate.hz()))).exp() as f32;
        let mut taps = [[0.0f32; TAPS]; 3];
        for (p, phase) in taps.iter_mut().enumerate() {
            let frac = (p + 1) as f64 / 4.0;
            for (k, tap) in phase.iter_mut().enumerate() {
                // the point sits between history[TAPS/2 - 1] and history[TAPS/2]
                let x = k as f64 - (TAPS / 2 - 1) as f64 - frac;
                let sinc = if x == 0.0 {
                    1.0
                } else {
                    (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
                };
                let window = (std::f64::consts::FRAC_PI_2 * x / (TAPS as f64 / 2.0 + 1.0))
                    .cos()
                    .powi(2);
                *tap = (sinc * window) as f32;
            }
        }
        let tap_gain = taps
            .iter()
            .map(|phase| phase.iter().map(|t| t.abs()).sum::<f32>())
            .fold(0.0f32, f32::max);
        let mut limiter = Limiter {
            tap_gain,
            ceiling,
            lookahead,
            release,
            history: VecDeque::from(vec![0.0; TAPS]),
            left_interval: 0.0,
            waiting: VecDeque::new(),
            minimum: VecDeque::new(),
            recent: VecDeque::from(vec![1.0; lookahead]),
            recent_sum: lookahead as f64,
            held: 1.0,
            pushed: 0,
            skip: 0,
            taps,
        };
        // the gain at the first frames averages over frames before them: run silence
        // through, so those are computed like any other instead of assumed to be 1
        let mut primed = Vec::new();
        for _ in 1..lookahead {
            limiter.push(0.0, &mut primed);
        }
        limiter.skip = lookahead - 1 - primed.len();
        limiter
    }

    /// Whether audio whose samples all stay within ±`peak` passes with its gain at exactly
    /// 1 (no estimated point can reach the ceiling).
    pub fn passes_untouched(&self, peak: f32) -> bool {
        // a hair of margin for rounding in the gain
        peak * self.tap_gain * 1.0001 <= self.ceiling
    }

    /// Frames between a sample going in and coming out.
    fn delay(&self) -> usize {
        TAPS / 2 + self.lookahead - 1
    }

    /// Feeds one sample; appends what leaves the limiter (one sample, once it is primed).
    pub fn push(&mut self, sample: f32, out: &mut Vec<f32>) {
        self.pushed += 1;
        self.history.pop_front();
        self.history.push_back(sample);
        let centre = self.history[TAPS / 2 - 1];
        // Most speech sits far under the ceiling: then a bound on the interpolated points
        // decides as well as the points themselves (the gain needed is 1 either way).
        let loudest = self.history.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let bound = loudest * self.tap_gain;
        let right_interval = if bound <= self.ceiling {
            bound
        } else {
            let (front, back) = self.history.as_slices();
            let mut widest = 0.0f32;
            for phase in &self.taps {
                let (near, far) = phase.split_at(front.len());
                let v: f32 = near.iter().zip(front).map(|(t, x)| t * x).sum::<f32>()
                    + far.iter().zip(back).map(|(t, x)| t * x).sum::<f32>();
                widest = widest.max(v.abs());
            }
            widest
        };
        let peak = centre.abs().max(self.left_interval).max(right_interval);
        self.left_interval = right_interval;
        // `centre` is frame j; frames before 0 are the zeros the history starts with
        let Some(j) = self.pushed.checked_sub(TAPS as u64 / 2 + 1) else {
            return;
        };
        self.waiting.push_back(centre);
        let need = if peak > self.ceiling {
            self.ceiling / peak
        } else {
            1.0
        };
        while self.minimum.back().is_some_and(|&(_, g)| g >= need) {
            self.minimum.pop_back();
        }
        self.minimum.push_back((j, need));
        // the window s..=j with s = j + 1 - L is complete
        let Some(s) = (j + 1).checked_sub(self.lookahead as u64) else {
            return;
        };
        while self.minimum.front().is_some_and(|&(i, _)| i < s) {
            self.minimum.pop_front();
        }
        let m = self.minimum.front().expect("holds frame j").1;
        self.held = m.min(1.0 - (1.0 - self.held) * self.release);
        let oldest = self.recent.pop_front().unwrap_or(1.0);
        self.recent_sum += f64::from(self.held) - f64::from(oldest);
        self.recent.push_back(self.held);
        let gain = ((self.recent_sum / self.lookahead as f64) as f32).min(1.0);
        let x = self.waiting.pop_front().expect("frame s is waiting");
        if self.skip > 0 {
            self.skip -= 1;
        } else {
            out.push(x * gain);
        }
    }

    /// Flushes the samples still inside: afterwards as many came out as went in.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        for _ in 0..self.delay() {
            self.push(0.0, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate() -> SampleRate {
        SampleRate::new(24000).unwrap()
    }

    fn limit(input: &[f32], ceiling: f32) -> Vec<f32> {
        let mut limiter = Limiter::new(rate(), ceiling);
        let mut out = Vec::new();
        for &s in input {
            limiter.push(s, &mut out);
        }
        limiter.finish(&mut out);
        out
    }

    #[test]
    fn quiet_audio_passes_unchanged_and_in_step() {
        let input: Vec<f32> = (0..5000).map(|i| 0.3 * (i as f32 * 0.05).sin()).collect();
        let out = limit(&input, 0.8);
        assert_eq!(out.len(), input.len());
        for (a, b) in input.iter().zip(&out) {
            assert!((a - b).abs() < 1e-6);
        }
    }

    #[test]
    fn peaks_are_held_under_the_ceiling_then_released() {
        let mut input = vec![0.0f32; 1000];
        input.extend((0..2000).map(|i| 1.5 * (i as f32 * 0.3).sin()));
        input.extend(vec![0.1f32; 6000]);
        let out = limit(&input, 0.5);
        assert_eq!(out.len(), input.len());
        let peak = out.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak <= 0.5 + 1e-6, "{peak}");
        // after the release, the quiet tail is back to (nearly) its level
        assert!((out[8990] - 0.1).abs() < 0.002, "{}", out[8990]);
    }

    #[test]
    fn true_peak_of_a_limited_tone_stays_under_the_ceiling() {
        // a tone near Nyquist/4 with its peaks between samples
        let input: Vec<f32> = (0..24000)
            .map(|i| (2.0 * std::f32::consts::PI * 5_513.0 * i as f32 / 24000.0 + 0.7).sin())
            .collect();
        let ceiling = db_to_amplitude(-1.8) as f32;
        let out = limit(&input, ceiling);
        let sp = out.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(sp <= ceiling, "sample peak {sp}");
        let mut meter = Meter::new(rate());
        meter.add(&out);
        let tp = meter.loudness().true_peak.unwrap();
        assert!(tp <= -1.5, "true peak {tp:.2} dBTP");
    }

    #[test]
    fn meter_reads_a_full_scale_1khz_sine_at_minus_3_lufs() {
        let input: Vec<f32> = (0..48000)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 24000.0).sin())
            .collect();
        let mut meter = Meter::new(rate());
        meter.add(&input);
        let l = meter.loudness();
        assert!((l.integrated.unwrap() + 3.01).abs() < 0.1, "{l:?}");
        assert!(l.true_peak.unwrap().abs() < 0.1, "{l:?}");
    }
}
