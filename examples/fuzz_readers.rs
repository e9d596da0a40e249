//! Mutation fuzzing of the document readers on real files: EPUB (and DOCX, the same zip
//! container), HTML/XHTML, the XML package parser and the plain-text structure reader.
//!
//! Seeds are the real documents in `tests/fixtures/documents/` and `tests/fixtures/html/`.
//! Each round takes a seed and mutates it: bytes flipped, inserted, duplicated or cut
//! away, or — for zips — one entry inside rewritten that way and the archive packed again,
//! so that the parsers behind the container see damaged markup. Every call runs under
//! `catch_unwind`; a panic saves its input under `target/fuzz-crashes/` and fails the run.
//!
//! ```text
//! cargo run --release --example fuzz_readers -- 600   # seconds
//! ```
//! prints executions per reader, panics and the slowest call.

use std::io::{Cursor, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use narrate::ingest::{docx, epub, html, structure, xml};

struct Target {
    name: &'static str,
    seeds: Vec<Vec<u8>>,
    run: fn(&[u8]),
    executions: u64,
    slowest: Duration,
}

fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(60);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let files = |ext: &str| -> anyhow::Result<Vec<Vec<u8>>> {
        let mut found = Vec::new();
        for dir in ["documents", "html"] {
            for entry in walk(&root.join(dir))? {
                if entry.extension().is_some_and(|e| e == ext) {
                    found.push(std::fs::read(&entry)?);
                }
            }
        }
        Ok(found)
    };
    let epubs = files("epub")?;
    let htmls = files("html")?;
    let texts = files("txt")?;
    let mut targets = vec![
        Target {
            name: "epub",
            seeds: epubs.clone(),
            run: |b| drop(epub::parse(b)),
            executions: 0,
            slowest: Duration::ZERO,
        },
        Target {
            name: "docx (epub zips as seeds)",
            seeds: epubs,
            run: |b| drop(docx::parse(b)),
            executions: 0,
            slowest: Duration::ZERO,
        },
        Target {
            name: "html",
            seeds: htmls.clone(),
            run: |b| drop(html::parse(&String::from_utf8_lossy(b))),
            executions: 0,
            slowest: Duration::ZERO,
        },
        Target {
            name: "xml",
            seeds: htmls,
            run: |b| drop(xml::parse(&String::from_utf8_lossy(b))),
            executions: 0,
            slowest: Duration::ZERO,
        },
        Target {
            name: "text structure",
            seeds: texts,
            run: |b| drop(structure::parse(&String::from_utf8_lossy(b))),
            executions: 0,
            slowest: Duration::ZERO,
        },
    ];
    std::panic::set_hook(Box::new(|_| {}));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let mut panics = 0;
    while Instant::now() < deadline {
        for target in &mut targets {
            if target.seeds.is_empty() {
                continue;
            }
            let seed = &target.seeds[rng.usize(..target.seeds.len())];
            let input = if seed.starts_with(b"PK") && rng.bool() {
                mutate_inside_zip(seed, &mut rng).unwrap_or_else(|| mutate(seed, &mut rng))
            } else {
                mutate(seed, &mut rng)
            };
            let started = Instant::now();
            let outcome = catch_unwind(AssertUnwindSafe(|| (target.run)(&input)));
            target.slowest = target.slowest.max(started.elapsed());
            target.executions += 1;
            if outcome.is_err() {
                panics += 1;
                let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-crashes");
                std::fs::create_dir_all(&dir)?;
                let file = dir.join(format!(
                    "{}-{}",
                    target.name.split(' ').next().unwrap_or("x"),
                    target.executions
                ));
                std::fs::write(&file, &input)?;
                println!(
                    "PANIC in {}: input saved to {}",
                    target.name,
                    file.display()
                );
            }
        }
    }
    println!("{seconds} s of mutation fuzzing on real documents:");
    for t in &targets {
        println!(
            "  {:<26} {:>8} executions, slowest call {:.1} ms",
            t.name,
            t.executions,
            t.slowest.as_secs_f64() * 1000.0
        );
    }
    println!("  panics: {panics}");
    anyhow::ensure!(panics == 0, "{panics} panic(s)");
    Ok(())
}

fn walk(dir: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}

/// Flips, inserts, duplicates or cuts bytes (a few edits).
fn mutate(seed: &[u8], rng: &mut fastrand::Rng) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..rng.usize(1..=8) {
        if data.is_empty() {
            data.push(rng.u8(..));
            continue;
        }
        let at = rng.usize(..data.len());
        match rng.u8(..5) {
            0 => data[at] ^= 1 << rng.u8(..8),
            1 => data.insert(at, *b"<>&;\"'/\0\xff".get(rng.usize(..9)).unwrap_or(&0)),
            2 => {
                let end = (at + rng.usize(1..256)).min(data.len());
                let chunk = data[at..end].to_vec();
                data.splice(at..at, chunk);
            }
            3 => data.truncate(at),
            _ => {
                let end = (at + rng.usize(1..64)).min(data.len());
                data.drain(at..end);
            }
        }
    }
    data
}

/// The zip unpacked, one entry mutated, packed again.
fn mutate_inside_zip(seed: &[u8], rng: &mut fastrand::Rng) -> Option<Vec<u8>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(seed)).ok()?;
    let mut entries = Vec::new();
    for k in 0..zip.len() {
        let mut entry = zip.by_index(k).ok()?;
        let mut data = Vec::new();
        entry.read_to_end(&mut data).ok()?;
        entries.push((entry.name().ok()?.into_owned(), data));
    }
    let victim = rng.usize(..entries.len().max(1));
    if let Some(entry) = entries.get_mut(victim) {
        entry.1 = mutate(&entry.1, rng);
    }
    let mut out = Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut out);
    for (name, data) in &entries {
        writer
            .start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .ok()?;
        writer.write_all(data).ok()?;
    }
    writer.finish().ok()?;
    Some(out.into_inner())
}
