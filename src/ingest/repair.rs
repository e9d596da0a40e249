//! Undo text-extraction damage: raw lines in, kept lines (with their 1-based numbers) out.
//!
//! Drops what is never read aloud: page markers (`--- Page 3 ---`, `2 / 57`) together with
//! the blank lines around them (so a paragraph that runs over a page break stays whole),
//! decorative marks (■, rules of dashes) and captions printed vertically, one character per
//! line. Also recognises bylines (本报评论员, 本报记者 …) and closes the gaps where a PDF
//! lost the digits of a number ([`close_digit_gaps`]). Every dropped caption and every gap
//! becomes a [`Warning`] with its line.

use std::collections::HashMap;

use super::outline::BannerPlace;
use crate::text::{LeftOut, Warning};

/// One non-blank line that survived repair.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    /// 1-based line number in the decoded input.
    pub no: usize,
    /// The line as written, without `\r` or form feeds (leading/trailing spaces kept).
    pub text: String,
    /// The next input line is not blank (a heading in double-spaced text is "tight").
    pub tight: bool,
    /// Blank lines between this line and the previous kept one (page markers excluded).
    pub blank_before: usize,
    /// The file marks it as a heading (a site's `正文` in front of every title).
    pub marked_heading: bool,
    /// A web page's headline, over the story's dateline: the document's title.
    pub headline: bool,
}

impl Line {
    pub fn trimmed(&self) -> &str {
        self.text.trim_matches(is_space)
    }

    /// Display width of the line without trailing spaces, in half-width columns.
    pub fn width(&self) -> usize {
        width(self.text.trim_end_matches(is_space))
    }

    /// Starts with an indent: two or more spaces, a tab or an ideographic space.
    pub fn indented(&self) -> bool {
        self.text.starts_with(['\u{3000}', '\t']) || self.text.starts_with("  ")
    }

    /// How far the line is set in, in half-width columns.
    pub fn indent(&self) -> usize {
        width(&self.text) - width(self.text.trim_start_matches(is_space))
    }
}

pub(crate) fn is_space(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\u{3000}' || c == '\u{a0}'
}

/// East-Asian wide characters (ideographs, kana, Hangul, full-width forms, CJK punctuation
/// and the quotes/dashes Chinese text uses) take two columns.
pub(crate) fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115f
        | 0x2014..=0x2026
        | 0x2e80..=0xa4cf
        | 0xac00..=0xd7a3
        | 0xf900..=0xfaff
        | 0xfe10..=0xfe1f
        | 0xfe30..=0xfe6f
        | 0xff00..=0xff60
        | 0xffe0..=0xffe6
        | 0x20000..=0x3fffd)
}

pub(crate) fn width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// Ends a sentence (possibly followed by closing quotes or brackets).
pub(crate) fn ends_sentence(s: &str) -> bool {
    let s = s.trim_end_matches(is_space);
    let s = s.trim_end_matches(['”', '’', '」', '』', '）', ')', '"', '\'', '》', '】']);
    s.ends_with(['。', '！', '？', '…', '!', '?', '.', '；'])
}

/// Ends with any punctuation mark, a sign that the line is running text and not a heading.
pub(crate) fn ends_with_punctuation(s: &str) -> bool {
    s.trim_end_matches(is_space).ends_with([
        '。', '，', '、', '；', '：', '！', '？', '…', '”', '’', '」', '』', '）', ',', '.', ';',
        ':', '!', '?', '—',
    ])
}

/// A byline: 本报评论员, 本报记者 孙云 毛丽君 …, 新华社记者 …
pub(crate) fn is_byline(s: &str) -> bool {
    const STARTS: [&str; 10] = [
        "本报评论员",
        "本报记者",
        "本报通讯员",
        "本报特约评论员",
        "本刊评论员",
        "本刊记者",
        "新华社记者",
        "人民日报评论员",
        "特约评论员",
        "本报特派记者",
    ];
    let t = s.trim_matches(is_space);
    STARTS.iter().any(|p| t.starts_with(p)) && t.chars().count() <= 40 && !t.contains(['。', '，'])
}

/// A byline alone or as a source line in brackets (`本报记者 周 馨`, `（本报记者 周 馨）`):
/// the byline without its brackets.
pub(crate) fn byline_of(s: &str) -> Option<&str> {
    let bare = s
        .trim_matches(is_space)
        .trim_matches(['（', '）', '(', ')']);
    is_byline(bare).then_some(bare)
}

/// What a newspaper prints around a photo, never read aloud: a caption that ends with
/// its credit (`…欢乐祥和气氛。（新华社记者戴浩摄）`), the credit alone, a caption opening
/// with 图为, and `资料图片` / `责任编辑：…` lines.
pub(crate) fn is_photo_caption_or_credit(s: &str) -> bool {
    let t = s.trim_matches(is_space);
    let credit = t
        .strip_suffix('）')
        .and_then(|r| r.rfind('（').map(|at| &r[at + '（'.len_utf8()..]))
        .or_else(|| {
            t.strip_suffix(')')
                .and_then(|r| r.rfind('(').map(|at| &r[at + 1..]))
        });
    let photo_credit = credit.is_some_and(|c| {
        c.chars().count() <= 30 && (c.ends_with('摄') || c.ends_with("摄影") || c == "资料图片")
    });
    let bare = t.trim_matches(['（', '）', '(', ')']);
    photo_credit
        || (t.starts_with("图为") && t.chars().count() <= 120)
        || bare == "资料图片"
        || bare.starts_with("责任编辑：")
        || bare.starts_with("责任编辑:")
}

/// A line with no letter, digit or ideograph: ■, ★★★, a rule of dashes.
fn is_ornament(s: &str) -> bool {
    let t = s.trim_matches(is_space);
    !t.is_empty() && !t.chars().any(char::is_alphanumeric)
}

/// `---- Page 3 ----`, `- 12 -`, `2 / 57`, `第 3 页` (a bare `12` is judged by its neighbours).
fn is_page_marker(s: &str) -> bool {
    super::page_furniture::page_number(s).is_some_and(|p| p.marked)
}

/// Takes a download site's stamps out of the lines (`super::watermarks`) and says so; the
/// lines that held nothing else, to be dropped.
fn remove_watermarks(raw: &mut [String], warnings: &mut Vec<Warning>) -> Vec<usize> {
    let (stamps, emptied) = super::watermarks::remove_stamps(raw);
    warnings.extend(super::watermarks::warnings(&stamps, |k| k + 1));
    emptied
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Blank,
    /// A blank line next to a page marker: not a paragraph break.
    Transparent,
    Dropped,
}

/// How many lines at each end of a file count as where a banner stands.
const EDGE_LINES: usize = 8;

/// Splits decoded text into lines and drops page furniture, ornaments and vertical captions.
pub(crate) fn clean_lines(text: &str, warnings: &mut Vec<Warning>) -> Vec<Line> {
    // columns set side by side are put one after the other first; lines and warnings then
    // name the input's lines again
    let Some(unwoven) = super::columns::unweave(text) else {
        return clean_lines_in_order(text, warnings);
    };
    let first_warning = warnings.len();
    let mut lines = clean_lines_in_order(&unwoven.text, warnings);
    let input_line = |no: usize| {
        unwoven
            .line_of
            .get(no.wrapping_sub(1))
            .map_or(no, |k| k + 1)
    };
    for line in &mut lines {
        line.no = input_line(line.no);
    }
    for warning in &mut warnings[first_warning..] {
        warning.line = input_line(warning.line);
    }
    warnings.insert(
        first_warning,
        Warning::new(
            unwoven.bands.first().map_or(1, |b| b.start + 1),
            format!(
                "text set in columns side by side read one column after the other (lines {})",
                unwoven
                    .bands
                    .iter()
                    .map(|b| format!("{}–{}", b.start + 1, b.end))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    );
    lines
}

fn clean_lines_in_order(text: &str, warnings: &mut Vec<Warning>) -> Vec<Line> {
    let mut with_breaks: Vec<String> = text
        .split('\n')
        .map(|l| l.trim_end_matches('\r').to_owned())
        .collect();
    // running headers and footers: by page when the text has page breaks or page numbers
    // that show where they were, else by number
    let page_starts: Vec<bool> = with_breaks.iter().map(|l| l.contains('\u{c}')).collect();
    let mut furniture = super::page_furniture::newspaper_headers(&with_breaks);
    if text.contains('\u{c}') {
        furniture.extend(super::page_furniture::running_furniture(&with_breaks));
    } else {
        furniture.extend(super::page_furniture::numbered_repeats(&with_breaks));
        if let Some(starts) = super::page_furniture::pages_by_numbers(&with_breaks) {
            // (the form feeds are taken out again below, with the text's own)
            for k in starts {
                with_breaks[k].insert(0, '\u{c}');
            }
            furniture.extend(super::page_furniture::running_furniture(&with_breaks));
        }
    }
    // (looked up by binary search below)
    furniture.sort_unstable();
    furniture.dedup();
    let mut raw: Vec<String> = with_breaks
        .into_iter()
        .map(|l| l.replace('\u{c}', ""))
        .collect();
    strip_inline_markup(&mut raw, warnings);
    super::pdftotext_cells::rejoin(&mut raw);
    let stamped = remove_watermarks(&mut raw, warnings);
    // note marks out of the text, and the notes that open with them
    let mut marks = Vec::new();
    let mut notes = Vec::new();
    for (i, line) in raw.iter_mut().enumerate() {
        if super::note_marks::is_note(line, &marks) {
            notes.push(i);
        } else if let Some(without) = super::note_marks::without_marks(line, &mut marks) {
            *line = without;
        }
    }
    let blank = |s: &str| s.trim_matches(is_space).is_empty();
    let mut kinds: Vec<Kind> = raw
        .iter()
        .map(|l| if blank(l) { Kind::Blank } else { Kind::Text })
        .collect();
    if let Some(&first) = notes.first() {
        warnings.push(Warning::left_out(
            first + 1,
            LeftOut::Footnote,
            format!(
                "{} note(s) not read aloud, the first on this line",
                notes.len()
            ),
        ));
    }
    for i in notes.into_iter().chain(stamped) {
        kinds[i] = Kind::Dropped;
    }

    // download sites put their banner among the first and last lines of the file
    let text_lines: Vec<usize> = (0..raw.len()).filter(|&i| !blank(&raw[i])).collect();
    let at_an_end = |i: usize| {
        let rank = text_lines.partition_point(|&k| k < i);
        rank < EDGE_LINES || rank + EDGE_LINES >= text_lines.len()
    };
    // `html2text` prints headings between stars (`***** 1. 简介 *****`), which one such line
    // alone would not tell from a divider (`***** 完 *****`)
    let starred_headings = raw
        .iter()
        .filter(|l| super::outline::starred_heading(l.trim_matches(is_space)).is_some())
        .nth(2)
        .is_some();
    let mut banners = 0;
    let mut banner_texts: Vec<String> = Vec::new();
    let mut captions = 0;
    for i in 0..raw.len() {
        if kinds[i] != Kind::Text {
            continue;
        }
        if is_photo_caption_or_credit(&raw[i]) || super::outline::is_numbered_caption(&raw[i]) {
            captions += 1;
            if captions <= 5 {
                warnings.push(Warning::left_out(
                    i + 1,
                    LeftOut::Caption,
                    format!(
                        "caption or credit not read aloud: «{}»",
                        raw[i].trim_matches(is_space)
                    ),
                ));
            }
            kinds[i] = Kind::Dropped;
            continue;
        }
        let alone = (i == 0 || blank(&raw[i - 1])) && raw.get(i + 1).is_none_or(|n| blank(n));
        let place = if at_an_end(i) {
            BannerPlace::AtAnEnd
        } else if alone {
            BannerPlace::Alone
        } else {
            BannerPlace::Inside
        };
        let mut banner = super::outline::is_banner(&raw[i], place);
        // a sentence of the book with an advert glued on: the advert goes, the sentence stays
        if banner && let Some(kept) = super::watermarks::without_adverts(&raw[i]) {
            banner = false;
            warnings.push(Warning::left_out(
                i + 1,
                LeftOut::Banner,
                format!(
                    "banner not read aloud: «{}»",
                    raw[i]
                        .trim_matches(is_space)
                        .replace(kept.trim_matches(is_space), "")
                ),
            ));
            raw[i] = kept;
        }
        if banner {
            banner_texts.push(raw[i].trim_matches(is_space).to_owned());
            banners += 1;
            if banners <= 5 {
                warnings.push(Warning::left_out(
                    i + 1,
                    LeftOut::Banner,
                    format!("banner not read aloud: «{}»", raw[i].trim_matches(is_space)),
                ));
            }
        }
        if is_page_marker(&raw[i]) || furniture.binary_search(&i).is_ok() || banner {
            kinds[i] = Kind::Dropped;
            let mut j = i;
            while j > 0 && kinds[j - 1] == Kind::Blank {
                j -= 1;
                kinds[j] = Kind::Transparent;
            }
            // (a page's heading right under its header still starts a block: the blank
            // before it is no page break inside a paragraph; a list going on from the page
            // before, `2. 命令名` over `3. 参数`, is no heading)
            let opens_section =
                |j: usize| super::page_furniture::opens_section(raw[j].trim_matches(is_space));
            let next = (i + 1..raw.len()).find(|&j| !blank(&raw[j]));
            // (or a short line with no sentence in it after a sentence that ended)
            let after_sentence = (0..i)
                .rev()
                .find(|&j| kinds[j] == Kind::Text)
                .is_some_and(|j| ends_sentence(&raw[j]));
            let title_like = |j: usize| {
                let t = raw[j].trim_matches(is_space);
                t.chars().count() <= 30 && !ends_with_punctuation(t)
            };
            let heading_next = next.is_some_and(|j| {
                furniture.binary_search(&j).is_err()
                    && ((opens_section(j)
                        && !raw
                            .get(j + 1)
                            .is_some_and(|l| !blank(l) && opens_section(j + 1)))
                        || (after_sentence && title_like(j)))
            });
            let mut j = i + 1;
            while j < raw.len() && blank(&raw[j]) && !heading_next {
                kinds[j] = Kind::Transparent;
                j += 1;
            }
        } else if is_ornament(&raw[i])
            || (super::outline::is_labelled_divider(&raw[i])
                && !(starred_headings
                    && super::outline::starred_heading(raw[i].trim_matches(is_space)).is_some()))
            || super::outline::is_chapter_end_marker(&raw[i])
        {
            kinds[i] = Kind::Dropped;
        }
    }
    let headline = drop_page_chrome(&raw, &mut kinds, warnings);
    drop_notice_blocks(&raw, &mut kinds, &at_an_end, warnings);
    for block in super::imprint::imprint_blocks(&raw) {
        warnings.push(Warning::left_out(
            block.start + 1,
            LeftOut::FrontMatter,
            format!(
                "the book's imprint (copyright page) not read aloud (lines {}–{})",
                block.start + 1,
                block.end
            ),
        ));
        drop_text(&mut kinds[block]);
    }
    // a banner also glued to the end of the last paragraph (`…总关愁。天涯在线书库《www…》`)
    banner_texts.retain(|b| b.chars().count() >= 8);
    for i in 0..raw.len() {
        if kinds[i] != Kind::Text {
            continue;
        }
        let t = raw[i].trim_end_matches(is_space);
        if let Some(banner) = banner_texts
            .iter()
            .find(|b| t.len() > b.len() && t.ends_with(b.as_str()))
        {
            warnings.push(Warning::left_out(
                i + 1,
                LeftOut::Banner,
                format!("banner at the end of the line not read aloud: «{banner}»"),
            ));
            let keep = t.len() - banner.len();
            raw[i].truncate(keep);
        }
    }
    // `正文 第一回 …`, `正文 出版者言`: the word a site puts in front of every heading is
    // not part of it, and says the line is one
    let mut marked = vec![false; raw.len()];
    if let Some(prefix) = super::outline::recurring_heading_prefix(&raw) {
        for i in 0..raw.len() {
            let t = raw[i].trim_start_matches(is_space);
            if kinds[i] == Kind::Text
                && let Some(rest) = t.strip_prefix(prefix.as_str())
                && rest.starts_with(is_space)
            {
                let rest = rest.trim_matches(is_space);
                // looser than the titles that found the marker (`9.2 广州方面的强硬政策，
                // 1848-1856年` has a comma): once the file's habit is known, any short
                // non-sentence after it is a heading
                marked[i] = (1..=40).contains(&rest.chars().count()) && !ends_sentence(rest);
                let margin = raw[i].len() - t.len();
                raw[i] = format!("{}{rest}", &raw[i][..margin]);
            }
        }
    }
    drop_tables(
        super::aligned::drawn_tables(&raw),
        "drawn with lines",
        &mut kinds,
        warnings,
    );
    drop_vertical_captions(&raw, &mut kinds, warnings);
    drop_table_dumps(&raw, &page_starts, &mut kinds, warnings);
    drop_armored_blocks(&raw, &mut kinds, warnings);
    drop_tables(
        super::aligned::aligned_tables(&raw),
        "laid out in columns",
        &mut kinds,
        warnings,
    );

    let mut lines = Vec::new();
    let mut blanks = 0;
    for (i, l) in raw.iter().enumerate() {
        match kinds[i] {
            Kind::Blank => blanks += 1,
            Kind::Transparent => {}
            Kind::Dropped => {}
            Kind::Text => {
                let tight = raw.get(i + 1).is_some_and(|n| !blank(n));
                lines.push(Line {
                    no: i + 1,
                    text: l.clone(),
                    tight,
                    blank_before: blanks,
                    marked_heading: marked[i],
                    headline: headline == Some(i),
                });
                blanks = 0;
            }
        }
    }
    lines
}

/// Marks the text lines among `kinds` dropped (blank lines keep their meaning).
fn drop_text(kinds: &mut [Kind]) {
    for kind in kinds {
        if *kind == Kind::Text {
            *kind = Kind::Dropped;
        }
    }
}

/// Tables drawn with box characters or ASCII lines, and tables an extractor laid out in
/// columns (see [`super::aligned`]), with a warning each; a table inside one already
/// left out is not warned about again.
fn drop_tables(
    tables: Vec<std::ops::Range<usize>>,
    how: &str,
    kinds: &mut [Kind],
    warnings: &mut Vec<Warning>,
) {
    for table in tables {
        if !kinds[table.clone()].contains(&Kind::Text) {
            continue;
        }
        let (first, last) = (table.start + 1, table.end);
        drop_text(&mut kinds[table]);
        warnings.push(Warning::left_out(
            first,
            LeftOut::Table,
            format!("a table {how} not read aloud (lines {first}–{last})"),
        ));
    }
}

/// `-----BEGIN PGP SIGNATURE-----` … `-----END PGP SIGNATURE-----` (a signature, a key, a
/// certificate): base64 that no one reads aloud. From a BEGIN line to its END line (at most
/// 200 lines on; a BEGIN line alone when no END follows), with one warning each.
fn drop_armored_blocks(raw: &[String], kinds: &mut [Kind], warnings: &mut Vec<Warning>) {
    let armour = |l: &str, word: &str| {
        let t = l.trim_matches(is_space);
        t.starts_with("-----")
            && t.ends_with("-----")
            && t.trim_matches('-').trim_start().starts_with(word)
    };
    let mut i = 0;
    while i < raw.len() {
        if !armour(&raw[i], "BEGIN ") {
            i += 1;
            continue;
        }
        let end = (i + 1..raw.len().min(i + 200))
            .find(|&j| armour(&raw[j], "END "))
            .unwrap_or(i);
        drop_text(&mut kinds[i..=end]);
        warnings.push(Warning::left_out(
            i + 1,
            LeftOut::Code,
            format!(
                "a signed or encoded block not read aloud (lines {}–{})",
                i + 1,
                end + 1
            ),
        ));
        i = end + 1;
    }
}

/// A web page saved as text: its navigation, link bars, breadcrumbs, image placeholders
/// and menus (see [`super::webtext`]) are left out, with one warning for each kind. Returns
/// the story's headline.
fn drop_page_chrome(
    raw: &[String],
    kinds: &mut [Kind],
    warnings: &mut Vec<Warning>,
) -> Option<usize> {
    let super::webtext::PageChrome {
        lines: chrome,
        headline,
    } = super::webtext::page_chrome(raw);
    let mut warned = Vec::new();
    for &(i, why) in &chrome {
        if kinds[i] != Kind::Text {
            continue;
        }
        kinds[i] = Kind::Dropped;
        if !warned.contains(&why) {
            warned.push(why);
            let count = chrome.iter().filter(|&&(_, w)| w == why).count();
            let kind = match why {
                super::webtext::Chrome::Image => LeftOut::Caption,
                super::webtext::Chrome::Markup => LeftOut::Code,
                _ => LeftOut::Links,
            };
            warnings.push(Warning::left_out(
                i + 1,
                kind,
                format!(
                    "web page text: {count} line(s) of {} not read aloud, the first «{}»",
                    why.describe(),
                    raw[i].trim_matches(is_space)
                ),
            ));
        }
    }
    headline
}

/// A download site's copyright notice among the first or last lines of the file: a block
/// (up to the next blank line or rule, at most 12 lines) that opens with 版权声明, 免责声明 or
/// 声明： and says two or more of what such notices say (版权, 删除, 交流学习, 商业用途, 正版 …).
/// Dropped with one warning.
fn drop_notice_blocks(
    raw: &[String],
    kinds: &mut [Kind],
    at_an_end: &dyn Fn(usize) -> bool,
    warnings: &mut Vec<Warning>,
) {
    const OPENS: [&str; 4] = ["版权声明", "免责声明", "声明：", "声明:"];
    const SAYS: [&str; 9] = [
        "版权",
        "删除",
        "交流",
        "学习",
        "商业用途",
        "正版",
        "侵犯",
        "网友",
        "本站",
    ];
    let mut i = 0;
    while i < raw.len() {
        let opens = kinds[i] == Kind::Text
            && at_an_end(i)
            && OPENS
                .iter()
                .any(|o| raw[i].trim_matches(is_space).starts_with(o));
        if !opens {
            i += 1;
            continue;
        }
        // to a blank line or a rule (a banner line inside, already dropped, goes on)
        let end = (i..raw.len().min(i + 12))
            .find(|&j| matches!(kinds[j], Kind::Blank | Kind::Transparent) || is_ornament(&raw[j]))
            .unwrap_or(raw.len().min(i + 12));
        let block: String = raw[i..end].concat();
        if SAYS.iter().filter(|w| block.contains(*w)).count() >= 2 {
            drop_text(&mut kinds[i..end]);
            warnings.push(Warning::left_out(
                i + 1,
                LeftOut::Banner,
                format!("copyright notice not read aloud (lines {}–{end})", i + 1),
            ));
        }
        i = end.max(i + 1);
    }
}

/// HTML tags left in a text taken from a web page (`<span class="ter">杨绛</span>`,
/// `<h2>一、…</h2>`, `<div align="center">`) and the commonest entities (`&mdash;`,
/// `&nbsp;`): the tags go, their text stays — except a short text that tags wrap three
/// or more times in the file, a site's watermark (`<u>藏书网</u>`, `<s>藏书网</s>`).
fn strip_inline_markup(raw: &mut [String], warnings: &mut Vec<Warning>) {
    const TAGS: [&str; 32] = [
        "span", "div", "p", "br", "u", "b", "i", "em", "strong", "font", "center", "a", "img",
        "sup", "sub", "h1", "h2", "h3", "h4", "h5", "h6", "small", "big", "hr", "s", "strike",
        "del", "ins", "bdi", "cite", "q", "tt",
    ];
    const ENTITIES: [(&str, &str); 10] = [
        ("&mdash;", "—"),
        ("&ndash;", "–"),
        ("&nbsp;", " "),
        ("&hellip;", "…"),
        ("&ldquo;", "“"),
        ("&rdquo;", "”"),
        ("&lsquo;", "‘"),
        ("&rsquo;", "’"),
        ("&quot;", "\""),
        ("&amp;", "&"),
    ];
    /// `(start, end, name)` of each known tag in `line`, `name` with a `/` when it closes.
    fn tags(line: &str) -> Vec<(usize, usize, String)> {
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(open) = line[from..].find('<').map(|k| k + from) {
            let Some(close) = line[open..].find('>').map(|k| k + open) else {
                break;
            };
            let inner = &line[open + 1..close];
            let name: String = inner
                .trim_start_matches('/')
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            let rest = &inner[inner
                .len()
                .min(name.len() + usize::from(inner.starts_with('/')))..];
            // a known tag, or any tag-shaped word of letters (sites scatter `<dfn>`,
            // `<abbr>`, `<mark>` to spoil copying); never with CJK inside the brackets
            let shaped = (1..=10).contains(&name.len())
                && name.chars().all(|c| c.is_ascii_alphabetic())
                && inner.is_ascii();
            if (TAGS.contains(&name.as_str()) || shaped)
                && (rest.is_empty() || rest.starts_with([' ', '/']))
                && !inner.contains('<')
            {
                let slash = if inner.starts_with('/') { "/" } else { "" };
                out.push((open, close + 1, format!("{slash}{name}")));
            }
            from = close + 1;
        }
        out
    }
    if !raw.iter().any(|l| l.contains('<') || l.contains('&')) {
        return;
    }
    // only a text that uses markup: a name's tags go when the file closes it three times
    // or more (`<Tab>`, `<leader>`, `<name attribute="value">` in a manual are its text);
    // `<br>`, `<hr>`, `<img>` close nothing and go with the rest
    let mut found: Vec<Vec<(usize, usize, String)>> = raw.iter().map(|l| tags(l)).collect();
    let mut closed: HashMap<String, usize> = HashMap::new();
    for (_, _, name) in found.iter().flatten() {
        if let Some(name) = name.strip_prefix('/') {
            *closed.entry(name.to_owned()).or_default() += 1;
        }
    }
    if closed.values().sum::<usize>() < 5 {
        return;
    }
    let strips = |name: &str| {
        let name = name.trim_start_matches('/');
        matches!(name, "br" | "hr" | "img") || closed.get(name).is_some_and(|&n| n >= 3)
    };
    // text wrapped by one tag pair, counted over the file: `<u>藏书网</u>` again and again
    for line_tags in &mut found {
        line_tags.retain(|(_, _, name)| strips(name));
    }
    let mut wrapped: HashMap<String, usize> = HashMap::new();
    for (line, found) in raw.iter().zip(&found) {
        for pair in found.windows(2) {
            let ((_, end, a), (start, _, b)) = (&pair[0], &pair[1]);
            let text = &line[*end..*start];
            if b == &format!("/{a}") && (1..=8).contains(&text.chars().count()) {
                *wrapped.entry(text.to_owned()).or_default() += 1;
            }
        }
    }
    let mut stripped = 0;
    let mut watermarks = 0;
    for (line, found) in raw.iter_mut().zip(&found) {
        if found.is_empty() && !line.contains('&') {
            continue;
        }
        let mut out = String::with_capacity(line.len());
        let mut at = 0;
        let mut skip_to = 0;
        for (i, (start, end, name)) in found.iter().enumerate() {
            if *start < skip_to {
                continue;
            }
            out.push_str(&line[at..*start]);
            at = *end;
            stripped += 1;
            if let Some((next_start, next_end, next)) = found.get(i + 1)
                && next == &format!("/{name}")
                && wrapped
                    .get(&line[*end..*next_start])
                    .is_some_and(|&n| n >= 3)
            {
                watermarks += 1;
                at = *next_end;
                skip_to = *next_end;
            }
        }
        out.push_str(&line[at..]);
        for (entity, text) in ENTITIES {
            if out.contains(entity) {
                out = out.replace(entity, text);
            }
        }
        *line = out;
    }
    if stripped > 0 {
        warnings.push(Warning::new(
            1,
            format!(
                "{stripped} HTML tag(s) in the text left out{}",
                if watermarks > 0 {
                    format!(", with {watermarks} repeated watermark(s) they wrapped")
                } else {
                    String::new()
                }
            ),
        ));
    }
}

/// Three or more lines of a single character each, with at most two blank lines between
/// them, are a caption printed vertically (长 / 三 / 角 …) and are dropped with a warning.
fn drop_vertical_captions(raw: &[String], kinds: &mut [Kind], warnings: &mut Vec<Warning>) {
    let single = |s: &str| s.trim_matches(is_space).chars().count() == 1;
    let mut i = 0;
    while i < raw.len() {
        if kinds[i] == Kind::Text && single(&raw[i]) {
            let mut run = vec![i];
            let mut j = i + 1;
            let mut gap = 0;
            while j < raw.len() && gap <= 2 {
                if kinds[j] == Kind::Text && single(&raw[j]) {
                    run.push(j);
                    gap = 0;
                } else if kinds[j] == Kind::Text {
                    break;
                } else {
                    gap += 1;
                }
                j += 1;
            }
            if run.len() >= 3 {
                let text: String = run.iter().map(|&k| raw[k].trim_matches(is_space)).collect();
                for &k in &run {
                    kinds[k] = Kind::Dropped;
                }
                warnings.push(Warning::left_out(
                    i + 1,
                    LeftOut::Caption,
                    format!(
                        "dropped a caption printed one character per line: «{text}» (lines {}–{})",
                        i + 1,
                        run[run.len() - 1] + 1
                    ),
                ));
                i = run[run.len() - 1] + 1;
                continue;
            }
        }
        i += 1;
    }
}

/// A table that text extraction printed one cell per line (a PDF's revision history, a
/// form): a run of at least 8 short lines (30 characters at most, none ending a sentence,
/// at most two blank lines between them, on one page) in which one line comes back at least
/// 3 times (a column's repeated value: the same date, the same name). Body text, headings
/// and lists do not repeat a line three times within a few lines. Dropped with a warning.
fn drop_table_dumps(
    raw: &[String],
    page_starts: &[bool],
    kinds: &mut [Kind],
    warnings: &mut Vec<Warning>,
) {
    let cell = |s: &str| {
        let t = s.trim_matches(is_space);
        t.chars().count() <= 30 && !ends_sentence(t)
    };
    let mut i = 0;
    while i < raw.len() {
        if kinds[i] != Kind::Text || !cell(&raw[i]) {
            i += 1;
            continue;
        }
        let mut run = vec![i];
        let (mut j, mut gap) = (i + 1, 0);
        // a table's caption closes it, though it is not read either; a contents title
        // starts what may be a contents (an e-book's title page runs into its 目录)
        while j < raw.len()
            && gap <= 2
            && !page_starts[j]
            && !super::outline::is_numbered_caption(&raw[j])
            && !super::outline::is_contents_title(&raw[j])
        {
            match kinds[j] {
                Kind::Text if cell(&raw[j]) => {
                    run.push(j);
                    gap = 0;
                }
                Kind::Text => break,
                Kind::Blank => gap += 1,
                Kind::Transparent | Kind::Dropped => {}
            }
            j += 1;
        }
        let last = run[run.len() - 1];
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for &k in &run {
            *counts.entry(raw[k].trim_matches(is_space)).or_default() += 1;
        }
        // a table of contents (dot leaders, which are too long for a cell and so end the
        // run) is the outline's to find and confirm headings by
        let near = i.saturating_sub(3)..(last + 4).min(raw.len());
        // … and so is a list of titles under 目录 (an e-book's, without page numbers)
        let titled = (i.saturating_sub(3)..i)
            .chain(run.iter().take(5).copied())
            .any(|k| super::outline::is_contents_title(&raw[k]));
        let contents = titled || raw[near].iter().any(|l| super::outline::has_leader(l));
        // a run of numbered headings of empty sections (7.4.2 解决方案 / 7.4.3 确认 / …) is
        // an outline, however often a title comes back
        let numbered = run
            .iter()
            .filter(|&&k| numbered_title(raw[k].trim_matches(is_space)))
            .count();
        let outline = numbered * 4 >= run.len();
        if run.len() >= 8 && counts.values().any(|&n| n >= 3) && !contents && !outline {
            // (a numbered heading right after the table, over the text that ends the run,
            // `4.4.2 替换解释变量`, is not a cell)
            for &k in &run {
                if !(k == last && numbered_title(raw[k].trim_matches(is_space))) {
                    kinds[k] = Kind::Dropped;
                }
            }
            warnings.push(Warning::left_out(
                i + 1,
                LeftOut::Table,
                format!(
                    "a table printed one cell per line not read aloud (lines {}–{})",
                    i + 1,
                    last + 1
                ),
            ));
        }
        i = last + 1;
    }
}

/// `7.4.2 解决方案`, `3 Setup`: a section number, a space (`w3m` writes a no-break one),
/// then a word.
fn numbered_title(text: &str) -> bool {
    let number = text.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    number.len() < text.len()
        && text.starts_with(|c: char| c.is_ascii_digit())
        && number
            .strip_prefix(is_space)
            .and_then(|rest| rest.chars().next())
            .is_some_and(|c| c.is_alphabetic())
}

/// Text whose pieces came from different input lines; `starts` maps byte offsets to lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Spliced {
    pub text: String,
    /// (byte offset where a line's text starts, its 1-based line number), increasing.
    pub starts: Vec<(usize, usize)>,
}

impl Spliced {
    pub fn push_line(&mut self, text: &str, line: usize) {
        self.starts.push((self.text.len(), line));
        self.text.push_str(text);
    }

    pub fn line_at(&self, byte: usize) -> usize {
        self.starts
            .iter()
            .take_while(|(start, _)| *start <= byte)
            .last()
            .or(self.starts.first())
            .map_or(0, |&(_, line)| line)
    }
}

/// Marks that end a clause. The enumeration comma 、 does not: it joins list items.
fn ends_clause(c: char) -> bool {
    matches!(
        c,
        '，' | '；' | '：' | '。' | '！' | '？' | ',' | ';' | ':' | '!' | '?'
    )
}

fn is_closing(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | '）' | ')' | '》' | '】')
}

/// Closes the gaps a PDF left where it lost the digits of a number ("  月   日，",
/// "全国 . 倍", "   个政务服务事项", " .  万余家"). A gap is a run of spaces, possibly with
/// dots, that is not between two Latin letters or digits. The clause holding it (up to the
/// surrounding ，；：。！？) is dropped, because a number phrase without its number reads as
/// noise ("全国倍"); when the dropped clause ended a sentence, the comma left before it
/// becomes that sentence end. A date that lost its digits ("  月   日，") is dropped by
/// itself. Each gap gives one warning on its own line.
pub(crate) fn close_digit_gaps(para: &Spliced, warnings: &mut Vec<Warning>) -> String {
    let chars: Vec<(usize, char)> = para.text.char_indices().collect();
    let n = chars.len();
    let is_gap_char = |c: char| c == ' ' || c == '.' || c == '．' || c == '\u{a0}';
    let mut spans: Vec<(usize, usize)> = Vec::new(); // char index ranges to drop
    let mut gaps: Vec<(usize, usize)> = Vec::new(); // (char index of a gap, its span)
    let run_end = |i: usize| {
        let mut j = i;
        while j < n && is_gap_char(chars[j].1) {
            j += 1;
        }
        j
    };
    let is_gap = |i: usize, j: usize| {
        let spaces = chars[i..j]
            .iter()
            .filter(|&&(_, c)| c != '.' && c != '．')
            .count();
        let dots = (j - i) - spaces;
        let latin = |k: Option<usize>| k.is_some_and(|k| !is_wide(chars[k].1));
        let before = i.checked_sub(1);
        let after = (j < n).then_some(j);
        spaces > 0
            && !latin(before)
            && !latin(after)
            && match (before, after) {
                (None, _) => spaces >= 2 || dots > 0,
                (_, None) => dots > 0,
                _ => true,
            }
    };
    let date_unit = |k: usize| k < n && matches!(chars[k].1, '年' | '月' | '日' | '号');
    let mut i = 0;
    while i < n {
        if !is_gap_char(chars[i].1) {
            i += 1;
            continue;
        }
        let j = run_end(i);
        if !is_gap(i, j) {
            i = j;
            continue;
        }
        if date_unit(j) {
            // A date without its digits ("  月   日"): drop just the date, and the comma
            // after it when it opened the clause.
            let mut phrase_gaps = vec![i];
            let mut end = j + 1;
            loop {
                let m = run_end(end);
                if m > end && is_gap(end, m) && date_unit(m) {
                    phrase_gaps.push(end);
                    end = m + 1;
                } else {
                    break;
                }
            }
            let opens_clause = i == 0 || ends_clause(chars[i - 1].1);
            if opens_clause && end < n && matches!(chars[end].1, '，' | ',') {
                end += 1;
            }
            gaps.extend(phrase_gaps.into_iter().map(|g| (g, spans.len())));
            spans.push((i, end));
            i = end;
            continue;
        }
        gaps.push((i, spans.len()));
        spans.push(clause_around(&chars, i, j));
        i = j;
    }
    if gaps.is_empty() {
        return para.text.clone();
    }
    for &(g, span) in &gaps {
        let (s, e) = spans[span];
        // Show each gap as one □ so the message says where the digits were.
        let mut shown = String::new();
        for &(_, c) in &chars[s..e] {
            if !is_gap_char(c) {
                shown.push(c);
            } else if !shown.ends_with('□') {
                shown.push('□');
            }
        }
        warnings.push(Warning::new(
            para.line_at(chars[g].0),
            format!("digits lost in extraction; dropped «{shown}»"),
        ));
    }
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut out = String::new();
    let mut k = 0;
    for (s, e) in merged {
        out.extend(chars[k..s].iter().map(|&(_, c)| c));
        // The dropped clause ended a sentence: end the kept text there instead.
        let end_mark = chars[s..e]
            .iter()
            .rev()
            .map(|&(_, c)| c)
            .find(|c| !is_closing(*c) && !is_gap_char(*c));
        if let Some(mark @ ('。' | '！' | '？' | '!' | '?')) = end_mark {
            let trimmed = out.trim_end_matches(is_gap_char).len();
            out.truncate(trimmed);
            if out.ends_with(['，', '；', '：', ',', ';', ':']) {
                out.pop();
                out.push(mark);
            }
        }
        k = e;
    }
    out.extend(chars[k..].iter().map(|&(_, c)| c));
    out
}

/// The clause around chars[i..j]: from after the previous clause mark (and any closing
/// quotes after it) to after the next clause mark (and its closing quotes).
fn clause_around(chars: &[(usize, char)], i: usize, j: usize) -> (usize, usize) {
    let mut s = i;
    while s > 0 && !ends_clause(chars[s - 1].1) {
        s -= 1;
    }
    while s < i && is_closing(chars[s].1) {
        s += 1;
    }
    let mut e = j;
    while e < chars.len() && !ends_clause(chars[e].1) {
        e += 1;
    }
    if e < chars.len() {
        e += 1;
        while e < chars.len() && is_closing(chars[e].1) {
            e += 1;
        }
    }
    (s, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armored_blocks_tables_captions_and_web_furniture_are_not_lines() {
        let text = "上一页 下一页\n\n比如说，使用 hello.commands 命令：\n\
                    -----BEGIN PGP SIGNATURE-----\nVersion: GnuPG v1.4.10\n\n\
                    iEYEARECAAYFAk\n-----END PGP SIGNATURE-----\n\n\
                    \x20 软件包      流行度          大小      说明\n\
                    \x20 mc        V:54, I:226    1482    文本模式的全屏文件管理器\n\
                    \x20 sudo      V:638, I:823   5990    给普通用户授予部分 root 权限的程序\n\
                    \n表 1.1. 有趣的文本模式程序包列表\n\n然后上传。\n";
        let mut warnings = Vec::new();
        let kept: Vec<String> = clean_lines(text, &mut warnings)
            .iter()
            .map(|l| l.trimmed().to_owned())
            .collect();
        assert_eq!(kept, ["比如说，使用 hello.commands 命令：", "然后上传。"]);
        assert_eq!(warnings.len(), 4, "{warnings:?}");
    }

    #[test]
    fn photo_captions_and_credits() {
        for yes in [
            "元旦来临，合肥市长江路悬挂起大红灯笼。（新华社记者戴浩摄）",
            "（新华社记者樊如钧摄）",
            "图为工人们在检修设备。",
            "（资料图片）",
            "责任编辑：王小明",
            "上海外滩夜景。(本报记者 周馨 摄)",
        ] {
            assert!(is_photo_caption_or_credit(yes), "{yes}");
        }
        for no in [
            "谢谢！（新华社北京１２月３１日电）",
            "他拿出相机拍摄了一张照片。",
            "（一九九七年十二月三十一日）",
            "图书馆里很安静。",
        ] {
            assert!(!is_photo_caption_or_credit(no), "{no}");
        }
    }

    /// People's Daily of 1 January 1998 (`../shared/corpus`, not copied here: its licence
    /// allows internal tests only): its photo captions and credits are not read, its
    /// datelines are.
    #[test]
    fn a_real_newspaper_day_keeps_no_photo_caption() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/corpus/news_renmin_ribao_199801_excerpt.txt"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            assert!(
                !crate::env::under_ci(),
                "{path} is missing; CI has ../shared"
            );
            #[allow(clippy::print_stderr)]
            {
                eprintln!("*** NOT RUN (not a pass): {path} is missing ***");
            }
            return;
        };
        let doc = crate::ingest::structure::parse(&text);
        let body: Vec<&str> = doc
            .sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .map(|p| p.text.as_str())
            .collect();
        for p in &body {
            assert!(!p.ends_with("摄）"), "{p}");
        }
        assert!(
            body.iter()
                .any(|p| p.ends_with("（新华社北京１２月３１日电）"))
        );
        let dropped = text
            .lines()
            .filter(|l| is_photo_caption_or_credit(l))
            .count();
        assert!(dropped >= 3, "{dropped}");
        // the rest of the day is still read: it loses only its captions
        let kept: usize = body.iter().map(|p| p.chars().count()).sum();
        assert!(
            kept * 100 >= text.chars().count() * 95,
            "{kept} of {}",
            text.chars().count()
        );
    }

    fn spliced(lines: &[(&str, usize)]) -> Spliced {
        let mut s = Spliced::default();
        for (t, no) in lines {
            s.push_line(t, *no);
        }
        s
    }

    #[test]
    fn lost_date_at_paragraph_start_is_dropped_with_a_warning_per_gap() {
        let mut w = Vec::new();
        let out = close_digit_gaps(
            &spliced(&[
                ("  月   日，习近平总书记在上海主持", 29),
                ("召开座谈会。", 31),
            ]),
            &mut w,
        );
        assert_eq!(out, "习近平总书记在上海主持召开座谈会。");
        assert_eq!(w.len(), 2);
        assert!(w.iter().all(|w| w.line == 29), "{w:?}");
    }

    #[test]
    fn damaged_number_phrase_is_dropped_and_the_sentence_still_ends() {
        let mut w = Vec::new();
        let out = close_digit_gaps(
            &spliced(&[
                ("人员流动更为便捷， . ", 93),
                ("亿“长三角居民”的生活更加便利。", 95),
            ]),
            &mut w,
        );
        assert_eq!(out, "人员流动更为便捷。");
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].line, 93);
    }

    #[test]
    fn gap_in_the_middle_drops_only_its_clause() {
        let mut w = Vec::new();
        let out = close_digit_gaps(
            &spliced(&[("此外，长三角  个城市、 .  万余家医疗机构，已实现结算。", 83)]),
            &mut w,
        );
        assert_eq!(out, "此外，已实现结算。");
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn lost_date_inside_a_sentence_drops_only_the_date() {
        let mut w = Vec::new();
        let out = close_digit_gaps(
            &spliced(&[
                ("这是继    年 月  日在", 33),
                ("合肥召开座谈会之后，总书记讲话。", 35),
            ]),
            &mut w,
        );
        assert_eq!(out, "这是继在合肥召开座谈会之后，总书记讲话。");
        assert_eq!(w.len(), 3);
    }

    #[test]
    fn columns_side_by_side_are_read_down_and_keep_their_line_numbers() {
        let mut w = Vec::new();
        let lines = clean_lines(crate::ingest::columns::tests::LAYOUT, &mut w);
        let at = |s: &str| {
            lines
                .iter()
                .position(|l| l.trimmed().starts_with(s))
                .unwrap()
        };
        // the second column follows the whole first one, and names the input's line
        assert!(at("基础设施和公共服务") > at("三角一体化发展有许多"));
        assert_eq!(lines[at("基础设施和公共服务")].no, 4);
        assert_eq!(lines[at("三省一市")].no, 5);
        assert!(
            w.iter()
                .any(|w| w.message.contains("columns side by side") && w.line == 4)
        );
    }

    #[test]
    fn spaces_between_latin_words_are_not_gaps() {
        let mut w = Vec::new();
        let out = close_digit_gaps(&spliced(&[("使用 Debian 12 系统。", 1)]), &mut w);
        assert_eq!(out, "使用 Debian 12 系统。");
        assert!(w.is_empty());
    }

    #[test]
    fn page_markers_and_their_blank_lines_vanish() {
        let mut w = Vec::new();
        let lines = clean_lines(
            "虽不敢说强似 \n\n----------------------- Page 2-----------------------\n\n前代书中",
            &mut w,
        );
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].no, 5);
        assert_eq!(lines[1].blank_before, 0);
    }

    #[test]
    fn vertical_caption_is_dropped_with_a_warning() {
        let mut w = Vec::new();
        let lines = clean_lines("正文\n\n长\n三\n角\n\n周\n馨\n\n摄\n\n正文二", &mut w);
        let texts: Vec<&str> = lines.iter().map(|l| l.trimmed()).collect();
        assert_eq!(texts, ["正文", "正文二"]);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].line, 3);
        assert!(w[0].message.contains("长三角周馨摄"), "{}", w[0].message);
    }

    #[test]
    fn a_table_printed_one_cell_per_line_is_dropped_but_an_outline_is_not() {
        // the revision table of a DocBook PDF's front matter, as pdftotext prints it
        let table = "正文。\n\nCOLLABORATORS\nTITLE :\n手册\nACTION\n\nNAME\n\nDATE\n\n\
                     WRITTEN BY\n\n李凌\n\nOctober 8, 2022\n\nOctober 8, 2022\n\n\
                     October 8, 2022\n\n后文。";
        let mut w = Vec::new();
        let texts: Vec<String> = clean_lines(table, &mut w)
            .iter()
            .map(|l| l.trimmed().to_owned())
            .collect();
        assert_eq!(texts, ["正文。", "后文。"]);
        assert!(w[0].message.contains("table"), "{}", w[0].message);
        // empty sections whose titles come back (7.4.2 解决方案 … 7.5.1 解决方案)
        let outline = "7.4 笔记本\n7.4.1 解决方案\n7.4.2 确认\n用户案例\n7.5 交换机\n\
                       7.5.1 解决方案\n7.5.2 确认\n用户案例\n7.6 防火墙\n用户案例\n";
        let mut w = Vec::new();
        assert_eq!(clean_lines(outline, &mut w).len(), 10);
        assert!(w.is_empty(), "{w:?}");
        // a list of short lines that never repeat is not a table
        let list = "春眠不觉晓\n\n处处闻啼鸟\n\n夜来风雨声\n\n花落知多少\n\n床前明月光\n\n疑是地上霜\n\n\
                    举头望明月\n\n低头思故乡\n\n白日依山尽\n\n黄河入海流\n";
        assert_eq!(clean_lines(list, &mut Vec::new()).len(), 10);
    }

    #[test]
    fn bylines_are_recognised_but_body_lines_are_not() {
        assert!(is_byline("本报评论员"));
        assert!(is_byline("本报记者 孙云 毛丽君 解敏 吕倩雯"));
        assert!(!is_byline("本报记者从市政府获悉，长三角"));
    }
}
