#!/usr/bin/env bash
# Compares narrate's resampler (rubato, FFT) with sox's `rate -v` (very high quality) on the
# same files, in the same run: speed on a minute of espeak-ng speech and of a tone, and the
# quality of a 1 kHz and a 10 kHz tone (how far below the tone everything else lies).
#   scripts/bench-resample.sh            # 22050 -> 24000 and 24000 -> 44100
# Needs sox and espeak-ng (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sox >/dev/null || { echo "bench-resample: needs sox (apt-get install sox)" >&2; exit 1; }
cargo build --release --quiet --example resample
bin=target/release/examples/resample
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# best of three wall-clock runs, seconds
best() { local b=""; for _ in 1 2 3; do local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
    b=$(echo "$t0 $t1 ${b:-1e9}" | awk '{d=$2-$1; print (d<$3)?d:$3}'); done; echo "$b"; }

text="清晨，我们从上海出发。天气很好，路上车不多。大家一路说笑，很快就到了苏州。车在半路出了故障，司机说要修一个小时。我们只好在路边等待。傍晚时分，我们终于回到了家。"
for _ in 1 2 3 4 5 6; do printf '%s' "$text"; done | espeak-ng -v cmn --stdin -w "$work/speech-22050.wav"

printf '%-16s %-10s %12s %12s %9s\n' "pair" "signal" "rubato" "sox -v" "ratio"
for pair in "22050 24000" "24000 44100"; do
    set -- $pair; from=$1; to=$2
    if [ "$from" = 22050 ]; then speech="$work/speech-22050.wav"; else
        speech="$work/speech-$from.wav"; sox "$work/speech-22050.wav" -e float -b 32 "$speech" rate -v "$from"; fi
    sox -n -r "$from" -e float -b 32 "$work/tone1k.wav" synth 60 sine 1000 vol 0.5
    sox -n -r "$from" -e float -b 32 "$work/tone10k.wav" synth 60 sine 10000 vol 0.5
    for signal in speech tone1k; do
        in=$([ "$signal" = speech ] && echo "$speech" || echo "$work/$signal.wav")
        r=$(best "$bin" convert "$in" "$work/r.wav" "$to")
        s=$(best sox "$in" -e float -b 32 "$work/s.wav" rate -v "$to")
        printf '%-16s %-10s %11.3fs %11.3fs %8.2fx\n' "$from->$to" "$signal" "$r" "$s" "$(echo "$r $s" | awk '{print $2/$1}')"
    done
    for f in 1000 10000; do
        in="$work/tone$([ $f = 1000 ] && echo 1k || echo 10k).wav"
        "$bin" convert "$in" "$work/r.wav" "$to" >/dev/null
        sox "$in" -e float -b 32 "$work/s.wav" rate -v "$to"
        printf '%-16s %-10s %10s dB %9s dB %+8.1f dB\n' "$from->$to" "${f}Hz SNR" \
            "$("$bin" tone "$work/r.wav" $f)" "$("$bin" tone "$work/s.wav" $f)" \
            "$(echo "$("$bin" tone "$work/r.wav" $f) $("$bin" tone "$work/s.wav" $f)" | awk '{print $1-$2}')"
    done
done
echo "(time ratio = sox seconds / rubato seconds, both wall clock with process start and file I/O;"
echo " SNR difference = rubato minus sox)"
