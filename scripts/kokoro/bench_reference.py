"""The reference for scripts/bench-kokoro.sh: kokoro-onnx 0.6.1 (Python, ONNX Runtime 1.32.0)
on the same model file, voice and sentences as narrate, phonemized by misaki 0.9.4 (what
kokoro-onnx's users do for Mandarin; not timed).

    bench_reference.py MODEL_DIR SPEAKER THREADS SENTENCES_JSON [--profile N]

Prints one line: sentences, seconds of audio, wall seconds of synthesis, peak RSS in MB.
With --profile N: ONNX Runtime's profile of the first N sentences, the share of the time
per operator type, on stderr.
"""
import json
import resource
import sys
import time

import numpy as np
import onnxruntime as ort
from kokoro_onnx import Kokoro
from misaki import zh


def main():
    model_dir, speaker, threads, sentences = sys.argv[1:5]
    profile = int(sys.argv[6]) if len(sys.argv) > 6 and sys.argv[5] == "--profile" else 0
    texts = json.load(open(sentences, encoding="utf-8"))
    g2p = zh.ZHG2P()
    phonemes = [g2p(t)[0] for t in texts]
    phonemes = [p for p in phonemes if p.strip()]
    style = np.fromfile(f"{model_dir}/voices/{speaker}.bin", dtype="<f4").reshape(510, 1, 256)
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(threads)
    options.inter_op_num_threads = 1
    if profile:
        options.enable_profiling = True
        phonemes = phonemes[:profile]
    session = ort.InferenceSession(f"{model_dir}/kokoro-v1.0.int8.onnx", options,
                                   providers=["CPUExecutionProvider"])
    # kokoro-onnx wants a voices file; the style array is given to create() directly
    np.savez("/tmp/narrate-bench-voices.npz", **{speaker: style})
    kokoro = Kokoro.from_session(session, "/tmp/narrate-bench-voices.npz",
                                 vocab_config=f"{model_dir}/vocab.json")
    audio_seconds = 0.0
    start = time.perf_counter()
    for p in phonemes:
        audio, rate = kokoro.create(p, voice=style, is_phonemes=True, trim=False,
                                    sentence_pause=0, clause_pause=0)
        audio_seconds += len(audio) / rate
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(phonemes)} {audio_seconds:.2f} {wall:.2f} {peak:.0f}")
    if profile:
        trace = json.load(open(session.end_profiling()))
        per_op = {}
        for event in trace:
            if event.get("cat") == "Node":
                op = event.get("args", {}).get("op_name", "?")
                per_op[op] = per_op.get(op, 0) + event.get("dur", 0)
        total = sum(per_op.values())
        for op, us in sorted(per_op.items(), key=lambda kv: -kv[1])[:12]:
            print(f"  {op:28} {100 * us / total:5.1f}%", file=sys.stderr)


if __name__ == "__main__":
    main()
