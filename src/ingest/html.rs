//! HTML and XHTML (a saved web page, a documentation chapter) → [`Document`].
//!
//! Parsed with html5ever (through `scraper`), which reads broken markup the way browsers
//! do. What is read: headings `h1`–`h6` start sections; paragraphs, list items, block
//! quotes, definition terms and descriptions are paragraphs; text straight inside a `div`
//! or `body` is a paragraph too. What is not: navigation and page furniture (`nav`,
//! `header`, `footer`, `aside`, `script`, `style`, `noscript`, `template`, DocBook's
//! `navheader`/`navfooter`/`toc` blocks, elements with `role="navigation"` or `hidden`),
//! figure captions, ruby annotations (`rt`, `rp`: the base text is read once), image alt
//! text, and — each with a warning, since a listener cannot follow them — tables and
//! preformatted blocks (code, shell sessions). Entities are decoded by the parser.
//!
//! An HTML file has no lines a listener cares about; each block's `line` is where its text
//! starts in the file (found by searching for it), so warnings and the manifest point
//! into the source.

use scraper::{ElementRef, Html, Node};

use super::notes::{self, FoundNotes, NoteBody, NotePlacement};
use super::outline::BannerPlace;
use crate::text::{BlockKind, Document, LeftOut, Paragraph, Section, Warning};

/// Whether `text` (decoded) is HTML or XHTML rather than plain text: it starts, after
/// spaces and comments, with an XML declaration, a doctype or an `<html>` tag.
pub fn looks_like_html(text: &str) -> bool {
    let start = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let head: String = start
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    // an XML declaration alone makes no markup: a text dump may keep the page's declaration
    // on its first line (html2text does) over plain text (which may show a `<tag>` later);
    // XML goes on with markup (a doctype, a comment, an element) right after it
    let has_element = || {
        start.find("?>").is_some_and(|end| {
            let after = start[end + 2..].trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
            after.starts_with('<')
        })
    };
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || (head.starts_with("<?xml") && has_element())
        || (head.starts_with("<!--") && start.to_ascii_lowercase().contains("<html"))
}

/// Elements whose whole subtree is never read.
const SKIPPED: &[&str] = &[
    "head",
    "nav",
    "header",
    "footer",
    "aside",
    "script",
    "style",
    "noscript",
    "template",
    "figcaption",
    "rt",
    "rp",
    "svg",
    "math",
    "form",
    "button",
    "select",
    "iframe",
    "object",
];

/// Class names of page furniture that is not in an element of its own kind (DocBook's
/// navigation bars and tables of contents, common site chrome).
const FURNITURE_CLASSES: &[&str] = &[
    "navheader",
    "navfooter",
    "toc",
    "list-of-tables",
    "list-of-figures",
    "list-of-examples",
    "breadcrumb",
    "breadcrumbs",
    "sidebar",
    "menu",
    "footnotes",
];

/// Nesting deeper than this (no real page comes near it) is read as plain text, so that a
/// hostile file cannot exhaust the stack.
const MAX_DEPTH: usize = 200;

/// Elements that hold one paragraph of running text.
const PARAGRAPHS: &[&str] = &["p", "li", "dt", "dd", "blockquote", "figure", "address"];

/// Reads an HTML document: a saved web page (its article only, when the page is more
/// than that) or a documentation chapter.
pub fn parse(source: &str) -> Document {
    parse_with(source, NotePlacement::Skip)
}

/// Reads an HTML document, with its footnotes and endnotes where `notes` says.
pub fn parse_with(source: &str, notes: NotePlacement) -> Document {
    let (mut document, found) = read(source, true, notes, &[]);
    if notes == NotePlacement::ChapterEnd {
        let references: Vec<(usize, String)> = found
            .references
            .into_iter()
            .map(|(section, href)| {
                (
                    section,
                    href.split('#').nth(1).unwrap_or_default().to_owned(),
                )
            })
            .collect();
        notes::place_at_chapter_ends(&mut document, &references, &found.bodies);
    }
    document
}

/// A place in an e-book's content document that the book's table of contents points to
/// (`part.html#filepos25615`): a section starts there under the contents' name whether or
/// not the markup makes it a heading (converters from MOBI set a chapter's title as a
/// bold paragraph).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Anchor {
    /// The `id` of the element it points to; `None` when the contents points at the
    /// document alone, and a paragraph that says its title alone is where it starts
    /// (several entries on one file: `苏东坡传`, `译者序`).
    pub id: Option<String>,
    pub title: String,
    pub level: u8,
}

/// Reads an e-book's content document: all of it is the book's, and sections start at
/// its headings and at `anchors`. Its notes are left to the caller, who sees the whole
/// book.
pub(crate) fn parse_part(
    source: &str,
    notes: NotePlacement,
    anchors: &[Anchor],
) -> (Document, FoundNotes) {
    read(source, false, notes, anchors)
}

fn read(
    source: &str,
    find_article: bool,
    notes: NotePlacement,
    anchors: &[Anchor],
) -> (Document, FoundNotes) {
    if nesting(source) > MAX_NESTING {
        return (flattened(source), FoundNotes::default());
    }
    let html = Html::parse_document(source);
    let mut reader = Reader {
        source,
        cursor: 0,
        cursor_line: 1,
        document: Document::default(),
        current: None,
        skipped_tables: 0,
        skipped_pre: 0,
        skipped_captions: 0,
        skipped_banners: 0,
        skipped_links: 0,
        headings_over_links: Vec::new(),
        skipped_notes: 0,
        found: FoundNotes::default(),
        article: false,
        in_list_item: 0,
        in_quote: 0,
        anchors: anchors.iter().map(|a| (a, false)).collect(),
        opened_at_anchor: false,
    };
    let title = html
        .select(&selector("title"))
        .next()
        .map(|t| collapse(&t.text().collect::<String>()))
        .filter(|t| !t.is_empty());
    // a saved web page: its article, under its headline, without the site around it
    let article = if find_article {
        super::content::article(&html, is_skipped)
    } else {
        None
    };
    reader.article = article.is_some();
    match article {
        Some(article) => {
            let element = |id| html.tree.get(id).and_then(ElementRef::wrap);
            if let Some(headline) = article.heading.and_then(element) {
                reader.walk(headline, 0);
            }
            if let Some(root) = element(article.root) {
                reader.walk(root, 0);
            }
        }
        None => reader.walk(html.root_element(), 0),
    }
    reader.close_section();
    let found = std::mem::take(&mut reader.found);
    if reader.article {
        drop_empty_headings(&mut reader.document.sections, &reader.headings_over_links);
    }
    if notes == NotePlacement::ChapterEnd {
        // said by whoever places them
        reader.skipped_notes = 0;
    }
    let mut document = reader.document;
    document.title = title.or_else(|| document.sections.first().and_then(|s| s.title.clone()));
    for (skipped, kind, what) in [
        (
            reader.skipped_tables,
            LeftOut::Table,
            "table(s) not read aloud (a listener cannot follow cells)",
        ),
        (
            reader.skipped_pre,
            LeftOut::Code,
            "preformatted block(s) (code, shell sessions) not read aloud",
        ),
        (
            reader.skipped_captions,
            LeftOut::Caption,
            "picture caption(s) not read aloud",
        ),
        (
            reader.skipped_notes,
            LeftOut::Footnote,
            "footnote(s) or endnote(s) not read aloud",
        ),
        (
            reader.skipped_banners,
            LeftOut::Banner,
            "download-site banner(s) or notice(s) not read aloud",
        ),
        (
            reader.skipped_links,
            LeftOut::Links,
            "block(s) of links only (other stories) not read aloud",
        ),
    ] {
        if skipped > 0 {
            document
                .warnings
                .push(Warning::left_out(1, kind, format!("{skipped} {what}")));
        }
    }
    (document, found)
}

/// Markup nested deeper than this is not parsed as a tree: the parser's time grows with
/// the square of the depth (4,000 levels: 60 ms; 100,000: about a minute), and no real page
/// comes near it.
const MAX_NESTING: usize = 2_000;

/// How deep the markup nests at most, roughly: open tags less close tags, counted without
/// parsing (void and self-closed tags do not count).
fn nesting(source: &str) -> usize {
    let bytes = source.as_bytes();
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut i = 0;
    while let Some(at) = bytes[i..].iter().position(|&b| b == b'<') {
        i += at + 1;
        let end = bytes[i..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(bytes.len(), |e| i + e);
        let tag = &bytes[i..end];
        match tag.first() {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(c) if c.is_ascii_alphabetic() && tag.last() != Some(&b'/') => {
                let name: Vec<u8> = tag
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .map(u8::to_ascii_lowercase)
                    .collect();
                if !matches!(
                    name.as_slice(),
                    b"br"
                        | b"img"
                        | b"hr"
                        | b"meta"
                        | b"link"
                        | b"input"
                        | b"wbr"
                        | b"col"
                        | b"area"
                        | b"base"
                        | b"source"
                        | b"track"
                        | b"embed"
                        | b"param"
                ) {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
            }
            _ => {}
        }
        i = end.min(bytes.len());
    }
    deepest
}

/// A document too deeply nested to parse, read as its text with the tags taken out, and a
/// warning.
fn flattened(source: &str) -> Document {
    let mut text = String::with_capacity(source.len() / 2);
    let mut in_tag = false;
    for c in source.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push('\n');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", " ");
    let paragraphs: Vec<Paragraph> = text
        .lines()
        .map(collapse)
        .filter(|l| !l.is_empty())
        .map(|text| Paragraph::new(text, 1))
        .collect();
    Document {
        sections: vec![Section {
            paragraphs,
            ..Section::untitled(1)
        }],
        warnings: vec![Warning::new(
            1,
            format!(
                "markup nested more than {MAX_NESTING} deep: read as plain text, without its structure"
            ),
        )],
        ..Document::default()
    }
}

fn selector(css: &str) -> scraper::Selector {
    scraper::Selector::parse(css).expect("a valid selector")
}

struct Reader<'s> {
    source: &'s str,
    /// Byte offset in `source` up to which blocks have been located.
    cursor: usize,
    /// The 1-based line `cursor` is on (counted as the cursor moves, not from the start
    /// each time: a long page has thousands of blocks).
    cursor_line: usize,
    document: Document,
    current: Option<Section>,
    skipped_tables: usize,
    skipped_pre: usize,
    skipped_captions: usize,
    skipped_banners: usize,
    skipped_links: usize,
    /// Lines of the headings under which a list of links was left out before any text.
    headings_over_links: Vec<usize>,
    skipped_notes: usize,
    /// Note bodies found, and the references to them.
    found: FoundNotes,
    /// Whether an article was found in a web page (and the site around it left out).
    article: bool,
    /// How many `li` and `blockquote` elements the walk is inside.
    in_list_item: usize,
    in_quote: usize,
    /// Where the table of contents says sections start, and whether each has started.
    anchors: Vec<(&'s Anchor, bool)>,
    /// Whether the current section was started by an anchor and has no text yet: a
    /// heading there is the same section's (the anchor on a `div` around it).
    opened_at_anchor: bool,
}

impl Reader<'_> {
    /// Reads `element`, counting the list items and quotations it opens.
    fn walk(&mut self, element: ElementRef, depth: usize) {
        let name = element.value().name();
        let (item, quote) = (name == "li", name == "blockquote");
        self.in_list_item += usize::from(item);
        self.in_quote += usize::from(quote);
        self.walk_block(element, depth);
        self.in_list_item -= usize::from(item);
        self.in_quote -= usize::from(quote);
    }

    fn walk_block(&mut self, element: ElementRef, depth: usize) {
        let name = element.value().name();
        if notes::is_body(element) {
            let mut no_references = Vec::new();
            let bodies = notes::bodies(element, &mut |e| block_text(e, &mut no_references));
            self.skipped_notes += bodies.len();
            for (id, text) in bodies {
                let line = self.locate(&text);
                self.found.bodies.push(NoteBody { id, text, line });
            }
            return;
        }
        if is_skipped(element) {
            return;
        }
        if depth > MAX_DEPTH {
            // hostile nesting: what is this deep is one paragraph, read without recursion
            self.paragraph(element.text().collect());
            return;
        }
        match name {
            "table" => {
                self.skipped_tables += 1;
                return;
            }
            "pre" => {
                self.skipped_pre += 1;
                return;
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                // (a note may hang on the heading itself: 红楼梦's 回 titles carry them)
                let mut references = Vec::new();
                // an anchor on the heading or in it (`<h2><a id="idm24"/>致谢</h2>`) is the
                // heading's (the parser may copy an unclosed `<a id>` into what follows)
                while let Some(k) = self.anchor_within(element) {
                    self.anchors[k].1 = true;
                }
                let title = block_text(element, &mut references);
                // a publication date set as a heading (DocBook's title page) is not one
                if super::outline::is_date_line(&title) {
                    self.paragraph(title);
                } else if super::outline::is_banner(&title, BannerPlace::Alone) {
                    // `本人仅供学习收藏，不做其他任何商业用途！` set as a heading
                    self.skipped_banners += 1;
                } else if !title.is_empty() {
                    if std::mem::take(&mut self.opened_at_anchor) {
                        self.current = None;
                    }
                    self.close_section();
                    let line = self.locate(&title);
                    let level = name[1..].parse().unwrap_or(1);
                    self.current = Some(Section::headed(title, level, line));
                }
                self.refer(references);
                return;
            }
            _ => {}
        }
        let leaf = PARAGRAPHS.contains(&name) && !has_block_children(element);
        self.open_at_anchor(element, leaf);
        if is_caption(element) {
            self.skipped_captions += 1;
            return;
        }
        // in a web page's article, a block that is nothing but links is a list of other
        // stories (上一篇 / 下一篇, 您可能会有兴趣的文章), not the story
        if self.article && is_only_links(element) {
            self.skipped_links += 1;
            if let Some(section) = &self.current
                && section.paragraphs.is_empty()
            {
                self.headings_over_links.push(section.line);
            }
            return;
        }
        if leaf {
            let mut references = Vec::new();
            let text = block_text(element, &mut references);
            self.paragraph(text);
            self.refer(references);
            return;
        }
        // a container: its loose text is a paragraph of its own, its blocks are read in turn
        let mut loose = String::new();
        let mut references = Vec::new();
        for child in element.children() {
            match child.value() {
                Node::Text(text) => loose.push_str(text),
                Node::Element(_) => {
                    let Some(child) = ElementRef::wrap(child) else {
                        continue;
                    };
                    if is_inline(child) {
                        if self.anchor_within(child).is_some() {
                            self.paragraph(std::mem::take(&mut loose));
                            self.refer(std::mem::take(&mut references));
                            self.open_at_anchor(child, true);
                        }
                        if !is_skipped(child) {
                            loose.push_str(&inline_text(child, depth + 1, &mut references));
                        }
                    } else {
                        self.paragraph(std::mem::take(&mut loose));
                        self.refer(std::mem::take(&mut references));
                        self.walk(child, depth + 1);
                    }
                }
                _ => {}
            }
        }
        self.paragraph(loose);
        self.refer(references);
    }

    /// The first anchor not yet started whose element is `element` or one inside it.
    fn anchor_within(&self, element: ElementRef) -> Option<usize> {
        if self.anchors.iter().all(|(_, started)| *started) {
            return None;
        }
        element
            .value()
            .id()
            .and_then(|id| self.unstarted(id))
            .or_else(|| {
                element
                    .descendants()
                    .skip(1)
                    .find_map(|d| self.unstarted(d.value().as_element()?.id()?))
            })
    }

    /// Starts the section an anchor at (or, for a paragraph, in) `element` names.
    fn open_at_anchor(&mut self, element: ElementRef, within: bool) {
        let found = if within {
            self.anchor_within(element)
        } else {
            element.value().id().and_then(|id| self.unstarted(id))
        };
        if let Some(k) = found {
            self.start_at_anchor(k);
        }
    }

    /// The anchor not yet started that points to the element with `id`.
    fn unstarted(&self, id: &str) -> Option<usize> {
        self.anchors
            .iter()
            .position(|(anchor, started)| !started && anchor.id.as_deref() == Some(id))
    }

    /// Closes the current section and starts anchor `k`'s.
    fn start_at_anchor(&mut self, k: usize) {
        self.anchors[k].1 = true;
        let anchor = self.anchors[k].0;
        self.close_section();
        self.current = Some(Section::headed(
            anchor.title.clone(),
            anchor.level,
            self.cursor_line,
        ));
        self.opened_at_anchor = true;
    }

    /// Notes referred to by the paragraph just read, which is in the last section or
    /// the current one.
    fn refer(&mut self, references: Vec<String>) {
        let done = self.document.sections.len();
        let section = if self.current.is_some() {
            done
        } else {
            done.saturating_sub(1)
        };
        self.found
            .references
            .extend(references.into_iter().map(|href| (section, href)));
    }

    fn paragraph(&mut self, text: String) {
        let text = collapse(&text);
        if text.is_empty() {
            return;
        }
        // (a sentence of the book with a site's advert glued on stays: the advert goes
        // with the site's other stamps, `watermarks::remove_from_document`)
        if super::outline::is_banner(&text, BannerPlace::Alone)
            && !super::watermarks::says_more_than_an_advert(&text)
        {
            self.skipped_banners += 1;
            return;
        }
        if let Some(k) = self.anchors.iter().position(|(anchor, started)| {
            !started && anchor.id.is_none() && same_words(&anchor.title, &text)
        }) {
            self.start_at_anchor(k);
        }
        // the heading said again as the first paragraph (`<h1>第一章</h1><p>第一章</p>`)
        if let Some(section) = &self.current
            && section.paragraphs.is_empty()
            && section
                .title
                .as_deref()
                .is_some_and(|t| same_words(t, &text))
        {
            if std::mem::take(&mut self.opened_at_anchor) {
                let line = self.locate(&text);
                if let Some(section) = &mut self.current {
                    section.line = line;
                }
            }
            return;
        }
        let line = self.locate(&text);
        if std::mem::take(&mut self.opened_at_anchor)
            && let Some(section) = &mut self.current
        {
            section.line = line;
        }
        let kind = if self.in_list_item > 0 {
            BlockKind::ListItem
        } else if self.in_quote > 0 {
            BlockKind::Quote
        } else {
            BlockKind::Paragraph
        };
        let section = self.current.get_or_insert_with(|| Section::untitled(line));
        section
            .paragraphs
            .push(Paragraph::of_kind(kind, text, line));
    }

    fn close_section(&mut self) {
        if let Some(section) = self.current.take() {
            self.document.sections.push(section);
        }
    }

    /// The 1-based line of the source where `text` starts: the first few characters are
    /// looked for after the last block found (markup and entities inside a block make a
    /// longer search miss); the last line found when they are not there.
    fn locate(&mut self, text: &str) -> usize {
        let probe: String = text.chars().take(6).collect();
        if let Some(at) = self.source[self.cursor..].find(&probe) {
            self.cursor_line += self.source[self.cursor..self.cursor + at]
                .matches('\n')
                .count();
            self.cursor += at;
        }
        self.cursor_line
    }
}

fn is_skipped(element: ElementRef) -> bool {
    let value = element.value();
    SKIPPED.contains(&value.name())
        || value.attr("hidden").is_some()
        || value.attr("aria-hidden") == Some("true")
        || value.attr("role") == Some("navigation")
        || value.classes().any(|c| FURNITURE_CLASSES.contains(&c))
        || value
            .attr("epub:type")
            .or(value.attr("role"))
            .is_some_and(|kinds| {
                kinds
                    .split_whitespace()
                    .map(|k| k.trim_start_matches("doc-"))
                    .any(|k| NOT_IN_THE_FLOW.contains(&k))
            })
}

/// A picture's caption set as an ordinary paragraph, as e-book converters write them: a
/// block right after an image (or a block holding only an image) that either says so in
/// its class (`caption`, `picture-txt`, `illus` …) or shares its container with the image
/// alone. `figcaption` is skipped by name.
fn is_caption(element: ElementRef) -> bool {
    let value = element.value();
    if !matches!(value.name(), "p" | "div" | "span") {
        return false;
    }
    let hinted = |words: &[&str]| {
        value.classes().any(|c| {
            let c = c.to_ascii_lowercase();
            words.iter().any(|w| c.contains(w))
        })
    };
    if hinted(&["caption"]) {
        return true;
    }
    let after_image = element
        .prev_siblings()
        .find_map(ElementRef::wrap)
        .is_some_and(is_only_an_image);
    if !after_image {
        return false;
    }
    let with_the_image_alone = element
        .parent()
        .and_then(ElementRef::wrap)
        .is_some_and(|p| {
            p.children().filter_map(ElementRef::wrap).count() == 2
                && p.children().all(|c| match c.value() {
                    Node::Text(t) => t.trim().is_empty(),
                    _ => true,
                })
                && !matches!(p.value().name(), "body" | "section" | "article" | "main")
        });
    // body text may follow a picture too; a caption is a sentence or two
    let short = element.text().map(|t| t.chars().count()).sum::<usize>() <= 200;
    if !short {
        return false;
    }
    with_the_image_alone || hinted(&["pic", "illus", "figure", "photo", "image", "img"])
}

/// A block with text, all of it in links (`a href`; an anchor without one is a target):
/// three or more, or two titles; and no heading.
fn is_only_links(element: ElementRef) -> bool {
    if element
        .descendants()
        .filter_map(ElementRef::wrap)
        .any(|e| super::content::is_heading(e.value().name()))
    {
        return false;
    }
    let all: usize = element.text().map(letters).sum();
    let links = links_in(element, false);
    let linked: usize = links.iter().sum();
    // a link may be the text's own (参见 …); a list of them, or two titles (the previous
    // and the next post), is not
    let titles = links.len() == 2 && links.iter().all(|&n| n >= 4);
    (links.len() >= 3 || titles) && linked >= all
}

/// How many letters and digits `text` has.
pub(crate) fn letters(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphanumeric()).count()
}

/// The links (`a href`) inside `element`, as the letters of each; only those within the
/// book or site when `internal` (not `…://` or `mailto:`).
pub(crate) fn links_in(element: ElementRef, internal: bool) -> Vec<usize> {
    element
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "a")
        .filter_map(|a| Some((a, a.value().attr("href")?)))
        .filter(|(_, href)| !internal || !(href.contains("://") || href.starts_with("mailto:")))
        .map(|(a, _)| a.text().map(letters).sum())
        .collect()
}

/// Headings left with nothing under them once the links are gone (`您可能会有兴趣的文章`
/// over a list of other stories, at `over_links` or last in the article): the next
/// heading is of the same or a higher level, or none follows. In a page of many headings
/// (a manual's), a heading over only a picture, a table or nothing at all (a placeholder
/// section) stays: it is the document's outline; a news story's few headings are the
/// site's when nothing is under them.
fn drop_empty_headings(sections: &mut Vec<Section>, over_links: &[usize]) {
    let outline = sections.iter().filter(|s| s.title.is_some()).count() >= 5;
    let mut k = 0;
    while k < sections.len() {
        let next = sections.get(k + 1);
        let empty = sections[k].paragraphs.is_empty()
            && next.is_none_or(|next| next.level <= sections[k].level)
            && (!outline || next.is_none() || over_links.contains(&sections[k].line));
        if empty {
            sections.remove(k);
        } else {
            k += 1;
        }
    }
}

/// Whether two texts say the same words (punctuation, spaces and case aside).
pub(crate) fn same_words(a: &str, b: &str) -> bool {
    let a = words(a);
    !a.is_empty() && a == words(b)
}

/// `text`'s letters and digits, lower case: what it says, punctuation and spaces aside.
pub(crate) fn words(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// An `img`, or an element with no text that holds one.
fn is_only_an_image(element: ElementRef) -> bool {
    element.value().name() == "img"
        || (element.text().all(|t| t.trim().is_empty())
            && element
                .descendants()
                .filter_map(ElementRef::wrap)
                .any(|e| e.value().name() == "img"))
}

/// EPUB structural semantics (`epub:type`) and ARIA roles (`doc-…`) of what is not read
/// in the flow of the text: notes and the references to them, navigation, page breaks.
const NOT_IN_THE_FLOW: &[&str] = &[
    "footnote",
    "footnotes",
    "endnote",
    "endnotes",
    "rearnote",
    "rearnotes",
    "note",
    "noteref",
    "toc",
    "landmarks",
    "page-list",
    "pagebreak",
    "pagelist",
    "backlink",
];

/// Inline elements: their text belongs to the paragraph around them.
fn is_inline(element: ElementRef) -> bool {
    super::content::is_inline(element.value().name())
}

fn has_block_children(element: ElementRef) -> bool {
    element
        .children()
        .filter_map(ElementRef::wrap)
        .any(|child| !is_inline(child) && !is_skipped(child))
}

/// The text of a block, without what is never read (ruby annotations, scripts …).
/// The hrefs of note references in it are added to `references`; the marks are not read.
fn block_text(element: ElementRef, references: &mut Vec<String>) -> String {
    collapse(&inline_text(element, 0, references))
}

fn inline_text(element: ElementRef, depth: usize, references: &mut Vec<String>) -> String {
    if depth > MAX_DEPTH {
        return element.text().collect();
    }
    let mut out = String::new();
    for child in element.children() {
        match child.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(e) if e.name() == "br" => out.push(' '),
            Node::Element(_) => {
                let Some(child) = ElementRef::wrap(child) else {
                    continue;
                };
                if let Some(href) = notes::reference(child) {
                    references.push(href.to_owned());
                } else if !is_skipped(child) {
                    out.push_str(&inline_text(child, depth + 1, references));
                }
            }
            _ => {}
        }
    }
    out
}

/// Whitespace as a reader sees it: runs become one space, and a line break between two
/// Chinese characters goes (source files wrap Chinese lines anywhere; a space written
/// inside a line, as in 第一章 出发, stays).
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // (whether whitespace is pending, whether it held a line break)
    let mut pending = (false, false);
    for c in text.chars() {
        if c.is_whitespace() {
            pending = (!out.is_empty(), pending.1 || c == '\n');
            continue;
        }
        if pending.0 {
            let before = out.chars().last().unwrap_or(' ');
            if !(pending.1 && is_wide(before) && is_wide(c)) {
                out.push(' ');
            }
        }
        pending = (false, false);
        out.push(c);
    }
    out
}

/// CJK characters and full-width punctuation, between which a line break means nothing.
fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x2e80..=0x9fff | 0xf900..=0xfaff | 0xfe30..=0xfe4f | 0xff00..=0xffef | 0x20000..=0x3134a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pages_notes_go_to_the_end_of_the_section_that_cites_them() {
        let page = r##"<html><body><h1>一、概述</h1><p>鸦片战争<sup><a href="#fn1">[1]</a></sup>之后，局势大变<sup><a href="#fn2">2</a></sup>。</p><h1>二、影响</h1><p>再次提到<sup><a href="#fn1">[1]</a></sup>。</p><div class="footnotes"><p id="fn1">1. 1840年至1842年。</p><p id="fn2">2. 见前注。</p></div></body></html>"##;
        let text = |doc: &Document| -> Vec<Vec<String>> {
            doc.sections
                .iter()
                .map(|s| s.paragraphs.iter().map(|p| p.text.clone()).collect())
                .collect()
        };
        let skipped = parse(page);
        assert_eq!(
            text(&skipped),
            [["鸦片战争之后，局势大变。"], ["再次提到。"]]
        );
        let placed = parse_with(page, NotePlacement::ChapterEnd);
        // each note once, after the first section that cites it
        assert_eq!(
            text(&placed),
            [
                vec![
                    "鸦片战争之后，局势大变。",
                    "注：1840年至1842年。",
                    "注：见前注。"
                ],
                vec!["再次提到。"]
            ]
        );
        assert!(
            placed
                .warnings
                .iter()
                .all(|w| w.left_out != Some(LeftOut::Footnote))
        );
    }

    proptest::proptest! {
        /// Hostile markup (unclosed, misnested, deep, odd entities) never panics, and no
        /// tag is ever read as text.
        #[test]
        fn any_markup_reads_without_panicking(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "<p>", "</p>", "<div>", "</div>", "<h1>", "</h1>", "<li>", "<table>", "<td>",
                    "<nav>", "</nav>", "<script>", "<ruby>", "<rt>", "&amp;", "&#20013;", "&bogus;",
                    "文字", "，", "。", " ", "\n", "<br/>", "<pre>", "<!--", "-->", "<b>", "</b>",
                ]),
                0..200,
            )
        ) {
            let doc = parse(&format!("<html><body>{}</body></html>", parts.concat()));
            for section in &doc.sections {
                for p in &section.paragraphs {
                    proptest::prop_assert!(!p.text.contains("<p>") && !p.text.contains("<div>"), "{}", p.text);
                }
            }
        }
    }

    #[test]
    fn hostile_nesting_is_read_without_exhausting_the_stack() {
        let deep = format!(
            "<html><body>{}深处的文字{}</body></html>",
            "<div><span>".repeat(50_000),
            "</span></div>".repeat(50_000)
        );
        let doc = parse(&deep);
        let text: String = doc
            .sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .map(|p| p.text.as_str())
            .collect();
        assert!(text.contains("深处的文字"), "{text}");
    }

    #[test]
    fn heading_levels_list_items_quotes_and_captions() {
        let doc = parse(
            "<html><body><h2>第一章</h2><h3>一</h3><p>正文。</p>\
             <ul><li>第一项</li><li><p>第二项</p></li></ul><blockquote><p>子曰。</p></blockquote>\
             <div><img src=\"a.jpg\"/><p>看那马要站起来了。</p></div>\
             <div><img src=\"b.jpg\"/></div><p class=\"picture-txt\">火烧云上来了。</p>\
             <p>后面的正文。</p></body></html>",
        );
        let levels: Vec<_> = doc
            .sections
            .iter()
            .map(|s| (s.title.as_deref(), s.level))
            .collect();
        assert_eq!(levels, [(Some("第一章"), 2), (Some("一"), 3)]);
        let blocks: Vec<_> = doc.sections[1]
            .paragraphs
            .iter()
            .map(|p| (p.kind, p.text.as_str()))
            .collect();
        assert_eq!(
            blocks,
            [
                (BlockKind::Paragraph, "正文。"),
                (BlockKind::ListItem, "第一项"),
                (BlockKind::ListItem, "第二项"),
                (BlockKind::Quote, "子曰。"),
                (BlockKind::Paragraph, "后面的正文。"),
            ]
        );
        assert!(
            doc.warnings
                .iter()
                .any(|w| w.message == "2 picture caption(s) not read aloud"
                    && w.left_out == Some(LeftOut::Caption)),
            "{:?}",
            doc.warnings
        );
    }

    #[test]
    fn a_saved_news_page_reads_its_story_and_not_the_site() {
        let story = "宇航员在太空中喝酒会怎么样？后果很严重，科学家这样解释了原因。";
        let source = format!(
            r#"<html><head><title>宇航员在太空中喝酒 _探索者 _光明网</title></head><body>
            <div class="top"><a href="/">首页</a>|<a href="/n">新闻</a>|<a href="/t">时评</a></div>
            <div class="main"><h1>宇航员在太空中喝酒会怎么样？</h1>
              <div class="story"><p>{s}{s}</p><p>{s}</p><p>{s}{s}{s}</p>
                <h3>您可能会有兴趣的文章</h3><ul><li><a href="/1">别的文章一</a></li><li><a href="/2">别的文章二</a></li><li><a href="/3">别的文章三</a></li></ul>
              </div>
              <div class="comment-box"><p>网友：这篇文章写得很好，我很喜欢，谢谢作者，期待更多。</p></div>
            </div><div class="foot">关于我们 | 联系我们 | 服务协议</div></body></html>"#,
            s = story
        );
        let doc = parse(&source);
        let titles: Vec<_> = doc.sections.iter().map(|s| s.title.as_deref()).collect();
        assert_eq!(titles, [Some("宇航员在太空中喝酒会怎么样？")]);
        let text: String = doc.sections[0]
            .paragraphs
            .iter()
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(text, story.repeat(6));
        assert!(
            doc.warnings
                .iter()
                .any(|w| w.message.contains("links only")),
            "{:?}",
            doc.warnings
        );
    }

    /// A manual's page (KiCad's, found as an article inside the site's frame): a heading
    /// over nothing but a screenshot, or over nothing at all, is part of its outline.
    #[test]
    fn headings_over_a_picture_or_nothing_stay_in_a_manual_page() {
        let text = "本章介绍界面的各个部分，以及如何在它们之间切换，请按顺序阅读。";
        let source = format!(
            r#"<html><head><title>Gerber Viewer</title></head><body>
            <div id="header"><a href="/">首页</a></div>
            <div id="content"><h2>2. 界面</h2><p>{text}</p>
              <h3>2.1. 主窗口</h3><div class="imageblock"><img src="main.png" alt="main"></div>
              <h3>2.2. 顶部工具栏</h3><p>{text}</p>
              <h3>2.3. 解决方案</h3>
              <h3>2.4. 左方工具栏</h3><p>{text}</p><p>{text}</p>
            </div><div id="footer">版权所有</div></body></html>"#
        );
        let doc = parse(&source);
        let titles: Vec<_> = doc
            .sections
            .iter()
            .filter_map(|s| s.title.as_deref())
            .collect();
        assert_eq!(
            titles,
            [
                "2. 界面",
                "2.1. 主窗口",
                "2.2. 顶部工具栏",
                "2.3. 解决方案",
                "2.4. 左方工具栏"
            ]
        );
    }

    #[test]
    fn html_is_told_from_text() {
        assert!(looks_like_html("<?xml version=\"1.0\"?>\n<html>"));
        assert!(looks_like_html("\u{feff}  <!DOCTYPE html>\n<html>"));
        assert!(looks_like_html("<HTML><body>"));
        assert!(!looks_like_html("第一章 <b>不是网页</b>"));
        assert!(!looks_like_html("# Markdown\n\n<p>inline html</p>"));
        // html2text keeps the page's XML declaration above plain text
        assert!(!looks_like_html(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n  第 1 章 定义和概览\n[上一页]"
        ));
        // (even when the text quotes a tag further on: maint-guide's chapter 5 does)
        assert!(!looks_like_html(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\n\n第 5 章 debian 目录下的其他文件\n\
             Maintainer: Josip Rodin <joy-mg@debian.org>\n"
        ));
        assert!(looks_like_html(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.1//EN\">"
        ));
    }

    #[test]
    fn headings_paragraphs_and_lists_are_read_and_furniture_is_not() {
        let doc = parse(
            "<!DOCTYPE html><html><head><title>页面标题</title><style>p{}</style></head><body>\n\
             <nav><a href=\"/\">首页</a> <a href=\"/next\">下一页</a></nav>\n\
             <h1>第一章 出发</h1>\n<p>清晨，我们从上海\n出发。</p>\n\
             <ul><li>第一条</li><li>第二条 <b>加粗</b></li></ul>\n\
             <table><tr><td>单元格</td></tr></table>\n\
             <h2>1.1 概述</h2><div>散落的文字<p>段落</p></div>\n\
             <p>汉字<ruby>汉<rp>(</rp><rt>hàn</rt><rp>)</rp></ruby>读一次&amp;实体</p>\n\
             <pre>$ ls -l</pre><figure><img alt=\"图\"/><figcaption>图为风景</figcaption></figure>\n\
             <footer>版权所有</footer><script>var x;</script></body></html>",
        );
        assert_eq!(doc.title.as_deref(), Some("页面标题"));
        let sections: Vec<(Option<&str>, Vec<&str>)> = doc
            .sections
            .iter()
            .map(|s| {
                (
                    s.title.as_deref(),
                    s.paragraphs.iter().map(|p| p.text.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            sections,
            [
                (
                    Some("第一章 出发"),
                    vec!["清晨，我们从上海出发。", "第一条", "第二条 加粗"]
                ),
                (
                    Some("1.1 概述"),
                    vec!["散落的文字", "段落", "汉字汉读一次&实体"]
                ),
            ]
        );
        let warnings: Vec<&str> = doc.warnings.iter().map(|w| w.message.as_str()).collect();
        assert!(warnings.iter().any(|w| w.contains("table")), "{warnings:?}");
        assert!(
            warnings.iter().any(|w| w.contains("preformatted")),
            "{warnings:?}"
        );
        // lines point into the source
        assert_eq!(doc.sections[0].line, 3);
        assert_eq!(doc.sections[0].paragraphs[0].line, 4);
    }
}
