//! Everything narrate does before synthesis (read, decode, repair, structure, segment,
//! normalize: `plan::plan`) on one file, timed in-process, so neither process start-up
//! nor printing the plan is counted.
//!
//! ```text
//! cargo run --release --example plan_bench -- book.txt [RUNS]
//! ```

use anyhow::Context;
use std::path::PathBuf;
use std::time::Instant;

use narrate::plan;
use narrate::voice::Voice;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "tests/fixtures/seed-newspaper-pdf.txt".into()),
    );
    let runs: usize = args.next().map_or(Ok(10), |s| s.parse())?;
    let voice = Voice::find("zh-CN")?;
    let bytes = std::fs::metadata(&path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len() as f64;
    let mut seconds = Vec::with_capacity(runs);
    let mut utterances = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let plan = plan::plan(&path, &voice, &plan::PlanOptions::default())?;
        seconds.push(started.elapsed().as_secs_f64());
        utterances = plan.utterance_count();
    }
    seconds.sort_by(f64::total_cmp);
    let mbps = |s: f64| bytes / 1e6 / s;
    println!(
        "planned {:.2} MB ({utterances} utterances) in {:.1} ms at best, {:.1} ms median: {:.1} MB/s best, {:.1} MB/s median",
        bytes / 1e6,
        seconds[0] * 1e3,
        seconds[runs / 2] * 1e3,
        mbps(seconds[0]),
        mbps(seconds[runs / 2]),
    );
    Ok(())
}
