//! Lines to sections: page furniture, tables of contents, headings matched to the
//! outline, paragraphs joined across lines and pages.

use super::super::collapse_whitespace;
use super::super::xml::Element;
use super::layout::{Line, Page, is_page_number, shape};
use crate::ingest::repair::{byline_of, is_photo_caption_or_credit};
use crate::text::{Document, LeftOut, Paragraph, Part, Section, Warning};

/// A bookmark: the page it points to, its title and how deep it is nested (1 = top).
pub(super) struct Bookmark {
    page: usize,
    title: String,
    level: u8,
}

/// The bookmarks of poppler's `<outline>`, in order: an `<item>` is an entry, an
/// `<outline>` inside holds the entries under the item before it.
pub(super) fn outline_entries(outline: &Element, level: u8, out: &mut Vec<Bookmark>) {
    for e in outline.elements() {
        match e.name.as_str() {
            "item" => {
                let title = collapse_whitespace(&e.text());
                if !title.is_empty() {
                    out.push(Bookmark {
                        page: e
                            .attribute("page")
                            .and_then(|p| p.parse().ok())
                            .unwrap_or(0),
                        title,
                        level,
                    });
                }
            }
            // nested outlines deeper than any book's are read as the last level
            "outline" => outline_entries(e, level.saturating_add(1).min(MAX_OUTLINE_LEVEL), out),
            _ => {}
        }
    }
}

/// Bookmarks nested deeper than this count as this level.
pub(super) const MAX_OUTLINE_LEVEL: u8 = 9;

pub(super) struct Reader {
    pages: Vec<Page>,
    outline: Vec<Bookmark>,
    body_size: f32,
    /// Usual distance from one line's top to the next's, in body text.
    spacing: f32,
    /// Each page's right margin: where most full lines end.
    margins: Vec<f32>,
    /// The bookmarks' title keys, and the first 12+ letters of each, with the pages they
    /// point to: a line is looked up, not compared with every bookmark (a long manual has
    /// hundreds).
    titles: std::collections::HashMap<String, Vec<usize>>,
    title_starts: std::collections::HashMap<String, Vec<usize>>,
}

impl Reader {
    pub(super) fn new(pages: Vec<Page>, outline: Vec<Bookmark>) -> Self {
        let mut by_size: Vec<(f32, usize)> = Vec::new();
        let mut steps: Vec<f32> = Vec::new();
        for page in &pages {
            for pair in page.lines.windows(2) {
                let step = pair[1].top - pair[0].top;
                if step > 0.0 && (pair[0].size - pair[1].size).abs() < 0.5 {
                    steps.push(step / pair[0].size.max(1.0));
                }
            }
            for line in &page.lines {
                let n = line.text.chars().count();
                match by_size
                    .iter_mut()
                    .find(|(s, _)| (*s - line.size).abs() < 0.5)
                {
                    Some(entry) => entry.1 += n,
                    None => by_size.push((line.size, n)),
                }
            }
        }
        let body_size = by_size
            .iter()
            .max_by_key(|(_, n)| *n)
            .map_or(12.0, |(s, _)| *s);
        steps.sort_by(f32::total_cmp);
        let spacing = steps.get(steps.len() / 2).copied().unwrap_or(1.3);
        let margins = pages
            .iter()
            .map(|page| {
                let mut rights: Vec<f32> = page.lines.iter().map(|l| l.right).collect();
                rights.sort_by(f32::total_cmp);
                rights.get(rights.len() * 9 / 10).copied().unwrap_or(0.0)
            })
            .collect();
        let mut titles: std::collections::HashMap<String, Vec<usize>> = Default::default();
        let mut title_starts: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for bookmark in &outline {
            let title = key(&bookmark.title);
            if title.is_empty() {
                continue;
            }
            for (at, _) in title.char_indices().skip(12) {
                title_starts
                    .entry(title[..at].to_owned())
                    .or_default()
                    .push(bookmark.page);
            }
            title_starts
                .entry(title.clone())
                .or_default()
                .push(bookmark.page);
            titles.entry(title).or_default().push(bookmark.page);
        }
        Reader {
            pages,
            outline,
            body_size,
            spacing,
            margins,
            titles,
            title_starts,
        }
    }

    /// Lines of page furniture: in the top or bottom eighth, recurring on a fifth of the
    /// pages once digits are taken out, or a lone page number there.
    fn furniture(&self) -> Vec<Vec<bool>> {
        let mut counts: std::collections::HashMap<String, usize> = Default::default();
        let edge = |page: &Page, line: &Line| at_top(page, line) || at_bottom(page, line);
        for page in &self.pages {
            let mut seen = std::collections::HashSet::new();
            for line in page.lines.iter().filter(|l| edge(page, l)) {
                let s = shape(&line.text);
                if seen.insert(s.clone()) {
                    *counts.entry(s).or_default() += 1;
                }
            }
        }
        let recurring = (self.pages.len() / 5).max(3);
        // a running header naming the chapter (`第一章 引言` over each of its pages) recurs
        // only as long as the chapter: a bookmark's title in small type at a page's edge, on
        // two pages or more (the chapter's own heading, in large type, is not furniture)
        let titles: std::collections::HashSet<String> =
            self.outline.iter().map(|b| shape(&b.title)).collect();
        let chapter_header = |l: &Line| {
            !self.is_heading_line(l)
                && titles.contains(&shape(&l.text))
                && counts.get(&shape(&l.text)).is_some_and(|&n| n >= 2)
        };
        self.pages
            .iter()
            .map(|page| {
                let mut numbered = numbered_row(page, true);
                numbered.extend(numbered_row(page, false));
                page.lines
                    .iter()
                    .enumerate()
                    .map(|(k, l)| {
                        edge(page, l)
                            && (is_page_number(&l.text)
                                || is_newspaper_header(&l.text)
                                || chapter_header(l)
                                || numbered.contains(&k)
                                || counts.get(&shape(&l.text)).is_some_and(|&n| n >= recurring))
                    })
                    .collect()
            })
            .collect()
    }

    fn is_heading_line(&self, line: &Line) -> bool {
        let n = line.text.chars().count();
        let larger = line.size >= self.body_size * 1.1 + 0.5;
        if n == 0 || n > 60 || (line.mono && !larger) {
            return false;
        }
        let ends = line.text.ends_with(['。', '，', '；', '：', ',', ';']);
        larger && !ends || (line.bold && n <= 30 && !ends && !line.text.starts_with('•'))
    }

    /// Lines of a table of figures (a regression table, a price list): two or more in a row
    /// made mostly of digits and signs — `-0.475*** (0.0219)`, `V:54, I:226 1482` — with
    /// few words. Running text, even full of numbers, is mostly words.
    fn tabular(&self) -> Vec<Vec<bool>> {
        let figures = |l: &Line| {
            let chars: Vec<char> = l.text.chars().filter(|c| !c.is_whitespace()).collect();
            let signs = chars
                .iter()
                .filter(|c| c.is_ascii_digit() || ".,*()-+%:/<>=$¥".contains(**c))
                .count();
            let ideographs = chars.iter().filter(|c| is_wide(**c)).count();
            chars.len() >= 3 && signs * 10 >= chars.len() * 5 && ideographs * 10 <= chars.len() * 2
        };
        self.pages
            .iter()
            .map(|page| {
                let marks: Vec<bool> = page.lines.iter().map(figures).collect();
                (0..marks.len())
                    .map(|k| {
                        marks[k]
                            && ((k > 0 && marks[k - 1])
                                || marks.get(k + 1).copied().unwrap_or(false))
                    })
                    .collect()
            })
            .collect()
    }

    /// Lines in a run, in body type, that the outline lists one after another with nothing
    /// between them, three or more of them bookmarked on pages away from the line's: a
    /// table of contents without page numbers (a document printed from a web page or a
    /// word processor), not headings. (A checklist of short lines that are also headings
    /// elsewhere in the book, all bookmarked on their own page, is not one.)
    fn listed_contents(&self, furniture: &[Vec<bool>]) -> Vec<Vec<bool>> {
        let mut marks: Vec<Vec<bool>> = self
            .pages
            .iter()
            .map(|p| vec![false; p.lines.len()])
            .collect();
        if self.outline.is_empty() {
            return marks;
        }
        // the run's lines, and the distinct titles among them that point away from their
        // page (a table column repeating one title is not a contents)
        let mut run: Vec<(usize, usize)> = Vec::new();
        let mut away = 0;
        let mut titles: Vec<String> = Vec::new();
        let close =
            |run: &mut Vec<(usize, usize)>, away: &mut usize, marks: &mut Vec<Vec<bool>>| {
                if *away >= 3 {
                    for &(p, k) in run.iter() {
                        marks[p][k] = true;
                    }
                }
                run.clear();
                *away = 0;
            };
        for (p, page) in self.pages.iter().enumerate() {
            for (k, line) in page.lines.iter().enumerate() {
                if furniture[p][k] {
                    continue;
                }
                if !self.is_heading_line(line) && self.listed(line, true) {
                    run.push((p, k));
                    let title = key(&line.text);
                    if !self.listed(line, false) && !titles.contains(&title) {
                        away += 1;
                        titles.push(title);
                    }
                } else if run.is_empty() || !continues_entry(line) {
                    close(&mut run, &mut away, &mut marks);
                    titles.clear();
                }
            }
        }
        close(&mut run, &mut away, &mut marks);
        marks
    }

    /// Whether a line of body size is a heading the outline lists on its page (or next to
    /// it): the whole line is the entry's title, maybe after a section number.
    /// `anywhere`: on any page (as a contents entry is).
    fn listed(&self, line: &Line, anywhere: bool) -> bool {
        // (no length limit: a bookmark's title is matched whole, or its first 12+ letters;
        // a line that ends as a sentence does only when a bookmark ends so too: `4.1
        // 乐器索引。`)
        let stops = line.text.ends_with(['。', '，', '；']);
        let k = key(&line.text);
        let near = |pages: &Vec<usize>| {
            anywhere || pages.iter().any(|&page| line.page.abs_diff(page) <= 1)
        };
        // the whole line, or what follows a section number (`1.2.` before the title)
        let number = k.len()
            - k.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
                .len();
        let whole = (0..=number)
            .filter(|&at| k.is_char_boundary(at) && section_number(&k[..at]))
            .filter_map(|at| self.titles.get(&k[at..]))
            .any(near);
        // the first line of a title wrapped over two
        whole || (!stops && k.chars().count() >= 12 && self.title_starts.get(&k).is_some_and(near))
    }

    pub(super) fn read(self) -> Document {
        let furniture = self.furniture();
        let mut b = Builder {
            outline: self
                .outline
                .iter()
                .map(|b| Entry {
                    page: b.page,
                    title: collapse_whitespace(&b.title),
                    key: key(&b.title),
                    used: false,
                    level: b.level,
                })
                .collect(),
            ..Builder::default()
        };
        let listed_contents = self.listed_contents(&furniture);
        let tabular = self.tabular();
        let mut table_rows = 0usize;
        let mut code_lines = 0usize;
        let mut captions = 0usize;
        let mut line_no = 0usize;
        let mut in_contents = false;
        // whether the contents being read lists the bookmarks' titles (under 目录, or as a
        // run `listed_contents` found), not only lines with page numbers
        let mut listing_titles = false;
        // pages between the title page and the first bookmarked one: copyright, revision
        // tables, contents
        let first_bookmarked = self.outline.iter().map(|b| b.page).min().unwrap_or(1);
        let front_matter = 2..first_bookmarked;
        if !front_matter.is_empty() {
            b.doc.warnings.push(Warning::left_out(
                1,
                LeftOut::FrontMatter,
                format!(
                    "front matter before the first bookmark (pages {}–{}) not read aloud",
                    front_matter.start,
                    front_matter.end - 1
                ),
            ));
        }
        for (p, page) in self.pages.iter().enumerate() {
            b.doc.parts.push(Part {
                first_line: line_no + 1,
                name: format!("page {}", p + 1),
            });
            for (k, line) in page.lines.iter().enumerate() {
                line_no += 1;
                if front_matter.contains(&(p + 1)) {
                    in_contents = false;
                    continue;
                }
                if furniture[p][k] {
                    continue;
                }
                let sized = self.is_heading_line(line);
                let listed = !sized && self.listed(line, false);
                let is_heading = sized || listed;
                if is_heading && crate::ingest::outline::is_contents_title(&line.text) {
                    (in_contents, listing_titles) = (true, true);
                    continue;
                }
                if line.toc || listed_contents[p][k] {
                    in_contents = true;
                    listing_titles |= listed_contents[p][k];
                    continue;
                }
                // (a lone line with a leader and a number, `日期: ...... 2006`, is a form
                // field: after it, bookmarked titles are still headings)
                if in_contents
                    && !sized
                    && ((listing_titles && self.listed(line, true))
                        || !listed && line.text.chars().count() < 40)
                {
                    // the entries of a contents page whose page numbers were not on the line
                    // (the bookmarks' own titles, in body type, are entries too)
                    continue;
                }
                (in_contents, listing_titles) = (false, false);
                if line.mono && !is_heading {
                    code_lines += 1;
                    b.flush();
                    continue;
                }
                if tabular[p][k] && !is_heading {
                    table_rows += 1;
                    b.flush();
                    continue;
                }
                if is_caption(&line.text) {
                    captions += 1;
                    continue;
                }
                if is_heading {
                    b.flush();
                    // a heading line right under another one continues it
                    let wraps = b.wraps_into_entry(&line.text);
                    let subtitle = b.outline.is_empty()
                        && b.heading
                            .as_ref()
                            .is_some_and(|(_, first, _)| is_subtitle(first, line));
                    if let Some((text, first, _)) = b.heading.as_mut()
                        && (is_label(text) || wraps || subtitle)
                        && first.page == line.page
                        && line.top - first.top < first.size.max(line.size) * 4.0
                    {
                        if wraps {
                            join_text(text, &line.text);
                        } else {
                            text.push(' ');
                            text.push_str(&line.text);
                        }
                        continue;
                    }
                    b.close_heading();
                    b.heading = Some((line.text.clone(), line.clone(), line_no));
                    continue;
                }
                b.close_heading();
                let starts_new = match &b.paragraph {
                    None => true,
                    Some((_, prev)) => self.breaks(prev, line),
                };
                if starts_new {
                    b.flush();
                    b.paragraph = Some((Paragraph::new(line.text.clone(), line_no), line.clone()));
                } else if let Some((para, prev)) = b.paragraph.as_mut() {
                    join_text(&mut para.text, &line.text);
                    *prev = line.clone();
                }
            }
        }
        let (bylines, photo_captions) = (b.bylines, b.photo_captions);
        let mut doc = b.finish();
        for (count, kind, what) in [
            (
                table_rows,
                LeftOut::Table,
                "line(s) of tables of figures not read aloud (a listener cannot follow cells)",
            ),
            (
                bylines,
                LeftOut::TitleBlock,
                "byline(s) not read aloud (the first is the author)",
            ),
            (
                photo_captions,
                LeftOut::Caption,
                "photo caption(s) or credit(s) not read aloud",
            ),
            (
                code_lines,
                LeftOut::Code,
                "monospaced line(s) (code, shell sessions) not read aloud",
            ),
            (
                captions,
                LeftOut::Caption,
                "figure or table caption(s) not read aloud",
            ),
        ] {
            if count > 0 {
                doc.warnings
                    .push(Warning::left_out(1, kind, format!("{count} {what}")));
            }
        }
        doc
    }

    /// Whether `next` starts a new paragraph after `prev`.
    fn breaks(&self, prev: &Line, next: &Line) -> bool {
        let em = prev.size.max(1.0);
        if next
            .text
            .starts_with(['•', '●', '○', '■', '◆', '-', '*', '·'])
        {
            return true;
        }
        if next.page != prev.page {
            // on over a page break unless the sentence ended there
            return ends_sentence(&prev.text);
        }
        let step = next.top - prev.top;
        if step < 0.0 || step > self.spacing * em * 1.45 + 1.0 {
            return true;
        }
        if next.left > prev.left + em * 1.5 && ends_sentence(&prev.text) {
            return true;
        }
        // a short line that ends a sentence ends its paragraph
        ends_sentence(&prev.text) && prev.right < self.margins[prev.page - 1] - em * 2.0
    }
}

/// Sections as the page lines are read: the open section, the paragraph being joined and
/// a heading waiting to be told a section or a paragraph, and which outline entries are
/// taken.
/// An outline entry as headings are matched to it.
struct Entry {
    page: usize,
    /// The bookmark's title as written (`第一次使用LaTeX`), and its [`key`].
    title: String,
    key: String,
    used: bool,
    level: u8,
}

#[derive(Default)]
pub(super) struct Builder {
    doc: Document,
    current: Option<Section>,
    paragraph: Option<(Paragraph, Line)>,
    /// Heading text, its first line and that line's number.
    heading: Option<(String, Line, usize)>,
    /// The outline's entries, each marked once a heading has matched it.
    outline: Vec<Entry>,
    /// Newspaper bylines (`本报记者 周 馨`) and photo captions or credits left out.
    bylines: usize,
    photo_captions: usize,
}

impl Builder {
    /// Whether a line with this key says the open section's heading again, before any of
    /// its text.
    fn repeats_heading(&self, k: &str) -> bool {
        self.current.as_ref().is_some_and(|s| {
            s.paragraphs.is_empty() && s.title.as_deref().is_some_and(|t| key(t) == k)
        })
    }

    /// Ends the open paragraph.
    fn flush(&mut self) {
        if let Some((para, _)) = self.paragraph.take() {
            // a newspaper's byline or source line (`（本报记者 周 馨）`), or a photo's
            // caption with its credit: the author, or nothing a listener needs
            if let Some(bare) = byline_of(&para.text) {
                self.bylines += 1;
                if self.doc.author.is_none() {
                    self.doc.author = Some(bare.to_owned());
                }
                return;
            }
            if is_photo_caption_or_credit(&para.text) {
                self.photo_captions += 1;
                return;
            }
            // the heading said again right under it (a running header that names the
            // section, above or below the heading itself on its first page)
            if self.repeats_heading(&key(&para.text)) {
                return;
            }
            self.current
                .get_or_insert_with(|| Section::untitled(para.line))
                .paragraphs
                .push(para);
        }
    }

    /// Whether `next` goes on the pending heading to make an outline entry's title that the
    /// pending part alone is not (a long heading wrapped over two lines).
    fn wraps_into_entry(&self, next: &str) -> bool {
        let Some((text, _, _)) = &self.heading else {
            return false;
        };
        let (alone, joined) = (key(text), key(&format!("{text}{next}")));
        let unused = || {
            self.outline
                .iter()
                .filter(|e| !e.used)
                .map(|e| e.key.as_str())
        };
        !unused().any(|title| same_entry(&alone, title))
            && unused().any(|title| same_entry(&joined, title))
    }

    /// Ends a pending heading: a section when it is one (it matches the outline, or there
    /// is no outline), else a paragraph of its own.
    fn close_heading(&mut self) {
        let Some((text, first, line_no)) = self.heading.take() else {
            return;
        };
        let k = key(&text);
        // without bookmarks every heading counts as a chapter, named as printed; with them,
        // a heading that matches one is named as the outline names it (see `outline_name`)
        let mut named = Some((1, text.clone()));
        if !self.outline.is_empty() {
            named = self
                .outline
                .iter_mut()
                .find(|e| {
                    !e.used
                        && first.page.abs_diff(e.page) <= 1
                        && !e.key.is_empty()
                        && (k == e.key
                            || k.ends_with(e.key.as_str())
                            || e.key.ends_with(k.as_str())
                            || same_title(&k, &e.key))
                })
                .map(|entry| {
                    entry.used = true;
                    (entry.level, outline_name(&text, &k, entry))
                });
        }
        if let Some((level, name)) = named {
            if let Some(section) = self.current.take() {
                self.doc.sections.push(section);
            }
            if self.doc.title.is_none() && self.doc.sections.is_empty() && first.page <= 2 {
                self.doc.title = Some(text.clone());
            }
            self.current = Some(Section::headed(name, level, line_no));
        } else if !self.repeats_heading(&k) {
            // (the heading said again right under it is not read twice)
            self.current
                .get_or_insert_with(|| Section::untitled(line_no))
                .paragraphs
                .push(Paragraph::new(text, line_no));
        }
    }

    fn finish(mut self) -> Document {
        self.close_heading();
        self.flush();
        if let Some(section) = self.current.take() {
            self.doc.sections.push(section);
        }
        self.doc
            .sections
            .retain(|s| s.title.is_some() || !s.paragraphs.is_empty());
        self.doc
    }
}

pub(super) fn ends_sentence(text: &str) -> bool {
    text.trim_end()
        .trim_end_matches(['”', '’', '」', '』', '）', ')', '"'])
        .ends_with(['。', '！', '？', '!', '?', '.', '：', ':', '；'])
}

/// Joins a wrapped line: no space between CJK characters, one between Latin words, a
/// hyphen at the end before a lower-case letter removed.
pub(super) fn join_text(text: &mut String, next: &str) {
    let a = text.chars().last();
    let b = next.chars().next();
    match (a, b) {
        (Some('-'), Some(b)) if b.is_lowercase() => {
            text.pop();
        }
        (Some(a), Some(b)) if !is_wide(a) && !is_wide(b) && a != '-' => text.push(' '),
        _ => {}
    }
    text.push_str(next);
}

pub(super) fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Whether a heading's key is an outline entry's, one of them maybe without its section
/// number.
pub(super) fn same_entry(heading: &str, title: &str) -> bool {
    !title.is_empty()
        && (heading == title
            || heading.strip_suffix(title).is_some_and(section_number)
            || title.strip_suffix(heading).is_some_and(section_number))
}

/// A short line that may be the wrapped end of a contents entry (`不是其他发行版？`).
pub(super) fn continues_entry(line: &Line) -> bool {
    line.text.chars().count() <= 20 && !ends_sentence(&line.text)
}

/// What may stand before an outline entry's title on its heading line: nothing, or a
/// section number of two levels or more (`3.1.2`); `1.` is a list item's number.
pub(super) fn section_number(prefix: &str) -> bool {
    prefix.is_empty()
        || (prefix.chars().all(|c| c.is_ascii_digit() || c == '.')
            && prefix.trim_end_matches('.').contains('.'))
}

/// `Chapter 1`, `第 3 章`, `Part II`, `3.1`: a heading line whose title is on the next line.
pub(super) fn is_label(text: &str) -> bool {
    let t = text.trim();
    let lower = t.to_lowercase();
    let worded = ["chapter ", "part ", "appendix ", "附录"].iter().any(|w| {
        lower
            .strip_prefix(w)
            .is_some_and(|r| r.trim().chars().count() <= 4)
    });
    let chinese =
        t.starts_with('第') && t.ends_with(['章', '部', '篇', '卷']) && t.chars().count() <= 8;
    let number = !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.');
    worded || chinese || number
}

/// In the top eighth of a page.
fn at_top(page: &Page, line: &Line) -> bool {
    line.top < page.height / 8.0
}

/// In the bottom eighth of a page.
fn at_bottom(page: &Page, line: &Line) -> bool {
    line.top + line.height > page.height * 7.0 / 8.0
}

/// The lines (indices into the page's) of its first row (`top`) or last row, when that row
/// sits at the page's edge and holds a page number beside something else: a running header
/// or footer, whatever it names (`§2.4  断行和断页  15`: the section a page opens, which
/// recurs on no other page). Empty otherwise.
fn numbered_row(page: &Page, top: bool) -> Vec<usize> {
    let by_top = |a: &&Line, b: &&Line| a.top.total_cmp(&b.top);
    let edge_line = if top {
        page.lines.iter().min_by(by_top)
    } else {
        page.lines.iter().max_by(by_top)
    };
    let Some(edge_line) = edge_line.filter(|l| {
        if top {
            at_top(page, l)
        } else {
            at_bottom(page, l)
        }
    }) else {
        return Vec::new();
    };
    let row: Vec<usize> = (0..page.lines.len())
        .filter(|&k| (page.lines[k].top - edge_line.top).abs() <= edge_line.size * 0.5)
        .collect();
    let texts = || row.iter().map(|&k| page.lines[k].text.as_str());
    if row.len() >= 2 && texts().any(is_page_number) && texts().all(|t| t.chars().count() <= 40) {
        row
    } else {
        Vec::new()
    }
}

/// A newspaper headline's subtitle (副题): a smaller, unnumbered line centred right under
/// it; one heading with it. (`第一章` over `1.1 概述` are two: the second is numbered.)
fn is_subtitle(headline: &Line, next: &Line) -> bool {
    let centre = |l: &Line| (l.left + l.right) / 2.0;
    next.page == headline.page
        && next.size <= headline.size * 0.8
        && next.top - headline.top < headline.size * 2.5
        && (centre(next) - centre(headline)).abs() < next.size * 2.0
        && crate::ingest::outline::numbered_level(&next.text).is_none()
        && !crate::ingest::outline::is_heading_label(&next.text)
}

/// A newspaper page's running header: its date with the weekday or the page's number
/// (`2023年12月1日 星期五 要闻 第2版`); furniture even on a one-page PDF.
fn is_newspaper_header(text: &str) -> bool {
    crate::ingest::outline::is_date_line(text)
        && (text.contains("星期") || (text.contains('第') && text.contains('版')))
}

pub(super) fn is_caption(text: &str) -> bool {
    let t = text.trim();
    let rest = ["图", "表", "Figure ", "Table ", "Fig. "]
        .iter()
        .find_map(|p| t.strip_prefix(p));
    rest.is_some_and(|r| {
        let r = r.trim_start();
        r.chars().next().is_some_and(|c| c.is_ascii_digit())
            && t.chars().count() <= 60
            && !t.ends_with('。')
    })
}

/// A matched heading's name: the bookmark's title (`第一次使用LaTeX`, where the page prints
/// `LATEX` in small capitals), after the number or label the page prints before it and the
/// bookmark leaves out (`1.2 第一次使用LaTeX`, `Chapter 1 正确的起点`). Printed as it is when
/// the two differ in their labels (`第一章 简介` for the bookmark's `1 简介`).
fn outline_name(printed: &str, printed_key: &str, entry: &Entry) -> String {
    let Some(prefix) = printed_key.strip_suffix(entry.key.as_str()) else {
        return if entry.key.ends_with(printed_key) {
            entry.title.clone()
        } else {
            collapse_whitespace(printed)
        };
    };
    // the printed text up to as many non-space characters as the prefix's key has
    let wanted = prefix.chars().count();
    let mut seen = 0;
    let end = printed
        .char_indices()
        .find(|&(_, c)| {
            if seen == wanted {
                return true;
            }
            if !c.is_whitespace() {
                seen += 1;
            }
            false
        })
        .map_or(printed.len(), |(i, _)| i);
    let label = printed[..end].trim();
    if label.is_empty() {
        entry.title.clone()
    } else {
        format!("{label} {}", entry.title)
    }
}

/// Whether two keys name the same section once each loses its number or label (`第一章简介`
/// printed, `1简介` bookmarked; `第a部分关于faq` and `a关于faq`): two characters of title or
/// more must be left.
pub(super) fn same_title(heading: &str, entry: &str) -> bool {
    let (a, b) = (without_label(heading), without_label(entry));
    a == b && a.chars().count() >= 2 && (a.len() < heading.len() || b.len() < entry.len())
}

/// A key without the number or label it opens with: `第一章`, `第2节`, `第a部分`, `1.2`,
/// `a`/`a.1` (an appendix's letter, before a Chinese title), `chapter3`, `附录b`.
fn without_label(key: &str) -> &str {
    let numeral = |c: char| c.is_ascii_alphanumeric() || "一二三四五六七八九十百零〇两".contains(c);
    if let Some(rest) = key.strip_prefix('第') {
        let rest = rest.trim_start_matches(numeral);
        for unit in ["部分", "章", "节", "部", "篇", "卷", "讲", "课", "回"] {
            if let Some(title) = rest.strip_prefix(unit) {
                return title;
            }
        }
        return key;
    }
    for word in ["chapter", "appendix", "附录", "part"] {
        if let Some(rest) = key.strip_prefix(word)
            && rest.starts_with(|c: char| c.is_ascii_alphanumeric())
        {
            return rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '.');
        }
    }
    let digits = key.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    if digits.len() < key.len() {
        return digits;
    }
    // an appendix's letter: `a关于faq`, `g.1编号` (not `api参考`)
    let mut chars = key.chars();
    if chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.next().is_some_and(|c| c == '.' || !c.is_ascii())
    {
        return key[1..].trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    }
    key
}

/// A title as compared with the outline (whose entries may lack the section number the
/// heading has, so a match may be at the end): spaces taken out, lower case.
pub(super) fn key(title: &str) -> String {
    let t: String = title.chars().filter(|c| !c.is_whitespace()).collect();
    t.to_lowercase()
}
