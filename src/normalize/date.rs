//! Dates and years.
//!
//! What it reads: full dates written with `/`, `-`, `.` or `·` (`2002/01/28`, `2002-01-28`,
//! `2002.01.28`, `12/2/2`), year and month (`2002/01`, `2002-01`), years before 年 read digit by
//! digit (`2020年`, `86年`, `05年`, `公元前202年`), years written `2019.07` (a two-digit month
//! after a dot, not before a unit) and ranges of them (`2015.09-2018.06`), a year without 年
//! before a word that makes it one (`在1998的时候`, `从1978开始`, `2008奥运会`), decades
//! (`90后`), AD/BC (`2934ad`, `1234b.c.`), and `’98`. Months and days before 月/日/号 are plain cardinals (the [`super::cardinal`]
//! rule reads them), and the written 号 or 日 is kept.
//!
//! Example: `2024年11月30日` → `二零二四年十一月三十日`; `2002/01/28` → `二零零二年一月二十八日`;
//! `她出生于86年8月18日` → `她出生于八六年八月十八日`; `90后` → `九零后`.
//!
//! A count of years is a cardinal, not a year: `5000年`, `2000多年`, `30年来`, `活了86年`,
//! `80年前`, `近1000年`, `已有2000年历史`.
//!
//! Not handled: two-digit and three-digit counts of years such as `20年` are cardinals unless a
//! month follows or 公元 precedes; `月/日` without a year (`1/16`) is a fraction.

use super::Reading;
use super::number::{self, Line, Two};

/// Whether [`read`] can start on `c`.
pub(super) fn starts(c: char) -> bool {
    c.is_ascii_digit()
}

pub(super) fn read(line: &Line, at: usize) -> Option<Reading> {
    if !line.is_digit(at) || (at > 0 && (line.is_digit(at - 1) || line.get(at - 1) == Some('.'))) {
        return None;
    }
    if line.prev(at).is_some_and(|p| p.is_ascii_alphabetic()) {
        return None;
    }
    full_date(line, at)
        .or_else(|| year_month(line, at))
        .or_else(|| era(line, at))
        .or_else(|| year(line, at))
        .or_else(|| bare_year(line, at))
        .or_else(|| decade(line, at))
        .or_else(|| apostrophe_year(line, at))
}

/// Words after a 4-digit number that make it a year although 年 is missing.
const YEAR_WORDS: [&str; 18] = [
    "的时候",
    "那年",
    "那一年",
    "之前",
    "之后",
    "以前",
    "以后",
    "以来",
    "开始",
    "时",
    "年初",
    "奥运会",
    "世界杯",
    "世博会",
    "亚运会",
    "赛季",
    "春晚",
    "届",
];

/// `在1998的时候` → 在一九九八的时候: a year from 1900 to 2099 before one of [`YEAR_WORDS`].
fn bare_year(line: &Line, at: usize) -> Option<Reading> {
    let e = line.digits_end(at);
    let y = line.text(at, e);
    let in_range = y.len() == 4 && (y.starts_with("19") || y.starts_with("20"));
    if in_range && YEAR_WORDS.iter().any(|w| line.starts_with(e, w)) {
        return Some(Reading::new(e, number::digits(&y)));
    }
    None
}

/// `’98` → 九八.
fn apostrophe_year(line: &Line, at: usize) -> Option<Reading> {
    let e = line.digits_end(at);
    if e - at == 2 && matches!(line.prev(at), Some('’' | '\'' | '‘')) {
        return Some(Reading::new(e, number::digits(&line.text(at, e))));
    }
    None
}

fn month_ok(s: &str) -> bool {
    (1..=2).contains(&s.len()) && s.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
}

fn day_ok(s: &str) -> bool {
    (1..=2).contains(&s.len()) && s.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
}

fn year_ok(s: &str) -> bool {
    s.len() == 2 || (s.len() == 4 && (s.starts_with('1') || s.starts_with('2')))
}

/// Whether the written form ends at `k`: no digit and no further separated number follows.
fn ends_here(line: &Line, k: usize) -> bool {
    let separated = line.get(k).is_some_and(|c| "/-.·:".contains(c)) && line.is_digit(k + 1);
    !(line.is_digit(k) || separated)
}

/// `2002/01/28`, `2002-01-28`, `2002.01.28`, `2019·2·10`, `12/2/2`.
fn full_date(line: &Line, at: usize) -> Option<Reading> {
    let ye = line.digits_end(at);
    let y = line.text(at, ye);
    let sep = line.get(ye)?;
    // A two-digit year only with `/` or `·`: `11.1.1` and `12-2-3` are section numbers.
    if !year_ok(&y) || !"/-.·".contains(sep) || (y.len() == 2 && !"/·".contains(sep)) {
        return None;
    }
    let me = line.digits_end(ye + 1);
    let m = line.text(ye + 1, me);
    if !month_ok(&m) || line.get(me) != Some(sep) {
        return None;
    }
    let de = line.digits_end(me + 1);
    let d = line.text(me + 1, de);
    if !day_ok(&d) || !ends_here(line, de) {
        return None;
    }
    let mut text = number::digits(&y);
    text.push('年');
    text.push_str(&number::cardinal(&m, Two::Er));
    text.push('月');
    text.push_str(&number::cardinal(&d, Two::Er));
    if !matches!(line.get(de), Some('日' | '号')) {
        text.push('日');
    }
    Some(Reading::new(de, text))
}

/// `2002/01`, `2002-01`, `2019.07`, and a range of two such (`2015.09-2018.06`).
fn year_month(line: &Line, at: usize) -> Option<Reading> {
    let (text, end, sep) = one_year_month(line, at)?;
    let mut k = end;
    if line.get(k).is_some_and(|c| "-—–~至到".contains(c)) && line.is_digit(k + 1) {
        k += 1;
        if let Some((second, e, s2)) = one_year_month(line, k)
            && s2 == sep
        {
            return Some(Reading::new(e, format!("{text}到{second}")));
        }
    }
    Some(Reading::new(end, text))
}

/// One year and month: its reading, where it ends, and the separator it was written with.
fn one_year_month(line: &Line, at: usize) -> Option<(String, usize, char)> {
    let ye = line.digits_end(at);
    let y = line.text(at, ye);
    let sep = line.get(ye)?;
    if y.len() != 4 || !year_ok(&y) || !"/-.".contains(sep) {
        return None;
    }
    let me = line.digits_end(ye + 1);
    let m = line.text(ye + 1, me);
    // `2015.09-2018.06`: a dash may follow when another year and month come after it.
    let range_follows = line.get(me) == Some('-') && {
        let ye2 = line.digits_end(me + 1);
        ye2 - me - 1 == 4 && line.get(ye2) == Some(sep)
    };
    if !month_ok(&m) || (sep != '/' && m.len() != 2) || !(ends_here(line, me) || range_follows) {
        return None;
    }
    // `2019.07元` is an amount, `2019.07GB` a size: a dotted month is a date only before
    // other words.
    if sep == '.'
        && (!(y.starts_with("19") || y.starts_with("20"))
            || line
                .get(me)
                .is_some_and(|c| c.is_ascii_alphanumeric() || QUANTITY_AFTER.contains(c)))
    {
        return None;
    }
    let mut text = number::digits(&y);
    text.push('年');
    text.push_str(&number::cardinal(&m, Two::Er));
    if line.get(me) != Some('月') {
        text.push('月');
    }
    Some((text, me, sep))
}

/// Characters after `2019.07` that make it a quantity rather than a date.
const QUANTITY_AFTER: &str = "元万亿%‰倍个米克吨斤度分秒℃°公千升斤平立";

/// `2934ad` → 公元二九三四年, `1234b.c.` → 公元前一二三四年.
fn era(line: &Line, at: usize) -> Option<Reading> {
    let ye = line.digits_end(at);
    if ye - at > 4 {
        return None;
    }
    let k = if line.get(ye) == Some(' ') {
        ye + 1
    } else {
        ye
    };
    for (written, spoken) in [
        ("a.d.", "公元"),
        ("ad", "公元"),
        ("b.c.", "公元前"),
        ("bc", "公元前"),
    ] {
        let e = k + written.len();
        if line.starts_with_ignore_case(k, written) && !line.is_letter(e) {
            return Some(Reading::new(
                e,
                format!("{spoken}{}年", number::digits(&line.text(at, ye))),
            ));
        }
    }
    None
}

/// Digits before 年 that name a year rather than count years.
fn year(line: &Line, at: usize) -> Option<Reading> {
    let ye = line.digits_end(at);
    let y = line.text(at, ye);
    let k = if line.get(ye) == Some(' ') {
        ye + 1
    } else {
        ye
    };
    if line.get(k) != Some('年') || line.get(ye) == Some('.') {
        return None;
    }
    let after = k + 1;
    let counted = counted_years(line, at, &y, after);
    let month_follows = {
        let mut m = after;
        if line.get(m) == Some(' ') {
            m += 1;
        }
        let me = line.digits_end(m);
        me > m && month_ok(&line.text(m, me)) && {
            let me2 = if line.get(me) == Some(' ') {
                me + 1
            } else {
                me
            };
            line.get(me2) == Some('月')
        }
    };
    let era_before = ["公元前", "公元", "纪元", "西元"]
        .iter()
        .any(|w| line.ends_with(at, w));
    let is_year = match y.len() {
        4 => era_before || month_follows || (year_ok(&y) && !counted),
        2 => {
            y.starts_with('0')
                || month_follows
                || era_before
                || (y.parse::<u32>().is_ok_and(|v| v >= 50)
                    && !counted
                    && !line.starts_with(after, "代"))
        }
        1 | 3 => era_before || month_follows,
        _ => false,
    };
    if !is_year {
        return None;
    }
    Some(Reading::new(ye, number::digits(&y)))
}

/// Whether `y` before 年 (which ends at `after`) counts years rather than names one: a word
/// after it (`2000多年`, `70年之久`, `30年来`, `80年前`, `60年里`) or before it (`活了86年`,
/// `近1000年`, `历时90年`). 4-digit numbers need a stronger sign, as `到了2020年` is a year.
fn counted_years(line: &Line, at: usize, y: &str, after: usize) -> bool {
    const ALWAYS_AFTER: [&str; 8] = ["多", "余", "左右", "之久", "以上", "时间", "的时间", "之间"];
    const AFTER_SHORT: [&str; 5] = ["里", "间", "历史", "的历史", "前"];
    const BEFORE: [&str; 11] = [
        "历时", "长达", "整整", "相隔", "间隔", "已有", "超过", "逾", "不到", "持续", "满",
    ];
    // `临近1997年底` names a year: these count only short or round numbers.
    const BEFORE_SHORT: [&str; 8] = ["了", "有", "的", "近", "约", "共", "过去", "第"];
    let short = y.len() < 4;
    let round = y.ends_with("000");
    (line.starts_with(after, "来") && !line.starts_with(after, "来临"))
        || ALWAYS_AFTER.iter().any(|w| line.starts_with(after, w))
        || ((short || round)
            && AFTER_SHORT.iter().any(|w| line.starts_with(after, w))
            && !line.starts_with(after, "前后"))
        || BEFORE.iter().any(|w| line.ends_with(at, w))
        || ((short || round) && BEFORE_SHORT.iter().any(|w| line.ends_with(at, w)))
}

/// `90后` → 九零后, `00后` → 零零后.
fn decade(line: &Line, at: usize) -> Option<Reading> {
    let e = line.digits_end(at);
    let s = line.text(at, e);
    if s.len() == 2 && (s.ends_with('0') || s.ends_with('5')) && line.get(e) == Some('后') {
        return Some(Reading::new(e, number::digits(&s)));
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize_line as n;

    #[test]
    fn full_dates_in_every_written_form_are_read() {
        assert_eq!(n("2024年11月30日"), "二零二四年十一月三十日");
        assert_eq!(n("2002/01/28"), "二零零二年一月二十八日");
        assert_eq!(n("2002-01-28"), "二零零二年一月二十八日");
        assert_eq!(n("2002.01.28"), "二零零二年一月二十八日");
        assert_eq!(n("2019·2·10"), "二零一九年二月十日");
        assert_eq!(n("12/2/2"), "一二年二月二日");
        assert_eq!(n("2002/01"), "二零零二年一月");
        assert_eq!(n("8月16号"), "八月十六号");
    }

    #[test]
    fn years_are_read_digit_by_digit() {
        assert_eq!(n("2020年"), "二零二零年");
        assert_eq!(n("86年8月"), "八六年八月");
        assert_eq!(n("05年"), "零五年");
        assert_eq!(n("公元前202年"), "公元前二零二年");
        assert_eq!(n("2001 年 7 月 2 日"), "二零零一 年 七 月 二 日");
        assert_eq!(n("1990年代"), "一九九零年代");
        assert_eq!(n("1900年到1950年间"), "一九零零年到一九五零年间");
        assert_eq!(n("在1998年来临之际"), "在一九九八年来临之际");
    }

    #[test]
    fn counted_years_stay_cardinal() {
        assert_eq!(n("2000多年前"), "两千多年前");
        assert_eq!(n("5000年的历史"), "五千年的历史");
        assert_eq!(n("工作了10年"), "工作了十年");
        assert_eq!(n("90年代"), "九十年代");
        assert_eq!(n("2000年来"), "两千年来");
        assert_eq!(n("活了86年"), "活了八十六年");
        assert_eq!(n("近1000年"), "近一千年");
        assert_eq!(n("临近1997年底"), "临近一九九七年底");
    }

    #[test]
    fn section_numbers_are_not_dates() {
        assert_eq!(n("11.1.1 保留"), "十一点一点一 保留");
    }

    #[test]
    fn decades_and_eras_are_read_digit_by_digit() {
        assert_eq!(n("90后"), "九零后");
        assert_eq!(n("’98北京新年音乐会"), "’九八北京新年音乐会");
        assert_eq!(n("2934ad"), "公元二九三四年");
        assert_eq!(n("1234b.c."), "公元前一二三四年");
    }
}
