/*
 * hooks_main.c — stafet-sim-esdh-hooks: synthetic ESDH case webhooks
 * (case.opened, status_changed, closed with synthetic CPR parties) posted
 * to the case adapter at a chosen rate (tools/sim/events/sim_post.h).
 */
#include "sim_post.h"

int main(int argc, char **argv) {
  return sim_main(argc, argv, "http://127.0.0.1:8081/esdh/events", SIM_ESDH);
}
