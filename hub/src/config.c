/*
 * config.c — one table of settings (name, type, where it lives in
 * hub_config_t, help text) drives defaults, the config file, the flags and
 * --help.
 */
#include "config.h"

#include "stafet.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { OPT_STR, OPT_U64 } opt_type_t;

typedef struct option_def {
  const char *key;
  opt_type_t type;
  size_t offset;
  size_t size; /* for strings */
  const char *def;
  const char *help;
} option_def_t;

#define STR_OPT(field, def, help)                                                                  \
  { #field, OPT_STR, offsetof(hub_config_t, field), sizeof(((hub_config_t *)0)->field), def, help }
#define U64_OPT(field, def, help)                                                                  \
  { #field, OPT_U64, offsetof(hub_config_t, field), 0, def, help }

static const option_def_t options[] = {
    STR_OPT(bind_tcp, "tcp://127.0.0.1:7400",
            "ZeroMQ TCP endpoint clients connect to (\"\" = none)"),
    STR_OPT(bind_ipc, "",
            "ZeroMQ IPC endpoint (default ipc://<data_dir>/hub.sock; \"none\" = no IPC)"),
    STR_OPT(data_dir, "./stafet-data", "directory for the embedded Redis (AOF) and sockets"),
    STR_OPT(redis, "",
            "Redis address: unix:/path or host:port; empty = start an embedded redis-server"),
    STR_OPT(redis_server, "redis-server", "redis-server binary for the embedded Redis"),
    STR_OPT(redis_appendfsync, "always", "embedded Redis AOF fsync policy: always or everysec"),
    STR_OPT(curve_secret_key_file, "",
            "file with the hub's CURVE secret key (Z85): turns on authentication and ACLs"),
    STR_OPT(redis_sentinels, "",
            "Redis Sentinels host:port,host:port: find (and follow) the master through them"),
    STR_OPT(redis_master_name, "stafet", "the master's name in Sentinel"),
    U64_OPT(redis_wait_replicas, "0",
            "acknowledge a publish only once this many replicas hold it (Redis WAIT)"),
    U64_OPT(redis_wait_timeout_ms, "1000", "longest WAIT for replicas before STORE_UNAVAILABLE"),
    U64_OPT(redis_timeout_ms, "3000",
            "drop a Redis connection that has not answered waiting commands for this long"),
    STR_OPT(redis_user, "", "external Redis: ACL user to AUTH as (embedded: generated)"),
    STR_OPT(redis_password_file, "",
            "external Redis: file with the AUTH password (embedded: data_dir/redis.pass)"),
    STR_OPT(prefix, "stafet:", "prefix of every Redis key the hub uses"),
    STR_OPT(hub_id, "", "this hub's id (default <hostname>-<pid>)"),
    STR_OPT(log_level, "info", "debug, info, warn or error"),
    U64_OPT(heartbeat_ms, "1000", "heartbeat interval; a peer silent for 3x is dead"),
    U64_OPT(ack_timeout_ms, "30000", "default: redeliver a durable message unacked this long"),
    U64_OPT(max_deliveries, "5", "default: dead-letter after this many deliveries"),
    U64_OPT(retention_ms, "604800000", "default: keep acknowledged messages this long for replay"),
    U64_OPT(credit, "100", "default consumer window (unacked deliveries in flight)"),
    U64_OPT(dedupe_ttl_ms, "3600000",
            "remember accepted message ids at least this long (at most 1.5x)"),
    U64_OPT(max_frame_bytes, "1048576", "largest frame accepted"),
    U64_OPT(read_batch, "500", "most messages fetched from a queue in one Redis read"),
    U64_OPT(store_batches_in_flight, "4",
            "publish batches sent to Redis and not answered before the next one waits for "
            "an answer (and grows); 0 = no limit"),
    U64_OPT(send_hwm, "100000",
            "messages queued for one peer before sends to it fail (ZeroMQ SNDHWM; a message "
            "of gathered deliveries holds up to 64); acks and durable deliveries are bounded "
            "by publish windows and credit, so this is only a backstop"),
    U64_OPT(claim_interval_ms, "1000", "how often to look for deliveries to redeliver"),
    U64_OPT(poll_interval_ms, "200", "how often to look for messages stored by other hubs"),
    U64_OPT(trim_interval_ms, "60000", "how often to apply retention"),
    U64_OPT(stale_consumer_ms, "600000",
            "forget a queue consumer idle this long that holds nothing (dead sessions)"),
    U64_OPT(drain_timeout_ms, "5000", "on SIGTERM, longest wait for in-flight work"),
    STR_OPT(admin_bind, "127.0.0.1:7480",
            "admin HTTP (metrics, API, dashboard) host:port; port 0 = any free one (logged); "
            "\"none\" = off"),
    STR_OPT(admin_token_file, "",
            "file with the token admin API changes need (Authorization: Bearer); "
            "default data_dir/admin.token, made at first start"),
    STR_OPT(www_dir, STAFET_WWW_DIR, "directory of the dashboard's static files"),
    U64_OPT(stats_interval_ms, "1000", "how often queue depths are fetched from Redis"),
};

#define N_OPTIONS (sizeof options / sizeof options[0])

static const option_def_t *option_find(const char *key, size_t key_len) {
  for (size_t i = 0; i < N_OPTIONS; i++)
    if (strlen(options[i].key) == key_len && strncmp(options[i].key, key, key_len) == 0)
      return &options[i];
  return NULL;
}

static int option_apply(hub_config_t *cfg, const option_def_t *opt, const char *value, char *err,
                        size_t err_size) {
  char *field = (char *)cfg + opt->offset;
  if (opt->type == OPT_STR) {
    if (strlen(value) >= opt->size) {
      snprintf(err, err_size, "%s: value longer than %zu bytes", opt->key, opt->size - 1);
      return STAFET_EINVAL;
    }
    memcpy(field, value, strlen(value) + 1);
    return 0;
  }
  char *end = NULL;
  errno = 0;
  unsigned long long n = strtoull(value, &end, 10);
  if (errno != 0 || end == value || *end != '\0' || value[0] == '-') {
    snprintf(err, err_size, "%s: '%s' is not a non-negative whole number", opt->key, value);
    return STAFET_EINVAL;
  }
  memcpy(field, &(uint64_t){n}, sizeof(uint64_t));
  return 0;
}

void config_defaults(hub_config_t *cfg) {
  memset(cfg, 0, sizeof *cfg);
  char err[128];
  for (size_t i = 0; i < N_OPTIONS; i++)
    (void)option_apply(cfg, &options[i], options[i].def, err, sizeof err);
}

int config_set(hub_config_t *cfg, const char *key, const char *value, char *err, size_t err_size) {
  const option_def_t *opt = option_find(key, strlen(key));
  if (opt == NULL) {
    snprintf(err, err_size, "unknown setting '%s' (see --help)", key);
    return STAFET_EINVAL;
  }
  return option_apply(cfg, opt, value, err, err_size);
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
    s[n - 1] = '\0';
    s++;
  }
  return s;
}

int config_load_file(hub_config_t *cfg, const char *path, char *err, size_t err_size) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    snprintf(err, err_size, "%s: %s", path, strerror(errno));
    return STAFET_EINVAL;
  }
  char line[1024], why[256];
  int rc = 0;
  for (int lineno = 1; fgets(line, sizeof line, f) != NULL; lineno++) {
    char *hash = strchr(line, '#');
    if (hash != NULL)
      *hash = '\0';
    char *s = trim(line);
    if (*s == '\0')
      continue;
    char *eq = strchr(s, '=');
    if (eq == NULL) {
      snprintf(err, err_size, "%s:%d: expected 'key = value'", path, lineno);
      rc = STAFET_EINVAL;
      break;
    }
    *eq = '\0';
    if (config_set(cfg, trim(s), trim(eq + 1), why, sizeof why) != 0) {
      snprintf(err, err_size, "%s:%d: %s", path, lineno, why);
      rc = STAFET_EINVAL;
      break;
    }
  }
  fclose(f);
  return rc;
}

/* Turns "--ack-timeout-ms" into "ack_timeout_ms" (at most key_size-1 bytes). */
static void flag_to_key(const char *flag, size_t len, char *key, size_t key_size) {
  size_t n = len < key_size - 1 ? len : key_size - 1;
  for (size_t i = 0; i < n; i++)
    key[i] = flag[i] == '-' ? '_' : flag[i];
  key[n] = '\0';
}

static int find_config_flag(hub_config_t *cfg, int argc, char **argv, char *err, size_t err_size) {
  for (int i = 1; i < argc; i++) {
    const char *path = NULL;
    if (strcmp(argv[i], "--config") == 0) {
      if (i + 1 >= argc) {
        snprintf(err, err_size, "--config needs a file");
        return STAFET_EINVAL;
      }
      path = argv[i + 1];
    } else if (strncmp(argv[i], "--config=", 9) == 0) {
      path = argv[i] + 9;
    }
    if (path != NULL)
      return config_load_file(cfg, path, err, err_size);
  }
  return 0;
}

int config_parse_args(hub_config_t *cfg, int argc, char **argv, config_action_t *action, char *err,
                      size_t err_size) {
  *action = CONFIG_RUN;
  int rc = find_config_flag(cfg, argc, argv, err, err_size);
  if (rc != 0)
    return rc;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      *action = CONFIG_HELP;
      return 0;
    }
    if (strcmp(arg, "--version") == 0) {
      *action = CONFIG_VERSION;
      return 0;
    }
    if (strncmp(arg, "--", 2) != 0) {
      snprintf(err, err_size, "unexpected argument '%s' (see --help)", arg);
      return STAFET_EINVAL;
    }
    const char *name = arg + 2, *eq = strchr(name, '='), *value;
    size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
    if (eq != NULL) {
      value = eq + 1;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      snprintf(err, err_size, "%s needs a value", arg);
      return STAFET_EINVAL;
    }
    char key[64];
    flag_to_key(name, name_len, key, sizeof key);
    if (strcmp(key, "config") == 0)
      continue;
    rc = config_set(cfg, key, value, err, err_size);
    if (rc != 0)
      return rc;
  }
  return 0;
}

void config_finish(hub_config_t *cfg) {
  if (cfg->bind_ipc[0] == '\0')
    snprintf(cfg->bind_ipc, sizeof cfg->bind_ipc, "ipc://%.400s/hub.sock", cfg->data_dir);
  else if (strcmp(cfg->bind_ipc, "none") == 0)
    cfg->bind_ipc[0] = '\0';
  if (cfg->hub_id[0] == '\0') {
    char host[40] = "hub";
    (void)gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    snprintf(cfg->hub_id, sizeof cfg->hub_id, "%s-%ld", host, (long)getpid());
  }
  if (cfg->heartbeat_ms == 0)
    cfg->heartbeat_ms = 1000;
  if (cfg->credit == 0)
    cfg->credit = 100;
  if (cfg->read_batch == 0)
    cfg->read_batch = 500;
}

void config_print_help(FILE *out, const char *prog) {
  fprintf(out,
          "Usage: %s [--config FILE] [--SETTING VALUE ...]\n"
          "\n"
          "stafet-hub relays protobuf events between adapters over ZeroMQ and keeps\n"
          "durable queues in Redis. With no --redis it starts and supervises its own\n"
          "redis-server (AOF on) under --data-dir.\n"
          "\n"
          "Every setting can be given in the config file as 'key = value' or as a flag\n"
          "--key VALUE (underscores may be written as dashes). Flags win over the file.\n"
          "\n"
          "Settings (default in brackets):\n",
          prog);
  for (size_t i = 0; i < N_OPTIONS; i++) {
    char flag[64];
    size_t n = strlen(options[i].key);
    for (size_t k = 0; k <= n; k++)
      flag[k] = options[i].key[k] == '_' ? '-' : options[i].key[k];
    fprintf(out, "  --%-20s %s [%s]\n", flag, options[i].help, options[i].def);
  }
  fprintf(out, "\n  --config FILE          read settings from FILE first\n"
               "  --help                 this text\n"
               "  --version              print the version\n"
               "\nSignals: SIGTERM or SIGINT drain in-flight work and exit.\n"
               "Admin HTTP (admin_bind): / dashboard, /metrics, /healthz, /readyz, /api/...;\n"
               "stafetctl talks to it.\n"
               "Documentation: README.md, docs/operations.md (runbook), docs/protocol.md,\n"
               "docs/architecture.md, docs/redis-keys.md\n");
}
