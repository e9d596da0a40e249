//! audio (TODO)
