"""The baseline of scripts/bench-check.sh: faster-whisper called directly on each
utterance of a narrated book, one process with every core, the same settings as narrate
check's first hearing (int8, beam 1, language zh, no timestamps, no VAD), clips cut from
the chapter files by the manifest's times (with the same 0.15 s margins) and brought to
16 kHz with numpy (linear interpolation). Prints: utterances, seconds of speech, seconds
taken (model load excluded)."""
import json
import os
import sys
import time
import wave

import numpy
from faster_whisper import WhisperModel

book, model_dir = sys.argv[1], sys.argv[2]
manifest = json.load(open(os.path.join(book, "manifest.json")))
clips = []
for chapter in manifest["chapters"]:
    with wave.open(os.path.join(book, chapter["file"])) as w:
        rate = w.getframerate()
        audio = numpy.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0
    for u in chapter["utterances"]:
        a = int(max(0.0, u["start"] - 0.15) * rate)
        b = min(len(audio), int((u["end"] + 0.15) * rate))
        seg = audio[a:b]
        n = int(len(seg) * 16000 / rate)
        clips.append(
            numpy.interp(numpy.linspace(0, len(seg) - 1, n), numpy.arange(len(seg)), seg).astype(
                numpy.float32
            )
        )
model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=os.cpu_count())
started = time.perf_counter()
for clip in clips:
    segments, _ = model.transcribe(
        clip, language="zh", beam_size=1, condition_on_previous_text=False,
        without_timestamps=True, vad_filter=False,
    )
    "".join(s.text for s in segments)
taken = time.perf_counter() - started
print(len(clips), round(sum(len(c) for c in clips) / 16000, 1), round(taken, 2))
