//! pipeline (TODO)
