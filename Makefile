# dotgit-deploy -- see README.md
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
PKG_CONFIG ?= pkg-config
CC	?= cc
CFLAGS	?= -O2 -g
PYTHON	?= /usr/bin/python3

VERSION	= 0.1.0
# Linked: inih and jansson. libgit2, libcurl and libsystemd are loaded on
# first use (src/lazylib.c): a run that never reads a git object or goes
# to the network (a hook with nothing to do) does not pay the dynamic
# loader for them and their ~40 dependencies. Their headers are used.
PKGS	= inih jansson
LAZY_PKGS = libgit2 libcurl
# The exact soname the headers go with, from the development library.
soname	= $(shell objdump -p "$$($(PKG_CONFIG) --variable=libdir $(1))/$(1).so" \
	  2>/dev/null | sed -n 's/^ *SONAME *//p')
GIT2_SONAME := $(or $(call soname,libgit2),libgit2.so.1.5)
CURL_SONAME := $(or $(call soname,libcurl),libcurl.so.4)
SYSTEMD_SONAME := $(or $(call soname,libsystemd),libsystemd.so.0)
SONAMES	= -DDL_GIT2_SONAME='"$(GIT2_SONAME)"' \
	  -DDL_CURL_SONAME='"$(CURL_SONAME)"' \
	  -DDL_SYSTEMD_SONAME='"$(SYSTEMD_SONAME)"'

WARN	= -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	  -Wwrite-strings -Wformat-security -Wpointer-arith \
	  -Wold-style-definition -fno-common -Werror
DD_CFLAGS = -std=gnu11 $(WARN) -D_GNU_SOURCE -DDD_VERSION='"$(VERSION)"' \
	  $(SONAMES) $(shell $(PKG_CONFIG) --cflags $(PKGS) $(LAZY_PKGS))
DD_LIBS	= $(shell $(PKG_CONFIG) --libs $(PKGS))

# `make asan <target>` builds and tests with the sanitizers, apart.
BUILD	= build
ifneq ($(filter asan,$(MAKECMDGOALS)),)
BUILD	= build-asan
SAN	= -fsanitize=address,undefined -fno-omit-frame-pointer \
	  -fno-sanitize-recover=all
CFLAGS	= -O1 -g
endif

SRCS	= $(sort $(wildcard src/*.c))
OBJS	= $(SRCS:src/%.c=$(BUILD)/%.o)
LIBOBJS	= $(filter-out $(BUILD)/main.o,$(OBJS))
UNITS	= $(sort $(wildcard tests/unit/test_*.c))
UNITBINS = $(UNITS:tests/unit/%.c=$(BUILD)/%)
BIN	= $(BUILD)/dotgit-deploy

DEBS	= gcc make pkg-config libgit2-dev libcurl4-openssl-dev libinih-dev \
	  libjansson-dev libsystemd-dev libcmocka-dev git openssl \
	  ca-certificates python3 python3-pytest strace
# make bench also wants hyperfine (BENCH deps: apt-get install hyperfine);
# without it bench/client_hooks.py times with a loop of its own.
SUDO	:= $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all asan deps check unit e2e demo install uninstall clean lint bench

all: $(BIN)
asan: $(BIN)

$(BUILD):
	@mkdir -p $@

$(BUILD)/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)
	@echo "CC $<"
	@$(CC) $(CFLAGS) $(SAN) $(DD_CFLAGS) -c -o $@ $<

$(BIN): $(OBJS)
	@echo "LD $@"
	@$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $(OBJS) $(DD_LIBS)

$(BUILD)/test_%: tests/unit/test_%.c $(LIBOBJS) $(wildcard tests/unit/*.h)
	@echo "CC $<"
	@$(CC) $(CFLAGS) $(SAN) $(DD_CFLAGS) -Isrc -Wno-missing-prototypes \
	    -o $@ $< $(LIBOBJS) $(DD_LIBS) -lcmocka

deps:
	@missing=; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	    grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q \
	    --no-install-recommends $$missing; \
	else echo "deps: all installed"; fi

check: unit e2e

unit: $(UNITBINS)
	@rc=0; for t in $(UNITBINS); do echo "== $$t"; \
	  $$t 2>&1 || rc=1; done; exit $$rc

e2e: $(BIN)
	DOTGIT_DEPLOY_BIN=$(abspath $(BIN)) $(PYTHON) -m pytest -q \
	    -p no:cacheprovider tests/e2e

demo: $(BIN)
	@DOTGIT_DEPLOY_BIN=$(abspath $(BIN)) sh tests/demo.sh

bench: $(BIN)
	@DOTGIT_DEPLOY_BIN=$(abspath $(BIN)) $(PYTHON) bench/hook_overhead.py
	@DOTGIT_DEPLOY_BIN=$(abspath $(BIN)) $(PYTHON) bench/client_hooks.py

lint:
	@sh tests/lint.sh

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/dotgit-deploy

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dotgit-deploy

clean:
	rm -rf build build-asan

# ---- fuzzing, static analysis, memcheck (tests/fuzz/README.md) ----
# `make fuzz FUZZ_SECONDS=N`: every tests/fuzz/fuzz_*.c built with clang's
# libFuzzer and ASan+UBSan; each replays its corpus (seeds, and the
# reproducers of the bugs found) and is fuzzed N seconds, one at a time.
# `make analyze`: cppcheck and scan-build (ANALYZE=cppcheck: the first
# alone, seconds); what they report must be fixed or explained in
# tests/analyze/*.supp. `make memcheck`: the unit tests under valgrind.
# `make faultrun`: tests/faultrun/faultrun.py, short (FAULTRUN=--long:
# 10 minutes of pushes, the daemon's drain under valgrind).
FUZZ_CC	?= clang-14
FUZZ_SECONDS ?= 20
FUZZ_DEBS = clang-14 libclang-rt-14-dev clang-tools-14 cppcheck valgrind
DEBS	+= $(FUZZ_DEBS)
FUZZ_DIR = build-fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer
FUZZ_OBJS = $(filter-out $(FUZZ_DIR)/main.o,$(SRCS:src/%.c=$(FUZZ_DIR)/%.o))
FUZZ_BINS = $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,\
	  $(sort $(wildcard tests/fuzz/fuzz_*.c)))
ANALYZE	?= cppcheck scan-build

.PHONY: fuzz fuzz-build fuzz-clean analyze memcheck faultrun
.SECONDARY: $(FUZZ_OBJS)

$(FUZZ_DIR)/%.o: src/%.c $(wildcard src/*.h)
	@mkdir -p $(FUZZ_DIR)
	@echo "CC $< (fuzz)"
	@$(FUZZ_CC) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	    $(DD_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.c tests/fuzz/fuzz.h \
	    $(FUZZ_OBJS)
	@echo "LD $@"
	@$(FUZZ_CC) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer $(DD_CFLAGS) -Isrc \
	    -o $@ $< tests/fuzz/fuzz.c $(FUZZ_OBJS) $(DD_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

analyze:
	@ANALYZE_CFLAGS="-std=gnu11 $(WARN) -D_GNU_SOURCE \
	    $(shell $(PKG_CONFIG) --cflags $(PKGS) $(LAZY_PKGS))" \
	    sh tests/analyze/run.sh $(ANALYZE)

memcheck: $(UNITBINS)
	@rc=0; for t in $(UNITBINS); do echo "== valgrind $$t"; \
	  valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite $$t >/dev/null 2>$$t.vg || \
	    { cat $$t.vg; rc=1; }; done; exit $$rc

faultrun: $(BIN)
	@DOTGIT_DEPLOY_BIN=$(abspath $(BIN)) $(PYTHON) \
	    tests/faultrun/faultrun.py $(FAULTRUN)

clean: fuzz-clean
fuzz-clean:
	rm -rf $(FUZZ_DIR) build-analyze
