# SPDX-License-Identifier: ISC
# dotgit-deploy -- see README.md and packaging/README.md

# Where `make install` puts things; DESTDIR is put before each.
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
DATADIR	?= $(PREFIX)/share
MANDIR	?= $(DATADIR)/man
DOCDIR	?= $(DATADIR)/doc/dotgit-deploy
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
SYSCONFDIR ?= /etc
UNITDIR	?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d

PKG_CONFIG ?= pkg-config
CC	?= cc
CFLAGS	?= -O2 -g
INSTALL	?= install
PYTHON	?= /usr/bin/python3

VERSION	= 0.1.0
# Linked: inih and jansson. libgit2, libcurl and libsystemd are loaded on
# first use (src/lazylib.c): a run that never reads a git object or goes
# to the network (a hook with nothing to do) does not pay the dynamic
# loader for them and their ~40 dependencies. Their headers are used.
PKGS	= inih jansson libmd
LAZY_PKGS = libgit2 libcurl
# The exact soname the headers go with, from the development library;
# without it, the soname the code was written for (said once, as a
# warning). `make sonames` prints them; src/dlnote.c records them in the
# binary (.note.dlopen) for packagers; packaging/debian/control depends
# on the packages that hold them.
soname	= $(shell objdump -p "$$($(PKG_CONFIG) --variable=libdir $(1))/$(1).so" \
	  2>/dev/null | sed -n 's/^ *SONAME *//p')
ifneq ($(filter-out deps deb-deps clean lint,$(or $(MAKECMDGOALS),all)),)
fallback = $(warning $(1): no $(1).so of a development package ($(2)): \
	   assuming soname $(3))$(3)
else
fallback = $(3)
endif
GIT2_SONAME := $(or $(call soname,libgit2),\
	       $(call fallback,libgit2,libgit2-dev,libgit2.so.1.5))
CURL_SONAME := $(or $(call soname,libcurl),\
	       $(call fallback,libcurl,libcurl4-openssl-dev,libcurl.so.4))
SYSTEMD_SONAME := $(or $(call soname,libsystemd),\
	       $(call fallback,libsystemd,libsystemd-dev,libsystemd.so.0))
DLOPEN	= $(GIT2_SONAME) $(CURL_SONAME) $(SYSTEMD_SONAME)
SONAMES	= -DDL_GIT2_SONAME='"$(GIT2_SONAME)"' \
	  -DDL_CURL_SONAME='"$(CURL_SONAME)"' \
	  -DDL_SYSTEMD_SONAME='"$(SYSTEMD_SONAME)"'

# Project flags first, then the user's (CPPFLAGS, CFLAGS, LDFLAGS), so a
# packager can add hardening or turn a warning off. -Werror only for
# developers and CI: `make DEVELOPER=1`.
WARN	= -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	  -Wwrite-strings -Wformat-security -Wpointer-arith \
	  -Wold-style-definition -fno-common
ifeq ($(DEVELOPER),1)
WARN	+= -Werror
endif
DD_CPPFLAGS = -D_GNU_SOURCE -DDD_VERSION='"$(VERSION)"' \
	  -DDD_SYSCONFDIR='"$(SYSCONFDIR)"' $(SONAMES) \
	  $(shell $(PKG_CONFIG) --cflags $(PKGS) $(LAZY_PKGS))
DD_CFLAGS = -std=gnu11 $(WARN)
DD_LIBS	= $(shell $(PKG_CONFIG) --libs $(PKGS))

# `make asan <target>` builds and tests with the sanitizers, apart.
BUILD	= build
ifneq ($(filter asan,$(MAKECMDGOALS)),)
BUILD	= build-asan
SAN	= -fsanitize=address,undefined -fno-omit-frame-pointer \
	  -fno-sanitize-recover=all
CFLAGS	= -O1 -g
endif

COMPILE	= $(CC) $(DD_CPPFLAGS) $(CPPFLAGS) $(DD_CFLAGS) $(SAN) $(CFLAGS)
LINK	= $(CC) $(DD_CFLAGS) $(SAN) $(CFLAGS) $(LDFLAGS)

SRCS	= $(sort $(wildcard src/*.c))
OBJS	= $(SRCS:src/%.c=$(BUILD)/%.o)
LIBOBJS	= $(filter-out $(BUILD)/main.o,$(OBJS))
UNITS	= $(sort $(wildcard tests/unit/test_*.c))
UNITBINS = $(UNITS:tests/unit/%.c=$(BUILD)/%)
BIN	= $(BUILD)/dotgit-deploy

DEBS	= gcc make pkg-config libgit2-dev libcurl4-openssl-dev libinih-dev \
	  libjansson-dev libmd-dev libsystemd-dev libcmocka-dev git openssl \
	  ca-certificates python3 python3-pytest strace systemd \
	  mandoc man-db groff-base bash-completion
# make deb: debhelper and lintian (packaging/debian/control has the
# rest); make smoke: systemd-nspawn
DEB_DEBS = $(DEBS) debhelper dpkg-dev fakeroot lintian binutils \
	  systemd-container
# make bench also wants hyperfine (BENCH deps: apt-get install hyperfine);
# without it bench/client_hooks.py times with a loop of its own.
SUDO	:= $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all asan deps deb-deps check unit e2e demo install uninstall \
	clean lint bench sonames deb smoke FORCE

all: $(BIN) $(BUILD)/dotgit-deploy.service $(BUILD)/config.ini
asan: $(BIN)

$(BUILD):
	@mkdir -p $@

# $(call keep,FILE,TEXT): FILE holds TEXT; rewritten (so newer) only when
# TEXT changed: what depends on it is rebuilt when flags or paths change.
keep	= printf '%s\n' '$(subst ','\'',$(2))' >$(1).new; \
	  if cmp -s $(1).new $(1); then rm -f $(1).new; \
	  else mv -f $(1).new $(1); fi

$(BUILD)/flags: FORCE | $(BUILD)
	@$(call keep,$@,$(COMPILE) / $(LINK) / $(DD_LIBS))

$(BUILD)/paths: FORCE | $(BUILD)
	@$(call keep,$@,$(BINDIR) $(DOCDIR) $(MANDIR) $(SYSCONFDIR))

$(BUILD)/%.o: src/%.c $(wildcard src/*.h) $(BUILD)/flags
	@echo "CC $<"
	@$(COMPILE) -c -o $@ $<

$(BIN): $(OBJS)
	@echo "LD $@ (dlopen: $(DLOPEN))"
	@$(LINK) -o $@ $(OBJS) $(DD_LIBS)

$(BUILD)/test_%: tests/unit/test_%.c $(LIBOBJS) $(wildcard tests/unit/*.h) \
    $(BUILD)/flags
	@echo "CC $<"
	@$(COMPILE) -Isrc -Wno-missing-prototypes $(LDFLAGS) \
	    -o $@ $< $(LIBOBJS) $(DD_LIBS) -lcmocka

sonames:
	@printf '%s\n' $(DLOPEN)

# packaging/dotgit-deploy.service.in with this build's paths
$(BUILD)/dotgit-deploy.service: packaging/dotgit-deploy.service.in \
    $(BUILD)/paths
	@echo "GEN $@"
	@sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	    -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< >$@.tmp && mv $@.tmp $@

# The example configuration with every setting commented out: what
# `make install` and the package put in SYSCONFDIR when there is none.
$(BUILD)/config.ini: config/dotgit-deploy.ini | $(BUILD)
	@echo "GEN $@"
	@{ echo '# Every setting here is commented out: remove the "#" of' \
	  'those you need.'; \
	  echo '# See dotgit-deploy.ini(5), or $(DOCDIR)/config/README.md.'; \
	  echo '#'; sed 's/^\([^#;[:space:]]\)/#\1/' $<; } >$@.tmp && \
	  mv $@.tmp $@

# deps: what the build and the tests need; deb-deps: and `make deb`
define apt_install
	@missing=; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	    grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q \
	    --no-install-recommends $$missing; \
	else echo "$@: all installed"; fi
endef

deps:
	$(call apt_install,$(DEBS))

deb-deps:
	$(call apt_install,$(DEB_DEBS))

check: unit e2e

unit: $(UNITBINS)
	@rc=0; for t in $(UNITBINS); do echo "== $$t"; \
	  $$t 2>&1 || rc=1; done; exit $$rc

# The e2e tests that run make (tests/e2e/test_packaging.py) make the same
# build: same goals (asan), same variables (MAKEFLAGS).
e2e: $(BIN)
	DOTGIT_DEPLOY_BIN=$(abspath $(BIN)) \
	DOTGIT_DEPLOY_MAKEGOALS="$(filter asan,$(MAKECMDGOALS))" \
	    $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e

demo: $(BIN)
	@DOTGIT_DEPLOY_BIN=$(abspath $(BIN)) sh tests/demo.sh

# make bench: everything in bench/ (under 5 minutes), tables printed and
# one section written to bench/results.md; BENCH_QUICK=1: a CI-size run.
bench: $(BIN)
	@DOTGIT_DEPLOY_BIN=$(abspath $(BIN)) BENCH_QUICK=$(BENCH_QUICK) \
	    $(PYTHON) bench/run.py

lint:
	@sh tests/lint.sh

# What `make install` installs: the man pages and the bash completion
# when they are there (packaging/man, packaging/bash-completion).
MAN1	= $(wildcard packaging/man/dotgit-deploy.1)
MAN5	= $(wildcard packaging/man/dotgit-deploy.ini.5)
BASHCOMP = $(wildcard packaging/bash-completion/dotgit-deploy)
DOCS	= README.md config/README.md hooks/README.md packaging/README.md \
	  LICENSE
CONFIG	= $(DESTDIR)$(SYSCONFDIR)/dotgit-deploy/config.ini

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/dotgit-deploy
	$(INSTALL) -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(TMPFILESDIR)
	$(INSTALL) -m 0644 $(BUILD)/dotgit-deploy.service $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 0644 packaging/dotgit-deploy.sysusers \
	    $(DESTDIR)$(SYSUSERSDIR)/dotgit-deploy.conf
	$(INSTALL) -m 0644 packaging/dotgit-deploy.tmpfiles \
	    $(DESTDIR)$(TMPFILESDIR)/dotgit-deploy.conf
	test -d $(dir $(CONFIG)) || $(INSTALL) -d -m 0750 $(dir $(CONFIG))
	@if [ -e $(CONFIG) ]; then \
	  echo "$(CONFIG) exists: left as it is"; \
	else echo "$(INSTALL) -m 0640 $(BUILD)/config.ini $(CONFIG)"; \
	  $(INSTALL) -m 0640 $(BUILD)/config.ini $(CONFIG); fi
	$(if $(MAN1),$(INSTALL) -d $(DESTDIR)$(MANDIR)/man1)
	$(if $(MAN1),$(INSTALL) -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1)
	$(if $(MAN5),$(INSTALL) -d $(DESTDIR)$(MANDIR)/man5)
	$(if $(MAN5),$(INSTALL) -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5)
	$(if $(BASHCOMP),$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR))
	$(if $(BASHCOMP),$(INSTALL) -m 0644 $(BASHCOMP) $(DESTDIR)$(BASHCOMPDIR))
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)/config $(DESTDIR)$(DOCDIR)/hooks \
	    $(DESTDIR)$(DOCDIR)/packaging
	for f in $(DOCS); do \
	  $(INSTALL) -m 0644 $$f $(DESTDIR)$(DOCDIR)/$$f || exit 1; done
	$(INSTALL) -d $(DESTDIR)$(DATADIR)/dotgit-deploy
	$(INSTALL) -m 0755 config/notify-webhook.sh \
	    $(DESTDIR)$(DATADIR)/dotgit-deploy/notify-webhook.sh

# Exactly what install put there; the configuration only when it is still
# the example (an edited one is the admin's), directories only when empty.
uninstall: $(BUILD)/config.ini
	rm -f $(DESTDIR)$(BINDIR)/dotgit-deploy \
	    $(DESTDIR)$(UNITDIR)/dotgit-deploy.service \
	    $(DESTDIR)$(SYSUSERSDIR)/dotgit-deploy.conf \
	    $(DESTDIR)$(TMPFILESDIR)/dotgit-deploy.conf \
	    $(DESTDIR)$(MANDIR)/man1/dotgit-deploy.1 \
	    $(DESTDIR)$(MANDIR)/man5/dotgit-deploy.ini.5 \
	    $(DESTDIR)$(BASHCOMPDIR)/dotgit-deploy \
	    $(DESTDIR)$(DATADIR)/dotgit-deploy/notify-webhook.sh \
	    $(addprefix $(DESTDIR)$(DOCDIR)/,$(DOCS))
	-rmdir $(DESTDIR)$(DOCDIR)/config $(DESTDIR)$(DOCDIR)/hooks \
	    $(DESTDIR)$(DOCDIR)/packaging $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(DATADIR)/dotgit-deploy 2>/dev/null
	@if [ ! -e $(CONFIG) ]; then :; \
	elif cmp -s $(BUILD)/config.ini $(CONFIG); then \
	  echo "rm -f $(CONFIG)"; rm -f $(CONFIG); \
	  rmdir $(dir $(CONFIG)) 2>/dev/null || :; \
	else echo "$(CONFIG) was changed: left as it is"; fi

# make deb: a binary package from packaging/debian (debhelper), in a copy
# of this tree under build/deb; the .deb lands here. Lintian errors fail.
DEBTREE	= build/deb/dotgit-deploy-$(VERSION)
deb:
	@v=$$(dpkg-parsechangelog -l packaging/debian/changelog -S Version); \
	if [ "$$v" != "$(VERSION)" ]; then echo "packaging/debian/changelog" \
	  "is at $$v, the Makefile at $(VERSION): add a changelog entry" >&2; \
	  exit 1; fi
	rm -rf build/deb
	mkdir -p $(DEBTREE)
	tar -c --exclude-vcs --exclude=./build --exclude=./build-asan \
	    --exclude='./dotgit-deploy_*' --exclude=__pycache__ . | \
	    tar -x -C $(DEBTREE)
	cp -R packaging/debian $(DEBTREE)/debian
	cd $(DEBTREE) && dpkg-buildpackage -b -us -uc -Jauto
	cp build/deb/dotgit-deploy_$(VERSION)_*.deb .
	lintian --fail-on error --display-info build/deb/*.changes

# make smoke, as root on a throwaway machine: installs the .deb make deb
# made, runs the daemon under systemd in a container, purges the package.
smoke:
	sh tests/systemd-smoke.sh \
	    dotgit-deploy_$(VERSION)_$$(dpkg --print-architecture).deb

clean:
	rm -rf build build-asan
	rm -f dotgit-deploy_*.deb

FORCE:

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
	    $(DD_CPPFLAGS) $(DD_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.c tests/fuzz/fuzz.h \
	    $(FUZZ_OBJS)
	@echo "LD $@"
	@$(FUZZ_CC) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer $(DD_CPPFLAGS) \
	    $(DD_CFLAGS) -Isrc -o $@ $< tests/fuzz/fuzz.c $(FUZZ_OBJS) \
	    $(DD_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

analyze:
	@ANALYZE_CFLAGS="-std=gnu11 $(WARN) -D_GNU_SOURCE \
	    $(shell $(PKG_CONFIG) --cflags $(PKGS) $(LAZY_PKGS))" \
	    sh tests/analyze/run.sh $(ANALYZE)

memcheck: $(UNITBINS)
	@rc=0; n=0; bad=0; for t in $(UNITBINS); do n=$$((n + 1)); \
	  printf '== valgrind %s: ' $$t; \
	  if valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite $$t >$$t.out 2>$$t.vg; then \
	    grep -hE '^\[  PASSED  \]' $$t.out $$t.vg || echo; \
	  else cat $$t.out $$t.vg; rc=1; bad=$$((bad + 1)); fi; done; \
	  echo "memcheck: $$n test programs under valgrind, $$bad with" \
	    "errors or leaks"; exit $$rc

faultrun: $(BIN)
	@DOTGIT_DEPLOY_BIN=$(abspath $(BIN)) $(PYTHON) \
	    tests/faultrun/faultrun.py $(FAULTRUN)

clean: fuzz-clean
fuzz-clean:
	rm -rf $(FUZZ_DIR) build-analyze
