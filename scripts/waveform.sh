#!/usr/bin/env bash
# Draws one chapter WAV as a PNG: its waveform (levels, with the pauses as flat lines) over
# sox's spectrogram (time axis in seconds, dBFS colour scale).
#   scripts/waveform.sh output/book/01-第一章-出发.wav docs/chapter.png
# Needs sox and ffmpeg (scripts/setup.sh installs them).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: scripts/waveform.sh CHAPTER.wav OUT.png" >&2; exit 2; }
in=$1; out=$2
for tool in sox ffmpeg; do
    command -v $tool >/dev/null || { echo "waveform: needs $tool (apt-get install $tool)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# sox draws ASCII only: the title is the chapter number
title="chapter $(basename "$in" | grep -o '^[0-9]*') ($(basename "$(dirname "$in")"))"
# sox puts the plot 1200 px wide with its axes and legend around it
sox "$in" -n remix 1 spectrogram -x 1200 -y 257 -z 90 -t "$title" -c "narrate" -o "$work/spec.png"
width=$(ffprobe -v error -select_streams v -show_entries stream=width -of csv=p=0 "$work/spec.png")
# the waveform (full scale = the top and bottom edges), over the same 1200 px as the
# spectrogram's plot, which sox starts 58 px from the left
ffmpeg -hide_banner -loglevel error -y -i "$in" -filter_complex \
    "color=c=0xf4f4f4:s=1200x240[bg];[0:a]showwavespic=s=1200x240:colors=0x2a5fc8:scale=lin:filter=peak[w];[bg][w]overlay=format=auto,pad=${width}:260:58:10:white" \
    -frames:v 1 "$work/wave.png"
ffmpeg -hide_banner -loglevel error -y -i "$work/wave.png" -i "$work/spec.png" \
    -filter_complex "[0:v]format=rgb24[w];[1:v]format=rgb24[s];[w][s]vstack" -frames:v 1 "$out"
echo "$out"
