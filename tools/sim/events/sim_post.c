/*
 * sim_post.c — paced posting of generated events (see sim_post.h).
 */
#include "sim_post.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char USAGE[] =
    "usage: %s [--url URL] [--kind calls|bookings|inquiries|mixed|esdh] [--rate PER_SECOND]\n"
    "          [--count N] [--seed N] [--tenant KOMMUNEKODE] [--quiet]\n"
    "Posts synthetic events (synthetic CPR numbers only) to an adapter's HTTP endpoint.\n";

static int option_value(int argc, char **argv, int *i, const char **out) {
  if (*i + 1 >= argc) {
    fprintf(stderr, "%s needs a value\n", argv[*i]);
    return -1;
  }
  *out = argv[++*i];
  return 0;
}

static int apply(const char *name, const char *v, sim_options_t *o) {
  if (strcmp(name, "--url") == 0)
    o->url = v;
  else if (strcmp(name, "--kind") == 0)
    return sim_kind_parse(v, &o->kind);
  else if (strcmp(name, "--rate") == 0)
    o->rate = atof(v);
  else if (strcmp(name, "--count") == 0)
    o->count = strtoul(v, NULL, 10);
  else if (strcmp(name, "--seed") == 0)
    o->seed = strtoull(v, NULL, 10);
  else if (strcmp(name, "--tenant") == 0)
    o->tenant = v;
  else
    return -1;
  return 0;
}

int sim_options_parse(int argc, char **argv, sim_options_t *o) {
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf(USAGE, argv[0]);
      return 1;
    }
    if (strcmp(argv[i], "--quiet") == 0) {
      o->quiet = 1;
      continue;
    }
    if (option_value(argc, argv, &i, &v) != 0 || apply(argv[i - 1], v, o) != 0) {
      fprintf(stderr, "bad option %s\n", argv[i - 1]);
      fprintf(stderr, USAGE, argv[0]);
      return -1;
    }
  }
  return 0;
}

static long long mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the n-th event is due at the chosen rate (pacing, not syncing). */
static void pace(const sim_options_t *o, long long started_ms, unsigned long n) {
  if (o->rate <= 0)
    return;
  long long due = started_ms + (long long)((double)n * 1000.0 / o->rate);
  long long wait = due - mono_ms();
  if (wait > 0) {
    struct timespec ts = {.tv_sec = wait / 1000, .tv_nsec = (wait % 1000) * 1000000};
    nanosleep(&ts, NULL);
  }
}

static size_t discard(char *data, size_t size, size_t nmemb, void *arg) {
  return size * nmemb;
}

static void post_one(CURL *curl, const sim_options_t *o, const char *json, sim_totals_t *t) {
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  t->posted++;
  if (rc != CURLE_OK)
    t->failed++;
  else if (status >= 200 && status < 300)
    t->accepted++;
  else
    t->rejected++;
  if (!o->quiet)
    printf("%ld %s\n", rc == CURLE_OK ? status : 0L, rc == CURLE_OK ? "" : curl_easy_strerror(rc));
}

int sim_post_run(const sim_options_t *o, sim_totals_t *t) {
  memset(t, 0, sizeof *t);
  CURL *curl = curl_easy_init();
  if (curl == NULL)
    return -1;
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, o->url);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  sim_gen_t g;
  sim_gen_init(&g, o->seed, o->tenant);
  long long started = mono_ms();
  for (unsigned long n = 0; o->count == 0 || n < o->count; n++) {
    pace(o, started, n);
    g.now_ms = wall_ms();
    char *json = sim_gen_next(&g, o->kind);
    if (json == NULL)
      break;
    post_one(curl, o, json, t);
    free(json);
    fflush(stdout);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return 0;
}

int sim_main(int argc, char **argv, const char *default_url, sim_kind_t default_kind) {
  sim_options_t o = {.url = default_url,
                     .kind = default_kind,
                     .rate = 5,
                     .count = 100,
                     .seed = 1,
                     .tenant = "0751"};
  int rc = sim_options_parse(argc, argv, &o);
  if (rc != 0)
    return rc > 0 ? 0 : 2;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  sim_totals_t t;
  rc = sim_post_run(&o, &t);
  curl_global_cleanup();
  printf("posted=%lu accepted=%lu rejected=%lu failed=%lu\n", t.posted, t.accepted, t.rejected,
         t.failed);
  return rc == 0 && t.failed == 0 && t.rejected == 0 ? 0 : 1;
}
