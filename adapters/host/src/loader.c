/*
 * loader.c — see loader.h.
 */
#include "loader.h"

#include "conf.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int loader_check(const stafet_adapter_t *a, char *why, size_t why_size) {
  if (a == NULL) {
    snprintf(why, why_size, "%s() returned NULL", STAFET_ADAPTER_ENTRY);
    return STAFET_EINVAL;
  }
  if (a->abi_version != STAFET_ADAPTER_ABI_VERSION) {
    snprintf(why, why_size,
             "ABI version mismatch: the plugin has %u, this host speaks %u (rebuild the plugin "
             "against this host's stafet_adapter.h)",
             (unsigned)a->abi_version, (unsigned)STAFET_ADAPTER_ABI_VERSION);
    return STAFET_EINVAL;
  }
  if (a->name == NULL || !conf_name_valid(a->name, CONF_NAME_MAX)) {
    snprintf(why, why_size, "the plugin's name is missing or not lower snake case");
    return STAFET_EINVAL;
  }
  const char *missing = !a->init         ? "init"
                        : !a->start      ? "start"
                        : !a->stop       ? "stop"
                        : !a->on_event   ? "on_event"
                        : !a->on_request ? "on_request"
                                         : NULL;
  if (missing != NULL) {
    snprintf(why, why_size, "the plugin's table has no %s callback (all five are required)",
             missing);
    return STAFET_EINVAL;
  }
  return 0;
}

int loader_open(loaded_plugin_t *out, const char *path, char *why, size_t why_size) {
  memset(out, 0, sizeof *out);
  struct stat st;
  if (stat(path, &st) != 0) { /* dlopen's text for this is vaguer */
    snprintf(why, why_size, "cannot load %s: %s", path, strerror(errno));
    return STAFET_ENOTFOUND;
  }
  dlerror();
  out->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (out->dl == NULL) {
    const char *e = dlerror();
    snprintf(why, why_size, "dlopen failed: %s", e ? e : "unknown error");
    return STAFET_EIO;
  }
  stafet_adapter_entry_fn entry;
  void *sym = dlsym(out->dl, STAFET_ADAPTER_ENTRY);
  if (sym == NULL) {
    snprintf(why, why_size, "missing symbol %s (is it exported, and is this a Stafet plugin?)",
             STAFET_ADAPTER_ENTRY);
    loader_close(out);
    return STAFET_ENOTFOUND;
  }
  memcpy(&entry, &sym, sizeof entry); /* object pointer to function pointer, as POSIX allows */
  const stafet_adapter_t *table = entry();
  int rc = loader_check(table, why, why_size);
  if (rc < 0) {
    loader_close(out);
    return rc;
  }
  out->adapter = table;
  return 0;
}

void loader_close(loaded_plugin_t *p) {
  if (p->dl != NULL)
    dlclose(p->dl);
  p->dl = NULL;
  p->adapter = NULL;
}
