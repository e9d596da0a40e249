//! Measuring a mono stream as EBU R128 / ITU-R BS.1770-4 does: integrated loudness with
//! its two gates, and the true peak, 4× oversampled.
//!
//! The same algorithm and filters as the `ebur128` crate (a port of libebur128), written
//! for one channel and for speed: the K-weighted signal is squared and summed once per
//! 100 ms sub-block (a gating block is four of them), and the true-peak interpolator only
//! runs where a point could beat the peak found so far. The tests check both against
//! `ebur128` on the same audio.

use crate::audio::SampleRate;

/// EBU R128 integrated loudness and true peak of a mono stream; also the highest absolute
/// sample and, per 100 ms, the K-weighted energy (what a levelling pass estimates from).
pub struct Meter {
    shelf: Biquad,
    highpass: Biquad,
    /// Frames per 100 ms sub-block.
    sub_block: usize,
    /// Samples not yet K-weighted, after up to one sub-block of those before them (the
    /// preroll: `preroll` samples, fewer only at the start of the stream).
    unweighted: Vec<f32>,
    preroll: usize,
    /// K-weighted sum of squares of each sub-block weighted so far.
    sub_blocks: Vec<f32>,
    true_peak: Option<TruePeak>,
    sample_peak: f32,
}

/// Stretches of the stream K-weighted side by side, and the sub-blocks in each. An IIR
/// filter waits on its own last output every sample; four independent chains keep the
/// CPU busy meanwhile. Each stretch starts its filters from rest one sub-block early
/// (100 ms: the slowest of them, the 38 Hz high-pass, has settled to 1e-8 by then), so a
/// sub-block's energy differs from one long chain's by about a part in 10⁸, whatever
/// pieces the stream arrives in.
const LANES: usize = 4;
const STRETCH_SUB_BLOCKS: usize = 8;

/// A chapter's measured level.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Loudness {
    /// Integrated loudness in LUFS; `None` for a chapter with nothing above the −70 LUFS gate.
    pub integrated: Option<f64>,
    /// Highest true peak in dBTP (4× oversampled); `None` for digital silence.
    pub true_peak: Option<f64>,
}

impl Meter {
    /// Integrated loudness and true peak.
    pub fn new(rate: SampleRate) -> Self {
        Meter {
            true_peak: Some(TruePeak::new()),
            ..Self::integrated_only(rate)
        }
    }

    /// Integrated loudness only (`true_peak` reads `None`), for a pass that needs no more.
    pub fn integrated_only(rate: SampleRate) -> Self {
        let rate_hz = f64::from(rate.hz());
        Meter {
            shelf: Biquad::shelf(rate_hz),
            highpass: Biquad::highpass(rate_hz),
            sub_block: ((rate.hz() as usize + 5) / 10).max(1),
            unweighted: Vec::new(),
            preroll: 0,
            sub_blocks: Vec::new(),
            true_peak: None,
            sample_peak: 0.0,
        }
    }

    pub fn add(&mut self, samples: &[f32]) {
        if let Some(tp) = &mut self.true_peak {
            tp.add(samples);
        }
        self.sample_peak = samples.iter().fold(self.sample_peak, |m, s| m.max(s.abs()));
        // taken a group at a time, so that the buffer stays a group long however much
        // comes at once
        let group = LANES * STRETCH_SUB_BLOCKS * self.sub_block;
        let mut rest = samples;
        while !rest.is_empty() {
            let room = self.preroll + group - self.unweighted.len();
            let (now, later) = rest.split_at(room.min(rest.len()));
            self.unweighted.extend_from_slice(now);
            rest = later;
            if self.unweighted.len() - self.preroll == group {
                let mut sub_blocks = std::mem::take(&mut self.sub_blocks);
                self.weigh(LANES * STRETCH_SUB_BLOCKS, &mut sub_blocks);
                self.sub_blocks = sub_blocks;
                // keep the last sub-block as the next preroll
                self.unweighted
                    .drain(..self.preroll + group - self.sub_block);
                self.preroll = self.sub_block;
            }
        }
    }

    /// K-weights the first `count` whole sub-blocks after the preroll, split into
    /// [`LANES`] stretches run side by side, and appends their energies to `out`.
    fn weigh(&self, count: usize, out: &mut Vec<f32>) {
        let sb = self.sub_block;
        let stretch = count.div_ceil(LANES);
        let mut energies = vec![[0.0f64; LANES]; stretch];
        let mut lanes = [(self.shelf, self.highpass); LANES];
        let mut block = vec![[0.0f64; LANES]; sb];
        // sub-block j - 1 of each stretch; j = 0 is the preroll before it
        for j in 0..=stretch {
            for (lane, first) in (0..LANES).map(|l| (l, l * stretch)) {
                // the samples up to the end of sub-block first + j - 1, if it is one asked for
                // (j = 0: the stretch's preroll, when the stretch has any sub-block)
                let end = self.preroll + (first + j) * sb;
                let wanted = if j == 0 {
                    first < count
                } else {
                    first + j <= count
                };
                let from = if wanted {
                    &self.unweighted[end.saturating_sub(sb)..end]
                } else {
                    &[]
                };
                // zeros before the stream's start and past the sub-blocks asked for
                let pad = sb - from.len();
                for (x, &s) in block[pad..].iter_mut().zip(from) {
                    x[lane] = f64::from(s);
                }
                for x in &mut block[..pad] {
                    x[lane] = 0.0;
                }
            }
            let sums = run_lanes(&mut lanes, &block);
            if j > 0 {
                energies[j - 1] = sums;
            }
        }
        for lane in 0..LANES {
            for (j, sums) in energies.iter().enumerate() {
                if lane * stretch + j < count {
                    out.push(sums[lane] as f32);
                }
            }
        }
    }

    /// The highest absolute sample so far.
    pub fn sample_peak(&self) -> f32 {
        self.sample_peak
    }

    /// Frames in a 100 ms sub-block.
    pub fn sub_block_frames(&self) -> usize {
        self.sub_block
    }

    /// The K-weighted sum of squares of each finished 100 ms sub-block, in order.
    pub fn sub_blocks(&self) -> Vec<f32> {
        let mut all = self.sub_blocks.clone();
        let rest = (self.unweighted.len() - self.preroll) / self.sub_block;
        if rest > 0 {
            self.weigh(rest, &mut all);
        }
        all
    }

    pub fn loudness(&self) -> Loudness {
        let true_peak = self
            .true_peak
            .as_ref()
            .map(|tp| tp.peak.max(self.sample_peak))
            .filter(|p| *p > 0.0)
            .map(|p| super::amplitude_to_db(f64::from(p)));
        Loudness {
            integrated: integrated_loudness(&self.sub_blocks(), self.sub_block),
            true_peak,
        }
    }
}

/// BS.1770-4 gated loudness of a stream given the K-weighted sums of squares of its
/// 100 ms sub-blocks (each `frames` long): 400 ms blocks every 100 ms, the absolute gate at
/// −70 LUFS, then the relative gate 10 LU under the mean of what passed.
pub fn integrated_loudness(sub_blocks: &[f32], frames: usize) -> Option<f64> {
    const ABSOLUTE_GATE_LUFS: f64 = -70.0;
    let block_frames = (4 * frames) as f64;
    let blocks = sub_blocks
        .windows(4)
        .map(|w| w.iter().map(|&e| f64::from(e)).sum::<f64>() / block_frames);
    let absolute = energy(ABSOLUTE_GATE_LUFS);
    let (sum, count) = blocks
        .clone()
        .filter(|&e| e >= absolute)
        .fold((0.0, 0usize), |(s, n), e| (s + e, n + 1));
    if count == 0 {
        return None;
    }
    let relative = sum / count as f64 * 0.1;
    let (sum, count) = blocks
        .filter(|&e| e >= absolute && e >= relative)
        .fold((0.0, 0usize), |(s, n), e| (s + e, n + 1));
    let lufs = loudness(sum / count as f64);
    (lufs.is_finite() && lufs > ABSOLUTE_GATE_LUFS).then_some(lufs)
}

/// Mean square (K-weighted) → LUFS.
pub fn loudness(energy: f64) -> f64 {
    -0.691 + 10.0 * energy.log10()
}

/// LUFS → mean square.
pub fn energy(lufs: f64) -> f64 {
    10f64.powf((lufs + 0.691) / 10.0)
}

/// Runs one sub-block through each lane's two K-weighting filters (shelf, then high-pass)
/// and returns each lane's sum of squares.
fn run_lanes(lanes: &mut [(Biquad, Biquad); LANES], block: &[[f64; LANES]]) -> [f64; LANES] {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX (checked just above)
        return unsafe { run_lanes_avx(lanes, block) };
    }
    run_lanes_portable(lanes, block)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn run_lanes_avx(
    lanes: &mut [(Biquad, Biquad); LANES],
    block: &[[f64; LANES]],
) -> [f64; LANES] {
    run_lanes_portable(lanes, block)
}

/// The same arithmetic in the same order whatever the vector width, so AVX changes the
/// speed and not one bit of the result.
#[inline(always)]
fn run_lanes_portable(
    lanes: &mut [(Biquad, Biquad); LANES],
    block: &[[f64; LANES]],
) -> [f64; LANES] {
    let (shelf, highpass) = (lanes[0].0, lanes[0].1);
    let mut s = [[0.0f64; LANES]; 4];
    for (l, (a, b)) in lanes.iter().enumerate() {
        (s[0][l], s[1][l], s[2][l], s[3][l]) = (a.s[0], a.s[1], b.s[0], b.s[1]);
    }
    let mut sum = [0.0f64; LANES];
    for x in block {
        for l in 0..LANES {
            let y = shelf.b[0] * x[l] + s[0][l];
            s[0][l] = shelf.b[1] * x[l] - shelf.a[0] * y + s[1][l];
            s[1][l] = shelf.b[2] * x[l] - shelf.a[1] * y;
            let z = highpass.b[0] * y + s[2][l];
            s[2][l] = highpass.b[1] * y - highpass.a[0] * z + s[3][l];
            s[3][l] = highpass.b[2] * y - highpass.a[1] * z;
            sum[l] += z * z;
        }
    }
    for (l, (a, b)) in lanes.iter_mut().enumerate() {
        (a.s, b.s) = ([s[0][l], s[1][l]], [s[2][l], s[3][l]]);
        // keep the filters out of denormals in long silences
        a.flush_tiny();
        b.flush_tiny();
    }
    sum
}

/// One second-order section, transposed direct form II, in f64.
#[derive(Clone, Copy)]
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
    s: [f64; 2],
}

impl Biquad {
    /// The K-weighting's high shelf (BS.1770's first stage), as libebur128 designs it for
    /// any rate.
    fn shelf(rate: f64) -> Self {
        let (f0, gain_db, q) = (1681.974450955533, 3.999843853973347, 0.7071752369554196);
        let k = (std::f64::consts::PI * f0 / rate).tan();
        let vh = 10f64.powf(gain_db / 20.0);
        let vb = vh.powf(0.4996667741545416);
        let a0 = 1.0 + k / q + k * k;
        Biquad {
            b: [
                (vh + vb * k / q + k * k) / a0,
                2.0 * (k * k - vh) / a0,
                (vh - vb * k / q + k * k) / a0,
            ],
            a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
            s: [0.0; 2],
        }
    }

    /// The K-weighting's high-pass (the "RLB" curve).
    fn highpass(rate: f64) -> Self {
        let (f0, q) = (38.13547087602444, 0.5003270373238773);
        let k = (std::f64::consts::PI * f0 / rate).tan();
        let a0 = 1.0 + k / q + k * k;
        Biquad {
            b: [1.0, -2.0, 1.0],
            a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
            s: [0.0; 2],
        }
    }

    fn flush_tiny(&mut self) {
        for s in &mut self.s {
            if s.abs() < 1e-30 {
                *s = 0.0;
            }
        }
    }
}

/// The highest absolute value of the signal 4× oversampled, by the interpolator of
/// libebur128 (a 48-tap Hann-windowed sinc, 12 taps per phase).
struct TruePeak {
    /// `filter[k][p]`: tap k (newest sample first) of phase p.
    filter: [[f32; PHASES]; ACTIVE_TAPS],
    /// The most any interpolated point can exceed the loudest sample it is made of.
    tap_gain: f32,
    /// The last `ACTIVE_TAPS` samples, newest first, stored twice so that they are always
    /// one contiguous slice: `window[position..position + ACTIVE_TAPS]`.
    window: [f32; 2 * ACTIVE_TAPS],
    position: usize,
    /// Samples since the last one loud enough that a point next to it could beat `peak`.
    since_loud: usize,
    peak: f32,
}

const ACTIVE_TAPS: usize = 12;
const PHASES: usize = 4;
/// Samples checked at once for anything loud enough to matter.
const QUIET_BLOCK: usize = 64;

impl TruePeak {
    fn new() -> Self {
        let taps = ACTIVE_TAPS * PHASES;
        let mut filter = [[0.0f32; PHASES]; ACTIVE_TAPS];
        for (j, coefficient) in filter.iter_mut().flatten().enumerate() {
            let j = j as f64;
            let window = taps as f64;
            let w = 0.5 * (1.0 - (2.0 * std::f64::consts::PI * j / window).cos());
            let m = j - window / 2.0;
            let x = m * std::f64::consts::PI / PHASES as f64;
            *coefficient = if m.abs() > 0.000_000_001 {
                w * x.sin() / x
            } else {
                w
            } as f32;
        }
        let tap_gain = (0..PHASES)
            .map(|p| filter.iter().map(|taps| taps[p].abs()).sum::<f32>())
            .fold(0.0f32, f32::max);
        TruePeak {
            filter,
            tap_gain,
            window: [0.0; 2 * ACTIVE_TAPS],
            position: ACTIVE_TAPS,
            since_loud: ACTIVE_TAPS,
            peak: 0.0,
        }
    }

    fn add(&mut self, samples: &[f32]) {
        // Most blocks hold nothing that could beat the peak so far and follow nothing that
        // could: only the window moves on (what the step below does for each such sample).
        let mut blocks = samples.chunks_exact(QUIET_BLOCK);
        for block in blocks.by_ref() {
            let loudest = block.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            if self.since_loud >= ACTIVE_TAPS && loudest * self.tap_gain <= self.peak {
                for (k, &x) in block[QUIET_BLOCK - ACTIVE_TAPS..].iter().rev().enumerate() {
                    self.window[k] = x;
                    self.window[k + ACTIVE_TAPS] = x;
                }
                self.position = 0;
            } else {
                self.add_each(block);
            }
        }
        self.add_each(blocks.remainder());
    }

    fn add_each(&mut self, samples: &[f32]) {
        for &x in samples {
            self.position = if self.position == 0 {
                ACTIVE_TAPS - 1
            } else {
                self.position - 1
            };
            self.window[self.position] = x;
            self.window[self.position + ACTIVE_TAPS] = x;
            // a point is made of the last ACTIVE_TAPS samples: if none of them is loud
            // enough, no point can beat the peak (which only grows)
            if x.abs() * self.tap_gain > self.peak {
                self.since_loud = 0;
            } else if self.since_loud >= ACTIVE_TAPS {
                continue;
            } else {
                self.since_loud += 1;
                if self.since_loud >= ACTIVE_TAPS {
                    continue;
                }
            }
            let window = &self.window[self.position..self.position + ACTIVE_TAPS];
            let mut points = [0.0f32; PHASES];
            for (taps, &x) in self.filter.iter().zip(window) {
                for (point, tap) in points.iter_mut().zip(taps) {
                    *point += x * tap;
                }
            }
            for point in points {
                self.peak = self.peak.max(point.abs());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Speech-like test signals: real neural speech (zh-CN-neural saying 你好。) with
    /// pauses, quieter passages and a loud one, then a tone with its peaks between samples,
    /// so both gates and the interpolator work.
    fn speech(rate: u32) -> Vec<f32> {
        let bytes = include_bytes!("../../tests/fixtures/neural/parity-nihao-wav.f32");
        let voice: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        // the recording is at 24 kHz; at other rates it is simply another signal
        let mut out = Vec::new();
        for (i, level) in [1.0f32, 0.5, 0.05, 1.8, 0.001, 1.0].iter().enumerate() {
            out.extend(voice.iter().map(|s| s * level));
            out.extend(std::iter::repeat_n(0.0, (rate as usize / 3) * (i % 3)));
        }
        // a tone at a quarter of the rate, sampled 45° off its crests: the true peak lies
        // between the samples, 3 dB over them
        out.extend((0..2000).map(|i| 2.0 * (std::f32::consts::FRAC_PI_2 * i as f32 + 0.785).sin()));
        out
    }

    fn reference(samples: &[f32], rate: u32) -> (f64, f64) {
        let mut meter =
            ebur128::EbuR128::new(1, rate, ebur128::Mode::I | ebur128::Mode::TRUE_PEAK).unwrap();
        meter.add_frames_f32(samples).unwrap();
        (
            meter.loudness_global().unwrap(),
            meter.true_peak(0).unwrap(),
        )
    }

    #[test]
    fn integrated_loudness_and_true_peak_agree_with_ebur128() {
        for rate in [22050, 24000, 44100] {
            let samples = speech(rate);
            let (lufs, peak) = reference(&samples, rate);
            let mut meter = Meter::new(SampleRate::new(rate).unwrap());
            // in uneven pieces, as a chapter arrives
            for piece in samples.chunks(1234) {
                meter.add(piece);
            }
            let got = meter.loudness();
            let got_lufs = got.integrated.unwrap();
            assert!(
                (got_lufs - lufs).abs() < 0.01,
                "{rate} Hz: {got_lufs} vs {lufs} LUFS"
            );
            let got_peak = super::super::db_to_amplitude(got.true_peak.unwrap());
            assert!(
                (got_peak - peak).abs() < 1e-5,
                "{rate} Hz: {got_peak} vs {peak}"
            );
            // and the true peak is not just the sample peak
            assert!(
                peak > f64::from(meter.sample_peak()) * 1.0001,
                "{rate} Hz: {peak} {}",
                meter.sample_peak()
            );
        }
    }

    #[test]
    fn silence_and_short_audio_have_no_loudness() {
        let rate = SampleRate::new(24000).unwrap();
        let mut meter = Meter::new(rate);
        meter.add(&[0.0; 48000]);
        assert_eq!(
            meter.loudness(),
            Loudness {
                integrated: None,
                true_peak: None
            }
        );
        // under 400 ms: no gating block yet
        let mut meter = Meter::integrated_only(rate);
        meter.add(&speech(24000)[..9000]);
        assert_eq!(meter.loudness().integrated, None);
    }

    #[test]
    fn a_full_scale_1khz_sine_reads_minus_3_lufs() {
        let input: Vec<f32> = (0..48000)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 24000.0).sin())
            .collect();
        let mut meter = Meter::new(SampleRate::new(24000).unwrap());
        meter.add(&input);
        let l = meter.loudness();
        assert!((l.integrated.unwrap() + 3.01).abs() < 0.1, "{l:?}");
        assert!(l.true_peak.unwrap().abs() < 0.1, "{l:?}");
    }
}
