//! Footnotes and endnotes in HTML and EPUB: the references in the text (`[1]`, `①`, a
//! note icon) and the bodies they point to, which are not read in the flow of the text.
//! With [`NotePlacement::ChapterEnd`] each body is read after the last paragraph of the
//! chapter that first refers to it, the way a narrator reads a book's notes.
//!
//! What counts, found on real books: EPUB semantics and ARIA roles (`epub:type="footnote"`,
//! `role="doc-endnote"` …), converter classes (Duokan's `duokan-footnote-content`, calibre's
//! and Word's `footnote`/`endnote` …), and any block that opens with a link back to its
//! reference (`<p><a href="ch1.html#w1">[1]</a> 腰干：俗说断止月经。</p>`), wherever the
//! book keeps it (the chapter's end, a notes file at the back).

use std::collections::{HashMap, HashSet};

use scraper::{ElementRef, Node};

use crate::text::{BlockKind, Document, LeftOut, Paragraph, Warning};

/// Where footnote and endnote bodies go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotePlacement {
    /// Not read (counted in a warning).
    #[default]
    Skip,
    /// Read at the end of the chapter that refers to them first, each once.
    ChapterEnd,
}

/// A note's text, by the id its references point to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NoteBody {
    pub id: String,
    pub text: String,
    /// 1-based line of the source where it is.
    pub line: usize,
}

/// The notes of one HTML document: the bodies it holds, and the references its sections
/// make (as written: `#n1`, `notes.xhtml#n1`), in reading order.
#[derive(Debug, Default)]
pub(crate) struct FoundNotes {
    pub bodies: Vec<NoteBody>,
    /// (index of the section in the document, the reference's `href`)
    pub references: Vec<(usize, String)>,
}

/// Class names converters give note bodies or the block that holds them.
const NOTE_CLASSES: &[&str] = &[
    "duokan-footnote-content",
    "duokan-footnote-item",
    "footnote",
    "footnotes",
    "endnote",
    "endnotes",
];

/// The `href` of a reference to a note: a link to a place in the book whose text is only a
/// note mark (`1`, `[1]`, `注1`, `①`, `*`) or only an image (a note icon), or one that says
/// it is one (`epub:type="noteref"`).
pub(crate) fn reference<'a>(element: ElementRef<'a>) -> Option<&'a str> {
    let value = element.value();
    if value.name() != "a" {
        return None;
    }
    let href = value.attr("href")?;
    if !href.contains('#') || href.starts_with("http:") || href.starts_with("https:") {
        return None;
    }
    let said = value
        .attr("epub:type")
        .or(value.attr("role"))
        .is_some_and(|k| k.split_whitespace().any(|k| k.ends_with("noteref")))
        || value.classes().any(|c| c.contains("footnote"));
    (said || is_note_mark(element)).then_some(href)
}

/// Whether a link's content is a note mark: digits, maybe bracketed or after 注, a circled
/// number, an asterisk or dagger, or an image alone.
fn is_note_mark(link: ElementRef) -> bool {
    let text: String = link.text().collect();
    let text = text.trim();
    if text.is_empty() {
        return link
            .descendants()
            .filter_map(ElementRef::wrap)
            .any(|e| e.value().name() == "img");
    }
    let inner = text
        .trim_start_matches(['[', '(', '（', '〔', '【', '{'])
        .trim_end_matches([']', ')', '）', '〕', '】', '}'])
        .trim_start_matches("注释")
        .trim_start_matches('注');
    let count = inner.chars().count();
    // bare digits only when set as a superscript: `见表<a href="#t2">2</a>` is a cross
    // reference, its number is read
    let bare = inner == text;
    (1..=3).contains(&count)
        && inner.chars().all(|c| c.is_ascii_digit())
        && (!bare || superscript(link))
        || (count == 1
            && inner.chars().all(|c| {
                matches!(c, '\u{2460}'..='\u{2473}' | '\u{2776}'..='\u{277f}' | '*' | '†' | '‡')
            }))
        || (1..=3).contains(&text.chars().count()) && text.chars().all(|c| c == '*')
}

/// A link set as a superscript (inside `sup` or holding one, or so classed).
fn superscript(link: ElementRef) -> bool {
    let is_sup = |e: ElementRef| {
        e.value().name() == "sup"
            || e.value()
                .classes()
                .any(|c| c.contains("sup") || c.contains("note"))
    };
    is_sup(link)
        || link.parent().and_then(ElementRef::wrap).is_some_and(is_sup)
        || link.descendants().filter_map(ElementRef::wrap).any(is_sup)
}

/// Whether a block is a note's body, or a block of them.
pub(crate) fn is_body(element: ElementRef) -> bool {
    let value = element.value();
    value
        .attr("epub:type")
        .or(value.attr("role"))
        .is_some_and(|kinds| {
            kinds.split_whitespace().any(|k| {
                matches!(
                    k.trim_start_matches("doc-"),
                    "footnote" | "footnotes" | "endnote" | "endnotes" | "rearnote" | "rearnotes"
                )
            })
        })
        || value.classes().any(|c| NOTE_CLASSES.contains(&c))
        || (!matches!(
            value.name(),
            "body" | "html" | "section" | "article" | "main"
        ) && opens_with_backlink(element))
}

/// A block whose first content is a note-mark link (`<a id="m1"/><a href="…#w1">[1]</a> 注文`).
fn opens_with_backlink(element: ElementRef) -> bool {
    for node in element.descendants() {
        match node.value() {
            Node::Text(text) if !text.trim().is_empty() => {
                // the first words: inside a note-mark link, or the block is not a note
                return node
                    .ancestors()
                    .filter_map(ElementRef::wrap)
                    .take_while(|e| e.id() != element.id())
                    .any(|a| {
                        a.value().name() == "a"
                            && a.value().attr("href").is_some_and(|h| h.contains('#'))
                            && is_note_mark(a)
                    });
            }
            _ => {}
        }
    }
    false
}

/// The bodies in a block [`is_body`] found: itself when it has an id (its own or a
/// leading anchor's), else each of its child blocks that has one.
pub(crate) fn bodies(
    element: ElementRef,
    text_of: &mut dyn FnMut(ElementRef) -> String,
) -> Vec<(String, String)> {
    if let Some(id) = id_of(element) {
        let text = without_mark(&text_of(element));
        return if text.is_empty() {
            Vec::new()
        } else {
            vec![(id, text)]
        };
    }
    element
        .children()
        .filter_map(ElementRef::wrap)
        .flat_map(|child| bodies(child, text_of))
        .collect()
}

/// A note body's id: the element's own, or that of an empty element or a backlink it
/// opens with (`<p><a id="m1"></a>…`, `<p><a id="bz1" href="…">[1]</a>…`).
fn id_of(element: ElementRef) -> Option<String> {
    if let Some(id) = element.value().attr("id") {
        return Some(id.to_owned());
    }
    for node in element.descendants().skip(1) {
        match node.value() {
            Node::Text(text) if !text.trim().is_empty() => return None,
            Node::Element(e) => {
                // an empty anchor, or the backlink itself (`<a id="bz1" href="…#z1">[1]</a>`)
                if let Some(id) = e.attr("id")
                    && ElementRef::wrap(node).is_some_and(|e| {
                        e.text().all(|t| t.trim().is_empty())
                            || (e.value().name() == "a" && is_note_mark(e))
                    })
                {
                    return Some(id.to_owned());
                }
            }
            _ => {}
        }
    }
    None
}

/// A body's text without its leading mark (`[1] `, `1. `, `①`) and back arrows.
fn without_mark(text: &str) -> String {
    let text = text.replace(['↩', '↑', '\u{200b}'], "");
    let text = text.trim();
    let mut rest = text;
    for (open, close) in [
        ('[', ']'),
        ('(', ')'),
        ('（', '）'),
        ('〔', '〕'),
        ('【', '】'),
    ] {
        if let Some(inner) = rest.strip_prefix(open)
            && let Some(end) = inner.find(close)
            && inner[..end]
                .chars()
                .all(|c| c.is_ascii_digit() || c == '注')
        {
            rest = &inner[end + close.len_utf8()..];
            break;
        }
    }
    if rest == text {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if (1..=3).contains(&digits)
            && let Some(after) = rest[digits..].strip_prefix(['.', '．', ' ', '、'])
        {
            rest = after;
        }
        rest = rest.trim_start_matches(|c| matches!(c, '\u{2460}'..='\u{2473}'));
    }
    rest.trim().to_owned()
}

/// Puts each body a section refers to (`references`: section index, body id) after the
/// last paragraph of the first section that refers to it; bodies nothing refers to are
/// left out with a warning.
pub(crate) fn place_at_chapter_ends(
    document: &mut Document,
    references: &[(usize, String)],
    bodies: &[NoteBody],
) {
    let by_id: HashMap<&str, &NoteBody> = bodies.iter().map(|b| (b.id.as_str(), b)).collect();
    let mut placed = HashSet::new();
    for (section, id) in references {
        let (Some(body), Some(section)) =
            (by_id.get(id.as_str()), document.sections.get_mut(*section))
        else {
            continue;
        };
        if placed.insert(id.as_str()) {
            section.paragraphs.push(Paragraph::of_kind(
                BlockKind::Note,
                spoken(&body.text),
                body.line,
            ));
        }
    }
    let unplaced = bodies
        .iter()
        .filter(|b| !placed.contains(b.id.as_str()))
        .count();
    if unplaced > 0 {
        let line = bodies
            .iter()
            .find(|b| !placed.contains(b.id.as_str()))
            .map_or(1, |b| b.line);
        document.warnings.push(Warning::left_out(
            line,
            LeftOut::Footnote,
            format!("{unplaced} note(s) that no chapter refers to not read aloud"),
        ));
    }
}

/// A note's body as spoken at a chapter's end.
pub(crate) fn spoken(body: &str) -> String {
    if body.starts_with('注') {
        body.to_owned()
    } else {
        format!("注：{body}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(html: &str, css: &str) -> (scraper::Html, scraper::Selector) {
        (
            scraper::Html::parse_fragment(html),
            scraper::Selector::parse(css).unwrap(),
        )
    }

    #[test]
    fn note_marks_are_told_from_links_with_words() {
        for (link, is_reference) in [
            (r##"<a href="#n1">[1]</a>"##, true),
            (r##"<a href="notes.xhtml#n12"><sup>12</sup></a>"##, true),
            (r##"<a href="#n1">注3</a>"##, true),
            (r##"<a href="#n1">①</a>"##, true),
            (r##"<a href="#n1">*</a>"##, true),
            (r##"<a href="#jz_1"><img src="note.png"/></a>"##, true),
            (r##"<a epub:type="noteref" href="#n1">甲</a>"##, true),
            (r##"<a href="#s2">第二节</a>"##, false),
            (r##"<a href="#s2">2023</a>"##, false),
            (r##"<a href="https://example.org/#1">1</a>"##, false),
            (r##"<a href="p2.html">2</a>"##, false),
        ] {
            let (page, a) = first(link, "a");
            let found = page.select(&a).next().and_then(reference);
            assert_eq!(found.is_some(), is_reference, "{link}");
        }
    }

    #[test]
    fn bodies_from_semantics_classes_and_backlinks() {
        for (block, id, text) in [
            (
                r##"<aside epub:type="footnote" id="n1"><p>注释不读。</p></aside>"##,
                "n1",
                "注释不读。",
            ),
            (
                r##"<p class="note"><a id="m2"></a><a href="part1.html#w2">[2]</a> 腰干：俗说断止月经。</p>"##,
                "m2",
                "腰干：俗说断止月经。",
            ),
            (
                r##"<ol class="duokan-footnote-content"><li class="duokan-footnote-item" id="jz_1"><p><a href="#jzyy_1">一串钱──即一千文制钱。</a></p></li></ol>"##,
                "jz_1",
                "一串钱──即一千文制钱。",
            ),
            (
                r##"<div class="footnotes"><p id="fn3">3. 见前注。</p></div>"##,
                "fn3",
                "见前注。",
            ),
        ] {
            let (page, any) = first(block, "body > *, html > *");
            let element = page
                .root_element()
                .descendants()
                .filter_map(ElementRef::wrap)
                .find(|e| is_body(*e))
                .unwrap_or_else(|| panic!("no body in {block}"));
            let _ = any;
            let found = bodies(element, &mut |e| {
                super::super::collapse_whitespace(&e.text().collect::<String>())
            });
            assert_eq!(found, vec![(id.to_owned(), text.to_owned())], "{block}");
        }
        // running text that merely contains a link is not a note
        let (page, p) = first(
            r##"<p>见<a href="#n1">[1]</a>，又见第二节。</p><p><a href="#s2">第二节</a>讲的是……</p>"##,
            "p",
        );
        assert!(page.select(&p).all(|p| !is_body(p)));
    }

    #[test]
    fn marks_leave_a_body_and_spoken_notes_say_so() {
        assert_eq!(without_mark("[12] 枋，棺材。"), "枋，棺材。");
        assert_eq!(without_mark("①见前注。"), "见前注。");
        assert_eq!(without_mark("2023年出版。"), "2023年出版。");
        // a wide mark after the number (three bytes) is cut whole
        assert_eq!(without_mark("3、同上。"), "同上。");
        assert_eq!(without_mark("12．见前注。"), "见前注。");
        assert_eq!(spoken("枋，棺材。"), "注：枋，棺材。");
        assert_eq!(spoken("注：同上。"), "注：同上。");
    }
}
