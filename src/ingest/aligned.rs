//! Tables that an extractor laid out in columns (`pdftotext -layout`, a console dump):
//! rows of three or more cells set apart by runs of spaces, some cells wrapped onto
//! lines of their own deeper in. Found so that a header row (`软件包  流行度  大小  说明`)
//! is never taken for a heading and the rows are not read as sentences.
//!
//! Text set in two or three columns side by side is not a table: a row needs a short cell
//! (a name, a number), and two rows or more make a table.
//!
//! Tables drawn with lines (`w3m` and `links` dumps of a web page, console tools, pandoc's
//! grid tables) are found by their borders: a cell wrapped over many lines reads as a
//! sentence cut in pieces and spliced with its neighbours'.

use std::ops::Range;

use super::outline;
use super::repair::{is_space, width};

/// The cells of a line: what runs of two or more spaces (or an ideographic space) set
/// apart, the indent not counted.
fn cells(line: &str) -> Vec<&str> {
    let t = line.trim_matches(is_space);
    let mut cells = Vec::new();
    let mut start = 0;
    let mut spaces = 0;
    let mut gap_start = 0;
    for (i, c) in t.char_indices() {
        if is_space(c) {
            if spaces == 0 {
                gap_start = i;
            }
            spaces += if c == '\u{3000}' { 2 } else { 1 };
            continue;
        }
        if spaces >= 2 {
            cells.push(&t[start..gap_start]);
            start = i;
        }
        spaces = 0;
    }
    if !t.is_empty() {
        cells.push(&t[start..]);
    }
    cells
}

/// A table's row: three cells or more, one of them short, none of them a long sentence.
/// A contents entry (`1.2.5   一组用户的权限（组） . . . . .   10`) is the outline's.
fn is_row(line: &str) -> bool {
    let cells = cells(line);
    let contents_entry = outline::has_leader(line)
        || (cells.len() == 3
            && outline::numbered_level(&format!("{} {}", cells[0], cells[1])).is_some()
            && cells[2].chars().all(|c| c.is_ascii_digit()));
    !contents_entry
        && cells.len() >= 3
        && cells.iter().any(|c| width(c) <= 16)
        && cells
            .iter()
            .all(|c| width(c) <= 100 && !c.ends_with(['。', '！', '？']))
}

/// A line that continues a cell of the row above (`版）` under a wrapped description), or
/// a first cell too long for its column (`developers-reference` over its row): short,
/// one or two cells.
fn continues_row(line: &str) -> bool {
    let c = cells(line);
    !c.is_empty() && c.len() <= 2 && c.iter().all(|c| width(c) <= 60)
}

/// A rule drawn between a table's rows: `------- ---------`, `===  ===`, `+----+`.
fn is_rule(line: &str) -> bool {
    let t = line.trim_matches(is_space);
    t.chars().filter(|&c| c != ' ').count() >= 3 && t.chars().all(|c| " -=_─━+|:".contains(c))
}

/// Line ranges (0-based, end exclusive) of the tables in `raw`: two rows or more, the
/// lines that continue them, at most one blank line inside.
pub(crate) fn aligned_tables(raw: &[String]) -> Vec<Range<usize>> {
    let blank = |i: usize| raw[i].trim_matches(is_space).is_empty();
    let mut tables = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if !is_row(&raw[i]) {
            i += 1;
            continue;
        }
        let (mut rows, mut end, mut j) = (1, i + 1, i + 1);
        while j < raw.len() {
            if blank(j) {
                if j + 1 < raw.len() && !blank(j + 1) && is_row(&raw[j + 1]) {
                    j += 1;
                    continue;
                }
                break;
            }
            if is_row(&raw[j]) {
                rows += 1;
                end = j + 1;
            } else if is_rule(&raw[j])
                || (continues_row(&raw[j])
                    && (raw
                        .get(j + 1)
                        .is_some_and(|n| is_row(n) || continues_row(n))
                        || raw[j].starts_with("        ")))
            {
                // a rule between rows, or a cell wrapped onto a line of its own
                end = j + 1;
            } else {
                break;
            }
            j += 1;
        }
        if rows >= 2 {
            tables.push(i..end);
        }
        i = end.max(i + 1);
    }
    // (a table of two columns has no row of three cells: its rule finds it)
    tables.extend(ruled_tables(raw));
    tables.sort_by_key(|t| t.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for t in tables {
        match merged.last_mut() {
            Some(last) if t.start <= last.end => last.end = last.end.max(t.end),
            _ => merged.push(t),
        }
    }
    merged
}

/// A rule of two columns or more, each three dashes or more (`------- -----`), which pandoc
/// draws under a table's header row; not a Markdown rule (`- - -`, `---`).
fn is_column_rule(line: &str) -> bool {
    let t = line.trim_matches(is_space);
    let groups: Vec<&str> = t.split(' ').filter(|g| !g.is_empty()).collect();
    groups.len() >= 2
        && groups
            .iter()
            .all(|g| g.len() >= 3 && g.chars().all(|c| c == '-'))
}

/// pandoc's plain-text tables, found by their column rule: the header over it (two lines
/// at most) and the rows under it to the next blank line; a table whose rule has no header
/// over it, or a rule across the page over that header (pandoc's multiline table, rows
/// parted by blank lines), goes on to the rule that closes it.
fn ruled_tables(raw: &[String]) -> Vec<Range<usize>> {
    const HEADER_LINES: usize = 2;
    const LONGEST: usize = 300;
    let blank = |i: usize| raw[i].trim_matches(is_space).is_empty();
    let mut tables = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if !is_column_rule(&raw[i]) {
            i += 1;
            continue;
        }
        let mut start = i;
        while start > 0
            && i - start < HEADER_LINES
            && !blank(start - 1)
            && !is_rule(&raw[start - 1])
        {
            start -= 1;
        }
        let opened = start > 0 && is_rule(&raw[start - 1]);
        if opened {
            start -= 1;
        }
        let rows_end = (i + 1..raw.len()).find(|&j| blank(j)).unwrap_or(raw.len());
        let closing = (start == i || opened)
            .then(|| (i + 1..raw.len().min(i + LONGEST)).find(|&j| is_rule(&raw[j])))
            .flatten();
        let end = closing.map_or(rows_end, |j| j + 1);
        // (pandoc boxes a DocBook note in a table of one row, `[[提示]]  提示` over its
        // sentences: text to read, not a table)
        let sentence = (start..end).any(|j| {
            let t = raw[j].trim_matches(is_space);
            width(t) > 30 && t.ends_with(['。', '！', '？', '.'])
        });
        // (pandoc's table of a DocBook page's navigation, `[上一页]  [下一页]`, has the
        // page's title over its rule: the title is the document's, and stays)
        let navigation = (i + 1..end).any(|j| {
            cells(&raw[j])
                .first()
                .is_some_and(|c| c.starts_with('[') && c.ends_with(']'))
        });
        if !sentence {
            tables.push(if navigation { i..end } else { start..end });
        }
        i = end.max(i + 1);
    }
    tables
}

/// A line of a table drawn with box characters (`┌──┬──┐`, `│ 名称 │ 说明 │`) or ASCII
/// (`+----+----+`, `| a | b |`). A line opening with `──` and nothing else drawn is a
/// Chinese dash (`──即一千文制钱`), not a border.
fn is_drawn(line: &str) -> bool {
    let t = line.trim_matches(is_space);
    let Some(first) = t.chars().next() else {
        return false;
    };
    let boxed = |c: char| ('\u{2500}'..='\u{257f}').contains(&c);
    let horizontal = |c: char| "─━┄┅┈┉╌╍═".contains(c);
    if boxed(first) {
        return t.chars().any(|c| boxed(c) && !horizontal(c))
            || t.chars().all(|c| boxed(c) || is_space(c));
    }
    // (`html2text` cuts a wide character in two at a cell's edge: `自动管理�|�络` ends a row)
    (t.starts_with('|') && (t.ends_with('|') || t.matches('|').count() >= 3) && t.len() >= 3)
        || (t.starts_with("+-") || t.starts_with("+="))
            && t.ends_with('+')
            && t.chars().all(|c| "+-=:".contains(c))
        // `html2text`'s top border
        || (t.len() >= 10 && t.chars().all(|c| c == '_'))
}

/// Line ranges (0-based, end exclusive) of the tables drawn with lines in `raw`: two lines
/// or more in a row that [`is_drawn`].
pub(crate) fn drawn_tables(raw: &[String]) -> Vec<Range<usize>> {
    let mut tables = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let run = raw[i..].iter().take_while(|l| is_drawn(l)).count();
        if run >= 2 {
            tables.push(i..i + run);
        }
        i += run.max(1);
    }
    tables
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn a_table_laid_out_by_pdftotext() {
        // Debian Reference, `pdftotext -layout`
        let raw = lines(
            "如果你已经安装了这些软件包，那么不会有新的软件包被安装。\n\
             \n  软件包                流行度            大小      说明\n\
             \x20 mc                 V:54, I:226    1482    文本模式的全屏文件管理器\n\
             \x20                                           Unix 文本编辑器 Vi 的改进版（标准\n\
             \x20 vim                V:97, I:390    3570\n\
             \x20                                           版）\n\
             \x20 developers-reference\n\
             \x20                  V:0, I:6         2051    Debian 开发者指导方针和信息\n\
             \n\n                                    Table 1.1: 有趣的文本模式程序包列表\n\
             \n您也可以考虑阅读一些其他的信息文档。\n",
        );
        assert_eq!(aligned_tables(&raw), vec![2..9]);
        // pandoc's plain text: a rule under the header row
        let raw = lines(
            "表 5.1. 网络配置工具一览表\n\n\
             \x20 软件包                  流行度         大小    说明\n\
             \x20 ----------------------- -------------- ------- ----------\n\
             \x20 network-manager         V:363, I:428   14803   自动管理网络\n\
             \x20 ifupdown                V:586, I:983   199     启动/关闭网络的标准工具\n\
             \n正文。\n",
        );
        assert_eq!(aligned_tables(&raw), vec![2..6]);
    }

    /// pandoc's plain text of Debian Reference: a table of two columns found by the rule
    /// under its header; a multiline table to its closing rule; a note boxed as a table of
    /// one row is no table, and a navigation bar's title is not the table's.
    #[test]
    fn tables_under_pandoc_s_rules() {
        let raw = lines(
            "你可以在日志文件里查询到软件包活动历史。\n\n\
             \x20 文件                    内容\n\
             \x20 ----------------------- -------------------------\n\
             \x20 /var/log/dpkg.log       dpkg 级的软件包活动日志\n\
             \x20 /var/log/apt/term.log   通用 APT 活动日志\n\
             \n事实上，很难从这些日志上快速获得有用的信息。\n",
        );
        assert_eq!(aligned_tables(&raw), vec![2..6]);
        let multiline = lines(
            "正文。\n\n\
             \x20 ------------------------------------------\n\
             \x20 命令         说明\n\
             \x20 ------------ -----------------------------\n\
             \x20 ip addr      显示活动的网络接口\n\
             \x20              连接和地址状态\n\n\
             \x20 route -n     用数字地址显示全部路由表\n\
             \x20 ------------------------------------------\n\n正文。\n",
        );
        assert_eq!(aligned_tables(&multiline), vec![2..10]);
        let note = lines(
            "正文。\n\n\
             \x20 ---------- -------------------------------------------------\n\
             \x20  [[提示]]  提示\n\
             \x20            关于Debian专属的网络手册，请查看Debian管理员手册—网络配置。\n\
             \x20 ---------- -------------------------------------------------\n",
        );
        assert!(aligned_tables(&note).is_empty());
        // a page's navigation: its rows go, the page's title over them stays
        let navigation = lines(
            "  第 5 章 网络设置\n\
             \x20 ------------------ --- -----------\n\
             \x20 [上一页]                  [下一页]\n\n第 5 章 网络设置\n",
        );
        assert_eq!(aligned_tables(&navigation), vec![1..3]);
        // a Markdown rule is no table's
        let markdown = lines("第一段。\n\n- - -\n\n---\n\n第二段。\n");
        assert!(aligned_tables(&markdown).is_empty());
    }

    #[test]
    fn tables_drawn_with_lines() {
        // `w3m -dump` of a DocBook page: cells wrapped inside their borders
        let raw = lines(
            "7.4.1. 客户端类型的表格\n\n\
             ┌─────────────┬──────────────┐\n\
             │主要解决方案 │对多媒体的支持│\n\
             ├─────────────┼──────────────┤\n\
             │胖客户端（   │在客户端机器上│\n\
             │Windows）    │带有足够强大的│\n\
             └─────────────┴──────────────┘\n\n\
             7.4.2. 解决方案\n",
        );
        assert_eq!(drawn_tables(&raw), vec![2..8]);
        // ASCII: pandoc's grid table
        let raw = lines(
            "正文。\n+------+------+\n| 名称 | 说明 |\n+======+======+\n| a    | b    |\n+------+------+\n",
        );
        assert_eq!(drawn_tables(&raw), vec![1..6]);
        // a rule alone (`<hr>`), a dash opening a line, a pipe in a sentence: no table
        let raw = lines(
            "━━━━━━━━━━━━━━━━━━━━\n──即一千文制钱。\n──这是另一句话。\n用 a | b 连接命令。\n",
        );
        assert!(drawn_tables(&raw).is_empty());
    }

    #[test]
    fn columns_of_text_and_single_rows_are_no_table() {
        let raw = lines(
            "  两栏排版的报纸，这是左栏的一行文字        右栏的一行文字，也很长很长的\n\
             \x20 左栏继续往下写，还是一行很长的文字        右栏继续往下写，还是一行很长\n\
             \n一行  只有  三个格子\n\n正文接着写。\n",
        );
        assert!(aligned_tables(&raw).is_empty());
        let contents = lines(
            "        1.2.5   一组用户的权限（组） . . . . . . . . . . . . .    10\n\
             \x20       1.2.6   文件时间戳 . . . . . . . . . . . . . . . . .    11\n\
             \x20 3.4   配置管理         9\n\
             \x20 3.5   更改管理         10\n",
        );
        assert!(aligned_tables(&contents).is_empty());
    }
}
