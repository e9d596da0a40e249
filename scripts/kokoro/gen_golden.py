"""Writes tests/fixtures/kokoro/misaki-golden.json: what misaki 0.9.4 (the G2P Kokoro-82M v1.0
was trained with: ZHG2P(version=None), its "legacy" path) makes of sentences of the seed and
the corpus: the phoneme string and the model's ids (Kokoro's vocabulary, what it lacks
dropped, as KPipeline does). The Rust frontend (src/synth/kokoro/phonemes.rs) is tested
against it; tests/fixtures/kokoro/README.md lists where narrate deliberately differs.

    python3 -m venv /tmp/misaki && /tmp/misaki/bin/pip install misaki==0.9.4 jieba==0.42.1 \
        pypinyin==0.55.0 cn2an==0.5.24 ordered-set==4.1.0
    /tmp/misaki/bin/python scripts/kokoro/gen_golden.py VOCAB_JSON > tests/fixtures/kokoro/misaki-golden.json

VOCAB_JSON: the vocab.json scripts/setup-kokoro.sh installs
(~/.local/share/narrate/models/kokoro-v1.0/vocab.json).
"""
import json
import re
import sys

from misaki import zh

SOURCES = [
    "tests/fixtures/seed-newspaper-pdf.txt",
    "tests/fixtures/dialogue/kuangren-excerpt.txt",
    "tests/fixtures/ingest/luxun_a_q_zhengzhuan.txt",
    "tests/fixtures/ingest/constitution_prc_2018.txt",
    "tests/fixtures/ingest/pdf_hongloumeng_hui01-05.txt",
    "tests/fixtures/ingest/sanguo_yanyi_hui01-08.txt",
]
PER_SOURCE = 14
# sentences of Chinese characters and Chinese punctuation only: misaki passes anything else
# (digits aside, which it spells) through as English phoneme letters
SENTENCE = re.compile(r"[\u4e00-\u9fff，、：；“”《》（）！？。]{8,60}[。！？]")
HAN = re.compile(r"[\u4e00-\u9fff]")


def main():
    vocab = json.load(open(sys.argv[1], encoding="utf-8"))["vocab"]
    g2p = zh.ZHG2P()
    cases = []
    for source in SOURCES:
        text = open(source, encoding="utf-8").read()
        taken = 0
        for line in text.splitlines():
            for sentence in SENTENCE.findall(line.strip()):
                if not HAN.match(sentence) or taken == PER_SOURCE:
                    continue
                phonemes, _ = g2p(sentence)
                ids = [vocab[p] for p in phonemes if p in vocab]
                cases.append({"source": source, "text": sentence, "phonemes": phonemes, "ids": ids})
                taken += 1
    json.dump(cases, sys.stdout, ensure_ascii=False, indent=1)
    print()


if __name__ == "__main__":
    main()
