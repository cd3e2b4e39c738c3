/*
 * conf.c — reads stafet-adapter's config file (see conf.h). One table of
 * global keys (name, kind, field, default, help) drives the defaults, the
 * parser and --help. Plugin sections are kept as they are written, for the
 * plugin to read through api->config.
 */
#include "conf.h"

#include "stafet.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef enum { KEY_TEXT, KEY_NUMBER, KEY_YESNO } key_kind_t;

typedef struct key_def {
  const char *key;
  key_kind_t kind;
  size_t offset;
  size_t size; /* text only: the field's capacity */
  const char *def;
  const char *help;
} key_def_t;

#define TEXT(f, def, help)                                                                         \
  { #f, KEY_TEXT, offsetof(host_conf_t, f), sizeof(((host_conf_t *)0)->f), def, help }
#define NUMBER(f, def, help)                                                                       \
  { #f, KEY_NUMBER, offsetof(host_conf_t, f), 0, def, help }
#define YESNO(f, def, help)                                                                        \
  { #f, KEY_YESNO, offsetof(host_conf_t, f), 0, def, help }

static const key_def_t keys[] = {
    TEXT(hub, "tcp://127.0.0.1:7400",
         "the hub's ZeroMQ endpoint (tcp://host:port or ipc:///path), or a comma-separated "
         "list of hubs to fail over between"),
    TEXT(log_level, "info", "debug, info, warn or error"),
    TEXT(state_dir, "./stafet-adapter-data",
         "the outbox journals (<state_dir>/<plugin>.outbox); one host per dir"),
    TEXT(metrics_dir, "", "Prometheus text files go here (see FILES); \"\" = none"),
    TEXT(curve_server_key_file, "",
         "CURVE on: the hub's public key (hub.pub of `stafet-keys gen hub`); \"\" = off"),
    TEXT(curve_keys_dir, "/etc/stafet/adapters",
         "CURVE: each plugin's key pair NAME.key and NAME.pub (`stafet-keys gen NAME`)"),
    NUMBER(tick_ms, "200", "call each plugin's on_tick about this often"),
    NUMBER(metrics_interval_ms, "5000", "rewrite the metrics files this often"),
    NUMBER(heartbeat_ms, "1000", "heartbeat to the hub (the hub's value wins)"),
    NUMBER(reconnect_max_ms, "5000", "longest back-off between attempts to reach the hub"),
    NUMBER(hub_timeout_ms, "5000", "api->subscribe and api->provide wait this long for the hub"),
    NUMBER(stop_timeout_ms, "5000",
           "SIGTERM: longest wait for the hub to take the outbox (rest: journal)"),
    NUMBER(restart_min_ms, "500", "first back-off before a failed plugin is started again"),
    NUMBER(restart_max_ms, "60000", "the back-off doubles per failure up to this"),
    NUMBER(restart_reset_ms, "60000", "a plugin running this long is healthy: back-off resets"),
    NUMBER(outbox_max, "100000", "most unacknowledged publishes per plugin (then STAFET_EFULL)"),
    YESNO(outbox_fsync, "yes",
          "fsync the journal before publish returns (no: survives kill -9, not power loss)"),
};

#define N_KEYS (sizeof keys / sizeof keys[0])

static const key_def_t *key_find(const char *key) {
  for (size_t i = 0; i < N_KEYS; i++)
    if (strcmp(keys[i].key, key) == 0)
      return &keys[i];
  return NULL;
}

static int parse_yesno(const char *v, uint64_t *out) {
  if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
    return *out = 1, 0;
  if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
    return *out = 0, 0;
  return STAFET_EINVAL;
}

static int parse_number(const char *v, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || v[0] == '-')
    return STAFET_EINVAL;
  *out = n;
  return 0;
}

/* Stores value in the field of def; STAFET_EINVAL with the reason in why. */
static int key_apply(host_conf_t *cfg, const key_def_t *def, const char *value, char *why,
                     size_t why_size) {
  char *field = (char *)cfg + def->offset;
  if (def->kind == KEY_TEXT) {
    if (strlen(value) >= def->size) {
      snprintf(why, why_size, "%s: value longer than %zu bytes", def->key, def->size - 1);
      return STAFET_EINVAL;
    }
    memcpy(field, value, strlen(value) + 1);
    return 0;
  }
  uint64_t n;
  int rc = def->kind == KEY_YESNO ? parse_yesno(value, &n) : parse_number(value, &n);
  if (rc < 0) {
    snprintf(why, why_size, "%s: '%s' is not %s", def->key, value,
             def->kind == KEY_YESNO ? "yes or no" : "a non-negative whole number");
    return rc;
  }
  memcpy(field, &n, sizeof n);
  return 0;
}

void conf_defaults(host_conf_t *cfg) {
  memset(cfg, 0, sizeof *cfg);
  char why[128];
  for (size_t i = 0; i < N_KEYS; i++)
    (void)key_apply(cfg, &keys[i], keys[i].def, why, sizeof why);
}

void conf_print_keys(FILE *out) {
  for (size_t i = 0; i < N_KEYS; i++)
    fprintf(out, "  %s = %s\n      %s\n", keys[i].key, keys[i].def[0] ? keys[i].def : "\"\"",
            keys[i].help);
}

int conf_name_valid(const char *s, size_t max) {
  size_t n = strlen(s);
  if (n == 0 || n >= max || !islower((unsigned char)s[0]))
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
      return 0;
  return 1;
}

const char *conf_plugin_get(const conf_plugin_t *p, const char *key) {
  for (size_t i = 0; p != NULL && key != NULL && i < p->n_keys; i++)
    if (strcmp(p->keys[i].key, key) == 0)
      return p->keys[i].value;
  return NULL;
}

void conf_free(host_conf_t *cfg) {
  for (size_t i = 0; i < cfg->n_plugins; i++) {
    for (size_t k = 0; k < cfg->plugins[i].n_keys; k++) {
      free(cfg->plugins[i].keys[k].key);
      free(cfg->plugins[i].keys[k].value);
    }
    free(cfg->plugins[i].keys);
  }
  free(cfg->plugins);
  cfg->plugins = NULL;
  cfg->n_plugins = 0;
}

/* ---- the parser ---- */

typedef struct parser {
  host_conf_t *cfg;
  const char *name;
  int line;
  conf_plugin_t *section; /* NULL: globals */
  char *err;
  size_t err_size;
} parser_t;

/* Formats "name:line: reason" into the error buffer; returns STAFET_EINVAL. */
static int fail(parser_t *p, const char *reason) {
  if (p->line > 0)
    snprintf(p->err, p->err_size, "%s:%d: %s", p->name, p->line, reason);
  else
    snprintf(p->err, p->err_size, "%s: %s", p->name, reason);
  return STAFET_EINVAL;
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  return s;
}

static char *unquote(char *s) {
  size_t n = strlen(s);
  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
    s[n - 1] = '\0';
    s++;
  }
  return s;
}

/* "[plugin NAME]": opens a new plugin section. */
static int open_section(parser_t *p, char *text) {
  size_t n = strlen(text);
  if (text[n - 1] != ']')
    return fail(p, "section header without ']'");
  text[n - 1] = '\0';
  char *inner = trim(text + 1);
  if (strncmp(inner, "plugin", 6) != 0 || !isspace((unsigned char)inner[6]))
    return fail(p, "unknown section: expected [plugin NAME]");
  char *name = trim(inner + 6);
  if (!conf_name_valid(name, CONF_NAME_MAX))
    return fail(p, "plugin name must be lower snake case ([a-z][a-z0-9_]*, at most 63 bytes)");
  host_conf_t *cfg = p->cfg;
  for (size_t i = 0; i < cfg->n_plugins; i++)
    if (strcmp(cfg->plugins[i].name, name) == 0)
      return fail(p, "a plugin of this name is configured already");
  if (cfg->n_plugins == CONF_MAX_PLUGINS)
    return fail(p, "too many plugins (at most 64 per host)");
  conf_plugin_t *grown = realloc(cfg->plugins, (cfg->n_plugins + 1) * sizeof *grown);
  if (grown == NULL)
    return STAFET_ENOMEM;
  cfg->plugins = grown;
  p->section = &cfg->plugins[cfg->n_plugins++];
  memset(p->section, 0, sizeof *p->section);
  snprintf(p->section->name, sizeof p->section->name, "%s", name);
  p->section->line = p->line;
  return 0;
}

static int plugin_add_key(parser_t *p, const char *key, const char *value) {
  conf_plugin_t *s = p->section;
  if (conf_plugin_get(s, key) != NULL)
    return fail(p, "key given twice in this section");
  if (s->n_keys == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    conf_kv_t *grown = realloc(s->keys, cap * sizeof *grown);
    if (grown == NULL)
      return STAFET_ENOMEM;
    s->keys = grown;
    s->cap = cap;
  }
  conf_kv_t *kv = &s->keys[s->n_keys];
  kv->key = strdup(key);
  kv->value = strdup(value);
  if (kv->key == NULL || kv->value == NULL) {
    free(kv->key);
    free(kv->value);
    return STAFET_ENOMEM;
  }
  s->n_keys++;
  return 0;
}

static int set_key(parser_t *p, char *text) {
  char *eq = strchr(text, '=');
  if (eq == NULL)
    return fail(p, "expected 'key = value'");
  *eq = '\0';
  char *key = trim(text), *value = unquote(trim(eq + 1));
  if (!conf_name_valid(key, CONF_NAME_MAX))
    return fail(p, "key must be lower snake case");
  if (p->section != NULL)
    return plugin_add_key(p, key, value);
  const key_def_t *def = key_find(key);
  if (def == NULL)
    return fail(p, "unknown global key (see --help; plugin keys go below [plugin NAME])");
  char why[256];
  return key_apply(p->cfg, def, value, why, sizeof why) < 0 ? fail(p, why) : 0;
}

static int parse_line(parser_t *p, char *raw) {
  char *text = trim(raw);
  if (*text == '\0' || *text == '#' || *text == ';')
    return 0;
  return *text == '[' ? open_section(p, text) : set_key(p, text);
}

/* 1 if every comma-separated item is tcp://... or ipc://... with something after. */
static int hub_list_valid(const char *list) {
  for (const char *item = list;;) {
    size_t n = strcspn(item, ",");
    if (n <= 6 || (strncmp(item, "tcp://", 6) != 0 && strncmp(item, "ipc://", 6) != 0))
      return 0;
    if (item[n] == '\0')
      return 1;
    item += n + 1;
  }
}

/* What must hold once the whole file is read. */
static int check_whole(parser_t *p) {
  host_conf_t *cfg = p->cfg;
  p->line = 0; /* about the file as a whole */
  if (!hub_list_valid(cfg->hub))
    return fail(p, "hub: expected tcp://host:port or ipc:///path, or a comma-separated list");
  if (cfg->tick_ms == 0 || cfg->restart_min_ms == 0 || cfg->hub_timeout_ms == 0 ||
      cfg->metrics_interval_ms == 0 || cfg->outbox_max == 0)
    return fail(p, "tick_ms, metrics_interval_ms, restart_min_ms, hub_timeout_ms and outbox_max "
                   "must be above 0");
  if (cfg->restart_max_ms < cfg->restart_min_ms)
    return fail(p, "restart_max_ms is below restart_min_ms");
  if (strcmp(cfg->log_level, "debug") && strcmp(cfg->log_level, "info") &&
      strcmp(cfg->log_level, "warn") && strcmp(cfg->log_level, "error"))
    return fail(p, "log_level: expected debug, info, warn or error");
  if (cfg->n_plugins == 0)
    return fail(p, "no [plugin NAME] section: nothing to run");
  for (size_t i = 0; i < cfg->n_plugins; i++) {
    conf_plugin_t *pl = &cfg->plugins[i];
    pl->path = conf_plugin_get(pl, "path");
    if (pl->path == NULL || pl->path[0] == '\0') {
      p->line = pl->line;
      return fail(p, "plugin section has no 'path = /path/libstafet_adapter_NAME.so'");
    }
  }
  return 0;
}

int conf_load_stream(host_conf_t *cfg, FILE *in, const char *name, char *err, size_t err_size) {
  parser_t p = {.cfg = cfg, .name = name, .err = err, .err_size = err_size};
  char line[4096];
  int rc = 0;
  while (rc == 0 && fgets(line, sizeof line, in) != NULL) {
    p.line++;
    size_t n = strlen(line);
    if (n == sizeof line - 1 && line[n - 1] != '\n' && !feof(in))
      rc = fail(&p, "line longer than 4095 bytes");
    else
      rc = parse_line(&p, line);
  }
  return rc != 0 ? rc : check_whole(&p);
}

int conf_load(host_conf_t *cfg, const char *path, char *err, size_t err_size) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    snprintf(err, err_size, "%s: %s", path, strerror(errno));
    return STAFET_EINVAL;
  }
  int rc = conf_load_stream(cfg, f, path, err, err_size);
  fclose(f);
  return rc;
}
