/*
 * case_store.h — the case adapter's own store (SQLite, one file under the
 * adapter's data dir): the cases it has seen in ESDH events and their
 * parties, so that it answers case.list.get ("which cases does this citizen
 * have?") without asking the ESDH, and so that a document event, which
 * carries only the case id, gets its case's KLE number and department as
 * attributes. Fed only by events that were published; a cache that a
 * re-post or replay of the ESDH's events rebuilds.
 *
 * Calls are synchronous (a local file, WAL mode): short enough for the
 * plugin thread.
 */
#ifndef STAFET_CASE_STORE_H
#define STAFET_CASE_STORE_H

#include "case_event.h"

#include <stddef.h>
#include <stdint.h>

typedef struct case_store case_store_t;

/* What the store knows of one case (case_store_lookup). */
typedef struct case_info {
  char kle[16];
  char department[65];
  char case_type[65];
  int personal; /* a party has a CPR number */
} case_info_t;

/* Opens (creating if needed) the store at path (":memory:" for tests).
 * *out is owned by the caller (case_store_close). Returns 0 or STAFET_EIO. */
int case_store_open(case_store_t **out, const char *path);
void case_store_close(case_store_t *s);

/* Applies one validated event (upsert of the case, its parties replaced when
 * the event lists any). Returns 0 or STAFET_EIO. */
int case_store_apply(case_store_t *s, const case_event_t *ev, int64_t now_ms);

/* Looks a case up. Returns 0, STAFET_ENOTFOUND or STAFET_EIO. */
int case_store_lookup(case_store_t *s, const char *system, const char *case_id, case_info_t *out);

/* The answer to case.list.get for a normalised CPR number:
 * {"cpr": ..., "cases": [{system, case_id, tenant, kle, department, case_type,
 * title, status, outcome, opened_at_ms, updated_at_ms}...], "truncated": bool},
 * newest first, at most max cases. *json is malloc'ed, owned by the caller.
 * Returns 0, STAFET_ENOMEM or STAFET_EIO. */
int case_store_list_json(case_store_t *s, const char *cpr, size_t max, char **json);

#endif
