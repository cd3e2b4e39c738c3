/*
 * webhook_config.h — the webhook adapter's subscriptions, read from its
 * settings ([plugin webhook] of the host config; keys are lower snake case,
 * so each subscription's keys start with its name):
 *
 *   subscriptions = kontrolteamet, folkeregister
 *   kontrolteamet_patterns = cpr.person.*, case.case.opened
 *   kontrolteamet_filters = tenant=0751, kle^=32.
 *   kontrolteamet_url = https://kontrol.example/stafet
 *   kontrolteamet_secret = ...            (or _secret_file = /etc/stafet/kontrol.secret)
 *   kontrolteamet_format = json           (json | base64)
 *   kontrolteamet_max_tries = 5           then dead-lettered with the reason
 *   kontrolteamet_retry_min_ms = 1000, _retry_max_ms = 60000, _timeout_ms = 10000,
 *   _credit = 16, _ack_timeout_ms = 600000, _max_deliveries = 100
 *
 * Reading goes through a getter so the unit tests need no host.
 */
#ifndef STAFET_WEBHOOK_CONFIG_H
#define STAFET_WEBHOOK_CONFIG_H

#include "sh_json.h"
#include "webhook_body.h"

#include <stddef.h>

#define WH_MAX_SUBS     16
#define WH_MAX_PATTERNS 16

typedef struct wh_sub_cfg {
  char name[64];
  char *patterns[WH_MAX_PATTERNS]; /* owned */
  size_t n_patterns;
  char *filters[WH_MAX_PATTERNS]; /* owned */
  size_t n_filters;
  char *url;    /* owned */
  char *secret; /* owned */
  wh_format_t format;
  unsigned max_tries, retry_min_ms, retry_max_ms, timeout_ms;
  unsigned credit, ack_timeout_ms, max_deliveries;
} wh_sub_cfg_t;

typedef const char *(*wh_get_fn)(void *arg, const char *key);

/* Reads every subscription. On success *subs (n of them) is the caller's,
 * to free with wh_config_free; on failure e says which key is wrong.
 * Returns 0, STAFET_EINVAL or STAFET_ENOMEM. */
int wh_config_load(wh_get_fn get, void *arg, wh_sub_cfg_t **subs, size_t *n, sh_verr_t *e);
void wh_config_free(wh_sub_cfg_t *subs, size_t n);

/* Splits a comma-separated list (blanks trimmed, empty items dropped) into
 * at most max malloc'ed strings. Returns the count or STAFET_EINVAL/ENOMEM. */
int wh_split_list(const char *text, char **out, size_t max);

#endif
