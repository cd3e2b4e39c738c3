/*
 * test_host_stats.c — metrics as Prometheus text (names, types, labels,
 * limits), the supervisor's back-off, and the report lines a plugin process
 * sends its supervisor.
 */
#include "report.h"
#include "stafet.h"
#include "stats.h"
#include "supervisor.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_prometheus_text(void **state) {
  stats_t *s = calloc(1, sizeof *s);
  char name[STATS_NAME_MAX];
  assert_int_equal(stats_plugin_name("records_read", 0, name), 0);
  assert_string_equal(name, "stafet_plugin_records_read_total");
  assert_int_equal(stats_add(s, name, 2), 0);
  assert_int_equal(stats_add(s, name, 3), 0);
  assert_int_equal(stats_plugin_name("spool_files", 1, name), 0);
  assert_int_equal(stats_set(s, name, 7), 0);
  assert_int_equal(stats_set(s, name, 4), 0);
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  stats_format(s, "cpr", out);
  fclose(out);
  assert_string_equal(text, "# TYPE stafet_plugin_records_read_total counter\n"
                            "stafet_plugin_records_read_total{plugin=\"cpr\"} 5\n"
                            "# TYPE stafet_plugin_spool_files gauge\n"
                            "stafet_plugin_spool_files{plugin=\"cpr\"} 4\n");
  free(text);
  free(s);
}

static void test_names_and_limits(void **state) {
  stats_t *s = calloc(1, sizeof *s);
  char name[STATS_NAME_MAX];
  assert_int_equal(stats_plugin_name("Bad Name", 0, name), STAFET_EINVAL);
  assert_int_equal(stats_plugin_name("x{injected=\"1\"}", 0, name), STAFET_EINVAL);
  assert_int_equal(stats_plugin_name(NULL, 0, name), STAFET_EINVAL);
  char long_name[60];
  memset(long_name, 'a', 49);
  long_name[49] = '\0';
  assert_int_equal(stats_plugin_name(long_name, 0, name), STAFET_EINVAL);
  assert_int_equal(stats_add(s, "x_total", 1), 0);
  assert_int_equal(stats_set(s, "x_total", 1), STAFET_EINVAL); /* a counter already */
  for (int i = 1; i < STATS_MAX_ITEMS; i++) {
    snprintf(name, sizeof name, "m%d", i);
    assert_int_equal(stats_add(s, name, 1), 0);
  }
  assert_int_equal(stats_add(s, "one_too_many", 1), STAFET_EFULL);
  free(s);
}

static void test_backoff(void **state) {
  assert_int_equal(supervisor_backoff_ms(1, 500, 60000), 500);
  assert_int_equal(supervisor_backoff_ms(2, 500, 60000), 1000);
  assert_int_equal(supervisor_backoff_ms(4, 500, 60000), 4000);
  assert_int_equal(supervisor_backoff_ms(8, 500, 60000), 60000);
  assert_int_equal(supervisor_backoff_ms(1000, 500, 60000), 60000); /* no overflow */
}

static void test_report_lines(void **state) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  report_state_t r;
  report_reset(&r);
  int changed;
  report_phase(fds[1], "load");
  report_phase(fds[1], "init");
  assert_int_equal(report_read(&r, fds[0], &changed), 0);
  assert_int_equal(changed, 1);
  assert_string_equal(r.phase, "init");
  report_failure(fds[1], "init returned -1\n(invalid argument)");
  close(fds[1]);
  assert_int_equal(report_read(&r, fds[0], &changed), 1); /* end of file: the process ended */
  assert_int_equal(changed, 0);
  assert_string_equal(r.reason, "init returned -1 (invalid argument)");
  assert_string_equal(r.phase, "init");
  close(fds[0]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_prometheus_text),
      cmocka_unit_test(test_names_and_limits),
      cmocka_unit_test(test_backoff),
      cmocka_unit_test(test_report_lines),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
