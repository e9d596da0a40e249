//! Marks a download site stamps through a plain-text e-book: a letter-spaced watermark
//! (`★Ｄ★Ｏ★Ｓ★Ｐ★Ｙ★`) on lines of its own or glued to a paragraph's end, and the site's
//! advert put into every chapter (`记住本站网址，Ｗｗｗ．biquxu．Ｃｏｍ，方便下次阅读`). Both
//! are told by coming back word for word through the text, never by their words alone.

use std::collections::{HashMap, HashSet};

use super::repair::is_space;
use crate::text::{Document, LeftOut, Warning};

/// How often a letter-spaced run must come back to be a watermark rather than the text's.
const WATERMARK_RECURS: usize = 3;

/// A stamp taken out: its text where first met, the first line it was on, and how many
/// times (an advert's figures aside: the chapter's own address may change in it).
pub(crate) struct Stamp {
    key: String,
    pub text: String,
    pub first_line: usize,
    pub times: usize,
}

/// Takes a download site's stamps out of the lines wherever they stand: letter-spaced
/// watermarks and adverts put into every chapter. The stamps taken out, and the lines
/// that held nothing else (to be dropped), sorted.
pub(crate) fn remove_stamps(lines: &mut [String]) -> (Vec<Stamp>, Vec<usize>) {
    let marks = letter_spaced_marks(lines);
    let adverts: HashSet<String> = recurring_adverts(lines).into_iter().collect();
    let mut stamps: Vec<Stamp> = Vec::new();
    let mut taken = |text: &str, line: usize| {
        let key = figures_aside(text);
        match stamps.iter_mut().find(|s| s.key == key) {
            Some(stamp) => stamp.times += 1,
            None => stamps.push(Stamp {
                key,
                text: text.to_owned(),
                first_line: line,
                times: 1,
            }),
        }
    };
    let mut emptied = Vec::new();
    for (i, line) in lines.iter_mut().enumerate() {
        let mut changed = false;
        for mark in &marks {
            if line.contains(mark.as_str()) {
                for _ in line.matches(mark.as_str()) {
                    taken(mark, i);
                }
                *line = line.replace(mark.as_str(), "");
                changed = true;
            }
        }
        if !adverts.is_empty() && sentences(line).any(|s| adverts.contains(s)) {
            let mut kept = String::with_capacity(line.len());
            for piece in pieces(line) {
                let sentence = piece.trim_matches(is_space);
                if adverts.contains(sentence) {
                    taken(sentence, i);
                } else {
                    kept.push_str(piece);
                }
            }
            *line = kept;
            changed = true;
        }
        if changed {
            if line.trim_matches(is_space).is_empty() {
                emptied.push(i);
            } else {
                let end = line.trim_end_matches(is_space).len();
                line.truncate(end);
            }
        }
    }
    (stamps, emptied)
}

/// The stamps taken out of a document another reader made (EPUB, HTML, DOCX, PDF), its
/// paragraphs read as the lines; a paragraph that held nothing else goes. Plain text has
/// them taken out line by line as it is repaired.
pub(crate) fn remove_from_document(document: &mut Document) {
    let mut texts: Vec<String> = document
        .sections
        .iter()
        .flat_map(|s| s.paragraphs.iter().map(|p| p.text.clone()))
        .collect();
    let (stamps, emptied) = remove_stamps(&mut texts);
    if stamps.is_empty() {
        return;
    }
    let lines: Vec<usize> = document
        .sections
        .iter()
        .flat_map(|s| s.paragraphs.iter().map(|p| p.line))
        .collect();
    let mut texts = texts.into_iter();
    let mut k = 0;
    for section in &mut document.sections {
        for paragraph in &mut section.paragraphs {
            paragraph.text = texts.next().unwrap_or_default();
        }
        section.paragraphs.retain(|_| {
            k += 1;
            emptied.binary_search(&(k - 1)).is_err()
        });
    }
    document
        .warnings
        .extend(warnings(&stamps, |k| lines.get(k).copied().unwrap_or(1)));
}

/// What was taken out, said: a warning for each of the first five stamps (the first line
/// it was on, `line_of` the first of its lines, and how many times), then how many more.
pub(crate) fn warnings(stamps: &[Stamp], line_of: impl Fn(usize) -> usize) -> Vec<Warning> {
    const SAID: usize = 5;
    let mut said: Vec<Warning> = stamps
        .iter()
        .take(SAID)
        .map(|stamp| {
            Warning::left_out(
                line_of(stamp.first_line),
                LeftOut::Banner,
                format!(
                    "a site's stamp «{}» not read aloud ({} times, the first on this line)",
                    stamp.text, stamp.times
                ),
            )
        })
        .collect();
    if let Some(more) = stamps.get(SAID) {
        said.push(Warning::left_out(
            line_of(more.first_line),
            LeftOut::Banner,
            format!(
                "{} more of a site's stamps not read aloud, the first on this line",
                stamps.len() - SAID
            ),
        ));
    }
    said
}

fn figures_aside(s: &str) -> String {
    s.chars().filter(|c| !c.is_ascii_digit()).collect()
}

/// Letter-spaced runs that come back through the text: letters or digits, each alone,
/// between symbols that are not ASCII punctuation (`★Ｄ★Ｏ★Ｓ★Ｐ★Ｙ★`; not `U.S.A.`), three
/// letters or more. A run is what stands between spaces, ideographs and Chinese punctuation.
fn letter_spaced_marks(lines: &[String]) -> Vec<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for line in lines {
        for run in line.split(|c: char| is_space(c) || ends_run(c)) {
            if is_letter_spaced(run) {
                *counts.entry(run).or_default() += 1;
            }
        }
    }
    let mut marks: Vec<String> = counts
        .into_iter()
        .filter(|&(_, n)| n >= WATERMARK_RECURS)
        .map(|(run, _)| run.to_owned())
        .collect();
    // (a longer mark first, should one hold another)
    marks.sort_by_key(|m| std::cmp::Reverse(m.len()));
    marks
}

/// Ideographs and the punctuation of Chinese text end a run; `★` and full-width letters do
/// not.
fn ends_run(c: char) -> bool {
    matches!(c as u32,
        0x2e80..=0x303f          // radicals, CJK symbols and punctuation
        | 0x3400..=0x9fff        // ideographs
        | 0xf900..=0xfaff
        | 0xff01..=0xff0f        // ！＂＃ … ／
        | 0xff1a..=0xff20        // ：；＜＝＞？＠
        | 0xff3b..=0xff40
        | 0xff5b..=0xff65
        | 0x2010..=0x2027        // dashes, quotes, …
        | 0x20000..=0x3fffd)
}

fn is_letter_spaced(run: &str) -> bool {
    let mut letters = 0;
    let mut after_letter = false;
    for c in run.chars() {
        if c.is_alphanumeric() {
            if after_letter {
                return false;
            }
            letters += 1;
            after_letter = true;
        } else if c.is_ascii() {
            return false;
        } else {
            after_letter = false;
        }
    }
    letters >= 3
}

/// Full-width ASCII (`Ｗｗｗ．ｂｉｑｕｘｕ．Ｃｏｍ`) as ASCII, so a site's address written so is
/// still one.
pub(crate) fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c as u32 {
            0xff01..=0xff5e => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .collect()
}

/// How often a sentence with a web address must come back to be a site's advert.
const ADVERT_RECURS: usize = 3;

/// What a site's advert says (and a manual's sentence with an address seldom does).
const ADVERT_WORDS: &[&str] = &[
    "本站",
    "首发",
    "小说",
    "书友",
    "电子书",
    "网址",
    "手机版",
    "最新章节",
    "百度搜索",
    // the same in traditional characters
    "首發",
    "小說",
    "書友",
    "電子書",
    "網址",
    "手機版",
    "最新章節",
];

/// Sentences a site put into every chapter: each holds a web address and says what an
/// advert says, and comes back three times or more, its figures aside (the chapter's own
/// address may lead it: `(https://www.bqktxt.com/0_243/657851432.html)请记住本书首发域名：
/// www.bqktxt.com。`), on a line of its own or glued to a paragraph.
fn recurring_adverts(lines: &[String]) -> Vec<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for line in lines {
        for sentence in sentences(line).filter(|s| is_advert(s)) {
            *counts.entry(figures_aside(sentence)).or_default() += 1;
        }
    }
    let mut adverts: Vec<String> = lines
        .iter()
        .flat_map(|line| sentences(line))
        .filter(|s| is_advert(s) && counts[&figures_aside(s)] >= ADVERT_RECURS)
        .map(str::to_owned)
        .collect();
    adverts.sort_by_key(|a| std::cmp::Reverse(a.len()));
    adverts.dedup();
    adverts
}

/// A line's pieces as an advert may stand among them: sentences, each with its closing
/// stop, and a web address set off from the words before it (`…以灾异(https://…)请记住…。`:
/// a wrapped line's words, not the advert's); together they are the whole line.
fn pieces(line: &str) -> Vec<&str> {
    let mut starts = vec![0];
    for (at, c) in line.char_indices() {
        let next = at + c.len_utf8();
        if matches!(c, '。' | '！' | '？') {
            starts.push(next);
        } else {
            // an address in brackets starts at its bracket, a bare one at itself
            let bracketed = matches!(c, '(' | '（') && line[next..].starts_with("http");
            let bare = at > 0
                && line[at..].starts_with("http")
                && !line[..at].ends_with(['(', '（', '/', ' ', '\u{3000}']);
            if bracketed || bare {
                starts.push(at);
            }
        }
    }
    starts.push(line.len());
    starts.dedup();
    starts.windows(2).map(|w| &line[w[0]..w[1]]).collect()
}

/// The pieces with spaces around taken off, empty ones left out.
fn sentences(line: &str) -> impl Iterator<Item = &str> {
    pieces(line)
        .into_iter()
        .map(|s| s.trim_matches(is_space))
        .filter(|s| !s.is_empty())
}

/// Whether a paragraph that holds an advert holds a sentence of the book too: one with no
/// web address, ended as a sentence is (`那汉子竖剑挡格。` before `天才一秒记住本站地址：…`).
/// Such a paragraph is kept, its advert taken out when it recurs.
pub(crate) fn says_more_than_an_advert(text: &str) -> bool {
    sentences(text).any(|s| {
        super::repair::ends_sentence(s)
            && !has_address(s)
            // (`更多小说请访问本站。` before the address is the banner's own)
            && !ADVERT_WORDS
                .iter()
                .chain(super::outline::BANNER_WORDS)
                .any(|w| s.to_ascii_lowercase().contains(w))
            && s.chars().filter(|&c| super::repair::is_wide(c)).count() >= 4
    })
}

/// A line that holds a sentence of the book besides an advert, with the pieces that hold a
/// web address taken out; `None` if it holds nothing else.
pub(crate) fn without_adverts(line: &str) -> Option<String> {
    says_more_than_an_advert(line).then(|| {
        pieces(line)
            .into_iter()
            .filter(|p| !has_address(p))
            .collect()
    })
}

fn has_address(s: &str) -> bool {
    // (an address has a dot; most text is passed over without folding it)
    if !s.contains(['.', '．']) {
        return false;
    }
    let folded = fold_width(s).to_ascii_lowercase();
    folded.contains("http")
        || folded.contains("www.")
        || [".com", ".net", ".cc", ".org", ".cn", ".info"]
            .iter()
            .any(|d| folded.contains(d))
}

fn is_advert(sentence: &str) -> bool {
    // (most sentences have no dot and are passed over at once)
    has_address(sentence) && ADVERT_WORDS.iter().any(|w| sentence.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn a_letter_spaced_mark_is_one_when_it_comes_back() {
        let text = [
            "　　青光闪动，一柄青钢剑倏地刺出。",
            "★Ｄ★Ｏ★Ｓ★Ｐ★Ｙ★",
            "　　左子穆道：“好！”　　★Ｄ★Ｏ★Ｓ★Ｐ★Ｙ★",
            "　　阿朱道：“是。”★Ｄ★Ｏ★Ｓ★Ｐ★Ｙ★",
            "◆Ｕ◆Ｓ◆Ａ◆ 只有一次。",
            "U.S.A. U.S.A. U.S.A.",
        ]
        .join("\n");
        let text = text.as_str();
        assert_eq!(letter_spaced_marks(&lines(text)), ["★Ｄ★Ｏ★Ｓ★Ｐ★Ｙ★"]);
        // twice is not enough
        let twice = text.replacen("★Ｄ★Ｏ★Ｓ★Ｐ★Ｙ★", "", 1);
        assert!(letter_spaced_marks(&lines(&twice)).is_empty());
    }

    #[test]
    fn an_advert_in_every_chapter_is_one() {
        let mut text = Vec::new();
        for n in 1..=3 {
            text.push(format!("第{n}章 开始"));
            text.push("　　他笑了笑，转身走进了雨里。".to_owned());
            text.push(
                "　　“走吧。”她说。请记住本书首发域名：www.biqukan.com。笔趣阁手机版阅读网址：m.biqukan.com"
                    .to_owned(),
            );
            text.push("　　更多信息见 https://www.debian.org/ports/。".to_owned());
            text.push("记住本站网址，Ｗｗｗ．biquxu．Ｃｏｍ，方便下次阅读".to_owned());
            text.push(format!(
                "　　天亮了。(https://www.bqktxt.com/0_243/6578514{n}.html)请记住本书首发域名：www.bqktxt.com。"
            ));
        }
        let mut adverts = recurring_adverts(&text);
        adverts.sort();
        assert_eq!(
            adverts,
            [
                "(https://www.bqktxt.com/0_243/65785141.html)请记住本书首发域名：www.bqktxt.com。",
                "(https://www.bqktxt.com/0_243/65785142.html)请记住本书首发域名：www.bqktxt.com。",
                "(https://www.bqktxt.com/0_243/65785143.html)请记住本书首发域名：www.bqktxt.com。",
                "笔趣阁手机版阅读网址：m.biqukan.com",
                "记住本站网址，Ｗｗｗ．biquxu．Ｃｏｍ，方便下次阅读",
                "请记住本书首发域名：www.biqukan.com。",
            ]
        );
        // said twice, it is the text's
        assert!(recurring_adverts(&text[..12]).is_empty());
    }

    #[test]
    fn an_advert_is_told_from_the_wrapped_line_it_is_glued_to() {
        assert_eq!(
            pieces(
                "帝下诏问群臣以灾异(https://www.bqktxt.com/0_243/21.html)请记住本书首发域名：www.bqktxt.com。"
            ),
            [
                "帝下诏问群臣以灾异",
                "(https://www.bqktxt.com/0_243/21.html)请记住本书首发域名：www.bqktxt.com。"
            ]
        );
        assert_eq!(
            pieces(
                "他说。https://www.abcxs.com/book/1279/1.html　　天才一秒记住本站地址：www.abcxs.com。"
            ),
            [
                "他说。",
                "https://www.abcxs.com/book/1279/1.html　　天才一秒记住本站地址：www.abcxs.com。"
            ]
        );
        assert_eq!(
            pieces("见 https://www.debian.org/ 。"),
            ["见 https://www.debian.org/ 。"]
        );
    }

    /// A scraped book saved as a web page or an EPUB: the stamps are in its paragraphs.
    #[test]
    fn stamps_leave_a_page_s_paragraphs() {
        let mut html = String::from("<html><body>");
        for n in 1..=3 {
            html.push_str(&format!(
                "<h2>第{n}章</h2><p>青光闪动，一柄青钢剑倏地刺出。★Ｄ★Ｏ★Ｓ★Ｐ★Ｙ★</p>\
                 <p>★Ｄ★Ｏ★Ｓ★Ｐ★Ｙ★</p>\
                 <p>那汉子竖剑挡格。天才一秒记住本站地址：www.biqugex.com。笔趣阁手机版阅读网址：m.biqugex.com</p>"
            ));
        }
        html.push_str("</body></html>");
        let mut document = super::super::html::parse(&html);
        remove_from_document(&mut document);
        let said: Vec<&str> = document
            .sections
            .iter()
            .flat_map(|s| s.paragraphs.iter().map(|p| p.text.as_str()))
            .collect();
        assert_eq!(
            said,
            ["青光闪动，一柄青钢剑倏地刺出。", "那汉子竖剑挡格。"].repeat(3)
        );
        assert_eq!(
            document
                .warnings
                .iter()
                .filter(|w| w.left_out == Some(LeftOut::Banner))
                .count(),
            3
        );
    }

    #[test]
    fn a_sentence_of_the_book_is_kept_from_a_banner_glued_to_it() {
        assert_eq!(
            without_adverts(
                "　　他走了。(https://www.bqktxt.com/1.html)请记住本书首发域名：www.bqktxt.com。"
            )
            .as_deref(),
            Some("　　他走了。")
        );
        assert_eq!(without_adverts("更多小说请访问本站。www.example.com"), None);
        assert_eq!(
            without_adverts("本书由 www.example.com 整理，更多小说请访问"),
            None
        );
    }

    #[test]
    fn full_width_ascii_is_folded() {
        assert_eq!(
            fold_width("记住本站网址，Ｗｗｗ．biquxu．Ｃｏｍ"),
            "记住本站网址,Www.biquxu.Com"
        );
    }
}
