//! EPUB 2 and 3 → [`Document`].
//!
//! The archive is opened with the `zip` crate, its package files (container, OPF, NCX) read
//! with [`super::xml`], its content documents with the HTML reader ([`super::html`]), so an
//! EPUB chapter is read exactly like a saved web page: headings start sections, navigation,
//! footnote bodies, note references, ruby annotations and image alt text are not read.
//!
//! - Reading order is the spine (items marked `linear="no"` and the EPUB 3 navigation
//!   document left out).
//! - Title, author and language come from the OPF metadata.
//! - The table of contents (EPUB 3 nav, else the NCX) names a spine part whose text has no
//!   heading of its own; it is never read aloud.
//! - Each part's lines follow the previous part's, and [`Document::parts`] says which file
//!   a line is in.
//! - Hostile archives are bounded by [`super::archive`] (entries, bytes unpacked per file
//!   and in all: a zip bomb stops there), and a book
//!   whose text is encrypted (DRM) is refused with a sentence that says so; obfuscated fonts
//!   are fine.

use super::archive::{Archive, ArchiveError};
use super::notes::{self, NoteBody, NotePlacement};
use super::xml::Element;
use super::{collapse_whitespace, html};
use crate::text::{Document, LeftOut, Part, Warning};

/// Why an EPUB cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EpubError {
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(
        "the book is encrypted (DRM: {0}); narrate reads only books without DRM — export a DRM-free copy from the store or app that sold it"
    )]
    Encrypted(String),
    #[error(
        "no package document (OPF) found: META-INF/container.xml names none and no .opf file is in the archive"
    )]
    NoPackage,
    #[error("the spine lists no readable content documents")]
    EmptySpine,
}

/// Font obfuscation (IDPF, Adobe): encrypted resources that are fonts, not text.
const FONT_OBFUSCATION: [&str; 2] = [
    "http://www.idpf.org/2008/embedding",
    "http://ns.adobe.com/pdf/enc#RC",
];

/// Reads an EPUB from its bytes, its notes left out.
pub fn parse(bytes: &[u8]) -> Result<Document, EpubError> {
    parse_with(bytes, NotePlacement::Skip)
}

/// Reads an EPUB from its bytes, its footnotes and endnotes where `placement` says (a
/// note in a notes file at the back is read after the chapter that refers to it).
pub fn parse_with(bytes: &[u8], placement: NotePlacement) -> Result<Document, EpubError> {
    let mut archive = Archive::open(bytes, "META-INF/container.xml")?;
    archive.refuse_drm()?;
    let opf_path = archive.package_path()?;
    let opf = archive.xml(&opf_path)?;
    let base = parent(&opf_path);
    let package = opf.child("package").ok_or(EpubError::NoPackage)?;

    let mut document = Document::default();
    if let Some(metadata) = package.child("metadata") {
        let first = |name: &str| {
            metadata
                .descendants(name)
                .first()
                .map(|e| collapse_whitespace(&e.text()))
                .filter(|t| !t.is_empty())
        };
        document.title = first("title");
        document.language = first("language");
        let creators: Vec<String> = metadata
            .descendants("creator")
            .iter()
            .map(|e| collapse_whitespace(&e.text()))
            .filter(|t| !t.is_empty())
            .collect();
        if !creators.is_empty() {
            document.author = Some(creators.join("；"));
        }
    }

    // manifest: id → (path in the archive, media type, properties)
    let items: Vec<(String, String, String, String)> = package
        .child("manifest")
        .map(|m| {
            m.elements()
                .filter(|e| e.name == "item")
                .filter_map(|e| {
                    Some((
                        e.attribute("id")?.to_owned(),
                        join(&base, e.attribute("href")?),
                        e.attribute("media-type").unwrap_or_default().to_owned(),
                        e.attribute("properties").unwrap_or_default().to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let item = |id: &str| items.iter().find(|i| i.0 == id);
    let nav_path = items
        .iter()
        .find(|i| i.3.split_whitespace().any(|p| p == "nav"))
        .map(|i| i.1.clone());
    let spine = package.child("spine");
    let ncx_path = spine
        .and_then(|s| s.attribute("toc"))
        .and_then(item)
        .or_else(|| items.iter().find(|i| i.2 == "application/x-dtbncx+xml"))
        .map(|i| i.1.clone());

    let toc = match (&nav_path, &ncx_path) {
        (Some(nav), _) => archive.text(nav).map(|t| nav_entries(&t, &parent(nav))),
        (None, Some(ncx)) => archive.xml(ncx).map(|x| ncx_entries(&x, &parent(ncx))),
        (None, None) => Ok(Vec::new()),
    }
    .unwrap_or_else(|problem: ArchiveError| {
        document.warnings.push(Warning::new(
            1,
            format!("table of contents not read ({problem}); chapters come from headings"),
        ));
        Vec::new()
    });

    let spine_parts: Vec<String> = spine
        .map(|s| {
            s.elements()
                .filter(|e| e.name == "itemref" && e.attribute("linear") != Some("no"))
                .filter_map(|e| item(e.attribute("idref")?))
                .filter(|i| Some(&i.1) != nav_path.as_ref())
                .filter(|i| i.2.contains("html") || i.2.is_empty() || i.2.contains("xml"))
                .map(|i| i.1.clone())
                .collect()
        })
        .unwrap_or_default();
    if spine_parts.is_empty() {
        return Err(EpubError::EmptySpine);
    }

    let mut first_line = 1;
    // every part's note bodies (by `path#id`) and the references to them
    let mut note_bodies: Vec<NoteBody> = Vec::new();
    let mut note_references: Vec<(usize, String)> = Vec::new();
    for path in &spine_parts {
        let source = match archive.text(path) {
            Ok(source) => source,
            Err(problem @ (ArchiveError::Missing { .. } | ArchiveError::Decode { .. })) => {
                document
                    .warnings
                    .push(Warning::new(first_line, format!("not read: {problem}")));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let lines = source.lines().count().max(1);
        let listed_as = toc
            .iter()
            .find(|e| &e.path == path)
            .map(|e| e.title.as_str());
        if let Some(kind) = front_matter_page(&source, listed_as) {
            // a contents page in the reading order (converters put one there): the
            // navigation already gives the chapters, a listener does not need it read;
            // nor the publisher's copyright page
            let what = match kind {
                LeftOut::Contents => "table of contents",
                _ => "copyright page",
            };
            document.warnings.push(Warning::left_out(
                first_line,
                kind,
                format!("{what} not read aloud ({path})"),
            ));
            document.parts.push(Part {
                first_line,
                name: path.clone(),
            });
            first_line += lines;
            continue;
        }
        let (mut part, found) = html::parse_part(&source, placement, &anchors_in(&toc, path));
        let sections_before = document.sections.len();
        let folder = parent(path);
        note_references.extend(found.references.into_iter().map(|(section, href)| {
            let (file, id) = href.split_once('#').unwrap_or((&href, ""));
            let file = if file.is_empty() {
                path.clone()
            } else {
                join(&folder, file)
            };
            (sections_before + section, format!("{file}#{id}"))
        }));
        note_bodies.extend(found.bodies.into_iter().map(|body| NoteBody {
            id: format!("{path}#{}", body.id),
            line: body.line + first_line - 1,
            text: body.text,
        }));
        // a part that starts without a heading takes its name from the table of contents
        if let Some(first) = part.sections.first_mut()
            && first.title.is_none()
            && let Some(entry) = toc.iter().find(|e| &e.path == path)
            && !is_generated_name(&entry.title)
        {
            first.title = Some(entry.title.clone());
            // the name set as the part's first paragraph (`<p class="title">第一章</p>`)
            if first
                .paragraphs
                .first()
                .is_some_and(|p| html::same_words(&p.text, &entry.title))
            {
                first.paragraphs.remove(0);
            }
        }
        for section in &mut part.sections {
            section.line += first_line - 1;
            for paragraph in &mut section.paragraphs {
                paragraph.line += first_line - 1;
            }
        }
        for mut warning in part.warnings {
            warning.line += first_line - 1;
            document.warnings.push(warning);
        }
        document.parts.push(Part {
            first_line,
            name: path.clone(),
        });
        document.sections.extend(part.sections);
        first_line += lines;
    }
    if placement == NotePlacement::ChapterEnd {
        notes::place_at_chapter_ends(&mut document, &note_references, &note_bodies);
    }
    if document.title.is_none() {
        document.title = document.sections.first().and_then(|s| s.title.clone());
    }
    Ok(document)
}

/// What a content document is when it is not read: a table of contents (three or more
/// links into the book making 70% of its text; or, under a contents title, links making
/// half of it: [`LeftOut::Contents`]) or a copyright page (so named, or short with two
/// of ISBN, CIP, 定价, 印张 …: [`LeftOut::FrontMatter`]). `listed_as` is the navigation's
/// name for it.
fn front_matter_page(source: &str, listed_as: Option<&str>) -> Option<LeftOut> {
    let page = scraper::Html::parse_document(source);
    let body = scraper::Selector::parse("body").expect("a valid selector");
    let body = page.select(&body).next()?;
    let all: usize = body.text().map(html::letters).sum();
    let links = html::links_in(body, true);
    let (count, linked) = (links.len(), links.iter().sum::<usize>());
    let first_words = body
        .text()
        .map(str::trim)
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    let named = |test: fn(&str) -> bool| listed_as.is_some_and(test) || test(first_words);
    if (count >= 3 && linked * 10 >= all * 7)
        || (count >= 1 && linked * 2 >= all && named(super::outline::is_contents_title))
    {
        return Some(LeftOut::Contents);
    }
    let text: String = body.text().collect();
    let marks = super::imprint::marks_in(&text);
    (named(is_copyright_title) || (all < 1500 && marks >= 2)).then_some(LeftOut::FrontMatter)
}

/// `版权信息`, `版权页`, `Copyright`.
fn is_copyright_title(text: &str) -> bool {
    matches!(
        html::words(text).as_str(),
        "版权信息" | "版权页" | "版权声明" | "版权" | "copyright" | "copyrightpage"
    )
}

/// A navigation label a converter made from a file name (`Chapter_1`, `index_split_003`,
/// `part0004`), not a title.
fn is_generated_name(title: &str) -> bool {
    title.is_ascii()
        && title.contains(['_', '.'])
        && !title.contains(' ')
        && title.chars().any(|c| c.is_ascii_digit())
}

/// One entry of the table of contents.
#[derive(Debug, Clone, PartialEq)]
struct TocEntry {
    title: String,
    /// Archive path of the part it points to (without the `#fragment`).
    path: String,
    /// The element of the part it points to (`filepos25615` of `part.html#filepos25615`).
    fragment: Option<String>,
    /// How deep in the table it stands: 0 for a top entry.
    depth: u8,
}

impl TocEntry {
    fn new(title: String, href: &str, base: &str, depth: usize) -> Self {
        let (path, fragment) = href.split_once('#').unwrap_or((href, ""));
        TocEntry {
            title,
            path: join(base, path),
            fragment: Some(percent_decode(fragment)).filter(|f| !f.is_empty()),
            depth: depth.min(8) as u8,
        }
    }
}

/// The places inside `path` that the table of contents points to, where sections start
/// under its names: converters from MOBI set a chapter's title as a bold paragraph, and
/// only the contents says it is one.
fn anchors_in(toc: &[TocEntry], path: &str) -> Vec<html::Anchor> {
    let entries: Vec<&TocEntry> = toc.iter().filter(|e| e.path == path).collect();
    // the first entry on the whole part names it (see `parse_with`)
    let naming = entries.iter().position(|e| e.fragment.is_none());
    entries
        .iter()
        .enumerate()
        .filter(|&(k, e)| Some(k) != naming && !is_generated_name(&e.title))
        .map(|(_, e)| html::Anchor {
            id: e.fragment.clone(),
            title: e.title.clone(),
            level: e.depth + 1,
        })
        .collect()
}

/// Entries of an EPUB 3 navigation document's `toc` nav (or its first nav).
fn nav_entries(source: &str, base: &str) -> Vec<TocEntry> {
    let page = scraper::Html::parse_document(source);
    let navs = scraper::Selector::parse("nav").expect("a valid selector");
    let links = scraper::Selector::parse("a[href]").expect("a valid selector");
    let all: Vec<_> = page.select(&navs).collect();
    let toc = all
        .iter()
        .find(|n| {
            n.value()
                .attrs()
                .any(|(k, v)| k.ends_with("type") && v.split_whitespace().any(|t| t == "toc"))
        })
        .or(all.first());
    let Some(toc) = toc else { return Vec::new() };
    toc.select(&links)
        .filter_map(|a| {
            let href = a.value().attr("href")?;
            // the lists the link is in, below the nav's own
            let depth = a
                .ancestors()
                .filter_map(scraper::ElementRef::wrap)
                .take_while(|e| e.id() != toc.id())
                .filter(|e| e.value().name() == "ol" || e.value().name() == "ul")
                .count();
            let title = collapse_whitespace(&a.text().collect::<String>());
            Some(TocEntry::new(title, href, base, depth.saturating_sub(1)))
        })
        .filter(|e| !e.title.is_empty())
        .collect()
}

/// Entries of an EPUB 2 NCX navigation map, in order.
fn ncx_entries(ncx: &Element, base: &str) -> Vec<TocEntry> {
    fn points(parent: &Element, base: &str, depth: usize, into: &mut Vec<TocEntry>) {
        for point in parent.elements().filter(|e| e.name == "navPoint") {
            let title = point
                .child("navLabel")
                .map(|l| collapse_whitespace(&l.text()))
                .unwrap_or_default();
            if let Some(src) = point.child("content").and_then(|c| c.attribute("src"))
                && !title.is_empty()
            {
                into.push(TocEntry::new(title, src, base, depth));
            }
            points(point, base, depth + 1, into);
        }
    }
    let mut entries = Vec::new();
    for map in ncx.descendants("navMap") {
        points(map, base, 0, &mut entries);
    }
    entries
}

/// The EPUB-specific look into an archive: where the package is, whether it is DRM'd.
trait Book {
    fn package_path(&mut self) -> Result<String, EpubError>;
    fn refuse_drm(&mut self) -> Result<(), EpubError>;
}

impl Book for Archive<'_> {
    /// The OPF's path: from the container, else the first `.opf` in the archive.
    fn package_path(&mut self) -> Result<String, EpubError> {
        if self.has("META-INF/container.xml") {
            let container = self.xml("META-INF/container.xml")?;
            if let Some(path) = container
                .descendants("rootfile")
                .iter()
                .filter_map(|r| r.attribute("full-path"))
                .find(|p| p.ends_with(".opf"))
            {
                return Ok(path.to_owned());
            }
        }
        let prefix = self.prefix.clone();
        self.names()
            .filter(|n| n.ends_with(".opf"))
            .filter_map(|n| n.strip_prefix(prefix.as_str()))
            .min_by_key(|n| n.len())
            .map(str::to_owned)
            .ok_or(EpubError::NoPackage)
    }

    /// Refuses a book whose content (not just its fonts) is encrypted.
    fn refuse_drm(&mut self) -> Result<(), EpubError> {
        if self.has("META-INF/rights.xml") {
            return Err(EpubError::Encrypted(
                "META-INF/rights.xml (Adobe ADEPT)".into(),
            ));
        }
        if !self.has("META-INF/encryption.xml") {
            return Ok(());
        }
        let encryption = self.xml("META-INF/encryption.xml")?;
        for data in encryption.descendants("EncryptedData") {
            let method = data
                .child("EncryptionMethod")
                .and_then(|m| m.attribute("Algorithm"))
                .unwrap_or_default();
            if FONT_OBFUSCATION.contains(&method) {
                continue;
            }
            let target = data
                .descendants("CipherReference")
                .first()
                .and_then(|c| c.attribute("URI"))
                .unwrap_or("a file")
                .to_owned();
            let lower = target.to_ascii_lowercase();
            let font = [".ttf", ".otf", ".woff", ".woff2"]
                .iter()
                .any(|e| lower.ends_with(e));
            if !font {
                return Err(EpubError::Encrypted(format!(
                    "META-INF/encryption.xml encrypts {target}"
                )));
            }
        }
        Ok(())
    }
}

/// The folder of an archive path, with its trailing slash (`""` at the root).
fn parent(path: &str) -> String {
    match path.rfind('/') {
        Some(at) => path[..=at].to_owned(),
        None => String::new(),
    }
}

/// `href` (URL-encoded, maybe with `..`) relative to the folder `base`.
fn join(base: &str, href: &str) -> String {
    let href = percent_decode(href);
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for piece in href.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut k = 0;
    while k < bytes.len() {
        if bytes[k] == b'%'
            && let Some(hex) = text.get(k + 1..k + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            k += 3;
            continue;
        }
        out.push(bytes[k]);
        k += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::archive::MAX_PART_BYTES;
    use std::io::{Cursor, Write};

    /// An EPUB built in memory from (path, content) pairs, stored uncompressed.
    pub(crate) fn epub(files: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (path, content) in files {
            zip.start_file(*path, options).unwrap();
            zip.write_all(content.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    const CONTAINER: &str = r#"<?xml version="1.0"?><container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"#;

    fn opf(spine: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>呐喊</dc:title><dc:creator>鲁迅</dc:creator><dc:language>zh-CN</dc:language></metadata><manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/><item id="c1" href="text/c1.xhtml" media-type="application/xhtml+xml"/><item id="c2" href="text/c%202.xhtml" media-type="application/xhtml+xml"/><item id="notes" href="text/notes.xhtml" media-type="application/xhtml+xml"/></manifest><spine>{spine}</spine></package>"#
        )
    }

    const NAV: &str = r#"<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><body><nav epub:type="toc"><ol><li><a href="text/c1.xhtml">自序</a></li><li><a href="text/c%202.xhtml#x">狂人日记</a></li></ol></nav></body></html>"#;

    #[test]
    fn contents_and_copyright_pages_are_told_from_chapters() {
        let contents = r#"<html><body><div>目录</div><div><a href="c1.xhtml">第一章</a><a href="c2.xhtml">第二章</a><a href="c3.xhtml">第三章</a></div></body></html>"#;
        assert_eq!(front_matter_page(contents, None), Some(LeftOut::Contents));
        // two links under a contents title (a book in two volumes)
        let two = r#"<html><body><h1>总目录</h1><p><a href="a.html">纲鉴易知录（上册）</a></p><p><a href="b.html">纲鉴易知录（下册）</a></p></body></html>"#;
        assert_eq!(front_matter_page(two, None), Some(LeftOut::Contents));
        let copyright = "<html><body><p>红楼梦</p><p>开本：720×1280</p><p>定价：FREE</p><p>ISBN 978-7-02-000220-7</p></body></html>";
        assert_eq!(
            front_matter_page(copyright, None),
            Some(LeftOut::FrontMatter)
        );
        assert_eq!(
            front_matter_page(
                "<html><body><p>某某出版社</p></body></html>",
                Some("版权信息")
            ),
            Some(LeftOut::FrontMatter)
        );
        // a chapter with a few links (notes, cross references) is read
        let chapter = r#"<html><body><h1>第一章</h1><p>严冬一封锁了大地的时候，则大地满地裂着口。从南到北，从东到西，几尺长的，一丈长的。<a href="n.xhtml#1">注1</a></p><p>见<a href="c2.xhtml">第二章</a>，又见<a href="c3.xhtml">第三章</a>。</p></body></html>"#;
        assert_eq!(front_matter_page(chapter, Some("第一章")), None);
        assert!(is_generated_name("Chapter_1") && is_generated_name("index_split_003.html"));
        assert!(!is_generated_name("Chapter 1") && !is_generated_name("第一章"));
    }

    #[test]
    fn a_part_named_by_the_navigation_does_not_say_its_name_twice() {
        let data = epub(&[
            ("mimetype", "application/epub+zip"),
            ("META-INF/container.xml", CONTAINER),
            (
                "OEBPS/content.opf",
                &opf(r#"<itemref idref="nav"/><itemref idref="c1"/>"#),
            ),
            ("OEBPS/nav.xhtml", NAV),
            (
                "OEBPS/text/c1.xhtml",
                r#"<html><body><p class="title">自 序</p><p>我在年青时候也曾经做过许多梦。</p><p>本书由“ePUBw.COM”整理，ePUBw.COM 提供最新最全的优质电子书下载!!!</p></body></html>"#,
            ),
        ]);
        let doc = parse(&data).unwrap();
        let first = &doc.sections[0];
        assert_eq!(first.title.as_deref(), Some("自序"));
        let texts: Vec<&str> = first.paragraphs.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["我在年青时候也曾经做过许多梦。"]);
        assert!(
            doc.warnings.iter().any(|w| w.message.contains("banner")),
            "{:?}",
            doc.warnings
        );
    }

    /// Where the contents points into a part, a section starts there under its name,
    /// heading or not: calibre's conversions from MOBI set a chapter's title as a bold
    /// paragraph (`巴黎圣母院`, `苏东坡传`), DocBook puts the anchor in the heading (where
    /// the parser copies an unclosed `<a id/>` into what follows), and a contents may name
    /// one file twice without a fragment (a paragraph saying the name is where it starts).
    #[test]
    fn sections_start_where_the_contents_points_into_a_part() {
        let ncx = r#"<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/"><navMap>
            <navPoint><navLabel><text>第一卷</text></navLabel><content src="text/c1.xhtml"/>
              <navPoint><navLabel><text>一、司法宫大厅</text></navLabel><content src="text/c1.xhtml#filepos25615"/></navPoint>
              <navPoint><navLabel><text>二、皮埃尔·格兰古瓦</text></navLabel><content src="text/c1.xhtml#filepos63901"/></navPoint>
            </navPoint>
            <navPoint><navLabel><text>苏东坡传</text></navLabel><content src="text/c%202.xhtml"/></navPoint>
            <navPoint><navLabel><text>译者序</text></navLabel><content src="text/c%202.xhtml"/></navPoint>
            <navPoint><navLabel><text>致谢</text></navLabel><content src="text/c%202.xhtml#idm24"/></navPoint>
            </navMap></ncx>"#;
        let package = r#"<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="2.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>书</dc:title></metadata><manifest><item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/><item id="c1" href="text/c1.xhtml" media-type="application/xhtml+xml"/><item id="c2" href="text/c%202.xhtml" media-type="application/xhtml+xml"/></manifest><spine toc="ncx"><itemref idref="c1"/><itemref idref="c2"/></spine></package>"#;
        let data = epub(&[
            ("mimetype", "application/epub+zip"),
            ("META-INF/container.xml", CONTAINER),
            ("OEBPS/content.opf", package),
            ("OEBPS/toc.ncx", ncx),
            (
                "OEBPS/text/c1.xhtml",
                r#"<html><body><p class="c"><span class="bold">第一卷</span></p><p id="filepos25615"><span class="bold">一、司法宫大厅</span></p><p>三百四十八年前的今天，所有的教堂钟声齐鸣。</p><p>然而，那一天在历史上却是平淡无奇的日子。</p><p id="filepos63901"><span class="bold">二、皮埃尔·格兰古瓦</span></p><p>然而，当他发表演说时，观众的赞美之情渐渐消失。</p></body></html>"#,
            ),
            (
                "OEBPS/text/c 2.xhtml",
                r#"<html><body><p>译者序</p><p>过去童子时读古文，所读传记文字，都是短篇。</p><div class="section"><div class="titlepage"><h2 class="title"><a id="idm24"/>致谢</h2></div><p>很多人对文档做出了贡献。</p><p>此外还有许多译者。</p></div></body></html>"#,
            ),
        ]);
        let doc = parse(&data).unwrap();
        let outline: Vec<(Option<&str>, u8, Vec<&str>)> = doc
            .sections
            .iter()
            .map(|s| {
                let said = s.paragraphs.iter().map(|p| p.text.as_str()).collect();
                (s.title.as_deref(), s.level, said)
            })
            .collect();
        assert_eq!(
            outline,
            [
                (Some("第一卷"), 0, vec![]),
                (
                    Some("一、司法宫大厅"),
                    2,
                    vec![
                        "三百四十八年前的今天，所有的教堂钟声齐鸣。",
                        "然而，那一天在历史上却是平淡无奇的日子。"
                    ]
                ),
                (
                    Some("二、皮埃尔·格兰古瓦"),
                    2,
                    vec!["然而，当他发表演说时，观众的赞美之情渐渐消失。"]
                ),
                (
                    Some("译者序"),
                    1,
                    vec!["过去童子时读古文，所读传记文字，都是短篇。"]
                ),
                (
                    Some("致谢"),
                    2,
                    vec!["很多人对文档做出了贡献。", "此外还有许多译者。"]
                ),
            ]
        );
    }

    fn book() -> Vec<u8> {
        epub(&[
            ("mimetype", "application/epub+zip"),
            ("META-INF/container.xml", CONTAINER),
            (
                "OEBPS/content.opf",
                &opf(
                    r#"<itemref idref="nav"/><itemref idref="c1"/><itemref idref="c2"/><itemref idref="notes" linear="no"/>"#,
                ),
            ),
            ("OEBPS/nav.xhtml", NAV),
            (
                "OEBPS/text/c1.xhtml",
                "<html><body><p>我在年青时候也曾经做过许多梦。</p></body></html>",
            ),
            (
                "OEBPS/text/c 2.xhtml",
                r#"<html xmlns:epub="http://www.idpf.org/2007/ops"><body><h1 id="x">狂人日记</h1><p>今天晚上，很好的<ruby>月<rt>yuè</rt></ruby>光。<a epub:type="noteref" href="notes.xhtml#n1">1</a></p><aside epub:type="footnote" id="n1"><p>注释不读。</p></aside><p>我不见他，已是三十多年。<img alt="插图说明" src="a.png"/></p></body></html>"#,
            ),
            (
                "OEBPS/text/notes.xhtml",
                "<html><body><p>尾注不读。</p></body></html>",
            ),
        ])
    }

    /// Notes as real books keep them: calibre's notes file at the back with backlinks
    /// (白鹿原), a converter's `<a id=… href=…>[2]</a>` paragraphs (从晚清到民国), and Duokan's
    /// list at the chapter's end (红楼梦); references as `<sup>[1]</sup>`, a superscript
    /// number, a note icon.
    fn annotated_book() -> Vec<u8> {
        epub(&[
            ("mimetype", "application/epub+zip"),
            ("META-INF/container.xml", CONTAINER),
            (
                "OEBPS/content.opf",
                &opf(r#"<itemref idref="c1"/><itemref idref="c2"/><itemref idref="notes"/>"#),
            ),
            (
                "OEBPS/text/c1.xhtml",
                r##"<html><body><h2>第一章</h2><p>三姑娘就更苦了<a id="w1"></a><a href="notes.xhtml#m1"><sup class="calibre5">[1]</sup></a>。纽约与波斯顿<span class="math-super"><a id="z2" href="notes.xhtml#bz2">2</a></span>，间亦有之。见表<a href="#t2">2</a>。</p></body></html>"##,
            ),
            (
                "OEBPS/text/c 2.xhtml",
                r##"<html><body><h2>第二章<sup><a class="duokan-footnote" href="#jz_0" id="jzyy_0"><img src="../Images/note.png"/></a></sup></h2><p>一串钱<sup><a class="duokan-footnote" href="#jz_1" id="jzyy_1"><img src="../Images/note.png"/></a></sup>也没有。</p><ol class="duokan-footnote-content"><li class="duokan-footnote-item" id="jz_0"><p><a href="#jzyy_0">第二章──回目之注。</a></p></li><li class="duokan-footnote-item" id="jz_1"><p><a href="#jzyy_1">一串钱──即一千文制钱。</a>&#8203;</p></li></ol></body></html>"##,
            ),
            (
                "OEBPS/text/notes.xhtml",
                r##"<html><body><p class="note"><a id="m1"></a><a href="c1.xhtml#w1">[1]</a> 秦腔剧里的王宝钏排行为三。</p><p class="zhusi"><a id="bz2" href="c1.xhtml#z2">[2]</a>今译作波士顿——编者注。</p><p class="zhusi"><a id="bz3" href="c1.xhtml#z3">[3]</a>无人引用。</p></body></html>"##,
            ),
        ])
    }

    fn texts(doc: &Document) -> Vec<Vec<&str>> {
        doc.sections
            .iter()
            .map(|s| s.paragraphs.iter().map(|p| p.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn notes_are_left_out_and_their_marks_not_read() {
        let doc = parse(&annotated_book()).unwrap();
        assert_eq!(
            texts(&doc),
            [
                vec!["三姑娘就更苦了。纽约与波斯顿，间亦有之。见表2。"],
                vec!["一串钱也没有。"]
            ]
        );
        let notes: Vec<&str> = doc
            .warnings
            .iter()
            .filter(|w| w.left_out == Some(LeftOut::Footnote))
            .map(|w| w.message.as_str())
            .collect();
        assert_eq!(
            notes,
            [
                "2 footnote(s) or endnote(s) not read aloud",
                "3 footnote(s) or endnote(s) not read aloud"
            ]
        );
    }

    #[test]
    fn notes_can_be_read_at_the_end_of_the_chapter_that_refers_to_them() {
        let doc = parse_with(&annotated_book(), NotePlacement::ChapterEnd).unwrap();
        assert_eq!(
            texts(&doc),
            [
                vec![
                    "三姑娘就更苦了。纽约与波斯顿，间亦有之。见表2。",
                    "注：秦腔剧里的王宝钏排行为三。",
                    "注：今译作波士顿——编者注。"
                ],
                vec![
                    "一串钱也没有。",
                    "注：第二章──回目之注。",
                    "注：一串钱──即一千文制钱。"
                ]
            ]
        );
        assert_eq!(
            doc.sections[1].paragraphs[1].kind,
            crate::text::BlockKind::Note
        );
        // the note nothing refers to is said to be left out, where it is
        let unreferenced: Vec<_> = doc
            .warnings
            .iter()
            .filter(|w| w.left_out == Some(LeftOut::Footnote))
            .collect();
        assert_eq!(unreferenced.len(), 1, "{unreferenced:?}");
        assert!(
            unreferenced[0]
                .message
                .starts_with("1 note(s) that no chapter")
        );
        assert_eq!(
            doc.place(unreferenced[0].line),
            "OEBPS/text/notes.xhtml line 1"
        );
    }

    #[test]
    fn spine_order_toc_titles_and_metadata() {
        let doc = parse(&book()).unwrap();
        assert_eq!(doc.title.as_deref(), Some("呐喊"));
        assert_eq!(doc.author.as_deref(), Some("鲁迅"));
        assert_eq!(doc.language.as_deref(), Some("zh-CN"));
        let titles: Vec<_> = doc.sections.iter().map(|s| s.title.as_deref()).collect();
        assert_eq!(titles, [Some("自序"), Some("狂人日记")]);
        // the footnote body is left out and says so, with its kind
        assert!(
            doc.warnings
                .iter()
                .any(|w| w.left_out == Some(LeftOut::Footnote) && w.message.starts_with("1 foot")),
            "{:?}",
            doc.warnings
        );
        let text: Vec<&str> = crate::ingest::structure::tests::body(&doc)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(
            text,
            [
                "我在年青时候也曾经做过许多梦。",
                "今天晚上，很好的月光。",
                "我不见他，已是三十多年。"
            ]
        );
        assert_eq!(doc.parts.len(), 2);
        assert_eq!(doc.parts[1].name, "OEBPS/text/c 2.xhtml");
        assert_eq!(
            doc.place(doc.sections[1].line),
            "OEBPS/text/c 2.xhtml line 1"
        );
    }

    #[test]
    fn a_book_zipped_one_folder_too_deep_is_read() {
        let deep = epub(&[
            ("book/mimetype", "application/epub+zip"),
            ("book/META-INF/container.xml", CONTAINER),
            ("book/OEBPS/content.opf", &opf(r#"<itemref idref="c1"/>"#)),
            (
                "book/OEBPS/text/c1.xhtml",
                "<html><body><h2>一</h2><p>正文。</p></body></html>",
            ),
        ]);
        let doc = parse(&deep).unwrap();
        assert_eq!(doc.sections[0].title.as_deref(), Some("一"));
    }

    #[test]
    fn drm_is_refused_but_obfuscated_fonts_are_not() {
        let encryption = |algorithm: &str, uri: &str| {
            format!(
                r#"<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:EncryptionMethod Algorithm="{algorithm}"/><enc:CipherData><enc:CipherReference URI="{uri}"/></enc:CipherData></enc:EncryptedData></encryption>"#
            )
        };
        let with = |enc: String| {
            epub(&[
                ("mimetype", "application/epub+zip"),
                ("META-INF/container.xml", CONTAINER),
                ("META-INF/encryption.xml", &enc),
                ("OEBPS/content.opf", &opf(r#"<itemref idref="c1"/>"#)),
                (
                    "OEBPS/text/c1.xhtml",
                    "<html><body><p>正文。</p></body></html>",
                ),
            ])
        };
        let drm = with(encryption(
            "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
            "OEBPS/text/c1.xhtml",
        ));
        let err = parse(&drm).unwrap_err();
        assert!(matches!(err, EpubError::Encrypted(_)), "{err}");
        assert!(err.to_string().contains("DRM"), "{err}");
        let fonts = with(encryption(FONT_OBFUSCATION[0], "OEBPS/fonts/a.otf"));
        assert_eq!(parse(&fonts).unwrap().sections.len(), 1);
    }

    #[test]
    fn broken_archives_are_errors() {
        assert!(matches!(
            parse(b"PK\x03\x04garbage"),
            Err(EpubError::Archive(ArchiveError::Zip(_)))
        ));
        let no_package = epub(&[("mimetype", "application/epub+zip")]);
        assert!(matches!(parse(&no_package), Err(EpubError::NoPackage)));
        let mut cut = book();
        cut.truncate(cut.len() / 2);
        assert!(parse(&cut).is_err());
    }

    #[test]
    fn a_zip_bomb_stops_at_the_limit() {
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        for (path, content) in [
            ("mimetype", "application/epub+zip"),
            ("META-INF/container.xml", CONTAINER),
            ("OEBPS/content.opf", &opf(r#"<itemref idref="c1"/>"#)),
        ] {
            zip.start_file(path, deflated).unwrap();
            zip.write_all(content.as_bytes()).unwrap();
        }
        zip.start_file("OEBPS/text/c1.xhtml", deflated).unwrap();
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..(MAX_PART_BYTES >> 20) + 1 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
        let bytes = out.into_inner();
        assert!(bytes.len() < 1 << 20, "{} bytes packed", bytes.len());
        let err = parse(&bytes).unwrap_err();
        assert!(
            matches!(err, EpubError::Archive(ArchiveError::TooLarge { .. })),
            "{err}"
        );
    }

    #[test]
    fn hrefs_are_resolved_against_their_folder() {
        assert_eq!(join("OEBPS/", "text/c%201.xhtml"), "OEBPS/text/c 1.xhtml");
        assert_eq!(join("OEBPS/text/", "../images/a.png"), "OEBPS/images/a.png");
        assert_eq!(join("", "a.html"), "a.html");
    }
}
