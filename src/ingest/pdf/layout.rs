//! Runs of text to lines and pages: lines in reading order (columns found by their gaps),
//! sizes and weights measured, page numbers and contents lines told.

use super::super::collapse_whitespace;
use super::super::xml::Element;

/// A run of text as poppler placed it.
#[derive(Debug, Clone)]
pub(super) struct Run {
    pub(super) top: f32,
    pub(super) left: f32,
    pub(super) width: f32,
    pub(super) height: f32,
    pub(super) size: f32,
    pub(super) bold: bool,
    pub(super) mono: bool,
    pub(super) text: String,
}

/// One line (or one column's part of a line) of a page.
#[derive(Debug, Clone)]
pub(super) struct Line {
    pub(super) page: usize,
    pub(super) top: f32,
    pub(super) left: f32,
    pub(super) right: f32,
    pub(super) height: f32,
    /// Font size most of its characters have.
    pub(super) size: f32,
    pub(super) bold: bool,
    pub(super) mono: bool,
    pub(super) text: String,
    /// Ends in a page number after a leader or a wide gap (a table of contents line).
    pub(super) toc: bool,
}

pub(super) struct Page {
    pub(super) height: f32,
    pub(super) lines: Vec<Line>,
}

pub(super) fn number(value: Option<&str>) -> f32 {
    value.and_then(|v| v.trim().parse().ok()).unwrap_or(0.0)
}

pub(super) fn is_bold(e: &Element) -> bool {
    let text_len = e.text().trim().chars().count();
    let mut stack: Vec<&Element> = vec![e];
    while let Some(e) = stack.pop() {
        for child in e.elements() {
            if child.name == "b" && child.text().trim().chars().count() * 2 >= text_len {
                return true;
            }
            stack.push(child);
        }
    }
    false
}

/// Groups one page's runs into lines, splitting a line at wide gaps (columns), and
/// orders them: by column when the page has columns, top to bottom in each.
pub(super) fn lines_of(page: usize, height: f32, mut runs: Vec<Run>) -> Vec<Line> {
    runs.sort_by(|a, b| a.top.total_cmp(&b.top).then(a.left.total_cmp(&b.left)));
    let mut rows: Vec<Vec<Run>> = Vec::new();
    for run in runs {
        let same_row = rows.last().is_some_and(|row| {
            let first = &row[0];
            let middle = run.top + run.height / 2.0;
            middle > first.top && middle < first.top + first.height.max(run.height)
        });
        if same_row {
            rows.last_mut().expect("a row").push(run);
        } else {
            rows.push(vec![run]);
        }
    }
    let mut lines = Vec::new();
    for mut row in rows {
        row.sort_by(|a, b| a.left.total_cmp(&b.left));
        let mut pieces: Vec<Vec<Run>> = Vec::new();
        for run in row {
            let split = pieces.last().and_then(|p| p.last()).is_some_and(|prev| {
                let gap = run.left - (prev.left + prev.width);
                gap > 4.0 * prev.size.max(run.size).max(1.0)
            });
            if split || pieces.is_empty() {
                pieces.push(vec![run]);
            } else {
                pieces.last_mut().expect("a piece").push(run);
            }
        }
        // a page number alone at the right margin after a title: a table of contents line
        // (in the top or bottom margin it is a running header or footer)
        let top = pieces[0][0].top;
        let toc = top > height / 8.0
            && top < height * 7.0 / 8.0
            && pieces.len() >= 2
            && pieces
                .last()
                .is_some_and(|p| p.len() == 1 && is_page_number(&p[0].text));
        let count = pieces.len();
        for (k, piece) in pieces.into_iter().enumerate() {
            let mut line = join_runs(page, piece);
            line.toc = (toc && k + 2 == count) || ends_in_leader(&line.text);
            if toc && k + 1 == count {
                continue; // the page number itself
            }
            lines.push(line);
        }
    }
    order_columns(&mut lines);
    lines
}

/// Reading order on a page with columns: lines are grouped into bands separated by lines
/// that span the gutters (headlines); inside a band, column by column.
pub(super) fn order_columns(lines: &mut [Line]) {
    let Some(width) = lines
        .iter()
        .map(|l| l.right)
        .max_by(f32::total_cmp)
        .filter(|w| *w > 0.0)
    else {
        return;
    };
    // columns: starts of lines that at least 3 lines share, spaced a third of the width apart
    let mut starts: Vec<f32> = Vec::new();
    let mut sorted: Vec<f32> = lines.iter().map(|l| l.left).collect();
    sorted.sort_by(f32::total_cmp);
    for &x in &sorted {
        let near = sorted.iter().filter(|&&y| (y - x).abs() < 8.0).count();
        if near >= 3 && starts.iter().all(|&s| (s - x).abs() > width / 5.0) {
            starts.push(x);
        }
    }
    if starts.len() < 2 {
        return;
    }
    let narrow = |l: &Line| (l.right - l.left) < width / starts.len() as f32 * 1.2;
    let column = |l: &Line| starts.iter().filter(|&&s| s <= l.left + 8.0).count();
    let columned = lines.iter().filter(|l| narrow(l)).count();
    if columned * 2 < lines.len() {
        return;
    }
    let mut band = 0usize;
    let mut keyed: Vec<(usize, usize, f32, Line)> = Vec::new();
    for line in lines.iter() {
        if !narrow(line) {
            band += 1;
            keyed.push((band, 0, line.top, line.clone()));
            band += 1;
        } else {
            keyed.push((band, column(line), line.top, line.clone()));
        }
    }
    keyed.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)));
    for (slot, (_, _, _, line)) in lines.iter_mut().zip(keyed) {
        *slot = line;
    }
}

pub(super) fn join_runs(page: usize, runs: Vec<Run>) -> Line {
    let mut text = String::new();
    let mut sizes: Vec<(f32, usize)> = Vec::new();
    let (mut bold, mut mono, mut total) = (0, 0, 0);
    let mut prev_right: Option<f32> = None;
    // the PDF's own space (a run ending in one, or a run of spaces) since the last text
    let mut spaced = false;
    for run in &runs {
        let t = run.text.trim();
        if t.is_empty() {
            spaced = true;
            continue;
        }
        let n = t.chars().count();
        if let Some(right) = prev_right {
            let gap = run.left - right;
            let last = text.chars().last();
            let first = t.chars().next();
            let latin_edge = last.is_some_and(|c| c.is_ascii_alphanumeric())
                || first.is_some_and(|c| c.is_ascii_alphanumeric());
            // a written space next to Latin text or a section number's dot is kept
            // (`1.1. 本 FAQ`); between two Chinese characters it is layout
            let ascii_edge = last.is_some_and(|c| c.is_ascii_graphic())
                || first.is_some_and(|c| c.is_ascii_graphic());
            if (gap > run.size * 0.15 && latin_edge) || (spaced && ascii_edge) {
                text.push(' ');
            }
        }
        spaced = run.text.ends_with(char::is_whitespace);
        text.push_str(t);
        prev_right = Some(run.left + run.width);
        match sizes.iter_mut().find(|(s, _)| (*s - run.size).abs() < 0.5) {
            Some(entry) => entry.1 += n,
            None => sizes.push((run.size, n)),
        }
        total += n;
        if run.bold {
            bold += n;
        }
        if run.mono {
            mono += n;
        }
    }
    let size = sizes
        .iter()
        .max_by_key(|(_, n)| *n)
        .map_or(0.0, |(s, _)| *s);
    Line {
        page,
        top: runs.iter().map(|r| r.top).fold(f32::MAX, f32::min),
        left: runs.first().map_or(0.0, |r| r.left),
        right: runs.iter().map(|r| r.left + r.width).fold(0.0, f32::max),
        height: runs.iter().map(|r| r.height).fold(0.0, f32::max),
        size,
        bold: bold * 10 >= total * 8,
        mono: mono * 10 >= total * 8,
        text: collapse_whitespace(&text),
        toc: false,
    }
}

/// `12`, `iv`, `- 3 -`, `4 / 57`, `第 5 页`, `Page 3`.
pub(super) fn is_page_number(text: &str) -> bool {
    let t = text
        .trim()
        .trim_matches(|c: char| c == '-' || c == '—' || c.is_whitespace());
    if t.is_empty() {
        return false;
    }
    let core = t
        .trim_start_matches("Page ")
        .trim_start_matches("page ")
        .trim_start_matches('第')
        .trim_end_matches('页')
        .trim();
    let roman = core.len() <= 6 && core.chars().all(|c| "ivxlcIVXLC".contains(c));
    let digits = |s: &str| !s.is_empty() && s.len() <= 5 && s.chars().all(|c| c.is_ascii_digit());
    let fraction = core
        .split_once('/')
        .is_some_and(|(a, b)| digits(a.trim()) && digits(b.trim()));
    roman || digits(core) || fraction
}

/// `标题 . . . . . . 12` or `标题……12`: a table of contents line in one run.
pub(super) fn ends_in_leader(text: &str) -> bool {
    let t = text.trim_end();
    let body = t.trim_end_matches(|c: char| c.is_ascii_digit() || "ivxlc".contains(c));
    if body.len() == t.len() {
        return false;
    }
    let tail: String = body.chars().rev().take(6).collect();
    tail.chars()
        .filter(|c| matches!(c, '.' | '…' | '·' | '．'))
        .count()
        >= 3
}

/// The shape a running header or footer keeps from page to page: digits and roman page
/// numbers taken out.
pub(super) fn shape(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !is_page_number(w))
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect()
}
