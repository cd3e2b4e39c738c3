/*
 * adapter.h — the state of the cpr adapter plugin, shared by plugin.c (the
 * ABI callbacks: settings, cpr.person.get) and job.c (reading spool files).
 *
 * Settings ([plugin cpr] section of the host config; docs/cpr-format.md):
 *   spool_dir          where CPR change files arrive (required)
 *   data_dir           where the register lives: <data_dir>/cpr.sqlite (required)
 *   batch_records      records handled per tick (default 500), so that a big
 *                      file does not keep requests waiting
 *   max_file_mb        larger files are rejected whole (default 256)
 *   protected_details  withhold (default) or include: whether cpr.person.get
 *                      answers show name and address of protected persons
 */
#ifndef STAFET_CPR_ADAPTER_H
#define STAFET_CPR_ADAPTER_H

#include "filejob.h"
#include "spool.h"
#include "store.h"

#include "stafet_adapter.h"

#define CPR_SERVICE_PERSON_GET "cpr.person.get"

typedef struct cpr_adapter {
  const stafet_host_api_t *api;
  stafet_host_t *host;
  spool_t spool;
  cpr_store_t *store;
  int withhold_protected;
  filejob_runner_t runner; /* reads the spool (job.c supplies the format) */
} cpr_adapter_t;

/* The CPR change file format for the spool runner (filejob.h). */
extern const filejob_ops_t cpr_file_ops;

#endif
