//! Clock times and scores: numbers joined by a colon.
//!
//! What it reads: `H:MM` and `H:MM:SS` (also with a full-width colon, folded before), with an
//! optional `am`/`pm`/`a.m.`/`p.m.` after it that becomes 上午/下午 before it. A colon pair that is
//! not a valid time, or that follows 比 (比分, 比赛), is a score or ratio read with 比.
//!
//! Example: `5:02` → `五点零二分`; `5:35:36` → `五点三十五分三十六秒`; `8:00 a.m.` → `上午八点`;
//! `比分测试17:16` → `比分测试十七比十六`; `78:96` → `七十八比九十六`.
//!
//! A ratio with a decimal or a long number (`1:1.2`, `1:50000`) or with spaces around the colon
//! (`3 : 5`) is read with 比 too, and so is a pair that a score word goes with (`以1:0小胜`).
//!
//! Not handled: a valid time that is really a score without 比 nearby (`3:05` in a match
//! report) is read as a time; a minute below ten keeps its 零 (`三点零四分`), unlike NeMo.

use super::Reading;
use super::number::{self, Line, Two};

/// Whether [`read`] can start on `c`.
pub(super) fn starts(c: char) -> bool {
    c.is_ascii_digit()
}

pub(super) fn read(line: &Line, at: usize) -> Option<Reading> {
    if !line.is_digit(at) || (at > 0 && line.is_digit(at - 1)) {
        return None;
    }
    if line
        .prev(at)
        .is_some_and(|p| p.is_ascii_alphabetic() || p == ':' || p == '.')
    {
        return None;
    }
    if let Some(r) = ratio(line, at) {
        return Some(r);
    }
    let mut parts = vec![];
    let mut k = at;
    loop {
        let e = line.digits_end(k);
        parts.push(line.text(k, e));
        k = e;
        if line.get(k) == Some(':') && line.is_digit(k + 1) {
            k += 1;
        } else {
            break;
        }
    }
    if parts.len() < 2 || parts.iter().any(|p| p.len() > 4) {
        return None;
    }
    if line.get(k) == Some('.') && line.is_digit(k + 1) {
        return None;
    }
    // 比 nearby (比分, 之比) makes a pair a score, but 比赛 names a match, whose start
    // (`比赛在20:00开始`) is a time.
    let score = (at.saturating_sub(8)..at)
        .any(|j| line.get(j) == Some('比') && line.get(j + 1) != Some('赛'))
        || number::is_score(line, at, k);
    if !score && let Some(r) = clock(line, &parts, k) {
        return Some(r);
    }
    let text = parts
        .iter()
        .map(|p| number::cardinal(p, Two::Er))
        .collect::<Vec<_>>()
        .join("比");
    Some(Reading::new(k, text))
}

/// `1:1.2`, `1:50000`, `3 : 5`: two numbers that cannot be a time, read A比B.
fn ratio(line: &Line, at: usize) -> Option<Reading> {
    let a = number::scan(line, at)?;
    if !a.is_plain_int() {
        return None;
    }
    let spaced = line.get(a.end) == Some(' ');
    let colon = if spaced { a.end + 1 } else { a.end };
    if line.get(colon) != Some(':') {
        return None;
    }
    let b_start = if spaced {
        if line.get(colon + 1) != Some(' ') {
            return None;
        }
        colon + 2
    } else {
        colon + 1
    };
    let b = number::scan(line, b_start)?;
    if b.neg || b.int.is_empty() || (line.get(b.end) == Some(':') && line.is_digit(b.end + 1)) {
        return None;
    }
    if !(spaced || b.frac.is_some() || a.int.len() > 4 || b.int.len() > 4) {
        return None;
    }
    let text = format!(
        "{}比{}",
        number::cardinal(&a.int, Two::Er),
        number::quantity(&b, Two::Er, false)
    );
    Some(Reading::new(b.end, text))
}

fn clock(line: &Line, parts: &[String], end: usize) -> Option<Reading> {
    let v: Vec<u32> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let valid = parts.len() <= 3
        && parts[0].len() <= 2
        && v[0] <= 24
        && parts[1..].iter().all(|p| p.len() == 2)
        && v[1..].iter().all(|&x| x <= 59);
    if !valid {
        return None;
    }
    let (half, end) = half_day(line, end);
    let mut text = String::from(half);
    text.push_str(&if v[0] == 2 {
        "两".to_owned()
    } else {
        number::cardinal(&parts[0], Two::Er)
    });
    text.push('点');
    // With seconds written, every part is said (00:00:00 → 零点零分零秒); without, 8:00 → 八点.
    if v[1] != 0 || v.len() == 3 {
        text.push_str(&two_digits(v[1]));
        text.push('分');
    }
    if let Some(&seconds) = v.get(2) {
        text.push_str(&two_digits(seconds));
        text.push('秒');
    }
    Some(Reading::new(end, text))
}

/// `5` → 零五, `35` → 三十五, `0` → 零.
fn two_digits(v: u32) -> String {
    match v {
        0 => "零".to_owned(),
        1..=9 => format!("零{}", number::DIGIT_WORDS[v as usize]),
        _ => number::cardinal(&v.to_string(), Two::Er),
    }
}

/// An `am`/`pm` after the time, and where it ends.
fn half_day(line: &Line, end: usize) -> (&'static str, usize) {
    let k = if line.get(end) == Some(' ') {
        end + 1
    } else {
        end
    };
    for (written, spoken) in [
        ("a.m.", "上午"),
        ("am", "上午"),
        ("p.m.", "下午"),
        ("pm", "下午"),
    ] {
        let e = k + written.len();
        if line.starts_with_ignore_case(k, written) && !line.is_letter(e) {
            return (spoken, e);
        }
    }
    ("", end)
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize_line as n;

    #[test]
    fn clock_times_are_read_with_dian_fen_miao() {
        assert_eq!(n("5:02"), "五点零二分");
        assert_eq!(n("5:35:36"), "五点三十五分三十六秒");
        assert_eq!(n("22：58"), "二十二点五十八分");
        assert_eq!(n("12:05"), "十二点零五分");
        assert_eq!(n("2:30"), "两点三十分");
        assert_eq!(n("00:00:00"), "零点零分零秒");
    }

    #[test]
    fn am_and_pm_become_shangwu_and_xiawu() {
        assert_eq!(n("8:00 a.m."), "上午八点");
        assert_eq!(n("8:30pm"), "下午八点三十分");
    }

    #[test]
    fn scores_and_ratios_are_read_with_bi() {
        assert_eq!(n("78:96"), "七十八比九十六");
        assert_eq!(n("比分测试17:16"), "比分测试十七比十六");
        assert_eq!(n("3:1"), "三比一");
        assert_eq!(n("以1:0小胜"), "以一比零小胜");
        assert_eq!(n("比赛在20:00开始"), "比赛在二十点开始");
    }

    #[test]
    fn ratios_with_decimals_long_numbers_or_spaces_are_read_with_bi() {
        assert_eq!(n("比例约为1:1.2"), "比例约为一比一点二");
        assert_eq!(n("比例尺为1:50000"), "比例尺为一比五万");
        assert_eq!(n("两者之比为 3 : 5"), "两者之比为 三比五");
    }
}
