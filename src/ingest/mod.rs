//! Ingest: bytes of a file in, a structured [`Document`] out.
//!
//! `decode` turns bytes into text (BOM, UTF-8/16, GB18030), `repair` undoes PDF-extraction
//! damage and `structure` finds titles, sections and paragraphs. This is the only stage
//! that opens the input.

pub mod decode;
mod repair;
pub mod structure;

use std::path::{Path, PathBuf};

use crate::text::Document;

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Decode {
        path: PathBuf,
        #[source]
        source: decode::DecodeError,
    },
}

/// Reads, decodes and structures one input file.
pub fn read(path: &Path) -> Result<Document, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let text = decode::decode(&bytes).map_err(|source| Error::Decode {
        path: path.to_owned(),
        source,
    })?;
    let mut document = structure::parse(&text.text);
    // two gaps on one line with the same damage say the same thing once
    document.warnings.dedup();
    Ok(document)
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
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(message.contains("picture.txt"), "{message}");
        assert!(message.contains("not a text file"), "{message}");
    }

    #[test]
    fn a_missing_file_is_a_read_error_naming_it() {
        let err = read(Path::new("/nonexistent/narrate-input.txt")).unwrap_err();
        assert!(matches!(err, Error::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("narrate-input.txt"));
    }
}
