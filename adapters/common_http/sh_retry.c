/*
 * sh_retry.c — delivery-settling HTTP jobs with back-off (see sh_retry.h).
 */
#include "sh_retry.h"

#include "sh_host.h"
#include "stafet.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void job_free(sh_job_t *j) {
  free(j->url);
  free(j->body);
  for (size_t i = 0; i < j->n_headers; i++)
    free(j->headers[i]);
  free(j);
}

static void unlink_job(sh_retry_t *r, sh_job_t *j) {
  for (sh_job_t **p = &r->jobs; *p != NULL; p = &(*p)->next)
    if (*p == j) {
      *p = j->next;
      r->n_jobs--;
      return;
    }
}

static sh_job_t *find(sh_retry_t *r, const char *subscription, const char *delivery_id) {
  for (sh_job_t *j = r->jobs; j != NULL; j = j->next)
    if (strcmp(j->subscription, subscription) == 0 && strcmp(j->delivery_id, delivery_id) == 0)
      return j;
  return NULL;
}

int sh_job_set_header(sh_job_t *job, size_t i, const char *fmt, ...) {
  if (i > job->n_headers || i >= SH_JOB_MAX_HEADERS)
    return STAFET_EINVAL;
  va_list ap, again;
  va_start(ap, fmt);
  va_copy(again, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *h = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (h != NULL)
    vsnprintf(h, (size_t)n + 1, fmt, again);
  va_end(again);
  if (h == NULL)
    return STAFET_ENOMEM;
  if (i < job->n_headers)
    free(job->headers[i]);
  else
    job->n_headers++;
  job->headers[i] = h;
  return 0;
}

static int job_fill(sh_job_t *j, const sh_job_spec_t *s) {
  snprintf(j->subscription, sizeof j->subscription, "%s", s->subscription ? s->subscription : "");
  snprintf(j->delivery_id, sizeof j->delivery_id, "%s", s->delivery_id ? s->delivery_id : "");
  snprintf(j->message_id, sizeof j->message_id, "%s", s->message_id ? s->message_id : "");
  snprintf(j->method, sizeof j->method, "%s", s->method ? s->method : "POST");
  j->url = strdup(s->url);
  j->body = malloc(s->len + 1);
  if (j->url == NULL || j->body == NULL)
    return STAFET_ENOMEM;
  if (s->len > 0)
    memcpy(j->body, s->body, s->len);
  j->body[s->len] = '\0';
  j->len = s->len;
  for (size_t i = 0; i < s->n_headers; i++)
    if (sh_job_set_header(j, i, "%s", s->headers[i]) != 0)
      return STAFET_ENOMEM;
  return 0;
}

int sh_retry_add(sh_retry_t *r, const sh_job_spec_t *spec, sh_job_t **out) {
  if (spec->delivery_id != NULL &&
      find(r, spec->subscription ? spec->subscription : "", spec->delivery_id) != NULL)
    return STAFET_EEXIST;
  sh_job_t *j = calloc(1, sizeof *j);
  if (j == NULL)
    return STAFET_ENOMEM;
  if (job_fill(j, spec) != 0) {
    job_free(j);
    return STAFET_ENOMEM;
  }
  j->owner = r;
  j->next_at_ms = sh_mono_ms();
  j->next = r->jobs;
  r->jobs = j;
  r->n_jobs++;
  if (out != NULL)
    *out = j;
  return 0;
}

static void settle(sh_retry_t *r, sh_job_t *j, int ok, const char *reason) {
  unlink_job(r, j);
  r->ops.settled(r->arg, j, ok, reason);
  job_free(j);
}

static void on_done(void *arg, const sh_response_t *resp) {
  sh_job_t *j = arg;
  sh_retry_t *r = j->owner;
  j->in_flight = 0;
  r->n_in_flight--;
  j->attempts++;
  j->last_status = resp->status;
  if (resp->status >= 200 && resp->status < 300) {
    settle(r, j, 1, NULL);
    return;
  }
  if (resp->status != 0)
    snprintf(j->last_error, sizeof j->last_error, "HTTP %ld", resp->status);
  else
    snprintf(j->last_error, sizeof j->last_error, "%s", resp->error);
  if (r->max_tries != 0 && j->attempts >= r->max_tries) {
    char reason[256];
    snprintf(reason, sizeof reason, "%s after %u tries", j->last_error, j->attempts);
    settle(r, j, 0, reason);
    return;
  }
  j->next_at_ms = sh_mono_ms() + sh_backoff_delay_ms(&r->backoff, j->attempts, sh_backoff_random());
}

static void start(sh_retry_t *r, sh_job_t *j) {
  if (r->ops.prepare != NULL)
    r->ops.prepare(r->arg, j);
  sh_call_t call = {.method = j->method,
                    .url = j->url,
                    .headers = (const char *const *)j->headers,
                    .n_headers = j->n_headers,
                    .body = j->body,
                    .len = j->len,
                    .timeout_ms = r->timeout_ms};
  if (sh_client_send(r->client, &call, on_done, j) != 0) {
    /* Could not even start (memory): try again after the back-off. */
    j->next_at_ms = sh_mono_ms() + sh_backoff_delay_ms(&r->backoff, 1, sh_backoff_random());
    return;
  }
  j->in_flight = 1;
  r->n_in_flight++;
}

void sh_retry_tick(sh_retry_t *r) {
  long long now = sh_mono_ms();
  unsigned limit = r->max_in_flight ? r->max_in_flight : 8;
  for (sh_job_t *j = r->jobs; j != NULL && r->n_in_flight < limit; j = j->next)
    if (!j->in_flight && j->next_at_ms <= now)
      start(r, j);
}

void sh_retry_clear(sh_retry_t *r) {
  while (r->jobs != NULL) {
    sh_job_t *j = r->jobs;
    r->jobs = j->next;
    job_free(j);
  }
  r->n_jobs = 0;
  r->n_in_flight = 0;
}
