/*
 * args.c — small helpers both stafet-demo commands use: option parsing,
 * clocks, masked printing and connecting.
 */
#include "demo.h"
#include "mask.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int demo_arg(int argc, char **argv, int *i, const char *name, const char **value) {
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (strncmp(a, name, n) != 0)
    return 0;
  if (a[n] == '=') {
    *value = a + n + 1;
    (*i)++;
    return 1;
  }
  if (a[n] != '\0')
    return 0;
  if (*i + 1 >= argc)
    return -1;
  *value = argv[*i + 1];
  *i += 2;
  return 1;
}

int demo_parse_ulong(const char *text, unsigned long *out) {
  char *end;
  errno = 0;
  if (!text || !*text || *text == '-')
    return -1;
  unsigned long v = strtoul(text, &end, 10);
  if (errno || *end)
    return -1;
  *out = v;
  return 0;
}

static int64_t clock_ms(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t demo_now_ms(void) {
  return clock_ms(CLOCK_MONOTONIC);
}

int64_t demo_wall_ms(void) {
  return clock_ms(CLOCK_REALTIME);
}

void demo_print_masked(FILE *f, const char *line) {
  char masked[4096];
  demo_mask_cpr(line, masked, sizeof masked);
  fprintf(f, "%s\n", masked);
  fflush(f);
}

int demo_connect(const char *endpoint, stafet_client_t **out) {
  stafet_client_options_t opts = {.endpoint = endpoint, .adapter = "demo"};
  int rc = stafet_client_new(out, &opts);
  if (rc < 0) {
    fprintf(stderr, "stafet-demo: bad endpoint '%s': %s\n", endpoint, stafet_strerror(rc));
    return rc;
  }
  if ((rc = stafet_client_connect(*out, DEMO_CONNECT_TIMEOUT_MS)) < 0) {
    fprintf(stderr, "stafet-demo: cannot reach the hub at %s: %s\n", endpoint, stafet_strerror(rc));
    stafet_client_destroy(*out);
    *out = NULL;
  }
  return rc;
}
