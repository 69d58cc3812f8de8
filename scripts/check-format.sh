#!/usr/bin/env bash
# Checks that the tracked C++ files of src/ tests/ fuzz/ bench/ are formatted as .clang-format
# says (clang-format 14, Debian's `clang-format`), without changing them. Prints each offending
# file (and, with -v, clang-format's complaints) and exits 1 if there is any; `make format`
# fixes them in place.
set -euo pipefail
cd "$(dirname "$0")/.."

verbose=0
if [ "${1:-}" = "-v" ]; then verbose=1; fi

if ! command -v clang-format >/dev/null 2>&1; then
  echo "check-format: clang-format is not installed (scripts/install-deps.sh installs it)" >&2
  exit 2
fi

mapfile -t files < <(git ls-files -- 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'fuzz/*.cpp' 'fuzz/*.h' \
  'bench/*.cpp' 'bench/*.h')
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue  # deleted in the work tree but not yet in the index
  if ! out=$(clang-format --dry-run --Werror "$f" 2>&1); then
    bad+=("$f")
    if [ "$verbose" = 1 ]; then printf '%s\n' "$out"; fi
  fi
done

if [ "${#bad[@]}" -gt 0 ]; then
  printf '%s\n' "${bad[@]}"
  echo "check-format: ${#bad[@]} of ${#files[@]} files are not formatted (run \`make format\`)" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
