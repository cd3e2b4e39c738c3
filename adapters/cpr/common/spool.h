/*
 * spool.h — the spool directory of a file-reading adapter (cpr, debtor), and
 * the small file operations both need to lose nothing.
 *
 * A spool is one directory that a producer drops files into, with three
 * sub-directories on the same filesystem (so every move is an atomic rename):
 *
 *   <root>/            new files; names starting with '.' or ending in .tmp or
 *                      .part are still being written and are left alone
 *   <root>/work/       claimed: rename()d here before the first byte is read;
 *                      whatever is left here after a crash is processed again
 *                      first (events carry deterministic message ids, so the
 *                      hub drops the re-published ones)
 *   <root>/done/       processed
 *   <root>/rejected/   files that failed whole (with <name>.reason), and
 *                      <name>.rejects listing the records that failed
 *
 * Nothing is ever overwritten: a name taken in done/ or rejected/ gets a
 * suffix (".1", ".2", ...). Also here: reading a whole file with a size limit,
 * writing a file atomically and durably (tmp + fsync + rename + fsync of the
 * directory), and the deterministic message ids both adapters derive from a
 * file and a line number.
 *
 * Functions return 0 or a negative STAFET_E* code (stafet.h).
 */
#ifndef STAFET_SPOOL_H
#define STAFET_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_PATH_MAX 1024
#define SPOOL_NAME_MAX 256

typedef struct spool {
  char root[SPOOL_PATH_MAX];
  char work[SPOOL_PATH_MAX];
  char done[SPOOL_PATH_MAX];
  char rejected[SPOOL_PATH_MAX];
} spool_t;

typedef enum { SPOOL_DONE = 0, SPOOL_REJECTED = 1 } spool_dest_t;

/* Fills s for root and creates root and its sub-directories if missing.
 * STAFET_EINVAL if the path is too long, STAFET_EIO if a directory cannot be
 * made. */
int spool_open(spool_t *s, const char *root);

/* True if a file of this name in the spool root is ready to be claimed. */
int spool_name_ready(const char *name);

/*
 * Claims the next file: first one left in work/ by an earlier run (it is
 * already claimed), else the ready file in the root with the smallest name,
 * moved into work/. name_out (SPOOL_NAME_MAX bytes) receives its name.
 * Returns 0, STAFET_ENOTFOUND when there is nothing to do, or STAFET_EIO.
 */
int spool_claim_next(spool_t *s, char *name_out);

/* Moves work/<name> to done/ or rejected/ without replacing anything there;
 * final_name (SPOOL_NAME_MAX bytes, may be NULL) receives the name it got. */
int spool_finish(spool_t *s, const char *name, spool_dest_t dest, char *final_name);

/* Moves the file at path `from` into dir as name, or name.1, name.2 ... if
 * that is taken (never replacing), and fsyncs dir; final_name as above. */
int spool_move_unique(const char *from, const char *dir, const char *name, char *final_name);

/* Joins dir and name into out (SPOOL_PATH_MAX bytes); STAFET_EINVAL if too long. */
int spool_join(char *out, const char *dir, const char *name);

/*
 * Reads a whole file into a new NUL-terminated buffer; on success *buf is the
 * caller's to free() and *len its length (without the NUL). STAFET_ETOOBIG if
 * the file is larger than max_bytes, STAFET_ENOTFOUND if it does not exist,
 * STAFET_EIO otherwise.
 */
int spool_read_file(const char *path, size_t max_bytes, char **buf, size_t *len);

/*
 * Writes data to dir/name so that a reader sees either nothing or the whole
 * file, and so that it survives a power cut once this returns 0: writes
 * dir/.name.tmp, fsyncs it, renames it to name (replacing an older file of
 * that name) and fsyncs dir. STAFET_EINVAL (bad name), STAFET_EIO.
 */
int spool_write_atomic(const char *dir, const char *name, const void *data, size_t len);

/* fsyncs a directory, so that renames and new names in it are durable. */
int spool_sync_dir(const char *dir);

/* A 64-bit FNV-1a digest of a file's name and content: the file's identity
 * in message ids (same name and bytes -> same ids). */
uint64_t spool_digest(const char *name, const void *data, size_t len);

/* Writes "<prefix>-<16 hex digest>-<line>" to out (65 bytes): the message id
 * of the event made from that line of that file. */
void spool_message_id(char out[65], const char *prefix, uint64_t digest, unsigned long line);

#endif
