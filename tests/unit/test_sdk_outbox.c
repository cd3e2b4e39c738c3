/*
 * test_sdk_outbox.c — the outbox without sockets: publish order, lookup by
 * seq (through hash growth) and by message id, the send cursor, rewinding
 * after a reconnect, and the retry list of deferred entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../adapters/sdk/src/outbox.h"

static sdk_entry_t *add(sdk_outbox_t *ob, uint64_t seq) {
  char id[65], frame[32];
  snprintf(id, sizeof id, "id-%llu", (unsigned long long)seq);
  snprintf(frame, sizeof frame, "frame-%llu", (unsigned long long)seq);
  sdk_entry_t *e = sdk_entry_new(seq, id, frame, strlen(frame), "payload", 7);
  assert_non_null(e);
  assert_int_equal(sdk_outbox_append(ob, e), 0);
  return e;
}

/* Sends (marks sent) everything the cursor offers; returns how many. */
static int send_all(sdk_outbox_t *ob) {
  int n = 0;
  while (sdk_outbox_unsent(ob)) {
    sdk_outbox_mark_sent(ob);
    n++;
  }
  return n;
}

static void test_order_and_lookup(void **state) {
  (void)state;
  sdk_outbox_t ob;
  sdk_outbox_init(&ob);
  for (uint64_t s = 1; s <= 1000; s++)
    add(&ob, s * 3);
  assert_int_equal(ob.count, 1000);
  sdk_entry_t *e = sdk_outbox_find(&ob, 300);
  assert_non_null(e);
  assert_string_equal(e->message_id, "id-300");
  assert_memory_equal(e->data, "frame-300", 9);
  assert_memory_equal(sdk_entry_payload(e), "payload", 7);
  assert_null(sdk_outbox_find(&ob, 301));
  assert_ptr_equal(sdk_outbox_find_id(&ob, "id-999"), sdk_outbox_find(&ob, 999));
  /* Removing from the middle keeps the order of the rest. */
  sdk_outbox_remove(&ob, e);
  free(e);
  assert_null(sdk_outbox_find(&ob, 300));
  uint64_t prev = 0;
  size_t n = 0;
  for (sdk_entry_t *x = ob.head; x; x = x->next, n++) {
    assert_true(x->seq > prev);
    prev = x->seq;
  }
  assert_int_equal(n, 999);
  sdk_outbox_free(&ob);
}

static void test_cursor_and_rewind(void **state) {
  (void)state;
  sdk_outbox_t ob;
  sdk_outbox_init(&ob);
  add(&ob, 1);
  add(&ob, 2);
  assert_int_equal(ob.unsent, 2); /* the count publishes gather by (client.c) */
  assert_int_equal(send_all(&ob), 2);
  assert_int_equal(ob.unsent, 0);
  sdk_entry_t *e3 = add(&ob, 3);
  assert_ptr_equal(sdk_outbox_unsent(&ob), e3); /* only the new one is unsent */
  assert_int_equal(ob.unsent, 1);
  assert_int_equal(send_all(&ob), 1);
  /* The ack of 1 arrives; then a reconnect: 2 and 3 go again, in order. */
  sdk_entry_t *e1 = sdk_outbox_find(&ob, 1);
  sdk_outbox_remove(&ob, e1);
  free(e1);
  assert_int_equal(ob.unsent, 0); /* removing a sent one leaves the count */
  sdk_outbox_rewind(&ob);
  assert_int_equal(ob.unsent, 2);
  assert_int_equal(sdk_outbox_unsent(&ob)->seq, 2);
  sdk_outbox_mark_sent(&ob);
  assert_int_equal(sdk_outbox_unsent(&ob)->seq, 3);
  assert_int_equal(ob.unsent, 1);
  /* Removing the entry under the cursor moves the cursor on. */
  sdk_outbox_remove(&ob, e3);
  free(e3);
  assert_null(sdk_outbox_unsent(&ob));
  assert_int_equal(ob.unsent, 0);
  sdk_outbox_free(&ob);
}

static void test_retry_list(void **state) {
  (void)state;
  sdk_outbox_t ob;
  sdk_outbox_init(&ob);
  for (uint64_t s = 1; s <= 4; s++)
    add(&ob, s);
  send_all(&ob);
  sdk_entry_t *e2 = sdk_outbox_find(&ob, 2), *e4 = sdk_outbox_find(&ob, 4);
  sdk_outbox_defer(&ob, e4, 100);
  sdk_outbox_defer(&ob, e2, 100);
  sdk_outbox_defer(&ob, e2, 50); /* already waiting: unchanged */
  assert_int_equal(sdk_outbox_next_retry(&ob), 100);
  assert_null(sdk_outbox_take_due(&ob, 99));
  assert_ptr_equal(sdk_outbox_take_due(&ob, 100), e2); /* by seq */
  assert_ptr_equal(sdk_outbox_take_due(&ob, 100), e4);
  assert_null(sdk_outbox_take_due(&ob, 1000));
  assert_int_equal(sdk_outbox_next_retry(&ob), INT64_MAX);
  /* An entry not sent yet is not deferred: the cursor will send it. */
  sdk_entry_t *e5 = add(&ob, 5);
  sdk_outbox_defer(&ob, e5, 10);
  assert_int_equal(e5->retrying, 0);
  /* Removing a waiting entry takes it out of the retry list; rewind empties it. */
  sdk_outbox_defer(&ob, e2, 10);
  sdk_outbox_remove(&ob, e2);
  free(e2);
  assert_int_equal(sdk_outbox_next_retry(&ob), INT64_MAX);
  sdk_outbox_defer(&ob, e4, 10);
  sdk_outbox_rewind(&ob);
  assert_null(sdk_outbox_take_due(&ob, 1000));
  assert_int_equal(e4->retrying, 0);
  sdk_outbox_free(&ob);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_and_lookup),
      cmocka_unit_test(test_cursor_and_rewind),
      cmocka_unit_test(test_retry_list),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
