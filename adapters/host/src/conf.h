/*
 * conf.h — the settings of stafet-adapter: an INI-style file with global
 * `key = value` lines first and then one `[plugin NAME]` section per plugin.
 *
 *   hub = ipc:///run/stafet/hub.sock
 *   tick_ms = 200
 *
 *   [plugin template]
 *   path = /usr/lib/stafet/adapters/libstafet_adapter_template.so
 *   # the plugin's own keys follow
 *   greeting = hej
 *
 * Lines starting with `#` or `;` (after blanks) are comments; a `#` inside a
 * value is part of the value (secrets and URLs have them). A value may be
 * wrapped in double quotes to keep blanks at its ends. The global keys are
 * described by one table that also prints --help, so the two never disagree.
 * A plugin section needs `path`; its other keys belong to the plugin and are
 * served to it unread through api->config.
 */
#ifndef STAFET_HOST_CONF_H
#define STAFET_HOST_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONF_STR_MAX     512
#define CONF_NAME_MAX    64 /* plugin names: lower snake case, 1..63 bytes */
#define CONF_MAX_PLUGINS 64

typedef struct conf_kv {
  char *key;
  char *value;
} conf_kv_t;

typedef struct conf_plugin {
  char name[CONF_NAME_MAX];
  const char *path; /* points at the value of the `path` key */
  conf_kv_t *keys;  /* every key of the section, `path` included, in file order */
  size_t n_keys, cap;
  int line; /* where the section starts, for messages */
} conf_plugin_t;

typedef struct host_conf {
  char hub[CONF_STR_MAX];                   /* ZeroMQ endpoint of the hub */
  char log_level[16];                       /* debug, info, warn, error */
  char state_dir[CONF_STR_MAX];             /* outbox journals live here */
  char metrics_dir[CONF_STR_MAX];           /* "" = no metrics files */
  char curve_server_key_file[CONF_STR_MAX]; /* "" = no CURVE */
  char curve_keys_dir[CONF_STR_MAX];        /* <NAME>.key and <NAME>.pub per plugin */
  uint64_t tick_ms;
  uint64_t metrics_interval_ms;
  uint64_t heartbeat_ms;
  uint64_t reconnect_max_ms;
  uint64_t hub_timeout_ms; /* subscribe/provide wait this long for the hub */
  uint64_t stop_timeout_ms;
  uint64_t restart_min_ms;
  uint64_t restart_max_ms;
  uint64_t restart_reset_ms;
  uint64_t outbox_max;
  uint64_t outbox_fsync; /* 1 = yes */
  conf_plugin_t *plugins;
  size_t n_plugins;
} host_conf_t;

/* Fills every global with its default; no plugins. */
void conf_defaults(host_conf_t *cfg);

/*
 * Reads a config file into cfg (which conf_defaults() prepared). Returns 0,
 * or STAFET_EINVAL with "file:line: reason" in err (cfg must still be freed
 * with conf_free()), or STAFET_ENOMEM.
 */
int conf_load(host_conf_t *cfg, const char *path, char *err, size_t err_size);

/* The same from an open stream; `name` is used in messages. */
int conf_load_stream(host_conf_t *cfg, FILE *in, const char *name, char *err, size_t err_size);

/* Frees the plugin sections (the globals need nothing). */
void conf_free(host_conf_t *cfg);

/* A plugin's value for key, or NULL. Owned by cfg. */
const char *conf_plugin_get(const conf_plugin_t *p, const char *key);

/* 1 if s is lower snake case ([a-z0-9_], starting with a letter), 1..max-1 bytes. */
int conf_name_valid(const char *s, size_t max);

/* Writes the part of --help that lists every global key with its default. */
void conf_print_keys(FILE *out);

#endif
