/*
 * journal.c — the outbox journal (see journal.h for the format and what it
 * promises). Entries are kept in memory as an index into the file (id,
 * offset, size); the data itself is read back only to replay or rewrite.
 */
#include "journal.h"

#include "stafet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define MAGIC            "STAFETJ1"
#define MAGIC_LEN        8
#define HEADER_LEN       12
#define TYPE_PUBLISH     'P'
#define TYPE_SETTLED     'S'
#define MAX_DATA         (64u << 20) /* far above the hub's largest frame */
#define REWRITE_AT_BYTES (8 << 20)   /* consider a rewrite once the file is this big */

typedef struct record_header {
  uint8_t type;
  uint8_t id_len;
  uint16_t zero;
  uint32_t data_len;
  uint32_t check;
} record_header_t;

static uint32_t fnv1a(uint32_t h, const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

static uint32_t record_check(const record_header_t *h, const char *id, const void *data) {
  uint32_t sum = fnv1a(2166136261u, h, 8); /* type, id_len, zero, data_len */
  sum = fnv1a(sum, id, h->id_len);
  return fnv1a(sum, data, h->data_len);
}

static int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return STAFET_EIO;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int read_at(int fd, void *buf, size_t len, off_t at) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = pread(fd, (char *)buf + done, len - done, at + (off_t)done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return STAFET_EIO;
    done += (size_t)n;
  }
  return 0;
}

/* Appends one record at the end of the file; on failure cuts the file back. */
static int write_record(journal_t *j, uint8_t type, const char *id, const void *data, size_t len) {
  record_header_t h = {.type = type, .id_len = (uint8_t)strlen(id), .data_len = (uint32_t)len};
  h.check = record_check(&h, id, data);
  size_t total = HEADER_LEN + h.id_len + len;
  char *buf = malloc(total);
  if (buf == NULL)
    return STAFET_ENOMEM;
  memcpy(buf, &h, HEADER_LEN);
  memcpy(buf + HEADER_LEN, id, h.id_len);
  if (len > 0)
    memcpy(buf + HEADER_LEN + h.id_len, data, len);
  int rc = write_all(j->fd, buf, total);
  free(buf);
  if (rc == 0 && type == TYPE_PUBLISH && j->fsync_each && fdatasync(j->fd) != 0)
    rc = STAFET_EIO;
  if (rc < 0) {
    if (ftruncate(j->fd, j->size) != 0) { /* best effort: a torn tail is cut at open anyway */
    }
    return rc;
  }
  j->size += (off_t)total;
  return 0;
}

static int entry_add(journal_t *j, const char *id, off_t offset, uint32_t size) {
  if (j->n == j->cap) {
    size_t cap = j->cap ? j->cap * 2 : 64;
    journal_entry_t *grown = realloc(j->entries, cap * sizeof *grown);
    if (grown == NULL)
      return STAFET_ENOMEM;
    j->entries = grown;
    j->cap = cap;
  }
  journal_entry_t *e = &j->entries[j->n++];
  snprintf(e->id, sizeof e->id, "%s", id);
  e->offset = offset;
  e->size = size;
  e->settled = 0;
  j->pending++;
  j->live_bytes += size;
  return 0;
}

/* Drops settled entries from the index, keeping the order; a replay
 * position moves to the first kept entry at or after it. */
static void index_compact(journal_t *j) {
  size_t kept = 0, next = 0, end = 0;
  for (size_t i = 0; i < j->n; i++) {
    if (i == j->replay_next)
      next = kept;
    if (i == j->replay_end)
      end = kept;
    if (!j->entries[i].settled)
      j->entries[kept++] = j->entries[i];
  }
  j->replay_next = j->replay_next >= j->n ? kept : next;
  j->replay_end = j->replay_end >= j->n ? kept : end;
  j->n = kept;
  j->head = 0;
}

/* Marks the oldest unsettled entry with id settled; moves head past settled ones. */
static int entry_settle(journal_t *j, const char *id) {
  size_t i = j->head;
  while (i < j->n && (j->entries[i].settled || strcmp(j->entries[i].id, id) != 0))
    i++;
  if (i == j->n)
    return STAFET_ENOTFOUND;
  j->entries[i].settled = 1;
  j->pending--;
  j->live_bytes -= j->entries[i].size;
  while (j->head < j->n && j->entries[j->head].settled)
    j->head++;
  size_t settled = j->n - j->pending;
  if (settled >= 1024 && settled > j->n / 2)
    index_compact(j);
  return 0;
}

/* Reads the record at off: 1 with its header (and id, data when wanted), 0 torn/corrupt. */
static int record_read(journal_t *j, off_t off, record_header_t *h, char id[65], void **data) {
  *data = NULL;
  if (j->size - off < HEADER_LEN || read_at(j->fd, h, HEADER_LEN, off) < 0)
    return 0;
  if ((h->type != TYPE_PUBLISH && h->type != TYPE_SETTLED) || h->id_len == 0 || h->id_len > 64 ||
      h->zero != 0 || h->data_len > MAX_DATA ||
      j->size - off - HEADER_LEN < (off_t)h->id_len + (off_t)h->data_len)
    return 0;
  void *buf = malloc(h->data_len ? h->data_len : 1);
  if (buf == NULL)
    return 0;
  if (read_at(j->fd, id, h->id_len, off + HEADER_LEN) < 0 ||
      read_at(j->fd, buf, h->data_len, off + HEADER_LEN + h->id_len) < 0 ||
      record_check(h, id, buf) != h->check) {
    free(buf);
    return 0;
  }
  id[h->id_len] = '\0';
  *data = buf;
  return 1;
}

/* Reads every record into the index; cuts off a torn tail. */
static int journal_load(journal_t *j) {
  off_t off = MAGIC_LEN;
  record_header_t h;
  char id[65];
  void *data;
  while (record_read(j, off, &h, id, &data)) {
    free(data);
    uint32_t size = HEADER_LEN + h.id_len + h.data_len;
    int rc = h.type == TYPE_PUBLISH ? entry_add(j, id, off, size) : 0;
    if (h.type == TYPE_SETTLED)
      (void)entry_settle(j, id); /* a settle of something rewritten away is fine */
    if (rc < 0)
      return rc;
    off += size;
  }
  if (off < j->size) {
    j->dropped_bytes = (uint64_t)(j->size - off);
    if (ftruncate(j->fd, off) != 0)
      return STAFET_EIO;
    j->size = off;
  }
  j->replay_next = j->head;
  j->replay_end = j->n;
  return 0;
}

static int lock_file(journal_t *j, char *why, size_t why_size) {
  char lock_path[1024];
  snprintf(lock_path, sizeof lock_path, "%s.lock", j->path);
  j->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (j->lock_fd < 0) {
    snprintf(why, why_size, "cannot open %s: %s", lock_path, strerror(errno));
    return STAFET_EIO;
  }
  if (flock(j->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    snprintf(why, why_size, "%s is in use by another process (one host per state_dir)", j->path);
    return STAFET_EEXIST;
  }
  return 0;
}

/* Opens the file itself; writes the magic into a new one, checks an old one's. */
static int open_file(journal_t *j, char *why, size_t why_size) {
  j->fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (j->fd < 0) {
    snprintf(why, why_size, "cannot open %s: %s", j->path, strerror(errno));
    return STAFET_EIO;
  }
  j->size = lseek(j->fd, 0, SEEK_END);
  char magic[MAGIC_LEN];
  if (j->size >= MAGIC_LEN && read_at(j->fd, magic, MAGIC_LEN, 0) == 0 &&
      memcmp(magic, MAGIC, MAGIC_LEN) == 0)
    return 0;
  if (j->size > 0) {
    snprintf(why, why_size, "%s is not an outbox journal (move it away)", j->path);
    return STAFET_EIO;
  }
  if (write_all(j->fd, MAGIC, MAGIC_LEN) < 0 || fsync(j->fd) != 0) {
    snprintf(why, why_size, "cannot write %s: %s", j->path, strerror(errno));
    return STAFET_EIO;
  }
  j->size = MAGIC_LEN;
  return 0;
}

int journal_open(journal_t *j, const char *path, int fsync_each, char *why, size_t why_size) {
  memset(j, 0, sizeof *j);
  j->fd = j->lock_fd = -1;
  j->fsync_each = fsync_each;
  if ((j->path = strdup(path)) == NULL)
    return STAFET_ENOMEM;
  int rc = lock_file(j, why, why_size);
  if (rc == 0)
    rc = open_file(j, why, why_size);
  if (rc == 0 && (rc = journal_load(j)) < 0)
    snprintf(why, why_size, "cannot read %s: %s", path, stafet_strerror(rc));
  if (rc < 0)
    journal_close(j);
  return rc;
}

void journal_close(journal_t *j) {
  if (j->fd >= 0)
    close(j->fd);
  if (j->lock_fd >= 0)
    close(j->lock_fd); /* releases the lock */
  free(j->entries);
  free(j->path);
  memset(j, 0, sizeof *j);
  j->fd = j->lock_fd = -1;
}

int journal_append(journal_t *j, const char *id, const void *data, size_t len) {
  size_t id_len = strlen(id);
  if (id_len == 0 || id_len > 64 || len > MAX_DATA)
    return STAFET_EINVAL;
  off_t at = j->size;
  int rc = write_record(j, TYPE_PUBLISH, id, data, len);
  if (rc == 0 && (rc = entry_add(j, id, at, (uint32_t)(HEADER_LEN + id_len + len))) < 0) {
    (void)write_record(j, TYPE_SETTLED, id, NULL, 0); /* not in the index: not pending */
  }
  return rc;
}

/* Writes the unsettled records to a new file and puts it in place. */
static int rewrite(journal_t *j) {
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s.tmp", j->path);
  int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    return STAFET_EIO;
  int rc = write_all(fd, MAGIC, MAGIC_LEN);
  off_t at = MAGIC_LEN;
  size_t kept = 0;
  for (size_t i = j->head; rc == 0 && i < j->n; i++) {
    journal_entry_t *e = &j->entries[i];
    if (e->settled)
      continue;
    char *buf = malloc(e->size);
    rc = buf == NULL ? STAFET_ENOMEM : read_at(j->fd, buf, e->size, e->offset);
    if (rc == 0)
      rc = write_all(fd, buf, e->size);
    free(buf);
    j->entries[kept] = *e;
    j->entries[kept++].offset = at;
    at += e->size;
  }
  if (rc == 0 && (fsync(fd) != 0 || rename(tmp, j->path) != 0))
    rc = STAFET_EIO;
  if (rc < 0) {
    close(fd);
    unlink(tmp);
    return rc; /* the index still describes the old file: rewrite only fixed offsets above */
  }
  close(j->fd);
  j->fd = fd;
  j->size = at;
  j->n = kept;
  j->head = j->replay_next = j->replay_end = 0;
  return 0;
}

int journal_settle(journal_t *j, const char *id) {
  int rc = entry_settle(j, id);
  if (rc < 0)
    return rc;
  if (j->pending == 0) {
    /* Everything is settled: start over with an empty file. */
    if (ftruncate(j->fd, MAGIC_LEN) != 0)
      return STAFET_EIO;
    j->size = MAGIC_LEN;
    j->head = j->n = j->replay_next = j->replay_end = 0;
    return 0;
  }
  if ((rc = write_record(j, TYPE_SETTLED, id, NULL, 0)) < 0)
    return rc;
  if (j->size >= REWRITE_AT_BYTES && j->live_bytes < (uint64_t)j->size / 4 &&
      j->replay_next >= j->replay_end)
    return rewrite(j);
  return 0;
}

int journal_replay_next(journal_t *j, char id[65], void **data, size_t *len) {
  while (j->replay_next < j->replay_end && j->entries[j->replay_next].settled)
    j->replay_next++;
  if (j->replay_next >= j->replay_end)
    return 0;
  journal_entry_t *e = &j->entries[j->replay_next];
  record_header_t h;
  if (!record_read(j, e->offset, &h, id, data))
    return STAFET_EIO;
  *len = h.data_len;
  j->replay_next++;
  return 1;
}

void journal_replay_undo(journal_t *j) {
  if (j->replay_next > 0)
    j->replay_next--;
}

size_t journal_pending(const journal_t *j) {
  return j->pending;
}
