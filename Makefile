# ticketd — GNU Makefile.  `make` builds ./ticketd and ./ticketctl;
# `make check` runs every test (plain build, then ASan+UBSan build);
# `make check SANITIZE=1` runs only the sanitizer pass.

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/ticketd
CC       ?= cc
CFLAGS   ?= -O2 -g
comma    := ,
PKG      := libcurl sqlite3 libxml-2.0 libcmark inih gnutls libytnef libmicrohttpd zlib

override CFLAGS += -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE \
	-DTICKETD_DATADIR='"$(DATADIR)"' \
	$(shell pkg-config --cflags $(PKG) libetpan)
# libetpan.pc's Libs carry a dpkg specs file that breaks or de-PIEs the link
# (see ../shared/SERVERS.md): link it by name only.
override LDFLAGS += -pie -Wl,-z,relro -Wl,-z,now
# Start-up order. The dynamic linker looks every symbol up along the
# libraries in the order the program names them (libm and libc come last
# by default), and libcrypto (libcurl's libssh2 brings it, bound at load)
# and libstdc++ (libxml2's ICU) resolve thousands of their own symbols that
# way. Named first, with libc and the libraries with the most lookups of
# their own, every lookup ends sooner: 18.4 M instructions to start instead
# of 25.8 M (callgrind, ticketd --version), about 2 ms of every --stdin run.
# Each symbol still comes from the library it came from before. A library
# is named only when libcurl or libxml2 brings it and the linker finds it
# by that name (-print-file-name answers with the bare name when not).
LOADFIRST := $(shell for l in $$(ldd "$$($(CC) -print-file-name=libcurl.so)" \
	"$$($(CC) -print-file-name=libxml2.so)" 2>/dev/null | \
	awk '$$1 == "libcrypto.so.3" || $$1 == "libstdc++.so.6" { print $$1 }' | \
	sort -u); do case "$$($(CC) -print-file-name=$$l)" in \
	(/*) echo "-l:$$l" ;; esac; done)
LDLIBS   += -Wl,--push-state,--no-as-needed -lm -lc $(LOADFIRST) -lsqlite3 \
	-letpan -Wl,--pop-state $(shell pkg-config --libs $(PKG)) -lm

FUZZ_CC  ?= clang
ifeq ($(FUZZ),1)
# `make fuzz`: clang with libFuzzer's coverage, ASan and UBSan (tests/fuzz/).
# The sources end hex escapes by splitting literals ("gr\xc3\xbc" "e"),
# which clang's -Wstring-concatenation takes for a missing comma.
BUILD    ?= build-fuzz
CC       := $(FUZZ_CC)
override CFLAGS  += -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wno-string-concatenation
override LDFLAGS += -fsanitize=address,undefined
OUT      := $(BUILD)/bin
else ifeq ($(SANITIZE),1)
BUILD    ?= build-san
override CFLAGS  += -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=address,undefined
OUT      := $(BUILD)/bin
else
BUILD    ?= build
OUT      := .
endif

SRCS     := $(filter-out src/ticketd.c src/ticketctl.c,$(wildcard src/*.c))
OBJS     := $(SRCS:src/%.c=$(BUILD)/%.o) $(BUILD)/schema_sql.o $(BUILD)/templates_gen.o \
	    $(BUILD)/web_templates.o $(BUILD)/zdict_notice.o
# the web page's templates and stylesheet, compiled in as web_tpl_NAME_EXT
WEBTPL   := $(sort $(wildcard templates/web/*.html templates/web/*.css))
LIB      := $(BUILD)/libticketd.a
UNITSRC  := $(wildcard tests/unit/test_*.c)
UNITBIN  := $(UNITSRC:tests/unit/%.c=$(BUILD)/tests/%)
# tools the tests drive (e.g. mimedump: a parsed mail as JSON)
TOOLSRC  := $(wildcard tests/tools/*.c)
TOOLBIN  := $(TOOLSRC:tests/tools/%.c=$(BUILD)/tools/%)
BINS     := $(OUT)/ticketd $(OUT)/ticketctl
# libFuzzer targets, tests/fuzz/fuzz_NAME.c: in every build also linked
# with tests/fuzz/replay.c as $(BUILD)/tests/fuzz_NAME, a unit test that
# replays tests/fuzz/seeds/NAME/ and tests/fuzz/regress/NAME/; with FUZZ=1
# linked with libFuzzer as $(BUILD)/fuzzers/fuzz_NAME.
FUZZSRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZNAMES := $(FUZZSRC:tests/fuzz/fuzz_%.c=%)
REPLAYBIN := $(FUZZSRC:tests/fuzz/%.c=$(BUILD)/tests/%)
FUZZBIN  := $(FUZZSRC:tests/fuzz/%.c=$(BUILD)/fuzzers/%)

.PHONY: all check check-one check-crash check-valgrind check-valgrind-ci unit lint fuzz fuzzers bench install uninstall clean demo deps \
	screenshots help-template
all: $(BINS)

$(BUILD)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# schema.sql is the one source of the schema; it is compiled in as a string.
$(BUILD)/schema_sql.c: schema.sql contrib/embed.sh
	@mkdir -p $(@D)
	contrib/embed.sh schema_sql < schema.sql > $@

$(BUILD)/schema_sql.o: $(BUILD)/schema_sql.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/templates_gen.c: $(wildcard templates/*.md) contrib/embed-templates.sh
	@mkdir -p $(@D)
	contrib/embed-templates.sh $(sort $(wildcard templates/*.md)) > $@

$(BUILD)/templates_gen.o: $(BUILD)/templates_gen.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/web_templates.c: $(WEBTPL) contrib/embed.sh
	@mkdir -p $(@D)
	for f in $(WEBTPL); do \
		contrib/embed.sh web_tpl_$$(basename $$f | tr .- __) < $$f || \
		    exit 1; \
	done > $@.tmp && mv $@.tmp $@

# the frozen dictionary of stored notices (src/zpack.h): never edited
$(BUILD)/zdict_notice.c: src/zdict-notice.txt contrib/embed.sh
	@mkdir -p $(@D)
	contrib/embed.sh zdict_notice crlf < src/zdict-notice.txt > $@

$(BUILD)/zdict_notice.o: $(BUILD)/zdict_notice.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/web_templates.o: $(BUILD)/web_templates.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(OUT)/ticketd: $(BUILD)/ticketd.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/ticketctl: $(BUILD)/ticketctl.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -iquote src -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/%.o: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -iquote src -MMD -MP -c -o $@ $<

# xsdvalid needs none of src/ (whose limits.h would shadow the system's
# under libxml2's headers)
$(BUILD)/tools/xsdvalid.o: tests/tools/xsdvalid.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tools/%: $(BUILD)/tools/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -iquote src -MMD -MP -c -o $@ $<

$(BUILD)/tests/fuzz_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/fuzz/replay.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzzers/fuzz_%: $(BUILD)/fuzz/fuzz_%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

unit: $(UNITBIN) $(TOOLBIN) $(REPLAYBIN) $(BUILD)/bench/fetchmove

fuzzers: $(FUZZBIN)

# keep the targets' objects (make would delete them as intermediates, and
# their .d files would then name nothing to rebuild)
.SECONDARY: $(FUZZSRC:tests/fuzz/%.c=$(BUILD)/fuzz/%.o) $(BUILD)/fuzz/replay.o

-include $(OBJS:.o=.d) $(BUILD)/ticketd.d $(BUILD)/ticketctl.d $(UNITBIN:=.d) $(TOOLBIN:=.d) \
	$(wildcard $(BUILD)/fuzz/*.d)

# `make check` = both passes; SANITIZE=1 = the sanitizer pass only.
ifeq ($(SANITIZE),1)
check: deps lint
	$(MAKE) SANITIZE=1 all unit
	@tests/run --build $(BUILD) --bin $(OUT) --label asan
else
check: deps lint
	$(MAKE) all unit
	$(MAKE) SANITIZE=1 all unit
	@tests/run --build build --bin . --label plain --build build-san --bin build-san/bin --label asan
endif

# `make check-crash`: the crash test of issue 12 at full size (make check
# runs it with 200 mails): 500 mails, 20 SIGKILLs or CRASH_KILLS, both builds.
CRASH_MAILS ?= 500
CRASH_KILLS ?= 20
check-crash: deps
	$(MAKE) all unit
	$(MAKE) SANITIZE=1 all unit
	@TICKETD_CRASH_MAILS=$(CRASH_MAILS) TICKETD_CRASH_KILLS=$(CRASH_KILLS) \
	    tests/run --build build --bin . --label plain --build build-san \
	    --bin build-san/bin --label asan --integration \
	    -k test_sigkill_at_random_moments

# `make check-valgrind`: the plain build under valgrind memcheck
# (tests/run --valgrind, suppressions in tests/valgrind.supp): every unit
# test binary, the fuzz replays included, and every integration test with
# ticketd, ticketctl and mimedump wrapped (harness.py, TICKETD_VALGRIND=1).
# A report (invalid read or write, uninitialised value, definite or
# indirect leak) fails the test. Tests of sheer size or speed
# (T_RUN_HEAVY) are skipped: valgrind would take many minutes over them
# and ASan covers them. The whole of it takes over an hour on 2 cores, so
# CI runs `make check-valgrind-ci`: all unit tests (two binaries at a
# time), and the integration tests of VALGRIND_CI (ticketd --stdin and the
# daemon's loop: IMAP, SMTP, retries, signals): 98 s on 2 idle cores with
# TICKETD_TEST_JOBS=3 (36 s and 61 s), about 6 minutes on a loaded machine.
VALGRIND_CI := -k test_stdin. -k test_daemon.
check-valgrind: deps
	$(MAKE) all unit
	@tests/run --build build --bin . --label valgrind --valgrind

check-valgrind-ci: deps
	$(MAKE) all unit
	@tests/run --build build --bin . --label valgrind --valgrind --unit
	@tests/run --build build --bin . --label valgrind --valgrind \
	    --integration $(VALGRIND_CI)

deps:
	@contrib/install-deps.sh --check-or-install

demo: deps all
	@contrib/demo.sh

# README's pictures of the status page and of two notices
# (docs/notice-assigned.png, docs/notice-transcript.png), drawn by the
# browser tests
screenshots: all unit
	TICKETD_SCREENSHOTS=docs tests/run --build build --bin . --label plain \
	    --integration -k test_web.Browser -k test_notice_layout.Layout

# `make bench` (bench/README.md): the -O2 build, then bench/bench.py
# against a private Dovecot and SMTP sink on loopback (a table, and
# bench/results.json); BENCH_ARGS passes options (--mails, --samples,
# --only …). Then the classifier's cross-validation (issue 11).
BENCH_ARGS ?=
bench: deps all unit $(BUILD)/bench/fetchmove
	/usr/bin/python3 bench/bench.py --bin $(OUT) \
	    --fetchmove $(BUILD)/bench/fetchmove $(BENCH_ARGS)
	@tests/bench_kb.sh $(BUILD)

# the ceiling of the backlog figure: libetpan's fetch and move, no more
$(BUILD)/bench/fetchmove: bench/fetchmove.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -letpan

# `make fuzz`: build the libFuzzer targets (clang, FUZZ=1, build-fuzz/) and
# run each for FUZZ_SECONDS, FUZZ_JOBS at a time (tests/fuzz/run says how,
# and where the corpus, logs and any crash go). FUZZ_TARGETS=mime,web
# picks some. CI runs each for 30 s, two at a time.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_TARGETS ?= $(FUZZNAMES)
fuzz: deps
	$(MAKE) FUZZ=1 fuzzers
	@tests/fuzz/run --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS) \
	    --build build-fuzz $(subst $(comma), ,$(FUZZ_TARGETS))

lint:
	@contrib/lint.sh

# `make install` (PREFIX, DESTDIR): the programs, the four man pages, the
# schema, copies of the notice templates (a starting point for a
# [helpdesk] templates directory of your own), a commented example
# configuration and the contrib examples (systemd unit, Postfix pipe
# transport, Dovecot Sieve script). `make uninstall` removes exactly those.
MAN5     := man/ticketd.conf.5
MAN7     := man/ticketd-mail.7
MAN8     := man/ticketd.8 man/ticketctl.8
NOTICETPL := $(sort $(wildcard templates/*.md))
EXAMPLES := contrib/postfix-master.cf contrib/postfix-transport contrib/ticketd.sieve

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(DATADIR)/examples
	install -m 755 $(OUT)/ticketd $(OUT)/ticketctl $(DESTDIR)$(BINDIR)
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	install -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8
	install -m 644 schema.sql $(DESTDIR)$(DATADIR)
	install -m 644 $(NOTICETPL) $(DESTDIR)$(DATADIR)/templates
	sed -e 's|/usr/local/share/ticketd|$(DATADIR)|g' \
	    contrib/ticketd.conf.example > $(DESTDIR)$(DATADIR)/ticketd.conf.example
	sed -e 's|/usr/local/bin/|$(BINDIR)/|g' contrib/ticketd.service \
	    > $(DESTDIR)$(DATADIR)/examples/ticketd.service
	for f in $(EXAMPLES); do \
		sed -e 's|/usr/local/bin/|$(BINDIR)/|g' $$f \
		    > $(DESTDIR)$(DATADIR)/examples/$${f##*/} || exit 1; \
	done
	chmod 644 $(DESTDIR)$(DATADIR)/ticketd.conf.example \
	    $(DESTDIR)$(DATADIR)/examples/*

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ticketd $(DESTDIR)$(BINDIR)/ticketctl
	rm -f $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%) \
	    $(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%) \
	    $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%)
	rm -f $(NOTICETPL:templates/%=$(DESTDIR)$(DATADIR)/templates/%) \
	    $(DESTDIR)$(DATADIR)/schema.sql \
	    $(DESTDIR)$(DATADIR)/ticketd.conf.example \
	    $(DESTDIR)$(DATADIR)/examples/ticketd.service \
	    $(EXAMPLES:contrib/%=$(DESTDIR)$(DATADIR)/examples/%)
	for d in $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(DATADIR)/examples \
	    $(DESTDIR)$(DATADIR); do \
		rmdir "$$d" 2>/dev/null || :; \
	done

# The desk's answer to a "help" mail is ticketd-mail(7) as text; run this
# after changing the page (the install test fails until you do).
help-template:
	contrib/help-from-man.sh $(MAN7) > templates/help.md.tmp
	mv templates/help.md.tmp templates/help.md

clean:
	rm -rf build build-san build-fuzz ticketd ticketctl
