#!/bin/sh
# `claimgraph settle --sorted` reads a regular file by offset in parts, and
# standard input and a pipe in order: all three must write the same rows, on
# 1 and 2 threads. A directory or a missing file is an error naming it, with
# no output file left behind. Mapped (the default) or read with pread, a file
# gives the same rows.
#
#   cli_sorted_inputs.sh CLAIMGRAPH_BINARY SOURCE_DIR
set -eu
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
policy="$src/rules/demo-city-2026.yaml"
claims="$src/tests/golden/demo-city-2026/claims.jsonl"

for t in 1 2; do
    "$bin" settle --sorted --threads $t --policy "$policy" --claims "$claims" --out "$tmp/file-$t.jsonl" 2>/dev/null || true
    "$bin" settle --sorted --threads $t --policy "$policy" --claims - < "$claims" > "$tmp/stdin-$t.jsonl" 2>/dev/null || true
    mkfifo "$tmp/pipe"
    cat "$claims" > "$tmp/pipe" &
    "$bin" settle --sorted --threads $t --policy "$policy" --claims "$tmp/pipe" > "$tmp/pipe-$t.jsonl" 2>/dev/null || true
    wait
    rm "$tmp/pipe"
    for how in stdin pipe; do
        if ! cmp -s "$tmp/file-$t.jsonl" "$tmp/$how-$t.jsonl"; then
            echo "--sorted on $t threads: $how differs from the file" >&2
            diff "$tmp/file-$t.jsonl" "$tmp/$how-$t.jsonl" | head -5 >&2
            exit 1
        fi
    done
done
rows=$(wc -l < "$tmp/file-1.jsonl")
lines=$(grep -c . "$claims")
if [ "$rows" -ne "$lines" ]; then
    echo "--sorted wrote $rows rows for $lines claim lines" >&2
    exit 1
fi
cmp -s "$tmp/file-1.jsonl" "$tmp/file-2.jsonl" || { echo "--sorted: 1 and 2 threads differ" >&2; exit 1; }

# The file mapped and read with pread: the same rows, sorted or not, on one
# thread and on two.
for sorted in "" --sorted; do
  for t in 1 2; do
    "$bin" settle $sorted --threads $t --file-access read --policy "$policy" --claims "$claims" --out "$tmp/read.jsonl" 2>/dev/null || true
    "$bin" settle $sorted --threads $t --file-access map --policy "$policy" --claims "$claims" --out "$tmp/map.jsonl" 2>/dev/null || true
    [ -s "$tmp/read.jsonl" ] || { echo "--file-access read $sorted on $t threads wrote nothing" >&2; exit 1; }
    cmp -s "$tmp/read.jsonl" "$tmp/map.jsonl" || { echo "--file-access read and map differ $sorted on $t threads" >&2; exit 1; }
  done
done
if "$bin" settle --file-access mmap --policy "$policy" --claims "$claims" --out "$tmp/bad.jsonl" 2> "$tmp/err.txt"; then
    echo "--file-access mmap was taken" >&2
    exit 1
fi
grep -q "file-access must be auto, map or read, not 'mmap'" "$tmp/err.txt" || { echo "--file-access mmap: unclear error" >&2; cat "$tmp/err.txt" >&2; exit 1; }

for bad in "$tmp" "$tmp/missing.jsonl"; do
    if "$bin" settle --sorted --policy "$policy" --claims "$bad" --out "$tmp/bad.jsonl" 2> "$tmp/err.txt"; then
        echo "--sorted on $bad succeeded" >&2
        exit 1
    fi
    if ! grep -q "claims file $bad" "$tmp/err.txt"; then
        echo "--sorted on $bad: the error does not name it:" >&2
        cat "$tmp/err.txt" >&2
        exit 1
    fi
    if [ -e "$tmp/bad.jsonl" ] || [ -e "$tmp/bad.jsonl.tmp" ]; then
        echo "--sorted on $bad left an output file behind" >&2
        exit 1
    fi
done
echo "ok"
