//! Columns of prose that an extractor set side by side (`pdftotext -layout` of a
//! newspaper or a two-column paper): each line holds a line of every column, so read
//! across it says half a sentence of one story, then half of another. Found as bands of
//! lines that split into the same number of long cells of Chinese prose at the same places,
//! and put back one column after the other, top to bottom, before anything else reads the
//! text.
//!
//! Positions count characters, not display width: `-layout` places every glyph, wide or
//! narrow, on one grid step, a step or two off here and there. A table laid out the same
//! way is not prose: its rows have short cells (a name, a number).

use super::repair::is_space;

/// Lines with text a band starts with, each sitting in the band's columns.
const BAND_START: usize = 6;
/// Lines with text whose cells say where the columns are.
const WINDOW: usize = 8;
/// Characters a column's cell holds on most lines, at least.
const MIN_CELL: usize = 8;
/// How far (in grid steps) a cell may start from its column's place.
const SLACK: usize = 3;

/// The text with its side-by-side columns one after the other, and for each of its lines
/// the 0-based line of the input it came from.
pub(crate) struct Unwoven {
    pub text: String,
    pub line_of: Vec<usize>,
    /// The runs of lines (0-based, end excluded) that were set in columns.
    pub bands: Vec<std::ops::Range<usize>>,
}

/// A run of text on a line between runs of two or more spaces: where it starts (in
/// characters from the line's start) and its characters.
struct Cell {
    start: usize,
    chars: Vec<char>,
}

impl Cell {
    fn end(&self) -> usize {
        self.start + self.chars.len()
    }

    /// Long and mostly Chinese: a line of a column of prose.
    fn is_prose(&self) -> bool {
        let wide = self
            .chars
            .iter()
            .filter(|&&c| super::repair::is_wide(c))
            .count();
        self.chars.len() >= MIN_CELL && wide * 3 >= self.chars.len() * 2
    }
}

fn cells(line: &str) -> Vec<Cell> {
    let chars: Vec<char> = line
        .chars()
        .filter(|&c| c != '\u{c}' && c != '\r')
        .collect();
    let mut cells: Vec<Cell> = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        if is_space(chars[k]) {
            k += 1;
            continue;
        }
        let start = k;
        // a cell goes on over single spaces
        while k < chars.len()
            && !(is_space(chars[k]) && chars.get(k + 1).is_none_or(|&c| is_space(c)))
        {
            k += 1;
        }
        cells.push(Cell {
            start,
            chars: chars[start..k].to_vec(),
        });
    }
    cells
}

/// `text` with its side-by-side columns put one after the other; `None` when it has none
/// (nothing is copied then).
pub(crate) fn unweave(text: &str) -> Option<Unwoven> {
    let lines: Vec<&str> = text.split('\n').collect();
    // cheap way out: columns need lines with two long runs of text
    if !lines
        .iter()
        .any(|l| l.chars().count() >= 2 * MIN_CELL + 2 && l.contains("  "))
    {
        return None;
    }
    let rows: Vec<Vec<Cell>> = lines.iter().map(|l| cells(l)).collect();
    let mut contents = contents_bands(&lines).into_iter().peekable();
    let mut bands: Vec<Band> = Vec::new();
    let mut start = 0;
    while start < lines.len() {
        if let Some(band) = contents.next_if(|b| b.start <= start) {
            start = band.end;
            bands.push(band);
            continue;
        }
        match band_at(&lines, &rows, start) {
            Some(band) if contents.peek().is_none_or(|c| band.end <= c.start) => {
                start = band.end;
                bands.push(band);
            }
            _ => start += 1,
        }
    }
    if bands.is_empty() {
        return None;
    }
    let mut out: Vec<String> = Vec::with_capacity(lines.len() + 8);
    let mut line_of = Vec::with_capacity(lines.len() + 8);
    let mut next = 0;
    for band in &bands {
        for (k, line) in lines.iter().enumerate().take(band.start).skip(next) {
            out.push((*line).to_owned());
            line_of.push(k);
        }
        for column in 0..band.cells.first().map_or(0, Vec::len) {
            // a column's lines need not share the others' baselines, so a column is empty
            // on every other line of the band: only a wider gap (a picture, another
            // story) parts its paragraphs
            let mut empty = 0;
            for (row, k) in (band.start..band.end).enumerate() {
                let cell = &band.cells[row][column];
                if cell.is_empty() {
                    empty += 1;
                    continue;
                }
                if empty >= 2 && !out.last().is_some_and(String::is_empty) {
                    out.push(String::new());
                    line_of.push(k);
                }
                empty = 0;
                out.push(cell.clone());
                line_of.push(k);
            }
            // a column's end ends its paragraph
            out.push(String::new());
            line_of.push(band.end - 1);
        }
        next = band.end;
    }
    for (k, line) in lines.iter().enumerate().skip(next) {
        out.push((*line).to_owned());
        line_of.push(k);
    }
    Some(Unwoven {
        text: out.join("\n"),
        line_of,
        bands: bands.iter().map(|b| b.start..b.end).collect(),
    })
}

/// Lines `start..end` set in columns, and each line's text in each column (its indent
/// within the column kept).
struct Band {
    start: usize,
    end: usize,
    cells: Vec<Vec<String>>,
}

fn band_at(lines: &[&str], rows: &[Vec<Cell>], start: usize) -> Option<Band> {
    // a band opens with a line of two columns or more (not a byline over them)
    if rows[start].len() < 2 || lines[start].contains('\u{c}') {
        return None;
    }
    // the next lines with text, on this page
    let window: Vec<usize> = (start..lines.len())
        .take_while(|&k| k == start || !lines[k].contains('\u{c}'))
        .filter(|&k| !rows[k].is_empty())
        .take(WINDOW)
        .collect();
    // side by side: most of those lines hold text in two columns or more (a caption or a
    // picture's placeholder indented under a dateline is not a column)
    let across = window.iter().filter(|&&k| rows[k].len() >= 2).count();
    if window.len() < BAND_START || across * 2 < window.len() {
        return None;
    }
    let columns = column_starts(rows, &window)?;
    // the band opens with lines that sit in those columns (a headline across them does not)
    let placed = window
        .iter()
        .take_while(|&&k| place(&rows[k], &columns).is_some())
        .count();
    if placed < BAND_START {
        return None;
    }
    let mut cells: Vec<Vec<String>> = Vec::new();
    let mut end = start;
    for k in start..lines.len() {
        if lines[k].contains('\u{c}') {
            break;
        }
        let Some(row) = place(&rows[k], &columns) else {
            break;
        };
        cells.push(row);
        end = k + 1;
    }
    // a blank line or two at the band's end belongs to what follows
    while end > start && cells.last().is_some_and(|r| r.iter().all(String::is_empty)) {
        cells.pop();
        end -= 1;
    }
    Some(Band { start, end, cells })
}

/// Contents pages set in two columns (`pdftotext -layout` of a LaTeX manual): lines that
/// hold two entries side by side, `1.1 概述 . . . 1    第三章 文档元素   19`, read across
/// give the entries out of order and hide each from the contents reader. Per page, the
/// run of lines around three or more such lines (most with a leader: a table's rows end
/// in numbers too) is a band of two columns: the left entries, then the right ones, a line
/// with only a right entry (indented as far as the right column) going to the right.
fn contents_bands(lines: &[&str]) -> Vec<Band> {
    let mut bands = Vec::new();
    let mut page_start = 0;
    while page_start < lines.len() {
        let page_end = (page_start + 1..lines.len())
            .find(|&k| lines[k].contains('\u{c}'))
            .unwrap_or(lines.len());
        let page = page_start..page_end;
        page_start = page_end;
        let splits: Vec<(usize, usize, usize)> = page
            .clone()
            .filter_map(|k| two_entries(lines[k]).map(|(gap, right)| (k, gap, right)))
            .collect();
        let led = splits
            .iter()
            .filter(|&&(k, _, right)| {
                let chars: Vec<char> = lines[k].chars().filter(|&c| c != '\u{c}').collect();
                let left: String = chars[..right].iter().collect();
                let right: String = chars[right..].iter().collect();
                super::outline::has_leader(&left) || super::outline::has_leader(&right)
            })
            .count();
        if splits.len() < 3 || led * 2 < splits.len() {
            continue;
        }
        let right_column = splits.iter().map(|s| s.2).min().unwrap_or(0);
        let first = splits[0].0;
        let last = splits[splits.len() - 1].0;
        // the page's lines above and below the two-entry lines that are entries too (a
        // title ending in its page number, a right entry alone) or blank; not the page's
        // `目录` over them
        let entry_like = |k: usize| {
            let t = lines[k].trim_matches(|c: char| is_space(c) || c == '\u{c}');
            t.is_empty() || t.ends_with(|c: char| c.is_ascii_digit() || "ivxlc".contains(c))
        };
        let start = (page.start..first)
            .rev()
            .take_while(|&k| entry_like(k))
            .last()
            .unwrap_or(first);
        let end = (last + 1..page.end)
            .take_while(|&k| entry_like(k))
            .last()
            .map_or(last + 1, |k| k + 1);
        let cells = (start..end)
            .map(|k| {
                let line = lines[k].replace('\u{c}', "");
                let chars: Vec<char> = line.chars().collect();
                let (left, right) = match splits.binary_search_by_key(&k, |s| s.0) {
                    Ok(at) => {
                        let (_, gap, right) = splits[at];
                        (&chars[..gap], &chars[right..])
                    }
                    Err(_) if indent(&line) + SLACK >= right_column => (&chars[..0], &chars[..]),
                    Err(_) => (&chars[..], &chars[..0]),
                };
                let mut left: String = left.iter().collect();
                // the page break stays at the band's first line
                if k == start && lines[k].contains('\u{c}') {
                    left.insert(0, '\u{c}');
                }
                let right: String = right.iter().collect();
                vec![
                    left.trim_end_matches(is_space).to_owned(),
                    right.trim_matches(is_space).to_owned(),
                ]
            })
            .collect();
        bands.push(Band { start, end, cells });
    }
    bands
}

/// Where a line holding two contents entries side by side parts them: the end of the left
/// entry's page number (a number or lower-case Roman numeral after a space, with a title
/// before it) and the start of the right entry, three or more spaces on. In characters.
fn two_entries(line: &str) -> Option<(usize, usize)> {
    let cells = cells(line);
    // letters and digits before the cell looked at
    let mut alphanumeric = 0;
    for pair in cells.windows(2) {
        let (cell, next) = (&pair[0], &pair[1]);
        // the cell's last word: `15` in `LATEX 标志 . . . 15`
        let word = cell
            .chars
            .iter()
            .rposition(|&c| is_space(c))
            .map_or(0, |k| k + 1);
        let number = &cell.chars[word..];
        let page_number = (number.len() <= 4 && number.iter().all(char::is_ascii_digit))
            || (number.len() <= 6 && number.iter().all(|c| "ivxlc".contains(*c)));
        let before = &cell.chars[..word];
        alphanumeric += before.iter().filter(|c| c.is_alphanumeric()).count();
        // (a title, or a leader: `E . . . 13` under a title wrapped by a logo's letters)
        let titled =
            alphanumeric >= 2 || super::outline::has_leader(&cell.chars.iter().collect::<String>());
        if next.start >= cell.end() + 3 && page_number && cell.start + word > 0 && titled {
            return Some((cell.end(), next.start));
        }
        alphanumeric += number.iter().filter(|c| c.is_alphanumeric()).count();
    }
    None
}

fn indent(line: &str) -> usize {
    line.chars()
        .take_while(|&c| is_space(c) || c == '\u{c}')
        .count()
}

/// Where the columns of a band start: places where, down the window's lines, three or
/// more cells start (give or take `SLACK`), most of them prose; two such places at least,
/// a column's width apart. Lines of different columns need not share a baseline: a line
/// may hold the first and third column's text and the next the second's.
fn column_starts(rows: &[Vec<Cell>], window: &[usize]) -> Option<Vec<usize>> {
    let mut starts: Vec<(usize, bool)> = window
        .iter()
        .flat_map(|&k| rows[k].iter().map(|c| (c.start, c.is_prose())))
        .collect();
    starts.sort_unstable();
    let mut clusters: Vec<Vec<(usize, bool)>> = Vec::new();
    for s in starts {
        match clusters.last_mut() {
            Some(cluster) if cluster.last().is_some_and(|l| s.0 <= l.0 + SLACK) => cluster.push(s),
            _ => clusters.push(vec![s]),
        }
    }
    let columns: Vec<usize> = clusters
        .iter()
        .filter(|c| c.len() >= 3 && c.iter().filter(|s| s.1).count() * 3 >= c.len() * 2)
        .map(|c| c[c.len() / 2].0)
        .collect();
    (columns.len() >= 2 && columns.windows(2).all(|w| w[1] >= w[0] + MIN_CELL)).then_some(columns)
}

/// A line's cells put in the band's columns, or `None` when the line does not sit in them
/// (a headline across the columns).
fn place(row: &[Cell], columns: &[usize]) -> Option<Vec<String>> {
    let mut texts = vec![String::new(); columns.len()];
    let column_of = |at: usize| columns.iter().rposition(|&c| c <= at + SLACK).unwrap_or(0);
    for cell in row {
        // text left of the first column: the band is over (a column starts below it)
        if cell.start + SLACK < columns[0] {
            return None;
        }
        let mut from = 0;
        let mut column = column_of(cell.start);
        // a cell that runs into the next column without two spaces between them (`破解，
        // 进一步`) is split at the space nearest where that column starts
        while let Some(&next) = columns.get(column + 1)
            && cell.start + cell.chars.len() > next + SLACK
        {
            let split = (cell.start + from + MIN_CELL..(next + SLACK).min(cell.end()))
                .filter(|&at| is_space(cell.chars[at - cell.start]))
                .min_by_key(|&at| at.abs_diff(next))?;
            push(
                &mut texts[column],
                cell,
                from,
                split - cell.start,
                columns[column],
            );
            from = split - cell.start + 1;
            column += 1;
        }
        push(
            &mut texts[column],
            cell,
            from,
            cell.chars.len(),
            columns[column],
        );
    }
    Some(texts)
}

/// Adds `cell.chars[from..to]` to a column's text on this line: after what is there with a
/// space, or indented as far as it stands right of the column's start.
fn push(text: &mut String, cell: &Cell, from: usize, to: usize, column: usize) {
    let part: String = cell.chars[from..to].iter().collect();
    if text.is_empty() {
        let indent = (cell.start + from).saturating_sub(column);
        text.extend(std::iter::repeat_n(' ', indent));
    } else {
        text.push(' ');
    }
    text.push_str(part.trim_matches(is_space));
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The seed article set in three columns by LibreOffice, as `pdftotext -layout` gives it.
    pub(crate) const LAYOUT: &str = "\
                      推动一体化向更深层次更宽领域拓展
                                        本报评论员

   习近平总书记在上海主持召开深入推进长三角        基础设施和公共服务的“硬联通”，让长三角     上海作为长三角的龙头，要进一步强化“四大
一体化发展座谈会并发表重要讲话。这是继在合肥       三省一市之间的人员流动更为便捷。         功能”，加快建设具有世界影响力的社会主义现代
主持召开扎实推进长三角一体化发展座谈会、强调         习近平总书记在讲话中提出了“四个统筹”的   化国际大都市，特别是充分发挥浦东引领区、临港
要“推动长三角一体化发展不断取得成效”之后，       要求，其中特别提到“统筹硬件联通和机制协同”， 新片区、虹桥国际开放枢纽、长三角生态绿色一体
习近平总书记围绕这一重大战略主持召开的第二次       也就是说，长三角要在持续加强“看得见”的硬件   化发展示范区等功能区的作用，强化与苏浙皖的分
座谈会。                         联通的同时，要更加注重“看不见”的制度衔接与   工协作，不断增强对长三角腹地、长江经济带乃至
   从“扎实推进”到“深入推进”，一词之变，      协同。                      全国的辐射带动能力。
内涵深刻。正如习近平总书记在讲话中强调的：长         未来在基础设施建设上肯定仍有广阔需求，要     苏浙皖也要在一体化中充分发挥各自在科技创
三角一体化发展有许多深层次问题有待进一步破解， 进一步加强道路交通、市政公用、能源资源、数字        新、实体产业、交通区位、生态环境、空间腹地等
";

    #[test]
    fn three_columns_side_by_side_are_read_one_after_the_other() {
        let unwoven = unweave(LAYOUT).expect("columns");
        let lines: Vec<&str> = unwoven.text.split('\n').map(str::trim).collect();
        let at = |s: &str| {
            lines
                .iter()
                .position(|l| l.starts_with(s))
                .unwrap_or_else(|| panic!("{s} in {lines:?}"))
        };
        // the headline and byline over the columns stay first; each column is read down
        assert_eq!(at("推动一体化"), 0);
        assert_eq!(at("本报评论员"), 1);
        assert_eq!(at("一体化发展座谈会"), at("习近平总书记在上海") + 1);
        assert_eq!(at("座谈会。"), at("习近平总书记围绕") + 1);
        assert!(at("三角一体化发展有许多") < at("基础设施和公共服务"));
        assert_eq!(at("三省一市"), at("基础设施和公共服务") + 1);
        assert!(at("进一步加强道路交通") < at("上海作为长三角的龙头"));
        assert_eq!(
            at("新、实体产业"),
            lines.iter().rposition(|l| !l.is_empty()).unwrap()
        );
        // cells set one space apart are split where the column starts
        assert_eq!(
            lines[at("三角一体化发展有许多")],
            "三角一体化发展有许多深层次问题有待进一步破解，"
        );
        // a paragraph's first line keeps its indent
        let raw: Vec<&str> = unwoven.text.split('\n').collect();
        assert!(raw[at("从“扎实推进”")].starts_with("  "));
        // each line says where it came from
        assert_eq!(unwoven.line_of[at("基础设施和公共服务")], 3);
        assert_eq!(unwoven.line_of.len(), raw.len());
    }

    /// A contents page of lshort-zh-cn (texlive-lang-chinese) as `pdftotext -layout` sets
    /// it: two columns of entries, a wrapped title (`LAT X` over a stray `E`) among them.
    const CONTENTS: &str = "\
\u{c}                                                           2.3.8   LATEX 标志 . . . . . . . . 15
                                                     2.4   断行和断页 . . . . . . . . . . . . 15
前言                                            v
                                                           2.4.1   单词间距 . . . . . . . . . 15
目录                                           vii           2.4.2   手动断行和断页 . . . . . . 16
                                                           2.4.3   断词 . . . . . . . . . . . . 17
第一章 LATEX 的基本概念                               1
 1.1   概述 . . . . . . . . . . . . . . . .     1    第三章 文档元素                                    19
       1.1.1   TEX . . . . . . . . . . . .    1      3.1   章节和目录 . . . . . . . . . . . . 19
       1.1.2   LATEX . . . . . . . . . . .    1            3.1.1   章节标题 . . . . . . . . . 19
 1.2   第一次使用 LATEX . . . . . . . . .          3      3.2   标题页 . . . . . . . . . . . . . . . 20
 2.3   LAT X 中的字符
          E             . . . . . . . . . . 13       3.8   盒子 . . . . . . . . . . . . . . . . 33
       2.3.1   空格和分段 . . . . . . . . 13                    3.8.1   水平盒子 . . . . . . . . . 33
                                                           3.8.4   标尺盒子 . . . . . . . . . 34
\u{c}      欢迎使用 LATEX！本章开头用简短的篇幅介绍了 LATEX 的来源。
";

    #[test]
    fn a_contents_page_in_two_columns_is_read_one_column_after_the_other() {
        let unwoven = unweave(CONTENTS).expect("contents columns");
        let lines: Vec<&str> = unwoven
            .text
            .split('\n')
            .map(|l| l.trim_matches(|c: char| is_space(c) || c == '\u{c}'))
            .filter(|l| !l.is_empty())
            .collect();
        let at = |s: &str| {
            lines
                .iter()
                .position(|l| l.starts_with(s))
                .unwrap_or_else(|| panic!("{s} in {lines:#?}"))
        };
        // each entry on a line of its own, the left column's before the right one's
        assert_eq!(
            lines[at("1.1   概述")],
            "1.1   概述 . . . . . . . . . . . . . . . .     1"
        );
        assert_eq!(at("1.1.1"), at("1.1   概述") + 1);
        assert_eq!(at("2.3.1"), at("E ") + 1);
        assert_eq!(
            lines[at("第三章")],
            "第三章 文档元素                                    19"
        );
        assert!(at("2.3.1") < at("2.3.8"));
        assert_eq!(at("2.4   断行"), at("2.3.8") + 1);
        assert_eq!(at("第三章"), at("2.4.3") + 1);
        assert_eq!(at("3.8.4"), at("3.8.1") + 1);
        assert_eq!(at("3.8.1"), at("3.8   盒子") + 1);
        // the page breaks stay where the pages start, and the text after the band follows
        let raw: Vec<&str> = unwoven.text.split('\n').collect();
        assert!(raw[0].starts_with('\u{c}'), "{:?}", raw[0]);
        assert_eq!(at("欢迎使用"), lines.len() - 1);
        let welcome = raw.iter().position(|l| l.contains("欢迎使用")).unwrap();
        assert_eq!(unwoven.line_of[welcome], 15);
        assert_eq!(unwoven.bands.len(), 1);
        assert_eq!(unwoven.bands[0], 0..15);
    }

    #[test]
    fn tables_and_single_columns_are_left_alone() {
        let table = "\
软件包          流行度       大小     说明
mc              V:50, I:209  1542     文本模式下的全屏文件管理器
sudo            V:688, I:841 6550     赋予用户部分 root 权限的程序
vim             V:95, I:369  3743     Unix 文本编辑器 Vi 的改进版
vim-tiny        V:58, I:975  1722     Unix 文本编辑器 Vi 的精简版
emacs-nox       V:4, I:16    39647    GNU 项目 Emacs，基于 Lisp 的可扩展编辑器
w3m             V:15, I:187  2837     文本模式 WWW 浏览器
";
        assert!(unweave(table).is_none());
        let prose =
            "这是一段很长的正文，它从页面的左边一直写到右边，中间没有任何空白的栏缝。\n".repeat(10);
        assert!(unweave(&prose).is_none());
    }
}
