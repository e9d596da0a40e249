//! Pronunciation lexicon: words a user (or narrate itself) wants read a certain way.
//!
//! An entry gives a word either **pinyin** with tone numbers (`长三角 chang2 san1 jiao3`),
//! which voices that speak pinyin (the neural ones) use for that word wherever it occurs,
//! or **replacement text** (`NASA → 美国航天局`), which every voice gets in place of the word
//! (it changes what is spoken, not the subtitles). Two file formats:
//!
//! ```text
//! # lexicon.tsv: WORD<TAB>READING (<TAB> is a tab character); a reading of pinyin
//! # syllables is pinyin, anything else is replacement text. Lines starting with # are
//! # comments.
//! 长三角<TAB>chang2 san1 jiao3
//! NASA<TAB>美国航天局
//! ```
//!
//! ```toml
//! # lexicon.toml
//! [words]
//! "长三角" = "chang2 san1 jiao3"     # pinyin, as in the TSV
//! "NASA" = { say = "美国航天局" }    # replacement text, explicitly
//! "重庆" = { pinyin = "chong2 qing4" }
//! ```
//!
//! A Chinese word's pinyin has one syllable per character; a Latin word's may have any
//! number (`GPT ji1 pi1 ti1`). Later entries win over earlier ones, the user's over the
//! built-in `lexicon/default.tsv`. A mistake is an error naming the file and line.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The lexicon built into narrate: readings where pypinyin's dictionary is wrong.
const DEFAULT: &str = include_str!("../lexicon/default.tsv");

/// Words and how to read them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lexicon {
    /// In the order read; a later entry for the same word wins.
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub word: String,
    pub reading: Reading,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// Syllables with tone numbers (5: neutral), lower case.
    Pinyin(Vec<String>),
    /// Text spoken instead of the word.
    Say(String),
}

#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    #[error("cannot read lexicon {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}, line {line}: {problem}", path.display())]
    Line {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error("{}: not a lexicon in TOML", path.display())]
    Toml {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
}

/// A TOML lexicon's value for a word.
#[derive(Deserialize)]
#[serde(untagged)]
enum TomlReading {
    Plain(String),
    Table {
        pinyin: Option<String>,
        say: Option<String>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default)]
    words: toml::Table,
}

impl Lexicon {
    /// narrate's own lexicon (`lexicon/default.tsv`).
    pub fn builtin() -> &'static Lexicon {
        static BUILTIN: OnceLock<Lexicon> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Lexicon::parse_tsv(Path::new("lexicon/default.tsv"), DEFAULT)
                .expect("the built-in lexicon is valid (tested)")
        })
    }

    /// Reads a lexicon file: TOML when its name ends in `.toml`, else TSV.
    pub fn open(path: &Path) -> Result<Lexicon, LexiconError> {
        let text = std::fs::read_to_string(path).map_err(|source| LexiconError::Read {
            path: path.to_owned(),
            source,
        })?;
        if path.extension().is_some_and(|e| e == "toml") {
            Lexicon::parse_toml(path, &text)
        } else {
            Lexicon::parse_tsv(path, &text)
        }
    }

    /// Parses TSV text; `path` names it in errors.
    pub fn parse_tsv(path: &Path, text: &str) -> Result<Lexicon, LexiconError> {
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let problem = |problem: String| LexiconError::Line {
                path: path.to_owned(),
                line: line_no,
                problem,
            };
            let Some((word, reading)) = line.split_once('\t') else {
                return Err(problem(
                    "expected WORD<TAB>READING (a tab between the word and its reading)".into(),
                ));
            };
            let reading = if looks_like_pinyin(reading) {
                Reading::Pinyin(syllables(reading))
            } else {
                Reading::Say(reading.trim().to_owned())
            };
            entries.push(entry(word, reading).map_err(problem)?);
        }
        Ok(Lexicon { entries })
    }

    /// Parses TOML text (a `[words]` table); `path` names it in errors.
    pub fn parse_toml(path: &Path, text: &str) -> Result<Lexicon, LexiconError> {
        let file: TomlFile = toml::from_str(text).map_err(|source| LexiconError::Toml {
            path: path.to_owned(),
            source,
        })?;
        let line_of = |word: &str| {
            let quoted = format!("\"{word}\"");
            text.lines()
                .position(|l| {
                    l.trim_start().starts_with(&quoted) || l.trim_start().starts_with(word)
                })
                .map_or(0, |i| i + 1)
        };
        let mut entries = Vec::new();
        for (word, value) in file.words {
            let problem = |problem: String| LexiconError::Line {
                path: path.to_owned(),
                line: line_of(&word),
                problem,
            };
            let value: TomlReading = value.try_into().map_err(|_| {
                problem(format!(
                    "`{word}` needs a string, or a table with `pinyin` or `say`"
                ))
            })?;
            let reading = match value {
                TomlReading::Plain(r) if looks_like_pinyin(&r) => Reading::Pinyin(syllables(&r)),
                TomlReading::Plain(r) => Reading::Say(r),
                TomlReading::Table {
                    pinyin: Some(p),
                    say: None,
                } => {
                    if !looks_like_pinyin(&p) {
                        return Err(problem(format!(
                            "`{word}`: `{p}` is not pinyin with tone numbers (e.g. chang2 san1 jiao3)"
                        )));
                    }
                    Reading::Pinyin(syllables(&p))
                }
                TomlReading::Table {
                    pinyin: None,
                    say: Some(s),
                } => Reading::Say(s),
                TomlReading::Table { .. } => {
                    return Err(problem(format!(
                        "`{word}` needs exactly one of `pinyin` and `say`"
                    )));
                }
            };
            entries.push(entry(&word, reading).map_err(problem)?);
        }
        Ok(Lexicon { entries })
    }

    /// This lexicon with `other`'s entries after its own (so they win).
    pub fn then(mut self, other: &Lexicon) -> Lexicon {
        self.entries.extend(other.entries.iter().cloned());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The pinyin entries, in order (a later one wins).
    pub fn pinyin(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries.iter().filter_map(|e| match &e.reading {
            Reading::Pinyin(p) => Some((e.word.as_str(), p.as_slice())),
            Reading::Say(_) => None,
        })
    }

    /// `text` with every word that has replacement text replaced, longest word first
    /// (a later entry wins for the same word); the text itself when there is none.
    pub fn say<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        let mut says: Vec<(&str, &str)> = Vec::new();
        for e in &self.entries {
            if let Reading::Say(s) = &e.reading {
                says.retain(|(w, _)| *w != e.word);
                says.push((&e.word, s));
            }
        }
        if !says.iter().any(|(w, _)| text.contains(w)) {
            return std::borrow::Cow::Borrowed(text);
        }
        says.sort_by_key(|(w, _)| std::cmp::Reverse(w.chars().count()));
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        'scan: while let Some(c) = rest.chars().next() {
            for (word, replacement) in &says {
                if let Some(after) = rest.strip_prefix(word) {
                    out.push_str(replacement);
                    rest = after;
                    continue 'scan;
                }
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        std::borrow::Cow::Owned(out)
    }

    /// A short hash of the entries, for cache keys: the same lexicon, the same key.
    pub fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        for e in &self.entries {
            hash.update(e.word.as_bytes());
            hash.update([0]);
            match &e.reading {
                Reading::Pinyin(p) => hash.update(format!("p:{}", p.join(" ")).as_bytes()),
                Reading::Say(s) => hash.update(format!("s:{s}").as_bytes()),
            }
            hash.update([0]);
        }
        hash.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// One entry, checked: a word, and pinyin that fits it.
fn entry(word: &str, reading: Reading) -> Result<Entry, String> {
    let word = word.trim();
    if word.is_empty() {
        return Err("the word is empty".into());
    }
    if let Reading::Say(s) = &reading
        && s.is_empty()
    {
        return Err(format!("`{word}` has no reading"));
    }
    if let Reading::Pinyin(p) = &reading {
        let chinese = word.chars().all(is_chinese);
        let latin = word.chars().all(|c| c.is_ascii_alphabetic());
        if !chinese && !latin {
            return Err(format!(
                "`{word}`: pinyin is for a Chinese word or a Latin one; give mixed text replacement text instead"
            ));
        }
        if chinese && p.len() != word.chars().count() {
            return Err(format!(
                "`{word}` has {} characters but {} syllables of pinyin",
                word.chars().count(),
                p.len()
            ));
        }
    }
    Ok(Entry {
        word: word.to_owned(),
        reading,
    })
}

fn is_chinese(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff | 0x20000..=0x3134a)
}

/// Whether `text` is pinyin syllables with tone numbers: `chang2 san1 jiao3`, `lv4`, `nü3`.
fn looks_like_pinyin(text: &str) -> bool {
    let mut any = false;
    for syllable in text.split_whitespace() {
        any = true;
        let Some(body) = syllable.strip_suffix(['1', '2', '3', '4', '5']) else {
            return false;
        };
        if body.is_empty() || !body.chars().all(|c| c.is_ascii_lowercase() || c == 'ü') {
            return false;
        }
    }
    any
}

/// Pinyin syllables, `ü` written `v` as the dictionaries do.
fn syllables(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|s| s.replace('ü', "v"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tsv(text: &str) -> Result<Lexicon, LexiconError> {
        Lexicon::parse_tsv(Path::new("my.tsv"), text)
    }

    #[test]
    fn the_builtin_lexicon_is_valid_and_has_pinyin() {
        assert!(Lexicon::builtin().pinyin().any(|(w, _)| w == "长三角"));
    }

    #[test]
    fn tsv_readings_are_pinyin_or_replacement_text() {
        let lex = tsv("# comment\n长三角\tchang2 san1 jiao3\nNASA\t美国航天局\nGPT\tji1 pi1 ti1\n")
            .unwrap();
        let pinyin: Vec<(&str, &[String])> = lex.pinyin().collect();
        assert_eq!(pinyin.len(), 2);
        assert_eq!(pinyin[0].1, ["chang2", "san1", "jiao3"]);
        assert_eq!(lex.say("NASA的火箭"), "美国航天局的火箭");
        assert_eq!(lex.say("没有"), "没有");
    }

    #[test]
    fn toml_lexicons_read_the_same() {
        let lex = Lexicon::parse_toml(
            Path::new("my.toml"),
            "[words]\n\"长三角\" = \"chang2 san1 jiao3\"\nNASA = { say = \"美国航天局\" }\n\"重庆\" = { pinyin = \"chong2 qing4\" }\n",
        )
        .unwrap();
        assert_eq!(lex.pinyin().count(), 2);
        assert_eq!(lex.say("NASA"), "美国航天局");
    }

    #[test]
    fn mistakes_name_the_file_and_line() {
        let err = tsv("长三角\tchang2 san1 jiao3\n长三角 chang2\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("my.tsv, line 2") && err.contains("TAB"),
            "{err}"
        );
        let err = tsv("\n\n长三角\tchang2 san1\n").unwrap_err().to_string();
        assert!(
            err.contains("line 3") && err.contains("3 characters but 2 syllables"),
            "{err}"
        );
        let err = tsv("a长\tchang2 san1\n").unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("mixed"), "{err}");
        let err = Lexicon::parse_toml(
            Path::new("my.toml"),
            "[words]\n\"重庆\" = { pinyin = \"chong qing\" }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("my.toml, line 2") && err.contains("tone numbers"),
            "{err}"
        );
        let err = Lexicon::parse_toml(Path::new("my.toml"), "[wrods]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("my.toml"), "{err}");
    }

    #[test]
    fn later_entries_win_and_the_longest_word_is_replaced_first() {
        let lex = tsv("AB\tone\nABC\ttwo\nAB\tthree\n").unwrap();
        assert_eq!(lex.say("ABC AB"), "two three");
    }

    #[test]
    fn the_fingerprint_follows_the_entries() {
        let a = tsv("长三角\tchang2 san1 jiao3\n").unwrap();
        let b = tsv("长三角\tzhang3 san1 jiao3\n").unwrap();
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint(), a.clone().fingerprint());
    }
}
