#!/usr/bin/env bash
# Which PDF engine for narrate's PDF reader: poppler's pdftotext against the Rust crate
# pdf-extract (on lopdf), on real Chinese PDFs (Debian's zh-CN documentation; the two
# fixtures and the two PDFs scripts/bench-ingest.sh fetches) and on the hostile ones of
# tests/fixtures/pdf. Prints a Markdown table: time, CJK characters, poppler's CJK
# characters the crate also finds, junk characters (U+FFFD, private use).
#
#   scripts/bench-pdf-engines.sh
set -euo pipefail
cd "$(dirname "$0")/.."
docs=target/bench-docs
[ -d "$docs/x" ] || scripts/bench-ingest.sh >/dev/null
CARGO_TARGET_DIR=target/pdf-engines cargo build --release --quiet \
    --manifest-path scripts/pdf-engines/Cargo.toml
target/pdf-engines/release/pdf-engines \
    "$docs/x/usr/share/debian-reference/debian-reference.zh-cn.pdf" \
    "$docs/x/usr/share/doc/debian-edu-doc-zh-cn/debian-edu-bookworm-manual.pdf" \
    tests/fixtures/documents/itil-pdf/debian-edu-itil-manual.pdf \
    tests/fixtures/documents/maint-guide-pdf/maint-guide.zh-cn.pdf \
    tests/fixtures/pdf/encrypted.pdf tests/fixtures/pdf/scanned.pdf
