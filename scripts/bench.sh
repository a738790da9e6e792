#!/usr/bin/env bash
# Builds the benchmarks and prints one markdown summary table
# (docs/performance.md explains every row).
#
#   ./scripts/bench.sh                 # full run, about 6 minutes on 2 idle cores (8 GB RSS peak)
#   ./scripts/bench.sh --update-doc    # ... and replace the table in docs/performance.md
#
# Environment:
#   BUILD_DIR  (default build-bench)   JOBS (default nproc)
#   REPS       (default 5)   Google Benchmark repetitions; medians are reported
#   E2E_CLAIMS (default 1000000)       claims in the end-to-end file
#   E2E_RUNS   (default 3)   end-to-end runs per thread count; medians are reported
#   SEED       (default 20260101)      corpus seed (same seed → same corpus)
#
# Outputs go to $BUILD_DIR/bench-results/: the raw Google Benchmark JSON, the
# /usr/bin/time logs, machine.md and summary.md (the table printed at the end).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=${BUILD_DIR:-build-bench}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
REPS=${REPS:-5}
E2E_CLAIMS=${E2E_CLAIMS:-1000000}
E2E_RUNS=${E2E_RUNS:-3}
SEED=${SEED:-20260101}
UPDATE_DOC=0
for arg in "$@"; do
  case $arg in
    --update-doc) UPDATE_DOC=1 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $arg" >&2; exit 1 ;;
  esac
done
OUT=$BUILD_DIR/bench-results
POLICY=rules/demo-city-2026.yaml

say() { printf '==> %s\n' "$*" >&2; }
command -v python3 >/dev/null || { echo "bench.sh: python3 is needed to summarise" >&2; exit 1; }

say "configure + build ($BUILD_DIR, Release, benchmarks on)"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCLAIMGRAPH_BUILD_BENCH=ON \
  -DCLAIMGRAPH_BUILD_TESTS=OFF -DCLAIMGRAPH_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" --target claimgraph_cli bench_settle bench_decode bench_compile bench_gen_claims \
  bench_file_phases bench_machine_state >/dev/null
mkdir -p "$OUT"

# --- the machine ------------------------------------------------------------
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# The core's speed and the memory's latency now, and again after the runs:
# this VM's end-to-end times move with the memory's latency (the host's
# shared cache), not with the core's speed (docs/performance.md, session 23).
state_before=$("$BUILD_DIR/bench_machine_state")
{
  echo "- CPUs: $(nproc) ($(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1))"
  echo "- memory: $(free -g 2>/dev/null | awk '/^Mem:/{print $2 " GiB"}')"
  echo "- caches: $(lscpu 2>/dev/null | sed -n 's/^\(L[23]\) cache: *\(.*\)/\1 \2/p' | paste -sd';' | sed 's/;/; /')"
  echo "- compiler: $(${CXX:-c++} --version 2>/dev/null | head -1)"
  echo "- kernel: $(uname -sr)"
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (+ local changes)')"
} >"$OUT/machine.md"

# --- in-memory benchmarks -----------------------------------------------------
GB_FLAGS=(--benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true --benchmark_out_format=json)
for b in settle decode compile; do
  say "bench_$b (repetitions $REPS)"
  CLAIMGRAPH_BENCH_SEED=$SEED "$BUILD_DIR/bench_$b" "${GB_FLAGS[@]}" --benchmark_out="$OUT/$b.json" >&2
done

# --- end to end ---------------------------------------------------------------
CLAIMS_FILE=$OUT/claims-$E2E_CLAIMS-$SEED.jsonl
if [[ ! -s $CLAIMS_FILE ]]; then
  say "generating $E2E_CLAIMS claims → $CLAIMS_FILE"
  "$BUILD_DIR/bench_gen_claims" "$E2E_CLAIMS" "$CLAIMS_FILE.part" "$SEED"
  mv "$CLAIMS_FILE.part" "$CLAIMS_FILE"
fi

# Writes FILE out and drops its page cache, so that the read before each run
# fills the cache from disk. A file just written sits in the writer's small
# pages; one read from disk sits in the large folios readahead builds, as a
# claims file that arrives from elsewhere does. The difference is the kernel's
# to map: session 26 measured 2 threads on the file in date order at
# 0.81-0.89 s wall (system 0.28-0.36 s) just after `sort` wrote it and
# 0.73-0.75 s (system 0.12-0.13 s) once dropped and read again.
from_disk() {
  python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$1"
}

# Runs `claimgraph settle` once; appends "label wall_s user_s sys_s maxrss_kb" to
# $OUT/e2e.txt. The label is the thread count, "sortedN" for --sorted on N
# threads on the file sorted into settlement order, or "datedN" for the
# default path on N threads on the file sorted by date.
run_e2e() {
  local threads=$1 log=$OUT/e2e-t$1-r$2.log res=$OUT/results-t$1.jsonl
  local input=$CLAIMS_FILE
  local cmd=("$BUILD_DIR/claimgraph" settle --policy "$POLICY" --claims "$input" --out "$res")
  if [[ $threads == sorted* ]]; then
    input=$SORTED_FILE
    cmd=("$BUILD_DIR/claimgraph" settle --sorted --threads "${threads#sorted}" --policy "$POLICY" --claims "$input" --out "$res")
  elif [[ $threads == dated* ]]; then
    input=$DATED_FILE
    cmd=("$BUILD_DIR/claimgraph" settle --threads "${threads#dated}" --policy "$POLICY" --claims "$input" --out "$res")
  elif ((threads > 1)); then
    cmd+=(--threads "$threads")
  fi
  # The input read once beforehand, so that every run reads it from the page
  # cache: this VM's proactive reclaim (kdamond) evicts cold file pages, and a
  # run that reads half its input from disk measures the disk, not claimgraph.
  cat "$input" >/dev/null
  # The last run's output goes first: replacing a 300 MB file makes the
  # rename free its blocks, about 50 ms of file-system work (measured with
  # strace) that is no part of settling.
  rm -f "$res"
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -v "${cmd[@]}" 2>"$log" || { cat "$log" >&2; echo "bench.sh: claimgraph settle failed" >&2; exit 1; }
    python3 - "$log" "$threads" >>"$OUT/e2e.txt" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
def f(k):
    return re.search(re.escape(k) + r":\s*(.+)", t).group(1).strip()
w = [float(x) for x in f("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
wall = w[-1] + 60 * w[-2] + (3600 * w[-3] if len(w) > 2 else 0)
print(sys.argv[2], wall, f("User time (seconds)"), f("System time (seconds)"), f("Maximum resident set size (kbytes)"))
EOF
  else  # no GNU time: getrusage(RUSAGE_CHILDREN)
    python3 - "$threads" "${cmd[@]}" >>"$OUT/e2e.txt" 2>"$log" <<'EOF'
import resource, subprocess, sys, time
t0 = time.monotonic()
rc = subprocess.run(sys.argv[2:]).returncode
wall = time.monotonic() - t0
if rc != 0: sys.exit(f"claimgraph settle failed ({rc})")
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(sys.argv[1], wall, r.ru_utime, r.ru_stime, r.ru_maxrss)
EOF
  fi
}

: >"$OUT/e2e.txt"
THREADS=(1)
if "$BUILD_DIR/claimgraph" settle --help 2>/dev/null | grep -q -- '--threads'; then THREADS+=(2); fi
# E2E_RUNS runs per thread count; $1 is "" (the shuffled file), "sorted" or "dated".
run_e2e_all() {
  local t r
  for t in "${THREADS[@]}"; do
    for ((r = 1; r <= E2E_RUNS; r++)); do
      local what=""
      [[ $1 == sorted ]] && what=" --sorted"
      [[ $1 == dated ]] && what=" (file in date order)"
      say "end to end: claimgraph settle$what, $t thread(s), run $r/$E2E_RUNS"
      run_e2e "$1$t" "$r"
    done
  done
}
from_disk "$CLAIMS_FILE"
run_e2e_all ""
# The passes of the same run timed one by one (bench_file_phases: settle_file
# as the CLI calls it), once per thread count, after the timed runs.
: >"$OUT/phases.txt"
for t in "${THREADS[@]}"; do
  say "end to end by pass, $t thread(s)"
  cat "$CLAIMS_FILE" >/dev/null
  "$BUILD_DIR/bench_file_phases" "$POLICY" "$CLAIMS_FILE" "$t" "$OUT/results-phases.jsonl" >>"$OUT/phases.txt"
  cmp -s "$OUT/results-t1.jsonl" "$OUT/results-phases.jsonl" ||
    { echo "bench.sh: bench_file_phases wrote different results from claimgraph settle" >&2; exit 1; }
done

# The same claims in settlement order (member_id, date, claim_id: the generator
# writes those keys as the 4th, 8th and 12th '"'-separated fields), for --sorted.
SORTED_FILE=$OUT/claims-$E2E_CLAIMS-$SEED.sorted.jsonl
if [[ ! -s $SORTED_FILE ]]; then
  say "sorting the claim file into settlement order → $SORTED_FILE"
  LC_ALL=C sort -t'"' -k8,8 -k12,12 -k4,4 -S 1G "$CLAIMS_FILE" >"$SORTED_FILE.part"
  mv "$SORTED_FILE.part" "$SORTED_FILE"
fi
from_disk "$SORTED_FILE"
run_e2e_all sorted
# The same claims in date order (date, claim_id: the 12th and 4th fields),
# as a settlement system exports a period's claims: every member's claims in
# order, but members interleaved all through the file. The default path
# (no --sorted), whose window then serves every claim.
DATED_FILE=$OUT/claims-$E2E_CLAIMS-$SEED.dated.jsonl
if [[ ! -s $DATED_FILE ]]; then
  say "sorting the claim file by date → $DATED_FILE"
  LC_ALL=C sort -t'"' -k12,12 -k4,4 -S 1G "$CLAIMS_FILE" >"$DATED_FILE.part"
  mv "$DATED_FILE.part" "$DATED_FILE"
fi
from_disk "$DATED_FILE"
run_e2e_all dated
# Rows go out in input order: the date-ordered file's are the same rows in another order.
if ! cmp -s <(LC_ALL=C sort -S 1G "$OUT/results-t1.jsonl") <(LC_ALL=C sort -S 1G "$OUT/results-tdated1.jsonl"); then
  echo "bench.sh: the file in date order settled to different rows" >&2
  exit 1
fi
if [[ -f $OUT/results-t2.jsonl ]] && ! cmp -s "$OUT/results-t1.jsonl" "$OUT/results-t2.jsonl"; then
  echo "bench.sh: --threads 2 wrote different results from 1 thread" >&2
  exit 1
fi
if [[ -f $OUT/results-tsorted2.jsonl ]] && ! cmp -s "$OUT/results-tsorted1.jsonl" "$OUT/results-tsorted2.jsonl"; then
  echo "bench.sh: --sorted --threads 2 wrote different results from 1 thread" >&2
  exit 1
fi
if [[ -f $OUT/results-tdated2.jsonl ]] && ! cmp -s "$OUT/results-tdated1.jsonl" "$OUT/results-tdated2.jsonl"; then
  echo "bench.sh: the file in date order on 2 threads wrote different results from 1 thread" >&2
  exit 1
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "- machine state (\`bench_machine_state\`) before the runs: $state_before; after: $("$BUILD_DIR/bench_machine_state")" >>"$OUT/machine.md"

# --- summary ------------------------------------------------------------------
python3 - "$OUT" "$CLAIMS_FILE" "$E2E_CLAIMS" "$load_before" "$load_after" "$REPS" "$E2E_RUNS" "${#THREADS[@]}" \
  >"$OUT/summary.md" <<'EOF'
import json, os, statistics, sys
out, claims_file, n, load0, load1, reps, runs, nthreads = sys.argv[1:9]
n = int(n)

def medians(name):  # run name (without /process_time, /real_time) -> median (or the only run)
    d = json.load(open(os.path.join(out, name + ".json")))
    key = lambda b: b["run_name"].replace("/process_time", "").replace("/real_time", "")
    bs = d["benchmarks"]
    med = {key(b): b for b in bs if b.get("aggregate_name") == "median"}
    return med or {key(b): b for b in bs if b.get("run_type") == "iteration"}, d["context"]

S, ctx = medians("settle")
D, _ = medians("decode")
C, _ = medians("compile")

def ns(b):  # per_claim counter is seconds per claim
    return b["per_claim"] * 1e9

def ms(b):
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
    return b["cpu_time"] * scale

eng, hw = S["BM_EngineSettle"], S["BM_HandwrittenSettle"]
rows = []
def row(metric, value, note=""):
    rows.append(f"| {metric} | {value} | {note} |")

row("engine settle, 1 thread, in memory", f"{ns(eng):,.0f} ns/claim ({eng['items_per_second']/1e3:,.0f}k claims/s)",
    "`BM_EngineSettle`, CPU time")
row("hand-written settle, same corpus", f"{ns(hw):,.0f} ns/claim ({hw['items_per_second']/1e6:,.2f}M claims/s)",
    "`BM_HandwrittenSettle`, dense accumulator array")
row("ratio of the two medians above", f"{ns(eng)/ns(hw):.2f}×", "identical 12 outputs checked on every claim")
if "BM_EngineOverHandwritten" in S:
    p = S["BM_EngineOverHandwritten"]
    row("**ratio engine / hand-written, paired passes**", f"**{p['ratio']:.2f}×**",
        f"`BM_EngineOverHandwritten`: one pass of each back to back per iteration, median of {reps}; "
        f"engine {p['engine_ns']:,.0f} ns, hand-written {p['hand_ns']:,.0f} ns per claim (wall)")
if "BM_EngineSettleColumns" in S:
    ec = S["BM_EngineSettleColumns"]
    row("engine settle, fee lines in columns (a line shape with no fused kernel)", f"{ns(ec):,.0f} ns/claim",
        f"`BM_EngineSettleColumns`: the reference policy with one line value rewritten; ratio {ns(ec)/ns(hw):.1f}×")
if "BM_EngineSettleInterpreted" in S:
    ei = S["BM_EngineSettleInterpreted"]
    row("engine settle, interpreter only (claim program and fee lines of no compiled-in shape)", f"{ns(ei):,.0f} ns/claim",
        f"`BM_EngineSettleInterpreted`: also one claim-level condition rewritten; what any other policy costs; ratio {ns(ei)/ns(hw):.1f}×")
if "BM_EngineSettleNext" in S and "BM_HandwrittenSettleNext" in S:
    en, hn = S["BM_EngineSettleNext"], S["BM_HandwrittenSettleNext"]
    row("engine settle, next claim named (batch paths)", f"{ns(en):,.0f} ns/claim ({en['items_per_second']/1e3:,.0f}k claims/s)",
        f"`BM_EngineSettleNext`: ratio to the plain hand-written function {ns(en)/ns(hw):.1f}×")
    row("hand-written, given the same head start", f"{ns(hn):,.0f} ns/claim",
        f"`BM_HandwrittenSettleNext`: like-for-like ratio {ns(en)/ns(hn):.1f}×")
if "BM_HandwrittenSettleHashLedger" in S:
    h = S["BM_HandwrittenSettleHashLedger"]
    row("hand-written + hash-map ledger", f"{ns(h):,.0f} ns/claim", f"ratio engine / this: {ns(eng)/ns(h):.1f}×")
if "BM_LedgerOnly" in S:
    row("MemoryLedger traffic alone", f"{ns(S['BM_LedgerOnly']):,.0f} ns/claim", "one period of 8 accumulators read + added per claim")
if "BM_SettleRecordsJsonl" in S:
    row("settle_records_jsonl (order + settle + write)", f"{ns(S['BM_SettleRecordsJsonl']):,.0f} ns/claim",
        "decoded records in, JSONL text out")
for bm, what in (("BM_SettleRecordsThreads", "settle_records(…, ledgers) (engine API, JSONL out)"),
                 ("BM_EngineSettleThreads", "Graph::settle only, members split in the bench")):
    t1, t2 = S.get(bm + "/1"), S.get(bm + "/2")
    if t1 and t2:
        row(f"in memory, 1 → 2 threads: {what}",
            f"{t1['items_per_second']/1e3:,.0f}k → {t2['items_per_second']/1e3:,.0f}k claims/s "
            f"({t2['items_per_second']/t1['items_per_second']:.2f}×)",
            "wall time; only meaningful on an otherwise idle machine")
dec = D["BM_DecodeJsonl"]
row("decode JSONL (read_claims_jsonl)",
    f"{dec['bytes_per_second']/1e6:,.0f} MB/s ({ns(dec):,.0f} ns/claim)", "CPU time; all records kept")
for bm, what in (("BM_ClaimDecoder", "decode, one reused ClaimDecoder (the file paths)"),
                 ("BM_ClaimDecoderSimdjsonOnly", "the same, full simdjson decoder only (fast path off)")):
    if bm in D:
        row(what, f"{D[bm]['bytes_per_second']/1e6:,.0f} MB/s ({ns(D[bm]):,.0f} ns/claim)", "CPU time")
if "BM_WriteResultsJsonl" in D:
    w = D["BM_WriteResultsJsonl"]
    row("write results JSONL", f"{w['bytes_per_second']/1e6:,.0f} MB/s of output "
        f"({1e9/w['items_per_second']:,.0f} ns/claim)", "")

size = os.path.getsize(claims_file)
e2e = {}
sorted_runs = {}
dated_runs = {}
for line in open(os.path.join(out, "e2e.txt")):
    t, wall, user, sys_, rss = line.split()
    run = (float(wall), float(user) + float(sys_), int(rss))
    if t.startswith("sorted"):
        sorted_runs.setdefault(int(t[len("sorted"):]), []).append(run)
    elif t.startswith("dated"):
        dated_runs.setdefault(int(t[len("dated"):]), []).append(run)
    else:
        e2e.setdefault(int(t), []).append(run)
for t in sorted(e2e):
    wall = statistics.median(r[0] for r in e2e[t])
    cpu = statistics.median(r[1] for r in e2e[t])
    rss = max(r[2] for r in e2e[t]) / 1024
    row(f"end to end `claimgraph settle`, {t} thread{'s' if t > 1 else ''}",
        f"{n/wall:,.0f} claims/s, {size/1e6/wall:,.0f} MB/s",
        f"{n:,} claims, {size/1e6:,.0f} MB in; wall {wall:.1f} s (CPU {cpu:.1f} s), median of {len(e2e[t])}")
    row(f"peak memory (RSS), end to end, {t} thread{'s' if t > 1 else ''}",
        f"{rss:,.0f} MiB → {rss / (n/1e6):,.0f} MiB per million claims", "max over runs")
phases_file = os.path.join(out, "phases.txt")
for line in open(phases_file) if os.path.exists(phases_file) else []:
    f = line.split()
    v = dict(zip(f[0::2], f[1::2]))
    t = int(v["threads"])
    row(f"end to end by pass, {t} thread{'s' if t > 1 else ''}",
        f"keys {float(v['keys']):.2f} s, order {float(v['order']):.2f} s, settle {float(v['settle']):.2f} s",
        f"`bench_file_phases`, one run: key pass (read + keys), settlement order and repeated-id sorts, "
        f"settlement pass (decode, settle, write); CPU user {float(v['user']):.2f} s + system {float(v['sys']):.2f} s"
        + (f"; the input's page cache {float(v['huge_folios']):.0%} in 2 MB folios" if float(v.get('huge_folios', -1)) >= 0 else ""))
def summary(runs_t):  # (median wall, median CPU, peak RSS in MiB)
    return (statistics.median(r[0] for r in runs_t), statistics.median(r[1] for r in runs_t),
            max(r[2] for r in runs_t) / 1024)
for t in sorted(sorted_runs):
    wall, cpu, rss = summary(sorted_runs[t])
    runs_t = sorted_runs[t]
    threads_word = f"{t} thread{'s' if t > 1 else ''}"
    row(f"end to end `claimgraph settle --sorted`, {threads_word}", f"{n/wall:,.0f} claims/s, {size/1e6/wall:,.0f} MB/s",
        f"the same claims sorted into settlement order; wall {wall:.1f} s (CPU {cpu:.1f} s), median of {len(runs_t)}")
    row(f"peak memory (RSS), `--sorted`, {threads_word}", f"{rss:,.0f} MiB",
        "bounded: two 8 MB input blocks, their rows, ledger, order check")
for t in sorted(dated_runs):
    wall, cpu, rss = summary(dated_runs[t])
    runs_t = dated_runs[t]
    threads_word = f"{t} thread{'s' if t > 1 else ''}"
    row(f"end to end `claimgraph settle`, file in date order, {threads_word}",
        f"{n/wall:,.0f} claims/s, {size/1e6/wall:,.0f} MB/s",
        f"the same claims sorted by date (members interleaved); wall {wall:.1f} s (CPU {cpu:.1f} s), "
        f"peak {rss:,.0f} MiB, median of {len(runs_t)}")
if 2 not in e2e:
    row("end to end, 2 threads", "n/a", "`claimgraph settle --help` lists no `--threads` yet")
ref = C["BM_CompileReference"]
row("compile reference policy", f"{ms(ref):.1f} ms", f"load + check + lower, {int(ref['nodes'])} nodes")
for k in sorted(C):
    if k.startswith("BM_CompileTable/"):
        row(f"compile with a {int(C[k]['rows']):,}-row table", f"{ms(C[k]):,.1f} ms",
            f"{C[k]['yaml_KB']:,.0f} KB of YAML")

print("| metric | value | notes |")
print("|---|---|---|")
print("\n".join(rows))
print()
print(f"Medians of {reps} repetitions (Google Benchmark) and {runs} end-to-end runs. "
      f"Load average before/after: {load0} / {load1} on {ctx.get('num_cpus', '?')} CPUs.")
EOF

if ((UPDATE_DOC)); then
  python3 - "$OUT/summary.md" "$OUT/machine.md" docs/performance.md <<'EOF'
import re, sys
table, machine, doc = (open(p).read() for p in sys.argv[1:4])
for tag, body in (("table", table), ("machine", machine)):
    doc, k = re.subn(rf"(<!-- bench:{tag}:begin -->\n).*?(<!-- bench:{tag}:end -->)",
                     lambda m: m.group(1) + body.rstrip("\n") + "\n" + m.group(2), doc, flags=re.S)
    if k != 1: sys.exit(f"docs/performance.md: no bench:{tag} markers")
open(sys.argv[3], "w").write(doc)
EOF
  say "updated docs/performance.md"
fi

echo
cat "$OUT/machine.md"
echo
cat "$OUT/summary.md"
