#!/usr/bin/env python3
"""Writes gold.json for each document under tests/fixtures/documents/ from the document's
*own* outline, never from narrate's output:

  - a PDF: its bookmarks (poppler's `pdftohtml -xml` <outline>);
  - an EPUB: its NCX navigation map (or EPUB 3 nav);
  - an HTML chapter: its h1-h4 headings;
  - a plain-text rendering of a document that also exists as PDF or HTML: the outline of
    that twin (named in SOURCES: "outline_from").

`never_spoken` strings (and `spoken_at_most_once`: text a listener may hear once, in the
body, but not again from a contents page or a caption) are chosen by hand per document (page furniture, contents lines,
banners, bylines) and kept in this script so that a rerun gives the same files.

Usage: scripts/documents/make_gold.py  (needs poppler-utils)
"""
import html
import html.parser
import json
import pathlib
import re
import subprocess
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2] / "tests/fixtures/documents"


def pdf_outline(path):
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-q", "-enc", "UTF-8", str(path)],
                         capture_output=True, text=True, check=True).stdout
    tail = xml[xml.find("<outline>"):] if "<outline>" in xml else ""
    return [html.unescape(re.sub(r"<[^>]+>", "", t)).strip()
            for t in re.findall(r"<item[^>]*>(.*?)</item>", tail, re.S)]


def pdf_title(path):
    info = subprocess.run(["pdfinfo", "-enc", "UTF-8", str(path)], capture_output=True, text=True).stdout
    m = re.search(r"^Title:\s*(.+)$", info, re.M)
    return m.group(1).strip() if m else None


def epub_outline(path):
    with zipfile.ZipFile(path) as z:
        ncx = next(n for n in z.namelist() if n.endswith(".ncx"))
        text = z.read(ncx).decode("utf-8")
        opf = next(n for n in z.namelist() if n.endswith(".opf"))
        title = re.search(r"<dc:title[^>]*>(.*?)</dc:title>", z.read(opf).decode("utf-8"), re.S)
    labels = re.findall(r"<navLabel>\s*<text>(.*?)</text>", text, re.S)
    return [html.unescape(l).strip() for l in labels], html.unescape(title.group(1)).strip() if title else None


class _Headings(html.parser.HTMLParser):
    """h1-h4 texts outside DocBook's navigation bars and table of contents."""

    SKIP = {"navheader", "navfooter", "toc"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, skipped)
        self.heading = None
        self.headings = []
        self.title = None
        self.in_title = False

    def skipping(self):
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "hr", "meta", "link", "col", "input"):
            return
        classes = (dict(attrs).get("class") or "").split()
        self.stack.append((tag, bool(self.SKIP.intersection(classes))))
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and not self.skipping():
            self.heading = ""
        if tag == "title":
            self.in_title = True

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self.heading is not None:
            text = " ".join(self.heading.split())
            if text:
                self.headings.append(text)
            self.heading = None
        if tag == "title":
            self.in_title = False
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.heading is not None:
            self.heading += data
        if self.in_title:
            self.title = " ".join(((self.title or "") + data).split())


def html_outline(path):
    parser = _Headings()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.headings, parser.title


def txt_contents(path):
    """The entries of a plain text's own table of contents (after 目录), wrapped entries joined."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, l in enumerate(lines) if l.strip() == "目录")
    entries = []
    for line in lines[start + 1:]:
        if not line.strip():
            if entries:
                break
            continue
        if re.match(r"^\s*\d+(\.\d+)*\.\s+\S", line):
            entries.append(line.strip())
        elif entries:
            entries[-1] += line.strip()
    return entries


def main():
    for folder in sorted(p for p in ROOT.iterdir() if p.is_dir()):
        spec = json.loads((folder / "source.json").read_text(encoding="utf-8"))
        outline_of = folder / spec.get("outline_from", spec["file"])
        kind = outline_of.suffix.lower()
        # a title given (or `null`: an extracted text that lost it) is not looked up
        titled = "title" in spec
        title = spec.get("title")
        if "sections" in spec:
            sections = spec["sections"]
        elif kind == ".pdf":
            sections = pdf_outline(outline_of)
            title = title if titled else pdf_title(outline_of)
        elif kind == ".epub":
            sections, t = epub_outline(outline_of)
            title = title if titled else t
        elif kind in (".html", ".htm", ".xhtml"):
            sections, t = html_outline(outline_of)
            title = title if titled else t
        elif kind == ".txt":
            sections = txt_contents(outline_of)
        else:
            raise SystemExit(f"{folder.name}: no outline source for {outline_of}")
        gold = {
            "file": spec["file"],
            "title": title,
            "sections": sections,
            "never_spoken": spec.get("never_spoken", []),
        }
        if "spoken_at_most_once" in spec:
            gold["spoken_at_most_once"] = spec["spoken_at_most_once"]
        (folder / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{folder.name}: {len(sections)} sections, title {title!r}")


if __name__ == "__main__":
    main()
