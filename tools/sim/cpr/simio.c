/*
 * simio.c — command-line numbers, atomic file drops and pacing for the
 * simulators (see simio.h).
 */
#include "simio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int sim_parse_ulong(const char *s, unsigned long *out) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno != 0 || *end != '\0' || s[0] == '-' || s[0] == '+' || s[0] == '\0')
    return -1;
  *out = v;
  return 0;
}

int sim_write_file(const char *dir, const char *name, const char *text, size_t len) {
  char tmp[4200], path[4200];
  snprintf(tmp, sizeof tmp, "%s/.%s.part", dir, name);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *out = fopen(tmp, "w");
  if (out == NULL)
    return -1;
  int rc = fwrite(text, 1, len, out) == len ? 0 : -1;
  if (fclose(out) != 0 || rc < 0 || rename(tmp, path) != 0) {
    remove(tmp);
    return -1;
  }
  return 0;
}

double sim_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sim_sleep_ms(unsigned long ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

void sim_pace(double start, unsigned long done, unsigned long rate,
              const volatile sig_atomic_t *stop) {
  if (rate == 0)
    return;
  double wait = start + (double)done / (double)rate - sim_now_s();
  if (wait > 0 && !*stop)
    sim_sleep_ms((unsigned long)(wait * 1000));
}
