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

#include "cprfile.h"
#include "rejects.h"
#include "spool.h"
#include "store.h"

#include "stafet_adapter.h"

#define CPR_SERVICE_PERSON_GET "cpr.person.get"

/* One claimed file, processed over as many ticks as it takes. */
typedef struct cpr_job {
  char name[SPOOL_NAME_MAX];
  char *data; /* owned: the whole file */
  size_t len;
  cpr_file_t file;
  uint64_t digest;    /* identity of name + content, for message ids */
  unsigned long next; /* next line to handle (2 .. n_lines-1) */
  rejects_t rejects;
  unsigned long published, rejected;
} cpr_job_t;

typedef struct cpr_adapter {
  const stafet_host_api_t *api;
  stafet_host_t *host;
  spool_t spool;
  cpr_store_t *store;
  unsigned batch_records;
  size_t max_file_bytes;
  int withhold_protected;
  cpr_job_t *job; /* NULL while no file is claimed */
} cpr_adapter_t;

/* One tick of spool work: claims a file if none is in hand, handles up to
 * batch_records of its records, and finishes it when all are handled. */
void cpr_job_tick(cpr_adapter_t *a);

/* At stop: commits what is done and forgets the file in hand, which stays in
 * work/ and is read again from the start by the next run (the hub drops the
 * events it has already; message ids are deterministic). */
void cpr_job_abandon(cpr_adapter_t *a);

#endif
