/*
 * contact_desk.c — the agent desktop's citizen overview: one GET asks
 * cpr.person.get, debt.summary.get and case.list.get at once (api->request,
 * the CPR number as text "DDMMYY-SSSS" the payload), suspends the HTTP
 * request, and answers 200 with the merged JSON (contact_overview.h) as soon
 * as all three answered — or, at the deadline, with what it has, the rest
 * marked. The host calls every request's callback exactly once, so an
 * overview is freed after its answer went out and its last callback came.
 */
#include "contact_adapter.h"

#include <stdlib.h>
#include <string.h>

struct overview {
  contact_adapter_t *a;
  sh_request_t *req; /* NULL once answered */
  char cpr[SH_CPR_LEN + 1];
  ov_part_t parts[OV_PARTS];
  struct part_ref {
    overview_t *ov;
    int index;
  } refs[OV_PARTS];
  int outstanding; /* request callbacks still to come */
  int starting;    /* inside contact_overview_start: callbacks must not free */
  long long started_ms, deadline_ms;
  overview_t *next;
};

static void overview_free(overview_t *ov) {
  contact_adapter_t *a = ov->a;
  for (overview_t **p = &a->overviews; *p != NULL; p = &(*p)->next)
    if (*p == ov) {
      *p = ov->next;
      break;
    }
  ov_parts_free(ov->parts);
  free(ov);
}

static void answer(overview_t *ov) {
  if (ov->req == NULL)
    return;
  json_t *doc = ov_render(ov->cpr, ov->parts, sh_mono_ms() - ov->started_ms);
  int complete = json_is_true(json_object_get(doc, "complete"));
  char masked[SH_CPR_LEN + 1];
  sh_cpr_mask(ov->cpr, masked);
  ov->a->ref.api->log(ov->a->ref.host, STAFET_LOG_INFO, "overview answered",
                      "cpr=%s complete=%d elapsed_ms=%lld", masked, complete,
                      sh_mono_ms() - ov->started_ms);
  ov->a->ref.api->counter_add(
      ov->a->ref.host,
      complete ? "contact_overviews_complete" : "contact_overviews_partial", 1);
  sh_request_t *req = ov->req;
  ov->req = NULL;
  sh_request_reply_json(req, 200, doc);
}

static int all_settled(const overview_t *ov) {
  for (int i = 0; i < OV_PARTS; i++)
    if (ov->parts[i].state == OV_PENDING)
      return 0;
  return 1;
}

static void on_reply(void *state, int status, const char *error_text, const void *payload,
                     size_t len, void *arg) {
  struct part_ref *ref = arg;
  overview_t *ov = ref->ov;
  if (status == 0)
    ov_part_answer(&ov->parts[ref->index], payload, len);
  else
    ov_part_fail(&ov->parts[ref->index], status, error_text);
  ov->outstanding--;
  if (all_settled(ov))
    answer(ov);
  if (!ov->starting && ov->req == NULL && ov->outstanding == 0)
    overview_free(ov);
}

static unsigned timeout_of(contact_adapter_t *a, sh_request_t *req) {
  const char *q = sh_request_query(req, "timeout_ms");
  unsigned long t = q != NULL ? strtoul(q, NULL, 10) : 0;
  return t > 0 && t < a->overview_timeout_ms ? (unsigned)t : a->overview_timeout_ms;
}

static void ask(overview_t *ov, int i, unsigned timeout_ms) {
  contact_adapter_t *a = ov->a;
  ov->refs[i] = (struct part_ref){.ov = ov, .index = i};
  ov->outstanding++;
  int rc = a->ref.api->request(a->ref.host, ov->parts[i].service, ov->cpr, strlen(ov->cpr),
                               (int)timeout_ms, on_reply, &ov->refs[i]);
  if (rc != 0) { /* the callback will not come */
    ov->outstanding--;
    ov_part_fail(&ov->parts[i], rc, "the request could not be sent");
  }
}

void contact_overview_start(contact_adapter_t *a, sh_request_t *req, const char *cpr) {
  overview_t *ov = calloc(1, sizeof *ov);
  if (ov == NULL) {
    sh_request_reply_error(req, 503, "OUT_OF_MEMORY", "try again");
    return;
  }
  unsigned timeout_ms = timeout_of(a, req);
  ov->a = a;
  ov->req = req;
  memcpy(ov->cpr, cpr, sizeof ov->cpr);
  ov_parts_init(ov->parts);
  ov->started_ms = sh_mono_ms();
  ov->deadline_ms = ov->started_ms + timeout_ms;
  ov->next = a->overviews;
  a->overviews = ov;
  ov->starting = 1;
  for (int i = 0; i < OV_PARTS; i++)
    ask(ov, i, timeout_ms);
  ov->starting = 0;
  /* Callbacks may have run already (a host may fail a request at once). */
  if (ov->req != NULL && all_settled(ov))
    answer(ov);
  if (ov->req == NULL && ov->outstanding == 0)
    overview_free(ov);
}

void contact_overview_tick(contact_adapter_t *a) {
  /* A little grace after the deadline: the hub's DEADLINE_EXCEEDED usually
   * arrives first and names the cause better. */
  long long now = sh_mono_ms() - 250;
  overview_t *next;
  for (overview_t *ov = a->overviews; ov != NULL; ov = next) {
    next = ov->next;
    if (ov->req != NULL && now >= ov->deadline_ms)
      answer(ov);
  }
}

void contact_overview_stop(contact_adapter_t *a) {
  while (a->overviews != NULL) {
    answer(a->overviews);
    overview_free(a->overviews);
  }
}
