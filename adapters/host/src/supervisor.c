/*
 * supervisor.c — see supervisor.h. One poll(2) loop over the signalfd
 * (SIGCHLD, SIGTERM, SIGINT) and the children's report pipes, with a
 * timeout for the next restart that is due.
 */
#include "supervisor.h"

#include "stafet.h"
#include "stats.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KILL_GRACE_MS 5000 /* after stop_timeout_ms, before SIGKILL */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t supervisor_backoff_ms(unsigned failures, uint64_t min_ms, uint64_t max_ms) {
  uint64_t ms = min_ms;
  for (unsigned i = 1; i < failures && ms < max_ms; i++)
    ms *= 2;
  return ms < max_ms ? ms : max_ms;
}

/* ---- metrics: up and restarts per plugin ---- */

static void write_metrics(const supervisor_t *s) {
  if (s->cfg->metrics_dir[0] == '\0')
    return;
  stats_file_t sf;
  if (stats_file_open(&sf, s->cfg->metrics_dir, "stafet-adapter.prom") < 0)
    return;
  stats_type_line(sf.f, "stafet_adapter_plugin_up", 1);
  for (size_t i = 0; i < s->n; i++)
    stats_sample_line(sf.f, "stafet_adapter_plugin_up", s->children[i].plugin->name,
                      s->children[i].running_since ? 1 : 0);
  stats_type_line(sf.f, "stafet_adapter_plugin_restarts_total", 0);
  for (size_t i = 0; i < s->n; i++)
    stats_sample_line(sf.f, "stafet_adapter_plugin_restarts_total", s->children[i].plugin->name,
                      s->children[i].restarts);
  if (stats_file_commit(&sf) < 0)
    log_warn(s->log, "cannot write metrics", "file=%s", sf.path);
}

/* ---- starting a plugin process ---- */

/* In the new process: drop the supervisor's fds but our own report pipe. */
static void become_child(supervisor_t *s, sup_child_t *c, int report_fd) {
  for (size_t i = 0; i < s->n; i++) {
    if (s->children[i].report_fd >= 0)
      close(s->children[i].report_fd);
    s->children[i].report_fd = -1;
  }
  close(s->signal_fd);
  s->signal_fd = -1;
  s->child_plugin = c->plugin;
  s->child_report_fd = report_fd;
}

/* Forks; returns 1 in the new process, 0 in the supervisor. */
static int spawn(supervisor_t *s, sup_child_t *c) {
  int fds[2];
  c->restart_at = 0;
  if (pipe(fds) != 0) {
    log_error(s->log, "cannot start plugin: no pipe", "plugin=%s error=\"%s\"", c->plugin->name,
              strerror(errno));
    c->restart_at = now_ms() + (int64_t)s->cfg->restart_max_ms;
    return 0;
  }
  fcntl(fds[0], F_SETFD, FD_CLOEXEC); /* nothing the plugin execs inherits them */
  fcntl(fds[1], F_SETFD, FD_CLOEXEC);
  fflush(NULL); /* nothing buffered may be written twice */
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    become_child(s, c, fds[1]);
    return 1;
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    log_error(s->log, "cannot start plugin: fork failed", "plugin=%s error=\"%s\"", c->plugin->name,
              strerror(errno));
    c->restart_at = now_ms() + (int64_t)s->cfg->restart_max_ms;
    return 0;
  }
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  c->pid = pid;
  c->report_fd = fds[0];
  report_reset(&c->report);
  c->started_at = now_ms();
  c->running_since = 0;
  log_info(s->log, "plugin starting", "plugin=%s path=%s pid=%ld", c->plugin->name, c->plugin->path,
           (long)pid);
  return 0;
}

/* ---- a plugin process ended ---- */

/* "crashed by signal 11 (Segmentation fault)" or "exited with status 1". */
static void describe_exit(int status, char *out, size_t size) {
  if (WIFSIGNALED(status))
    snprintf(out, size, "crashed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
  else
    snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
}

static void child_ended(supervisor_t *s, sup_child_t *c, int status) {
  int changed;
  if (c->report_fd >= 0) {
    (void)report_read(&c->report, c->report_fd, &changed); /* its last words */
    close(c->report_fd);
    c->report_fd = -1;
  }
  int64_t now = now_ms();
  int was_healthy = c->running_since && now - c->running_since >= (int64_t)s->cfg->restart_reset_ms;
  c->pid = 0;
  c->running_since = 0;
  if (s->stopping) {
    log_info(s->log, "plugin ended", "plugin=%s status=%d", c->plugin->name,
             WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
    return;
  }
  char how[160];
  describe_exit(status, how, sizeof how);
  c->failures = was_healthy ? 1 : c->failures + 1;
  c->restarts++;
  uint64_t wait =
      supervisor_backoff_ms(c->failures, s->cfg->restart_min_ms, s->cfg->restart_max_ms);
  c->restart_at = now + (int64_t)wait;
  /* The plugin's own reason if it gave one (then how it ended as well),
   * else how it ended: "crashed by signal 11 (Segmentation fault)". */
  log_error(s->log, "plugin failed",
            "plugin=%s path=%s phase=%s reason=\"%s\"%s%s%s failures=%u restart_in_ms=%llu",
            c->plugin->name, c->plugin->path, c->report.phase[0] ? c->report.phase : "fork",
            c->report.reason[0] ? c->report.reason : how, c->report.reason[0] ? " exit=\"" : "",
            c->report.reason[0] ? how : "", c->report.reason[0] ? "\"" : "", c->failures,
            (unsigned long long)wait);
  write_metrics(s);
}

static sup_child_t *child_by_pid(supervisor_t *s, pid_t pid) {
  for (size_t i = 0; i < s->n; i++)
    if (s->children[i].pid == pid)
      return &s->children[i];
  return NULL;
}

static void reap(supervisor_t *s) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    sup_child_t *c = child_by_pid(s, pid);
    if (c != NULL)
      child_ended(s, c, status);
  }
}

/* ---- reports ---- */

static void read_report(supervisor_t *s, sup_child_t *c) {
  int changed = 0;
  int eof = report_read(&c->report, c->report_fd, &changed);
  if (changed && strcmp(c->report.phase, "running") == 0 && c->running_since == 0) {
    c->running_since = now_ms();
    log_info(s->log, "plugin running", "plugin=%s pid=%ld restarts=%u", c->plugin->name,
             (long)c->pid, c->restarts);
    write_metrics(s);
  }
  if (eof) { /* the process is ending; SIGCHLD tells the rest */
    close(c->report_fd);
    c->report_fd = -1;
  }
}

/* ---- the loop ---- */

static void read_signals(supervisor_t *s) {
  struct signalfd_siginfo si;
  while (read(s->signal_fd, &si, sizeof si) == (ssize_t)sizeof si) {
    if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
      if (!s->stopping)
        log_info(s->log, "stopping", "signal=%s", si.ssi_signo == SIGTERM ? "TERM" : "INT");
      s->stopping = 1;
    }
  }
  reap(s); /* SIGCHLD, or signals merged: look anyway */
}

/* Waits up to timeout_ms for a signal or a report. */
static void wait_events(supervisor_t *s, int timeout_ms) {
  struct pollfd fds[CONF_MAX_PLUGINS + 1];
  sup_child_t *owner[CONF_MAX_PLUGINS + 1];
  nfds_t n = 0;
  fds[n++] = (struct pollfd){.fd = s->signal_fd, .events = POLLIN};
  for (size_t i = 0; i < s->n; i++) {
    if (s->children[i].report_fd >= 0) {
      owner[n] = &s->children[i];
      fds[n++] = (struct pollfd){.fd = s->children[i].report_fd, .events = POLLIN};
    }
  }
  if (poll(fds, n, timeout_ms) <= 0)
    return;
  for (nfds_t i = 1; i < n; i++)
    if (fds[i].revents != 0 && owner[i]->report_fd >= 0)
      read_report(s, owner[i]);
  if (fds[0].revents != 0)
    read_signals(s);
}

/* Starts what is due; returns 1 in a new plugin process. Sets *next_ms to
 * the wait until the next start that is due (-1: none). */
static int start_due(supervisor_t *s, int *next_ms) {
  int64_t now = now_ms(), next = -1;
  for (size_t i = 0; i < s->n; i++) {
    sup_child_t *c = &s->children[i];
    if (c->pid != 0 || c->restart_at == 0)
      continue;
    if (c->restart_at <= now) {
      if (spawn(s, c))
        return 1;
    } else if (next < 0 || c->restart_at - now < next) {
      next = c->restart_at - now;
    }
  }
  *next_ms = next > INT32_MAX ? INT32_MAX : (int)next;
  return 0;
}

static size_t alive(const supervisor_t *s) {
  size_t n = 0;
  for (size_t i = 0; i < s->n; i++)
    n += s->children[i].pid != 0;
  return n;
}

/* SIGTERM to every plugin process, then wait; SIGKILL after the grace. */
static void stop_all(supervisor_t *s) {
  for (size_t i = 0; i < s->n; i++)
    if (s->children[i].pid != 0)
      kill(s->children[i].pid, SIGTERM);
  int64_t kill_at = now_ms() + (int64_t)s->cfg->stop_timeout_ms + KILL_GRACE_MS;
  int killed = 0;
  while (alive(s) > 0) {
    int64_t left = kill_at - now_ms();
    if (left <= 0 && !killed) {
      for (size_t i = 0; i < s->n; i++)
        if (s->children[i].pid != 0) {
          log_error(s->log, "plugin did not stop in time: killed", "plugin=%s pid=%ld",
                    s->children[i].plugin->name, (long)s->children[i].pid);
          kill(s->children[i].pid, SIGKILL);
        }
      killed = 1;
    }
    wait_events(s, left > 0 ? (int)(left > 1000 ? 1000 : left) : 100);
  }
}

static int signals_open(supervisor_t *s) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
    return STAFET_EIO;
  signal(SIGPIPE, SIG_IGN); /* a closed pipe or socket is an error return, not death */
  s->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  return s->signal_fd < 0 ? STAFET_EIO : 0;
}

int supervisor_run(supervisor_t *s, const host_conf_t *cfg, const logger_t *log) {
  memset(s, 0, sizeof *s);
  s->cfg = cfg;
  s->log = log;
  s->parent = getpid();
  s->child_report_fd = -1;
  s->signal_fd = -1;
  if (signals_open(s) < 0)
    return STAFET_EIO;
  if ((s->children = calloc(cfg->n_plugins, sizeof *s->children)) == NULL)
    return STAFET_ENOMEM;
  s->n = cfg->n_plugins;
  int64_t now = now_ms();
  for (size_t i = 0; i < s->n; i++)
    s->children[i] = (sup_child_t){.plugin = &cfg->plugins[i], .report_fd = -1, .restart_at = now};
  while (!s->stopping) {
    int next_ms;
    if (start_due(s, &next_ms))
      return 0; /* in a new plugin process */
    wait_events(s, next_ms);
  }
  stop_all(s);
  write_metrics(s);
  log_info(s->log, "stopped", "plugins=%zu", s->n);
  return 0;
}

void supervisor_free(supervisor_t *s) {
  for (size_t i = 0; i < s->n; i++)
    if (s->children[i].report_fd >= 0)
      close(s->children[i].report_fd);
  if (s->signal_fd >= 0)
    close(s->signal_fd);
  free(s->children);
  s->children = NULL;
  s->n = 0;
}
