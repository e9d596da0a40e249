//! Ingest: bytes of a file in, a structured [`Document`] out.
//!
//! The format is told from the bytes ([`Format::sniff`]; the file name only tells HTML
//! from text), and one reader per format makes the same [`Document`]:
//!
//! - `pdf`: poppler's text with its layout (headings from size, furniture from position);
//! - `epub` and `docx`: zip containers ([`archive`]) of XHTML chapters or Word paragraphs;
//! - `html`: a saved page or a documentation chapter;
//! - text: `decode` (BOM, UTF-8/16, GB18030), `repair` (PDF-extraction damage) and
//!   `structure` (titles, sections, paragraphs).
//!
//! This is the only stage that opens the input.

mod aligned;
pub mod archive;
mod book_index;
mod columns;
mod content;
pub mod decode;
pub mod docx;
pub mod epub;
mod headings;
pub mod html;
mod imprint;
mod note_marks;
pub mod notes;
mod outline;
mod page_furniture;
pub mod pdf;
mod pdftotext_cells;
mod repair;
pub mod structure;
mod subheads;
mod watermarks;
mod webtext;
pub mod xml;

use std::path::{Path, PathBuf};

use crate::text::{Document, Warning};
use notes::NotePlacement;

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", path.display())]
    Decode {
        path: PathBuf,
        #[source]
        source: decode::DecodeError,
    },
    #[error("{}", path.display())]
    Epub {
        path: PathBuf,
        #[source]
        source: epub::EpubError,
    },
    #[error("{}", path.display())]
    Pdf {
        path: PathBuf,
        #[source]
        source: pdf::PdfError,
    },
    #[error("{}", path.display())]
    Docx {
        path: PathBuf,
        #[source]
        source: docx::DocxError,
    },
    #[error(
        "{}: a zip archive that is neither an EPUB nor a DOCX; unpack it and narrate the files inside",
        path.display()
    )]
    OtherArchive { path: PathBuf },
    #[error(
        "{} is {size} bytes, more than the {limit}-byte input limit; split it or raise the limit (--max-input-mb)",
        path.display()
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
}

/// Inputs larger than this are refused unless the caller allows more (256 MiB: a long
/// book is a few MB).
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 256 << 20;

/// Reads, decodes and structures one input file of at most [`DEFAULT_MAX_INPUT_BYTES`].
pub fn read(path: &Path) -> Result<Document, IngestError> {
    read_limited(path, DEFAULT_MAX_INPUT_BYTES)
}

/// Reads, decodes and structures one input file of at most `max_bytes`.
pub fn read_limited(path: &Path, max_bytes: u64) -> Result<Document, IngestError> {
    read_with(path, max_bytes, NotePlacement::Skip)
}

/// Reads, decodes and structures one input file of at most `max_bytes`, its footnotes and
/// endnotes (EPUB, HTML, DOCX) placed as `notes` says.
pub fn read_with(
    path: &Path,
    max_bytes: u64,
    notes: NotePlacement,
) -> Result<Document, IngestError> {
    let read_error = |source| IngestError::Read {
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > max_bytes {
        return Err(IngestError::TooLarge {
            path: path.to_owned(),
            size,
            limit: max_bytes,
        });
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    let path_buf = || path.to_owned();
    let format = Format::sniff(&bytes, path);
    let mut document = match format {
        Format::Pdf => pdf::read(path).map_err(|source| IngestError::Pdf {
            path: path_buf(),
            source,
        })?,
        Format::Epub => epub::parse_with(&bytes, notes).map_err(|source| IngestError::Epub {
            path: path_buf(),
            source,
        })?,
        Format::Docx => docx::parse_with(&bytes, notes).map_err(|source| IngestError::Docx {
            path: path_buf(),
            source,
        })?,
        Format::OtherArchive => return Err(IngestError::OtherArchive { path: path_buf() }),
        Format::Text | Format::Html => {
            return read_text(path, &bytes, format == Format::Html, notes);
        }
    };
    book_index::leave_out_sections(&mut document);
    watermarks::remove_from_document(&mut document);
    document.warnings.dedup();
    document.place_warnings();
    Ok(document)
}

/// The kinds of input, told from the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Html,
    Pdf,
    Epub,
    Docx,
    /// A zip file that is neither an EPUB nor a DOCX.
    OtherArchive,
}

impl Format {
    /// The format of `bytes`: `%PDF-` near the start is a PDF; a zip archive is an EPUB or
    /// a DOCX by the files it holds; other bytes are text, HTML when the text starts like
    /// HTML or the file is called `.html`/`.htm`/`.xhtml` (decoding says whether it is text
    /// at all).
    pub fn sniff(bytes: &[u8], path: &Path) -> Format {
        let head = &bytes[..bytes.len().min(1024)];
        if head.windows(5).any(|w| w == b"%PDF-") {
            return Format::Pdf;
        }
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            return match archive::Archive::open(bytes, "").map(|a| a.kind()) {
                Ok(archive::Kind::Docx) => Format::Docx,
                Ok(archive::Kind::Other) => Format::OtherArchive,
                // an archive too broken to list is reported by the EPUB reader
                Ok(archive::Kind::Epub) | Err(_) => Format::Epub,
            };
        }
        let named_html = path.extension().is_some_and(|e| {
            let e = e.to_ascii_lowercase();
            e == "html" || e == "htm" || e == "xhtml"
        });
        let text_start = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned();
        if named_html || html::looks_like_html(&text_start) {
            Format::Html
        } else {
            Format::Text
        }
    }
}

/// Text and HTML: decoded, then read. `sniffed_html` says what the bytes or the name told;
/// the decoded text can tell HTML too (UTF-16 markup is not seen in the bytes).
fn read_text(
    path: &Path,
    bytes: &[u8],
    sniffed_html: bool,
    notes: NotePlacement,
) -> Result<Document, IngestError> {
    let text = decode::decode(bytes).map_err(|source| IngestError::Decode {
        path: path.to_owned(),
        source,
    })?;
    let is_html = sniffed_html || html::looks_like_html(&text.text);
    let mut document = if is_html {
        let mut document = html::parse_with(&text.text, notes);
        watermarks::remove_from_document(&mut document);
        document
    } else {
        structure::parse(&replace_undecodable(&text.text))
    };
    // two gaps on one line with the same damage say the same thing once
    document.warnings.dedup();
    if let Some(line) = text.text.lines().position(|l| l.contains('\u{FFFD}')) {
        let count = text.text.matches('\u{FFFD}').count();
        document.warnings.insert(
            0,
            Warning::new(
                line + 1,
                format!(
                    "{count} undecodable character(s) ({}) left out, the first on this line",
                    text.encoding
                ),
            ),
        );
    }
    document.warnings.extend(foreign_text_warnings(&text.text));
    Ok(document)
}

/// Lines that hold text in a script a Mandarin voice does not read (Korean, kana, Cyrillic):
/// it is passed to the voice as written, so say where (at most [`MAX_SCRIPT_WARNINGS`] lines,
/// then how many more).
fn foreign_text_warnings(text: &str) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let mut more = 0;
    for (k, line) in text.lines().enumerate() {
        let runs = crate::normalize::foreign_runs(line);
        let Some(first) = runs.first() else { continue };
        if warnings.len() == MAX_SCRIPT_WARNINGS {
            more += 1;
            continue;
        }
        warnings.push(Warning::new(k + 1, format!(
                "{} text «{}» is passed to the voice as written; a Mandarin voice may skip or garble it{}",
                first.script.name(),
                first.text,
                match runs.len() {
                    1 => String::new(),
                    n => format!(" ({} more run(s) on this line)", n - 1),
                }
            )));
    }
    if more > 0
        && let Some(last) = warnings.last().map(|w| w.line)
    {
        warnings.push(Warning::new(
            last,
            format!("{more} more line(s) after this one hold text in other scripts"),
        ));
    }
    warnings
}

const MAX_SCRIPT_WARNINGS: usize = 20;

/// Each run of whitespace one space, none at the ends: what the container readers make of
/// a title or a run of text.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Drops U+FFFD, which decoding put where bytes made no character: an engine would read
/// it as noise or not at all.
fn replace_undecodable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\u{FFFD}') {
        text.replace('\u{FFFD}', "").into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_the_seed_file_gives_its_sections() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed-newspaper-pdf.txt");
        let doc = read(&path).unwrap();
        assert_eq!(doc.sections.len(), 5);
        assert_eq!(doc.sections[1].title.as_deref(), Some("牢记殷殷嘱托"));
    }

    #[test]
    fn a_png_renamed_txt_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("picture.txt");
        std::fs::write(&path, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
        let err = read(&path).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, IngestError::Decode { .. }), "{err:?}");
        assert!(message.contains("picture.txt"), "{message}");
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert!(cause.contains("not a text file"), "{cause}");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_naming_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        std::fs::write(&path, "长".repeat(1000)).unwrap();
        let err = read_limited(&path, 100).unwrap_err().to_string();
        assert!(
            err.contains("big.txt") && err.contains("--max-input-mb"),
            "{err}"
        );
    }

    #[test]
    fn lone_surrogates_in_utf16_are_left_out_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("utf16.txt");
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend("标题\n\n你好".encode_utf16().flat_map(u16::to_le_bytes));
        bytes.extend([0x00, 0xd8]); // a high surrogate with nothing after it
        bytes.extend("世界。\n".encode_utf16().flat_map(u16::to_le_bytes));
        std::fs::write(&path, bytes).unwrap();
        let doc = read(&path).unwrap();
        let text: String = doc
            .sections
            .iter()
            .flat_map(|s| s.paragraphs.iter().map(|p| p.text.clone()))
            .collect();
        assert!(text.contains("你好世界。"), "{text}");
        assert!(!text.contains('\u{FFFD}'));
        assert_eq!(doc.warnings[0].line, 3, "{:?}", doc.warnings);
    }

    #[test]
    fn a_missing_file_is_a_read_error_naming_it() {
        let err = read(Path::new("/nonexistent/narrate-input.txt")).unwrap_err();
        assert!(matches!(err, IngestError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("narrate-input.txt"));
    }
}
