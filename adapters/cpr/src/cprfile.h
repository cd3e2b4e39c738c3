/*
 * cprfile.h — a whole CPR change file: lines, and the frame around the data
 * records.
 *
 * A file is a start record (000), data records, and an end record (999)
 * carrying the same file id and the number of data records. The frame is
 * checked before any record is used: a file whose frame is wrong (no start or
 * end record, ids that differ, a count that does not match, a control record
 * in the middle — e.g. two files glued together) is rejected whole, because
 * then we cannot tell whether records are missing. Data records are parsed
 * one by one later (record.h); one bad data record does not spoil the rest.
 *
 * Lines end with LF or CRLF; the last line may lack its ending; empty lines
 * after the end record are ignored (they hold nothing). An empty line between
 * start and end is a data record (and fails with BAD_LENGTH).
 */
#ifndef STAFET_CPR_FILE_H
#define STAFET_CPR_FILE_H

#include "lines.h"
#include "record.h"

#include <stddef.h>

typedef struct cpr_file {
  text_lines_t lines;    /* owned arrays; the text is the caller's */
  unsigned long n_lines; /* start record, data records, end record */
  char file_id[CPR_TEXT_BYTES(CPR_W_FILE_ID)];
  sdate_t produced;
  unsigned long count; /* data records: lines 2 .. n_lines-1 */
} cpr_file_t;

/*
 * Splits data[0..len) into lines and checks the frame. Returns 0, or
 * STAFET_EINVAL with *err (code EMPTY_FILE, NO_START_RECORD,
 * BAD_START_RECORD, NO_END_RECORD, BAD_END_RECORD, FILE_ID_MISMATCH,
 * MISPLACED_CONTROL_RECORD or COUNT_MISMATCH) and *err_line (the line at
 * fault; 0: the whole file), or STAFET_ENOMEM. Either way call
 * cpr_file_close() afterwards. data must outlive f.
 */
int cpr_file_open(cpr_file_t *f, const char *data, size_t len, cpr_error_t *err,
                  unsigned long *err_line);

/* Frees what cpr_file_open() allocated (not data). */
void cpr_file_close(cpr_file_t *f);

/* Line `line` (1-based, 1..n_lines): *s points into data, *n its length. */
void cpr_file_line(const cpr_file_t *f, unsigned long line, const char **s, size_t *n);

#endif
