//! Segment: a [`Section`] → sentence-level [`Utterance`]s that a TTS engine handles well.
//!
//! Paragraphs are split after sentence ends (。！？；… and their closing quotes), long
//! sentences again at clause marks (，、：;) when they exceed the voice's limit, and
//! fragments too short to speak alone are merged into a neighbour.

use serde::Serialize;

use crate::text::Section;

/// Length limits of one utterance, in characters (Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A sentence longer than this is split at clause marks (and, as a last resort, anywhere
    /// but inside a Latin word).
    pub max_chars: usize,
    /// A piece shorter than this is merged into a neighbour.
    pub min_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_chars: 120,
            min_chars: 4,
        }
    }
}

/// What ends a piece of text, and so how long the pause after it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Boundary {
    /// Split inside a sentence at a clause mark (，、：).
    Clause,
    /// End of a sentence.
    Sentence,
    /// End of a paragraph.
    Paragraph,
    /// End of a heading.
    Heading,
}

/// A piece of one paragraph, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub end: Boundary,
}

/// Splits one paragraph into pieces. The last piece ends with [`Boundary::Sentence`];
/// concatenating every piece's text gives the paragraph back without its surrounding
/// whitespace.
pub fn split(_paragraph: &str, _limits: &Limits) -> Vec<Piece> {
    todo!("helper: segment")
}

/// Identifies an utterance within one document: section and position, both 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct UtteranceId {
    pub section: usize,
    pub index: usize,
}

impl std::fmt::Display for UtteranceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.section + 1, self.index + 1)
    }
}

/// One thing to say: the text as written, its source line, and what follows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Utterance {
    pub id: UtteranceId,
    /// The text as written in the input (after repair).
    pub text: String,
    /// 1-based line of the paragraph (or heading) it comes from.
    pub line: usize,
    /// What ends it: decides the pause that follows.
    pub end: Boundary,
}

/// All utterances of one section: its heading first (when it has one), then each paragraph.
/// The last piece of every paragraph ends with [`Boundary::Paragraph`].
pub fn utterances(section: &Section, section_index: usize, limits: &Limits) -> Vec<Utterance> {
    let mut out = Vec::new();
    let mut push = |text: String, line: usize, end: Boundary| {
        let id = UtteranceId {
            section: section_index,
            index: out.len(),
        };
        out.push(Utterance {
            id,
            text,
            line,
            end,
        });
    };
    if let Some(title) = &section.title {
        push(title.clone(), section.line, Boundary::Heading);
    }
    for paragraph in &section.paragraphs {
        let pieces = split(&paragraph.text, limits);
        let count = pieces.len();
        for (i, piece) in pieces.into_iter().enumerate() {
            let end = if i + 1 == count {
                Boundary::Paragraph
            } else {
                piece.end
            };
            push(piece.text, paragraph.line, end);
        }
    }
    out
}
