/*
 * client.c — the client handle: creation from options, destruction,
 * publishing into the outbox, and the small accessors.
 *
 * publish() validates the envelope, serializes the Publish frame once
 * (straight into the outbox entry, next to a copy of the payload) and sends
 * it at once when the session is up and nothing older is waiting; otherwise
 * the session's next tick sends it in order. See outbox.h for the rest of a
 * publish's life.
 */
#include "codec.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define DEFAULT_HEARTBEAT_MS     1000
#define DEFAULT_RECONNECT_MIN_MS 100
#define DEFAULT_RECONNECT_MAX_MS 5000
#define DEFAULT_OUTBOX_MAX       100000

static unsigned or_default(unsigned v, unsigned dflt) {
  return v ? v : dflt;
}

static int one_endpoint_valid(const char *e, size_t len) {
  return len > 6 && (strncmp(e, "tcp://", 6) == 0 || strncmp(e, "ipc://", 6) == 0);
}

/* "tcp://a:7400" or a comma-separated list of such endpoints. */
static int endpoint_valid(const char *e) {
  if (!e)
    return 0;
  for (const char *start = e;;) {
    const char *comma = strchr(start, ',');
    size_t len = comma ? (size_t)(comma - start) : strlen(start);
    if (!one_endpoint_valid(start, len))
      return 0;
    if (!comma)
      return 1;
    start = comma + 1;
  }
}

/* Splits the endpoint list into c->endpoints (owned). */
static int split_endpoints(stafet_client_t *c) {
  size_t n = 1;
  for (const char *p = c->endpoint; *p; p++)
    n += *p == ',';
  c->endpoints = calloc(n, sizeof *c->endpoints);
  if (!c->endpoints)
    return STAFET_ENOMEM;
  const char *start = c->endpoint;
  for (size_t i = 0; i < n; i++) {
    const char *comma = strchr(start, ',');
    size_t len = comma ? (size_t)(comma - start) : strlen(start);
    if (!(c->endpoints[i] = strndup(start, len)))
      return STAFET_ENOMEM;
    c->n_endpoints++;
    start = comma ? comma + 1 : start + len;
  }
  return 0;
}

/* Reads the first line of path (40 Z85 characters) into out[41]. */
static int read_key_file(const char *path, char out[41]) {
  FILE *f = fopen(path, "r");
  char line[128] = "";
  if (f == NULL)
    return -1;
  if (fgets(line, sizeof line, f) == NULL)
    line[0] = '\0';
  fclose(f);
  line[strcspn(line, "\r\n \t")] = '\0';
  if (strlen(line) != 40)
    return -1;
  memcpy(out, line, 41);
  return 0;
}

/* Keys from STAFET_CURVE_SERVER_KEY_FILE and STAFET_CURVE_SECRET_KEY_FILE:
 * 1 found (server, public, secret in keys), 0 not set, -1 unreadable. */
static int curve_from_env(char keys[3][41]) {
  const char *server = getenv("STAFET_CURVE_SERVER_KEY_FILE");
  const char *secret = getenv("STAFET_CURVE_SECRET_KEY_FILE");
  if (!server || !*server || !secret || !*secret)
    return 0;
  if (read_key_file(server, keys[0]) != 0 || read_key_file(secret, keys[2]) != 0 ||
      zmq_curve_public(keys[1], keys[2]) != 0)
    return -1;
  return 1;
}

/* "hostname:pid" in a new string (owned by the caller), or NULL. */
static char *default_instance(void) {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  host[sizeof host - 1] = '\0';
  char buf[300];
  snprintf(buf, sizeof buf, "%s:%ld", host, (long)getpid());
  return strdup(buf);
}

static int copy_options(stafet_client_t *c, const stafet_client_options_t *o) {
  c->endpoint = strdup(o->endpoint);
  c->adapter = strdup(o->adapter);
  c->instance = o->instance ? strdup(o->instance) : default_instance();
  if (!c->endpoint || !c->adapter || !c->instance)
    return STAFET_ENOMEM;
  c->heartbeat_opt = or_default(o->heartbeat_ms, DEFAULT_HEARTBEAT_MS);
  c->heartbeat_ms = c->heartbeat_opt;
  c->reconnect_min_ms = or_default(o->reconnect_min_ms, DEFAULT_RECONNECT_MIN_MS);
  c->reconnect_max_ms = or_default(o->reconnect_max_ms, DEFAULT_RECONNECT_MAX_MS);
  if (c->reconnect_max_ms < c->reconnect_min_ms)
    c->reconnect_max_ms = c->reconnect_min_ms;
  c->outbox_max = o->outbox_max ? o->outbox_max : DEFAULT_OUTBOX_MAX;
  return 0;
}

int stafet_client_new(stafet_client_t **out, const stafet_client_options_t *opts) {
  if (!out || !opts || !endpoint_valid(opts->endpoint) || !opts->adapter || !*opts->adapter)
    return STAFET_EINVAL;
  stafet_client_options_t from_env;
  char env_keys[3][41];
  int env = opts->curve_server_key || opts->curve_public_key || opts->curve_secret_key
                ? 0
                : curve_from_env(env_keys);
  if (env < 0)
    return STAFET_EINVAL; /* asked for CURVE, but the key files are unreadable */
  if (env == 1) {
    from_env = *opts;
    from_env.curve_server_key = env_keys[0];
    from_env.curve_public_key = env_keys[1];
    from_env.curve_secret_key = env_keys[2];
    opts = &from_env;
  }
  stafet_client_t *c = calloc(1, sizeof *c);
  if (!c)
    return STAFET_ENOMEM;
  int rc = copy_options(c, opts);
  if (rc == 0)
    rc = split_endpoints(c);
  if (rc == 0 && (opts->curve_server_key || opts->curve_public_key || opts->curve_secret_key)) {
    const char *keys[] = {opts->curve_server_key, opts->curve_public_key, opts->curve_secret_key};
    char *dst[] = {c->curve_server, c->curve_public, c->curve_secret};
    for (int i = 0; i < 3 && rc == 0; i++) {
      if (!keys[i] || strlen(keys[i]) != 40)
        rc = STAFET_EINVAL; /* all three, 40 Z85 characters each */
      else
        memcpy(dst[i], keys[i], 41);
    }
  }
  if (rc == 0 && !(c->zctx = zmq_ctx_new()))
    rc = STAFET_EIO;
  if (rc == 0)
    rc = sdk_random_u64(&c->rng);
  if (rc < 0) {
    stafet_client_destroy(c);
    return rc;
  }
  sdk_outbox_init(&c->outbox);
  c->next_seq = 1;
  c->state = SDK_DOWN;
  c->reconnect_at = 0; /* the first poll connects */
  *out = c;
  return 0;
}

void stafet_client_destroy(stafet_client_t *c) {
  if (!c)
    return;
  sdk_acks_flush(c);
  free(c->ack_ids);
  sdk_session_close(c);
  sdk_outbox_free(&c->outbox);
  sdk_sub_free_all(c->subs);
  sdk_rpc_free_all(c);
  for (size_t i = 0; i < c->n_endpoints; i++)
    free(c->endpoints[i]);
  free(c->endpoints);
  free(c->endpoint);
  free(c->adapter);
  free(c->instance);
  free(c);
}

/* Picks the message id: the caller's (checked already) or a new UUIDv7. */
static int choose_id(stafet_client_t *c, const stafet_envelope_t *env, char id[65]) {
  if (env->message_id) {
    snprintf(id, 65, "%s", env->message_id);
    return 0;
  }
  return sdk_idgen_next(&c->idgen, sdk_wall_ms(), id);
}

/* Serializes the Publish frame into a new outbox entry (owned by the caller). */
static int build_entry(stafet_client_t *c, const stafet_envelope_t *env, const char *id,
                       const void *payload, size_t len, sdk_entry_t **out) {
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  Stafet__Wire__V1__Publish p = STAFET__WIRE__V1__PUBLISH__INIT;
  Stafet__Wire__V1__Envelope w;
  sdk_wire_attrs_t attrs;
  sdk_envelope_to_wire(env, id, &w, &attrs);
  p.envelope = &w;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_PUBLISH;
  f.publish = &p;
  f.seq = c->next_seq;
  size_t flen = stafet__wire__v1__frame__get_packed_size(&f);
  if (c->max_frame_bytes && (flen > c->max_frame_bytes || len > c->max_frame_bytes))
    return STAFET_ETOOBIG;
  sdk_entry_t *e = sdk_entry_new(f.seq, id, NULL, flen, payload, len);
  if (!e)
    return STAFET_ENOMEM;
  stafet__wire__v1__frame__pack(&f, e->data);
  c->next_seq++;
  *out = e;
  return 0;
}

int stafet_client_publish(stafet_client_t *c, const stafet_envelope_t *env, const void *payload,
                          size_t len, stafet_publish_cb cb, void *arg, char message_id_out[65]) {
  if (!c || !env || (len && !payload))
    return STAFET_EINVAL;
  if (c->outbox.count >= c->outbox_max)
    return STAFET_EFULL;
  char id[65];
  sdk_entry_t *e;
  int rc = sdk_envelope_check(env);
  if (rc < 0 || (rc = choose_id(c, env, id)) < 0 ||
      (rc = build_entry(c, env, id, payload, len, &e)) < 0)
    return rc;
  e->cb = cb;
  e->arg = arg;
  if ((rc = sdk_outbox_append(&c->outbox, e)) < 0) {
    free(e);
    return rc;
  }
  if (message_id_out)
    snprintf(message_id_out, 65, "%s", id);
  if (c->state != SDK_UP)
    return 0; /* sent in order once the session is up */
  /* A lone publish (nothing else waits for an answer) leaves now. While
   * answers are outstanding, publishes gather when the hub takes them
   * together, and leave on the next poll or once SDK_PUBLISHES_PER_MESSAGE
   * wait; otherwise each leaves now if it is next in line. The tick sends
   * anything left, in order. */
  if (c->batch_publishes && c->outbox.count > 1) {
    if (c->outbox.unsent >= SDK_PUBLISHES_PER_MESSAGE)
      (void)sdk_send_unsent(c);
  } else if (sdk_outbox_unsent(&c->outbox) == e && sdk_send_entry(c, e) == 0) {
    sdk_outbox_mark_sent(&c->outbox);
  }
  return 0;
}

size_t stafet_client_outbox_size(const stafet_client_t *c) {
  return c ? c->outbox.count : 0;
}

int stafet_client_is_connected(const stafet_client_t *c) {
  return c && c->state == SDK_UP;
}

void stafet_client_on_error(stafet_client_t *c, stafet_error_cb cb, void *arg) {
  if (!c)
    return;
  c->error_cb = cb;
  c->error_arg = arg;
}

int stafet_client_fd(stafet_client_t *c, int *fd) {
  if (!c || !fd)
    return STAFET_EINVAL;
  if (!c->sock)
    return STAFET_ECLOSED;
  size_t len = sizeof *fd;
  return zmq_getsockopt(c->sock, ZMQ_FD, fd, &len) < 0 ? STAFET_EIO : 0;
}

int stafet_client_timeout_ms(const stafet_client_t *c) {
  return c ? sdk_session_next_timer(c, sdk_now_ms()) : 0;
}

const char *stafet_client_session_id(const stafet_client_t *c) {
  return c ? c->session_id : "";
}
