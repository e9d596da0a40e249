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
    /// How deep the heading sits: 1 for a part or chapter (`h1`, `第一章`, `1 概述`, a
    /// top-level bookmark), 2 for a section in it (`1.1`, `h2`), and so on; 0 for the
    /// document's title and for text before any heading. Readers that cannot tell say 1.
    pub level: u8,
    /// 1-based line of the heading (or of the first paragraph when there is no heading).
    pub line: usize,
    pub paragraphs: Vec<Paragraph>,
}

impl Section {
    /// A section under a heading of `level`, with no paragraphs yet.
    pub fn headed(title: impl Into<String>, level: u8, line: usize) -> Self {
        Section {
            title: Some(title.into()),
            level,
            line,
            paragraphs: Vec::new(),
        }
    }

    /// The text before any heading, starting at `line`.
    pub fn untitled(line: usize) -> Self {
        Section {
            line,
            ..Section::default()
        }
    }
}

/// A block of running text, with hard wraps already joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paragraph {
    pub text: String,
    /// 1-based line in the decoded input where the paragraph starts.
    pub line: usize,
    /// What kind of block the reader found it in.
    pub kind: BlockKind,
}

impl Paragraph {
    /// A plain paragraph.
    pub fn new(text: impl Into<String>, line: usize) -> Self {
        Paragraph {
            text: text.into(),
            line,
            kind: BlockKind::Paragraph,
        }
    }

    /// A block of another kind.
    pub fn of_kind(kind: BlockKind, text: impl Into<String>, line: usize) -> Self {
        Paragraph {
            text: text.into(),
            line,
            kind,
        }
    }
}

/// The kinds of spoken blocks. What is never spoken (captions, tables, footnotes, code,
/// page furniture) does not reach a [`Section`]; the readers say in [`Document::warnings`]
/// where they left it out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// Running text.
    #[default]
    Paragraph,
    /// An item of a bulleted or numbered list (`li`, a Word list paragraph, `- …`, `• …`).
    ListItem,
    /// A quoted block (`blockquote`, a Word Quote style).
    Quote,
    /// A footnote or endnote, read at the end of its chapter when asked for (`--notes
    /// chapter-end`).
    Note,
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
    /// The kind of block the warning says was left out of what is spoken, when it says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_out: Option<LeftOut>,
}

/// Blocks a reader found and did not put in a [`Section`]: they are not spoken, and a
/// [`Warning`] of this kind says where they were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeftOut {
    Table,
    /// A picture's or a figure's caption, a photo credit.
    Caption,
    /// Footnotes and endnotes (EPUB, HTML).
    Footnote,
    /// Preformatted or monospaced text: code, shell sessions.
    Code,
    /// A table of contents.
    Contents,
    /// A book's index: its terms and the pages they are on.
    Index,
    /// A copyright page, pages before a PDF's first bookmark.
    FrontMatter,
    /// A download site's banner or notice.
    Banner,
    /// A list of links (other stories, references), a web page's navigation and menus.
    Links,
    /// A line of a newspaper's title block that is neither title nor byline.
    TitleBlock,
}

impl Warning {
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        Warning {
            line,
            message: message.into(),
            place: None,
            left_out: None,
        }
    }

    /// A warning that blocks of `kind` were left out.
    pub fn left_out(line: usize, kind: LeftOut, message: impl Into<String>) -> Self {
        Warning {
            left_out: Some(kind),
            ..Warning::new(line, message)
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
