#!/usr/bin/env bash
# Ingest speed on real documents against pdftotext and pandoc (examples/ingest_bench.rs).
# Fetches Debian's zh-CN Debian Reference (a 251-page PDF) and the Debian Edu manual (EPUB)
# into target/bench-docs with apt-get download (Debian's package archive), once.
set -euo pipefail
cd "$(dirname "$0")/.."
docs=target/bench-docs
mkdir -p "$docs"
if [ ! -d "$docs/x" ]; then
    (cd "$docs" && apt-get download debian-reference-zh-cn debian-edu-doc-zh-cn >/dev/null \
        && for deb in *.deb; do dpkg -x "$deb" x; done)
fi
# an EPUB of the whole Debian Reference (2.3 MB of XHTML), made by pandoc from its HTML;
# Debian's own EPUBs are zipped one folder too deep, which pandoc cannot read
epub=$docs/debian-reference.epub
if command -v pandoc >/dev/null; then
    [ -f "$epub" ] || (cd "$docs/x/usr/share/debian-reference" && pandoc --quiet \
        --metadata title="Debian 参考手册" pr01.zh-cn.html ch*.zh-cn.html apa.zh-cn.html -o "$OLDPWD/$epub")
else
    echo "bench-ingest: pandoc is not installed (apt-get install pandoc); no EPUB row" >&2
    epub=""
fi
cargo run --release --quiet --example ingest_bench -- \
    "$docs/x/usr/share/debian-reference/debian-reference.zh-cn.pdf" \
    "$docs/x/usr/share/doc/debian-edu-doc-zh-cn/debian-edu-bookworm-manual.pdf" \
    ${epub:+"$epub"}
