//! Ingest: bytes of a file in, a structured [`Document`] out.
//!
//! `decode` turns bytes into text (BOM, UTF-8/16, GB18030); HTML and XHTML (told from the
//! text, or the file name) go to `html`; other text to `repair`, which undoes PDF-extraction
//! damage, and `structure`, which finds titles, sections and paragraphs. This is the only stage
//! that opens the input.

pub mod decode;
pub mod html;
mod repair;
pub mod structure;

use std::path::{Path, PathBuf};

use crate::text::{Document, Warning};

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
    let text = decode::decode(&bytes).map_err(|source| IngestError::Decode {
        path: path.to_owned(),
        source,
    })?;
    let is_html = html::looks_like_html(&text.text)
        || path.extension().is_some_and(|e| {
            let e = e.to_ascii_lowercase();
            e == "html" || e == "htm" || e == "xhtml"
        });
    let mut document = if is_html {
        html::parse(&text.text)
    } else {
        structure::parse(&replace_undecodable(&text.text))
    };
    // two gaps on one line with the same damage say the same thing once
    document.warnings.dedup();
    if let Some(line) = text.text.lines().position(|l| l.contains('\u{FFFD}')) {
        let count = text.text.matches('\u{FFFD}').count();
        document.warnings.insert(
            0,
            Warning {
                line: line + 1,
                message: format!(
                    "{count} undecodable character(s) ({}) left out, the first on this line",
                    text.encoding
                ),
            },
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
        warnings.push(Warning {
            line: k + 1,
            message: format!(
                "{} text «{}» is passed to the voice as written; a Mandarin voice may skip or garble it{}",
                first.script.name(),
                first.text,
                match runs.len() {
                    1 => String::new(),
                    n => format!(" ({} more run(s) on this line)", n - 1),
                }
            ),
        });
    }
    if more > 0
        && let Some(last) = warnings.last().map(|w| w.line)
    {
        warnings.push(Warning {
            line: last,
            message: format!("{more} more line(s) after this one hold text in other scripts"),
        });
    }
    warnings
}

const MAX_SCRIPT_WARNINGS: usize = 20;

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
