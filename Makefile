# cdrgen — one Makefile. `make` builds $(BUILD)/cdrgen; `make test` installs
# what is missing, builds and runs every test. BUILD may be overridden so that
# several builds (sanitizers, profiling, parallel developers) do not collide.
CC      ?= cc
BUILD   ?= build
OPT     ?= -O2
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
CFLAGS  = -std=c17 $(OPT) -g -Wall -Wextra -Werror -D_GNU_SOURCE -pthread -Isrc $(EXTRA_CFLAGS)
LDLIBS  = -lyaml -ldeflate -lzstd -lm -pthread
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

LIB_SRC := $(sort $(shell find src -name '*.c' ! -path src/cli/main.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test check asan ubsan tsan bench bench-mem demo clean fuzz fuzz-long test-data profile install
all: $(BUILD)/cdrgen

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DCG_VERSION='"$(VERSION)"' -MMD -MP -c $< -o $@

$(BUILD)/libcdrgen.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/cdrgen: $(BUILD)/src/cli/main.o $(BUILD)/libcdrgen.a
	$(CC) $(CFLAGS) $(EXTRA_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcdrgen.a tests/unit/testhelp.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXTRA_LDFLAGS) -Itests/unit -o $@ $< $(BUILD)/libcdrgen.a $(LDLIBS)

deps:
	@scripts/install-deps.sh

# Everything CI runs: dependencies, build, unit + CLI + interop + fuzz-replay
# tests, then the same suite under ASan+UBSan.
test: deps
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory asan

# Build and run the suite in $(BUILD) without installing anything.
check: $(BUILD)/cdrgen $(UNIT_BIN)
	@BUILD=$(BUILD) tests/run.sh

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

demo: deps $(BUILD)/cdrgen
	rm -rf out
	$(BUILD)/cdrgen generate --subs 10000 --days 1 --out out --start 2025-01-01
	@cat out/2025-01-01/summary.json; echo

bench: $(BUILD)/cdrgen
	@BUILD=$(BUILD) bench/bench.sh

clean:
	rm -rf build build-* out

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
