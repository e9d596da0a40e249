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
//!   gap, and the `Contents`/`目录` heading above them, are not read; nor a run of the
//!   bookmarks' own titles in body type, three or more of them pointing to other pages (a
//!   contents list without page numbers, as word processors print web pages).
//!
//! The work is split three ways: this file runs poppler and parses its XML, `layout.rs`
//! makes runs into lines, `sections.rs` makes lines into sections.
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

mod layout;
mod sections;

use super::xml;
use crate::text::Document;
use layout::{Page, Run, is_bold, lines_of, number};
use sections::{Bookmark, Reader, key, outline_entries};

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
    #[error(
        "its Chinese text is set in fonts that poppler reads only with its {collection} data, which is not installed; install it (Debian: apt-get install poppler-data) or run scripts/setup.sh"
    )]
    NoCjkData { collection: String },
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
    // fonts that only poppler's CJK data maps give nothing, or a few words, without it
    if !cjk_data_installed()
        && let Ok((_, complaints)) = run_poppler_reporting("pdffonts", &[], path, BASE_TIME)
        && let Some(collection) = missing_language_pack(&complaints)
    {
        return Err(PdfError::NoCjkData { collection });
    }
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
    drop_repeated_title(&mut document);
    Ok(document)
}

/// Where poppler's CJK data (Debian's poppler-data) may be: its Adobe-GB1 character
/// collection maps the Chinese fonts that carry no map of their own.
fn cjk_data_installed() -> bool {
    [
        "/usr/share/poppler",
        "/usr/local/share/poppler",
        "/opt/homebrew/share/poppler",
    ]
    .iter()
    .any(|dir| Path::new(dir).join("cidToUnicode/Adobe-GB1").is_file())
}

/// The character collection poppler said it lacks (`Syntax Error: Missing language pack
/// for 'Adobe-GB1' mapping`, as it reports a font it cannot map), if it said so.
fn missing_language_pack(complaints: &str) -> Option<String> {
    complaints.lines().find_map(|line| {
        let (_, rest) = line.split_once("Missing language pack for '")?;
        let (collection, _) = rest.split_once('\'')?;
        Some(collection.to_owned())
    })
}

/// The title said again before any text (a running header over the title, the title in
/// large type, when the bookmarks do not list it) is read once, as the first chapter's
/// name, not again as its first paragraphs.
fn drop_repeated_title(document: &mut Document) {
    let Some(title) = document.title.as_deref().map(key) else {
        return;
    };
    if let Some(first) = document.sections.first_mut() {
        let repeats = first
            .paragraphs
            .iter()
            .take_while(|p| key(&p.text) == title)
            .count();
        first.paragraphs.drain(..repeats);
    }
    document
        .sections
        .retain(|s| s.title.is_some() || !s.paragraphs.is_empty());
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
    run_poppler_reporting(program, args, path, limit).map(|(out, _)| out)
}

/// [`run_poppler`], with what the tool said on its standard error (its first 64 kB).
fn run_poppler_reporting(
    program: &str,
    args: &[&str],
    path: &Path,
    limit: Duration,
) -> Result<(String, String), PdfError> {
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
    Ok((String::from_utf8_lossy(&out).into_owned(), errors))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::LeftOut;
    use layout::{ends_in_leader, is_page_number, join_runs};

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

    /// What `pdffonts` says of lshort-zh-cn (xeLaTeX's Fandol fonts carry no Unicode map)
    /// where poppler-data is missing: the Chinese text would come out as nothing.
    #[test]
    fn a_missing_language_pack_is_named_with_what_to_install() {
        let complaints = "Syntax Error: Missing language pack for 'Adobe-GB1' mapping\n\
                          Syntax Error: Missing language pack for 'Adobe-GB1' mapping\n";
        assert_eq!(
            missing_language_pack(complaints).as_deref(),
            Some("Adobe-GB1")
        );
        assert_eq!(
            missing_language_pack("Syntax Warning: Invalid Font Weight\n"),
            None
        );
        assert_eq!(missing_language_pack(""), None);
        let message = PdfError::NoCjkData {
            collection: "Adobe-GB1".into(),
        }
        .to_string();
        assert!(message.contains("poppler-data") && message.contains("Adobe-GB1"));
    }

    fn titles(d: &Document) -> Vec<Option<&str>> {
        d.sections.iter().map(|s| s.title.as_deref()).collect()
    }

    /// Every paragraph's text, in order.
    fn said(d: &Document) -> Vec<&str> {
        d.sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .map(|p| p.text.as_str())
            .collect()
    }

    fn doc(pages: &[String], outline: &str) -> Document {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><pdf2xml producer="poppler">{}{outline}</pdf2xml>"#,
            pages.concat()
        );
        parse_xml(&xml).unwrap()
    }

    /// A newspaper page as a layout engine sets it (measured on LibreOffice's): three
    /// justified columns a character and a half apart, a running header with the date and
    /// 版, a headline with a subtitle and a byline across the columns, a photo caption.
    fn newspaper_page() -> String {
        let mut runs = vec![
            text(30, 80, 0, "2023年12月1日 星期五 要闻 第2版"),
            text(80, 200, 1, "习近平总书记重要讲话持续引发热烈反响"),
            text(115, 300, 3, "共筑标杆 共谋创新"),
            text(150, 420, 0, "本报记者 周 馨"),
        ];
        // column k holds one paragraph: forty full lines of 20 characters and a short one
        for (k, left) in [80u32, 400, 720].into_iter().enumerate() {
            let words = ["甲", "乙", "丙"][k];
            for row in 0..40u32 {
                runs.push(text(200 + row * 20, left, 0, &words.repeat(20)));
            }
            runs.push(text(1000, left, 0, &format!("第{}栏完。", k + 1)));
        }
        runs.push(text(1040, 80, 0, "图为服务窗口。本报记者 周 馨摄"));
        format!(
            r##"<page number="1" position="absolute" top="0" left="0" height="1300" width="1100"><fontspec id="0" size="15" family="Serif" color="#000000"/><fontspec id="1" size="24" family="Sans" color="#000000"/><fontspec id="3" size="18" family="Sans" color="#000000"/>{}</page>"##,
            runs.concat()
        )
    }

    #[test]
    fn a_newspaper_page_reads_column_by_column_without_its_furniture() {
        let d = doc(&[newspaper_page()], "");
        let titles = titles(&d);
        // the subtitle goes with its headline
        assert_eq!(
            titles,
            [Some(
                "习近平总书记重要讲话持续引发热烈反响 共筑标杆 共谋创新"
            )]
        );
        let text: Vec<&str> = d.sections[0]
            .paragraphs
            .iter()
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(
            text,
            [
                format!("{}第1栏完。", "甲".repeat(800)),
                format!("{}第2栏完。", "乙".repeat(800)),
                format!("{}第3栏完。", "丙".repeat(800)),
            ]
        );
        assert_eq!(d.author.as_deref(), Some("本报记者 周 馨"));
        let kinds: Vec<_> = d.warnings.iter().filter_map(|w| w.left_out).collect();
        assert!(
            kinds.contains(&LeftOut::TitleBlock) && kinds.contains(&LeftOut::Caption),
            "{:?}",
            d.warnings
        );
    }

    /// As a Word thesis prints (measured on one from MinerU's test files): the chapter's
    /// name as the running header of its pages, the heading again under it, and a
    /// regression table of figures between paragraphs.
    #[test]
    fn chapter_headers_repeated_headings_and_tables_of_figures_are_not_read() {
        let body = |top: u32, s: &str| text(top, 80, 0, s);
        let header = |s: &str| text(62, 300, 0, s);
        let pages = vec![
            page(
                1,
                &[
                    header("第一章 引言"),
                    text(120, 80, 1, "第一章 引言"),
                    body(200, "这是引言的第一段。"),
                ]
                .concat(),
            ),
            page(
                2,
                &[
                    header("第一章 引言"),
                    body(200, "回归结果如下。"),
                    body(240, "-0.475*** (0.0219)"),
                    body(260, "0.199** (0.0825) 0.304*** (0.111)"),
                    body(280, "N 5580 R-squared 0.388"),
                    body(320, "系数为 0.358，显著为正。"),
                ]
                .concat(),
            ),
            page(
                3,
                &[
                    header("第二章 文献综述"),
                    text(120, 80, 1, "第二章 文献综述"),
                    body(200, "综述的正文。"),
                ]
                .concat(),
            ),
        ];
        let outline = r#"<outline><item page="1">第一章 引言</item><item page="3">第二章 文献综述</item></outline>"#;
        let d = doc(&pages, outline);
        let titles = titles(&d);
        assert_eq!(
            titles,
            [Some("第一章 引言"), Some("第二章 文献综述")],
            "{:?}",
            d.sections
        );
        let said = said(&d);
        assert_eq!(
            said,
            [
                "这是引言的第一段。",
                "回归结果如下。",
                "系数为 0.358，显著为正。",
                "综述的正文。"
            ]
        );
        assert!(
            d.warnings
                .iter()
                .any(|w| w.left_out == Some(LeftOut::Table) && w.message.starts_with("3 line"))
        );
    }

    /// xeLaTeX's lshort-zh-cn: a chapter printed `第一章 简介` whose bookmark says `1 简介`;
    /// a section printed `1.2 第一次使用 LATEX` (small capitals) whose bookmark says
    /// `第一次使用LaTeX`; the page's first row names the section it opens beside the page
    /// number (`§1.2  第一次使用 LATEX  15`), in bold, on that page alone.
    #[test]
    fn headings_take_their_bookmarks_names_after_the_printed_number() {
        let bare_page = |number: usize, body: &str| {
            format!(
                r##"<page number="{number}" position="absolute" top="0" left="0" height="1000" width="800"><fontspec id="0" size="15" family="Serif" color="#000000"/><fontspec id="1" size="24" family="Sans" color="#000000"/>{body}</page>"##
            )
        };
        let bold = |top: u32, left: u32, s: &str| {
            format!(
                r#"<text top="{top}" left="{left}" width="60" height="15" font="0"><b>{s}</b></text>"#
            )
        };
        let pages = vec![
            bare_page(
                1,
                &[
                    text(120, 80, 1, "第一章 简介"),
                    text(200, 80, 0, "这是简介的第一段，说明本书的内容。"),
                ]
                .concat(),
            ),
            bare_page(
                2,
                &[
                    bold(62, 108, "§1.2"),
                    bold(61, 153, "第一次使用 LATEX"),
                    bold(62, 714, "15"),
                    text(120, 80, 1, "1.2 第一次使用 LATEX"),
                    text(200, 80, 0, "这一节讲第一次使用时要做的事情。"),
                ]
                .concat(),
            ),
        ];
        let outline = r#"<outline><item page="1">1 简介</item><outline><item page="2">第一次使用LaTeX</item></outline></outline>"#;
        let d = doc(&pages, outline);
        let titles = titles(&d);
        assert_eq!(titles, [Some("第一章 简介"), Some("1.2 第一次使用LaTeX")]);
        let said = said(&d);
        assert_eq!(
            said,
            [
                "这是简介的第一段，说明本书的内容。",
                "这一节讲第一次使用时要做的事情。"
            ]
        );
        assert!(sections::same_title("第一章简介", "1简介"));
        assert!(sections::same_title("第a部分关于faq", "a关于faq"));
        assert!(!sections::same_title("api参考", "pi参考"));
        assert!(!sections::same_title("第一章简介", "第二章入门"));
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

    /// A page as a word processor prints a web page (LibreOffice, measured on the Debian FAQ
    /// chapter): the bookmarks' titles listed in body type with no page numbers (no
    /// contents title over them), a heading wrapped over two lines, the title in large type.
    #[test]
    fn a_contents_list_without_page_numbers_and_wrapped_headings() {
        let body = |top: u32, s: &str| text(top, 80, 0, s);
        let pages = vec![
            page(
                1,
                &[
                    text(100, 80, 1, "第 1 章 定义和概览"),
                    body(200, "1.1. 本 FAQ 文档是什么？"),
                    body(220, "1.2. 什么是 Debian？"),
                    body(240, "1.3. 好的，我知道什么是 Debian 了……什么是 Linux？"),
                    body(
                        260,
                        "1.4. Debian 与其他发行版的区别是什么？为什么我应该选择",
                    ),
                    body(280, "Debian？"),
                ]
                .concat(),
            ),
            page(
                2,
                &[
                    text(100, 80, 1, "1.1. 本 FAQ 文档是什么？"),
                    body(140, "本文档提供了常见问题的解答。"),
                ]
                .concat(),
            ),
            page(
                3,
                &[
                    text(100, 80, 1, "1.2. 什么是 Debian？"),
                    body(140, "一个自由的操作系统。"),
                ]
                .concat(),
            ),
            page(
                4,
                &[
                    text(
                        100,
                        80,
                        1,
                        "1.3. 好的，我知道什么是 Debian 了……什么是 Linux？",
                    ),
                    body(140, "一个内核。"),
                ]
                .concat(),
            ),
            page(
                5,
                &[
                    text(100, 80, 1, "1.4. Debian 与其他发行版的区别是什么？为什么"),
                    text(130, 80, 1, "我应该选择 Debian？"),
                    body(170, "因为它是自由的。"),
                ]
                .concat(),
            ),
        ];
        let outline = r#"<outline><item page="2">1.1. 本 FAQ 文档是什么？</item><item page="3">1.2. 什么是 Debian？</item><item page="4">1.3. 好的，我知道什么是 Debian 了……什么是 Linux？</item><item page="5">1.4. Debian 与其他发行版的区别是什么？为什么我应该选择 Debian？</item></outline>"#;
        let mut d = doc(&pages, outline);
        d.title = Some("第 1 章 定义和概览".into());
        drop_repeated_title(&mut d);
        let titles: Vec<_> = d
            .sections
            .iter()
            .map(|s| s.title.as_deref().unwrap_or("-"))
            .collect();
        assert_eq!(
            titles,
            [
                "1.1. 本 FAQ 文档是什么？",
                "1.2. 什么是 Debian？",
                "1.3. 好的，我知道什么是 Debian 了……什么是 Linux？",
                "1.4. Debian 与其他发行版的区别是什么？为什么我应该选择 Debian？"
            ]
        );
        let text: Vec<&str> = crate::ingest::structure::tests::body(&d)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(
            text,
            [
                "本文档提供了常见问题的解答。",
                "一个自由的操作系统。",
                "一个内核。",
                "因为它是自由的。"
            ]
        );
    }

    /// A table column repeating one bookmarked title (`语言环境` four times) is a table,
    /// not a contents list: the paragraph after it is read.
    #[test]
    fn a_column_repeating_a_title_is_not_a_contents_list() {
        let body = |top: u32, s: &str| text(top, 80, 0, s);
        let pages = vec![
            page(
                1,
                &[
                    text(100, 80, 1, "8 语言环境"),
                    body(140, "语言环境决定显示格式。"),
                ]
                .concat(),
            ),
            page(2, &body(100, "第二页。")),
            page(3, &body(100, "第三页。")),
            page(
                4,
                &[
                    text(100, 80, 1, "9 时间"),
                    body(200, "语言环境"),
                    body(220, "语言环境"),
                    body(240, "语言环境"),
                    body(260, "语言环境"),
                    body(300, "你可以使用命令别名以避免输入长的选项："),
                ]
                .concat(),
            ),
        ];
        let outline =
            r#"<outline><item page="1">语言环境</item><item page="4">9 时间</item></outline>"#;
        let d = doc(&pages, outline);
        let last = d.sections.last().unwrap();
        assert_eq!(last.title.as_deref(), Some("9 时间"));
        assert!(
            last.paragraphs.iter().any(|p| p.text.contains("命令别名")),
            "{:?}",
            last.paragraphs
        );
    }

    #[test]
    fn a_written_space_next_to_latin_or_a_number_is_kept() {
        let run = |left: f32, width: f32, text: &str| Run {
            text: text.into(),
            left,
            width,
            top: 100.0,
            height: 23.0,
            size: 18.0,
            bold: false,
            mono: false,
        };
        // LibreOffice writes `1.1. ` and then the title, abutting, plus loose spaces
        let line = join_runs(
            1,
            vec![
                run(85.0, 40.0, "1.1. "),
                run(119.0, 6.0, " "),
                run(125.0, 23.0, "本 "),
                run(148.0, 40.0, "FAQ "),
                run(188.0, 108.0, "文档是什么？"),
            ],
        );
        assert_eq!(line.text, "1.1. 本 FAQ 文档是什么？");
        let line = join_runs(
            1,
            vec![
                run(85.0, 36.0, "第一"),
                run(121.0, 6.0, " "),
                run(127.0, 36.0, "章"),
            ],
        );
        assert_eq!(line.text, "第一章");
    }

    #[test]
    fn headings_paragraphs_furniture_contents_code_and_captions() {
        let d = doc(&sample(), "");
        let titles = titles(&d);
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
        let titles = titles(&d);
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

    /// A bookmark whose title a translation ended with a full stop (Rosegarden's manual:
    /// `4.1 乐器索引。`) finds its heading of body size; a sentence that happens to open
    /// like a longer bookmark does not.
    #[test]
    fn a_bookmark_ending_with_a_full_stop_finds_its_heading() {
        let body = |top: u32, s: &str| text(top, 80, 0, s);
        let pages = [page(
            1,
            &[
                text(100, 80, 1, "1 编曲机简介"),
                body(140, "这是第一段，它一直写到了行的最末尾处为止，然后结束。"),
                body(180, "1.1 乐器索引。"),
                body(220, "乐器索引列出所有的乐器，每一个都有自己的编号。"),
                body(
                    260,
                    "如何设置控制器和程序的说明在后面的章节里面，先看这里。",
                ),
            ]
            .concat(),
        )];
        let outline = r#"<outline><item page="1">编曲机简介</item><outline><item page="1">乐器索引。</item><item page="1">如何设置控制器和程序的说明</item></outline></outline>"#;
        let d = doc(&pages, outline);
        let titles: Vec<_> = d
            .sections
            .iter()
            .filter_map(|s| s.title.as_deref())
            .collect();
        assert_eq!(titles, ["1 编曲机简介", "1.1 乐器索引。"], "{d:#?}");
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
