#!/usr/bin/env bash
# Speed of the Kokoro voices (issue 20) against a reference measured in the same run:
# kokoro-onnx 0.6.1 (Python, the same ONNX Runtime 1.32.0, model file and voice) on the same
# sentences (the seed article's utterances, as `narrate plan` cuts them). Prints, for one
# thread and for all cores: wall time, real-time factor (wall / seconds of audio the model
# makes) and peak memory of each, and narrate's ratio to the reference. Target: <= 1.0x.
# Then ONNX Runtime's profile of 20 sentences: where the time goes, per operator type.
#
#   scripts/bench-kokoro.sh [SPEAKER]      (default zf_xiaoxiao)
#
# Installs what is missing (scripts/setup-kokoro.sh; the reference's venv in
# ~/.cache/narrate/bench-kokoro-venv from PyPI). Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

speaker=${1:-zf_xiaoxiao}
voice=zh-CN-kokoro-${speaker#*_}
seed=tests/fixtures/seed-newspaper-pdf.txt
scripts/setup-kokoro.sh
model=${NARRATE_KOKORO_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/narrate/models/kokoro-v1.0}
venv=${XDG_CACHE_HOME:-$HOME/.cache}/narrate/bench-kokoro-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import kokoro_onnx, misaki" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check kokoro-onnx==0.6.1 \
        onnxruntime==1.32.0 misaki==0.9.4 jieba==0.42.1 pypinyin==0.55.0 cn2an==0.5.24 \
        ordered-set==4.1.0
fi
cargo build --release --quiet --bin narrate

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)
echo "bench-kokoro: $cores cores, $(lscpu | sed -n 's/^Model name: *//p'); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
target/release/narrate plan --json --voice "$voice" "$seed" |
    python3 -c 'import json, sys; print(json.dumps([u["spoken"] for c in json.load(sys.stdin)["chapters"] for u in c["utterances"]], ensure_ascii=False))' \
    >"$work/sentences.json"
# the same voice with one ONNX Runtime thread, for the one-thread comparison
sed -e 's/^# threads = 1 .*/threads = 1/' "voices/$voice.toml" >"$work/one-thread.toml"

reference() { # THREADS → "n audio wall peak"
    "$venv/bin/python" scripts/kokoro/bench_reference.py "$model" "$speaker" "$1" "$work/sentences.json" 2>/dev/null
}
runs=0
narrate() { # JOBS VOICE → "wall peak" (each run in a folder of its own: a book folder
    # made by another voice is not overwritten)
    runs=$((runs + 1))
    /usr/bin/time -f "%e %M" -o "$work/time" target/release/narrate --quiet --no-cache \
        --jobs "$1" --voice "$2" --output "$work/out-$runs" "$seed"
    tail -1 "$work/time" | awk '{ printf "%s %.0f\n", $1, $2 / 1024 }'
}
read -r n audio ref1 mem1 < <(reference 1)
read -r _ _ refn memn < <(reference "$cores")
read -r nar1 nmem1 < <(narrate 1 "$work/one-thread.toml")
read -r narj1 nmemj1 < <(narrate 1 "$voice")
read -r narn nmemn < <(narrate "$cores" "$voice")
awk -v n="$n" -v a="$audio" -v c="$cores" \
    -v r1="$ref1" -v m1="$mem1" -v rn="$refn" -v mn="$memn" \
    -v x1="$nar1" -v y1="$nmem1" -v xj="$narj1" -v yj="$nmemj1" -v xn="$narn" -v yn="$nmemn" 'BEGIN {
    printf "%s sentences, %.1f s of audio from the model\n", n, a
    printf "%-48s %8s %7s %9s %8s\n", "", "wall s", "RTF", "peak MB", "ratio"
    printf "%-48s %8.1f %7.3f %9d %8s\n", "kokoro-onnx, 1 thread", r1, r1 / a, m1, "1.00x"
    printf "%-48s %8.1f %7.3f %9d %7.2fx\n", "narrate --jobs 1, threads = 1", x1, x1 / a, y1, x1 / r1
    printf "%-48s %8.1f %7.3f %9d %8s\n", "kokoro-onnx, " c " threads", rn, rn / a, mn, "1.00x"
    printf "%-48s %8.1f %7.3f %9d %7.2fx\n", "narrate --jobs 1 (one session, " c " threads)", xj, xj / a, yj, xj / rn
    printf "%-48s %8.1f %7.3f %9d %7.2fx\n", "narrate --jobs " c " (" c " sessions, 1 thread each)", xn, xn / a, yn, xn / rn
}'
echo "where the time goes (kokoro-onnx, 1 thread, 20 sentences, ONNX Runtime's profile):"
"$venv/bin/python" scripts/kokoro/bench_reference.py "$model" "$speaker" 1 "$work/sentences.json" --profile 20 2>&1 >/dev/null |
    grep '%$'
