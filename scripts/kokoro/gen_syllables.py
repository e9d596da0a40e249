"""Writes tests/fixtures/kokoro/misaki-syllables.tsv: every reading narrate can give a
syllable (the pinyin of src/synth/mandarin/data and lexicon/default.tsv, with tone numbers)
and what misaki 0.9.4 writes for it (ZHG2P.py2ipa, the non-syllabic mark dropped as its
legacy path does). Readings misaki cannot convert are left out.

    /tmp/misaki/bin/python scripts/kokoro/gen_syllables.py > tests/fixtures/kokoro/misaki-syllables.tsv
"""
import re

from misaki.zh import ZHG2P

readings = set()
for path in ["src/synth/mandarin/data/chars.txt", "src/synth/mandarin/data/phrases.txt",
             "lexicon/default.tsv"]:
    for line in open(path, encoding="utf-8"):
        if not line.startswith("#"):
            readings.update(re.findall(r"[a-zü]+[1-5]", line))
print("# reading\tmisaki 0.9.4 (scripts/kokoro/gen_syllables.py)")
for r in sorted(readings):
    try:
        ipa = ZHG2P.py2ipa(r).replace(chr(815), "")
    except Exception:
        continue
    print(f"{r}\t{ipa}")
