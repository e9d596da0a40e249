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
    let gutters = gutters(&rows);
    let mut lines = Vec::new();
    for mut row in rows {
        row.sort_by(|a, b| a.left.total_cmp(&b.left));
        let mut pieces: Vec<Vec<Run>> = Vec::new();
        for run in row {
            let split = pieces.last().and_then(|p| p.last()).is_some_and(|prev| {
                let right = prev.left + prev.width;
                let gap = run.left - right;
                gap > 4.0 * prev.size.max(run.size).max(1.0)
                    || gutters
                        .iter()
                        .any(|&(from, to)| right <= from + 1.0 && run.left >= to - 1.0)
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

/// The page's gutters, as (from, to) x ranges: narrow strips between columns of text that
/// only a few lines (headlines across the columns) cross, while many lines end just left
/// of them and start just right of them. A newspaper's columns are often only a character
/// or two apart, too close for a gap inside a line to tell.
fn gutters(rows: &[Vec<Run>]) -> Vec<(f32, f32)> {
    // each row's runs joined where they touch (poppler splits a line at every change of
    // font: digits, quotes), so that a column's line is one piece
    let mut pieces: Vec<Run> = Vec::new();
    for row in rows {
        let mut row: Vec<&Run> = row.iter().filter(|r| !r.text.trim().is_empty()).collect();
        row.sort_by(|a, b| a.left.total_cmp(&b.left));
        let mut open: Option<Run> = None;
        for run in row {
            match open.as_mut() {
                Some(piece) if run.left - (piece.left + piece.width) <= 0.5 * run.size.max(1.0) => {
                    piece.width = (run.left + run.width - piece.left).max(piece.width);
                }
                _ => {
                    pieces.extend(open.take());
                    open = Some(run.clone());
                }
            }
        }
        pieces.extend(open);
    }
    let runs: Vec<&Run> = pieces.iter().collect();
    if runs.len() < 20 {
        return Vec::new();
    }
    let mut sizes: Vec<f32> = runs.iter().map(|r| r.size).collect();
    sizes.sort_by(f32::total_cmp);
    let size = sizes[sizes.len() / 2].max(1.0);
    let start = runs
        .iter()
        .map(|r| r.left)
        .fold(f32::MAX, f32::min)
        .max(0.0);
    let end = runs.iter().map(|r| r.left + r.width).fold(0.0, f32::max);
    // how many runs cover each unit of width (a page is a few thousand units at most)
    let bins = ((end - start).ceil() as usize).clamp(1, 20_000);
    let mut coverage = vec![0usize; bins];
    for r in &runs {
        let from = ((r.left - start).max(0.0) as usize).min(bins);
        // (a run of negative width, as rotated text may have, covers nothing)
        let to = ((r.left + r.width - start).ceil().max(0.0) as usize).clamp(from, bins);
        for c in &mut coverage[from..to] {
            *c += 1;
        }
    }
    let mut covered: Vec<usize> = coverage.iter().copied().filter(|&c| c > 0).collect();
    covered.sort_unstable();
    let typical = covered.get(covered.len() / 2).copied().unwrap_or(0);
    let low = typical / 8;
    let total: usize = coverage.iter().sum();
    let mut found = Vec::new();
    let mut x = 0;
    while x < bins {
        if coverage[x] > low {
            x += 1;
            continue;
        }
        let from = x;
        while x < bins && coverage[x] <= low {
            x += 1;
        }
        let (a, b) = (start + from as f32, start + x as f32);
        let left: usize = coverage[..from].iter().sum();
        let right: usize = coverage[x..].iter().sum();
        // running text on both sides: long lines, justified to the gutter on its left
        // (a table's cells are short and ragged, even where a column of them lines up)
        let long = |r: &&&Run| r.width >= 8.0 * size;
        let ending = runs
            .iter()
            .filter(|r| (a - 1.5 * size..=a + 1.0).contains(&(r.left + r.width)))
            .filter(long)
            .count();
        // and most lines that end near the gutter end at it: a table's column of cells
        // ends ragged
        let near = runs
            .iter()
            .filter(|r| (a - 10.0 * size..=a + 1.0).contains(&(r.left + r.width)))
            .count();
        let starting = runs
            .iter()
            .filter(|r| (b - 1.0..=b + 2.5 * size).contains(&r.left))
            .filter(long)
            .count();
        if b - a >= 0.8 * size
            && left * 7 >= total
            && right * 7 >= total
            && ending >= 8
            && ending * 10 >= near * 6
            && starting >= 8
        {
            found.push((a, b));
        }
    }
    found
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
    starts.sort_by(f32::total_cmp);
    let column = |l: &Line| starts.iter().filter(|&&s| s <= l.left + 8.0).count();
    // a line in one column: not wider than one, and not running into the next (a
    // headline's subtitle or a byline centred over the columns is short but crosses)
    let narrow = |l: &Line| {
        (l.right - l.left) < width / starts.len() as f32 * 1.2
            && starts
                .get(column(l))
                .is_none_or(|&next| l.right < next + 8.0)
    };
    let columned = lines.iter().filter(|l| narrow(l)).count();
    if columned * 2 < lines.len() {
        return;
    }
    // under a headline, the lines above the columns' first full line (a subtitle, a
    // byline, centred and short) belong to the headline, not to the column they fall in
    let column_width = (width - starts[0]) / starts.len() as f32;
    let full = |l: &Line| narrow(l) && l.right - l.left >= column_width * 0.85;
    let mut spanning: Vec<bool> = lines.iter().map(|l| !narrow(l)).collect();
    let mut k = 0;
    while k < lines.len() {
        // one band: the narrow lines up to the next wide one
        let end = (k..lines.len())
            .find(|&i| spanning[i])
            .unwrap_or(lines.len());
        if let Some(first_full) = lines[k..end]
            .iter()
            .filter(|l| full(l))
            .map(|l| l.top)
            .min_by(f32::total_cmp)
        {
            for i in k..end {
                spanning[i] = lines[i].top < first_full - 1.0;
            }
        }
        k = end + 1;
    }
    let mut band = 0usize;
    let mut keyed: Vec<(usize, usize, f32, Line)> = Vec::new();
    for (line, &spans) in lines.iter().zip(&spanning) {
        if spans {
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
