//! Model names: letters or a model prefix, a dash, and a number (`图-154`, `F-16`, `COVID-19`).
//!
//! What it reads: a dash between Latin letters or a known Chinese model prefix (aircraft,
//! missiles, rockets: 图 歼 运 东风 长征 …) and a number. The dash is not said and is never a
//! minus sign; the number is read as in other model codes: up to two digits as a cardinal
//! (`歼-20` → 歼二十, `F-16` → F十六), three or more digit by digit (`图-154` → 图一五四). Also
//! 波音 and 空客 before three digits (`波音747` → 波音七四七).
//!
//! Example: `图-154客机` → `图一五四客机`; `AK-47` → `AK四十七`; `东风-41` → `东风四十一`.
//!
//! Not handled: a single lower-case letter before the dash (`x-1`) is algebra, left to the
//! other rules; prefixes outside the list (`气温-5`) keep the minus sign.

use super::Reading;
use super::number::{self, Line, Two};

/// Chinese prefixes of model names that are written with a dash before their number.
const PREFIXES: [&str; 30] = [
    "图", "歼", "运", "轰", "直", "强", "教", "歼轰", "东风", "长征", "神舟", "天宫", "天舟",
    "嫦娥", "风云", "北斗", "鹰击", "红旗", "霹雳", "巨浪", "伊尔", "安", "米格", "苏", "卡",
    "雅克", "枭龙", "翼龙", "彩虹", "猎鹰",
];

/// Whether [`read`] can start on `c`.
pub(super) fn starts(c: char) -> bool {
    c == '-' || c.is_ascii_digit()
}

pub(super) fn read(line: &Line, at: usize) -> Option<Reading> {
    if line.get(at) == Some('-') {
        if !line.is_digit(at + 1) || !(latin_before(line, at) || prefix_before(line, at)) {
            return None;
        }
        let end = line.digits_end(at + 1);
        if line.get(end) == Some('.') && line.is_digit(end + 1) {
            return None;
        }
        return Some(Reading::new(end, code(&line.text(at + 1, end))));
    }
    // 波音747, 空客330
    if (line.ends_with(at, "波音") || line.ends_with(at, "空客")) && line.is_digit(at) {
        let end = line.digits_end(at);
        if end - at == 3 {
            return Some(Reading::new(end, number::digits(&line.text(at, end))));
        }
    }
    None
}

/// A model number: `20` → 二十, `154` → 一五四.
fn code(digits: &str) -> String {
    if digits.len() <= 2 && !(digits.len() == 2 && digits.starts_with('0')) {
        number::cardinal(digits, Two::Er)
    } else {
        number::digits(digits)
    }
}

/// Latin letters right before the dash: two or more, or one upper-case letter (`F-16`, not `x-1`).
fn latin_before(line: &Line, at: usize) -> bool {
    let mut k = at;
    while k > 0 && line.is_letter(k - 1) {
        k -= 1;
    }
    let n = at - k;
    n >= 2 || (n == 1 && line.get(k).is_some_and(|c| c.is_ascii_uppercase()))
}

fn prefix_before(line: &Line, at: usize) -> bool {
    PREFIXES.iter().any(|p| line.ends_with(at, p))
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize_line as n;

    #[test]
    fn model_names_drop_the_dash_and_read_the_number_as_a_code() {
        assert_eq!(n("图-154客机"), "图一五四客机");
        assert_eq!(n("歼-20"), "歼二十");
        assert_eq!(n("COVID-19疫情"), "COVID十九疫情");
        assert_eq!(n("波音747"), "波音七四七");
    }

    #[test]
    fn a_minus_after_other_words_stays_a_minus() {
        assert_eq!(n("增长率为-5"), "增长率为负五");
        assert_eq!(n("图为-5"), "图为负五");
    }
}
