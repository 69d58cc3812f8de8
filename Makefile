# The two commands of the README: `make demo` and `make test`. Both install what they need.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
# Warnings are errors in CI (which runs .ci/run with CI=true), not on a developer's machine,
# where a newer compiler's new warning must not stop the build: WERROR=ON make build to opt in.
ifneq ($(CI),)
WERROR ?= ON
else
WERROR ?= OFF
endif
CMAKE_FLAGS = -DAESYNC_WERROR=$(WERROR)

.PHONY: deps deps-npm build demo test test-unit test-asan test-e2e bench fuzz format format-check clean install package

deps:
	@scripts/install-deps.sh

deps-npm:
	@scripts/install-deps.sh --with-npm

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)/aesync

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DAESYNC_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

test-e2e: build deps-npm
	@AESYNC_BIN=$(CURDIR)/$(BUILD)/aesync AESYNC_TOOLS_DIR=$(CURDIR)/$(BUILD)/tools node --test --test-concurrency=1 tests/e2e/

test: test-unit test-e2e

# `make install` (PREFIX, default /usr/local; DESTDIR for a staged install) and `make package`
# ($(BUILD)/aesync_<version>_<arch>.deb, CPack): what goes where is packaging/install.cmake.
PREFIX ?= /usr/local
install: build
	@DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

package: build
	@cd $(BUILD) && cpack -G DEB

# Issue 15's targets on two generated days: side by side with DuckDB and parquetjs, chdb's
# queries over both tools' files, a 20M-row stream, an end-to-end sync, a backfill, then the
# per-stage micro-benchmarks (Google Benchmark; built first, run last by scripts/bench.sh).
# Figures in bench/results/; README.md's Performance table is regenerated from them.
bench: build
	@cmake -S . -B $(BUILD) -DAESYNC_BENCH=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target aesync aesync_micro
	@BENCH_MICRO_BIN=$(BUILD)/aesync_micro scripts/bench.sh $(BUILD)/aesync

# libFuzzer targets (clang) on the JSONEachRow reader, the config parser, the S3 XML parser and
# the Parquet reader, FUZZ_SECONDS each (CI: 60) over a copy of the committed corpora.
FUZZ_SECONDS ?= 60
fuzz: deps
	@scripts/fuzz.sh $(FUZZ_SECONDS)

# The C++ style (.clang-format, clang-format 14): format-check lists the files that differ and
# fails (CI); format rewrites the tracked C++ files of src/ tests/ fuzz/ bench/ in place.
FORMAT_FILES = git ls-files -- 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'fuzz/*.cpp' 'fuzz/*.h' 'bench/*.cpp' 'bench/*.h'
format-check: deps
	@scripts/check-format.sh

format: deps
	@$(FORMAT_FILES) | xargs -r clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) exports
