/*
 * spool.c — claiming files from a spool directory by rename, finishing them
 * into done/ or rejected/ without overwriting anything, and durable writes.
 * See spool.h for the layout and why each step is a rename.
 */
#define _GNU_SOURCE /* renameat2 */
#include "spool.h"

#include "stafet.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int has_suffix(const char *name, const char *suffix) {
  size_t n = strlen(name), k = strlen(suffix);
  return n >= k && strcmp(name + n - k, suffix) == 0;
}

int spool_join(char *out, const char *dir, const char *name) {
  int n = snprintf(out, SPOOL_PATH_MAX, "%s/%s", dir, name);
  return n < 0 || n >= SPOOL_PATH_MAX ? STAFET_EINVAL : 0;
}

static int make_dir(const char *path) {
  if (mkdir(path, 0750) == 0 || errno == EEXIST)
    return 0;
  return STAFET_EIO;
}

int spool_open(spool_t *s, const char *root) {
  memset(s, 0, sizeof *s);
  if (root == NULL || root[0] == '\0' || strlen(root) >= SPOOL_PATH_MAX - 16)
    return STAFET_EINVAL;
  snprintf(s->root, sizeof s->root, "%s", root);
  if (spool_join(s->work, root, "work") < 0 || spool_join(s->done, root, "done") < 0 ||
      spool_join(s->rejected, root, "rejected") < 0)
    return STAFET_EINVAL;
  const char *dirs[] = {s->root, s->work, s->done, s->rejected};
  for (size_t i = 0; i < 4; i++)
    if (make_dir(dirs[i]) < 0)
      return STAFET_EIO;
  return 0;
}

int spool_name_ready(const char *name) {
  return name[0] != '\0' && name[0] != '.' && !has_suffix(name, ".tmp") &&
         !has_suffix(name, ".part") &&
         strlen(name) < SPOOL_NAME_MAX - 56; /* room for ".N.rejects" */
}

static int is_regular(const char *dir, const struct dirent *e) {
  if (e->d_type == DT_REG)
    return 1;
  if (e->d_type != DT_UNKNOWN)
    return 0;
  char path[SPOOL_PATH_MAX];
  struct stat st;
  return spool_join(path, dir, e->d_name) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The ready regular file in dir with the smallest name: 0 or STAFET_ENOTFOUND. */
static int smallest_ready(const char *dir, char *name_out) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return STAFET_EIO;
  int found = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!spool_name_ready(e->d_name) || !is_regular(dir, e))
      continue;
    if (!found || strcmp(e->d_name, name_out) < 0)
      snprintf(name_out, SPOOL_NAME_MAX, "%s", e->d_name);
    found = 1;
  }
  closedir(d);
  return found ? 0 : STAFET_ENOTFOUND;
}

/* rename(from, to) that fails with EEXIST instead of replacing `to`. */
static int rename_noreplace(const char *from, const char *to) {
  if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOSYS)
    return -1;
  /* A filesystem without RENAME_NOREPLACE: link() refuses to replace too. */
  if (link(from, to) != 0)
    return -1;
  return unlink(from);
}

int spool_move_unique(const char *from, const char *dir, const char *name, char *final_name) {
  char candidate[SPOOL_NAME_MAX], to[SPOOL_PATH_MAX];
  for (unsigned i = 0; i < 10000; i++) {
    int n = i == 0 ? snprintf(candidate, sizeof candidate, "%s", name)
                   : snprintf(candidate, sizeof candidate, "%s.%u", name, i);
    if (n < 0 || (size_t)n >= sizeof candidate || spool_join(to, dir, candidate) < 0)
      return STAFET_EINVAL;
    if (rename_noreplace(from, to) == 0) {
      if (final_name)
        snprintf(final_name, SPOOL_NAME_MAX, "%s", candidate);
      return spool_sync_dir(dir);
    }
    if (errno != EEXIST)
      return errno == ENOENT ? STAFET_ENOTFOUND : STAFET_EIO;
  }
  return STAFET_EEXIST;
}

int spool_claim_next(spool_t *s, char *name_out) {
  int rc = smallest_ready(s->work, name_out);
  if (rc != STAFET_ENOTFOUND)
    return rc;
  rc = smallest_ready(s->root, name_out);
  if (rc < 0)
    return rc;
  char from[SPOOL_PATH_MAX], to[SPOOL_PATH_MAX];
  if (spool_join(from, s->root, name_out) < 0 || spool_join(to, s->work, name_out) < 0)
    return STAFET_EINVAL;
  if (rename_noreplace(from, to) != 0)
    /* Taken by another instance in the meantime: try again next time. */
    return errno == ENOENT || errno == EEXIST ? STAFET_ENOTFOUND : STAFET_EIO;
  return spool_sync_dir(s->work);
}

int spool_finish(spool_t *s, const char *name, spool_dest_t dest, char *final_name) {
  char from[SPOOL_PATH_MAX];
  if (spool_join(from, s->work, name) < 0)
    return STAFET_EINVAL;
  return spool_move_unique(from, dest == SPOOL_DONE ? s->done : s->rejected, name, final_name);
}

int spool_read_file(const char *path, size_t max_bytes, char **buf, size_t *len) {
  int rc = STAFET_EIO;
  char *data = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? STAFET_ENOTFOUND : STAFET_EIO;
  struct stat st;
  if (fstat(fd, &st) != 0)
    goto out;
  if ((uint64_t)st.st_size > max_bytes) {
    rc = STAFET_ETOOBIG;
    goto out;
  }
  size_t size = (size_t)st.st_size, got = 0;
  data = malloc(size + 1);
  if (data == NULL) {
    rc = STAFET_ENOMEM;
    goto out;
  }
  while (got < size) {
    ssize_t n = read(fd, data + got, size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      goto out;
    got += (size_t)n;
  }
  data[got] = '\0';
  *buf = data;
  *len = got;
  data = NULL;
  rc = 0;
out:
  free(data);
  close(fd);
  return rc;
}

int spool_sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return STAFET_EIO;
  int rc = fsync(fd) == 0 ? 0 : STAFET_EIO;
  close(fd);
  return rc;
}

static int write_all(int fd, const void *data, size_t len) {
  const char *p = data;
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

int spool_write_atomic(const char *dir, const char *name, const void *data, size_t len) {
  char tmp_name[SPOOL_NAME_MAX + 8], tmp[SPOOL_PATH_MAX], final[SPOOL_PATH_MAX];
  if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL ||
      strlen(name) >= SPOOL_NAME_MAX)
    return STAFET_EINVAL;
  snprintf(tmp_name, sizeof tmp_name, ".%s.tmp", name);
  if (spool_join(tmp, dir, tmp_name) < 0 || spool_join(final, dir, name) < 0)
    return STAFET_EINVAL;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0)
    return STAFET_EIO;
  int rc = write_all(fd, data, len);
  if (rc == 0 && fsync(fd) != 0)
    rc = STAFET_EIO;
  if (close(fd) != 0 && rc == 0)
    rc = STAFET_EIO;
  if (rc == 0 && rename(tmp, final) != 0)
    rc = STAFET_EIO;
  if (rc < 0) {
    unlink(tmp);
    return rc;
  }
  return spool_sync_dir(dir);
}

uint64_t spool_digest(const char *name, const void *data, size_t len) {
  uint64_t h = 14695981039346656037ull;
  const unsigned char *p = (const unsigned char *)name;
  for (size_t i = 0; i <= strlen(name); i++) /* the NUL separates name and content */
    h = (h ^ p[i]) * 1099511628211ull;
  p = data;
  for (size_t i = 0; i < len; i++)
    h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

void spool_message_id(char out[65], const char *prefix, uint64_t digest, unsigned long line) {
  snprintf(out, 65, "%.24s-%016llx-%lu", prefix, (unsigned long long)digest, line);
}
