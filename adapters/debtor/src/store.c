/*
 * store.c — the debtor adapter's SQLite store (see store.h). Every statement
 * is prepared once, at open, from the table below.
 */
#include "store.h"

#include "stafet.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS claim ("
    " claim_id TEXT PRIMARY KEY, cpr TEXT NOT NULL DEFAULT '', cvr TEXT NOT NULL DEFAULT '',"
    " claim_type INTEGER NOT NULL DEFAULT 0, amount_oere INTEGER NOT NULL DEFAULT 0,"
    " due_date TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',"
    " status TEXT NOT NULL DEFAULT 'open', remaining_oere INTEGER,"
    " status_date TEXT NOT NULL DEFAULT '', close_reason INTEGER NOT NULL DEFAULT 0,"
    " source TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS claim_cpr ON claim(cpr);"
    "CREATE INDEX IF NOT EXISTS claim_cvr ON claim(cvr);"
    "CREATE TABLE IF NOT EXISTS payment ("
    " source TEXT PRIMARY KEY, claim_id TEXT NOT NULL, amount_oere INTEGER NOT NULL,"
    " paid_date TEXT NOT NULL, channel INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS payment_claim ON payment(claim_id);"
    "CREATE TABLE IF NOT EXISTS agreement ("
    " agreement_id TEXT PRIMARY KEY, cpr TEXT NOT NULL, cvr TEXT NOT NULL,"
    " claim_ids TEXT NOT NULL, first_due TEXT NOT NULL, n_instalments INTEGER NOT NULL,"
    " instalment_oere INTEGER NOT NULL, source TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS estate (cpr TEXT PRIMARY KEY, date TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS instruction ("
    " message_id TEXT PRIMARY KEY, kind TEXT NOT NULL, cpr TEXT NOT NULL, file TEXT NOT NULL,"
    " written_at INTEGER NOT NULL);";

typedef enum {
  S_CLAIM,
  S_PAYMENT,
  S_AGREEMENT,
  S_TRANSFER,
  S_CLOSURE,
  S_SUM_CLAIMS,
  S_SUM_AGREEMENTS,
  S_ESTATE_GET,
  S_ESTATE_PUT,
  S_IS_DEBTOR,
  S_INSTR_GET,
  S_INSTR_PUT,
  S_COUNT
} stmt_t;

/* The export statements all take ?1 id, ?2 cpr, ?3 cvr, ?4 source (the event's
 * message id), then their own values from ?5 on (bind_rest). */
static const char *const statements[S_COUNT] = {
    [S_CLAIM] = "INSERT INTO claim(claim_id,cpr,cvr,source,claim_type,amount_oere,due_date,"
                "description) VALUES(?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(claim_id) DO UPDATE SET "
                "cpr=?2,cvr=?3,source=?4,claim_type=?5,amount_oere=?6,due_date=?7,description=?8",
    [S_PAYMENT] = "INSERT OR IGNORE INTO payment(claim_id,source,amount_oere,paid_date,channel) "
                  "VALUES(?1,?4,?5,?6,?7)",
    [S_AGREEMENT] = "INSERT INTO agreement(agreement_id,cpr,cvr,claim_ids,first_due,"
                    "n_instalments,instalment_oere,source) VALUES(?1,?2,?3,?5,?6,?7,?8,?4) "
                    "ON CONFLICT(agreement_id) DO UPDATE SET cpr=?2,cvr=?3,claim_ids=?5,"
                    "first_due=?6,n_instalments=?7,instalment_oere=?8,source=?4",
    [S_TRANSFER] = "INSERT INTO claim(claim_id,cpr,cvr,source,amount_oere,remaining_oere,"
                   "status_date,status) VALUES(?1,?2,?3,?4,?5,?5,?6,'transferred') "
                   "ON CONFLICT(claim_id) DO UPDATE SET remaining_oere=?5,status_date=?6,"
                   "status=CASE WHEN status='closed' THEN 'closed' ELSE 'transferred' END",
    [S_CLOSURE] = "INSERT INTO claim(claim_id,cpr,cvr,source,close_reason,status_date,status) "
                  "VALUES(?1,?2,?3,?4,?5,?6,'closed') ON CONFLICT(claim_id) DO UPDATE SET "
                  "close_reason=?5,status_date=?6,status='closed'",
    [S_SUM_CLAIMS] =
        "SELECT claim_id,claim_type,amount_oere,due_date,status,remaining_oere,"
        "(SELECT COALESCE(SUM(p.amount_oere),0) FROM payment p WHERE p.claim_id=c.claim_id) "
        "FROM claim c WHERE ((?1<>'' AND cpr=?1) OR (?2<>'' AND cvr=?2)) AND status<>'closed' "
        "ORDER BY due_date,claim_id",
    [S_SUM_AGREEMENTS] = "SELECT agreement_id,claim_ids,first_due,n_instalments,instalment_oere "
                         "FROM agreement WHERE (?1<>'' AND cpr=?1) OR (?2<>'' AND cvr=?2) "
                         "ORDER BY agreement_id",
    [S_ESTATE_GET] = "SELECT date FROM estate WHERE cpr=?1",
    [S_ESTATE_PUT] = "INSERT OR REPLACE INTO estate(cpr,date) VALUES(?1,?2)",
    [S_IS_DEBTOR] = "SELECT 1 FROM claim WHERE cpr=?1 LIMIT 1",
    [S_INSTR_GET] = "SELECT 1 FROM instruction WHERE message_id=?1",
    [S_INSTR_PUT] = "INSERT OR REPLACE INTO instruction(message_id,kind,cpr,file,written_at) "
                    "VALUES(?1,?2,?3,?4,?5)",
};

struct debt_store {
  sqlite3 *db;
  sqlite3_stmt *st[S_COUNT];
};

int debt_store_open(debt_store_t **out, const char *path) {
  debt_store_t *s = calloc(1, sizeof *s);
  if (s == NULL)
    return STAFET_ENOMEM;
  if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
          SQLITE_OK ||
      sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK ||
      sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK)
    goto fail;
  for (int i = 0; i < S_COUNT; i++)
    if (sqlite3_prepare_v2(s->db, statements[i], -1, &s->st[i], NULL) != SQLITE_OK)
      goto fail;
  *out = s;
  return 0;
fail:
  debt_store_close(s);
  return STAFET_EIO;
}

void debt_store_close(debt_store_t *s) {
  if (s == NULL)
    return;
  for (int i = 0; i < S_COUNT; i++)
    sqlite3_finalize(s->st[i]);
  sqlite3_close(s->db);
  free(s);
}

static int exec(debt_store_t *s, const char *sql) {
  return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : STAFET_EIO;
}

int debt_store_begin(debt_store_t *s) {
  return exec(s, "BEGIN IMMEDIATE");
}

int debt_store_commit(debt_store_t *s) {
  return exec(s, "COMMIT");
}

void debt_store_rollback(debt_store_t *s) {
  if (!sqlite3_get_autocommit(s->db))
    exec(s, "ROLLBACK");
}

/* A statement, reset and ready to bind. */
static sqlite3_stmt *stmt(debt_store_t *s, stmt_t which) {
  sqlite3_reset(s->st[which]);
  sqlite3_clear_bindings(s->st[which]);
  return s->st[which];
}

static void text(sqlite3_stmt *st, int i, const char *v) {
  sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static void date(sqlite3_stmt *st, int i, sdate_t d) {
  char iso[11];
  sdate_iso(d, iso);
  text(st, i, iso);
}

/* Runs a statement that returns no rows. */
static int run(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : STAFET_EIO;
}

static void join_claim_ids(const debt_row_t *row, char *out, size_t cap) {
  size_t w = 0;
  out[0] = '\0';
  for (size_t i = 0; i < row->n_claim_ids && w < cap; i++)
    w += (size_t)snprintf(out + w, cap - w, "%s%s", i ? "," : "", row->claim_ids[i]);
}

/* Binds the kind's own parameters from ?5 on. */
static void bind_rest(sqlite3_stmt *st, const debt_row_t *row) {
  char ids[DEBT_MAX_CLAIM_IDS * (DEBT_ID_MAX + 1)];
  switch (row->kind) {
  case DEBT_CLAIMS:
    sqlite3_bind_int(st, 5, row->claim_type);
    sqlite3_bind_int64(st, 6, row->amount_oere);
    date(st, 7, row->date);
    text(st, 8, row->text);
    return;
  case DEBT_PAYMENTS:
    sqlite3_bind_int64(st, 5, row->amount_oere);
    date(st, 6, row->date);
    sqlite3_bind_int(st, 7, row->channel);
    return;
  case DEBT_AGREEMENTS:
    join_claim_ids(row, ids, sizeof ids);
    text(st, 5, ids);
    date(st, 6, row->date);
    sqlite3_bind_int(st, 7, (int)row->n_instalments);
    sqlite3_bind_int64(st, 8, row->amount_oere);
    return;
  case DEBT_TRANSFERS:
    sqlite3_bind_int64(st, 5, row->amount_oere);
    date(st, 6, row->date);
    return;
  case DEBT_CLOSURES:
    sqlite3_bind_int(st, 5, row->close_reason);
    date(st, 6, row->date);
    return;
  case DEBT_KINDS: return;
  }
}

int debt_store_apply(debt_store_t *s, const debt_row_t *row, const char *source) {
  static const stmt_t by_kind[DEBT_KINDS] = {S_CLAIM, S_PAYMENT, S_AGREEMENT, S_TRANSFER,
                                             S_CLOSURE};
  if (row->kind >= DEBT_KINDS)
    return STAFET_EINVAL;
  sqlite3_stmt *st = stmt(s, by_kind[row->kind]);
  text(st, 1, row->id);
  text(st, 2, row->debtor.cpr);
  text(st, 3, row->debtor.cvr);
  text(st, 4, source);
  bind_rest(st, row);
  return run(st);
}

static sdate_t column_date(sqlite3_stmt *st, int i) {
  sdate_t d = {0, 0, 0};
  const unsigned char *v = sqlite3_column_text(st, i);
  if (v == NULL || sscanf((const char *)v, "%4u-%2u-%2u", &d.year, &d.month, &d.day) != 3)
    memset(&d, 0, sizeof d);
  return d;
}

static void column_text(sqlite3_stmt *st, int i, char *out, size_t cap) {
  const unsigned char *v = sqlite3_column_text(st, i);
  snprintf(out, cap, "%s", v ? (const char *)v : "");
}

static void read_claim(sqlite3_stmt *st, debt_claim_view_t *c) {
  memset(c, 0, sizeof *c);
  column_text(st, 0, c->claim_id, sizeof c->claim_id);
  c->claim_type = sqlite3_column_int(st, 1);
  c->amount_oere = sqlite3_column_int64(st, 2);
  c->due_date = column_date(st, 3);
  c->transferred = strcmp((const char *)sqlite3_column_text(st, 4), "transferred") == 0;
  c->paid_oere = sqlite3_column_int64(st, 6);
  c->owed_oere = c->transferred ? sqlite3_column_int64(st, 5) : c->amount_oere - c->paid_oere;
}

static void read_agreement(sqlite3_stmt *st, debt_agreement_view_t *a) {
  memset(a, 0, sizeof *a);
  column_text(st, 0, a->agreement_id, sizeof a->agreement_id);
  column_text(st, 1, a->claim_ids, sizeof a->claim_ids);
  a->first_due = column_date(st, 2);
  a->n_instalments = (unsigned)sqlite3_column_int(st, 3);
  a->instalment_oere = sqlite3_column_int64(st, 4);
}

/* Runs a SELECT for a debtor and collects its rows into a growing array of
 * elem_size elements with read(). */
static int collect(sqlite3_stmt *st, size_t elem_size, void **items, size_t *n,
                   void (*read)(sqlite3_stmt *, void *)) {
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (*n == cap) {
      cap = cap ? 2 * cap : 8;
      void *grown = realloc(*items, cap * elem_size);
      if (grown == NULL) {
        sqlite3_reset(st);
        return STAFET_ENOMEM;
      }
      *items = grown;
    }
    read(st, (char *)*items + *n * elem_size);
    (*n)++;
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : STAFET_EIO;
}

static void read_claim_any(sqlite3_stmt *st, void *out) {
  read_claim(st, out);
}

static void read_agreement_any(sqlite3_stmt *st, void *out) {
  read_agreement(st, out);
}

static int estate_date(debt_store_t *s, const char *cpr, sdate_t *out) {
  sqlite3_stmt *st = stmt(s, S_ESTATE_GET);
  text(st, 1, cpr);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *out = column_date(st, 0);
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : STAFET_EIO;
}

int debt_store_summary(debt_store_t *s, const debt_party_t *debtor, debt_summary_t *out) {
  memset(out, 0, sizeof *out);
  sqlite3_stmt *st = stmt(s, S_SUM_CLAIMS);
  text(st, 1, debtor->cpr);
  text(st, 2, debtor->cvr);
  int rc = collect(st, sizeof *out->claims, (void **)&out->claims, &out->n_claims, read_claim_any);
  if (rc == 0) {
    st = stmt(s, S_SUM_AGREEMENTS);
    text(st, 1, debtor->cpr);
    text(st, 2, debtor->cvr);
    rc = collect(st, sizeof *out->agreements, (void **)&out->agreements, &out->n_agreements,
                 read_agreement_any);
  }
  if (rc == 0 && debtor->cpr[0] != '\0')
    rc = estate_date(s, debtor->cpr, &out->estate_date);
  for (size_t i = 0; i < out->n_claims; i++)
    out->total_owed_oere += out->claims[i].owed_oere;
  if (rc < 0)
    debt_summary_free(out);
  return rc;
}

void debt_summary_free(debt_summary_t *sum) {
  free(sum->claims);
  free(sum->agreements);
  memset(sum, 0, sizeof *sum);
}

/* Runs a "SELECT 1 ... WHERE x=?1" and sets *found. */
static int exists(debt_store_t *s, stmt_t which, const char *key, int *found) {
  sqlite3_stmt *st = stmt(s, which);
  text(st, 1, key);
  int rc = sqlite3_step(st);
  *found = rc == SQLITE_ROW;
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : STAFET_EIO;
}

int debt_store_is_debtor(debt_store_t *s, const char *cpr, int *known) {
  return exists(s, S_IS_DEBTOR, cpr, known);
}

int debt_store_instruction_written(debt_store_t *s, const char *message_id, int *done) {
  return exists(s, S_INSTR_GET, message_id, done);
}

int debt_store_instruction_record(debt_store_t *s, const char *message_id, const char *kind,
                                  const char *cpr, const char *file) {
  sqlite3_stmt *st = stmt(s, S_INSTR_PUT);
  text(st, 1, message_id);
  text(st, 2, kind);
  text(st, 3, cpr);
  text(st, 4, file);
  sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
  return run(st);
}

int debt_store_estate_record(debt_store_t *s, const char *cpr, sdate_t d) {
  sqlite3_stmt *st = stmt(s, S_ESTATE_PUT);
  text(st, 1, cpr);
  date(st, 2, d);
  return run(st);
}
