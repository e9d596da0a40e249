//! Units of measure written as symbols after a number.
//!
//! What it reads: metric and common symbols (`kg`, `g`, `mg`, `km`, `m`, `cm`, `mm`, `m²`,
//! `km²`, `cm²`, `m³`, `ml`, `L`, `ms`, `min`, `Hz`…`GHz`, `kW`, `kWh`, `mAh`), temperatures
//! (`℃`, `°C`, `°F`, `°`), and speeds, which put 每小时/每秒 first (`120km/h` →
//! `每小时一百二十公里`). A unit must not run on into more Latin letters (`5G` is not 五克).
//! Below-zero temperatures are read 零下.
//!
//! Example: `25kg` → `二十五千克`; `153.5cm` → `一百五十三点五厘米`; `-10°C` → `零下十摄氏度`;
//! `10ms` → `十毫秒`; `25cm²` → `二十五平方厘米`.
//!
//! Not handled: the one-letter symbols `s`, `h`, `t`, `W`, `V` (too often part of a name:
//! `iPhone 3s`); storage units (`GB`, `MB`) stay Latin for the engine.

use super::Reading;
use super::number::{self, Line};

/// Written unit, spoken prefix (speeds), spoken unit. Longer symbols first.
const UNITS: [(&str, &str, &str); 37] = [
    ("km/h", "每小时", "公里"),
    ("m/s", "每秒", "米"),
    ("kWh", "", "千瓦时"),
    ("mAh", "", "毫安时"),
    ("GHz", "", "吉赫兹"),
    ("MHz", "", "兆赫兹"),
    ("kHz", "", "千赫兹"),
    ("min", "", "分钟"),
    ("km²", "", "平方公里"),
    ("cm²", "", "平方厘米"),
    ("mm²", "", "平方毫米"),
    ("km2", "", "平方公里"),
    ("°C", "", "摄氏度"),
    ("°F", "", "华氏度"),
    ("m²", "", "平方米"),
    ("m³", "", "立方米"),
    ("cm³", "", "立方厘米"),
    ("kg", "", "千克"),
    ("mg", "", "毫克"),
    ("km", "", "公里"),
    ("cm", "", "厘米"),
    ("mm", "", "毫米"),
    ("μm", "", "微米"),
    ("nm", "", "纳米"),
    ("ms", "", "毫秒"),
    ("ml", "", "毫升"),
    ("mL", "", "毫升"),
    ("Hz", "", "赫兹"),
    ("kW", "", "千瓦"),
    ("ft", "", "英尺"),
    ("lb", "", "磅"),
    ("℃", "", "摄氏度"),
    ("℉", "", "华氏度"),
    ("°", "", "度"),
    ("g", "", "克"),
    ("m", "", "米"),
    ("L", "", "升"),
];

/// Whether [`read`] can start on `c`: where a number can.
pub(super) fn starts(c: char) -> bool {
    number::starts(c)
}

pub(super) fn read(line: &Line, at: usize) -> Option<Reading> {
    let n = number::scan(line, at)?;
    if line.prev(at).is_some_and(|p| p.is_ascii_alphabetic()) {
        return None;
    }
    let k = if line.get(n.end) == Some(' ') && line.is_letter(n.end + 1) {
        n.end + 1
    } else {
        n.end
    };
    let (written, prefix, name) = UNITS.iter().find(|(w, _, _)| line.starts_with(k, w))?;
    let end = k + written.chars().count();
    if line.is_letter(end) || line.get(end).is_some_and(|c| c == '²' || c == '³') {
        return None;
    }
    let temperature = matches!(*written, "°C" | "°F" | "℃" | "℉" | "°");
    let mut text = String::from(*prefix);
    if n.neg {
        text.push_str(if temperature { "零下" } else { "负" });
    }
    text.push_str(&number::amount(&n, false));
    text.push_str(name);
    Some(Reading::new(end, text))
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize_line as n;

    #[test]
    fn unit_symbols_are_read_after_the_number() {
        assert_eq!(n("25kg"), "二十五千克");
        assert_eq!(n("153.5cm,梦想"), "一百五十三点五厘米,梦想");
        assert_eq!(n("10ms"), "十毫秒");
        assert_eq!(n("2km"), "两公里");
    }

    #[test]
    fn area_units_are_read_as_pingfang() {
        assert_eq!(n("120m²"), "一百二十平方米");
        assert_eq!(n("25cm²"), "二十五平方厘米");
        assert_eq!(n("3km²"), "三平方公里");
    }

    #[test]
    fn speeds_put_per_hour_first() {
        assert_eq!(n("120km/h"), "每小时一百二十公里");
    }

    #[test]
    fn temperatures_below_zero_are_lingxia() {
        assert_eq!(n("38°C"), "三十八摄氏度");
        assert_eq!(n("-10℃"), "零下十摄氏度");
    }

    #[test]
    fn a_unit_letter_inside_a_word_is_not_a_unit() {
        assert_eq!(n("5G"), "五G");
        assert_eq!(n("3mp3"), "三mp三");
    }
}
