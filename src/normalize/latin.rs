//! Latin acronyms: kept for the engine, but written the way it spells them.
//!
//! What it reads: a known acronym written in lower or mixed case, alone between non-letters
//! (`nba`, `Atm`), or spelled with spaces (`c e o`); it becomes upper case so the engine spells
//! it letter by letter.
//!
//! Example: `nba比赛` → `NBA比赛`; `公司的c e o` → `公司的CEO`; `NBA`, `5G` and `iPad` are kept.
//!
//! Not handled: acronyms outside the list keep their case; Latin words are never translated.

use super::Reading;
use super::number::Line;

const ACRONYMS: [&str; 24] = [
    "atm", "ufo", "nba", "gpu", "cpu", "ceo", "cfo", "cto", "wto", "mvp", "vip", "iq", "eq", "mba",
    "dna", "usb", "gdp", "cpi", "ppt", "app", "diy", "ktv", "pk", "ai",
];

/// Whether [`read`] can start on `c`.
pub(super) fn starts(c: char) -> bool {
    c.is_ascii_alphabetic()
}

pub(super) fn read(line: &Line, at: usize) -> Option<Reading> {
    if !line.is_letter(at) || line.prev(at).is_some_and(|p| p.is_ascii_alphabetic()) {
        return None;
    }
    let mut end = at;
    while line.is_letter(end) {
        end += 1;
    }
    let word = line.text(at, end);
    if end - at == 1 {
        return spaced(line, at);
    }
    if word.chars().all(|c| c.is_ascii_uppercase())
        || line.is_digit(end)
        || !ACRONYMS.contains(&word.to_ascii_lowercase().as_str())
    {
        return None;
    }
    Some(Reading::new(end, word.to_ascii_uppercase()))
}

/// `c e o` → CEO.
fn spaced(line: &Line, at: usize) -> Option<Reading> {
    let mut word = String::new();
    let mut k = at;
    while line.is_letter(k) && !line.is_letter(k + 1) {
        word.push(line.get(k)?.to_ascii_lowercase());
        if line.get(k + 1) == Some(' ') && line.is_letter(k + 2) {
            k += 2;
        } else {
            k += 1;
            break;
        }
    }
    if word.len() < 2 || line.is_letter(k) || !ACRONYMS.contains(&word.as_str()) {
        return None;
    }
    Some(Reading::new(k, word.to_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize_line as n;

    #[test]
    fn known_acronyms_become_upper_case() {
        assert_eq!(n("nba比赛"), "NBA比赛");
        assert_eq!(n("这附近有Atm"), "这附近有ATM");
        assert_eq!(n("公司的c e o"), "公司的CEO");
    }

    #[test]
    fn other_latin_words_are_kept() {
        assert_eq!(n("iPad Pro支持5G"), "iPad Pro支持五G");
        assert_eq!(n("for english service"), "for english service");
        assert_eq!(n("NBA的CEO"), "NBA的CEO");
    }
}
