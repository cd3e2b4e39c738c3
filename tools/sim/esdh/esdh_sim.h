/*
 * esdh_sim.h — a fake ESDH (case-management system) REST API for the demo
 * and the tests of the case adapter. It records the party updates the case
 * adapter sends and can be told to fail the next N calls, to show retries.
 *
 *   PUT  /api/parties/{cpr}   records the update (JSON body); 200
 *                             {"status":"updated","cpr","updates"} — or the
 *                             configured failure status while failures remain
 *   GET  /api/parties/{cpr}   the party as last updated, with "updates" and
 *                             "attempts" counts; 404 if never updated
 *   GET  /api/updates         {"attempts","failed","updates":[{cpr, change,
 *                             message_id, body}...]} in arrival order
 *   POST /control/fail        {"count": N, "status": 503}: fail the next N
 *                             party calls with that status
 *   GET  /healthz             200
 */
#ifndef STAFET_ESDH_SIM_H
#define STAFET_ESDH_SIM_H

#include "sh_server.h"

#include <jansson.h>

typedef struct esdh_sim {
  json_t *parties; /* cpr -> {cpr, updates, attempts, last: body} */
  json_t *updates; /* array of recorded updates */
  unsigned attempts, failed;
  unsigned fail_remaining, fail_status;
  int verbose;
} esdh_sim_t;

/* Empty state; free with esdh_sim_free. Returns 0 or STAFET_ENOMEM. */
int esdh_sim_init(esdh_sim_t *s);
void esdh_sim_free(esdh_sim_t *s);
/* sh_server handler; arg is the esdh_sim_t. */
void esdh_sim_handle(void *arg, sh_request_t *req);

#endif
