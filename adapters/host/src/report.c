/*
 * report.c — see report.h. Messages are "phase NAME\n" and "fail TEXT\n";
 * newlines inside a reason are turned into blanks.
 */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void send_line(int fd, const char *kind, const char *text) {
  char line[REPORT_REASON_MAX + 16];
  int n = snprintf(line, sizeof line - 1, "%s %s", kind, text);
  if (n < 0)
    return;
  if ((size_t)n > sizeof line - 2)
    n = (int)sizeof line - 2;
  for (int i = 0; i < n; i++)
    if (line[i] == '\n' || line[i] == '\r')
      line[i] = ' ';
  line[n++] = '\n';
  while (write(fd, line, (size_t)n) < 0 && errno == EINTR) {
  }
}

void report_phase(int fd, const char *phase) {
  send_line(fd, "phase", phase);
}

void report_failure(int fd, const char *reason) {
  send_line(fd, "fail", reason);
}

void report_reset(report_state_t *r) {
  memset(r, 0, sizeof *r);
}

static void take_line(report_state_t *r, const char *line, int *phase_changed) {
  if (strncmp(line, "phase ", 6) == 0) {
    snprintf(r->phase, sizeof r->phase, "%s", line + 6);
    *phase_changed = 1;
  } else if (strncmp(line, "fail ", 5) == 0) {
    snprintf(r->reason, sizeof r->reason, "%s", line + 5);
  }
}

int report_read(report_state_t *r, int fd, int *phase_changed) {
  *phase_changed = 0;
  for (;;) {
    ssize_t n = read(fd, r->buf + r->len, sizeof r->buf - 1 - r->len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return 0; /* EAGAIN: all read */
    if (n == 0)
      return 1;
    r->len += (size_t)n;
    r->buf[r->len] = '\0';
    char *nl;
    while ((nl = strchr(r->buf, '\n')) != NULL) {
      *nl = '\0';
      take_line(r, r->buf, phase_changed);
      r->len -= (size_t)(nl + 1 - r->buf);
      memmove(r->buf, nl + 1, r->len + 1);
    }
    if (r->len == sizeof r->buf - 1)
      r->len = 0; /* a line longer than any we send: not ours, drop it */
  }
}
