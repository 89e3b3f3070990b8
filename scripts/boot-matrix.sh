#!/usr/bin/env bash
# The QEMU boot matrix: each configuration boots the app and must end as expected; some
# also require lines in the report. Two boots run at a time (TCG uses one core each).
# Prints "PASS boot NAME" or "FAIL boot NAME" per configuration. ONLY=regexp picks some.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
logs=$here/build/boot-logs
mkdir -p "$logs"
jobs=${BOOT_JOBS:-2}

# name | qemu-run.sh arguments | extended regexps the report must contain (';'-separated;
# "once:" before one means exactly one line may match: no line is printed twice)
matrix=$(cat <<'M'
m256-qemu64-q35-esp    | --mem 256M --cpu qemu64 --smp 1 --machine q35,smbios-entry-point-type=64 --boot esp | tables ours .*leaves 1G 0 ;SMBIOS 3\.[0-9] from the 3\.x entry point;boot device: SATA, PciRoot\(0x0\)/Pci\(0x1f,0x2\)/Sata\(;RESULT: PASS
m2g-max-smp4-q35-esp   | --mem 2G --cpu max --smp 4 --machine q35 --boot esp     | check w-xor-x +PASS;check fault-wx-image +PASS.*data 0x[0-9a-f]+: #PF;check fault-wx-runtime +PASS;check every-cpu +PASS +3 of 3;RESULT: PASS
m8g-max-q35-esp        | --mem 8G --cpu max --smp 1 --machine q35 --boot esp     | touch-ram +PASS ;RESULT: PASS
m2g-qemu64-smp4-pc-esp | --mem 2G --cpu qemu64 --smp 4 --machine pc --boot esp  | check every-cpu +PASS +3 of 3;system: vendor "QEMU", product "Standard PC \(i440FX \+ PIIX, 1996\)";SMBIOS 2\.[0-9] from the 2\.x entry point;boot device: ATA, ;RESULT: PASS
m2g-max-q35-usb        | --mem 2G --cpu max --smp 1 --machine q35 --boot usb     | once:^RESULT: PASS;once:^check touch-ram;report file on the stick \([0-9]{8}-[0-9]{6}-Standard-PC-Q35-ICH9-2009\.txt\) says: RESULT: PASS;system: vendor "QEMU", product "Standard PC \(Q35 \+ ICH9, 2009\)", version "pc-q35-[0-9.]+";bios: vendor "EFI Development Kit II / OVMF", version "[^"]+", date "[0-9/]+";cpu brand: "[^"]+";firmware: vendor "EDK II", revision 0x[0-9a-f]+, UEFI 2\.[0-9];secure boot: off; setup mode: yes;boot device: USB, PciRoot\(0x0\)/Pci\(0x[0-9a-f]+,0x0\)/USB\(0x0,0x0\)/HD\(0x1\)
m1g-max-q35-nvme       | --mem 1G --cpu max --smp 1 --machine q35 --boot nvme    | boot device: NVMe, PciRoot\(0x0\)/Pci\(0x[0-9a-f]+,0x0\)/NVMe\(0x1\)/HD\(0x1\);report file on the stick \(.*\) says: RESULT: PASS;RESULT: PASS
m1g-max-q35-shell      | --mem 1G --cpu max --smp 1 --machine q35 --boot shell   | RESULT: PASS
m1g-nonx-q35-esp       | --mem 1G --cpu qemu64,-nx --smp 1 --boot esp            | no NX on this CPU;RESULT: PASS
takeover-max-smp2-usb  | --boot usb --mem 2G --cpu max --smp 2 --cfg takeover | options: takeover .*from pagetk.cfg;every-cpu +PASS;check framebuffer-mapped +PASS;boot services are gone;check exit-boot-services +PASS;check pat-wc +PASS;check framebuffer +PASS;check runtime-services +PASS;RESULT: PASS
takeover-reset-shell   | --boot shell --args "takeover reset" --mem 1G --cpu qemu64 --expect-reset | options: takeover reset .*from the command line;check exit-boot-services +PASS;RESULT: PASS;resetting through ResetSystem
no-attributes-table    | --efi build/pagetk-nomat.efi --mem 1G                | no EFI_MEMORY_ATTRIBUTES_TABLE from the firmware;w\^x: the firmware publishes no EFI_MEMORY_ATTRIBUTES_TABLE;check w-xor-x +PASS;RESULT: PASS
personas-max-smp2      | --efi build/pagetk-personas.efi --mem 3G --cpu max --smp 2 | cpu at entry: .*SSE off;check persona-sse-off +PASS;check persona-wp-off +PASS;check persona-nxe-off +PASS;check persona-pge-on +PASS;check persona-smep-smap +PASS;check persona-leaves-1g +PASS;check persona-leaves-4k-low +PASS;check persona-tables-high +PASS;check persona-null-unmapped +PASS;check persona-tables-writable +PASS;check persona-identity-4g +PASS;check persona-la57 +PASS;CR0 0x80000033 \(WP=0\);EFER 0x500 \(NXE=0\);PGE=1;CR4 0x300668;tables firmware .*leaves 1G 1024  2M 0  4K 0;tables firmware .*4K 1048576;CR3 0x1[0-9a-f]{8} ;check every-cpu +PASS;personas: 12 passed, 0 failed, 0 skipped;once:^RESULT: PASS
personas-qemu64-pc     | --efi build/pagetk-personas.efi --mem 1G --cpu qemu64 --machine pc | persona smep-smap +SKIP +.*no SMEP;persona leaves-1g +SKIP +.*no 1 GiB pages;persona tables-high +SKIP;persona la57 +SKIP +.*no LA57 on this CPU: skipped;personas: 8 passed, 0 failed, 4 skipped;once:^RESULT: PASS
la57-max-smp2          | --efi build/pagetk-la57.efi --mem 2G --cpu max --smp 2 | cpu: CR0 0x[0-9a-f]+ \(WP=1\) CR3 0x[0-9a-f]+ CR4 0x1668 \(PGE=0 LA57=1\);paging: 5-level \(CR4\.LA57=1\);paging: PML5 tables firmware 1, ours 1;recursive slot 510: PML5 visible at 0xfffeff7fbfdfe000;check five-level +PASS +CR4\.LA57=1;check fault-read-only +PASS .*#PF cr2 0xfffe8000001000 error 0x3;check alias-coherence +PASS .*0xff0000;every-cpu: left out: ;check persona-la57 +PASS .*CR4 0x668 EFER 0x[0-9a-f]+ back;personas: 1 passed, 0 failed, 0 skipped;once:^RESULT: PASS
la57-no-la57           | --efi build/pagetk-la57.efi --mem 1G --cpu max,-la57 | persona la57 +SKIP +.*: no LA57 on this CPU: skipped;personas: 0 passed, 0 failed, 1 skipped;once:^RESULT: PASS
la57-takeover-usb      | --efi build/pagetk-la57.efi --boot usb --mem 2G --cpu max --smp 1 --cfg takeover | check five-level +PASS;boot services are gone;check exit-boot-services +PASS;check pat-wc +PASS;check framebuffer +PASS;check runtime-services +PASS;persona la57: left in place for the full takeover;once:^RESULT: PASS
la57-takeover-smp2     | --efi build/pagetk-la57.efi --mem 1G --cpu max --smp 2 --cfg takeover --expect-fail | check personas +FAIL +this test build runs a full takeover only with one persona on one CPU;once:^RESULT: FAIL
uboot-ahci-max         | --firmware uboot --disk ahci --mem 2G --cpu max         | cpu at entry: CR0 0x80000011 CR4 0x20: SSE off;LoadOptions set by the boot manager .* ignored;options: touch=leaves \(from defaults\);U-Boot's UEFI console;CR0.WP 0 -> 1, EFER.NXE 0 -> 1;check fault-read-only +PASS .*#PF;check fault-wx-image +PASS.*data 0x[0-9a-f]+: #PF;check restore +PASS;once:^RESULT: PASS;once:^check touch-ram;report file on the stick \(.*\) says: RESULT: PASS
uboot-ehci-qemu64      | --firmware uboot --disk ehci --mem 1G --cpu qemu64      | tables ours .*leaves 1G 0 ;check fault-read-only +PASS;once:^RESULT: PASS;report file on the stick \(.*\) says: RESULT: PASS
uboot-6g-smp2          | --firmware uboot --mem 6G --cpu max --smp 2             | no EFI_MP_SERVICES_PROTOCOL: BSP only;check plan +PASS .* 6143 MiB RAM;check touch-ram +PASS;once:^RESULT: PASS
uboot-takeover         | --firmware uboot --mem 1G --cpu max --cfg takeover      | options: takeover .*from pagetk.cfg;boot services are gone;check exit-boot-services +PASS;check runtime-services +PASS;once:^check pat-wc;once:^RESULT: PASS
uboot-stray-fault      | --firmware uboot --efi build/pagetk-stray.efi --mem 1G --expect-fail | check no-unexpected-fault +FAIL +vector 14;check restore +PASS;once:^RESULT: FAIL
corrupt-entry          | --efi build/pagetk-corrupt.efi --mem 1G --expect-fail  | check live-map-is-plan +FAIL;check alias-coherence +FAIL;check restore +PASS;RESULT: FAIL
stray-fault            | --efi build/pagetk-stray.efi --mem 1G --expect-fail    | check no-unexpected-fault +FAIL +vector 14;check restore +PASS;RESULT: FAIL
corrupt-no-takeover    | --efi build/pagetk-corrupt.efi --cfg takeover --mem 1G --expect-fail | takeover: a check failed: staying with boot services;check restore +PASS;RESULT: FAIL
corrupt-after-exit     | --efi build/pagetk-corrupt-late.efi --cfg takeover --mem 1G --expect-fail | boot services are gone;check live-map-is-plan +FAIL;CR3 0x[0-9a-f]+ and PAT 0x0007040600070406 are the firmware's again;RESULT: FAIL
ap-hang                | --efi build/pagetk-aphang.efi --mem 1G --smp 2 --expect-fail | cpu 1: .*did not finish: FAIL;check every-cpu +FAIL;keeping our tables;check restore +PASS;RESULT: FAIL
secure-boot-signed     | --efi build/BOOTX64.signed.efi --firmware secure --boot usb --mem 1G | RESULT: PASS;secure boot: on; setup mode: no;report file on the stick \(.*\) says: RESULT: PASS
secure-boot-unsigned   | --efi build/BOOTX64.EFI --firmware secure --boot usb --mem 1G --expect-refused | failed to load Boot[0-9A-F]+ .*USB.*: Access Denied
ia32-max-usb           | --firmware ia32 --boot usb --mem 2G --cpu max --smp 1 | cpu: CR0 0x80010033 \(WP=1\) CR3 0x[0-9a-f]+ CR4 0x660 \(PGE=0 LA57=0\) EFER 0x800 \(NXE=1\);cpu: 32-bit firmware, PAE paging; long mode yes;w\^x: memory attributes table version [0-9]+, [0-9]+ entries;check long-image +PASS;check firmware-map +PASS;long mode: entered by the app from the firmware's PAE paging;check firmware-import +PASS;check translation +PASS;check recursive-slot +PASS;check touch-ram +PASS;check fault-unmapped +PASS .*#PF;check fault-read-only +PASS .*#PF;check fault-no-execute +PASS .*#PF;check fault-wx-image +PASS;check live-map-unmap +PASS;check live-split-fold +PASS;check restore-long +PASS;check firmware-mode +PASS .*all as the firmware had them;once:^RESULT: PASS;once:^check touch-ram;report file on the stick \(.*\) says: RESULT: PASS
ia32-max-smp2-usb      | --firmware ia32 --boot usb --mem 2G --cpu max --smp 2 | check firmware-mode +PASS;once:^RESULT: PASS;report file on the stick \(.*\) says: RESULT: PASS
ia32-6g-above-4g       | --firmware ia32 --boot usb --mem 6G --cpu max | check plan +PASS .* 61[0-9]{2} MiB RAM;check build +PASS .* [1-9][0-9]* x 1G;check touch-ram +PASS;check firmware-mode +PASS;once:^RESULT: PASS
ia32-nonx-paging-off   | --firmware ia32 --boot usb --mem 1G --cpu max,-nx | 32-bit firmware, paging off; long mode yes, NX no;check firmware-import +PASS .*paging off in four levels;check fault-no-execute +PASS +no NX;check firmware-mode +PASS;once:^RESULT: PASS
ia32-corrupt-entry     | --firmware ia32 --efi build/pagetk-ia32-corrupt.efi --mem 1G --expect-fail | test build: live alias entry .* corrupted on purpose;check live-map-is-plan +FAIL;check alias-coherence +FAIL;check restore-long +PASS;check firmware-mode +PASS .*all as the firmware had them;once:^RESULT: FAIL
ia32-stray-fault       | --firmware ia32 --efi build/pagetk-ia32-stray.efi --mem 1G --expect-fail | check no-unexpected-fault +FAIL +vector 14;check restore-long +PASS;check firmware-mode +PASS .*all as the firmware had them;once:^RESULT: FAIL
ia32-nsh-fallback      | --firmware ia32 --boot nsh --mem 1G --cpu max | once:this is 32-bit UEFI: BOOTX64.EFI cannot run here; trying BOOTIA32.EFI;from 32-bit UEFI;once:^RESULT: PASS
x64-nsh-first          | --boot nsh --mem 1G --cpu max | cpu at entry: ;once:^RESULT: PASS
ia32-qemu32-usb        | --firmware ia32 --boot usb --mem 1G --cpu qemu32 --expect-skip | EFER 0x0 \(NXE=0\) \(this CPU has no EFER\);long mode no;this CPU has no 64-bit mode;once:^RESULT: SKIP checks=0 skipped=takeover;report file on the stick \(.*\) says: RESULT: SKIP
frames-starved         | --efi build/pagetk-framecap.efi --mem 1G --expect-fail | PT_ERR_NO_FRAMES;not switching;RESULT: FAIL
M
)

run_one() {
    local line=$1 name args wants log
    name=$(echo "$line" | cut -d'|' -f1 | xargs)
    args=$(echo "$line" | cut -d'|' -f2)
    wants=$(echo "$line" | cut -d'|' -f3)
    log=$logs/$name.log
    local ok=1
    local argv
    eval "argv=($args)" # the arguments may hold quoted words
    (cd "$here" && bash scripts/qemu-run.sh "${argv[@]}" --log "$log" --quiet --timeout 180) \
        >"$logs/$name.out" 2>&1 || ok=0
    IFS=';' read -ra pats <<<"$wants"
    for p in "${pats[@]}"; do
        p=$(echo "$p" | sed 's/^ *//; s/ *$//')
        [ -z "$p" ] && continue
        if [ "${p#once:}" != "$p" ]; then # exactly one line: nothing printed twice on COM1
            p=${p#once:}
            n=$(grep -aEc "$p" "$log")
            [ "$n" = 1 ] || { ok=0; echo "  $name: /$p/ on $n lines, not once" >>"$logs/$name.out"; }
            continue
        fi
        grep -aEq "$p" "$log" || { ok=0; echo "  $name: report lacks /$p/" >>"$logs/$name.out"; }
    done
    if [ $ok = 1 ]; then
        echo "PASS boot $name"
    else
        echo "FAIL boot $name (log: build/boot-logs/$name.log)"
        sed 's/^/    /' "$logs/$name.out" | grep -v '^    map ' | tail -15
    fi
}
export -f run_one
export here logs
# ONLY=regexp runs the configurations whose name matches it.
echo "$matrix" | grep -v '^$' | grep -E "^(${ONLY:-.*}) *\|" | xargs -d '\n' -P "$jobs" -I{} bash -c 'run_one "$1"' _ {}
