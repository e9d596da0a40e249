//! Bytes → text: BOM-marked UTF-8/UTF-16, plain UTF-8, then GB18030/GBK by detection.

/// Decoded text and the encoding it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// encoding_rs name, e.g. "UTF-8", "UTF-16LE", "gb18030".
    pub encoding: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("not a text file (TODO)")]
    Binary,
}

pub fn decode(_bytes: &[u8]) -> Result<Decoded, DecodeError> {
    todo!("helper: ingest")
}
