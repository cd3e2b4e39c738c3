/*
 * subs.c — the remembered subscriptions (see subs.h).
 */
#include "subs.h"

#include <stdlib.h>
#include <string.h>

/* Copies n strings into a new array (owned by the caller). 0 or STAFET_ENOMEM. */
static int copy_strings(const char *const *in, size_t n, char ***out) {
  *out = NULL;
  if (n == 0)
    return 0;
  char **v = calloc(n, sizeof *v);
  if (!v)
    return STAFET_ENOMEM;
  *out = v;
  for (size_t i = 0; i < n; i++)
    if (!in[i] || !(v[i] = strdup(in[i])))
      return in[i] ? STAFET_ENOMEM : STAFET_EINVAL;
  return 0;
}

static void free_strings(char **v, size_t n) {
  if (!v)
    return;
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

static void copy_numbers(sdk_sub_t *s, const stafet_subscription_t *def) {
  s->transient = def->transient != 0;
  s->credit = def->credit;
  s->ack_timeout_ms = def->ack_timeout_ms;
  s->max_deliveries = def->max_deliveries;
  s->retention_ms = def->retention_ms;
  s->max_len = def->max_len;
  s->start_time_ms = def->start_time_ms;
}

int sdk_sub_new(const stafet_subscription_t *def, stafet_deliver_cb cb, void *arg,
                sdk_sub_t **out) {
  if (!def || !def->name || !*def->name || (def->n_patterns && !def->patterns) ||
      (def->n_filters && !def->filters))
    return STAFET_EINVAL;
  sdk_sub_t *s = calloc(1, sizeof *s);
  if (!s)
    return STAFET_ENOMEM;
  int rc = STAFET_ENOMEM;
  s->n_patterns = def->n_patterns;
  s->n_filters = def->n_filters;
  if (!(s->name = strdup(def->name)))
    goto out;
  if ((rc = copy_strings(def->patterns, def->n_patterns, &s->patterns)) < 0 ||
      (rc = copy_strings(def->filters, def->n_filters, &s->filters)) < 0)
    goto out;
  rc = STAFET_ENOMEM;
  if (def->start_id && *def->start_id && !(s->start_id = strdup(def->start_id)))
    goto out;
  copy_numbers(s, def);
  s->replay_pending = s->start_id != NULL || s->start_time_ms != 0;
  s->cb = cb;
  s->arg = arg;
  *out = s;
  return 0;
out:
  sdk_sub_free(s);
  return rc;
}

void sdk_sub_free(sdk_sub_t *s) {
  if (!s)
    return;
  free(s->name);
  free_strings(s->patterns, s->n_patterns);
  free_strings(s->filters, s->n_filters);
  free(s->start_id);
  free(s);
}

void sdk_sub_free_all(sdk_sub_t *list) {
  while (list) {
    sdk_sub_t *next = list->next;
    sdk_sub_free(list);
    list = next;
  }
}

sdk_sub_t *sdk_sub_find(sdk_sub_t *list, const char *name) {
  for (; list; list = list->next)
    if (strcmp(list->name, name) == 0)
      return list;
  return NULL;
}

sdk_sub_t *sdk_sub_find_seq(sdk_sub_t *list, uint64_t seq) {
  if (seq == 0)
    return NULL;
  for (; list; list = list->next)
    if (list->sent_seq == seq)
      return list;
  return NULL;
}

void sdk_sub_unlink(sdk_sub_t **list, sdk_sub_t *s) {
  for (sdk_sub_t **p = list; *p; p = &(*p)->next) {
    if (*p == s) {
      *p = s->next;
      s->next = NULL;
      return;
    }
  }
}

void sdk_sub_reset_all(sdk_sub_t *list) {
  for (; list; list = list->next) {
    list->sent_seq = 0;
    list->active = 0;
    list->retry_at = 0;
  }
}

void sdk_sub_to_wire(const sdk_sub_t *s, Stafet__Wire__V1__Subscribe *w) {
  stafet__wire__v1__subscribe__init(w);
  w->name = s->name;
  w->patterns = s->patterns;
  w->n_patterns = s->n_patterns;
  w->filters = s->filters;
  w->n_filters = s->n_filters;
  w->mode = s->transient ? STAFET__WIRE__V1__SUBSCRIPTION_MODE__MODE_TRANSIENT
                         : STAFET__WIRE__V1__SUBSCRIPTION_MODE__MODE_DURABLE;
  w->credit = s->credit;
  w->ack_timeout_ms = s->ack_timeout_ms;
  w->max_deliveries = s->max_deliveries;
  w->retention_ms = s->retention_ms;
  w->max_len = s->max_len;
  if (s->replay_pending) {
    w->start_id = s->start_id ? s->start_id : (char *)"";
    w->start_time_ms = s->start_time_ms;
  }
}
