//! Page furniture in extracted text: running headers and footers, page numbers, and
//! lines that recur with a changing number. Found from how a line recurs across the
//! document's pages (form feeds) or through it, never from its words alone.

use std::collections::{HashMap, HashSet};

use super::outline::{
    decimal_number, has_leader, is_bare_number, is_contents_title, is_date_line, is_heading_label,
    numbered_level, section_number,
};
use super::repair::{ends_with_punctuation, is_space};

/// Lines of running headers and footers in text extracted page by page (pages separated
/// by form feeds): among the first and last two lines of each page, those whose text with
/// digits taken out comes back on at least a third of the pages, bare page numbers there,
/// and a chapter's title there once the chapter has begun; a little further in, page
/// numbers that count with the pages and the titles headers print beside them
/// (`page_numbers`, `header_titles`). The first page keeps its lines (the title is often
/// the running header too). Indices are into `raw` (lines split at `\n`), sorted.
pub(crate) fn running_furniture(raw: &[String]) -> Vec<usize> {
    let all_pages = text_lines_by_page(raw);
    let mut pages = all_pages.clone();
    pages.retain(|p| !p.is_empty());
    if pages.len() < 3 {
        return Vec::new();
    }
    let edges = |page: &Vec<usize>| -> Vec<usize> {
        let mut e: Vec<usize> = page.iter().take(2).copied().collect();
        e.extend(page.iter().rev().take(2).copied());
        e.sort_unstable();
        e.dedup();
        e
    };
    let mut counts: HashMap<String, usize> = HashMap::new();
    for page in &pages {
        let mut shapes: Vec<String> = edges(page).iter().map(|&k| shape(&raw[k])).collect();
        shapes.sort();
        shapes.dedup();
        for s in shapes {
            *counts.entry(s).or_default() += 1;
        }
    }
    let recurring = (pages.len() / 3).max(3);
    // a running header that names the chapter (`第一章 引言` over each of its pages)
    // recurs only as long as the chapter: a chapter's title at the edge of two pages
    let chapter_title = |t: &str| chapter_title(trimmed(t));
    let mut dropped = Vec::new();
    // titles said away from the pages' edges, on a line or over two (`第三章` / `研究设计`):
    // there is the heading, and every edge line that says them is a header
    let edge_lines: HashSet<usize> = pages.iter().flat_map(edges).collect();
    // (not a contents page's entries: `第一章 LATEX 的基本概念 1` there does not make the
    // chapter's own heading, at its page's top, a header)
    let text_lines: Vec<usize> = pages
        .iter()
        .filter(|page| !is_contents_page(raw, page))
        .flatten()
        .copied()
        .collect();
    let mut elsewhere: HashSet<String> = HashSet::new();
    for (n, &k) in text_lines.iter().enumerate() {
        if !edge_lines.contains(&k) {
            elsewhere.insert(shape(&raw[k]));
        }
        // (a page number and a header are not a title over two lines)
        if let Some(&next) = text_lines.get(n + 1)
            && !is_bare_number(&raw[k])
            && !is_bare_number(&raw[next])
        {
            elsewhere.insert(shape(&format!("{}{}", raw[k], raw[next])));
        }
    }
    // chapter titles met so far at the edges: the first time is the heading (or the
    // header right over it, which the heading then repeats), the later ones are headers
    let mut met: Vec<String> = Vec::new();
    let mut headings_kept: HashSet<usize> = HashSet::new();
    for (p, page) in pages.iter().enumerate() {
        // (a contents page lists the titles: not the first time they come)
        let contents = is_contents_page(raw, page);
        for k in edges(page) {
            let s = shape(&raw[k]);
            let header =
                !contents && chapter_title(&raw[k]) && counts.get(&s).is_some_and(|&n| n >= 2);
            let seen = met.contains(&s) || elsewhere.contains(&s);
            // (the first time is the heading however often its headers come back: a
            // chapter may fill a third of a short book)
            let first_time = header && !seen;
            if first_time {
                met.push(s.clone());
                headings_kept.insert(k);
            }
            if p == 0 {
                continue;
            }
            if is_bare_number(&raw[k])
                || (!s.is_empty() && counts.get(&s).is_some_and(|&n| n >= recurring) && !first_time)
                || (header && seen)
            {
                dropped.push(k);
            }
        }
    }
    // (the first page with text keeps its lines here too)
    let first_page = all_pages.iter().position(|p| !p.is_empty()).unwrap_or(0);
    let after_first = |k: &usize| all_pages[first_page].last().is_none_or(|&last| *k > last);
    let mut more = page_numbers(raw, &all_pages);
    dropped.sort_unstable();
    more.sort_unstable();
    more.extend(header_titles(raw, &all_pages, &dropped, &more));
    dropped.extend(more.into_iter().filter(after_first));
    dropped.extend(furniture_blocks(raw, &pages, &headings_kept));
    dropped.sort_unstable();
    dropped.dedup();
    dropped
}

/// A running header that names the chapter (`第一章 引言` over each of its pages).
fn chapter_title(t: &str) -> bool {
    (t.starts_with('第') && t.chars().take(8).any(|c| "章节篇部卷".contains(c)))
        || numbered_level(t) == Some(1)
        || is_named_part(t)
}

/// A paper's or book's unnumbered part.
fn is_named_part(t: &str) -> bool {
    [
        "摘要",
        "前言",
        "引言",
        "绪论",
        "结论",
        "结语",
        "参考文献",
        "致谢",
        "附录",
        "后记",
        "Abstract",
        "ABSTRACT",
    ]
    .contains(&t)
}

/// A line that opens a section: a numbered heading, a chapter's label, a named part.
pub(crate) fn opens_section(t: &str) -> bool {
    numbered_level(t).is_some() || chapter_title(t) || is_heading_label(t)
}

/// How far into a page a header or footer of several lines reaches.
const BLOCK_LINES: usize = 6;

/// A header or footer of several lines (`CTEX FAQ （常见问题集） v0.4 beta` / `Copyright` /
/// `©2003–2009 CTEX.ORG`, with `Revised` / `v0.4` under it on some pages): from each
/// page's edge inward through the innermost line among its first or last six that comes
/// back there on half the pages, when every line passed on the way is such a line, a
/// page number or a short label (not a section's heading). The first page and the headings
/// `running_furniture` kept are left.
fn furniture_blocks(
    raw: &[String],
    pages: &[Vec<usize>],
    headings_kept: &HashSet<usize>,
) -> Vec<usize> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for page in pages {
        let mut shapes: Vec<String> = page
            .iter()
            .take(BLOCK_LINES)
            .chain(page.iter().rev().take(BLOCK_LINES))
            .map(|&k| shape(&raw[k]))
            .filter(|s| !s.is_empty())
            .collect();
        shapes.sort();
        shapes.dedup();
        for s in shapes {
            *counts.entry(s).or_default() += 1;
        }
    }
    // (words in it: a shape of figures and dots alone, `..` of `1.1.9`, is every heading's
    // number; on half the pages: a section's title over each of its pages, `操作` in a short
    // manual, recurs only while the section lasts, and its first time is the heading)
    let recurs = |k: usize| {
        let s = shape(&raw[k]);
        let t = trimmed(&raw[k]);
        // (`第4节` over each page of section 4 has the shape of every section's header)
        !opens_section(t)
            && s.chars().any(char::is_alphabetic)
            && counts.get(&s).is_some_and(|&n| n * 2 >= pages.len())
    };
    let passed = |k: usize| {
        let t = trimmed(&raw[k]);
        !headings_kept.contains(&k)
            && (recurs(k)
                || page_number(t).is_some()
                || (t.chars().count() <= 12
                    && t.chars().any(char::is_alphabetic)
                    && !ends_with_punctuation(t)
                    // (a heading's number that `pdftotext` set among the header's boxes:
                    // `Debian 参考手册` / `1.1.9` / `4 / 223`)
                    && !t.starts_with(|c: char| c.is_ascii_digit())
                    && !opens_section(t)))
    };
    let block = |from_edge: &mut dyn Iterator<Item = &usize>| -> Vec<usize> {
        // (a line that says again what a line of the block said is the heading that
        // header names: `字符和重音符` / `97` / `字符和重音符`)
        let mut said = HashSet::new();
        let lines: Vec<usize> = from_edge
            .take(BLOCK_LINES)
            .take_while(|&&k| {
                passed(k) && (page_number(&raw[k]).is_some() || said.insert(shape(&raw[k])))
            })
            .copied()
            .collect();
        match lines.iter().rposition(|&k| recurs(k)) {
            Some(innermost) => lines[..=innermost].to_vec(),
            None => Vec::new(),
        }
    };
    let mut dropped = Vec::new();
    for page in pages.iter().skip(1) {
        dropped.extend(block(&mut page.iter()));
        dropped.extend(block(&mut page.iter().rev()));
    }
    dropped
}

/// The lines with text of each page (pages parted by form feeds), blank pages kept so that
/// a page's place counts pages.
fn text_lines_by_page(raw: &[String]) -> Vec<Vec<usize>> {
    let mut pages: Vec<Vec<usize>> = vec![Vec::new()];
    for (k, line) in raw.iter().enumerate() {
        let breaks = line.matches('\u{c}').count();
        for _ in 0..breaks {
            pages.push(Vec::new());
        }
        if !trimmed(line).is_empty()
            && let Some(page) = pages.last_mut()
        {
            page.push(k);
        }
    }
    pages
}

/// Where a page's header and footer are looked for beyond its first and last two lines:
/// `pdftotext` prints a LaTeX page's header boxes in any order with the first lines of
/// the text (`第一章` / `4` / `1.3` / `LATEX 的基本概念` / `LATEX 命令和代码结构`).
const HEAD_LINES: usize = 5;
const FOOT_LINES: usize = 3;

fn window(page: &[usize]) -> Vec<usize> {
    let mut w: Vec<usize> = page.iter().take(HEAD_LINES).copied().collect();
    w.extend(page.iter().rev().take(FOOT_LINES).copied());
    w.sort_unstable();
    w.dedup();
    w
}

fn trimmed(line: &str) -> &str {
    line.trim_matches(|c: char| is_space(c) || c == '\u{c}')
}

/// Page numbers among a page's first five and last three lines, wherever the header's other
/// boxes put them: a bare number that counts with the pages, one more a page on, found on
/// a page near it (a chapter's number, printed on each of its pages, stays the same; a
/// list's numbers do not follow the pages).
fn page_numbers(raw: &[String], pages: &[Vec<usize>]) -> Vec<usize> {
    let numbers: Vec<Vec<(usize, i64)>> = pages
        .iter()
        .map(|page| {
            window(page)
                .into_iter()
                .filter_map(|k| {
                    let t = trimmed(&raw[k]);
                    (t.len() <= 4 && t.chars().all(|c| c.is_ascii_digit()))
                        .then(|| t.parse().ok().map(|n| (k, n)))
                        .flatten()
                })
                .collect()
        })
        .collect();
    let mut found = Vec::new();
    for (p, page) in numbers.iter().enumerate() {
        for &(k, n) in page {
            let counts = (p.saturating_sub(3)..(p + 4).min(pages.len()))
                .filter(|&q| q != p)
                .any(|q| {
                    numbers[q]
                        .iter()
                        .any(|&(_, m)| m - n == q as i64 - p as i64)
                });
            if counts {
                found.push(k);
            }
        }
    }
    found
}

/// A running header's title, where it is not at the page's very edge or recurs only while
/// its chapter or section lasts (too seldom to be found by counting): a short line among a
/// page's first five or last three that comes back so on a page at most four pages on, next
/// to the page's number or another header box; or the title beside a section mark
/// (`§1.4`, LaTeX's `\S`, printed before or after it). The first time a title comes is its
/// heading when the title is not said away from the pages' edges and no later line of
/// that page says it (then the edge line is the header over the heading).
fn header_titles(
    raw: &[String],
    pages: &[Vec<usize>],
    furniture: &[usize],
    page_numbers: &[usize],
) -> Vec<usize> {
    let is_furniture =
        |k: usize| furniture.binary_search(&k).is_ok() || page_numbers.binary_search(&k).is_ok();
    let mut found = Vec::new();
    // titles said away from the edges, by page
    let mut inside: HashMap<String, Vec<usize>> = HashMap::new();
    let mut at_edges: HashMap<String, Vec<Place>> = HashMap::new();
    // lines a header right over them names: headings
    let mut headings: HashSet<usize> = HashSet::new();
    for (p, page) in pages.iter().enumerate() {
        // a contents page's entries are not its headers
        if is_contents_page(raw, page) {
            continue;
        }
        let w = window(page);
        for (n, &k) in w.iter().enumerate() {
            let t = trimmed(&raw[k]);
            if section_mark(t).is_some_and(str::is_empty) {
                found.push(k);
                // the title beside it: after it when it opens the page, else before it
                let beside = if n == 0 { w.get(1) } else { w.get(n - 1) };
                if let Some(&b) = beside
                    && title_core(trimmed(&raw[b])).is_some()
                    && numbered_level(trimmed(&raw[b])).is_none()
                {
                    found.push(b);
                }
                continue;
            }
            if section_mark(t).is_some_and(|title| title_core(title).is_some()) {
                found.push(k);
                continue;
            }
            let near_box = w.iter().enumerate().any(|(m, &j)| {
                m != n && m.abs_diff(n) <= 3 && (is_furniture(j) || is_bare_number(&raw[j]))
            });
            if near_box && let Some(core) = title_core(t) {
                // (a chapter's number over its title on its opening page may be that
                // page's number too: `1` / `使用本书`)
                let chapter_number = |j: usize| n == 1 && j == w[0];
                let by_number = w.iter().enumerate().any(|(m, &j)| {
                    m.abs_diff(n) <= 2
                        && page_numbers.binary_search(&j).is_ok()
                        && !chapter_number(j)
                });
                // the header over the heading it names, said with its number or not
                // further down the page (`5` / `建立 CTAN 镜像` / `20` / `5 建立 CTAN 镜像`)
                let title = without_number(t);
                if by_number
                    && let Some(&heading) = page
                        .iter()
                        .find(|&&j| j > k && without_number(trimmed(&raw[j])) == title)
                {
                    found.push(k);
                    headings.insert(heading);
                    continue;
                }
                let place = Place {
                    page: p,
                    line: k,
                    by_number,
                    heading: headings.contains(&k),
                };
                at_edges.entry(core).or_default().push(place);
            }
        }
        for &k in page {
            if !w.contains(&k)
                && let Some(core) = title_core(trimmed(&raw[k]))
            {
                inside.entry(core).or_default().push(p);
            }
        }
    }
    for (core, places) in at_edges {
        let chained = places
            .windows(2)
            .any(|pair| pair[0].page != pair[1].page && pair[1].page - pair[0].page <= 4);
        // (a label the text uses all along, DocBook's `注意` over a note that opens a
        // page, is no header: a header's title is said in the text once or twice, or
        // less often than at the pages' edges where `pdftotext` misplaces it)
        let said_often = inside
            .get(&core)
            .is_some_and(|ps| ps.len() > 3 && ps.len() > places.len());
        if !chained || said_often {
            continue;
        }
        let said_inside = |from: usize, to: usize| {
            inside
                .get(&core)
                .is_some_and(|ps| ps.iter().any(|&q| (from..=to).contains(&q)))
        };
        // a chapter's opening page starts with its heading (maybe under its number), its
        // page number printed at the foot; a heading said in the text just before is the
        // one the header repeats
        // (a numbered title's first time is its heading wherever it stands: a header
        // repeats the section's number and title only after it)
        let numbered = numbered_level(trimmed(&raw[places[0].line])).is_some();
        let mut heading_kept = false;
        for (i, place) in places.iter().enumerate() {
            let (p, k) = (place.page, place.line);
            let opens_page = pages[p].first() == Some(&k)
                || (pages[p].get(1) == Some(&k) && is_bare_number(&raw[pages[p][0]]));
            // (or a heading at the foot of a page, beside its number, that the next
            // page's header repeats)
            let at_foot = !pages[p].iter().take(HEAD_LINES).any(|&j| j == k);
            let said_again =
                places[i + 1..].iter().any(|q| q.page == p) || said_inside(p.saturating_sub(2), p);
            if place.heading
                || (!heading_kept
                    && (numbered || at_foot || (opens_page && !place.by_number))
                    && !said_again)
            {
                heading_kept = true;
            } else {
                found.push(k);
            }
        }
    }
    found
}

/// A page of a table of contents: it opens with the contents' title, or three of its lines
/// end in a leader and a page number.
fn is_contents_page(raw: &[String], page: &[usize]) -> bool {
    page.iter()
        .filter(|&&k| has_leader(&raw[k]))
        .nth(2)
        .is_some()
        || page
            .first()
            .is_some_and(|&k| is_contents_title(trimmed(&raw[k])))
}

/// Where a title stands at a page's edge.
struct Place {
    page: usize,
    line: usize,
    /// the page's number is printed beside it
    by_number: bool,
    /// a header right over it names it
    heading: bool,
}

/// `§1.4` (LaTeX's section sign, which a book's running header puts before the section's
/// number) opening a line: what follows the number.
fn section_mark(t: &str) -> Option<&str> {
    let rest = t.strip_prefix('§')?.trim_start_matches(is_space);
    let after = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    (after.len() < rest.len()).then(|| after.trim_matches(is_space))
}

/// A header's title with its number and marks taken off (`1.2 优点和缺点` → `优点和缺点`), when
/// the line could be one: short, no sentence, words in it.
fn title_core(t: &str) -> Option<String> {
    // (a contents page's title is the contents' to find)
    if t.chars().count() > 40
        || super::repair::ends_sentence(t)
        || is_bare_number(t)
        || is_contents_title(t)
        // (a chapter's label, `Chapter 2`, `第三章`, differs from the next one only in its
        // number: the rule for chapter titles above takes them)
        || is_heading_label(t)
    {
        return None;
    }
    // a numbered title keeps its number: a header repeats it, headings repeated under each
    // part (`3.5.1 行为`, `3.6.9 行为`) change it
    let core: String = if numbered_level(t).is_some() {
        t.chars().filter(|&c| !is_space(c)).collect()
    } else {
        without_marks(&shape(t))
    };
    (core.chars().filter(|c| c.is_alphabetic()).count() >= 2).then_some(core)
}

/// A title's words without the section number before it, to compare a header with the
/// heading it repeats.
fn without_number(t: &str) -> String {
    let rest = section_number(t).map_or(t, |n| &t[n.len()..]);
    without_marks(&shape(rest))
}

/// A title's text without the dots, signs and quotes at its ends (`.优点和缺点` of `1.2
/// 优点和缺点`, `§.` of `§1.2`); a book's title marks stay: `《Debian 参考手册》` opening a
/// sentence is not the header `Debian 参考手册`.
fn without_marks(t: &str) -> String {
    t.trim_matches(|c: char| !c.is_alphanumeric() && !matches!(c, '《' | '》' | '〈' | '〉'))
        .to_owned()
}

/// A newspaper page's running header as text extraction splits it, at the top of a page
/// (the file's start or after a form feed): the date with its weekday (`2023 年 12 月 1 日
/// 星期五`), the page's number (`第2版`), and the page's name between them (`要闻`), on
/// lines of their own among the page's first four. Indices are into `raw`.
pub(crate) fn newspaper_headers(raw: &[String]) -> Vec<usize> {
    let is_date = |t: &str| is_date_line(t) && t.contains("星期");
    // `第2版`, or a whole header on one line (`2024年3月5日 星期二 第3版`)
    let is_page = |t: &str| {
        t.strip_prefix('第')
            .and_then(|r| r.strip_suffix('版'))
            // (`第 版`: its digit lost in extraction)
            .is_some_and(|n| {
                !n.is_empty()
                    && n.trim()
                        .chars()
                        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            })
            || (is_date_line(t) && t.contains('第') && t.ends_with('版'))
    };
    let is_name = |t: &str| {
        let n = t.chars().count();
        (1..=6).contains(&n) && t.chars().all(|c| c.is_alphabetic() || c == '·')
    };
    let mut dropped = Vec::new();
    let mut k = 0;
    while k < raw.len() {
        if k > 0 && !raw[k].contains('\u{c}') {
            k += 1;
            continue;
        }
        // the page's first four lines with text
        let first: Vec<usize> = (k..raw.len())
            .filter(|&i| {
                !raw[i]
                    .trim_matches(|c: char| is_space(c) || c == '\u{c}')
                    .is_empty()
            })
            .take(4)
            .collect();
        let text = |i: usize| {
            raw[i]
                .trim_matches(|c: char| is_space(c) || c == '\u{c}')
                .to_owned()
        };
        let marked = first
            .iter()
            .any(|&i| is_date(&text(i)) || is_page(&text(i)));
        if marked {
            let mut run = Vec::new();
            for &i in &first {
                let t = text(i);
                if is_date(&t) || is_page(&t) || is_name(&t) {
                    run.push(i);
                } else {
                    break;
                }
            }
            // the page's number must be there: a diary's date over its weather is text
            if run.iter().any(|&i| is_page(&text(i))) {
                dropped.extend(run);
            }
        }
        k += 1;
    }
    dropped
}

/// Lines that recur with a number that changes (`作者--书名--第3回`, `2 第一章 总则`, a date
/// line with 第N版): at least four times, short, and not the same number every time.
/// Indices are into `raw`. For text without form feeds.
pub(crate) fn numbered_repeats(raw: &[String]) -> Vec<usize> {
    let mut by_shape: HashMap<String, Vec<usize>> = HashMap::new();
    for (k, line) in raw.iter().enumerate() {
        let t = line.trim_matches(is_space);
        if t.is_empty()
            || t.chars().count() > 40
            || !t.chars().any(|c| c.is_ascii_digit())
            || is_heading_label(t)
            || is_dotted_heading(t)
        {
            continue;
        }
        let s = shape(t);
        // a change history's versions (`v2023.1.1`, `v2022.10.1`) are its text
        let version = t
            .strip_prefix(['v', 'V'])
            .is_some_and(|v| v.contains('.') && v.chars().all(|c| c.is_ascii_digit() || c == '.'));
        if s.chars().count() >= 2 && !version {
            by_shape.entry(s).or_default().push(k);
        }
    }
    let mut dropped = Vec::new();
    for (_, lines) in by_shape {
        if lines.len() < 4 {
            continue;
        }
        let mut numbers: Vec<String> = lines
            .iter()
            .map(|&k| raw[k].chars().filter(|c| c.is_ascii_digit()).collect())
            .collect();
        numbers.sort();
        numbers.dedup();
        // headings numbered in order (`1.1 概述`) change too, but have a title that differs;
        // two headings of one title (`5.9 x`, `5.19 x`) listed again in a contents are not
        // furniture either: a page number takes at least three values
        if numbers.len() >= 3 && numbers.len() * 2 >= lines.len() {
            dropped.extend(lines);
        }
    }
    dropped.sort_unstable();
    dropped
}

/// Page breaks in text extracted with none (MuPDF's text page after page, a PDF viewer's
/// copy of everything): each line that is a page's number (`29`, `29 / 223`, `- 29 -`,
/// `第 29 页`) in a run of five or more that count up a page at a time (or two, past a
/// page without one) at least a few lines apart, on a median of 15 or more lines a page.
/// Each page number's line opens a page, so that a form feed put there lets the
/// page-by-page search for headers and footers run (the header or footer lines next to a
/// number come before it, at the foot of the page before, in MuPDF's text as in a viewer's
/// copy); `None` if no such run. Indices are into `raw`, sorted.
pub(crate) fn pages_by_numbers(raw: &[String]) -> Option<Vec<usize>> {
    const LOOK_BACK: usize = 64;
    let numbers: Vec<(usize, i64)> = raw
        .iter()
        .enumerate()
        .filter_map(|(k, line)| page_number(line).map(|p| (k, p.value)))
        .collect();
    // longest chain ending at each number: the one before is 1 or 2 pages back
    let mut chain: Vec<(usize, Option<usize>)> = Vec::with_capacity(numbers.len());
    for (i, &(k, n)) in numbers.iter().enumerate() {
        let before = (i.saturating_sub(LOOK_BACK)..i)
            .filter(|&j| {
                let (line, m) = numbers[j];
                let pages = n - m;
                (1..=2).contains(&pages) && k - line >= 3 && k - line <= 600 * pages as usize
            })
            .max_by_key(|&j| (chain[j].0, j));
        chain.push(before.map_or((1, None), |j| (chain[j].0 + 1, Some(j))));
    }
    let mut taken = vec![false; numbers.len()];
    let mut breaks = Vec::new();
    // chains from the longest down (front matter and body may count apart)
    let mut ends: Vec<usize> = (0..numbers.len()).collect();
    ends.sort_by_key(|&i| std::cmp::Reverse(chain[i].0));
    for end in ends {
        if chain[end].0 < 5 || taken[end] {
            continue;
        }
        let mut members = vec![end];
        while let Some(j) = chain[*members.last().unwrap_or(&end)].1 {
            if taken[j] {
                break;
            }
            members.push(j);
        }
        // a chain is judged once: its members are no one else's
        for &i in &members {
            taken[i] = true;
        }
        let mut gaps: Vec<usize> = members
            .windows(2)
            .map(|w| numbers[w[0]].0 - numbers[w[1]].0)
            .collect();
        gaps.sort_unstable();
        let lines: Vec<usize> = members.iter().map(|&i| numbers[i].0).collect();
        if members.len() < 5 || gaps[gaps.len() / 2] < 15 || !beside_furniture(raw, &lines) {
            continue;
        }
        breaks.extend(members.iter().map(|&i| numbers[i].0));
    }
    breaks.sort_unstable();
    (!breaks.is_empty()).then_some(breaks)
}

/// Whether numbers that count up stand beside a page's other furniture: for half of them or
/// more, one of the two lines with text on either side comes back beside three numbers or
/// more (`Debian 参考手册` over `29 / 223`; a LaTeX header `第4 节` / `代码实现` over
/// `5`). A FAQ's question numbers count up too, each over its own question.
fn beside_furniture(raw: &[String], numbers: &[usize]) -> bool {
    const NEAR: usize = 2;
    let neighbours = |k: usize| -> Vec<String> {
        let text = |j: &usize| !trimmed(&raw[*j]).is_empty();
        let before = (k.saturating_sub(20)..k).rev().filter(text).take(NEAR);
        let after = (k + 1..raw.len().min(k + 21)).filter(text).take(NEAR);
        let mut shapes: Vec<String> = before
            .chain(after)
            .map(|j| shape(&raw[j]))
            .filter(|s| !s.is_empty())
            .collect();
        shapes.sort();
        shapes.dedup();
        shapes
    };
    let beside: Vec<Vec<String>> = numbers.iter().map(|&k| neighbours(k)).collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for s in beside.iter().flatten() {
        *counts.entry(s.as_str()).or_default() += 1;
    }
    let with_furniture = beside
        .iter()
        .filter(|shapes| shapes.iter().any(|s| counts[s.as_str()] >= 3))
        .count();
    with_furniture * 2 >= numbers.len()
}

/// The number a line that is only a page's number gives, and whether something marks it as
/// one (`29 / 223`, `- 29 -`, `第 29 页`, `Page 29`, `---- Page 3 ----`) rather than a bare
/// `29`; front matter's `xvii` (bare) counts apart, below every page number in figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PageNumber {
    pub value: i64,
    pub marked: bool,
}

pub(crate) fn page_number(line: &str) -> Option<PageNumber> {
    let t = trimmed(line);
    if let Some(v) = lower_roman(t) {
        return Some(PageNumber {
            value: v - 1000,
            marked: false,
        });
    }
    let dashed = t.starts_with(['-', '—', '=']);
    let core = t.trim_matches(|c: char| is_space(c) || matches!(c, '-' | '—' | '=' | '_'));
    let lower = core.to_ascii_lowercase();
    let (page, marked) = if let Some(n) = core.strip_prefix('第').and_then(|r| r.strip_suffix('页'))
    {
        (n, true)
    } else if lower.starts_with("page") {
        (&core["page".len()..], true)
    } else if let Some((page, of)) = core.split_once('/') {
        (page, figures(of.trim_matches(is_space)).is_some())
    } else {
        (core, dashed)
    };
    let value = figures(page.trim_matches(is_space))?;
    // (`29 /` is not a page's count)
    (!core.contains('/') || marked).then_some(PageNumber { value, marked })
}

/// One to four digits, and nothing else.
fn figures(t: &str) -> Option<i64> {
    (!t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.parse().ok())
        .flatten()
}

/// `i` … `xxxix` alone, written as numerals are (`iiii` and `ic` are not).
fn lower_roman(t: &str) -> Option<i64> {
    const TENS: [&str; 4] = ["", "x", "xx", "xxx"];
    const ONES: [&str; 10] = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"];
    if t.is_empty() || t.len() > 7 || !t.bytes().all(|b| matches!(b, b'i' | b'v' | b'x')) {
        return None;
    }
    (1..40)
        .find(|&n| format!("{}{}", TENS[n / 10], ONES[n % 10]) == t)
        .map(|n| n as i64)
}

/// `3.1.3. 清单`, `7. 确认`: a section number with a dot, then a title with no other
/// number. Manuals repeat such titles under each part (`7.1.1. 解决方案`, `7.2.3. 解决方案`
/// …); a running header's changing number is a page's, which no dot joins to the title.
fn is_dotted_heading(t: &str) -> bool {
    decimal_number(t).is_some_and(|(_, rest)| {
        t[..t.len() - rest.len()].contains('.') && !rest.chars().any(|c| c.is_ascii_digit())
    })
}

fn shape(text: &str) -> String {
    text.chars()
        .filter(|&c| !c.is_ascii_digit() && !is_space(c) && c != '\u{c}')
        .collect::<String>()
        .trim_matches(|c: char| "ivxlcIVXLC".contains(c))
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::structure::parse;
    use crate::ingest::structure::tests::{body, titles};

    /// Lines of `text` that `running_furniture` drops, as text.
    fn dropped(text: &str) -> Vec<String> {
        let raw: Vec<String> = text.split('\n').map(str::to_owned).collect();
        running_furniture(&raw)
            .into_iter()
            .map(|k| trimmed(&raw[k]).to_owned())
            .collect()
    }

    /// A page's worth of prose, eight lines that differ from page to page.
    /// For each line of `text` that says `said`, whether `running_furniture` drops it.
    fn dropped_where_said(text: &str, said: &str) -> Vec<bool> {
        let raw: Vec<String> = text.split('\n').map(str::to_owned).collect();
        let dropped = running_furniture(&raw);
        (0..raw.len())
            .filter(|&k| trimmed(&raw[k]) == said)
            .map(|k| dropped.binary_search(&k).is_ok())
            .collect()
    }

    fn paragraph(n: usize) -> String {
        const WORDS: [&str; 12] = [
            "排版", "文档", "命令", "宏包", "字体", "公式", "表格", "插图", "目录", "索引", "段落",
            "页面",
        ];
        (0..8)
            .map(|i| {
                let (a, b) = (WORDS[(n * 5 + i) % 12], WORDS[(n * 7 + i * 3) % 12]);
                format!("关于{a}和{b}的说明写在这一行里，句子足够长，像排满的一行正文，读者会一直读下去，\n")
            })
            .collect::<String>()
            + &format!("这一段讲{}，到这里结束。\n", WORDS[n % 12])
    }

    /// ctex-faq through `pdftotext`: a footer of three lines, with `Revised` / `v0.4` under
    /// it on some pages, so that its first line is the third or the fifth from the page's
    /// end; the page's number and its part's name at the top.
    #[test]
    fn a_footer_of_several_lines_is_furniture_to_its_first_line() {
        let footer = [
            "CTEX FAQ （常见问题集） v0.4 beta",
            "Copyright",
            "©2003–2009 CTEX.ORG",
        ];
        let mut text = String::from("CTEX FAQ （常见问题集）\n\n");
        for page in 2..=12 {
            text.push('\u{c}');
            text.push_str(&format!("基本概念\n\n{page}\n\n"));
            text.push_str(&paragraph(page));
            for line in footer {
                text.push_str(&format!("\n{line}\n"));
            }
            if page % 3 == 0 {
                text.push_str("\nRevised\nv0.4\n");
            }
        }
        for line in footer.iter().chain(&["Revised", "v0.4"]) {
            let dropped = dropped_where_said(&text, line);
            assert!(
                !dropped.is_empty() && dropped.iter().all(|&d| d),
                "{line}: {dropped:?}"
            );
        }
        // the text over the footer stays, to its last sentence
        assert!(!dropped(&text).iter().any(|l| l.contains("到这里结束")));
    }

    /// debian-reference through `pdftotext`: a heading's number that `pdftotext` set among
    /// the header's boxes (`Debian 参考手册` / `1.1.9` / `4 / 223`) is never passed over.
    #[test]
    fn a_block_stops_at_a_heading_s_number() {
        let mut text = String::from("Debian 参考手册\n\n");
        for page in 2..=9 {
            text.push('\u{c}');
            text.push_str("Debian 参考手册\n\n");
            if page % 4 == 0 {
                text.push_str(&format!("1.{page}.2\n\n"));
            }
            text.push_str(&format!("{page} / 9\n\n"));
            text.push_str(&paragraph(page));
        }
        let dropped = dropped(&text);
        assert!(!dropped.iter().any(|l| l.starts_with("1.")), "{dropped:?}");
        assert_eq!(dropped_where_said(&text, "Debian 参考手册")[1..], [true; 8]);
    }

    /// lshort-zh-cn through `pdftotext`: an even page's header is the chapter's label, the
    /// page's number and the chapter's title, printed among the page's first boxes (the
    /// title after a section's number); an odd page's is `§` with the section's number
    /// and title. The chapter opens on a page of its own, its title on its first line.
    #[test]
    fn a_latex_book_s_headers_among_the_page_s_first_lines_are_furniture() {
        let mut text = String::from("封面\n\n");
        text.push_str("\u{c}第三章 文档元素\n\n");
        text.push_str(&paragraph(19));
        for page in 20..=25 {
            text.push('\u{c}');
            if page % 2 == 0 {
                text.push_str(&format!(
                    "第三章\n\n{page}\n\n3.{}\n\n文档元素\n\n",
                    page - 19
                ));
                text.push_str(&format!("{}的用法\n\n", ["列表", "对齐", "引用"][page % 3]));
            } else {
                text.push_str(&format!("§3.{}\n\n特殊环境\n\n{page}\n\n", page - 19));
            }
            text.push_str(&paragraph(page));
        }
        let dropped = dropped(&text);
        assert!(
            !dropped.contains(&"第三章 文档元素".to_owned()),
            "{dropped:?}"
        );
        for furniture in ["20", "22", "24", "21", "§3.2", "特殊环境"] {
            assert!(
                dropped.contains(&furniture.to_owned()),
                "{furniture}: {dropped:?}"
            );
        }
        assert_eq!(dropped.iter().filter(|t| *t == "文档元素").count(), 3);
        // the sections' numbers and titles stay
        assert!(
            !dropped
                .iter()
                .any(|t| t.starts_with("3.") || t.ends_with("的用法")),
            "{dropped:?}"
        );

        let doc = parse(&text);
        let spoken: Vec<&str> = crate::ingest::structure::tests::body(&doc)
            .map(|p| p.text.as_str())
            .collect();
        assert!(
            !spoken
                .iter()
                .any(|p| p.contains("文档元素") || p.contains("特殊环境"))
        );
    }

    /// lshort-zh-cn through `pdftotext -layout`: the contents lists front matter first
    /// (which came before it), then `第一章 LATEX 的基本概念 1` inside its page; the chapter
    /// opens on a page of its own, its title centred at the top, and its title comes back
    /// in the even pages' headers. The contents' entry is no heading that would make the
    /// chapter's own a header, and the contents ends where the chapter starts.
    #[test]
    fn a_chapter_listed_in_the_contents_keeps_its_heading_at_its_page_top() {
        let mut text = String::from("封面\n\n\u{c}                 目录\n\n");
        for entry in [
            "中文版致谢                         i",
            "英文版致谢                       iii",
            "前言                              v",
            "目录                            vii",
            "第一章 LATEX 的基本概念               1",
            " 1.1   概述 . . . . . . . . . . . .     1",
            "       1.1.1   TEX . . . . . . . .    1",
            " 1.2   第一次使用 LATEX . . . . . .     3",
            "第二章 用 LATEX 排版文字             11",
            " 2.1   语言文字和编码 . . . . . . .    11",
        ] {
            text.push_str(entry);
            text.push('\n');
        }
        text.push_str("\u{c}                  第一章              LATEX 的基本概念\n\n");
        text.push_str("        欢迎使用 LATEX！本章开头用简短的篇幅介绍了 LATEX 的来源。\n\n");
        text.push_str("                                   1.1       概述\n");
        text.push_str(&paragraph(1));
        for page in 2..=5 {
            text.push('\u{c}');
            if page % 2 == 0 {
                text.push_str(&format!("{page}          第一章   LATEX 的基本概念\n\n"));
            } else {
                text.push_str(&format!(
                    "§1.{page}    第一次使用 LATEX          {page}\n\n"
                ));
            }
            text.push_str(&paragraph(page));
        }
        let heading = dropped_where_said(&text, "第一章              LATEX 的基本概念");
        assert_eq!(heading, [false]);

        let doc = parse(&text);
        let titles = titles(&doc);
        assert!(titles.contains(&"第一章 LATEX 的基本概念"), "{titles:?}");
        assert!(titles.contains(&"1.1 概述"), "{titles:?}");
        assert!(
            crate::ingest::structure::tests::body(&doc)
                .any(|p| p.text.starts_with("欢迎使用 LATEX！"))
        );
    }

    /// A short report whose first chapter fills most of it: the chapter's title heads
    /// more than a third of the pages, and is still its heading the first time.
    #[test]
    fn a_chapter_that_fills_a_third_of_a_short_book_keeps_its_heading() {
        let mut text = String::from("研究报告\n\n\u{c}第一章 研究背景\n\n");
        text.push_str(&paragraph(0));
        for page in 2..=5 {
            text.push_str(&format!("\u{c}第一章 研究背景\n\n{page}\n\n"));
            text.push_str(&paragraph(page));
        }
        text.push_str("\u{c}第二章 结论\n\n");
        text.push_str(&paragraph(6));
        text.push_str("\u{c}第二章 结论\n\n7\n\n");
        text.push_str(&paragraph(7));
        assert_eq!(
            dropped_where_said(&text, "第一章 研究背景"),
            [false, true, true, true, true]
        );
        assert_eq!(
            titles(&parse(&text)),
            ["研究报告", "第一章 研究背景", "第二章 结论"]
        );
    }

    /// The TeX Live guide: `9` / `发行历史` / `34` heads each page of chapter 9, which
    /// starts in the middle of page 34, under that page's own header.
    #[test]
    fn a_header_over_the_heading_it_names_on_the_same_page_is_furniture() {
        let mut text = String::from("封面\n\n");
        for page in 33..=37 {
            text.push('\u{c}');
            let chapter = if page == 33 {
                "8\n\n致谢"
            } else {
                "9\n\n发行历史"
            };
            text.push_str(&format!("{chapter}\n\n{page}\n\n"));
            text.push_str(&paragraph(page));
            if page == 34 {
                text.push_str("\n9\n\n发行历史\n\n9.1\n\n过去\n\n");
                text.push_str(&paragraph(page));
            }
        }
        // page 34's header goes, its heading (over `9.1`) stays, the later headers go
        assert_eq!(
            dropped_where_said(&text, "发行历史"),
            [true, false, true, true, true]
        );
    }

    /// cnbook (TeX by Topic's translation) through `pdftotext`: a page's header is the
    /// section it opens with, then the page's number, then the heading itself.
    #[test]
    fn a_heading_right_under_a_header_that_names_it_is_read() {
        let mut text = String::from("封面\n\n");
        for page in 96..=100 {
            text.push('\u{c}');
            text.push_str(&format!("字符和重音符\n\n{page}\n\n"));
            if page == 97 {
                text.push_str("字符和重音符\n\n");
            }
            text.push_str(&paragraph(page));
        }
        // the second line saying it on page 97 is the heading
        assert_eq!(
            dropped_where_said(&text, "字符和重音符"),
            [true, true, false, true, true, true]
        );
    }

    /// texproposal through `pdftotext`: a chapter opening under the page's header (its
    /// number, title and page number), right after a margin note of the page before. Its
    /// heading still starts a section: the header's lines go, the break before the heading
    /// stays.
    #[test]
    fn a_heading_under_a_dropped_header_still_starts_its_section() {
        let mut text = String::from("封面\n\n");
        for page in 17..=21 {
            text.push('\u{c}');
            let (number, title) = if page < 20 {
                (4, "开设选修课程")
            } else {
                (5, "建立镜像")
            };
            text.push_str(&format!("{number}\n\n{title}\n\n{page}\n\n"));
            if page == 17 {
                text.push_str("4 开设选修课程\n");
            }
            if page == 20 {
                text.push_str("5 建立镜像\n提议原因\n");
            }
            text.push_str(&paragraph(page));
            if page == 19 {
                text.push_str("\n软件建设\n\n");
            }
        }
        let doc = parse(&text);
        let titles = titles(&doc);
        assert!(
            titles.ends_with(&["4 开设选修课程", "5 建立镜像"]),
            "{titles:?}"
        );
    }

    /// The Debian Reference through `pdftotext`: a note's label (`注意`) that happens to open
    /// pages two apart is the text's, said all along; a section title that manuals repeat
    /// under each part (`3.5.1 行为`, `3.6.9 行为`) too.
    #[test]
    fn labels_the_text_uses_all_along_and_repeated_numbered_titles_stay() {
        let mut text = String::from("封面\n\n");
        for page in 1..=8 {
            text.push_str(&format!("\u{c}Debian 参考手册\n\n{page} / 8\n\n"));
            match page {
                2 | 4 => text.push_str("注意\n\n"),
                5 => text.push_str("3.5.1 行为\n\n"),
                7 => text.push_str("3.6.9 行为\n\n"),
                _ => {}
            }
            text.push_str(&paragraph(page));
            text.push_str("\n注意\n\n");
            text.push_str(&paragraph(page));
        }
        let dropped = dropped(&text);
        assert!(
            !dropped.iter().any(|t| t == "注意" || t.ends_with("行为")),
            "{dropped:?}"
        );
        assert_eq!(dropped.iter().filter(|t| t.ends_with("/ 8")).count(), 8);
    }

    const MAINT_GUIDE_PAGES: &str =
        include_str!("../../tests/fixtures/ingest/maint-guide-pages.mupdf.txt");
    const CTEX_FAQ_QUESTIONS: &str =
        include_str!("../../tests/fixtures/ingest/ctex-faq-questions.noff.txt");

    fn lines(text: &str) -> Vec<String> {
        text.split('\n').map(str::to_owned).collect()
    }

    /// MuPDF's text has no form feeds: the pages are found from `10 / 57`, `11 / 57` …, and
    /// their header and numbers are not read; the headings under them are.
    #[test]
    fn pages_are_found_from_their_numbers_where_the_text_has_no_breaks() {
        let raw = lines(MAINT_GUIDE_PAGES);
        let starts = pages_by_numbers(&raw).expect("page numbers found");
        let breaks: Vec<&str> = starts.iter().map(|&k| raw[k].as_str()).collect();
        assert_eq!(breaks.len(), 14, "{breaks:?}");
        assert!(breaks.iter().all(|l| l.ends_with(" / 57")), "{breaks:?}");
        let doc = parse(MAINT_GUIDE_PAGES);
        let said: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
        assert!(
            !said
                .iter()
                .any(|t| t.contains("Debian 新维护者手册") || t.contains(" / 57")),
            "{said:?}"
        );
        let titles = titles(&doc);
        for heading in [
            "2.3 获取程序并试用",
            "2.4 简单的编译系统",
            "2.5 常见的可移植编译系统",
        ] {
            assert!(titles.contains(&heading), "{heading}: {titles:?}");
        }
    }

    /// A FAQ's question numbers on lines of their own count up as page numbers do, but no
    /// header or footer stands beside them: no pages, and the questions stay headings.
    #[test]
    fn question_numbers_that_count_up_are_not_pages() {
        assert_eq!(pages_by_numbers(&lines(CTEX_FAQ_QUESTIONS)), None);
        let doc = parse(CTEX_FAQ_QUESTIONS);
        let titles = titles(&doc);
        assert!(titles.contains(&"CTEX 是干什么的？"), "{titles:?}");
        assert!(titles.contains(&"什么是 TEX？"), "{titles:?}");
    }

    #[test]
    fn page_numbers_are_read_in_their_usual_forms() {
        let read: Vec<Option<(i64, bool)>> = [
            "29",
            "29 / 223",
            "- 29 -",
            "第 29 页",
            "Page 29",
            "----------------------- Page 2-----------------------",
            "xvii",
            "29 /",
            "29.5",
            "v2",
            "12345",
            "pages 3",
        ]
        .iter()
        .map(|t| page_number(t).map(|p| (p.value, p.marked)))
        .collect();
        assert_eq!(
            read,
            [
                Some((29, false)),
                Some((29, true)),
                Some((29, true)),
                Some((29, true)),
                Some((29, true)),
                Some((2, true)),
                Some((17 - 1000, false)),
                None,
                None,
                None,
                None,
                None
            ]
        );
    }
}
