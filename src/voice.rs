//! voice (TODO)
