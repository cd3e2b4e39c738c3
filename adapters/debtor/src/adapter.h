/*
 * adapter.h — the state of the debtor adapter plugin, shared by plugin.c
 * (ABI callbacks, settings, debt.summary.get), job.c (CSV exports from the
 * spool) and consume.c (CPR events into instruction files).
 *
 * Settings ([plugin debtor] section of the host config; docs/debtor-csv.md):
 *   spool_dir           where the debtor system drops its CSV exports (required)
 *   data_dir            <data_dir>/debtor.sqlite (required)
 *   import_dir          where instruction files for the debtor system go (required)
 *   kommunekode         the municipality that owns the debtor system: the
 *                       tenant of every debt.* event (required, four digits)
 *   subscription        durable subscription name (default debtor_cpr_changes)
 *   subscription_filter an attribute filter for it, e.g. tenant=0751 (default none)
 *   known_debtors_only  yes: instructions only for persons with a claim in
 *                       the store; no (default): for every event received
 *   batch_lines         lines handled per tick (default 500)
 *   max_file_mb         larger files are rejected whole (default 256)
 */
#ifndef STAFET_DEBT_ADAPTER_H
#define STAFET_DEBT_ADAPTER_H

#include "filejob.h"
#include "spool.h"
#include "store.h"

#include "stafet_adapter.h"

#define DEBT_SERVICE_SUMMARY_GET "debt.summary.get"
#define DEBT_TOPIC_DECEASED      "cpr.person.deceased"
#define DEBT_TOPIC_RELOCATED     "cpr.person.relocated"

typedef struct debt_adapter {
  const stafet_host_api_t *api;
  stafet_host_t *host;
  spool_t spool;
  debt_store_t *store;
  filejob_runner_t runner;
  char kommunekode[5];
  char import_dir[SPOOL_PATH_MAX];
  const char *subscription; /* borrowed from the host's settings */
  const char *filter;       /* NULL: none */
  int known_debtors_only;
} debt_adapter_t;

/* The CSV export format for the spool runner (filejob.h). */
extern const filejob_ops_t debt_file_ops;

/* Handles a delivery of cpr.person.deceased / cpr.person.relocated: writes
 * the instruction file durably, then acks (see consume.c). */
void debt_consume(debt_adapter_t *a, const stafet_delivery_t *d);

#endif
