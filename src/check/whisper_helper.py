# narrate's speech recognizer helper: faster-whisper (CTranslate2) on CPU, one process
# serving many utterances. narrate starts it with the Python of the venv that
# scripts/setup-check.sh made, and talks to it in JSON lines:
#   argv: MODEL_DIR THREADS LANGUAGE
#   out:  {"ready": "<faster-whisper version>"} once the model is loaded
#   in:   {"clip": "/path/to/clip.f32", "beam": 1, "max_tokens": 120}
#         (mono float32 little-endian, 16 kHz; at most max_tokens tokens are written)
#   out:  {"text": "..."} or {"error": "..."}
# It exits when its input ends.
import json
import sys


def main():
    model_dir, threads, language = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    try:
        import numpy
        import faster_whisper
        from faster_whisper import WhisperModel

        model = WhisperModel(
            model_dir, device="cpu", compute_type="int8", cpu_threads=threads, num_workers=1
        )
    except Exception as e:  # noqa: BLE001 - reported to narrate, which names the fix
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
        return 1
    print(json.dumps({"ready": faster_whisper.__version__}), flush=True)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            audio = numpy.fromfile(request["clip"], dtype="<f4")
            segments, _ = model.transcribe(
                audio,
                language=language,
                beam_size=int(request.get("beam", 1)),
                # one decoding, no temperature fallback: garbled audio would be decoded
                # six times over, each run to the token limit
                temperature=0.0,
                max_new_tokens=int(request.get("max_tokens", 200)),
                condition_on_previous_text=False,
                without_timestamps=True,
                vad_filter=False,
            )
            reply = {"text": "".join(s.text for s in segments).strip()}
        except Exception as e:  # noqa: BLE001
            reply = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
