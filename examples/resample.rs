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
            println!(
                "{:.1}",
                narrate::resample::tone_rejection_db(&audio, freq.parse()?)
            );
        }
        _ => anyhow::bail!(
            "usage: resample convert IN.wav OUT.wav RATE | resample tone FILE.wav FREQ"
        ),
    }
    Ok(())
}
