#!/usr/bin/env bash
# Installs everything aesync needs on a fresh Debian 12 machine (run as root):
# the build toolchain and libraries from Debian's packages (dpkg-dev, file: `make package`'s
# dpkg-shlibdeps; lintian: the package's check), and the test peers from npm
# (npm ci from the committed package-lock.json). Safe to run again: it only installs what is
# missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config git ca-certificates time
  libsimdjson-dev libtomlplusplus-dev libcli11-dev
  libzstd-dev libsnappy-dev zlib1g-dev libcurl4-openssl-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev
  clang libclang-rt-14-dev clang-format
  clickhouse-server
  dpkg-dev file lintian  # tests/e2e/package.test.mjs: make package (dpkg-shlibdeps), lintian
  zsh fish groff-base  # tests/e2e/cli.test.mjs: the completions run in each shell, the man page in groff
  chromium  # tests/e2e/status_page.test.mjs: the daemon's page in a real browser
  tmux  # tests/e2e/progress_tty.test.mjs: the progress line and Ctrl-C on a real terminal
  nodejs npm
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs from another origin (e.g. nodesource) already brings npm.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm}")
fi
if command -v node >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "${1:-}" = "--with-npm" ]; then
  # npm ci takes a while (chdb is large): skip it when node_modules came from this very lock.
  if ! cmp -s package-lock.json node_modules/.aesync-installed-lock 2>/dev/null; then
    echo "install-deps: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.aesync-installed-lock
  fi
fi
