#!/usr/bin/env bash
# Boots the app once in QEMU + OVMF under TCG and judges the run by its report.
# Exit 0 when the serial log says RESULT: PASS and QEMU exited with the app's PASS code
# (or RESULT: FAIL and the FAIL code, with --expect-fail); non-zero otherwise, timeout included.
#
# usage: qemu-run.sh [--efi FILE] [--boot esp|usb|shell] [--mem 2G] [--cpu max] [--smp 1]
#                    [--machine q35|pc] [--timeout 120] [--log FILE] [--expect-fail] [--quiet]
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
efi=$here/build/BOOTX64.EFI boot=esp mem=2G cpu=max smp=1 machine=q35 limit=120
log="" expect=PASS quiet=0
while [ $# -gt 0 ]; do
    case $1 in
    --efi) efi=$2; shift ;;
    --boot) boot=$2; shift ;;
    --mem) mem=$2; shift ;;
    --cpu) cpu=$2; shift ;;
    --smp) smp=$2; shift ;;
    --machine) machine=$2; shift ;;
    --timeout) limit=$2; shift ;;
    --log) log=$2; shift ;;
    --expect-fail) expect=FAIL ;;
    --quiet) quiet=1 ;;
    *) echo "qemu-run: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
ovmf=/usr/share/OVMF
for f in "$ovmf/OVMF_CODE_4M.fd" "$ovmf/OVMF_VARS_4M.fd" "$efi"; do
    [ -f "$f" ] || { echo "qemu-run: missing $f" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "$log" ] || log=$work/serial.log
cp "$ovmf/OVMF_VARS_4M.fd" "$work/vars.fd"
case $boot in
esp)
    mkdir -p "$work/esp/EFI/BOOT"
    cp "$efi" "$work/esp/EFI/BOOT/BOOTX64.EFI"
    cp "$here/startup.nsh" "$work/esp/"
    disk=(-drive "format=raw,file=fat:rw:$work/esp")
    ;;
shell)
    # Not on the removable-media path: OVMF falls through to its shell, which runs startup.nsh.
    mkdir -p "$work/esp/EFI/pagetk"
    cp "$efi" "$work/esp/EFI/pagetk/pagetk.efi"
    cp "$here/startup.nsh" "$work/esp/"
    disk=(-drive "format=raw,file=fat:rw:$work/esp")
    ;;
usb)
    bash "$here/scripts/mkimg.sh" "$efi" "$here/startup.nsh" "$work/usb.img"
    disk=(-device qemu-xhci -drive "if=none,id=stick,format=raw,file=$work/usb.img"
          -device usb-storage,drive=stick,removable=on)
    ;;
*) echo "qemu-run: unknown boot $boot" >&2; exit 2 ;;
esac
timeout "$limit" qemu-system-x86_64 -machine "$machine" -cpu "$cpu" -m "$mem" -smp "$smp" \
    -drive if=pflash,format=raw,readonly=on,file="$ovmf/OVMF_CODE_4M.fd" \
    -drive if=pflash,format=raw,file="$work/vars.fd" \
    "${disk[@]}" -net none -display none -no-reboot -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial file:"$log" </dev/null
status=$?
if [ "$boot" = usb ]; then
    # The app leaves its report on the stick: read it back as a person would.
    last=$(mtype -i "$work/usb.img@@1M" ::/pagetk-report.txt 2>/dev/null | tr -d '\r' | grep -a RESULT | tail -1)
    echo "host: report file on the stick says: ${last:-nothing}" >>"$log"
fi
[ "$quiet" = 1 ] || grep -a -v '^map ' "$log" | tr -d '\r' | sed 's/\x1b\[[0-9;=]*[a-zA-Z]//g'
want=33
[ "$expect" = FAIL ] && want=35
if [ $status -eq 124 ]; then
    echo "qemu-run: timed out after ${limit}s" >&2
    exit 124
fi
if [ $status -ne $want ] || ! grep -aq "RESULT: $expect" "$log"; then
    echo "qemu-run: QEMU exit $status (want $want), RESULT: $expect $(grep -aq "RESULT: $expect" "$log" && echo found || echo missing)" >&2
    exit 1
fi
exit 0
