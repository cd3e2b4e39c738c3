/*
 * job.c — the debtor system's CSV exports for the spool runner (filejob.h):
 * the header line names the kind of export (a file with an unknown header is
 * rejected whole); each following line is checked (export.h), published as
 * its debt.* event, and applied to the store. A bad line is rejected with its
 * line number and reason while the good lines go on.
 */
#include "adapter.h"
#include "csv.h"
#include "event.h"
#include "export.h"
#include "lines.h"

#include "stafet.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct export_file {
  text_lines_t lines;
  debt_kind_t kind;
  char buf[DEBT_LINE_BUF]; /* the fields of the line in hand */
} export_file_t;

static int refuse(filejob_reason_t *why, unsigned long line, const char *code, const char *detail) {
  why->code = code;
  why->line = line;
  snprintf(why->detail, sizeof why->detail, "%s", detail);
  return STAFET_EINVAL;
}

/* The file name as correlation id: printable ASCII, at most 64 bytes. */
static void correlation_from_name(const char *name, char out[65]) {
  size_t n = 0;
  for (; name[n] && n < 64; n++)
    out[n] = name[n] > ' ' && name[n] <= '~' ? name[n] : '_';
  out[n] = '\0';
}

static int debt_open(void *adapter, filejob_t *job, filejob_reason_t *why) {
  (void)adapter;
  export_file_t *f = calloc(1, sizeof *f);
  if (f == NULL || text_lines_split(&f->lines, job->data, job->len) < 0) {
    free(f);
    return STAFET_ENOMEM;
  }
  job->parsed = f;
  if (f->lines.n == 0)
    return refuse(why, 0, "EMPTY_FILE", "the file has no lines");
  const char *s;
  size_t n;
  csv_row_t header;
  text_lines_get(&f->lines, 1, &s, &n);
  if (n > DEBT_LINE_MAX || !utf8_clean(s, n) || csv_split(s, n, f->buf, &header) < 0 ||
      debt_kind_from_header(&header, &f->kind) < 0)
    return refuse(why, 1, "UNKNOWN_HEADER",
                  "the first line is not the header of a known export (docs/debtor-csv.md)");
  job->next = 2;
  job->last = f->lines.n;
  correlation_from_name(job->name, job->correlation_id);
  return 0;
}

static void debt_close(void *adapter, filejob_t *job) {
  (void)adapter;
  export_file_t *f = job->parsed;
  if (f != NULL)
    text_lines_free(&f->lines);
  free(f);
  job->parsed = NULL;
}

static int publish(debt_adapter_t *a, filejob_t *job, const debt_row_t *row, const char *id) {
  debt_event_t ev;
  int rc = debt_event_build(row, &ev);
  if (rc == 0) {
    stafet_envelope_t env;
    debt_event_envelope(&ev, &env);
    env.message_id = id;
    env.correlation_id = job->correlation_id;
    env.tenant = a->kommunekode;
    rc = a->api->publish(a->host, &env, ev.payload, ev.len);
  }
  debt_event_free(&ev);
  return rc;
}

static int debt_line(void *adapter, filejob_t *job) {
  debt_adapter_t *a = adapter;
  export_file_t *f = job->parsed;
  const char *s;
  size_t n;
  text_lines_get(&f->lines, job->next, &s, &n);
  debt_row_t *row = malloc(sizeof *row);
  if (row == NULL)
    return STAFET_ENOMEM;
  debt_error_t err;
  char id[65];
  int rc = debt_line_parse(f->kind, s, n, f->buf, row, &err);
  if (rc < 0) {
    rc = filejob_reject(&a->runner, job, err.code, err.detail, s, n);
    goto out;
  }
  filejob_message_id(&a->runner, job, id);
  rc = publish(a, job, row, id);
  if (rc == STAFET_EFULL || rc == STAFET_EIO || rc == STAFET_ENOMEM)
    goto out; /* try again on a later tick */
  if (rc < 0) {
    snprintf(err.detail, sizeof err.detail, "the host refused the event (error %d)", rc);
    rc = filejob_reject(&a->runner, job, "PUBLISH_REFUSED", err.detail, s, n);
    goto out;
  }
  rc = debt_store_apply(a->store, row, id) < 0 ? STAFET_EIO : 0;
out:
  free(row);
  return rc;
}

static int debt_begin(void *adapter) {
  return debt_store_begin(((debt_adapter_t *)adapter)->store);
}

static int debt_commit(void *adapter) {
  return debt_store_commit(((debt_adapter_t *)adapter)->store);
}

static void debt_rollback(void *adapter) {
  debt_store_rollback(((debt_adapter_t *)adapter)->store);
}

const filejob_ops_t debt_file_ops = {
    .kind = "debt",
    .open = debt_open,
    .line = debt_line,
    .close = debt_close,
    .begin = debt_begin,
    .commit = debt_commit,
    .rollback = debt_rollback,
};
