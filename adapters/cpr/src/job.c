/*
 * job.c — reading CPR change files from the spool, record by record, into
 * events and the register.
 *
 * A file is claimed (renamed into work/), read whole and its frame checked;
 * a bad frame sends it to rejected/ with its reason. Otherwise each data
 * record is parsed: a bad one goes to the rejects list with its line number
 * and reason, a good one is published (message id from the file's name and
 * content and the line number, so a file read again after a crash gives the
 * same ids and the hub drops the repeats) and then applied to the register.
 * Records are handled in batches inside one transaction, at most
 * batch_records per tick. When the host's outbox is full (STAFET_EFULL) the
 * record is kept and tried again on a later tick: back-pressure, not loss.
 * When every record is handled the rejects list is put in place and the file
 * moves to done/.
 */
#include "adapter.h"
#include "event.h"

#include "stafet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG(a, level, msg, ...) (a)->api->log((a)->host, level, msg, __VA_ARGS__)

static void job_free(cpr_job_t *j) {
  cpr_file_close(&j->file);
  free(j->data);
  free(j);
}

/* Moves a claimed file to rejected/ whole, with its reason beside it. */
static void reject_file(cpr_adapter_t *a, const char *name, unsigned long line, const char *code,
                        const char *detail) {
  char final[SPOOL_NAME_MAX];
  int rc = spool_finish(&a->spool, name, SPOOL_REJECTED, final);
  if (rc == 0)
    rc = rejects_write_reason(a->spool.rejected, final, line, code, detail);
  if (rc < 0) {
    LOG(a, STAFET_LOG_ERROR, "could not reject file", "file=%s reason=%s error=%d", name, code, rc);
    return;
  }
  LOG(a, STAFET_LOG_WARN, "file rejected", "file=%s reason=%s line=%lu detail=\"%s\"", final, code,
      line, detail);
  a->api->counter_add(a->host, "cpr_files_rejected", 1);
}

/* Reads the claimed file `name` and checks its frame; sets a->job if it is
 * good. 0 also when the file was rejected whole. */
static int job_load(cpr_adapter_t *a, const char *name) {
  char path[SPOOL_PATH_MAX];
  cpr_job_t *j = calloc(1, sizeof *j);
  if (j == NULL || spool_join(path, a->spool.work, name) < 0) {
    free(j);
    return STAFET_ENOMEM;
  }
  snprintf(j->name, sizeof j->name, "%s", name);
  int rc = spool_read_file(path, a->max_file_bytes, &j->data, &j->len);
  cpr_error_t err = {"", ""};
  unsigned long line = 0;
  if (rc == STAFET_ETOOBIG)
    reject_file(a, name, 0, "FILE_TOO_LARGE", "the file is larger than max_file_mb");
  if (rc == 0)
    rc = cpr_file_open(&j->file, j->data, j->len, &err, &line);
  if (rc == STAFET_EINVAL)
    reject_file(a, name, line, err.code, err.detail);
  if (rc == 0)
    rc = rejects_open(&j->rejects, a->spool.rejected, name);
  if (rc < 0) {
    job_free(j);
    return rc == STAFET_EINVAL || rc == STAFET_ETOOBIG ? 0 : rc;
  }
  j->digest = spool_digest(name, j->data, j->len);
  j->next = 2;
  a->job = j;
  LOG(a, STAFET_LOG_INFO, "file claimed", "file=%s file_id=%s records=%lu", name, j->file.file_id,
      j->file.count);
  return 0;
}

/* Claims the next spool file: 0 (a->job set, or the file was rejected
 * whole), STAFET_ENOTFOUND (nothing waiting) or an error. */
static int job_open(cpr_adapter_t *a) {
  char name[SPOOL_NAME_MAX];
  int rc = spool_claim_next(&a->spool, name);
  if (rc == 0)
    rc = job_load(a, name);
  if (rc < 0 && rc != STAFET_ENOTFOUND)
    LOG(a, STAFET_LOG_ERROR, "could not claim a spool file", "spool=%s error=%d", a->spool.root,
        rc);
  return rc;
}

static int reject_record(cpr_adapter_t *a, cpr_job_t *j, const char *code, const char *detail) {
  const char *s;
  size_t n;
  cpr_file_line(&j->file, j->next, &s, &n);
  int rc = rejects_add(&j->rejects, j->next, code, detail, s, n);
  if (rc < 0)
    return rc;
  j->rejected++;
  a->api->counter_add(a->host, "cpr_records_rejected", 1);
  LOG(a, STAFET_LOG_WARN, "record rejected", "file=%s line=%lu reason=%s detail=\"%s\"", j->name,
      j->next, code, detail);
  return 0;
}

/* Publishes the event of a good record, then applies it to the register. */
static int publish_record(cpr_adapter_t *a, cpr_job_t *j, const cpr_record_t *rec) {
  int was_protected = 0;
  if (cpr_store_protected(a->store, rec->cpr, &was_protected) < 0)
    return STAFET_EIO;
  int now_protected = rec->type == CPR_REC_PROTECTION && rec->protection_on;
  cpr_event_t ev;
  int rc = cpr_event_build(rec, &ev);
  if (rc == 0) {
    stafet_envelope_t env;
    char id[65];
    cpr_event_envelope(&ev, &env);
    spool_message_id(id, "cpr", j->digest, j->next);
    env.message_id = id;
    env.correlation_id = j->file.file_id;
    /* Protected before or after the change: an event about a protected
     * person (even one that lifts the protection) is marked. */
    env.sensitivity = STAFET_SENSITIVITY_PERSONAL |
                      (was_protected || now_protected ? STAFET_SENSITIVITY_PROTECTED : 0);
    rc = a->api->publish(a->host, &env, ev.payload, ev.len);
  }
  cpr_event_free(&ev);
  if (rc == STAFET_EFULL || rc == STAFET_EIO || rc == STAFET_ENOMEM)
    return rc; /* try this record again on a later tick */
  if (rc < 0) {
    char detail[64];
    snprintf(detail, sizeof detail, "the host refused the event (error %d)", rc);
    return reject_record(a, j, "PUBLISH_REFUSED", detail);
  }
  if (cpr_store_apply(a->store, rec, j->name, j->next) < 0)
    return STAFET_EIO;
  j->published++;
  a->api->counter_add(a->host, "cpr_records_published", 1);
  return 0;
}

/* Handles line j->next: 0 when it is published or rejected, negative when
 * it must be tried again later. */
static int handle_line(cpr_adapter_t *a, cpr_job_t *j) {
  const char *s;
  size_t n;
  cpr_file_line(&j->file, j->next, &s, &n);
  cpr_record_t rec;
  cpr_error_t err;
  if (cpr_record_parse(s, n, &rec, &err) < 0)
    return reject_record(a, j, err.code, err.detail);
  return publish_record(a, j, &rec);
}

/* Handles up to *budget records of the file in hand in one transaction. */
static int run_batch(cpr_adapter_t *a, unsigned *budget) {
  cpr_job_t *j = a->job;
  unsigned long first = j->next;
  if (cpr_store_begin(a->store) < 0) {
    LOG(a, STAFET_LOG_ERROR, "register unavailable", "error=\"%s\"", cpr_store_error(a->store));
    return STAFET_EIO;
  }
  int rc = 0;
  for (; *budget > 0 && j->next < j->file.n_lines; (*budget)--) {
    rc = handle_line(a, j);
    if (rc < 0)
      break;
    j->next++;
  }
  if (cpr_store_commit(a->store) < 0) {
    cpr_store_rollback(a->store);
    j->next = first; /* published again next time: the hub drops the repeats */
    rc = STAFET_EIO;
  }
  if (rc == STAFET_EFULL)
    LOG(a, STAFET_LOG_DEBUG, "outbox full, waiting", "file=%s line=%lu", j->name, j->next);
  else if (rc < 0)
    LOG(a, STAFET_LOG_ERROR, "record not handled, will retry", "file=%s line=%lu error=%d", j->name,
        j->next, rc);
  return rc;
}

/* Every record handled: the rejects list into place, the file to done/. */
static void job_finish(cpr_adapter_t *a) {
  cpr_job_t *j = a->job;
  char list[SPOOL_NAME_MAX], final[SPOOL_NAME_MAX];
  int rc = rejects_close(&j->rejects, list);
  if (rc < 0) {
    /* Read the whole file again rather than lose the list. */
    LOG(a, STAFET_LOG_ERROR, "could not write the rejects list", "file=%s", j->name);
    rejects_discard(&j->rejects);
    rejects_open(&j->rejects, a->spool.rejected, j->name);
    j->next = 2;
    return;
  }
  rc = spool_finish(&a->spool, j->name, SPOOL_DONE, final);
  if (rc < 0)
    LOG(a, STAFET_LOG_ERROR, "could not move the file to done", "file=%s error=%d", j->name, rc);
  else
    LOG(a, STAFET_LOG_INFO, "file done", "file=%s file_id=%s published=%lu rejected=%lu rejects=%s",
        final, j->file.file_id, j->published, j->rejected, list[0] ? list : "-");
  a->api->counter_add(a->host, "cpr_files_done", 1);
  job_free(j);
  a->job = NULL;
}

void cpr_job_tick(cpr_adapter_t *a) {
  unsigned budget = a->batch_records;
  while (budget > 0) {
    if (a->job == NULL && job_open(a) < 0)
      return;
    if (a->job == NULL) {
      budget--; /* that file was rejected whole: on to the next one */
      continue;
    }
    if (run_batch(a, &budget) < 0)
      return;
    if (a->job->next < a->job->file.n_lines)
      return;
    job_finish(a);
  }
}

void cpr_job_abandon(cpr_adapter_t *a) {
  if (a->job == NULL)
    return;
  LOG(a, STAFET_LOG_INFO, "stopping mid-file; it is read again on the next start",
      "file=%s line=%lu", a->job->name, a->job->next);
  rejects_discard(&a->job->rejects);
  job_free(a->job);
  a->job = NULL;
}
