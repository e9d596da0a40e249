//! Percentages and per-mille.
//!
//! What it reads: a number before `%` (full-width `％` is folded before) or `‰`, with sign and
//! decimals. Trailing zeros of the decimal part are not read.
//!
//! Example: `6.3%` → `百分之六点三`; `-3.8%` → `负百分之三点八`; `0.70%` → `百分之零点七`;
//! `６％` → `百分之六`; `5‰` → `千分之五`.
//!
//! Not handled: `%` without a number before it is left as it is; percentage points are
//! written in words (`1.2个百分点`) and read by [`super::cardinal`].

use super::Reading;
use super::number::{self, Line, Two};

/// Whether [`read`] can start on `c`: where a number can.
pub(super) fn starts(c: char) -> bool {
    number::starts(c)
}

pub(super) fn read(line: &Line, at: usize) -> Option<Reading> {
    let n = number::scan(line, at)?;
    let word = match line.get(n.end)? {
        '%' => "百分之",
        '‰' => "千分之",
        _ => return None,
    };
    if line.prev(at).is_some_and(|p| p.is_ascii_alphabetic()) {
        return None;
    }
    let mut text = String::from(if n.neg { "负" } else { "" });
    text.push_str(word);
    text.push_str(&number::unsigned(&n, Two::Liang, true));
    Some(Reading::new(n.end + 1, text))
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize_line as n;

    #[test]
    fn percentages_are_read_as_baifenzhi() {
        assert_eq!(n("6.3%"), "百分之六点三");
        assert_eq!(n("-3.8%"), "负百分之三点八");
        assert_eq!(n("６％"), "百分之六");
        assert_eq!(
            n("环比分别下跌3.46%及微涨0.70%"),
            "环比分别下跌百分之三点四六及微涨百分之零点七"
        );
    }

    #[test]
    fn per_mille_is_read_as_qianfenzhi() {
        assert_eq!(n("5‰"), "千分之五");
    }
}
