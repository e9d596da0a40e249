//! Resume: which chapters an earlier run already wrote from the same inputs, so that a rerun
//! keeps their files, and which files of an earlier run the plan no longer has.

use std::path::Path;

use super::RunOptions;
use crate::output::{self, ChapterRecord};
use crate::plan::{ChapterOutline, Plan};
use crate::synth::Synthesizer;
use crate::voice::Voice;

/// The key of each planned chapter, and the record of each chapter whose file `previous`
/// (the chapters an earlier run in `dir` finished) lists with that key and which is still
/// whole. Files `previous` lists that the plan no longer has are removed.
pub(super) fn kept_chapters(
    plan: &Plan,
    previous: &[ChapterRecord],
    voice: &Voice,
    engine: &dyn Synthesizer,
    dir: &Path,
    options: &RunOptions,
) -> (Vec<String>, Vec<Option<ChapterRecord>>) {
    let keys: Vec<String> = plan
        .chapters
        .iter()
        .map(|c| chapter_key(c, voice, engine, options))
        .collect();
    let kept = plan
        .chapters
        .iter()
        .zip(&keys)
        .map(|(chapter, key)| {
            let old = previous
                .iter()
                .find(|r| r.file == chapter.file && &r.key == key)?;
            output::chapter_file_is_whole(&dir.join(&old.file), old.frames, options.sample_rate)
                .then(|| old.clone())
        })
        .collect();
    for old in previous {
        if !plan.chapters.iter().any(|c| c.file == old.file) {
            let _ = std::fs::remove_file(dir.join(&old.file));
        }
    }
    (keys, kept)
}

/// Hash of everything that decides a chapter file's bytes.
fn chapter_key(
    chapter: &ChapterOutline,
    voice: &Voice,
    engine: &dyn Synthesizer,
    options: &RunOptions,
) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    let mut put = |part: &str| {
        hash.update(part.as_bytes());
        hash.update([0]);
    };
    put(env!("CARGO_PKG_VERSION"));
    put(&engine.fingerprint());
    // what shapes the audio (not how many run at once, nor the subtitles)
    put(&format!(
        "{:?} {:?} {:?}",
        options.sample_rate, options.rate, options.chapter
    ));
    put(&format!("{:?}", voice.pauses));
    hash.update(chapter.said);
    hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
