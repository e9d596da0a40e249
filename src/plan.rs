//! Plan: a structured document → its chapters, each a list of utterances with the text the
//! engine will get (segmented, then normalized).
//!
//! A [`Plan`] keeps the document's sections and an outline of its chapters; a chapter's
//! utterances are made again from its sections whenever they are needed
//! ([`Plan::chapter`]), so that a run holds the utterances of the chapters it is working
//! on, never those of the whole book.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use serde::ser::SerializeStruct;
use sha2::{Digest, Sha256};

use crate::segment::{self, Limits, Utterance, UtteranceId};
use crate::text::{Document, Section, Warning};
use crate::voice::Voice;
use crate::{ingest, normalize, output};

/// What will be said, chapter by chapter, before any audio exists.
///
/// Serializes as the planned chapters with all their utterances (what `narrate plan
/// --json` prints), planning one chapter at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub source: PathBuf,
    pub title: Option<String>,
    pub author: Option<String>,
    pub chapters: Vec<ChapterOutline>,
    pub warnings: Vec<Warning>,
    /// The document's sections, which the chapters' utterances are made from.
    sections: Vec<Section>,
    limits: Limits,
    /// Whether quoted speech is cut out for the dialogue voice.
    dialogue: bool,
    normalize: bool,
    /// The voice's lexicon: its replacement text goes into what is spoken.
    lexicon: std::sync::Arc<crate::lexicon::Lexicon>,
}

/// A chapter of a plan, without its utterances.
#[derive(Debug, Clone, PartialEq)]
pub struct ChapterOutline {
    /// 1-based.
    pub index: usize,
    pub title: String,
    /// Its heading's level ([`Section::level`]).
    pub level: u8,
    pub file: String,
    /// How many utterances [`Plan::chapter`] makes for it.
    pub utterances: usize,
    /// The sections it is made from: headings without text of their own, then its own.
    sections: Range<usize>,
    /// SHA-256 of what it says: each utterance's spoken text and what ends it, then its
    /// title. A run tells from it whether an earlier run's file still fits.
    pub said: [u8; 32],
}

/// A chapter with its utterances.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedChapter {
    /// 1-based.
    pub index: usize,
    pub title: String,
    /// Its heading's level ([`Section::level`]).
    pub level: u8,
    pub file: String,
    pub utterances: Vec<Spoken>,
}

/// An utterance with the text the engine will get.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spoken {
    #[serde(flatten)]
    pub utterance: Utterance,
    /// Text after normalization; what the engine is sent.
    pub spoken: Arc<str>,
}

impl Spoken {
    /// Whether there is anything to say (not only punctuation and spaces).
    pub fn is_speakable(&self) -> bool {
        self.spoken.chars().any(char::is_alphanumeric)
    }
}

/// How to read and plan an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanOptions {
    /// Rewrite numbers and symbols into words (the voice may say its backend does it).
    pub normalize: bool,
    /// Larger inputs are refused.
    pub max_input_bytes: u64,
    /// Where an EPUB's, web page's or Word file's footnotes and endnotes are read, if at all.
    pub notes: ingest::notes::NotePlacement,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            normalize: true,
            max_input_bytes: ingest::DEFAULT_MAX_INPUT_BYTES,
            notes: ingest::notes::NotePlacement::Skip,
        }
    }
}

/// Reads an input and plans its chapters for `voice`.
pub fn plan(
    path: &Path,
    voice: &Voice,
    options: &PlanOptions,
) -> Result<Plan, ingest::IngestError> {
    let document = ingest::read_with(path, options.max_input_bytes, options.notes)?;
    Ok(plan_document(path, document, voice, options.normalize))
}

/// Plans an already structured document. Sections with nothing to say are left out, a
/// heading without text is spoken at the start of the next chapter, and an untitled
/// section is named after the document (or the file).
pub fn plan_document(path: &Path, document: Document, voice: &Voice, normalize: bool) -> Plan {
    let fallback_title = document.title.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "chapter".into())
    });
    let mut sections = document.sections;
    // kept for the whole run: no spare capacity (a third more, as ingest leaves it)
    for section in &mut sections {
        for paragraph in &mut section.paragraphs {
            paragraph.text.shrink_to_fit();
        }
        section.paragraphs.shrink_to_fit();
    }
    sections.shrink_to_fit();
    let mut plan = Plan {
        source: path.to_owned(),
        title: document.title,
        author: document.author,
        chapters: Vec::new(),
        warnings: document.warnings,
        sections,
        limits: voice.limits,
        dialogue: voice.dialogue.is_some(),
        normalize,
        lexicon: voice.lexicon.clone(),
    };
    // Headings with no text of their own (a book title right before its first chapter, a
    // part title before its chapters) are spoken at the start of the next chapter.
    let mut first = 0;
    let (mut utterances, mut speakable, mut said) = (0, false, Sha256::new());
    let last = plan.sections.len().saturating_sub(1);
    for (s, section) in plan.sections.iter().enumerate() {
        for spoken in plan.section_utterances(section, plan.chapters.len()) {
            utterances += 1;
            speakable |= spoken.is_speakable();
            put_utterance(&mut said, &spoken);
        }
        if section.paragraphs.is_empty() && s < last {
            continue;
        }
        let sections = std::mem::replace(&mut first, s + 1)..s + 1;
        let count = std::mem::take(&mut utterances);
        let mut said = std::mem::take(&mut said);
        if !std::mem::take(&mut speakable) {
            continue;
        }
        let index = plan.chapters.len() + 1;
        let title = section
            .title
            .clone()
            .unwrap_or_else(|| fallback_title.clone());
        put(&mut said, &title);
        plan.chapters.push(ChapterOutline {
            index,
            file: output::chapter_audio_file(index, &title),
            title,
            level: section.level,
            utterances: count,
            sections,
            said: said.finalize().into(),
        });
    }
    plan
}

/// Adds what decides an utterance's audio to a chapter's digest: its text, what ends it,
/// and whether the dialogue voice says it.
fn put_utterance(digest: &mut Sha256, spoken: &Spoken) {
    put(digest, &spoken.spoken);
    put(digest, &format!("{:?}", spoken.utterance.end));
    if spoken.utterance.dialogue {
        put(digest, "dialogue");
    }
}

/// Adds a part to a digest, ended so that parts cannot run into each other.
fn put(digest: &mut Sha256, part: &str) {
    digest.update(part.as_bytes());
    digest.update([0]);
}

impl Plan {
    pub fn utterance_count(&self) -> usize {
        self.chapters.iter().map(|c| c.utterances).sum()
    }

    /// The utterances of chapter `c` (0-based), made from its sections.
    ///
    /// # Panics
    /// When `c` is not a chapter of the plan.
    pub fn chapter(&self, c: usize) -> PlannedChapter {
        let outline = &self.chapters[c];
        let mut utterances = Vec::with_capacity(outline.utterances);
        for section in &self.sections[outline.sections.clone()] {
            utterances.extend(self.section_utterances(section, c));
        }
        for (i, spoken) in utterances.iter_mut().enumerate() {
            spoken.utterance.id = UtteranceId::new(c, i);
        }
        PlannedChapter {
            index: outline.index,
            title: outline.title.clone(),
            level: outline.level,
            file: outline.file.clone(),
            utterances,
        }
    }

    /// Every chapter with its utterances, made one at a time.
    pub fn planned(&self) -> impl Iterator<Item = PlannedChapter> + '_ {
        (0..self.chapters.len()).map(|c| self.chapter(c))
    }

    /// The utterances of one section, as spoken in chapter `c` (0-based).
    fn section_utterances<'a>(
        &'a self,
        section: &'a Section,
        c: usize,
    ) -> impl Iterator<Item = Spoken> + 'a {
        segment::utterances_with_roles(section, c, &self.limits, self.dialogue)
            .into_iter()
            .map(|utterance| {
                // most sentences have nothing to rewrite: they share the written text
                let normalized = self
                    .normalize
                    .then(|| normalize::normalize(&utterance.text));
                let text = normalized.as_deref().unwrap_or(&utterance.text);
                let spoken = match self.lexicon.say(text) {
                    said if *said != *utterance.text => said.into_owned().into(),
                    _ => utterance.text.clone(),
                };
                Spoken { utterance, spoken }
            })
    }
}

impl Serialize for Plan {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// The chapters, planned as they are written out.
        struct Planned<'a>(&'a Plan);
        impl Serialize for Planned<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.planned())
            }
        }
        let mut out = serializer.serialize_struct("Plan", 5)?;
        out.serialize_field("source", &self.source)?;
        out.serialize_field("title", &self.title)?;
        out.serialize_field("author", &self.author)?;
        out.serialize_field("chapters", &Planned(self))?;
        out.serialize_field("warnings", &self.warnings)?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Paragraph;

    fn zh() -> Voice {
        Voice::find("zh-CN-espeak").unwrap()
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    #[test]
    fn each_chapter_is_made_again_as_its_outline_says() {
        for name in ["seed-newspaper-pdf.txt", "book-markdown.md"] {
            let plan = plan(&fixture(name), &zh(), &PlanOptions::default()).unwrap();
            assert!(plan.chapters.len() >= 3, "{name}");
            let mut total = 0;
            for (c, chapter) in plan.planned().enumerate() {
                let outline = &plan.chapters[c];
                assert_eq!(chapter.index, c + 1);
                assert_eq!(chapter.utterances.len(), outline.utterances, "{name} {c}");
                let mut said = Sha256::new();
                for (i, spoken) in chapter.utterances.iter().enumerate() {
                    assert_eq!(
                        spoken.utterance.id.to_string(),
                        format!("{}.{}", c + 1, i + 1)
                    );
                    put_utterance(&mut said, spoken);
                }
                put(&mut said, &chapter.title);
                assert_eq!(
                    <[u8; 32]>::from(said.finalize()),
                    outline.said,
                    "{name} {c}"
                );
                total += chapter.utterances.len();
            }
            assert_eq!(total, plan.utterance_count());
            // what `narrate plan --json` prints: the same chapters
            let json = serde_json::to_value(&plan).unwrap();
            let chapters = json["chapters"].as_array().unwrap();
            assert_eq!(chapters.len(), plan.chapters.len());
            for (json, outline) in chapters.iter().zip(&plan.chapters) {
                assert_eq!(json["file"], outline.file.as_str());
                assert_eq!(
                    json["utterances"].as_array().unwrap().len(),
                    outline.utterances
                );
            }
        }
    }

    #[test]
    fn a_heading_without_text_opens_the_next_chapter_and_silent_sections_are_left_out() {
        let section = |title: &str, line: usize, texts: &[&str]| Section {
            paragraphs: texts.iter().map(|t| Paragraph::new(*t, line + 1)).collect(),
            ..Section::headed(title, 1, line)
        };
        let document = Document {
            title: Some("书".into()),
            sections: vec![
                section("第一部", 1, &[]),
                section("第一章", 3, &["你好。"]),
                section("……", 5, &["——"]),
                section("第二章", 7, &["再见。"]),
            ],
            ..Document::default()
        };
        let plan = plan_document(Path::new("书.txt"), document, &zh(), true);
        let titles: Vec<&str> = plan.chapters.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["第一章", "第二章"]);
        let first: Vec<String> = plan
            .chapter(0)
            .utterances
            .iter()
            .map(|s| s.utterance.text.to_string())
            .collect();
        assert_eq!(first, ["第一部", "第一章", "你好。"]);
        // the section of punctuation alone is in no chapter
        let second = plan.chapter(1);
        assert_eq!(second.index, 2);
        assert_eq!(
            second.utterances.last().unwrap().utterance.text.as_ref(),
            "再见。"
        );
        assert!(
            second
                .utterances
                .iter()
                .all(|s| !s.utterance.text.contains('—'))
        );
    }
}
