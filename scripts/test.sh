#!/usr/bin/env bash
# `make test`: formatting, host tests (ASan+UBSan), fuzz corpus replay and a short fuzz,
# the report picture, the library as another project uses it (make install, pkg-config,
# the freestanding build, make docs), QEMU's MMU as witness (make inspect), the QEMU boot
# matrix, a stick collecting a fleet, then the screenshots.
# Ends with one line "N passed, N failed" summing every step.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh gcc make clang libclang-rt-14-dev gnu-efi ovmf ovmf-ia32 u-boot-qemu qemu-system-x86 \
    mtools dosfstools gdisk libxml2-utils clang-format sbsigntool openssl console-setup-linux pkg-config \
    doxygen || exit 1
passed=0 failed=0
count() { # adds the "N passed, N failed" line of a step's output to the totals
    local line p f
    line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
    if [ -z "$line" ]; then
        echo "test: $2 printed no result line" >&2
        failed=$((failed + 1))
        return
    fi
    p=${line%% passed*}
    f=${line#*passed, }
    f=${f%% failed*}
    passed=$((passed + p))
    failed=$((failed + f))
}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== formatting (.clang-format)"
bash scripts/format-check.sh 2>&1 | tee "$out/format"
count "$out/format" "format check"

echo "== host tests"
make --no-print-directory build/host/tests >"$out/build-host" 2>&1 || { cat "$out/build-host"; failed=$((failed + 1)); }
if [ -x build/host/tests ]; then
    ./build/host/tests $(test -n "${SEED:-}" && echo --seed "$SEED") 2>&1 | tee "$out/host"
    count "$out/host" "host tests"
fi

echo "== fuzz corpus and a short fuzz"
make --no-print-directory fuzz-check 2>&1 | tee "$out/fuzz"
count "$out/fuzz" "fuzz-check"

echo "== report picture"
bash tests/report/check.sh 2>&1 | tee "$out/report"
count "$out/report" "report picture"

echo "== the library installed and used as another project would (tests/install)"
bash tests/install/check.sh 2>&1 | tee "$out/install"
count "$out/install" "install checks"

echo "== inspect-compare catches differences (tests/inspect)"
bash tests/inspect/check.sh 2>&1 | tee "$out/inspect-check"
count "$out/inspect-check" "inspect-compare checks"

echo "== QEMU's MMU as witness (make inspect)"
bash scripts/inspect.sh 2>&1 | tee "$out/inspect"
count "$out/inspect" "inspect"

echo "== boot matrix (QEMU + OVMF, TCG)"
# The Secure Boot boots need the app signed with the key Debian's snakeoil OVMF trusts
# (its passphrase is "snakeoil", as the ovmf package documents).
snakeoil=/usr/share/ovmf/PkKek-1-snakeoil
sign_snakeoil() {
    openssl rsa -in "$snakeoil.key" -passin pass:snakeoil -out build/snakeoil.key 2>/dev/null &&
        make --no-print-directory signed KEY=build/snakeoil.key CERT="$snakeoil.pem"
}
if make --no-print-directory -j2 build/BOOTX64.EFI build/usb.img efi-variants ia32-variants >"$out/build-efi" 2>&1 &&
    sign_snakeoil >>"$out/build-efi" 2>&1; then
    bash scripts/boot-matrix.sh | tee "$out/boot"
    p=$(grep -c '^PASS boot' "$out/boot")
    f=$(grep -c '^FAIL boot' "$out/boot")
    echo "$p passed, $f failed" >"$out/boot-count"
    count "$out/boot-count" "boot matrix"
else
    cat "$out/build-efi"
    failed=$((failed + 1))
fi

echo "== screenshots of the verdict screen, checked pixel by pixel (make screenshots)"
if [ -f build/BOOTX64.EFI ]; then
    bash scripts/screenshots.sh 2>&1 | tee "$out/screenshots"
    count "$out/screenshots" "screenshots"
fi

echo "== a stick collects a fleet (five boots from one stick image)"
if [ -f build/BOOTX64.EFI ]; then
    bash scripts/fleet-boots.sh 2>&1 | tee "$out/fleet"
    count "$out/fleet" "fleet boots"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
