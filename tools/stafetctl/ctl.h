/*
 * ctl.h — what the parts of stafetctl share: the context (where the hub is,
 * output mode), argument parsing, the admin API client and output helpers.
 *
 * stafetctl reads and changes everything through the hub's admin HTTP API
 * (GET/POST/DELETE under /api/, see hub/src/admin_api.c); only `tail` talks
 * to the hub's ZeroMQ endpoint, as a transient subscriber. It never touches
 * Redis: the hub validates and does every change, the same way it would for
 * a client.
 *
 * Exit codes: CTL_OK, CTL_FAILED (the hub refused or the thing does not
 * exist), CTL_USAGE (bad command line), CTL_UNREACHABLE (no hub answered).
 */
#ifndef STAFET_CTL_H
#define STAFET_CTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum { CTL_OK = 0, CTL_FAILED = 1, CTL_USAGE = 2, CTL_UNREACHABLE = 3 };

typedef struct ctl {
  const char *admin;      /* host:port of the admin API */
  const char *endpoint;   /* the hub's ZeroMQ endpoint (tail) */
  const char *token_file; /* the admin token changes need (--token-file) */
  char token[129];
  bool json; /* --json: machine-readable output */
  bool help; /* --help given for the command */
  long timeout_ms;
  FILE *out, *err;
  volatile int *stop; /* set by SIGINT/SIGTERM */
} ctl_t;

/* ---- arguments (args.c) ---- */
#define CTL_MAX_VALUES 16
#define CTL_OPT(n, v)                                                                              \
  { .name = (n), .takes_value = (v) }

/* One option of a command: --name VALUE (repeatable up to CTL_MAX_VALUES) or a --flag. */
typedef struct ctl_opt {
  const char *name; /* without the dashes */
  bool takes_value;
  const char *values[CTL_MAX_VALUES];
  size_t n;
} ctl_opt_t;

/*
 * Splits argv into positional arguments (at most max_pos) and the options in
 * opts. Unknown options, missing values and too many arguments are reported
 * on ctl->err; returns CTL_OK or CTL_USAGE.
 */
int ctl_args(ctl_t *ctl, int argc, char **argv, ctl_opt_t *opts, size_t n_opts, const char **pos,
             size_t max_pos, size_t *n_pos);
/* The last value of an option, or def. */
const char *ctl_opt(const ctl_opt_t *opts, size_t n_opts, const char *name, const char *def);
/* Parses a non-negative number option into *out (unchanged if absent); CTL_USAGE if bad. */
int ctl_opt_u64(ctl_t *ctl, const ctl_opt_t *opts, size_t n_opts, const char *name,
                unsigned long long *out);

/* ---- the admin API (http.c) ---- */
/* Calls the API. body may be NULL. On CTL_OK, *status is the HTTP status and
 * *reply the JSON answer (NULL if the body was not JSON). The caller frees it. */
int ctl_request(ctl_t *ctl, const char *method, const char *path, const json_t *body, long *status,
                json_t **reply);
/* Like ctl_request, but anything but a 2xx status is reported (with the hub's
 * error text) and returned as CTL_FAILED. */
int ctl_call(ctl_t *ctl, const char *method, const char *path, const json_t *body, json_t **reply);
/* A path segment escaped for a URL (malloc'd). */
char *ctl_escape(const char *segment);
/* Prints a reply as indented JSON (--json). */
void ctl_print_json(ctl_t *ctl, const json_t *j);

/* ---- output helpers (format.c) ---- */
/* "3s", "4m12s", "2h05m", "3d04h" into out (>= 16 bytes). */
void ctl_age(long long ms, char *out, size_t size);
/* "2026-11-24 10:15:02" (UTC) of a Unix-ms time into out (>= 24 bytes). */
void ctl_time(long long ms, char *out, size_t size);
/* Draws "[#####.....]  50/100" on stream (a terminal line, redrawn with \r). */
void ctl_progress(FILE *stream, long long done, long long total);
/* Accessors that never fail: "" / 0 for a missing or mistyped member. */
const char *jstr(const json_t *obj, const char *key);
long long jint(const json_t *obj, const char *key);
/* Joins a JSON array of strings with sep into out. */
void jjoin(const json_t *array, const char *sep, char *out, size_t size);

/* ---- commands ---- */
int cmd_status(ctl_t *ctl, int argc, char **argv);
int cmd_adapters(ctl_t *ctl, int argc, char **argv);
int cmd_subs(ctl_t *ctl, int argc, char **argv);
int cmd_dlq(ctl_t *ctl, int argc, char **argv);
int cmd_trace(ctl_t *ctl, int argc, char **argv);
int cmd_tail(ctl_t *ctl, int argc, char **argv);

#endif
