#!/usr/bin/env bash
# make bench: aesync side by side with its rivals on this machine, and issue 15's targets. Prints
# figures and asserts nothing about time (it does fail when a tool fails, loses rows, or when the
# two files give ClickHouse different answers). In one invocation:
#   1. generates two seeded AE JSONEachRow dumps of one UTC day (BENCH_ROWS rows each;
#      scripts/gen-ae-sample.mjs) into a temporary folder, once each:
#        day 1: 5,000 machines, 200 orgs, 13 short process names (~275 bytes a row);
#        day 2: 50,000 machines, 5,000 orgs, long process names (--long-process-names: 400
#               command lines of 40..200 bytes), the "other cardinalities" of issue 15;
#   2. per day, converts that same file with `aesync convert` (built-in mapping, zstd), DuckDB
#      (bench/rivals/duckdb_convert.mjs: the same mapping in SQL, zstd, DuckDB's threads) at zstd
#      level 3 (DuckDB's default: the target's rival) and level 1, and on day 1 @dsnp/parquetjs
#      (bench/rivals/parquetjs_convert.mjs: pure JS, on a slice since it is ~30x slower),
#      alternating run by run (a1 d1 p1 a2 d2 p2 ...) so that whatever else the machine does hits
#      every tool alike; per tool the medians of rows/s, MB/s of JSON read, CPU seconds, peak RSS
#      (/usr/bin/time) and output bytes, then the aesync/DuckDB ratios;
#   3. PostHog's side, per day: ClickHouse (chdb) runs the two example queries and a full scan over
#      aesync's file and over DuckDB's (level 3) file of the same rows (bench/rivals/chdb_queries.mjs:
#      in one process, warm-up, medians of BENCH_QUERY_RUNS, the files alternating; it fails when
#      the two files give different answers); the ratio aesync/DuckDB of the median times;
#   4. a scale run: BENCH_SCALE_ROWS rows of day 1's shape streamed from the generator through a
#      pipe into `aesync convert --input -` (never written to disk first): aesync's memory must
#      not grow with the input; the generator (~250k rows/s) sets the pace, so aesync's CPU
#      seconds are reported beside the wall time;
#   5. an end-to-end `aesync sync` of day 1 from the AE SQL API gateway (in front of a real
#      ClickHouse) to the S3 harness (s3rver behind a SigV4-verifying proxy) over loopback
#      (bench/e2e/sync_day.mjs), with the CPU each party spent and what the source alone can
#      serve, then again with the AE answers replayed from memory (no ClickHouse, no gateway),
#      so that the figures say what limits them; and five tables from the same read (the raw table,
#      the three per-metric-type tables and the hourly rollup of examples/tables-*.toml): peak RSS,
#      time and AE requests next to the single table's; of day 2 only the replayed sync
#      (--replayed-only): the target is replayed sync rows/s / convert rows/s of the same day;
#   6. a 30-day backfill through the same gateway with 300 ms of latency per query (the real
#      API's round trip; small days of 2,000 rows), once with the binary AESYNC_BEFORE_BIN (when
#      set: e.g. the release before issue 11, hourly windows + a count per window) and once with
#      this one: wall time, requests by kind (the gateway's counters) and requests per day
#      (bench/e2e/backfill_latency.mjs; it fails when a run fails or the export differs from the
#      source);
#   7. the micro-benchmarks (bench/micro, Google Benchmark) when BENCH_MICRO_BIN names the built
#      aesync_micro (`make bench` builds it and sets it): the full output to
#      bench/results/micro.txt, and per benchmark family the CPU time and items/s
#      (scripts/bench-micro-summary.mjs) in the results, so a before/after shows where the time went;
#   8. the Targets table (each target of issue 15, its threshold, the figure per day, met or not),
#      written at the top of bench/results/make-bench.txt (everything printed) and of
#      bench/results/make-bench.md (the same figures as Markdown tables), and printed last;
#      then README.md's Performance figures are regenerated from make-bench.md
#      (scripts/readme-bench.sh: between <!-- bench:start --> and <!-- bench:end -->).
# Knobs (environment): BENCH_ROWS (2000000), BENCH_RUNS (5), BENCH_SCALE_ROWS (20000000),
# BENCH_PARQUETJS_ROWS (200000), BENCH_PARQUETJS_RUNS (= BENCH_RUNS), BENCH_E2E_RUNS (3),
# BENCH_QUERY_RUNS (7), BENCH_SKIP_SCALE=1, BENCH_SKIP_E2E=1, BENCH_SKIP_BACKFILL=1,
# BENCH_SKIP_DAY2=1, BENCH_SKIP_QUERIES=1, BENCH_SKIP_README=1 (shorter iterations while
# developing), BENCH_MICRO_BIN (the micro-benchmarks' binary; unset: not run), BENCH_MICRO_BEFORE_BIN (an
# earlier build's aesync_micro: its figures beside the current ones, a before/after per family), AESYNC_BEFORE_BIN
# (the "before" binary of the backfill section), BENCH_RESULTS (bench/results: where the results go;
# the tests point it elsewhere).
# Nothing here runs two measurements at once: the figures are for a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/aesync}")
rows_wanted=${BENCH_ROWS:-2000000}
runs=${BENCH_RUNS:-5}
scale_rows=${BENCH_SCALE_ROWS:-20000000}
pj_rows_wanted=${BENCH_PARQUETJS_ROWS:-200000}
pj_runs=${BENCH_PARQUETJS_RUNS:-$runs}
e2e_runs=${BENCH_E2E_RUNS:-3}
query_runs=${BENCH_QUERY_RUNS:-7}
micro_bin=${BENCH_MICRO_BIN:+$(realpath "$BENCH_MICRO_BIN")}
micro_before_bin=${BENCH_MICRO_BEFORE_BIN:+$(realpath "$BENCH_MICRO_BEFORE_BIN")}
micro_before=()
start_day=2026-02-03
seed=11
results=${BENCH_RESULTS:-bench/results}
# The two days: the generator's options, and what the tables call them.
days=(1)
[ "${BENCH_SKIP_DAY2:-0}" = 1 ] || days+=(2)
declare -A day_machines=([1]=5000 [2]=50000) day_orgs=([1]=200 [2]=5000) day_long=([1]=false [2]=true)
declare -A day_label=(
  [1]="day 1: 5,000 machines, 200 orgs, short process names"
  [2]="day 2: 50,000 machines, 5,000 orgs, long process names"
)
gen_args() { # DAY: gen-ae-sample.mjs's options of that day (without --rows/--days)
  echo "--start $start_day --seed $seed --machines ${day_machines[$1]} --orgs ${day_orgs[$1]}$([ "${day_long[$1]}" = true ] && echo ' --long-process-names')"
}

[ -x "$bin" ] || { echo "bench: $bin is not an executable (build it first: make build)" >&2; exit 2; }
[ -z "$micro_bin" ] || [ -x "$micro_bin" ] || { echo "bench: BENCH_MICRO_BIN=$BENCH_MICRO_BIN is not an executable" >&2; exit 2; }
[ -z "$micro_before_bin" ] || [ -x "$micro_before_bin" ] || { echo "bench: BENCH_MICRO_BEFORE_BIN=$BENCH_MICRO_BEFORE_BIN is not an executable" >&2; exit 2; }
# The rivals and the e2e harness are npm packages (package.json); `make bench` builds aesync
# but may run before `make test` ever installed them.
if ! node -e "for (const p of ['@duckdb/node-api', '@dsnp/parquetjs', 's3rver', 'chdb']) require.resolve(p)" 2>/dev/null; then
  scripts/install-deps.sh --with-npm
fi
mkdir -p "$results"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# ---------------------------------------------------------------------------------------------
# Helpers.

# run_timed TIMEFILE CMD...: runs CMD under /usr/bin/time; TIMEFILE gets "wall maxrss_kib user sys".
run_timed() {
  local tf=$1
  shift
  /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@"
}
# The last line of a time file (time(1) puts "Command exited with non-zero status" first).
time_of() { tail -n 1 "$1"; }
# The median of the numbers on stdin, one a line.
med() {
  sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# runs.tsv: one line per run: day tool run seconds rss_kib user sys out_bytes rows cpu_seconds.
# median DAY TOOL COLUMN: the median of a column of runs.tsv over one tool's runs of one day.
median() { awk -v d="$1" -v t="$2" -v c="$3" '$1 == d && $2 == t { print $c }' "$dir/runs.tsv" | med; }
# A JSON field of a file (dotted path) through node.
json_field() { node -e "const v = '$2'.split('.').reduce((o, k) => o[k], JSON.parse(require('fs').readFileSync('$1', 'utf8'))); console.log(v)"; }
# Thousands separators for the Markdown tables.
commas() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }
# ratio A B [DIGITS]: A / B.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f", d, a / b }'; }
export LC_NUMERIC=C

main() {
  # -------------------------------------------------------------------------------------------
  # The header: the machine and the versions.
  local cpu mem_gib aesync_version duck_version duck_pkg pj_version ch_version chdb_version
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
  mem_gib=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
  aesync_version=$("$bin" --version)
  duck_version=$(node --input-type=module -e "import { version } from '@duckdb/node-api'; console.log(version())")
  duck_pkg=$(node -p "require('@duckdb/node-api/package.json').version")
  pj_version=$(node -p "require('@dsnp/parquetjs/package.json').version")
  chdb_version=$(node -p "require('chdb/package.json').version")
  ch_version=$(dpkg-query -W -f='${Version}' clickhouse-server 2>/dev/null || echo 'not installed')
  echo "== make bench ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo "machine:  $(nproc) cores ($cpu), $mem_gib GiB RAM, Linux $(uname -r)"
  echo "versions: $aesync_version; DuckDB $duck_version (@duckdb/node-api $duck_pkg); @dsnp/parquetjs $pj_version; chdb $chdb_version (npm); node $(node --version); clickhouse-server $ch_version"

  # -------------------------------------------------------------------------------------------
  # 1. The inputs, generated once each.
  declare -A rows in_bytes
  local day t0 t1 gen_secs
  for day in "${days[@]}"; do
    t0=$(date +%s.%N)
    # shellcheck disable=SC2046 # gen_args is a list of options
    node scripts/gen-ae-sample.mjs --rows "$rows_wanted" --days 1 $(gen_args "$day") > "$dir/in-$day.jsonl"
    t1=$(date +%s.%N)
    gen_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    rows[$day]=$(wc -l < "$dir/in-$day.jsonl")
    in_bytes[$day]=$(stat -c %s "$dir/in-$day.jsonl")
    echo "input $day:  ${rows[$day]} rows, ${in_bytes[$day]} bytes of AE JSONEachRow (${day_label[$day]}; gen-ae-sample.mjs --rows $rows_wanted --days 1 $(gen_args "$day"), generated in $gen_secs s; read from the page cache)"
  done

  # parquetjs gets day 1's first rows only: at ~50k rows/s the whole input would take minutes a run.
  local pj_input=$dir/in-1.jsonl pj_rows=${rows[1]} pj_bytes=${in_bytes[1]} pj_label="all rows"
  if [ "$pj_rows_wanted" -lt "${rows[1]}" ]; then
    head -n "$pj_rows_wanted" "$dir/in-1.jsonl" > "$dir/slice.jsonl"
    pj_input=$dir/slice.jsonl
    pj_rows=$pj_rows_wanted
    pj_bytes=$(stat -c %s "$pj_input")
    pj_label="first $pj_rows rows"
  fi

  # -------------------------------------------------------------------------------------------
  # 2. convert, per day: aesync, DuckDB (level 3, level 1), parquetjs (day 1), alternating.
  : > "$dir/runs.tsv"
  : > "$dir/duckdb-copy.txt"
  declare -A m_secs m_rss m_cpu m_out m_rows m_bytes m_rps m_mbs r_rps r_rss r_out r_rps1 r_rss1 r_out1
  local duck_threads="" r_pj=""
  local run tool tools input n nbytes out secs rss user sys obytes k
  for day in "${days[@]}"; do
    tools="aesync duckdb duckdb1"
    [ "$day" != 1 ] || tools="$tools parquetjs"
    echo
    echo "-- convert, ${day_label[$day]}: the same file, $runs runs each, alternating $tools$([ "$day" = 1 ] && echo " (parquetjs: $pj_runs runs, $pj_label)")"
    if [ "$day" = 1 ]; then
      echo "   aesync:    aesync --log-level warn convert --input in.jsonl --output out.parquet (built-in mapping, aesync's default codec and level)"
      echo "   duckdb:    node bench/rivals/duckdb_convert.mjs in.jsonl out.parquet (read_json -> the mapping in SQL -> COPY ... zstd at DuckDB's default level 3; DuckDB runs inside node)"
      echo "   duckdb1:   the same with COMPRESSION_LEVEL 1: DuckDB at zstd level 1"
      echo "   parquetjs: node bench/rivals/parquetjs_convert.mjs in.jsonl out.parquet (readline + JSON.parse + ParquetWriter; GZIP: parquetjs has no zstd)"
    fi
    printf '%-4s %-10s %9s %8s %11s %8s %8s %10s %12s\n' run tool rows seconds rows/s MB/s cpu_s rss_MiB out_bytes
    for run in $(seq 1 "$runs"); do
      for tool in $tools; do
        input=$dir/in-$day.jsonl n=${rows[$day]} nbytes=${in_bytes[$day]} out=$dir/out-$tool-$day.parquet
        rm -f "$out"
        case $tool in
          aesync) run_timed "$dir/time" "$bin" --log-level warn convert --input "$input" --output "$out" ;;
          duckdb)
            run_timed "$dir/time" node bench/rivals/duckdb_convert.mjs "$input" "$out" > "$dir/duckdb.json"
            node -p "const j = require('$dir/duckdb.json'); [$day, j.copy_seconds, j.startup_seconds, j.startup_rss_mib].join(' ')" >> "$dir/duckdb-copy.txt"
            ;;
          duckdb1) run_timed "$dir/time" node bench/rivals/duckdb_convert.mjs "$input" "$out" 1 > "$dir/duckdb1.json" ;;
          parquetjs)
            [ "$run" -le "$pj_runs" ] || continue
            input=$pj_input n=$pj_rows nbytes=$pj_bytes
            run_timed "$dir/time" node bench/rivals/parquetjs_convert.mjs "$input" "$out" > "$dir/parquetjs.json"
            ;;
        esac
        # The rivals report the rows they wrote: a tool that lost rows is not measured.
        if [ "$tool" != aesync ]; then
          local wrote
          wrote=$(json_field "$dir/$tool.json" rows)
          [ "$wrote" = "$n" ] || { echo "bench: $tool wrote $wrote rows, expected $n" >&2; exit 1; }
        fi
        read -r secs rss user sys < <(time_of "$dir/time")
        obytes=$(stat -c %s "$out")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$day" "$tool" "$run" "$secs" "$rss" "$user" "$sys" "$obytes" "$n" \
          "$(awk -v u="$user" -v y="$sys" 'BEGIN { print u + y }')" >> "$dir/runs.tsv"
        awk -v r="$run" -v t="$tool" -v n="$n" -v b="$nbytes" -v s="$secs" -v u="$user" -v y="$sys" -v m="$rss" -v o="$obytes" \
          'BEGIN { printf "%-4s %-10s %9d %8.2f %11.0f %8.1f %8.2f %10.1f %12d\n", r, t, n, s, n / s, b / s / 1e6, u + y, m / 1024, o }'
      done
    done
    # The last run's files of aesync and DuckDB (level 3) stay for PostHog's side (section 3).
    rm -f "$dir/out-duckdb1-$day.parquet" "$dir/out-parquetjs-$day.parquet"
    [ -n "$duck_threads" ] || duck_threads=$(json_field "$dir/duckdb.json" threads)

    # Medians per tool: seconds, RSS, CPU, output bytes.
    for tool in $tools; do
      k=$tool$day
      m_secs[$k]=$(median "$day" "$tool" 4)
      m_rss[$k]=$(median "$day" "$tool" 5)
      m_cpu[$k]=$(median "$day" "$tool" 10)
      m_out[$k]=$(median "$day" "$tool" 8)
      m_rows[$k]=${rows[$day]}
      m_bytes[$k]=${in_bytes[$day]}
      [ "$tool" != parquetjs ] || { m_rows[$k]=$pj_rows; m_bytes[$k]=$pj_bytes; }
      m_rps[$k]=$(awk -v n="${m_rows[$k]}" -v s="${m_secs[$k]}" 'BEGIN { printf "%.0f", n / s }')
      m_mbs[$k]=$(awk -v b="${m_bytes[$k]}" -v s="${m_secs[$k]}" 'BEGIN { printf "%.1f", b / s / 1e6 }')
    done
    echo
    echo "-- convert, day $day: medians"
    printf '%-44s %9s %8s %11s %8s %8s %10s %12s\n' tool rows seconds rows/s MB/s cpu_s rss_MiB out_bytes
    declare -A label=(
      [aesync]="aesync"
      [duckdb]="DuckDB $duck_version (zstd 3, $duck_threads threads)"
      [duckdb1]="DuckDB $duck_version (zstd 1, $duck_threads threads)"
      [parquetjs]="parquetjs $pj_version (GZIP, $pj_label)"
    )
    for tool in $tools; do
      k=$tool$day
      awk -v t="${label[$tool]}" -v n="${m_rows[$k]}" -v s="${m_secs[$k]}" -v r="${m_rps[$k]}" -v mb="${m_mbs[$k]}" \
        -v c="${m_cpu[$k]}" -v m="${m_rss[$k]}" -v o="${m_out[$k]}" \
        'BEGIN { printf "%-44s %9d %8.2f %11d %8.1f %8.2f %10.1f %12d\n", t, n, s, r, mb, c, m / 1024, o }'
    done
    r_rps[$day]=$(ratio "${m_rps[aesync$day]}" "${m_rps[duckdb$day]}")
    r_rss[$day]=$(ratio "${m_rss[aesync$day]}" "${m_rss[duckdb$day]}")
    r_out[$day]=$(ratio "${m_out[aesync$day]}" "${m_out[duckdb$day]}" 3)
    r_rps1[$day]=$(ratio "${m_rps[aesync$day]}" "${m_rps[duckdb1$day]}")
    r_rss1[$day]=$(ratio "${m_rss[aesync$day]}" "${m_rss[duckdb1$day]}")
    r_out1[$day]=$(ratio "${m_out[aesync$day]}" "${m_out[duckdb1$day]}" 3)
    [ "$day" != 1 ] || r_pj=$(ratio "${m_rps[aesync1]}" "${m_rps[parquetjs1]}" 0)
    echo "aesync / DuckDB (level 3): rows/s ${r_rps[$day]}x, peak RSS ${r_rss[$day]}x, output bytes ${r_out[$day]}x$([ "$day" = 1 ] && echo "   (aesync / parquetjs rows/s: ${r_pj}x)")"
    echo "aesync / DuckDB (level 1): rows/s ${r_rps1[$day]}x, peak RSS ${r_rss1[$day]}x, output bytes ${r_out1[$day]}x"
  done
  # duckdb-copy.txt: per run, the day, the COPY's seconds, and node + DuckDB's start-up seconds and RSS (day 1).
  local copy_secs startup_secs startup_rss
  copy_secs=$(awk '$1 == 1 { print $2 }' "$dir/duckdb-copy.txt" | med)
  startup_secs=$(awk '$1 == 1 { print $3 }' "$dir/duckdb-copy.txt" | med)
  startup_rss=$(awk '$1 == 1 { print $4 }' "$dir/duckdb-copy.txt" | med)
  awk -v s="$copy_secs" -v n="${rows[1]}" -v a="${m_rps[aesync1]}" -v u="$startup_secs" -v m="$startup_rss" 'BEGIN {
    printf "day 1: DuckDB'"'"'s COPY statement alone (timed inside node, without the %.2f s and %.0f MiB node + DuckDB take before it): %.2f s, %.0f rows/s; aesync / that: %.2fx\n", u, m, s, n / s, a / (n / s) }'
  echo "parquetjs writes no dictionary pages and has no zstd: its output size is not comparable."

  # -------------------------------------------------------------------------------------------
  # 3. PostHog's side: chdb over aesync's file and DuckDB's (level 3) file of each day.
  local q_days=() qname
  if [ "${BENCH_SKIP_QUERIES:-0}" != 1 ]; then
    for day in "${days[@]}"; do
      echo
      echo "-- PostHog's side, day $day: chdb (ClickHouse in node) over aesync's file and DuckDB's (zstd 3) file of the same rows,"
      echo "   warm-up then $query_runs runs each, alternating; the two files' answers checked equal (bench/rivals/chdb_queries.mjs)"
      node bench/rivals/chdb_queries.mjs --aesync "$dir/out-aesync-$day.parquet" --duckdb "$dir/out-duckdb-$day.parquet" --runs "$query_runs" \
        --seed "$seed" --machines "${day_machines[$day]}" --orgs "${day_orgs[$day]}" --day "$start_day" > "$dir/queries-$day.json"
      q_days+=("$day")
      node - "$dir/queries-$day.json" <<'EOF'
const j = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const what = { startup: 'example query 1 (startup speed vs retention, joined with events)', unhealthy: 'example query 2 (orgs with the most unhealthy samples)', scan: 'full scan (sum of every numeric column, count(DISTINCT machine_id))' };
for (const [name, q] of Object.entries(j.queries)) {
  console.log(`${what[name].padEnd(72)} aesync's file ${q.aesync.toFixed(3)} s, DuckDB's ${q.duckdb.toFixed(3)} s: ${q.ratio.toFixed(2)}x`);
}
console.log(`chdb ${j.chdb}; same answers from both files: ${j.same_answers}; ${j.events} events; startup buckets ${JSON.stringify(j.answers.startup)}`);
EOF
    done
  fi

  # -------------------------------------------------------------------------------------------
  # 4. Scale: a pipe from the generator into aesync, never on disk (day 1's shape).
  local s_rows="" s_secs s_rss s_user s_sys s_out s_gen_cpu s_days
  if [ "${BENCH_SKIP_SCALE:-0}" != 1 ]; then
    s_days=$(( scale_rows > rows_wanted ? scale_rows / rows_wanted : 1 ))
    echo
    echo "-- scale: gen-ae-sample.mjs --rows $scale_rows --days $s_days | aesync convert --input - --output out.parquet (a pipe; the dump never touches the disk)"
    run_timed "$dir/gen.time" node scripts/gen-ae-sample.mjs --rows "$scale_rows" --start "$start_day" --days "$s_days" --seed "$seed" |
      run_timed "$dir/scale.time" "$bin" --log-level warn convert --input - --output "$dir/scale.parquet"
    read -r s_secs s_rss s_user s_sys < <(time_of "$dir/scale.time")
    s_gen_cpu=$(time_of "$dir/gen.time" | awk '{ printf "%.1f", $3 + $4 }')
    s_out=$(stat -c %s "$dir/scale.parquet")
    "$bin" inspect "$dir/scale.parquet" --json --rows 0 > "$dir/scale.json"
    s_rows=$(json_field "$dir/scale.json" num_rows)
    rm -f "$dir/scale.parquet"
    awk -v n="$s_rows" -v s="$s_secs" -v m="$s_rss" -v u="$s_user" -v y="$s_sys" -v o="$s_out" -v g="$s_gen_cpu" 'BEGIN {
      printf "rows %d, wall %.1f s (%.0f rows/s, the generator'"'"'s pace: it used %.1f CPU s), aesync CPU %.1f s (user %.1f + sys %.1f: %.0f rows per CPU second), peak RSS %.1f MiB, output %d bytes\n",
        n, s, n / s, g, u + y, u, y, n / (u + y), m / 1024, o }'
  fi
  rm -f "$dir"/out-*.parquet

  # -------------------------------------------------------------------------------------------
  # 5. End to end: AE gateway -> aesync sync -> S3 harness (day 1 in full, day 2 replayed only).
  local e_days=()
  if [ "${BENCH_SKIP_E2E:-0}" != 1 ]; then
    for day in "${days[@]}"; do
      echo
      if [ "$day" = 1 ]; then
        echo "-- e2e, day 1: aesync sync --date $start_day: AE SQL API gateway (node, in front of clickhouse-server) -> aesync -> S3 harness (node: SigV4-verifying proxy + s3rver), loopback;"
        echo "   window 1h, verify on; $e2e_runs runs live, then $e2e_runs with the AE answers of one recorded sync replayed from memory, then $e2e_runs live"
        echo "   with five tables from the same read (bench/e2e/sync_day.mjs)"
      else
        echo "-- e2e, day $day: the same sync of ${day_label[$day]}: one recorded live sync, then $e2e_runs with its AE answers replayed from memory"
      fi
      node bench/e2e/sync_day.mjs --bin "$bin" --rows "$rows_wanted" --day "$start_day" --seed "$seed" --runs "$e2e_runs" \
        --machines "${day_machines[$day]}" --orgs "${day_orgs[$day]}" --long-process-names "${day_long[$day]}" \
        --replayed-only "$([ "$day" = 1 ] && echo false || echo true)" > "$dir/e2e-$day.json"
      e_days+=("$day")
      node - "$dir/e2e-$day.json" "${m_rps[aesync$day]}" "${m_cpu[aesync$day]}" "${rows[$day]}" <<'EOF'
const [file, convertRps, convertCpu, convertRows] = process.argv.slice(2);
const j = JSON.parse(require('fs').readFileSync(file, 'utf8'));
const cores = require('os').cpus().length;
const f = (x, d = 2) => x.toFixed(d);
const pct = (a, b) => Math.round((100 * a) / b);
console.log(`${j.rows} rows in ${j.windows} windows of ${j.window} (${j.json_bytes} bytes of JSON), verify ${j.verify ? 'on' : 'off'}; medians of ${j.runs} runs; ` +
  `convert: ${convertRps} rows/s, ${Math.round(convertRows / convertCpu)} rows per CPU s`);
for (const [name, m, what] of [
  ['live', j.median, `gateway + ClickHouse ${j.clickhouse_version}`],
  ['replayed', j.replayed, 'the recorded AE answers from memory'],
]) {
  if (!m) continue;
  const total = m.aesync_cpu + m.node_cpu + m.clickhouse_cpu;
  console.log(`${name.padEnd(8)} (source: ${what}): ${f(m.seconds)} s, ${Math.round(m.rows_per_s)} rows/s = ${f(m.rows_per_s / convertRps)}x convert, ` +
    `peak RSS ${f(m.rss_mib, 1)} MiB, output ${m.out_bytes} bytes`);
  console.log(`         CPU s: aesync ${f(m.aesync_cpu)} (${Math.round(j.rows / m.aesync_cpu)} rows per CPU s), node harness ${f(m.node_cpu)}, ` +
    `ClickHouse ${f(m.clickhouse_cpu)}: ${f(total)} CPU s in ${f(m.seconds)} s on ${cores} cores (${pct(total, m.seconds * cores)}% busy; aesync ${pct(m.aesync_cpu, total)}% of it)`);
}
if (j.source) {
  console.log(`source alone (no aesync; the same ${j.windows} queries one after another into a null sink): through the gateway ` +
    `${f(j.source.gateway.seconds)} s (${Math.round(j.source.gateway.rows_per_s)} rows/s = ${f(j.source.gateway.rows_per_s / convertRps)}x convert), ` +
    `straight from ClickHouse ${f(j.source.clickhouse.seconds)} s (${Math.round(j.source.clickhouse.rows_per_s)} rows/s): the ceiling of the live figure`);
}
if (j.five_tables) {
  const t = j.five_tables.median;
  console.log(`five tables from the same read (raw + resource / process / startup + hourly rollup; medians of ${j.five_tables.runs} runs, live): ` +
    `${f(t.seconds)} s, peak RSS ${f(t.rss_mib, 1)} MiB (limit 96: ${t.rss_mib < 96 ? 'under' : 'OVER'}), ${t.gateway_requests} AE requests ` +
    `(one table: ${j.median.gateway_requests}), output ${t.out_bytes} bytes, aesync CPU ${f(t.aesync_cpu)} s`);
}
EOF
    done
  fi

  # -------------------------------------------------------------------------------------------
  # 6. A 30-day backfill with 300 ms per query: before (AESYNC_BEFORE_BIN) and after.
  local b_ok=""
  if [ "${BENCH_SKIP_BACKFILL:-0}" != 1 ]; then
    echo
    echo "-- backfill: aesync sync --from .. --to .. of 30 days (2,000 rows a day) through the AE gateway with 300 ms latency per query,"
    echo "   each binary with its default windows, concurrency 2 (bench/e2e/backfill_latency.mjs)${AESYNC_BEFORE_BIN:+; before: $AESYNC_BEFORE_BIN}"
    node bench/e2e/backfill_latency.mjs --bin "$bin" --before-bin "${AESYNC_BEFORE_BIN:-}" > "$dir/backfill.json"
    b_ok=1
    node - "$dir/backfill.json" <<'EOF'
const j = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
for (const [name, r] of Object.entries(j.runs)) {
  const kinds = ['histogram', 'data', 'count', 'probe', 'other'].filter((k) => r.by_kind[k]).map((k) => `${k} ${r.by_kind[k]}`).join(', ');
  console.log(`${name.padEnd(6)} ${r.wall_s.toFixed(1)} s wall, ${r.requests} requests = ${r.requests_per_day.toFixed(1)} per day (${kinds}; 429s ${r.by_kind.throttled}), ` +
    `${r.rows} rows exported, equal to the source (${r.bin})`);
}
EOF
  fi

  # -------------------------------------------------------------------------------------------
  # 7. The micro-benchmarks: full output to micro.txt, the per-family summary here.
  local micro_ok=""
  if [ -n "$micro_bin" ]; then
    echo
    echo "-- micro-benchmarks: $micro_bin (bench/micro, Google Benchmark; full output in $results/micro.txt)"
    # Google Benchmark writes its context (CPU, caches, load average) on stderr: micro.txt keeps it.
    if [ -n "$micro_before_bin" ]; then
      echo "   before: $micro_before_bin (the same benchmarks of an earlier build, run first)"
      "$micro_before_bin" --benchmark_out="$dir/micro-before.json" --benchmark_out_format=json > "$dir/micro-before.txt" 2>&1
      micro_before=(--before "$dir/micro-before.json")
    fi
    "$micro_bin" --benchmark_out="$dir/micro.json" --benchmark_out_format=json > "$results/micro.txt" 2>&1
    micro_ok=1
    node scripts/bench-micro-summary.mjs "$dir/micro.json" "${micro_before[@]}" --text
  fi

  # -------------------------------------------------------------------------------------------
  # 8. The targets of issue 15: one line each, target / threshold / per day / met.
  # targets.tsv: target, threshold, op (ge|le), then per day "value<TAB>shown" (value empty: not measured).
  local day2_on="" no2="not run"
  [ "${BENCH_SKIP_DAY2:-0}" = 1 ] && no2="not run (BENCH_SKIP_DAY2)" || day2_on=1
  target_line() { # NAME THRESHOLD OP VALUE1 SHOWN1 VALUE2 SHOWN2
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$dir/targets.tsv"
  }
  : > "$dir/targets.tsv"
  local v1 s1 v2 s2 qv v s s_a s_d
  for k in rps out rss; do
    v1="" s1="" v2="" s2=$no2
    for day in "${days[@]}"; do
      case $k in
        rps) v=${r_rps[$day]} s="${r_rps[$day]}x ($(commas "${m_rps[aesync$day]}") / $(commas "${m_rps[duckdb$day]}") rows/s)" ;;
        out) v=${r_out[$day]} s="${r_out[$day]}x ($(commas "${m_out[aesync$day]}") / $(commas "${m_out[duckdb$day]}") bytes)" ;;
        rss) v=$(awk -v m="${m_rss[aesync$day]}" 'BEGIN { printf "%.1f", m / 1024 }') s="$v MiB ($(commas "${rows[$day]}") rows)" ;;
      esac
      if [ "$day" = 1 ]; then v1=$v s1=$s; else v2=$v s2=$s; fi
    done
    case $k in
      rps) target_line "\`aesync convert\` rows/s / DuckDB's (zstd level 3, its default; $duck_threads threads)" "≥ 3.0x" ge "$v1" "$s1" "$v2" "$s2" ;;
      out) target_line "output bytes / DuckDB's (zstd level 3)" "≤ 0.85x" le "$v1" "$s1" "$v2" "$s2" ;;
      rss) target_line "peak RSS of \`aesync convert\`, one day" "≤ 64 MiB" le "$v1" "$s1" "$v2" "$s2" ;;
    esac
  done
  if [ -n "$s_rows" ]; then
    v1=$(awk -v m="$s_rss" 'BEGIN { printf "%.1f", m / 1024 }')
    target_line "peak RSS of \`aesync convert --input -\` at $(commas "$s_rows") rows (a pipe)" "≤ 64 MiB" le "$v1" "$v1 MiB" "" "not run (day 1's shape only)"
  else
    target_line "peak RSS of \`aesync convert --input -\` at $(commas "$scale_rows") rows (a pipe)" "≤ 64 MiB" le "" "not run (BENCH_SKIP_SCALE)" "" "not run"
  fi
  for qname in startup unhealthy scan; do
    v1="" s1="not run (BENCH_SKIP_QUERIES)" v2="" s2=$([ -n "$day2_on" ] && echo "$s1" || echo "$no2")
    for day in "${q_days[@]}"; do
      qv=$(node -p "const q = require('$dir/queries-$day.json').queries.$qname; [q.ratio.toFixed(2), q.aesync.toFixed(3), q.duckdb.toFixed(3)].join(' ')")
      read -r v s_a s_d <<< "$qv"
      if [ "$day" = 1 ]; then v1=$v s1="${v}x ($s_a / $s_d s)"; else v2=$v s2="${v}x ($s_a / $s_d s)"; fi
    done
    case $qname in
      startup) target_line "chdb, example query 1 (startup speed vs retention): time over aesync's file / DuckDB's" "≤ 1.0x" le "$v1" "$s1" "$v2" "$s2" ;;
      unhealthy) target_line "chdb, example query 2 (orgs with the most unhealthy samples): time / DuckDB's file's" "≤ 1.0x" le "$v1" "$s1" "$v2" "$s2" ;;
      scan) target_line "chdb, full scan (sum of every numeric column, count(DISTINCT machine_id)): time / DuckDB's file's" "≤ 1.0x" le "$v1" "$s1" "$v2" "$s2" ;;
    esac
  done
  v1="" s1="not run (BENCH_SKIP_E2E)" v2="" s2=$([ -n "$day2_on" ] && echo "$s1" || echo "$no2")
  for day in "${e_days[@]}"; do
    qv=$(node -p "const j = require('$dir/e2e-$day.json'); [j.replayed.rows_per_s / ${m_rps[aesync$day]}, Math.round(j.replayed.rows_per_s)].join(' ')")
    read -r v s_a <<< "$qv"
    v=$(awk -v x="$v" 'BEGIN { printf "%.2f", x }')
    if [ "$day" = 1 ]; then v1=$v s1="${v}x ($(commas "$s_a") / $(commas "${m_rps[aesync$day]}") rows/s)"; else v2=$v s2="${v}x ($(commas "$s_a") / $(commas "${m_rps[aesync$day]}") rows/s)"; fi
  done
  target_line "\`aesync sync\` from replayed AE answers: rows/s / \`convert\`'s of the same day" "≥ 0.8x" ge "$v1" "$s1" "$v2" "$s2"
  # met: every measured day meets the threshold ("yes"), some do not ("no"), none measured.
  awk -F'\t' -v OFS='\t' '
    function ok(v, op, t) { return op == "ge" ? v + 0 >= t : v + 0 <= t }
    {
      t = $2; gsub(/[^0-9.]/, "", t); t += 0; n = 0; bad = ""
      if ($4 != "") { n++; if (!ok($4, $3, t)) bad = bad ", day 1" }
      if ($6 != "") { n++; if (!ok($6, $3, t)) bad = bad ", day 2" }
      met = n == 0 ? "not measured" : bad == "" ? "yes" : "no (" substr(bad, 3) ")"
      print $1, $2, $5, $7, met
    }' "$dir/targets.tsv" > "$dir/targets-met.tsv"
  {
    echo "== targets of issue 15 (medians; ${day_label[1]}; ${day_label[2]}$([ -n "$day2_on" ] || echo ', not run'))"
    awk -F'\t' '{ printf "%s (%s)\n    day 1: %-50s day 2: %-50s met: %s\n", $1, $2, $3, $4, $5 }' "$dir/targets-met.tsv" | tr -d '`'
  } > "$dir/targets.txt"
  echo
  cat "$dir/targets.txt"

  # -------------------------------------------------------------------------------------------
  # 9. The Markdown tables: the targets first, then the details.
  {
    echo "<!-- written by \`make bench\` (scripts/bench.sh); do not edit by hand -->"
    echo "Measured $(date -u '+%Y-%m-%d') on $(nproc) cores ($cpu), $mem_gib GiB RAM, Linux $(uname -r);"
    echo "$aesync_version, DuckDB $duck_version, @dsnp/parquetjs $pj_version, chdb $chdb_version, node $(node --version)."
    for day in "${days[@]}"; do
      echo "Day $day: $(commas "${rows[$day]}") AE rows of one day, $(awk -v b="${in_bytes[$day]}" 'BEGIN { printf "%.0f", b / 1e6 }') MB of JSONEachRow, ${day_label[$day]#day ?: } (\`scripts/gen-ae-sample.mjs $(gen_args "$day")\`);"
    done
    echo "medians of $runs runs, the tools alternating; peak RSS from \`/usr/bin/time\`."
    echo
    echo "| target (issue 15) | threshold | day 1 | day 2 | met |"
    echo "|---|---|---|---|---|"
    awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, ($5 == "yes" ? "**yes**" : $5) }' "$dir/targets-met.tsv"
    for day in "${days[@]}"; do
      tools="aesync duckdb duckdb1"
      [ "$day" != 1 ] || tools="$tools parquetjs"
      echo
      echo "| convert to Parquet, day $day | rows | seconds | rows/s | MB/s of JSON | CPU s | peak RSS (MiB) | output bytes |"
      echo "|---|---:|---:|---:|---:|---:|---:|---:|"
      for tool in $tools; do
        local name
        k=$tool$day
        case $tool in
          aesync) name="\`aesync convert\` (its defaults)" ;;
          duckdb) name="DuckDB $duck_version, \`read_json\` + SQL + \`COPY\` (zstd level 3, its default; $duck_threads threads)" ;;
          duckdb1) name="DuckDB, the same with zstd level 1" ;;
          parquetjs) name="@dsnp/parquetjs $pj_version (GZIP: no zstd; $pj_label)" ;;
        esac
        awk -v t="$name" -v n="$(commas "${m_rows[$k]}")" -v s="${m_secs[$k]}" -v r="$(commas "${m_rps[$k]}")" -v mb="${m_mbs[$k]}" \
          -v c="${m_cpu[$k]}" -v m="${m_rss[$k]}" -v o="$(commas "${m_out[$k]}")" \
          'BEGIN { printf "| %s | %s | %.2f | %s | %.0f | %.2f | %.0f | %s |\n", t, n, s, r, mb, c, m / 1024, o }'
      done
      echo "| **aesync / DuckDB (level 3)** | | | **${r_rps[$day]}x** | | | **${r_rss[$day]}x** | **${r_out[$day]}x** |"
      echo "| **aesync / DuckDB (level 1)** | | | **${r_rps1[$day]}x** | | | **${r_rss1[$day]}x** | **${r_out1[$day]}x** |"
    done
    echo
    local copy_rps
    copy_rps=$(awk -v s="$copy_secs" -v n="${rows[1]}" 'BEGIN { printf "%.0f", n / s }')
    awk -v s="$copy_secs" -v r="$(commas "$copy_rps")" -v u="$startup_secs" -v m="$startup_rss" 'BEGIN {
      printf "Whole processes, start-up included. Day 1, DuckDB'"'"'s COPY statement alone, without the %.2f s and %.0f MiB that node and DuckDB take before it: %.2f s, %s rows/s.\n", u, m, s, r }'
    if [ "${#q_days[@]}" -gt 0 ]; then
      echo
      echo "| PostHog's side: chdb over the file of the same rows | day | aesync's file (s) | DuckDB's file, zstd 3 (s) | aesync / DuckDB |"
      echo "|---|---:|---:|---:|---:|"
      for day in "${q_days[@]}"; do
        node - "$dir/queries-$day.json" "$day" <<'EOF'
const [file, day] = process.argv.slice(2);
const j = JSON.parse(require('fs').readFileSync(file, 'utf8'));
const what = { startup: 'example query 1: startup speed vs retention (joined with a generated `events` table, as `tests/e2e/example_queries.test.mjs` runs it)', unhealthy: 'example query 2: orgs with the most unhealthy samples', scan: 'full scan: `sum` of every numeric column, `count(DISTINCT machine_id)`' };
for (const [name, q] of Object.entries(j.queries)) console.log(`| ${what[name]} | ${day} | ${q.aesync.toFixed(3)} | ${q.duckdb.toFixed(3)} | ${q.ratio.toFixed(2)} |`);
EOF
      done
      echo
      echo "chdb $(json_field "$dir/queries-${q_days[0]}.json" chdb) in one node process (its default threads), \`file(..., Parquet)\`; medians of $query_runs runs after a warm-up, the two files alternating; both files gave the same answers (\`bench/rivals/chdb_queries.mjs\`)."
    fi
    if [ -n "$s_rows" ]; then
      echo
      echo "| scale: generator \| \`aesync convert --input -\` (day 1's shape) | rows | wall s | aesync CPU s | peak RSS (MiB) | output bytes |"
      echo "|---|---:|---:|---:|---:|---:|"
      awk -v n="$(commas "$s_rows")" -v s="$s_secs" -v c="$(awk -v u="$s_user" -v y="$s_sys" 'BEGIN { print u + y }')" -v m="$s_rss" -v o="$(commas "$s_out")" \
        'BEGIN { printf "| a pipe, never on disk (the generator sets the pace) | %s | %.1f | %.1f | %.0f | %s |\n", n, s, c, m / 1024, o }'
    fi
    if [ "${#e_days[@]}" -gt 0 ]; then
      echo
      local e_args=()
      for day in "${e_days[@]}"; do e_args+=("$dir/e2e-$day.json" "$day" "${m_rps[aesync$day]}"); done
      node - "${e_args[@]}" <<'EOF'
const args = process.argv.slice(2);
const days = [];
for (let i = 0; i < args.length; i += 3) days.push({ j: JSON.parse(require('fs').readFileSync(args[i], 'utf8')), day: args[i + 1], convertRps: Number(args[i + 2]) });
const c = (x) => Math.round(x).toLocaleString('en-US');
const first = days[0].j;
console.log(`| e2e: \`aesync sync\` of the day (${first.windows} windows of ${first.window}, verify on) to the S3 harness, loopback | day | rows | seconds | rows/s | x convert | peak RSS (MiB) | CPU s: aesync / node harness / ClickHouse |`);
console.log('|---|---:|---:|---:|---:|---:|---:|---|');
for (const { j, day, convertRps } of days) {
  for (const [name, m] of [
    [`from the AE gateway in front of ClickHouse ${j.clickhouse_version}`, j.median],
    ['from the same AE answers replayed from memory (no ClickHouse, no gateway)', j.replayed],
  ]) {
    if (!m) continue;
    console.log(`| ${name} | ${day} | ${c(j.rows)} | ${m.seconds.toFixed(2)} | ${c(m.rows_per_s)} | ${(m.rows_per_s / convertRps).toFixed(2)} | ` +
      `${m.rss_mib.toFixed(0)} | ${m.aesync_cpu.toFixed(2)} / ${m.node_cpu.toFixed(2)} / ${m.clickhouse_cpu.toFixed(2)} |`);
  }
  if (j.source) {
    console.log(`| the source alone: the gateway's answers into a null sink, no aesync | ${day} | ${c(j.rows)} | ${j.source.gateway.seconds.toFixed(2)} | ` +
      `${c(j.source.gateway.rows_per_s)} | ${(j.source.gateway.rows_per_s / convertRps).toFixed(2)} | | |`);
  }
}
console.log();
console.log(`Medians of ${first.runs} runs each; rows/s = rows / wall seconds of the aesync process; x convert = / \`aesync convert\`'s rows/s of the same day.`);
const five = days.find((d) => d.j.five_tables);
if (five) {
  const j = five.j;
  console.log();
  console.log(`| tables from one read of day ${five.day} (live, from the AE gateway) | seconds | peak RSS (MiB) | AE requests | output bytes | aesync CPU s |`);
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, m] of [
    ['one: the raw table', j.median],
    [`five: raw + resource / process / startup (\`examples/tables-by-metric-type.toml\`) + hourly rollup (\`examples/tables-hourly-rollup.toml\`)`, j.five_tables.median],
  ]) {
    console.log(`| ${name} | ${m.seconds.toFixed(2)} | ${m.rss_mib.toFixed(0)} | ${c(m.gateway_requests)} | ${c(m.out_bytes)} | ${m.aesync_cpu.toFixed(2)} |`);
  }
  console.log();
  console.log(`Medians of ${j.five_tables.runs} runs each; peak RSS from \`/usr/bin/time\` (the limit for five tables of a 2M-row day: 96 MiB).`);
}
EOF
    fi
    if [ -n "$b_ok" ]; then
      echo
      node - "$dir/backfill.json" <<'EOF'
const j = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const c = (x) => Math.round(x).toLocaleString('en-US');
console.log(`| backfill: ${j.days} days of ${c(j.rows_per_day)} rows through the AE gateway, ${j.latency_ms} ms per query, concurrency ${j.concurrency} | wall s | requests | per day | histogram / data / count |`);
console.log('|---|---:|---:|---:|---|');
for (const [name, r] of Object.entries(j.runs)) {
  const label = name === 'before' ? `before (\`${require('path').basename(r.bin)}\`)` : 'after (this build)';
  console.log(`| ${label} | ${r.wall_s.toFixed(1)} | ${c(r.requests)} | ${r.requests_per_day.toFixed(1)} | ${r.by_kind.histogram} / ${r.by_kind.data} / ${r.by_kind.count} |`);
}
console.log();
console.log('Requests counted by the gateway; every run exported exactly the source rows (per-day checksums).');
EOF
    fi
    if [ -n "$micro_ok" ]; then
      echo
      node scripts/bench-micro-summary.mjs "$dir/micro.json" "${micro_before[@]}" --markdown
    fi
  } > "$results/make-bench.md"
}

main "$@" 2>&1 | tee "$dir/log.txt"
# make-bench.txt: the targets first, then everything printed.
{ cat "$dir/targets.txt"; echo; cat "$dir/log.txt"; } > "$results/make-bench.txt"
if [ "${BENCH_SKIP_README:-0}" != 1 ]; then
  scripts/readme-bench.sh "$results/make-bench.md" README.md
fi
echo
echo "written: $results/make-bench.txt, $results/make-bench.md$([ -n "$micro_bin" ] && echo ", $results/micro.txt")$([ "${BENCH_SKIP_README:-0}" = 1 ] || echo ', README.md (Performance)')"
