//! A LaTeX PDF's boxes that `pdftotext` printed on lines of their own, put back together
//! before the text is read.
//!
//! - **Contents entries**: the section number, the title, the dot leader and the page
//!   number are boxes of their own, each printed on a line, blank lines between:
//!
//!   ```text
//!   1.3
//!
//!   软件准备
//!
//!   . . . . . . . . . . . . . . . .
//!
//!   4
//!   ```
//!
//!   Read so, every title is a short line with nothing under it: a heading, and the
//!   contents are not recognised as contents. They become `1.3 软件准备 . . . . 4` (on the
//!   number's line; the others left blank).
//!
//! - **A heading's number under its title** (`LATEX 语句` / `2.3` / the paragraph): turned
//!   round only where a paragraph's first line (a page's width, or a sentence) follows the
//!   number. A number over a short title (`1.3` / `软件准备`) is the usual order, and turning
//!   every such pair round cost the DocBook manuals' `pdftotext` text more than it gave.

use super::outline;
use super::repair::is_space;

/// Puts each contents entry's cells back on one line, in place.
pub(crate) fn rejoin(raw: &mut [String]) {
    for i in 0..raw.len() {
        if !is_leader_alone(&text_at(raw, i)) {
            continue;
        }
        // the leader goes onto its title; the page number after it onto both
        let Some(title) = (i.saturating_sub(2)..i)
            .rev()
            .find(|&k| !blank(raw, k))
            .filter(|&k| {
                let t = text_at(raw, k);
                !is_leader_alone(&t) && !outline::is_bare_number(&t) && !outline::has_leader(&t)
            })
        else {
            continue;
        };
        join_next(raw, i, outline::is_bare_number);
        raw[title] = format!("{} {}", text_at(raw, title), text_at(raw, i));
        raw[i].clear();
    }
    // a title that ends in its leader (`优点和缺点 . . . . .`) over its page number
    for i in 0..raw.len() {
        if ends_in_leader(&text_at(raw, i)) {
            join_next(raw, i, outline::is_bare_number);
        }
    }
    // the section number over its entry (`1.3` over `软件准备 . . . . 4`)
    for i in 0..raw.len() {
        if is_section_number(&text_at(raw, i)) {
            join_next(raw, i, outline::has_leader);
        }
    }
    // a heading's number printed under its title, the paragraph after it
    for i in 0..raw.len() {
        if !is_section_number(&text_at(raw, i)) {
            continue;
        }
        let title = (i.saturating_sub(3)..i).rev().find(|&k| !blank(raw, k));
        let body = (i + 1..raw.len().min(i + 4)).find(|&k| !blank(raw, k));
        if let (Some(title), Some(body)) = (title, body)
            && title + 1 < i
            && (title == 0 || blank(raw, title - 1))
            && is_title(&text_at(raw, title))
            && body > i + 1
            && opens_paragraph(&text_at(raw, body))
        {
            raw[title] = format!("{} {}", text_at(raw, i), text_at(raw, title));
            raw[i].clear();
        }
    }
}

/// A heading's title as `pdftotext` prints it on a line of its own: short, words in it, no
/// sentence, no leader, no number alone.
fn is_title(t: &str) -> bool {
    let n = t.chars().count();
    (2..=40).contains(&n)
        && t.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && !super::repair::ends_with_punctuation(t)
        && !outline::has_leader(t)
        && !outline::is_bare_number(t)
        && !is_section_number(t)
        && outline::section_number(t).is_none()
}

/// The first line of a paragraph, which no title is: as wide as a page's line (50 columns,
/// 25 ideographs), or a sentence of some length (a translated title may end in a full
/// stop: `乐器索引。`).
fn opens_paragraph(t: &str) -> bool {
    super::repair::width(t) > 50 || (t.chars().count() >= 20 && super::repair::ends_sentence(t))
}

fn text_at(raw: &[String], i: usize) -> String {
    raw[i].trim_matches(is_space).to_owned()
}

fn blank(raw: &[String], i: usize) -> bool {
    raw[i].trim_matches(is_space).is_empty()
}

/// Puts the next line with text (across one blank line at most) at the end of line `i`
/// when it is what `fits` accepts, and blanks it.
fn join_next(raw: &mut [String], i: usize, fits: fn(&str) -> bool) {
    if let Some(next) = (i + 1..raw.len().min(i + 3)).find(|&k| !blank(raw, k))
        && fits(&text_at(raw, next))
    {
        raw[i] = format!("{} {}", text_at(raw, i), text_at(raw, next));
        raw[next].clear();
    }
}

/// `. . . . . . . .`: a dot leader and nothing else (eight dots or more).
fn is_leader_alone(t: &str) -> bool {
    t.chars()
        .filter(|&c| c == '.' || c == '·' || c == '…')
        .count()
        >= 8
        && t.chars()
            .all(|c| c == '.' || c == '·' || c == '…' || is_space(c))
}

/// A title whose dot leader has no page number after it yet.
fn ends_in_leader(t: &str) -> bool {
    let tail: String = t.chars().rev().take(9).collect();
    tail.chars().filter(|&c| c == '.').count() >= 4
        && t.ends_with('.')
        && t.chars().any(|c| c.is_alphabetic())
}

/// `1.3`, `2.2.1`, `A.1`: a section number of two levels or more, alone.
fn is_section_number(t: &str) -> bool {
    let parts: Vec<&str> = t.split('.').collect();
    parts.len() >= 2
        && parts.len() <= 6
        && parts.iter().enumerate().all(|(k, p)| {
            (1..=3).contains(&p.len())
                && (p.chars().all(|c| c.is_ascii_digit())
                    || (k == 0 && p.len() == 1 && p.chars().all(|c| c.is_ascii_uppercase())))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejoined(text: &str) -> Vec<String> {
        let mut raw: Vec<String> = text.lines().map(str::to_owned).collect();
        rejoin(&mut raw);
        raw.into_iter().filter(|l| !l.is_empty()).collect()
    }

    /// latex-notes-zh-cn through `pdftotext`: its contents cut into cells.
    #[test]
    fn a_contents_cut_into_cells_is_put_back_together() {
        let text = "1 简介\n\n1\n\n1.1\n\n历史回顾\n\n. . . . . . . . . . . . . . . .\n\n1\n\n\
                    1.2\n\n优点和缺点 . . . . . . . . . . . .\n\n3\n\n\
                    2.1\n\nHello, World! . . . . . . . . . . . .\n\n7\n";
        assert_eq!(
            rejoined(text),
            [
                "1 简介",
                "1",
                "1.1 历史回顾 . . . . . . . . . . . . . . . . 1",
                "1.2 优点和缺点 . . . . . . . . . . . . 3",
                "2.1 Hello, World! . . . . . . . . . . . . 7",
            ]
        );
    }

    /// latex-notes-zh-cn through `pdftotext`: a heading's number printed under its title,
    /// the paragraph after it; a number over its title stays where it is.
    #[test]
    fn a_number_printed_under_its_title_goes_before_it() {
        let text = "pdflatex hello_world(.tex)\n\nLATEX 语句\n\n2.3\n\n\
                    LATEX 源文件的每一行称作一条语句（statement），语句可以分三\n类。\n\n\
                    2.4\n\n文档结构\n\n一份文档可以分为导言和正文两部分，导言里是各种设置和宏包。\n";
        assert_eq!(
            rejoined(text),
            [
                "pdflatex hello_world(.tex)",
                "2.3 LATEX 语句",
                "LATEX 源文件的每一行称作一条语句（statement），语句可以分三",
                "类。",
                "2.4",
                "文档结构",
                "一份文档可以分为导言和正文两部分，导言里是各种设置和宏包。",
            ]
        );
    }

    /// The text itself: a section number over its heading and a sentence ending in an
    /// ellipsis are left as they are.
    #[test]
    fn text_outside_a_contents_is_left_alone() {
        let text = "1.3\n\n软件准备\nLATEX 是一个软件系统。\n\n他想了很久……\n\n2\n";
        assert_eq!(
            rejoined(text),
            [
                "1.3",
                "软件准备",
                "LATEX 是一个软件系统。",
                "他想了很久……",
                "2"
            ]
        );
    }
}
