/*
 * rejects.c — the rejected-records list and the reason file of a file
 * rejected whole (see rejects.h for the format).
 */
#include "rejects.h"

#include "stafet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A detail for the list: no ';', no control characters, bounded. */
static void clean_detail(const char *in, char *out, size_t cap) {
  size_t n = 0;
  for (; in != NULL && *in != '\0' && n + 1 < cap; in++)
    out[n++] = *in == ';' ? ',' : ((unsigned char)*in < 0x20 ? ' ' : *in);
  out[n] = '\0';
}

int rejects_open(rejects_t *r, const char *dir, const char *file_name) {
  memset(r, 0, sizeof *r);
  char tmp_name[SPOOL_NAME_MAX + 16];
  if (strlen(file_name) >= SPOOL_NAME_MAX || strlen(dir) >= SPOOL_PATH_MAX)
    return STAFET_EINVAL;
  snprintf(r->dir, sizeof r->dir, "%s", dir);
  snprintf(r->file_name, sizeof r->file_name, "%s", file_name);
  snprintf(tmp_name, sizeof tmp_name, ".%s.rejects.tmp", file_name);
  if (spool_join(r->tmp, dir, tmp_name) < 0)
    return STAFET_EINVAL;
  if (unlink(r->tmp) != 0 && errno != ENOENT)
    return STAFET_EIO;
  return 0;
}

int rejects_add(rejects_t *r, unsigned long line, const char *code, const char *detail,
                const char *raw, size_t raw_len) {
  if (r->f == NULL) {
    r->f = fopen(r->tmp, "we");
    if (r->f == NULL)
      return STAFET_EIO;
    fputs("# line;reason;detail;record\n", r->f);
  }
  char clean[512];
  clean_detail(detail, clean, sizeof clean);
  fprintf(r->f, "%lu;%s;%s;", line, code, clean);
  fwrite(raw, 1, raw_len, r->f);
  fputc('\n', r->f);
  r->count++;
  return ferror(r->f) ? STAFET_EIO : 0;
}

int rejects_close(rejects_t *r, char *list_name) {
  if (list_name)
    list_name[0] = '\0';
  if (r->f == NULL)
    return 0;
  int rc = fflush(r->f) == 0 && fsync(fileno(r->f)) == 0 ? 0 : STAFET_EIO;
  if (fclose(r->f) != 0)
    rc = STAFET_EIO;
  r->f = NULL;
  if (rc < 0)
    return rc;
  char name[SPOOL_NAME_MAX + 16];
  snprintf(name, sizeof name, "%s.rejects", r->file_name);
  return spool_move_unique(r->tmp, r->dir, name, list_name);
}

void rejects_discard(rejects_t *r) {
  if (r->f != NULL)
    fclose(r->f);
  r->f = NULL;
  unlink(r->tmp);
}

int rejects_write_reason(const char *dir, const char *file_name, unsigned long line,
                         const char *code, const char *detail) {
  char name[SPOOL_NAME_MAX + 16], clean[512], text[700];
  snprintf(name, sizeof name, "%s.reason", file_name);
  clean_detail(detail, clean, sizeof clean);
  int n = snprintf(text, sizeof text, "%lu;%s;%s\n", line, code, clean);
  return spool_write_atomic(dir, name, text, (size_t)n);
}
