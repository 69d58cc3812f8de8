#!/usr/bin/env bash
# make bench: aesync side by side with its rivals on this machine. Prints figures and asserts
# nothing about time (it does fail when a tool fails or loses rows). In one invocation:
#   1. generates a seeded AE JSONEachRow dump of one UTC day (BENCH_ROWS rows, ~275 bytes each;
#      scripts/gen-ae-sample.mjs) into a temporary folder, once;
#   2. converts that same file with `aesync convert` (built-in mapping, zstd), DuckDB
#      (bench/rivals/duckdb_convert.mjs: the same mapping in SQL, zstd, DuckDB's threads) and
#      @dsnp/parquetjs (bench/rivals/parquetjs_convert.mjs: pure JS, on a slice since it is ~30x
#      slower), alternating run by run (a1 d1 p1 a2 d2 p2 ...) so that whatever else the machine
#      does hits every tool alike; per tool the medians of rows/s, MB/s of JSON read, CPU seconds,
#      peak RSS (/usr/bin/time) and output bytes, then the aesync/DuckDB ratios;
#   3. a scale run: BENCH_SCALE_ROWS rows streamed from the generator through a pipe into
#      `aesync convert --input -` (never written to disk first): aesync's memory must not grow
#      with the input; the generator (~250k rows/s) sets the pace, so aesync's CPU seconds are
#      reported beside the wall time;
#   4. an end-to-end `aesync sync` of the same day from the AE SQL API gateway (in front of a
#      real ClickHouse) to the S3 harness (s3rver behind a SigV4-verifying proxy) over loopback
#      (bench/e2e/sync_day.mjs), with the CPU each party spent and what the source alone can
#      serve, then again with the AE answers replayed from memory (no ClickHouse, no gateway),
#      so that the figures say what limits them; and five tables from the same read (the raw table,
#      the three per-metric-type tables and the hourly rollup of examples/tables-*.toml): peak RSS,
#      time and AE requests next to the single table's;
#   5. a 30-day backfill through the same gateway with 300 ms of latency per query (the real
#      API's round trip; small days of 2,000 rows), once with the binary AESYNC_BEFORE_BIN (when
#      set: e.g. the release before issue 11, hourly windows + a count per window) and once with
#      this one: wall time, requests by kind (the gateway's counters) and requests per day
#      (bench/e2e/backfill_latency.mjs; it fails when a run fails or the export differs from the
#      source);
#   6. writes everything printed to bench/results/make-bench.txt and the same figures as
#      Markdown tables to bench/results/make-bench.md (for the README to include).
# Knobs (environment): BENCH_ROWS (2000000), BENCH_RUNS (5), BENCH_SCALE_ROWS (20000000),
# BENCH_PARQUETJS_ROWS (200000), BENCH_PARQUETJS_RUNS (= BENCH_RUNS), BENCH_E2E_RUNS (3),
# BENCH_SKIP_SCALE=1, BENCH_SKIP_E2E=1, BENCH_SKIP_BACKFILL=1 (shorter iterations while
# developing), AESYNC_BEFORE_BIN (the "before" binary of the backfill section).
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
start_day=2026-02-03
seed=11
results=bench/results

[ -x "$bin" ] || { echo "bench: $bin is not an executable (build it first: make build)" >&2; exit 2; }
# The rivals and the e2e harness are npm packages (package.json); `make bench` builds aesync
# but may run before `make test` ever installed them.
if ! node -e "for (const p of ['@duckdb/node-api', '@dsnp/parquetjs', 's3rver']) require.resolve(p)" 2>/dev/null; then
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
# runs.tsv: one line per run: tool run seconds rss_kib user sys out_bytes rows cpu_seconds.
# median TOOL COLUMN: the median of a column of runs.tsv over one tool's runs.
median() { awk -v t="$1" -v c="$2" '$1 == t { print $c }' "$dir/runs.tsv" | med; }
# A JSON field of a file (dotted path) through node.
json_field() { node -e "const v = '$2'.split('.').reduce((o, k) => o[k], JSON.parse(require('fs').readFileSync('$1', 'utf8'))); console.log(v)"; }
# Thousands separators for the Markdown tables.
commas() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }
export LC_NUMERIC=C

main() {
  # -------------------------------------------------------------------------------------------
  # The header: the machine and the versions.
  local cpu mem_gib aesync_version duck_version duck_pkg pj_version ch_version
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
  mem_gib=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
  aesync_version=$("$bin" --version)
  duck_version=$(node --input-type=module -e "import { version } from '@duckdb/node-api'; console.log(version())")
  duck_pkg=$(node -p "require('@duckdb/node-api/package.json').version")
  pj_version=$(node -p "require('@dsnp/parquetjs/package.json').version")
  ch_version=$(dpkg-query -W -f='${Version}' clickhouse-server 2>/dev/null || echo 'not installed')
  echo "== make bench ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo "machine:  $(nproc) cores ($cpu), $mem_gib GiB RAM, Linux $(uname -r)"
  echo "versions: $aesync_version; DuckDB $duck_version (@duckdb/node-api $duck_pkg); @dsnp/parquetjs $pj_version; node $(node --version); clickhouse-server $ch_version"

  # -------------------------------------------------------------------------------------------
  # 1. The input, generated once.
  local t0 t1 gen_secs rows in_bytes
  t0=$(date +%s.%N)
  node scripts/gen-ae-sample.mjs --rows "$rows_wanted" --start "$start_day" --days 1 --seed "$seed" > "$dir/in.jsonl"
  t1=$(date +%s.%N)
  gen_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  rows=$(wc -l < "$dir/in.jsonl")
  in_bytes=$(stat -c %s "$dir/in.jsonl")
  echo "input:    $rows rows, $in_bytes bytes of AE JSONEachRow (one day; gen-ae-sample.mjs --rows $rows_wanted --start $start_day --days 1 --seed $seed, generated in $gen_secs s; read from the page cache)"

  # parquetjs gets the first rows only: at ~50k rows/s the whole input would take minutes a run.
  local pj_input=$dir/in.jsonl pj_rows=$rows pj_bytes=$in_bytes pj_label="all rows"
  if [ "$pj_rows_wanted" -lt "$rows" ]; then
    head -n "$pj_rows_wanted" "$dir/in.jsonl" > "$dir/slice.jsonl"
    pj_input=$dir/slice.jsonl
    pj_rows=$pj_rows_wanted
    pj_bytes=$(stat -c %s "$pj_input")
    pj_label="first $pj_rows rows"
  fi

  # -------------------------------------------------------------------------------------------
  # 2. convert: aesync, DuckDB, parquetjs, alternating.
  echo
  echo "-- convert: the same file, $runs runs each, alternating aesync, DuckDB, parquetjs ($pj_runs runs, $pj_label)"
  echo "   aesync:    aesync --log-level warn convert --input in.jsonl --output out.parquet (built-in mapping, zstd level 1, aesync's default)"
  echo "   duckdb:    node bench/rivals/duckdb_convert.mjs in.jsonl out.parquet (read_json -> the mapping in SQL -> COPY ... zstd at DuckDB's default level 3; DuckDB runs inside node)"
  echo "   duckdb1:   the same with COMPRESSION_LEVEL 1 (aesync's level): DuckDB at the same zstd setting"
  echo "   parquetjs: node bench/rivals/parquetjs_convert.mjs in.jsonl out.parquet (readline + JSON.parse + ParquetWriter; GZIP: parquetjs has no zstd)"
  : > "$dir/runs.tsv"
  : > "$dir/duckdb-copy.txt"
  printf '%-4s %-10s %9s %8s %11s %8s %8s %10s %12s\n' run tool rows seconds rows/s MB/s cpu_s rss_MiB out_bytes
  local run tool input n nbytes out secs rss user sys obytes
  for run in $(seq 1 "$runs"); do
    for tool in aesync duckdb duckdb1 parquetjs; do
      input=$dir/in.jsonl n=$rows nbytes=$in_bytes out=$dir/out-$tool.parquet
      rm -f "$out"
      case $tool in
        aesync) run_timed "$dir/time" "$bin" --log-level warn convert --input "$input" --output "$out" ;;
        duckdb)
          run_timed "$dir/time" node bench/rivals/duckdb_convert.mjs "$input" "$out" > "$dir/duckdb.json"
          node -p "const j = require('$dir/duckdb.json'); [j.copy_seconds, j.startup_seconds, j.startup_rss_mib].join(' ')" >> "$dir/duckdb-copy.txt"
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
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$run" "$secs" "$rss" "$user" "$sys" "$obytes" "$n" \
        "$(awk -v u="$user" -v y="$sys" 'BEGIN { print u + y }')" >> "$dir/runs.tsv"
      awk -v r="$run" -v t="$tool" -v n="$n" -v b="$nbytes" -v s="$secs" -v u="$user" -v y="$sys" -v m="$rss" -v o="$obytes" \
        'BEGIN { printf "%-4s %-10s %9d %8.2f %11.0f %8.1f %8.2f %10.1f %12d\n", r, t, n, s, n / s, b / s / 1e6, u + y, m / 1024, o }'
    done
  done

  # Medians per tool: seconds, RSS, CPU, output bytes.
  declare -A m_secs m_rss m_cpu m_out m_rows m_bytes
  for tool in aesync duckdb duckdb1 parquetjs; do
    m_secs[$tool]=$(median "$tool" 3)
    m_rss[$tool]=$(median "$tool" 4)
    m_cpu[$tool]=$(median "$tool" 9)
    m_out[$tool]=$(median "$tool" 7)
  done
  m_rows=([aesync]=$rows [duckdb]=$rows [duckdb1]=$rows [parquetjs]=$pj_rows)
  m_bytes=([aesync]=$in_bytes [duckdb]=$in_bytes [duckdb1]=$in_bytes [parquetjs]=$pj_bytes)
  local duck_threads
  duck_threads=$(json_field "$dir/duckdb.json" threads)
  echo
  echo "-- convert: medians"
  printf '%-44s %9s %8s %11s %8s %8s %10s %12s\n' tool rows seconds rows/s MB/s cpu_s rss_MiB out_bytes
  declare -A label=(
    [aesync]="aesync (zstd 1)"
    [duckdb]="DuckDB $duck_version (zstd 3, $duck_threads threads)"
    [duckdb1]="DuckDB $duck_version (zstd 1, $duck_threads threads)"
    [parquetjs]="parquetjs $pj_version (GZIP, $pj_label)"
  )
  declare -A m_rps m_mbs
  for tool in aesync duckdb duckdb1 parquetjs; do
    m_rps[$tool]=$(awk -v n="${m_rows[$tool]}" -v s="${m_secs[$tool]}" 'BEGIN { printf "%.0f", n / s }')
    m_mbs[$tool]=$(awk -v b="${m_bytes[$tool]}" -v s="${m_secs[$tool]}" 'BEGIN { printf "%.1f", b / s / 1e6 }')
    awk -v t="${label[$tool]}" -v n="${m_rows[$tool]}" -v s="${m_secs[$tool]}" -v r="${m_rps[$tool]}" -v mb="${m_mbs[$tool]}" \
      -v c="${m_cpu[$tool]}" -v m="${m_rss[$tool]}" -v o="${m_out[$tool]}" \
      'BEGIN { printf "%-44s %9d %8.2f %11d %8.1f %8.2f %10.1f %12d\n", t, n, s, r, mb, c, m / 1024, o }'
  done
  local r_rps r_rss r_out r_pj r_rps1 r_rss1 r_out1
  r_rps=$(awk -v a="${m_rps[aesync]}" -v d="${m_rps[duckdb]}" 'BEGIN { printf "%.2f", a / d }')
  r_rss=$(awk -v a="${m_rss[aesync]}" -v d="${m_rss[duckdb]}" 'BEGIN { printf "%.2f", a / d }')
  r_out=$(awk -v a="${m_out[aesync]}" -v d="${m_out[duckdb]}" 'BEGIN { printf "%.3f", a / d }')
  r_pj=$(awk -v a="${m_rps[aesync]}" -v p="${m_rps[parquetjs]}" 'BEGIN { printf "%.0f", a / p }')
  r_rps1=$(awk -v a="${m_rps[aesync]}" -v d="${m_rps[duckdb1]}" 'BEGIN { printf "%.2f", a / d }')
  r_rss1=$(awk -v a="${m_rss[aesync]}" -v d="${m_rss[duckdb1]}" 'BEGIN { printf "%.2f", a / d }')
  r_out1=$(awk -v a="${m_out[aesync]}" -v d="${m_out[duckdb1]}" 'BEGIN { printf "%.3f", a / d }')
  echo "aesync / DuckDB (level 3): rows/s ${r_rps}x, peak RSS ${r_rss}x, output bytes ${r_out}x   (aesync / parquetjs rows/s: ${r_pj}x)"
  echo "aesync / DuckDB (level 1): rows/s ${r_rps1}x, peak RSS ${r_rss1}x, output bytes ${r_out1}x"
  # duckdb-copy.txt: per run, the COPY's seconds, and node + DuckDB's start-up seconds and RSS.
  local copy_secs startup_secs startup_rss
  copy_secs=$(awk '{ print $1 }' "$dir/duckdb-copy.txt" | med)
  startup_secs=$(awk '{ print $2 }' "$dir/duckdb-copy.txt" | med)
  startup_rss=$(awk '{ print $3 }' "$dir/duckdb-copy.txt" | med)
  awk -v s="$copy_secs" -v n="$rows" -v a="${m_rps[aesync]}" -v u="$startup_secs" -v m="$startup_rss" 'BEGIN {
    printf "DuckDB'"'"'s COPY statement alone (timed inside node, without the %.2f s and %.0f MiB node + DuckDB take before it): %.2f s, %.0f rows/s; aesync / that: %.2fx\n", u, m, s, n / s, a / (n / s) }'
  echo "parquetjs writes no dictionary pages and has no zstd: its output size is not comparable."

  # -------------------------------------------------------------------------------------------
  # 3. Scale: a pipe from the generator into aesync, never on disk.
  local s_rows="" s_secs s_rss s_user s_sys s_out s_gen_cpu s_days
  if [ "${BENCH_SKIP_SCALE:-0}" != 1 ]; then
    s_days=$(( scale_rows > rows_wanted ? scale_rows / rows_wanted : 1 ))
    echo
    echo "-- scale: gen-ae-sample.mjs --rows $scale_rows --days $s_days | aesync convert --input - --output out.parquet (a pipe; the dump never touches the disk)"
    rm -f "$dir"/out-*.parquet
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

  # -------------------------------------------------------------------------------------------
  # 4. End to end: AE gateway -> aesync sync -> S3 harness.
  local e_ok=""
  if [ "${BENCH_SKIP_E2E:-0}" != 1 ]; then
    echo
    echo "-- e2e: aesync sync --date $start_day: AE SQL API gateway (node, in front of clickhouse-server) -> aesync -> S3 harness (node: SigV4-verifying proxy + s3rver), loopback;"
    echo "   window 1h, verify on; $e2e_runs runs live, then $e2e_runs with the AE answers of one recorded sync replayed from memory, then $e2e_runs live"
    echo "   with five tables from the same read (bench/e2e/sync_day.mjs)"
    node bench/e2e/sync_day.mjs --bin "$bin" --rows "$rows_wanted" --day "$start_day" --seed "$seed" --runs "$e2e_runs" > "$dir/e2e.json"
    e_ok=1
    node - "$dir/e2e.json" "${m_rps[aesync]}" "${m_cpu[aesync]}" "$rows" > "$dir/e2e.txt" <<'EOF'
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
  const total = m.aesync_cpu + m.node_cpu + m.clickhouse_cpu;
  console.log(`${name.padEnd(8)} (source: ${what}): ${f(m.seconds)} s, ${Math.round(m.rows_per_s)} rows/s = ${f(m.rows_per_s / convertRps)}x convert, ` +
    `peak RSS ${f(m.rss_mib, 1)} MiB, output ${m.out_bytes} bytes`);
  console.log(`         CPU s: aesync ${f(m.aesync_cpu)} (${Math.round(j.rows / m.aesync_cpu)} rows per CPU s), node harness ${f(m.node_cpu)}, ` +
    `ClickHouse ${f(m.clickhouse_cpu)}: ${f(total)} CPU s in ${f(m.seconds)} s on ${cores} cores (${pct(total, m.seconds * cores)}% busy; aesync ${pct(m.aesync_cpu, total)}% of it)`);
}
console.log(`source alone (no aesync; the same ${j.windows} queries one after another into a null sink): through the gateway ` +
  `${f(j.source.gateway.seconds)} s (${Math.round(j.source.gateway.rows_per_s)} rows/s = ${f(j.source.gateway.rows_per_s / convertRps)}x convert), ` +
  `straight from ClickHouse ${f(j.source.clickhouse.seconds)} s (${Math.round(j.source.clickhouse.rows_per_s)} rows/s): the ceiling of the live figure`);
const t = j.five_tables.median;
console.log(`five tables from the same read (raw + resource / process / startup + hourly rollup; medians of ${j.five_tables.runs} runs, live): ` +
  `${f(t.seconds)} s, peak RSS ${f(t.rss_mib, 1)} MiB (limit 96: ${t.rss_mib < 96 ? 'under' : 'OVER'}), ${t.gateway_requests} AE requests ` +
  `(one table: ${j.median.gateway_requests}), output ${t.out_bytes} bytes, aesync CPU ${f(t.aesync_cpu)} s`);
EOF
    cat "$dir/e2e.txt"
  fi

  # -------------------------------------------------------------------------------------------
  # 5. A 30-day backfill with 300 ms per query: before (AESYNC_BEFORE_BIN) and after.
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
  # 6. The Markdown tables.
  {
    echo "<!-- written by \`make bench\` (scripts/bench.sh); do not edit by hand -->"
    echo "Measured $(date -u '+%Y-%m-%d') on $(nproc) cores ($cpu), $mem_gib GiB RAM, Linux $(uname -r);"
    echo "$aesync_version, DuckDB $duck_version, @dsnp/parquetjs $pj_version, node $(node --version)."
    echo "Input: $(commas "$rows") AE rows of one day, $(awk -v b="$in_bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB of JSONEachRow (\`scripts/gen-ae-sample.mjs --seed $seed\`);"
    echo "medians of $runs runs, the tools alternating; peak RSS from \`/usr/bin/time\`."
    echo
    echo "| convert to Parquet | rows | seconds | rows/s | MB/s of JSON | CPU s | peak RSS (MiB) | output bytes |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for tool in aesync duckdb duckdb1 parquetjs; do
      local name
      case $tool in
        aesync) name="\`aesync convert\` (zstd level 1, its default)" ;;
        duckdb) name="DuckDB $duck_version, \`read_json\` + SQL + \`COPY\` (zstd level 3, its default; $duck_threads threads)" ;;
        duckdb1) name="DuckDB, the same with zstd level 1" ;;
        parquetjs) name="@dsnp/parquetjs $pj_version (GZIP: no zstd; $pj_label)" ;;
      esac
      awk -v t="$name" -v n="$(commas "${m_rows[$tool]}")" -v s="${m_secs[$tool]}" -v r="$(commas "${m_rps[$tool]}")" -v mb="${m_mbs[$tool]}" \
        -v c="${m_cpu[$tool]}" -v m="${m_rss[$tool]}" -v o="$(commas "${m_out[$tool]}")" \
        'BEGIN { printf "| %s | %s | %.2f | %s | %.0f | %.2f | %.0f | %s |\n", t, n, s, r, mb, c, m / 1024, o }'
    done
    echo "| **aesync / DuckDB (level 3)** | | | **${r_rps}x** | | | **${r_rss}x** | **${r_out}x** |"
    echo "| **aesync / DuckDB (level 1)** | | | **${r_rps1}x** | | | **${r_rss1}x** | **${r_out1}x** |"
    echo
    local copy_rps
    copy_rps=$(awk -v s="$copy_secs" -v n="$rows" 'BEGIN { printf "%.0f", n / s }')
    awk -v s="$copy_secs" -v r="$(commas "$copy_rps")" -v u="$startup_secs" -v m="$startup_rss" 'BEGIN {
      printf "Whole processes, start-up included. DuckDB'"'"'s COPY statement alone, without the %.2f s and %.0f MiB that node and DuckDB take before it: %.2f s, %s rows/s.\n", u, m, s, r }'
    if [ -n "$s_rows" ]; then
      echo
      echo "| scale: generator \| \`aesync convert --input -\` | rows | wall s | aesync CPU s | peak RSS (MiB) | output bytes |"
      echo "|---|---:|---:|---:|---:|---:|"
      awk -v n="$(commas "$s_rows")" -v s="$s_secs" -v c="$(awk -v u="$s_user" -v y="$s_sys" 'BEGIN { print u + y }')" -v m="$s_rss" -v o="$(commas "$s_out")" \
        'BEGIN { printf "| a pipe, never on disk (the generator sets the pace) | %s | %.1f | %.1f | %.0f | %s |\n", n, s, c, m / 1024, o }'
    fi
    if [ -n "$e_ok" ]; then
      echo
      node - "$dir/e2e.json" "${m_rps[aesync]}" <<'EOF'
const [file, convertRps] = process.argv.slice(2);
const j = JSON.parse(require('fs').readFileSync(file, 'utf8'));
const c = (x) => Math.round(x).toLocaleString('en-US');
console.log(`| e2e: \`aesync sync\` of the same day (${j.windows} windows of ${j.window}, verify on) to the S3 harness, loopback | rows | seconds | rows/s | x convert | peak RSS (MiB) | CPU s: aesync / node harness / ClickHouse |`);
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const [name, m] of [
  [`from the AE gateway in front of ClickHouse ${j.clickhouse_version}`, j.median],
  ['from the same AE answers replayed from memory (no ClickHouse, no gateway)', j.replayed],
]) {
  console.log(`| ${name} | ${c(j.rows)} | ${m.seconds.toFixed(2)} | ${c(m.rows_per_s)} | ${(m.rows_per_s / convertRps).toFixed(2)} | ` +
    `${m.rss_mib.toFixed(0)} | ${m.aesync_cpu.toFixed(2)} / ${m.node_cpu.toFixed(2)} / ${m.clickhouse_cpu.toFixed(2)} |`);
}
console.log(`| the source alone: the gateway's answers into a null sink, no aesync | ${c(j.rows)} | ${j.source.gateway.seconds.toFixed(2)} | ` +
  `${c(j.source.gateway.rows_per_s)} | ${(j.source.gateway.rows_per_s / convertRps).toFixed(2)} | | |`);
console.log();
console.log(`Medians of ${j.runs} runs each; rows/s = rows / wall seconds of the aesync process.`);
console.log();
console.log(`| tables from one read of the same day (live, from the AE gateway) | seconds | peak RSS (MiB) | AE requests | output bytes | aesync CPU s |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, m] of [
  ['one: the raw table', j.median],
  [`five: raw + resource / process / startup (\`examples/tables-by-metric-type.toml\`) + hourly rollup (\`examples/tables-hourly-rollup.toml\`)`, j.five_tables.median],
]) {
  console.log(`| ${name} | ${m.seconds.toFixed(2)} | ${m.rss_mib.toFixed(0)} | ${c(m.gateway_requests)} | ${c(m.out_bytes)} | ${m.aesync_cpu.toFixed(2)} |`);
}
console.log();
console.log(`Medians of ${j.five_tables.runs} runs each; peak RSS from \`/usr/bin/time\` (the limit for five tables of a 2M-row day: 96 MiB).`);
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
  } > "$results/make-bench.md"
  echo
  echo "written: $results/make-bench.txt, $results/make-bench.md"
}

main "$@" 2>&1 | tee "$results/make-bench.txt"
