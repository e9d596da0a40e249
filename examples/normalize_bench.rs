//! Text normalization alone on one file, timed in-process: the issue's goal is the whole
//! seed article in under 5 ms in a release build, and raw digits passed through (the
//! baseline: a plain copy of the text) show what the rules themselves cost.
//!
//! ```text
//! cargo run --release --example normalize_bench -- [FILE] [RUNS]
//! ```

use anyhow::Context;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "tests/fixtures/seed-newspaper-pdf.txt".into());
    let runs: usize = args.next().map_or(Ok(200), |s| s.parse())?;
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let time = |f: &dyn Fn() -> String| {
        let mut best = f64::INFINITY;
        for _ in 0..runs {
            let started = Instant::now();
            std::hint::black_box(f());
            best = best.min(started.elapsed().as_secs_f64());
        }
        best
    };
    let normalize = time(&|| narrate::normalize::normalize(&text));
    let copy = time(&|| text.to_owned());
    println!(
        "{path}: {} chars; normalize best of {runs}: {:.3} ms ({:.1} MB/s); plain copy {:.4} ms; ratio {:.0}x",
        text.chars().count(),
        normalize * 1e3,
        text.len() as f64 / normalize / 1e6,
        copy * 1e3,
        normalize / copy,
    );
    Ok(())
}
