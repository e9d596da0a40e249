//! A look-ahead peak limiter that holds the true peak (as a 4× oversampled meter sees it)
//! under a ceiling.

use std::collections::VecDeque;
use std::ops::Range;

use crate::audio::SampleRate;

/// A look-ahead peak limiter: the gain reaches its lowest point exactly at each peak, falls
/// towards it over the look-ahead (a linear ramp, no step) and recovers with an exponential
/// release, so speech under the ceiling passes untouched and nothing clicks.
///
/// Peaks are estimated 4× oversampled (the sample and the points ¼, ½, ¾ of the way to
/// each neighbour), as a true-peak meter sees them. With `r[j]` the gain frame j needs and
/// `m[t] = min r[t..t+L]` (held by the release, which only lowers it), the gain at frame s is
/// the mean of `m[s-L+1..=s]`. Every term of that mean is at most `r[s]`, so no estimated
/// peak passes the ceiling.
///
/// Samples go in a block at a time ([`push_block`](Limiter::push_block)); the
/// interpolation runs over the whole block at once, the gain sample by sample.
pub struct Limiter {
    ceiling: f32,
    lookahead: usize,
    release: f32,
    /// Interpolation taps for the points ¼, ½ and ¾ of the way between two samples.
    taps: [[f32; TAPS]; 3],
    /// The most any interpolated point can exceed the loudest sample it is made of (the
    /// largest sum of absolute taps): below the ceiling by that margin, no point can reach it.
    tap_gain: f32,
    /// The last `CONTEXT + lookahead` samples pushed (zeros before the first), then the
    /// block being pushed.
    samples: Vec<f32>,
    /// Per sample of the block: the largest interpolated point between the sample
    /// `TAPS / 2` before it and the next one.
    intervals: Vec<f32>,
    /// Per run of [`RUN`] samples of the block: whether nothing in its windows is loud.
    quiet_runs: Vec<bool>,
    /// That of the sample before the block.
    left_interval: f32,
    /// Monotonic deque of (sample, needed gain) for the sliding minimum.
    minimum: VecDeque<(u64, f32)>,
    /// The gain reduction (1 − gain) held for each of the last `lookahead` frames (a
    /// ring), their sum, and the held reduction now. Kept as reductions, the release is one
    /// multiply and a max per sample: `d = max(1 − m, d·release)`.
    recent: Vec<f32>,
    recent_next: usize,
    recent_sum: f64,
    /// How many of the latest held reductions were 0 in a row: from `lookahead` on, the
    /// whole ring is 0.
    recent_zeros: usize,
    held: f32,
    /// Samples pushed so far, the flush included.
    pushed: u64,
    /// Whether quiet runs take the short ways (always, but in the tests that hold them to
    /// the full step).
    shortcuts: bool,
}

/// Length of the interpolation filter; the detector lags `TAPS / 2` frames behind.
const TAPS: usize = 12;
/// Samples kept before a block for the interpolation window.
const CONTEXT: usize = TAPS;
/// Samples interpolated at a time (scratch that stays in the L1 cache).
const CHUNK: usize = 1024;
/// Samples whose windows are checked for anything loud at once.
const RUN: usize = 16;

impl Limiter {
    /// Look-ahead 2 ms, release 60 ms; `ceiling` is an amplitude.
    pub fn new(rate: SampleRate, ceiling: f32) -> Self {
        let lookahead = rate.frames(std::time::Duration::from_millis(2)).max(1);
        let release = (-1.0 / (0.060 * f64::from(rate.hz()))).exp() as f32;
        let mut taps = [[0.0f32; TAPS]; 3];
        for (p, phase) in taps.iter_mut().enumerate() {
            let frac = (p + 1) as f64 / 4.0;
            for (k, tap) in phase.iter_mut().enumerate() {
                // the point sits between window[TAPS/2 - 1] and window[TAPS/2]
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
        Limiter {
            ceiling,
            lookahead,
            release,
            taps,
            tap_gain,
            samples: vec![0.0; CONTEXT + lookahead],
            intervals: Vec::with_capacity(CHUNK),
            quiet_runs: Vec::with_capacity(CHUNK.div_ceil(RUN)),
            left_interval: 0.0,
            minimum: VecDeque::new(),
            recent: vec![0.0; lookahead],
            recent_next: 0,
            recent_sum: 0.0,
            recent_zeros: lookahead,
            held: 0.0,
            pushed: 0,
            shortcuts: true,
        }
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

    /// Feeds samples; appends what leaves the limiter (as many as went in, less the
    /// delay until [`finish`](Limiter::finish)).
    pub fn push_block(&mut self, block: &[f32], out: &mut Vec<f32>) {
        for chunk in block.chunks(CHUNK) {
            self.push_chunk(chunk, out);
        }
    }

    fn push_chunk(&mut self, chunk: &[f32], out: &mut Vec<f32>) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx") {
            // SAFETY: the CPU has AVX (checked just above)
            return unsafe { self.push_chunk_avx(chunk, out) };
        }
        self.push_chunk_portable(chunk, out);
    }

    /// The interpolation, eight points at a time; element-wise arithmetic in the same
    /// order, so the output is the same to the bit.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    unsafe fn push_chunk_avx(&mut self, chunk: &[f32], out: &mut Vec<f32>) {
        self.push_chunk_portable(chunk, out);
    }

    #[inline(always)]
    fn push_chunk_portable(&mut self, chunk: &[f32], out: &mut Vec<f32>) {
        let kept = CONTEXT + self.lookahead;
        let n = chunk.len();
        self.samples.extend_from_slice(chunk);
        // the interpolated points right of each centre, for the whole chunk at once; the
        // window of the i-th new sample is samples[kept + i + 1 - TAPS ..= kept + i]
        self.intervals.clear();
        self.intervals.resize(n, 0.0);
        // Most of speech sits far under the ceiling: a run of samples whose windows hold
        // nothing loud keeps 0 (the gain it needs is 1 whatever its points are).
        let quiet = self.ceiling / self.tap_gain;
        self.quiet_runs.clear();
        for (run, widest) in self.intervals.chunks_mut(RUN).enumerate() {
            let first = kept + run * RUN;
            let window = &self.samples[first + 1 - TAPS..first + widest.len()];
            // (every element tested, no early exit: eight at a time, no branch to mispredict)
            let is_quiet = window.iter().fold(true, |all, x| all & (x.abs() <= quiet));
            self.quiet_runs.push(is_quiet);
            if is_quiet {
                continue;
            }
            let mut points = [0.0f32; RUN];
            let points = &mut points[..widest.len()];
            for phase in &self.taps {
                points.fill(0.0);
                for (k, &tap) in phase.iter().enumerate() {
                    let from = first + 1 - TAPS + k;
                    for (point, &x) in points.iter_mut().zip(&self.samples[from..]) {
                        *point += tap * x;
                    }
                }
                for (widest, point) in widest.iter_mut().zip(points.iter()) {
                    *widest = widest.max(point.abs());
                }
            }
        }
        let lookahead = self.lookahead as u64;
        let delay = self.delay();
        let per_frame = 1.0 / self.lookahead as f64;
        let (ceiling, release) = (self.ceiling, self.release);
        // the state the loop carries, in registers rather than behind `self`
        let (mut left, mut held, mut sum, mut next, mut zeros) = (
            self.left_interval,
            self.held,
            self.recent_sum,
            self.recent_next,
            self.recent_zeros,
        );
        let recent = &mut self.recent[..];
        let minimum = &mut self.minimum;
        // the samples that leave: all but those still inside before the first flush
        let silent = (delay as u64).saturating_sub(self.pushed).min(n as u64) as usize;
        let start = out.len();
        out.resize(start + n - silent, 0.0);
        let samples = &self.samples;
        // the chunk's samples leave the limiter delayed, at a gain
        let mut leaving = Leaving {
            out: &mut out[start..],
            samples,
            offset: kept - delay,
            silent,
        };
        // (a released reduction under 1e-9 is 0: no denormals in long quiet stretches)
        let released = |held: f32| {
            let released = held * release;
            if released < 1e-9 { 0.0 } else { released }
        };
        // the gain the held reductions give: 1 less their mean
        let gain_of = |sum: f64| (1.0 - (sum * per_frame) as f32).min(1.0);
        let ring = recent.len();
        // holds a reduction in the ring; the gain the held reductions give
        let mut hold = |held: f32, next: &mut usize, sum: &mut f64, zeros: &mut usize| {
            let oldest = std::mem::replace(&mut recent[*next], held);
            *next += 1;
            if *next == ring {
                *next = 0;
            }
            *sum += f64::from(held) - f64::from(oldest);
            *zeros = if held == 0.0 { *zeros + 1 } else { 0 };
            gain_of(*sum)
        };
        for (run, rights) in self.intervals.chunks(RUN).enumerate() {
            let first = run * RUN;
            if self.shortcuts && self.quiet_runs[run] && left <= ceiling && minimum.is_empty() {
                // Nothing here needs reduction and none is pending (m = 1): only the
                // release runs, as the full step below would compute it.
                let frames = first..first + rights.len();
                if zeros >= ring && gain_of(sum) == 1.0 {
                    // Released to nothing: the ring holds only zeros (the latest is `held`),
                    // it stays so, and every gain in the run is exactly 1 (as its sum, after
                    // rounding, says). The samples leave as they are.
                    next = (next + frames.len()) % ring;
                    zeros += frames.len();
                    leaving.as_they_are(frames);
                    left = 0.0;
                    continue;
                }
                for i in frames {
                    held = released(held);
                    leaving.at(i, hold(held, &mut next, &mut sum, &mut zeros));
                }
                left = 0.0;
                continue;
            }
            for (i, &right) in (first..).zip(rights) {
                let t = self.pushed + i as u64;
                let centre = samples[kept + i - TAPS / 2];
                let peak = centre.abs().max(left).max(right);
                left = right;
                let need = if peak > ceiling { ceiling / peak } else { 1.0 };
                // frames that need no reduction stay out of the deque: m is 1 when it is empty
                if need < 1.0 {
                    while minimum.back().is_some_and(|&(_, g)| g >= need) {
                        minimum.pop_back();
                    }
                    minimum.push_back((t, need));
                }
                while minimum.front().is_some_and(|&(f, _)| f + lookahead <= t) {
                    minimum.pop_front();
                }
                let m = minimum.front().map_or(1.0, |&(_, g)| g);
                held = (1.0 - m).max(released(held));
                leaving.at(i, hold(held, &mut next, &mut sum, &mut zeros));
            }
        }
        self.pushed += n as u64;
        (
            self.left_interval,
            self.held,
            self.recent_sum,
            self.recent_next,
            self.recent_zeros,
        ) = (left, held, sum, next, zeros);
        self.samples.drain(..n);
    }

    /// Flushes the samples still inside: afterwards as many came out as went in.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        self.push_block(&vec![0.0; self.delay()], out);
    }
}

/// Where a chunk's samples leave the limiter: sample i of the chunk (`offset` on in the
/// limiter's samples) at `out[i - silent]`, none before `silent`.
struct Leaving<'a> {
    out: &'a mut [f32],
    samples: &'a [f32],
    offset: usize,
    silent: usize,
}

impl Leaving<'_> {
    /// Sample `i` leaves at `gain`.
    #[inline(always)]
    fn at(&mut self, i: usize, gain: f32) {
        if i >= self.silent {
            self.out[i - self.silent] = self.samples[self.offset + i] * gain;
        }
    }

    /// The samples `frames` leave as they are (at a gain of exactly 1).
    #[inline(always)]
    fn as_they_are(&mut self, frames: Range<usize>) {
        let from = frames.start.max(self.silent);
        if from < frames.end {
            self.out[from - self.silent..frames.end - self.silent]
                .copy_from_slice(&self.samples[self.offset + from..self.offset + frames.end]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Meter, db_to_amplitude};
    use super::*;

    fn rate() -> SampleRate {
        SampleRate::new(24000).unwrap()
    }

    fn limit(input: &[f32], ceiling: f32) -> Vec<f32> {
        let mut limiter = Limiter::new(rate(), ceiling);
        let mut out = Vec::new();
        limiter.push_block(input, &mut out);
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
        // the gain falls before the burst (look-ahead), not after it starts
        assert!(out[1000 - 1].abs() < 1e-6 && (out[1001] / input[1001]) < 0.5);
    }

    #[test]
    fn any_block_sizes_give_the_same_samples() {
        let mut rng = fastrand::Rng::with_seed(7);
        let input: Vec<f32> = (0..30_000)
            .map(|i| {
                let level = if (i / 5000) % 3 == 1 { 1.4 } else { 0.2 };
                level * (rng.f32() * 2.0 - 1.0) * (i as f32 * 0.01).sin()
            })
            .collect();
        let whole = limit(&input, 0.5);
        assert_ne!(whole, input, "the limiter acted");
        for size in [1, 7, 997, 4096] {
            let mut limiter = Limiter::new(rate(), 0.5);
            let mut out = Vec::new();
            for block in input.chunks(size) {
                limiter.push_block(block, &mut out);
            }
            limiter.finish(&mut out);
            assert!(whole == out, "blocks of {size}");
        }
    }

    #[test]
    fn quiet_runs_give_what_the_full_step_gives() {
        // bursts over the ceiling, each followed by 3 s of quiet speech-like noise: the gain
        // is released to exactly 1 within each quiet stretch, where samples pass as they are
        let mut rng = fastrand::Rng::with_seed(11);
        let input: Vec<f32> = (0..4 * 96_000)
            .map(|i| {
                let level = if i % 96_000 < 24_000 { 1.3 } else { 0.25 };
                level * (rng.f32() * 2.0 - 1.0) * (i as f32 * 0.013).sin().abs()
            })
            .collect();
        let shortcut = limit(&input, 0.5);
        for size in [1, 997, 4096] {
            let mut limiter = Limiter::new(rate(), 0.5);
            limiter.shortcuts = false;
            let mut full = Vec::new();
            for block in input.chunks(size) {
                limiter.push_block(block, &mut full);
            }
            limiter.finish(&mut full);
            assert!(shortcut == full, "blocks of {size}");
        }
        // each burst is limited; the end of each quiet stretch (short of the next burst's
        // look-ahead) is back at a gain of 1
        for burst in 0..4 {
            let start = burst * 96_000;
            assert!(shortcut[start..start + 24_000] != input[start..start + 24_000]);
            let tail = start + 80_000..start + 95_000;
            assert!(shortcut[tail.clone()] == input[tail], "burst {burst}");
        }
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
}
