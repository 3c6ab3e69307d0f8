# bb: a build worker made of small Unix commands.
#
#   make            build every command into $(O)/bin (O=build)
#   make check      install what is missing, build with -Werror and run the
#                   suite (build/); the slow tests say "skipped: set
#                   BB_SLOW=1" or run at a smaller size
#   make check-full what CI runs after make check (.ci/run): the suite under
#                   ASan+UBSan (check-asan, build-asan/), the slow tests at
#                   full size (check-slow, BB_SLOW=1), the suite built by
#                   clang (check-clang, build-clang/)
#   make demo       a local hub, a worker and a real build of an example
#   make bench      benchmarks against the stock tools and Buildbot, their
#                   figures in build/bench/results.txt (README, Benchmarks)
#   make fuzz       libFuzzer targets for every parser (clang)
#   make install    PREFIX=/usr/local DESTDIR= (commands, man pages, and
#                   the runit, systemd and cron files in share/bb/contrib)
#   make deps       install the Debian packages bb needs (root), or say how
#   make release    bb packed by its own tools, from a clean git tree:
#                   releases/bb-VERSION-OS-ARCH.tar.gz and .sha256, signed
#                   with SIGN_KEY=key (PROFILE=dev: any tree, releases/dev/)
#
# Sources are found by their place: lib/*.c and lib/*/*.c make libbb.a
# (lib/ what every side shares, lib/worker/ the pipeline stages,
# lib/release/ signing and packing, lib/hub/ the reference hub), cmd/bb-*.c
# make commands, cmd/bb-*.sh make shell commands, tests/unit/*.c make unit tests,
# tests/fuzz/*.c make fuzz targets.  Adding a file needs no edit here.
#
# Warnings are errors (-Werror) only for developers and CI: make check and
# .ci/run set WERROR=1; a plain make or make install does not fail on a
# warning that a newer compiler finds.  Objects are rebuilt when the
# compiler or its flags change ($(O)/.flags; WERROR aside).

PREFIX ?=	/usr/local
BINDIR ?=	$(PREFIX)/bin
SBINDIR ?=	$(PREFIX)/sbin
MANDIR ?=	$(PREFIX)/share/man
DATADIR ?=	$(PREFIX)/share
CONTRIBDIR ?=	$(DATADIR)/bb/contrib
DESTDIR ?=

# The hub a worker talks to when neither -H nor BB_HUB names one.
HUB_URL ?=	https://localhost:8443
VERSION ?=	0.1.0
# What --version says besides VERSION: the commit built ("unknown" outside
# a git checkout, "-dirty" when the tree has changes) and the build date,
# SOURCE_DATE_EPOCH's when it is set, so that a build can be made again
# byte for byte.
COMMIT :=	$(shell [ -e .git ] && git rev-parse --short=12 HEAD 2>/dev/null \
		    || echo unknown)$(shell [ -e .git ] && \
		    [ -n "$$(git status --porcelain -uno 2>/dev/null)" ] && \
		    echo -dirty)
BUILT :=	$(shell date -u -d "@$(or $(SOURCE_DATE_EPOCH),$$(date +%s))" \
		    +%Y-%m-%d 2>/dev/null || echo unknown)

O ?=		build
SAN ?=		0
CC ?=		cc
PKGS =		libbsd-overlay openssl libarchive libcurl sqlite3 \
		libmicrohttpd libsodium

PKG_CFLAGS :=	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS :=	$(shell pkg-config --libs $(PKGS) 2>/dev/null)

WERROR ?=	0
WARN =		-Wall -Wextra -Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN +=		-Werror
endif
HARDEN =	-D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS ?=	-O2 -g
BB_CFLAGS =	-std=c11 -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS $(WARN) $(HARDEN) \
		$(LIB_INC) $(PKG_CFLAGS) -DBB_HUB_URL='"$(HUB_URL)"'
# --as-needed: a command loads only the libraries its objects use (what
# libbb.a's members pull), whatever the compiler's default.
BB_LDFLAGS =	-pie -Wl,-z,relro,-z,now -Wl,--as-needed
ifeq ($(SAN),1)
BB_CFLAGS +=	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer
BB_LDFLAGS +=	-fsanitize=address,undefined
endif
LIBS =		$(PKG_LIBS) -lm -lpthread

LIB_DIRS :=	lib lib/worker lib/release lib/hub
LIB_INC :=	$(LIB_DIRS:%=-I%)

# What the objects of $(O) were built with: rewritten when it changes, so
# that make CC=clang or SAN=1 after a plain make rebuilds everything.
FLAGS_NOW =	$(CC) $(filter-out -Werror,$(BB_CFLAGS) $(CFLAGS)) \
		$(BB_LDFLAGS) $(LDFLAGS) $(LIBS)
ifneq ($(file <$(O)/.flags),$(strip $(FLAGS_NOW)))
.PHONY: $(O)/.flags
endif

LIB_HDR :=	$(wildcard $(LIB_DIRS:%=%/*.h))
LIB_SRC :=	$(sort $(wildcard $(LIB_DIRS:%=%/*.c)))
LIB_OBJ :=	$(LIB_SRC:%.c=$(O)/%.o)
CMD_C :=	$(sort $(wildcard cmd/bb-*.c))
CMD_SH :=	$(sort $(wildcard cmd/bb-*.sh))
CMDS :=		$(CMD_C:cmd/%.c=$(O)/bin/%) $(CMD_SH:cmd/%.sh=$(O)/bin/%)
UNIT_SRC :=	$(sort $(wildcard tests/unit/*.c))
UNIT_HDR :=	$(wildcard tests/unit/*.h)
UNITS :=	$(UNIT_SRC:%.c=$(O)/%)
TOOL_SRC :=	$(sort $(wildcard tests/tools/*.c))
TOOLS :=	$(TOOL_SRC:%.c=$(O)/%)
BENCH_SRC :=	$(sort $(wildcard tests/bench/*.c))
BENCHES :=	$(BENCH_SRC:%.c=$(O)/%)
FUZZ_SRC :=	$(sort $(wildcard tests/fuzz/*.c))
MAN1 :=		$(sort $(wildcard man/*.1))
MAN5 :=		$(sort $(wildcard man/*.5))
MAN7 :=		$(sort $(wildcard man/*.7))
MAN8 :=		$(sort $(wildcard man/*.8))
SBIN_CMDS =	bb-hub

# Keep objects between builds (they are intermediate files to make).
.SECONDARY:

.PHONY: all check check-plain check-full check-asan check-slow check-clang \
	test deps demo bench fuzz fuzz-build install install-files \
	install-contrib uninstall \
	clean lint release FORCE

all: $(CMDS) $(UNITS) $(TOOLS)

$(O)/lib/%.o: lib/%.c $(LIB_HDR) Makefile $(O)/.flags
	@mkdir -p $(@D)
	$(CC) $(BB_CFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/cmd/%.o: cmd/%.c $(LIB_HDR) Makefile $(O)/.flags
	@mkdir -p $(@D)
	$(CC) $(BB_CFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/.flags:
	@mkdir -p $(@D)
	@printf '%s\n' '$(subst ','\'',$(strip $(FLAGS_NOW)))' >$@

# lib/buildinfo.c and the shell commands hold the version; this file
# changes only when it does, so that they are built again then.
$(O)/buildinfo: FORCE
	@mkdir -p $(@D)
	@printf '%s %s %s\n' '$(VERSION)' '$(COMMIT)' '$(BUILT)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(O)/lib/buildinfo.o: $(O)/buildinfo
$(O)/lib/buildinfo.o: BB_CFLAGS += -DBB_VERSION='"$(VERSION)"' \
		-DBB_COMMIT='"$(COMMIT)"' -DBB_BUILT='"$(BUILT)"'

FORCE:

# The files lib/hub/hubasset.c takes in whole (.incbin).
$(O)/lib/hub/hubasset.o: lib/hub/hub.css lib/hub/hub.js lib/hub/hub.svg

$(O)/libbb.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(O)/bin/%: $(O)/cmd/%.o $(O)/libbb.a
	@mkdir -p $(@D)
	$(CC) $(BB_LDFLAGS) $(LDFLAGS) -o $@ $< $(O)/libbb.a $(LIBS)

# Shell commands and the contrib files get the paths they run with.
SUBST =		sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@HUB_URL@|$(HUB_URL)|g' \
		    -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
		    -e 's|@COMMIT@|$(COMMIT)|g' -e 's|@BUILT@|$(BUILT)|g'
# What make install puts in $(CONTRIBDIR): service files for runit,
# systemd and cron (tests/e2e/contrib-*.t run them).
CONTRIB :=	contrib/cron/crontab contrib/runit/run contrib/runit/log/run \
		contrib/systemd/bb-hub.service contrib/systemd/bb-worker@.service

$(O)/bin/%: cmd/%.sh Makefile $(O)/buildinfo
	@mkdir -p $(@D)
	$(SUBST) $< > $@.tmp
	chmod 755 $@.tmp
	mv $@.tmp $@

$(O)/tests/unit/%: tests/unit/%.c $(UNIT_HDR) $(O)/libbb.a $(O)/.flags
	@mkdir -p $(@D)
	$(CC) $(BB_CFLAGS) $(CFLAGS) -Itests/unit $(BB_LDFLAGS) $(LDFLAGS) \
	    -o $@ $< $(O)/libbb.a $(LIBS)

# Programs the tests and benchmarks use (fake clients, load generators).
$(O)/tests/tools/%: tests/tools/%.c $(O)/libbb.a $(O)/.flags
	@mkdir -p $(@D)
	$(CC) $(BB_CFLAGS) $(CFLAGS) $(BB_LDFLAGS) $(LDFLAGS) \
	    -o $@ $< $(O)/libbb.a $(LIBS)

$(O)/tests/bench/%: tests/bench/%.c $(O)/libbb.a $(O)/.flags
	@mkdir -p $(@D)
	$(CC) $(BB_CFLAGS) $(CFLAGS) $(BB_LDFLAGS) $(LDFLAGS) \
	    -o $@ $< $(O)/libbb.a $(LIBS)

# The suite: unit tests, command tests and end-to-end tests, through prove.
# BB_BIN names the commands under test, BB_BUILD the build directory (its
# tests/tools/ too), BB_SAN is 1 under the sanitizers (tests of memory use
# skip then), BB_SLOW=1 runs the slow tests at full size; tests/lib.sh reads
# them.  The tests mostly wait (for hubs, timeouts, children), so prove
# runs more at once than there are cores (on 2 cores: -j2 88 s, -j4 51 s,
# -j6 33 s, -j8 29 s of wall time for 35 s of CPU); the end-to-end tests,
# the longest, start first.
PROVE ?=	prove
PROVE_JOBS ?=	6
PROVE_FLAGS ?=	-j$(PROVE_JOBS)
BB_SLOW ?=	0
TESTS_SH :=	$(sort $(wildcard tests/e2e/*.t)) $(sort $(wildcard tests/cmd/*.t))
# The tests that name BB_SLOW: skipped, or smaller, without it.
SLOW_TESTS :=	$(patsubst %.c,$(O)/%,$(shell grep -l BB_SLOW $(UNIT_SRC) \
		/dev/null)) $(shell grep -l BB_SLOW $(TESTS_SH) /dev/null)
TESTS ?=	$(TESTS_SH) $(UNITS)

test: all
	BB_BIN=$(CURDIR)/$(O)/bin BB_BUILD=$(CURDIR)/$(O) BB_SRC=$(CURDIR) \
	    BB_SAN=$(SAN) BB_SLOW=$(BB_SLOW) \
	    $(PROVE) $(PROVE_FLAGS) $(TESTS)

# The check targets build on every core unless make was given -j.
CHECK_J =	$(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || \
		echo 2))

check: deps
	@$(MAKE) --no-print-directory check-plain

check-plain:
	@$(MAKE) $(CHECK_J) --no-print-directory O=build SAN=0 WERROR=1 test

check-full: deps
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory check-slow
	@$(MAKE) --no-print-directory check-clang

check-asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(MAKE) $(CHECK_J) --no-print-directory O=build-asan SAN=1 \
	    WERROR=1 test

check-slow:
	@$(MAKE) $(CHECK_J) --no-print-directory O=build SAN=0 WERROR=1 \
	    BB_SLOW=1 TESTS='$(SLOW_TESTS)' test

check-clang:
	@$(MAKE) $(CHECK_J) --no-print-directory O=build-clang CC=clang SAN=0 \
	    WERROR=1 test

deps:
	@sh mk/deps.sh

lint:
	mandoc -Tlint -Wwarning $(MAN1) $(MAN5) $(MAN7) $(MAN8)
	shellcheck -S warning $(CMD_SH) mk/*.sh tests/lib.sh tests/*/*.t

demo: deps
	$(MAKE) O=build
	sh contrib/demo.sh $(CURDIR)/build/bin

bench: deps
	$(MAKE) O=build all $(BENCHES:$(O)/%=build/%)
	BB_BUILD=$(CURDIR)/build sh mk/bench.sh $(CURDIR)/build/bin

FUZZ_CFLAGS =	-std=c11 -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS -g -O1 $(LIB_INC) \
		$(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined
FUZZ_TIME ?=	60

fuzz-build: $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

build-fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(LIB_HDR)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -DBB_VERSION='"fuzz"' -DBB_HUB_URL='"x"' \
	    -o $@ $< $(LIB_SRC) $(LIBS)

fuzz: deps fuzz-build
	sh mk/fuzz.sh $(FUZZ_TIME) $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

# A release of bb, made by bb-pack and bb-sign (mk/release.sh says how).
PROFILE ?=	release
release:
	@PROFILE='$(PROFILE)' VERSION='$(VERSION)' \
	    VERSION_FROM='$(origin VERSION)' SIGN_KEY='$(SIGN_KEY)' \
	    SIGN_PASSPHRASE_FILE='$(SIGN_PASSPHRASE_FILE)' \
	    SBIN_CMDS='$(SBIN_CMDS)' MAKE='$(MAKE)' sh mk/release.sh

install: all
	@$(MAKE) --no-print-directory install-files

# install-files copies what is built and builds nothing: the contrib tests
# install a tree with it (DESTDIR).  install-contrib is its contrib part,
# which make release puts in its archive too.
install-files: install-contrib
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -d $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8
	for c in $(CMD_C:cmd/%.c=$(O)/bin/%); do \
		n=$${c##*/}; d=$(DESTDIR)$(BINDIR); \
		case " $(SBIN_CMDS) " in *" $$n "*) d=$(DESTDIR)$(SBINDIR);; esac; \
		install -m 755 $$c $$d/$$n || exit 1; \
	done
	for c in $(CMD_SH); do \
		n=$${c##*/}; n=$(DESTDIR)$(BINDIR)/$${n%.sh}; \
		$(SUBST) $$c > $$n.tmp && chmod 755 $$n.tmp && \
		    mv $$n.tmp $$n || exit 1; \
	done
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7)
	$(if $(MAN8),install -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8)

install-contrib:
	for f in $(CONTRIB); do \
		n=$(DESTDIR)$(CONTRIBDIR)/$${f#contrib/}; m=644; \
		[ ! -x $$f ] || m=755; \
		install -d $${n%/*} && $(SUBST) $$f > $$n.tmp && \
		    chmod $$m $$n.tmp && mv $$n.tmp $$n || exit 1; \
	done

uninstall:
	for c in $(CMDS); do n=$${c##*/}; \
		rm -f $(DESTDIR)$(BINDIR)/$$n $(DESTDIR)$(SBINDIR)/$$n; done
	for m in $(MAN1) $(MAN5) $(MAN7) $(MAN8); do n=$${m##*/}; \
		rm -f $(DESTDIR)$(MANDIR)/man$${n##*.}/$$n; done
	rm -rf $(DESTDIR)$(CONTRIBDIR)

clean:
	rm -rf build build-asan build-clang build-fuzz build-release
