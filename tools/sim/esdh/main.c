/*
 * main.c — stafet-sim-esdh: runs the fake ESDH REST API (esdh_sim.h) on
 * one thread with its own poll loop until SIGTERM/SIGINT.
 *
 *   stafet-sim-esdh [--listen 127.0.0.1:8090] [--port-file FILE]
 *                   [--fail N] [--fail-status 503] [--verbose]
 *
 * With port 0 the chosen port is printed ("listening port=N") and written
 * to --port-file.
 */
#include "esdh_sim.h"
#include "sh_host.h"
#include "sh_loop.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stopping;

static void on_signal(int sig) {
  stopping = 1;
}

typedef struct options {
  const char *listen, *port_file;
  unsigned fail, fail_status;
  int verbose;
} options_t;

static int parse(int argc, char **argv, options_t *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--verbose") == 0) {
      o->verbose = 1;
      continue;
    }
    if (v == NULL)
      return -1;
    if (strcmp(a, "--listen") == 0)
      o->listen = v;
    else if (strcmp(a, "--port-file") == 0)
      o->port_file = v;
    else if (strcmp(a, "--fail") == 0)
      o->fail = (unsigned)strtoul(v, NULL, 10);
    else if (strcmp(a, "--fail-status") == 0)
      o->fail_status = (unsigned)strtoul(v, NULL, 10);
    else
      return -1;
    i++;
  }
  return 0;
}

static int serve(const options_t *o, esdh_sim_t *sim) {
  sh_server_options_t so = {.handler = esdh_sim_handle, .arg = sim};
  char addr[64];
  if (sh_listen_parse(o->listen, addr, &so.port) != 0) {
    fprintf(stderr, "stafet-sim-esdh: bad --listen %s\n", o->listen);
    return 2;
  }
  so.address = addr;
  sh_loop_t loop;
  sh_loop_init(&loop, NULL, NULL);
  sh_server_t *srv;
  if (sh_server_start(&srv, &loop, &so) != 0) {
    fprintf(stderr, "stafet-sim-esdh: cannot listen on %s\n", o->listen);
    return 1;
  }
  printf("stafet-sim-esdh listening port=%u\n", sh_server_port(srv));
  fflush(stdout);
  if (o->port_file != NULL)
    sh_port_file_write(o->port_file, sh_server_port(srv));
  while (!stopping) {
    sh_loop_poll(&loop, 100);
    sh_server_run(srv);
  }
  sh_server_stop(srv);
  sh_loop_free(&loop);
  return 0;
}

int main(int argc, char **argv) {
  options_t o = {.listen = "127.0.0.1:8090", .fail_status = 503};
  if (parse(argc, argv, &o) != 0) {
    fprintf(stderr,
            "usage: %s [--listen ADDR:PORT] [--port-file FILE] [--fail N] "
            "[--fail-status S] [--verbose]\n",
            argv[0]);
    return 2;
  }
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  esdh_sim_t sim;
  if (esdh_sim_init(&sim) != 0)
    return 1;
  sim.fail_remaining = o.fail;
  sim.fail_status = o.fail_status;
  sim.verbose = o.verbose;
  int rc = serve(&o, &sim);
  esdh_sim_free(&sim);
  return rc;
}
