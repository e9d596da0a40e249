//! DOCX (Word) → [`Document`]: headings from paragraph styles.
//!
//! `word/document.xml` is read paragraph by paragraph. A paragraph is a heading when its
//! style (looked up in `word/styles.xml`, following `basedOn`) is a built-in heading
//! (`heading 1`…`heading 9`, in any UI language's style id such as `1` or `标题1`) or
//! carries an outline level; the `Title` style gives the document title. Tables are
//! skipped with a warning, and so are tables of contents; footnotes and endnotes
//! (`word/footnotes.xml`, `endnotes.xml`) are left out with a warning, or read at the end of
//! the chapter that refers to them ([`NotePlacement::ChapterEnd`]); comments, headers and
//! footers are not read. Core properties (`docProps/core.xml`) give title and author.

use super::archive::{Archive, ArchiveError};
use super::notes::{self, NoteBody, NotePlacement};
use super::xml::{Element, Node};
use crate::text::{BlockKind, Document, LeftOut, Paragraph, Section, Warning};

/// Why a DOCX cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error("word/document.xml has no body")]
    NoBody,
}

/// What a paragraph style makes of a paragraph.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Title,
    Heading(u8),
    Body,
}

/// Reads a DOCX from its bytes, its notes left out.
pub fn parse(bytes: &[u8]) -> Result<Document, DocxError> {
    parse_with(bytes, NotePlacement::Skip)
}

/// Reads a DOCX from its bytes, its footnotes and endnotes (`word/footnotes.xml`,
/// `word/endnotes.xml`) where `placement` says.
pub fn parse_with(bytes: &[u8], placement: NotePlacement) -> Result<Document, DocxError> {
    let mut archive = Archive::open(bytes, "word/document.xml")?;
    let styles = match archive.xml("word/styles.xml") {
        Ok(styles) => styles,
        Err(ArchiveError::Missing { .. }) => Element::default(),
        Err(e) => return Err(e.into()),
    };
    let document_xml = archive.xml("word/document.xml")?;
    let body = document_xml
        .descendants("body")
        .into_iter()
        .next()
        .ok_or(DocxError::NoBody)?;

    let mut doc = Document::default();
    if let Ok(core) = archive.xml("docProps/core.xml") {
        let first = |name: &str| {
            core.descendants(name)
                .first()
                .map(|e| e.text().trim().to_owned())
                .filter(|t| !t.is_empty())
        };
        doc.title = first("title");
        doc.author = first("creator");
        doc.language = first("language");
    }
    // notes by `f<id>` / `e<id>`, and the references to them: (section, note)
    let mut bodies: Vec<NoteBody> = Vec::new();
    for (part, prefix) in [("word/footnotes.xml", 'f'), ("word/endnotes.xml", 'e')] {
        match archive.xml(part) {
            Ok(notes) => bodies.extend(note_bodies(&notes, prefix)),
            Err(ArchiveError::Missing { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // each body by its id (the first of a repeated id), looked up for every reference
    let body_at: std::collections::HashMap<String, usize> = bodies
        .iter()
        .enumerate()
        .rev()
        .map(|(at, b)| (b.id.clone(), at))
        .collect();
    let mut references: Vec<(usize, String)> = Vec::new();
    let mut current: Option<Section> = None;
    let mut tables = 0usize;
    let mut contents = 0usize;
    let blocks: Vec<&Element> = body.elements().collect();
    for (k, block) in blocks.iter().enumerate() {
        let line = k + 1;
        match block.name.as_str() {
            "tbl" => tables += 1,
            "p" => {
                let text = paragraph_text(block);
                if text.is_empty() {
                    continue;
                }
                // a table of contents: its entries, and its title right above them
                let entry_follows = || {
                    blocks[k + 1..]
                        .iter()
                        .find(|b| b.name != "p" || !paragraph_text(b).is_empty())
                        .is_some_and(|next| is_contents_entry(next, &styles))
                };
                if is_contents_entry(block, &styles)
                    || (super::outline::is_contents_title(&text) && entry_follows())
                {
                    contents += 1;
                    continue;
                }
                let kind = block_kind(block, &styles);
                match role(block, &styles) {
                    Role::Title if doc.title.is_none() => doc.title = Some(text),
                    role @ (Role::Title | Role::Heading(_)) => {
                        if let Some(done) = current.take() {
                            doc.sections.push(done);
                        }
                        let level = match role {
                            Role::Heading(level) => level,
                            _ => 1,
                        };
                        current = Some(Section::headed(text, level, line));
                    }
                    Role::Body => current
                        .get_or_insert_with(|| Section::untitled(line))
                        .paragraphs
                        .push(Paragraph::of_kind(kind, text, line)),
                }
                // the notes it refers to belong to the section it is in, and are said
                // to be on its line
                let section = doc.sections.len();
                for (name, prefix) in [("footnoteReference", 'f'), ("endnoteReference", 'e')] {
                    for r in block.descendants(name) {
                        let id = format!("{prefix}{}", r.attribute("id").unwrap_or_default());
                        if let Some(&at) = body_at.get(&id)
                            && bodies[at].line == 0
                        {
                            bodies[at].line = line;
                        }
                        references.push((section, id));
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(done) = current.take() {
        doc.sections.push(done);
    }
    for body in &mut bodies {
        body.line = body.line.max(1);
    }
    match placement {
        NotePlacement::ChapterEnd => notes::place_at_chapter_ends(&mut doc, &references, &bodies),
        NotePlacement::Skip if !bodies.is_empty() => doc.warnings.push(Warning::left_out(
            1,
            LeftOut::Footnote,
            format!("{} footnote(s) or endnote(s) not read aloud", bodies.len()),
        )),
        NotePlacement::Skip => {}
    }
    if contents > 0 {
        doc.warnings.push(Warning::left_out(
            1,
            LeftOut::Contents,
            format!("table of contents ({contents} paragraphs) not read aloud"),
        ));
    }
    if tables > 0 {
        doc.warnings.push(Warning::left_out(
            1,
            LeftOut::Table,
            format!("{tables} table(s) not read aloud (a listener cannot follow cells)"),
        ));
    }
    Ok(doc)
}

/// The notes of `word/footnotes.xml` or `word/endnotes.xml` (not the separators Word
/// keeps there), each as `prefix` + its id with its paragraphs' text.
fn note_bodies(notes: &Element, prefix: char) -> Vec<NoteBody> {
    let name = if prefix == 'f' { "footnote" } else { "endnote" };
    notes
        .descendants(name)
        .into_iter()
        .filter(|n| n.attribute("type").is_none_or(|t| t == "normal"))
        .filter_map(|n| {
            let text: Vec<String> = n
                .descendants("p")
                .iter()
                .map(|p| paragraph_text(p))
                .filter(|t| !t.is_empty())
                .collect();
            (!text.is_empty()).then(|| NoteBody {
                id: format!("{prefix}{}", n.attribute("id").unwrap_or_default()),
                text: text.join(" "),
                // the line of the paragraph that first refers to it, once read
                line: 0,
            })
        })
        .collect()
}

/// The text of a paragraph: its runs' `w:t`, tabs and breaks as spaces; deleted text
/// (`w:del`) and field codes (`w:instrText`) left out.
fn paragraph_text(p: &Element) -> String {
    let mut out = String::new();
    let mut stack: Vec<&Node> = p.children.iter().rev().collect();
    while let Some(node) = stack.pop() {
        let Node::Element(e) = node else { continue };
        match e.name.as_str() {
            "t" => out.push_str(&e.text()),
            "tab" | "br" | "cr" => out.push(' '),
            "del" | "instrText" | "delText" | "pPr" | "rPr" | "footnoteReference"
            | "endnoteReference" | "commentReference" => {}
            _ => stack.extend(e.children.iter().rev()),
        }
    }
    super::collapse_whitespace(&out)
}

fn role(p: &Element, styles: &Element) -> Role {
    let properties = p.child("pPr");
    if let Some(level) = properties
        .and_then(|pr| pr.child("outlineLvl"))
        .and_then(|o| o.attribute("val"))
        .and_then(|v| v.parse::<u8>().ok())
        && level < 9
    {
        return Role::Heading(level + 1);
    }
    let Some(style) = properties
        .and_then(|pr| pr.child("pStyle"))
        .and_then(|s| s.attribute("val"))
    else {
        return Role::Body;
    };
    style_role(style, styles, 0)
}

/// A list paragraph (numbering properties, or a List style) or a quotation (a Quote
/// style); else running text.
fn block_kind(p: &Element, styles: &Element) -> BlockKind {
    let properties = p.child("pPr");
    if properties.and_then(|pr| pr.child("numPr")).is_some() {
        return BlockKind::ListItem;
    }
    let name = style_name(p, styles);
    if name.contains("list") || name.contains("列表") {
        BlockKind::ListItem
    } else if name.contains("quote") || name.contains("引用") {
        BlockKind::Quote
    } else {
        BlockKind::Paragraph
    }
}

/// The name of a paragraph's style (`heading 1`, `toc 2`, `List Paragraph`), lower case;
/// its id when `styles.xml` does not name it.
fn style_name(p: &Element, styles: &Element) -> String {
    let style = p
        .child("pPr")
        .and_then(|pr| pr.child("pStyle"))
        .and_then(|s| s.attribute("val"))
        .unwrap_or_default();
    styles
        .descendants("style")
        .into_iter()
        .find(|s| s.attribute("styleId") == Some(style))
        .and_then(|d| d.child("name"))
        .and_then(|n| n.attribute("val"))
        .unwrap_or(style)
        .to_lowercase()
}

/// An entry of a table of contents: a paragraph in a contents style (Word's `toc 1`…,
/// LibreOffice's `Contents 1`…), or one that is all a link to a place in the document (a
/// `w:hyperlink` with an anchor, a `HYPERLINK \l` field: runs styled as links).
fn is_contents_entry(p: &Element, styles: &Element) -> bool {
    let name = style_name(p, styles);
    let compact: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    let numbered = |prefix: &str| {
        compact
            .strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    if numbered("toc") || numbered("contents") || numbered("目录") {
        return true;
    }
    let local_link = p
        .descendants("hyperlink")
        .iter()
        .any(|h| h.attribute("anchor").is_some())
        || p.descendants("instrText").iter().any(|i| {
            let code = i.text();
            code.contains("HYPERLINK") && code.contains("\\l") || code.contains("PAGEREF")
        });
    if !local_link {
        return false;
    }
    // every run with text is a link's
    let linked: Vec<&Element> = p
        .descendants("hyperlink")
        .into_iter()
        .flat_map(|h| h.descendants("r"))
        .collect();
    p.descendants("r")
        .into_iter()
        .filter(|r| {
            r.descendants("t")
                .iter()
                .any(|t| !t.text().trim().is_empty())
        })
        .all(|r| {
            linked.iter().any(|l| std::ptr::eq(*l, r))
                || r.child("rPr")
                    .and_then(|pr| pr.child("rStyle"))
                    .and_then(|s| s.attribute("val"))
                    .is_some_and(|s| s.to_lowercase().contains("link"))
        })
}

/// The role of style `id`, following `basedOn` a few steps.
fn style_role(id: &str, styles: &Element, depth: usize) -> Role {
    let definition = styles
        .descendants("style")
        .into_iter()
        .find(|s| s.attribute("styleId") == Some(id));
    let name = definition
        .and_then(|d| d.child("name"))
        .and_then(|n| n.attribute("val"))
        .unwrap_or(id)
        .to_lowercase();
    if let Some(role) = role_by_name(&name).or_else(|| role_by_name(&id.to_lowercase())) {
        return role;
    }
    if let Some(level) = definition
        .and_then(|d| d.child("pPr"))
        .and_then(|pr| pr.child("outlineLvl"))
        .and_then(|o| o.attribute("val"))
        .and_then(|v| v.parse::<u8>().ok())
        && level < 9
    {
        return Role::Heading(level + 1);
    }
    match definition
        .and_then(|d| d.child("basedOn"))
        .and_then(|b| b.attribute("val"))
    {
        Some(parent) if depth < 8 => style_role(parent, styles, depth + 1),
        _ => Role::Body,
    }
}

/// `heading 2`, `Heading2`, `标题 2`, `2` (a Chinese Word's style id), `title`, `标题`.
fn role_by_name(name: &str) -> Option<Role> {
    let compact: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    if compact == "title" || compact == "标题" {
        return Some(Role::Title);
    }
    let level = ["heading", "标题", ""]
        .iter()
        .find_map(|prefix| compact.strip_prefix(prefix))
        .and_then(|n| n.parse::<u8>().ok())
        .filter(|n| (1..=9).contains(n))?;
    Some(Role::Heading(level))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn docx(document: &str, styles: &str) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default();
        for (path, content) in [
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", document),
            ("word/styles.xml", styles),
            (
                "docProps/core.xml",
                r#"<cp:coreProperties xmlns:cp="x" xmlns:dc="y"><dc:title>年度报告</dc:title><dc:creator>张三</dc:creator></cp:coreProperties>"#,
            ),
        ] {
            zip.start_file(path, options).unwrap();
            zip.write_all(content.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    fn p(style: &str, text: &str) -> String {
        format!(
            r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    }

    #[test]
    fn headings_come_from_styles_and_tables_are_skipped() {
        let styles = r#"<w:styles><w:style w:styleId="1"><w:name w:val="heading 1"/></w:style><w:style w:styleId="MyHead"><w:name w:val="My Head"/><w:basedOn w:val="1"/></w:style></w:styles>"#;
        let body = [
            p("Title", "封面标题"),
            p("1", "第一章 概况"),
            r#"<w:p><w:r><w:t xml:space="preserve">今年收入</w:t></w:r><w:r><w:t>增长。</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p>"#.into(),
            "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>单元格</w:t></w:r></w:p></w:tc></w:tr></w:tbl>".into(),
            p("MyHead", "第二章 展望"),
            r#"<w:p><w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:r><w:t>二、细则</w:t></w:r></w:p>"#.into(),
            p("Normal", "明年再接再厉。"),
        ]
        .concat();
        let document =
            format!(r#"<w:document xmlns:w="w"><w:body>{body}<w:sectPr/></w:body></w:document>"#);
        let doc = parse(&docx(&document, styles)).unwrap();
        assert_eq!(doc.title.as_deref(), Some("年度报告"));
        assert_eq!(doc.author.as_deref(), Some("张三"));
        let titles: Vec<_> = doc.sections.iter().map(|s| s.title.as_deref()).collect();
        assert_eq!(
            titles,
            [
                Some("封面标题"),
                Some("第一章 概况"),
                Some("第二章 展望"),
                Some("二、细则")
            ]
        );
        assert_eq!(doc.sections[1].paragraphs[0].text, "今年收入增长。");
        assert!(doc.warnings[0].message.contains("1 table"));
        let all: String = doc
            .sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .map(|p| p.text.clone())
            .collect();
        assert!(!all.contains("单元格"));
    }

    /// Contents as Word writes them (`toc 1` styles with PAGEREF fields) and as LibreOffice
    /// writes a web page's (a bold 目录 over paragraphs of local `HYPERLINK \l` fields).
    #[test]
    fn tables_of_contents_are_not_read() {
        let styles = r#"<w:styles><w:style w:styleId="1"><w:name w:val="heading 1"/></w:style><w:style w:styleId="TOC1"><w:name w:val="toc 1"/></w:style></w:styles>"#;
        let link = |text: &str| {
            format!(
                r#"<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:rPr><w:rStyle w:val="InternetLink"/></w:rPr><w:instrText xml:space="preserve"> HYPERLINK "a.html" \l "s1"</w:instrText></w:r><w:r><w:rPr><w:rStyle w:val="InternetLink"/></w:rPr><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:rPr><w:rStyle w:val="InternetLink"/></w:rPr><w:t>{text}</w:t></w:r><w:r><w:rPr><w:rStyle w:val="InternetLink"/></w:rPr><w:fldChar w:fldCharType="end"/></w:r></w:p>"#
            )
        };
        let body = [
            p("Normal", "目录"),
            link("1.1. 概述"),
            link("1.2. 安装"),
            p("TOC1", "第一章 概况 3"),
            p("1", "1.1. 概述"),
            // a sentence with a link in it is text
            format!(
                r#"<w:p><w:r><w:t>详见</w:t></w:r>{}</w:p>"#,
                r#"<w:hyperlink w:anchor="s2"><w:r><w:t>安装</w:t></w:r></w:hyperlink>"#
            ),
            p("1", "1.2. 安装"),
            p("Normal", "运行安装程序。"),
        ]
        .concat();
        let document =
            format!(r#"<w:document xmlns:w="w"><w:body>{body}<w:sectPr/></w:body></w:document>"#);
        let doc = parse(&docx(&document, styles)).unwrap();
        let titles: Vec<_> = doc.sections.iter().map(|s| s.title.as_deref()).collect();
        assert_eq!(titles, [Some("1.1. 概述"), Some("1.2. 安装")]);
        let texts: Vec<_> = doc
            .sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(texts, ["详见安装", "运行安装程序。"]);
        assert_eq!(doc.warnings[0].left_out, Some(LeftOut::Contents));
        assert!(
            doc.warnings[0].message.contains("4 paragraphs"),
            "{:?}",
            doc.warnings
        );
    }

    /// Footnotes as pandoc writes them (tests/fixtures/docx/footnotes.md → .docx):
    /// `word/footnotes.xml` with Word's separators, references in the runs.
    #[test]
    fn footnotes_are_left_out_or_read_at_the_end_of_their_chapter() {
        let bytes = include_bytes!("../../tests/fixtures/docx/footnotes.docx");
        let said = |doc: &Document| -> Vec<Vec<String>> {
            doc.sections
                .iter()
                .map(|s| s.paragraphs.iter().map(|p| p.text.clone()).collect())
                .collect()
        };
        let skipped = parse(bytes).unwrap();
        assert_eq!(
            said(&skipped),
            [["清晨，我们从上海出发，走了三公里。"], ["傍晚到了杭州。"]]
        );
        assert!(
            skipped
                .warnings
                .iter()
                .any(|w| w.left_out == Some(LeftOut::Footnote)
                    && w.message.starts_with("2 footnote"))
        );
        let placed = parse_with(bytes, NotePlacement::ChapterEnd).unwrap();
        assert_eq!(
            said(&placed),
            [
                [
                    "清晨，我们从上海出发，走了三公里。",
                    "注：上海，中国最大的城市。"
                ],
                ["傍晚到了杭州。", "注：杭州，浙江省省会。"]
            ]
        );
        // a note is placed where it is referred to
        let note = &placed.sections[1].paragraphs[1];
        assert_eq!(note.line, placed.sections[1].paragraphs[0].line);
    }

    #[test]
    fn heading_levels_list_items_and_quotes_are_kept() {
        let styles = r#"<w:styles><w:style w:styleId="2"><w:name w:val="heading 2"/></w:style><w:style w:styleId="Q"><w:name w:val="Intense Quote"/></w:style></w:styles>"#;
        let body = [
            p("2", "一、细则"),
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>第一项</w:t></w:r></w:p>"#.into(),
            p("Q", "学而时习之。"),
            p("Normal", "正文。"),
        ]
        .concat();
        let document =
            format!(r#"<w:document xmlns:w="w"><w:body>{body}<w:sectPr/></w:body></w:document>"#);
        let doc = parse(&docx(&document, styles)).unwrap();
        assert_eq!(doc.sections[0].level, 2);
        let kinds: Vec<_> = doc.sections[0].paragraphs.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [BlockKind::ListItem, BlockKind::Quote, BlockKind::Paragraph]
        );
    }

    #[test]
    fn a_zip_without_a_body_is_an_error() {
        let err = parse(&docx("<w:document/>", "<w:styles/>")).unwrap_err();
        assert!(matches!(err, DocxError::NoBody), "{err}");
    }
}
