#!/usr/bin/env bash
# Boots the app once in QEMU + OVMF under TCG and judges the run by its report.
# Exit 0 when the serial log says RESULT: PASS and QEMU exited with the app's PASS code
# (or RESULT: FAIL and the FAIL code, with --expect-fail); non-zero otherwise, timeout included.
#
# usage: qemu-run.sh [--efi FILE] [--boot esp|usb|nvme|shell|nsh] [--mem 2G] [--cpu max] [--smp 1]
#                    [--machine q35|pc] [--timeout 120] [--log FILE] [--expect-fail] [--quiet]
#                    [--cfg "WORDS"] [--args "WORDS"] [--monitor CMDS --monitor-log FILE]
#                    [--expect-reset] [--stick IMG] [--readonly] [--rtc BASE] [--vga XxY]
#                    [--monitor-when REGEX] [--no-exit-port] [--firmware ovmf|secure|uboot]
#                    [--disk ahci|ehci|virtio] [--expect-refused] [--expect-skip]
# --boot nsh: both builds (build/BOOTX64.EFI and build/BOOTIA32.EFI) and startup.nsh as the
# stick has them, but in \EFI\TRY instead of \EFI\BOOT (the script's paths changed to match),
# so the boot manager starts neither and the shell's startup.nsh picks the one that runs.
# --cfg writes pagetk.cfg beside the app; --args passes words on the shell command line
# (--boot shell). --monitor: the app must halt with "inspect: halted" (option inspect);
# then the monitor commands in the file CMDS run, their output goes to the monitor log,
# and QEMU quits. --expect-reset: the app ends with ResetSystem, which -no-reboot turns
# into QEMU's exit with status 0. --stick boots (--boot usb or nvme) from the image IMG and
# keeps it, so boots can share one stick; --readonly makes that stick write-protected.
# --rtc starts the clock at BASE (e.g. 2026-01-01T00:00:00) and runs it with the guest.
# --vga gives the VGA device a preferred resolution, which OVMF picks up.
# --monitor-when runs the monitor commands once the serial log matches REGEX instead of
# "inspect: halted"; --no-exit-port leaves out QEMU's exit port, so the app stays on its
# last screen (waiting for a key, or 10 s before its reset) for a monitor screendump.
# --firmware uboot: U-Boot's UEFI (machine pc) starts \EFI\BOOT\BOOTX64.EFI from the USB
# image by itself; --disk says how the image is attached (AHCI disk, the default, EHCI USB
# stick, or virtio-blk). --firmware secure: Debian's snakeoil OVMF, Secure Boot enforced
# (SMM, secure flash). --expect-refused: the firmware must refuse to load the app from the
# boot option ("Access Denied") and never start it; QEMU is stopped once the boot manager
# has given up. --firmware ia32: Debian's 32-bit OVMF (ovmf-ia32; SMM, secure flash as its
# build needs), booting BOOTIA32.EFI (--efi defaults to build/BOOTIA32.EFI; a USB image also
# holds build/BOOTX64.EFI, as build/usb.img does). --expect-skip: the app must end in RESULT:
# SKIP (a CPU without long mode) and exit QEMU through its exit port, as a pass does.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
efi="" boot=esp mem=2G cpu=max smp=1 machine=q35 limit=120
log="" expect=PASS quiet=0 cfg="" args="" monitor="" monitor_log="" reset=0
stick_img="" readonly=off rtc="" vga="" when="inspect: halted" exit_port=1
firmware=ovmf disk_type=ahci
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
    --expect-reset) reset=1 ;;
    --quiet) quiet=1 ;;
    --cfg) cfg=$2; shift ;;
    --args) args=$2; shift ;;
    --monitor) monitor=$2; shift ;;
    --monitor-log) monitor_log=$2; shift ;;
    --stick) stick_img=$2; shift ;;
    --readonly) readonly=on ;;
    --rtc) rtc=$2; shift ;;
    --vga) vga=$2; shift ;;
    --monitor-when) when=$2; shift ;;
    --no-exit-port) exit_port=0 ;;
    --firmware) firmware=$2; shift ;;
    --disk) disk_type=$2; shift ;;
    --expect-refused) expect=REFUSED ;;
    --expect-skip) expect=SKIP ;;
    *) echo "qemu-run: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
ovmf=/usr/share/OVMF uboot=/usr/lib/u-boot/qemu-x86_64/u-boot.rom
code=$ovmf/OVMF_CODE_4M.fd vars=$ovmf/OVMF_VARS_4M.fd secure=()
case $firmware in
ovmf) needed=("$code" "$vars") ;;
secure)
    # PK, KEK and db hold the snakeoil certificate; the firmware verifies every image.
    code=$ovmf/OVMF_CODE_4M.snakeoil.fd vars=$ovmf/OVMF_VARS_4M.snakeoil.fd
    needed=("$code" "$vars") machine=$machine,smm=on
    secure=(-global driver=cfi.pflash01,property=secure,value=on)
    ;;
uboot) needed=("$uboot"); boot=usb machine=pc ;; # U-Boot's x86 build runs on pc only
ia32)
    code=$ovmf/OVMF32_CODE_4M.secboot.fd vars=$ovmf/OVMF32_VARS_4M.fd
    needed=("$code" "$vars") machine=$machine,smm=on
    secure=(-global driver=cfi.pflash01,property=secure,value=on)
    ;;
*) echo "qemu-run: unknown firmware $firmware" >&2; exit 2 ;;
esac
app_name=BOOTX64.EFI
[ "$firmware" = ia32 ] && app_name=BOOTIA32.EFI
[ -n "$efi" ] || efi=$here/build/$app_name
for f in "${needed[@]}" "$efi"; do
    [ -f "$f" ] || { echo "qemu-run: missing $f" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "$log" ] || log=$work/serial.log
[ "$firmware" = uboot ] || cp "$vars" "$work/vars.fd"
case $boot in
esp)
    mkdir -p "$work/esp/EFI/BOOT"
    cp "$efi" "$work/esp/EFI/BOOT/$app_name"
    cp "$here/startup.nsh" "$work/esp/"
    [ -z "$cfg" ] || printf '%s\n' "$cfg" >"$work/esp/EFI/BOOT/pagetk.cfg"
    disk=(-drive "format=raw,file=fat:rw:$work/esp")
    ;;
shell)
    # Not on the removable-media path: OVMF falls through to its shell, which runs startup.nsh.
    mkdir -p "$work/esp/EFI/pagetk"
    cp "$efi" "$work/esp/EFI/pagetk/pagetk.efi"
    sed "s|^\( *\\\\EFI\\\\pagetk\\\\pagetk.efi\)\r\?$|\1 $args|" "$here/startup.nsh" >"$work/esp/startup.nsh"
    [ -z "$cfg" ] || printf '%s\n' "$cfg" >"$work/esp/EFI/pagetk/pagetk.cfg"
    disk=(-drive "format=raw,file=fat:rw:$work/esp")
    ;;
nsh)
    mkdir -p "$work/esp/EFI/TRY"
    cp "$here/build/BOOTX64.EFI" "$here/build/BOOTIA32.EFI" "$work/esp/EFI/TRY/"
    sed 's|\\EFI\\BOOT\\|\\EFI\\TRY\\|g' "$here/startup.nsh" >"$work/esp/startup.nsh"
    [ -z "$cfg" ] || printf '%s\n' "$cfg" >"$work/esp/EFI/TRY/pagetk.cfg"
    disk=(-drive "format=raw,file=fat:rw:$work/esp")
    ;;
usb | nvme)
    [ -z "$cfg" ] || printf '%s\n' "$cfg" >"$work/pagetk.cfg"
    img=${stick_img:-$work/usb.img}
    if [ "$firmware" = ia32 ]; then
        [ -n "$stick_img" ] && [ -f "$stick_img" ] ||
            IA32_EFI=$efi bash "$here/scripts/mkimg.sh" "$here/build/BOOTX64.EFI" "$here/startup.nsh" \
                "$img" ${cfg:+"$work/pagetk.cfg"}
    else
        [ -n "$stick_img" ] && [ -f "$stick_img" ] ||
            bash "$here/scripts/mkimg.sh" "$efi" "$here/startup.nsh" "$img" ${cfg:+"$work/pagetk.cfg"}
    fi
    drive="if=none,id=stick,format=raw,file=$img,readonly=$readonly"
    if [ "$firmware" = uboot ]; then
        case $disk_type in
        ahci) disk=(-device ahci,id=ahci -drive "$drive" -device ide-hd,drive=stick,bus=ahci.0) ;;
        ehci) disk=(-device usb-ehci,id=ehci -drive "$drive"
                    -device usb-storage,bus=ehci.0,drive=stick,removable=on) ;;
        virtio) disk=(-drive "if=virtio,format=raw,file=$img,readonly=$readonly") ;;
        *) echo "qemu-run: unknown disk $disk_type" >&2; exit 2 ;;
        esac
    elif [ "$boot" = usb ]; then
        disk=(-device qemu-xhci -drive "$drive" -device usb-storage,drive=stick,removable=on)
    else
        disk=(-drive "$drive" -device nvme,serial=pagetk,drive=stick)
    fi
    ;;
*) echo "qemu-run: unknown boot $boot" >&2; exit 2 ;;
esac
if [ "$firmware" != uboot ]; then
    fw=("${secure[@]}" -drive if=pflash,format=raw,readonly=on,file="$code"
        -drive if=pflash,format=raw,file="$work/vars.fd")
else
    fw=(-bios "$uboot")
fi
qemu=(qemu-system-x86_64 -machine "$machine" -cpu "$cpu" -m "$mem" -smp "$smp" "${fw[@]}"
      "${disk[@]}" -net none -display none -no-reboot -serial file:"$log")
[ "$exit_port" = 0 ] || qemu+=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
[ -z "$rtc" ] || qemu+=(-rtc "base=$rtc,clock=vm")
[ -z "$vga" ] || qemu+=(-vga none -device "VGA,xres=${vga%x*},yres=${vga#*x},xmax=${vga%x*},ymax=${vga#*x},vgamem_mb=64")
if [ "$expect" = REFUSED ]; then
    # The boot manager says why it did not load each option, then waits for a key.
    timeout "$limit" "${qemu[@]}" -monitor none </dev/null &
    qpid=$!
    for _ in $(seq "$limit"); do
        grep -aq "No bootable option" "$log" 2>/dev/null && break
        kill -0 $qpid 2>/dev/null || break
        sleep 1
    done
    kill $qpid 2>/dev/null
    wait $qpid
    [ "$quiet" = 1 ] || tr -d '\r' <"$log" | sed 's/\x1b\[[0-9;=]*[a-zA-Z]//g'
    if grep -aq "pagetk:" "$log"; then
        echo "qemu-run: the firmware started the app" >&2
        exit 1
    fi
    if ! grep -aEq "failed to load Boot[0-9A-F]+ .*: Access Denied" "$log"; then
        echo "qemu-run: no refusal (Access Denied) in the boot manager's output" >&2
        exit 1
    fi
    exit 0
elif [ -z "$monitor" ]; then
    timeout "$limit" "${qemu[@]}" -monitor none </dev/null
else
    # The monitor reads from a pipe held open until the log matches $when (by default: the
    # app has halted for inspection).
    mkfifo "$work/mon.in"
    timeout "$limit" "${qemu[@]}" -monitor stdio <"$work/mon.in" >"${monitor_log:-$work/mon.log}" 2>&1 &
    qpid=$!
    exec 3>"$work/mon.in"
    for _ in $(seq "$limit"); do
        grep -aEq "$when" "$log" 2>/dev/null && break
        kill -0 $qpid 2>/dev/null || break
        sleep 1
    done
    if grep -aEq "$when" "$log"; then
        sleep 1 # the screen is drawn after the line reaches COM1
        cat "$monitor" >&3
    fi
    echo quit >&3
    exec 3>&-
    wait $qpid
fi
status=$?
if [ "$boot" = usb ] || [ "$boot" = nvme ]; then
    # The app leaves its report on the stick as \pagetk\<date>-<time>-<product>.txt: read
    # the newest back as a person would, and keep it beside the serial log.
    stick=${log%.log}.stick-report.txt
    part="$img@@1M"
    newest=$(mdir -b -i "$part" ::/pagetk 2>/dev/null | tr -d '\r' | grep -a '\.txt$' | sort | tail -1)
    : >"$stick"
    [ -z "$newest" ] || mtype -i "$part" "$newest" >"$stick" 2>/dev/null
    last=$(tr -d '\r' <"$stick" | grep -a RESULT | tail -1)
    echo "host: report file on the stick ${newest:+(${newest##*/}) }says: ${last:-nothing}" >>"$log"
fi
[ "$quiet" = 1 ] || grep -a -v '^map ' "$log" | tr -d '\r' | sed 's/\x1b\[[0-9;=]*[a-zA-Z]//g'
want=33
[ "$expect" = FAIL ] && want=35
[ -n "$monitor" ] && want=0 # the monitor's quit ends the halted app
[ "$reset" = 1 ] && want=0  # a reset under -no-reboot ends QEMU with status 0
if [ $status -eq 124 ]; then
    echo "qemu-run: timed out after ${limit}s" >&2
    exit 124
fi
if [ -n "$monitor" ] && ! grep -aEq "$when" "$log"; then
    echo "qemu-run: the log never matched /$when/ for the monitor" >&2
    exit 1
fi
if [ $status -ne $want ] || ! grep -aq "RESULT: $expect" "$log"; then
    echo "qemu-run: QEMU exit $status (want $want), RESULT: $expect $(grep -aq "RESULT: $expect" "$log" && echo found || echo missing)" >&2
    exit 1
fi
exit 0
