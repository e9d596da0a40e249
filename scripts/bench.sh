#!/usr/bin/env bash
# Measures narrate against the targets of issue 7 and prints a table of ratios, every ratio
# taken within this one run (so a busy machine slows both sides alike).
#
#   scripts/bench.sh                 # everything (about 5-10 minutes on 2 cores)
#   BENCH_REPEAT=3 scripts/bench.sh  # repeat (a) and (c); prints each ratio, judges the worst
#   BENCH_SKIP_RSS_1MB=1 …           # skip the 1 MB narration (the longest step)
#
# Needs espeak-ng, sox, GNU time (/usr/bin/time) and, optionally, hyperfine:
#   apt-get install espeak-ng sox time hyperfine
set -euo pipefail
cd "$(dirname "$0")/.."

repeat=${BENCH_REPEAT:-1}
for tool in espeak-ng sox /usr/bin/time; do
    command -v "$tool" >/dev/null || {
        echo "bench: $tool is missing; apt-get install espeak-ng sox time" >&2
        exit 1
    }
done

cargo build --release --quiet --bin narrate --example resample_bench --example plan_bench
narrate=$PWD/target/release/narrate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- inputs -----------------------------------------------------------------------------
# The book: the seed article and three long texts from the corpus (all in tests/fixtures),
# about 105,000 characters.
fixtures=tests/fixtures
for f in seed-newspaper-pdf.txt ingest/luxun_a_q_zhengzhuan.txt \
    ingest/sanguo_yanyi_hui01-08.txt ingest/pdf_hongloumeng_hui01-05.txt; do
    cat "$fixtures/$f"
    printf '\n\n\n'
done >"$work/book.txt"
# 1 MB and 100 kB of text: the book repeated, then cut at a line end.
cut_to() { # cut_to BYTES FILE: the book repeated up to BYTES, ending at a whole line
    while [ "$(stat -c %s "$2" 2>/dev/null || echo 0)" -lt "$1" ]; do cat "$work/book.txt" >>"$2"; done
    head -c "$1" "$2" | sed '$d' >"$2.cut" && mv "$2.cut" "$2"
}
cut_to 1000000 "$work/1mb.txt"
cut_to 100000 "$work/100kb.txt"
"$narrate" normalize "$work/book.txt" >"$work/book.spoken.txt"

# wall seconds, peak RSS (kB) and CPU seconds (user + sys, children included) of a
# command, via GNU time
measure() { # measure OUT_PREFIX command...
    local prefix=$1
    shift
    /usr/bin/time -f '%e %M %U %S' -o "$prefix.time" "$@" >/dev/null 2>"$prefix.err" || {
        cat "$prefix.err" >&2
        exit 1
    }
    read -r wall rss user sys <"$prefix.time"
    echo "$wall $rss $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

chars=$(wc -m <"$work/book.txt")
echo "bench: book of $chars characters; $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1))" >&2

# --- (a) narrate vs one espeak-ng call over the same text -------------------------------
ratios_a=()
ratios_cpu=()
for ((i = 1; i <= repeat; i++)); do
    echo "bench: (a) espeak-ng over the whole book, run $i of $repeat" >&2
    read -r espeak_s _ espeak_cpu < <(measure "$work/espeak" espeak-ng -v cmn -f "$work/book.spoken.txt" -w "$work/espeak.wav")
    echo "bench: (a) narrate --jobs 2, run $i of $repeat" >&2
    rm -rf "$work/out"
    read -r narrate_s book_rss narrate_cpu < <(measure "$work/narrate" "$narrate" --voice zh-CN-espeak --jobs 2 --no-cache -q -o "$work/out" "$work/book.txt")
    ratios_a+=("$(ratio "$narrate_s" "$espeak_s")")
    # CPU seconds over 2 cores: the wall-time ratio on an otherwise idle 2-core machine
    ratios_cpu+=("$(ratio "$narrate_cpu" "$(awk -v c="$espeak_cpu" 'BEGIN { print 2 * c }')")")
    echo "bench: (a) espeak-ng ${espeak_s} s (${espeak_cpu} s CPU), narrate ${narrate_s} s (${narrate_cpu} s CPU)" >&2
done
rm -f "$work/espeak.wav"
audio_s=$(awk '/"duration"/ { gsub(/[ ,]/, ""); split($0, kv, ":"); s += kv[2] } END { printf "%.0f", s }' "$work"/out/*/manifest.json)

# --- (b) everything but synthesis on 1 MB -----------------------------------------------
echo "bench: (b) ingest..plan on 1 MB, in-process" >&2
read -r mbps_best mbps_median < <(target/release/examples/plan_bench "$work/1mb.txt" 20 |
    sed -n 's/.*: \([0-9.]*\) MB\/s best, \([0-9.]*\) MB\/s median/\1 \2/p')

# --- (c) peak memory: 1 MB vs 100 kB, with espeak-ng -------------------------------------
# in pairs (100 kB, then 1 MB), BENCH_REPEAT times; the verdict goes by the worst pair
growths_c=()
pairs_c=()
worst_c=0
for ((i = 1; i <= repeat; i++)); do
    echo "bench: (c) narrate 100 kB, run $i of $repeat" >&2
    read -r _ rss_100k _ < <(measure "$work/n100k" "$narrate" --voice zh-CN-espeak --jobs 2 --no-cache -q -o "$work/out100k" "$work/100kb.txt")
    rm -rf "$work/out100k"
    if [ -z "${BENCH_SKIP_RSS_1MB:-}" ]; then
        echo "bench: (c) narrate 1 MB (the longest step), run $i of $repeat" >&2
        read -r _ rss_1m _ < <(measure "$work/n1m" "$narrate" --voice zh-CN-espeak --jobs 2 --no-cache -q -o "$work/out1m" "$work/1mb.txt")
        rm -rf "$work/out1m"
    else
        rss_1m=$book_rss # the ~300 kB book stands in
    fi
    growths_c+=("$(awk -v a="$rss_1m" -v b="$rss_100k" 'BEGIN { printf "%+.0f%%", (a / b - 1) * 100 }')")
    pairs_c+=("$((rss_1m / 1024))/$((rss_100k / 1024))")
    worst_c=$(awk -v w="$worst_c" -v r="$(ratio "$rss_1m" "$rss_100k")" 'BEGIN { print (r > w) ? r : w }')
    rss_1m_max=$((rss_1m > ${rss_1m_max:-0} ? rss_1m : ${rss_1m_max:-0}))
done

# --- (d) start-up: narrate plan on the seed ----------------------------------------------
echo "bench: (d) start-up" >&2
seed=$fixtures/seed-newspaper-pdf.txt
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 5 --runs 50 --export-json "$work/start.json" "$narrate plan $seed" >/dev/null 2>&1
    start_ms=$(awk -F'[:,]' '/"mean"/ { printf "%.1f", $2 * 1000; exit }' "$work/start.json")
    start_min_ms=$(awk -F'[:,]' '/"min"/ { printf "%.1f", $2 * 1000; exit }' "$work/start.json")
else
    t0=$(date +%s%N)
    for _ in $(seq 50); do "$narrate" plan "$seed" >/dev/null; done
    start_ms=$(awk -v ns="$(($(date +%s%N) - t0))" 'BEGIN { printf "%.1f", ns / 50 / 1e6 }')
    start_min_ms=$start_ms
fi

# --- (e) resampling: rubato (narrate's settings) vs sox -----------------------------------
echo "bench: (e) resampling an hour of audio" >&2
rubato_x=$(target/release/examples/resample_bench 3600 "$work/hour.f32" | sed -n 's/.*: \([0-9.]*\)x real time/\1/p')
read -r sox_s _ < <(measure "$work/sox" sox -t raw -e floating-point -b 32 -r 22050 -c 1 "$work/hour.f32" \
    -t raw -e floating-point -b 32 /dev/null rate -h 24000)
sox_x=$(ratio 3600 "$sox_s")
rm -f "$work/hour.f32"

# --- table -------------------------------------------------------------------------------
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == "<=") ? v <= t : v >= t; print ok ? "ok" : "MISSED" }'; }
a_worst=$(printf '%s\n' "${ratios_a[@]}" | sort -g | tail -1)
printf '\n%-52s %-22s %-10s %s\n' "measure" "result" "target" ""
printf '%-52s %-22s %-10s %s\n' "(a) narrate --jobs 2 / espeak-ng -f, ${chars} chars" "$(
    IFS=' '
    echo "${ratios_a[*]}"
)" "<= 1.0" "$(verdict "$a_worst" "<=" 1.0)"
printf '%-52s %-22s %-10s %s\n' "    (audio ${audio_s} s; narrate ${narrate_s} s, espeak-ng ${espeak_s} s)" "" "" ""
printf '%-52s %-22s %-10s %s\n' "    CPU time: narrate / (2 x espeak-ng)" "$(
    IFS=' '
    echo "${ratios_cpu[*]}"
)" "<= 1.0" ""
printf '%-52s %-22s %-10s %s\n' "(b) ingest..plan on 1 MB, MB/s (best / median of 20)" "$mbps_best / $mbps_median" ">= 20" "$(verdict "$mbps_best" ">=" 20)"
printf '%-52s %-22s %-10s %s\n' "(c) peak RSS growth, 1 MB vs 100 kB, espeak" "$(
    IFS=' '
    echo "${growths_c[*]}"
)" "<= +20%" "$(verdict "$worst_c" "<=" 1.2)"
printf '%-52s %-22s %-10s %s\n' "    (MB, 1 MB / 100 kB, each run)" "$(
    IFS=' '
    echo "${pairs_c[*]}"
)" "" ""
printf '%-52s %-22s %-10s %s\n' "    peak RSS 1 MB absolute (MB, highest)" "$((rss_1m_max / 1024))" "<= 150" "$(verdict "$((rss_1m_max / 1024))" "<=" 150)"
printf '%-52s %-22s %-10s %s\n' "(d) narrate plan on the seed, ms (mean / min)" "$start_ms / $start_min_ms" "< 50" "$(verdict "$start_ms" "<=" 50)"
printf '%-52s %-22s %-10s %s\n' "(e) rubato 22050->24000, x real time, 1 thread" "$rubato_x" ">= 200" "$(verdict "$rubato_x" ">=" 200)"
printf '%-52s %-22s %-10s %s\n' "    sox rate -h, x real time / rubato vs sox" "$sox_x / $(ratio "$rubato_x" "$sox_x")" "" ""
