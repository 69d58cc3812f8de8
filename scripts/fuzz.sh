#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, with clang) and runs each for SECONDS (default 60) over a
# copy of its seed corpus (fuzz/corpus/<target>/). Exits non-zero when a target finds a crash,
# a sanitizer report, a leak, a timeout or an allocation bomb, and prints the reproducer's path.
#
#   scripts/fuzz.sh [SECONDS] [--update] [TARGET...]
#
# --update merges what the runs found into the committed corpus (libFuzzer -merge=1 adds only
# inputs that add coverage, named by their SHA-1), after runs without failures; without it the
# committed corpus is never changed.
# Environment: BUILD_FUZZ (build dir, default build-fuzz), FUZZ_OUT (where the runs' corpora,
# logs and reproducers go, default $BUILD_FUZZ/runs), CXX (default clang++).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
update=0
targets=()
for arg in "$@"; do
  case "$arg" in
    --update) update=1 ;;
    ''|*[!0-9]*) targets+=("$arg") ;;
    *) seconds="$arg" ;;
  esac
done
all_targets=(jsoneachrow config s3_xml parquet)
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")

build="${BUILD_FUZZ:-build-fuzz}"
out="${FUZZ_OUT:-$build/runs}"
cxx="${CXX:-clang++}"
if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "fuzz: $cxx not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi

cmake -S fuzz -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}")

# Per target: the most it may take to read one input (parquet decodes whole row groups).
max_len() {
  case "$1" in
    parquet) echo 65536 ;;
    *) echo 16384 ;;
  esac
}

failed=0
mkdir -p "$out"
out="$(cd "$out" && pwd)"  # absolute: TMPDIR and the artifact paths must not depend on the cwd
for t in "${targets[@]}"; do
  seeds="fuzz/corpus/$t"
  [ -d "$seeds" ] || { echo "fuzz: no corpus $seeds" >&2; exit 2; }
  work="$out/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
  cp "$seeds"/* "$work/corpus/"
  log="$work/fuzz.log"
  echo "fuzz: $t for ${seconds}s (log: $log)"
  set +e
  # TMPDIR: the config target makes its scratch folder there; removed with the run's folder.
  TMPDIR="$work/tmp" ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
    "$build/fuzz_$t" "$work/corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len="$(max_len "$t")" -print_final_stats=1 -artifact_prefix="$work/artifacts/" >"$log" 2>&1
  rc=$?
  set -e
  stats=$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$log" | sed 's/^stat:://' | tr -s ' \n' ' ' || true)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  artifacts=$(find "$work/artifacts" -type f | sort)
  if [ "$rc" -ne 0 ] || [ -n "$artifacts" ]; then
    failed=1
    echo "fuzz: $t FAILED (exit $rc) $stats"
    grep -E 'ERROR: |SUMMARY: |property violated|detail:|runtime error' "$log" | head -20 | sed 's/^/  /' || true
    for a in $artifacts; do echo "  reproducer: $a  (re-run: $build/fuzz_$t $a)"; done
    [ -n "$artifacts" ] || echo "  (no reproducer written; see $log)"
  else
    echo "fuzz: $t ok: $stats$cov"
  fi
  if [ "$update" -eq 1 ] && [ "$failed" -eq 0 ]; then
    # Keep the committed seeds (their names say what they are) and add what adds coverage.
    TMPDIR="$work/tmp" "$build/fuzz_$t" -merge=1 "$seeds" "$work/corpus" -max_len="$(max_len "$t")" >>"$log" 2>&1
    echo "fuzz: $t corpus: $(ls "$seeds" | wc -l) files, $(du -sb "$seeds" | cut -f1) bytes"
  fi
  rm -rf "$work/tmp"
done
exit "$failed"
