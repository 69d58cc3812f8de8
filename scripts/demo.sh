#!/usr/bin/env bash
# make demo: sync the bundled AE sample into ./exports, then show one of the files.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/aesync}
echo "== aesync sync -c examples/demo.toml"
"$bin" --log-format text sync -c examples/demo.toml
first=$(ls exports/machine_metrics/*/data.parquet | head -n 1)
echo
echo "== aesync inspect $first --rows 5"
"$bin" inspect "$first" --rows 5
echo
echo "== files"
find exports -type f | sort
