/*
 * stats.h — a plugin process's metrics (the host's own and the plugin's
 * counter_add / gauge_set), and writing them as a Prometheus text file.
 *
 * Files are written whole to a temp name and renamed, so a reader (such as
 * node_exporter's textfile collector, which reads every *.prom in a
 * directory) never sees half a file. Every sample carries the label
 * plugin="NAME".
 */
#ifndef STAFET_HOST_STATS_H
#define STAFET_HOST_STATS_H

#include <stddef.h>
#include <stdio.h>

#define STATS_MAX_ITEMS 256
#define STATS_NAME_MAX  96 /* a full metric name, e.g. stafet_plugin_records_read_total */

typedef struct stats_item {
  char name[STATS_NAME_MAX];
  double value;
  int gauge; /* 0: counter */
} stats_item_t;

typedef struct stats {
  stats_item_t items[STATS_MAX_ITEMS];
  size_t n;
} stats_t;

/* Adds delta to counter `name` (a full metric name), creating it at 0.
 * 0, STAFET_EINVAL (a bad name or a gauge of that name) or STAFET_EFULL. */
int stats_add(stats_t *s, const char *name, double delta);
/* Sets gauge `name`. Same returns. */
int stats_set(stats_t *s, const char *name, double value);

/* The metric name for a plugin's own metric: stafet_plugin_<name>, with
 * _total for a counter. STAFET_EINVAL if name is not lower snake case of at
 * most 48 bytes. */
int stats_plugin_name(const char *name, int gauge, char out[STATS_NAME_MAX]);

/* Writes one "# TYPE" line and one sample (label plugin="...") per item. */
void stats_format(const stats_t *s, const char *plugin, FILE *out);

/*
 * A Prometheus file being written: stats_file_open() opens path.tmp,
 * stats_file_commit() renames it over path. 0 or STAFET_EIO.
 */
typedef struct stats_file {
  FILE *f;
  char path[1024], tmp[1040];
} stats_file_t;

int stats_file_open(stats_file_t *sf, const char *dir, const char *file_name);
int stats_file_commit(stats_file_t *sf);

/* One "# TYPE name type" line, and one sample line with the plugin label. */
void stats_type_line(FILE *out, const char *name, int gauge);
void stats_sample_line(FILE *out, const char *name, const char *plugin, double value);

#endif
