//! Digit strings: numbers that a reader says digit by digit.
//!
//! What it reads: mobile numbers (`13985608526`, `139-8560-8526`), numbers with a country code
//! (`+86 18544139121`), 400/800 hotlines (`400-810-8888`), landlines with an area code
//! (`0421-33441122`), runs of digit groups (`6222 0212 3456 7890`), IP addresses
//! (`192.168.0.1`), numbers after a label such as 电话, 编号, 尾号, 邮编, 拨打 (`编号27149`),
//! service numbers before a word that names the service (`12306网站`, `110报警`,
//! `95588客服`), numbers of three or more digits before 号 (`“26314”号`), and numbers of 13
//! or more digits (ID and card numbers).
//!
//! Example: `请问你是电话13985608526的机主吗？` → `请问你是电话一三九八五六零八五二六的机主吗？`;
//! `0421-33441122` → `零四二一三三四四一一二二`; `8.8.8.8` → `八点八点八点八`.
//!
//! Not handled: 幺 for 1 (the convention is 一 in prose); the `+` of a country code and the
//! separators inside a number are not read. A bare number with no such context is an amount,
//! whatever its digits (`10086` alone → 一万零八十六, as `30001` → 三万零一): the same digits
//! are read the same way unless the words around them say they are a code.

use super::Reading;
use super::number::{self, Line};

/// Labels after which a number is a code, read digit by digit.
const LABELS: [&str; 35] = [
    "电话",
    "单号",
    "账户",
    "客服",
    "呼叫",
    "短信至",
    "发送至",
    "发送到",
    "手机",
    "号码",
    "编号",
    "尾号",
    "拨打",
    "致电",
    "热线",
    "账号",
    "帐号",
    "卡号",
    "邮编",
    "工号",
    "学号",
    "车次",
    "航班",
    "分机",
    "代码",
    "型号",
    "密码",
    "验证码",
    "身份证",
    "房间",
    "分辨率",
    "QQ",
    "微信",
    "车牌",
    "短信",
];

/// Characters allowed between a label and its number: `电话：`, `尾号为`.
const LABEL_GAP: &str = "为是：: 　#（(“\"号码";

/// Whether [`read`] can start on `c`.
pub(super) fn starts(c: char) -> bool {
    c == '+' || c.is_ascii_digit()
}

pub(super) fn read(line: &Line, at: usize) -> Option<Reading> {
    if line.get(at) == Some('+') {
        return country_code(line, at);
    }
    if !line.is_digit(at) || (at > 0 && line.is_digit(at - 1)) {
        return None;
    }
    let end = line.digits_end(at);
    let s = line.text(at, end);
    if let Some(r) = hotline(line, end, &s)
        .or_else(|| landline(line, end, &s))
        .or_else(|| digit_groups(line, at, end, &s))
        .or_else(|| ip(line, at))
    {
        return Some(r);
    }
    if line
        .prev(at)
        .is_some_and(|p| p.is_ascii_alphabetic() || p == '.' || p == '第')
    {
        return None;
    }
    // A decimal or a grouped number is not a code.
    let continues = match line.get(end) {
        Some('.') => line.is_digit(end + 1),
        Some(',') => line.digits_end(end + 1) == end + 4,
        _ => false,
    };
    if continues {
        return None;
    }
    let code = is_mobile(&s)
        || s.len() >= 13
        || before_hao(line, end, &s, at)
        || after_label(line, at)
        || (is_service_shaped(&s) && names_a_service(line, end))
        || (is_compact_date(&s) && !line.get(end).is_some_and(number::is_han));
    if !code {
        return None;
    }
    // ID numbers may end in X.
    let end =
        if s.len() >= 15 && matches!(line.get(end), Some('X' | 'x')) && !line.is_letter(end + 1) {
            return Some(Reading::new(end + 1, number::digits(&s) + "X"));
        } else {
            end
        };
    Some(Reading::new(end, number::digits(&s)))
}

fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// Numbers a service can have: 110, 119, 120, 122, 114, 12306, 10086, 95588, 96110.
fn is_service_shaped(s: &str) -> bool {
    match s.len() {
        3 => s.starts_with("11") || s.starts_with("12"),
        5 => ["10", "12", "95", "96"].iter().any(|p| s.starts_with(p)),
        _ => false,
    }
}

/// `20110429`: eight digits that read as a year, month and day (version strings, file names).
fn is_compact_date(s: &str) -> bool {
    let field = |r: std::ops::Range<usize>| s.get(r).and_then(|f| f.parse::<u32>().ok());
    s.len() == 8
        && (s.starts_with("19") || s.starts_with("20"))
        && field(4..6).is_some_and(|m| (1..=12).contains(&m))
        && field(6..8).is_some_and(|d| (1..=31).contains(&d))
}

/// Words after a number that say it is a service's number: `12306网站`, `110报警`.
const SERVICE_WORDS: [&str; 20] = [
    "网站",
    "官网",
    "热线",
    "客服",
    "电话",
    "报警",
    "急救",
    "火警",
    "服务",
    "平台",
    "查号",
    "短信",
    "专线",
    "政务",
    "交管",
    "投诉",
    "举报",
    "接警",
    "指挥中心",
    "App",
];

fn names_a_service(line: &Line, end: usize) -> bool {
    let k = if line.get(end) == Some(' ') {
        end + 1
    } else {
        end
    };
    SERVICE_WORDS
        .iter()
        .any(|w| line.starts_with_ignore_case(k, w))
}

/// `“26314”号`, `101号房间`, but not the day in `8月16号`.
fn before_hao(line: &Line, end: usize, s: &str, at: usize) -> bool {
    let mut k = end;
    if line.get(k).is_some_and(|c| "”\"」』'".contains(c)) {
        k += 1;
    }
    s.len() >= 3 && line.get(k) == Some('号') && line.prev(at) != Some('月')
}

fn after_label(line: &Line, at: usize) -> bool {
    let mut k = at;
    let mut gap = 0;
    while gap <= 3 {
        if LABELS.iter().any(|l| line.ends_with(k, l)) {
            return true;
        }
        match line.prev(k) {
            Some(p) if LABEL_GAP.contains(p) => {
                k -= 1;
                gap += 1;
            }
            _ => return false,
        }
    }
    false
}

/// `+86 18544139121` → 八六一八五四四一三九一二一.
fn country_code(line: &Line, at: usize) -> Option<Reading> {
    if line.prev(at).is_some_and(|p| p.is_ascii_alphanumeric()) {
        return None;
    }
    let cc_end = line.digits_end(at + 1);
    if !(2..=4).contains(&(cc_end - at)) {
        return None;
    }
    let mut k = cc_end;
    if matches!(line.get(k), Some(' ' | '-')) {
        k += 1;
    }
    let rest_end = line.digits_end(k);
    if rest_end - k < 7 {
        return None;
    }
    let text =
        number::digits(&line.text(at + 1, cc_end)) + &number::digits(&line.text(k, rest_end));
    Some(Reading::new(rest_end, text))
}

/// `400-810-8888`, `800-820-8820`, `4008108888`.
fn hotline(line: &Line, end: usize, s: &str) -> Option<Reading> {
    if !(s.starts_with("400") || s.starts_with("800")) {
        return None;
    }
    if s.len() == 10 && !line.is_digit(end) {
        return Some(Reading::new(end, number::digits(s)));
    }
    if s.len() != 3 || line.get(end) != Some('-') {
        return None;
    }
    let a = line.digits_end(end + 1);
    if a - end - 1 != 3 || line.get(a) != Some('-') {
        return None;
    }
    let b = line.digits_end(a + 1);
    if b - a - 1 != 4 {
        return None;
    }
    let text = number::digits(s)
        + &number::digits(&line.text(end + 1, a))
        + &number::digits(&line.text(a + 1, b));
    Some(Reading::new(b, text))
}

/// `0421-33441122`, `010-12345678`.
fn landline(line: &Line, end: usize, s: &str) -> Option<Reading> {
    if !(s.starts_with('0') && (3..=4).contains(&s.len()) && line.get(end) == Some('-')) {
        return None;
    }
    let e = line.digits_end(end + 1);
    if !(7..=8).contains(&(e - end - 1)) || line.is_digit(e) {
        return None;
    }
    Some(Reading::new(
        e,
        number::digits(s) + &number::digits(&line.text(end + 1, e)),
    ))
}

/// Three or more groups of 3 or 4 digits joined by one space or dash, 10 digits or more:
/// `139-8560-8526`, `139 8560 8526`, `6222 0212 3456 7890`.
fn digit_groups(line: &Line, at: usize, end: usize, s: &str) -> Option<Reading> {
    let sep = line.get(end)?;
    if !(3..=4).contains(&s.len()) || !(sep == '-' || sep == ' ') {
        return None;
    }
    let mut groups = 1;
    let mut k = end;
    while line.get(k) == Some(sep) {
        let e = line.digits_end(k + 1);
        if !(3..=4).contains(&(e - k - 1)) {
            break;
        }
        groups += 1;
        k = e;
    }
    let digits = number::digits(&line.text(at, k));
    if groups < 3 || digits.chars().count() < 10 || line.is_digit(k) {
        return None;
    }
    Some(Reading::new(k, digits))
}

/// Four dotted parts of 0..=255: `10.0.2.2` → 一零点零点二点二.
fn ip(line: &Line, at: usize) -> Option<Reading> {
    let mut parts = Vec::new();
    let mut k = at;
    loop {
        let e = line.digits_end(k);
        let part = line.text(k, e);
        if part.is_empty() || part.len() > 3 || part.parse::<u32>().ok()? > 255 {
            return None;
        }
        parts.push(part);
        k = e;
        if parts.len() == 4 {
            break;
        }
        if line.get(k) != Some('.') {
            return None;
        }
        k += 1;
    }
    if line.get(k) == Some('.') && line.is_digit(k + 1) {
        return None;
    }
    // `17.6.3.3 Authorization block` opening a line is a heading's section number (parts
    // of one or two digits, none zero, a title after it), read as one (十七点六点三点三)
    let opens_line = line.chars[..at].iter().all(|c| c.is_whitespace());
    let titled = line.get(k).is_some_and(char::is_whitespace)
        && line.chars[k..]
            .iter()
            .find(|c| !c.is_whitespace())
            .is_some_and(|c| c.is_alphabetic());
    if opens_line && titled && parts.iter().all(|p| p.len() <= 2 && !p.starts_with('0')) {
        return None;
    }
    let text = parts
        .iter()
        .map(|p| number::digits(p))
        .collect::<Vec<_>>()
        .join("点");
    Some(Reading::new(k, text))
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize_line as n;

    #[test]
    fn mobile_numbers_are_read_digit_by_digit() {
        assert_eq!(n("电话13985608526的"), "电话一三九八五六零八五二六的");
        assert_eq!(n("139-8560-8526"), "一三九八五六零八五二六");
    }

    #[test]
    fn country_code_and_landline_are_read_digit_by_digit() {
        assert_eq!(n("手机+86 18544139121"), "手机八六一八五四四一三九一二一");
        assert_eq!(n("固话0421-33441122"), "固话零四二一三三四四一一二二");
    }

    #[test]
    fn service_numbers_ids_and_tail_numbers_are_read_digit_by_digit() {
        assert_eq!(n("12306网站"), "一二三零六网站");
        assert_eq!(n("拨打110"), "拨打一一零");
        assert_eq!(n("400-810-8888"), "四零零八一零八八八八");
        assert_eq!(n("投诉电话10015进行投诉"), "投诉电话一零零一五进行投诉");
        assert_eq!(n("尾号1234的"), "尾号一二三四的");
        assert_eq!(
            n("11010519491231002X"),
            "一一零一零五一九四九一二三一零零二X"
        );
        assert_eq!(n("“26314”号"), "“二六三一四”号");
    }

    #[test]
    fn ip_addresses_are_read_with_dian() {
        assert_eq!(n("输入 8.8.8.8 作为"), "输入 八点八点八点八 作为");
        assert_eq!(n("10.0.2.2"), "一零点零点二点二");
        assert_eq!(
            n("192.168.1.1 是默认网关"),
            "一九二点一六八点一点一 是默认网关"
        );
    }

    #[test]
    fn a_four_part_section_number_over_its_title_is_not_an_address() {
        assert_eq!(n("17.6.3.3 授权"), "十七点六点三点三 授权");
        assert_eq!(n("  1.2.3.4 Plugin Order"), "  一点二点三点四 Plugin Order");
        // in running text, or with a zero part, four dotted numbers are an address
        assert_eq!(n("网关 10.0.2.2 不通"), "网关 一零点零点二点二 不通");
    }

    #[test]
    fn round_and_counted_numbers_are_not_codes() {
        assert_eq!(n("10000000"), "一千万");
        assert_eq!(n("10086人"), "一万零八十六人");
        // A bare number is an amount, whichever digits it starts with.
        assert_eq!(n("共计10002"), "共计一万零二");
        assert_eq!(n("共计30001"), "共计三万零一");
        assert_eq!(n("比如 20110429 。"), "比如 二零一一零四二九 。");
        assert_eq!(n("8月16号"), "八月十六号");
    }
}
