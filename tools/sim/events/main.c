/*
 * main.c — stafet-sim-events: synthetic telephony, booking and inquiry
 * events posted to the contact adapter at a chosen rate (sim_post.h).
 */
#include "sim_post.h"

int main(int argc, char **argv) {
  return sim_main(argc, argv, "http://127.0.0.1:8082/contact/events", SIM_CONTACT_MIXED);
}
