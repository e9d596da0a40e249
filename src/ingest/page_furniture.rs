//! Page furniture in extracted text: running headers and footers, page numbers, and
//! lines that recur with a changing number. Found from how a line recurs across the
//! document's pages (form feeds) or through it, never from its words alone.

use std::collections::{HashMap, HashSet};

use super::outline::{
    decimal_number, is_bare_number, is_date_line, is_heading_label, numbered_level,
};
use super::repair::is_space;

/// Lines of running headers and footers in text extracted page by page (pages separated
/// by form feeds): among the first and last two lines of each page, those whose text with
/// digits taken out comes back on at least a third of the pages, and bare page numbers
/// there. The first page keeps its lines (the title is often the running header too).
/// Indices are into `raw` (lines split at `\n`).
pub(crate) fn running_furniture(raw: &[String]) -> Vec<usize> {
    let mut pages: Vec<Vec<usize>> = vec![Vec::new()];
    for (k, line) in raw.iter().enumerate() {
        let breaks = line.matches('\u{c}').count();
        for _ in 0..breaks {
            pages.push(Vec::new());
        }
        if !line
            .trim_matches(|c: char| is_space(c) || c == '\u{c}')
            .is_empty()
            && let Some(page) = pages.last_mut()
        {
            page.push(k);
        }
    }
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
    let chapter_title = |t: &str| {
        let t = t.trim_matches(|c: char| is_space(c) || c == '\u{c}');
        (t.starts_with('第') && t.chars().take(8).any(|c| "章节篇部卷".contains(c)))
            || numbered_level(t) == Some(1)
            // a paper's or book's unnumbered part
            || [
                "摘要", "前言", "引言", "绪论", "结论", "结语", "参考文献", "致谢", "附录", "后记",
                "Abstract", "ABSTRACT",
            ]
            .contains(&t)
    };
    let mut dropped = Vec::new();
    // titles said away from the pages' edges, on a line or over two (`第三章` / `研究设计`):
    // there is the heading, and every edge line that says them is a header
    let edge_lines: HashSet<usize> = pages.iter().flat_map(edges).collect();
    let text_lines: Vec<usize> = pages.iter().flatten().copied().collect();
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
    for (p, page) in pages.iter().enumerate() {
        for k in edges(page) {
            let s = shape(&raw[k]);
            let header = chapter_title(&raw[k]) && counts.get(&s).is_some_and(|&n| n >= 2);
            let seen = met.contains(&s) || elsewhere.contains(&s);
            if header && !seen {
                met.push(s.clone());
            }
            if p == 0 {
                continue;
            }
            if is_bare_number(&raw[k])
                || (!s.is_empty() && counts.get(&s).is_some_and(|&n| n >= recurring))
                || (header && seen)
            {
                dropped.push(k);
            }
        }
    }
    dropped
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
        if s.chars().count() >= 2 {
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
