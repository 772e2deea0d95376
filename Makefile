# dotgit-deploy -- see README.md
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
PKG_CONFIG ?= pkg-config
CC	?= cc
CFLAGS	?= -O2 -g
PYTHON	?= /usr/bin/python3

VERSION	= 0.1.0
PKGS	= libgit2 libcurl inih jansson libcrypto
HAVE_SYSTEMD := $(shell $(PKG_CONFIG) --exists libsystemd 2>/dev/null && echo 1)
ifeq ($(HAVE_SYSTEMD),1)
PKGS	+= libsystemd
SYSTEMD_DEF = -DHAVE_SYSTEMD=1
endif

WARN	= -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	  -Wwrite-strings -Wformat-security -Wpointer-arith \
	  -Wold-style-definition -fno-common -Werror
DD_CFLAGS = -std=gnu11 $(WARN) -D_GNU_SOURCE -DDD_VERSION='"$(VERSION)"' \
	  $(SYSTEMD_DEF) $(shell $(PKG_CONFIG) --cflags $(PKGS))
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
# the client's reference-transaction hook: libc only, starts fast
REFTX	= $(BUILD)/dotgit-deploy-reftx

DEBS	= gcc make pkg-config libgit2-dev libcurl4-openssl-dev libinih-dev \
	  libjansson-dev libssl-dev libsystemd-dev libcmocka-dev git openssl \
	  ca-certificates python3 python3-pytest
SUDO	:= $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all asan deps check unit e2e demo install uninstall clean lint bench

all: $(BIN) $(REFTX)
asan: $(BIN) $(REFTX)

$(BUILD):
	@mkdir -p $@

$(BUILD)/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)
	@echo "CC $<"
	@$(CC) $(CFLAGS) $(SAN) $(DD_CFLAGS) -c -o $@ $<

$(REFTX): src/reftx/reftx.c | $(BUILD)
	@echo "CC $<"
	@$(CC) $(CFLAGS) $(SAN) -std=gnu11 $(WARN) -D_GNU_SOURCE $(LDFLAGS) \
	    -o $@ $<

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

e2e: $(BIN) $(REFTX)
	DOTGIT_DEPLOY_BIN=$(abspath $(BIN)) $(PYTHON) -m pytest -q \
	    -p no:cacheprovider tests/e2e

demo: $(BIN)
	@DOTGIT_DEPLOY_BIN=$(abspath $(BIN)) sh tests/demo.sh

bench: $(BIN)
	@DOTGIT_DEPLOY_BIN=$(abspath $(BIN)) $(PYTHON) bench/hook_overhead.py

lint:
	@sh tests/lint.sh

install: $(BIN) $(REFTX)
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/dotgit-deploy
	install -m 0755 $(REFTX) $(DESTDIR)$(BINDIR)/dotgit-deploy-reftx

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dotgit-deploy \
	    $(DESTDIR)$(BINDIR)/dotgit-deploy-reftx

clean:
	rm -rf build build-asan
