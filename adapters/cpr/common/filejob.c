/*
 * filejob.c — the spool file runner shared by the cpr and debtor adapters
 * (see filejob.h for the steps and the promises).
 */
#include "filejob.h"

#include "stafet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG(r, level, msg, ...) (r)->api->log((r)->host, level, msg, __VA_ARGS__)

static void count(filejob_runner_t *r, const char *what) {
  char name[64];
  snprintf(name, sizeof name, "%s_%s", r->ops->kind, what);
  r->api->counter_add(r->host, name, 1);
}

static void job_free(filejob_runner_t *r, filejob_t *j) {
  r->ops->close(r->adapter, j);
  free(j->data);
  free(j);
}

/* Moves a claimed file to rejected/ whole, with its reason beside it. */
static void reject_file(filejob_runner_t *r, const char *name, const filejob_reason_t *why) {
  char final[SPOOL_NAME_MAX];
  int rc = spool_finish(r->spool, name, SPOOL_REJECTED, final);
  if (rc == 0)
    rc = rejects_write_reason(r->spool->rejected, final, why->line, why->code, why->detail);
  if (rc < 0) {
    LOG(r, STAFET_LOG_ERROR, "could not reject file", "file=%s reason=%s error=%d", name, why->code,
        rc);
    return;
  }
  LOG(r, STAFET_LOG_WARN, "file rejected", "file=%s reason=%s line=%lu detail=\"%s\"", final,
      why->code, why->line, why->detail);
  count(r, "files_rejected");
}

/* Reads and opens the claimed file `name`; sets r->job if it has records to
 * handle. 0 also when the file was rejected whole. */
static int job_load(filejob_runner_t *r, const char *name) {
  char path[SPOOL_PATH_MAX];
  filejob_t *j = calloc(1, sizeof *j);
  if (j == NULL || spool_join(path, r->spool->work, name) < 0) {
    free(j);
    return STAFET_ENOMEM;
  }
  snprintf(j->name, sizeof j->name, "%s", name);
  filejob_reason_t why = {"FILE_TOO_LARGE", "the file is larger than max_file_mb", 0};
  int rc = spool_read_file(path, r->max_file_bytes, &j->data, &j->len);
  if (rc == STAFET_EIO) {
    /* Unreadable (permissions, a directory...): out of the way, or it would
     * block the spool; an operator can drop it again. */
    why = (filejob_reason_t){"UNREADABLE", "the file cannot be read", 0};
    rc = STAFET_EINVAL;
  }
  if (rc == 0) {
    j->digest = spool_digest(name, j->data, j->len);
    rc = r->ops->open(r->adapter, j, &why);
  }
  if (rc == STAFET_EINVAL || rc == STAFET_ETOOBIG)
    reject_file(r, name, &why);
  if (rc == 0)
    rc = rejects_open(&j->rejects, r->spool->rejected, name);
  if (rc < 0) {
    job_free(r, j);
    return rc == STAFET_EINVAL || rc == STAFET_ETOOBIG ? 0 : rc;
  }
  r->job = j;
  LOG(r, STAFET_LOG_INFO, "file claimed", "file=%s correlation_id=%s records=%lu", name,
      j->correlation_id, j->last >= j->next ? j->last - j->next + 1 : 0);
  return 0;
}

/* Claims the next file: 0 (r->job set, or the file was rejected whole),
 * STAFET_ENOTFOUND (nothing waiting) or an error. */
static int job_open(filejob_runner_t *r) {
  char name[SPOOL_NAME_MAX];
  int rc = spool_claim_next(r->spool, name);
  if (rc == 0)
    rc = job_load(r, name);
  if (rc < 0 && rc != STAFET_ENOTFOUND)
    LOG(r, STAFET_LOG_ERROR, "could not claim a spool file", "spool=%s error=%d", r->spool->root,
        rc);
  return rc;
}

int filejob_reject(filejob_runner_t *r, filejob_t *job, const char *code, const char *detail,
                   const char *s, size_t n) {
  int rc = rejects_add(&job->rejects, job->next, code, detail, s, n);
  if (rc < 0)
    return rc;
  job->rejected++;
  count(r, "records_rejected");
  LOG(r, STAFET_LOG_WARN, "record rejected", "file=%s line=%lu reason=%s detail=\"%s\"", job->name,
      job->next, code, detail);
  return 0;
}

void filejob_message_id(const filejob_runner_t *r, const filejob_t *job, char out[65]) {
  spool_message_id(out, r->ops->kind, job->digest, job->next);
}

/* Handles one line; counts it as published unless ops->line rejected it. */
static int handle_line(filejob_runner_t *r, filejob_t *j) {
  unsigned long rejected = j->rejected;
  int rc = r->ops->line(r->adapter, j);
  if (rc == 0 && j->rejected == rejected) {
    j->published++;
    count(r, "records_published");
  }
  return rc;
}

/* Handles up to *budget lines of the file in hand in one transaction. */
static int run_batch(filejob_runner_t *r, unsigned *budget) {
  filejob_t *j = r->job;
  if (r->ops->begin(r->adapter) < 0) {
    LOG(r, STAFET_LOG_ERROR, "store unavailable", "file=%s", j->name);
    return STAFET_EIO;
  }
  int rc = 0;
  for (; *budget > 0 && j->next <= j->last; (*budget)--) {
    rc = handle_line(r, j);
    if (rc < 0)
      break;
    j->next++;
  }
  if (r->ops->commit(r->adapter) < 0) {
    r->ops->rollback(r->adapter);
    /* Read the whole file again (the hub drops the events it already has),
     * so that the store and the rejects list start over together. */
    LOG(r, STAFET_LOG_ERROR, "store commit failed", "file=%s", j->name);
    filejob_abandon(r);
    return STAFET_EIO;
  }
  if (rc == STAFET_EFULL)
    LOG(r, STAFET_LOG_DEBUG, "outbox full, waiting", "file=%s line=%lu", j->name, j->next);
  else if (rc < 0)
    LOG(r, STAFET_LOG_ERROR, "record not handled, will retry", "file=%s line=%lu error=%d", j->name,
        j->next, rc);
  return rc;
}

/* Every line handled: the rejects list into place, the file to done/. */
static void job_finish(filejob_runner_t *r) {
  filejob_t *j = r->job;
  char list[SPOOL_NAME_MAX], final[SPOOL_NAME_MAX];
  if (rejects_close(&j->rejects, list) < 0) {
    /* Leave the file in work/ to be read again rather than lose the list. */
    LOG(r, STAFET_LOG_ERROR, "could not write the rejects list", "file=%s", j->name);
    filejob_abandon(r);
    return;
  }
  int rc = spool_finish(r->spool, j->name, SPOOL_DONE, final);
  if (rc < 0)
    LOG(r, STAFET_LOG_ERROR, "could not move the file to done", "file=%s error=%d", j->name, rc);
  else
    LOG(r, STAFET_LOG_INFO, "file done",
        "file=%s correlation_id=%s published=%lu rejected=%lu rejects=%s", final, j->correlation_id,
        j->published, j->rejected, list[0] ? list : "-");
  count(r, "files_done");
  job_free(r, j);
  r->job = NULL;
}

void filejob_tick(filejob_runner_t *r) {
  unsigned budget = r->batch_records;
  while (budget > 0) {
    if (r->job == NULL && job_open(r) < 0)
      return;
    if (r->job == NULL) {
      budget--; /* that file was rejected whole: on to the next one */
      continue;
    }
    if (run_batch(r, &budget) < 0)
      return;
    if (r->job->next <= r->job->last)
      return;
    job_finish(r);
  }
}

void filejob_abandon(filejob_runner_t *r) {
  if (r->job == NULL)
    return;
  LOG(r, STAFET_LOG_INFO, "leaving the file in work/; it is read again from the start",
      "file=%s line=%lu", r->job->name, r->job->next);
  rejects_discard(&r->job->rejects);
  job_free(r, r->job);
  r->job = NULL;
}
