//! Audio in memory: mono `f32` samples at a known, never-zero sample rate.
//!
//! Backends hand their WAV bytes to [`Audio::from_wav`], which checks them once; every
//! later stage can rely on the result.

use std::num::NonZeroU32;
use std::time::Duration;

/// Frames per second. Never zero, so durations and ratios are always defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SampleRate(NonZeroU32);

impl SampleRate {
    /// `None` for zero.
    pub fn new(hz: u32) -> Option<Self> {
        NonZeroU32::new(hz).map(SampleRate)
    }

    pub fn hz(self) -> u32 {
        self.0.get()
    }

    /// Number of frames that last `duration` at this rate (rounded to the nearest frame).
    pub fn frames(self, duration: Duration) -> usize {
        (duration.as_secs_f64() * f64::from(self.hz())).round() as usize
    }

    /// How long `frames` frames last at this rate.
    pub fn duration(self, frames: usize) -> Duration {
        Duration::from_secs_f64(frames as f64 / f64::from(self.hz()))
    }
}

impl std::fmt::Display for SampleRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} Hz", self.hz())
    }
}

/// Mono audio, samples in −1.0..=1.0.
#[derive(Clone, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub rate: SampleRate,
}

impl std::fmt::Debug for Audio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Audio {{ {} frames at {}, {:.3} s }}",
            self.samples.len(),
            self.rate,
            self.duration().as_secs_f64()
        )
    }
}

/// The common case, read without hound: a 44-byte header for 16-bit mono PCM (what
/// espeak-ng writes), the data running to the end. Anything else is `None`.
fn from_plain_wav(bytes: &[u8]) -> Option<Audio> {
    let (rate, data) = plain_pcm16(bytes)?;
    let samples = data.iter().map(|&b| pcm16_to_f32(b)).collect();
    Some(Audio { samples, rate })
}

/// The rate and the samples (little-endian pairs of bytes) of a plain 16-bit mono PCM WAV
/// (44-byte header), as engines like espeak-ng write it; `None` for anything else.
pub fn plain_pcm16(bytes: &[u8]) -> Option<(SampleRate, &[[u8; 2]])> {
    let (header, data) = bytes.split_at_checked(44)?;
    let u16_at = |i: usize| u16::from_le_bytes([header[i], header[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(header[i..i + 4].try_into().expect("4 bytes"));
    let plain = &header[0..4] == b"RIFF"
        && &header[8..16] == b"WAVEfmt "
        && u32_at(16) == 16 // fmt chunk size
        && u16_at(20) == 1 // PCM
        && u16_at(22) == 1 // mono
        && u16_at(34) == 16 // bits per sample
        && &header[36..40] == b"data";
    if !plain {
        return None;
    }
    let rate = SampleRate::new(u32_at(24))?;
    // a streaming header's size (0, or more than there is) says "unknown": the data runs
    // to the end, as in `streaming_header_fix`
    let size = match u32_at(40) as usize {
        0 => data.len(),
        size => size.min(data.len()),
    };
    Some((rate, data[..size].as_chunks::<2>().0))
}

/// WAV format tags of the two sample formats narrate writes itself.
pub const WAV_PCM: u16 = 1;
pub const WAV_FLOAT: u16 = 3;

/// The 44-byte header of a mono WAV: `format_tag` ([`WAV_PCM`], [`WAV_FLOAT`]) samples of
/// `bits` at `rate`, `data_bytes` of them (what [`plain_pcm16`] reads for 16-bit PCM).
pub fn wav_header(format_tag: u16, bits: u16, rate: u32, data_bytes: usize) -> [u8; 44] {
    let data = u32::try_from(data_bytes).unwrap_or(u32::MAX);
    let frame = bits / 8;
    let mut header = [0u8; 44];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        header[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(b"RIFF");
    put(&data.saturating_add(36).to_le_bytes());
    put(b"WAVEfmt ");
    put(&16u32.to_le_bytes()); // fmt chunk size
    put(&format_tag.to_le_bytes());
    put(&1u16.to_le_bytes()); // mono
    put(&rate.to_le_bytes());
    put(&rate.saturating_mul(u32::from(frame)).to_le_bytes()); // bytes per second
    put(&frame.to_le_bytes()); // bytes per frame
    put(&bits.to_le_bytes());
    put(b"data");
    put(&data.to_le_bytes());
    header
}

/// One 16-bit PCM sample (little-endian bytes) as f32 in −1.0..1.0.
pub fn pcm16_to_f32(bytes: [u8; 2]) -> f32 {
    f32::from(i16::from_le_bytes(bytes)) / 32768.0
}

/// Why bytes are not audio narrate can use.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("not a WAV file (no RIFF/WAVE header)")]
    NotWav,
    #[error("unreadable WAV data")]
    Wav(#[from] hound::Error),
    #[error("WAV sample rate is 0")]
    ZeroRate,
}

impl Audio {
    pub fn silence(rate: SampleRate, duration: Duration) -> Self {
        Audio {
            samples: vec![0.0; rate.frames(duration)],
            rate,
        }
    }

    pub fn duration(&self) -> Duration {
        self.rate.duration(self.samples.len())
    }

    /// Decodes a WAV file (8/16/24/32-bit integer or 32-bit float, any channel count, mixed
    /// down to mono). A header written by a streaming encoder, whose sizes say "unknown"
    /// (espeak-ng `--stdout` writes 0x7ffff000; others 0 or 0xffffffff), is accepted: the
    /// data runs to the end.
    pub fn from_wav(bytes: &[u8]) -> Result<Self, AudioError> {
        if let Some(audio) = from_plain_wav(bytes) {
            return Ok(audio);
        }
        let fixed;
        let bytes = match streaming_header_fix(bytes)? {
            Some(patched) => {
                fixed = patched;
                &fixed[..]
            }
            None => bytes,
        };
        let reader = hound::WavReader::new(std::io::Cursor::new(bytes))?;
        let spec = reader.spec();
        let rate = SampleRate::new(spec.sample_rate).ok_or(AudioError::ZeroRate)?;
        let channels = usize::from(spec.channels.max(1));
        let interleaved: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => reader.into_samples::<f32>().collect::<Result<_, _>>()?,
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
                reader
                    .into_samples::<i32>()
                    .map(|s| s.map(|s| s as f32 * scale))
                    .collect::<Result<_, _>>()?
            }
        };
        let samples = if channels == 1 {
            interleaved
        } else {
            interleaved
                .chunks_exact(channels)
                .map(|frame| frame.iter().sum::<f32>() / channels as f32)
                .collect()
        };
        Ok(Audio { samples, rate })
    }

    /// Encodes as a 16-bit mono WAV file in memory.
    pub fn to_wav(&self) -> Result<Vec<u8>, AudioError> {
        let mut cursor = std::io::Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut cursor, wav_spec(self.rate))?;
        for &s in &self.samples {
            writer.write_sample(to_i16(s))?;
        }
        writer.finalize()?;
        Ok(cursor.into_inner())
    }

    /// Encodes as a 32-bit float mono WAV file in memory: lossless, for the cache.
    pub fn to_wav_f32(&self) -> Result<Vec<u8>, AudioError> {
        let spec = hound::WavSpec {
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
            ..wav_spec(self.rate)
        };
        let mut cursor = std::io::Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut cursor, spec)?;
        for &s in &self.samples {
            writer.write_sample(s)?;
        }
        writer.finalize()?;
        Ok(cursor.into_inner())
    }

    /// Drops leading and trailing silence, keeping `margin` of it on each side. Silence is
    /// anything quieter than `threshold` times the clip's own peak, so a quiet engine is
    /// trimmed like a loud one. A clip that is all silence becomes empty.
    pub fn trim_silence(&mut self, threshold: f32, margin: Duration) {
        let peak = self.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        if peak == 0.0 {
            self.samples.clear();
            return;
        }
        let floor = peak * threshold;
        let loud = |s: &f32| s.abs() > floor;
        let (Some(first), Some(last)) = (
            self.samples.iter().position(loud),
            self.samples.iter().rposition(loud),
        ) else {
            self.samples.clear();
            return;
        };
        let keep = self.rate.frames(margin);
        let start = first.saturating_sub(keep);
        let end = (last + 1 + keep).min(self.samples.len());
        self.samples.truncate(end);
        self.samples.drain(..start);
    }

    /// Frames at the start and at the end quieter than `threshold` times the clip's peak
    /// (what [`trim_silence`](Self::trim_silence) kept as margin). All of it for a silent clip.
    pub fn quiet_edges(&self, threshold: f32) -> (usize, usize) {
        let peak = self.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        let loud = |s: &f32| s.abs() > peak * threshold;
        match (
            self.samples.iter().position(loud),
            self.samples.iter().rposition(loud),
        ) {
            (Some(first), Some(last)) => (first, self.samples.len() - 1 - last),
            _ => (self.samples.len(), 0),
        }
    }

    /// Fades the first and last `length` in and out linearly, so a join never clicks.
    pub fn fade_edges(&mut self, length: Duration) {
        let n = self.rate.frames(length).min(self.samples.len() / 2);
        for i in 0..n {
            let gain = i as f32 / n as f32;
            self.samples[i] *= gain;
            let j = self.samples.len() - 1 - i;
            self.samples[j] *= gain;
        }
    }
}

/// The WAV format narrate writes: mono, 16-bit PCM.
pub fn wav_spec(rate: SampleRate) -> hound::WavSpec {
    hound::WavSpec {
        channels: 1,
        sample_rate: rate.hz(),
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    }
}

/// How chapter samples are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SampleFormat {
    /// 16-bit PCM, what every player reads.
    #[default]
    Int16,
    /// 24-bit PCM.
    Int24,
    /// 32-bit float: the working format of a chapter before its loudness is set.
    Float32,
}

impl SampleFormat {
    /// The WAV spec of mono audio at `rate` in this format.
    pub fn spec(self, rate: SampleRate) -> hound::WavSpec {
        let (bits_per_sample, sample_format) = match self {
            SampleFormat::Int16 => (16, hound::SampleFormat::Int),
            SampleFormat::Int24 => (24, hound::SampleFormat::Int),
            SampleFormat::Float32 => (32, hound::SampleFormat::Float),
        };
        hound::WavSpec {
            bits_per_sample,
            sample_format,
            ..wav_spec(rate)
        }
    }
}

/// Buffer for chapter files and levelling's temp files, which run to hundreds of
/// megabytes: 256 KiB per read or write call instead of `BufWriter`'s 8 KiB.
pub const FILE_BUFFER: usize = 1 << 18;

/// A WAV writer that takes f32 samples and stores them in its spec's format, clamping
/// integer formats instead of wrapping. Through hound, except 32-bit float (the temp files
/// of levelling), which it writes itself a block at a time.
pub struct SampleWriter<W: std::io::Write + std::io::Seek> {
    sink: Sink<W>,
    spec: hound::WavSpec,
}

enum Sink<W: std::io::Write + std::io::Seek> {
    Hound(hound::WavWriter<W>),
    /// Mono 16-bit integer or 32-bit float: a 44-byte header whose sizes `finish` fills
    /// in, then the samples, converted a block at a time.
    Pcm {
        out: W,
        frames: u64,
    },
}

impl<W: std::io::Write + std::io::Seek> SampleWriter<W> {
    /// A WAV file in `spec` written to `out`: mono 16-bit and 32-bit float by its own
    /// block writer, anything else through hound.
    pub fn create(mut out: W, spec: hound::WavSpec) -> Result<Self, hound::Error> {
        let format_tag = match (spec.channels, spec.sample_format, spec.bits_per_sample) {
            (1, hound::SampleFormat::Int, 16) => WAV_PCM,
            (1, hound::SampleFormat::Float, 32) => WAV_FLOAT,
            _ => {
                return Ok(SampleWriter {
                    sink: Sink::Hound(hound::WavWriter::new(out, spec)?),
                    spec,
                });
            }
        };
        // the sizes are written by `finish`
        out.write_all(&wav_header(
            format_tag,
            spec.bits_per_sample,
            spec.sample_rate,
            0,
        ))?;
        Ok(SampleWriter {
            sink: Sink::Pcm { out, frames: 0 },
            spec,
        })
    }

    /// Writes a block of samples.
    pub fn write_all(&mut self, samples: &[f32]) -> Result<(), hound::Error> {
        let writer = match &mut self.sink {
            Sink::Pcm { out, frames } => {
                let mut bytes = [0u8; 4096];
                if self.spec.sample_format == hound::SampleFormat::Float {
                    for block in samples.chunks(bytes.len() / 4) {
                        for (b, s) in bytes.chunks_exact_mut(4).zip(block) {
                            b.copy_from_slice(&s.to_le_bytes());
                        }
                        out.write_all(&bytes[..block.len() * 4])?;
                    }
                } else {
                    for block in samples.chunks(bytes.len() / 2) {
                        for (b, &s) in bytes.chunks_exact_mut(2).zip(block) {
                            b.copy_from_slice(&to_i16(s).to_le_bytes());
                        }
                        out.write_all(&bytes[..block.len() * 2])?;
                    }
                }
                *frames += samples.len() as u64;
                return Ok(());
            }
            Sink::Hound(writer) => writer,
        };
        match (self.spec.sample_format, self.spec.bits_per_sample) {
            (hound::SampleFormat::Float, _) => {
                for &s in samples {
                    writer.write_sample(s)?;
                }
            }
            (_, 16) => {
                for &s in samples {
                    writer.write_sample(to_i16(s))?;
                }
            }
            (_, bits) => {
                let max = ((1i64 << (bits - 1)) - 1) as f64;
                for &s in samples {
                    let value = (f64::from(s.clamp(-1.0, 1.0)) * max).round() as i32;
                    writer.write_sample(value)?;
                }
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<(), hound::Error> {
        match self.sink {
            Sink::Hound(writer) => writer.finalize(),
            Sink::Pcm { mut out, frames } => {
                let data = u32::try_from(frames * u64::from(self.spec.bits_per_sample / 8))
                    .ok()
                    .filter(|d| *d <= u32::MAX - 36)
                    .ok_or_else(|| {
                        std::io::Error::other("over 4 GiB of audio, more than a WAV file holds")
                    })?;
                out.seek(std::io::SeekFrom::Start(4))?;
                out.write_all(&(data + 36).to_le_bytes())?;
                out.seek(std::io::SeekFrom::Start(40))?;
                out.write_all(&data.to_le_bytes())?;
                out.flush()?;
                Ok(())
            }
        }
    }
}

/// Converts a sample to 16 bits, clamping instead of wrapping, rounding to the nearest
/// (ties to even) by the float trick, which compiles to a few vector instructions where
/// `f32::round` is a libm call.
pub fn to_i16(sample: f32) -> i16 {
    // adding 1.5 × 2^23 leaves no bits under the unit: the sum is rounded to an integer
    const ROUND: f32 = 12_582_912.0;
    ((sample.clamp(-1.0, 1.0) * f32::from(i16::MAX) + ROUND) - ROUND) as i16
}

/// When the RIFF or data chunk claims more bytes than there are, returns a copy whose sizes
/// match the bytes present. `None` when the header is already consistent.
fn streaming_header_fix(bytes: &[u8]) -> Result<Option<Vec<u8>>, AudioError> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(AudioError::NotWav);
    }
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let size = u32::from_le_bytes([
            bytes[pos + 4],
            bytes[pos + 5],
            bytes[pos + 6],
            bytes[pos + 7],
        ]) as usize;
        let body = pos + 8;
        if id == b"data" {
            let present = bytes.len() - body;
            // 0 is what some streaming servers write for "unknown"
            if size <= present && !(size == 0 && present > 0) {
                return Ok(None);
            }
            let present = present & !1; // whole 16-bit samples; harmless for 8-bit
            let mut patched = bytes[..body + present].to_vec();
            patched[pos + 4..pos + 8].copy_from_slice(&(present as u32).to_le_bytes());
            let riff = (patched.len() - 8) as u32;
            patched[4..8].copy_from_slice(&riff.to_le_bytes());
            return Ok(Some(patched));
        }
        pos = body.saturating_add(size).saturating_add(size & 1);
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(hz: u32) -> SampleRate {
        SampleRate::new(hz).expect("non-zero")
    }

    #[test]
    fn zero_sample_rate_cannot_be_made() {
        assert!(SampleRate::new(0).is_none());
    }

    #[test]
    fn wav_round_trip_keeps_rate_and_samples() {
        let audio = Audio {
            samples: vec![0.0, 0.5, -0.5, 1.0, -1.0],
            rate: rate(22050),
        };
        let back = Audio::from_wav(&audio.to_wav().unwrap()).unwrap();
        assert_eq!(back.rate, audio.rate);
        for (a, b) in audio.samples.iter().zip(&back.samples) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }

    #[test]
    fn streaming_header_with_unknown_size_is_read_to_the_end() {
        let audio = Audio {
            samples: vec![0.25; 100],
            rate: rate(22050),
        };
        let mut bytes = audio.to_wav().unwrap();
        // what espeak-ng --stdout writes: sizes it cannot know yet
        bytes[4..8].copy_from_slice(&0x7fff_f024u32.to_le_bytes());
        bytes[40..44].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
        let back = Audio::from_wav(&bytes).unwrap();
        assert_eq!(back.samples.len(), 100);
    }

    #[test]
    fn a_pcm16_header_is_read_back_by_plain_pcm16_and_hound() {
        let samples: [i16; 4] = [0, 1000, -32768, 32767];
        let mut wav = wav_header(WAV_PCM, 16, 22050, 8).to_vec();
        wav.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
        wav.extend_from_slice(b"junk after the data");
        let (read_rate, data) = plain_pcm16(&wav).unwrap();
        assert_eq!(read_rate, rate(22050));
        let read: Vec<i16> = data.iter().map(|&b| i16::from_le_bytes(b)).collect();
        assert_eq!(read, samples);
        let reader = hound::WavReader::new(std::io::Cursor::new(&wav[..52])).unwrap();
        assert_eq!(reader.spec().sample_rate, 22050);
        assert_eq!(reader.duration(), 4);
    }

    #[test]
    fn png_bytes_are_not_wav() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(matches!(Audio::from_wav(png), Err(AudioError::NotWav)));
    }

    #[test]
    fn stereo_is_mixed_down_to_mono() {
        let mut cursor = std::io::Cursor::new(Vec::new());
        let spec = hound::WavSpec {
            channels: 2,
            ..wav_spec(rate(8000))
        };
        let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
        for _ in 0..10 {
            w.write_sample(16384i16).unwrap();
            w.write_sample(0i16).unwrap();
        }
        w.finalize().unwrap();
        let audio = Audio::from_wav(&cursor.into_inner()).unwrap();
        assert_eq!(audio.samples.len(), 10);
        assert!((audio.samples[0] - 0.25).abs() < 1e-3);
    }

    #[test]
    fn trim_keeps_the_margin_around_the_loud_part() {
        let r = rate(1000);
        let mut samples = vec![0.0; 500];
        samples.extend(vec![0.5; 100]);
        samples.extend(vec![0.001; 400]);
        let mut audio = Audio { samples, rate: r };
        audio.trim_silence(0.01, Duration::from_millis(20));
        assert_eq!(audio.samples.len(), 20 + 100 + 20);
    }

    #[test]
    fn all_silent_clip_trims_to_nothing() {
        let mut audio = Audio::silence(rate(1000), Duration::from_millis(50));
        audio.trim_silence(0.01, Duration::from_millis(20));
        assert!(audio.samples.is_empty());
    }

    #[test]
    fn quiet_edges_are_counted_relative_to_the_peak() {
        let mut samples = vec![0.001; 30];
        samples.extend([0.5, -0.4, 0.3]);
        samples.extend(vec![0.0; 20]);
        let audio = Audio {
            samples,
            rate: rate(1000),
        };
        assert_eq!(audio.quiet_edges(0.01), (30, 20));
    }

    #[test]
    fn faded_edges_start_and_end_at_zero() {
        let mut audio = Audio {
            samples: vec![1.0; 1000],
            rate: rate(1000),
        };
        audio.fade_edges(Duration::from_millis(10));
        assert_eq!(audio.samples[0], 0.0);
        assert_eq!(*audio.samples.last().unwrap(), 0.0);
        assert_eq!(audio.samples[500], 1.0);
    }
}
