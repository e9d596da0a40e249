//! Files written atomically: a new version is written beside the old one, then renamed over
//! it, so a reader or a crash never sees half a file.
//!
//! The bottom layer for every stage that writes (chapter, loudness, output): it knows
//! nothing of their error types, which each caller maps.

use std::path::Path;

/// Makes `path` anew through the side file `side`: `write` writes `side` (reading `path`
/// if it likes), which then replaces `path`; `rename_failed` turns a failed rename into the
/// caller's error. On any failure `side` is removed and `path` is left as it was.
pub fn replace_through<T, E>(
    path: &Path,
    side: &Path,
    write: impl FnOnce(&Path) -> Result<T, E>,
    rename_failed: impl FnOnce(std::io::Error) -> E,
) -> Result<T, E> {
    let result = write(side).and_then(|value| {
        std::fs::rename(side, path).map_err(rename_failed)?;
        Ok(value)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(side);
    }
    result
}
