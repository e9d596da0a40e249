//! progress (TODO)
