#!/usr/bin/env bash
# Builds a bootable USB disk image without root: a GPT with one EFI System Partition (FAT)
# holding \EFI\BOOT\BOOTX64.EFI and \startup.nsh, and pagetk.cfg beside the app if given;
# with IA32_EFI=file, \EFI\BOOT\BOOTIA32.EFI beside it for 32-bit UEFI.
# usage: [IA32_EFI=BOOTIA32.EFI] mkimg.sh APP.EFI STARTUP.NSH OUT.IMG [PAGETK.CFG]
set -euo pipefail
app=$1 nsh=$2 out=$3 cfg=${4:-}
size_mib=64
sectors=$((size_mib * 2048))
first=2048                   # partition starts at 1 MiB
last=$((sectors - 34))       # the backup GPT takes the last 33 sectors
tmp="$out.tmp"
rm -f "$tmp"
truncate -s ${size_mib}M "$tmp"
sgdisk --clear --new=1:${first}:${last} --typecode=1:ef00 --change-name=1:PAGETK "$tmp" >/dev/null
part="$tmp@@$((first * 512))"
mformat -i "$part" -T $((last - first + 1)) -h 64 -s 32 -v PAGETK ::
mmd -i "$part" ::/EFI ::/EFI/BOOT
mcopy -i "$part" "$app" ::/EFI/BOOT/BOOTX64.EFI
[ -z "${IA32_EFI:-}" ] || mcopy -i "$part" "$IA32_EFI" ::/EFI/BOOT/BOOTIA32.EFI
mcopy -i "$part" "$nsh" ::/startup.nsh
[ -z "$cfg" ] || mcopy -i "$part" "$cfg" ::/EFI/BOOT/pagetk.cfg
mv "$tmp" "$out"
