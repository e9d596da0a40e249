//! What a plain text's outline looks like, and what around it is never read: numbered
//! headings in their common forms, tables of contents, running headers and footers, and
//! download banners.
//!
//! Every rule here was drawn from several kinds of real text (Debian's plain-text manuals
//! and FAQ, `pdftotext` output of PDF manuals, novels from download sites), not from one
//! file; each looks at how a line is used in the whole document (does it recur with a
//! changing number? does a contents entry come back later as a heading?) rather than at
//! its words alone.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::repair::{self, Line, ends_sentence, ends_with_punctuation, is_space};

/// The level of a numbered heading: `1.`/`1` → 1, `1.1`/`1.1.` → 2, `2.5.3` → 3; `一、` → 1,
/// `（一）` → 2. `None` when the line is not shaped like one: the number must be followed
/// by a title (a letter or ideograph), the whole line short, with no comma or full stop
/// inside (a question mark may end it: FAQ headings are questions).
pub(crate) fn numbered_level(text: &str) -> Option<u8> {
    let t = without_part_mark(text.trim_matches(is_space));
    let n = t.chars().count();
    // a comma inside is running text (`1. 打开终端，输入命令`) unless the line asks
    // something (FAQ headings are questions)
    let question = t.ends_with(['？', '?', '！', '!']);
    if n > if question { 90 } else { 60 }
        || (t.contains(['，', '。', '；']) && !question)
        || t.ends_with(['：', ':', '、', ','])
    {
        return None;
    }
    if let Some((level, rest)) = decimal_number(t) {
        let rest = rest.trim_start_matches(is_space);
        // a title may open with a quote: `6.5. “测试版”包含什么？`
        let title_starts = rest
            .trim_start_matches(['“', '「', '『', '《', '‘', '"', '（', '('])
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic())
            // a contract's clause under its section number: `10.1.5.2. 2. 保密`
            || (rest.len() < t.len() && decimal_number(rest).is_some_and(|(_, title)| {
                title.starts_with(is_space)
                    && title.trim_start_matches(is_space).starts_with(char::is_alphabetic)
            }));
        // `1 / 57`, `2019 年`: a number, not a heading
        let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
        // `1 Source: gentoo`: a numbered listing, not a heading
        let listing = level == 1 && rest.contains(": ");
        // `2019 年`, `1.5 倍`: a quantity; `9.3.2 日志分析` has too many dots to be one
        if title_starts
            && digits <= 3
            && !listing
            && (level >= 3
                || !rest.starts_with([
                    '年', '月', '日', '%', '个', '元', '亿', '万', '千', '百', '倍', '米', '度',
                    '分', '秒', '点', '岁', '人', '次',
                ]))
        {
            return Some(level);
        }
        return None;
    }
    const NUMERALS: &str = "一二三四五六七八九十百零〇";
    let rest = t.trim_start_matches(|c| NUMERALS.contains(c));
    if rest.len() < t.len() && rest.starts_with('、') && n <= 30 {
        return Some(1);
    }
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(inner) = t.strip_prefix(open)
            && let Some((number, title)) = inner.split_once(close)
            && !number.is_empty()
            && number.chars().all(|c| NUMERALS.contains(c))
            && !title.trim().is_empty()
            && n <= 30
        {
            return Some(2);
        }
    }
    None
}

/// `t` without the part's number a book sets before its chapters' (`【壹】一、中國現代化運動的
/// 各階段`, `【三】二、…`: 晚清七十年).
fn without_part_mark(t: &str) -> &str {
    const NUMERALS: &str = "一二三四五六七八九十壹贰貳叁參肆伍陆陸柒捌玖拾0123456789";
    t.strip_prefix('【')
        .and_then(|r| r.split_once('】'))
        .filter(|(n, rest)| {
            (1..=3).contains(&n.chars().count())
                && n.chars().all(|c| NUMERALS.contains(c))
                && !rest.is_empty()
        })
        .map_or(t, |(_, rest)| rest.trim_start_matches(is_space))
}

/// `1.2.3` or `1.2.3.` at the start of `t`, or an appendix's `A.1`: its depth and what
/// follows.
pub(crate) fn decimal_number(t: &str) -> Option<(u8, &str)> {
    let mut depth = 0u8;
    let mut rest = t;
    if let Some(after) = appendix_letter(t) {
        depth = 1;
        rest = after;
    }
    loop {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        // (after the first, a section's parts have one or two digits and are not 0:
        // `127.0.0.1 localhost`, `192.168.1.1 网关` are addresses)
        let later = depth > 0;
        if digits == 0
            || digits > 3
            || (later && (digits > 2 || rest[..digits].bytes().all(|b| b == b'0')))
        {
            return None;
        }
        depth += 1;
        rest = &rest[digits..];
        match rest.strip_prefix('.') {
            Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => rest = after,
            Some(after) => return Some((depth, after)),
            None => {
                // `1 标题` needs the space; `1标题` is running text (`1个`, `3D`)
                return rest.starts_with(is_space).then_some((depth, rest));
            }
        }
    }
}

/// A line that is only a section number (`1.3`, `2.`) or a chapter label (`Chapter 1`,
/// `第 3 章`): text extraction put the title on the next line.
pub(crate) fn is_heading_label(text: &str) -> bool {
    let t = text.trim_matches(is_space);
    // (`0.385` is a figure: a section number's parts after the first have 1 or 2 digits)
    // (`A.1`: an appendix's section)
    let digits = appendix_letter(t).unwrap_or(t);
    let number = !t.is_empty()
        && t.len() <= 12
        && t.contains('.')
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().next().is_some_and(|c| c.is_ascii_digit())
        && t.split('.').skip(1).all(|part| part.len() <= 2);
    let lower = t.to_ascii_lowercase();
    let chapter = ["chapter ", "part ", "appendix "].iter().any(|w| {
        lower.strip_prefix(w).is_some_and(|r| {
            !r.is_empty() && r.len() <= 4 && r.chars().all(|c| c.is_ascii_alphanumeric())
        })
    });
    let chinese = t.strip_prefix('第').is_some_and(|r| {
        let r: String = r.chars().filter(|&c| !is_space(c)).collect();
        r.ends_with(['章', '部', '篇', '卷', '节', '節', '回']) && r.chars().count() <= 6
    });
    number || chapter || chinese
}

/// A word that download sites and converters put in front of every chapter heading
/// (`正文 第一回 …`, `《》目录 第一回 …`, `正文 出版者言`): a short first token (no Latin
/// letters or digits) followed by a space and a title — at most 40 characters, not a
/// sentence — on at least three lines, and on nearly nothing else: of the lines it opens,
/// at least four in five are such titles. `None` when no such prefix exists.
pub(crate) fn recurring_heading_prefix(raw: &[String]) -> Option<String> {
    // per prefix: lines it opens, and of those the ones a title follows; the titles, which
    // differ from heading to heading (an icon's `[注意]` over its label `注意` is the same
    // every time)
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut titles: HashMap<&str, HashSet<String>> = HashMap::new();
    for line in raw {
        let t = line.trim_matches(is_space);
        let Some((prefix, rest)) = t.split_once(is_space) else {
            continue;
        };
        if !(1..=8).contains(&prefix.chars().count())
            || prefix.contains('第')
            // `表 5.1. 网络配置工具一览表` is a table's caption, every one of them
            || CAPTION_WORDS.contains(&prefix)
            || prefix.chars().any(|c| c.is_ascii_alphanumeric())
            || !prefix.chars().any(|c| c.is_alphabetic())
        {
            continue;
        }
        let entry = counts.entry(prefix).or_default();
        entry.0 += 1;
        if is_marked_title(rest) {
            entry.1 += 1;
            // the same title however it is spaced
            let words: Vec<&str> = rest.split(is_space).filter(|w| !w.is_empty()).collect();
            titles.entry(prefix).or_default().insert(words.join(" "));
        }
    }
    counts
        .into_iter()
        .filter(|&(prefix, (all, titled))| {
            // headings rarely repeat: `软件包 流行度 大小 说明` heads table after table
            titled >= 3
                && titled * 5 >= all * 4
                && titles
                    .get(prefix)
                    .is_some_and(|t| t.len() >= 3 && t.len() * 5 >= titled * 4)
        })
        .max_by_key(|&(_, (_, titled))| titled)
        .map(|(prefix, _)| prefix.to_owned())
}

/// Words that open a numbered caption: `表 5.1. …`, `图 3 …`, `Table 1.1: …`, `表格 1.1. …`
/// (longer words first: the first that opens the line is the one taken).
const CAPTION_WORDS: &[&str] = &[
    "表格", "图表", "圖表", "插图", "插圖", "范例", "範例", "表", "图", "圖", "Table", "Figure",
    "Fig.",
];

/// `表 5.1. 网络配置工具一览表`, `图 3 系统结构`, `Table 1.1: 有趣的文本模式程序包列表`, `图3-2
/// 流程`: a caption word, a number, and a short title that is not a sentence.
pub(crate) fn is_numbered_caption(text: &str) -> bool {
    let t = text.trim_matches(is_space);
    let Some(rest) = CAPTION_WORDS.iter().find_map(|w| t.strip_prefix(w)) else {
        return false;
    };
    let rest = rest.trim_start_matches(is_space);
    let number_end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '–' | '－')))
        .unwrap_or(rest.len());
    let (number, title) = rest.split_at(number_end);
    let title = title.trim_start_matches([':', '：', ' ', '\u{3000}']);
    number.starts_with(|c: char| c.is_ascii_digit())
        && !title.is_empty()
        && title.chars().count() <= 50
        && !ends_sentence(title)
        && !title.contains(['，', '。'])
}

/// What follows a site's heading marker when it is a title: at most 40 characters, not
/// a sentence, opening with a CJK character or a section number — not a numbered label
/// (`替换选项 2 为每名教师配备笔记本：`) nor a Latin word set off by a space (`每所学校的 ICT
/// 联络人`).
pub(crate) fn is_marked_title(rest: &str) -> bool {
    let rest = rest.trim_matches(is_space);
    (1..=40).contains(&rest.chars().count())
        && !ends_sentence(rest)
        && !ends_with_punctuation(rest.trim_end_matches(['）', ')', '》', '」', '”']))
        && !rest.contains(['。', '，'])
        // a title does not close a quotation it did not open (`转换到” 多用户”` is a cell)
        && rest.matches(['”', '」', '』']).count() <= rest.matches(['“', '「', '『']).count()
        && (rest
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() && !c.is_ascii())
            || numbered_level(rest).is_some())
}

/// `第一回 …`, `第 3 章 …`, `第12节`: a Chinese chapter label opens the text.
fn starts_with_chapter_label(t: &str) -> bool {
    strip_chapter_label(t).len() < t.len()
}

/// `第 1 章 定义` → `定义`, `Chapter 2 Setup` → `Setup`: what follows a chapter label.
fn strip_chapter_label(t: &str) -> &str {
    if let Some(rest) = t.strip_prefix('第')
        && let Some(at) = rest.find(['章', '回', '节', '節', '部', '篇', '卷'])
        && rest[..at].chars().count() <= 8
        && rest[..at].chars().all(|c| {
            c.is_ascii_digit() || is_space(c) || "一二三四五六七八九十百千零〇两".contains(c)
        })
    {
        let unit = rest[at..].chars().next().map_or(0, char::len_utf8);
        return rest[at + unit..].trim_start_matches(is_space);
    }
    for word in ["chapter ", "Chapter ", "CHAPTER ", "Part ", "Appendix "] {
        if let Some(rest) = t.strip_prefix(word) {
            let label = rest.split(is_space).next().unwrap_or("");
            if label.len() <= 4 {
                return rest[label.len()..].trim_start_matches(is_space);
            }
        }
    }
    t
}

/// A date line (`2021 年 1 月`, `2024-01-31 星期三 第3版`, `12/05/2023`, `出版日期：
/// 2024-01-31`): never a title or a heading.
pub(crate) fn is_date_line(t: &str) -> bool {
    let digits = t.chars().filter(|c| c.is_ascii_digit()).count();
    let letters = t.chars().filter(|c| c.is_alphabetic()).count();
    let dated = t.contains('年') && (t.contains('月') || t.contains('日'));
    let iso = t.as_bytes().windows(10).any(|w| {
        w.iter().enumerate().all(|(k, b)| match k {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
    });
    digits >= 4 && (dated || iso || t.contains("星期") || letters * 2 < digits)
}

/// `目录`, `目 录`, `內容目錄`, `Contents`, `Table of Contents`; also the title of a list of
/// tables or figures (`is_caption_list_title`).
pub(crate) fn is_contents_title(text: &str) -> bool {
    let t = compact_title(text);
    matches!(
        t.as_str(),
        "目录"
            | "目次"
            | "目錄"
            | "总目录"
            | "總目錄"
            | "全书目录"
            | "全書目錄"
            | "内容目录"
            | "內容目錄"
            | "contents"
            | "tableofcontents"
            | "回目"
            | "章节目录"
            | "章節目錄"
    ) || is_caption_list_title(text)
}

/// The title of a list of the tables, figures or examples (`附表目錄`, `插图目录`, `List of
/// Tables`): its entries come back as captions, never as headings.
pub(crate) fn is_caption_list_title(text: &str) -> bool {
    let t = compact_title(text);
    let listed = [
        "表", "表格", "附表", "图", "圖", "插图", "插圖", "图表", "圖表", "范例", "範例", "例子",
    ];
    t.strip_suffix("目录")
        .or_else(|| t.strip_suffix("目錄"))
        .or_else(|| t.strip_suffix("清单"))
        .or_else(|| t.strip_suffix("清單"))
        .is_some_and(|what| listed.contains(&what))
        || matches!(
            t.as_str(),
            "listoftables" | "listoffigures" | "listofexamples" | "listofillustrations"
        )
}

fn compact_title(text: &str) -> String {
    text.chars()
        .filter(|&c| !is_space(c) && c != '#')
        .collect::<String>()
        .to_lowercase()
}

/// A line of a table of contents that says so itself: a dot leader or a page number after
/// a wide gap at its end (`1.1 概述 . . . . 12`, `概述……3`, `第一回 … 12`).
pub(crate) fn has_leader(text: &str) -> bool {
    let t = text.trim_end_matches(is_space);
    let body = t.trim_end_matches(|c: char| c.is_ascii_digit() || "ivxlc".contains(c));
    let body = body.trim_end_matches(is_space);
    let tail: String = body.chars().rev().take(8).collect();
    tail.chars().filter(|&c| is_leader_dot(c)).count() >= 4
}

/// The text without a dot leader and the page number it leads to at its end (`General:
/// 修正错误。 . . . . . 12` → `General: 修正错误。`): dots only, four or more, so that a
/// version (`gentoo-0.9.12.`), a path or a rule of dashes keeps its end.
pub(crate) fn without_dot_leader(text: &str) -> &str {
    let t = text.trim_end_matches(is_space);
    let page = t.trim_end_matches(|c: char| c.is_ascii_digit());
    // (`日期: ......... 2006`: a form's field filled in with a year)
    let number = &t[page.len()..];
    let year = number.len() == 4 && (number.starts_with("19") || number.starts_with("20"));
    if number.is_empty() || number.len() > 4 || year {
        return text;
    }
    let leader =
        page.trim_end_matches(|c: char| matches!(c, '.' | '…' | '·' | '．') || is_space(c));
    // (`……`: each is three)
    let dots: usize = page[leader.len()..]
        .chars()
        .map(|c| match c {
            '…' => 3,
            c if is_space(c) => 0,
            _ => 1,
        })
        .sum();
    if dots >= 4 {
        leader.trim_end_matches(is_space)
    } else {
        text
    }
}

/// A character of a dot leader: `. . . .`, `……`, `····`, `----`.
fn is_leader_dot(c: char) -> bool {
    matches!(c, '.' | '…' | '·' | '．' | '-' | '_')
}

/// The value of a Chinese numeral from 一 to 九十九 (`十三`, `二十`), written alone.
pub(crate) fn small_chinese_numeral(text: &str) -> Option<u32> {
    const DIGITS: &str = "一二三四五六七八九";
    let digit = |c: char| DIGITS.chars().position(|d| d == c).map(|p| p as u32 + 1);
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [d] => digit(*d),
        ['十', d] => digit(*d).map(|d| 10 + d),
        [t, '十'] => digit(*t).filter(|&t| t >= 2).map(|t| t * 10),
        [t, '十', d] => Some(digit(*t).filter(|&t| t >= 2)? * 10 + digit(*d)?),
        _ => None,
    }
}

/// A contents entry without its page number and dot leader: `1.2 概述 . . . . 12` → `1.2 概述`.
pub(crate) fn without_leader(text: &str) -> &str {
    if !has_leader(text) {
        return text;
    }
    text.trim_end_matches(|c: char| is_space(c) || c.is_ascii_digit() || "ivxlc".contains(c))
        .trim_end_matches(|c: char| is_space(c) || is_leader_dot(c))
}

/// What a title is compared by: section numbers, chapter labels before a title, leaders,
/// page numbers and spaces taken out, lower case.
pub(crate) fn title_key(text: &str) -> String {
    let t = text.trim_matches(is_space);
    let t = starred_heading(t).map_or(t, |(_, title)| title);
    // a contents printed as a list (`• 1. 简介`, `□ 1.1. 支持`, html2text's `o 1.1._支持`)
    let t = without_part_mark(after_bullet(t).unwrap_or(t));
    let t = match decimal_number(t) {
        Some((_, rest)) => rest,
        // (a label alone is its own title: `第一章` where chapters have no other name)
        None => glued_section_number(t).unwrap_or_else(|| {
            Some(strip_chapter_label(t))
                .filter(|rest| !rest.is_empty())
                .unwrap_or(t)
        }),
    };
    let t = t.trim_end_matches(|c: char| c.is_ascii_digit() || is_space(c));
    t.chars()
        .filter(|&c| c.is_alphanumeric() || matches!(c, '？' | '?'))
        .collect::<String>()
        .to_lowercase()
}

/// The bullets that text dumps print in front of a list's items: `-`, `*`, `•` (w3m's
/// first level, lynx's and pandoc's), `□`, `◦`, `▪` (deeper levels), `o` (html2text's
/// second level, before a number only).
const BULLETS: &[char] = &[
    '-', '*', '+', '•', '·', '◦', '▪', '▫', '□', '■', '●', '○', '◆', '◇', '‣', '⁃', '☆', '★',
];

/// What follows the bullet that opens `t` (trimmed), if a list's bullet does.
pub(crate) fn after_bullet(t: &str) -> Option<&str> {
    if let Some(rest) = t.strip_prefix("o ")
        && rest
            .trim_start_matches(is_space)
            .starts_with(|c: char| c.is_ascii_digit())
    {
        return Some(rest.trim_start_matches(is_space));
    }
    let rest = t.strip_prefix(BULLETS)?;
    // (`-5 度`, `*args`: an ASCII bullet needs the space after it)
    let ascii = t.starts_with(['-', '*', '+']);
    (!ascii || rest.starts_with(is_space)).then(|| rest.trim_start_matches(is_space))
}

/// After an appendix's letter that opens a section number (`A.1`, `B.2.3`): the digits.
fn appendix_letter(t: &str) -> Option<&str> {
    let mut chars = t.chars();
    let letter = chars.next()?;
    let rest = chars.as_str().strip_prefix('.')?;
    (letter.is_ascii_uppercase() && rest.starts_with(|c: char| c.is_ascii_digit())).then_some(rest)
}

/// What follows a section number that a contents page set with no space after it when the
/// number outgrew its box (`14.10用 CD 或类似的映像升级`), or nothing when the line is the
/// number alone (`1.2.5`, its title on the next line). Needs a dot: `3D`, `1个` are words.
fn glued_section_number(t: &str) -> Option<&str> {
    let start = appendix_letter(t).map_or(0, |rest| t.len() - rest.len());
    let number_end = t[start..]
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(t.len(), |end| start + end);
    let number = &t[..number_end];
    let parts: Vec<&str> = number.trim_end_matches('.').split('.').collect();
    (parts.len() >= 2 && parts.iter().all(|p| (1..=3).contains(&p.len()))).then(|| &t[number_end..])
}

/// Tables of contents among `lines` (indices): from a contents title — or from the first
/// of three or more heading-shaped lines with nothing between them — up to the place where
/// its first entry comes back as a heading. Nothing is dropped when the entries never
/// come back: then they are not a table of contents.
///
/// Also returns the entries, which confirm headings found later.
pub(crate) fn contents_blocks(
    lines: &[Line],
    heading_like: &[bool],
) -> (Vec<Range<usize>>, Vec<ContentsEntry>) {
    let keys: Vec<String> = lines.iter().map(|l| title_key(&l.text)).collect();
    let mut blocks = Vec::new();
    // lists of tables or figures, whose entries confirm no heading
    let mut caption_lists = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if is_caption_list_title(&lines[i].text) {
            let end = caption_list_end(lines, heading_like, i + 1);
            if end > i + 1 {
                caption_lists.push(i..end);
                i = end;
                continue;
            }
        }
        let titled = is_contents_title(&lines[i].text);
        let run_start = !titled && heading_like[i] && {
            let run = (i..lines.len().min(i + 3))
                .take_while(|&k| heading_like[k] || has_leader(&lines[k].text))
                .count();
            run >= 3
        };
        if !(titled || run_start) {
            i += 1;
            continue;
        }
        let first_entry = if titled { i + 1 } else { i };
        let comes_back = |entry: usize| {
            (entry + 1..lines.len()).find(|&k| {
                keys[k] == keys[entry]
                    && same_number(&lines[entry].text, &lines[k].text)
                    && !has_leader(&lines[k].text)
                    && !in_contents_run(lines, heading_like, k)
            })
        };
        let candidates: Vec<usize> = (first_entry..lines.len().min(first_entry + 8))
            .filter(|&k| keys[k].chars().count() >= 2)
            .collect();
        let label = |k: &usize| is_heading_label(&lines[*k].text);
        let titles: Vec<usize> = candidates.iter().copied().filter(|k| !label(k)).collect();
        // the first title that comes back as a heading; under a contents title also one
        // of the next two (an e-book's `扉页` does not come back; a line of prose said
        // twice is no title), else a chapter's label alone (`第一章`: chapters named by
        // their number only). A run of headings without a title is a contents only if its
        // first comes back (a heading over its own sections' menu is not).
        let title_like =
            |k: &usize| repair::width(lines[*k].trimmed()) <= 80 || has_leader(&lines[*k].text);
        let came_back = titles
            .first()
            .into_iter()
            .chain(
                titles
                    .iter()
                    .skip(1)
                    .filter(|k| titled && title_like(k))
                    .take(2),
            )
            .chain(candidates.iter().filter(|k| titled && label(k)).take(1))
            .find_map(|&entry| comes_back(entry).map(|back| (entry, back)));
        if candidates.is_empty() {
            i += 1;
            continue;
        }
        let Some((entry, back)) = came_back else {
            // a contents after the text (a web page's, printed last by its dump): its
            // entries were the headings before it
            if titled && let Some(end) = trailing_contents_end(lines, heading_like, &keys, i) {
                blocks.push(i..end);
                i = end;
            } else {
                i += 1;
            }
            continue;
        };
        // the heading's label line (`Chapter 1` over its title) belongs to the text
        let mut end = back;
        while end > entry + 1 && is_heading_label(&lines[end - 1].text) {
            end -= 1;
        }
        // a table of contents holds titles, not sentences: it ends before the first
        // paragraph of running text (a preface after the contents pages), and a `目录`
        // that is a table cell (a directory, in a Unix manual) swallows no chapters
        if let Some(sentence) = (entry..end).find(|&k| {
            let t = lines[k].trimmed();
            // (an entry may end with a full stop: `7.4. 如何更改录制的乐段的音符音量。`)
            let entry = section_number(t).is_some()
                && t.chars().count() <= 40
                && t.matches(['。', '，']).count() == 1;
            t.ends_with('。') && t.chars().count() >= 15 && !entry
        }) {
            // back to the start of that paragraph, and its heading (`前言`, `Abstract`:
            // short, no leader, no page number); where no blank line parts anything
            // (`html2text`'s text), a short line that is no entry ends what came before
            let single_spaced = (entry + 1..=sentence).all(|k| lines[k].blank_before == 0);
            let mut start = sentence;
            while start > entry
                && lines[start].blank_before == 0
                && !has_leader(&lines[start - 1].text)
                && !(single_spaced
                    && lines[start - 1].trimmed().chars().count() <= 20
                    && !heading_like[start - 1])
            {
                start -= 1;
            }
            if start > entry {
                let above = lines[start - 1].trimmed();
                // (not the last entry, which comes back as a heading further on: `7.8. mc
                // 命令` over a chapter's first paragraph in pandoc's text of its page)
                if above.chars().count() <= 20
                    && !has_leader(above)
                    && !above.ends_with(|c: char| c.is_ascii_digit())
                    && comes_back(start - 1).is_none()
                {
                    start -= 1;
                }
            }
            end = start;
        }
        // titles, not prose: a block whose lines are mostly long is text that happens to
        // say an entry again far on (an index, a second contents at the end)
        let long = (entry..end)
            .filter(|&k| !heading_like[k] && repair::width(lines[k].trimmed()) > 60)
            .count();
        if end <= entry || (long >= 10 && long * 3 > end - entry) {
            i += 1;
            continue;
        }
        blocks.push(i..end);
        i = end;
    }
    // two runs of a contents with nothing between them but short lines (`二`, `三`… under
    // `第六章 一`: the parts of a chapter, listed, that are not seen as entries) are one
    let short = |k: usize| {
        let t = lines[k].trimmed();
        t.chars().count() <= 12 && !t.contains(['。', '，', '；', '！', '？'])
    };
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(blocks.len());
    for block in blocks {
        match merged.last_mut() {
            Some(last) if block.start - last.end <= 40 && (last.end..block.start).all(short) => {
                last.end = block.end;
            }
            _ => merged.push(block),
        }
    }
    let mut blocks = merged;
    let entries = blocks
        .iter()
        .flat_map(|b| b.clone())
        .filter(|&k| keys[k].chars().count() >= 2)
        .map(|k| ContentsEntry {
            key: keys[k].clone(),
            // pdftotext sets the number on a line of its own above the title (`3.2.4` over
            // `角色 . . . . 7`)
            number: listed_number(&lines[k].text)
                .or_else(|| {
                    let above = lines[k.checked_sub(1)?].trimmed();
                    (is_heading_label(above) && above.starts_with(|c: char| c.is_ascii_digit()))
                        .then(|| above.trim_end_matches('.'))
                })
                .map(str::to_owned),
        })
        .collect();
    blocks.extend(caption_lists);
    blocks.sort_by_key(|b| b.start);
    (blocks, entries)
}

/// Where a contents titled at `title` ends when its entries say what headings before it
/// said: the run of title lines (headings' shapes, a list's items, or short lines: an
/// e-book's own contents page, printed last) under the title, if three or more, two of
/// the first five being earlier lines.
fn trailing_contents_end(
    lines: &[Line],
    heading_like: &[bool],
    keys: &[String],
    title: usize,
) -> Option<usize> {
    let earlier: std::collections::HashSet<&str> = keys[..title]
        .iter()
        .map(String::as_str)
        .filter(|k| k.chars().count() >= 2)
        .collect();
    let entry_like = |k: usize| {
        let t = lines[k].trimmed();
        (heading_like[k]
            || after_bullet(t).is_some()
            || section_number(t).is_some()
            || repair::width(t) <= 40)
            && repair::width(t) <= 80
            // (a chapter's title may ask or exclaim: `第八章 哪一种勋章使人与众不同？`,
            // `二、“这一个将会杀死那一个！”`)
            && (!ends_sentence(t)
                || (heading_like[k]
                    && t.trim_end_matches(['”', '’', '」', '』', '"'])
                        .ends_with(['？', '?', '！', '!'])))
            && !t.contains('。')
    };
    let end = (title + 1..lines.len())
        .find(|&k| !entry_like(k))
        .unwrap_or(lines.len());
    let said_before = (title + 1..end.min(title + 6))
        .filter(|&k| earlier.contains(keys[k].as_str()))
        .count();
    // (or a contents page's: a web manual's first page lists chapters that are pages of
    // their own, its entries running to the end of the text)
    let page_of_contents =
        end == lines.len() && (title + 1..end).filter(|&k| heading_like[k]).count() >= 5;
    (end >= title + 4 && (said_before >= 2 || page_of_contents)).then_some(end)
}

/// Where a list of tables or figures that starts at `from` ends: its entries are numbered
/// titles (with or without a leader and page number), a long one wrapped onto the next
/// line; the first other line after a blank one is the text again.
fn caption_list_end(lines: &[Line], heading_like: &[bool], from: usize) -> usize {
    let mut k = from;
    while k < lines.len() {
        let t = lines[k].trimmed();
        let entry = heading_like[k]
            || section_number(t).is_some()
            || has_leader(t)
            || is_bare_number(t)
            || is_heading_label(t);
        let wrapped =
            k > from && lines[k].blank_before == 0 && t.chars().count() <= 60 && !ends_sentence(t);
        if !(entry || wrapped) {
            break;
        }
        k += 1;
    }
    k
}

/// One title a table of contents lists: its key (`title_key`) and its section number when
/// the entry gives one (`1.2.5`, `14.10`).
pub(crate) struct ContentsEntry {
    pub key: String,
    pub number: Option<String>,
}

/// The section number that opens a line (`1.2.5 标题` → `1.2.5`, `14.10用 CD` → `14.10`,
/// `2. 什么` → `2`), without its closing dot.
pub(crate) fn section_number(text: &str) -> Option<&str> {
    let t = text.trim_matches(is_space);
    let rest = decimal_number(t)
        .map(|(_, rest)| rest)
        .or_else(|| glued_section_number(t))?;
    Some(t[..t.len() - rest.len()].trim_end_matches(['.', ' ', '\u{3000}', '\t']))
}

/// The section number of a heading or of a contents entry, which a list's bullet may
/// open (`□ 1.1. 支持`).
fn listed_number(text: &str) -> Option<&str> {
    let t = text.trim_matches(is_space);
    section_number(after_bullet(t).unwrap_or(t))
}

/// Whether two lines with one title are one heading: `7.1.1 确认` and `7.2.1 确认` are two
/// (a run of same-named subsections is not a table of contents); a number on one side only
/// (`1. 定义` listed, `第 1 章 定义` in the text) does not tell them apart.
fn same_number(a: &str, b: &str) -> bool {
    match (listed_number(a), listed_number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// Whether line `k` sits among other contents lines (its neighbours are entries too), so
/// that a second table of contents is not taken for the text.
fn in_contents_run(lines: &[Line], heading_like: &[bool], k: usize) -> bool {
    let entry = |j: usize| {
        heading_like[j]
            || has_leader(&lines[j].text)
            // a contents printed as a list: `□ 5.1 Tweaking basics`
            || after_bullet(lines[j].trimmed()).is_some_and(|t| section_number(t).is_some())
    };
    k + 2 < lines.len() && entry(k + 1) && entry(k + 2) && lines[k + 1].blank_before == 0
}

/// A page or chapter number alone on its line: `12`, `iv`.
pub(crate) fn is_bare_number(text: &str) -> bool {
    let t = text.trim_matches(|c: char| is_space(c) || c == '\u{c}');
    (!t.is_empty() && t.len() <= 4 && t.chars().all(|c| c.is_ascii_digit()))
        || (t.len() <= 6 && !t.is_empty() && t.chars().all(|c| "ivxlc".contains(c)))
}

/// What a download site's banner says (`更多`, `下载` are said in manuals too: a banner
/// also needs an address, and its place).
pub(crate) const BANNER_WORDS: &[&str] = &[
    "下载",
    "电子书",
    "整理",
    "更多",
    "免费",
    "txt",
    "小说",
    "收藏",
    "书友",
    "首发",
    "本站",
    "网友",
    // the same in traditional characters
    "下載",
    "電子書",
    "免費",
    "小說",
    "書友",
    "首發",
    "網友",
];

/// A download site's banner or notice: a line of its own (blank lines around it) with a
/// web address or a site name and what such sites say (下载, 电子书, 整理, 更多 …), or a
/// notice to delete the file after reading.
pub(crate) fn is_banner(text: &str, place: BannerPlace) -> bool {
    let t = text.trim_matches(is_space);
    // an item of a list (`* 免費的百科全書：維基百科（https://…）`) is the text's own
    if ["* ", "- ", "• ", "· "].iter().any(|b| t.starts_with(b)) {
        return false;
    }
    // (`Ｗｗｗ．biquxu．Ｃｏｍ` is an address too)
    let lower = super::watermarks::fold_width(t).to_ascii_lowercase();
    let address = lower.contains("http://")
        || lower.contains("https://")
        || lower.contains("www.")
        || [".com", ".net", ".cn", ".org", ".cc"].iter().any(|d| {
            // a domain's end, not a file's name (`hello.commands`)
            lower.match_indices(d).any(|(at, _)| {
                !lower[at + d.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
            })
        });
    let says = BANNER_WORDS.iter().any(|w| lower.contains(w));
    // a site's name and address and nothing else: `天涯在线书库《www.tianyabook.com》`
    let words_besides_address = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '-' | '_')))
        .filter(|w| !w.contains('.'))
        .map(|w| w.chars().filter(|c| c.is_alphanumeric()).count())
        .sum::<usize>();
    let only_a_site = address && words_besides_address <= 12 && !ends_sentence(t);
    let notice = [
        "24小时内删除",
        "购买正版",
        "版权归原作者",
        "仅供交流",
        "仅供学习",
        "请勿用于商业",
        "本电子书由",
        "24小時內刪除",
        "購買正版",
        "版權歸原作者",
        "僅供交流",
        "僅供學習",
        "請勿用於商業",
        "本電子書由",
    ]
    .iter()
    .any(|w| t.contains(w));
    // a short one may end like a sentence: `本书由“ePUBw.COM”整理，提供最新最全的电子书下载!!!`
    let short = t.chars().count() <= 80;
    (place != BannerPlace::Inside && address && says && (short || !ends_sentence(t)))
        || (place == BannerPlace::AtAnEnd && only_a_site)
        || notice
}

/// Where a line that may be a banner stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BannerPlace {
    /// Among the first or last few lines of the file, where download sites put theirs.
    AtAnEnd,
    /// A line of its own, blank lines around it.
    Alone,
    /// In running text.
    Inside,
}

/// A title line that also names the author, as download sites write it: `[三国演义 / 罗贯中
/// 著 ]`, `《红楼梦》 作者：曹雪芹`, `《西游记》`. The title without its book-title marks and the
/// author without 著/撰/作者.
pub(crate) fn title_and_author(text: &str) -> Option<(String, Option<String>)> {
    let t = text
        .trim_matches(is_space)
        .trim_start_matches(['[', '【'])
        .trim_end_matches([']', '】'])
        .trim_matches(is_space);
    let bare = |s: &str| -> String {
        let s = s.trim_matches(is_space);
        s.strip_prefix('《')
            .and_then(|r| r.strip_suffix('》'))
            .unwrap_or(s)
            .trim_matches(is_space)
            .to_owned()
    };
    let named = |s: &str| {
        let s = s.trim_matches(is_space);
        let s = s
            .strip_prefix("作者：")
            .or_else(|| s.strip_prefix("作者:"))
            .unwrap_or(s)
            .trim_matches(is_space);
        let s = ["编著", "著", "撰", "编"]
            .iter()
            .find_map(|w| s.strip_suffix(w))
            .unwrap_or(s)
            .trim_matches(is_space);
        (!s.is_empty() && s.chars().count() <= 20 && !s.contains(['，', '。']))
            .then(|| s.to_owned())
    };
    let short = |s: &str| (1..=30).contains(&s.chars().count()) && !s.contains(['。', '，', '；']);
    // `书名 / 作者 著`: the author says so (a slash also joins names: Debian GNU/Linux)
    if let Some((title, author)) = t.split_once('/')
        && ["著", "撰", "编"]
            .iter()
            .any(|w| author.trim_matches(is_space).ends_with(w))
    {
        let (title, author) = (bare(title), named(author)?);
        return short(&title).then_some((title, Some(author)));
    }
    if let Some(at) = t.find("作者") {
        let (title, author) = (bare(&t[..at]), named(&t[at..])?);
        return short(&title).then_some((title, Some(author)));
    }
    // `<中国近代史（港版）>`: ASCII angle brackets for book-title marks
    let t = match t.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
        Some(inner) if !inner.contains(['<', '>', '=', '/']) => format!("《{inner}》"),
        _ => t.to_owned(),
    };
    let whole = t.starts_with('《') && t.ends_with('》') && t.matches('《').count() == 1;
    let title = bare(&t);
    (whole && short(&title)).then_some((title, None))
}

/// A web novel's marker at a chapter's end, alone on its line: `（本章完）`, `(未完待续)`,
/// what a site adds, not the author (`（全书完）` is the author's and is read).
pub(crate) fn is_chapter_end_marker(text: &str) -> bool {
    let t: String = text
        .chars()
        .filter(|&c| !is_space(c) && !"（）()【】[]。.…~～-—!！".contains(c))
        .collect();
    matches!(
        t.as_str(),
        "本章完" | "未完待续" | "待续" | "本章完未完待续" | "本章结束"
    )
}

/// `***** 1. 简介 *****`: how `html2text` prints a heading, `h1` with six stars on each
/// side down to `h6` with one. The level and the title, for `h1`–`h4` (`** 音频插件 **`
/// is as often bold text that a wiki export left as it was).
pub(crate) fn starred_heading(t: &str) -> Option<(u8, &str)> {
    let stars = t.chars().take_while(|&c| c == '*').count();
    let inner = t.get(stars..t.len().checked_sub(stars)?)?;
    let level = 7 - u8::try_from(stars).ok().filter(|s| (3..=6).contains(s))?;
    (t.len() > 2 * stars
        && t[t.len() - stars..].chars().all(|c| c == '*')
        && inner.starts_with(' ')
        && inner.ends_with(' ')
        && !inner.trim().is_empty()
        && !inner.trim().starts_with('*'))
    .then(|| (level, inner.trim()))
}

/// A rule with a few words inside (`------章节内容开始-------`, `===== 完 =====`): a
/// converter's divider. `false` when the words are a chapter heading (`---第一章---`).
pub(crate) fn is_labelled_divider(text: &str) -> bool {
    let t = text.trim_matches(is_space);
    let rule = |c: char| {
        matches!(
            c,
            '-' | '—' | '=' | '_' | '*' | '~' | '－' | '＝' | '─' | '━'
        )
    };
    let opening = t.chars().take_while(|&c| rule(c)).count();
    let closing = t.chars().rev().take_while(|&c| rule(c)).count();
    let inner = t.trim_matches(rule).trim_matches(is_space);
    opening >= 3
        && closing >= 3
        && (1..=12).contains(&inner.chars().count())
        && !ends_sentence(inner)
        && !starts_with_chapter_label(inner)
        && numbered_level(inner).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dot_leader_and_its_page_are_taken_off_a_line() {
        for (line, said) in [
            (
                "General: 开始编写模板。. . . . . . . . . . . . . . . 1",
                "General: 开始编写模板。",
            ),
            (
                "新增 style/logo 与 style/logo-size 选项。. . . . . 44",
                "新增 style/logo 与 style/logo-size 选项。",
            ),
            (
                "索引和 makeindex 工具 ........ 81  ",
                "索引和 makeindex 工具",
            ),
            ("第三章 安装 …… 112", "第三章 安装"),
        ] {
            assert_eq!(without_dot_leader(line), said);
        }
        for kept in [
            "作为 gentoo-0.9.12.",
            "/boot/vmlinuz-2.6.8-2-386",
            "-rw-r--r-- 1 root root",
            "日期: .................. 2006",
            "请等待... 3",
            "-------------------- 12",
        ] {
            assert_eq!(without_dot_leader(kept), kept);
        }
    }

    #[test]
    fn numbered_captions() {
        for caption in [
            "表 5.1. 网络配置工具一览表",
            "图 3 系统结构",
            "图3-2 数据流程",
            "Table 1.1: 有趣的文本模式程序包列表",
            "Figure 2. Overview",
            "表格 1.1. 有趣的文本模式程序包列表",
            "图表 3 年度对比",
        ] {
            assert!(is_numbered_caption(caption), "{caption}");
        }
        for text in [
            "表 5.1 列出了常用的工具，请对照使用。",
            "图书馆",
            "表示 3 种情况",
            "图 说明",
            "5.1. 网络配置工具",
        ] {
            assert!(!is_numbered_caption(text), "{text}");
        }
        // a caption word in front of numbered titles is no site's heading marker
        let raw: Vec<String> = [
            "表 5.1. 甲表",
            "表 5.2. 乙表",
            "表 5.3. 丙表",
            "表 5.4. 丁表",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(recurring_heading_prefix(&raw), None);
        // nor the first word of a table's column, its cells cut inside a quotation
        let raw: Vec<String> = ["转换到” 图形”", "转换到” 多用户”", "转换到” 应急模式”"]
            .map(String::from)
            .to_vec();
        assert_eq!(recurring_heading_prefix(&raw), None);
        // nor the first cell of table headers, which come back table after table
        let raw: Vec<String> = [
            "软件包 流行度 大小 类型 说明",
            "软件包      流行度     大小         说明",
            "软件包 流行度 大小 说明",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(recurring_heading_prefix(&raw), None);
        // nor is an admonition's icon over its label, the same label every time
        let raw: Vec<String> = ["[注意] 注意", "[注意] 注意", "[注意] 注意", "[提示] 提示"]
            .map(String::from)
            .to_vec();
        assert_eq!(recurring_heading_prefix(&raw), None);
    }

    #[test]
    fn section_numbers_and_title_keys_of_contents_entries() {
        assert_eq!(section_number("1.2.5 一组用户的权限"), Some("1.2.5"));
        assert_eq!(section_number("2. 什么是 Debian？"), Some("2"));
        assert_eq!(section_number("14.10用 CD 或类似的映像升级"), Some("14.10"));
        assert_eq!(section_number("1.2.5"), Some("1.2.5"));
        assert_eq!(section_number("3D 打印"), None);
        assert_eq!(section_number("A.1"), Some("A.1"));
        assert!(is_heading_label("A.1"));
        assert_eq!(numbered_level("A. 北京"), None);
        assert_eq!(section_number("概述"), None);
        // a number glued to its title by a narrow contents box is the same entry
        assert_eq!(
            title_key("14.10用 CD 或类似的映像升级 . . . . . . 58"),
            title_key("14.10 用 CD 或类似的映像升级")
        );
        // a section number alone has no title to match
        assert_eq!(title_key("1.2.5"), "");
    }

    #[test]
    fn contents_titles_and_lists_of_tables() {
        for t in [
            "目录",
            "目 录",
            "內容目錄",
            "Table of Contents",
            "附表目錄",
            "插图目录",
        ] {
            assert!(is_contents_title(t), "{t}");
        }
        for t in [
            "附表目錄",
            "表格目录",
            "List of Tables",
            "插圖目錄",
            "图目录",
        ] {
            assert!(is_caption_list_title(t), "{t}");
        }
        for t in ["目录", "根目录", "表格", "工具列表"] {
            assert!(!is_caption_list_title(t), "{t}");
        }
    }

    #[test]
    fn numbered_headings_in_their_common_forms() {
        for (text, level) in [
            ("1.1 概述", 2),
            ("1.1.1 安装方法", 3),
            ("2.5. 什么是 Debian？", 2),
            ("1. 正确的起点", 1),
            ("3 结构", 1),
            ("一、总体要求", 1),
            ("（一）基本原则", 2),
            ("(二) 工作目标", 2),
            (
                "3.1.1. 你让我安装 stable，但是硬件不能被检测到/不工作。我该怎么办？",
                3,
            ),
            // `日` after a number is a date, but not after one with two dots
            ("9.3.2 日志分析", 3),
            // an appendix's sections
            ("A.1 共享库", 2),
            ("B.2.3 多体系结构", 3),
            // `w3m` puts a no-break space after the number
            ("7.5.\u{a0}交换机", 2),
            ("10.1.5.2. 2. 保密", 4),
            ("6.10.2 更新", 3),
        ] {
            assert_eq!(numbered_level(text), Some(level), "{text}");
        }
        for text in [
            "1 / 57",
            "2019 年 3 月",
            "3个代表",
            "1. 打开终端，输入命令。",
            "12345 条记录",
            "2.5",
            "3D 打印",
            "3.5 亿元投资",
            // addresses: a section's later parts have one or two digits, none 0
            "127.0.0.1 localhost",
            "192.168.1.1 网关",
            "10.0.2 版本说明",
        ] {
            assert_eq!(numbered_level(text), None, "{text}");
        }
    }

    #[test]
    fn date_lines() {
        for t in [
            "2021 年 1 月",
            "出版日期： 2024-01-31",
            "12/05/2023",
            "2024年3月5日 星期二 第3版",
        ] {
            assert!(is_date_line(t), "{t}");
        }
        for t in [
            "第一章 2024年的计划书",
            "Debian 12 Bookworm 手册",
            "3.1.2 预计用时",
        ] {
            assert!(!is_date_line(t), "{t}");
        }
    }

    #[test]
    fn labels_left_alone_on_their_line() {
        for t in ["1.3", "Chapter 1", "第 3 章", "第十二章", "Appendix A"] {
            assert!(is_heading_label(t), "{t}");
        }
        for t in ["1", "Chapter one of many", "第三章很长很长很长的标题"] {
            assert!(!is_heading_label(t), "{t}");
        }
    }

    #[test]
    fn small_numerals() {
        let values: Vec<Option<u32>> = [
            "一",
            "九",
            "十",
            "十三",
            "二十",
            "九十九",
            "十十",
            "一十",
            "百",
            "二三",
        ]
        .iter()
        .map(|t| small_chinese_numeral(t))
        .collect();
        assert_eq!(
            values,
            [
                Some(1),
                Some(9),
                Some(10),
                Some(13),
                Some(20),
                Some(99),
                None,
                None,
                None,
                None
            ]
        );
    }

    #[test]
    fn leaders_and_keys() {
        assert_eq!(
            without_leader("1.2.5   一组用户的权限（组） . . . . . . . . .   10"),
            "1.2.5   一组用户的权限（组）"
        );
        assert_eq!(without_leader("1.2 概述"), "1.2 概述");
        assert!(has_leader("1.1 概述 . . . . . . . . 12"));
        assert!(has_leader("第一回 宴桃园豪杰三结义……………3"));
        assert!(!has_leader("他说……"));
        assert_eq!(title_key("1.1. Debian 的社会驱动力"), "debian的社会驱动力");
        assert_eq!(title_key("需要的开发文档 . . . . . 4"), "需要的开发文档");
    }

    #[test]
    fn banners() {
        use BannerPlace::*;
        assert!(is_banner(
            "本书由 www.example.com 整理，更多小说请访问",
            Alone
        ));
        assert!(is_banner(
            "声明：本书仅供交流，请于下载后24小时内删除",
            Inside
        ));
        assert!(!is_banner(
            "本文的最新版随时都可以在 http://www.debian.org/doc/ 上找到。",
            Alone
        ));
        // wrapped running text that happens to hold an address and 更多
        assert!(!is_banner(
            "欲了解更多关于 Linux 的信息，参见 Linux Online (https://",
            Inside
        ));
        assert!(!is_banner("他走进了书店。", Alone));
        assert!(is_banner(
            "本书由“ePUBw.COM”整理，ePUBw.COM 提供最新最全的优质电子书下载!!!",
            Alone
        ));
        // a site's name and address at the top of a downloaded novel, not in the middle
        assert!(is_banner("天涯在线书库《www.tianyabook.com》", AtAnEnd));
        assert!(!is_banner("天涯在线书库《www.tianyabook.com》", Alone));
        assert!(is_banner(
            "TXT小说天堂  https://www.xstt5.com，最有文艺气息的文学网站，所有TXT电子书手机免费下载阅读",
            AtAnEnd
        ));
        // in traditional characters
        assert!(is_banner("好書盡在 www.example.com 電子書免費下載", Alone));
        // an address in full-width letters; the maker's credit, with no address
        assert!(is_banner(
            "更多精校小说尽在 Ｗｗｗ．ｔｘｔ８０．ｃｏｍ",
            AtAnEnd
        ));
        assert!(is_banner("★☆本电子书由 某人 整理制作☆★", AtAnEnd));
        // a list's item is not one
        assert!(!is_banner(
            "* 免費的百科全書：維基百科（https://www.wikipedia.org/）",
            Alone
        ));
        assert!(is_banner(
            "聲明：本書僅供交流，請於下載後24小時內刪除",
            Inside
        ));
    }

    #[test]
    fn chapter_prefixes_that_recur_are_found() {
        let lines = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let novel = lines(&[
            "    正文 第一回 宴桃园豪杰三结义 斩黄巾英雄首立功",
            "话说天下大势，分久必合，合久必分。",
            "    正文 第二回 张翼德怒鞭督邮 何国舅谋诛宦竖",
            "且说董卓字仲颖。",
            "    正文 第三回 议温明董卓叱丁原 馈金珠李肃说吕布",
        ]);
        assert_eq!(recurring_heading_prefix(&novel).as_deref(), Some("正文"));
        let bound = lines(&[
            "《》目录 第一回　灵根育孕源流出",
            "x",
            "《》目录 第二回　悟彻菩提真妙理",
            "《》目录 第三回　四海千山皆拱伏",
        ]);
        assert_eq!(
            recurring_heading_prefix(&bound).as_deref(),
            Some("《》目录")
        );
        // a site's marker in front of headings that are not numbered
        let marked = lines(&[
            "正文 徐中约：一个被冷落的史学大家",
            "正文 出版者言",
            "正文 郭序",
            "    近日，华裔学者……",
        ]);
        assert_eq!(recurring_heading_prefix(&marked).as_deref(), Some("正文"));
        // twice is not a habit
        let twice = lines(&["他说 第一章 很好", "第二章 甲", "她说 第五章 丁"]);
        assert_eq!(recurring_heading_prefix(&twice), None);
        // a word that opens sentences as often as titles
        let prose = lines(&[
            "注意 这很重要",
            "注意 不要删除它。",
            "注意 先备份",
            "注意 然后再试，别急。",
            "注意 完成",
        ]);
        assert_eq!(recurring_heading_prefix(&prose), None);
        // numbered labels in a manual, not a site's marker
        let labels = lines(&[
            "替换选项 1",
            "替换选项 2 为每名教师配备笔记本：",
            "替换选项 0. 管理 506 台客户端机器",
        ]);
        assert_eq!(recurring_heading_prefix(&labels), None);
        let latin = lines(&[
            "每所学校的 ICT 联络人",
            "每所学校的 ICT 协调人",
            "每所学校的 IT 负责人",
        ]);
        assert_eq!(recurring_heading_prefix(&latin), None);
    }

    #[test]
    fn title_lines_that_name_the_author() {
        let pair = |t: &str, a: Option<&str>| Some((t.to_owned(), a.map(str::to_owned)));
        assert_eq!(
            title_and_author("[三国演义 / 罗贯中 著 ]"),
            pair("三国演义", Some("罗贯中"))
        );
        assert_eq!(
            title_and_author("《红楼梦》 作者：曹雪芹"),
            pair("红楼梦", Some("曹雪芹"))
        );
        assert_eq!(title_and_author("《西游记》"), pair("西游记", None));
        assert_eq!(
            title_and_author("<中国近代史（港版）>"),
            pair("中国近代史（港版）", None)
        );
        assert_eq!(title_and_author("<div align=\"center\">"), None);
        assert_eq!(title_and_author("Debian GNU/Linux 常见问题（FAQ）"), None);
        assert_eq!(title_and_author("Debian Edu / Skolelinux ITIL 手册"), None);
        assert_eq!(title_and_author("第一章 总则"), None);
        assert_eq!(title_and_author("《论语》与《孟子》"), None);
        assert_eq!(title_and_author("他读了《红楼梦》，作者是谁？"), None);
    }

    #[test]
    fn chapter_end_markers() {
        assert!(is_chapter_end_marker("（本章完）"));
        assert!(is_chapter_end_marker("  (未完待续。。) "));
        assert!(!is_chapter_end_marker("他说：本章完了吗？"));
        assert!(!is_chapter_end_marker("（全书完）"));
    }

    #[test]
    fn labelled_dividers() {
        assert!(is_labelled_divider(" ------章节内容开始-------"));
        assert!(is_labelled_divider("===== 完 ====="));
        assert!(!is_labelled_divider("-----第一章 开始-----"));
        assert!(!is_labelled_divider("--- 他说：我们走吧。 ---"));
        assert!(!is_labelled_divider("----"));
    }
}
