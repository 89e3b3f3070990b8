@echo -off
# Runs pagetk from whichever file system holds it, wherever the shell mounted it:
# \EFI\pagetk\pagetk.efi when installed beside other loaders, else the removable-media path.
for %i in 0 1 2 3 4 5 6 7 8 9
  if exist fs%i:\EFI\pagetk\pagetk.efi then
    fs%i:
    \EFI\pagetk\pagetk.efi
    goto DONE
  endif
  if exist fs%i:\EFI\BOOT\BOOTX64.EFI then
    fs%i:
    \EFI\BOOT\BOOTX64.EFI
    goto DONE
  endif
endfor
echo "pagetk: no pagetk.efi or BOOTX64.EFI on fs0: to fs9:"
:DONE
