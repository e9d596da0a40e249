//! The voices of one narration: the narrator's engine and, when the voice has a dialogue
//! role, the engine that says quoted speech. Each behind its own cache, so the same text
//! said by the two voices is two entries.

use super::cache::{CacheCounts, Cached};
use super::{SynthError, Synthesizer};
use crate::audio::Audio;

/// The engines a run speaks with; a [`Synthesizer`] that is the narrator, and that hands
/// out the dialogue engine through [`Synthesizer::dialogue`].
pub struct Cast {
    narrator: Cached,
    dialogue: Option<Cached>,
    fingerprint: String,
}

impl Cast {
    pub fn new(narrator: Cached, dialogue: Option<Cached>) -> Self {
        let fingerprint = match &dialogue {
            Some(d) => format!("{}\0dialogue: {}", narrator.fingerprint(), d.fingerprint()),
            None => narrator.fingerprint(),
        };
        Cast {
            narrator,
            dialogue,
            fingerprint,
        }
    }

    /// Hits, misses and discarded entries of both voices' caches.
    pub fn counts(&self) -> CacheCounts {
        let mut counts = self.narrator.counts();
        if let Some(d) = &self.dialogue {
            let more = d.counts();
            counts.hits += more.hits;
            counts.misses += more.misses;
            counts.discarded += more.discarded;
        }
        counts
    }

    /// Asks both voices again for `texts` instead of taking their cached audio.
    pub fn refreshing(self, texts: impl IntoIterator<Item = String>) -> Self {
        let texts: Vec<String> = texts.into_iter().collect();
        Cast {
            narrator: self.narrator.refreshing(texts.clone()),
            dialogue: self.dialogue.map(|d| d.refreshing(texts)),
            fingerprint: self.fingerprint,
        }
    }
}

impl Synthesizer for Cast {
    fn id(&self) -> &str {
        self.narrator.id()
    }

    fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    fn synthesize(&self, text: &str) -> Result<Audio, SynthError> {
        self.narrator.synthesize(text)
    }

    fn deterministic(&self) -> bool {
        self.narrator.deterministic() && self.dialogue.as_ref().is_none_or(|d| d.deterministic())
    }

    /// The stricter of the two voices' limits.
    fn concurrency(&self) -> Option<usize> {
        let dialogue = self.dialogue.as_ref().and_then(|d| d.concurrency());
        match (self.narrator.concurrency(), dialogue) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A batch holds one voice's utterances; the smaller batch of the two.
    fn batch_size(&self) -> usize {
        let dialogue = self
            .dialogue
            .as_ref()
            .map_or(usize::MAX, |d| d.batch_size());
        self.narrator.batch_size().min(dialogue)
    }

    fn synthesize_batch(&self, texts: &[&str]) -> Vec<Result<Audio, SynthError>> {
        self.narrator.synthesize_batch(texts)
    }

    fn dialogue(&self) -> Option<&dyn Synthesizer> {
        self.dialogue.as_ref().map(|d| d as &dyn Synthesizer)
    }
}
