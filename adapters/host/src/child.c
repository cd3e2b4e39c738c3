/*
 * child.c — one plugin process (see child.h for its phases). Signals arrive
 * through a signalfd, so there is no handler and no global flag: SIGTERM is
 * just one more readable fd in the loop.
 */
#include "child.h"

#include "curvekeys.h"
#include "host.h"
#include "loader.h"
#include "report.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WAIT_LOG_EVERY_MS 5000
#define WRITE_RETRY_MS    10

typedef struct child {
  stafet_host_t host;
  loaded_plugin_t plugin;
  int report_fd;
  int signal_fd;
  int connected; /* last seen, for the log */
} child_t;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reports a failure to the supervisor, which logs it in one line with the
 * plugin's name, path and phase; returns the exit status 1. */
static int failed(child_t *ch, const char *reason) {
  report_failure(ch->report_fd, reason);
  return 1;
}

/* SIGTERM and SIGINT as a readable fd; SIGCHLD back to normal for the plugin. */
static int signals_open(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, NULL);
  return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* 1 if a stop signal was read from the signalfd. */
static int stop_requested(int signal_fd) {
  struct signalfd_siginfo si;
  int stop = 0;
  while (read(signal_fd, &si, sizeof si) == (ssize_t)sizeof si)
    stop |= si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT;
  return stop;
}

/* mkdir -p: 0 or -1 with errno. */
static int make_dirs(const char *path) {
  char buf[CONF_STR_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p != '\0'; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
      return -1;
    *p = '/';
  }
  return mkdir(buf, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* The journal and the client; then what the journal holds goes to the client. */
static int prepare(child_t *ch, char *why, size_t why_size) {
  stafet_host_t *h = &ch->host;
  const host_conf_t *cfg = h->cfg;
  if (make_dirs(cfg->state_dir) != 0) {
    snprintf(why, why_size, "cannot create state_dir %.300s: %s", cfg->state_dir, strerror(errno));
    return STAFET_EIO;
  }
  char path[CONF_STR_MAX + CONF_NAME_MAX + 16];
  snprintf(path, sizeof path, "%s/%s.outbox", cfg->state_dir, h->plugin->name);
  int rc = journal_open(&h->journal, path, (int)cfg->outbox_fsync, why, why_size);
  if (rc < 0)
    return rc;
  if (h->journal.dropped_bytes > 0)
    log_warn(&h->log, "outbox journal: a torn record at its end was cut off",
             "plugin=%s bytes=%llu", h->plugin->name, (unsigned long long)h->journal.dropped_bytes);
  curve_keys_t keys;
  if ((rc = curve_keys_load(&keys, cfg, h->plugin, why, why_size)) < 0)
    return rc;
  stafet_client_options_t o = {.endpoint = cfg->hub,
                               .adapter = h->plugin->name,
                               .heartbeat_ms = (unsigned)cfg->heartbeat_ms,
                               .reconnect_max_ms = (unsigned)cfg->reconnect_max_ms,
                               .outbox_max = (size_t)cfg->outbox_max};
  if (keys.server[0] != '\0') {
    o.curve_server_key = keys.server;
    o.curve_public_key = keys.public_key;
    o.curve_secret_key = keys.secret;
  }
  rc = stafet_client_new(&h->client, &o); /* copies the keys */
  curve_keys_wipe(&keys);
  if (rc < 0) {
    snprintf(why, why_size, "cannot create the hub client: %s", stafet_strerror(rc));
    return rc;
  }
  stafet_client_on_error(h->client, host_on_error, h);
  size_t pending = journal_pending(&h->journal);
  host_replay(h);
  if (pending > 0)
    log_info(&h->log, "re-sending publishes the hub had not acknowledged before a restart",
             "plugin=%s count=%zu", h->plugin->name, pending);
  return 0;
}

/* Logs changes of the connection to the hub. */
static void note_connection(child_t *ch) {
  stafet_host_t *h = &ch->host;
  int up = stafet_client_is_connected(h->client);
  if (up == ch->connected)
    return;
  ch->connected = up;
  if (up)
    log_info(&h->log, "hub connected", "plugin=%s hub=%s session=%s", h->plugin->name, h->cfg->hub,
             stafet_client_session_id(h->client));
  else
    log_warn(&h->log, "hub connection lost: reconnecting", "plugin=%s hub=%s", h->plugin->name,
             h->cfg->hub);
}

/* Fills fds: the signalfd, the client's socket (if open), then the watched fds. */
static nfds_t poll_set(child_t *ch, struct pollfd *fds, size_t cap) {
  stafet_host_t *h = &ch->host;
  nfds_t n = 0;
  fds[n++] = (struct pollfd){.fd = ch->signal_fd, .events = POLLIN};
  int zfd;
  fds[n++] =
      (struct pollfd){.fd = stafet_client_fd(h->client, &zfd) == 0 ? zfd : -1, .events = POLLIN};
  for (size_t i = 0; i < h->n_watches && n < cap; i++) {
    const host_watch_t *w = &h->watches[i];
    fds[n++] = (struct pollfd){.fd = w->fd,
                               .events = (short)(((w->events & STAFET_FD_READ) ? POLLIN : 0) |
                                                 ((w->events & STAFET_FD_WRITE) ? POLLOUT : 0))};
  }
  return n;
}

/* Calls the plugin for each ready watched fd that is still watched. */
static void run_watches(child_t *ch, const struct pollfd *fds, nfds_t n) {
  stafet_host_t *h = &ch->host;
  for (nfds_t i = 0; i < n; i++) {
    const host_watch_t *w = host_watch_find(h, fds[i].fd);
    if (fds[i].revents == 0 || w == NULL)
      continue;
    if (fds[i].revents & POLLNVAL) {
      log_warn(&h->log, "a watched fd was closed without watch_fd(fd, 0): no longer watched",
               "plugin=%s fd=%d", h->plugin->name, fds[i].fd);
      host_watch_set(h, fds[i].fd, 0, NULL);
      continue;
    }
    int ev = ((fds[i].revents & POLLIN) ? STAFET_FD_READ : 0) |
             ((fds[i].revents & POLLOUT) ? STAFET_FD_WRITE : 0);
    if (fds[i].revents & (POLLERR | POLLHUP))
      ev |= w->events; /* let the plugin's own read or write see the error */
    ev &= w->events;
    if (ev != 0)
      host_call_fd(h, w->fn, fds[i].fd, ev);
  }
}

/* Sleeps in poll(2) until something is due; 1 if a stop signal came. */
static int wait_once(child_t *ch, int timeout_ms) {
  stafet_host_t *h = &ch->host;
  size_t cap = 2 + h->n_watches;
  struct pollfd *fds = calloc(cap, sizeof *fds);
  if (fds == NULL)
    return 0;
  nfds_t n = poll_set(ch, fds, cap);
  int rc = poll(fds, n, timeout_ms < 0 ? 0 : timeout_ms);
  int stop = rc > 0 && (fds[0].revents & POLLIN) && stop_requested(ch->signal_fd);
  if (rc > 0 && !stop)
    run_watches(ch, fds + 2, n - 2);
  free(fds);
  return stop;
}

static int min_int(int a, int64_t b) {
  return b < a ? (int)(b < 0 ? 0 : b) : a;
}

/*
 * How long the loop may sleep for libstafet. Its ZMQ_FD wakes us for what
 * arrives, but not reliably when a socket it could not write to becomes
 * writable (a Hello sent before the connection was up, publishes held back):
 * libstafet's own poll asks zmq_poll for POLLOUT then, an outside loop
 * cannot. So while a socket is open and something may wait to be written,
 * look again soon.
 */
static int client_timeout(stafet_host_t *h) {
  int t = stafet_client_timeout_ms(h->client);
  int fd;
  int may_wait_to_write =
      !stafet_client_is_connected(h->client) || stafet_client_outbox_size(h->client) > 0;
  if (stafet_client_fd(h->client, &fd) == 0 && may_wait_to_write && t > WRITE_RETRY_MS)
    return WRITE_RETRY_MS;
  return t;
}

/* The connect phase: 1 once the hub answered, 0 if a stop signal came first. */
static int wait_for_hub(child_t *ch) {
  stafet_host_t *h = &ch->host;
  int64_t next_log = now_ms() + WAIT_LOG_EVERY_MS;
  for (;;) {
    stafet_client_poll(h->client, 0);
    if (stafet_client_is_connected(h->client))
      return 1;
    if (now_ms() >= next_log) {
      log_warn(&h->log, "waiting for the hub", "plugin=%s hub=%s", h->plugin->name, h->cfg->hub);
      next_log = now_ms() + WAIT_LOG_EVERY_MS;
    }
    if (wait_once(ch, min_int(client_timeout(h), 1000)))
      return 0;
  }
}

/* The running phase; returns when a stop signal came. */
static void run(child_t *ch) {
  stafet_host_t *h = &ch->host;
  const host_conf_t *cfg = h->cfg;
  int64_t next_tick = now_ms() + (int64_t)cfg->tick_ms;
  int64_t next_metrics = now_ms();
  for (;;) {
    int64_t now = now_ms();
    if (now >= next_tick) {
      host_call_tick(h);
      next_tick = now + (int64_t)cfg->tick_ms; /* late ticks are not made up for */
    }
    if (now >= next_metrics) {
      host_write_metrics(h);
      next_metrics = now + (int64_t)cfg->metrics_interval_ms;
    }
    if (!h->replay_done)
      host_replay(h);
    /* Last before sleeping: the ZMQ_FD is edge-triggered, and everything
     * above may have sent, so let the client take what already arrived. */
    stafet_client_poll(h->client, 0);
    note_connection(ch);
    now = now_ms();
    int timeout = min_int(client_timeout(h), next_tick - now);
    if (cfg->metrics_dir[0] != '\0')
      timeout = min_int(timeout, next_metrics - now);
    if (wait_once(ch, timeout))
      return;
  }
}

/* The stop phase: stop the plugin, give the hub what is left in the outbox. */
static void shut_down(child_t *ch) {
  stafet_host_t *h = &ch->host;
  report_phase(ch->report_fd, "stop");
  host_call_stop(h);
  int rc = stafet_client_flush(h->client, (int)h->cfg->stop_timeout_ms);
  size_t left = journal_pending(&h->journal);
  if (rc == 0 && left == 0)
    log_info(&h->log, "plugin stopped", "plugin=%s", h->plugin->name);
  else
    log_warn(&h->log,
             "plugin stopped with publishes the hub has not acknowledged: kept in the "
             "outbox journal, re-sent at the next start",
             "plugin=%s pending=%zu", h->plugin->name, left);
  host_write_metrics(h);
}

/* init, connect, start, run, stop. Returns the exit status. */
static int live(child_t *ch) {
  stafet_host_t *h = &ch->host;
  char why[REPORT_REASON_MAX];
  report_phase(ch->report_fd, "init");
  int rc = host_call_init(h);
  if (rc != 0) {
    snprintf(why, sizeof why, "init returned %d (%s)", rc, stafet_strerror(rc));
    return failed(ch, why);
  }
  report_phase(ch->report_fd, "connect");
  if (!wait_for_hub(ch)) {
    shut_down(ch);
    return 0;
  }
  note_connection(ch);
  report_phase(ch->report_fd, "start");
  if ((rc = host_call_start(h)) != 0) {
    host_call_stop(h);
    snprintf(why, sizeof why, "start returned %d (%s)", rc, stafet_strerror(rc));
    return failed(ch, why);
  }
  report_phase(ch->report_fd, "running");
  log_info(&h->log, "plugin started", "plugin=%s kind=%s pid=%ld", h->plugin->name,
           h->adapter->name, (long)getpid());
  run(ch);
  shut_down(ch);
  return 0;
}

int child_run(const host_conf_t *cfg, const conf_plugin_t *plugin, int report_fd, pid_t parent) {
  child_t ch = {.report_fd = report_fd, .signal_fd = -1};
  stafet_host_t *h = &ch.host;
  h->cfg = cfg;
  h->plugin = plugin;
  h->log = (logger_t){.level = LOG_INFO, .out = stderr, .name = "stafet-adapter"};
  (void)log_level_parse(cfg->log_level, &h->log.level);
  prctl(PR_SET_PDEATHSIG, SIGTERM); /* the supervisor's death ends us too */
  char why[REPORT_REASON_MAX];
  int status;
  if (getppid() != parent || (ch.signal_fd = signals_open()) < 0) {
    status = failed(&ch, "cannot set up signals (or the supervisor is gone)");
  } else {
    report_phase(report_fd, "load");
    if (loader_open(&ch.plugin, plugin->path, why, sizeof why) < 0) {
      status = failed(&ch, why);
    } else {
      h->adapter = ch.plugin.adapter;
      report_phase(report_fd, "prepare");
      status = prepare(&ch, why, sizeof why) < 0 ? failed(&ch, why) : live(&ch);
    }
  }
  host_free(h);
  if (ch.signal_fd >= 0)
    close(ch.signal_fd);
  /* The plugin stays loaded: a dlclose() would make sanitizer reports
   * about it unreadable, and the process ends here anyway. */
  return status;
}
