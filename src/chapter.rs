//! chapter (TODO)
