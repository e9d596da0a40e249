//! Headings that nothing but their shape marks — no number, no label, no contents list, no
//! markup — found only in texts that say by another sign that they have such headings:
//!
//! - a newspaper's extracted text (it has a byline): subheads and a later story's headline;
//! - a web page or an article dumped as text (`w3m -dump`, `pandoc -t plain`), paragraphs
//!   between blank lines, where no other heading was found: a paragraph of one short line
//!   with no punctuation, over a paragraph of prose;
//! - a novel's parts numbered alone on their lines (`一`, `二`, or `1`, `01`), counting up.

use super::outline;
use super::repair::{Line, byline_of, ends_sentence, ends_with_punctuation, is_byline, is_space};

/// In a newspaper's extracted text (it has a byline), the subheads and a later article's
/// headline, which nothing but their shape marks: a line with no punctuation after a blank
/// line, shorter than the column (`牢记殷殷嘱托`), or a full one over a short one (headline
/// and subtitle). Other texts' short lines (a signature, a verse) are left alone.
pub(super) fn newspaper_subheads(
    lines: &[Line],
    column: usize,
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
    let short = |l: &Line| l.width() * 10 <= column * 8;
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

/// A web page's headings in its text dump (`ADDRESS`, `调用菜单命令`, `Bézier 对象` over the
/// paragraphs they head): paragraphs of one line between blank lines, short, with no
/// punctuation, each over a paragraph of prose. Only in a text whose paragraphs stand between
/// blank lines, where nothing else gave a heading but the book's parts (`上篇：大学`, `卷一`:
/// `parts_only`), and where three or more stand so. Not a
/// quotation (`“走吧”`), a list item, a date, a line of code, or a word in lower case
/// (`note`, an icon's name).
pub(super) fn paragraph_headings(
    lines: &[Line],
    skipped: &[bool],
    parts_only: bool,
    levels: &mut [Option<u8>],
) {
    if !parts_only {
        return;
    }
    let openings = lines.iter().filter(|l| l.blank_before > 0).count();
    if openings * 3 < lines.len() {
        return;
    }
    let alone = |k: usize| {
        lines[k].blank_before > 0 && lines.get(k + 1).is_some_and(|n| n.blank_before > 0)
    };
    let title = |t: &str| {
        (1..=40).contains(&t.chars().count())
            && t.chars().any(char::is_alphabetic)
            && !ends_with_punctuation(t)
            // (nor a label and its value: `排版样式 ：老牛样式`)
            && !t.contains([
                '，', '。', '；', '！', '？', '…', ':', '：', '=', '{', '}', '<', '>', '|', '\\',
                '$', '#',
            ])
            && !is_code(t)
            // (nor an epigraph's attribution: `——莱昂德罗·迪亚斯`)
            && !t.starts_with(['“', '「', '『', '"', '\'', '(', '（', '[', '【', '<', '《', '—'])
            && !t.ends_with(['”', '」', '』', '"', '\'', '》'])
            // (`note`: Latin in lower case only is an icon's or a program's name)
            && (!t.is_ascii() || t.chars().any(|c| c.is_ascii_uppercase()))
            && outline::after_bullet(t).is_none()
            && !outline::is_date_line(t)
    };
    // the paragraph from `k` to the next blank line is prose: fifteen characters or more,
    // and a sentence in it or a colon at its end, or thirty or more with a clause in them
    // (`套印信函 (Form Letters), 标签，商务名片`, a link's title, has a comma too)
    let prose = |k: usize| {
        let mut text = String::new();
        for (i, l) in lines[k..].iter().enumerate().take(50) {
            if i > 0 && l.blank_before > 0 {
                break;
            }
            text.push_str(l.trimmed());
        }
        let n = text.chars().count();
        n >= 15
            && (text.contains(['。', '！', '？'])
                || ends_sentence(&text)
                || text.ends_with([':', '：'])
                || (n >= 30 && text.contains(['，', ','])))
    };
    let code = |k: usize| alone(k) && is_code(lines[k].trimmed());
    // (the first line is the title block's)
    let first = (0..lines.len()).find(|&k| !skipped[k]).unwrap_or(0);
    let heading = |k: usize| !skipped[k] && alone(k) && title(lines[k].trimmed());
    // over its prose, or over a line of code and its prose (`语法` over `AREAS(引用)`)
    let heads = |k: usize| {
        k + 1 < lines.len()
            && !skipped[k + 1]
            && (prose(k + 1) || (k + 2 < lines.len() && code(k + 1) && prose(k + 2)))
    };
    let found: Vec<usize> = (first + 1..lines.len().saturating_sub(1))
        .filter(|&k| {
            // (or over a lower heading that heads its prose: `h2` over `h3`)
            heading(k) && (heads(k) || (k + 2 < lines.len() && heading(k + 1) && heads(k + 1)))
        })
        .collect();
    if found.len() >= 3 {
        for k in found {
            levels[k].get_or_insert(2);
        }
    }
}

/// Headings that space alone sets apart: calibre's text of an EPUB or a web page puts four
/// blank lines above and below each heading, whatever its level, three around a list's
/// item or a table's cell, and one between paragraphs. In a text whose prose stands one
/// blank line apart, a short line with no sentence in it (it may ask) and four
/// blank lines or more on both sides is a heading, where three or more stand so.
pub(super) fn spaced_headings(lines: &[Line], skipped: &[bool], levels: &mut [Option<u8>]) {
    const APART: usize = 4;
    let mut prose_gaps: Vec<usize> = lines
        .iter()
        .filter(|l| l.trimmed().chars().count() > 30)
        .map(|l| l.blank_before)
        .collect();
    prose_gaps.sort_unstable();
    // (one: text wrapped into lines, as `pdftotext` prints it, has none, and blank space
    // around a figure or a formula sets off a fragment of it)
    if prose_gaps.get(prose_gaps.len() / 2) != Some(&1) {
        return;
    }
    let heading = |k: usize| {
        let t = lines[k].trimmed();
        let asks = t.ends_with(['？', '?']);
        !skipped[k]
            && lines[k].blank_before >= APART
            && lines.get(k + 1).is_none_or(|n| n.blank_before >= APART)
            && (1..=40).contains(&t.chars().count())
            && t.chars().any(char::is_alphabetic)
            && (asks || !ends_with_punctuation(t))
            && !t
                .trim_end_matches(['？', '?'])
                .contains(['。', '！', '？', '；'])
            && outline::after_bullet(t).is_none()
            && !outline::is_date_line(t)
    };
    let found: Vec<usize> = (1..lines.len()).filter(|&k| heading(k)).collect();
    if found.len() >= 3 {
        for k in found {
            levels[k].get_or_insert(2);
        }
    }
}

/// `AREAS(引用)`, `ADDRESS(Row; Column [; Abs])`: a name written against its opening bracket,
/// as code calls a function (a heading sets a bracket apart: `复杂文字版式 (CTL)`).
fn is_code(t: &str) -> bool {
    t.char_indices().any(|(i, c)| {
        c == '('
            && t[..i]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_ascii_alphanumeric() || p == '_')
    })
}

/// Below a chapter (第一章, level 2): the parts a novel numbers `一`, `二`, `三` on lines of
/// their own.
pub(super) const NUMERAL_PART_LEVEL: u8 = 3;

/// Lines that are only a Chinese numeral (`二`, `十三`) or, in text without pages, a
/// number (`2`, `02`: 雪国, 呼啸山庄), a blank line before and after (or, in text with no
/// blank line between its paragraphs, after a sentence's end and over one), counting up one by
/// one (starting again at one; one may be skipped), each over text and not over the next number (a contents
/// of bare numbers): the numbered parts of a chapter, as 呼兰河传 and many novels mark
/// them. Three or more of them, reaching at least three, so that a stray `一` is not one;
/// bare numbers only where nearly all stand between sentences (a page's number left in
/// the text falls mid-sentence as often as not; a table's cells are short).
pub(super) fn numeral_headings(lines: &[Line], skipped: &[bool], paged: bool) -> Vec<bool> {
    let mut parts = vec![false; lines.len()];
    // text that gives each paragraph a line and puts no blank line between them (an EPUB's
    // text as BeautifulSoup's get_text() writes it): a number is alone between paragraphs
    let long = lines.iter().filter(|l| l.width() > 40);
    let (paragraphs, spaced) = long.fold((0, 0), |(n, s), l| {
        (n + 1, s + usize::from(l.blank_before > 0))
    });
    let unspaced = paragraphs >= 20 && spaced * 5 < paragraphs;
    let alone = |k: usize| {
        let spaced_apart = (k == 0 || lines[k].blank_before > 0)
            && lines.get(k + 1).is_none_or(|n| n.blank_before > 0);
        let between_paragraphs = unspaced
            && (k == 0
                || lines[k].blank_before > 0
                || ends_sentence(lines[k - 1].trimmed())
                || outline::is_heading_label(lines[k - 1].trimmed()))
            && lines
                .get(k + 1)
                .is_some_and(|n| n.width() > 40 || ends_with_punctuation(n.trimmed()));
        spaced_apart || between_paragraphs
    };
    let value = |k: usize| {
        let t = lines[k].trimmed();
        outline::small_chinese_numeral(t).or_else(|| {
            (!paged && (1..=3).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse().ok())
                .flatten()
        })
    };
    let mut counted: Vec<usize> = Vec::new();
    let (mut last, mut highest) = (0, 0);
    for k in (0..lines.len()).filter(|&k| !skipped[k]) {
        if !alone(k) || (k + 1 < lines.len() && value(k + 1).is_some()) {
            continue;
        }
        let Some(n) = value(k) else {
            continue;
        };
        // (one number may be missing or out of place: 呼啸山庄's EPUB has `14` before `13`)
        if n == 1 || (last < n && n <= last + 2) {
            counted.push(k);
            last = n;
            highest = highest.max(n);
        }
    }
    let digits = counted
        .iter()
        .filter(|&&k| lines[k].trimmed().starts_with(|c: char| c.is_ascii_digit()))
        .count();
    // (not a table's cells: `01` between `CC` and `阿拉伯语`)
    let after_sentences = counted
        .iter()
        .filter(|&&k| {
            lines[k].trimmed().starts_with(|c: char| c.is_ascii_digit())
                && (k == 0 || ends_with_punctuation(lines[k - 1].trimmed()))
                && lines
                    .get(k + 1)
                    .is_some_and(|n| ends_with_punctuation(n.trimmed()) || n.width() > 40)
        })
        .count();
    if counted.len() >= 3 && highest >= 3 && after_sentences * 10 >= digits * 9 {
        for k in counted {
            parts[k] = true;
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use crate::ingest::structure::parse;

    fn titles(text: &str) -> Vec<String> {
        parse(text)
            .sections
            .into_iter()
            .filter_map(|s| s.title)
            .collect()
    }

    /// calibre's text of an EPUB sets headings apart by space alone: four blank lines around
    /// each, three around a list's item, one between paragraphs.
    #[test]
    fn headings_set_apart_by_space_alone() {
        let text = include_str!(
            "../../tests/fixtures/documents/itil-epub-calibre/debian-edu-itil-manual.calibre.txt"
        );
        let found = titles(text);
        for heading in ["许可证", "致谢", "背景", "服务支持", "服务台", "任务和角色"]
        {
            assert!(
                found.iter().any(|t| t == heading),
                "{heading} not in {found:?}"
            );
        }
        // (a list's items: three blank lines around each)
        for item in ["Aksel Celasun —— Hurum 自治市", "不能打印", "检查错误"] {
            assert!(!found.iter().any(|t| t == item), "{item} is a heading");
        }
        // the same lines one blank line apart, as prose is, are no headings
        let tight = text.replace("\n\n\n\n\n", "\n\n");
        assert!(!titles(&tight).iter().any(|t| t == "服务支持"));
    }

    /// BeautifulSoup's text of 呼兰河传's EPUB: a paragraph a line, no blank lines, so the
    /// parts of a chapter (`二`, `三`) stand between paragraphs with no space around them;
    /// its first line, the title, has an edition's note with a comma in brackets.
    #[test]
    fn numbered_parts_between_unspaced_paragraphs() {
        let text =
            include_str!("../../tests/fixtures/documents/hulan-epub-bs4/hulan_he_zhuan.bs4.txt");
        let doc = parse(text);
        assert_eq!(
            doc.title.as_deref(),
            Some("呼兰河传(全本未删节插图珍藏本，1941年萧红定稿版)(作家榜推荐)")
        );
        let found: Vec<String> = doc.sections.into_iter().filter_map(|s| s.title).collect();
        let second = found.iter().position(|t| t.starts_with("第二章"));
        let parts: Vec<&str> = found[second.expect("第二章") + 1..]
            .iter()
            .take(6)
            .map(String::as_str)
            .collect();
        assert_eq!(parts, ["一", "二", "三", "四", "五", "第三章"], "{found:?}");
        // (a paragraph's lines are not parts: 第六章 has fourteen)
        assert_eq!(
            found.iter().filter(|t| *t == "十四").count(),
            1,
            "{found:?}"
        );
    }

    /// `w3m -dump` of a help page: its headings are one-line paragraphs over prose (or over
    /// a line of code, or over a lower heading); an icon's name in lower case, a line of
    /// code, a menu path ending in `...` and the page's title are not headings.
    #[test]
    fn a_web_pages_headings_in_its_text_dump() {
        let text = "电子表格函数\n\n本节介绍「电子表格」函数并提供相关示例。\n\n要访问此命令...\n\n\
                    ADDRESS\n\n按照指定行编号和列编号，返回文字格式的单元格引用地址。\n\n\
                    note\n\n如果 ADDRESS 函数新设置的第四参数值为 0 的话，请不要使用旧格式保存。\n\n\
                    语法\n\nADDRESS(Row; Column [; Abs])\n\n「Row」表示引用的单元格的行号，必须是数字。\n\n\
                    不使用鼠标进行操作\n\n调用菜单命令\n\n按 F10 键选择第一个菜单，使用向右方向键选择右边的菜单。\n\n\
                    Bézier 对象\n\n贝塞尔曲线是一种使用数学方式定义的曲线，在二维图形应用程序中使用。\n";
        assert_eq!(
            titles(text),
            [
                "电子表格函数",
                "ADDRESS",
                "语法",
                "不使用鼠标进行操作",
                "调用菜单命令",
                "Bézier 对象"
            ]
        );
    }

    /// Not in a text with headings of its own (`第一章`), nor for fewer than three, nor for a
    /// quotation, a list of short lines (a table printed one cell a line) or a lone word
    /// over a short line.
    #[test]
    fn short_paragraphs_of_a_book_are_not_headings() {
        let story = "小城\n\n“走吧”\n\n他说完这句话，就站起来往门外走，谁也没有回头看一眼。\n\n\
                     占位符\n\n解释\n\n#\n\n不显示额外的零。\n\n\
                     后来\n\n他又回到了这座城市，住在河边的一间小屋子里，每天看水。\n";
        assert_eq!(titles(story), ["小城"]);
        let chapters = "第一章 出发\n\n天亮\n\n他说完这句话，就站起来往门外走，谁也没有回头看一眼。\n\n\
                        夜里\n\n城里的人都出来看他，没有人认识他，他也不认识他们。\n\n\
                        第二天\n\n他又回到了这座城市，住在河边的一间小屋子里，每天看水。\n";
        assert_eq!(titles(chapters), ["第一章 出发"]);
    }
}
