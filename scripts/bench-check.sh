#!/usr/bin/env bash
# Speed of `narrate check` (issue 19) on the seed article narrated by the default voice
# (~11 min of speech), against a baseline measured in the same run: faster-whisper called
# directly on the same clips from one Python process (scripts/check/bench_reference.py).
# Prints, for --jobs 1 (one recognizer with every core) and --jobs N (one per core): wall
# time, real-time factor (wall / speech) and the ratio to the baseline. Target: RTF <= 0.25.
#
#   scripts/bench-check.sh
#
# Installs what is missing (scripts/setup-neural.sh, scripts/setup-check.sh). Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

seed=tests/fixtures/seed-newspaper-pdf.txt
scripts/setup-neural.sh
scripts/setup-check.sh
data=${XDG_DATA_HOME:-$HOME/.local/share}/narrate
venv=${NARRATE_CHECK_VENV:-$data/check-venv}
model=${NARRATE_WHISPER_MODEL_DIR:-$data/models/whisper-base-ct2}
cargo build --release --quiet --bin narrate

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)
echo "bench-check: $cores cores, $(lscpu | sed -n 's/^Model name: *//p'); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
target/release/narrate --quiet --cache "$work/cache" --output "$work/out" "$seed"
book=$work/out/seed-newspaper-pdf

read -r n speech base < <("$venv/bin/python" scripts/check/bench_reference.py "$book" "$model" 2>/dev/null)
awk -v c="$cores" -v n="$n" -v s="$speech" -v b="$base" 'BEGIN {
    printf "baseline (faster-whisper, 1 process, %s threads): %s utterances, %.1f s of speech in %.1f s: RTF %.3f\n", c, n, s, b, b / s }'
for jobs in 1 "$cores"; do
    start=$(date +%s.%N)
    target/release/narrate check --quiet --jobs "$jobs" "$book" >"$work/check-$jobs" || true
    end=$(date +%s.%N)
    verdict=$(cut -d: -f1 "$work/check-$jobs")
    awk -v j="$jobs" -v t0="$start" -v t1="$end" -v s="$speech" -v b="$base" -v v="$verdict" 'BEGIN {
        w = t1 - t0
        printf "narrate check --jobs %s: %.1f s: RTF %.3f, %.2fx the baseline (%s)\n", j, w, w / s, w / b, v }'
done
