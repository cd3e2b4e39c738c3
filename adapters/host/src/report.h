/*
 * report.h — what a plugin process tells its supervisor, over a pipe: the
 * phase it is in (load, init, connect, start, running, stop) and, before it
 * gives up, the reason in words ("dlopen failed: ...", "init returned -1
 * (invalid argument)"). One short line per message, each written with one
 * write(2) (atomic on a pipe below PIPE_BUF bytes).
 *
 * The supervisor then writes one log line about a failed plugin that says
 * everything: name, path, phase and reason, or the signal that killed it
 * while it was in that phase (a segfault in init says "phase=init").
 */
#ifndef STAFET_HOST_REPORT_H
#define STAFET_HOST_REPORT_H

#include <stddef.h>

#define REPORT_REASON_MAX 400

/* Child side: best effort, never blocks for long, ignores a closed pipe. */
void report_phase(int fd, const char *phase);
void report_failure(int fd, const char *reason);

/* Supervisor side: what one child has said so far. */
typedef struct report_state {
  char phase[16];
  char reason[REPORT_REASON_MAX];
  char buf[1024]; /* a line not complete yet */
  size_t len;
} report_state_t;

void report_reset(report_state_t *r);

/*
 * Reads what fd has (fd is non-blocking) and updates r. Returns 1 when the
 * pipe reached end of file (the child closed it or died), else 0.
 * *phase_changed is set to 1 if a new phase arrived.
 */
int report_read(report_state_t *r, int fd, int *phase_changed);

#endif
