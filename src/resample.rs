//! resample (TODO)
