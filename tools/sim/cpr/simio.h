/*
 * simio.h — what the file simulators (stafet-sim-cpr, stafet-sim-debtor)
 * share besides synthetic people: reading numbers from the command line,
 * dropping a file into a directory the way a producer must (a temporary
 * name, then rename), and pacing output to a rate.
 */
#ifndef STAFET_SIM_SIMIO_H
#define STAFET_SIM_SIMIO_H

#include <signal.h>
#include <stddef.h>

/* A whole non-negative number: 0, or -1 if s is not one. */
int sim_parse_ulong(const char *s, unsigned long *out);

/* Writes dir/.name.part and renames it to dir/name: 0 or -1. */
int sim_write_file(const char *dir, const char *name, const char *text, size_t len);

/* Monotonic seconds. */
double sim_now_s(void);

/* Sleeps until `done` items are due at `rate` a second since `start` (no
 * wait for rate 0, or once *stop is set). */
void sim_pace(double start, unsigned long done, unsigned long rate,
              const volatile sig_atomic_t *stop);

/* Sleeps ms milliseconds (a signal ends it early). */
void sim_sleep_ms(unsigned long ms);

#endif
