/*
 * config.h — the hub's settings: defaults, a `key = value` config file and
 * command-line flags, all described by one table so that the file format,
 * the flags and `--help` can never disagree.
 *
 * Precedence: defaults < config file (--config FILE) < flags.
 */
#ifndef STAFET_CONFIG_H
#define STAFET_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#define CONFIG_STR_MAX 512

typedef struct hub_config {
  char bind_tcp[CONFIG_STR_MAX];              /* ZeroMQ TCP endpoint, "" = none */
  char bind_ipc[CONFIG_STR_MAX];              /* ZeroMQ IPC endpoint, "" = <data_dir>/hub.sock */
  char data_dir[CONFIG_STR_MAX];              /* embedded Redis data, sockets */
  char redis[CONFIG_STR_MAX];                 /* "" = embedded; "unix:/path" or "host:port" */
  char redis_server[CONFIG_STR_MAX];          /* binary for the embedded Redis */
  char redis_appendfsync[16];                 /* embedded Redis AOF policy: always|everysec */
  char curve_secret_key_file[CONFIG_STR_MAX]; /* "" = CURVE off */
  char redis_sentinels[CONFIG_STR_MAX]; /* "host:port,host:port": find the master via Sentinel */
  char redis_master_name[64];
  uint64_t redis_wait_replicas; /* ack a publish only once this many replicas have it */
  uint64_t redis_wait_timeout_ms;
  uint64_t redis_timeout_ms;                /* give up on a Redis connection silent this long */
  char redis_user[64];                      /* external Redis: ACL user for AUTH ("" = default) */
  char redis_password_file[CONFIG_STR_MAX]; /* external Redis: file holding the password */
  char prefix[64];                          /* Redis key prefix */
  char hub_id[64];                          /* "" = hostname-pid */
  char log_level[16];
  uint64_t heartbeat_ms;
  uint64_t ack_timeout_ms; /* default for new durable subscriptions */
  uint64_t max_deliveries; /* default for new durable subscriptions */
  uint64_t retention_ms;   /* default for new durable subscriptions */
  uint64_t credit;         /* default consumer window */
  uint64_t dedupe_ttl_ms;
  uint64_t max_frame_bytes;
  uint64_t read_batch;              /* most entries per XREADGROUP */
  uint64_t send_hwm;                /* ZMQ_SNDHWM of the ROUTER (frames per peer) */
  uint64_t store_batches_in_flight; /* publish.c: unanswered store scripts before batching waits */
  uint64_t claim_interval_ms;       /* redelivery sweep */
  uint64_t poll_interval_ms;        /* look for messages other hubs stored */
  uint64_t trim_interval_ms;        /* retention sweep */
  uint64_t stale_consumer_ms;       /* forget consumers idle this long with nothing pending */
  uint64_t drain_timeout_ms;        /* SIGTERM: longest wait for in-flight work */
  char admin_bind[CONFIG_STR_MAX];  /* admin HTTP "host:port", "" or "none" = off, port 0 = any */
  char www_dir[CONFIG_STR_MAX];     /* the dashboard's static files */
  char admin_token_file[CONFIG_STR_MAX]; /* "" = data_dir/admin.token, made if missing */
  uint64_t stats_interval_ms;            /* how often queue figures are fetched from Redis */
} hub_config_t;

/* Fills every field with its default. */
void config_defaults(hub_config_t *cfg);

/*
 * Reads `key = value` lines ('#' starts a comment). Returns 0, or
 * STAFET_EINVAL with "file:line: reason" in err.
 */
int config_load_file(hub_config_t *cfg, const char *path, char *err, size_t err_size);

/* Sets one setting by its key ("heartbeat_ms"); STAFET_EINVAL with reason in err. */
int config_set(hub_config_t *cfg, const char *key, const char *value, char *err, size_t err_size);

typedef enum { CONFIG_RUN = 0, CONFIG_HELP = 1, CONFIG_VERSION = 2 } config_action_t;

/*
 * Parses argv: --config FILE first (wherever it stands), then every
 * --key value / --key=value flag (key with '-' for '_'), --help, --version.
 * Returns 0 and sets *action, or STAFET_EINVAL with the reason in err.
 */
int config_parse_args(hub_config_t *cfg, int argc, char **argv, config_action_t *action, char *err,
                      size_t err_size);

/* Fills derived values (bind_ipc from data_dir, hub_id from host and pid). */
void config_finish(hub_config_t *cfg);

/* Writes the --help text: usage and every setting with its default. */
void config_print_help(FILE *out, const char *prog);

#endif
