#!/usr/bin/env python3
"""Lays out the seed newspaper page's two articles as a two-page, three-column newspaper in
LibreOffice (flat ODF in, PDF out), for tests/fixtures/documents/newspaper-lo-pdf.

The text is the seed's (../shared/seed, as narrate reads it, digits lost in its extraction
left lost); the layout is a daily's: a running header with date, weekday, page name and
版 number; a headline across the page over a byline; three justified columns with
indented paragraphs; subheads in bold; a picture box with a caption and its credit; a
source line at the foot. No PDF of the real page could be fetched here: this tests the
PDF reader on a real layout engine's columns, furniture and captions, not on a real
newspaper's PDF.

Usage: scripts/documents/make_newspaper_pdf.py PARAGRAPHS.json OUT_DIR
  PARAGRAPHS.json: [{"title": …, "paras": […]}, …] (the seed's sections; see the README)
Needs: soffice (libreoffice-writer-nogui) and fonts-noto-cjk.
"""
import html
import json
import pathlib
import subprocess
import sys

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"')


def text_style(name, size, bold=False, family="Noto Serif CJK SC", align="justify", indent="0pt",
               above="0pt", below="0pt", extra=""):
    weight = ' fo:font-weight="bold" style:font-weight-asian="bold"' if bold else ""
    return (f'<style:style style:name="{name}" style:family="paragraph"{extra}>'
            f'<style:paragraph-properties fo:text-align="{align}" fo:text-indent="{indent}" '
            f'fo:margin-top="{above}" fo:margin-bottom="{below}" fo:line-height="130%"/>'
            f'<style:text-properties style:font-name="{family}" style:font-name-asian="{family}" '
            f'fo:font-size="{size}" style:font-size-asian="{size}"{weight}/></style:style>')


def p(style, text):
    return f'<text:p text:style-name="{style}">{html.escape(text)}</text:p>'


def main():
    sections = json.loads(pathlib.Path(sys.argv[1]).read_text(encoding="utf-8"))
    out = pathlib.Path(sys.argv[2])
    first, rest = sections[0], sections[1:]
    styles = "".join([
        text_style("Body", "10.5pt", indent="21pt"),
        text_style("Headline", "30pt", bold=True, family="Noto Sans CJK SC", align="center", below="8pt"),
        text_style("Headline2", "26pt", bold=True, family="Noto Sans CJK SC", align="center", below="4pt",
                   extra=' style:master-page-name="Standard"'),
        text_style("Subtitle", "16pt", family="Noto Sans CJK SC", align="center", below="6pt"),
        text_style("Byline", "11pt", family="Noto Sans CJK SC", align="center", below="10pt"),
        text_style("Subhead", "13pt", bold=True, family="Noto Sans CJK SC", align="center", above="8pt", below="4pt"),
        text_style("Caption", "9pt", family="Noto Sans CJK SC", align="left", above="3pt", below="8pt"),
        text_style("Header", "9pt", family="Noto Sans CJK SC", align="left"),
        text_style("Source", "9pt", family="Noto Sans CJK SC", align="right", above="10pt"),
    ])
    body = [p("Headline", first["title"]), p("Byline", "本报评论员"),
            '<text:section text:style-name="Cols" text:name="A1">']
    body += [p("Body", t) for t in first["paras"]]
    body += ['</text:section>',
             p("Headline2", "习近平总书记重要讲话持续引发干部群众热烈反响"),
             p("Subtitle", "共筑标杆 共谋创新 共享服务"),
             '<text:section text:style-name="Cols" text:name="A2">',
             # a picture box with its caption and credit
             '<text:p text:style-name="Body"><draw:rect text:anchor-type="as-char" svg:width="5.5cm" '
             'svg:height="3.6cm" draw:style-name="Box"/></text:p>',
             p("Caption", "图为长三角“一网通办”服务窗口。本报记者 周 馨摄")]
    for section in rest:
        body.append(p("Subhead", section["title"]))
        body += [p("Body", t) for t in section["paras"]]
    body += [p("Source", "（本报记者 周 馨）"), '</text:section>']
    doc = f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document {NS} office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:styles>{styles}</office:styles>
<office:automatic-styles>
<style:style style:name="Cols" style:family="section"><style:section-properties text:dont-balance-text-columns="false"><style:columns fo:column-count="3" fo:column-gap="0.7cm"/></style:section-properties></style:style>
<style:style style:name="Break" style:family="paragraph"><style:paragraph-properties fo:break-before="page"/></style:style>
<style:style style:name="Box" style:family="graphic"><style:graphic-properties draw:fill="solid" draw:fill-color="#cccccc" svg:stroke-color="#666666"/></style:style>
<style:page-layout style:name="Page"><style:page-layout-properties fo:page-width="29.7cm" fo:page-height="42cm" fo:margin-top="1.2cm" fo:margin-bottom="1.5cm" fo:margin-left="1.8cm" fo:margin-right="1.8cm"/><style:header-style><style:header-footer-properties fo:margin-bottom="0.6cm" fo:border-bottom="0.06pt solid #000000"/></style:header-style></style:page-layout>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="Page"><style:header><text:p text:style-name="Header">2023年12月1日 星期五　　　　　　　　　　　　要闻　　　　　　　　　　　　第 <text:page-number text:select-page="current" text:page-adjust="1">2</text:page-number> 版</text:p></style:header></style:master-page></office:master-styles>
<office:body><office:text>{"".join(body)}</office:text></office:body></office:document>
'''
    out.mkdir(parents=True, exist_ok=True)
    fodt = out / "seed-newspaper.fodt"
    fodt.write_text(doc, encoding="utf-8")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(fodt)],
                   check=True, capture_output=True)


if __name__ == "__main__":
    main()
