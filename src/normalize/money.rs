//! Money: currency symbols and codes around a number, and amounts in 元.
//!
//! What it reads: a symbol before the number (`￥` `¥` → 元, `$` → 美元, `€` → 欧元, `£` → 英镑,
//! `₩` → 韩元, `HK$` → 港元, `US$` → 美元, `A$` → 澳元, `C$`, `S$`, `NZ$`, `NT$`, `₽` `₹` `฿` `₫`),
//! an ISO code before or after it (`HKD`, `USD`, `RMB`, `CNY`, `EUR`, `GBP`, `JPY`, `AUD`, `CAD`,
//! `SGD`, `NZD`, `CHF`, `KRW`, `TWD`, `MOP`, `RUB`, `INR`, `THB`, `MYR`, `VND`), a scale word after the number (`$1.5万` → 一点五万美元),
//! and a number before 元, whose trailing decimal zeros are not read (`36.00元` → 三十六元).
//!
//! Example: `￥13.5` → `十三点五元`; `$13.5` → `十三点五美元`; `HKD 100` → `一百港元`;
//! `1.5万美元` → `一点五万美元` (read by [`super::cardinal`]); `12块5` → `十二块五`.
//!
//! Not handled: `￥` is read 元, not 人民币 (NeMo says 人民币); negative amounts with a symbol
//! (`-$5`) keep the minus sign in front of the symbol.

use super::Reading;
use super::number::{self, Line, Two};

const SYMBOLS: [(&str, &str); 17] = [
    ("HK$", "港元"),
    ("US$", "美元"),
    ("NT$", "新台币"),
    ("NZ$", "新西兰元"),
    ("A$", "澳元"),
    ("C$", "加元"),
    ("S$", "新加坡元"),
    ("￥", "元"),
    ("¥", "元"),
    ("$", "美元"),
    ("€", "欧元"),
    ("£", "英镑"),
    ("₩", "韩元"),
    ("₽", "卢布"),
    ("₹", "卢比"),
    ("฿", "泰铢"),
    ("₫", "越南盾"),
];

const CODES: [(&str, &str); 20] = [
    ("HKD", "港元"),
    ("USD", "美元"),
    ("RMB", "元人民币"),
    ("CNY", "元人民币"),
    ("EUR", "欧元"),
    ("GBP", "英镑"),
    ("JPY", "日元"),
    ("AUD", "澳元"),
    ("CAD", "加元"),
    ("SGD", "新加坡元"),
    ("NZD", "新西兰元"),
    ("CHF", "瑞士法郎"),
    ("KRW", "韩元"),
    ("TWD", "新台币"),
    ("MOP", "澳门元"),
    ("RUB", "卢布"),
    ("INR", "卢比"),
    ("THB", "泰铢"),
    ("MYR", "林吉特"),
    ("VND", "越南盾"),
];

/// Whether [`read`] can start on `c`: where a number, a symbol or a code can.
pub(super) fn starts(c: char) -> bool {
    number::starts(c)
        || SYMBOLS
            .iter()
            .chain(CODES.iter())
            .any(|(w, _)| w.starts_with(c))
}

pub(super) fn read(line: &Line, at: usize) -> Option<Reading> {
    prefixed(line, at).or_else(|| suffixed(line, at))
}

/// `￥13.5`, `$1.5万`, `HKD 100`.
fn prefixed(line: &Line, at: usize) -> Option<Reading> {
    if line.prev(at).is_some_and(|p| p.is_ascii_alphabetic()) {
        return None;
    }
    let (written, name) = SYMBOLS
        .iter()
        .chain(CODES.iter())
        .find(|(w, _)| line.starts_with(at, w))?;
    let mut k = at + written.chars().count();
    if line.get(k) == Some(' ') {
        k += 1;
    }
    if !line.is_digit(k) {
        return None;
    }
    let n = number::scan(line, k)?;
    let (scale, end) = scale_word(line, n.end);
    let mut text = String::from(if n.neg { "负" } else { "" });
    text.push_str(&number::amount(&n, true));
    text.push_str(scale);
    if !line.starts_with(end, "元") {
        text.push_str(name);
    }
    Some(Reading::new(end, text))
}

/// `100HKD`, `5 USD`, `36.00元`.
fn suffixed(line: &Line, at: usize) -> Option<Reading> {
    let n = number::scan(line, at)?;
    if line.prev(at).is_some_and(|p| p.is_ascii_alphabetic()) {
        return None;
    }
    let (scale, k) = scale_word(line, n.end);
    let mut text = number::quantity(&n, Two::Liang, true);
    text.push_str(scale);
    if line.get(k) == Some('元') && n.frac.is_some() {
        return Some(Reading::new(k, text));
    }
    let k = if line.get(k) == Some(' ') { k + 1 } else { k };
    let (written, name) = CODES.iter().find(|(w, _)| line.starts_with(k, w))?;
    let end = k + written.len();
    if line.is_letter(end) {
        return None;
    }
    text.push_str(name);
    Some(Reading::new(end, text))
}

fn scale_word(line: &Line, k: usize) -> (&'static str, usize) {
    match line.get(k) {
        Some('万') => ("万", k + 1),
        Some('亿') => ("亿", k + 1),
        _ => ("", k),
    }
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize_line as n;

    #[test]
    fn currency_symbols_are_read_after_the_amount() {
        assert_eq!(n("￥13.5"), "十三点五元");
        assert_eq!(n("$13.5"), "十三点五美元");
        assert_eq!(n("$1.5万"), "一点五万美元");
        assert_eq!(n("每小时$15"), "每小时十五美元");
    }

    #[test]
    fn currency_codes_are_read_before_or_after_the_amount() {
        assert_eq!(n("HKD 100"), "一百港元");
        assert_eq!(n("100HKD"), "一百港元");
        assert_eq!(n("票价A$20"), "票价二十澳元");
        assert_eq!(n("CHF 50"), "五十瑞士法郎");
    }

    #[test]
    fn amounts_in_yuan_drop_trailing_decimal_zeros() {
        assert_eq!(n("负36.00元"), "负三十六元");
        assert_eq!(n("负14.60元"), "负十四点六元");
        assert_eq!(n("63.89元"), "六十三点八九元");
    }

    #[test]
    fn kuai_and_wan_amounts_are_read_by_the_cardinal_rule() {
        assert_eq!(n("12块5"), "十二块五");
        assert_eq!(n("1.5万美元"), "一点五万美元");
    }
}
