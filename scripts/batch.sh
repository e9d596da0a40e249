#!/usr/bin/env bash
# Narrates every .txt/.md book in a folder into LIBRARY/<book>/, several books at once,
# and picks up where it left off when run again (finished chapters are kept, finished
# utterances come from the cache).
#
#   scripts/batch.sh books/ library/            # all cores: books x jobs = nproc
#   BOOKS_AT_ONCE=4 JOBS=1 scripts/batch.sh books/ library/
#   VOICE=en-US scripts/batch.sh books/ library/
#
# One narrate process shares its --jobs among its inputs: it narrates them one after
# another, each with all --jobs workers, so `narrate -j 2 books/*.txt` never runs more
# than 2 engines. To use more cores than one book keeps busy, run several narrate
# processes, as below: BOOKS_AT_ONCE processes of JOBS workers each. They share one
# cache folder safely (entries are written to a temp file and renamed).
#
# Across machines: give each machine its own share of the books, e.g. with GNU parallel
#   parallel -S host1,host2 --jobs 1 narrate --voice zh-CN -j 2 -q -o library/{/.} {} ::: books/*.txt
# with `library/` on shared storage. A rerun skips what is done.
set -euo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 BOOKS_FOLDER LIBRARY_FOLDER" >&2
    exit 2
fi
books=$1
library=$2
narrate=${NARRATE:-narrate}
command -v "$narrate" >/dev/null || narrate="$(dirname "$0")/../target/release/narrate"
cores=$(nproc)
books_at_once=${BOOKS_AT_ONCE:-$(((cores + 1) / 2))}
jobs=${JOBS:-$(((cores + books_at_once - 1) / books_at_once))}
voice=${VOICE:-zh-CN}
mkdir -p "$library"

# Each book runs as its own narrate writing to LIBRARY/<stem>/ (-o LIBRARY gives each
# input a folder named after it). xargs -P keeps BOOKS_AT_ONCE of them going; a failed
# book does not stop the others, and the exit status says whether any failed.
find "$books" -maxdepth 1 -type f \( -name '*.txt' -o -name '*.md' \) -print0 |
    sort -z |
    xargs -0 -r -n 1 -P "$books_at_once" \
        "$narrate" --voice "$voice" --jobs "$jobs" -q -o "$library"
