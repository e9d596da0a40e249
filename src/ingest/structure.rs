//! Decoded text → [`Document`]: join hard wraps, drop captions and bylines, find headings.

use crate::text::Document;

pub fn parse(_text: &str) -> Document {
    todo!("helper: ingest")
}
