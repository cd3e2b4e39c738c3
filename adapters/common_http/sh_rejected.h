/*
 * sh_rejected.h — keeps every HTTP request an adapter refused, so nothing a
 * sending system posted is dropped silently: <dir>/<ms>-<seq>.body holds the
 * body as received and <dir>/<ms>-<seq>.reason.json why it was refused
 * ({status, code, message, method, path, received_at_ms}). Both are written
 * to a temp name and renamed, so a reader never sees half a file.
 * The bodies may hold CPR numbers: the dir is created 0700, files 0600.
 */
#ifndef STAFET_SH_REJECTED_H
#define STAFET_SH_REJECTED_H

#include <stddef.h>

typedef struct sh_rejected {
  char dir[512];
  unsigned long seq; /* tells apart rejections within one millisecond */
} sh_rejected_t;

/* Sets the folder (created with parents if missing). Returns 0 or STAFET_EIO. */
int sh_rejected_init(sh_rejected_t *r, const char *dir);

typedef struct sh_rejection {
  unsigned status;
  const char *code;
  const char *message;
  const char *method;
  const char *path;
} sh_rejection_t;

/* Writes body and reason. name_out (may be NULL, size name_size) receives the
 * base name ("<ms>-<seq>"). Returns 0, STAFET_EIO or STAFET_ENOMEM. */
int sh_rejected_keep(sh_rejected_t *r, const char *body, size_t len, const sh_rejection_t *why,
                     char *name_out, size_t name_size);

struct sh_hostref;
struct sh_request;
/* The one way the HTTP adapters refuse a request: keeps it (above), logs
 * (without the body), counts it in the counter metric and answers
 * {"code", "message"} with status. */
void sh_reject(const struct sh_hostref *ref, sh_rejected_t *kept, struct sh_request *req,
               const sh_rejection_t *why, const char *counter);

/* mkdir -p with the given mode. Returns 0 or STAFET_EIO. */
int sh_mkdirs(const char *path, unsigned mode);

#endif
