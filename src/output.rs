//! output (TODO)
