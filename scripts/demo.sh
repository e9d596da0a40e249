#!/usr/bin/env bash
# Narrates the bundled sample article (a real PDF-extracted newspaper page) with the default
# local voice. Installs what is missing first. Output: output/seed-newspaper-pdf/*.wav + manifest.json
#
#   scripts/demo.sh [--voice VOICE] [NARRATE OPTIONS...]
#
# `--voice zh-CN-neural` uses the neural voice and installs its model first
# (scripts/setup-neural.sh; a no-op once installed).
set -euo pipefail
cd "$(dirname "$0")/.."
voice=zh-CN
if [ "${1:-}" = --voice ]; then
    voice=${2:?--voice needs a value}
    shift 2
fi
source scripts/setup.sh
if [ "$voice" = zh-CN-neural ]; then
    scripts/setup-neural.sh
fi
cargo build --release --locked --quiet
./target/release/narrate --voice "$voice" -o output tests/fixtures/seed-newspaper-pdf.txt "$@"
echo "demo: chapters are in output/seed-newspaper-pdf/ (manifest.json lists them)" >&2
ls -1 output/seed-newspaper-pdf >&2
