//! Ingest speed against the usual converters, measured in one run on the same files:
//! a PDF against poppler's `pdftotext`, an EPUB against `pandoc -t plain`.
//!
//! ```text
//! scripts/bench-ingest.sh            # fetches a 251-page PDF and an EPUB from Debian
//! cargo run --release --example ingest_bench -- FILE...
//! ```
//! prints the median of five runs of each and narrate's time as a multiple of the
//! converter's (narrate's includes layout analysis and structure).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 5;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn timed(mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed());
    }
    Ok(median(times))
}

fn tool(program: &str, args: &[&str], file: &Path) -> anyhow::Result<()> {
    let status = Command::new(program)
        .args(args)
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "{program} failed on {}", file.display());
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let files: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(!files.is_empty(), "usage: ingest_bench FILE...");
    println!("file                                   size     narrate   converter          ratio");
    for file in &files {
        let path = Path::new(file);
        let size = std::fs::metadata(path)?.len();
        let ours = timed(|| {
            let doc = narrate::ingest::read(path)?;
            anyhow::ensure!(!doc.sections.is_empty(), "nothing read from {file}");
            Ok(())
        })?;
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let (name, theirs) = match ext.as_str() {
            "pdf" => (
                "pdftotext",
                timed(|| tool("pdftotext", &["-enc", "UTF-8", "-q"], path)).ok(),
            ),
            "epub" => (
                "pandoc",
                timed(|| tool("pandoc", &["-t", "plain", "-o", "/dev/null"], path)).ok(),
            ),
            _ => ("-", None),
        };
        let name_of = Path::new(file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match theirs {
            Some(theirs) => println!(
                "{:<36} {:>6.1} MB {:>8.0} ms {:>9} {:>6.0} ms {:>6.2}x",
                name_of,
                size as f64 / 1e6,
                ours.as_secs_f64() * 1e3,
                name,
                theirs.as_secs_f64() * 1e3,
                ours.as_secs_f64() / theirs.as_secs_f64()
            ),
            None => println!(
                "{:<36} {:>6.1} MB {:>8.0} ms {:>9} not installed or failed",
                name_of,
                size as f64 / 1e6,
                ours.as_secs_f64() * 1e3,
                name
            ),
        }
    }
    Ok(())
}
