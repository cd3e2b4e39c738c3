/*
 * sh_host.c — settings, listen address, port file and fd forwarding for the
 * HTTP plugins (see sh_host.h).
 */
#include "sh_host.h"

#include "sh_loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

_Static_assert((int)SH_FD_READ == (int)STAFET_FD_READ && (int)SH_FD_WRITE == (int)STAFET_FD_WRITE,
               "sh_loop and the plugin ABI agree on readiness bits");

int sh_host_watch(void *arg, int fd, int events) {
  const sh_hostref_t *r = arg;
  return r->api->watch_fd(r->host, fd, events, r->on_fd);
}

const char *sh_cfg_str(const sh_hostref_t *r, const char *key, const char *def) {
  const char *v = r->api->config(r->host, key);
  return v != NULL && v[0] != '\0' ? v : def;
}

static int parse_uint(const char *s, unsigned long max, unsigned *out) {
  char *end;
  errno = 0;
  if (s[0] < '0' || s[0] > '9')
    return STAFET_EINVAL;
  unsigned long v = strtoul(s, &end, 10);
  if (errno != 0 || *end != '\0' || v > max)
    return STAFET_EINVAL;
  *out = (unsigned)v;
  return 0;
}

int sh_cfg_uint(const sh_hostref_t *r, const char *key, unsigned def, unsigned *out) {
  const char *v = sh_cfg_str(r, key, NULL);
  if (v == NULL) {
    *out = def;
    return 0;
  }
  return parse_uint(v, 0xffffffffUL, out);
}

int sh_listen_parse(const char *listen, char addr[64], unsigned *port) {
  const char *colon = strrchr(listen, ':');
  const char *port_text = colon != NULL ? colon + 1 : listen;
  size_t addr_len = colon != NULL ? (size_t)(colon - listen) : 0;
  if (addr_len >= 64)
    return STAFET_EINVAL;
  if (addr_len == 0)
    snprintf(addr, 64, "127.0.0.1");
  else
    snprintf(addr, 64, "%.*s", (int)addr_len, listen);
  return parse_uint(port_text, 65535, port);
}

int sh_port_file_write(const char *path, unsigned port) {
  char tmp[600];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
    return STAFET_EIO;
  FILE *f = fopen(tmp, "w");
  if (f == NULL)
    return STAFET_EIO;
  int ok = fprintf(f, "%u\n", port) > 0;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path) != 0)
    return STAFET_EIO;
  return 0;
}

long long sh_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long sh_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sh_random_id(const char *prefix, char out[65]) {
  unsigned char bytes[16];
  if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) {
    long long t = sh_mono_ms() ^ sh_wall_ms();
    for (size_t i = 0; i < sizeof bytes; i++)
      bytes[i] = (unsigned char)(t >> (8 * (i % 8))) ^ (unsigned char)(i * 131);
  }
  int n = snprintf(out, 65, "%.16s-", prefix);
  for (size_t i = 0; i < sizeof bytes; i++)
    snprintf(out + n + 2 * i, 3, "%02x", bytes[i]);
}

const char *sh_errname(int code) {
  static const char *const names[] = {
      "OK",      "EINVAL",    "ENOMEM", "EPROTO",    "ETOPIC",      "EPATTERN",
      "EFILTER", "ENOTFOUND", "EEXIST", "ETIMEDOUT", "EIO",         "ECLOSED",
      "EFULL",   "EUNAVAIL",  "EHUB",   "ETOOBIG",   "ENOPROVIDER", "EPROVIDER"};
  int i = -code;
  return i >= 0 && i < (int)(sizeof names / sizeof names[0]) ? names[i] : "EUNKNOWN";
}
