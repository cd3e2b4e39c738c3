/*
 * main.c — stafet-hub: parse settings, run the hub on the default libuv loop
 * until it has drained after SIGTERM/SIGINT.
 */
#include "hub.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  hub_config_t cfg;
  config_defaults(&cfg);
  config_action_t action;
  char err[512];
  if (config_parse_args(&cfg, argc, argv, &action, err, sizeof err) != 0) {
    fprintf(stderr, "stafet-hub: %s\n", err);
    return 2;
  }
  if (action == CONFIG_HELP) {
    config_print_help(stdout, "stafet-hub");
    return 0;
  }
  if (action == CONFIG_VERSION) {
    printf("stafet-hub 0.1.0 (wire protocol 1)\n");
    return 0;
  }
  config_finish(&cfg);
  static hub_t hub;
  uv_loop_t *loop = uv_default_loop();
  if (hub_init(&hub, loop, &cfg) != 0 || hub_start(&hub) != 0) {
    fprintf(stderr, "stafet-hub: could not start (see log above)\n");
    return 1;
  }
  uv_run(loop, UV_RUN_DEFAULT);
  hub_dispose(&hub);
  uv_loop_close(loop);
  return hub.exit_code;
}
