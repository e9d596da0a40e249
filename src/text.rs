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
    /// Language the document declares (EPUB metadata, `<html lang>`), as written.
    pub language: Option<String>,
    /// Sections in reading order. A document without headings has one untitled section.
    pub sections: Vec<Section>,
    /// Damage found while repairing the text (lost digits, dropped captions …).
    pub warnings: Vec<Warning>,
    /// For an input that is not one text (a PDF's pages, an EPUB's files): where each part's
    /// lines start. Lines count on from part to part in reading order; empty for text.
    pub parts: Vec<Part>,
}

/// A page or file of the input, and the first line of the document's numbering it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub first_line: usize,
    /// `page 12`, `OEBPS/text/c1.xhtml`.
    pub name: String,
}

impl Document {
    /// Where `line` is, in words a user can look up: `line 40` in a text file, `page 12
    /// line 3` in a PDF, `OEBPS/c1.xhtml line 40` in an EPUB.
    pub fn place(&self, line: usize) -> String {
        place(&self.parts, line)
    }

    /// Fills in each warning's [`Warning::place`] from [`Document::parts`].
    pub fn place_warnings(&mut self) {
        if self.parts.is_empty() {
            return;
        }
        for warning in &mut self.warnings {
            warning.place = Some(place(&self.parts, warning.line));
        }
    }
}

/// [`Document::place`] over a list of parts.
pub fn place(parts: &[Part], line: usize) -> String {
    match parts.iter().rev().find(|p| p.first_line <= line) {
        Some(part) => format!("{} line {}", part.name, line - part.first_line + 1),
        None => format!("line {line}"),
    }
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
    /// The line as a page or file and a line in it, for inputs that have parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

impl Warning {
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        Warning {
            line,
            message: message.into(),
            place: None,
        }
    }

    /// `line 40`, or the page or file and line when the input has parts.
    pub fn location(&self) -> String {
        self.place
            .clone()
            .unwrap_or_else(|| format!("line {}", self.line))
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location(), self.message)
    }
}
