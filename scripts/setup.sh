#!/usr/bin/env bash
# Installs what narrate needs on Debian/Ubuntu when it is missing; safe to rerun.
#   - espeak-ng (the default local voice)
#   - poppler-utils (pdftohtml, pdfinfo: narrate reads PDFs through them) and poppler-data
#     (the CJK character collections some Chinese PDFs' fonts need)
#   - python3 with pip and venv (scripts/setup-neural.sh, scripts/setup-check.sh)
#   - ffmpeg (--format mp3/m4b; the tests read M4B chapters back with ffprobe) and sox
#     (scripts/bench-resample.sh, scripts/waveform.sh)
#   - a Rust toolchain (cargo), through rustup, when none is on PATH
set -euo pipefail

need_apt=()
command -v espeak-ng >/dev/null 2>&1 || need_apt+=(espeak-ng)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
command -v sox >/dev/null 2>&1 || need_apt+=(sox)
command -v pdftohtml >/dev/null 2>&1 || need_apt+=(poppler-utils)
# poppler's CJK data: Chinese fonts embedded without a Unicode map (xeLaTeX's Fandol fonts,
# as in lshort-zh-cn) give no text without it
[ -f /usr/share/poppler/cidToUnicode/Adobe-GB1 ] || need_apt+=(poppler-data)
# Python with pip and venv: the setup scripts fetch models from PyPI, and `narrate check`'s
# recognizer runs in a venv
if ! command -v python3 >/dev/null 2>&1; then
    need_apt+=(python3 python3-pip python3-venv)
else
    python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
    python3 -c 'import ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
fi

if ((${#need_apt[@]})); then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "setup: please install as root: apt-get install ${need_apt[*]}" >&2; exit 1; }
        sudo="sudo"
    fi
    echo "setup: installing ${need_apt[*]} (Debian packages)" >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y --no-install-recommends "${need_apt[@]}" >/dev/null 2>&1 || {
        $sudo apt-get update -qq
        $sudo apt-get install -y --no-install-recommends "${need_apt[@]}"
    }
fi

if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    else
        echo "setup: installing Rust with rustup (https://rustup.rs)" >&2
        command -v curl >/dev/null 2>&1 || { echo "setup: need curl to install Rust; apt-get install curl" >&2; exit 1; }
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
fi
