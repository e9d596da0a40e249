//! Compares a Rust PDF text extractor (pdf-extract) with poppler's pdftotext on the same
//! PDFs: time, CJK characters found, how many of pdftotext's CJK characters it also finds
//! (multiset overlap), and characters that cannot be text (U+FFFD, private use).
use std::collections::HashMap;
use std::time::Instant;

fn cjk(c: char) -> bool {
    matches!(c as u32, 0x4e00..=0x9fff | 0x3400..=0x4dbf)
}

fn counts(text: &str) -> HashMap<char, usize> {
    let mut m = HashMap::new();
    for c in text.chars().filter(|&c| cjk(c)) {
        *m.entry(c).or_insert(0) += 1;
    }
    m
}

fn junk(text: &str) -> usize {
    text.chars()
        .filter(|&c| c == '\u{fffd}' || ('\u{e000}'..='\u{f8ff}').contains(&c))
        .count()
}

fn main() {
    println!("| PDF | pages | pdftotext | pdf-extract | CJK chars (poppler / pdf-extract) | poppler's CJK found by pdf-extract | junk chars (poppler / pdf-extract) |");
    println!("|---|---|---|---|---|---|---|");
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap();
        let started = Instant::now();
        let out = std::process::Command::new("pdftotext")
            .args([&path, "-"])
            .output()
            .unwrap();
        let poppler_ms = started.elapsed().as_millis();
        let poppler = String::from_utf8_lossy(&out.stdout).into_owned();
        let pages = poppler.matches('\u{c}').count();
        let started = Instant::now();
        let rust = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(&bytes));
        let rust_ms = started.elapsed().as_millis();
        let name = std::path::Path::new(&path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let p = counts(&poppler);
        let p_total: usize = p.values().sum();
        match rust {
            Ok(Ok(text)) => {
                let q = counts(&text);
                let q_total: usize = q.values().sum();
                let common: usize = p.iter().map(|(c, n)| (*n).min(*q.get(c).unwrap_or(&0))).sum();
                println!(
                    "| {name} | {pages} | {poppler_ms} ms | {rust_ms} ms | {p_total} / {q_total} | {:.1}% | {} / {} |",
                    100.0 * common as f64 / p_total.max(1) as f64,
                    junk(&poppler),
                    junk(&text)
                );
            }
            Ok(Err(e)) => println!("| {name} | {pages} | {poppler_ms} ms | error after {rust_ms} ms: {e} | {p_total} / - | - | - |"),
            Err(_) => println!("| {name} | {pages} | {poppler_ms} ms | panicked after {rust_ms} ms | {p_total} / - | - | - |"),
        }
    }
}
