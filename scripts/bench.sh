#!/usr/bin/env bash
# make bench: a first throughput figure for `aesync convert` (built-in mapping, zstd) on a
# generated AE dump. Prints figures; asserts nothing about time. The performance issue extends
# this with DuckDB and parquetjs side by side, an end-to-end sync and a 20M-row stream.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/aesync}
rows=${BENCH_ROWS:-1000000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
node scripts/gen-ae-sample.mjs --rows "$rows" --start 2026-02-03 --days 1 --seed 11 > "$dir/in.jsonl"
json_bytes=$(stat -c %s "$dir/in.jsonl")
echo "input: $rows rows, $json_bytes bytes of JSONEachRow; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '%-4s %10s %12s %10s %12s %12s\n' run seconds rows/s MB/s peak_rss_MiB out_bytes
for run in 1 2 3; do
  /usr/bin/time -f '%e %M' -o "$dir/time" "$bin" --log-level warn convert --input "$dir/in.jsonl" --output "$dir/out.parquet"
  read -r secs rss_kb < "$dir/time"
  awk -v r="$run" -v s="$secs" -v n="$rows" -v b="$json_bytes" -v m="$rss_kb" -v o="$(stat -c %s "$dir/out.parquet")" \
    'BEGIN { printf "%-4s %10.2f %12.0f %10.1f %12.1f %12d\n", r, s, n / s, b / s / 1e6, m / 1024, o }'
done
