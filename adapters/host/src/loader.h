/*
 * loader.h — opens a plugin's shared object and checks what it exports
 * before anything of it runs but its entry function: the symbol
 * stafet_adapter_entry, the ABI version, a lower snake case name and the
 * five required callbacks. Every refusal comes with a reason a person can
 * act on, e.g. "ABI version 99, this host speaks 1: rebuild the plugin
 * against this host's stafet_adapter.h".
 */
#ifndef STAFET_HOST_LOADER_H
#define STAFET_HOST_LOADER_H

#include "stafet_adapter.h"

#include <stddef.h>

typedef struct loaded_plugin {
  void *dl;                        /* dlopen() handle */
  const stafet_adapter_t *adapter; /* the plugin's table, owned by the plugin */
} loaded_plugin_t;

/*
 * dlopen()s path (RTLD_NOW | RTLD_LOCAL: every symbol resolved now, so a
 * missing one is reported here and not in the middle of the night), finds
 * the entry, calls it and checks the table. 0, or STAFET_ENOTFOUND (no such
 * file, no entry symbol), STAFET_EINVAL (a bad table) or STAFET_EIO (dlopen
 * failed otherwise), with the reason in why.
 */
int loader_open(loaded_plugin_t *out, const char *path, char *why, size_t why_size);

/* Checks a plugin's table; 0 or STAFET_EINVAL with the reason in why. */
int loader_check(const stafet_adapter_t *a, char *why, size_t why_size);

/* dlclose()s the object (tests; the host process just exits). */
void loader_close(loaded_plugin_t *p);

#endif
