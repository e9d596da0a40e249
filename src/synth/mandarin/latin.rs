//! What a Mandarin reader says for what is not Chinese in Chinese text: Latin letters by
//! their names as Mandarin speakers say them (GDP: jī dī pī), a few English words and
//! brands by their usual Mandarin reading, digits left by `--no-normalize`, Greek letters
//! and a few symbols. Readings are pinyin with tone numbers, so any model's frontend that
//! speaks pinyin can say them.
//!
//! The letter names follow how they are commonly said in mainland news and classrooms
//! (level tones, `ai` before the consonant letters F L M S X); they are approximations of
//! the English names in Mandarin syllables, since that is all a Mandarin model can say.
//! No syllable has the neutral tone: the neural model gave a neutral `mu5` (M) no frames
//! at all in some contexts (found by the property test in `neural`).

/// Each letter's name, upper and lower case alike: in pinyin, and in Chinese characters for
/// engines that read characters, not pinyin (espeak-ng's Mandarin voice would switch to
/// English for Latin letters).
const LETTERS: [(&[&str], &str); 26] = [
    (&["ei1"], "诶"),                    // A
    (&["bi1"], "比"),                    // B
    (&["xi1"], "西"),                    // C
    (&["di1"], "迪"),                    // D
    (&["yi1"], "伊"),                    // E
    (&["ai1", "fu2"], "艾弗"),           // F
    (&["ji1"], "吉"),                    // G
    (&["ei1", "qi1"], "诶七"),           // H
    (&["ai1"], "艾"),                    // I
    (&["jie1"], "杰"),                   // J
    (&["kai1"], "开"),                   // K
    (&["ai1", "lou2"], "艾楼"),          // L
    (&["ai1", "mu3"], "艾姆"),           // M
    (&["en1"], "恩"),                    // N
    (&["ou1"], "欧"),                    // O
    (&["pi1"], "批"),                    // P
    (&["qiu1"], "丘"),                   // Q
    (&["a1", "er3"], "阿耳"),            // R
    (&["ai1", "si1"], "艾思"),           // S
    (&["ti1"], "提"),                    // T
    (&["you1"], "优"),                   // U
    (&["wei1"], "维"),                   // V
    (&["da1", "bu1", "liu1"], "达不溜"), // W
    (&["ai1", "ke4", "si1"], "艾克思"),  // X
    (&["wai1"], "歪"),                   // Y
    (&["zei1"], "贼"),                   // Z
];

/// English words and brands with a usual Mandarin reading (a Chinese name, or the way
/// Mandarin speakers say them), by their lower-case spelling. Anything else is spelled.
const WORDS: &[(&str, &[&str], &str)] = &[
    ("ok", &["ou1", "kei4"], "欧剋"),
    ("iphone", &["ai4", "feng4"], "爱凤"),
    ("ipad", &["ai4", "pai4", "de2"], "爱派德"),
    ("mac", &["mai4", "ke4"], "麦克"),
    ("windows", &["wen1", "dou1", "si1"], "温都斯"),
    ("office", &["ao4", "fei1", "si1"], "奥菲斯"),
    ("python", &["pai4", "sen1"], "派森"),
    ("java", &["jia1", "wa3"], "加瓦"),
    ("google", &["gu3", "ge1"], "谷歌"),
    ("microsoft", &["wei1", "ruan3"], "微软"),
    ("android", &["an1", "zhuo2"], "安卓"),
    ("twitter", &["tui1", "te4"], "推特"),
    ("tesla", &["te4", "si1", "la1"], "特斯拉"),
    ("nokia", &["nuo4", "ji1", "ya4"], "诺基亚"),
    ("samsung", &["san1", "xing1"], "三星"),
    ("huawei", &["hua2", "wei2"], "华为"),
    ("xiaomi", &["xiao3", "mi3"], "小米"),
];

/// Greek letters (lower case) by their Mandarin names (阿尔法, 贝塔 …), and symbols said
/// aloud when they are left in the text (normalization says most of them in context first:
/// 50%, 1+1=2); in pinyin and in characters.
const OTHERS: &[(char, &[&str], &str)] = &[
    ('α', &["a1", "er3", "fa3"], "阿尔法"),
    ('β', &["bei4", "ta3"], "贝塔"),
    ('γ', &["ga1", "ma3"], "伽马"),
    ('δ', &["de2", "er3", "ta3"], "德尔塔"),
    ('ε', &["ai1", "pu3", "xi1", "long4"], "艾普西龙"),
    ('ζ', &["jie2", "ta3"], "截塔"),
    ('η', &["yi4", "ta3"], "伊塔"),
    ('θ', &["xi1", "ta3"], "西塔"),
    ('ι', &["yue1", "ta3"], "约塔"),
    ('κ', &["ka3", "pa4"], "卡帕"),
    ('λ', &["lan2", "mu3", "da2"], "兰姆达"),
    ('μ', &["miu1"], "缪"),
    ('ν', &["niu1"], "纽"),
    ('ξ', &["ke4", "xi1"], "克西"),
    ('ο', &["ao4", "mi1", "ke4", "long2"], "奥米克戎"),
    ('π', &["pai4"], "派"),
    ('ρ', &["rou4"], "肉"),
    ('σ', &["xi1", "ge2", "ma3"], "西格马"),
    ('ς', &["xi1", "ge2", "ma3"], "西格马"),
    ('τ', &["tao4"], "套"),
    ('υ', &["yu3", "pu3", "xi1", "long4"], "宇普西龙"),
    ('φ', &["fu2", "ai4"], "弗爱"),
    ('χ', &["qi1"], "七"),
    ('ψ', &["pu3", "sai1"], "普赛"),
    ('ω', &["ou1", "mi3", "jia1"], "欧米伽"),
    ('&', &["he2"], "和"),
    ('@', &["ai4", "te4"], "艾特"),
    ('#', &["jing3", "hao4"], "井号"),
    ('+', &["jia1"], "加"),
    ('=', &["deng3", "yu2"], "等于"),
    ('%', &["bai3", "fen1", "hao4"], "百分号"),
];

const DIGITS: [&str; 10] = [
    "ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3",
];

/// A piece of text as it is read: a run of Latin letters (folded to ASCII), or any other
/// character as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// The letters, and the first of them as written.
    Word {
        letters: String,
        first: char,
    },
    Char(char),
}

/// `text` cut into [`Piece`]s: the one scan every reader of Latin text here uses.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut letters = String::new();
    let mut first = ' ';
    for c in text.chars() {
        if let Some(l) = ascii(c).filter(char::is_ascii_alphabetic) {
            if letters.is_empty() {
                first = c;
            }
            letters.push(l);
            continue;
        }
        if !letters.is_empty() {
            out.push(Piece::Word {
                letters: std::mem::take(&mut letters),
                first,
            });
        }
        out.push(Piece::Char(c));
    }
    if !letters.is_empty() {
        out.push(Piece::Word { letters, first });
    }
    out
}

/// `text` with Latin letters and words, Greek letters and a few symbols written as the
/// Chinese characters Mandarin speakers say for them (CEO → 西伊欧, iPhone → 爱凤), for
/// engines that read characters; digits and the rest stay.
pub fn as_hanzi(text: &str) -> std::borrow::Cow<'_, str> {
    let said = |c: char| {
        let lower = c.to_lowercase().next().unwrap_or(c);
        OTHERS
            .iter()
            .find(|(o, _, _)| *o == lower)
            .map(|(_, _, h)| *h)
    };
    if text
        .chars()
        .all(|c| ascii(c).is_none_or(|a| a.is_ascii_digit()) && said(c).is_none())
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() * 2);
    for piece in pieces(text) {
        match piece {
            Piece::Word { letters, .. } => {
                let lower = letters.to_ascii_lowercase();
                match WORDS.iter().find(|(w, _, _)| *w == lower) {
                    Some((_, _, hanzi)) => out.push_str(hanzi),
                    None => lower
                        .bytes()
                        .for_each(|b| out.push_str(LETTERS[usize::from(b - b'a')].1)),
                }
            }
            Piece::Char(c) => match said(c) {
                Some(hanzi) => out.push_str(hanzi),
                None => out.push(c),
            },
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `c` as an ASCII letter or digit, folding the full-width forms (ＡＢＣ, １２３) that
/// Chinese text often uses.
pub(crate) fn ascii(c: char) -> Option<char> {
    let c = match c {
        // the full-width forms sit at a fixed offset from ASCII
        'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '０'..='９' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    };
    c.is_ascii_alphanumeric().then_some(c)
}

/// The readings of one run of Latin letters (already folded to ASCII): a word's usual
/// reading, else its letters' names one by one.
pub(crate) fn word(letters: &str) -> Vec<&'static [&'static str]> {
    let lower = letters.to_ascii_lowercase();
    if let Some((_, readings, _)) = WORDS.iter().find(|(w, _, _)| *w == lower) {
        return vec![readings];
    }
    lower
        .bytes()
        .filter(u8::is_ascii_lowercase)
        .map(|b| LETTERS[usize::from(b - b'a')].0)
        .collect()
}

/// The reading of a digit (full-width too), Greek letter or symbol said on its own.
pub(crate) fn single(c: char) -> Option<&'static [&'static str]> {
    let c = ascii(c).unwrap_or(c);
    if let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
        return Some(std::slice::from_ref(&DIGITS[d as usize]));
    }
    let lower = c.to_lowercase().next().unwrap_or(c);
    OTHERS
        .iter()
        .find(|(o, _, _)| *o == lower)
        .map(|(_, readings, _)| *readings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_are_spelled_and_known_words_read_whole() {
        let flat = |w: &str| word(w).concat().join(" ");
        assert_eq!(flat("GDP"), "ji1 di1 pi1");
        assert_eq!(flat("CEO"), "xi1 yi1 ou1");
        assert_eq!(flat("iPhone"), "ai4 feng4");
        assert_eq!(flat("Win"), "da1 bu1 liu1 ai1 en1");
    }

    #[test]
    fn letters_become_characters_for_engines_that_read_characters() {
        assert_eq!(as_hanzi("苹果公司CEO库克"), "苹果公司西伊欧库克");
        assert_eq!(as_hanzi("iPhone 16和ＧＤＰ"), "爱凤 16和吉迪批");
        assert_eq!(as_hanzi("α粒子@用户"), "阿尔法粒子艾特用户");
        assert!(matches!(
            as_hanzi("没有字母，2024年"),
            std::borrow::Cow::Borrowed(_)
        ));
        // every letter has a name in characters, all of them Chinese
        for c in 'A'..='Z' {
            let said = as_hanzi(&c.to_string()).into_owned();
            assert!(
                !said.is_empty() && !said.chars().any(|c| c.is_ascii()),
                "{c}: {said}"
            );
        }
    }

    #[test]
    fn full_width_letters_and_digits_fold_to_ascii() {
        assert_eq!(ascii('Ａ'), Some('A'));
        assert_eq!(ascii('ｚ'), Some('z'));
        assert_eq!(ascii('９'), Some('9'));
        assert_eq!(ascii('中'), None);
        assert_eq!(ascii('，'), None);
    }

    #[test]
    fn digits_greek_and_symbols_have_readings() {
        assert_eq!(single('7'), Some(&["qi1"][..]));
        assert_eq!(single('Ω'), single('ω'));
        assert!(single('α').is_some() && single('@').is_some());
        assert_eq!(single('，'), None);
    }
}
