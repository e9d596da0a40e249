"""The acoustic model's bytes with its two training-mode dropout layers in inference mode,
so that TensorFlow Lite runs it without the Flex delegate and deterministically (see
gen_parity.py). Used by gen_parity.py and bench_reference.py."""
from pathlib import Path

import flatbuffers
import numpy as np
import tflite


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
