//! Fractions written with a slash.
//!
//! What it reads: `A/B` with whole numbers, optionally negative (`-1/3`), also after 又
//! (`1又1/5`), and with one space on each side of the slash when both numbers have at most three
//! digits (`1 / 2`). It is read denominator first: B分之A.
//!
//! Example: `1/16` → `十六分之一`; `33/4` → `四分之三十三`; `-1/3` → `负三分之一`;
//! `1又1/5` → `一又五分之一`.
//!
//! Not handled: a date written month/day (`1/16` as 16 January) is read as a fraction; a
//! zero denominator, paths (`/24` after an IP) and unit slashes (`人/平方公里`) are left alone.

use super::Reading;
use super::number::{self, Line, Two};

/// Whether [`read`] can start on `c`: where a number can.
pub(super) fn starts(c: char) -> bool {
    number::starts(c)
}

pub(super) fn read(line: &Line, at: usize) -> Option<Reading> {
    let a = number::scan(line, at)?;
    if a.frac.is_some() || a.grouped || a.int.is_empty() {
        return None;
    }
    // `1 / 2`: spaces only around short numbers, so `1000 / 2000` stays as it is.
    let spaced = line.starts_with(a.end, " / ");
    if !(line.get(a.end) == Some('/') || spaced && a.int.len() <= 3) {
        return None;
    }
    if line
        .prev(at)
        .is_some_and(|p| p.is_ascii_alphabetic() || "/.:".contains(p))
    {
        return None;
    }
    let b_start = if spaced { a.end + 3 } else { a.end + 1 };
    let b_end = line.digits_end(b_start);
    if b_end == b_start || line.is_letter(b_end) {
        return None;
    }
    if line.get(b_end).is_some_and(|c| "/.:".contains(c)) && line.is_digit(b_end + 1) {
        return None;
    }
    let b = line.text(b_start, b_end);
    if b.trim_start_matches('0').is_empty() || spaced && b.len() > 3 {
        return None;
    }
    let mut text = String::from(if a.neg { "负" } else { "" });
    text.push_str(&number::cardinal(&b, Two::Er));
    text.push_str("分之");
    text.push_str(&number::cardinal(&a.int, Two::Er));
    Some(Reading::new(b_end, text))
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize_line as n;

    #[test]
    fn fractions_are_read_denominator_first() {
        assert_eq!(n("1/16"), "十六分之一");
        assert_eq!(n("7/12的观众"), "十二分之七的观众");
        assert_eq!(n("1又1/5"), "一又五分之一");
        assert_eq!(n("-1/3"), "负三分之一");
        assert_eq!(n("约1 / 2的人"), "约二分之一的人");
        assert_eq!(n("1000 / 2000"), "一千 / 两千");
    }

    #[test]
    fn a_zero_denominator_is_not_a_fraction() {
        assert_eq!(n("1/0"), "一/零");
    }
}
