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
    Ok(structure::parse(&text.text))
}
