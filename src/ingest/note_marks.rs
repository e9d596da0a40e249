//! Notes in text that a converter printed inline: `pandoc` writes an e-book's note mark
//! as `^([1])` or `[1]`, its superscripts as `⁽¹⁴⁾`, and the note itself as a line opening
//! with the mark (`[1] 莱昂德罗·迪亚斯(1928—　)，哥伦比亚盲人音乐家。`) after the paragraph
//! or at the chapter's end. As with EPUB and HTML, the marks are not read (a voice says
//! `[1]` as a stray 一) and neither are the notes.

use super::repair::is_space;

/// The number of a mark written `[12]`, `^([12])` or `^(12)` at the start of `t`, and its
/// length in bytes.
fn mark_at(t: &str) -> Option<(u32, usize)> {
    mark_with_shape(t).map(|(n, len, _)| (n, len))
}

/// `mark_at`, and whether the mark is `^([12])`: no superscript but a note's is written so,
/// and it is taken out after Latin text too (`Hobbes^([1])`).
fn mark_with_shape(t: &str) -> Option<(u32, usize, bool)> {
    let noted = t.starts_with("^([");
    let (inner, len) = if let Some(rest) = t.strip_prefix("^(") {
        let close = rest.find(')')?;
        (&rest[..close], close + 3)
    } else {
        let rest = t.strip_prefix('[')?;
        let close = rest.find(']')?;
        (&t[..close + 2], close + 2)
    };
    let digits = inner.trim_start_matches('[').trim_end_matches(']');
    ((1..=3).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok().map(|n| (n, len, noted)))
        .flatten()
}

/// Whether `c` is text a note mark is set against: a CJK character or closing
/// punctuation, not a Latin letter or digit (`a[1]` in code is an index).
fn takes_a_mark(c: char) -> bool {
    !c.is_ascii() && !is_space(c)
}

const SUPERSCRIPT_DIGITS: &str = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/// `line` without its note marks (`见解”^([1])。` → `见解”。`, `以善报恶⁽¹⁴⁾` → `以善报恶`,
/// `迪亚斯[1]` → `迪亚斯`); the numbers of the marks taken out go to `marks`.
pub(crate) fn without_marks(line: &str, marks: &mut Vec<u32>) -> Option<String> {
    if !line.contains(['[', '^', '⁽']) && !line.contains(|c| SUPERSCRIPT_DIGITS.contains(c)) {
        return None;
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let mut changed = false;
    while let Some(c) = rest.chars().next() {
        let last = out.chars().next_back();
        let after_text = last.is_some_and(takes_a_mark);
        if let Some((n, len, noted)) = mark_with_shape(rest)
            && (after_text || (noted && last.is_some_and(|c| !is_space(c))))
        {
            marks.push(n);
            rest = &rest[len..];
            changed = true;
            continue;
        }
        // `⁽¹⁴⁾`, or superscript digits against text (`²` after a unit's letter stays)
        if after_text && (c == '⁽' || SUPERSCRIPT_DIGITS.contains(c)) {
            let len = rest
                .char_indices()
                .find(|&(_, d)| !(d == '⁽' || d == '⁾' || SUPERSCRIPT_DIGITS.contains(d)))
                .map_or(rest.len(), |(i, _)| i);
            rest = &rest[len..];
            changed = true;
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    changed.then_some(out)
}

/// Whether `line` is a note: it opens with a mark whose number was taken out of the text
/// before it (`marks`, in order).
pub(crate) fn is_note(line: &str, marks: &[u32]) -> bool {
    let t = line.trim_start_matches(is_space);
    mark_at(t).is_some_and(|(n, len)| {
        marks.contains(&n) && t[len..].trim_matches(is_space).chars().count() >= 2
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_taken_out_of_text_and_kept_elsewhere() {
        let mut marks = Vec::new();
        let cases = [
            ("深刻见解”^([1])。", Some("深刻见解”。")),
            ("以泰纳^(12)为首", Some("以泰纳为首")),
            ("Mozart (Figaro)^([1])", Some("Mozart (Figaro)")),
            ("x^(2) + y", None),
            ("三、以善报恶⁽¹⁴⁾", Some("三、以善报恶")),
            ("——莱昂德罗·迪亚斯[1]", Some("——莱昂德罗·迪亚斯")),
            ("面积 5 m² 左右", None),
            ("数组 a[1] 的值", None),
            ("[1] 注释的正文。", None),
            ("见[第一章]", None),
        ];
        for (line, expected) in cases {
            assert_eq!(
                without_marks(line, &mut marks).as_deref(),
                expected,
                "{line}"
            );
        }
        assert_eq!(marks, [1, 12, 1, 1]);
        assert!(is_note(
            "[1] 莱昂德罗·迪亚斯(1928—　)，哥伦比亚盲人音乐家。",
            &marks
        ));
        assert!(is_note("[12]哈曼，《圣经》中的人物。", &marks));
        assert!(!is_note("[3] 未曾标注的条目。", &marks));
        assert!(!is_note("[1]", &marks));
    }
}
