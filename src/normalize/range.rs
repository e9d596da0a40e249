//! Ranges: two numbers joined by `-`, `~`, `—` or `–`, read with 到.
//!
//! What it reads: `1-2个月`, `12~23`, `12-23`, `1990—1995年`, `5-10%`, `10-20km`. The second
//! number is read with its unit or %; the first takes 两 when the classifier after the second
//! asks for it; two years before 年 are both read digit by digit.
//!
//! Example: `1-2个月` → `一到两个月`; `1990—1995年` → `一九九零到一九九五年`; `5-10%` →
//! `百分之五到十`.
//!
//! Two whole numbers that a score word goes with are a score, read with 比: `3-2击败` →
//! 三比二击败, `比分为3-0` → 比分为三比零. An equation (`5-3=2`) is not a range (see
//! [`super::symbol`]).
//!
//! Not handled: chains such as `978-7-111` (read number by number, dashes kept); a number glued to
//! Latin letters before the dash (`COVID-19`) is not a range.

use super::number::{self, Line};
use super::{Reading, cardinal};

const DASHES: &str = "-~—–";

/// Whether [`read`] can start on `c`.
pub(super) fn starts(c: char) -> bool {
    c.is_ascii_digit()
}

pub(super) fn read(line: &Line, at: usize) -> Option<Reading> {
    if !line.is_digit(at) || line.prev(at).is_some_and(|p| p.is_ascii_alphabetic()) {
        return None;
    }
    let in_chain =
        at >= 2 && line.prev(at).is_some_and(|c| DASHES.contains(c)) && line.is_digit(at - 2);
    if in_chain {
        return None;
    }
    let a = number::scan(line, at)?;
    let skip = |mut k: usize| {
        while line.get(k) == Some(' ') {
            k += 1;
        }
        k
    };
    let dash_at = skip(a.end);
    let dash = line.get(dash_at)?;
    let b_start = skip(dash_at + 1);
    if !DASHES.contains(dash) || !line.is_digit(b_start) {
        return None;
    }
    let b = number::scan(line, b_start)?;
    // Chains (978-7-111) and dotted/coloned continuations are not ranges.
    if line
        .get(b.end)
        .is_some_and(|c| DASHES.contains(c) || c == ':')
        && line.is_digit(b.end + 1)
    {
        return None;
    }
    if next_non_space(line, b.end) == Some('=') || next_non_space(line, b.end) == Some('＝') {
        return None;
    }
    if a.is_plain_int()
        && b.is_plain_int()
        && a.int.len() <= 3
        && b.int.len() <= 3
        && number::is_score(line, at, b.end)
    {
        let text = format!(
            "{}比{}",
            number::cardinal(&a.int, number::Two::Er),
            number::cardinal(&b.int, number::Two::Er)
        );
        return Some(Reading::new(b.end, text));
    }
    let spaced = dash_at != a.end || b_start != dash_at + 1;
    if years(line, &a, &b) {
        let text = format!("{}到{}", number::digits(&a.int), number::digits(&b.int));
        return Some(Reading::new(b.end, text));
    }
    if spaced {
        return None;
    }
    let second = super::read_quantity(line, b.start)?;
    let first = cardinal::speak(line, &a, line.get(b.end), line.starts_with(b.end, "分钟"));
    let text = match second.text.strip_prefix("百分之") {
        Some(rest) => format!("百分之{first}到{rest}"),
        None => format!("{first}到{}", second.text),
    };
    Some(Reading::new(second.end, text))
}

fn next_non_space(line: &Line, mut k: usize) -> Option<char> {
    while line.get(k) == Some(' ') {
        k += 1;
    }
    line.get(k)
}

/// Two years: `1990—1995年`, `（1927-1994）`, `2016 -2022`.
fn years(line: &Line, a: &number::Numeral, b: &number::Numeral) -> bool {
    let year = |n: &number::Numeral| {
        n.is_plain_int() && n.int.len() == 4 && (n.int.starts_with('1') || n.int.starts_with('2'))
    };
    if !(year(a) && year(b)) {
        return false;
    }
    let k = if line.get(b.end) == Some(' ') {
        b.end + 1
    } else {
        b.end
    };
    match line.get(k) {
        Some('年') => true,
        Some(c) if number::is_han(c) => false,
        _ => a.int < b.int,
    }
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize_line as n;

    #[test]
    fn ranges_are_read_with_dao() {
        assert_eq!(n("1-2个月"), "一到两个月");
        assert_eq!(n("12~23"), "十二到二十三");
        assert_eq!(n("12-23"), "十二到二十三");
        assert_eq!(n("12～23"), "十二到二十三");
    }

    #[test]
    fn year_ranges_read_both_years_digit_by_digit() {
        assert_eq!(n("1990—1995年"), "一九九零到一九九五年");
        assert_eq!(n("（1927-1994）"), "（一九二七到一九九四）");
        assert_eq!(n("2016 -2022 Ma Yong"), "二零一六到二零二二 Ma Yong");
        assert_eq!(n("1000-2000人"), "一千到两千人");
    }

    #[test]
    fn the_unit_or_percent_of_the_second_number_is_read() {
        assert_eq!(n("5-10%"), "百分之五到十");
        assert_eq!(n("10-20km"), "十到二十公里");
    }

    #[test]
    fn latin_codes_with_a_dash_are_not_ranges() {
        assert_eq!(n("COVID-19"), "COVID十九");
    }

    #[test]
    fn a_pair_with_a_score_word_is_a_score() {
        assert_eq!(n("主队以3-2击败客队"), "主队以三比二击败客队");
        assert_eq!(n("比分为3-0"), "比分为三比零");
        assert_eq!(n("以1-2个百分点"), "以一到两个百分点");
    }
}
