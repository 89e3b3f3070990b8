# Host side: the paging library and its tests. UEFI side: the app, its images, QEMU runs.
CC_HOST    ?= gcc
CSTD        = -std=c11 -Wall -Wextra -Werror -Iinclude -Icore
HOST_SAN    = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
CORE_SRCS   = $(wildcard core/*.c)
# The planner: every parse of firmware bytes and the plan made from them. Plain C with no
# UEFI header, so the host tests run it on hostile input; the app links the same files.
PLAN_SRCS   = $(wildcard efi/plan/*.c)
# The app's other plain-C pieces the host tests cover: report file names, the screen layout,
# the IA32 app's reading of the firmware's 32-bit paging.
APP_PURE_SRCS = efi/fleet_name.c efi/screen_layout.c efi/ia32/fw_map.c efi/text.c efi/check_line.c
TEST_SRCS   = $(wildcard tests/host/*.c) $(PLAN_SRCS) $(APP_PURE_SRCS)
BENCH_SRCS  = $(wildcard tests/bench/*.c)
# The host tools (tests/tools/): report and fleet pages, QEMU's MMU compared with the dump,
# pixel checks and the host's drawing of the screen, the font conversion the app's build uses.
TOOL_CFLAGS = -std=c11 -Wall -Wextra -Werror -O2 -Iinclude

.PHONY: all host-tests soak test test-host run bench fuzz fuzz-check clean format efi-app efi-variants efi-la57 efi-minimal report signed \
        lib install freestanding docs

all: build/host/tests build/BOOTX64.EFI build/BOOTIA32.EFI build/usb.img

build/host/tests: $(CORE_SRCS) $(TEST_SRCS) $(wildcard core/*.h tests/host/*.h include/*.h efi/plan/*.h) \
                  $(patsubst %.c,%.h,$(APP_PURE_SRCS))
	@mkdir -p $(@D)
	$(CC_HOST) $(CSTD) $(HOST_SAN) -Itests/host -Iefi/plan -Iefi -o $@ $(CORE_SRCS) $(TEST_SRCS)

host-tests: build/host/tests

# The same tests optimised, with UBSan, for the long model run.
build/host/soak: $(CORE_SRCS) $(TEST_SRCS) $(wildcard core/*.h tests/host/*.h include/*.h efi/plan/*.h) \
                 $(patsubst %.c,%.h,$(APP_PURE_SRCS))
	@mkdir -p $(@D)
	$(CC_HOST) $(CSTD) -O2 -g -fsanitize=undefined -fno-sanitize-recover=all -Itests/host -Iefi/plan -Iefi \
	    -o $@ $(CORE_SRCS) $(TEST_SRCS)

# The foreign-hierarchy model for SOAK_OPS operations (default a million) on a random
# seed, printed (SEED=n replays; a divergence names its episode seed for --episode-seed).
SOAK_OPS ?= 1000000
soak: build/host/soak
	@seed=$${SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "soak: $(SOAK_OPS) operations, seed $$seed"; \
	time ./build/host/soak --seed $$seed --ops $(SOAK_OPS) model/foreign

# Unit, model and failure-injection tests on the host (ASan + UBSan). SEED=n replays.
test-host: build/host/tests
	./build/host/tests $(if $(SEED),--seed $(SEED))

# Everything: host tests, then the QEMU boot matrix; ends with "N passed, N failed".
test:
	@bash scripts/test.sh

# ---- the library as a product: static archive, headers, pkg-config, kernels, reference ----
PAGETK_VERSION ?= 0.1.0
PREFIX         ?= /usr/local
DESTDIR        ?=
LIBDIR          = $(PREFIX)/lib
INCLUDEDIR      = $(PREFIX)/include
PUBLIC_HEADERS  = include/pt.h
LIB_OBJS        = $(patsubst core/%.c,build/lib/%.o,$(CORE_SRCS))

# For the host, with the host compiler; -fPIC so a shared library may link it in too.
build/lib/%.o: core/%.c $(wildcard core/*.h include/*.h)
	@mkdir -p $(@D)
	$(CC_HOST) $(CSTD) -O2 -fPIC -c $< -o $@

build/lib/libpagetk.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

# pagetk.pc is written at install time: it holds PREFIX, which each install may change.
PC_LINES = 'prefix=$(PREFIX)' 'exec_prefix=$${prefix}' 'libdir=$${exec_prefix}/lib' \
           'includedir=$${prefix}/include' '' 'Name: pagetk' \
           'Description: x86-64 four-level page tables: build, change, read and check them' \
           'Version: $(PAGETK_VERSION)' 'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lpagetk'

lib: build/lib/libpagetk.a

# PREFIX=... (default /usr/local); DESTDIR stages the tree elsewhere (pagetk.pc keeps PREFIX).
install: build/lib/libpagetk.a
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 644 build/lib/libpagetk.a $(DESTDIR)$(LIBDIR)/libpagetk.a
	printf '%s\n' $(PC_LINES) >$(DESTDIR)$(LIBDIR)/pkgconfig/pagetk.pc
	install -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/

# For a kernel: no libc, no red zone (interrupts push onto the stack), no SSE state to save,
# no stack protector runtime. FS_EXTRA adds flags, e.g. -mcmodel=kernel for a kernel linked
# in the top 2 GiB. The check fails on any undefined symbol the archive does not
# define itself, but for the four string functions GCC may emit (tests/install/symbols.sh).
CC_FREESTANDING ?= gcc
FS_CFLAGS        = $(CSTD) -O2 -ffreestanding -nostdlib -mno-red-zone -mgeneral-regs-only \
                   -fno-stack-protector -fno-pic $(FS_EXTRA)
FS_OBJS          = $(patsubst core/%.c,build/freestanding/%.o,$(CORE_SRCS))

build/freestanding/%.o: core/%.c $(wildcard core/*.h include/*.h)
	@mkdir -p $(@D)
	$(CC_FREESTANDING) $(FS_CFLAGS) -c $< -o $@

build/freestanding/libpagetk.a: $(FS_OBJS)
	rm -f $@ && ar rcs $@ $^

freestanding: build/freestanding/libpagetk.a
	@bash tests/install/symbols.sh $<

# The API reference from the public headers' comments (build/docs/html); any doxygen
# warning fails the target.
docs:
	@bash scripts/deps.sh doxygen
	@mkdir -p build/docs
	@doxygen scripts/Doxyfile >build/docs/doxygen.log 2>build/docs/warnings.log; \
	status=$$?; cat build/docs/warnings.log; \
	if [ $$status -ne 0 ] || [ -s build/docs/warnings.log ]; then \
	    echo "docs: doxygen failed or warned" >&2; exit 1; fi; \
	echo "docs: build/docs/html/index.html"

# ---- the UEFI app (gnu-efi) ----------------------------------------------------------------
EFI_INC      = /usr/include/efi
EFI_LIB      = /usr/lib
EFI_CFLAGS   = -std=c11 -Wall -Wextra -Werror -O2 -ffreestanding -fno-stack-protector -fpic \
               -fshort-wchar -mno-red-zone -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI \
               -I$(EFI_INC) -I$(EFI_INC)/x86_64 -Iinclude -Icore -Iefi/plan -Iefi $(EFI_DEFS)
EFI_SRCS     = $(CORE_SRCS) $(PLAN_SRCS) $(wildcard efi/*.c) build/gen/font_data.c
# Test-only variants: EFI_DEFS=-DPAGETK_TEST_CORRUPT, -DPAGETK_FRAME_CAP=n, -DPAGETK_TEST_STRAY_FAULT,
# -DPAGETK_TEST_NO_MAT, -DPAGETK_TEST_AP_HANG, -DPAGETK_TEST_CORRUPT_AFTER_EXIT,
# -DPAGETK_TEST_PERSONAS (with tests/persona/persona.c and la57.c), and with
# -DPAGETK_PERSONA_ONLY='"la57"' the five-level persona alone.
EFI_VARIANT ?= default
EFI_OBJDIR   = build/efi/$(EFI_VARIANT)
EFI_OBJS     = $(patsubst %.c,$(EFI_OBJDIR)/%.o,$(EFI_SRCS))
EFI_TARGET  ?= build/BOOTX64.EFI

# The framebuffer console's font: a PSF console font from Debian's console-setup-linux,
# converted at build time.
FONT_PSF ?= /usr/share/consolefonts/Lat15-Terminus16.psf.gz

build/psf2c: tests/tools/psf2c.c
	@mkdir -p $(@D)
	$(CC_HOST) $(TOOL_CFLAGS) -o $@ $<

build/gen/font_data.c: build/psf2c $(FONT_PSF)
	@mkdir -p $(@D)
	gzip -dc $(FONT_PSF) | ./build/psf2c >$@.tmp && mv $@.tmp $@

$(EFI_OBJDIR)/%.o: %.c $(wildcard include/*.h core/*.h efi/*.h efi/plan/*.h)
	@mkdir -p $(@D)
	gcc $(EFI_CFLAGS) -c $< -o $@

$(EFI_OBJDIR)/app.so: $(EFI_OBJS)
	ld -nostdlib -znocombreloc -T $(EFI_LIB)/elf_x86_64_efi.lds -shared -Bsymbolic \
	   -L$(EFI_LIB) $(EFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJS) -o $@ -lefi -lgnuefi --no-undefined

$(EFI_TARGET): $(EFI_OBJDIR)/app.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* \
	   -j .rela.* -j .reloc --strip-all --target efi-app-x86_64 --subsystem=10 $< $@

# Test-only builds. These must end in RESULT: FAIL: one corrupts a live entry after the
# switch, one faults where nothing expects it (both must restore the firmware's CR3), one
# starves the build of frames (must never switch), one has an AP that never returns (the
# BSP must time out, keep the tables, restore its CR3), one corrupts an entry after
# ExitBootServices in a full takeover (the firmware's CR3 and PAT must come back). These
# must pass: one ignores the firmware's memory attributes table, as on a firmware without
# one, and must say so; one runs the takeover once per firmware persona (tests/persona).
efi-variants:
	$(MAKE) --no-print-directory EFI_VARIANT=corrupt EFI_DEFS=-DPAGETK_TEST_CORRUPT \
	    EFI_TARGET=build/pagetk-corrupt.efi efi-app
	$(MAKE) --no-print-directory EFI_VARIANT=framecap EFI_DEFS=-DPAGETK_FRAME_CAP=4 \
	    EFI_TARGET=build/pagetk-framecap.efi efi-app
	$(MAKE) --no-print-directory EFI_VARIANT=stray EFI_DEFS=-DPAGETK_TEST_STRAY_FAULT \
	    EFI_TARGET=build/pagetk-stray.efi efi-app
	$(MAKE) --no-print-directory EFI_VARIANT=nomat EFI_DEFS=-DPAGETK_TEST_NO_MAT \
	    EFI_TARGET=build/pagetk-nomat.efi efi-app
	$(MAKE) --no-print-directory EFI_VARIANT=corruptlate EFI_DEFS=-DPAGETK_TEST_CORRUPT_AFTER_EXIT \
	    EFI_TARGET=build/pagetk-corrupt-late.efi efi-app
	$(MAKE) --no-print-directory EFI_VARIANT=personas \
	    EFI_DEFS="-DPAGETK_TEST_PERSONAS -Itests/persona" \
	    EFI_SRCS="$(EFI_SRCS) tests/persona/persona.c tests/persona/la57.c" \
	    EFI_TARGET=build/pagetk-personas.efi efi-app
	$(MAKE) --no-print-directory efi-la57
	$(MAKE) --no-print-directory EFI_VARIANT=aphang \
	    EFI_DEFS="-DPAGETK_TEST_AP_HANG -DPAGETK_AP_TIMEOUT_US=2000000" \
	    EFI_TARGET=build/pagetk-aphang.efi efi-app

# Test-only: the five-level persona alone (enters LA57 itself; make inspect uses it too).
efi-la57:
	$(MAKE) --no-print-directory EFI_VARIANT=la57 \
	    EFI_DEFS="-DPAGETK_TEST_PERSONAS -DPAGETK_PERSONA_ONLY='\"la57\"' -Itests/persona" \
	    EFI_SRCS="$(EFI_SRCS) tests/persona/persona.c tests/persona/la57.c" \
	    EFI_TARGET=build/pagetk-la57.efi efi-app

# The boot-cost baseline: an app that only prints and exits.
efi-minimal:
	$(MAKE) --no-print-directory EFI_VARIANT=minimal \
	    EFI_SRCS="tests/boot/minimal.c efi/qemu_exit.c" EFI_TARGET=build/minimal.efi efi-app

efi-app: $(EFI_TARGET)

build/usb.img: build/BOOTX64.EFI build/BOOTIA32.EFI startup.nsh scripts/mkimg.sh
	IA32_EFI=build/BOOTIA32.EFI bash scripts/mkimg.sh build/BOOTX64.EFI startup.nsh $@

include efi/ia32/ia32.mk

# ---- Secure Boot ----------------------------------------------------------------------------
# Signs the app with KEY and CERT (PEM; an encrypted key asks for its passphrase) and builds
# a USB image holding the signed app. The unstripped image's COFF symbol table lies outside
# every section, so Authenticode would hash it as trailing data: the app is built stripped.
SIGNED_EFI = build/BOOTX64.signed.efi
SIGNED_IA32 = build/BOOTIA32.signed.efi
signed: build/BOOTX64.EFI build/BOOTIA32.EFI startup.nsh scripts/mkimg.sh
	@test -n "$(KEY)" -a -n "$(CERT)" || { echo "usage: make signed KEY=db.key CERT=db.crt" >&2; exit 2; }
	@bash scripts/deps.sh sbsigntool
	sbsign --key "$(KEY)" --cert "$(CERT)" --output $(SIGNED_EFI) build/BOOTX64.EFI 2>build/sbsign.log \
	    || { cat build/sbsign.log; exit 1; }
	@! grep -i warning build/sbsign.log # a clean signature hashes every byte as a section
	sbverify --cert "$(CERT)" $(SIGNED_EFI)
	sbsign --key "$(KEY)" --cert "$(CERT)" --output $(SIGNED_IA32) build/BOOTIA32.EFI 2>build/sbsign.log \
	    || { cat build/sbsign.log; exit 1; }
	@! grep -i warning build/sbsign.log
	sbverify --cert "$(CERT)" $(SIGNED_IA32)
	IA32_EFI=$(SIGNED_IA32) bash scripts/mkimg.sh $(SIGNED_EFI) startup.nsh build/usb-signed.img

# Boots the app in QEMU+OVMF (TCG); exit status 0 only on RESULT: PASS.
run:
	@bash scripts/deps.sh gcc make gnu-efi ovmf qemu-system-x86 mtools dosfstools gdisk \
	    console-setup-linux
	@$(MAKE) --no-print-directory build/usb.img
	bash scripts/qemu-run.sh --boot usb --mem 2G --cpu max --smp 2

# ---- benchmarks ------------------------------------------------------------------------------
build/bench/bench: $(CORE_SRCS) $(BENCH_SRCS) $(wildcard core/*.h include/*.h tests/bench/*.h)
	@mkdir -p $(@D)
	$(CC_HOST) $(CSTD) -O2 -falign-loops=64 -falign-functions=64 -Itests/bench -o $@ $(CORE_SRCS) $(BENCH_SRCS)

# Host benchmarks, then the boot cost of the app against a minimal app (QEMU, 8 GiB).
bench: build/bench/bench
	./build/bench/bench
	@bash scripts/boot-cost.sh

# ---- fuzzing (clang, libFuzzer) ---------------------------------------------------------------
FUZZ_SRCS     = $(CORE_SRCS) tests/host/sim.c $(wildcard tests/fuzz/*.c)
FUZZ_SECONDS ?= 60

build/fuzz/fuzz_ops: $(FUZZ_SRCS) $(wildcard core/*.h include/*.h tests/fuzz/*.h tests/host/sim.h)
	@mkdir -p $(@D)
	clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -Itests/host -o $@ $(FUZZ_SRCS)

# Fuzzes for FUZZ_SECONDS from a copy of the committed corpus; crashes land in build/fuzz/.
fuzz: build/fuzz/fuzz_ops
	rm -rf build/fuzz/work && cp -r tests/fuzz/corpus build/fuzz/work
	./build/fuzz/fuzz_ops -max_total_time=$(FUZZ_SECONDS) -max_len=600 -len_control=0 \
	    -artifact_prefix=build/fuzz/ build/fuzz/work

# Replays corpus and regressions, then a short fuzz: part of make test.
fuzz-check: build/fuzz/fuzz_ops
	@bash scripts/fuzz-check.sh

# ---- the report as a picture -----------------------------------------------------------------
REPORT ?= build/boot-logs/m2g-max-q35-usb.log
# What report-svg and inspect-compare share: reading the report's lines and its map lines;
# core/fmt.c gives them the app's own size format.
REPORT_LINE_SRCS = tests/tools/report_line.c core/fmt.c
REPORT_LINE_DEPS = $(REPORT_LINE_SRCS) tests/tools/report_line.h include/pt.h

build/report-svg: tests/tools/report-svg.c $(REPORT_LINE_DEPS)
	@mkdir -p $(@D)
	$(CC_HOST) $(TOOL_CFLAGS) -o $@ $< $(REPORT_LINE_SRCS)

build/fleet-svg: tests/tools/fleet-svg.c $(REPORT_LINE_DEPS)
	@mkdir -p $(@D)
	$(CC_HOST) $(TOOL_CFLAGS) -o $@ $< $(REPORT_LINE_SRCS)

# One SVG page of a report (a boot log or a report file from a stick): REPORT=file SVG=out.svg.
# Given a folder (REPORT=folder, e.g. a stick's \pagetk), one page comparing its machines side
# by side: SVG= defaults to build/fleet.svg.
report: build/report-svg build/fleet-svg
	@if [ -d "$(REPORT)" ]; then ./build/fleet-svg "$(REPORT)" $(or $(SVG),build/fleet.svg); \
	else ./build/report-svg "$(REPORT)" $(or $(SVG),build/report.svg); fi

# ---- screenshots ----------------------------------------------------------------------------
build/screen-check: tests/tools/screen-check.c
	@mkdir -p $(@D)
	$(CC_HOST) $(TOOL_CFLAGS) -o $@ $<

# The framebuffer console drawn on the host with the app's own code (fb-render.c says why).
FB_RENDER_SRCS = tests/tools/fb-render.c efi/fbcon.c efi/font.c efi/screen_view.c efi/screen_layout.c \
                 build/gen/font_data.c $(REPORT_LINE_SRCS)
build/fb-render: $(FB_RENDER_SRCS) $(wildcard efi/*.h) tests/tools/report_line.h
	@mkdir -p $(@D)
	$(CC_HOST) $(TOOL_CFLAGS) -Iefi -Itests/tools -o $@ $(FB_RENDER_SRCS)

.PHONY: screenshots
# Boots the app and saves PNGs of its verdict screen (build/screenshots/), each checked pixel
# by pixel; ends with "N passed, N failed".
screenshots:
	@bash scripts/screenshots.sh

clean:
	rm -rf build

format:
	clang-format -i include/*.h core/*.c core/*.h tests/*/*.c tests/*/*.h efi/*.c efi/*.h efi/plan/*.c efi/plan/*.h \
	    efi/ia32/*.c efi/ia32/*.h


# ---- QEMU's MMU as witness -------------------------------------------------------------------
.PHONY: inspect

build/inspect-compare: tests/tools/inspect-compare.c $(REPORT_LINE_DEPS)
	@mkdir -p $(@D)
	$(CC_HOST) $(TOOL_CFLAGS) -o $@ $< $(REPORT_LINE_SRCS)

# Boots with the option inspect (-cpu qemu64 1 GiB, -cpu max 2 GiB) and compares QEMU's
# info tlb and info mem with the app's dump of its live tables; ends with "N passed, N failed".
inspect:
	@bash scripts/inspect.sh
