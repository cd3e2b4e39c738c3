/*
 * stats.c — see stats.h.
 */
#include "stats.h"

#include "conf.h"
#include "stafet.h"

#include <stdio.h>
#include <string.h>

static stats_item_t *item_get(stats_t *s, const char *name, int gauge) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->items[i].name, name) == 0)
      return s->items[i].gauge == gauge ? &s->items[i] : NULL;
  if (s->n == STATS_MAX_ITEMS || strlen(name) >= STATS_NAME_MAX)
    return NULL;
  stats_item_t *it = &s->items[s->n++];
  snprintf(it->name, sizeof it->name, "%s", name);
  it->value = 0;
  it->gauge = gauge;
  return it;
}

static int item_update(stats_t *s, const char *name, double v, int gauge) {
  if (!conf_name_valid(name, STATS_NAME_MAX))
    return STAFET_EINVAL;
  stats_item_t *it = item_get(s, name, gauge);
  if (it == NULL)
    return s->n == STATS_MAX_ITEMS ? STAFET_EFULL : STAFET_EINVAL;
  it->value = gauge ? v : it->value + v;
  return 0;
}

int stats_add(stats_t *s, const char *name, double delta) {
  return item_update(s, name, delta, 0);
}

int stats_set(stats_t *s, const char *name, double value) {
  return item_update(s, name, value, 1);
}

int stats_plugin_name(const char *name, int gauge, char out[STATS_NAME_MAX]) {
  if (name == NULL || !conf_name_valid(name, 49))
    return STAFET_EINVAL;
  snprintf(out, STATS_NAME_MAX, "stafet_plugin_%s%s", name, gauge ? "" : "_total");
  return 0;
}

void stats_type_line(FILE *out, const char *name, int gauge) {
  fprintf(out, "# TYPE %s %s\n", name, gauge ? "gauge" : "counter");
}

void stats_sample_line(FILE *out, const char *name, const char *plugin, double value) {
  fprintf(out, "%s{plugin=\"%s\"} %.17g\n", name, plugin, value);
}

void stats_format(const stats_t *s, const char *plugin, FILE *out) {
  for (size_t i = 0; i < s->n; i++) {
    stats_type_line(out, s->items[i].name, s->items[i].gauge);
    stats_sample_line(out, s->items[i].name, plugin, s->items[i].value);
  }
}

int stats_file_open(stats_file_t *sf, const char *dir, const char *file_name) {
  snprintf(sf->path, sizeof sf->path, "%s/%s", dir, file_name);
  snprintf(sf->tmp, sizeof sf->tmp, "%s.tmp", sf->path);
  sf->f = fopen(sf->tmp, "w");
  return sf->f ? 0 : STAFET_EIO;
}

int stats_file_commit(stats_file_t *sf) {
  int rc = ferror(sf->f) ? STAFET_EIO : 0;
  if (fclose(sf->f) != 0)
    rc = STAFET_EIO;
  sf->f = NULL;
  if (rc == 0 && rename(sf->tmp, sf->path) != 0)
    rc = STAFET_EIO;
  if (rc < 0)
    remove(sf->tmp);
  return rc;
}
