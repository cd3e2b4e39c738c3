/*
 * main.c — stafet-adapter: runs adapter plugins (shared objects with the
 * ABI of stafet_adapter.h), each in its own supervised process, with the
 * settings of one config file. Flags, --help, then the supervisor; in a
 * forked plugin process the supervisor returns here and the plugin's life
 * (child.c) runs instead.
 */
#include "child.h"
#include "conf.h"
#include "loader.h"
#include "log.h"
#include "supervisor.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 2

static void print_help(FILE *out) {
  fprintf(out,
          "Usage: stafet-adapter --config FILE [--check]\n"
          "\n"
          "Runs Stafet adapter plugins (libstafet_adapter_NAME.so, ABI v%u of\n"
          "stafet_adapter.h), each in its own process, supervised: a plugin that fails to\n"
          "load, fails init or start, or crashes is logged with its name, path, phase and\n"
          "reason and started again after an exponential back-off; the others keep running.\n"
          "\n"
          "  --config FILE  the settings (below); required\n"
          "  --check        load the config and every plugin's .so, check their ABI, exit\n"
          "  --help         this text\n"
          "  --version      the version and the plugin ABI version\n"
          "\n"
          "CONFIG FILE\n"
          "  Global `key = value` lines, then one section per plugin:\n"
          "\n"
          "    hub = ipc:///var/lib/stafet/hub.sock\n"
          "    state_dir = /var/lib/stafet-adapter\n"
          "    [plugin cpr]\n"
          "    path = /usr/lib/stafet/adapters/libstafet_adapter_cpr.so\n"
          "    # the plugin's own keys follow\n"
          "    spool_dir = /var/spool/cpr\n"
          "\n"
          "  Lines starting with # or ; are comments; `#` inside a value is kept. A value\n"
          "  may be wrapped in double quotes. Names are lower snake case.\n"
          "\n"
          "  Global keys:\n",
          STAFET_ADAPTER_ABI_VERSION);
  conf_print_keys(out);
  fprintf(out,
          "\n"
          "  [plugin NAME]: NAME (lower snake case) is the adapter name the hub sees, the\n"
          "  journal's and metrics files' name; one .so may run as several NAMEs.\n"
          "    path         the plugin's .so (required)\n"
          "    any other    the plugin's own settings, read by it through api->config\n"
          "\n"
          "FILES\n"
          "  <state_dir>/NAME.outbox   the outbox journal: publishes the hub has not yet\n"
          "                            acknowledged; re-sent when the plugin starts again,\n"
          "                            so they survive a crash or kill -9 of the plugin\n"
          "  <metrics_dir>/stafet-adapter.prom       plugin_up, plugin_restarts_total\n"
          "  <metrics_dir>/stafet-adapter-NAME.prom  the plugin process's counters (publishes,\n"
          "                            deliveries, acks, requests, outbox_pending, hub_connected)\n"
          "                            and the plugin's own (stafet_plugin_*), Prometheus text\n"
          "                            for node_exporter's textfile collector\n"
          "\n"
          "SIGNALS\n"
          "  SIGTERM, SIGINT  each plugin's stop is called, its outbox flushed (up to\n"
          "                   stop_timeout_ms; the rest stays journalled), then exit 0\n"
          "\n"
          "LOGS\n"
          "  One key=value line per event on stderr (for journald), CPR numbers masked\n"
          "  (010190-1234 -> 010190-****). A failed plugin, e.g.:\n"
          "    level=error msg=\"plugin failed\" plugin=cpr path=/x.so phase=init\n"
          "    reason=\"init returned -1 (invalid argument)\" failures=2 restart_in_ms=1000\n"
          "\n"
          "EXIT STATUS\n"
          "  0 stopped by a signal (or --check passed), 1 a failure, 2 bad flags or config\n"
          "\n"
          "Writing a plugin: docs/writing-an-adapter.md and adapters/template/.\n");
}

/* --check: every plugin's .so loads and has a good table. */
static int check_plugins(const host_conf_t *cfg) {
  int bad = 0;
  for (size_t i = 0; i < cfg->n_plugins; i++) {
    const conf_plugin_t *p = &cfg->plugins[i];
    loaded_plugin_t lp;
    char why[512];
    if (loader_open(&lp, p->path, why, sizeof why) < 0) {
      printf("plugin %s: %s: %s\n", p->name, p->path, why);
      bad = 1;
      continue;
    }
    printf("plugin %s: %s: ok (kind %s, ABI %u)\n", p->name, p->path, lp.adapter->name,
           (unsigned)lp.adapter->abi_version);
    loader_close(&lp);
  }
  return bad;
}

/* Parses argv: 0 to run, 1 help/version printed, -1 bad usage. */
static int parse_args(int argc, char **argv, const char **config, int *check) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      print_help(stdout);
      return 1;
    } else if (strcmp(argv[i], "--version") == 0) {
      printf("stafet-adapter %s (plugin ABI %u)\n", STAFET_ADAPTER_VERSION,
             STAFET_ADAPTER_ABI_VERSION);
      return 1;
    } else if (strcmp(argv[i], "--check") == 0) {
      *check = 1;
    } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      *config = argv[++i];
    } else if (strncmp(argv[i], "--config=", 9) == 0) {
      *config = argv[i] + 9;
    } else {
      fprintf(stderr, "stafet-adapter: unknown or incomplete flag '%s' (see --help)\n", argv[i]);
      return -1;
    }
  }
  if (*config == NULL) {
    fprintf(stderr, "stafet-adapter: --config FILE is required (see --help)\n");
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *config = NULL;
  int check = 0;
  int rc = parse_args(argc, argv, &config, &check);
  if (rc != 0)
    return rc > 0 ? 0 : EXIT_USAGE;
  host_conf_t cfg;
  conf_defaults(&cfg);
  char err[512] = "";
  if (conf_load(&cfg, config, err, sizeof err) < 0) {
    fprintf(stderr, "stafet-adapter: %s\n", err[0] ? err : "out of memory");
    conf_free(&cfg);
    return EXIT_USAGE;
  }
  if (check) {
    rc = check_plugins(&cfg);
    conf_free(&cfg);
    return rc;
  }
  logger_t log = {.level = LOG_INFO, .out = stderr, .name = "stafet-adapter"};
  (void)log_level_parse(cfg.log_level, &log.level);
  log_info(&log, "starting", "config=%s hub=%s plugins=%zu pid=%ld", config, cfg.hub, cfg.n_plugins,
           (long)getpid());
  supervisor_t sup;
  rc = supervisor_run(&sup, &cfg, &log);
  if (rc == 0 && sup.child_plugin != NULL) { /* a plugin process */
    const conf_plugin_t *plugin = sup.child_plugin;
    int report_fd = sup.child_report_fd;
    pid_t parent = sup.parent;
    supervisor_free(&sup);
    rc = child_run(&cfg, plugin, report_fd, parent);
    close(report_fd);
    conf_free(&cfg);
    return rc;
  }
  if (rc < 0)
    log_error(&log, "cannot supervise", "error=\"%s\"", stafet_strerror(rc));
  supervisor_free(&sup);
  conf_free(&cfg);
  return rc < 0 ? 1 : 0;
}
