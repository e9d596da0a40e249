//! A web page saved as text (a browser's "save as text", `w3m -dump`, `lynx -dump`, `pandoc
//! -t plain`): the article stands among what the site prints on every page. Found line by
//! line, the same whichever tool made the text:
//!
//! - **navigation**: `上一页 下一页`, `[上一页] [下一页]`, `第 1 章 正确的起点 [起始页] 第 3 章 …`
//!   (a DocBook page's footer), `返回首页>>`;
//! - **link bars**: `首页|新闻|图片|评论|…` (four or more short cells between bars);
//! - **breadcrumbs**: `首页 >> 教育资讯 >> 教育新闻 >> 正文`, `当前位置：首页 > 科技`;
//! - **image placeholders**: `[]`, `[IMG]`, `[(Credit: Nasa)]`, `![](a.png)` — a whole line
//!   in brackets with no Chinese word in it but 图片;
//! - **menus**: once a page shows any of the above, runs of four or more short lines (menu
//!   entries, share buttons, other stories as a list) before the article's first sentence
//!   or after its last.

use super::outline;
use super::repair::{ends_sentence, is_space, is_wide};

/// Words that are only ever a link to another page.
const NAVIGATION: &[&str] = &[
    "上一页",
    "下一页",
    "起始页",
    "上一级",
    "返回首页",
    "回到首页",
    "返回顶部",
    "回到顶部",
    "上一篇",
    "下一篇",
    "上一章",
    "下一章",
    "上一节",
    "下一节",
    "返回目录",
    "返回总目录",
    "返回列表",
    "分享到",
    "打印本页",
    "关闭窗口",
    // the same in traditional characters
    "上一頁",
    "下一頁",
    "返回首頁",
    "回到首頁",
    "返回頂部",
    "回到頂部",
    "上一章節",
    "下一章節",
    "上一節",
    "下一節",
    "返回目錄",
    "返回總目錄",
    "打印本頁",
    "關閉窗口",
];

/// Headings a page puts over what follows its article: other stories, comments, share
/// buttons. From the first of them after the article's body to the end is the site's.
const AFTER_ARTICLE: &[&str] = &[
    "相关新闻",
    "相关阅读",
    "相关文章",
    "相关链接",
    "相关推荐",
    "延伸阅读",
    "推荐阅读",
    "热门推荐",
    "精彩推荐",
    "猜你喜欢",
    "热门评论",
    "最新评论",
    "网友评论",
    "更多评论",
    "热评文章",
    "栏目精粹",
    "您可能感兴趣的文章",
    "你可能感兴趣的文章",
    "相關文章",
    "相關閱讀",
    "延伸閱讀",
    "推薦閱讀",
    "熱門文章",
    "熱門推薦",
    "您可能會有興趣的文章",
    "上一篇文章與下一篇文章",
    "上一篇文章与下一篇文章",
];

/// Words a navigation line may hold beside those: alone they may be a book's own line.
const LINK_WORDS: &[&str] = &[
    "首页", "首頁", "目录", "目錄", "索引", "返回", "收藏", "分享", "打印", "关闭", "登录", "注册",
    "更多", "prev", "previous", "next", "home", "up", "top",
];

/// Why a line of a web page's text is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chrome {
    Navigation,
    LinkBar,
    Breadcrumb,
    Image,
    Menu,
    /// `2017-03-10 09:58　来源：网易科学人`: when and where a story came from.
    Dateline,
    /// Pieces of the page's tags that a converter passed through.
    Markup,
    /// A form's field or button as a dumper draws it (`[          ]`, `(BUTTON) 模块`,
    /// `[ ] 目录`), or the page's refresh to another address.
    Form,
}

impl Chrome {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Chrome::Navigation => "navigation",
            Chrome::LinkBar => "a bar of links",
            Chrome::Breadcrumb => "a breadcrumb trail",
            Chrome::Image => "an image placeholder",
            Chrome::Menu => "a menu or a list of links",
            Chrome::Dateline => "a story's date and source",
            Chrome::Markup => "the page's markup",
            Chrome::Form => "a form's field or button",
        }
    }
}

/// What of a web page's text is the site's, not the story's.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct PageChrome {
    /// Lines of the input (0-based, in order) left out, and why.
    pub lines: Vec<(usize, Chrome)>,
    /// The line over a story's dateline: its headline, the document's title.
    pub headline: Option<usize>,
}

/// Finds a web page's furniture in the lines of `raw`.
pub(crate) fn page_chrome(raw: &[String]) -> PageChrome {
    let mut headline = None;
    let mut found: Vec<(usize, Chrome)> = raw
        .iter()
        .enumerate()
        .filter_map(|(i, l)| line_chrome(l).map(|c| (i, c)))
        .collect();
    // `lynx -dump` opens with the page's links to other pages after a `#`:
    // `#Debian 新维护者手册 Debian 新维护者手册 第 1 章 正确的起点 第 3 章 修改源代码`
    if let Some(first) = raw
        .iter()
        .position(|l| !l.trim_matches(is_space).is_empty())
        && raw[first]
            .trim_start_matches(is_space)
            .strip_prefix('#')
            .is_some_and(|rest| rest.starts_with(|c: char| !is_space(c) && c != '#'))
        && raw[first].starts_with(' ')
    {
        found.insert(0, (first, Chrome::Navigation));
    }
    // (one check box may be a list's in a book; two, or a field or a button, are a page's)
    let forms: Vec<usize> = found
        .iter()
        .filter(|&&(_, c)| c == Chrome::Form)
        .map(|&(i, _)| i)
        .collect();
    let page = forms.len() >= 2
        || forms
            .iter()
            .any(|&i| !is_check_box(raw[i].trim_matches(is_space)))
        || found
            .iter()
            .any(|&(_, c)| !matches!(c, Chrome::Image | Chrome::Form));
    // outside a web page, `[Unit]` or `[a-z]` is a program's text: only what can be nothing
    // but a picture (`[]`, `[图片]`, `![](a.png)`) is left out
    if !page {
        found.retain(|&(i, _)| is_picture(raw[i].trim_matches(is_space)));
    } else {
        // pandoc passes a page's raw tags through, one attribute a line
        found.extend(
            (0..raw.len())
                .filter(|&i| is_markup(raw[i].trim_matches(is_space)))
                .map(|i| (i, Chrome::Markup)),
        );
        found.sort_unstable_by_key(|&(i, _)| i);
        found.dedup_by_key(|&mut (i, _)| i);
        let head;
        (head, headline) = story_head(raw, &found);
        found.extend(head);
        // a picture's alt text in brackets that says the headline again
        if let Some(h) = headline {
            let title = raw[h].trim_matches(is_space);
            found.extend(
                (h + 1..raw.len())
                    .filter(|&i| {
                        let t = raw[i].trim_matches(is_space);
                        t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) == Some(title)
                    })
                    .map(|i| (i, Chrome::Image)),
            );
        }
        found.sort_unstable_by_key(|&(i, _)| i);
        found.dedup_by_key(|&mut (i, _)| i);
        let header = site_header(raw, &found);
        let article_start = header.last().map_or(0, |&(i, _)| i + 1);
        // the article's first line under the site's header is its title (html2text prints
        // no blank line to set it apart)
        if headline.is_none() && article_start > 0 {
            headline = (article_start..raw.len())
                .find(|&i| !raw[i].trim_matches(is_space).is_empty())
                .filter(|&i| {
                    let t = raw[i].trim_matches(is_space);
                    t.chars().count() <= 60 && !ends_sentence(t) && !t.contains(['，', '。'])
                });
        }
        found.extend(header);
        found.sort_unstable_by_key(|&(i, _)| i);
        found.dedup_by_key(|&mut (i, _)| i);
        let menus = menu_lines(raw, &found, article_start);
        found.extend(menus.into_iter().map(|i| (i, Chrome::Menu)));
        found.sort_unstable_by_key(|&(i, _)| i);
        found.dedup_by_key(|&mut (i, _)| i);
    }
    PageChrome {
        lines: found,
        headline,
    }
}

/// A news story's datelines (`2017-03-10 09:58　来源：网易科学人`, `发稿时间：… 来源：…`), and,
/// when a headline stands right above the first, every line above the headline: the site's.
fn story_head(raw: &[String], found: &[(usize, Chrome)]) -> (Vec<(usize, Chrome)>, Option<usize>) {
    let known = |i: usize| found.binary_search_by_key(&i, |&(k, _)| k).is_ok();
    let datelines: Vec<usize> = (0..raw.len())
        .filter(|&i| !known(i) && is_dateline(raw[i].trim_matches(is_space)))
        .collect();
    let Some(&first) = datelines.first() else {
        return (Vec::new(), None);
    };
    let mut head: Vec<(usize, Chrome)> = datelines.iter().map(|&i| (i, Chrome::Dateline)).collect();
    let headline = (0..first)
        .rev()
        .filter(|&i| !known(i) && !raw[i].trim_matches(is_space).is_empty())
        .take(2)
        .find(|&i| {
            let t = raw[i].trim_matches(is_space);
            (4..=60).contains(&t.chars().count()) && !t.ends_with('。')
        });
    // (a page's header is shorter than its story: a dateline low in a long text is no story's)
    let sentences = |lines: &mut dyn Iterator<Item = &String>| {
        lines
            .filter(|l| is_sentence(l.trim_matches(is_space)))
            .count()
    };
    if let Some(headline) = headline
        && sentences(&mut raw[..headline].iter()) <= sentences(&mut raw[headline..].iter())
    {
        head.extend(
            (0..headline)
                .filter(|&i| !known(i) && !raw[i].trim_matches(is_space).is_empty())
                .map(|i| (i, Chrome::Menu)),
        );
    }
    (head, headline)
}

/// `2017-03-10 09:58　来源：网易科学人`, `发稿时间：2017-03-10 08:42:00 来源：人民日报海外版`: a
/// date and where the story came from (来源, 作者, 编辑), short, not a sentence.
fn is_dateline(t: &str) -> bool {
    // a label, not a verb in a sentence (`这来源于 1976 年 12 月 9 日的法律`)
    let labelled = |w: &str| {
        t.match_indices(w).any(|(at, _)| {
            let rest = t[at + w.len()..].trim_start_matches(is_space);
            rest.starts_with(['：', ':']) || rest.starts_with("时间") || rest.starts_with("時間")
        })
    };
    t.chars().count() <= 90
        && outline::is_date_line(t)
        && [
            "来源", "來源", "作者", "编辑", "編輯", "发布", "發布", "发稿",
        ]
        .iter()
        .any(|w| labelled(w))
        && !t.contains(['。', '，'])
}

fn line_chrome(line: &str) -> Option<Chrome> {
    let t = line.trim_matches(is_space);
    if t.is_empty() {
        return None;
    }
    // (a text field `[     ]` before a picture's empty brackets)
    if is_form_widget(t) {
        Some(Chrome::Form)
    } else if is_image_placeholder(t) {
        Some(Chrome::Image)
    } else if is_navigation(t) {
        Some(Chrome::Navigation)
    } else if is_link_bar(t) {
        Some(Chrome::LinkBar)
    } else if is_breadcrumb(t) {
        Some(Chrome::Breadcrumb)
    } else {
        None
    }
}

/// A word of a link with its brackets and arrows taken off, lower-cased.
fn link_word(cell: &str) -> String {
    cell.trim_matches(|c: char| is_space(c) || "[]【】<>《》«»()（）:：*_-•·".contains(c))
        .to_lowercase()
}

/// `上一页 下一页`, `[上一页] [下一页]`, `第 1 章 正确的起点 [起始页] 第 3 章 修改源代码`: at
/// least one navigation word standing as a cell of its own (brackets, two spaces or a bar
/// around it), every other cell a link word or a short title.
fn is_navigation(t: &str) -> bool {
    let cells = cells(t);
    let is_nav = |c: &str| NAVIGATION.contains(&link_word(c).as_str());
    let is_link = |c: &str| {
        let w = link_word(c);
        NAVIGATION.contains(&w.as_str()) || LINK_WORDS.contains(&w.as_str())
    };
    // `上一篇： 愛上喜翁露營`, `- 下一篇：走進莫內`: a link labelled with where it goes
    let item = list_item(t).unwrap_or(t);
    if let Some((label, title)) = item.split_once(['：', ':'])
        && NAVIGATION.contains(&link_word(label).as_str())
        && title.chars().count() <= 40
    {
        return true;
    }
    // the words may stand one space apart when all of them are links: `上一页 下一页 起始页`
    let words: Vec<&str> = t.split(is_space).filter(|w| !w.is_empty()).collect();
    if words.iter().any(|w| is_nav(w)) && words.iter().all(|w| is_link(w)) {
        return true;
    }
    // a bar of bracketed buttons (Texinfo's: `[ << 首页 ] [首页][目录][索引] [ 教程 >> ]`,
    // `[ < 编译文件 ] [ 上 : 教程 ] [ 简单记谱法 > ]`): nothing outside the brackets, a link
    // word or an arrow inside one of them
    let bracketed = |c: &String| c.starts_with(['[', '【']) && c.ends_with([']', '】']);
    if cells.len() >= 2
        && cells.iter().all(bracketed)
        && cells.iter().all(|c| c.chars().count() <= 60)
        && cells.iter().any(|c| {
            is_link(c)
                || c.contains(['<', '>', '«', '»'])
                || c.trim_matches(['[', ']', ' ']).starts_with(['上', '↑'])
        })
    {
        return true;
    }
    cells.iter().any(|c| is_nav(c))
        && cells.iter().all(|c| {
            is_link(c) || (c.chars().count() <= 30 && !ends_sentence(c) && !c.contains('，'))
        })
}

/// A line cut into cells at bars, at runs of two or more spaces and around bracketed links.
fn cells(t: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut spaces = 0;
    let close = |cell: &mut String, cells: &mut Vec<String>| {
        let c = cell.trim_matches(is_space);
        if !c.is_empty() {
            cells.push(c.to_owned());
        }
        cell.clear();
    };
    for c in t.chars() {
        if is_space(c) {
            spaces += 1;
            if spaces == 2 || c == '\u{3000}' {
                close(&mut cell, &mut cells);
            }
            cell.push(c);
            continue;
        }
        spaces = 0;
        match c {
            '|' | '｜' => close(&mut cell, &mut cells),
            '[' | '【' => {
                close(&mut cell, &mut cells);
                cell.push(c);
            }
            ']' | '】' => {
                cell.push(c);
                close(&mut cell, &mut cells);
            }
            _ => cell.push(c),
        }
    }
    close(&mut cell, &mut cells);
    cells
}

/// What the dumpers draw for a form and a page's refresh: a text field (w3m's `[          ]`),
/// a check box with its label (`[ ]目录`, `[X] 记住我`), lynx's `(BUTTON) 模块` and
/// `REFRESH(0 sec): file://…`, w3m's `Refresh (0 sec) …`, html2text's `[Unknown INPUT type]`.
/// A line of underscores (lynx's text field) is one only on a page with another of these.
fn is_form_widget(t: &str) -> bool {
    let lower = t.to_lowercase();
    if lower.starts_with("refresh") && lower.contains("sec)") {
        return true;
    }
    if [
        "(button)",
        "(submit)",
        "(reset)",
        "(radio button)",
        "(image)",
    ]
    .iter()
    .any(|b| lower.starts_with(b))
        || lower == "[unknown input type]"
    {
        return t.chars().count() <= 40;
    }
    if let Some(inner) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        // a text field: nothing but spaces, three or more
        return inner.chars().count() >= 3 && inner.chars().all(|c| c == ' ' || c == '_');
    }
    is_check_box(t)
}

/// `[ ]目录`, `[X] 记住我`: a check box and its short label.
fn is_check_box(t: &str) -> bool {
    ["[ ]", "[X]", "[x]", "[*]"].iter().any(|b| {
        t.strip_prefix(b).is_some_and(|label| {
            let label = label.trim_matches(is_space);
            (1..=16).contains(&label.chars().count()) && !ends_sentence(label)
        })
    })
}

/// The site's header over the article: where a form (a search field, a menu's button) stands
/// before the article's first sentence, every line down to the last such form is the site's
/// (`LibreOffice 7.4 帮助`, `模块`, `[ ]目录`, `索引 🔎︎`, `[          ]`), and the line after
/// it starts the article. A line of underscores among them is lynx's text field.
fn site_header(raw: &[String], found: &[(usize, Chrome)]) -> Vec<(usize, Chrome)> {
    let Some(first_sentence) = raw
        .iter()
        .position(|l| is_sentence(l.trim_matches(is_space)))
    else {
        return Vec::new();
    };
    let underscores = |i: usize| {
        let t = raw[i].trim_matches(is_space);
        t.chars().count() >= 8 && t.chars().all(|c| c == '_')
    };
    let known_form = |i: usize| {
        found
            .binary_search_by_key(&i, |&(k, _)| k)
            .is_ok_and(|at| found[at].1 == Chrome::Form)
    };
    let Some(end) = (0..first_sentence)
        .rev()
        .find(|&i| known_form(i) || underscores(i))
    else {
        return Vec::new();
    };
    // (a field of underscores alone, with no other form before it, is no header's)
    if !(0..end).any(known_form) && !known_form(end) {
        return Vec::new();
    }
    (0..=end)
        .filter(|&i| !raw[i].trim_matches(is_space).is_empty())
        .map(|i| {
            (
                i,
                if underscores(i) {
                    Chrome::Form
                } else {
                    Chrome::Menu
                },
            )
        })
        .collect()
}

/// A line of the article rather than the site's: twenty characters or more with a full
/// stop in them or a sentence's end.
fn is_sentence(t: &str) -> bool {
    t.chars().count() >= 20 && (t.contains('。') || ends_sentence(t))
}

/// `首页|新闻|图片|评论`, `关于腾讯 | About Tencent | 服务协议 | 隐私政策 |`: four or more
/// short cells between bars, none a sentence or a number. A Markdown table's row (opening
/// with a bar) is not one.
fn is_link_bar(t: &str) -> bool {
    if t.starts_with('|') || !(t.contains('|') || t.contains('｜')) {
        return false;
    }
    let cells: Vec<&str> = t
        .split(['|', '｜'])
        .map(|c| c.trim_matches(is_space))
        .filter(|c| !c.is_empty())
        .collect();
    cells.len() >= 4
        && cells.iter().all(|c| {
            c.chars().count() <= 14
                && !ends_sentence(c)
                && !c.contains(['，', '。'])
                && c.chars().any(|ch| ch.is_alphabetic())
        })
}

/// `首页 >> 教育资讯 >> 教育新闻 >> 正文`, `[腾讯科技] 科技 > 要闻 > 正文`, `当前位置：首页 > 科技`:
/// three or more short parts between arrows, starting at the site's home or ending at the
/// article (正文), or any trail after 当前位置.
fn is_breadcrumb(t: &str) -> bool {
    let t = t.trim_start_matches("[]");
    let (placed, t) = [
        "当前位置",
        "您的位置",
        "您现在的位置",
        "现在位置",
        "所在位置",
    ]
    .iter()
    .find_map(|p| t.strip_prefix(p))
    .map_or((false, t), |rest| {
        (true, rest.trim_start_matches([':', '：', ' ']))
    });
    let parts: Vec<&str> = t
        .split(['>', '»', '›', '＞', '→'])
        .map(|p| p.trim_matches(is_space))
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() < 2 || t.matches(['>', '»', '›', '＞', '→']).count() < 1 {
        return false;
    }
    let short = parts
        .iter()
        .all(|p| p.chars().count() <= 24 && !ends_sentence(p) && !p.contains(['，', '。']));
    let home = |p: &str| {
        let w = link_word(p);
        ["首页", "主页", "网站首页", "home"]
            .iter()
            .any(|h| w == *h || w.ends_with(h))
    };
    let article = |p: &str| ["正文", "内容", "详情", "文章"].contains(&link_word(p).as_str());
    short
        && (placed
            || (parts.len() >= 3 && (home(parts[0]) || article(parts[parts.len() - 1])))
            || (parts.len() == 2 && home(parts[0]) && article(parts[1])))
}

/// `[]`, `[IMG]`, `[W020170310]`, `[(Credit: Nasa)]`, `![](a.png)`: a whole line in brackets
/// with no Chinese in it but a word for a picture. A note's number in brackets (`[3]`) alone
/// on a line is not read either.
fn is_image_placeholder(t: &str) -> bool {
    let inner = if let Some(rest) = t.strip_prefix("![") {
        match rest.split_once("](") {
            Some((alt, target)) if target.ends_with(')') => alt,
            _ => return false,
        }
    } else if let Some(inner) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        if inner.contains(['[', ']']) {
            return false;
        }
        inner
    } else {
        return false;
    };
    let words = inner
        .replace("图片", "")
        .replace("图像", "")
        .replace("照片", "");
    !words.chars().any(is_wide) || words.trim_matches(is_space).is_empty()
}

/// `<img`, `src="https://…/atrk.gif"`, `style="display:none" height="1" width="1" alt="" />`:
/// a tag's pieces, no Chinese in them.
fn is_markup(t: &str) -> bool {
    let tag_start = t.starts_with('<') && t[1..].starts_with(|c: char| c.is_ascii_alphabetic());
    let attribute = t.split_once("=\"").is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '-')
    });
    !t.chars().any(is_wide) && (tag_start || attribute || t.ends_with("/>"))
}

/// `[]`, `[图片]`, `[IMG]`, `[image]`, `![](a.png)`: a picture whatever the text around it.
fn is_picture(t: &str) -> bool {
    if t.starts_with("![") {
        return true;
    }
    let inner = t
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_matches(is_space)
        .to_lowercase();
    [
        "", "图片", "图像", "照片", "封面", "img", "image", "cover", "图",
    ]
    .contains(&inner.as_str())
}

/// Lines of menus: before the article's first sentence (and after the site's header, when
/// [`site_header`] found one) and after its last, runs of four or
/// more short lines (blank lines between them allowed) — menu entries (`时政`, `- 首页`),
/// share buttons, a list of other stories (`- 49990名大学生获2015—2016国家奖学金`). Lines
/// already found (`分享到`, a breadcrumb) count in a run; numbered headings and chapter
/// labels end one.
fn menu_lines(raw: &[String], found: &[(usize, Chrome)], article_start: usize) -> Vec<usize> {
    let known = |i: usize| found.binary_search_by_key(&i, |&(k, _)| k).is_ok();
    // a sentence of twenty characters or more (not `浏览器更新提醒…，…立即更新×`) that is
    // not a short list item (`- 教育部：中国教育对外交流走上“快车道”`, another story)
    let prose = |l: &str| {
        let t = l.trim_matches(is_space);
        is_sentence(t) && !(list_item(t).is_some() && t.chars().count() <= 40)
    };
    let prose_lines: Vec<usize> = (0..raw.len())
        .filter(|&i| !known(i) && prose(&raw[i]))
        .collect();
    let (Some(&first), Some(&last)) = (prose_lines.first(), prose_lines.last()) else {
        return Vec::new();
    };
    let mut menus = Vec::new();
    // a heading over other stories or comments ends the article when more of the page's
    // sentences stand before it than after it (comments are sentences too)
    let size = |k: &usize| raw[*k].trim_matches(is_space).chars().count();
    let all: usize = prose_lines.iter().map(size).sum();
    let after = (first..raw.len()).find(|&i| {
        AFTER_ARTICLE.contains(&link_word(raw[i].trim_matches(is_space)).as_str()) && {
            let before: usize = prose_lines.iter().take_while(|&&k| k < i).map(size).sum();
            before * 2 >= all
        }
    });
    let last = match after {
        Some(cut) => {
            menus.extend((cut..raw.len()).filter(|&i| !raw[i].trim_matches(is_space).is_empty()));
            prose_lines
                .iter()
                .rev()
                .find(|&&k| k < cut)
                .copied()
                .unwrap_or(first)
        }
        None => last,
    };
    // (after the site's header, the article's heading is no menu's entry)
    for range in [article_start..first, last + 1..after.unwrap_or(raw.len())] {
        // a run's new lines, and how many lines it has with those already found
        let mut run: Vec<usize> = Vec::new();
        let mut length = 0;
        let mut close = |run: &mut Vec<usize>, length: &mut usize| {
            if *length >= 4 {
                menus.append(run);
            }
            run.clear();
            *length = 0;
        };
        for i in range {
            let t = raw[i].trim_matches(is_space);
            if t.is_empty() {
                continue;
            }
            if known(i) {
                length += 1;
            } else if is_menu_entry(t) {
                run.push(i);
                length += 1;
            } else {
                close(&mut run, &mut length);
            }
        }
        close(&mut run, &mut length);
    }
    menus.sort_unstable();
    menus
}

/// What follows a list's bullet (`- `, `* `, `• `, as the dumpers print `<li>`), if `t` has one.
fn list_item(t: &str) -> Option<&str> {
    outline::after_bullet(t)
}

/// A menu's entry: a word or two (`时政`, `分享到`, `更多平台... (133)`), a row of words
/// (`动漫 读书 儿童 星座`), or a list item that is a short title, not a sentence. Never a
/// heading's shape (`第一章`, `1.2 概述`).
fn is_menu_entry(t: &str) -> bool {
    let item = list_item(t);
    let bare = item.unwrap_or(t);
    if outline::numbered_level(bare).is_some() || outline::is_heading_label(bare) {
        return false;
    }
    let no_sentence = !bare.contains(['。', '，', '；']);
    let n = bare.chars().count();
    let words: Vec<&str> = bare.split(is_space).filter(|w| !w.is_empty()).collect();
    let row = words.len() >= 3 && words.iter().all(|w| w.chars().count() <= 5);
    no_sentence && (n <= 10 || row || (item.is_some() && n <= 30))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    /// `lynx -dump` of the one-page ITIL manual: a contract's clause near its end cites a law
    /// of 1976 (a date, and 来源 as a verb). No dateline, and the manual above it is read.
    #[test]
    fn a_date_in_a_manual_s_sentence_is_no_story_s_dateline() {
        let clause = "如果客户没有按时支付，供应商有权收取逾期数量的利息。（在挪威，这来源于 1976 年 12 月 9 日第 100 号关于延迟支付的法律，§";
        assert!(!is_dateline(clause));
        assert!(is_dateline("2017-03-10 09:58　来源：网易科学人"));
        assert!(is_dateline(
            "发稿时间：2017-03-10 08:42:00 来源：人民日报海外版"
        ));
        let mut raw = lines("Debian Edu / Skolelinux ITIL 手册\n\n3.1. 服务台\n");
        raw.extend(
            (0..40).map(|i| format!("   服务台是用户询问问题或报告故障的地方，这是第 {i} 句话。")),
        );
        raw.extend(lines("\n10.1.5.5.10. 5.2.2 客户未履约\n"));
        raw.push(format!("   {clause}"));
        assert_eq!(page_chrome(&raw).lines, []);
        // on a page, a real dateline that low is left out alone: the text above is no
        // site's header
        raw.insert(0, "上一页 下一页 起始页".to_owned());
        raw.push("2017-03-10 09:58　来源：网易科学人".to_owned());
        let chrome = page_chrome(&raw).lines;
        assert_eq!(
            chrome,
            [(0, Chrome::Navigation), (raw.len() - 1, Chrome::Dateline)]
        );
    }

    #[test]
    fn navigation_as_each_dumper_prints_it() {
        for nav in [
            "上一页                                                   下一页",
            "[上一页]                [下一页]",
            "上一页 下一页 起始页",
            "第 1 章 正确的起点     [起始页]     第 3 章 修改源代码",
            "第 1 章 正确的起点 [起始页] 第 3 章 修改源代码",
            "第 1 章 正确的起点  起始页  第 3 章 修改源代码",
            "返回首页>>",
            "[上一  [下一页]",
            "下一页",
            // a Texinfo manual's buttons (LilyPond's, through w3m)
            "[首页][目录][索引]",
            "[ << 教程 ]    [首页][目录][索引] [ Common notation >> ]",
            "[ < 编译文件 ]   [ 上 : 教程 ]          [ 简单记谱法 > ]",
        ] {
            assert_eq!(line_chrome(nav), Some(Chrome::Navigation), "{nav}");
        }
        for text in [
            "请翻到下一页，看第二个例子。",
            "目录",
            "上一页的图表说明了这一点",
            "[1] [2] [3]",
            "[INS::INS] [INS::INS]",
        ] {
            assert_eq!(line_chrome(text), None, "{text}");
        }
    }

    #[test]
    fn form_fields_as_each_dumper_prints_them() {
        for form in [
            "[                    ]",
            "[ ]目录",
            "[X] 记住我",
            "(BUTTON) 模块",
            "REFRESH(0 sec): file://localhost/zh-CN/noscript.html",
            "Refresh (0 sec) ../../../../zh-CN/noscript.html",
            "[Unknown INPUT type]",
        ] {
            assert_eq!(line_chrome(form), Some(Chrome::Form), "{form}");
        }
        for text in [
            "[ ] 先检查一遍所有的文件，然后再提交给老师。",
            "[]",
            "____________________",
            "刷新页面 (0 sec)",
        ] {
            assert_ne!(line_chrome(text), Some(Chrome::Form), "{text}");
        }
    }

    /// A help page's header (lynx): the site's name, a menu's button, a check box, a search
    /// field of underscores; the article's title under it is the document's.
    #[test]
    fn the_sites_header_ends_at_its_last_form() {
        let page = lines(
            "   REFRESH(0 sec): file://localhost/zh-CN/noscript.html\n\n   LibreOffice 7.4 帮助\n\n\
             (BUTTON) 模块\n\n   [ ] 目录\n\n   索引\n   ____________________\n\n\
             数字格式码\n\n   数字格式码最多由四个部分组成，各部分之间用分号分隔。\n\n   目录\n",
        );
        let chrome = page_chrome(&page);
        let left_out: Vec<usize> = chrome.lines.iter().map(|&(i, _)| i).collect();
        assert_eq!(left_out, [0, 2, 4, 6, 8, 9]);
        assert_eq!(chrome.headline, Some(11));
        // one check box is a book's list, not a page's header
        let book = lines("[ ] 买菜\n\n今天要做的事情很多，先去市场买菜，再回家做饭。\n");
        assert!(page_chrome(&book).lines.is_empty());
    }

    #[test]
    fn raw_tags_on_a_page() {
        let page = lines(
            "上一页 下一页\n<img\nsrc=\"https://d5nxst8fruw4z.cloudfront.net/atrk.gif?a=1\"\n\
             style=\"display:none\" height=\"1\" width=\"1\" alt=\"\" />\n\
             a=b 是一个等式。\n",
        );
        let left_out: Vec<usize> = page_chrome(&page).lines.iter().map(|&(i, _)| i).collect();
        assert_eq!(left_out, [0, 1, 2, 3]);
    }

    #[test]
    fn the_links_lynx_prints_first() {
        let page = lines(
            "   #Debian 新维护者手册 第 1 章 正确的起点 第 3 章 修改源代码\n\n     第 2 章 第一步\n",
        );
        assert_eq!(page_chrome(&page).lines, [(0, Chrome::Navigation)]);
        // a Markdown heading, or `#` at the margin, is the text's own
        for text in ["# 第一章\n", "#第一章\n正文。\n"] {
            assert_eq!(page_chrome(&lines(text)), PageChrome::default(), "{text}");
        }
    }

    #[test]
    fn bars_and_trails_of_links() {
        assert_eq!(
            line_chrome("首页|新闻|图片|评论|共青团|娱乐|时尚|财经|军事"),
            Some(Chrome::LinkBar)
        );
        assert_eq!(
            line_chrome("关于腾讯 | About Tencent | 服务协议 | 隐私政策 | 开放平台 | 广告服务 |"),
            Some(Chrome::LinkBar)
        );
        assert_eq!(line_chrome("| 名称 | 大小 | 说明 | 备注 |"), None);
        assert_eq!(line_chrome("一|二"), None);
        for trail in [
            "首页 >> 教育资讯 >> 教育新闻 >> 正文",
            "[]首页 > 科技频道 > 探索者 > 正文",
            "[腾讯科技] 科技 > 要闻 > THE NEXT WEB > 正文",
            "当前位置：首页 > 科技",
        ] {
            assert_eq!(line_chrome(trail), Some(Chrome::Breadcrumb), "{trail}");
        }
        assert_eq!(line_chrome("若 a > b > c，则 a > c。"), None);
        assert_eq!(line_chrome("3 > 2 > 1"), None);
    }

    #[test]
    fn image_placeholders() {
        for image in [
            "[]",
            "[SUBMIT]",
            "[W020170310]",
            "[(Credit: Nasa)]",
            "[0000-1]",
            "[图片]",
            "![](images/a.png)",
        ] {
            assert_eq!(line_chrome(image), Some(Chrome::Image), "{image}");
        }
        for text in ["[光明网] English", "[注] 见上文", "【编者按】", "[一]"] {
            assert_eq!(line_chrome(text), None, "{text}");
        }
        // in a manual's text, `[Unit]` is a unit file's section, not a picture
        let manual = lines("[Unit]\nDescription=echo socket\n\n[]\n");
        assert_eq!(page_chrome(&manual).lines, [(3, Chrome::Image)]);
    }

    #[test]
    fn menus_around_the_article_on_a_page_with_navigation() {
        let page = lines(
            "时政\n\n国际\n\n时评\n\n理论\n\n首页 > 科技频道 > 正文\n\n\
             宇航员在太空中喝酒会怎么样？后果很严重\n\n\
             翱翔于距地球数千公里的太空中，进入广袤漆黑的未知领域，是一项艰苦卓绝的工作。\n\n\
             第二段很短。\n\n\
             不幸的是，对于希望能喝上一杯的太空探险者，政府机构普遍禁止他们饮酒。\n\n\
             分享到\n新浪微博\n腾讯微博\n人人网\n",
        );
        let chrome = page_chrome(&page).lines;
        let left_out: Vec<&str> = chrome.iter().map(|&(i, _)| page[i].as_str()).collect();
        assert_eq!(
            left_out,
            [
                "时政",
                "国际",
                "时评",
                "理论",
                "首页 > 科技频道 > 正文",
                "分享到",
                "新浪微博",
                "腾讯微博",
                "人人网"
            ]
        );
    }

    #[test]
    fn other_stories_and_comments_after_the_article() {
        let mut page = String::from("首页 >> 教育资讯 >> 正文\n\n海外留学生看两会\n\n");
        for k in 1..=6 {
            page += &format!("第{k}段：在采访中，我们了解到不少学子在出国前就关注两会。\n\n");
        }
        page += "上一篇： 愛上喜翁露營_歡慶聖誕夜市趴\n热门评论\n\n\
                 你们语音控制算神马，谷歌让你还可以手势控制！这评论很长，也是一句话。\n";
        let page = lines(&page);
        let chrome = page_chrome(&page).lines;
        let left_out: Vec<&str> = chrome.iter().map(|&(i, _)| page[i].as_str()).collect();
        assert_eq!(
            left_out,
            [
                "首页 >> 教育资讯 >> 正文",
                "上一篇： 愛上喜翁露營_歡慶聖誕夜市趴",
                "热门评论",
                "你们语音控制算神马，谷歌让你还可以手势控制！这评论很长，也是一句话。"
            ]
        );
        // the same heading early on (a page with share buttons over its article) ends nothing
        let early = lines(
            "上一页 下一页\n\n热门评论\n\n\
             第一段：在采访中，我们了解到不少学子在出国前就关注两会。\n\n\
             第二段：在采访中，我们了解到不少学子在出国前就关注两会。\n",
        );
        assert_eq!(page_chrome(&early).lines, [(0, Chrome::Navigation)]);
    }

    #[test]
    fn short_lines_of_a_book_are_no_menu() {
        // no navigation anywhere: a poem's short lines before the first sentence stay
        let book = lines(
            "春\n夏\n秋\n冬\n\n\
             第一章\n\n一年四季，春夏秋冬，各有各的景致，各有各的故事。\n",
        );
        assert_eq!(page_chrome(&book), PageChrome::default());
        // a list of chapter labels is a table of contents, not a menu
        let toc = lines(
            "上一页 下一页\n\n第一章\n第二章\n第三章\n第四章\n\n\
             一年四季，春夏秋冬，各有各的景致，各有各的故事。\n",
        );
        assert_eq!(page_chrome(&toc).lines, [(0, Chrome::Navigation)]);
    }
}
