/*
 * fake_host.h — a stand-in for stafet-adapter in unit tests: a
 * stafet_host_api_t whose functions record what a plugin asks for
 * (publishes with their envelopes, subscriptions, provides, acks, nacks,
 * replies, log lines, counters) and serve settings from a table. No hub, no
 * sockets: the plugin's callbacks are called directly by the test. Used by
 * the cpr and debtor plugin tests.
 */
#ifndef STAFET_TEST_FAKE_HOST_H
#define STAFET_TEST_FAKE_HOST_H

#include "stafet_adapter.h"

#include <stddef.h>

#define FAKE_MAX 64

typedef struct fake_pub {
  char message_id[65], topic[128], type_name[128], tenant[16], correlation_id[65];
  unsigned sensitivity, schema_version;
  int64_t occurred_at_ms;
  char attrs[512]; /* "k=v;k=v;" */
  unsigned char *payload;
  size_t len;
} fake_pub_t;

typedef struct fake_host {
  stafet_host_api_t api;
  const char *keys[FAKE_MAX], *values[FAKE_MAX];
  size_t n_settings;
  fake_pub_t *pubs;
  size_t n_pubs, cap_pubs;
  long publish_limit; /* >= 0: STAFET_EFULL once n_pubs reaches it */
  int publish_error;  /* != 0: every publish returns it */
  char provided[8][64];
  size_t n_provided;
  char subscribed[8][64];
  char sub_patterns[8][256]; /* "p1 p2" */
  char sub_filters[8][256];
  size_t n_subscribed;
  char acked[FAKE_MAX][64];
  size_t n_acked;
  char nacked[FAKE_MAX][64];
  char nack_reason[FAKE_MAX][128];
  int nack_requeue[FAKE_MAX];
  size_t n_nacked;
  char reply_id[64];
  char *reply; /* last reply payload (NUL-terminated) or NULL */
  size_t reply_len;
  char reply_error[256]; /* last reply_error text */
  size_t n_replies, n_reply_errors;
  char *log; /* every log line, '\n'-separated */
  size_t log_len;
  size_t n_warn, n_error;
} fake_host_t;

/* Fills h->api with the recording functions. Free with fake_host_free(). */
void fake_host_init(fake_host_t *h);
void fake_host_free(fake_host_t *h);
/* A setting the plugin reads with api->config (strings borrowed). */
void fake_host_set(fake_host_t *h, const char *key, const char *value);
/* The host handle to pass to the plugin's init. */
stafet_host_t *fake_host_handle(fake_host_t *h);
/* Forgets recorded publishes, acks, nacks and replies. */
void fake_host_clear(fake_host_t *h);
/* Attribute value of a publish, or NULL. Returns a pointer into a static buffer. */
const char *fake_pub_attr(const fake_pub_t *p, const char *key);
/* 1 if the log holds something that looks like an unmasked CPR number. */
int fake_log_has_cpr(const fake_host_t *h);

#endif
