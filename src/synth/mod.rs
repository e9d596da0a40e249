//! Synthesize (TODO)
