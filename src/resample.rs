//! Resample: [`Audio`] at the engine's rate → [`Audio`] at the output rate, with rubato.
//!
//! A synchronous FFT resampler (fixed ratio, anti-aliased) is built once per rate pair and
//! reused for every utterance.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

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
            let fft = Fft::<f32>::new(
                from.hz() as usize,
                to.hz() as usize,
                1024,
                1,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(hz: u32) -> SampleRate {
        SampleRate::new(hz).unwrap()
    }

    fn sine(freq: f32, rate: SampleRate, frames: usize) -> Audio {
        let samples = (0..frames)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * freq * i as f32 / rate.hz() as f32).sin())
            .collect();
        Audio { samples, rate }
    }

    /// Signal-to-noise ratio of `audio` against an ideal sine, ignoring the edges.
    fn snr_db(audio: &Audio, freq: f32) -> f64 {
        let ideal = sine(freq, audio.rate, audio.samples.len());
        let edge = audio.samples.len() / 10;
        let (mut sig, mut noise) = (0.0f64, 0.0f64);
        for i in edge..audio.samples.len() - edge {
            let s = f64::from(ideal.samples[i]);
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

    #[test]
    fn one_khz_tone_keeps_a_high_snr_from_22050_to_24000() {
        let out = to_rate(sine(1000.0, rate(22050), 22050), rate(24000)).unwrap();
        let snr = snr_db(&out, 1000.0);
        assert!(snr > 60.0, "SNR {snr:.1} dB");
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
