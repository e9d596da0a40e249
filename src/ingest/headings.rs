//! Headings of plain and extracted text, line by line, before paragraphs are built: what
//! a line's own shape says (`第一章`, `1.1 概述`, Markdown), what a table of contents lists,
//! labels over their titles, margins, and what is skipped (contents, an index, bare page
//! numbers). `structure` builds the sections from what [`book_headings`] finds.

use super::book_index;
use super::outline::{self, ContentsEntry};
use super::repair::{self, Line, byline_of, ends_sentence, ends_with_punctuation, is_space};
use super::subheads;

/// Heading level of a line in a book: 1 卷/部/篇/Part, 2 章/回/Chapter/序言, 3 节/Section or a
/// centred short line; Markdown `#` counts its hashes, `html2text`'s stars theirs.
pub(super) fn heading_level(line: &Line) -> Option<u8> {
    let t = line.trimmed();
    if let Some((level, _)) = outline::starred_heading(t) {
        return Some(level);
    }
    let n = t.chars().count();
    // a chapter's title may ask (`第十二章 他会是一个丹东吗？`); nothing else here does
    let asks = t.starts_with('第') && t.ends_with(['？', '?', '！', '!']);
    if n == 0 || n > 50 || (ends_sentence(t) && !asks) || t.contains(['。', '，']) {
        return None;
    }
    let hashes = t.chars().take_while(|&c| c == '#').count();
    // Markdown only at the margin: an indented `#` is a comment in a code listing
    if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') && line.text.starts_with('#') {
        // (a root shell's command is no heading: `# losetup -f -v disk.img`)
        return u8::try_from(hashes).ok().filter(|_| !root_prompt(t));
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
                Some('节' | '節') => return Some(3),
                _ => {}
            }
        }
    }
    // `卷一 童年与青年`, `卷之三`, `上卷`, `下部 …`: a volume or part named without 第
    let (label, title) = t
        .split_once(|c| is_space(c) || c == '：')
        .unwrap_or((t, ""));
    let counted = label
        .strip_prefix('卷')
        .map(|r| r.strip_prefix('之').unwrap_or(r))
        .is_some_and(|r| {
            (1..=4).contains(&r.chars().count())
                && r.chars().all(|c| "一二三四五六七八九十百零〇".contains(c))
        });
    let named_part = matches!(
        label,
        "上卷"
            | "中卷"
            | "下卷"
            | "上部"
            | "中部"
            | "下部"
            | "上篇"
            | "中篇"
            | "下篇"
            | "上册"
            | "下册"
    );
    if (counted || named_part) && !ends_with_punctuation(title) {
        return Some(1);
    }
    // `章 1. GNU/Linux 教學`: DocBook's Traditional Chinese chapter label
    if let Some(rest) = t.strip_prefix('章')
        && let Some((number, title)) = rest.trim_start_matches(is_space).split_once('.')
        && (1..=3).contains(&number.len())
        && number.chars().all(|c| c.is_ascii_digit())
        && (title.is_empty() || title.starts_with(is_space))
    {
        return Some(2);
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
    const NAMED: &[&str] = &[
        "序言",
        "序",
        "前言",
        "引言",
        "楔子",
        "尾声",
        "尾聲",
        "后记",
        "後記",
        "跋",
        "附录",
        "附錄",
        "自序",
        "代序",
        "序章",
        "终章",
        "終章",
        "引子", // a paper's or thesis's unnumbered parts
        "摘要",
        "绪论",
        "緒論",
        "结语",
        "結語",
        "参考文献",
        "參考文獻",
        "致谢",
        "致謝",
        "Abstract",
        "ABSTRACT",
    ];
    let compact: String = t.chars().filter(|&c| !is_space(c)).collect();
    if NAMED.contains(&compact.as_str()) {
        return Some(2);
    }
    // a named part with a word before its name: `校注前言`, `译者序`, `再版后记` (a
    // two-character name, or 序 after the words that take it: `程序` is no preface; not
    // `说明`, which heads a table's column as often: `命令说明`)
    const ENDINGS: [&str; 7] = ["前言", "序言", "后记", "後記", "导言", "导读", "引言"];
    const PREFACED_BY: [&str; 10] = [
        "译者",
        "作者",
        "原",
        "总",
        "再版",
        "新版",
        "初版",
        "中文版",
        "修订版",
        "译本",
    ];
    let n_compact = compact.chars().count();
    if (3..=8).contains(&n_compact)
        && !ends_with_punctuation(&compact)
        && (ENDINGS.iter().any(|e| compact.ends_with(e))
            || compact
                .strip_suffix('序')
                .is_some_and(|p| PREFACED_BY.contains(&p)))
    {
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

/// Whether a `#` line is a command at a root shell's prompt (`# apt-get install mc`,
/// `# adduser fish`), which an extractor that sets every line apart (pdfminer) leaves
/// looking like a Markdown heading: a lower-case command name and an argument, no CJK.
fn root_prompt(t: &str) -> bool {
    let mut words = t.trim_start_matches('#').split_whitespace();
    let command = words.next().unwrap_or_default();
    command.starts_with(|c: char| c.is_ascii_lowercase())
        && command
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._+-/".contains(c))
        && words.next().is_some()
        && !t.chars().any(|c| c.is_alphabetic() && !c.is_ascii())
}

/// Where the heading `title` is among the few table-of-contents entries from `from` on:
/// the same title, and the same number where both give one (`7.1.1 解决方案` is not the
/// entry `7.2.3 解决方案`).
fn listed_next(entries: &[ContentsEntry], from: usize, title: &str) -> Option<usize> {
    const AHEAD: usize = 8;
    let end = entries.len().min(from + AHEAD);
    (from..end).find(|&i| is_entry_of(&entries[i], title))
}

/// Whether a contents entry lists the heading `title`: the same title key, and the same
/// section number unless one side gives none (`1. 定义` listed, `第 1 章 定义` in the text).
fn is_entry_of(entry: &ContentsEntry, title: &str) -> bool {
    entry.key == outline::title_key(title)
        && match (entry.number.as_deref(), outline::section_number(title)) {
            (Some(listed), Some(number)) => listed == number,
            _ => true,
        }
}

/// A numbered title too long for `numbered_level` that the contents may still list: Latin
/// words take more letters to say as much (`12.3 Upgrades from older Debian Edu /
/// Skolelinux installations (before Bullseye)`).
fn long_numbered_title(t: &str) -> bool {
    let t = t.trim_matches(is_space);
    // a title after the number (`0.0 < 0.5 < 0.10` compares versions)
    let titled = outline::section_number(t).is_some_and(|n| {
        let rest = t[n.len()..].trim_start_matches(|c: char| c == '.' || is_space(c));
        !rest.is_empty() && !rest.starts_with(|c: char| "<>=+-*/|&%~^".contains(c))
    });
    titled && repair::width(t) <= 120 && !ends_with_punctuation(without_closing_bracket(t))
}

/// A section number's depth as a heading level (`1.2.5` 3, `A.1` 2), six at most.
fn number_depth(number: &str) -> u8 {
    u8::try_from(number.split('.').count().min(6)).unwrap_or(6)
}

/// `4.1. 乐器索引。`: a numbered title that a translation ended with a full stop, its only
/// one (a heading only where the contents list it).
fn numbered_title_with_stop(t: &str) -> bool {
    outline::section_number(t).is_some()
        && t.ends_with('。')
        && t.matches(['。', '，', '；']).count() == 1
        && t.chars().count() <= 40
}

/// `CTEX 是干什么的？`: a FAQ's question, one sentence, which the contents list as a heading.
fn listed_question(t: &str) -> bool {
    t.strip_suffix(['？', '?']).is_some_and(|question| {
        question.chars().count() < 60 && !question.contains(['。', '？', '！', '；', '?'])
    })
}

/// A title may end with a bracket or quote it opened (`一组用户的权限（组）`): the text
/// before that closing mark, which is what says whether the line ends a sentence.
fn without_closing_bracket(t: &str) -> &str {
    for (open, close) in [
        ('（', '）'),
        ('(', ')'),
        ('“', '”'),
        ('「', '」'),
        ('『', '』'),
    ] {
        if let Some(inner) = t.strip_suffix(close)
            && inner.contains(open)
        {
            return inner;
        }
    }
    t
}

/// Whether `next` continues `line` as the second half of a wrapped heading: directly under
/// it, at its margin, left of the body text.
fn wraps_onto(line: &Line, next: &Line, body_indent: usize) -> bool {
    next.blank_before == 0
        && next.indent() == line.indent()
        && body_indent > line.indent()
        && next.trimmed().chars().count() <= 40
}

/// Whether `next` goes on with `line`'s text under it, set in to where that text starts
/// after its number, `line` filled: a list's item wrapped with a hanging indent (pandoc's `8.  用 root
/// 用户执行 "apt-get -s autoremove|less"` over `    命令，来查看…`), never a heading's.
fn hangs_under(line: &Line, next: &Line) -> bool {
    let t = line.trimmed();
    let Some(number) = outline::section_number(t) else {
        return false;
    };
    let text = t[number.len()..].trim_start_matches(|c: char| c == '.' || is_space(c));
    let text_column = line.indent() + repair::width(&t[..t.len() - text.len()]);
    // (a wrapped item filled its line; a heading is short or asks: `8   TEX 和 LATEX 是
    // 什么关系？` over a paragraph set in as far, in `pdftotext -layout`)
    let filled = repair::width(&line.text) >= 40 && !text.ends_with(['？', '?', '！', '!']);
    filled
        && next.blank_before == 0
        && next.indent() > line.indent()
        && next.indent() == text_column
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

/// What [`book_headings`] found: per line, its heading level, whether the heading takes
/// the next line as the rest of its title, and whether the line is not read at all.
pub(super) struct BookOutline {
    pub levels: Vec<Option<u8>>,
    pub takes_next: Vec<bool>,
    pub skipped: Vec<bool>,
    pub contents: Vec<std::ops::Range<usize>>,
    /// A book's index (`book_index`): not read, but for its title and letters.
    pub index: Vec<std::ops::Range<usize>>,
}

/// Headings of a book, line by line: named ones (第一章, Markdown, 序言) and numbered ones
/// (`1.1 概述`, `一、`, a `1.3` or `Chapter 1` label over its title) at any level, and
/// short lines that a table of contents lists; centred lines only when nothing else marks
/// headings. Tables of contents are found first and give no headings; a bare number on
/// a line of its own (a page or chapter number left by extraction) is not read.
pub(super) fn book_headings(lines: &[Line], paged: bool) -> BookOutline {
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
            .map(|i| lines[i].indent())
            .collect();
        indents.sort_unstable();
        indents.get(indents.len() / 2).copied().unwrap_or(0)
    };
    // a numbered code listing is indented deeper than the text; contents entries are not
    let toc_like: Vec<bool> = (0..lines.len())
        .map(|i| heading_like[i] && (rough_indent == 0 || lines[i].indent() <= rough_indent))
        .collect();
    let (contents, entries) = outline::contents_blocks(lines, &toc_like);
    // a printed document's table of contents also says how deep its outline goes:
    // `10.1.2.1 授权的人` under a contents that lists three levels is a numbered paragraph
    // there, not a chapter; a web page's contents list fewer levels than its headings have
    // (DocBook's HTML: three in the contents, five in `h1`–`h5`), so text without pages
    // keeps its deeper numbered headings
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
    let deepest_listed = (paged && listed_depths.len() >= 5)
        .then(|| listed_depths.iter().copied().max())
        .flatten();
    let too_deep = |level: usize| deepest_listed.is_some_and(|d| level > usize::from(d));
    let mut skipped = vec![false; lines.len()];
    for block in &contents {
        for k in block.clone() {
            skipped[k] = true;
        }
    }
    // the body's indent: that of its prose, lines with a full stop in them where there
    // are enough (pandoc sets a listing, a table's rows and a list's items in from prose
    // at the margin, and a chapter of many of them has more such lines than prose)
    let long =
        |i: &usize| !heading_like[*i] && !skipped[*i] && lines[*i].trimmed().chars().count() > 20;
    let sentences: Vec<usize> = (0..lines.len())
        .filter(|i| long(i) && lines[*i].trimmed().contains('。'))
        .collect();
    let mut body_indents: Vec<usize> = if sentences.len() >= 10 {
        sentences.iter().map(|&i| lines[i].indent()).collect()
    } else {
        (0..lines.len())
            .filter(long)
            .map(|i| lines[i].indent())
            .collect()
    };
    body_indents.sort_unstable();
    let body_indent = body_indents
        .get(body_indents.len() / 2)
        .copied()
        .unwrap_or(0);
    let mut levels = vec![None; lines.len()];
    let mut takes_next = vec![false; lines.len()];
    let short_title = |l: &Line| {
        let t = l.trimmed();
        (1..=40).contains(&t.chars().count()) && !ends_with_punctuation(without_closing_bracket(t))
    };
    let numbered_parts = subheads::numeral_headings(lines, &skipped, paged);
    // headings at the margin, text set in from it (lynx, w3m): three or more numbered
    // headings at column 0, the body at two or more
    let margin_headings = body_indent >= 2
        && (0..lines.len())
            .filter(|&i| {
                !skipped[i]
                    && lines[i].indent() == 0
                    && outline::numbered_level(&lines[i].text).is_some()
            })
            .nth(2)
            .is_some();
    // a margin heading's shape: a short title set out from the text, a blank line under
    // it and the text (or a lower heading) set in further
    let at_margin = |k: usize| {
        let l = &lines[k];
        let t = l.trimmed();
        l.indent() < body_indent
            && (k == 0 || l.blank_before > 0)
            && short_title(l)
            && t.chars().any(char::is_alphabetic)
            && outline::after_bullet(t).is_none()
            // (a line of code or a config file set at the margin: `DHCP=yes`, `[Match]`)
            && !t.contains(['=', '[', ']', '{', '}', '<', '>', '$', '#', '|', '/', '\\'])
            && lines
                .get(k + 1)
                .is_some_and(|n| n.blank_before > 0 && n.indent() > l.indent())
    };
    // and with no numbers (lynx's page: `h2` at the margin, `h3` two columns in, the text
    // three): three or more at the margin itself
    let unnumbered_margin = body_indent >= 3
        && !margin_headings
        && (0..lines.len())
            .filter(|&k| !skipped[k] && lines[k].indent() == 0 && at_margin(k))
            .nth(2)
            .is_some();
    let mut next_entry = 0;
    let mut k = 0;
    while k < lines.len() {
        if skipped[k] {
            k += 1;
            continue;
        }
        if numbered_parts[k] {
            levels[k] = Some(subheads::NUMERAL_PART_LEVEL);
            k += 1;
            continue;
        }
        let l = &lines[k];
        let t = l.trimmed();
        let next = lines.get(k + 1);
        let outdented = body_indent == 0 || l.indent() < body_indent;
        let spaced = k == 0 || l.blank_before > 0 || levels[k - 1].is_some();
        if outline::is_bare_number(t)
            && next.is_none_or(|n| n.blank_before > 0)
            // (or right under a sentence that ended: a FAQ's question number, `…的支持。`
            // over `2`, then its question)
            && (l.blank_before > 0 || (k > 0 && ends_sentence(lines[k - 1].trimmed())))
        {
            skipped[k] = true;
        } else if outline::is_heading_label(t)
            && let Some(next) = next
            && (short_title(next)
                || (next.trimmed().chars().count() <= 40
                    && next.trimmed().ends_with(['？', '?'])))
            // `第一章` over `一`, its first numbered part
            && !numbered_parts[k + 1]
            // a title has words (`0.173` over `0.208` are cells of a table of figures), and
            // no sentence's end inside (`1.1` over `LATEX 是一种…系统。一般人们提到`, the text
            // under a title that pdftotext printed before its number); it may ask
            // (`第八章` over `哪一种勋章使人与众不同？`)
            && next.trimmed().chars().any(char::is_alphabetic)
            // (nor a shell's comment or command: `1.6.6` over `# use ”:” and ”,” as IFS`)
            && !next.trimmed().starts_with('#')
            && !next
                .trimmed()
                .trim_end_matches(['？', '?', '！', '!'])
                .contains(['。', '！', '？'])
            // the next line is the label's title, even a heading's name (`第一章` over
            // `引言`), unless it is a heading with its own number or label
            // (`第一卷` over `一、司法宫大厅`, its first chapter)
            && outline::numbered_level(next.trimmed()).is_none()
            && (heading_level(next).is_none()
                || !(next.trimmed().starts_with(['第', '#'])
                    || outline::is_heading_label(next.trimmed())))
            && !outline::section_number(t).is_some_and(|n| too_deep(n.split('.').count()))
        {
            // `1.2.5` is at level 3, `A.1` at 2; `第一章`, `Chapter 1` at 1
            levels[k] = Some(outline::section_number(t).map_or(1, number_depth));
            takes_next[k] = true;
        } else if let Some(level) = named[k]
            && (!t.starts_with('#') || markdown_heading(lines, k, k > 0 && levels[k - 1].is_some()))
        {
            levels[k] = Some(level);
        } else if let Some(level) = outline::numbered_level(t)
            && !too_deep(usize::from(level))
            && outdented
            // `  1. 插入节奏更改` set in from text at the margin is a list's item
            && !(body_indent == 0 && level == 1 && l.indent() > 0 && l.indent() < 8)
            // `1. 打开终端` in a list has no blank line before; `7.1.2 确认` may
            && (spaced || level >= 2)
            && !next.is_some_and(|n| hangs_under(l, n))
        {
            levels[k] = Some(level);
            // a long heading wrapped onto a second line at the same margin
            takes_next[k] =
                next.is_some_and(|n| !heading_like[k + 1] && wraps_onto(l, n, body_indent));
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
        } else if let Some(next) = next
            && spaced
            && next.blank_before == 0
            && !next.tight
            && repair::width(t) >= 60
            && next.trimmed().chars().count() <= 30
            && next.indent() <= l.indent()
            && !format!("{t}{}", next.trimmed()).contains(['。', '，', '；', '：'])
            && long_numbered_title(&format!("{t} {}", next.trimmed()))
            && let Some(number) = outline::section_number(t)
            && !too_deep(number.split('.').count())
        {
            // a long numbered title that a text dump wrapped at its width, alone between
            // blank lines: `12.3. Upgrades from older Debian Edu / Skolelinux installations
            // (before` over `Bullseye)`
            levels[k] = Some(number_depth(number));
            takes_next[k] = true;
        } else if (short_title(l)
            || long_numbered_title(t)
            || numbered_title_with_stop(t)
            // (after a blank line: not a wrapped title's end, `而不是其他发行版？`)
            || (listed_question(t) && l.blank_before > 0))
            // a bulleted line is a list's item (`• 附件 2 ——客户的责任` listing the annexes)
            && outline::after_bullet(t).is_none()
            && let Some(at) = listed_next(&entries, next_entry, t)
            // a subsection listed with its number (`3.2.4 角色`) comes back with it: a
            // table cell `角色` is not that heading
            && entries[at]
                .number
                .as_deref()
                .is_none_or(|n| !n.contains('.') || outline::section_number(t) == Some(n))
        {
            // the next entries of the table of contents: a heading whatever its shape
            levels[k] = Some(
                outline::numbered_level(t)
                    .unwrap_or_else(|| outline::section_number(t).map_or(1, number_depth)),
            );
            next_entry = at + 1;
            k += 1;
            continue;
        } else if unnumbered_margin
            && at_margin(k)
            // (the first line is the page's title)
            && (0..k).any(|i| !skipped[i])
        {
            levels[k] = Some(if l.indent() == 0 { 2 } else { 3 });
        } else if margin_headings
            && l.indent() == 0
            && at_margin(k)
            && next.is_some_and(|n| n.indent() >= body_indent)
            // (looked for in the last 2,000 lines: a text of many margin lines and no
            // numbered heading near is not searched from its start for each)
            && let Some(above) = (k.saturating_sub(2_000)..k)
                .rev()
                .find(|&i| levels[i].is_some() && outline::numbered_level(&lines[i].text).is_some())
        {
            // an unnumbered heading at the margin of a dump whose numbered headings are
            // there too and whose text is set in (lynx: `预定义大小` under `5.2 电路板设置`),
            // after the first of them (not the front matter's names): a level under the
            // numbered heading before it
            levels[k] = levels[above].map(|l| (l + 1).min(6));
        }
        // the contents are followed in order, so that a table cell or a list item that
        // happens to say what a later entry says is not taken for it (a heading the
        // contents gave has moved on already: `跋涉`, listed again further on, is not
        // looked for twice)
        if levels[k].is_some() {
            let title = match next {
                Some(next) if takes_next[k] => format!("{t} {}", next.trimmed()),
                _ => t.to_owned(),
            };
            // a numbered section that the contents list, with its number, further on than
            // the next few entries (headings in between were missed) brings the place up
            // to it (not `1. …`: a numbered list may say what a later list says)
            let number = outline::section_number(&title).filter(|n| n.contains('.'));
            if let Some(at) = listed_next(&entries, next_entry, &title).or_else(|| {
                (next_entry..entries.len()).find(|&i| {
                    number.is_some()
                        && entries[i].number.as_deref() == number
                        && is_entry_of(&entries[i], &title)
                })
            }) {
                next_entry = at + 1;
            }
        }
        k += if takes_next[k] { 2 } else { 1 };
    }
    if levels.iter().all(Option::is_none) {
        for (k, l) in lines.iter().enumerate() {
            if !skipped[k] && is_centred(l) && byline_of(&l.text).is_none() {
                levels[k] = Some(3);
            }
        }
    }
    let index = book_index::leave_out(lines, &mut levels, &mut takes_next, &mut skipped, &contents);
    BookOutline {
        levels,
        takes_next,
        skipped,
        contents,
        index,
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest::structure::parse;
    use crate::ingest::structure::tests::{body, titles};

    /// pandoc's text of a web manual's first page (maint-guide's `index.html`): the title
    /// page, then a contents whose chapters are pages of their own, running to the end. Its
    /// entries never come back as headings, and none of them is read.
    #[test]
    fn a_contents_page_s_entries_are_not_headings() {
        let entries = [
            "1. 正确的起点",
            "1.1. Debian 的社会驱动力",
            "1.2. 需要的开发工具",
            "2. 第一步",
            "2.1. Debian 软件包制作流程",
            "5.14. {package.,source/}lintian-overrides",
            "A. 高级打包",
            "A.1. 共享库",
        ];
        let text = format!(
            "Debian 新维护者手册\n\nJosip Rodin\n\n版本 1.2.53\n\n目录\n\n{}\n",
            entries.join("\n\n")
        );
        let doc = parse(&text);
        assert_eq!(titles(&doc), ["Debian 新维护者手册"]);
        let said: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
        assert_eq!(said, ["Josip Rodin", "版本 1.2.53"]);
    }

    /// pandoc's text of Debian Reference: a numbered list's items wrapped with a hanging
    /// indent (the second line set in to where the item's text starts) are a list, not
    /// headings; a numbered heading has a blank line under it.
    #[test]
    fn a_list_item_wrapped_under_its_text_is_no_heading() {
        let text = "第 2 章 Debian 软件包管理\n\n\
                    2.1. 清理\n\n\
                    这一节说明怎样清理系统里不再需要的软件包，说得很长，像一行正文。\n\n\
                    7.  退出 aptitude。\n\n\
                    8.  用 root 用户执行 \"apt-get -s autoremove|less\"\n    \
                    命令，来查看有那些软件包是不再需要的。\n\n\
                    10. 用 root 用户重新执行 \"apt-get -s autoremove|less\"\n    \
                    这个命令来复查移除的包中是不是只含有自己所希望移除的软件包。\n\n\
                    2.2. 升级\n\n\
                    这一节说明怎样升级系统，也说得很长，像一行排满的正文一样。\n";
        let doc = parse(text);
        assert_eq!(titles(&doc)[1..], ["2.1. 清理", "2.2. 升级"]);
        let said: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
        assert!(said.iter().any(|p| p.contains("命令，来查看")), "{said:?}");
    }

    /// ctex-faq through `pdftotext`: each question's number on a line of its own over the
    /// question, after a blank line or right under the answer before it; the contents list
    /// the questions. The questions are the sections and no number is read alone.
    #[test]
    fn a_faq_s_question_numbers_are_not_read_alone() {
        let questions = [
            "CTEX 是干什么的？",
            "CTEX 网站包括几个部分？",
            "这个 FAQ 的目的是什么？",
        ];
        let mut text = String::from("CTEX FAQ\n\n目录\n\n");
        for (n, q) in questions.iter().enumerate() {
            text.push_str(&format!(
                "{} {q} . . . . . . . . . . . . {}\n",
                n + 1,
                n + 5
            ));
        }
        text.push('\n');
        for (n, q) in questions.iter().enumerate() {
            // (the first question's number after a blank line, the others' right under the
            // answer before)
            if n == 0 {
                text.push('\n');
            }
            text.push_str(&format!("{}\n\n{q}\n\n", n + 1));
            text.push_str("这是一个关于排版的问题的回答，说得很长，像排满的一行正文一样，\n");
            text.push_str("到这里才说完。\n");
        }
        let doc = parse(&text);
        assert_eq!(titles(&doc)[1..], questions);
        let said: Vec<&str> = body(&doc).map(|p| p.text.as_str()).collect();
        assert!(
            !said.iter().any(|p| p.trim().parse::<u32>().is_ok()),
            "{said:?}"
        );
    }
}
