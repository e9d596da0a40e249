//! Symbols a reader says as words: math signs, circled numbers, Roman numerals, and `○` used as
//! a zero inside Chinese numerals.
//!
//! What it reads: `±` `≥` `≤` `≠` `≈` `×` `÷` `π` anywhere; `+` `=` `＝` `*` `<` `>` `<=` `>=`
//! `!=` next to a number (`<` and `>` also between a word and the number after it:
//! `温差>5℃`); `-` between two numbers of an equation (`5-3=2`: 减);
//! `-` before 百分之 (负); a dash after a time or percentage before another number (到); circled and parenthesised numbers `①`…`⑳`, `⑴`…`⒇`, `⒈`…`⒛`;
//! Roman numerals `Ⅰ`…`Ⅻ`, `ⅰ`…`ⅻ`, and ASCII Roman numerals between 第 and a Chinese word
//! (`第II部分`); `○` (U+25CB) or `〇` between Chinese digits (`一八四○年` → `一八四零年`).
//!
//! Example: `1+1=2` → `一加一等于二`; `≥5` → `大于等于五`; `①` → `一`; `第Ⅱ部分` → `第二部分`.
//!
//! Not handled: `-` between two numbers is a range (see [`super::range`]), never 减; `+` and `=`
//! between words (`C++`, `key=value`) are kept.

use super::Reading;
use super::number::{self, Line, Two};

const CHINESE_DIGITS: &str = "零〇一二三四五六七八九十百千万亿两○";

/// Whether [`read`] can start on `c` (every arm of its `match`, circled and Roman numerals,
/// and the letters of an ASCII Roman numeral).
pub(super) fn starts(c: char) -> bool {
    matches!(
        c,
        '±' | '≥'
            | '⩾'
            | '≤'
            | '⩽'
            | '≠'
            | '≈'
            | '×'
            | '÷'
            | 'π'
            | '+'
            | '='
            | '＝'
            | '*'
            | '!'
            | '<'
            | '>'
            | '-'
            | '~'
            | '—'
            | '–'
            | '○'
            | '〇'
    ) || circled(c).is_some()
        || roman(c).is_some()
        || "IVX".contains(c)
}

pub(super) fn read(line: &Line, at: usize) -> Option<Reading> {
    let c = line.get(at)?;
    // Two-character operators: `3<=5`, `x>=10`, `x!=0`.
    if line.get(at + 1) == Some('=') && operand_before(line, at) && operand_after(line, at + 1) {
        let word = match c {
            '<' => Some("小于等于"),
            '>' => Some("大于等于"),
            '!' => Some("不等于"),
            _ => None,
        };
        if let Some(word) = word {
            return Some(Reading::new(at + 2, word));
        }
    }
    let word = match c {
        '±' => "正负",
        '≥' | '⩾' => "大于等于",
        '≤' | '⩽' => "小于等于",
        '≠' => "不等于",
        '≈' => "约等于",
        'π' => "派",
        '×' if near_number(line, at) => "乘",
        '*' if number_before(line, at) && number_after(line, at) => "乘",
        '÷' => "除以",
        '+' if near_number(line, at) && number_before(line, at) => "加",
        '=' | '＝' if near_number(line, at) => "等于",
        '<' if compares(line, at) => "小于",
        '>' if compares(line, at) => "大于",
        '-' if number_before(line, at) && number_after(line, at) && equation_follows(line, at) => {
            "减"
        }
        '-' if line.starts_with(at + 1, "百分之") => "负",
        '-' | '~' | '—' | '–' if joins_read_quantities(line, at) => "到",
        '○' | '〇' if chinese_numeral_around(line, at) => "零",
        _ => {
            return circled(c)
                .or_else(|| roman(c))
                .map(|v| Reading::new(at + 1, number::cardinal(&v.to_string(), Two::Er)))
                .or_else(|| ascii_roman(line, at));
        }
    };
    Some(Reading::new(at + 1, word))
}

fn non_space(line: &Line, mut k: Option<usize>, step_back: bool) -> Option<char> {
    while let Some(i) = k {
        match line.get(i) {
            Some(' ') => {
                k = if step_back {
                    i.checked_sub(1)
                } else {
                    Some(i + 1)
                }
            }
            c => return c,
        }
    }
    None
}

fn is_numberish(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_digit() || CHINESE_DIGITS.contains(c) || "%)".contains(c))
}

fn number_before(line: &Line, at: usize) -> bool {
    is_numberish(non_space(line, at.checked_sub(1), true))
}

fn number_after(line: &Line, at: usize) -> bool {
    is_numberish(non_space(line, Some(at + 1), false))
        || non_space(line, Some(at + 1), false) == Some('-')
}

/// A number, a letter or a closing bracket before `at` (spaces skipped): what can stand left
/// of a comparison.
fn operand_before(line: &Line, at: usize) -> bool {
    let c = non_space(line, at.checked_sub(1), true);
    is_numberish(c) || c.is_some_and(|c| c.is_ascii_alphabetic())
}

/// A number or a letter after `at` (spaces skipped).
fn operand_after(line: &Line, at: usize) -> bool {
    let c = non_space(line, Some(at + 1), false);
    number_after(line, at) || c.is_some_and(|c| c.is_ascii_alphabetic())
}

/// `<` or `>` as a comparison: a number on one side and a number or letter on the other, or a
/// Chinese word before and a number after (`温差>5℃`). `<b>` and `->` are not comparisons.
fn compares(line: &Line, at: usize) -> bool {
    let before = non_space(line, at.checked_sub(1), true);
    if before.is_some_and(|c| "<>-=".contains(c)) {
        return false;
    }
    (number_before(line, at) && operand_after(line, at))
        || (number_after(line, at)
            && (operand_before(line, at) || before.is_some_and(number::is_han)))
}

/// Whether an `=` comes after the number that follows `at`: `5-3=2`.
fn equation_follows(line: &Line, at: usize) -> bool {
    let mut k = at + 1;
    while line
        .get(k)
        .is_some_and(|c| c.is_ascii_digit() || c == '.' || c == ' ')
    {
        k += 1;
    }
    matches!(line.get(k), Some('=' | '＝'))
}

fn near_number(line: &Line, at: usize) -> bool {
    number_before(line, at) || number_after(line, at)
}

/// A dash between a time, date or percentage and the next number: `8:00-9:00`, `5%-10%`,
/// `5月1日-5月3日`.
fn joins_read_quantities(line: &Line, at: usize) -> bool {
    if !line.is_digit(at + 1) {
        return false;
    }
    match line.prev(at) {
        Some('%' | '℃' | '年' | '月' | '日' | '号' | '时' | '分' | '秒') => true,
        Some(c) if c.is_ascii_digit() => {
            let mut k = at - 1;
            while k > 0 && line.is_digit(k - 1) {
                k -= 1;
            }
            k >= 2 && line.get(k - 1) == Some(':') && line.is_digit(k - 2)
        }
        _ => false,
    }
}

fn chinese_numeral_around(line: &Line, at: usize) -> bool {
    let is_cn = |c: Option<char>| c.is_some_and(|c| CHINESE_DIGITS.contains(c));
    is_cn(line.prev(at)) || is_cn(line.get(at + 1))
}

fn circled(c: char) -> Option<u32> {
    let v = match c {
        '①'..='⑳' => c as u32 - '①' as u32 + 1,
        '⑴'..='⒇' => c as u32 - '⑴' as u32 + 1,
        '⒈'..='⒛' => c as u32 - '⒈' as u32 + 1,
        '❶'..='❿' => c as u32 - '❶' as u32 + 1,
        _ => return None,
    };
    Some(v)
}

/// Unicode Roman numerals: Ⅱ → 二.
fn roman(c: char) -> Option<u32> {
    let v = match c {
        'Ⅰ'..='Ⅻ' => c as u32 - 'Ⅰ' as u32 + 1,
        'ⅰ'..='ⅻ' => c as u32 - 'ⅰ' as u32 + 1,
        _ => return None,
    };
    Some(v)
}

/// `第II部分` → 第二部分.
fn ascii_roman(line: &Line, at: usize) -> Option<Reading> {
    if line.prev(at) != Some('第') {
        return None;
    }
    let mut k = at;
    while line.get(k).is_some_and(|c| "IVX".contains(c)) {
        k += 1;
    }
    if k == at || !line.get(k).is_some_and(number::is_han) {
        return None;
    }
    let v = roman_value(&line.text(at, k))?;
    Some(Reading::new(k, number::cardinal(&v.to_string(), Two::Er)))
}

fn roman_value(s: &str) -> Option<u32> {
    let vals: Vec<u32> = s
        .chars()
        .map(|c| match c {
            'I' => 1,
            'V' => 5,
            _ => 10,
        })
        .collect();
    let mut total = 0i64;
    for (i, &v) in vals.iter().enumerate() {
        if vals.get(i + 1).is_some_and(|&next| next > v) {
            total -= i64::from(v);
        } else {
            total += i64::from(v);
        }
    }
    u32::try_from(total).ok().filter(|&v| (1..=39).contains(&v))
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize_line as n;

    #[test]
    fn math_symbols_are_read_as_words() {
        assert_eq!(n("1+1=2"), "一加一等于二");
        assert_eq!(n("≥5"), "大于等于五");
        assert_eq!(n("≤5"), "小于等于五");
        assert_eq!(n("±3"), "正负三");
        assert_eq!(n("-百分之1"), "负百分之一");
        assert_eq!(n("5-3=2"), "五减三等于二");
        assert_eq!(n("3<=5"), "三小于等于五");
        assert_eq!(n("当x>=10时"), "当x大于等于十时");
        assert_eq!(n("温差>5度"), "温差大于五度");
        assert_eq!(n("3*4"), "三乘四");
    }

    #[test]
    fn arrows_and_tags_are_not_comparisons() {
        assert_eq!(n("a->b"), "a->b");
        assert_eq!(n("<b>粗体</b>"), "<b>粗体</b>");
    }

    #[test]
    fn a_dash_between_times_or_percentages_is_dao() {
        assert_eq!(n("8:00-9:30"), "八点到九点三十分");
        assert_eq!(n("5%-10%"), "百分之五到百分之十");
        assert_eq!(n("5月1日-5月3日"), "五月一日到五月三日");
        assert_eq!(n("978-7-111"), "九百七十八-七-一百一十一");
    }

    #[test]
    fn plus_and_equals_between_words_are_kept() {
        assert_eq!(n("C++与key=value"), "C++与key=value");
    }

    #[test]
    fn circled_numbers_are_read() {
        assert_eq!(n("①苹果⑫"), "一苹果十二");
    }

    #[test]
    fn roman_numerals_in_headings_are_read() {
        assert_eq!(n("第Ⅱ部分"), "第二部分");
        assert_eq!(n("第IV部分"), "第四部分");
        assert_eq!(n("第IV"), "第IV");
    }

    #[test]
    fn circle_used_as_zero_in_chinese_years_reads_ling() {
        assert_eq!(n("一八四○年"), "一八四零年");
        assert_eq!(n("○"), "○");
    }
}
