/*
 * case_store.c — SQLite store of cases and parties (see case_store.h).
 */
#include "case_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct case_store {
  sqlite3 *db;
};

static const char SCHEMA[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS cases(system TEXT NOT NULL, case_id TEXT NOT NULL,"
    " tenant TEXT, kle TEXT, department TEXT, case_type TEXT, title TEXT,"
    " status INTEGER, outcome TEXT, opened_at_ms INTEGER, updated_at_ms INTEGER,"
    " PRIMARY KEY(system, case_id));"
    "CREATE TABLE IF NOT EXISTS parties(system TEXT NOT NULL, case_id TEXT NOT NULL,"
    " cpr TEXT, cvr TEXT);"
    "CREATE INDEX IF NOT EXISTS parties_cpr ON parties(cpr);"
    "CREATE INDEX IF NOT EXISTS parties_case ON parties(system, case_id);";

static const char UPSERT[] =
    "INSERT INTO cases(system, case_id, tenant, kle, department, case_type, title, status,"
    " outcome, opened_at_ms, updated_at_ms) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"
    " ON CONFLICT(system, case_id) DO UPDATE SET tenant=excluded.tenant,"
    " kle=COALESCE(excluded.kle, kle), department=COALESCE(excluded.department, department),"
    " case_type=COALESCE(excluded.case_type, case_type), title=COALESCE(excluded.title, title),"
    " status=COALESCE(excluded.status, status), outcome=COALESCE(excluded.outcome, outcome),"
    " opened_at_ms=COALESCE(excluded.opened_at_ms, opened_at_ms),"
    " updated_at_ms=excluded.updated_at_ms";

int case_store_open(case_store_t **out, const char *path) {
  case_store_t *s = calloc(1, sizeof *s);
  if (s == NULL)
    return STAFET_ENOMEM;
  if (sqlite3_open(path, &s->db) != SQLITE_OK ||
      sqlite3_exec(s->db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK) {
    sqlite3_close(s->db);
    free(s);
    return STAFET_EIO;
  }
  sqlite3_busy_timeout(s->db, 1000);
  *out = s;
  return 0;
}

void case_store_close(case_store_t *s) {
  if (s == NULL)
    return;
  sqlite3_close(s->db);
  free(s);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v) {
  if (v != NULL)
    sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, i);
}

/* Prepares sql with ?1 = a and ?2 = b bound (b NULL: left for the caller). */
static sqlite3_stmt *prepare2(case_store_t *s, const char *sql, const char *a, const char *b) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return NULL;
  bind_text(st, 1, a);
  if (b != NULL)
    bind_text(st, 2, b);
  return st;
}

static int step_done(sqlite3_stmt *st) {
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : STAFET_EIO;
  sqlite3_finalize(st);
  return rc;
}

static int upsert_case(case_store_t *s, const case_event_t *ev, int64_t now_ms) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, UPSERT, -1, &st, NULL) != SQLITE_OK)
    return STAFET_EIO;
  bind_text(st, 1, ev->system);
  bind_text(st, 2, ev->case_id);
  bind_text(st, 3, ev->tenant);
  bind_text(st, 4, ev->kle);
  bind_text(st, 5, ev->department);
  bind_text(st, 6, ev->case_type);
  bind_text(st, 7, ev->title);
  int status = ev->kind == CASE_EV_STATUS_CHANGED ? ev->new_status : ev->status;
  if (status != 0)
    sqlite3_bind_int(st, 8, status);
  bind_text(st, 9, ev->outcome);
  if (ev->kind == CASE_EV_OPENED)
    sqlite3_bind_int64(st, 10, ev->occurred_at_ms ? ev->occurred_at_ms : now_ms);
  sqlite3_bind_int64(st, 11, now_ms);
  return step_done(st);
}

static int replace_parties(case_store_t *s, const case_event_t *ev) {
  sqlite3_stmt *st =
      prepare2(s, "DELETE FROM parties WHERE system=?1 AND case_id=?2", ev->system, ev->case_id);
  if (st == NULL)
    return STAFET_EIO;
  int rc = step_done(st);
  for (size_t i = 0; rc == 0 && i < ev->n_parties; i++) {
    if (sqlite3_prepare_v2(s->db, "INSERT INTO parties VALUES(?1,?2,?3,?4)", -1, &st, NULL) !=
        SQLITE_OK)
      return STAFET_EIO;
    bind_text(st, 1, ev->system);
    bind_text(st, 2, ev->case_id);
    bind_text(st, 3, ev->parties[i].cpr[0] ? ev->parties[i].cpr : NULL);
    bind_text(st, 4, ev->parties[i].cvr[0] ? ev->parties[i].cvr : NULL);
    rc = step_done(st);
  }
  return rc;
}

static int touch_case(case_store_t *s, const case_event_t *ev, int64_t now_ms) {
  sqlite3_stmt *st = prepare2(s, "UPDATE cases SET updated_at_ms=?3 WHERE system=?1 AND case_id=?2",
                              ev->system, ev->case_id);
  if (st == NULL)
    return STAFET_EIO;
  sqlite3_bind_int64(st, 3, now_ms);
  return step_done(st);
}

int case_store_apply(case_store_t *s, const case_event_t *ev, int64_t now_ms) {
  if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    return STAFET_EIO;
  int rc = ev->kind == CASE_EV_DOCUMENT ? touch_case(s, ev, now_ms) : upsert_case(s, ev, now_ms);
  if (rc == 0 && ev->n_parties > 0)
    rc = replace_parties(s, ev);
  if (sqlite3_exec(s->db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
    rc = STAFET_EIO;
  return rc;
}

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t size) {
  const unsigned char *v = sqlite3_column_text(st, col);
  snprintf(out, size, "%s", v != NULL ? (const char *)v : "");
}

int case_store_lookup(case_store_t *s, const char *system, const char *case_id, case_info_t *out) {
  static const char sql[] =
      "SELECT kle, department, case_type, EXISTS(SELECT 1 FROM parties p WHERE p.system=c.system"
      " AND p.case_id=c.case_id AND p.cpr IS NOT NULL) FROM cases c WHERE system=?1 AND case_id=?2";
  sqlite3_stmt *st = prepare2(s, sql, system, case_id);
  if (st == NULL)
    return STAFET_EIO;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    copy_col(st, 0, out->kle, sizeof out->kle);
    copy_col(st, 1, out->department, sizeof out->department);
    copy_col(st, 2, out->case_type, sizeof out->case_type);
    out->personal = sqlite3_column_int(st, 3);
  }
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STAFET_ENOTFOUND : STAFET_EIO;
}

static json_t *row_json(sqlite3_stmt *st) {
  static const char *const names[] = {"system",     "case_id",   "tenant", "kle",
                                      "department", "case_type", "title"};
  json_t *o = json_object();
  for (int i = 0; o != NULL && i < 7; i++) {
    const unsigned char *v = sqlite3_column_text(st, i);
    json_object_set_new(o, names[i], json_string(v != NULL ? (const char *)v : ""));
  }
  json_object_set_new(o, "status", json_string(case_status_name(sqlite3_column_int(st, 7))));
  const unsigned char *outcome = sqlite3_column_text(st, 8);
  json_object_set_new(o, "outcome", json_string(outcome ? (const char *)outcome : ""));
  json_object_set_new(o, "opened_at_ms", json_integer(sqlite3_column_int64(st, 9)));
  json_object_set_new(o, "updated_at_ms", json_integer(sqlite3_column_int64(st, 10)));
  return o;
}

int case_store_list_json(case_store_t *s, const char *cpr, size_t max, char **json) {
  static const char sql[] =
      "SELECT DISTINCT c.system, c.case_id, c.tenant, c.kle, c.department, c.case_type, c.title,"
      " c.status, c.outcome, c.opened_at_ms, c.updated_at_ms FROM cases c JOIN parties p"
      " ON p.system=c.system AND p.case_id=c.case_id WHERE p.cpr=?1"
      " ORDER BY c.updated_at_ms DESC LIMIT ?2";
  sqlite3_stmt *st = prepare2(s, sql, cpr, NULL);
  if (st == NULL)
    return STAFET_EIO;
  sqlite3_bind_int64(st, 2, (sqlite3_int64)max + 1);
  json_t *cases = json_array();
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW && json_array_size(cases) < max)
    json_array_append_new(cases, row_json(st));
  int truncated = rc == SQLITE_ROW;
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    json_decref(cases);
    return STAFET_EIO;
  }
  json_t *doc = json_pack("{s:s, s:o, s:b}", "cpr", cpr, "cases", cases, "truncated", truncated);
  *json = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
  json_decref(doc);
  return *json != NULL ? 0 : STAFET_ENOMEM;
}
