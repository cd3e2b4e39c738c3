/*
 * cprfile.c — splitting a CPR change file into lines and checking its frame
 * (start record, end record, file id, record count). See cprfile.h.
 */
#include "cprfile.h"

#include "stafet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int frame_error(cpr_error_t *err, unsigned long *err_line, unsigned long line,
                       const char *code, const char *detail) {
  err->code = code;
  snprintf(err->detail, sizeof err->detail, "%s", detail);
  *err_line = line;
  return STAFET_EINVAL;
}

static int is_type(const cpr_file_t *f, unsigned long line, const char *type) {
  const char *s;
  size_t n;
  cpr_file_line(f, line, &s, &n);
  return n >= 3 && memcmp(s, type, 3) == 0;
}

/* Parses control record `line` of type `type` ("000"/"999") into rec. */
static int control_record(const cpr_file_t *f, unsigned long line, const char *type,
                          cpr_record_t *rec, cpr_error_t *err, unsigned long *err_line) {
  int start = strcmp(type, "000") == 0;
  if (!is_type(f, line, type))
    return frame_error(err, err_line, line, start ? "NO_START_RECORD" : "NO_END_RECORD",
                       start ? "the first line is not a start record (000)"
                             : "the last line is not an end record (999)");
  const char *s;
  size_t n;
  cpr_file_line(f, line, &s, &n);
  cpr_error_t why;
  if (cpr_record_parse(s, n, rec, &why) == 0)
    return 0;
  char detail[sizeof err->detail];
  snprintf(detail, sizeof detail, "%.24s: %.120s", why.code, why.detail);
  return frame_error(err, err_line, line, start ? "BAD_START_RECORD" : "BAD_END_RECORD", detail);
}

static int check_frame(cpr_file_t *f, cpr_error_t *err, unsigned long *err_line) {
  cpr_record_t *start = malloc(sizeof *start), *end = malloc(sizeof *end);
  int rc = STAFET_ENOMEM;
  if (start == NULL || end == NULL)
    goto out;
  rc = control_record(f, 1, "000", start, err, err_line);
  if (rc == 0 && f->n_lines < 2)
    rc = frame_error(err, err_line, 1, "NO_END_RECORD", "the file has only a start record");
  if (rc == 0)
    rc = control_record(f, f->n_lines, "999", end, err, err_line);
  if (rc == 0 && strcmp(start->file_id, end->file_id) != 0)
    rc = frame_error(err, err_line, f->n_lines, "FILE_ID_MISMATCH",
                     "the end record's file id differs from the start record's");
  for (unsigned long line = 2; rc == 0 && line < f->n_lines; line++)
    if (is_type(f, line, "000") || is_type(f, line, "999"))
      rc = frame_error(err, err_line, line, "MISPLACED_CONTROL_RECORD",
                       "a start or end record between the data records");
  if (rc == 0 && end->count != f->n_lines - 2) {
    char detail[96];
    snprintf(detail, sizeof detail, "the end record counts %lu data records, the file has %lu",
             end->count, f->n_lines - 2);
    rc = frame_error(err, err_line, f->n_lines, "COUNT_MISMATCH", detail);
  }
  if (rc == 0) {
    memcpy(f->file_id, start->file_id, sizeof f->file_id);
    f->produced = start->produced;
    f->count = end->count;
  }
out:
  free(start);
  free(end);
  return rc;
}

int cpr_file_open(cpr_file_t *f, const char *data, size_t len, cpr_error_t *err,
                  unsigned long *err_line) {
  memset(f, 0, sizeof *f);
  int rc = text_lines_split(&f->lines, data, len);
  if (rc < 0)
    return rc;
  f->n_lines = f->lines.n;
  if (f->n_lines == 0)
    return frame_error(err, err_line, 0, "EMPTY_FILE", "the file has no records");
  return check_frame(f, err, err_line);
}

void cpr_file_close(cpr_file_t *f) {
  text_lines_free(&f->lines);
}

void cpr_file_line(const cpr_file_t *f, unsigned long line, const char **s, size_t *n) {
  text_lines_get(&f->lines, line, s, n);
}
