/*
 * filejob.h — reading spool files line by line into events, the part the
 * file-reading adapters (cpr, debtor) share. The adapter supplies the format
 * through a small ops table (after nng's transports: the runner does not know
 * the formats by name); the runner does the rest:
 *
 *   claim     the next file is renamed into work/ (spool.h) and read whole
 *   open      ops->open checks what must hold for the whole file (a frame, a
 *             header) and says which lines carry records; if it refuses,
 *             the file goes to rejected/ whole with <file>.reason
 *   lines     ops->line handles one record: publishes its event (through
 *             the host's outbox) or rejects it with filejob_reject() into
 *             rejected/<file>.rejects; at most batch_records per tick, each
 *             batch in one store transaction (ops->begin/commit)
 *   finish    the rejects list is put in place and the file moves to done/
 *
 * A line that cannot be handled now (the host's outbox is full:
 * STAFET_EFULL; the store is busy) is kept and tried again on a later tick:
 * back-pressure, not loss. A file abandoned at stop stays in work/ and is
 * read again from its first record on the next start; message ids from
 * filejob_message_id() depend only on the file's name, bytes and line
 * number, so the hub drops the events it already has.
 *
 * Logs go through the host (api->log); counters are <kind>_files_done,
 * <kind>_files_rejected, <kind>_records_published, <kind>_records_rejected.
 */
#ifndef STAFET_FILEJOB_H
#define STAFET_FILEJOB_H

#include "rejects.h"
#include "spool.h"

#include "stafet_adapter.h"

#include <stdint.h>

/* Why a whole file is refused: stable code, detail, the line at fault (0: all). */
typedef struct filejob_reason {
  const char *code;
  char detail[160];
  unsigned long line;
} filejob_reason_t;

/* One claimed file. */
typedef struct filejob {
  char name[SPOOL_NAME_MAX];
  char *data; /* owned: the whole file, NUL-terminated */
  size_t len;
  uint64_t digest;         /* of name and bytes: message ids */
  unsigned long next;      /* the line ops->line handles now */
  unsigned long last;      /* the last line with a record */
  char correlation_id[65]; /* set by ops->open: events' correlation id */
  void *parsed;            /* the adapter's, freed by ops->close */
  rejects_t rejects;
  unsigned long published, rejected;
} filejob_t;

typedef struct filejob_ops {
  const char *kind; /* "cpr", "debt": message id prefix, counter names */
  /* The file is read: check it as a whole, set job->parsed, job->next (the
   * first record's line), job->last and job->correlation_id. 0, or
   * STAFET_EINVAL with *why to reject the file whole, or another error
   * (the file stays in work/, tried again later). */
  int (*open)(void *adapter, filejob_t *job, filejob_reason_t *why);
  /* Handles line job->next: 0 when it is published or rejected (with
   * filejob_reject); STAFET_EFULL or another error to try it again later. */
  int (*line)(void *adapter, filejob_t *job);
  /* Frees job->parsed (also after a failed open). */
  void (*close)(void *adapter, filejob_t *job);
  /* Store transaction around each batch; a failed commit replays the batch. */
  int (*begin)(void *adapter);
  int (*commit)(void *adapter);
  void (*rollback)(void *adapter);
} filejob_ops_t;

typedef struct filejob_runner {
  const filejob_ops_t *ops;
  void *adapter; /* passed to every op */
  const stafet_host_api_t *api;
  stafet_host_t *host;
  spool_t *spool;
  size_t max_file_bytes;
  unsigned batch_records;
  filejob_t *job; /* the file in hand, NULL when idle */
} filejob_runner_t;

/* One tick of work: claims files and handles up to batch_records records. */
void filejob_tick(filejob_runner_t *r);

/* At stop: forgets the file in hand (it stays in work/). */
void filejob_abandon(filejob_runner_t *r);

/* Rejects line job->next (raw text s[0..n)) with a stable code and a detail;
 * from ops->line. 0 or STAFET_EIO. */
int filejob_reject(filejob_runner_t *r, filejob_t *job, const char *code, const char *detail,
                   const char *s, size_t n);

/* The message id of the event of line job->next: "<kind>-<digest>-<line>". */
void filejob_message_id(const filejob_runner_t *r, const filejob_t *job, char out[65]);

#endif
