//! The text model that every text stage shares.
//!
//! `ingest` produces a [`Document`]; `segment` turns each [`Section`] into utterances.
//! Line numbers are 1-based and point into the decoded input, so warnings and errors
//! can name the place a user has to look at.

use serde::{Deserialize, Serialize};

/// A decoded, repaired and structured input: the title block and its sections in reading order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Document {
    /// The document's own title, when it has a title block (newspaper headline, Markdown `#`).
    pub title: Option<String>,
    /// Author or byline found in the title block (本报评论员, 本报记者 …), never read as body text.
    pub author: Option<String>,
    /// Sections in reading order. A document without headings has one untitled section.
    pub sections: Vec<Section>,
    /// Damage found while repairing the text (lost digits, dropped captions …).
    pub warnings: Vec<Warning>,
}

/// One chapter-to-be: a heading and the paragraphs under it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The heading as written, `None` for text that comes before any heading.
    pub title: Option<String>,
    /// 1-based line of the heading (or of the first paragraph when there is no heading).
    pub line: usize,
    pub paragraphs: Vec<Paragraph>,
}

/// A paragraph of running text, with hard wraps already joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paragraph {
    pub text: String,
    /// 1-based line in the decoded input where the paragraph starts.
    pub line: usize,
}

/// Something a reader of the output should know about the input, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// 1-based line in the decoded input.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}
