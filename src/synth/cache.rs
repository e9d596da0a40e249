//! A content-addressed utterance cache, itself a [`Synthesizer`].
//!
//! The key is a SHA-256 of the engine's fingerprint (backend, its settings without secrets,
//! engine version) and the exact text sent. The value is the engine's audio, stored as a
//! 32-bit float WAV so a cached utterance is bit-identical to a fresh one. Entries are
//! written to a temp file and renamed, so a crash never leaves a half entry behind; an entry
//! that does not decode is discarded and synthesized again.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use super::{SynthError, Synthesizer};
use crate::audio::{Audio, AudioError};

/// Where cached utterances live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    dir: PathBuf,
}

/// What `narrate cache stats` reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    pub entries: u64,
    pub bytes: u64,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Store { dir: dir.into() }
    }

    /// `$XDG_CACHE_HOME/narrate/utterances` (or the platform's cache dir).
    pub fn default_dir() -> Option<PathBuf> {
        dirs::cache_dir().map(|d| d.join("narrate").join("utterances"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(format!("{}.wav", &key[2..]))
    }

    /// Counts entries and their size. A missing folder is an empty cache.
    pub fn stats(&self) -> std::io::Result<StoreStats> {
        let mut stats = StoreStats::default();
        for file in self.entries()? {
            stats.entries += 1;
            stats.bytes += std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        }
        Ok(stats)
    }

    /// Removes every entry (and leftover temp files); returns how many entries went.
    pub fn clear(&self) -> std::io::Result<u64> {
        let mut removed = 0;
        for file in self.entries()? {
            std::fs::remove_file(&file)?;
            removed += 1;
        }
        if self.dir.is_dir() {
            for shard in std::fs::read_dir(&self.dir)? {
                let shard = shard?.path();
                if shard.is_dir() {
                    std::fs::remove_dir_all(&shard)?;
                }
            }
        }
        Ok(removed)
    }

    fn entries(&self) -> std::io::Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        if !self.dir.is_dir() {
            return Ok(files);
        }
        for shard in std::fs::read_dir(&self.dir)? {
            let shard = shard?.path();
            if !shard.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(&shard)? {
                let path = entry?.path();
                if path.extension().is_some_and(|e| e == "wav") {
                    files.push(path);
                }
            }
        }
        Ok(files)
    }

    fn load(&self, key: &str) -> Option<Result<Audio, CacheError>> {
        let path = self.path(key);
        let bytes = std::fs::read(&path).ok()?;
        Some(Audio::from_wav(&bytes).map_err(|source| CacheError::Damaged { path, source }))
    }

    fn save(&self, key: &str, audio: &Audio) -> Result<(), CacheError> {
        let path = self.path(key);
        let bytes = audio.to_wav_f32().map_err(CacheError::Encode)?;
        let shard = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(shard).map_err(|source| CacheError::Folder {
            path: shard.to_owned(),
            source,
        })?;
        Ok(crate::output::write_atomic(&path, &bytes)?)
    }
}

/// An error and its causes on one line, for a log message.
fn chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}

/// Why an entry could not be read or kept; the run goes on without it (a warning).
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("{} is damaged", path.display())]
    Damaged {
        path: PathBuf,
        #[source]
        source: AudioError,
    },
    #[error("the audio cannot be written as WAV")]
    Encode(#[source] AudioError),
    #[error("cannot make {}", path.display())]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] crate::output::OutputError),
}

/// Hits, misses and discarded entries of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheCounts {
    pub hits: usize,
    pub misses: usize,
    pub discarded: usize,
}

/// Wraps an engine: answers from the store when it can, asks the engine otherwise. Without
/// a store (`--no-cache`) it only counts.
pub struct Cached {
    inner: Box<dyn Synthesizer>,
    store: Option<Store>,
    fingerprint: String,
    /// Texts asked of the engine again even when cached (`narrate check --redo`); what it
    /// says now replaces the cached audio.
    refresh: HashSet<String>,
    hits: AtomicUsize,
    misses: AtomicUsize,
    discarded: AtomicUsize,
}

impl Cached {
    pub fn new(inner: Box<dyn Synthesizer>, store: Option<Store>) -> Self {
        let fingerprint = inner.fingerprint();
        Cached {
            inner,
            store,
            fingerprint,
            refresh: HashSet::new(),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            discarded: AtomicUsize::new(0),
        }
    }

    pub fn counts(&self) -> CacheCounts {
        CacheCounts {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            discarded: self.discarded.load(Ordering::Relaxed),
        }
    }

    /// Asks the engine again for each of `texts` instead of taking its cached audio.
    pub fn refreshing(mut self, texts: impl IntoIterator<Item = String>) -> Self {
        self.refresh.extend(texts);
        self
    }

    /// The cache key of `text` for this engine.
    pub fn key(&self, text: &str) -> String {
        key(&self.fingerprint, text)
    }
}

fn key(fingerprint: &str, text: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(fingerprint.as_bytes());
    hash.update([0]);
    hash.update(text.as_bytes());
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl Synthesizer for Cached {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    fn concurrency(&self) -> Option<usize> {
        self.inner.concurrency()
    }

    fn deterministic(&self) -> bool {
        self.inner.deterministic()
    }

    fn synthesize(&self, text: &str) -> Result<Audio, SynthError> {
        let Some(store) = &self.store else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return self.inner.synthesize(text);
        };
        let key = self.key(text);
        let cached = (!self.refresh.contains(text))
            .then(|| self.lookup(store, &key))
            .flatten();
        if let Some(audio) = cached {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(audio);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let audio = self.inner.synthesize(text)?;
        keep(store, &key, &audio);
        Ok(audio)
    }

    fn batch_size(&self) -> usize {
        self.inner.batch_size()
    }

    /// An engine that speaks a batch in one go may carry a little of one utterance into
    /// the next (espeak-ng's prosody does), so the key of each utterance also names the ones
    /// before it in the batch, and a batch with any miss is spoken again whole: what the
    /// cache gives is always what a fresh run would say.
    fn synthesize_batch(&self, texts: &[&str]) -> Vec<Result<Audio, SynthError>> {
        let Some(store) = &self.store else {
            self.misses.fetch_add(texts.len(), Ordering::Relaxed);
            return self.inner.synthesize_batch(texts);
        };
        let keys: Vec<String> = (0..texts.len())
            .map(|i| key_after(&self.fingerprint, &texts[..i], texts[i]))
            .collect();
        let mut found = Vec::with_capacity(texts.len());
        let refresh = texts.iter().any(|t| self.refresh.contains(*t));
        for key in keys.iter().filter(|_| !refresh) {
            match self.lookup(store, key) {
                Some(audio) => found.push(Ok(audio)),
                None => break,
            }
        }
        if found.len() == texts.len() {
            self.hits.fetch_add(texts.len(), Ordering::Relaxed);
            return found;
        }
        self.misses.fetch_add(texts.len(), Ordering::Relaxed);
        let fresh = self.inner.synthesize_batch(texts);
        for (key, audio) in keys.iter().zip(&fresh) {
            if let Ok(audio) = audio {
                keep(store, key, audio);
            }
        }
        fresh
    }
}

impl Cached {
    /// The stored audio under `key`; a damaged entry is removed (and counted).
    fn lookup(&self, store: &Store, key: &str) -> Option<Audio> {
        match store.load(key)? {
            Ok(audio) => Some(audio),
            Err(why) => {
                log::warn!(
                    "discarding a damaged cache entry ({}); synthesizing it again",
                    chain(&why)
                );
                self.discarded.fetch_add(1, Ordering::Relaxed);
                let _ = std::fs::remove_file(store.path(key));
                None
            }
        }
    }
}

fn keep(store: &Store, key: &str, audio: &Audio) {
    if let Err(why) = store.save(key, audio) {
        log::warn!(
            "cannot write the utterance cache ({}); going on without it",
            chain(&why)
        );
    }
}

/// The key of `text` spoken after `before` by one engine call; [`key`] when alone.
fn key_after(fingerprint: &str, before: &[&str], text: &str) -> String {
    if before.is_empty() {
        return key(fingerprint, text);
    }
    let mut context = String::from(fingerprint);
    for previous in before {
        context.push('\0');
        context.push_str(previous);
    }
    key(&context, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::SampleRate;
    use std::sync::Mutex;

    /// An engine that makes a tone whose length depends on the text, and counts calls.
    struct Counting {
        calls: Mutex<Vec<String>>,
        setting: u32,
    }

    impl Synthesizer for Counting {
        fn id(&self) -> &str {
            "counting"
        }
        fn fingerprint(&self) -> String {
            format!("counting/{}", self.setting)
        }
        fn synthesize(&self, text: &str) -> Result<Audio, SynthError> {
            self.calls.lock().unwrap().push(text.to_owned());
            let samples = (0..text.len() * 10)
                .map(|i| (i as f32 * 0.1).sin() * 0.3)
                .collect();
            Ok(Audio {
                samples,
                rate: SampleRate::new(16000).unwrap(),
            })
        }
    }

    fn counting(setting: u32) -> Box<Counting> {
        Box::new(Counting {
            calls: Mutex::new(Vec::new()),
            setting,
        })
    }

    #[test]
    fn second_request_for_the_same_text_is_answered_from_disk_bit_for_bit() {
        let dir = tempfile::tempdir().unwrap();
        let first = Cached::new(counting(1), Some(Store::new(dir.path())));
        let fresh = first.synthesize("你好").unwrap();
        let again = Cached::new(counting(1), Some(Store::new(dir.path())));
        let cached = again.synthesize("你好").unwrap();
        assert_eq!(cached, fresh);
        assert_eq!(
            again.counts(),
            CacheCounts {
                hits: 1,
                misses: 0,
                discarded: 0
            }
        );
        assert_eq!(Store::new(dir.path()).stats().unwrap().entries, 1);
    }

    #[test]
    fn refreshed_texts_are_asked_again_and_their_new_audio_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = Cached::new(counting(1), Some(Store::new(dir.path())));
        first.synthesize("你好").unwrap();
        first.synthesize("再见").unwrap();
        assert!(
            first
                .synthesize_batch(&["再见", "你好"])
                .iter()
                .all(Result::is_ok)
        );
        let redo =
            Cached::new(counting(1), Some(Store::new(dir.path()))).refreshing(["你好".to_owned()]);
        redo.synthesize("你好").unwrap();
        redo.synthesize("再见").unwrap();
        assert_eq!(
            redo.counts(),
            CacheCounts {
                hits: 1,
                misses: 1,
                discarded: 0
            }
        );
        // a batch holding a refreshed text is spoken again whole
        assert!(
            redo.synthesize_batch(&["再见", "你好"])
                .iter()
                .all(Result::is_ok)
        );
        assert_eq!((redo.counts().hits, redo.counts().misses), (1, 3));
        // and the new audio is what the next run finds
        let after = Cached::new(counting(1), Some(Store::new(dir.path())));
        after.synthesize("你好").unwrap();
        assert_eq!(after.counts().hits, 1);
        assert!(!redo.deterministic());
    }

    #[test]
    fn changed_settings_or_text_miss_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        Cached::new(counting(1), Some(Store::new(dir.path())))
            .synthesize("你好")
            .unwrap();
        let other = Cached::new(counting(2), Some(Store::new(dir.path())));
        other.synthesize("你好").unwrap();
        other.synthesize("你好。").unwrap();
        assert_eq!(other.counts().misses, 2);
    }

    #[test]
    fn damaged_entry_is_discarded_and_synthesized_again() {
        let dir = tempfile::tempdir().unwrap();
        let cached = Cached::new(counting(1), Some(Store::new(dir.path())));
        let fresh = cached.synthesize("你好").unwrap();
        let path = Store::new(dir.path()).path(&cached.key("你好"));
        std::fs::write(&path, b"RIFF\x10\0\0\0WAVEjunk").unwrap();
        let again = Cached::new(counting(1), Some(Store::new(dir.path())));
        assert_eq!(again.synthesize("你好").unwrap(), fresh);
        assert_eq!(
            again.counts(),
            CacheCounts {
                hits: 0,
                misses: 1,
                discarded: 1
            }
        );
        // and the entry is good again
        assert!(Audio::from_wav(&std::fs::read(&path).unwrap()).is_ok());
    }

    #[test]
    fn clear_empties_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let cached = Cached::new(counting(1), Some(Store::new(dir.path())));
        for text in ["一", "二", "三"] {
            cached.synthesize(text).unwrap();
        }
        let store = Store::new(dir.path());
        assert_eq!(store.stats().unwrap().entries, 3);
        assert_eq!(store.clear().unwrap(), 3);
        assert_eq!(store.stats().unwrap(), StoreStats::default());
    }

    /// Speaks batches: each utterance's loudness depends on what came before it.
    struct Batching(Box<Counting>);

    impl Synthesizer for Batching {
        fn id(&self) -> &str {
            "batching"
        }
        fn synthesize(&self, text: &str) -> Result<Audio, SynthError> {
            self.0.synthesize(text)
        }
        fn batch_size(&self) -> usize {
            4
        }
        fn synthesize_batch(&self, texts: &[&str]) -> Vec<Result<Audio, SynthError>> {
            texts
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    let mut audio = self.0.synthesize(text)?;
                    let before: u32 = texts[..i].concat().bytes().map(u32::from).sum();
                    let gain = 1.0 / (1 + before % 7) as f32;
                    audio.samples.iter_mut().for_each(|s| *s *= gain);
                    Ok(audio)
                })
                .collect()
        }
    }

    #[test]
    fn batch_is_cached_under_its_context_and_answered_whole() {
        let dir = tempfile::tempdir().unwrap();
        let first = Cached::new(
            Box::new(Batching(counting(1))),
            Some(Store::new(dir.path())),
        );
        assert_eq!(first.batch_size(), 4);
        let fresh = first.synthesize_batch(&["一", "二"]);
        let again = Cached::new(
            Box::new(Batching(counting(1))),
            Some(Store::new(dir.path())),
        );
        let cached = again.synthesize_batch(&["一", "二"]);
        assert_eq!(cached[1].as_ref().unwrap(), fresh[1].as_ref().unwrap());
        assert_eq!(again.counts().hits, 2);
        // "二" after something else is another sound: the whole batch is spoken again
        let other = again.synthesize_batch(&["三", "二"]);
        assert_ne!(other[1].as_ref().unwrap(), fresh[1].as_ref().unwrap());
        assert_eq!(again.counts().misses, 2);
        // alone, it is the plain key
        assert_eq!(key_after("f", &[], "二"), key("f", "二"));
    }

    #[test]
    fn without_a_store_every_request_reaches_the_engine() {
        let cached = Cached::new(counting(1), None);
        cached.synthesize("你好").unwrap();
        cached.synthesize("你好").unwrap();
        assert_eq!(cached.counts().misses, 2);
    }

    #[test]
    fn missing_cache_folder_is_an_empty_cache() {
        let store = Store::new("/nonexistent/narrate-cache");
        assert_eq!(store.stats().unwrap(), StoreStats::default());
    }
}
