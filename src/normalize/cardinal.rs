//! Cardinals, decimals and ordinals: the reading every number gets when no other rule claims it.
//!
//! What it reads: integers (with 零 where digits are skipped, 两 for a leading 2 before 百/千/万/亿,
//! and 两 for a lone 2 before a classifier), negative numbers, thousands separators, decimals
//! (`.22` too), the `w` suffix for 万, ordinals after 第 (always 二, never 两), numbers glued to
//! Latin letters (`HDR10`, `M1`; three or more digits digit by digit: `i386`), dotted section or version numbers (`3.1.2`), and numbers with
//! leading zeros (`007`, read digit by digit unless a date or clock word follows).
//!
//! Example: `1234个人` → `一千二百三十四个人`; `2个` → `两个`; `第2` → `第二`; `2两` → `二两`;
//! `-5.5` → `负五点五`; `1,234,567` → `一百二十三万四千五百六十七`; `300w` → `三百万`;
//! `3000多` → `三千多`; `.22` → `零点二二`; `5G` → `五G`.
//!
//! Not handled: numbers longer than 16 digits are read digit by digit; 两 is not used inside
//! a number for the hundreds (`1200` → `一千二百`).

use super::Reading;
use super::number::{self, Line, Numeral, Two};

/// Words after which a lone 2 is said 两 (2个 → 两个). 分 alone is left out (2分之1).
const CLASSIFIERS: &str = "个只条本张件位名家次天年岁倍种块人台辆架艘座栋层项份部间双对套颗粒根支把杯碗瓶斤升吨克米周星批场届期所趟回遍声口头匹节页篇首段句行元角毛组队点小成斤里公千百万亿";

/// Whether [`read`] can start on `c`: where a number can.
pub(super) fn starts(c: char) -> bool {
    number::starts(c)
}

pub(super) fn read(line: &Line, at: usize) -> Option<Reading> {
    let n = number::scan(line, at)?;
    if let Some(reading) = dotted(line, &n) {
        return Some(reading);
    }
    let mut end = n.end;
    let mut text = speak(line, &n, line.get(n.end), line.starts_with(n.end, "分钟"));
    // 300w → 三百万
    if matches!(line.get(end), Some('w' | 'W'))
        && !line.is_letter(end + 1)
        && !line.prev(n.start).is_some_and(|p| p.is_ascii_alphabetic())
    {
        text.push('万');
        end += 1;
    }
    Some(Reading::new(end, text))
}

/// Reads a numeral in running text. `next` is the character after the quantity (it decides
/// 两 before a classifier); `minutes` says whether `分钟` follows.
pub(super) fn speak(line: &Line, n: &Numeral, next: Option<char>, minutes: bool) -> String {
    let prev = line.prev(n.start);
    let ordinal = prev == Some('第');
    if n.frac.is_none() && !n.neg && !n.grouped {
        if prev.is_some_and(|p| p.is_ascii_alphabetic()) {
            // Latin-glued: HDR10 → HDR十, but model codes digit by digit: i386 → i三八六.
            return if n.int.len() <= 2 && !(n.int.len() > 1 && n.int.starts_with('0')) {
                number::cardinal(&n.int, Two::Er)
            } else {
                number::digits(&n.int)
            };
        }
        if n.int.len() > 1
            && n.int.starts_with('0')
            && !next.is_some_and(|c| "月日号时点分秒".contains(c))
        {
            return number::digits(&n.int);
        }
        if !ordinal && n.int == "2" && (minutes || next.is_some_and(|c| CLASSIFIERS.contains(c))) {
            return "两".to_owned();
        }
    }
    let two = if ordinal { Two::Er } else { Two::Liang };
    number::quantity(n, two, false)
}

/// Section and version numbers with two or more dots: `3.1.2` → 三点一点二.
fn dotted(line: &Line, n: &Numeral) -> Option<Reading> {
    n.frac.as_ref()?;
    if !(line.get(n.end) == Some('.') && line.is_digit(n.end + 1)) || n.int.is_empty() {
        return None;
    }
    let mut parts = vec![n.int.clone(), n.frac.clone().unwrap_or_default()];
    let mut end = n.end;
    while line.get(end) == Some('.') && line.is_digit(end + 1) {
        let e = line.digits_end(end + 1);
        parts.push(line.text(end + 1, e));
        end = e;
    }
    let mut text = String::from(if n.neg { "负" } else { "" });
    for (k, part) in parts.iter().enumerate() {
        if k > 0 {
            text.push('点');
        }
        if part.len() > 1 && part.starts_with('0') || part.len() > 4 {
            text.push_str(&number::digits(part));
        } else {
            text.push_str(&number::cardinal(part, Two::Er));
        }
    }
    Some(Reading::new(end, text))
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize_line as n;

    #[test]
    fn a_lone_two_before_a_classifier_is_liang() {
        assert_eq!(n("2个月"), "两个月");
        assert_eq!(n("2万人"), "两万人");
        assert_eq!(n("2分钟"), "两分钟");
    }

    #[test]
    fn a_two_after_di_or_before_liang_is_er() {
        assert_eq!(n("第2名"), "第二名");
        assert_eq!(n("2两"), "二两");
        assert_eq!(n("第200名"), "第二百名");
    }

    #[test]
    fn hundreds_and_thousands_with_a_leading_two_are_liang() {
        assert_eq!(n("200"), "两百");
        assert_eq!(n("2000人"), "两千人");
    }

    #[test]
    fn large_numbers_use_wan_and_yi_with_zero() {
        assert_eq!(n("101111111"), "一亿零一百一十一万一千一百一十一");
        assert_eq!(n("发电30029度电"), "发电三万零二十九度电");
    }

    #[test]
    fn negatives_and_decimals_are_read() {
        assert_eq!(n("-5.5555"), "负五点五五五五");
        assert_eq!(n("324.75克"), "三百二十四点七五克");
        assert_eq!(n("一支.22口径"), "一支零点二二口径");
        assert_eq!(n("6.42万"), "六点四二万");
    }

    #[test]
    fn suffixes_and_approximations_are_kept() {
        assert_eq!(n("300w"), "三百万");
        assert_eq!(n("450余家"), "四百五十余家");
        assert_eq!(n("10几个"), "十几个");
        assert_eq!(n("3000多"), "三千多");
    }

    #[test]
    fn thousands_separators_are_dropped() {
        assert_eq!(n("1,234,567"), "一百二十三万四千五百六十七");
        assert_eq!(n("1,2"), "一,二");
    }

    #[test]
    fn numbers_glued_to_latin_letters_are_read_short() {
        assert_eq!(n("5G"), "五G");
        assert_eq!(n("HDR10"), "HDR十");
        assert_eq!(n("M1芯片"), "M一芯片");
        assert_eq!(n("amd64 或 i386"), "amd六十四 或 i三八六");
    }

    #[test]
    fn dotted_section_numbers_read_each_part() {
        assert_eq!(n("3.1.2 结构"), "三点一点二 结构");
    }

    #[test]
    fn ordinals_are_read_with_er() {
        assert_eq!(n("第100名"), "第一百名");
        assert_eq!(n("第3章"), "第三章");
        assert_eq!(n("第10000100000"), "第一百亿零十万");
    }
}
