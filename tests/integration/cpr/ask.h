/*
 * ask.h — asking a service from an integration test and keeping the whole
 * answer (the person and debt summaries are longer than host_fixture.h's
 * host_ask keeps). Used by the cpr and debtor integration tests.
 */
#ifndef STAFET_IT_ASK_H
#define STAFET_IT_ASK_H

#include "harness.h"

#include <stdio.h>
#include <string.h>

typedef struct it_answer {
  int n, status;
  char text[8192]; /* the answer, or the error text */
} it_answer_t;

static inline void it_on_answer(stafet_client_t *c, int status, const char *error_text,
                                const void *payload, size_t len, void *arg) {
  (void)c;
  it_answer_t *a = arg;
  a->n++;
  a->status = status;
  if (status == 0)
    snprintf(a->text, sizeof a->text, "%.*s", (int)len, payload ? (const char *)payload : "");
  else
    snprintf(a->text, sizeof a->text, "%s", error_text ? error_text : "");
}

/* Asks service (polling clients, the first of which asks) and waits for the
 * one answer: its status; the text in a->text. */
static inline int it_ask(stafet_client_t **clients, const char *service, const char *payload,
                         it_answer_t *a) {
  memset(a, 0, sizeof *a);
  int rc =
      stafet_client_request(clients[0], service, payload, strlen(payload), 5000, it_on_answer, a);
  if (rc < 0)
    return rc;
  for (long long end = th_now_ms() + 10000; a->n == 0 && th_now_ms() < end;)
    th_poll_for(clients, 5);
  return a->n == 1 ? a->status : STAFET_ETIMEDOUT;
}

#endif
