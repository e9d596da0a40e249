//! Full-width folding, run before every reading rule.
//!
//! What it reads: full-width digits and letters (`２０１５年`, `ＮＢＡ`) and `％`, which become
//! ASCII; full-width `：．／－～，` become ASCII only between two digits (`２２：５８`,
//! `１，２３４`), and `－` also before a digit it negates.
//!
//! Example: `２０１５年６％` → `2015年6%`; `８：００` → `8:00`; `你好，世界` is unchanged.
//!
//! Not handled: other full-width punctuation stays as it is, since it drives prosody.

/// Folds a line to the characters the rules read.
pub(super) fn fold(line: &str) -> Vec<char> {
    let mut chars: Vec<char> = line
        .chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '％' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            _ => c,
        })
        .collect();
    for i in 0..chars.len() {
        let prev_digit = i > 0 && chars[i - 1].is_ascii_digit();
        let next_digit = chars.get(i + 1).is_some_and(|c| c.is_ascii_digit());
        let folded = match chars[i] {
            '：' if prev_digit && next_digit => ':',
            '．' if prev_digit && next_digit => '.',
            '／' if prev_digit && next_digit => '/',
            '～' if prev_digit && next_digit => '~',
            '，' if prev_digit && next_digit && is_group(&chars, i + 1) => ',',
            '－' if next_digit => '-',
            c => c,
        };
        chars[i] = folded;
    }
    chars
}

/// Whether exactly three digits start at `i` (a thousands group).
fn is_group(chars: &[char], i: usize) -> bool {
    let n = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    n == 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(s: &str) -> String {
        fold(s).into_iter().collect()
    }

    #[test]
    fn full_width_digits_letters_and_percent_become_ascii() {
        assert_eq!(folded("２０１５年ＮＢＡ６％"), "2015年NBA6%");
    }

    #[test]
    fn full_width_colon_between_digits_becomes_ascii() {
        assert_eq!(folded("２２：５８"), "22:58");
    }

    #[test]
    fn full_width_punctuation_between_words_is_kept() {
        assert_eq!(folded("你好，世界：１"), "你好，世界：1");
        assert_eq!(folded("第１，２章"), "第1，2章");
    }
}
