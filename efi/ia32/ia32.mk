# ---- BOOTIA32.EFI: the takeover from 32-bit UEFI (efi/ia32/) ---------------------------------
# Two parts. The 64-bit part is core/, the x64 app's phases (build.c) and checks (verify.c,
# check_wx.c, fault.c) built as x86-64 position-independent code into one ELF file, which
# the 32-bit app embeds, loads below 4 GiB, relocates and calls after it has entered long
# mode. The 32-bit app is
# gnu-efi's IA32 target with the x64 app's report, screen, stick and machine code.
# Test-only variants (ia32-variants) set IA32_VARIANT, LONG_DEFS and IA32_TARGET.
IA32_VARIANT  ?= default
IA32_DIR       = build/ia32/$(IA32_VARIANT)
IA32_TARGET   ?= build/BOOTIA32.EFI
LONG_DEFS     ?=
LONG_SRCS      = $(CORE_SRCS) efi/build.c efi/verify.c efi/live.c efi/check_wx.c efi/fault.c efi/frames.c efi/text.c efi/check_line.c efi/report_lines.c \
                 efi/serial.c efi/cpuinfo.c $(PLAN_SRCS) efi/ia32/long_main.c \
                 efi/ia32/long_report.c
LONG_CFLAGS    = -std=c11 -Wall -Wextra -Werror -O2 -ffreestanding -fno-stack-protector -fpie \
                 -fvisibility=hidden -ffunction-sections -fdata-sections -mno-red-zone \
                 -mgeneral-regs-only -fshort-wchar -DGNU_EFI_USE_MS_ABI -I$(EFI_INC) \
                 -I$(EFI_INC)/x86_64 -Iinclude -Icore -Iefi/plan -Iefi -Iefi/ia32 $(LONG_DEFS)
LONG_OBJS      = $(patsubst %.c,$(IA32_DIR)/long/%.o,$(LONG_SRCS))
IA32_SRCS      = efi/ia32/main32.c efi/ia32/switch32.c efi/ia32/boot_map.c efi/ia32/fw_map.c efi/ia32/long_load.c \
                 efi/ia32/long_image.c efi/ia32/divide.c efi/report.c efi/screen.c \
                 efi/screen_view.c efi/screen_layout.c efi/fbcon.c efi/font.c efi/serial.c \
                 efi/stick.c efi/volume.c efi/machine.c efi/plan/smbios_parse.c efi/plan/devpath_parse.c \
                 efi/fleet_name.c efi/text.c efi/check_line.c efi/report_lines.c efi/qemu_exit.c efi/memmap.c efi/settings.c \
                 efi/plan/options.c efi/plan/plan_error.c build/gen/font_data.c
IA32_CFLAGS    = -m32 -std=c11 -Wall -Wextra -Werror -O2 -ffreestanding -fno-stack-protector \
                 -fpic -fshort-wchar -mgeneral-regs-only -I$(EFI_INC) -I$(EFI_INC)/ia32 \
                 -Iefi/ia32/include -Iinclude -Icore -Iefi/plan -Iefi -Iefi/ia32
IA32_OBJS      = $(patsubst %.c,$(IA32_DIR)/app/%.o,$(IA32_SRCS))
IA32_LIB       = /usr/lib32

$(IA32_DIR)/long/%.o: %.c $(wildcard include/*.h core/*.h efi/*.h efi/plan/*.h efi/ia32/*.h)
	@mkdir -p $(@D)
	gcc $(LONG_CFLAGS) -c $< -o $@

# Only R_X86_64_RELATIVE relocations: long_load.c applies those and refuses any other.
$(IA32_DIR)/long.elf: $(LONG_OBJS)
	ld -pie --no-dynamic-linker -nostdlib -z separate-code -z max-page-size=4096 -z norelro \
	   --gc-sections -e long_main --no-undefined $(LONG_OBJS) -o $@
	@! readelf -rW $@ | grep -E '^[0-9a-f]+ ' | grep -v R_X86_64_RELATIVE

$(IA32_DIR)/app/%.o: %.c $(wildcard include/*.h core/*.h efi/*.h efi/plan/*.h efi/ia32/*.h)
	@mkdir -p $(@D)
	gcc $(IA32_CFLAGS) -c $< -o $@

$(IA32_DIR)/app/efi/ia32/long_image.o: efi/ia32/long_image.c $(IA32_DIR)/long.elf
	@mkdir -p $(@D)
	gcc $(IA32_CFLAGS) -DLONG_ELF='"$(IA32_DIR)/long.elf"' -c $< -o $@

$(IA32_DIR)/app.so: $(IA32_OBJS)
	ld -m elf_i386 -nostdlib -znocombreloc -T $(IA32_LIB)/elf_ia32_efi.lds -shared -Bsymbolic \
	   -L$(IA32_LIB) $(IA32_LIB)/crt0-efi-ia32.o $(IA32_OBJS) -o $@ -lefi -lgnuefi --no-undefined

$(IA32_TARGET): $(IA32_DIR)/app.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* \
	   -j .rela.* -j .reloc --strip-all --target efi-app-ia32 --subsystem=10 $< $@

.PHONY: ia32-app ia32-variants
ia32-app: $(IA32_TARGET)

# Test-only builds that must end in RESULT: FAIL and still give the firmware its mode back:
# one corrupts a live entry through the slot after the switch, one takes a fault in 64-bit
# mode that no check expects (the app's own IDT catches it).
ia32-variants: build/gen/font_data.c
	$(MAKE) --no-print-directory IA32_VARIANT=corrupt LONG_DEFS=-DPAGETK_TEST_CORRUPT_AFTER_EXIT \
	    IA32_TARGET=build/pagetk-ia32-corrupt.efi ia32-app
	$(MAKE) --no-print-directory IA32_VARIANT=stray LONG_DEFS=-DPAGETK_TEST_STRAY_FAULT \
	    IA32_TARGET=build/pagetk-ia32-stray.efi ia32-app
