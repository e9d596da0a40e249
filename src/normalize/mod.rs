//! Normalize: written Chinese → spoken Chinese (numbers, dates, units, symbols).

/// Rewrites one text (any number of lines) into its spoken form; keeps line breaks.
pub fn normalize(text: &str) -> String {
    text.to_owned()
}
