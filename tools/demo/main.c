/*
 * main.c — stafet-demo: publishes synthetic municipal back-office events to a
 * Stafet hub (`pub`) or subscribes and prints them (`sub`). The process-wide
 * state lives here: the flag SIGINT/SIGTERM set, which the commands poll.
 */
#include "demo.h"

#include <string.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static const char usage[] =
    "usage: stafet-demo pub --endpoint E [--rate N] [--count N]\n"
    "       stafet-demo sub --endpoint E --name N --pattern P [--filter F]...\n"
    "       stafet-demo <command> --help\n";

/* No SA_RESTART: a signal ends the client's wait at once. */
static void install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage, stdout);
    return 0;
  }
  install_signals();
  if (strcmp(cmd, "pub") == 0) {
    demo_pub_opts_t o;
    int rc = demo_pub_parse(argc - 1, argv + 1, &o, stdout, stderr);
    return rc == DEMO_RUN ? demo_pub_run(&o, &stop_requested) : rc == DEMO_HELP ? 0 : 2;
  }
  if (strcmp(cmd, "sub") == 0) {
    demo_sub_opts_t o;
    int rc = demo_sub_parse(argc - 1, argv + 1, &o, stdout, stderr);
    return rc == DEMO_RUN ? demo_sub_run(&o, &stop_requested) : rc == DEMO_HELP ? 0 : 2;
  }
  fprintf(stderr, "stafet-demo: unknown command '%s'\n%s", cmd, usage);
  return 2;
}
