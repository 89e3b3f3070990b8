/* The report files on the app's volume, so that a stick carried from PC to PC collects a
 * fleet: every boot writes its own \pagetk\<date>-<time>-<product>.txt and never overwrites
 * another boot's file. */
#ifndef EFI_STICK_H
#define EFI_STICK_H

#include <efi.h>

#include "fleet_name.h"

/* Creates this boot's report file, the \pagetk folder too if missing, under a name no file
 * has yet (fleet_name's attempts 1, 2, ...). A second call in the same boot opens this
 * boot's own file again, emptied. *name gets the name (without the folder). */
EFI_STATUS stick_create(EFI_HANDLE image, const char *product, EFI_FILE **file,
                        char name[FLEET_NAME_SIZE]);
/* Why a file could not be written, for a person: "the stick is full (EFI_VOLUME_FULL)". */
void stick_status_text(EFI_STATUS st, char *buf, size_t size);

#endif
