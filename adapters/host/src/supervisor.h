/*
 * supervisor.h — the parent process of stafet-adapter: forks one process per
 * plugin, listens to what each says about itself (report.h), and when one
 * ends without being asked to, logs one line that says which plugin, which
 * .so, in which phase and why (its own reason, or the signal that killed
 * it), then starts it again after an exponential back-off. A plugin that
 * keeps failing is retried ever more slowly (up to restart_max_ms), and
 * reported every time; the others are not touched.
 *
 * SIGTERM or SIGINT: every plugin process gets SIGTERM, the supervisor
 * waits for them (those still there after stop_timeout_ms + 5 s get
 * SIGKILL) and returns 0.
 *
 * Signals are read from a signalfd; the supervisor's state is the
 * supervisor_t its caller owns.
 */
#ifndef STAFET_HOST_SUPERVISOR_H
#define STAFET_HOST_SUPERVISOR_H

#include "conf.h"
#include "log.h"
#include "report.h"

#include <stdint.h>
#include <sys/types.h>

typedef struct sup_child {
  const conf_plugin_t *plugin;
  pid_t pid;     /* 0: not running */
  int report_fd; /* read end of its report pipe, -1 when closed */
  report_state_t report;
  unsigned failures;                             /* in a row, for the back-off */
  unsigned restarts;                             /* in total */
  int64_t started_at, running_since, restart_at; /* monotonic ms; 0 = not set */
} sup_child_t;

typedef struct supervisor {
  const host_conf_t *cfg;
  const logger_t *log;
  sup_child_t *children; /* one per configured plugin */
  size_t n;
  int signal_fd;
  int stopping;
  /* Set in a forked plugin process: supervisor_run() returned there, and
   * the caller runs child_run() for this plugin with this report fd. */
  const conf_plugin_t *child_plugin;
  int child_report_fd;
  pid_t parent;
} supervisor_t;

/*
 * Runs until SIGTERM/SIGINT (returns 0 in the supervisor) or, in a freshly
 * forked plugin process, returns 0 at once with child_plugin set. Negative
 * STAFET_E* if it cannot start (signals, memory).
 */
int supervisor_run(supervisor_t *s, const host_conf_t *cfg, const logger_t *log);

/* Frees what s holds (in both processes). */
void supervisor_free(supervisor_t *s);

/* The back-off before the start after `failures` failures in a row (>= 1):
 * min_ms doubled per failure, at most max_ms. */
uint64_t supervisor_backoff_ms(unsigned failures, uint64_t min_ms, uint64_t max_ms);

#endif
