/*
 * journal.h — the outbox journal: every publish a plugin made that the hub
 * has not acknowledged yet, on disk, so that it outlives the plugin's
 * process. libstafet's outbox is in memory and dies with a crashed or
 * killed plugin process; the journal is what the restarted process re-sends
 * (with the same message ids, so the hub's dedupe turns an event that did
 * arrive into `duplicate`).
 *
 * The file (<state_dir>/<plugin>.outbox) is append-only: an 8-byte magic,
 * then records `[type][id_len][0 0][data_len:u32][check:u32][id][data]` in
 * host byte order, type 'P' (a publish: data is envcodec bytes) or 'S'
 * (settled: the hub stored it, or it failed for good). check is FNV-1a over
 * the rest of the record, so a record torn by a crash in the middle of a
 * write is recognised and cut off on the next open. The file is emptied
 * whenever nothing is pending and rewritten when it is mostly settled
 * records. A lock file (<path>.lock, flock) keeps two hosts off one journal.
 *
 * Durability: a record is written with write(2) before journal_append()
 * returns, so it survives the process being killed; with fsync_each it is
 * also fdatasync()ed, so it survives the machine losing power.
 * Settled records are not synced: losing one only means a re-send that the
 * hub recognises as a duplicate (within its dedupe_ttl_ms).
 */
#ifndef STAFET_HOST_JOURNAL_H
#define STAFET_HOST_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct journal_entry {
  char id[65];
  off_t offset;  /* of its record in the file */
  uint32_t size; /* of the whole record */
  uint8_t settled;
} journal_entry_t;

typedef struct journal {
  int fd, lock_fd;
  char *path;
  int fsync_each;
  journal_entry_t *entries; /* publishes in file order; settled ones before head are gone */
  size_t head, n, cap;
  size_t pending;                 /* entries not settled */
  size_t replay_next, replay_end; /* entries found at open, not yet handed back */
  off_t size;                     /* of the file */
  uint64_t live_bytes;            /* bytes of unsettled records */
  uint64_t dropped_bytes;         /* a torn tail cut off at open (for the log) */
} journal_t;

/*
 * Opens (creating it and its lock file) the journal at path, takes the lock,
 * and reads what it holds: its unsettled publishes are then handed out by
 * journal_replay_next(). 0, or a negative STAFET_E* code with the reason in
 * why (STAFET_EEXIST: another process holds the lock; STAFET_EIO). j is
 * owned by the caller; journal_close() frees what it holds.
 */
int journal_open(journal_t *j, const char *path, int fsync_each, char *why, size_t why_size);
void journal_close(journal_t *j);

/* Appends a publish (data copied). 0, STAFET_EINVAL (bad id) or STAFET_EIO
 * (nothing was added: the file is as it was). */
int journal_append(journal_t *j, const char *id, const void *data, size_t len);

/* Marks the oldest unsettled publish with this id settled. 0, STAFET_ENOTFOUND
 * or STAFET_EIO. Empties or rewrites the file when that is due. */
int journal_settle(journal_t *j, const char *id);

/*
 * The next unsettled publish found at open that was not handed back yet:
 * returns 1 with id and *data (malloc'd, the caller frees) and *len, 0 when
 * there is none left, or STAFET_EIO / STAFET_ENOMEM. journal_replay_undo()
 * gives the last one back (it could not be handed to the hub yet).
 */
int journal_replay_next(journal_t *j, char id[65], void **data, size_t *len);
void journal_replay_undo(journal_t *j);

/* Number of unsettled publishes. */
size_t journal_pending(const journal_t *j);

#endif
