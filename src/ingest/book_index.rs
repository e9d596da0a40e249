//! A book's index (索引, 代码索引, Index) in extracted text. Its entries end in the pages or
//! code lines they point to (`\AtBeginDocument . . . 378`, `babel 宏包, 12`, `表格, 27–32`),
//! a long list of numbers runs over onto the next line, and letters group the entries (`A`,
//! `Symbols`). Read aloud it is a string of numbers, so it is left out; its title and its
//! letters stay headings (a PDF's bookmarks name them, and a listener can skip them).

use std::ops::Range;

use super::outline;
use super::repair::{Line, is_space};
use crate::text::{Document, LeftOut, Section, Warning};

/// An index found among a text's lines.
#[derive(Debug, PartialEq)]
pub(crate) struct BackIndex {
    /// The index's lines, from its title (or first entry) to its last entry.
    pub lines: Range<usize>,
    /// Its title's line (`代码索引`), when there is one right above the entries.
    pub title: Option<usize>,
    /// The lines that group its entries (`A`, `Symbols`).
    pub groups: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// A term and the pages it is on.
    Entry,
    /// Numbers alone after a comma or a leader: a list run over from the entry above.
    Numbers,
    /// A number alone: the page's own, or a line of code's (neither in nor out of an index).
    Page,
    /// `A`, `Symbols`.
    Group,
    Title,
    Other,
}

/// An index has many entries: fewer than this many is a table or a list in the text.
const MIN_ENTRIES: usize = 12;
/// Lines that are not entries, one after another, that end an index (an entry's term may
/// wrap onto a line of its own, l3doc prints `bool commands:` over a group).
const END_AFTER_OTHER: usize = 8;
/// Lines after an index's end within which a new run of entries is more of the same index.
const GOES_ON_AFTER: usize = 80;
/// How many lines of another shape may come between an index's title and its first entry.
const TITLE_ABOVE: usize = 8;

/// The indexes among a text's lines (usually one, at the end). An index has a title or
/// letters that group it: l3doc's manuals print a change history in the same shape
/// (`General: Stable version . . . 1`) under `修改记录`, and it is read as it was. Lines
/// of a table of contents are never part of one.
pub(crate) fn find(lines: &[Line], contents: &[Range<usize>]) -> Vec<BackIndex> {
    let listed = |i: usize| contents.iter().any(|c| c.contains(&i));
    let shapes: Vec<Shape> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if listed(i) {
                Shape::Other
            } else {
                shape(l.trimmed())
            }
        })
        .collect();
    let mut found = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        if shapes[k] != Shape::Entry || !dense_from(&shapes, k) {
            k += 1;
            continue;
        }
        // an index's title a few lines on: what comes before it is not the index (l3doc's
        // change history, in the same shape, right before it)
        if let Some(title) = (k + 1..lines.len().min(k + TITLE_ABOVE))
            .find(|&i| shapes[i] == Shape::Title && !listed(i))
        {
            k = title;
            continue;
        }
        // the title over the first entry, past a few lines of another shape (a note on how
        // to read the index, terms whose pages went to the other column)
        let mut title = None;
        let mut others = 0;
        for i in (k.saturating_sub(200)..k).rev() {
            match shapes[i] {
                Shape::Title if !listed(i) => {
                    title = Some(i);
                    break;
                }
                Shape::Entry => break,
                Shape::Other | Shape::Title => others += 1,
                _ => {}
            }
            if others > TITLE_ABOVE {
                break;
            }
        }
        let mut start = title.unwrap_or(k);
        // (or the groups and lists of numbers right over it)
        while title.is_none()
            && start > 0
            && matches!(
                shapes[start - 1],
                Shape::Group | Shape::Numbers | Shape::Page
            )
        {
            start -= 1;
        }
        let mut end = k + 1;
        let mut others = 0;
        let mut entries = 1;
        for (i, s) in shapes.iter().enumerate().skip(k + 1) {
            match s {
                Shape::Entry => {
                    entries += 1;
                    others = 0;
                    end = i + 1;
                }
                _ if listed(i) => break,
                Shape::Other | Shape::Title => {
                    others += 1;
                    if others >= END_AFTER_OTHER {
                        break;
                    }
                }
                Shape::Page => {}
                Shape::Numbers | Shape::Group => others = 0,
            }
        }
        let mut groups: Vec<usize> = (start..end)
            .filter(|&i| shapes[i] == Shape::Group)
            .collect();
        // letters out of their order are an index set in columns and read across them:
        // no longer the groups of what follows them
        let in_order = groups
            .windows(2)
            .filter(|pair| {
                group_rank(lines[pair[0]].trimmed()) < group_rank(lines[pair[1]].trimmed())
            })
            .count();
        let has_groups = groups.len() >= 2;
        if in_order * 10 < groups.len().saturating_sub(1) * 9 {
            groups.clear();
        }
        // (entries again soon after an index are more of it, read across its columns)
        let goes_on = found.last_mut().filter(|index: &&mut BackIndex| {
            start.saturating_sub(index.lines.end) <= GOES_ON_AFTER
        });
        match goes_on {
            Some(index) if entries >= MIN_ENTRIES => {
                index.lines.end = end;
                index.groups.extend(groups);
            }
            _ if entries >= MIN_ENTRIES && (title.is_some() || has_groups) => {
                found.push(BackIndex {
                    lines: start..end,
                    title,
                    groups,
                });
            }
            _ => {}
        }
        k = end;
    }
    found
}

/// Leaves the indexes among a book's lines out of what is read: their titles become
/// headings at the book's top level and their groups one below, their entries are skipped.
/// The lines each index spans, for the warning that says so.
pub(crate) fn leave_out(
    lines: &[Line],
    levels: &mut [Option<u8>],
    takes_next: &mut [bool],
    skipped: &mut [bool],
    contents: &[Range<usize>],
) -> Vec<Range<usize>> {
    let indexes = find(lines, contents);
    let top = levels.iter().flatten().min().copied().unwrap_or(1);
    for index in &indexes {
        for i in index.lines.clone() {
            levels[i] = None;
            takes_next[i] = false;
            skipped[i] = true;
        }
        if let Some(title) = index.title {
            levels[title] = Some(top);
            skipped[title] = false;
        }
        for &group in &index.groups {
            levels[group] = Some(top.saturating_add(1));
            skipped[group] = false;
        }
    }
    indexes.into_iter().map(|index| index.lines).collect()
}

/// The same for a reader that found the index's sections already (a PDF's bookmarks
/// `代码索引`, `A`, `B`…): their entries are not read, their headings stay.
pub(crate) fn leave_out_sections(doc: &mut Document) {
    let group = |s: &Section| s.title.as_deref().is_some_and(is_group);
    // the level of the index's title
    let mut index: Option<u8> = None;
    for k in 0..doc.sections.len() {
        let section = &doc.sections[k];
        let title = section.title.as_deref().unwrap_or("");
        // under the index's title, or among its letters (an index's title may be lost
        // with its page's header)
        let in_index = index.is_some_and(|level| section.level > level)
            || (group(section) && (index.is_some() || doc.sections.get(k + 1).is_some_and(group)));
        if !in_index {
            index = is_index_title(title).then_some(section.level);
            if index.is_none() {
                continue;
            }
        }
        // (letters with no entries under the first, and no index's title over them, are
        // some other list: appendices `A`, `B`)
        if index.is_none() {
            if !section.paragraphs.iter().any(|p| is_entry_text(&p.text)) {
                continue;
            }
            index = Some(section.level.saturating_sub(1));
        }
        let title = title.to_owned();
        let section = &mut doc.sections[k];
        let before = section.paragraphs.len();
        // (and what is left of an entry whose pages went elsewhere: `\foo . . . .`,
        // `bool commands:`; a note on reading the index is sentences)
        section
            .paragraphs
            .retain(|p| !is_entry_text(&p.text) && term_of(&p.text).is_none());
        if section.paragraphs.len() < before {
            let left_out = before - section.paragraphs.len();
            doc.warnings.push(Warning::left_out(
                section.line,
                LeftOut::Index,
                format!("index not read aloud: {left_out} paragraphs under «{title}»"),
            ));
        }
    }
}

/// A paragraph of index entries, as a reader joined them: a term and its pages, or text
/// that is a third or more numbers, leader dots and commas.
fn is_entry_text(text: &str) -> bool {
    let chars = text.chars().filter(|&c| !is_space(c)).count();
    let marks = text
        .chars()
        .filter(|&c| c.is_ascii_digit() || matches!(c, '.' | ',' | '–' | '·'))
        .count();
    // (a leader and the pages after it, wherever in the paragraph: `\foo . . . 12, 40 bar
    // commands:`)
    let mut leader_to_pages = false;
    let mut rest = text;
    while let Some(at) = rest.find(". . . ") {
        // (past the whole leader at once: a line of dots is looked at once)
        rest = rest[at..].trim_start_matches(['.', ' ']);
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            leader_to_pages = true;
            break;
        }
    }
    leader_to_pages
        || pages_at_end(text.trim()).is_some_and(|term| !term.is_empty())
        || (text.contains(|c: char| c.is_ascii_digit()) && marks * 3 >= chars)
}

/// Of the 20 lines from `k` on (page numbers aside), 14 or more are entries, lists of
/// numbers or groups.
fn dense_from(shapes: &[Shape], k: usize) -> bool {
    // (looked at 200 lines on at most: a long run of page numbers costs no more)
    let window: Vec<Shape> = shapes[k..]
        .iter()
        .take(200)
        .copied()
        .filter(|&s| s != Shape::Page)
        .take(20)
        .collect();
    window.len() >= MIN_ENTRIES
        && window
            .iter()
            .filter(|&&s| matches!(s, Shape::Entry | Shape::Numbers | Shape::Group))
            .count()
            * 10
            >= window.len() * 7
}

fn shape(t: &str) -> Shape {
    if is_index_title(t) {
        return Shape::Title;
    }
    if is_group(t) {
        return Shape::Group;
    }
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
        return Shape::Page;
    }
    match pages_at_end(t) {
        Some("") => Shape::Numbers,
        Some(_) => Shape::Entry,
        None => Shape::Other,
    }
}

/// `索引`, `代码索引`, `索 引`, `Index`: a list of figures or tables (`图表索引`) is not one.
pub(crate) fn is_index_title(text: &str) -> bool {
    let compact: String = text.chars().filter(|&c| !is_space(c)).collect();
    // (`6.4 索引`, a section on making one)
    if compact.contains(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let lower = compact.to_lowercase();
    (compact.ends_with("索引")
        && compact.chars().count() <= 8
        && !compact.contains(['图', '圖', '表', '式']))
        || lower == "index"
        || (lower.starts_with("indexof") && lower.len() <= 30)
}

/// A letter or a name that groups an index's entries.
fn is_group(t: &str) -> bool {
    let mut chars = t.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if c.is_ascii_uppercase())
        || matches!(t, "Symbols" | "Numbers" | "Digits" | "符号" | "数字")
}

/// Where a group comes in an index: symbols and numbers before the letters.
fn group_rank(t: &str) -> u32 {
    match t.chars().next() {
        Some(c) if c.is_ascii_uppercase() && t.len() == 1 => u32::from(c),
        _ => 0,
    }
}

/// The term of a line that ends in the pages (or code lines) it points to: `\bfseries, 62`
/// → `\bfseries`, `\AtEndOfPackage . . . 106, 111` → `\AtEndOfPackage`, `表格, 27–32`,
/// `\dots, 参见 \ldots`; an empty term for numbers alone after a comma or a leader
/// (`349, 361, 362,`, `. . . 46, 47`); `None` for anything else. The term is no sentence,
/// and a number after a word and a space is no page (`共有 3`).
fn pages_at_end(t: &str) -> Option<&str> {
    let t = t.trim_end_matches(|c: char| is_space(c) || c == ',');
    if let Some((term, _)) = t.rsplit_once(", 参见 ").or_else(|| t.rsplit_once(", see ")) {
        return term_of(term);
    }
    let mut rest = t;
    let mut numbers = 0;
    let mut after_comma = false;
    loop {
        let head = rest.trim_end_matches(|c: char| c.is_ascii_digit() || matches!(c, '–' | '-'));
        let number = &rest[head.len()..];
        // (`v1.1.0`, `x2`: part of a word, not a page)
        if !number.starts_with(|c: char| c.is_ascii_digit())
            || head.ends_with(|c: char| c.is_alphanumeric() || matches!(c, '_' | ':' | '.' | '/'))
                && !outline::has_leader(&format!("{head}1"))
        {
            break;
        }
        numbers += 1;
        let before = head.trim_end_matches(is_space);
        match before.strip_suffix(',') {
            Some(b) => {
                rest = b;
                after_comma = true;
            }
            None => {
                rest = before;
                after_comma = false;
                break;
            }
        }
    }
    if numbers == 0 {
        return None;
    }
    let leader = outline::has_leader(&format!("{rest} 1"));
    let term = rest.trim_end_matches(|c: char| is_space(c) || c == '.' || c == '·' || c == '…');
    if term.is_empty() && (leader || rest.is_empty() || numbers > 1) {
        return Some("");
    }
    match (leader, after_comma) {
        // (a leader says it whatever the length: `pdftotext -layout` prints an index's two
        // columns on one line)
        (true, _) => term_of(term).or_else(|| (!is_sentence(term)).then_some(term)),
        (false, true) => term_of(term),
        _ => None,
    }
}

/// An index's term: short, and no sentence.
fn term_of(term: &str) -> Option<&str> {
    let term = term.trim_matches(is_space);
    (!term.is_empty() && term.chars().count() <= 60 && !is_sentence(term)).then_some(term)
}

fn is_sentence(text: &str) -> bool {
    text.contains(['。', '！', '？', '；', '，'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::structure;
    use crate::ingest::structure::tests::body;
    use crate::text::Paragraph;

    /// xpinyin's last section (a Lua listing with line numbers) and its index, as
    /// `pdftotext` prints them.
    const XPINYIN: &str = include_str!("../../tests/fixtures/ingest/xpinyin-end.pdftotext.txt");

    #[test]
    fn an_index_is_left_out_but_for_its_title_and_letters() {
        let doc = structure::parse(XPINYIN);
        let titles: Vec<&str> = doc
            .sections
            .iter()
            .filter_map(|s| s.title.as_deref())
            .collect();
        let letters = "ABCDEFGHIKMNOPQRSTUVX".chars().map(String::from);
        let expected: Vec<String> = ["第5节 xpinyin.lua", "代码索引", "Symbols"]
            .map(String::from)
            .into_iter()
            .chain(letters)
            .collect();
        assert_eq!(titles, expected);
        let said: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
        assert!(
            said.iter().any(|p| p.contains("xpinyin.readings[index]")),
            "the listing is read"
        );
        for entry in [r"\AtBeginDocument", r"\bool_new:N", "349, 361", ". . . ."] {
            assert!(
                !said.iter().any(|p| p.contains(entry)),
                "{entry} is read: {said:?}"
            );
        }
        let warning = doc
            .warnings
            .iter()
            .find(|w| w.left_out == Some(LeftOut::Index));
        assert!(
            warning.is_some_and(|w| w.message.contains("index")),
            "{:?}",
            doc.warnings
        );
    }

    #[test]
    fn a_list_of_pages_with_no_title_and_no_letters_is_no_index() {
        // the change history l3doc prints before the index, alone
        let history = (1..=20)
            .map(|i| format!("General: 修正第 {i} 个问题 . . . . . . . . . . . . . . {i}\n"))
            .collect::<String>();
        let doc = structure::parse(&format!("修改记录\n\n{history}"));
        assert!(body(&doc).any(|p| p.text.contains("修正第 7 个问题")));
        // (read without its leaders and pages)
        assert!(
            body(&doc).all(|p| !p.text.contains(". . .")),
            "{:?}",
            doc.sections
        );
        assert!(
            doc.warnings
                .iter()
                .all(|w| w.left_out != Some(LeftOut::Index))
        );
        // and a section on making an index is no index
        assert!(!is_index_title("6.4 索引"));
        assert!(!is_index_title("图表索引"));
        assert!(is_index_title("索 引") && is_index_title("代码索引") && is_index_title("Index"));
    }

    #[test]
    fn letters_out_of_order_are_an_index_read_across_its_columns() {
        // (terms that differ: lines alike but for their numbers are a page's furniture)
        const TERMS: [&str; 8] = [
            "\\bool_new:N",
            "\\box_ht:N",
            "\\cs_new:Npn",
            "\\dim_new:N",
            "\\exp_args:Nc",
            "\\fp_eval:n",
            "\\group_begin:",
            "\\hbox_set:Nn",
        ];
        let entries = |from: u32| {
            (from..from + 8)
                .zip(TERMS)
                .map(|(i, term)| format!("{term}{from} . . . . . . . . . . {i}, {}\n", i * 7))
                .collect::<String>()
        };
        let text = format!(
            "索引\n\nA\n{}B\n{}A\n{}C\n{}",
            entries(1),
            entries(20),
            entries(40),
            entries(60)
        );
        let lines = crate::ingest::repair::clean_lines(&text, &mut Vec::new());
        let found = find(&lines, &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].title, Some(0));
        assert!(found[0].groups.is_empty(), "{:?}", found[0].groups);
    }

    #[test]
    fn a_readers_index_sections_keep_their_headings_and_lose_their_entries() {
        let section = |title: &str, level: u8, paragraphs: &[&str]| Section {
            paragraphs: paragraphs.iter().map(|p| Paragraph::new(*p, 1)).collect(),
            ..Section::headed(title, level, 1)
        };
        // paragraphs as the PDF reader joins xpinyin.pdf's index lines
        let mut doc = Document {
            sections: vec![
                // appendices named by letters, before it, are not an index
                section("A", 1, &["附录甲"]),
                section("B", 1, &["附录乙"]),
                section("第5节 xpinyin.lua", 1, &["local xpinyin = xpinyin or { }"]),
                section(
                    "代码索引",
                    1,
                    &[
                        "意大利体的数字表示描述对应索引项的页码；带下划线的数字表示定义对应索引项的代码行号。",
                    ],
                ),
                section(
                    "A",
                    2,
                    &[
                        r"\AtBeginDocument . . . . . . . . . . . . . . 378",
                        r"\cs_undefine:N . . . . . . . . . . . . 382, 383, 384 bool commands:",
                        r"\__xpinyin_replace_CJKsymbol_aux:. . . . . . . . . .",
                    ],
                ),
                section("B", 2, &["box commands:"]),
                section(
                    "6.4 索引",
                    1,
                    &["makeidx 宏包提供了索引功能，见第 12, 13 页。"],
                ),
            ],
            ..Document::default()
        };
        leave_out_sections(&mut doc);
        let said: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
        assert_eq!(
            said,
            [
                "附录甲",
                "附录乙",
                "local xpinyin = xpinyin or { }",
                "意大利体的数字表示描述对应索引项的页码；带下划线的数字表示定义对应索引项的代码行号。",
                "makeidx 宏包提供了索引功能，见第 12, 13 页。",
            ]
        );
        assert_eq!(doc.sections.len(), 7, "headings stay");
        assert_eq!(doc.warnings.len(), 2);
    }

    #[test]
    fn entries_end_in_the_pages_they_point_to() {
        for (line, term) in [
            (
                r"\AtBeginDocument . . . . . . . . . . . . 378",
                r"\AtBeginDocument",
            ),
            (
                r"\AtEndOfPackage . . . . . . 106, 111, 118, 131, 136",
                r"\AtEndOfPackage",
            ),
            (r"\bfseries, 62", r"\bfseries"),
            (r"\\ (换行), 16, 27, 32, 69", r"\\ (换行)"),
            ("表格, 27–32", "表格"),
            (r"\dots (省略号 …), 参见 \ldots", r"\dots (省略号 …)"),
            (
                r"\cs_new_eq:NN . . . . . . . . 327, 328, 329,",
                r"\cs_new_eq:NN",
            ),
        ] {
            assert_eq!(pages_at_end(line), Some(term), "{line}");
        }
        for numbers in [
            "349, 361, 362, 365, 366, 368,",
            ". . . . . . . . 46, 47, 48",
            "89",
        ] {
            assert_eq!(pages_at_end(numbers), Some(""), "{numbers}");
        }
        for text in [
            "xpinyin",
            "local xpinyin = xpinyin",
            "这一年共有 3",
            "他们一共来了 3, 5 次。然后回家了, 12",
            "第 1 节 简介",
            "v1.1.0",
        ] {
            assert_eq!(pages_at_end(text), None, "{text}");
        }
    }
}
