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

use super::outline;
use super::repair::{
    self, Line, Spliced, byline_of, ends_sentence, ends_with_punctuation, is_byline, is_space,
    is_wide,
};
use crate::text::{Document, LeftOut, Paragraph, Section, Warning};

/// Structures decoded text. Never fails: text that fits no pattern is one untitled section.
pub fn parse(text: &str) -> Document {
    let mut warnings = Vec::new();
    let lines = repair::clean_lines(text, &mut warnings);
    let layout = Layout::measure(&lines);
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
        if let Some(section) = self.sections.last_mut() {
            section.paragraphs.push(Paragraph::new(text, line));
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

/// Heading text: trimmed, each run of whitespace one space, Markdown `#` removed.
fn heading_text(text: &str) -> String {
    let t = text.trim_matches(is_space).trim_start_matches('#');
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

/// Heading level of a line in a book: 1 卷/部/篇/Part, 2 章/回/Chapter/序言, 3 节/Section or a
/// centred short line; Markdown `#` counts its hashes.
fn heading_level(line: &Line) -> Option<u8> {
    let t = line.trimmed();
    let n = t.chars().count();
    if n == 0 || n > 50 || ends_sentence(t) || t.contains(['。', '，']) {
        return None;
    }
    let hashes = t.chars().take_while(|&c| c == '#').count();
    // Markdown only at the margin: an indented `#` is a comment in a code listing
    if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') && line.text.starts_with('#') {
        return u8::try_from(hashes).ok();
    }
    if let Some(rest) = t.strip_prefix('第') {
        let numeral = |c: char| {
            c.is_ascii_digit() || "０１２３４５６７８９一二三四五六七八九十百千零〇○两".contains(c)
        };
        // `第 1 章`: spaces around the number
        let rest = rest.trim_start_matches(is_space);
        let digits = rest.chars().take_while(|&c| numeral(c)).count();
        let unit = rest.chars().skip(digits).find(|&c| !is_space(c));
        if (1..=8).contains(&digits) {
            match unit {
                Some('卷' | '部' | '篇' | '集') => return Some(1),
                Some('章' | '回') => return Some(2),
                Some('节') => return Some(3),
                _ => {}
            }
        }
    }
    let lower = t.to_lowercase();
    for (word, level) in [("part ", 1), ("book ", 1), ("chapter ", 2), ("section ", 3)] {
        if let Some(rest) = lower.strip_prefix(word) {
            let token: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
            if !token.is_empty() && token.chars().count() <= 12 {
                return Some(level);
            }
        }
    }
    const NAMED: [&str; 21] = [
        "序言",
        "序",
        "前言",
        "引言",
        "楔子",
        "尾声",
        "后记",
        "跋",
        "附录",
        "自序",
        "代序",
        "序章",
        "终章",
        "引子", // a paper's or thesis's unnumbered parts
        "摘要",
        "绪论",
        "结语",
        "参考文献",
        "致谢",
        "Abstract",
        "ABSTRACT",
    ];
    let compact: String = t.chars().filter(|&c| !is_space(c)).collect();
    if NAMED.contains(&compact.as_str()) {
        return Some(2);
    }
    // `楔子 张天师祈禳瘟疫 洪太尉误走妖魔`: the name, a space and a title
    if let Some((name, title)) = t.split_once(is_space)
        && NAMED.contains(&name)
        && (1..=30).contains(&title.trim_matches(is_space).chars().count())
        && !ends_with_punctuation(t)
    {
        return Some(2);
    }
    None
}

/// Whether the `#` line `k` is a Markdown heading rather than a comment in a shell or
/// config listing (`pdftotext` prints those at the margin): a blank line before it, no
/// `#` line right next to it, and no code right under it.
fn markdown_heading(lines: &[Line], k: usize, after_heading: bool) -> bool {
    let hashes = |j: usize| {
        lines
            .get(j)
            .map_or(0, |l| l.trimmed().chars().take_while(|&c| c == '#').count())
    };
    // `# Book` over `## Chapter` is an outline; `# a` over `# b` a comment block
    let same_shape = |j: usize| hashes(j) == hashes(k);
    let next = lines.get(k + 1).filter(|n| n.blank_before == 0);
    let code_under = next.is_some_and(|n| {
        let t = n.trimmed();
        t.contains('=') || t.starts_with(['$', '/', '-'])
    });
    (k == 0 || lines[k].blank_before > 0 || after_heading)
        && !(k > 0 && lines[k].blank_before == 0 && same_shape(k - 1))
        && !(next.is_some() && same_shape(k + 1))
        && !code_under
}

/// Where `key` is among the few table-of-contents entries from `from` on.
fn listed_next(entries: &[String], from: usize, key: &str) -> Option<usize> {
    const AHEAD: usize = 8;
    let end = entries.len().min(from + AHEAD);
    (from..end).find(|&i| entries[i] == key)
}

/// Whether `next` continues `line` as the second half of a wrapped heading: directly under
/// it, at its margin, left of the body text.
fn wraps_onto(line: &Line, next: &Line, body_indent: usize) -> bool {
    next.blank_before == 0
        && indent(next) == indent(line)
        && body_indent > indent(line)
        && next.trimmed().chars().count() <= 40
}

/// A short line pushed to the middle with spaces: a heading when nothing else marks them.
fn is_centred(line: &Line) -> bool {
    let t = line.trimmed();
    let n = t.chars().count();
    let indent = super::repair::width(&line.text)
        - super::repair::width(line.text.trim_start_matches(is_space));
    let first = t.chars().next().unwrap_or(' ');
    indent >= 8
        && (1..=20).contains(&n)
        && !ends_with_punctuation(t)
        && first.is_alphanumeric()
        && !ends_sentence(t)
}

fn indent(line: &Line) -> usize {
    super::repair::width(&line.text) - super::repair::width(line.text.trim_start_matches(is_space))
}

/// What [`book_headings`] found: per line, its heading level, whether the heading takes
/// the next line as the rest of its title, and whether the line is not read at all.
struct BookOutline {
    levels: Vec<Option<u8>>,
    takes_next: Vec<bool>,
    skipped: Vec<bool>,
    contents: Vec<std::ops::Range<usize>>,
}

/// Headings of a book, line by line: named ones (第一章, Markdown, 序言) and numbered ones
/// (`1.1 概述`, `一、`, a `1.3` or `Chapter 1` label over its title) at any level, and
/// short lines that a table of contents lists; centred lines only when nothing else marks
/// headings. Tables of contents are found first and give no headings; a bare number on
/// a line of its own (a page or chapter number left by extraction) is not read.
fn book_headings(lines: &[Line]) -> BookOutline {
    // a heading the file marks is a chapter unless its own shape says otherwise
    let named: Vec<Option<u8>> = lines
        .iter()
        .map(|l| heading_level(l).or(l.marked_heading.then_some(2)))
        .collect();
    let heading_like: Vec<bool> = lines
        .iter()
        .zip(&named)
        .map(|(l, n)| {
            n.is_some()
                || outline::numbered_level(&l.text).is_some()
                || outline::is_heading_label(&l.text)
                || outline::has_leader(&l.text)
        })
        .collect();
    let rough_indent = {
        let mut indents: Vec<usize> = (0..lines.len())
            .filter(|&i| !heading_like[i] && lines[i].trimmed().chars().count() > 20)
            .map(|i| indent(&lines[i]))
            .collect();
        indents.sort_unstable();
        indents.get(indents.len() / 2).copied().unwrap_or(0)
    };
    // a numbered code listing is indented deeper than the text; contents entries are not
    let toc_like: Vec<bool> = (0..lines.len())
        .map(|i| heading_like[i] && (rough_indent == 0 || indent(&lines[i]) <= rough_indent))
        .collect();
    let (contents, entries) = outline::contents_blocks(lines, &toc_like);
    // a table of contents also says how deep the outline goes: `10.1.2.1 授权的人` under a
    // contents that lists three levels is a numbered paragraph, not a chapter
    let listed_depths: Vec<u8> = contents
        .iter()
        .flat_map(|b| b.clone())
        .filter_map(|k| {
            // `1.2.5   一组用户的权限（组） . . . . . 10`: the entry without its leader
            let t = outline::without_leader(lines[k].trimmed());
            outline::numbered_level(t).or_else(|| {
                outline::is_heading_label(t)
                    .then(|| t.trim_end_matches('.').split('.').count())
                    .filter(|_| t.starts_with(|c: char| c.is_ascii_digit()))
                    .and_then(|n| u8::try_from(n).ok())
            })
        })
        .collect();
    let deepest_listed = (listed_depths.len() >= 5)
        .then(|| listed_depths.iter().copied().max())
        .flatten();
    let too_deep = |level: usize| deepest_listed.is_some_and(|d| level > usize::from(d));
    let mut skipped = vec![false; lines.len()];
    for block in &contents {
        for k in block.clone() {
            skipped[k] = true;
        }
    }
    let mut body_indents: Vec<usize> = (0..lines.len())
        .filter(|&i| !heading_like[i] && !skipped[i] && lines[i].trimmed().chars().count() > 20)
        .map(|i| indent(&lines[i]))
        .collect();
    body_indents.sort_unstable();
    let body_indent = body_indents
        .get(body_indents.len() / 2)
        .copied()
        .unwrap_or(0);
    let mut levels = vec![None; lines.len()];
    let mut takes_next = vec![false; lines.len()];
    let short_title = |l: &Line| {
        let t = l.trimmed();
        (1..=40).contains(&t.chars().count()) && !ends_with_punctuation(t)
    };
    let numbered_parts = numeral_headings(lines, &skipped);
    let mut next_entry = 0;
    let mut k = 0;
    while k < lines.len() {
        if skipped[k] {
            k += 1;
            continue;
        }
        if numbered_parts[k] {
            levels[k] = Some(NUMERAL_PART_LEVEL);
            k += 1;
            continue;
        }
        let l = &lines[k];
        let t = l.trimmed();
        let next = lines.get(k + 1);
        let outdented = body_indent == 0 || indent(l) < body_indent;
        let spaced = k == 0 || l.blank_before > 0 || levels[k - 1].is_some();
        if outline::is_bare_number(t)
            && next.is_none_or(|n| n.blank_before > 0)
            && l.blank_before > 0
        {
            skipped[k] = true;
        } else if outline::is_heading_label(t)
            && let Some(next) = next
            && short_title(next)
            // `第一章` over `一`, its first numbered part
            && !numbered_parts[k + 1]
            // a title has words (`0.173` over `0.208` are cells of a table of figures)
            && next.trimmed().chars().any(char::is_alphabetic)
            // the next line is the label's title, even a heading's name (`第一章` over
            // `引言`), unless it is a heading with its own number or label
            && (heading_level(next).is_none()
                || !(next.trimmed().starts_with(['第', '#'])
                    || outline::numbered_level(next.trimmed()).is_some()
                    || outline::is_heading_label(next.trimmed())))
            && !(t.starts_with(|c: char| c.is_ascii_digit())
                && too_deep(t.trim_end_matches('.').split('.').count()))
        {
            let level = if t.starts_with(|c: char| c.is_ascii_digit()) {
                t.trim_end_matches('.').split('.').count()
            } else {
                1
            };
            levels[k] = Some(u8::try_from(level.min(6)).unwrap_or(6));
            takes_next[k] = true;
            k += 2;
            continue;
        } else if let Some(level) = named[k]
            && (!t.starts_with('#') || markdown_heading(lines, k, k > 0 && levels[k - 1].is_some()))
        {
            levels[k] = Some(level);
        } else if let Some(level) = outline::numbered_level(t)
            && !too_deep(usize::from(level))
            && outdented
            // `1. 打开终端` in a list has no blank line before; `7.1.2 确认` may
            && (spaced || level >= 2)
        {
            levels[k] = Some(level);
            // a long heading wrapped onto a second line at the same margin
            takes_next[k] =
                next.is_some_and(|n| !heading_like[k + 1] && wraps_onto(l, n, body_indent));
            if takes_next[k] {
                k += 2;
                continue;
            }
        } else if let Some(next) = next
            && outdented
            && spaced
            && wraps_onto(l, next, body_indent)
            && let Some(level) = outline::numbered_level(&format!("{t}{}", next.trimmed()))
            && outline::numbered_level(next.trimmed()).is_none()
        {
            // a question wrapped before its question mark: `3.1.1. 你让我…不能被检测到/`
            // over `不工作。我该怎么办？`
            levels[k] = Some(level);
            takes_next[k] = true;
            k += 2;
            continue;
        } else if short_title(l)
            // a bulleted line is a list's item (`• 附件 2 ——客户的责任` listing the annexes)
            && !t.starts_with(['•', '·', '▪', '◆', '●', '-', '*'])
            && let Some(at) = listed_next(&entries, next_entry, &outline::title_key(t))
        {
            // the next entries of the table of contents: a heading whatever its shape
            levels[k] = Some(outline::numbered_level(t).unwrap_or(1));
            next_entry = at + 1;
            k += 1;
            continue;
        }
        // the contents are followed in order, so that a table cell or a list item that
        // happens to say what a later entry says is not taken for it (a heading the
        // contents gave has moved on already: `跋涉`, listed again further on, is not
        // looked for twice)
        if levels[k].is_some()
            && let Some(at) = listed_next(&entries, next_entry, &outline::title_key(t))
        {
            next_entry = at + 1;
        }
        k += 1;
    }
    if levels.iter().all(Option::is_none) {
        for (k, l) in lines.iter().enumerate() {
            if !skipped[k] && is_centred(l) {
                levels[k] = Some(3);
            }
        }
    }
    BookOutline {
        levels,
        takes_next,
        skipped,
        contents,
    }
}

/// Below a chapter (第一章, level 2): the parts a novel numbers `一`, `二`, `三` on lines of
/// their own.
const NUMERAL_PART_LEVEL: u8 = 3;

/// Lines that are only a Chinese numeral (`二`, `十三`), a blank line before and after,
/// counting up one by one (starting again at `一`): the numbered parts of a chapter, as
/// 呼兰河传 and many novels mark them. Three or more of them, reaching at least `三`, so
/// that a stray `一` is not one.
fn numeral_headings(lines: &[Line], skipped: &[bool]) -> Vec<bool> {
    let mut parts = vec![false; lines.len()];
    let alone = |k: usize| {
        (k == 0 || lines[k].blank_before > 0) && lines.get(k + 1).is_none_or(|n| n.blank_before > 0)
    };
    let mut counted: Vec<usize> = Vec::new();
    let (mut last, mut highest) = (0, 0);
    for k in 0..lines.len() {
        if skipped[k] || !alone(k) {
            continue;
        }
        let Some(n) = outline::small_chinese_numeral(lines[k].trimmed()) else {
            continue;
        };
        if n == 1 || n == last + 1 {
            counted.push(k);
            last = n;
            highest = highest.max(n);
        }
    }
    if counted.len() >= 3 && highest >= 3 {
        for k in counted {
            parts[k] = true;
        }
    }
    parts
}

/// The book layout.
/// In a newspaper's extracted text (it has a byline), the subheads and a later article's
/// headline, which nothing but their shape marks: a line with no punctuation after a blank
/// line, shorter than the column (`牢记殷殷嘱托`), or a full one over a short one (headline
/// and subtitle). Other texts' short lines (a signature, a verse) are left alone.
fn newspaper_subheads(
    lines: &[Line],
    layout: &Layout,
    levels: &mut [Option<u8>],
    takes_next: &mut [bool],
) {
    if !lines.iter().any(|l| byline_of(&l.text).is_some()) {
        return;
    }
    let plain = |l: &Line| {
        let t = l.trimmed();
        (2..=32).contains(&t.chars().count())
            && !t
                .chars()
                .any(|c| "，。、；：！？…“”‘’「」『』《》（）,.;:!?\"'".contains(c))
            && !is_byline(t)
            && !outline::is_date_line(t)
            && !t.chars().all(|c| c.is_ascii_digit() || is_space(c))
    };
    let short = |l: &Line| l.width() * 10 <= layout.column * 8;
    for i in 1..lines.len() {
        let l = &lines[i];
        // after a blank line, or after a sentence's end (the blank lines around a page's
        // dropped header do not count)
        let starts_block = l.blank_before > 0 || ends_sentence(lines[i - 1].trimmed());
        if levels[i].is_some() || takes_next[i - 1] || !starts_block || !plain(l) {
            continue;
        }
        if short(l) {
            levels[i] = Some(2);
        } else if let Some(next) = lines.get(i + 1)
            && next.blank_before == 0
            && plain(next)
            && short(next)
        {
            levels[i] = Some(2);
            takes_next[i] = true;
        }
    }
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
    } = book_headings(lines);
    newspaper_subheads(lines, layout, &mut levels, &mut takes_next);
    for block in &contents {
        warnings.push(Warning::left_out(
            lines[block.start].no,
            LeftOut::Contents,
            format!(
                "table of contents not read aloud (lines {}–{})",
                lines[block.start].no,
                lines[block.end - 1].no
            ),
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
        let markdown_title = t.starts_with("# ");
        let shaped_like_a_title = t.chars().count() <= 40
            && !t.contains([
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
        markdown_title || plain || l.headline || said_twice
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
                    || indent(l) > indent(p)
                    || !layout.wrapped
                    || (ends_sentence(&p.text) && p.width() + 4 < layout.column)
            }
        };
        if new_paragraph {
            b.start(&l.text, l.no, warnings);
        } else {
            b.join(&l.text, l.no, warnings);
        }
        prev = Some(l);
    }
    doc.sections = b.finish(warnings);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An e-book's contents as pandoc prints it: titles under 目录, one a line, no page
    /// numbers, some titles the same (`跋涉` in three stories): contents, not a table.
    #[test]
    fn contents_without_page_numbers_give_the_headings() {
        let stories = [
            "爱因斯坦赤道",
            "跋涉",
            "真空衰变",
            "跋涉",
            "山在那儿",
            "跋涉",
            "星空",
        ];
        let mut text = String::from("目录\n\n");
        for t in &stories {
            text += &format!("{t}\n\n");
        }
        // paragraphs of all lengths, as a book has them
        for (k, t) in stories.iter().enumerate() {
            let long =
                "在绿色草带的尽头，朝阳已升出了一半，它的光芒照花了人们的眼睛。".repeat(k + 1);
            text += &format!("{t}\n\n“有一句话我早就想对你们说了。”\n\n{long}\n\n好。\n\n");
        }
        let doc = parse(&text);
        let titles: Vec<&str> = doc
            .sections
            .iter()
            .filter_map(|s| s.title.as_deref())
            .collect();
        assert_eq!(titles, stories, "{:?}", doc.warnings);
    }

    #[test]
    fn excerpts_in_the_front_matter_are_read_once_in_their_place() {
        let passages = [
            "看那马要站起来了，他们就喝彩。",
            "晚饭一过，火烧云就上来了。",
            "祖父到鸡架那里去放鸡，我也跟在后边。",
        ];
        let filler = "　　严冬一封锁了大地的时候，则大地满地裂着口。从南到北，从东到西，几尺长的，\
                      一丈长的，还有好几丈长的，它们毫无方向地，便随时随地。\n"
            .repeat(40);
        let mut text = String::from("呼兰河传\n\n");
        for p in passages {
            text += &format!("{p}\n\n");
        }
        text += "第一章\n\n";
        text += &filler;
        for p in passages {
            text += &format!("　　{p}后来的事情就不提了。\n");
        }
        let doc = parse(&text);
        let said: Vec<&str> = doc
            .sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .map(|p| p.text.as_str())
            .collect();
        for p in passages {
            let first = p.trim_end_matches('。');
            assert_eq!(said.iter().filter(|t| t.contains(first)).count(), 1, "{p}");
        }
        // two repeated lines (a verse the book quotes again) are no list of excerpts
        let mut text = String::from(
            "金瓶梅\n\n二八佳人体似酥，腰间仗剑斩愚夫。\n\n虽然不见人头落，暗里教君骨髓枯。\n\n第一回\n\n",
        );
        text += &filler;
        text += "　　二八佳人体似酥，腰间仗剑斩愚夫。\n　　虽然不见人头落，暗里教君骨髓枯。\n";
        let doc = parse(&text);
        let verses = doc
            .sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .filter(|p| p.text.contains("二八佳人"))
            .count();
        assert_eq!(verses, 2);
    }

    /// A Word thesis as `pdftotext` gives it (the shape of one from MinerU's test files):
    /// the chapter's name as each page's running header, the chapter heading split into
    /// its label and name, a regression table printed one cell per line right before a
    /// numbered heading.
    #[test]
    fn a_thesis_chapter_header_label_and_table_of_figures() {
        let body = "中小企业在推动技术创新、扩大就业规模和促进社会财富积累等方面发挥着作用。\n";
        let mut text = String::new();
        text.push_str("\u{c}第一章 引言\n\n第一章\n\n引言\n\n1.1 研究背景\n");
        text.push_str(&body.repeat(3));
        text.push_str("\u{c}第一章 引言\n\n");
        text.push_str(&body.repeat(3));
        // a table of figures, one cell per line
        for cell in [
            "0.173", "", "0.208", "", "Constant", "", "YES", "", "YES", "", "0.385", "", "YES", "",
            "0.173", "", "YES", "",
        ] {
            text.push_str(cell);
            text.push('\n');
        }
        text.push_str("1.2 研究意义\n");
        text.push_str(&body.repeat(3));
        text.push_str("\u{c}第一章 引言\n\n");
        text.push_str(&body.repeat(2));
        // a long second chapter: its header recurs on more pages than the first's
        text.push_str("\u{c}第二章 方法\n\n第二章\n\n方法\n\n");
        for _ in 0..8 {
            text.push_str(&body.repeat(3));
            text.push_str("\u{c}第二章 方法\n\n");
        }
        text.push_str(&body.repeat(2));
        // the references: their heading heads the first page and is each later page's
        // header, over the page number of the page before
        for page in 0..3 {
            text.push_str(&format!("{}\n\n\u{c}参考文献\n", 54 + page));
            text.push_str(&"[1] 陈三毛,钱晓萍.2014.中国各省金融包容性指数及其测算[J].\n".repeat(6));
        }
        let doc = parse(&text);
        let titles: Vec<_> = doc
            .sections
            .iter()
            .filter_map(|s| s.title.as_deref())
            .collect();
        assert_eq!(
            titles,
            [
                "第一章 引言",
                "1.1 研究背景",
                "1.2 研究意义",
                "第二章 方法",
                "参考文献"
            ],
            "{:?}",
            doc.sections
        );
        for p in doc.sections.iter().flat_map(|s| &s.paragraphs) {
            assert!(
                !p.text.contains("0.173") && !p.text.contains("引言") && !p.text.contains("方法"),
                "{}",
                p.text
            );
        }
    }

    /// A newspaper page as `pdftotext` gives it (the LibreOffice newspaper of the scored
    /// documents): the running header split over three lines (one digit lost on page 2),
    /// the headline over its byline, a photo caption, a source line at the end.
    #[test]
    fn a_newspaper_header_and_bylines_in_extracted_text_are_not_read() {
        let text = include_str!(
            "../../tests/fixtures/documents/newspaper-lo-pdftotext/seed-newspaper.pdftotext.txt"
        );
        let doc = parse(text);
        assert_eq!(
            doc.title.as_deref(),
            Some("推动一体化向更深层次更宽领域拓展")
        );
        assert_eq!(doc.author.as_deref(), Some("本报评论员"));
        for p in doc.sections.iter().flat_map(|s| &s.paragraphs) {
            for never in ["星期五", "要闻", "本报评论员", "本报记者", "图为"] {
                assert!(!p.text.contains(never), "[{}] {}", p.line, p.text);
            }
        }
        assert!(
            doc.sections[0].paragraphs[0]
                .text
                .starts_with("习近平总书记在上海主持召开")
        );
        // subheads and the second headline over its subtitle, marked by nothing but their
        // shape (pdftotext put the columns' blocks out of order)
        let mut titles: Vec<String> = doc
            .sections
            .iter()
            .filter_map(|s| s.title.clone())
            .collect();
        titles.sort();
        assert_eq!(
            titles,
            [
                "习近平总书记重要讲话持续引发干部群众热烈反响共筑标杆 共谋创新 共享服务",
                "共享便利服务",
                "共建创新体系",
                "共筑示范标杆",
                "推动一体化向更深层次更宽领域拓展",
                "牢记殷殷嘱托"
            ]
        );
        // a diary's date over its weather is text: no 版 there
        let diary = parse("2023年1月1日 星期日\n晴\n\n今天去了公园，人很多。\n");
        let said: String = diary
            .sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .map(|p| p.text.clone())
            .collect();
        assert!(
            said.contains('晴')
                || diary
                    .sections
                    .iter()
                    .any(|s| s.title.as_deref().is_some_and(|t| t.contains("星期日"))),
            "{diary:?}"
        );
    }

    const SEED: &str = include_str!("../../tests/fixtures/seed-newspaper-pdf.txt");

    fn titles(doc: &Document) -> Vec<&str> {
        doc.sections
            .iter()
            .map(|s| s.title.as_deref().unwrap_or("<none>"))
            .collect()
    }

    fn body(doc: &Document) -> impl Iterator<Item = &Paragraph> {
        doc.sections.iter().flat_map(|s| s.paragraphs.iter())
    }

    #[test]
    fn seed_gives_the_five_sections_in_order() {
        let doc = parse(SEED);
        assert_eq!(
            titles(&doc),
            [
                "推动一体化向更深层次更宽领域拓展",
                "牢记殷殷嘱托",
                "共筑示范标杆",
                "共建创新体系",
                "共享便利服务"
            ]
        );
        assert_eq!(
            doc.title.as_deref(),
            Some("推动一体化向更深层次更宽领域拓展")
        );
    }

    /// The structure as text, for assertion messages.
    fn outline(doc: &Document) -> String {
        let mut out = String::new();
        for s in &doc.sections {
            out += &format!("## {:?} @{}\n", s.title, s.line);
            for p in &s.paragraphs {
                out += &format!("  [{}] {}\n", p.line, p.text);
            }
        }
        for w in &doc.warnings {
            out += &format!("W {w}\n");
        }
        out
    }

    fn section<'a>(doc: &'a Document, title: &str) -> &'a Section {
        doc.sections
            .iter()
            .find(|s| s.title.as_deref() == Some(title))
            .unwrap_or_else(|| panic!("no section {title}:\n{}", outline(doc)))
    }

    #[test]
    fn seed_first_section_starts_after_the_lost_date_with_a_warning() {
        let doc = parse(SEED);
        let first = &doc.sections[0].paragraphs[0];
        assert!(
            first
                .text
                .starts_with("习近平总书记在上海主持召开深入推进长三角一体化发展座谈会"),
            "{}",
            outline(&doc)
        );
        assert_eq!(first.line, 29);
        assert!(
            doc.warnings
                .iter()
                .any(|w| w.line == 29 && w.message.contains("月□日")),
            "{:?}",
            doc.warnings
        );
    }

    #[test]
    fn seed_subsections_start_and_end_where_the_article_does() {
        let doc = parse(SEED);
        let first = &section(&doc, "牢记殷殷嘱托").paragraphs[0];
        assert!(
            first.text.starts_with("杨浦区委书记薛侃表示"),
            "{}",
            first.text
        );
        let last = section(&doc, "共享便利服务");
        let ending = "为深入推进长三角一体化发展贡献自己的力量。”";
        assert!(
            last.paragraphs.iter().any(|p| p.text.contains(ending)),
            "{}",
            outline(&doc)
        );
        // The section runs on to the article's last sentence, before the byline.
        assert!(
            last.paragraphs[last.paragraphs.len() - 1]
                .text
                .ends_with("更有利于开展各项工作。”")
        );
    }

    #[test]
    fn seed_bylines_become_the_author_and_never_body_text() {
        let doc = parse(SEED);
        let author = doc.author.as_deref().unwrap_or_default();
        assert!(author.contains("本报评论员"), "{author}");
        assert!(author.contains("孙云 毛丽君 解敏 吕倩雯"), "{author}");
        for p in body(&doc) {
            for byline in ["本报评论员", "本报记者", "孙云", "吕倩雯"] {
                assert!(!p.text.contains(byline), "[{}] {}", p.line, p.text);
            }
        }
    }

    #[test]
    fn seed_body_has_no_caption_ornament_kicker_or_gap_residue() {
        let doc = parse(SEED);
        for p in body(&doc) {
            let t = &p.text;
            for bad in [
                "周馨",
                "馨摄",
                "﹃",
                "﹄",
                "一网通办﹄",
                "■",
                "  ",
                " ",
                ".",
                "全国倍",
                "全国.倍",
                "热烈反响",
                "共谋创新",
            ] {
                assert!(!t.contains(bad), "{bad:?} in [{}] {t}", p.line);
            }
            // The caption read downwards as its own paragraph would be 长三角一网通办.
            assert!(!t.starts_with("长三角一网通办"), "[{}] {t}", p.line);
        }
    }

    #[test]
    fn seed_warns_once_for_every_lost_digit_gap_with_its_line() {
        let doc = parse(SEED);
        let mut gap_lines: Vec<usize> = doc
            .warnings
            .iter()
            .filter(|w| w.message.starts_with("digits lost"))
            .map(|w| w.line)
            .collect();
        gap_lines.sort_unstable();
        // Counted by hand in the fixture: one per run of spaces left by missing digits.
        assert_eq!(
            gap_lines,
            [29, 29, 33, 33, 33, 69, 71, 73, 77, 77, 81, 83, 83, 93, 107]
        );
    }

    #[test]
    fn seed_damaged_sentences_stay_readable() {
        let doc = parse(SEED);
        let texts: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
        assert!(
            texts.contains(
                &"基础设施和公共服务的“硬联通”，让长三角三省一市之间的人员流动更为便捷。"
            )
        );
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("此外，已实现异地就医门诊费用直接结算"))
        );
        assert!(
            texts
                .iter()
                .any(|t| t.contains("发表重要讲话。这是继在合肥主持召开"))
        );
        // Wrapped lines are joined with no space between CJK characters.
        assert!(texts.iter().any(|t| t.contains("统筹龙头带动和各扬所长")));
    }

    #[test]
    fn seed_paragraphs_break_where_the_newspaper_breaks_them() {
        let doc = parse(SEED);
        let starts: Vec<usize> = section(&doc, "牢记殷殷嘱托")
            .paragraphs
            .iter()
            .map(|p| p.line)
            .collect();
        assert_eq!(starts, [196, 206, 226, 240]);
        let starts: Vec<usize> = doc.sections[0].paragraphs.iter().map(|p| p.line).collect();
        assert_eq!(
            starts,
            [
                29, 43, 61, 67, 75, 83, 91, 97, 107, 117, 139, 145, 161, 169, 173
            ]
        );
    }

    #[test]
    fn seed_in_gb18030_and_utf16_gives_the_same_document() {
        let utf8 = parse(SEED);
        let (gb, _, _) = encoding_rs::GB18030.encode(SEED);
        let from_gb = parse(&crate::ingest::decode::decode(&gb).unwrap().text);
        assert_eq!(from_gb, utf8);
        let mut utf16 = vec![0xff, 0xfe];
        utf16.extend(SEED.encode_utf16().flat_map(u16::to_le_bytes));
        let from_utf16 = parse(&crate::ingest::decode::decode(&utf16).unwrap().text);
        assert_eq!(from_utf16, utf8);
    }

    #[test]
    fn crlf_input_gives_the_same_structure_as_lf() {
        assert_eq!(parse(&SEED.replace('\n', "\r\n")), parse(SEED));
    }

    const AQ: &str = include_str!("../../tests/fixtures/ingest/luxun_a_q_zhengzhuan.txt");
    const SANGUO: &str = include_str!("../../tests/fixtures/ingest/sanguo_yanyi_hui01-08.txt");
    const HONGLOU: &str = include_str!("../../tests/fixtures/ingest/pdf_hongloumeng_hui01-05.txt");
    const CONSTITUTION: &str =
        include_str!("../../tests/fixtures/ingest/constitution_prc_2018.txt");

    #[test]
    fn a_q_zhengzhuan_has_nine_chapters_from_crlf_text() {
        assert!(AQ.contains("\r\n"), "the fixture is the CRLF original");
        let doc = parse(AQ);
        let t = titles(&doc);
        assert_eq!(t.len(), 9, "{t:?}");
        assert_eq!(t[0], "第一章 序");
        assert_eq!(t[1], "第二章 优胜记略");
        assert_eq!(t[8], "第九章大团圆");
        assert_eq!(doc.title, None);
        // One line is one paragraph here; the indent is not kept.
        let first = &doc.sections[0].paragraphs[0];
        assert_eq!(first.line, 2);
        assert!(first.text.starts_with("我要给阿Q做正传"), "{}", first.text);
        assert!(body(&doc).all(|p| !p.text.contains('\r')));
    }

    #[test]
    fn sanguo_has_eight_hui_and_joins_words_split_by_hard_wraps() {
        let doc = parse(SANGUO);
        let t = titles(&doc);
        assert_eq!(t.len(), 8, "{t:?}");
        assert_eq!(t[0], "第一回 宴桃园豪杰三结义 斩黄巾英雄首立功");
        assert_eq!(t[7], "第八回 王司徒巧使连环计 董太师大闹凤仪亭");
        let texts: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
        // "楚、汉\n分争" and "机事不\n密" are wrapped inside words in the file.
        let p = texts
            .iter()
            .find(|t| t.starts_with("话说天下大势"))
            .unwrap_or_else(|| panic!("{}", outline(&doc)));
        assert!(p.contains("楚、汉分争，又并入于汉。"), "{p}");
        assert!(
            p.ends_with("窦武、陈蕃谋诛之，机事不密，反为所害，中涓自此愈横。"),
            "{p}"
        );
        // Blank lines separate paragraphs: the next one starts on its own.
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("建宁二年四月望日，帝御温德殿。"))
        );
    }

    #[test]
    fn hongloumeng_drops_page_markers_and_joins_across_them() {
        let doc = parse(HONGLOU);
        let hui: Vec<&str> = titles(&doc)
            .into_iter()
            .filter(|t| t.starts_with('第'))
            .collect();
        assert_eq!(
            hui,
            [
                "第一回 甄士隐梦幻识通灵 贾雨村风尘怀闺秀",
                "第二回 贾夫人仙逝扬州城 冷子兴演说荣国府",
                "第三回 托内兄如海荐西宾 接外孙贾母惜孤女",
                "第四回 薄命女偏逢薄命郎 葫芦僧判断葫芦案",
                "第五回 贾宝玉神游太虚境 警幻仙曲演红楼梦",
            ]
        );
        for p in body(&doc) {
            assert!(!p.text.contains("Page"), "[{}] {}", p.line, p.text);
            assert!(!p.text.contains("-----"), "[{}] {}", p.line, p.text);
            // the download site's banner and copyright notice at the top
            assert!(
                !p.text.contains("本站") && !p.text.contains("删除"),
                "[{}] {}",
                p.line,
                p.text
            );
        }
        assert_eq!(titles(&doc)[0], "第一回 甄士隐梦幻识通灵 贾雨村风尘怀闺秀");
        // Page 1 ends "虽不敢说强似", page 2 goes on "前代书中所有之人": one paragraph.
        assert!(
            body(&doc).any(|p| p.text.contains("虽不敢说强似前代书中所有之人")),
            "{}",
            outline(&doc)
        );
    }

    #[test]
    fn constitution_chapters_are_sections_and_articles_are_not() {
        let doc = parse(CONSTITUTION);
        assert_eq!(doc.title.as_deref(), Some("中华人民共和国宪法"));
        assert_eq!(
            titles(&doc),
            [
                "中华人民共和国宪法",
                "序言",
                "第一章 总纲",
                "第二章 公民的基本权利和义务",
                "第三章 国家机构",
                "第一节 全国人民代表大会",
                "第二节 中华人民共和国主席",
                "第三节 国务院",
                "第四节 中央军事委员会",
                "第五节 地方各级人民代表大会和地方各级人民政府",
                "第六节 民族自治地方的自治机关",
                "第七节 监察委员会",
                "第八节 人民法院和人民检察院",
                "第四章 国旗、国歌、国徽、首都",
            ]
        );
        // every level of the law's own outline is a section (as h1–h6 are in HTML); its
        // articles (第…条) are not
        let chapter3 = section(&doc, "第三章 国家机构");
        assert!(chapter3.paragraphs.is_empty());
        let first = section(&doc, "第一节 全国人民代表大会");
        assert!(first.paragraphs[0].text.starts_with("第五十七条 "));
        // Each blank-separated line is a paragraph: not hard-wrapped, so nothing is joined.
        let preface = section(&doc, "序言");
        assert_eq!(
            preface.paragraphs[2].text,
            "二十世纪，中国发生了翻天覆地的伟大历史变革。"
        );
    }

    #[test]
    fn chapter_headings_of_every_kind_start_sections() {
        let text = "第1回 开篇\n正文一。\n第十二回\n正文二。\nChapter 3: The Road\n正文三。\n";
        let doc = parse(text);
        assert_eq!(
            titles(&doc),
            ["第1回 开篇", "第十二回", "Chapter 3: The Road"]
        );
    }

    #[test]
    fn heading_levels_are_ranks_among_the_shapes_a_book_uses() {
        let doc = parse("书名\n\n第一章 总则\n甲。\n第一节 起\n乙。\n第二章 附则\n丙。\n");
        let levels: Vec<_> = doc
            .sections
            .iter()
            .map(|s| (s.title.as_deref().unwrap_or(""), s.level))
            .collect();
        assert_eq!(
            levels,
            [
                ("书名", 0),
                ("第一章 总则", 1),
                ("第一节 起", 2),
                ("第二章 附则", 1)
            ]
        );
        let numbered = parse("1 概述\n\n甲。\n\n1.1 范围\n\n乙。\n");
        let levels: Vec<_> = numbered.sections.iter().map(|s| s.level).collect();
        assert_eq!(levels, [1, 2]);
    }

    #[test]
    fn sections_alone_are_top_level_when_there_are_no_chapters() {
        let doc = parse("第一节 起\n甲。\n第十二节 终\n乙。\n");
        assert_eq!(titles(&doc), ["第一节 起", "第十二节 终"]);
    }

    #[test]
    fn an_article_of_a_law_is_not_a_heading() {
        let doc = parse("第一章 总则\n第一百四十三条 本法自公布之日起施行\n第二条 其他\n");
        assert_eq!(titles(&doc), ["第一章 总则"]);
        assert_eq!(doc.sections[0].paragraphs.len(), 2);
    }

    #[test]
    fn markdown_title_and_centred_heading() {
        let text = "# 一本书\n\n## 第一部分\n\n正文。\n\n                 尾声\n\n完。\n";
        let doc = parse(text);
        assert_eq!(doc.title.as_deref(), Some("一本书"));
        assert_eq!(titles(&doc), ["一本书", "第一部分", "尾声"]);
    }

    #[test]
    fn wrapped_latin_words_get_one_space_and_hyphens_are_mended() {
        let line = "This is a line of English prose that wraps at a fixed width in the text";
        let text = format!(
            "{line}\n{line}\n{line}\n{line}\n{line}\nand a well-\nknown word, and an exam-\nple here.\n"
        );
        let doc = parse(&text);
        let t = &doc.sections[0].paragraphs[0].text;
        assert!(t.contains("the text This is"), "{t}");
        // A dictionary would be needed to keep "well-known" whole; for speech, a split word
        // ("exam ple") is worse than a lost hyphen, so the hyphen goes.
        assert!(t.contains("wellknown"), "{t}");
        assert!(t.contains("an example here."), "{t}");
    }

    #[test]
    fn a_downloaded_novel_loses_its_site_marks() {
        let text = "《百年孤独》全集\n作者：加夫列尔·加西亚·马尔克斯\n\n                    正文 出版说明\n\n本书据<u>藏书网</u>初版排印，<span class=\"ter\">杨绛</span>校。\n\n                    正文 第一章\n\n多年以后，<u>藏书网</u>他想起&mdash;&mdash;<span>那个</span>下午。\n\n（本章完）\n\n                    正文 第二章\n\n十六世纪，<u>藏书网</u><span>海盗</span>来了。\n";
        let doc = parse(text);
        assert_eq!(doc.title.as_deref(), Some("《百年孤独》全集"));
        assert_eq!(doc.author.as_deref(), Some("加夫列尔·加西亚·马尔克斯"));
        assert_eq!(
            titles(&doc),
            ["《百年孤独》全集", "出版说明", "第一章", "第二章"]
        );
        let body: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
        assert_eq!(
            body,
            [
                "本书据初版排印，杨绛校。",
                "多年以后，他想起——那个下午。",
                "十六世纪，海盗来了。"
            ]
        );
        assert!(
            doc.warnings
                .iter()
                .any(|w| w.message.contains("3 repeated watermark")),
            "{:?}",
            doc.warnings
        );
    }

    #[test]
    fn a_contents_ends_before_the_preface_after_it_and_says_how_deep_headings_go() {
        let text = "目录\n\n1 概述 . . . . . . 1\n1.1 范围 . . . . . . 1\n1.2 术语 . . . . . . 2\n\
                    2 安装 . . . . . . 3\n2.1 准备 . . . . . . 3\n2.2 步骤 . . . . . . 4\n\n\
                    前言\n\n本书介绍系统的安装和使用方法，适合初次接触的读者阅读。\n\
                    书中的例子都在真实的机器上验证过，读者可以放心照做。\n\n\
                    1 概述\n\n本章说明系统是什么，以及它能为读者做些什么事情。\n\n\
                    1.1 范围\n\n范围很广。\n\n1.1.1 细节\n\n细节很多。\n\n1.2 术语\n\n术语很少。\n\n\
                    2 安装\n\n安装很快。\n\n2.1 准备\n\n准备好。\n\n2.2 步骤\n\n照做。\n";
        let doc = parse(text);
        assert_eq!(
            titles(&doc),
            [
                "前言",
                "1 概述",
                "1.1 范围",
                "1.2 术语",
                "2 安装",
                "2.1 准备",
                "2.2 步骤"
            ]
        );
        let body: String = body(&doc).map(|p| p.text.as_str()).collect();
        // the preface is read; `1.1.1`, deeper than the contents goes, is a line of text
        assert!(
            body.contains("本书介绍系统的安装") && body.contains("1.1.1 细节"),
            "{body}"
        );
        assert!(!body.contains(". . ."), "{body}");
    }

    #[test]
    fn a_directory_called_目录_in_a_table_swallows_no_chapters() {
        let text = "1 文件\n\n下表列出 ls -l 输出的第一个字符，每种文件类型各有一个字母。\n\n\
                    说明\n普通文件\n目录\n符号链接\n字符设备节点\n\n\
                    这些类型在后面的章节里还会一一讲到，读者先有个印象即可。\n\
                    每一种类型都有它自己的用途，系统管理员需要熟悉它们。\n\
                    目录是一种特殊的文件，里面记着别的文件的名字。\n\n\
                    2 符号链接\n\n符号链接指向另一个文件。\n\n3 设备\n\n设备文件代表硬件。\n";
        let doc = parse(text);
        assert_eq!(titles(&doc), ["1 文件", "2 符号链接", "3 设备"]);
        let body: String = body(&doc).map(|p| p.text.as_str()).collect();
        assert!(body.contains("系统管理员需要熟悉它们"), "{body}");
    }

    #[test]
    fn shell_comments_at_the_margin_are_not_markdown_headings() {
        let text = "# 安装\n\n先装好软件。\n\n# use : and , as IFS\n# echo is a Bash builtin\nIFS=:,\n\n\
                    # use /bin/sh to run commands\nSHELL=/bin/sh\n\n## 配置\n\n再改配置。\n";
        let doc = parse(text);
        assert_eq!(titles(&doc), ["安装", "配置"]);
    }

    #[test]
    fn angle_brackets_a_manual_never_closes_are_its_text() {
        let manual = "在 vim 里按 <Tab> 键补全，按 <CR> 确认，<leader>p 切换粘贴模式。\n\n\
                      邮件请寄 <tollef at add.no>，或写 <b>粗体</b> 试试。\n";
        let doc = parse(manual);
        let body: String = body(&doc).map(|p| p.text.as_str()).collect();
        assert!(
            body.contains("<Tab>") && body.contains("<leader>") && body.contains("<b>粗体</b>"),
            "{body}"
        );
    }

    #[test]
    fn a_first_line_that_is_also_the_running_header_is_the_title() {
        let page = |n: usize| {
            format!(
                "示例手册\n\n第{n}章 标题{n}\n\n这是第{n}章的正文，写得足够长，像一本书里的一段话。\n\n{n}\n"
            )
        };
        let text = format!(
            "示例手册\n张三、李四\n\n\u{c}{}\u{c}{}\u{c}{}",
            page(1),
            page(2),
            page(3)
        );
        let doc = parse(&text);
        assert_eq!(doc.title.as_deref(), Some("示例手册"), "{}", outline(&doc));
        // and only there: the headers on the pages are not read
        let headers = body(&doc).filter(|p| p.text == "示例手册").count();
        assert_eq!(headers, 0, "{}", outline(&doc));
    }

    #[test]
    fn empty_and_blank_input_give_an_empty_document() {
        assert_eq!(parse(""), Document::default());
        assert_eq!(parse("\n\n  \n"), Document::default());
    }

    #[test]
    fn odd_inputs_never_panic_and_never_leave_space_runs() {
        const TOKENS: [&str; 16] = [
            "长",
            "\n",
            "\n\n",
            "  ",
            " . ",
            ".",
            "。",
            "，",
            "第一章",
            "# ",
            "-",
            "abc",
            "■",
            "本报记者",
            "\u{3000}",
            "----- Page 2 -----",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..400 {
            let mut text = String::new();
            for _ in 0..60 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(TOKENS[(seed % TOKENS.len() as u64) as usize]);
            }
            let doc = parse(&text);
            for p in body(&doc) {
                assert!(!p.text.contains("  "), "{text:?} -> {:?}", p.text);
                assert!(!p.text.is_empty());
            }
        }
    }
}
