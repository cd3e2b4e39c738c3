/*
 * test_host_journal.c — the outbox journal: what is appended and not settled
 * comes back after a reopen (in order, with its bytes), settled publishes do
 * not, a torn tail is cut off, a second opener is refused, the file empties
 * when nothing is pending, and envelopes survive the trip through it.
 */
#include "envcodec.h"
#include "journal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
  char dir[256];
  char path[300];
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "%s/stafet-journal-XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(f->dir) == NULL)
    return -1;
  snprintf(f->path, sizeof f->path, "%s/p.outbox", f->dir);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  if (system(cmd) != 0)
    return -1;
  free(f);
  return 0;
}

static off_t file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? st.st_size : -1;
}

static void open_ok(journal_t *j, const char *path) {
  char why[256];
  if (journal_open(j, path, 0, why, sizeof why) != 0)
    fail_msg("journal_open: %s", why);
}

static void append(journal_t *j, const char *id) {
  char data[80];
  snprintf(data, sizeof data, "data of %s", id);
  assert_int_equal(journal_append(j, id, data, strlen(data)), 0);
}

/* A journal holding a then b, closed as a killed process would leave it. */
static void write_a_b(const char *path) {
  journal_t j;
  open_ok(&j, path);
  append(&j, "a");
  append(&j, "b");
  journal_close(&j);
}

/* Reopens: the replayed ids, each followed by a blank, must be `expect`,
 * and each one's data must be intact. */
static void expect_replay(const char *path, const char *expect) {
  journal_t j;
  open_ok(&j, path);
  char ids[256] = "", id[65];
  void *data;
  size_t len;
  while (journal_replay_next(&j, id, &data, &len) == 1) {
    char want[80];
    snprintf(want, sizeof want, "data of %s", id);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(data, want, len);
    free(data);
    snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s ", id);
  }
  journal_close(&j);
  assert_string_equal(ids, expect);
}

static void test_unsettled_come_back_in_order(void **state) {
  fixture_t *f = *state;
  journal_t j;
  char why[256];
  assert_int_equal(journal_open(&j, f->path, 1, why, sizeof why), 0); /* with fsync */
  append(&j, "a");
  append(&j, "b");
  append(&j, "c");
  append(&j, "d");
  assert_int_equal(journal_settle(&j, "b"), 0);
  assert_int_equal(journal_settle(&j, "nope"), STAFET_ENOTFOUND);
  assert_int_equal(journal_pending(&j), 3);
  journal_close(&j);
  expect_replay(f->path, "a c d ");
}

static void test_empty_when_all_settled(void **state) {
  fixture_t *f = *state;
  journal_t j;
  open_ok(&j, f->path);
  append(&j, "a");
  append(&j, "b");
  assert_true(file_size(f->path) > 8);
  assert_int_equal(journal_settle(&j, "a"), 0);
  assert_int_equal(journal_settle(&j, "b"), 0);
  assert_int_equal(file_size(f->path), 8); /* only the magic is left */
  append(&j, "c");
  journal_close(&j);
  expect_replay(f->path, "c ");
}

static void test_torn_tail_is_cut(void **state) {
  fixture_t *f = *state;
  write_a_b(f->path);
  assert_int_equal(truncate(f->path, file_size(f->path) - 3), 0); /* died while writing b */
  journal_t j;
  open_ok(&j, f->path);
  assert_true(j.dropped_bytes > 0);
  assert_int_equal(journal_pending(&j), 1);
  append(&j, "c"); /* lands after a, not after the torn bytes */
  journal_close(&j);
  expect_replay(f->path, "a c ");
}

static void test_corrupt_record_is_cut(void **state) {
  fixture_t *f = *state;
  write_a_b(f->path);
  int fd = open(f->path, O_RDWR);
  assert_true(fd >= 0);
  assert_int_equal(pwrite(fd, "X", 1, file_size(f->path) - 1), 1); /* flip a byte of b */
  close(fd);
  expect_replay(f->path, "a ");
}

static void test_one_opener_at_a_time(void **state) {
  fixture_t *f = *state;
  journal_t j1, j2;
  char why[256];
  open_ok(&j1, f->path);
  assert_int_equal(journal_open(&j2, f->path, 0, why, sizeof why), STAFET_EEXIST);
  assert_non_null(strstr(why, "in use by another process"));
  journal_close(&j1);
  open_ok(&j2, f->path);
  journal_close(&j2);
}

static void test_not_a_journal(void **state) {
  fixture_t *f = *state;
  FILE *out = fopen(f->path, "w");
  fputs("something else entirely", out);
  fclose(out);
  journal_t j;
  char why[256];
  assert_int_equal(journal_open(&j, f->path, 0, why, sizeof why), STAFET_EIO);
  assert_non_null(strstr(why, "is not an outbox journal"));
}

/* The next replayed id must be `expect`. */
static void next_is(journal_t *j, const char *expect) {
  char id[65];
  void *data;
  size_t len;
  assert_int_equal(journal_replay_next(j, id, &data, &len), 1);
  free(data);
  assert_string_equal(id, expect);
}

static void test_replay_undo_and_settle_during_replay(void **state) {
  fixture_t *f = *state;
  write_a_b(f->path);
  journal_t j;
  open_ok(&j, f->path);
  next_is(&j, "a");
  journal_replay_undo(&j); /* the outbox was full: a again next time */
  next_is(&j, "a");
  assert_int_equal(journal_settle(&j, "a"), 0); /* the hub took it */
  append(&j, "c");                              /* new publishes are not replayed */
  next_is(&j, "b");
  char id[65];
  void *data;
  size_t len;
  assert_int_equal(journal_replay_next(&j, id, &data, &len), 0);
  journal_close(&j);
}

static void test_many_keeps_index_small(void **state) {
  fixture_t *f = *state;
  journal_t j;
  open_ok(&j, f->path);
  append(&j, "first");
  for (int i = 0; i < 5000; i++) {
    char id[32];
    snprintf(id, sizeof id, "m%d", i);
    append(&j, id);
    assert_int_equal(journal_settle(&j, id), 0);
  }
  assert_true(j.n <= 1100); /* "first" pins the file, but not the index */
  journal_close(&j);
  expect_replay(f->path, "first ");
}

static void test_envelope_round_trip(void **state) {
  stafet_attribute_t attrs[] = {{"kle", "27.24.00"}, {"department", "borgerservice"}};
  stafet_envelope_t env = {.topic = "cpr.person.relocated",
                           .type_name = "stafet.events.v1.cpr.PersonRelocated",
                           .schema_version = 2,
                           .tenant = "0751",
                           .occurred_at_ms = 1732412345678,
                           .sensitivity = STAFET_SENSITIVITY_PERSONAL,
                           .correlation_id = "corr",
                           .attributes = attrs,
                           .n_attributes = 2};
  void *bytes;
  size_t len;
  assert_int_equal(envcodec_pack(&env, "id-1", "payload", 7, &bytes, &len), 0);
  envcodec_view_t v;
  assert_int_equal(envcodec_view(&v, bytes, len), 0);
  assert_string_equal(v.env.message_id, "id-1");
  assert_string_equal(v.env.topic, "cpr.person.relocated");
  assert_string_equal(v.env.type_name, "stafet.events.v1.cpr.PersonRelocated");
  assert_int_equal(v.env.schema_version, 2);
  assert_string_equal(v.env.tenant, "0751");
  assert_true(v.env.occurred_at_ms == 1732412345678);
  assert_int_equal(v.env.sensitivity, STAFET_SENSITIVITY_PERSONAL);
  assert_string_equal(v.env.correlation_id, "corr");
  assert_string_equal(v.env.source, "");
  assert_int_equal(v.env.n_attributes, 2);
  assert_string_equal(v.env.attributes[1].value, "borgerservice");
  assert_int_equal(v.payload_len, 7);
  assert_memory_equal(v.payload, "payload", 7);
  envcodec_view_free(&v);
  assert_int_equal(envcodec_view(&v, bytes, 3), STAFET_EPROTO);
  ((unsigned char *)bytes)[0] = 0xff; /* an envelope longer than the bytes */
  assert_int_equal(envcodec_view(&v, bytes, len), STAFET_EPROTO);
  free(bytes);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_unsettled_come_back_in_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_empty_when_all_settled, setup, teardown),
      cmocka_unit_test_setup_teardown(test_torn_tail_is_cut, setup, teardown),
      cmocka_unit_test_setup_teardown(test_corrupt_record_is_cut, setup, teardown),
      cmocka_unit_test_setup_teardown(test_one_opener_at_a_time, setup, teardown),
      cmocka_unit_test_setup_teardown(test_not_a_journal, setup, teardown),
      cmocka_unit_test_setup_teardown(test_replay_undo_and_settle_during_replay, setup, teardown),
      cmocka_unit_test_setup_teardown(test_many_keeps_index_small, setup, teardown),
      cmocka_unit_test(test_envelope_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
