/*
 * store.h — the cpr adapter's own register of persons, in SQLite, so that it
 * can answer cpr.person.get after a restart without re-reading every file.
 *
 * Why SQLite: one file under the data dir, transactions (a batch of records
 * is applied all or nothing), a crash-safe journal (WAL, synchronous=FULL),
 * and a well-kept Debian library (libsqlite3) instead of a file format of our
 * own. One row per person holds the state after the last record applied;
 * applying a record again (a file processed again after a crash) gives the
 * same row, so replays are harmless.
 *
 * All strings are UTF-8; CPR numbers are stored as ten digits.
 */
#ifndef STAFET_CPR_STORE_H
#define STAFET_CPR_STORE_H

#include "record.h"
#include "spool.h"

typedef struct cpr_store cpr_store_t;

/* What the register knows about one person. */
typedef struct cpr_person {
  char cpr[11]; /* ten digits */
  cpr_name_t name;
  sdate_t birth_date;
  cpr_address_t address;
  char kommunekode[5];
  char civil_status; /* cpr_civil_status_t, 0 if never reported */
  char spouse_cpr[11];
  sdate_t civil_status_date;
  int protected_; /* name and address protection on */
  sdate_t protected_from, protected_to;
  char status[12]; /* "active", "emigrated" or "deceased" */
  sdate_t status_date;
  char country[3]; /* emigrated to */
  char source_file[SPOOL_NAME_MAX];
  unsigned long source_line; /* the record that changed it last */
} cpr_person_t;

/* Opens (creating if needed) the database at path. *out is the caller's, to
 * be closed with cpr_store_close(). STAFET_EIO with a reason logged nowhere:
 * the caller reports it. */
int cpr_store_open(cpr_store_t **out, const char *path);
void cpr_store_close(cpr_store_t *s);

/* A transaction around a batch of records. */
int cpr_store_begin(cpr_store_t *s);
int cpr_store_commit(cpr_store_t *s);
void cpr_store_rollback(cpr_store_t *s);

/* Applies a data record (types 001-007) from line `line` of file `file`.
 * STAFET_EINVAL for control records, STAFET_EIO on a database error. */
int cpr_store_apply(cpr_store_t *s, const cpr_record_t *rec, const char *file, unsigned long line);

/* Looks a person up by ten digits: 0, STAFET_ENOTFOUND or STAFET_EIO. */
int cpr_store_get(cpr_store_t *s, const char *cpr10, cpr_person_t *out);

/* *on = 1 if the person has name and address protection (0 if unknown). */
int cpr_store_protected(cpr_store_t *s, const char *cpr10, int *on);

/* The last SQLite error message (for logs), never NULL. */
const char *cpr_store_error(const cpr_store_t *s);

#endif
