/*
 * http_it.h — what the integration tests of the HTTP adapters (case,
 * contact, webhook) share on top of the harness: blocking HTTP calls from
 * the test (libcurl; in a thread when the test must keep polling hub
 * clients meanwhile), waiting for a port file, child processes (the fake
 * ESDH, the adapter host) and files in rejected/.
 *
 * Waits poll a condition with a deadline; nothing sleeps to synchronise.
 */
#ifndef STAFET_HTTP_IT_H
#define STAFET_HTTP_IT_H

#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

/* One HTTP exchange. status 0: no answer (error has curl's text). */
typedef struct it_http {
  const char *method, *url, *content_type, *body;
  long status;
  char *response; /* malloc'ed, NUL-terminated ("" when none); it_http_free */
  char error[256];
  pthread_t thread;
  atomic_int done;
} it_http_t;

/* Runs the exchange now (blocking) and returns status. */
long it_http_run(it_http_t *h);
/* Starts the exchange in a thread; poll it_http_done() while polling clients. */
void it_http_start(it_http_t *h);
/* Polls clients (NULL-terminated or NULL) until the exchange started with
 * it_http_start finished or timeout_ms passed; joins the thread. 1 if done. */
int it_http_wait(it_http_t *h, stafet_client_t **clients, int timeout_ms);
void it_http_free(it_http_t *h);
/* Shorthand: method url body (content type application/json); returns the
 * status and (if out is not NULL) the body, malloc'ed. */
long it_http(const char *method, const char *url, const char *body, char **out);

/* Waits (polling clients, may be NULL) for a file holding a port number. 0: timed out. */
unsigned it_wait_port(const char *path, int timeout_ms, stafet_client_t **clients);
/* Number of files in dir whose name ends with suffix (-1: no dir). */
int it_count_files(const char *dir, const char *suffix);
/* The whole file of the first name in dir ending with suffix, malloc'ed; NULL if none. */
char *it_read_first(const char *dir, const char *suffix);

/* Child processes: argv[0] is the binary; stdout and stderr go to log_path. */
pid_t it_spawn(char *const argv[], const char *log_path);
/* SIGTERM, then reap. */
void it_stop(pid_t pid);

/* The fake ESDH (tools/sim/esdh) on a free port in dir; returns its port or 0. */
unsigned it_esdh_start(pid_t *pid, const char *dir, stafet_client_t **clients);

#endif
