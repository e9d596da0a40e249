//! Which part of a saved web page is the article: news sites and blogs wrap it in menus,
//! link lists, comment boxes, share buttons and footers that are not `nav` or `footer`
//! elements, and a listener must not hear them.
//!
//! The text is weighed where it is: every block of running text (a paragraph of 30 or
//! more characters with a comma or a full stop in it, and few of its characters in links;
//! not inside a block whose class or id says comment, sidebar, related …) adds its length
//! to each element around it. The article is the deepest element that
//! holds at least [`SHARE`] of that weight: on a news page the story's container (menus
//! and link lists weigh nothing, a comment or two little), on a documentation chapter or
//! an e-book part the whole body (its weight is spread over all of it), which changes
//! nothing there.

use std::collections::HashMap;

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Node};

/// The share of the page's running text the article holds.
const SHARE: f64 = 0.85;
/// Fewest characters in a block of running text.
const MIN_BLOCK_CHARS: usize = 30;

/// The article of a page: its element, and a title heading (`h1`) before it, outside it,
/// when the page has one. `None` when the article is the whole body or the page has no
/// running text.
pub(crate) struct Article {
    pub root: NodeId,
    pub heading: Option<NodeId>,
}

/// Finds the article of `page`, leaving out what `skipped` says is never read.
pub(crate) fn article(page: &Html, skipped: impl Fn(ElementRef) -> bool) -> Option<Article> {
    let mut weight: HashMap<NodeId, usize> = HashMap::new();
    let mut total = 0;
    for element in page
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        let Some(chars) = running_text(element) else {
            continue;
        };
        let ancestors: Vec<ElementRef> = element.ancestors().filter_map(ElementRef::wrap).collect();
        if skipped(element) || ancestors.iter().any(|&a| skipped(a) || is_chrome(a)) {
            continue;
        }
        total += chars;
        *weight.entry(element.id()).or_default() += chars;
        for a in ancestors {
            *weight.entry(a.id()).or_default() += chars;
        }
    }
    if total == 0 {
        return None;
    }
    let enough = (total as f64 * SHARE).ceil() as usize;
    // down from the root while one child holds enough, and what is beside it is not a
    // section of the same text (a heading with running text under it)
    let weighs = |e: &ElementRef| weight.get(&e.id()).copied().unwrap_or(0);
    let mut root = page.root_element();
    while let Some(child) = root
        .children()
        .filter_map(ElementRef::wrap)
        .find(|c| weighs(c) >= enough)
    {
        let beside_is_text = root
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|s| s.id() != child.id() && weighs(s) > 0)
            .any(|s| {
                s.descendants()
                    .filter_map(ElementRef::wrap)
                    .any(|e| is_heading(e.value().name()))
            });
        if beside_is_text {
            break;
        }
        root = child;
    }
    if matches!(root.value().name(), "html" | "body") {
        return None;
    }
    // the page's headline, when the article's container starts below it
    let inside = |e: ElementRef| e.ancestors().any(|a| a.id() == root.id());
    // the last before the article: a site's logo is an h1 too, further up
    let heading = page
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
        .take_while(|e| e.id() != root.id())
        .filter(|e| e.value().name() == "h1" && !inside(*e) && !skipped(*e))
        .last()
        .map(|e| e.id());
    Some(Article {
        root: root.id(),
        heading,
    })
}

/// The length of `element`'s running text when it is a block of it: its own text (text
/// nodes and inline children, not blocks inside it) of [`MIN_BLOCK_CHARS`] or more, with
/// a comma or full stop, less than a third of it in links.
fn running_text(element: ElementRef) -> Option<usize> {
    let name = element.value().name();
    if !matches!(
        name,
        "p" | "div" | "td" | "li" | "blockquote" | "dd" | "section" | "article" | "span" | "font"
    ) {
        return None;
    }
    let (mut chars, mut linked, mut marks) = (0usize, 0usize, 0usize);
    for child in element.children() {
        match child.value() {
            Node::Text(text) => {
                chars += text.chars().filter(|c| !c.is_whitespace()).count();
                marks += text.chars().filter(|c| "，。；！？,.".contains(*c)).count();
            }
            Node::Element(e) if is_inline(e.name()) => {
                let Some(inline) = ElementRef::wrap(child) else {
                    continue;
                };
                let text: String = inline.text().collect();
                let n = text.chars().filter(|c| !c.is_whitespace()).count();
                chars += n;
                marks += text.chars().filter(|c| "，。；！？,.".contains(*c)).count();
                if e.name() == "a" {
                    linked += n;
                }
            }
            _ => {}
        }
    }
    (chars >= MIN_BLOCK_CHARS && marks > 0 && linked * 3 < chars).then_some(chars)
}

/// A block whose class or id says it is the site's, not the article's (comment boxes,
/// sidebars, related-story lists): its text does not count as the article's.
fn is_chrome(element: ElementRef) -> bool {
    const HINTS: [&str; 14] = [
        "comment",
        "sidebar",
        "side-bar",
        "widget",
        "footer",
        "header",
        "menu",
        "related",
        "recommend",
        "share",
        "advert",
        "promo",
        "breadcrumb",
        "nav",
    ];
    let value = element.value();
    value.classes().chain(value.id()).any(|name| {
        let name = name.to_ascii_lowercase();
        HINTS.iter().any(|h| name.contains(h))
    })
}

/// `h1` … `h6`.
pub(crate) fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// Inline elements: their text belongs to the block around them (the HTML reader's list
/// too).
pub(crate) fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "a" | "abbr"
            | "b"
            | "bdi"
            | "bdo"
            | "cite"
            | "code"
            | "data"
            | "dfn"
            | "em"
            | "i"
            | "kbd"
            | "mark"
            | "q"
            | "ruby"
            | "s"
            | "samp"
            | "small"
            | "span"
            | "strong"
            | "sub"
            | "sup"
            | "time"
            | "u"
            | "var"
            | "wbr"
            | "br"
            | "img"
            | "font"
            | "tt"
            | "acronym"
            | "big"
            | "strike"
            | "ins"
            | "del"
            | "label"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(page: &Html, id: NodeId) -> String {
        let e = ElementRef::wrap(page.tree.get(id).unwrap()).unwrap();
        format!(
            "{}#{}",
            e.value().name(),
            e.value().attr("id").unwrap_or_default()
        )
    }

    const STORY: &str = "宇航员在太空中喝酒会怎么样？后果很严重，科学家这样解释了原因。";

    #[test]
    fn a_news_story_is_found_among_menus_link_lists_and_a_footer() {
        let para = |n: usize| format!("<p>{}</p>", STORY.repeat(n));
        let source = format!(
            r#"<html><body><div id="top"><a href="/">首页</a>|<a href="/n">新闻</a>|<a href="/p">图片</a></div>
            <div id="wrap"><h1 id="headline">宇航员在太空中喝酒会怎么样？</h1>
            <div id="story">{}{}{}</div>
            <div id="side"><h3>热评文章</h3><ul><li><a href="/1">某篇文章的标题很长很长很长很长，很长很长</a></li></ul></div></div>
            <div id="foot">关于腾讯 | About Tencent | 服务协议 | 客服中心</div></body></html>"#,
            para(2),
            para(3),
            para(1)
        );
        let page = Html::parse_document(&source);
        let found = article(&page, |_| false).unwrap();
        assert_eq!(name_of(&page, found.root), "div#story");
        assert_eq!(
            found.heading.map(|h| name_of(&page, h)).as_deref(),
            Some("h1#headline")
        );
    }

    #[test]
    fn a_chapter_whose_text_fills_the_body_is_read_whole() {
        let source = format!(
            "<html><body><div class=\"chapter\"><h1>第一章</h1><div class=\"section\"><h2>1.1</h2><p>{STORY}</p></div><div class=\"section\"><h2>1.2</h2><p>{STORY}</p></div></div></body></html>"
        );
        let page = Html::parse_document(&source);
        // the chapter's div holds it all, but the sections share it: the chapter is read
        let found = article(&page, |_| false).unwrap();
        assert_eq!(name_of(&page, found.root), "div#");
        assert!(found.heading.is_none());
        // one long section beside short ones: the chapter, not the long section
        let uneven = format!(
            "<html><body><div class=\"chapter\"><h1>第一章</h1><div class=\"section\"><h2>1.1</h2><p>{}</p></div><div class=\"section\"><h2>1.2</h2><p>{STORY}</p></div></div></body></html>",
            STORY.repeat(20)
        );
        let page = Html::parse_document(&uneven);
        let found = article(&page, |_| false).unwrap();
        assert_eq!(name_of(&page, found.root), "div#");
        assert_eq!(
            ElementRef::wrap(page.tree.get(found.root).unwrap())
                .unwrap()
                .value()
                .attr("class"),
            Some("chapter")
        );
        // a page of links only has no article
        let links = Html::parse_document(
            r#"<html><body><a href="/1">一</a><a href="/2">二</a></body></html>"#,
        );
        assert!(article(&links, |_| false).is_none());
    }
}
