//! How fast narrate's resampler is: an hour of speech-like 22050 Hz audio to 24000 Hz on
//! one thread, cut into utterance-sized clips as the pipeline does.
//!
//! ```text
//! cargo run --release --example resample_bench              # one hour, prints "x real time"
//! cargo run --release --example resample_bench -- 60 in.f32 # one minute; also writes the
//!                                                           # input as raw f32 for `sox`
//! ```
//!
//! `scripts/bench.sh` runs it next to `sox … rate -h 24000` on the same samples.

use anyhow::Context;
use std::io::Write;
use std::time::Instant;

use narrate::audio::{Audio, SampleRate};
use narrate::resample::RateConverter;

/// Seconds per clip: about one utterance.
const CLIP_SECONDS: usize = 5;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: usize = args.next().map_or(Ok(3600), |s| s.parse())?;
    let raw_out = args.next();
    let from = SampleRate::new(22050).expect("not zero");
    let to = SampleRate::new(24000).expect("not zero");
    let samples = speech_like(from, seconds);
    if let Some(path) = raw_out {
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(&path).with_context(|| format!("cannot write {path}"))?,
        );
        for s in &samples {
            file.write_all(&s.to_le_bytes())?;
        }
        file.flush()?;
    }

    let mut converter = RateConverter::new(from, to)?;
    let clip = CLIP_SECONDS * from.hz() as usize;
    let started = Instant::now();
    let mut frames_out = 0;
    for chunk in samples.chunks(clip) {
        let audio = Audio {
            samples: chunk.to_vec(),
            rate: from,
        };
        frames_out += converter.convert(audio)?.samples.len();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let expected = (samples.len() as u64 * 24000).div_ceil(22050) as usize;
    anyhow::ensure!(
        frames_out.abs_diff(expected) <= samples.len() / clip + 1,
        "{frames_out} frames out, expected about {expected}"
    );
    println!(
        "resampled {seconds} s of 22050 Hz audio to 24000 Hz in {elapsed:.3} s on one thread: {:.0}x real time",
        seconds as f64 / elapsed
    );
    Ok(())
}

/// A deterministic stand-in for speech: a voiced tone with a wandering pitch, a few
/// harmonics, syllable-rate loudness and a little noise, with short pauses.
fn speech_like(rate: SampleRate, seconds: usize) -> Vec<f32> {
    let hz = rate.hz() as f32;
    let mut noise = 0x2545_f491_u32;
    let mut phase = 0.0f32;
    (0..seconds * rate.hz() as usize)
        .map(|i| {
            let t = i as f32 / hz;
            let pitch = 140.0 + 40.0 * (t * 0.7).sin();
            phase = (phase + pitch / hz).fract();
            let syllable = (t * 4.0 * std::f32::consts::TAU).sin().max(0.0);
            let pause = if (t % 3.0) > 2.6 { 0.0 } else { 1.0 };
            let voiced: f32 = (1..=5)
                .map(|k| (phase * k as f32 * std::f32::consts::TAU).sin() / k as f32)
                .sum();
            noise ^= noise << 13;
            noise ^= noise >> 17;
            noise ^= noise << 5;
            let hiss = (noise as f32 / u32::MAX as f32 - 0.5) * 0.05;
            (0.3 * voiced * syllable + hiss) * pause
        })
        .collect()
}
