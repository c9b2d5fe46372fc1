# cdrgen — one Makefile. `make` builds $(BUILD)/cdrgen; `make test` installs
# what is missing, builds and runs every test. BUILD may be overridden so that
# several builds (sanitizers, profiling, parallel developers) do not collide.
CC      ?= cc
BUILD   ?= build
OPT     ?= -O2
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
CFLAGS  = -std=c17 $(OPT) -g -Wall -Wextra -Wshadow -Wconversion -Werror -D_GNU_SOURCE -pthread -Isrc $(EXTRA_CFLAGS)
LDLIBS  = -lyaml -lisal -ldeflate -lzstd -lz -lm -pthread
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

# libcdrgen.a: every layer below the command line (core, io, db, gen);
# libcdrgen-cli.a: the commands, flags and usage (src/cli but main.c).
LIB_SRC := $(sort $(shell find src -name '*.c' ! -path 'src/cli/*'))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_SRC := $(sort $(filter-out src/cli/main.c,$(wildcard src/cli/*.c)))
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIBS_A  := $(BUILD)/libcdrgen-cli.a $(BUILD)/libcdrgen.a
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: js analyze docs update-golden all deps test test-docker check asan ubsan tsan bench bench-mem demo clean fuzz fuzz-long test-data profile install
all: $(BUILD)/cdrgen

# `make docs`: the settings tables of docs/CONFIG.md from src/core/options.c.
docs: $(BUILD)/tests/test_options
	@$(BUILD)/tests/test_options --write docs/CONFIG.md

# `make update-golden`: re-pin tests/golden/SHA256SUMS from this build (a
# commit that changes it says why).
update-golden: $(BUILD)/cdrgen
	@CDRGEN=$(CURDIR)/$(BUILD)/cdrgen bash tests/golden/golden.sh --update


$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DCG_VERSION='"$(VERSION)"' -MMD -MP -c $< -o $@

$(BUILD)/libcdrgen.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libcdrgen-cli.a: $(CLI_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/cdrgen: $(BUILD)/src/cli/main.o $(LIBS_A)
	$(CC) $(CFLAGS) $(EXTRA_LDFLAGS) -o $@ $^ $(LDLIBS)

# -MMD: a test rebuilds when any header it includes changes (test_gen_rows.h ...).
$(BUILD)/tests/%: tests/unit/%.c $(LIBS_A) tests/unit/testhelp.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXTRA_LDFLAGS) -Itests/unit -MMD -MP -MF $@.d -MT $@ -o $@ $< $(LIBS_A) $(LDLIBS)

deps:
	@scripts/install-deps.sh test

# Everything CI runs: dependencies, build, unit + CLI + interop + fuzz-replay
# tests, then the same suite under ASan+UBSan, then the multi-worker tests
# under TSan.
# The last line adds the three runs up for CI.
TOTALS = $(CURDIR)/build/.test-totals
test: deps
	@mkdir -p build && rm -f $(TOTALS)
	@CG_TEST_TOTALS=$(TOTALS) $(MAKE) --no-print-directory check
	@CG_TEST_TOTALS=$(TOTALS) $(MAKE) --no-print-directory asan
	@CG_TEST_TOTALS=$(TOTALS) $(MAKE) --no-print-directory tsan
	@CG_TEST_TOTALS=$(TOTALS) $(MAKE) --no-print-directory analyze
	@awk '{p += $$1; f += $$2} END {printf "all runs (normal, ASan+UBSan, TSan, analyzer) added up:\ntotal: %d passed, %d failed\n", p, f}' $(TOTALS)

# The seed's Docker workflow built and run with podman (tests/docker/run.sh;
# installs podman & co. itself). .ci/run calls it after `make test`; its
# counts are added to that run's when there is one.
test-docker:
	@mkdir -p build
	@bash tests/docker/run.sh >build/.test-docker.log 2>&1; rc=$$?; cat build/.test-docker.log; \
	  line=$$(grep -E '^[0-9]+ passed, [0-9]+ failed' build/.test-docker.log | tail -n 1); \
	  p=$$(echo "$$line" | awk '{print $$1}'); f=$$(echo "$$line" | awk '{print $$3}'); \
	  [ -n "$$line" ] || { p=0; f=1; }; [ $$rc -eq 0 ] || [ "$$f" -ne 0 ] || f=1; \
	  touch $(TOTALS); echo "$$p $$f" >>$(TOTALS); \
	  awk '{p += $$1; f += $$2} END {printf "all runs (normal, ASan+UBSan, TSan, analyzer, Docker) added up:\ntotal: %d passed, %d failed\n", p, f}' $(TOTALS); \
	  [ "$$f" -eq 0 ]

# Build and run the suite in $(BUILD) without installing anything.
check: $(BUILD)/cdrgen $(UNIT_BIN)
	@BUILD=$(BUILD) tests/run.sh

# The clang static analyzer (scan-build) over src/: no report allowed.
analyze:
	@bash tests/analyze/analyze.sh >build/.analyze.log 2>&1; rc=$$?; cat build/.analyze.log; \
	  line=$$(grep -E '^[0-9]+ passed, [0-9]+ failed' build/.analyze.log | tail -n 1); \
	  p=$$(echo "$$line" | awk '{print $$1}'); f=$$(echo "$$line" | awk '{print $$3}'); \
	  [ -n "$$line" ] || { p=0; f=1; }; [ $$rc -eq 0 ] || [ "$$f" -ne 0 ] || f=1; \
	  if [ -n "$$CG_TEST_TOTALS" ]; then echo "$$p $$f" >>"$$CG_TEST_TOTALS"; fi; [ "$$f" -eq 0 ]

asan:
	@$(MAKE) --no-print-directory check BUILD=build-asan OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined"

ubsan:
	@$(MAKE) --no-print-directory check BUILD=build-ubsan \
	  EXTRA_CFLAGS="-fsanitize=undefined -fno-sanitize-recover=all" EXTRA_LDFLAGS="-fsanitize=undefined"

tsan:
	@$(MAKE) --no-print-directory check BUILD=build-tsan OPT=-O1 CG_TEST_FILTER=threads \
	  EXTRA_CFLAGS="-fsanitize=thread" EXTRA_LDFLAGS="-fsanitize=thread"

demo: deps js $(BUILD)/cdrgen
	rm -rf out
	$(BUILD)/cdrgen generate --subs 10000 --days 7 --out out --start 2025-03-27
	@cat out/2025-03-27/summary.json; echo
	$(BUILD)/cdrgen report out --html out/report.html >/dev/null
	@echo "the report: $(CURDIR)/out/report.html"

# The charting libraries `report --html` inlines (share/js/package-lock.json:
# vega, vega-lite, vega-embed), installed by npm ci when missing or older
# than the lock file.
JS_STAMP = share/js/node_modules/.package-lock.json
js: $(JS_STAMP)
$(JS_STAMP): share/js/package-lock.json share/js/package.json
	cd share/js && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# `make bench`: absolute numbers against the targets of docs/BENCHMARKS.md;
# `make bench BASE=<git ref>`: that ref and this tree alternately, ratios.
bench: $(BUILD)/cdrgen
	@if [ -n "$(BASE)" ]; then BUILD=$(BUILD) BASE="$(BASE)" bench/compare.sh; \
	  else BUILD=$(BUILD) bench/bench.sh; fi

# The targets of --format parquet (docs/BENCHMARKS.md): CSV zstd vs Parquet
# zstd of one build, sizes, and DuckDB's scan of each.
bench-parquet: $(BUILD)/cdrgen
	@BUILD=$(BUILD) bench/parquet.sh

# Memory profiling (docs/PROFILING.md); none of it runs in `make test`.
# test-data: the seed's test_db_1m.arrow + test_config.yaml in the root;
# profile: its heaptrack run (build-prof, -O2 -g) for SUBS subscribers;
# bench-mem: heap/RSS budgets of that job (bench/mem-budgets.txt);
# bench-mem-flat: peak RSS of synthetic 1M vs 10M subscribers.
SUBS ?= 1000000
.PHONY: bench-mem-flat bench-parquet
test-data: $(BUILD)/cdrgen
	@CDRGEN=$(BUILD)/cdrgen scripts/make-test-data.sh

profile: test-data
	@scripts/profile_heaptrack.sh $(SUBS)

bench-mem: $(BUILD)/cdrgen test-data
	@BUILD=$(BUILD) bench/bench-mem.sh db

bench-mem-flat: $(BUILD)/cdrgen
	@BUILD=$(BUILD) bench/bench-mem.sh flat

# libFuzzer harnesses tests/fuzz/fuzz_NAME.c -> build-fuzz/fuzz_NAME (clang).
# `make fuzz-long` runs each for FUZZ_SECONDS on a scratch copy of
# tests/fuzz/corpus/NAME; crashes land in build-fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
.PHONY: fuzz-bins
fuzz:
	@$(MAKE) --no-print-directory fuzz-bins BUILD=build-fuzz CC=clang OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" EXTRA_LDFLAGS="$(FUZZ_SAN)"

fuzz-bins: $(FUZZ_BIN)

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(LIBS_A)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(EXTRA_LDFLAGS) -o $@ $< $(LIBS_A) $(LDLIBS)

fuzz-long: fuzz
	@for b in $(FUZZ_BIN); do n=$${b#build-fuzz/fuzz_}; mkdir -p build-fuzz/corpus-$$n; \
	  echo "fuzz $$n for $(FUZZ_SECONDS)s"; \
	  $$b -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build-fuzz/ \
	    build-fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; done

PREFIX ?= /usr/local
install: $(BUILD)/cdrgen js
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/cdrgen/js
	install -m 0755 $(BUILD)/cdrgen $(DESTDIR)$(PREFIX)/bin/cdrgen
	install -m 0644 share/js/node_modules/vega/build/vega.min.js \
	  share/js/node_modules/vega-lite/build/vega-lite.min.js \
	  share/js/node_modules/vega-embed/build/vega-embed.min.js share/js/report.js \
	  $(DESTDIR)$(PREFIX)/share/cdrgen/js/

clean:
	rm -rf build build-* out

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
