/*
 * sh_rejected.c — the rejected/ folder of the HTTP adapters (see
 * sh_rejected.h).
 */
#include "sh_rejected.h"

#include "sh_host.h"
#include "sh_server.h"
#include "stafet.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int sh_mkdirs(const char *path, unsigned mode) {
  char buf[512];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return STAFET_EIO;
  for (char *p = buf + 1; *p != '\0'; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(buf, mode) != 0 && errno != EEXIST)
      return STAFET_EIO;
    *p = '/';
  }
  if (mkdir(buf, mode) != 0 && errno != EEXIST)
    return STAFET_EIO;
  return 0;
}

int sh_rejected_init(sh_rejected_t *r, const char *dir) {
  memset(r, 0, sizeof *r);
  if (snprintf(r->dir, sizeof r->dir, "%s", dir) >= (int)sizeof r->dir)
    return STAFET_EIO;
  return sh_mkdirs(dir, 0700);
}

/* Writes data to dir/name through dir/.name.tmp and rename(2). */
static int write_file(const char *dir, const char *name, const char *data, size_t len) {
  char tmp[700], final[700];
  snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
  snprintf(final, sizeof final, "%s/%s", dir, name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return STAFET_EIO;
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, data + done, len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += (size_t)n;
  }
  int ok = done == len && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, final) != 0) {
    unlink(tmp);
    return STAFET_EIO;
  }
  return 0;
}

static long long wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sh_rejected_keep(sh_rejected_t *r, const char *body, size_t len, const sh_rejection_t *why,
                     char *name_out, size_t name_size) {
  long long now = wall_ms();
  char base[64], name[96];
  snprintf(base, sizeof base, "%lld-%06lu", now, r->seq++);
  json_t *reason =
      json_pack("{s:i, s:s, s:s, s:s, s:s, s:I}", "status", (json_int_t)why->status, "code",
                why->code ? why->code : "", "message", why->message ? why->message : "", "method",
                why->method ? why->method : "", "path", why->path ? why->path : "",
                "received_at_ms", (json_int_t)now);
  char *text = reason != NULL ? json_dumps(reason, JSON_INDENT(2)) : NULL;
  json_decref(reason);
  if (text == NULL)
    return STAFET_ENOMEM;
  snprintf(name, sizeof name, "%s.body", base);
  int rc = write_file(r->dir, name, body ? body : "", body ? len : 0);
  snprintf(name, sizeof name, "%s.reason.json", base);
  if (rc == 0)
    rc = write_file(r->dir, name, text, strlen(text));
  free(text);
  if (rc == 0 && name_out != NULL)
    snprintf(name_out, name_size, "%s", base);
  return rc;
}

void sh_reject(const sh_hostref_t *ref, sh_rejected_t *kept, sh_request_t *req,
               const sh_rejection_t *why, const char *counter) {
  size_t len;
  const char *body = sh_request_body(req, &len);
  sh_rejection_t full = *why;
  full.method = sh_request_method(req);
  full.path = sh_request_path(req);
  char name[96] = "";
  if (sh_rejected_keep(kept, body, len, &full, name, sizeof name) != 0)
    ref->api->log(ref->host, STAFET_LOG_ERROR, "cannot keep rejected request", "dir=%s code=%s",
                  kept->dir, why->code);
  ref->api->log(ref->host, STAFET_LOG_WARN, "request rejected",
                "status=%u code=%s kept=%s message=\"%s\"", why->status, why->code, name,
                why->message);
  ref->api->counter_add(ref->host, counter, 1);
  sh_request_reply_error(req, why->status, why->code, why->message);
}
