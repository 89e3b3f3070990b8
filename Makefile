# Host side: the paging library and its tests. UEFI side: mk/efi.mk.
CC_HOST    ?= gcc
CSTD        = -std=c11 -Wall -Wextra -Werror -Iinclude -Icore
HOST_SAN    = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
CORE_SRCS   = $(wildcard core/*.c)
TEST_SRCS   = $(wildcard tests/host/*.c)
BENCH_SRCS  = $(wildcard tests/bench/*.c)

.PHONY: all host-tests test test-host test-boot bench fuzz run clean format

all: build/host/tests build/BOOTX64.EFI build/usb.img

build/host/tests: $(CORE_SRCS) $(TEST_SRCS) $(wildcard core/*.h tests/host/*.h include/*.h)
	@mkdir -p $(@D)
	$(CC_HOST) $(CSTD) $(HOST_SAN) -Itests/host -o $@ $(CORE_SRCS) $(TEST_SRCS)

host-tests: build/host/tests

# Unit, model and failure-injection tests on the host (ASan + UBSan). SEED=n replays.
test-host: build/host/tests
	./build/host/tests $(if $(SEED),--seed $(SEED))

# Everything: host tests, then the QEMU boot matrix; ends with "N passed, N failed".
test:
	@bash scripts/test.sh

clean:
	rm -rf build

format:
	clang-format -i include/*.h core/*.c core/*.h tests/*/*.c tests/*/*.h efi/*.c efi/*.h

-include mk/efi.mk
-include mk/bench.mk
-include mk/fuzz.mk
