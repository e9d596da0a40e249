//! Levelling's per-sample costs, against the `ebur128` crate measured in the same run:
//!
//!     cargo run --release --example loudness_bench [SPEECH.wav]
//!
//! Without a file it uses the neural test fixture (about a second of speech), repeated
//! with varying levels and pauses to ten minutes at 24 kHz.

use std::time::Instant;

use narrate::audio::SampleRate;
use narrate::loudness::{Limiter, Meter, db_to_amplitude};

fn speech() -> (Vec<f32>, u32) {
    if let Some(path) = std::env::args().nth(1) {
        let mut reader = hound::WavReader::open(&path).expect("a WAV file");
        let rate = reader.spec().sample_rate;
        let scale = 1.0 / (1u64 << (reader.spec().bits_per_sample - 1)) as f32;
        let samples = reader
            .samples::<i32>()
            .map(|s| s.expect("readable samples") as f32 * scale)
            .collect();
        return (samples, rate);
    }
    let bytes = include_bytes!("../tests/fixtures/neural/parity-nihao-wav.f32");
    let voice: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while out.len() < 24_000 * 600 {
        let level = [1.0f32, 0.7, 1.3, 0.9][i % 4];
        out.extend(voice.iter().map(|s| s * level));
        out.extend(std::iter::repeat_n(0.0, 2400 * (i % 3)));
        i += 1;
    }
    (out, 24_000)
}

fn per_sample(start: Instant, samples: usize) -> f64 {
    start.elapsed().as_nanos() as f64 / samples as f64
}

fn main() {
    let (input, hz) = speech();
    let rate = SampleRate::new(hz).expect("a non-zero rate");
    let n = input.len();

    let start = Instant::now();
    let mut reference = ebur128::EbuR128::new(1, hz, ebur128::Mode::I | ebur128::Mode::TRUE_PEAK)
        .expect("a mono meter");
    for block in input.chunks(4096) {
        reference.add_frames_f32(block).expect("mono frames");
    }
    let reference_lufs = reference.loudness_global().unwrap_or(f64::NAN);
    let reference_ns = per_sample(start, n);

    let start = Instant::now();
    let mut meter = Meter::new(rate);
    for block in input.chunks(4096) {
        meter.add(block);
    }
    let lufs = meter.loudness().integrated.unwrap_or(f64::NAN);
    let meter_ns = per_sample(start, n);

    let start = Instant::now();
    let mut meter = Meter::integrated_only(rate);
    for block in input.chunks(4096) {
        meter.add(block);
    }
    let integrated_ns = per_sample(start, n);

    // the limiter as levelling runs it: the gain that brings speech to −18 LUFS, ceiling
    // −1.8 dBFS
    let gain = db_to_amplitude(-18.0 - lufs) as f32;
    let ceiling = db_to_amplitude(-1.8) as f32;
    let loud: Vec<f32> = input.iter().map(|s| s * gain).collect();
    let start = Instant::now();
    let mut limiter = Limiter::new(rate, ceiling);
    let mut out = Vec::with_capacity(4096);
    for block in loud.chunks(4096) {
        out.clear();
        limiter.push_block(block, &mut out);
    }
    let limiter_ns = per_sample(start, n);

    println!(
        "{:.0} s of audio at {hz} Hz ({lufs:.2} LUFS; ebur128 says {reference_lufs:.2})",
        n as f64 / f64::from(hz)
    );
    println!("ebur128 I+TP     {reference_ns:6.2} ns/sample");
    println!(
        "narrate I+TP     {meter_ns:6.2} ns/sample  ({:.1}× faster)",
        reference_ns / meter_ns
    );
    println!("narrate I only   {integrated_ns:6.2} ns/sample");
    println!("narrate limiter  {limiter_ns:6.2} ns/sample");
}
