#!/usr/bin/env bash
# README.md's Performance figures, regenerated from `make bench`'s Markdown (scripts/bench.sh calls
# this at its end): whatever stands between the lines <!-- bench:start --> and <!-- bench:end -->
# of the README is replaced by bench/results/make-bench.md; the text around the markers stays.
# Fails (exit 1) when the README lacks either marker, and leaves the README as it was.
#   scripts/readme-bench.sh [bench/results/make-bench.md] [README.md]
set -euo pipefail
cd "$(dirname "$0")/.."
md=${1:-bench/results/make-bench.md}
readme=${2:-README.md}
[ -f "$md" ] || { echo "readme-bench: $md does not exist (run make bench)" >&2; exit 1; }
for marker in '<!-- bench:start -->' '<!-- bench:end -->'; do
  [ "$(grep -cxF "$marker" "$readme")" = 1 ] || { echo "readme-bench: $readme needs exactly one line '$marker'" >&2; exit 1; }
done
tmp=$(mktemp "$readme.XXXXXX")
trap 'rm -f "$tmp"' EXIT
awk -v md="$md" '
  $0 == "<!-- bench:start -->" { print; while ((getline line < md) > 0) print line; skip = 1; next }
  $0 == "<!-- bench:end -->" { skip = 0 }
  !skip { print }' "$readme" > "$tmp"
cat "$tmp" > "$readme"
