//! Render: a group of utterances → their audio at the output rate, trimmed and faded. Runs
//! on the workers, which do not know yet where the audio goes; the error says so.

use std::time::Duration;

use super::RunError;
use crate::audio::{Audio, SampleRate};
use crate::plan::{PlannedChapter, Spoken};
use crate::resample::{RateConverter, ResampleError};
use crate::synth::{SynthError, Synthesizer};

/// Silence kept around each utterance after trimming, and the fade at each edge.
pub(super) const EDGE_MARGIN: Duration = Duration::from_millis(30);
pub(super) const EDGE_FADE: Duration = Duration::from_millis(5);
/// Below this fraction of an utterance's own peak counts as silence when trimming.
pub(super) const SILENCE_THRESHOLD: f32 = 0.01;

/// Synthesizes consecutive utterances (in one engine call when there are several) and
/// brings each to the output rate, trimmed and faded.
pub(super) fn render(
    group: &[Spoken],
    engine: &dyn Synthesizer,
    rate: SampleRate,
    converter: &mut Option<RateConverter>,
) -> Vec<Result<Audio, RenderError>> {
    // a group is all narration or all quoted speech (the queue cuts it so)
    let engine = match (group.first(), engine.dialogue()) {
        (Some(first), Some(dialogue)) if first.utterance.dialogue => dialogue,
        _ => engine,
    };
    let texts: Vec<&str> = group
        .iter()
        .filter(|s| s.is_speakable())
        .map(|s| &*s.spoken)
        .collect();
    let mut spoken = match texts[..] {
        [text] => vec![engine.synthesize(text)],
        _ => engine.synthesize_batch(&texts),
    }
    .into_iter();
    group
        .iter()
        .map(|s| {
            if !s.is_speakable() {
                return Ok(Audio {
                    samples: Vec::new(),
                    rate,
                });
            }
            let audio = spoken.next().unwrap_or_else(|| {
                Err(SynthError::Engine {
                    engine: engine.id().to_owned(),
                    problem: "the engine returned fewer utterances than asked",
                })
            })?;
            finish(audio, rate, converter)
        })
        .collect()
}

/// Trims, resamples and fades one utterance's audio.
fn finish(
    mut audio: Audio,
    rate: SampleRate,
    converter: &mut Option<RateConverter>,
) -> Result<Audio, RenderError> {
    audio.trim_silence(SILENCE_THRESHOLD, EDGE_MARGIN);
    if converter
        .as_ref()
        .is_none_or(|c| c.from_rate() != audio.rate)
    {
        *converter = Some(RateConverter::new(audio.rate, rate)?);
    }
    let converter = converter.as_mut().expect("set just above");
    let mut audio = converter.convert(audio)?;
    audio.fade_edges(EDGE_FADE);
    Ok(audio)
}

/// A failure inside a worker, before it knows which chapter it belongs to.
#[derive(Debug, thiserror::Error)]
pub(super) enum RenderError {
    #[error(transparent)]
    Synth(#[from] SynthError),
    #[error(transparent)]
    Resample(#[from] ResampleError),
}

impl RenderError {
    pub(super) fn located(self, chapter: &PlannedChapter, spoken: &Spoken) -> RunError {
        match self {
            RenderError::Synth(source) => RunError::Synth {
                chapter: chapter.index,
                title: chapter.title.clone(),
                id: spoken.utterance.id,
                line: spoken.utterance.line,
                preview: preview(&spoken.spoken),
                source: Box::new(source),
            },
            RenderError::Resample(source) => RunError::Resample {
                chapter: chapter.index,
                source,
            },
        }
    }
}

/// The first characters of an utterance, for messages.
fn preview(text: &str) -> String {
    const MAX: usize = 30;
    let mut out: String = text.chars().take(MAX).collect();
    if text.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}
