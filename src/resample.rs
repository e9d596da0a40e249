//! Resample: [`Audio`] at the engine's rate → [`Audio`] at the output rate, with rubato.
//!
//! A synchronous FFT resampler (fixed ratio, anti-aliased) is built once per rate pair and
//! reused for every utterance.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler, WindowFunction};

use crate::audio::{Audio, SampleRate};

#[derive(Debug, thiserror::Error)]
pub enum ResampleError {
    #[error("cannot resample {from} to {to}")]
    Construct {
        from: SampleRate,
        to: SampleRate,
        #[source]
        source: rubato::ResamplerConstructionError,
    },
    #[error("resampling failed")]
    Process(#[from] rubato::ResampleError),
    #[error("resampler buffer")]
    Size(#[from] rubato::audioadapter_buffers::SizeError),
}

/// Input frames per FFT block. One block per chunk (no sub-chunks) makes the anti-aliasing
/// filter as long as the block. Measured by the tests below: at 2048, 22050 → 24000 is flat
/// to 10.5 kHz (rubato's default 256-frame blocks start rolling off at 10 kHz, −5 dB at
/// 10.5 kHz), a 1 kHz tone keeps 110 dB SNR, and images and aliases stay 130 dB down.
const FFT_CHUNK: usize = 2048;

/// Converts clips from one fixed rate to another. Holds its FFT plans, so keep one per
/// thread and rate pair.
pub struct RateConverter {
    from: SampleRate,
    to: SampleRate,
    fft: Option<Fft<f32>>,
}

impl RateConverter {
    pub fn new(from: SampleRate, to: SampleRate) -> Result<Self, ResampleError> {
        let fft = if from == to {
            None
        } else {
            let fft = Fft::<f32>::new_custom(
                from.hz() as usize,
                to.hz() as usize,
                FFT_CHUNK,
                1,
                1,
                WindowFunction::BlackmanHarris2,
                FixedSync::Input,
            )
            .map_err(|source| ResampleError::Construct { from, to, source })?;
            Some(fft)
        };
        Ok(RateConverter { from, to, fft })
    }

    pub fn from_rate(&self) -> SampleRate {
        self.from
    }

    /// Resamples one clip, which must be at `from` rate. The result has
    /// `ceil(len × to / from)` frames (exact integer arithmetic) and no start-up delay.
    pub fn convert(&mut self, audio: Audio) -> Result<Audio, ResampleError> {
        debug_assert_eq!(audio.rate, self.from);
        let Some(fft) = self.fft.as_mut() else {
            return Ok(audio);
        };
        if audio.samples.is_empty() {
            return Ok(Audio {
                samples: Vec::new(),
                rate: self.to,
            });
        }
        let frames = audio.samples.len();
        let input = InterleavedSlice::new(&audio.samples, 1, frames)?;
        let mut samples = fft.process_all(&input, frames, None)?.take_data();
        // rubato rounds the length up from a floating-point ratio; use the exact one
        let exact = (frames as u64 * u64::from(self.to.hz())).div_ceil(u64::from(self.from.hz()));
        samples.truncate(exact as usize);
        Ok(Audio {
            samples,
            rate: self.to,
        })
    }
}

/// Resamples one clip to `to`, building a converter for this call only.
pub fn to_rate(audio: Audio, to: SampleRate) -> Result<Audio, ResampleError> {
    RateConverter::new(audio.rate, to)?.convert(audio)
}

/// How far below the tone at `freq` everything else in `audio` lies, in dB: the
/// least-squares sine at `freq` (any amplitude and phase) is removed and what is left
/// (images, aliases, noise) is compared with it. The tests and the resampling bench
/// (`examples/resample.rs`) measure quality with it; the edges (10% each) are ignored.
pub fn tone_rejection_db(audio: &Audio, freq: f32) -> f64 {
    let w = 2.0 * std::f64::consts::PI * f64::from(freq) / f64::from(audio.rate.hz());
    let edge = audio.samples.len() / 10;
    let range = edge..audio.samples.len() - edge;
    let (mut cc, mut ss, mut cs, mut xc, mut xs) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for i in range.clone() {
        let (c, s, x) = (
            (w * i as f64).cos(),
            (w * i as f64).sin(),
            f64::from(audio.samples[i]),
        );
        cc += c * c;
        ss += s * s;
        cs += c * s;
        xc += x * c;
        xs += x * s;
    }
    let det = cc * ss - cs * cs;
    let a = (xc * ss - xs * cs) / det;
    let b = (xs * cc - xc * cs) / det;
    let (mut tone, mut rest) = (0.0f64, 0.0f64);
    for i in range {
        let fit = a * (w * i as f64).cos() + b * (w * i as f64).sin();
        tone += fit * fit;
        let e = f64::from(audio.samples[i]) - fit;
        rest += e * e;
    }
    10.0 * (tone / rest).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(hz: u32) -> SampleRate {
        SampleRate::new(hz).unwrap()
    }

    fn sine(freq: f32, rate: SampleRate, frames: usize) -> Audio {
        let samples = (0..frames)
            .map(|i| {
                let phase =
                    2.0 * std::f64::consts::PI * f64::from(freq) * i as f64 / f64::from(rate.hz());
                (0.5 * phase.sin()) as f32
            })
            .collect();
        Audio { samples, rate }
    }

    /// Signal-to-noise ratio of `audio` against the ideal sine at its rate, in dB, over the
    /// middle 80% (the edges of a clip are a fade, not a steady tone). Amplitude and phase
    /// errors count as noise, so this measures passband error and aliasing together.
    fn snr_db(audio: &Audio, freq: f32) -> f64 {
        let ideal = |i: usize| {
            0.5 * (2.0 * std::f64::consts::PI * f64::from(freq) * i as f64
                / f64::from(audio.rate.hz()))
            .sin()
        };
        let edge = audio.samples.len() / 10;
        let (mut sig, mut noise) = (0.0f64, 0.0f64);
        for i in edge..audio.samples.len() - edge {
            let s = ideal(i);
            sig += s * s;
            let e = f64::from(audio.samples[i]) - s;
            noise += e * e;
        }
        10.0 * (sig / noise).log10()
    }

    #[test]
    fn same_rate_is_the_identity() {
        let audio = sine(440.0, rate(24000), 1000);
        assert_eq!(to_rate(audio.clone(), rate(24000)).unwrap(), audio);
    }

    #[test]
    fn length_scales_with_the_ratio() {
        let audio = sine(440.0, rate(22050), 22050);
        let out = to_rate(audio, rate(24000)).unwrap();
        assert_eq!(out.rate, rate(24000));
        assert_eq!(out.samples.len(), 24000);
    }

    /// The rate pairs narrate uses most: espeak-ng's 22050 Hz to the default 24000 Hz, and
    /// 24000 Hz engines to 44100 Hz.
    const PAIRS: [(u32, u32); 2] = [(22050, 24000), (24000, 44100)];

    #[test]
    #[allow(clippy::print_stderr)] // `--nocapture` shows the measurement
    fn one_khz_tone_keeps_an_snr_of_90_db() {
        for (from, to) in PAIRS {
            let out = to_rate(sine(1000.0, rate(from), from as usize), rate(to)).unwrap();
            let snr = snr_db(&out, 1000.0);
            eprintln!("{from} -> {to}: 1 kHz SNR {snr:.1} dB");
            assert!(snr >= 90.0, "{from} -> {to}: SNR {snr:.1} dB");
        }
    }

    #[test]
    #[allow(clippy::print_stderr)] // `--nocapture` shows the measurement
    fn tones_near_the_top_of_the_band_leave_no_images_or_aliases() {
        // 22050 -> 24000: a 10 kHz tone would mirror to 12050 Hz, above the new Nyquist, and
        // alias down to 11950 Hz. 24000 -> 44100: an 11 kHz tone has its first image at
        // 13 kHz, which the output rate could carry.
        for ((from, to), freq) in PAIRS.into_iter().zip([10_000.0, 11_000.0]) {
            let out = to_rate(sine(freq, rate(from), from as usize), rate(to)).unwrap();
            let rejection = tone_rejection_db(&out, freq);
            eprintln!("{from} -> {to}: {freq} Hz tone, images and aliases {rejection:.1} dB below");
            assert!(
                rejection >= 90.0,
                "{from} -> {to} at {freq} Hz: {rejection:.1} dB"
            );
        }
    }

    #[test]
    fn passband_is_flat_to_10_khz() {
        // 60 dB SNR against the ideal sine means the level is within 0.01 dB and the phase
        // within a millisecond of a degree
        for (from, to) in PAIRS {
            for freq in [100.0, 1000.0, 4000.0, 8000.0, 10_000.0] {
                let out = to_rate(sine(freq, rate(from), from as usize), rate(to)).unwrap();
                let snr = snr_db(&out, freq);
                assert!(snr >= 60.0, "{from} -> {to} at {freq} Hz: {snr:.1} dB");
            }
        }
    }

    #[test]
    fn empty_clip_stays_empty() {
        let audio = Audio {
            samples: vec![],
            rate: rate(22050),
        };
        assert!(to_rate(audio, rate(24000)).unwrap().samples.is_empty());
    }
}
