/*
 * store.c — the person register in SQLite (see store.h for why).
 *
 * Each data record type updates a fixed set of columns; the statement for a
 * type is an upsert built at open time from that set, and one binder knows
 * how to take any column's value from a record. Adding a field is one enum
 * value, one column and one case.
 */
#include "store.h"

#include "stafet.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
  C_FIRST_NAMES,
  C_LAST_NAME,
  C_BIRTH_DATE,
  C_STREET,
  C_HOUSE_NUMBER,
  C_FLOOR,
  C_DOOR,
  C_POSTCODE,
  C_CITY,
  C_KOMMUNEKODE,
  C_CIVIL_STATUS,
  C_SPOUSE_CPR,
  C_CIVIL_STATUS_DATE,
  C_PROTECTED,
  C_PROTECTED_FROM,
  C_PROTECTED_TO,
  C_STATUS,
  C_STATUS_DATE,
  C_COUNTRY,
  C_COUNT
} column_t;

static const char *const column_names[C_COUNT] = {
    "first_names",  "last_name",  "birth_date",        "street",    "house_number",
    "floor",        "door",       "postcode",          "city",      "kommunekode",
    "civil_status", "spouse_cpr", "civil_status_date", "protected", "protected_from",
    "protected_to", "status",     "status_date",       "country",
};

#define END_COLS     C_COUNT
#define ADDRESS_COLS C_STREET, C_HOUSE_NUMBER, C_FLOOR, C_DOOR, C_POSTCODE, C_CITY

/* The columns each data record type sets (kommunekode: every type, as the
 * record's prefix carries the person's municipality after the change). */
static const column_t registered_cols[] = {C_FIRST_NAMES, C_LAST_NAME,   C_BIRTH_DATE,
                                           ADDRESS_COLS,  C_KOMMUNEKODE, C_STATUS,
                                           C_STATUS_DATE, C_COUNTRY,     END_COLS};
static const column_t relocated_cols[] = {ADDRESS_COLS, C_KOMMUNEKODE, END_COLS};
static const column_t name_cols[] = {C_FIRST_NAMES, C_LAST_NAME, C_KOMMUNEKODE, END_COLS};
static const column_t civil_cols[] = {C_CIVIL_STATUS, C_SPOUSE_CPR, C_CIVIL_STATUS_DATE,
                                      C_KOMMUNEKODE, END_COLS};
static const column_t protection_cols[] = {C_PROTECTED, C_PROTECTED_FROM, C_PROTECTED_TO,
                                           C_KOMMUNEKODE, END_COLS};
static const column_t emigrated_cols[] = {C_STATUS, C_STATUS_DATE, C_COUNTRY, C_KOMMUNEKODE,
                                          END_COLS};
static const column_t deceased_cols[] = {C_STATUS, C_STATUS_DATE, C_KOMMUNEKODE, END_COLS};

#define N_TYPES 7 /* data record types 001..007 */
static const column_t *const type_cols[N_TYPES] = {
    registered_cols, relocated_cols, name_cols,     civil_cols,
    protection_cols, emigrated_cols, deceased_cols,
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS person ("
    " cpr TEXT PRIMARY KEY,"
    " first_names TEXT NOT NULL DEFAULT '', last_name TEXT NOT NULL DEFAULT '',"
    " birth_date TEXT NOT NULL DEFAULT '',"
    " street TEXT NOT NULL DEFAULT '', house_number TEXT NOT NULL DEFAULT '',"
    " floor TEXT NOT NULL DEFAULT '', door TEXT NOT NULL DEFAULT '',"
    " postcode TEXT NOT NULL DEFAULT '', city TEXT NOT NULL DEFAULT '',"
    " kommunekode TEXT NOT NULL DEFAULT '',"
    " civil_status TEXT NOT NULL DEFAULT '', spouse_cpr TEXT NOT NULL DEFAULT '',"
    " civil_status_date TEXT NOT NULL DEFAULT '',"
    " protected INTEGER NOT NULL DEFAULT 0,"
    " protected_from TEXT NOT NULL DEFAULT '', protected_to TEXT NOT NULL DEFAULT '',"
    " status TEXT NOT NULL DEFAULT 'active', status_date TEXT NOT NULL DEFAULT '',"
    " country TEXT NOT NULL DEFAULT '',"
    " source_file TEXT NOT NULL DEFAULT '', source_line INTEGER NOT NULL DEFAULT 0"
    ") WITHOUT ROWID;";

struct cpr_store {
  sqlite3 *db;
  sqlite3_stmt *apply[N_TYPES];
  sqlite3_stmt *get;
  sqlite3_stmt *is_protected;
};

const char *cpr_store_error(const cpr_store_t *s) {
  return s && s->db ? sqlite3_errmsg(s->db) : "no database";
}

/* A bounded string builder for the statements: once full, stays full. */
typedef struct sqlbuf {
  char *s;
  size_t cap, len;
  int overflow;
} sqlbuf_t;

static void add(sqlbuf_t *b, const char *a, const char *c) {
  int n = snprintf(b->s + b->len, b->cap - b->len, "%s%s", a, c ? c : "");
  if (n < 0 || (size_t)n >= b->cap - b->len)
    b->overflow = 1;
  else
    b->len += (size_t)n;
}

/* "INSERT INTO person(cpr,c1..,source_file,source_line) VALUES(?..)
 *  ON CONFLICT(cpr) DO UPDATE SET c1=excluded.c1, ..." */
static int build_upsert(const column_t *cols, char *sql, size_t cap) {
  sqlbuf_t b = {sql, cap, 0, 0};
  size_t n = 0;
  add(&b, "INSERT INTO person(cpr", NULL);
  for (; cols[n] != END_COLS; n++)
    add(&b, ",", column_names[cols[n]]);
  add(&b, ",source_file,source_line) VALUES(?", NULL);
  for (size_t i = 0; i < n + 2; i++)
    add(&b, ",?", NULL);
  add(&b, ") ON CONFLICT(cpr) DO UPDATE SET ", NULL);
  for (size_t i = 0; i < n; i++) {
    add(&b, column_names[cols[i]], "=excluded.");
    add(&b, column_names[cols[i]], ",");
  }
  add(&b, "source_file=excluded.source_file,source_line=excluded.source_line", NULL);
  return b.overflow ? STAFET_EINVAL : 0;
}

/* "SELECT cpr,<every column in column_t order>,source_file,source_line ..." */
static int build_select(char *sql, size_t cap) {
  sqlbuf_t b = {sql, cap, 0, 0};
  add(&b, "SELECT cpr", NULL);
  for (int c = 0; c < C_COUNT; c++)
    add(&b, ",", column_names[c]);
  add(&b, ",source_file,source_line FROM person WHERE cpr=?", NULL);
  return b.overflow ? STAFET_EINVAL : 0;
}

static int prepare(cpr_store_t *s, const char *sql, sqlite3_stmt **stmt) {
  return sqlite3_prepare_v2(s->db, sql, -1, stmt, NULL) == SQLITE_OK ? 0 : STAFET_EIO;
}

static int prepare_all(cpr_store_t *s) {
  char sql[2048];
  for (int t = 0; t < N_TYPES; t++)
    if (build_upsert(type_cols[t], sql, sizeof sql) < 0 || prepare(s, sql, &s->apply[t]) < 0)
      return STAFET_EIO;
  if (build_select(sql, sizeof sql) < 0 || prepare(s, sql, &s->get) < 0 ||
      prepare(s, "SELECT protected FROM person WHERE cpr=?", &s->is_protected) < 0)
    return STAFET_EIO;
  return 0;
}

int cpr_store_open(cpr_store_t **out, const char *path) {
  cpr_store_t *s = calloc(1, sizeof *s);
  if (s == NULL)
    return STAFET_ENOMEM;
  int rc = STAFET_EIO;
  if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    goto out;
  sqlite3_busy_timeout(s->db, 5000);
  if (sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK || prepare_all(s) < 0)
    goto out;
  *out = s;
  return 0;
out:
  cpr_store_close(s);
  return rc;
}

void cpr_store_close(cpr_store_t *s) {
  if (s == NULL)
    return;
  for (int t = 0; t < N_TYPES; t++)
    sqlite3_finalize(s->apply[t]);
  sqlite3_finalize(s->get);
  sqlite3_finalize(s->is_protected);
  sqlite3_close(s->db);
  free(s);
}

static int exec(cpr_store_t *s, const char *sql) {
  return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : STAFET_EIO;
}

int cpr_store_begin(cpr_store_t *s) {
  return exec(s, "BEGIN IMMEDIATE");
}

int cpr_store_commit(cpr_store_t *s) {
  return exec(s, "COMMIT");
}

void cpr_store_rollback(cpr_store_t *s) {
  if (!sqlite3_get_autocommit(s->db))
    exec(s, "ROLLBACK");
}

static int bind_text(sqlite3_stmt *st, int i, const char *v) {
  return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static int bind_date(sqlite3_stmt *st, int i, sdate_t d) {
  char iso[11];
  sdate_iso(d, iso);
  return bind_text(st, i, iso);
}

static const char *status_of(cpr_record_type_t type) {
  return type == CPR_REC_DECEASED ? "deceased" : type == CPR_REC_EMIGRATED ? "emigrated" : "active";
}

/* Binds the value column c takes from rec at parameter i. */
static int bind_column(sqlite3_stmt *st, int i, column_t c, const cpr_record_t *rec) {
  const cpr_address_t *a = &rec->address;
  char code[2] = {rec->civil_status, '\0'};
  switch (c) {
  case C_FIRST_NAMES: return bind_text(st, i, rec->name.first_names);
  case C_LAST_NAME: return bind_text(st, i, rec->name.last_name);
  case C_BIRTH_DATE: return bind_date(st, i, rec->birth_date);
  case C_STREET: return bind_text(st, i, a->street);
  case C_HOUSE_NUMBER: return bind_text(st, i, a->house_number);
  case C_FLOOR: return bind_text(st, i, a->floor);
  case C_DOOR: return bind_text(st, i, a->door);
  case C_POSTCODE: return bind_text(st, i, a->postcode);
  case C_CITY: return bind_text(st, i, a->city);
  case C_KOMMUNEKODE: return bind_text(st, i, rec->kommunekode);
  case C_CIVIL_STATUS: return bind_text(st, i, code);
  case C_SPOUSE_CPR: return bind_text(st, i, rec->spouse_cpr);
  case C_CIVIL_STATUS_DATE: return bind_date(st, i, rec->date);
  case C_PROTECTED: return sqlite3_bind_int(st, i, rec->protection_on);
  case C_PROTECTED_FROM: return bind_date(st, i, rec->date);
  case C_PROTECTED_TO: return bind_date(st, i, rec->protection_to);
  case C_STATUS: return bind_text(st, i, status_of(rec->type));
  case C_STATUS_DATE: return bind_date(st, i, rec->date);
  case C_COUNTRY: return bind_text(st, i, rec->country);
  case C_COUNT: break;
  }
  return SQLITE_MISUSE;
}

int cpr_store_apply(cpr_store_t *s, const cpr_record_t *rec, const char *file, unsigned long line) {
  if (rec->type < CPR_REC_REGISTERED || rec->type > CPR_REC_DECEASED)
    return STAFET_EINVAL;
  int t = (int)rec->type - 1;
  sqlite3_stmt *st = s->apply[t];
  sqlite3_reset(st);
  int i = 1, rc = bind_text(st, i++, rec->cpr);
  for (const column_t *c = type_cols[t]; rc == SQLITE_OK && *c != END_COLS; c++)
    rc = bind_column(st, i++, *c, rec);
  if (rc == SQLITE_OK)
    rc = bind_text(st, i++, file);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(st, i, (sqlite3_int64)line);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : STAFET_EIO;
}

/* Copies column i of the current row as text into dst (cap bytes). */
static void column_text(sqlite3_stmt *st, int i, char *dst, size_t cap) {
  const unsigned char *v = sqlite3_column_text(st, i);
  snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

static sdate_t column_date(sqlite3_stmt *st, int i) {
  sdate_t d = {0, 0, 0};
  const unsigned char *v = sqlite3_column_text(st, i);
  if (v != NULL && sscanf((const char *)v, "%4u-%2u-%2u", &d.year, &d.month, &d.day) != 3)
    memset(&d, 0, sizeof d);
  return d;
}

/* Column c of the SELECT built by build_select: cpr first, then column_t
 * order, then source_file and source_line. */
#define COL(c) ((int)(c) + 1)

static void read_address(sqlite3_stmt *st, cpr_address_t *a) {
  column_text(st, COL(C_STREET), a->street, sizeof a->street);
  column_text(st, COL(C_HOUSE_NUMBER), a->house_number, sizeof a->house_number);
  column_text(st, COL(C_FLOOR), a->floor, sizeof a->floor);
  column_text(st, COL(C_DOOR), a->door, sizeof a->door);
  column_text(st, COL(C_POSTCODE), a->postcode, sizeof a->postcode);
  column_text(st, COL(C_CITY), a->city, sizeof a->city);
}

static void read_person(sqlite3_stmt *st, cpr_person_t *p) {
  memset(p, 0, sizeof *p);
  column_text(st, 0, p->cpr, sizeof p->cpr);
  column_text(st, COL(C_FIRST_NAMES), p->name.first_names, sizeof p->name.first_names);
  column_text(st, COL(C_LAST_NAME), p->name.last_name, sizeof p->name.last_name);
  p->birth_date = column_date(st, COL(C_BIRTH_DATE));
  read_address(st, &p->address);
  column_text(st, COL(C_KOMMUNEKODE), p->kommunekode, sizeof p->kommunekode);
  const unsigned char *code = sqlite3_column_text(st, COL(C_CIVIL_STATUS));
  p->civil_status = code ? (char)code[0] : 0;
  column_text(st, COL(C_SPOUSE_CPR), p->spouse_cpr, sizeof p->spouse_cpr);
  p->civil_status_date = column_date(st, COL(C_CIVIL_STATUS_DATE));
  p->protected_ = sqlite3_column_int(st, COL(C_PROTECTED));
  p->protected_from = column_date(st, COL(C_PROTECTED_FROM));
  p->protected_to = column_date(st, COL(C_PROTECTED_TO));
  column_text(st, COL(C_STATUS), p->status, sizeof p->status);
  p->status_date = column_date(st, COL(C_STATUS_DATE));
  column_text(st, COL(C_COUNTRY), p->country, sizeof p->country);
  column_text(st, COL(C_COUNT), p->source_file, sizeof p->source_file);
  p->source_line = (unsigned long)sqlite3_column_int64(st, COL(C_COUNT) + 1);
}

int cpr_store_get(cpr_store_t *s, const char *cpr10, cpr_person_t *out) {
  sqlite3_stmt *st = s->get;
  sqlite3_reset(st);
  if (bind_text(st, 1, cpr10) != SQLITE_OK)
    return STAFET_EIO;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    read_person(st, out);
  sqlite3_reset(st);
  return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STAFET_ENOTFOUND : STAFET_EIO;
}

int cpr_store_protected(cpr_store_t *s, const char *cpr10, int *on) {
  sqlite3_stmt *st = s->is_protected;
  sqlite3_reset(st);
  if (bind_text(st, 1, cpr10) != SQLITE_OK)
    return STAFET_EIO;
  int rc = sqlite3_step(st);
  *on = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : STAFET_EIO;
}
