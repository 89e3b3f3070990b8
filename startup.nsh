@echo -off
# Runs pagetk from whichever file system holds it, wherever the shell mounted it:
# \EFI\pagetk\pagetk.efi when installed beside other loaders, else the removable-media path:
# BOOTX64.EFI on 64-bit UEFI, BOOTIA32.EFI on 32-bit UEFI. A shell refuses an image of the
# other width with EFI_UNSUPPORTED, which it shows in its own width.
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
    if not %lasterror% == 0x8000000000000003 then
      goto DONE
    endif
    echo "pagetk: this firmware can run neither BOOTX64.EFI (64-bit UEFI) nor BOOTIA32.EFI (32-bit UEFI)"
    goto DONE
  endif
endfor
echo "pagetk: no pagetk.efi, BOOTX64.EFI or BOOTIA32.EFI on fs0: to fs9:"
:DONE
