/*
 * job.c — CPR change files for the spool runner (filejob.h): the frame of a
 * file is checked when it is opened (a bad frame rejects it whole), then
 * each data record is parsed; a bad one is rejected with its line and reason,
 * a good one is published and then applied to the register.
 *
 * Publish first, apply second: if the publish has to wait (the host's outbox
 * is full), the register has not moved on, and the record's sensitivity is
 * worked out from the same state when it is tried again.
 */
#include "adapter.h"
#include "cprfile.h"
#include "event.h"

#include "stafet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cpr_open(void *adapter, filejob_t *job, filejob_reason_t *why) {
  (void)adapter;
  cpr_file_t *f = calloc(1, sizeof *f);
  if (f == NULL)
    return STAFET_ENOMEM;
  job->parsed = f;
  cpr_error_t err = {"", ""};
  int rc = cpr_file_open(f, job->data, job->len, &err, &why->line);
  if (rc == STAFET_EINVAL) {
    why->code = err.code;
    snprintf(why->detail, sizeof why->detail, "%s", err.detail);
  }
  if (rc < 0)
    return rc;
  job->next = 2;
  job->last = f->n_lines - 1;
  snprintf(job->correlation_id, sizeof job->correlation_id, "%.20s", f->file_id); /* ASCII */
  return 0;
}

static void cpr_close(void *adapter, filejob_t *job) {
  (void)adapter;
  if (job->parsed != NULL)
    cpr_file_close(job->parsed);
  free(job->parsed);
  job->parsed = NULL;
}

static int reject(cpr_adapter_t *a, filejob_t *job, const char *code, const char *detail) {
  const char *s;
  size_t n;
  cpr_file_line(job->parsed, job->next, &s, &n);
  return filejob_reject(&a->runner, job, code, detail, s, n);
}

/* The envelope's sensitivity: protected before or after the change (so the
 * record that lifts protection is still marked). */
static int sensitivity(cpr_adapter_t *a, const cpr_record_t *rec, unsigned *out) {
  int was_protected = 0;
  if (cpr_store_protected(a->store, rec->cpr, &was_protected) < 0)
    return STAFET_EIO;
  int now_protected = rec->type == CPR_REC_PROTECTION && rec->protection_on;
  *out = STAFET_SENSITIVITY_PERSONAL |
         (was_protected || now_protected ? STAFET_SENSITIVITY_PROTECTED : 0);
  return 0;
}

static int publish(cpr_adapter_t *a, filejob_t *job, const cpr_record_t *rec) {
  unsigned sens;
  cpr_event_t ev;
  char id[65];
  if (sensitivity(a, rec, &sens) < 0)
    return STAFET_EIO;
  int rc = cpr_event_build(rec, &ev);
  if (rc == 0) {
    stafet_envelope_t env;
    cpr_event_envelope(&ev, &env);
    filejob_message_id(&a->runner, job, id);
    env.message_id = id;
    env.correlation_id = job->correlation_id;
    env.sensitivity = sens;
    rc = a->api->publish(a->host, &env, ev.payload, ev.len);
  }
  cpr_event_free(&ev);
  return rc;
}

static int cpr_line(void *adapter, filejob_t *job) {
  cpr_adapter_t *a = adapter;
  const char *s;
  size_t n;
  cpr_file_line(job->parsed, job->next, &s, &n);
  cpr_record_t rec;
  cpr_error_t err;
  if (cpr_record_parse(s, n, &rec, &err) < 0)
    return reject(a, job, err.code, err.detail);
  int rc = publish(a, job, &rec);
  if (rc == STAFET_EFULL || rc == STAFET_EIO || rc == STAFET_ENOMEM)
    return rc; /* try this record again on a later tick */
  if (rc < 0) {
    char detail[64];
    snprintf(detail, sizeof detail, "the host refused the event (error %d)", rc);
    return reject(a, job, "PUBLISH_REFUSED", detail);
  }
  return cpr_store_apply(a->store, &rec, job->name, job->next) < 0 ? STAFET_EIO : 0;
}

static int cpr_begin(void *adapter) {
  return cpr_store_begin(((cpr_adapter_t *)adapter)->store);
}

static int cpr_commit(void *adapter) {
  return cpr_store_commit(((cpr_adapter_t *)adapter)->store);
}

static void cpr_rollback(void *adapter) {
  cpr_store_rollback(((cpr_adapter_t *)adapter)->store);
}

const filejob_ops_t cpr_file_ops = {
    .kind = "cpr",
    .open = cpr_open,
    .line = cpr_line,
    .close = cpr_close,
    .begin = cpr_begin,
    .commit = cpr_commit,
    .rollback = cpr_rollback,
};
