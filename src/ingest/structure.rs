//! Decoded text → [`Document`]: join hard wraps, drop captions and bylines, find headings.
//!
//! Two layouts are told apart by measuring the lines, not by assuming a source:
//!
//! - **PDF columns** (a newspaper page): nearly every line is followed by a blank line and
//!   the lines are hard-wrapped at one column width. Blank lines then mean nothing; a line
//!   followed directly by another ("tight") is a heading; a paragraph ends at a line that
//!   ends a sentence unless both it and the next line fill the column (a paragraph's first
//!   line lost its indent, so it is shorter). Lines before the first run of body lines are
//!   the title block: the first is the title, bylines become the author. Lost digits are
//!   closed by [`repair::close_digit_gaps`].
//! - **Books**: blank lines and indents start paragraphs; wrapped lines (when most lines
//!   have one width) are joined unless a short line ends a sentence; otherwise each line is
//!   a paragraph. Headings are 第一章 / 第1回 / 第十二节 / 序言 / Chapter 3 / Markdown `#`,
//!   and centred short lines. Only the highest heading level present starts sections; a
//!   lower one (第一节 under 第一章) stays in the text as a paragraph of its own. 第…条 is an
//!   article of a law, not a heading.
//!
//! Joined lines get no space between CJK characters and one space between Latin words; a
//! hyphen at a line end before a lower-case letter is removed.

use super::headings::{BookOutline, book_headings, heading_level};
use super::outline;
use super::repair::{
    self, Line, Spliced, byline_of, ends_sentence, ends_with_punctuation, is_byline, is_space,
    is_wide,
};
use super::subheads;
use crate::text::{BlockKind, Document, LeftOut, Paragraph, Section, Warning};

/// Structures decoded text. Never fails: text that fits no pattern is one untitled section.
pub fn parse(text: &str) -> Document {
    let mut warnings = Vec::new();
    let lines = repair::clean_lines(text, &mut warnings);
    let layout = Layout {
        paged: text.matches('\u{c}').nth(1).is_some(),
        ..Layout::measure(&lines)
    };
    // a book's title is its running header too: a first line that comes back on its own
    // line page after page (and was dropped there as furniture) is the title
    let first_recurs = lines.first().is_some_and(|first| {
        let title = first.trimmed();
        text.lines()
            .filter(|l| l.trim_matches(|c: char| repair::is_space(c) || c == '\u{c}') == title)
            .count()
            >= 3
    });
    let mut doc = if layout.double_spaced && layout.wrapped {
        match parse_columns(&lines, &layout, &mut warnings) {
            Some(doc) => doc,
            None => parse_book(&lines, &layout, first_recurs, &mut warnings),
        }
    } else {
        parse_book(&lines, &layout, first_recurs, &mut warnings)
    };
    drop_excerpts(&mut doc, &mut warnings);
    warnings.sort_by_key(|w| w.line);
    doc.warnings = warnings;
    doc
}

/// A book's front matter may quote passages of the book (精彩片段, a blurb): a run of three
/// or more paragraphs before the first chapter, each opening with a sentence the book says
/// again later, is left out, so that the listener hears each passage once, in its place.
/// Only where the front matter is short beside the book (under 3%): text before a first
/// heading that extraction found late is the book itself, and may quote its own verses.
fn drop_excerpts(doc: &mut Document, warnings: &mut Vec<Warning>) {
    let Some(first_chapter) = doc
        .sections
        .iter()
        .position(|s| s.title.is_some() && s.level > 0)
    else {
        return;
    };
    let (front, body) = doc.sections.split_at_mut(first_chapter);
    let body_text: String = body
        .iter()
        .flat_map(|s| &s.paragraphs)
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let front_chars: usize = front
        .iter()
        .flat_map(|s| &s.paragraphs)
        .map(|p| p.text.chars().count())
        .sum();
    if front_chars * 100 > body_text.chars().count() * 3 {
        return;
    }
    let first_sentence = |text: &str| -> String {
        text.chars()
            .take_while(|&c| !matches!(c, '。' | '！' | '？' | '…'))
            .collect()
    };
    let mut excerpts = 0;
    for section in front {
        let again: Vec<bool> = section
            .paragraphs
            .iter()
            .map(|p| {
                let first = first_sentence(&p.text);
                first.chars().count() >= 10 && body_text.contains(first.as_str())
            })
            .collect();
        // runs of three or more
        let mut excerpt = vec![false; again.len()];
        let mut k = 0;
        while k < again.len() {
            let run = again[k..].iter().take_while(|&&a| a).count();
            if run >= 3 {
                excerpt[k..k + run].fill(true);
            }
            k += run.max(1);
        }
        for (p, &cut) in section.paragraphs.iter().zip(&excerpt) {
            if cut {
                excerpts += 1;
                if excerpts <= 5 {
                    warnings.push(Warning::left_out(
                        p.line,
                        LeftOut::FrontMatter,
                        format!(
                            "an excerpt the book gives again later not read here: «{}…»",
                            first_sentence(&p.text)
                        ),
                    ));
                }
            }
        }
        let mut cuts = excerpt.into_iter();
        section.paragraphs.retain(|_| !cuts.next().unwrap_or(false));
    }
    doc.sections
        .retain(|s| s.title.is_some() || !s.paragraphs.is_empty());
}

/// Line-width statistics of one input.
#[derive(Debug, Clone, Copy, Default)]
struct Layout {
    /// At least 80% of lines are followed by a blank line.
    double_spaced: bool,
    /// At least 60% of lines are within -15%/+10% of the column width.
    wrapped: bool,
    /// Column width: the 80th percentile of line widths, in half-width columns.
    column: usize,
    /// Median line width.
    median: usize,
    /// Pages are marked (form feeds, as `pdftotext` writes them): text of a printed
    /// document, whose outline goes no deeper than its printed contents.
    paged: bool,
}

impl Layout {
    fn measure(lines: &[Line]) -> Layout {
        let mut widths: Vec<usize> = lines
            .iter()
            .filter(|l| l.trimmed().chars().count() >= 4)
            .map(Line::width)
            .collect();
        if widths.len() < 5 {
            return Layout::default();
        }
        widths.sort_unstable();
        let column = widths[widths.len() * 8 / 10];
        let median = widths[widths.len() / 2];
        let near = widths
            .iter()
            .filter(|&&w| w * 100 >= column * 85 && w * 100 <= column * 110)
            .count();
        // lines cut in mid-sentence at the column: hard wraps, even when headings, lists
        // and code make most lines short
        let cut = lines
            .iter()
            .filter(|l| {
                let w = l.width();
                l.tight
                    && w * 100 >= column * 85
                    && w * 100 <= column * 110
                    && !ends_with_punctuation(l.trimmed())
            })
            .count();
        let loose = lines[..lines.len() - 1].iter().filter(|l| !l.tight).count();
        Layout {
            double_spaced: loose * 10 >= (lines.len() - 1) * 8,
            wrapped: near * 10 >= widths.len() * 6 || cut * 10 >= widths.len() * 3,
            column,
            median,
            paged: false,
        }
    }
}

/// Collects sections and paragraphs in reading order.
#[derive(Default)]
struct Builder {
    sections: Vec<Section>,
    para: Option<(Spliced, usize)>,
    /// Close lost-digit gaps in paragraphs (PDF columns only).
    repair_gaps: bool,
}

impl Builder {
    fn heading(&mut self, title: String, level: u8, line: usize, warnings: &mut Vec<Warning>) {
        self.flush(warnings);
        self.sections.push(Section::headed(title, level, line));
    }

    /// Starts a new paragraph with this line.
    fn start(&mut self, text: &str, line: usize, warnings: &mut Vec<Warning>) {
        self.flush(warnings);
        let mut s = Spliced::default();
        let text = if self.repair_gaps {
            text
        } else {
            text.trim_matches(is_space)
        };
        s.push_line(text, line);
        self.para = Some((s, line));
    }

    /// Joins this line to the open paragraph (or starts one).
    fn join(&mut self, text: &str, line: usize, warnings: &mut Vec<Warning>) {
        let keep_spaces = self.repair_gaps;
        let Some((para, _)) = self.para.as_mut() else {
            return self.start(text, line, warnings);
        };
        let next = if keep_spaces {
            text
        } else {
            let t = para.text.trim_end_matches(is_space).len();
            para.text.truncate(t);
            text.trim_matches(is_space)
        };
        let prev_text = para.text.trim_end_matches(is_space);
        let mut tail = prev_text.chars().rev();
        let (a, a2) = (tail.next(), tail.next());
        let b = next.trim_start_matches(is_space).chars().next();
        let latin = |c: char| c.is_alphanumeric() && !is_wide(c);
        match (a, b) {
            (Some('-'), Some(b)) if b.is_lowercase() && a2.is_some_and(|c| c.is_alphabetic()) => {
                let t = prev_text.len() - 1;
                para.text.truncate(t);
            }
            (Some(a), Some(b))
                if latin(a)
                    && latin(b)
                    && !para.text.ends_with(is_space)
                    && !next.starts_with(is_space) =>
            {
                para.text.push(' ');
            }
            _ => {}
        }
        para.push_line(next, line);
    }

    fn flush(&mut self, warnings: &mut Vec<Warning>) {
        let Some((para, line)) = self.para.take() else {
            return;
        };
        let text = if self.repair_gaps {
            repair::close_digit_gaps(&para, warnings)
        } else {
            para.text
        };
        let text = tidy(&text, !self.repair_gaps);
        if text.is_empty() {
            return;
        }
        if self.sections.is_empty() {
            self.sections.push(Section::untitled(line));
        }
        // a list's item as a text dump prints it (`• 第一项`, `□ 第二项`, `* 第三项`): the
        // bullet is not said
        let paragraph = match outline::after_bullet(&text) {
            Some(item) if !item.is_empty() => {
                Paragraph::of_kind(BlockKind::ListItem, item.to_owned(), line)
            }
            _ => Paragraph::new(text, line),
        };
        if let Some(section) = self.sections.last_mut() {
            section.paragraphs.push(paragraph);
        }
    }

    fn finish(mut self, warnings: &mut Vec<Warning>) -> Vec<Section> {
        self.flush(warnings);
        self.sections
            .retain(|s| s.title.is_some() || !s.paragraphs.is_empty());
        self.sections
    }
}

/// Whitespace inside a paragraph: runs become one space between Latin words and none next
/// to CJK, except that `keep_cjk_spaces` keeps one space where a book wrote one inside a
/// line (第一条 中华人民共和国…). Line joins never add a space next to CJK.
fn tidy(text: &str, keep_cjk_spaces: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text
        .trim_matches(|c: char| is_space(c) || c == '\n')
        .chars()
    {
        if is_space(c) || c == '\n' {
            pending_space = true;
            continue;
        }
        if pending_space {
            let prev_latin = out.chars().last().is_some_and(|p| !is_wide(p));
            if (prev_latin && !is_wide(c)) || keep_cjk_spaces {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Heading text: trimmed, each run of whitespace one space, Markdown `#` and
/// `html2text`'s stars removed.
fn heading_text(text: &str) -> String {
    let t = text.trim_matches(is_space);
    let t =
        outline::starred_heading(t).map_or_else(|| t.trim_start_matches('#'), |(_, inner)| inner);
    t.split(is_space)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The newspaper layout. `None` when no run of body lines is found.
fn parse_columns(lines: &[Line], layout: &Layout, warnings: &mut Vec<Warning>) -> Option<Document> {
    let col = layout.column;
    let body_like = |l: &Line| {
        let w = l.width();
        !l.tight && !is_byline(&l.text) && w * 10 >= col * 7 && w * 100 <= col * 115
    };
    let mut start =
        (0..lines.len().saturating_sub(2)).find(|&k| (k..k + 3).all(|i| body_like(&lines[i])))?;
    // a short line that ends like running text belongs to the body, not the title block
    while start > 0
        && ends_with_punctuation(lines[start - 1].trimmed())
        && !is_byline(&lines[start - 1].text)
    {
        start -= 1;
    }

    let mut doc = Document::default();
    let mut authors: Vec<String> = Vec::new();
    let mut b = Builder {
        repair_gaps: true,
        ..Builder::default()
    };
    for l in &lines[..start] {
        let t = heading_text(&l.text);
        if is_byline(&l.text) {
            authors.push(t);
        } else if doc.title.is_none() {
            doc.title = Some(t.clone());
            b.heading(t, 0, l.no, warnings);
        } else {
            warnings.push(Warning::left_out(
                l.no,
                LeftOut::TitleBlock,
                format!("title-block line not read aloud: «{t}»"),
            ));
        }
    }

    let mut prev: Option<&Line> = None;
    for l in &lines[start..] {
        if is_byline(&l.text) {
            authors.push(heading_text(&l.text));
            b.flush(warnings);
            prev = None;
            continue;
        }
        let t = l.trimmed();
        if l.tight
            && t.chars().count() >= 2
            && !ends_with_punctuation(t)
            && l.width() <= layout.median + 2
        {
            b.heading(heading_text(t), 1, l.no, warnings);
            prev = None;
            continue;
        }
        match prev {
            Some(p) if !paragraph_ends_in_column(p, l, layout) => b.join(&l.text, l.no, warnings),
            _ => b.start(&l.text, l.no, warnings),
        }
        prev = Some(l);
    }
    doc.sections = b.finish(warnings);
    authors.dedup();
    if !authors.is_empty() {
        doc.author = Some(authors.join("；"));
    }
    Some(doc)
}

/// In PDF columns a paragraph ends after a line that ends a sentence, unless that line and
/// the next both fill the column (then the sentence end fell on the line end by chance).
fn paragraph_ends_in_column(prev: &Line, next: &Line, layout: &Layout) -> bool {
    // A trailing " . " is a lost-digit gap, not a full stop.
    let mut t = prev.text.trim_end_matches(is_space);
    if let Some(rest) = t.strip_suffix('.')
        && rest.ends_with(is_space)
    {
        t = rest.trim_end_matches(is_space);
    }
    ends_sentence(t) && !(prev.width() >= layout.median && next.width() >= layout.median)
}

/// A line cut at the column inside a word, in text whose lines are not mostly wrapped
/// (`pdftotext`'s text of a manual, where code, lists and tables make most lines short):
/// it fills the column, ends in a letter, digit or ideograph, and is no row of cells or
/// contents entry. Its paragraph goes on on the next line (`…对保证运行实` /
/// `践稳定和持续是必要的。`). A line ending in punctuation may end a paragraph (a novel's
/// `…问道：` over the quoted line), and a break there is heard as a pause anyway.
fn runs_on(line: &Line, layout: &Layout) -> bool {
    let t = line.trimmed();
    let gap = t.contains("   ") || t.contains("\u{3000}\u{3000}") || t.contains(". . .");
    layout.column >= 40
        && line.width() * 100 >= layout.column * 85
        && t.chars().next_back().is_some_and(char::is_alphanumeric)
        && !gap
}

/// Opens with a list's bullet (a middle dot only with a space after it: a wrapped name,
/// `马丁` / `·路德·金`, is no list).
fn is_list_item(line: &Line) -> bool {
    let t = line.trimmed();
    outline::after_bullet(t).is_some()
        && t.strip_prefix('·')
            .is_none_or(|rest| rest.starts_with(is_space))
}

fn parse_book(
    lines: &[Line],
    layout: &Layout,
    first_recurs: bool,
    warnings: &mut Vec<Warning>,
) -> Document {
    let BookOutline {
        mut levels,
        mut takes_next,
        skipped,
        contents,
        index,
    } = book_headings(lines, layout.paged);
    subheads::newspaper_subheads(lines, layout.column, &mut levels, &mut takes_next);
    // no headings, or the book's parts alone (`上篇：大学`, `卷一`), its chapters unmarked
    let parts_only = levels.iter().zip(lines).all(|(level, l)| {
        level.is_none() || (heading_level(l) == Some(1) && !l.trimmed().starts_with('#'))
    });
    subheads::paragraph_headings(lines, &skipped, parts_only, &mut levels);
    subheads::spaced_headings(lines, &skipped, &mut levels);
    let blocks = contents
        .iter()
        .map(|b| (b, LeftOut::Contents, "table of contents not read aloud"))
        .chain(index.iter().map(|b| {
            let what = "index not read aloud, but for its title and letters";
            (b, LeftOut::Index, what)
        }));
    for (block, kind, what) in blocks {
        let (first, last) = (lines[block.start].no, lines[block.end - 1].no);
        warnings.push(Warning::left_out(
            first,
            kind,
            format!("{what} (lines {first}–{last})"),
        ));
    }
    let mut doc = Document::default();
    // a web page's title printed over its first heading, which says the same (w3m, pandoc
    // and lynx dumps of a DocBook chapter): the document's title, and the heading its first
    // section's
    let compact = |t: &str| t.chars().filter(|&c| !is_space(c)).collect::<String>();
    let said_twice = lines.len() >= 2
        && levels[0].is_some()
        && levels[1].is_some()
        && compact(lines[0].trimmed()) == compact(lines[1].trimmed());
    let title_line = lines.first().filter(|l| {
        let t = l.trimmed();
        let markdown_title =
            t.starts_with("# ") || outline::starred_heading(t).is_some_and(|(level, _)| level == 1);
        let shaped_like_a_title = t.chars().count() <= 40
            // (an edition's note in brackets may have a comma: `呼兰河传(全本…，1941年…)`)
            && !without_brackets(t).contains([
                '，', '。', '：', '；', '、', '！', '？', '…', ',', ':', ';', '!', '?',
            ])
            // a closing bracket may end a title: 常见问题（FAQ）
            && !ends_with_punctuation(t.trim_end_matches(['）', ')', '》', '」', '”']))
            && !is_byline(t)
            && !outline::is_date_line(t)
            && !outline::is_contents_title(t);
        let plain = levels[0].is_none()
            && (shaped_like_a_title || outline::title_and_author(t).is_some())
            && (first_recurs
                || lines.get(1).is_none_or(|n| {
                    n.blank_before > 0
                        || n.indented()
                        || levels[1].is_some()
                        || n.trimmed().starts_with("作者")
                        || is_byline(n.trimmed())
                }));
        // a headline over its byline, however it was found to be a heading (centred)
        let headline = shaped_like_a_title && lines.get(1).is_some_and(|n| is_byline(n.trimmed()));
        markdown_title || plain || headline || l.headline || said_twice
    });
    // the shapes' levels (卷 1, 章 2, 节 3; `1` 1, `1.1` 2) as ranks among those the book
    // uses: a book of 章 and 节 has chapters at level 1
    let mut used: Vec<u8> = levels.iter().flatten().copied().collect();
    used.sort_unstable();
    used.dedup();
    let rank =
        |level: u8| u8::try_from(used.partition_point(|&l| l < level) + 1).unwrap_or(u8::MAX);
    let mut b = Builder::default();
    let mut prev: Option<&Line> = None;
    let mut skip_next = false;
    let mut last_heading: Option<String> = None;
    for (i, l) in lines.iter().enumerate() {
        if std::mem::take(&mut skip_next) || skipped[i] {
            continue;
        }
        if i == 0
            && let Some(t) = title_line
        {
            let title = match outline::title_and_author(&t.text) {
                Some((title, author)) => {
                    doc.author = author;
                    title
                }
                None => heading_text(&t.text),
            };
            // `作者：…` on the line under the title
            if let Some(next) = lines.get(1)
                && let Some((_, Some(author))) =
                    outline::title_and_author(&format!("《{title}》{}", next.trimmed()))
                && next.trimmed().starts_with("作者")
            {
                doc.author = Some(author);
                skip_next = true;
            }
            // a newspaper's byline under its headline (`本报评论员`)
            if let Some(next) = lines.get(1)
                && is_byline(next.trimmed())
            {
                doc.author = Some(heading_text(next.trimmed()));
                skip_next = true;
            }
            doc.title = Some(title.clone());
            if !said_twice {
                b.heading(title, 0, t.no, warnings);
            }
            prev = None;
            continue;
        }
        // a byline or source line on its own (`本报记者 周 馨`, `（本报记者 周 馨）`): the
        // author, not text
        if levels[i].is_none()
            && let Some(bare) = byline_of(&l.text)
        {
            doc.author.get_or_insert_with(|| heading_text(bare));
            warnings.push(Warning::left_out(
                l.no,
                LeftOut::TitleBlock,
                format!("byline not read aloud: «{}»", l.trimmed()),
            ));
            prev = None;
            continue;
        }
        if let Some(level) = levels[i] {
            let mut title = heading_text(&l.text);
            if takes_next[i]
                && let Some(next) = lines.get(i + 1)
            {
                let rest = heading_text(&next.text);
                // a wrapped title joins without a space between CJK characters
                let cjk = title.chars().last().is_some_and(is_wide)
                    && rest.chars().next().is_some_and(is_wide)
                    && !outline::is_heading_label(&l.text);
                if !cjk {
                    title.push(' ');
                }
                title.push_str(&rest);
                skip_next = true;
            }
            // the heading of the section being read, again (a running header over the
            // chapter's heading, or on its second page when the first has none): the
            // section goes on
            if last_heading
                .as_deref()
                .is_some_and(|h| compact(h) == compact(&title))
            {
                continue;
            }
            last_heading = Some(title.clone());
            b.heading(title, rank(level), l.no, warnings);
            prev = None;
            continue;
        }
        let new_paragraph = match prev {
            None => true,
            Some(p) => {
                l.blank_before > 0
                    || l.indent() > p.indent()
                    || !(layout.wrapped || runs_on(p, layout))
                    // a list's items, and the text after its last one
                    || is_list_item(l)
                    || (is_list_item(p) && !runs_on(p, layout))
                    || (ends_sentence(&p.text) && p.width() + 4 < layout.column)
            }
        };
        // a dot leader and a page number are never said (a contents line, a change
        // history's `General: 修正错误。 . . . . 12`)
        let text = outline::without_dot_leader(&l.text);
        if new_paragraph {
            b.start(text, l.no, warnings);
        } else {
            b.join(text, l.no, warnings);
        }
        prev = Some(l);
    }
    doc.sections = b.finish(warnings);
    doc
}

#[cfg(test)]
#[path = "structure_ebook_tests.rs"]
mod ebook_tests;
#[cfg(test)]
#[path = "structure_tests.rs"]
pub(crate) mod tests;

/// `t` without its bracketed parts: `呼兰河传(全本，定稿版)(推荐)` → `呼兰河传`.
fn without_brackets(t: &str) -> String {
    let mut depth = 0usize;
    t.chars()
        .filter(|&c| match c {
            '(' | '（' => {
                depth += 1;
                false
            }
            ')' | '）' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .collect()
}
