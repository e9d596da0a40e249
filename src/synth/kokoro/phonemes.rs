//! Kokoro's Mandarin frontend: text → the phoneme string misaki 0.9.4's `ZHG2P` (the
//! version-1.0 "legacy" path Kokoro-82M v1.0 was trained with) writes → the model's ids.
//!
//! What misaki does, and this module with narrate's own readings: words cut by jieba
//! (jieba-rs, the same dictionary and HMM), joined by spaces; each syllable's pinyin with
//! its tone number through the `pinyin-to-ipa` tables misaki adapted (`transcription.py`,
//! first variant of each), the tone written as an arrow after the nucleus (→ ↗ ↓ ↘, none for
//! the neutral tone), the apical vowels ɻ̩/ɹ̩ as ɨ, the non-syllabic mark ̯ dropped; Chinese
//! punctuation mapped to the model's (`，` → `, `, `《` → ` “`, …); what the vocabulary
//! lacks dropped at the end.
//!
//! Where narrate deliberately differs (tests/fixtures/kokoro/README.md lists each case):
//! the readings are narrate's (its lexicon, particles and polyphone fixes over pypinyin's),
//! Latin letters and digits are said as narrate says them instead of passing through as
//! English symbols, and tone sandhi is applied only when the voice asks for it
//! (`sandhi = true`): the model learnt citation tones, as misaki writes them.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use jieba_rs::Jieba;

use crate::lexicon::Lexicon;
use crate::synth::mandarin::{self, Syllable};

/// The most ids (without the padding at both ends) the model takes at once.
pub const MAX_TOKENS: usize = 510;

/// Text → phoneme string, as the voice reads it.
#[derive(Debug, Clone, Default)]
pub struct Phonemizer {
    pub lexicon: Arc<Lexicon>,
    /// Tone sandhi (3-3, 一, 不) in the tones given to the model.
    pub sandhi: bool,
}

impl Phonemizer {
    /// The phoneme string for `text` (before the vocabulary drops what it lacks).
    pub fn phonemes(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(first) = rest.chars().next() {
            let spoken = is_spoken(first);
            let end = rest
                .char_indices()
                .find(|&(_, c)| is_spoken(c) != spoken)
                .map_or(rest.len(), |(i, _)| i);
            let run = &rest[..end];
            rest = &rest[end..];
            if spoken {
                self.words(run, &mut out);
            } else {
                for c in run.chars() {
                    match punctuation(c) {
                        Some(mapped) => out.push_str(mapped),
                        None => out.push(c),
                    }
                }
            }
        }
        out.trim().to_owned()
    }

    /// A run of words (no punctuation): jieba's words, each its syllables' phonemes, joined
    /// by spaces.
    fn words(&self, run: &str, out: &mut String) {
        let cut: Vec<&str> = jieba().cut(run, true).iter().map(|t| t.word).collect();
        let said = mandarin::pronounce_words(cut.iter().copied(), &self.lexicon, self.sandhi);
        let syllables = &said.syllables;
        let mut next = 0;
        let mut words: Vec<String> = Vec::new();
        for word in cut {
            let mut phonemes = String::new();
            for c in word.chars() {
                // a character without a reading has no syllable; a Latin word's syllables
                // all carry its first letter
                while let Some(s) = syllables.get(next).filter(|s| s.ch == c) {
                    push_syllable(s, &mut phonemes);
                    next += 1;
                    if mandarin::is_han(c) {
                        break;
                    }
                }
            }
            if !phonemes.is_empty() {
                words.push(phonemes);
            }
        }
        // syllables the words did not account for (never seen; kept rather than dropped)
        if let Some(last) = words.last_mut() {
            for s in &syllables[next..] {
                push_syllable(s, last);
            }
        }
        out.push_str(&words.join(" "));
    }
}

/// The reading (pinyin with tone number, before sandhi) this frontend gives each character
/// of `text`; `None` where there is none (punctuation). Used to measure polyphones.
pub fn readings(text: &str, lexicon: &Lexicon) -> Vec<Option<String>> {
    let cut: Vec<&str> = jieba().cut(text, true).iter().map(|t| t.word).collect();
    let said = mandarin::pronounce_words(cut.iter().copied(), lexicon, false);
    let mut syllables = said
        .syllables
        .into_iter()
        .filter(|s| mandarin::is_han(s.ch))
        .peekable();
    text.chars()
        .map(|c| syllables.next_if(|s| s.ch == c).map(|s| s.reading))
        .collect()
}

fn push_syllable(s: &Syllable, out: &mut String) {
    if let Some(ipa) = syllable(&s.reading) {
        out.push_str(&ipa);
    }
}

/// What is said (Chinese characters, letters, digits) as opposed to punctuation and space.
fn is_spoken(c: char) -> bool {
    mandarin::is_han(c) || c.is_alphanumeric()
}

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// misaki's `map_punctuation`.
fn punctuation(c: char) -> Option<&'static str> {
    Some(match c {
        '、' | '，' => ", ",
        '。' | '．' => ". ",
        '！' => "! ",
        '：' => ": ",
        '；' => "; ",
        '？' => "? ",
        '«' | '《' | '「' | '【' => " “",
        '»' | '》' | '」' | '】' => "” ",
        '（' => " (",
        '）' => ") ",
        _ => return None,
    })
}

/// One syllable, pinyin with tone number (`zhong1`, `lv4`, `de5`), as misaki writes it:
/// `ꭧʊ→ŋ`. `None` for what is not pinyin.
pub fn syllable(reading: &str) -> Option<String> {
    let (base, tone) = mandarin::split_tone(reading)?;
    let arrow = match tone {
        '1' => "→",
        '2' => "↗",
        '3' => "↓",
        '4' => "↘",
        '5' => "",
        _ => return None,
    };
    let base = base.replace('v', "ü");
    let (initial, final_) = match special(&base) {
        Some(whole) => ("", whole),
        None => {
            let (initial, final_) = split_pinyin(&base)?;
            let initial_ipa = initial_ipa(initial)?;
            let final_ipa = match (initial, final_.as_str()) {
                ("zh" | "ch" | "sh" | "r" | "z" | "c" | "s", "i") => "ɨ0",
                (_, f) => final_ipa(f)?,
            };
            (initial_ipa, final_ipa)
        }
    };
    Some(format!("{initial}{}", final_.replace('0', arrow)))
}

/// Interjections and syllabic consonants, said whole.
fn special(pinyin: &str) -> Option<&'static str> {
    Some(match pinyin {
        "io" => "jɔ0",
        "ê" => "ɛ0",
        "er" => "ɚ0",
        "o" => "ɔ0",
        "hm" => "hm0",
        "hng" => "hŋ0",
        "m" => "m0",
        "n" => "n0",
        "ng" => "ŋ0",
        _ => return None,
    })
}

/// pypinyin's strict initial and final: `yu` → ("", "ü"), `jun` → ("j", "ün"), `gui` →
/// ("g", "uei").
fn split_pinyin(pinyin: &str) -> Option<(&str, String)> {
    const INITIALS: [&str; 21] = [
        "zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x",
        "r", "z", "c", "s",
    ];
    let initial = INITIALS
        .iter()
        .find(|i| pinyin.starts_with(**i))
        .copied()
        .unwrap_or("");
    let rest = &pinyin[initial.len()..];
    let final_ = match initial {
        "" => {
            if let Some(after_y) = rest.strip_prefix('y') {
                match after_y {
                    "i" | "in" | "ing" => after_y.to_owned(),
                    "u" | "ue" | "uan" | "un" => format!("ü{}", &after_y[1..]),
                    "ou" => "iou".to_owned(),
                    "o" => "o".to_owned(),
                    _ => format!("i{after_y}"),
                }
            } else if let Some(after_w) = rest.strip_prefix('w') {
                match after_w {
                    "u" => "u".to_owned(),
                    "ei" => "uei".to_owned(),
                    "en" => "uen".to_owned(),
                    "ong" => "ong".to_owned(),
                    _ => format!("u{after_w}"),
                }
            } else {
                rest.to_owned()
            }
        }
        "j" | "q" | "x" if rest.starts_with('u') => format!("ü{}", &rest[1..]),
        _ => match rest {
            "iu" => "iou".to_owned(),
            "ui" => "uei".to_owned(),
            "un" => "uen".to_owned(),
            _ => rest.to_owned(),
        },
    };
    (!final_.is_empty()).then_some((initial, final_))
}

fn initial_ipa(initial: &str) -> Option<&'static str> {
    Some(match initial {
        "" => "",
        "b" => "p",
        "c" => "ʦʰ",
        "ch" => "ꭧʰ",
        "d" => "t",
        "f" => "f",
        "g" => "k",
        "h" => "x",
        "j" => "ʨ",
        "k" => "kʰ",
        "l" => "l",
        "m" => "m",
        "n" => "n",
        "p" => "pʰ",
        "q" => "ʨʰ",
        "r" => "ɻ",
        "s" => "s",
        "sh" => "ʂ",
        "t" => "tʰ",
        "x" => "ɕ",
        "z" => "ʦ",
        "zh" => "ꭧ",
        _ => return None,
    })
}

/// A final, `0` where the tone goes.
fn final_ipa(final_: &str) -> Option<&'static str> {
    Some(match final_ {
        "a" => "a0",
        "ai" => "ai0",
        "an" => "a0n",
        "ang" => "a0ŋ",
        "ao" => "au0",
        "e" => "ɤ0",
        "ei" => "ei0",
        "en" => "ə0n",
        "eng" => "ə0ŋ",
        "i" => "i0",
        "ia" => "ja0",
        "ian" => "jɛ0n",
        "iang" => "ja0ŋ",
        "iao" => "jau0",
        "ie" => "je0",
        "in" => "i0n",
        "iou" => "jou0",
        "ing" => "i0ŋ",
        "iong" => "jʊ0ŋ",
        "ong" => "ʊ0ŋ",
        "ou" => "ou0",
        "u" => "u0",
        "uei" => "wei0",
        "ua" => "wa0",
        "uai" => "wai0",
        "uan" => "wa0n",
        "uen" => "wə0n",
        "uang" => "wa0ŋ",
        "ueng" => "wə0ŋ",
        "uo" | "o" => "wo0",
        "ü" => "y0",
        "üe" => "ɥe0",
        "üan" => "ɥɛ0n",
        "ün" => "y0n",
        _ => return None,
    })
}

/// The model's phoneme → id table (`vocab.json`).
#[derive(Debug, Clone)]
pub struct Vocab {
    ids: HashMap<char, i64>,
}

impl Vocab {
    /// Reads `{"vocab": {"a": 43, …}}`.
    pub fn from_json(json: &str) -> Result<Vocab, String> {
        #[derive(serde::Deserialize)]
        struct File {
            vocab: HashMap<String, i64>,
        }
        let file: File = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut ids = HashMap::new();
        for (symbol, id) in file.vocab {
            let mut chars = symbol.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => ids.insert(c, id),
                _ => return Err(format!("the symbol {symbol:?} is not one character")),
            };
        }
        Ok(Vocab { ids })
    }

    /// The ids of a phoneme string; what the vocabulary lacks is dropped, as Kokoro does.
    pub fn ids(&self, phonemes: &str) -> Vec<i64> {
        phonemes
            .chars()
            .filter_map(|c| self.ids.get(&c).copied())
            .collect()
    }

    /// Whether `id` is punctuation, where a long utterance may be cut.
    pub fn is_pause(&self, id: i64) -> bool {
        ['，', ',', '.', ';', ':', '!', '?', '—', '…']
            .iter()
            .any(|c| self.ids.get(c) == Some(&id))
    }
}

/// `ids` in pieces of at most `max` ids, cut after the last pause mark that fits (else
/// hard at `max`).
pub fn chunks(ids: &[i64], max: usize, is_pause: impl Fn(i64) -> bool) -> Vec<&[i64]> {
    let mut pieces = Vec::new();
    let mut rest = ids;
    while rest.len() > max {
        let cut = rest[..max]
            .iter()
            .rposition(|&id| is_pause(id))
            .map_or(max, |i| i + 1);
        let (piece, tail) = rest.split_at(cut);
        pieces.push(piece);
        rest = tail;
    }
    if !rest.is_empty() {
        pieces.push(rest);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_follow_misakis_table() {
        let cases = [
            ("zhong1", "ꭧʊ→ŋ"),
            ("guo2", "kwo↗"),
            ("ren2", "ɻə↗n"),
            ("shi4", "ʂɨ↘"),
            ("si1", "sɨ→"),
            ("ri4", "ɻɨ↘"),
            ("de5", "tɤ"),
            ("lv4", "ly↘"),
            ("lve4", "lɥe↘"),
            ("jun1", "ʨy→n"),
            ("quan2", "ʨʰɥɛ↗n"),
            ("yu3", "y↓"),
            ("yuan2", "ɥɛ↗n"),
            ("you3", "jou↓"),
            ("yi1", "i→"),
            ("ying1", "i→ŋ"),
            ("yong3", "jʊ↓ŋ"),
            ("wu3", "u↓"),
            ("wei4", "wei↘"),
            ("wen2", "wə↗n"),
            ("wo3", "wo↓"),
            ("gui4", "kwei↘"),
            ("liu2", "ljou↗"),
            ("dun4", "twə↘n"),
            ("bo2", "pwo↗"),
            ("er4", "ɚ↘"),
            ("n2", "n↗"),
            ("o4", "ɔ↘"),
            ("hao3", "xau↓"),
            ("chi1", "ꭧʰɨ→"),
            ("ci2", "ʦʰɨ↗"),
            ("xian1", "ɕjɛ→n"),
        ];
        for (pinyin, ipa) in cases {
            assert_eq!(syllable(pinyin).as_deref(), Some(ipa), "{pinyin}");
        }
        assert_eq!(syllable("hello"), None);
        // every reading narrate gives, against misaki itself (scripts/kokoro/gen_syllables.py)
        let table = include_str!("../../../tests/fixtures/kokoro/misaki-syllables.tsv");
        let mut checked = 0;
        let mut wrong = Vec::new();
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let (reading, ipa) = line.split_once('\t').unwrap();
            if syllable(reading).as_deref() != Some(ipa) {
                wrong.push((reading, ipa, syllable(reading)));
            }
            checked += 1;
        }
        assert!(wrong.is_empty(), "{wrong:?}");
        assert!(checked > 1500, "{checked}");
        assert_eq!(syllable("zz1"), None);
    }

    #[test]
    fn words_are_jiebas_and_punctuation_is_mapped() {
        let phonemizer = Phonemizer::default();
        assert_eq!(phonemizer.phonemes("我们去北京。"), "wo↓mən ʨʰy↘ pei↓ʨi→ŋ.");
        assert_eq!(phonemizer.phonemes("《狂人日记》"), "“kʰwa↗ŋɻə↗nɻɨ↘ʨi↘”");
        // letters and digits are said as narrate says them, never passed through as English
        // phoneme letters: P D F as narrate's letter names (F: ài fú), 3 as 三
        let latin = phonemizer.phonemes("用PDF看第3页");
        assert!(!latin.contains(['P', 'D', 'F', '3']), "{latin}");
        assert_eq!(latin, "jʊ↘ŋ pʰi→ti→ai→fu↗ kʰa↘n ti↘ sa→n je↘");
    }

    /// misaki 0.9.4 on 79 sentences of the seed and corpus (scripts/kokoro/gen_golden.py):
    /// the same phonemes, word spaces included, but for the words of
    /// tests/fixtures/kokoro/differences.tsv, which narrate's lexicon reads otherwise.
    #[test]
    fn phonemes_are_misakis_but_where_narrate_reads_better() {
        #[derive(serde::Deserialize)]
        struct Case {
            text: String,
            phonemes: String,
        }
        let cases: Vec<Case> = serde_json::from_str(include_str!(
            "../../../tests/fixtures/kokoro/misaki-golden.json"
        ))
        .unwrap();
        let differences: Vec<Vec<&str>> =
            include_str!("../../../tests/fixtures/kokoro/differences.tsv")
                .lines()
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| l.split('\t').collect())
                .collect();
        let phonemizer = Phonemizer::default();
        let mut identical = 0;
        let mut used = vec![false; differences.len()];
        for case in &cases {
            let ours = phonemizer.phonemes(&case.text);
            if ours == case.phonemes {
                identical += 1;
                continue;
            }
            let mut expected = case.phonemes.clone();
            for (row, used) in differences.iter().zip(&mut used) {
                if case.text.contains(row[0]) && expected.contains(row[1]) {
                    expected = expected.replace(row[1], row[2]);
                    *used = true;
                }
            }
            assert_eq!(ours, expected, "{}", case.text);
        }
        assert!(
            identical >= 70,
            "only {identical} of {} identical",
            cases.len()
        );
        assert!(
            used.iter().all(|&u| u),
            "a difference no sentence has: {used:?}"
        );
    }

    /// The polyphone sets of the neural frontend (tests/fixtures/neural/polyphones*.tsv), read
    /// by this frontend: pypinyin word by word over jieba's words, then narrate's lexicon and
    /// particles: 240 of 243 and 183 of 216, where the neural frontend (pypinyin's matching over
    /// the whole clause) reads 237 and 182.
    #[test]
    #[allow(clippy::print_stderr)] // `--nocapture` shows the figures
    fn polyphones_read_over_jiebas_words() {
        let sets = [
            (
                include_str!("../../../tests/fixtures/neural/polyphones.tsv"),
                987,
            ),
            (
                include_str!("../../../tests/fixtures/neural/polyphones-heldout.tsv"),
                847,
            ),
        ];
        for (labelled, per_mille) in sets {
            let (mut total, mut right) = (0, 0);
            let mut wrong = Vec::new();
            for line in labelled.lines().filter(|l| !l.starts_with('#')) {
                let fields: Vec<&str> = line.split('\t').collect();
                let (text, index, want) =
                    (fields[1], fields[2].parse::<usize>().unwrap(), fields[4]);
                let got = readings(text, &Lexicon::default())[index]
                    .clone()
                    .unwrap_or_default();
                total += 1;
                if got == want {
                    right += 1;
                } else {
                    wrong.push(format!("{} {want} (got {got}): {text}", fields[3]));
                }
            }
            eprintln!("{right} of {total}; misses:\n{}", wrong.join("\n"));
            assert!(right * 1000 >= total * per_mille, "{right} of {total}");
        }
    }

    #[test]
    fn long_ids_are_cut_after_a_pause() {
        let ids: Vec<i64> = (0..25).map(|i| if i % 7 == 6 { 3 } else { 50 }).collect();
        let pieces = chunks(&ids, 10, |id| id == 3);
        assert_eq!(
            pieces.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [7, 7, 7, 4]
        );
        let no_pause = vec![50; 25];
        let pieces = chunks(&no_pause, 10, |_| false);
        assert_eq!(
            pieces.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [10, 10, 5]
        );
    }
}
