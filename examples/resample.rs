//! Resamples a WAV file with narrate's resampler, or measures a tone in one; used by
//! `scripts/bench-resample.sh` to compare rubato with sox.
//!
//! ```text
//! cargo run --release --example resample -- convert IN.wav OUT.wav RATE   # prints the seconds spent resampling
//! cargo run --release --example resample -- tone FILE.wav FREQ            # prints how far below the tone the rest lies, dB
//! ```

use std::time::Instant;

use narrate::audio::{Audio, SampleFormat, SampleRate};
use narrate::resample::RateConverter;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["convert", input, output, rate] => {
            let audio = Audio::from_wav(&std::fs::read(input)?)?;
            let to = SampleRate::new(rate.parse()?).ok_or_else(|| anyhow::anyhow!("rate 0"))?;
            let started = Instant::now();
            let mut converter = RateConverter::new(audio.rate, to)?;
            let out = converter.convert(audio)?;
            let seconds = started.elapsed().as_secs_f64();
            let spec = SampleFormat::Float32.spec(to);
            let mut writer = hound::WavWriter::create(output, spec)?;
            for s in out.samples {
                writer.write_sample(s)?;
            }
            writer.finalize()?;
            println!("{seconds:.4}");
        }
        ["tone", file, freq] => {
            let audio = Audio::from_wav(&std::fs::read(file)?)?;
            println!("{:.1}", rejection_db(&audio, freq.parse()?));
        }
        _ => anyhow::bail!(
            "usage: resample convert IN.wav OUT.wav RATE | resample tone FILE.wav FREQ"
        ),
    }
    Ok(())
}

/// How far below the tone at `freq` everything else lies, in dB (least-squares fit of the
/// tone over the middle 80%, then the residual).
fn rejection_db(audio: &Audio, freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / f64::from(audio.rate.hz());
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
    let (a, b) = ((xc * ss - xs * cs) / det, (xs * cc - xc * cs) / det);
    let (mut tone, mut rest) = (0.0f64, 0.0f64);
    for i in range {
        let fit = a * (w * i as f64).cos() + b * (w * i as f64).sin();
        tone += fit * fit;
        rest += (f64::from(audio.samples[i]) - fit).powi(2);
    }
    10.0 * (tone / rest).log10()
}
