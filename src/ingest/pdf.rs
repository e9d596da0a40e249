//! PDF → [`Document`], from the text *and its layout*.
//!
//! Poppler (`pdftohtml -xml`, Debian's poppler-utils) gives every run of text with its page,
//! position, size, font and weight, and the PDF outline (bookmarks). The layout is then
//! read here, from measurements of the document itself rather than from fixed sizes:
//!
//! - **Lines**: runs on one baseline, left to right; a wide gap inside a line (more than
//!   four characters) splits it into columns, read column by column.
//! - **Page furniture**: lines in the top or bottom eighth of a page whose text, digits
//!   taken out, recurs on at least a fifth of the pages (running headers, footers,
//!   `4 / 57`), and lone page numbers, are not read.
//! - **Tables of contents**: lines that end in a page number after a dot leader or a wide
//!   gap, and the `Contents`/`目录` heading above them, are not read.
//! - **Headings**: lines set larger than the body text (the size most characters have) by
//!   a tenth or more, or bold short lines of body size on their own; consecutive heading
//!   lines (`Chapter 1` over `正确的起点`) are one heading. When the PDF has an outline, a
//!   heading starts a section only when it matches an outline entry; otherwise every
//!   heading does.
//! - **Paragraphs**: lines are joined until a gap larger than the usual line spacing, an
//!   indented first line, a bullet, or a short line that ends a sentence; a paragraph that
//!   runs off a page goes on on the next.
//! - Monospaced lines (code, shell sessions) are skipped with a warning, as in HTML.
//! - Figure and table captions (`图 3`, `表 1-2`, `Figure 4`) are not read.
//!
//! Encrypted PDFs poppler cannot open and PDFs without a text layer (scans) are refused
//! with a sentence that says so. Poppler runs with a time limit and its output is bounded.
//! A long PDF is read in page ranges by one poppler process per core at once (poppler
//! itself uses one core), each range's XML parsed on its own thread.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::collapse_whitespace;
use super::xml::{self, Element};
use crate::text::{Document, LeftOut, Paragraph, Part, Section, Warning};

/// Why a PDF cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "pdftohtml (poppler) is not installed; install it (Debian: apt-get install poppler-utils) or run scripts/setup.sh"
    )]
    NoPoppler,
    #[error(
        "the PDF is encrypted with a password; open it in a PDF reader and save an unprotected copy"
    )]
    Encrypted,
    #[error(
        "the PDF has no text layer ({pages} page(s) of images: a scan?); run OCR on it first (e.g. ocrmypdf --language chi_sim)"
    )]
    NoText { pages: usize },
    #[error("poppler could not read the PDF: {0}")]
    Poppler(String),
    #[error("poppler took longer than {0:?}; the PDF may be damaged")]
    Timeout(Duration),
    #[error("poppler's output is not readable: {0}")]
    Xml(#[from] xml::XmlError),
    #[error("cannot run pdftohtml: {0}")]
    Spawn(std::io::Error),
}

/// Poppler gets this long, plus [`TIME_PER_MB`] per megabyte of PDF.
const BASE_TIME: Duration = Duration::from_secs(60);
const TIME_PER_MB: Duration = Duration::from_secs(2);
/// Poppler's XML is read up to this size (a 1,000-page book is about 20 MB).
const MAX_XML_BYTES: u64 = 1 << 30;

/// Reads the PDF at `path` with poppler.
pub fn read(path: &Path) -> Result<Document, PdfError> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let limit = BASE_TIME + TIME_PER_MB * u32::try_from(size >> 20).unwrap_or(u32::MAX);
    // pdfinfo first: it is quick, says whether a password is needed (pdftohtml -q fails
    // without a word) and gives the document information
    let info = match run_poppler("pdfinfo", &["-enc", "UTF-8"], path, BASE_TIME) {
        Err(PdfError::Encrypted) => return Err(PdfError::Encrypted),
        other => other.ok(),
    };
    let pages = info.as_deref().and_then(page_count).unwrap_or(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ranges = page_ranges(pages, workers);
    let chunks: Vec<Result<Chunk, PdfError>> = std::thread::scope(|scope| {
        let reading: Vec<_> = ranges
            .iter()
            .map(|&range| {
                scope.spawn(move || {
                    let (first, last) = range.unwrap_or((1, 0));
                    let (first_arg, last_arg) = (first.to_string(), last.to_string());
                    let mut args = vec!["-xml", "-i", "-stdout", "-q", "-enc", "UTF-8"];
                    if range.is_some() {
                        args.extend(["-f", &first_arg, "-l", &last_arg]);
                    }
                    let xml = run_poppler("pdftohtml", &args, path, limit)?;
                    chunk_of(&xml, first)
                })
            })
            .collect();
        reading
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(PdfError::Poppler("a reading thread failed".into())))
            })
            .collect()
    });
    let mut document = assemble(chunks.into_iter().collect::<Result<_, _>>()?)?;
    // the document information dictionary: a title set by the author beats the first heading
    if let Some(info) = info {
        let field = |name: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
                .map(|v| v.trim().to_owned())
                .filter(|v| is_real_title(v))
        };
        if let Some(title) = field("Title") {
            document.title = Some(title);
        }
        if let Some(author) = field("Author") {
            document.author = Some(author);
        }
    }
    Ok(document)
}

/// Whether an information-dictionary value is a title rather than what a tool left there
/// (`Microsoft Word - draft.doc`, `untitled`, a file name).
fn is_real_title(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    !value.is_empty()
        && !lower.starts_with("microsoft ")
        && !["untitled", "title", "unknown", "none"].contains(&lower.as_str())
        && ![".doc", ".docx", ".pdf", ".tex", ".dvi", ".indd", ".ps"]
            .iter()
            .any(|e| lower.ends_with(e))
}

/// Runs a poppler tool on `path` with a time limit; its standard output, bounded.
fn run_poppler(
    program: &str,
    args: &[&str],
    path: &Path,
    limit: Duration,
) -> Result<String, PdfError> {
    let mut child = Command::new(program)
        .args(args)
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => PdfError::NoPoppler,
            _ => PdfError::Spawn(e),
        })?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    // the output's end says the process is ending: waited for without polling
    let (ended, end) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stdout).take(MAX_XML_BYTES).read_to_end(&mut out);
        let _ = ended.send(());
        out
    });
    let errors = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = (&mut stderr).take(1 << 16).read_to_string(&mut out);
        out
    });
    let started = Instant::now();
    if end.recv_timeout(limit) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
        let _ = child.kill();
        let _ = child.wait();
        return Err(PdfError::Timeout(limit));
    }
    let status = loop {
        if let Some(status) = child.try_wait().map_err(PdfError::Spawn)? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(PdfError::Timeout(limit));
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let out = reader.join().unwrap_or_default();
    let errors = errors.join().unwrap_or_default();
    if !status.success() {
        let lower = errors.to_ascii_lowercase();
        if lower.contains("password") || lower.contains("encrypt") {
            return Err(PdfError::Encrypted);
        }
        let first = errors.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(PdfError::Poppler(format!(
            "{program} exited with {status}{}{first}",
            if first.is_empty() { "" } else { ": " }
        )));
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A run of text as poppler placed it.
#[derive(Debug, Clone)]
struct Run {
    top: f32,
    left: f32,
    width: f32,
    height: f32,
    size: f32,
    bold: bool,
    mono: bool,
    text: String,
}

/// One line (or one column's part of a line) of a page.
#[derive(Debug, Clone)]
struct Line {
    page: usize,
    top: f32,
    left: f32,
    right: f32,
    height: f32,
    /// Font size most of its characters have.
    size: f32,
    bold: bool,
    mono: bool,
    text: String,
    /// Ends in a page number after a leader or a wide gap (a table of contents line).
    toc: bool,
}

struct Page {
    height: f32,
    lines: Vec<Line>,
}

/// The `Pages:` count of `pdfinfo`'s report.
fn page_count(info: &str) -> Option<usize> {
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
}

/// Fewest pages worth a poppler process of their own: below it, starting one costs more
/// than it saves.
const PAGES_PER_WORKER: usize = 20;
/// At most this many poppler processes for one PDF.
const MAX_WORKERS: usize = 4;

/// The page ranges (first, last; 1-based, inclusive) to read at once, in order; one `None`
/// (the whole file) when the PDF is short, its length unknown or one core is all there is.
fn page_ranges(pages: usize, cores: usize) -> Vec<Option<(usize, usize)>> {
    let workers = cores.min(MAX_WORKERS).min(pages / PAGES_PER_WORKER);
    if workers < 2 {
        return vec![None];
    }
    (0..workers)
        .map(|w| Some((w * pages / workers + 1, (w + 1) * pages / workers)))
        .collect()
}

/// The pages and bookmarks of one poppler run.
struct Chunk {
    pages: Vec<Page>,
    outline: Vec<Bookmark>,
}

/// Reads poppler's `pdf2xml` of the whole document.
#[cfg(test)]
fn parse_xml(source: &str) -> Result<Document, PdfError> {
    assemble(vec![chunk_of(source, 1)?])
}

/// The pages of ranges read one after another, in order, and the bookmarks (every run
/// gives all of them), read as one document.
fn assemble(chunks: Vec<Chunk>) -> Result<Document, PdfError> {
    let mut pages = Vec::new();
    let mut outline = Vec::new();
    for (k, chunk) in chunks.into_iter().enumerate() {
        pages.extend(chunk.pages);
        if k == 0 {
            outline = chunk.outline;
        }
    }
    let characters: usize = pages
        .iter()
        .flat_map(|p| &p.lines)
        .map(|l| l.text.chars().count())
        .sum();
    if characters < 20 * pages.len().min(5) || characters == 0 {
        return Err(PdfError::NoText { pages: pages.len() });
    }
    Ok(Reader::new(pages, outline).read())
}

/// Reads one poppler `pdf2xml` whose first page is page `first_page` of the PDF. Font ids
/// are the run's own.
fn chunk_of(source: &str, first_page: usize) -> Result<Chunk, PdfError> {
    let root = xml::parse(source)?;
    let pdf = root.child("pdf2xml").unwrap_or(&root);
    let mut sizes: std::collections::HashMap<String, (f32, bool)> = Default::default();
    let mut pages = Vec::new();
    for page in pdf.elements().filter(|e| e.name == "page") {
        let mut runs = Vec::new();
        for e in page.elements() {
            if e.name == "fontspec" {
                let size = number(e.attribute("size"));
                let family = e
                    .attribute("family")
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let mono = family.contains("mono") || family.contains("courier");
                sizes.insert(
                    e.attribute("id").unwrap_or_default().to_owned(),
                    (size, mono),
                );
            } else if e.name == "text" {
                let text = e.text();
                if text.trim().is_empty() {
                    continue;
                }
                let (size, mono) = sizes
                    .get(e.attribute("font").unwrap_or_default())
                    .copied()
                    .unwrap_or((number(e.attribute("height")), false));
                runs.push(Run {
                    top: number(e.attribute("top")),
                    left: number(e.attribute("left")),
                    width: number(e.attribute("width")),
                    height: number(e.attribute("height")),
                    size,
                    bold: is_bold(e),
                    mono,
                    text,
                });
            }
        }
        let height = number(page.attribute("height")).max(1.0);
        pages.push(Page {
            height,
            lines: lines_of(first_page + pages.len(), height, runs),
        });
    }
    let mut outline = Vec::new();
    if let Some(top) = pdf.child("outline") {
        outline_entries(top, 1, &mut outline);
    }
    Ok(Chunk { pages, outline })
}

fn number(value: Option<&str>) -> f32 {
    value.and_then(|v| v.trim().parse().ok()).unwrap_or(0.0)
}

fn is_bold(e: &Element) -> bool {
    let text_len = e.text().trim().chars().count();
    let mut stack: Vec<&Element> = vec![e];
    while let Some(e) = stack.pop() {
        for child in e.elements() {
            if child.name == "b" && child.text().trim().chars().count() * 2 >= text_len {
                return true;
            }
            stack.push(child);
        }
    }
    false
}

/// Groups one page's runs into lines, splitting a line at wide gaps (columns), and
/// orders them: by column when the page has columns, top to bottom in each.
fn lines_of(page: usize, height: f32, mut runs: Vec<Run>) -> Vec<Line> {
    runs.sort_by(|a, b| a.top.total_cmp(&b.top).then(a.left.total_cmp(&b.left)));
    let mut rows: Vec<Vec<Run>> = Vec::new();
    for run in runs {
        let same_row = rows.last().is_some_and(|row| {
            let first = &row[0];
            let middle = run.top + run.height / 2.0;
            middle > first.top && middle < first.top + first.height.max(run.height)
        });
        if same_row {
            rows.last_mut().expect("a row").push(run);
        } else {
            rows.push(vec![run]);
        }
    }
    let mut lines = Vec::new();
    for mut row in rows {
        row.sort_by(|a, b| a.left.total_cmp(&b.left));
        let mut pieces: Vec<Vec<Run>> = Vec::new();
        for run in row {
            let split = pieces.last().and_then(|p| p.last()).is_some_and(|prev| {
                let gap = run.left - (prev.left + prev.width);
                gap > 4.0 * prev.size.max(run.size).max(1.0)
            });
            if split || pieces.is_empty() {
                pieces.push(vec![run]);
            } else {
                pieces.last_mut().expect("a piece").push(run);
            }
        }
        // a page number alone at the right margin after a title: a table of contents line
        // (in the top or bottom margin it is a running header or footer)
        let top = pieces[0][0].top;
        let toc = top > height / 8.0
            && top < height * 7.0 / 8.0
            && pieces.len() >= 2
            && pieces
                .last()
                .is_some_and(|p| p.len() == 1 && is_page_number(&p[0].text));
        let count = pieces.len();
        for (k, piece) in pieces.into_iter().enumerate() {
            let mut line = join_runs(page, piece);
            line.toc = (toc && k + 2 == count) || ends_in_leader(&line.text);
            if toc && k + 1 == count {
                continue; // the page number itself
            }
            lines.push(line);
        }
    }
    order_columns(&mut lines);
    lines
}

/// Reading order on a page with columns: lines are grouped into bands separated by lines
/// that span the gutters (headlines); inside a band, column by column.
fn order_columns(lines: &mut [Line]) {
    let Some(width) = lines
        .iter()
        .map(|l| l.right)
        .max_by(f32::total_cmp)
        .filter(|w| *w > 0.0)
    else {
        return;
    };
    // columns: starts of lines that at least 3 lines share, spaced a third of the width apart
    let mut starts: Vec<f32> = Vec::new();
    let mut sorted: Vec<f32> = lines.iter().map(|l| l.left).collect();
    sorted.sort_by(f32::total_cmp);
    for &x in &sorted {
        let near = sorted.iter().filter(|&&y| (y - x).abs() < 8.0).count();
        if near >= 3 && starts.iter().all(|&s| (s - x).abs() > width / 5.0) {
            starts.push(x);
        }
    }
    if starts.len() < 2 {
        return;
    }
    let narrow = |l: &Line| (l.right - l.left) < width / starts.len() as f32 * 1.2;
    let column = |l: &Line| starts.iter().filter(|&&s| s <= l.left + 8.0).count();
    let columned = lines.iter().filter(|l| narrow(l)).count();
    if columned * 2 < lines.len() {
        return;
    }
    let mut band = 0usize;
    let mut keyed: Vec<(usize, usize, f32, Line)> = Vec::new();
    for line in lines.iter() {
        if !narrow(line) {
            band += 1;
            keyed.push((band, 0, line.top, line.clone()));
            band += 1;
        } else {
            keyed.push((band, column(line), line.top, line.clone()));
        }
    }
    keyed.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)));
    for (slot, (_, _, _, line)) in lines.iter_mut().zip(keyed) {
        *slot = line;
    }
}

fn join_runs(page: usize, runs: Vec<Run>) -> Line {
    let mut text = String::new();
    let mut sizes: Vec<(f32, usize)> = Vec::new();
    let (mut bold, mut mono, mut total) = (0, 0, 0);
    let mut prev_right: Option<f32> = None;
    for run in &runs {
        let t = run.text.trim();
        let n = t.chars().count();
        if let Some(right) = prev_right {
            let gap = run.left - right;
            let latin_edge = text
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric())
                || t.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
            if gap > run.size * 0.15 && latin_edge {
                text.push(' ');
            }
        }
        text.push_str(t);
        prev_right = Some(run.left + run.width);
        match sizes.iter_mut().find(|(s, _)| (*s - run.size).abs() < 0.5) {
            Some(entry) => entry.1 += n,
            None => sizes.push((run.size, n)),
        }
        total += n;
        if run.bold {
            bold += n;
        }
        if run.mono {
            mono += n;
        }
    }
    let size = sizes
        .iter()
        .max_by_key(|(_, n)| *n)
        .map_or(0.0, |(s, _)| *s);
    Line {
        page,
        top: runs.iter().map(|r| r.top).fold(f32::MAX, f32::min),
        left: runs.first().map_or(0.0, |r| r.left),
        right: runs.iter().map(|r| r.left + r.width).fold(0.0, f32::max),
        height: runs.iter().map(|r| r.height).fold(0.0, f32::max),
        size,
        bold: bold * 10 >= total * 8,
        mono: mono * 10 >= total * 8,
        text: collapse_whitespace(&text),
        toc: false,
    }
}

/// `12`, `iv`, `- 3 -`, `4 / 57`, `第 5 页`, `Page 3`.
fn is_page_number(text: &str) -> bool {
    let t = text
        .trim()
        .trim_matches(|c: char| c == '-' || c == '—' || c.is_whitespace());
    if t.is_empty() {
        return false;
    }
    let core = t
        .trim_start_matches("Page ")
        .trim_start_matches("page ")
        .trim_start_matches('第')
        .trim_end_matches('页')
        .trim();
    let roman = core.len() <= 6 && core.chars().all(|c| "ivxlcIVXLC".contains(c));
    let digits = |s: &str| !s.is_empty() && s.len() <= 5 && s.chars().all(|c| c.is_ascii_digit());
    let fraction = core
        .split_once('/')
        .is_some_and(|(a, b)| digits(a.trim()) && digits(b.trim()));
    roman || digits(core) || fraction
}

/// `标题 . . . . . . 12` or `标题……12`: a table of contents line in one run.
fn ends_in_leader(text: &str) -> bool {
    let t = text.trim_end();
    let body = t.trim_end_matches(|c: char| c.is_ascii_digit() || "ivxlc".contains(c));
    if body.len() == t.len() {
        return false;
    }
    let tail: String = body.chars().rev().take(6).collect();
    tail.chars()
        .filter(|c| matches!(c, '.' | '…' | '·' | '．'))
        .count()
        >= 3
}

/// The shape a running header or footer keeps from page to page: digits and roman page
/// numbers taken out.
fn shape(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !is_page_number(w))
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect()
}

/// A bookmark: the page it points to, its title and how deep it is nested (1 = top).
struct Bookmark {
    page: usize,
    title: String,
    level: u8,
}

/// The bookmarks of poppler's `<outline>`, in order: an `<item>` is an entry, an
/// `<outline>` inside holds the entries under the item before it.
fn outline_entries(outline: &Element, level: u8, out: &mut Vec<Bookmark>) {
    for e in outline.elements() {
        match e.name.as_str() {
            "item" => {
                let title = collapse_whitespace(&e.text());
                if !title.is_empty() {
                    out.push(Bookmark {
                        page: e
                            .attribute("page")
                            .and_then(|p| p.parse().ok())
                            .unwrap_or(0),
                        title,
                        level,
                    });
                }
            }
            // nested outlines deeper than any book's are read as the last level
            "outline" => outline_entries(e, level.saturating_add(1).min(MAX_OUTLINE_LEVEL), out),
            _ => {}
        }
    }
}

/// Bookmarks nested deeper than this count as this level.
const MAX_OUTLINE_LEVEL: u8 = 9;

struct Reader {
    pages: Vec<Page>,
    outline: Vec<Bookmark>,
    body_size: f32,
    /// Usual distance from one line's top to the next's, in body text.
    spacing: f32,
    /// Each page's right margin: where most full lines end.
    margins: Vec<f32>,
}

impl Reader {
    fn new(pages: Vec<Page>, outline: Vec<Bookmark>) -> Self {
        let mut by_size: Vec<(f32, usize)> = Vec::new();
        let mut steps: Vec<f32> = Vec::new();
        for page in &pages {
            for pair in page.lines.windows(2) {
                let step = pair[1].top - pair[0].top;
                if step > 0.0 && (pair[0].size - pair[1].size).abs() < 0.5 {
                    steps.push(step / pair[0].size.max(1.0));
                }
            }
            for line in &page.lines {
                let n = line.text.chars().count();
                match by_size
                    .iter_mut()
                    .find(|(s, _)| (*s - line.size).abs() < 0.5)
                {
                    Some(entry) => entry.1 += n,
                    None => by_size.push((line.size, n)),
                }
            }
        }
        let body_size = by_size
            .iter()
            .max_by_key(|(_, n)| *n)
            .map_or(12.0, |(s, _)| *s);
        steps.sort_by(f32::total_cmp);
        let spacing = steps.get(steps.len() / 2).copied().unwrap_or(1.3);
        let margins = pages
            .iter()
            .map(|page| {
                let mut rights: Vec<f32> = page.lines.iter().map(|l| l.right).collect();
                rights.sort_by(f32::total_cmp);
                rights.get(rights.len() * 9 / 10).copied().unwrap_or(0.0)
            })
            .collect();
        Reader {
            pages,
            outline,
            body_size,
            spacing,
            margins,
        }
    }

    /// Lines of page furniture: in the top or bottom eighth, recurring on a fifth of the
    /// pages once digits are taken out, or a lone page number there.
    fn furniture(&self) -> Vec<Vec<bool>> {
        let mut counts: std::collections::HashMap<String, usize> = Default::default();
        let edge = |page: &Page, line: &Line| {
            line.top < page.height / 8.0 || line.top + line.height > page.height * 7.0 / 8.0
        };
        for page in &self.pages {
            let mut seen = std::collections::HashSet::new();
            for line in page.lines.iter().filter(|l| edge(page, l)) {
                let s = shape(&line.text);
                if seen.insert(s.clone()) {
                    *counts.entry(s).or_default() += 1;
                }
            }
        }
        let recurring = (self.pages.len() / 5).max(3);
        self.pages
            .iter()
            .map(|page| {
                page.lines
                    .iter()
                    .map(|l| {
                        edge(page, l)
                            && (is_page_number(&l.text)
                                || counts.get(&shape(&l.text)).is_some_and(|&n| n >= recurring))
                    })
                    .collect()
            })
            .collect()
    }

    fn is_heading_line(&self, line: &Line) -> bool {
        let n = line.text.chars().count();
        let larger = line.size >= self.body_size * 1.1 + 0.5;
        if n == 0 || n > 60 || (line.mono && !larger) {
            return false;
        }
        let ends = line.text.ends_with(['。', '，', '；', '：', ',', ';']);
        larger && !ends || (line.bold && n <= 30 && !ends && !line.text.starts_with('•'))
    }

    /// Whether a line of body size is a heading the outline lists on its page (or next to
    /// it): the whole line is the entry's title, maybe after a section number.
    fn listed(&self, line: &Line, outline: &[(usize, String, bool, u8)]) -> bool {
        if line.text.chars().count() > 60 || line.text.ends_with(['。', '，', '；']) {
            return false;
        }
        let k = key(&line.text);
        outline.iter().any(|(page, title, _, _)| {
            line.page.abs_diff(*page) <= 1
                && !title.is_empty()
                && k.strip_suffix(title.as_str()).is_some_and(section_number)
        })
    }

    fn read(self) -> Document {
        let furniture = self.furniture();
        let mut b = Builder {
            outline: self
                .outline
                .iter()
                .map(|b| (b.page, key(&b.title), false, b.level))
                .collect(),
            ..Builder::default()
        };
        let mut code_lines = 0usize;
        let mut captions = 0usize;
        let mut line_no = 0usize;
        let mut in_contents = false;
        // pages between the title page and the first bookmarked one: copyright, revision
        // tables, contents
        let first_bookmarked = self.outline.iter().map(|b| b.page).min().unwrap_or(1);
        let front_matter = 2..first_bookmarked;
        if !front_matter.is_empty() {
            b.doc.warnings.push(Warning::left_out(
                1,
                LeftOut::FrontMatter,
                format!(
                    "front matter before the first bookmark (pages {}–{}) not read aloud",
                    front_matter.start,
                    front_matter.end - 1
                ),
            ));
        }
        for (p, page) in self.pages.iter().enumerate() {
            b.doc.parts.push(Part {
                first_line: line_no + 1,
                name: format!("page {}", p + 1),
            });
            for (k, line) in page.lines.iter().enumerate() {
                line_no += 1;
                if front_matter.contains(&(p + 1)) {
                    in_contents = false;
                    continue;
                }
                if furniture[p][k] {
                    continue;
                }
                let is_heading = self.is_heading_line(line) || self.listed(line, &b.outline);
                if is_heading && is_contents_title(&line.text) {
                    in_contents = true;
                    continue;
                }
                if line.toc {
                    in_contents = true;
                    continue;
                }
                if in_contents && !is_heading && line.text.chars().count() < 40 {
                    // the entries of a contents page whose page numbers were not on the line
                    continue;
                }
                in_contents = false;
                if line.mono && !is_heading {
                    code_lines += 1;
                    b.flush();
                    continue;
                }
                if is_caption(&line.text) {
                    captions += 1;
                    continue;
                }
                if is_heading {
                    b.flush();
                    // a heading line right under another one continues it
                    if let Some((text, first, _)) = b.heading.as_mut()
                        && is_label(text)
                        && first.page == line.page
                        && line.top - first.top < first.size.max(line.size) * 4.0
                    {
                        text.push(' ');
                        text.push_str(&line.text);
                        continue;
                    }
                    b.close_heading();
                    b.heading = Some((line.text.clone(), line.clone(), line_no));
                    continue;
                }
                b.close_heading();
                let starts_new = match &b.paragraph {
                    None => true,
                    Some((_, prev)) => self.breaks(prev, line),
                };
                if starts_new {
                    b.flush();
                    b.paragraph = Some((Paragraph::new(line.text.clone(), line_no), line.clone()));
                } else if let Some((para, prev)) = b.paragraph.as_mut() {
                    join_text(&mut para.text, &line.text);
                    *prev = line.clone();
                }
            }
        }
        let mut doc = b.finish();
        for (count, kind, what) in [
            (
                code_lines,
                LeftOut::Code,
                "monospaced line(s) (code, shell sessions) not read aloud",
            ),
            (
                captions,
                LeftOut::Caption,
                "figure or table caption(s) not read aloud",
            ),
        ] {
            if count > 0 {
                doc.warnings
                    .push(Warning::left_out(1, kind, format!("{count} {what}")));
            }
        }
        doc
    }

    /// Whether `next` starts a new paragraph after `prev`.
    fn breaks(&self, prev: &Line, next: &Line) -> bool {
        let em = prev.size.max(1.0);
        if next
            .text
            .starts_with(['•', '●', '○', '■', '◆', '-', '*', '·'])
        {
            return true;
        }
        if next.page != prev.page {
            // on over a page break unless the sentence ended there
            return ends_sentence(&prev.text);
        }
        let step = next.top - prev.top;
        if step < 0.0 || step > self.spacing * em * 1.45 + 1.0 {
            return true;
        }
        if next.left > prev.left + em * 1.5 && ends_sentence(&prev.text) {
            return true;
        }
        // a short line that ends a sentence ends its paragraph
        ends_sentence(&prev.text) && prev.right < self.margins[prev.page - 1] - em * 2.0
    }
}

/// Sections as the page lines are read: the open section, the paragraph being joined and
/// a heading waiting to be told a section or a paragraph, and which outline entries are
/// taken.
#[derive(Default)]
struct Builder {
    doc: Document,
    current: Option<Section>,
    paragraph: Option<(Paragraph, Line)>,
    /// Heading text, its first line and that line's number.
    heading: Option<(String, Line, usize)>,
    /// Outline entries: page, title key, whether a heading has matched it, level.
    outline: Vec<(usize, String, bool, u8)>,
}

impl Builder {
    /// Ends the open paragraph.
    fn flush(&mut self) {
        if let Some((para, _)) = self.paragraph.take() {
            self.current
                .get_or_insert_with(|| Section::untitled(para.line))
                .paragraphs
                .push(para);
        }
    }

    /// Ends a pending heading: a section when it is one (it matches the outline, or there
    /// is no outline), else a paragraph of its own.
    fn close_heading(&mut self) {
        let Some((text, first, line_no)) = self.heading.take() else {
            return;
        };
        let k = key(&text);
        // without bookmarks every heading counts as a chapter
        let mut level = Some(1);
        if !self.outline.is_empty() {
            level = self
                .outline
                .iter_mut()
                .find(|(page, title, used, _)| {
                    !*used
                        && first.page.abs_diff(*page) <= 1
                        && !title.is_empty()
                        && (k == *title
                            || k.ends_with(title.as_str())
                            || title.ends_with(k.as_str()))
                })
                .map(|entry| {
                    entry.2 = true;
                    entry.3
                });
        }
        if let Some(level) = level {
            if let Some(section) = self.current.take() {
                self.doc.sections.push(section);
            }
            if self.doc.title.is_none() && self.doc.sections.is_empty() && first.page <= 2 {
                self.doc.title = Some(text.clone());
            }
            self.current = Some(Section::headed(text, level, line_no));
        } else {
            self.current
                .get_or_insert_with(|| Section::untitled(line_no))
                .paragraphs
                .push(Paragraph::new(text, line_no));
        }
    }

    fn finish(mut self) -> Document {
        self.close_heading();
        self.flush();
        if let Some(section) = self.current.take() {
            self.doc.sections.push(section);
        }
        self.doc
            .sections
            .retain(|s| s.title.is_some() || !s.paragraphs.is_empty());
        self.doc
    }
}

fn ends_sentence(text: &str) -> bool {
    text.trim_end()
        .trim_end_matches(['”', '’', '」', '』', '）', ')', '"'])
        .ends_with(['。', '！', '？', '!', '?', '.', '：', ':', '；'])
}

/// Joins a wrapped line: no space between CJK characters, one between Latin words, a
/// hyphen at the end before a lower-case letter removed.
fn join_text(text: &mut String, next: &str) {
    let a = text.chars().last();
    let b = next.chars().next();
    match (a, b) {
        (Some('-'), Some(b)) if b.is_lowercase() => {
            text.pop();
        }
        (Some(a), Some(b)) if !is_wide(a) && !is_wide(b) && a != '-' => text.push(' '),
        _ => {}
    }
    text.push_str(next);
}

fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// What may stand before an outline entry's title on its heading line: nothing, or a
/// section number of two levels or more (`3.1.2`); `1.` is a list item's number.
fn section_number(prefix: &str) -> bool {
    prefix.is_empty()
        || (prefix.chars().all(|c| c.is_ascii_digit() || c == '.')
            && prefix.trim_end_matches('.').contains('.'))
}

/// `Chapter 1`, `第 3 章`, `Part II`, `3.1`: a heading line whose title is on the next line.
fn is_label(text: &str) -> bool {
    let t = text.trim();
    let lower = t.to_lowercase();
    let worded = ["chapter ", "part ", "appendix ", "附录"].iter().any(|w| {
        lower
            .strip_prefix(w)
            .is_some_and(|r| r.trim().chars().count() <= 4)
    });
    let chinese =
        t.starts_with('第') && t.ends_with(['章', '部', '篇', '卷']) && t.chars().count() <= 8;
    let number = !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.');
    worded || chinese || number
}

fn is_contents_title(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(
        t.to_lowercase().as_str(),
        "contents"
            | "tableofcontents"
            | "目录"
            | "目次"
            | "listoffigures"
            | "listoftables"
            | "插图目录"
            | "表格目录"
    )
}

/// `图 3`, `图3-1 …`, `表 1.2`, `Figure 4.`, `Table 2`.
fn is_caption(text: &str) -> bool {
    let t = text.trim();
    let rest = ["图", "表", "Figure ", "Table ", "Fig. "]
        .iter()
        .find_map(|p| t.strip_prefix(p));
    rest.is_some_and(|r| {
        let r = r.trim_start();
        r.chars().next().is_some_and(|c| c.is_ascii_digit())
            && t.chars().count() <= 60
            && !t.ends_with('。')
    })
}

/// A title as compared with the outline (whose entries may lack the section number the
/// heading has, so a match may be at the end): spaces taken out, lower case.
fn key(title: &str) -> String {
    let t: String = title.chars().filter(|c| !c.is_whitespace()).collect();
    t.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(number: usize, body: &str) -> String {
        format!(
            r##"<page number="{number}" position="absolute" top="0" left="0" height="1000" width="800"><fontspec id="0" size="15" family="Serif" color="#000000"/><fontspec id="1" size="24" family="Sans" color="#000000"/><fontspec id="2" size="15" family="Mono" color="#000000"/>
        <text top="40" left="80" width="300" height="15" font="0">示例手册</text><text top="40" left="700" width="20" height="15" font="0">{number}</text>{body}<text top="960" left="380" width="40" height="15" font="0">{number} / 9</text></page>"##
        )
    }

    fn text(top: u32, left: u32, font: u32, s: &str) -> String {
        format!(
            r#"<text top="{top}" left="{left}" width="{}" height="15" font="{font}">{s}</text>"#,
            s.chars().count() * 15
        )
    }

    fn doc(pages: &[String], outline: &str) -> Document {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><pdf2xml producer="poppler">{}{outline}</pdf2xml>"#,
            pages.concat()
        );
        parse_xml(&xml).unwrap()
    }

    fn sample() -> Vec<String> {
        let body = |top: u32, s: &str| text(top, 80, 0, s);
        vec![
            page(
                1,
                &[
                    text(200, 80, 1, "目录"),
                    text(260, 80, 0, "1 概述 . . . . . . . . 2"),
                    text(280, 80, 0, "2 安装"),
                    text(280, 700, 0, "3"),
                ]
                .concat(),
            ),
            page(
                2,
                &[
                    text(200, 80, 1, "1 概述"),
                    body(260, "这是第一段的第一行，它一直写到了行的最末尾处为止"),
                    body(280, "然后在这里结束。"),
                    body(300, "第二段只有一行。"),
                    text(320, 80, 2, "$ make install"),
                    body(340, "图 1 安装界面"),
                    body(360, "第三段开始，一直写到了这一页的最后一行的最末尾处"),
                ]
                .concat(),
            ),
            page(
                3,
                &[
                    body(100, "下一页接着写完。"),
                    text(200, 80, 1, "2 安装"),
                    body(260, "安装很简单。"),
                ]
                .concat(),
            ),
            page(4, &[body(100, "附录的正文。")].concat()),
        ]
    }

    #[test]
    fn headings_paragraphs_furniture_contents_code_and_captions() {
        let d = doc(&sample(), "");
        let titles: Vec<_> = d.sections.iter().map(|s| s.title.as_deref()).collect();
        assert_eq!(titles, [Some("1 概述"), Some("2 安装")], "{d:#?}");
        let texts: Vec<&str> = d.sections[0]
            .paragraphs
            .iter()
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(
            texts,
            [
                "这是第一段的第一行，它一直写到了行的最末尾处为止然后在这里结束。",
                "第二段只有一行。",
                "第三段开始，一直写到了这一页的最后一行的最末尾处下一页接着写完。"
            ]
        );
        let all: String = d
            .sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .map(|p| p.text.clone())
            .collect();
        for noise in ["示例手册", "/ 9", "make", "安装界面", "概述 ."] {
            assert!(!all.contains(noise), "{noise} in {all}");
        }
        assert_eq!(
            d.place(d.sections[1].line),
            "page 3 line 4",
            "{:?}",
            d.parts
        );
        assert!(d.warnings.iter().any(|w| w.message.contains("monospaced")));
    }

    #[test]
    fn with_an_outline_only_its_headings_are_sections() {
        let outline = r#"<outline><item page="2">前言</item><item page="3">安装</item></outline>"#;
        let d = doc(&sample(), outline);
        let titles: Vec<_> = d.sections.iter().map(|s| s.title.as_deref()).collect();
        assert_eq!(titles, [None, Some("2 安装")]);
        assert_eq!(d.sections[0].paragraphs[0].text, "1 概述");
    }

    #[test]
    fn long_pdfs_are_read_in_one_range_per_core() {
        assert_eq!(page_ranges(251, 2), [Some((1, 125)), Some((126, 251))]);
        assert_eq!(
            page_ranges(100, 16),
            [
                Some((1, 25)),
                Some((26, 50)),
                Some((51, 75)),
                Some((76, 100))
            ]
        );
        // short, unknown length, or one core: one run over the whole file
        assert_eq!(page_ranges(30, 8), [None]);
        assert_eq!(page_ranges(0, 8), [None]);
        assert_eq!(page_ranges(500, 1), [None]);
        assert_eq!(page_count("Title: x\nPages:          251\n"), Some(251));
    }

    #[test]
    fn pages_read_in_ranges_give_the_document_read_whole() {
        let whole = doc(&sample(), "");
        let pages = sample();
        let (first, rest) = pages.split_at(1);
        let chunks = vec![
            chunk_of(&format!("<pdf2xml>{}</pdf2xml>", first.concat()), 1).unwrap(),
            chunk_of(&format!("<pdf2xml>{}</pdf2xml>", rest.concat()), 2).unwrap(),
        ];
        assert_eq!(assemble(chunks).unwrap(), whole);
    }

    #[test]
    fn a_bookmark_nested_under_another_is_a_level_deeper() {
        let outline = r#"<outline><item page="2">概述</item><outline><item page="3">安装</item></outline></outline>"#;
        let d = doc(&sample(), outline);
        let levels: Vec<_> = d
            .sections
            .iter()
            .filter_map(|s| Some((s.title.as_deref()?, s.level)))
            .collect();
        assert_eq!(levels, [("1 概述", 1), ("2 安装", 2)], "{d:#?}");
    }

    #[test]
    fn pages_before_the_first_bookmark_are_front_matter() {
        let outline = r#"<outline><item page="3">概述</item><item page="3">安装</item></outline>"#;
        let d = doc(&sample(), outline);
        let all: String = d
            .sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .map(|p| p.text.clone())
            .collect();
        assert!(!all.contains("第一段"), "{d:#?}");
        assert!(all.contains("下一页接着写完"), "{all}");
        assert!(d.warnings.iter().any(|w| w.message.contains("pages 2–2")));
    }

    #[test]
    fn a_pdf_of_images_is_refused_as_a_scan() {
        let xml = r#"<pdf2xml><page number="1" height="1000"></page><page number="2" height="1000"></page></pdf2xml>"#;
        assert!(matches!(parse_xml(xml), Err(PdfError::NoText { pages: 2 })));
    }

    #[test]
    fn page_numbers_in_every_form() {
        for yes in ["12", "iv", "- 3 -", "4 / 57", "第 5 页", "Page 3"] {
            assert!(is_page_number(yes), "{yes}");
        }
        for no in ["2019年", "第一章", "1.1 概述", "Debian"] {
            assert!(!is_page_number(no), "{no}");
        }
        assert!(ends_in_leader("1.1 概述 . . . . . . 12"));
        assert!(ends_in_leader("概述……………… 3"));
        assert!(!ends_in_leader("共 12"));
    }
}
