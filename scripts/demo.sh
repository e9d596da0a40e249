#!/usr/bin/env bash
# Narrates the bundled sample article (a real PDF-extracted newspaper page) with the default
# local voice. Installs what is missing first. Output: output/seed-newspaper-pdf/*.wav + manifest.json
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo build --release --locked --quiet
./target/release/narrate --voice zh-CN -o output tests/fixtures/seed-newspaper-pdf.txt "$@"
echo "demo: chapters are in output/seed-newspaper-pdf/ (manifest.json lists them)" >&2
ls -1 output/seed-newspaper-pdf >&2
