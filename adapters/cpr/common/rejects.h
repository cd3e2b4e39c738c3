/*
 * rejects.h — what a file-reading adapter could not use, written next to the
 * file in the spool's rejected/ directory, so that nothing is dropped.
 *
 * Records that fail go to rejected/<file>.rejects while the rest of the file
 * is processed; one line per record, after a header line:
 *
 *   # line;reason;detail;record
 *   7;BAD_DATE;event date 20240231 is not a calendar date;002010190...
 *
 * `line` is the record's line number in the file (1 = first line), `reason`
 * a stable code (docs/cpr-format.md, docs/debtor-csv.md), `detail` a text
 * for people (never containing ';'), `record` the line exactly as it was
 * (it is the last field, so a ';' in it needs no quoting).
 *
 * A file rejected whole is moved to rejected/<file> with rejected/<file>.reason
 * holding one such line without the record: "0;EMPTY_FILE;the file is empty".
 *
 * The list is written to rejected/.<file>.rejects.tmp while the file is
 * processed and moved into place (fsync, rename, never replacing an older
 * list) when it is done, so a crash leaves no half list behind.
 */
#ifndef STAFET_REJECTS_H
#define STAFET_REJECTS_H

#include "spool.h"

#include <stdio.h>

typedef struct rejects {
  FILE *f; /* NULL until the first rejected record */
  char dir[SPOOL_PATH_MAX];
  char tmp[SPOOL_PATH_MAX];
  char file_name[SPOOL_NAME_MAX];
  unsigned long count;
} rejects_t;

/* Starts the list for file_name in dir (removing a stale temp list of an
 * earlier, interrupted run). No file is made until a record is added. */
int rejects_open(rejects_t *r, const char *dir, const char *file_name);

/* Adds a record: line number, stable reason code, detail (';' and control
 * characters in it are replaced), and the raw record (raw_len bytes). */
int rejects_add(rejects_t *r, unsigned long line, const char *code, const char *detail,
                const char *raw, size_t raw_len);

/* Moves the list into place (nothing if no record was added); list_name
 * (SPOOL_NAME_MAX bytes, may be NULL) receives its final name, "" if none. */
int rejects_close(rejects_t *r, char *list_name);

/* Forgets the list and removes its temp file (the file will be read again). */
void rejects_discard(rejects_t *r);

/* Writes dir/<file_name>.reason for a file rejected whole (durably). */
int rejects_write_reason(const char *dir, const char *file_name, unsigned long line,
                         const char *code, const char *detail);

#endif
