/*
 * testkit.c — file helpers for the adapter tests (see testkit.h).
 */
#include "testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void die(const char *what, const char *path) {
  fprintf(stderr, "testkit: %s %s failed\n", what, path);
  abort();
}

void testkit_tempdir(char *out, const char *tag) {
  const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(out, 256, "%s/stafet-%s-XXXXXX", tmp, tag);
  if (mkdtemp(out) == NULL)
    die("mkdtemp", out);
}

int testkit_rmrf(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

void testkit_drop(const char *dir, const char *name, const char *text) {
  char tmp[600], path[600];
  snprintf(tmp, sizeof tmp, "%s/.%s.part", dir, name);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(tmp, "w");
  if (f == NULL)
    die("fopen", tmp);
  fputs(text, f);
  if (fclose(f) != 0 || rename(tmp, path) != 0)
    die("write", path);
}

char *testkit_slurp(const char *dir, const char *name) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf != NULL && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (n + 1 == cap)
      buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  if (buf == NULL)
    die("read", path);
  buf[n] = '\0';
  return buf;
}

int testkit_exists(const char *dir, const char *name) {
  char path[600];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return stat(path, &st) == 0;
}
