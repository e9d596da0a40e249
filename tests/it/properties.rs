//! Properties of the text stages over generated input: no panic, and nothing dropped but
//! whitespace (and what the structure stage declares as noise, with a warning).

use narrate::ingest::structure;
use narrate::segment::{self, Limits};
use proptest::prelude::*;

/// Any text: CJK, Latin, digits, punctuation, spaces and line breaks, in any order.
fn any_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::char::range('\u{4e00}', '\u{4e80}'),
            1 => prop::char::range('a', 'z'),
            1 => prop::char::range('0', '9'),
            2 => prop::sample::select(vec!['。', '，', '！', '？', '“', '”', '《', '》', '.', '…', '■', '%', ':', '-', '/']),
            2 => prop::sample::select(vec![' ', '\n', '\n', '　', '\t']),
        ],
        0..400,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A sentence of 4–30 CJK characters with inner commas and a sentence end.
fn sentence() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::char::range('\u{4e00}', '\u{9f00}'), 4..30),
        prop::sample::select(vec!["。", "！", "？", "……", "。”"]),
        any::<u8>(),
    )
        .prop_map(|(chars, end, comma)| {
            let mut text: String = chars.into_iter().collect();
            if comma % 3 == 0 {
                let at = text.char_indices().nth(2).map_or(0, |(i, _)| i);
                text.insert(at, '，');
            }
            if end == "。”" {
                text.insert(0, '“');
            }
            text + end
        })
}

/// Paragraphs of sentences, separated by blank lines.
fn book_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::collection::vec(sentence(), 1..6), 1..12).prop_map(|paragraphs| {
        paragraphs
            .into_iter()
            .map(|sentences| sentences.concat())
            .collect::<Vec<_>>()
            .join("\n\n")
    })
}

fn utterance_text(text: &str, limits: &Limits) -> Vec<String> {
    let document = structure::parse(text);
    document
        .sections
        .iter()
        .enumerate()
        .flat_map(|(i, section)| segment::utterances(section, i, limits))
        .map(|u| u.text.to_string())
        .collect()
}

fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Lines in the shapes of a book's index and of what comes near one: its title, letters,
/// entries with leaders or commas and page lists, lists run over, page numbers, prose.
fn index_shaped_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        1 => Just("索引".to_owned()),
        1 => prop::char::range('A', 'Z').prop_map(String::from),
        4 => (prop::char::range('a', 'z'), 0u32..900, 0u32..900, any::<bool>()).prop_map(
            |(c, a, b, leader)| {
                let sep = if leader { " . . . . . . " } else { ", " };
                format!("\\{c}cmd{sep}{a}, {b}")
            }
        ),
        1 => (0u32..900).prop_map(|n| format!("{n}, {},", n + 1)),
        1 => (0u32..300).prop_map(|n| n.to_string()),
        2 => sentence(),
        1 => Just(String::new()),
    ];
    prop::collection::vec(line, 0..300).prop_map(|lines| lines.join("\n"))
}

/// Text extracted page after page with no form feeds (MuPDF, a viewer's copy): pages of
/// sentences under a running header and a page number in one of its forms, numbers that
/// skip or stray, a question number now and then.
fn pages_without_breaks() -> impl Strategy<Value = String> {
    let page = (
        prop::collection::vec(sentence(), 1..30),
        any::<bool>(),
        0u8..5,
        0u32..40,
    );
    prop::collection::vec(page, 0..40).prop_map(|pages| {
        let mut lines = Vec::new();
        for (no, (sentences, header, form, stray)) in pages.into_iter().enumerate() {
            if stray == 0 {
                lines.push(format!("{}", no * 7 % 13));
            }
            lines.extend(sentences);
            if header {
                lines.push("Debian 新维护者手册".to_owned());
            }
            let n = no + 1;
            lines.push(match form {
                0 => n.to_string(),
                1 => format!("{n} / 57"),
                2 => format!("- {n} -"),
                3 => format!("第 {n} 页"),
                _ => ["i", "ii", "iii", "iv", "v", "vi", "vii"][no % 7].to_owned(),
            });
        }
        lines.join("\n")
    })
}

/// A novel's chapters, a sentence a line, stamped as download sites stamp them: a watermark
/// on lines of its own or glued to a sentence, an advert with the chapter's own address
/// glued to a sentence or alone, and a sentence that holds an address but no advert.
fn stamped_novel() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::collection::vec((sentence(), 0u8..12), 3..12),
            any::<u16>(),
        ),
        3..8,
    )
    .prop_map(|chapters| {
        const MARK: &str = "★Ｄ★Ｏ★Ｓ★Ｐ★Ｙ★";
        let mut text = String::from("书名\n\n");
        for (n, (sentences, page)) in chapters.into_iter().enumerate() {
            text.push_str(&format!("第{}章 开端\n\n", n + 1));
            let advert = format!(
                "(https://www.bqktxt.com/0_243/{page}.html)请记住本书首发域名：www.bqktxt.com。"
            );
            for (sentence, stamp) in sentences {
                let line = match stamp {
                    0 => format!("　　{sentence}{MARK}\n{MARK}"),
                    1 => format!("　　{sentence}{advert}"),
                    2 => format!("{advert}\n　　{sentence}"),
                    3 => format!("　　{sentence}\u{3000}\u{3000}{MARK}"),
                    _ => format!("　　{sentence}"),
                };
                text.push_str(&line);
                text.push('\n');
            }
            text.push('\n');
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn pages_found_from_their_numbers_lose_no_sentence(text in pages_without_breaks()) {
        let doc = structure::parse(&text);
        let said: String = doc.sections.iter().flat_map(|s| &s.paragraphs).map(|p| p.text.as_str()).collect();
        for line in text.lines().filter(|l| l.ends_with('。')) {
            prop_assert!(said.contains(line), "{line} is not read");
        }
    }

    #[test]
    fn a_site_s_stamps_are_not_read_and_its_sentences_are(text in stamped_novel()) {
        let doc = structure::parse(&text);
        let said: String = doc.sections.iter().flat_map(|s| &s.paragraphs).map(|p| p.text.as_str()).collect();
        for line in text.lines() {
            let sentence = line
                .trim_start_matches('\u{3000}')
                .split(['★', '('])
                .next()
                .unwrap_or_default()
                .trim_end_matches('\u{3000}');
            if sentence.ends_with(['。', '！', '？', '…', '”']) {
                prop_assert!(said.contains(sentence), "{sentence} is not read");
            }
        }
        // a stamp is one by coming back three times or more
        let adverts = text.matches("bqktxt.com/").count() >= 3;
        let marks = text.matches('Ｄ').count() >= 3;
        prop_assert!(!adverts || !said.contains("bqktxt"), "an advert is read");
        prop_assert!(!marks || !said.contains('Ｄ'), "a watermark is read");
        let warned = doc.warnings.iter().any(|w| w.left_out == Some(narrate::LeftOut::Banner));
        prop_assert!(warned || !(adverts || marks), "no warning says a stamp went");
    }

    #[test]
    fn index_shaped_text_is_read_without_panic_and_an_index_needs_numbers(
        text in index_shaped_text()
    ) {
        let doc = structure::parse(&text);
        let index_warned = doc
            .warnings
            .iter()
            .any(|w| w.left_out == Some(narrate::LeftOut::Index));
        let no_digits: String = text.chars().filter(|c| !c.is_ascii_digit()).collect();
        let without_numbers = structure::parse(&no_digits);
        prop_assert!(without_numbers
            .warnings
            .iter()
            .all(|w| w.left_out != Some(narrate::LeftOut::Index)));
        // a sentence outside an index is read: text with no index loses none
        if !index_warned {
            let said: String = doc.sections.iter().flat_map(|s| &s.paragraphs).map(|p| p.text.as_str()).collect();
            for line in text.lines().filter(|l| l.ends_with('。')) {
                prop_assert!(said.contains(line), "{line} is not read");
            }
        }
    }

    #[test]
    fn no_text_makes_the_text_stages_panic(text in any_text()) {
        let limits = Limits { max_chars: 20, min_chars: 3 };
        for utterance in utterance_text(&text, &limits) {
            prop_assert!(!utterance.trim().is_empty());
            let spoken = narrate::normalize::normalize(&utterance);
            prop_assert!(!spoken.chars().any(|c| c.is_ascii_digit()), "{spoken}");
        }
    }

    #[test]
    fn utterances_cover_the_text_in_order(text in book_text()) {
        let limits = Limits { max_chars: 25, min_chars: 4 };
        let spoken = utterance_text(&text, &limits).concat();
        prop_assert_eq!(without_whitespace(&spoken), without_whitespace(&text));
    }

    #[test]
    fn utterances_respect_the_length_limit(text in book_text()) {
        let limits = Limits { max_chars: 25, min_chars: 4 };
        for utterance in utterance_text(&text, &limits) {
            // a sentence over the limit is split; merging a short piece may add min_chars
            prop_assert!(utterance.chars().count() <= limits.max_chars + limits.min_chars + 2,
                "{} chars: {utterance}", utterance.chars().count());
        }
    }

    #[test]
    fn normalizing_keeps_one_line_per_line(text in any_text()) {
        let spoken = narrate::normalize::normalize(&text);
        prop_assert_eq!(spoken.split('\n').count(), text.split('\n').count());
    }
}
