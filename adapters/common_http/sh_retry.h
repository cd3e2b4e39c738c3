/*
 * sh_retry.h — HTTP calls that settle a hub delivery: the case adapter's
 * ESDH party updates and the webhook adapter's deliveries. A job is one
 * delivery and one HTTP call; it is tried, and after a failure (no answer,
 * or a status outside 2xx) tried again after sh_backoff's delay, until a 2xx
 * (then settled(ok=1): the owner acks) or, when max_tries is set, until the
 * tries are used up (settled(ok=0, reason): the owner nacks without
 * requeue, so the hub dead-letters it with the reason). Nothing blocks:
 * calls go through sh_client, due retries start from sh_retry_tick().
 *
 * A delivery the hub redelivers while its job is still here (same
 * subscription and delivery id) does not start a second job.
 */
#ifndef STAFET_SH_RETRY_H
#define STAFET_SH_RETRY_H

#include "sh_backoff.h"
#include "sh_client.h"

#include <stddef.h>

#define SH_JOB_MAX_HEADERS 8

typedef struct sh_job {
  char subscription[160];
  char delivery_id[64];
  char message_id[65];
  char method[8];
  char *url;  /* owned */
  char *body; /* owned */
  size_t len;
  char *headers[SH_JOB_MAX_HEADERS]; /* owned; "Name: value" */
  size_t n_headers;
  unsigned attempts; /* finished tries */
  long long next_at_ms;
  int in_flight;
  long last_status;
  char last_error[160];
  struct sh_retry *owner;
  struct sh_job *next;
} sh_job_t;

typedef struct sh_retry_ops {
  /* Optional: called before every try (e.g. to sign with a fresh timestamp
   * through sh_job_set_header). */
  void (*prepare)(void *arg, sh_job_t *job);
  /* The job is over: ok=1 after a 2xx, ok=0 after max_tries with reason
   * ("HTTP 503 after 5 tries"). The job is freed after this returns. */
  void (*settled)(void *arg, sh_job_t *job, int ok, const char *reason);
} sh_retry_ops_t;

typedef struct sh_retry {
  sh_client_t *client; /* not owned */
  sh_backoff_t backoff;
  unsigned max_tries;     /* 0: until it succeeds */
  unsigned max_in_flight; /* 0: 8 */
  long timeout_ms;        /* per try; 0: 10000 */
  sh_retry_ops_t ops;
  void *arg;
  sh_job_t *jobs;
  size_t n_jobs, n_in_flight;
} sh_retry_t;

/* What a new job is (strings copied). */
typedef struct sh_job_spec {
  const char *subscription, *delivery_id, *message_id;
  const char *method, *url;
  const char *body;
  size_t len;
  const char *const *headers;
  size_t n_headers;
} sh_job_spec_t;

/* Adds a job, due at once. Returns 0, STAFET_EEXIST (that delivery has a job
 * already: nothing to do) or STAFET_ENOMEM. *out (may be NULL) gets the job. */
int sh_retry_add(sh_retry_t *r, const sh_job_spec_t *spec, sh_job_t **out);
/* Starts the jobs that are due (up to max_in_flight). Call every tick. */
void sh_retry_tick(sh_retry_t *r);
/* Frees every job without settling it (the hub redelivers them). Destroy
 * the sh_client first: its calls in flight point at the jobs. */
void sh_retry_clear(sh_retry_t *r);
/* Sets (or appends, when i == n_headers) header i of a job. 0 or STAFET_ENOMEM. */
int sh_job_set_header(sh_job_t *job, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
