//! Reading helpers shared by every rule: how a run of digits is spoken, and how a written
//! number (sign, digits, thousands separators, decimal part) is found in a line.
//!
//! Nothing here decides *which* reading a number gets; the rule files do that.

/// Chinese digit words, indexed by value.
pub(super) const DIGIT_WORDS: [char; 10] =
    ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// How a 2 is said where Mandarin has a choice between 二 and 两.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Two {
    /// Running-text counting: 两百, 两千, 一万两千, 两万, 两亿.
    Liang,
    /// Ordinals, dates and labels: 第二百, 二月.
    Er,
}

/// One line of input as characters, with small helpers for looking around a position.
pub(super) struct Line {
    pub chars: Vec<char>,
}

impl Line {
    pub fn new(chars: Vec<char>) -> Self {
        Line { chars }
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn get(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    /// The character before `i`, if any.
    pub fn prev(&self, i: usize) -> Option<char> {
        i.checked_sub(1).and_then(|j| self.get(j))
    }

    /// Whether the text at `i` starts with `s`.
    pub fn starts_with(&self, i: usize, s: &str) -> bool {
        (i..).zip(s.chars()).all(|(j, c)| self.get(j) == Some(c))
    }

    /// Whether the text at `i` starts with `s`, ignoring ASCII case.
    pub fn starts_with_ignore_case(&self, i: usize, s: &str) -> bool {
        (i..)
            .zip(s.chars())
            .all(|(j, c)| self.get(j).is_some_and(|d| d.eq_ignore_ascii_case(&c)))
    }

    /// Whether the text before `i` ends with `s`.
    pub fn ends_with(&self, i: usize, s: &str) -> bool {
        let n = s.chars().count();
        i >= n && self.starts_with(i - n, s)
    }

    /// Whether the character at `i` is an ASCII digit.
    pub fn is_digit(&self, i: usize) -> bool {
        self.get(i).is_some_and(|c| c.is_ascii_digit())
    }

    /// Whether the character at `i` is an ASCII letter.
    pub fn is_letter(&self, i: usize) -> bool {
        self.get(i).is_some_and(|c| c.is_ascii_alphabetic())
    }

    /// The end of the run of ASCII digits starting at `i` (`i` itself when there is none).
    pub fn digits_end(&self, i: usize) -> usize {
        let mut j = i;
        while self.is_digit(j) {
            j += 1;
        }
        j
    }

    /// The ASCII digits in `start..end`, as a string.
    pub fn text(&self, start: usize, end: usize) -> String {
        self.chars[start..end].iter().collect()
    }
}

/// A written number found in a line: `-1,234.50` has `neg`, `int = "1234"`, `frac = Some("50")`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Numeral {
    /// Index of the first character (the sign, the dot of `.22`, or the first digit).
    pub start: usize,
    /// Index just past the last digit.
    pub end: usize,
    pub neg: bool,
    /// Integer digits without separators; empty for `.22`.
    pub int: String,
    /// Digits after the decimal point.
    pub frac: Option<String>,
    /// Whether thousands separators were used.
    pub grouped: bool,
}

impl Numeral {
    /// Whether this is a plain run of digits: no sign, no separators, no decimal part.
    pub fn is_plain_int(&self) -> bool {
        !self.neg && !self.grouped && self.frac.is_none() && !self.int.is_empty()
    }
}

/// Whether a `-` at `i` is a minus sign: it starts a number and follows no word or number.
pub(super) fn is_sign(line: &Line, i: usize) -> bool {
    if line.get(i) != Some('-') {
        return false;
    }
    let starts_number =
        line.is_digit(i + 1) || (line.get(i + 1) == Some('.') && line.is_digit(i + 2));
    // Look back over spaces: `2016 -2022` is a range of years, not a negative number.
    let mut k = i;
    while k > 0 && line.get(k - 1) == Some(' ') {
        k -= 1;
    }
    let after_nothing = match line.prev(k) {
        None => true,
        Some(p) => !(p.is_ascii_alphanumeric() || "%)]}°℃'\"’”.-_/年月日号时分秒".contains(p)),
    };
    starts_number && after_nothing
}

/// Whether [`scan`] can start on `c`: a digit, a minus sign or the dot of `.22`.
pub(super) fn starts(c: char) -> bool {
    c.is_ascii_digit() || c == '-' || c == '.'
}

/// Finds the written number that starts at `i` (at a digit, a minus sign, or the dot of `.22`).
///
/// Returns `None` when `i` is inside a number (a digit follows a digit) or nothing numeric starts
/// there.
pub(super) fn scan(line: &Line, i: usize) -> Option<Numeral> {
    let mut j = i;
    let neg = is_sign(line, i);
    if neg {
        j += 1;
    } else if i > 0 && line.is_digit(i - 1) {
        return None;
    }
    // `.22`: a bare decimal point before digits, not inside a word or a dotted number.
    if line.get(j) == Some('.') && line.is_digit(j + 1) {
        let p = line.prev(j);
        if j == i && p.is_some_and(|p| p.is_ascii_alphanumeric() || p == '.') {
            return None;
        }
        let end = line.digits_end(j + 1);
        return Some(Numeral {
            start: i,
            end,
            neg,
            int: String::new(),
            frac: Some(line.text(j + 1, end)),
            grouped: false,
        });
    }
    if !line.is_digit(j) {
        return None;
    }
    let first_end = line.digits_end(j);
    let mut int = line.text(j, first_end);
    let mut end = first_end;
    let mut grouped = false;
    // Thousands separators: 1,234,567 (every group after the first has exactly three digits).
    if int.len() <= 3 && !int.starts_with('0') {
        let mut k = end;
        let mut groups = String::new();
        while line.get(k) == Some(',') && line.digits_end(k + 1) == k + 4 {
            groups.push_str(&line.text(k + 1, k + 4));
            k += 4;
        }
        if !groups.is_empty() {
            int.push_str(&groups);
            end = k;
            grouped = true;
        }
    }
    let mut frac = None;
    if line.get(end) == Some('.') && line.is_digit(end + 1) {
        let fe = line.digits_end(end + 1);
        frac = Some(line.text(end + 1, fe));
        end = fe;
    }
    Some(Numeral {
        start: i,
        end,
        neg,
        int,
        frac,
        grouped,
    })
}

/// Reads ASCII digits one by one: `0421` → 零四二一. Other characters are dropped.
pub(super) fn digits(s: &str) -> String {
    s.chars()
        .filter_map(|c| c.to_digit(10).map(|d| DIGIT_WORDS[d as usize]))
        .collect()
}

const SCALES: [&str; 4] = ["", "万", "亿", "万亿"];

/// Reads an integer as a cardinal: `101111111` → 一亿零一百一十一万一千一百一十一.
///
/// Leading zeros are ignored; more than 16 digits are read one by one.
pub(super) fn cardinal(int: &str, two: Two) -> String {
    let int = int.trim_start_matches('0');
    if int.is_empty() {
        return "零".to_owned();
    }
    if int.len() > 16 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return digits(int);
    }
    let bytes: Vec<u8> = int.bytes().map(|b| b - b'0').collect();
    let head = bytes.len() % 4;
    let mut sections: Vec<&[u8]> = Vec::new();
    if head > 0 {
        sections.push(&bytes[..head]);
    }
    sections.extend(bytes[head..].chunks(4));
    let count = sections.len();
    let mut out = String::new();
    let mut gap = false;
    for (k, section) in sections.iter().enumerate() {
        let scale = SCALES[count - 1 - k];
        let value = section.iter().fold(0u32, |acc, &d| acc * 10 + u32::from(d));
        if value == 0 {
            gap |= !out.is_empty();
            continue;
        }
        let first = out.is_empty();
        let zero_before = !first && (gap || value < 1000);
        if zero_before {
            out.push('零');
        }
        gap = false;
        // 十万 rather than 一十万 at the start, and (like NeMo) after a 零 before a scale word.
        let bare_ten = first || (zero_before && !scale.is_empty());
        section_words(
            &mut out,
            section,
            value,
            bare_ten,
            first,
            !scale.is_empty(),
            two,
        );
        out.push_str(scale);
    }
    out
}

fn section_words(
    out: &mut String,
    section: &[u8],
    value: u32,
    bare_ten: bool,
    first: bool,
    has_scale: bool,
    two: Two,
) {
    const UNITS: [&str; 4] = ["", "十", "百", "千"];
    let mut started = false;
    let mut zero = false;
    let n = section.len();
    for (idx, &d) in section.iter().enumerate() {
        let pos = n - 1 - idx;
        if d == 0 {
            zero |= started;
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        let liang = two == Two::Liang
            && d == 2
            && (pos == 3
                || (pos == 2 && first && !started)
                || (pos == 0 && value == 2 && has_scale));
        if pos == 1 && d == 1 && !started && bare_ten {
            // 十, not 一十
        } else if liang {
            out.push('两');
        } else {
            out.push(DIGIT_WORDS[d as usize]);
        }
        out.push_str(UNITS[pos]);
        started = true;
    }
}

/// Reads digits after a decimal point one by one: `75` → 七五.
pub(super) fn fraction_digits(frac: &str) -> String {
    digits(frac)
}

/// Reads a whole numeral as a quantity: sign, cardinal, decimal part.
///
/// `trim_zeros` drops trailing zeros of the decimal part (36.00元 → 三十六元).
pub(super) fn quantity(n: &Numeral, two: Two, trim_zeros: bool) -> String {
    let mut out = String::new();
    if n.neg {
        out.push('负');
    }
    out.push_str(&unsigned(n, two, trim_zeros));
    out
}

/// Like [`quantity`] without the sign.
pub(super) fn unsigned(n: &Numeral, two: Two, trim_zeros: bool) -> String {
    let frac = n.frac.as_deref().map(|f| {
        if trim_zeros {
            f.trim_end_matches('0')
        } else {
            f
        }
    });
    let has_frac = frac.is_some_and(|f| !f.is_empty());
    let mut out = if n.int.is_empty() {
        "零".to_owned()
    } else {
        // A decimal never says 两 for its last digit: 2.5 → 二点五.
        let two = if has_frac && n.int.trim_start_matches('0') == "2" {
            Two::Er
        } else {
            two
        };
        cardinal(&n.int, two)
    };
    if let Some(f) = frac.filter(|f| !f.is_empty()) {
        out.push('点');
        out.push_str(&fraction_digits(f));
    }
    out
}

/// Reads an unsigned amount before a unit or currency: like [`unsigned`], but a lone 2 is 两
/// (2公里 → 两公里).
pub(super) fn amount(n: &Numeral, trim_zeros: bool) -> String {
    if n.frac.is_none() && n.int == "2" {
        return "两".to_owned();
    }
    unsigned(n, Two::Liang, trim_zeros)
}

/// Words after a pair of numbers that make it a match score: `3-2击败`, `1:1战平`.
const SCORE_AFTER: [&str; 25] = [
    "击败", "战胜", "取胜", "获胜", "胜", "负", "告负", "落败", "惜败", "输给", "输", "赢", "险胜",
    "力克", "逆转", "大胜", "完胜", "惨败", "小胜", "战平", "打平", "晋级", "淘汰", "领先", "不敌",
];

/// Words before a pair of numbers that make it a match score: `比分为3-0`, `以2-3惜败`.
const SCORE_BEFORE: [&str; 6] = ["比分为", "比分是", "比分", "战成", "打成", "以"];

/// Whether the pair of numbers written from `start` to `end` is a match score: a score word
/// follows it, or a score word precedes it (以 only when no other word follows: `以1-2个百分点`
/// is not a score).
pub(super) fn is_score(line: &Line, start: usize, end: usize) -> bool {
    let next_is_word = line.get(end).is_some_and(is_han);
    SCORE_AFTER.iter().any(|w| line.starts_with(end, w))
        || SCORE_BEFORE
            .iter()
            .any(|w| line.ends_with(start, w) && (*w != "以" || !next_is_word))
}

/// Whether `c` is a CJK ideograph (the characters of running Chinese text).
pub(super) fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> Line {
        Line::new(s.chars().collect())
    }

    #[test]
    fn cardinal_inserts_one_zero_per_gap() {
        assert_eq!(
            cardinal("101111111", Two::Er),
            "一亿零一百一十一万一千一百一十一"
        );
        assert_eq!(cardinal("10000000001", Two::Er), "一百亿零一");
        assert_eq!(cardinal("30029", Two::Er), "三万零二十九");
        assert_eq!(cardinal("5010", Two::Er), "五千零一十");
        assert_eq!(cardinal("10001000", Two::Er), "一千万一千");
    }

    #[test]
    fn cardinal_says_ten_without_one_at_the_start() {
        assert_eq!(cardinal("100000", Two::Er), "十万");
        assert_eq!(cardinal("15", Two::Er), "十五");
        assert_eq!(cardinal("115", Two::Er), "一百一十五");
        assert_eq!(cardinal("10000100000", Two::Er), "一百亿零十万");
    }

    #[test]
    fn cardinal_uses_liang_for_leading_hundreds_and_thousands() {
        assert_eq!(cardinal("200", Two::Liang), "两百");
        assert_eq!(cardinal("2000", Two::Liang), "两千");
        assert_eq!(cardinal("12000", Two::Liang), "一万两千");
        assert_eq!(cardinal("20000", Two::Liang), "两万");
        assert_eq!(cardinal("1200", Two::Liang), "一千二百");
        assert_eq!(cardinal("2", Two::Liang), "二");
        assert_eq!(cardinal("22", Two::Liang), "二十二");
        assert_eq!(cardinal("200", Two::Er), "二百");
    }

    #[test]
    fn cardinal_of_zero_and_huge_numbers_does_not_fail() {
        assert_eq!(cardinal("000", Two::Er), "零");
        assert_eq!(
            cardinal("12345678901234567", Two::Er),
            "一二三四五六七八九零一二三四五六七"
        );
    }

    #[test]
    fn scan_reads_sign_separators_and_decimals() {
        let n = scan(&line("-1,234.50元"), 0).unwrap();
        assert!(n.neg && n.grouped);
        assert_eq!(
            (n.int.as_str(), n.frac.as_deref(), n.end),
            ("1234", Some("50"), 9)
        );
        let n = scan(&line("一支.22口径"), 2).unwrap();
        assert_eq!((n.int.as_str(), n.frac.as_deref()), ("", Some("22")));
    }

    #[test]
    fn scan_does_not_take_a_hyphen_after_a_number_as_a_sign() {
        assert!(!is_sign(&line("12-23"), 2));
        assert!(is_sign(&line("是-3"), 1));
    }

    #[test]
    fn quantity_trims_zeros_only_when_asked() {
        let n = scan(&line("36.00"), 0).unwrap();
        assert_eq!(quantity(&n, Two::Liang, true), "三十六");
        assert_eq!(quantity(&n, Two::Liang, false), "三十六点零零");
    }
}
