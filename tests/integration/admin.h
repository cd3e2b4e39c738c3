/*
 * admin.h — test helpers for the hub's admin HTTP server, stafetctl and the
 * dashboard: find the admin address a hub logged (it binds port 0 in tests),
 * call the API (libcurl), read JSON (jansson), run a command and capture its
 * output, and wait for a condition on an API answer. Nothing here sleeps to
 * synchronise: every wait polls a condition with a deadline.
 */
#ifndef STAFET_TEST_ADMIN_H
#define STAFET_TEST_ADMIN_H

#include "harness.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>

/* Waits for the hub's "admin http listening" log line; copies addr= into out. */
bool th_admin_addr(const th_hub_t *h, char *out, size_t size, int timeout_ms);
/* th_admin_addr, then waits until /readyz answers 200 (Redis up, routing loaded). */
bool th_admin_ready(const th_hub_t *h, char *out, size_t size, int timeout_ms);

/* One HTTP call; returns the status (0 if no answer). *body (may be NULL)
 * receives the response body (malloc'd). content_type NULL: none sent. */
long th_http(const char *addr, const char *method, const char *path, const char *content_type,
             const char *request_body, char **body);
/* GET path and parse JSON; NULL unless the status is 200 and the body JSON. */
json_t *th_get_json(const char *addr, const char *path);
/* Polls GET path until json_path_int(reply, keys...) >= target. */
bool th_wait_json_int(const char *addr, const char *path, const char *const *keys, long long target,
                      int timeout_ms);
/* Integer at a path of object keys ("queue", "depth"); -1 if missing. */
long long th_json_int(const json_t *j, const char *const *keys);
/* The value of an unlabelled counter or gauge in GET /metrics, or -1. */
long long th_metric(const char *addr, const char *name);

/* Runs argv (NULL-terminated) with stdout and stderr captured into *output
 * (malloc'd); returns the exit status, or -1. */
int th_run(char *const argv[], char **output);
/* A file's whole text (malloc'd) or NULL. */
char *th_read_file(const char *path);

/* Runs `stafetctl --admin ADDR args...` (NULL-terminated args); see th_run. */
int th_ctl(const char *addr, char **output, ...) __attribute__((sentinel));
/* The same with the arguments in a va_list. */
int th_ctlv(const char *addr, char **output, va_list args);

#endif
