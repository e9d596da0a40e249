#!/usr/bin/env python3
"""Builds an untuned trial set from the PDFs of a Debian documentation package.

Every PDF under FOLDER with bookmarks (five or more) and Chinese text (500 or more
ideographs) becomes up to three scored documents in tests/fixtures/documents: the PDF,
its `pdftotext` text and its `pdftotext -layout` text, each scored against the PDF's
bookmarks (read with `pdftohtml -xml`). The folders are named PREFIX-NAME-KIND so that
they are easy to remove again: trial sets are measured, not committed.

    apt-get download texlive-lang-chinese && dpkg -x texlive-lang-chinese_*.deb /tmp/tl
    python3 scripts/documents/make_trial_set.py /tmp/tl/usr/share/doc zz-tl
    NARRATE_SCORE_DETAIL=1 cargo test --release --test it documents:: -- --nocapture \\
        > /tmp/trial.log    # fails: trial folders are not the committed set
    python3 scripts/documents/make_trial_set.py --summary /tmp/trial.log zz-tl
    rm -rf tests/fixtures/documents/zz-tl-*

`--kinds pdftotext,layout` leaves the PDFs out. `--summary LOG PREFIX` adds up a
score log's rows of the trial set by kind.
"""

import argparse
import html
import json
import pathlib
import re
import shutil
import subprocess
import sys

DOCUMENTS = pathlib.Path(__file__).resolve().parents[2] / "tests/fixtures/documents"


def bookmarks(pdf):
    xml = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-stdout", "-q", "-enc", "UTF-8", str(pdf)],
        capture_output=True,
        text=True,
    ).stdout
    tail = xml[xml.find("<outline>"):] if "<outline>" in xml else ""
    items = re.findall(r"<item[^>]*>(.*?)</item>", tail, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in items]


def make(folder, prefix, kinds):
    made = 0
    for pdf in sorted(pathlib.Path(folder).rglob("*.pdf")):
        sections = bookmarks(pdf)
        if len(sections) < 5:
            continue
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True
        ).stdout
        if len(re.findall(r"[\u4e00-\u9fff]", text)) < 500:
            continue
        for kind in kinds:
            out = DOCUMENTS / f"{prefix}-{pdf.stem}-{kind}"
            out.mkdir(exist_ok=True)
            if kind == "pdf":
                shutil.copy(pdf, out / pdf.name)
                file = pdf.name
            else:
                file = f"{pdf.stem}.{kind}.txt"
                layout = ["-layout"] if kind == "layout" else []
                subprocess.run(["pdftotext", "-enc", "UTF-8", *layout, str(pdf), str(out / file)])
            gold = {"file": file, "title": None, "sections": sections, "never_spoken": []}
            with open(out / "gold.json", "w", encoding="utf-8") as f:
                json.dump(gold, f, ensure_ascii=False, indent=1)
        made += 1
        print(pdf.stem, len(sections), "sections")
    print(made, "documents")


def summary(log, prefix):
    rows = {}
    row = re.compile(rf"({re.escape(prefix)}-\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+[\d.]+\s+[\d.]+\s+(\d+)")
    for line in open(log, encoding="utf-8"):
        if m := row.match(line):
            rows[m.group(1)] = [int(x) for x in m.groups()[1:]]
    kinds = {}
    for name, counts in rows.items():
        total = kinds.setdefault(name.rsplit("-", 1)[1], [0, 0, 0, 0])
        for i, n in enumerate(counts):
            total[i] += n
    for kind, (found, gold, matched, noise) in sorted(kinds.items()):
        print(
            f"{kind:10} found {found} gold {gold} matched {matched} "
            f"precision {matched / max(found, 1):.3f} recall {matched / max(gold, 1):.3f} "
            f"noise {noise}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--summary", metavar="LOG")
    parser.add_argument("--kinds", default="pdf,pdftotext,layout")
    parser.add_argument("folder", nargs="?")
    parser.add_argument("prefix")
    args = parser.parse_args()
    if args.summary:
        summary(args.summary, args.prefix)
    elif args.folder:
        make(args.folder, args.prefix, args.kinds.split(","))
    else:
        sys.exit("give the package's folder and a prefix, or --summary LOG PREFIX")


if __name__ == "__main__":
    main()
