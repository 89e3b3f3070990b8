@echo -off
# Runs pagetk from whichever file system holds it, wherever the shell mounted it:
# \EFI\pagetk\pagetk.efi when installed beside other loaders, else the removable-media path:
# BOOTX64.EFI on 64-bit UEFI, BOOTIA32.EFI on 32-bit UEFI. A 32-bit shell refuses BOOTX64.EFI
# with EFI_UNSUPPORTED (0x80000003), which the x64 app never returns.
for %i in 0 1 2 3 4 5 6 7 8 9
  if exist fs%i:\EFI\pagetk\pagetk.efi then
    fs%i:
    \EFI\pagetk\pagetk.efi
    goto DONE
  endif
  if exist fs%i:\EFI\BOOT\BOOTX64.EFI then
    fs%i:
    \EFI\BOOT\BOOTX64.EFI
    if not %lasterror% == 0x80000003 then
      goto DONE
    endif
    echo "pagetk: this is 32-bit UEFI: BOOTX64.EFI cannot run here; trying BOOTIA32.EFI"
  endif
  if exist fs%i:\EFI\BOOT\BOOTIA32.EFI then
    fs%i:
    \EFI\BOOT\BOOTIA32.EFI
    # The app's own returns on 32-bit UEFI: success, aborted (a check failed), unsupported
    # (no long mode). Anything else is the firmware refusing to start it.
    if %lasterror% == 0 or %lasterror% == 0x80000015 or %lasterror% == 0x80000003 then
      goto DONE
    endif
    echo "pagetk: this firmware can run neither BOOTX64.EFI (64-bit UEFI) nor BOOTIA32.EFI (32-bit UEFI)"
    goto DONE
  endif
endfor
echo "pagetk: no pagetk.efi, BOOTX64.EFI or BOOTIA32.EFI on fs0: to fs9:"
:DONE
