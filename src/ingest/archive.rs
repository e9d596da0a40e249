//! Zip containers (EPUB, DOCX), opened with the `zip` crate and read with bounds: a hostile
//! archive (a zip bomb, a million entries) costs at most [`MAX_TOTAL_BYTES`] of memory.

use std::io::{Cursor, Read};

use super::decode;
use super::xml::{self, Element};

/// Why a file in an archive cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("not a readable zip archive ({0}); the file is damaged or not what its name says")]
    Zip(#[from] zip::result::ZipError),
    #[error("{part}: listed in the package but not in the archive")]
    Missing { part: String },
    #[error("{part}: unpacks to more than {limit} bytes (a zip bomb or a damaged archive)")]
    TooLarge { part: String, limit: u64 },
    #[error("more than {MAX_ENTRIES} files in the archive")]
    TooManyEntries,
    #[error("{part}: {source}")]
    Read {
        part: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{part}: {message}")]
    Decode { part: String, message: String },
    #[error("{part}: {source}")]
    Xml {
        part: String,
        #[source]
        source: xml::XmlError,
    },
}

/// At most this many files in an archive.
pub const MAX_ENTRIES: usize = 20_000;
/// One file unpacks to at most this many bytes (a long novel's chapter is well under 1 MB).
pub const MAX_PART_BYTES: u64 = 64 << 20;
/// Everything read from one archive unpacks to at most this many bytes.
pub const MAX_TOTAL_BYTES: u64 = 512 << 20;

/// An opened archive and how much has been unpacked from it.
pub struct Archive<'b> {
    zip: zip::ZipArchive<Cursor<&'b [u8]>>,
    /// The archive's file names (with the prefix).
    names: Vec<String>,
    /// A folder every path is under (a book zipped one level too deep), or `""`.
    pub prefix: String,
    unpacked: u64,
}

/// What a zip file holds, told from its file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Epub,
    Docx,
    Other,
}

impl<'b> Archive<'b> {
    /// Opens `bytes`; paths are taken under the folder that holds `marker` (a file every
    /// archive of its kind has), when it is not at the root.
    pub fn open(bytes: &'b [u8], marker: &str) -> Result<Self, ArchiveError> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes))?;
        if zip.len() > MAX_ENTRIES {
            return Err(ArchiveError::TooManyEntries);
        }
        let names: Vec<String> = zip
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .collect();
        let prefix = names
            .iter()
            .filter_map(|n| n.strip_suffix(marker))
            .filter(|p| p.is_empty() || p.ends_with('/'))
            .min_by_key(|p| p.len())
            .unwrap_or_default()
            .to_owned();
        Ok(Archive {
            zip,
            names,
            prefix,
            unpacked: 0,
        })
    }

    pub fn kind(&self) -> Kind {
        if self
            .names()
            .any(|n| n.ends_with("META-INF/container.xml") || n.ends_with(".opf"))
        {
            Kind::Epub
        } else if self.names().any(|n| n == "word/document.xml") {
            Kind::Docx
        } else {
            Kind::Other
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    pub fn has(&self, path: &str) -> bool {
        let name = format!("{}{path}", self.prefix);
        self.names.contains(&name)
    }

    /// The bytes of `path` (under the prefix), bounded.
    pub fn bytes(&mut self, path: &str) -> Result<Vec<u8>, ArchiveError> {
        let name = format!("{}{path}", self.prefix);
        let part = || path.to_owned();
        let file = match self.zip.by_name(&name) {
            Ok(file) => file,
            Err(zip::result::ZipError::FileNotFound) => {
                return Err(ArchiveError::Missing { part: part() });
            }
            Err(e) => return Err(e.into()),
        };
        let limit = MAX_PART_BYTES.min(MAX_TOTAL_BYTES.saturating_sub(self.unpacked));
        let mut out = Vec::new();
        file.take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|source| ArchiveError::Read {
                part: part(),
                source,
            })?;
        if out.len() as u64 > limit {
            return Err(ArchiveError::TooLarge {
                part: part(),
                limit,
            });
        }
        self.unpacked += out.len() as u64;
        Ok(out)
    }

    /// The decoded text of `path`.
    pub fn text(&mut self, path: &str) -> Result<String, ArchiveError> {
        let bytes = self.bytes(path)?;
        decode::decode(&bytes)
            .map(|d| d.text)
            .map_err(|e| ArchiveError::Decode {
                part: path.to_owned(),
                message: e.to_string(),
            })
    }

    /// `path` parsed as XML.
    pub fn xml(&mut self, path: &str) -> Result<Element, ArchiveError> {
        let text = self.text(path)?;
        xml::parse(&text).map_err(|source| ArchiveError::Xml {
            part: path.to_owned(),
            source,
        })
    }
}
