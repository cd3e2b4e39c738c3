/*
 * stafet.h — the one public header of libstafet, the C client of the Stafet hub.
 *
 * Every adapter and tool talks to the hub through this library. Conventions
 * (after libuv): names are stafet_<noun>_<verb>; functions return 0 or a
 * negative STAFET_E* code, described by stafet_strerror(); handles are created
 * and freed by the caller through the matching _new/_destroy pair.
 *
 * The wire protocol it speaks is documented in docs/protocol.md.
 *
 * The client is single-threaded and poll-driven (like hiredis, the core never
 * picks an event loop for you): nothing happens behind your back; every
 * callback runs inside a stafet_client_* call on the caller's thread. Use one
 * client from one thread at a time. A callback may call any stafet_client_*
 * function of its client except stafet_client_destroy().
 *
 * Publishing, with at-least-once delivery to the hub and exactly-once storage
 * (the outbox re-sends with the same message id until the hub has it):
 *
 *   static void on_ack(stafet_client_t *c, const char *id, int status, int dup, void *arg) {
 *     if (status < 0)
 *       fprintf(stderr, "%s failed: %s\n", id, stafet_strerror(status));
 *   }
 *
 *   stafet_client_options_t o = {.endpoint = "tcp://127.0.0.1:7400", .adapter = "cpr"};
 *   stafet_client_t *c;
 *   if (stafet_client_new(&c, &o) < 0 || stafet_client_connect(c, 5000) < 0) ...;
 *   stafet_attribute_t attrs[] = {{"kle", "23.05.00"}, {"department", "borgerservice"}};
 *   stafet_envelope_t env = {.topic = "cpr.person.relocated", .tenant = "0751",
 *                            .type_name = "stafet.events.v1.cpr.PersonRelocated",
 *                            .schema_version = 1, .sensitivity = STAFET_SENSITIVITY_PERSONAL,
 *                            .attributes = attrs, .n_attributes = 2};
 *   stafet_client_publish(c, &env, buf, len, on_ack, NULL, NULL);
 *   stafet_client_flush(c, 5000);            // or keep calling stafet_client_poll()
 *   stafet_client_destroy(c);
 *
 * Subscribing:
 *
 *   static void on_deliver(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
 *     handle(d->envelope->topic, d->payload, d->payload_len);
 *     stafet_client_ack(c, d->subscription, d->delivery_id);
 *   }
 *
 *   const char *patterns[] = {"cpr.person.*"};
 *   const char *filters[] = {"tenant=0751"};
 *   stafet_subscription_t s = {.name = "borgerservice", .patterns = patterns, .n_patterns = 1,
 *                              .filters = filters, .n_filters = 1};
 *   if (stafet_client_subscribe(c, &s, on_deliver, NULL, 5000) < 0) ...;
 *   while (running)
 *     stafet_client_poll(c, 1000);
 */
#ifndef STAFET_H
#define STAFET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: 0 is success, everything else is negative. Stable. */
enum {
  STAFET_OK = 0,
  STAFET_EINVAL = -1,       /* invalid argument */
  STAFET_ENOMEM = -2,       /* out of memory */
  STAFET_EPROTO = -3,       /* malformed frame or protocol violation */
  STAFET_ETOPIC = -4,       /* invalid topic */
  STAFET_EPATTERN = -5,     /* invalid subscription pattern */
  STAFET_EFILTER = -6,      /* invalid attribute filter */
  STAFET_ENOTFOUND = -7,    /* no such thing */
  STAFET_EEXIST = -8,       /* exists already / conflicts */
  STAFET_ETIMEDOUT = -9,    /* timed out */
  STAFET_EIO = -10,         /* I/O or socket error */
  STAFET_ECLOSED = -11,     /* handle closed or session ended */
  STAFET_EFULL = -12,       /* queue or buffer full */
  STAFET_EUNAVAIL = -13,    /* store or peer unavailable, retry later */
  STAFET_EHUB = -14,        /* the hub answered with an Error frame */
  STAFET_ETOOBIG = -15,     /* message too large */
  STAFET_ENOPROVIDER = -16, /* request: no live provider for the service */
  STAFET_EPROVIDER = -17,   /* request: the provider answered with an error or vanished */
  STAFET_EACCES = -18,      /* not allowed: revoked key or outside the adapter's ACL */
};

/* Returns a static, human-readable description of a STAFET_E* code. */
const char *stafet_strerror(int code);

/*
 * Maps a hub error code (stafet.wire.v1.ErrorCode, the `hub_code` of an error
 * callback) to the STAFET_E* code the SDK reports for it, e.g. INVALID_TOPIC
 * -> STAFET_ETOPIC, SUBSCRIPTION_CONFLICT -> STAFET_EEXIST; codes without a
 * closer match give STAFET_EHUB.
 */
int stafet_error_from_hub(int hub_code);

/* Bit flags of stafet_envelope_t.sensitivity (see envelope.proto). */
enum {
  STAFET_SENSITIVITY_PERSONAL = 1,  /* the event names a person: deliveries are audited */
  STAFET_SENSITIVITY_PROTECTED = 2, /* name and address protection */
};

typedef struct stafet_client stafet_client_t;

/* Options of stafet_client_new(). Zero means "the default" for every number. */
typedef struct stafet_client_options {
  /* required: "tcp://127.0.0.1:7400", "ipc:///path/hub.sock", or a comma-separated
   * list of hubs ("tcp://hub1:7400,tcp://hub2:7400"): when the session with one
   * is lost, the client reconnects to the next. */
  const char *endpoint;
  const char *adapter;       /* required, adapter name (lower snake case) */
  const char *instance;      /* NULL: "hostname:pid" */
  unsigned heartbeat_ms;     /* 0: 1000; the hub's Welcome value wins */
  unsigned reconnect_min_ms; /* 0: 100 (exponential back-off with jitter) */
  unsigned reconnect_max_ms; /* 0: 5000 */
  size_t outbox_max;         /* 0: 100000; publish returns STAFET_EFULL beyond this many unacked */
  /* CURVE (all three or none), Z85 text of 40 characters: the hub's public
   * key (stafet-hub logs it at start) and this adapter's key pair, whose
   * public half is registered for the adapter in the hub's registry. */
  const char *curve_server_key;
  const char *curve_public_key;
  const char *curve_secret_key;
  /* With all three NULL, the client takes its keys from the environment if
   * STAFET_CURVE_SERVER_KEY_FILE (the hub's public key, e.g. hub.pub) and
   * STAFET_CURVE_SECRET_KEY_FILE (this adapter's NAME.key; the public half is
   * derived) are set: so every tool built on libstafet speaks CURVE. */
} stafet_client_options_t;

typedef struct stafet_attribute {
  const char *key;
  const char *value;
} stafet_attribute_t;

/*
 * An event's envelope (stafet.wire.v1.Envelope). On publish, NULL strings and
 * zero numbers are "not set"; on delivery every string is non-NULL ("" when
 * the publisher left it empty).
 */
typedef struct stafet_envelope {
  const char *message_id; /* NULL on publish: the SDK makes a UUIDv7 */
  const char *topic;      /* required on publish, e.g. "cpr.person.relocated" */
  const char *type_name;  /* e.g. "stafet.events.v1.cpr.PersonRelocated" */
  unsigned schema_version;
  const char *source;      /* NULL: the hub sets the adapter name */
  int64_t occurred_at_ms;  /* Unix milliseconds */
  int64_t published_at_ms; /* 0: the hub sets its clock */
  const char *correlation_id;
  const char *causation_id;
  const char *tenant;   /* kommunekode, e.g. "0751" */
  unsigned sensitivity; /* STAFET_SENSITIVITY_PERSONAL | STAFET_SENSITIVITY_PROTECTED */
  const stafet_attribute_t *attributes; /* at most 32 */
  size_t n_attributes;
} stafet_envelope_t;

/* One delivery. Everything it points at is valid only during the callback. */
typedef struct stafet_delivery {
  const char *subscription;
  const char *delivery_id; /* "" for transient subscriptions (no ack needed) */
  unsigned delivery_count; /* 1 on first delivery, 2 on the first redelivery, ... */
  const stafet_envelope_t *envelope;
  const void *payload; /* points into the received ZeroMQ frame: no copy */
  size_t payload_len;
} stafet_delivery_t;

/* What to subscribe to (stafet.wire.v1.Subscribe). Zero/NULL: hub default. */
typedef struct stafet_subscription {
  const char *name; /* required; durable: the subscription's unique name */
  const char *const *patterns;
  size_t n_patterns; /* may be 0 when joining an existing durable subscription */
  const char *const *filters;
  size_t n_filters;
  int transient;           /* 0: durable (at-least-once), 1: transient (at-most-once) */
  unsigned credit;         /* window of unacked deliveries */
  unsigned ack_timeout_ms; /* durable, at creation */
  unsigned max_deliveries; /* durable, at creation */
  uint64_t retention_ms;   /* durable, at creation */
  uint64_t max_len;        /* durable, at creation */
  const char *start_id;    /* replay from this stream id ("0": oldest); first subscribe only */
  uint64_t start_time_ms;  /* replay from this time; first subscribe only */
} stafet_subscription_t;

/*
 * Publish outcome. status 0: stored by the hub (duplicate != 0 when the hub had
 * the id already). Negative: failed for good (a non-retryable hub Error:
 * INVALID_TOPIC -> STAFET_ETOPIC, FRAME_TOO_LARGE -> STAFET_ETOOBIG, others ->
 * STAFET_EHUB). Retryable errors are retried internally and never reported.
 * message_id is valid only during the callback.
 */
typedef void (*stafet_publish_cb)(stafet_client_t *c, const char *message_id, int status,
                                  int duplicate, void *arg);
typedef void (*stafet_deliver_cb)(stafet_client_t *c, const stafet_delivery_t *d, void *arg);
/* An Error frame; name and text are valid only during the callback. */
typedef void (*stafet_error_cb)(stafet_client_t *c, int hub_code, const char *name,
                                const char *text, void *arg);

/*
 * Creates a client; does not connect yet (stafet_client_connect() or the first
 * stafet_client_poll() does). The options' strings are copied. On success
 * *out is owned by the caller, to be freed with stafet_client_destroy().
 * STAFET_EINVAL if endpoint (tcp:// or ipc://) or adapter is missing.
 */
int stafet_client_new(stafet_client_t **out, const stafet_client_options_t *opts);

/*
 * Sends Goodbye (best effort), closes the socket and frees the client and
 * everything it holds. Unacknowledged publishes are dropped without a
 * callback: call stafet_client_flush() first. NULL is ok.
 */
void stafet_client_destroy(stafet_client_t *c);

/*
 * Opens the session (Hello -> Welcome), polling up to timeout_ms (-1: no
 * limit). Returns 0 when connected, STAFET_ETIMEDOUT (the client keeps trying
 * in later polls), or the error of a Hello the hub refused.
 */
int stafet_client_connect(stafet_client_t *c, int timeout_ms);

/*
 * Publishes one event: copies the envelope and payload (the caller keeps
 * ownership of both) into the outbox as one serialized frame and sends it if
 * connected: at once when no other publish waits for its answer; otherwise,
 * with a hub that takes publishes together, it gathers with the next ones and
 * they leave in one message on the next stafet_client_poll() (or flush), or
 * as soon as 64 wait. The outbox keeps it until the hub's PublishAck; after every
 * reconnect all unacknowledged publishes are re-sent in order with the same
 * message_id. cb (may be NULL) is called once with the outcome.
 * message_id_out (may be NULL) receives the message id.
 * Returns 0, STAFET_EFULL (outbox_max unacknowledged publishes), STAFET_ETOPIC
 * (topic malformed), STAFET_EINVAL (bad message_id or attributes),
 * STAFET_ETOOBIG (larger than the hub's max_frame_bytes) or STAFET_ENOMEM.
 */
int stafet_client_publish(stafet_client_t *c, const stafet_envelope_t *env, const void *payload,
                          size_t len, stafet_publish_cb cb, void *arg, char message_id_out[65]);

/*
 * Subscribes and waits (running the poll loop, so other events are
 * dispatched) up to timeout_ms for the hub's SubscribeAck or Error. The client
 * copies and remembers the subscription and re-subscribes after every
 * reconnect (without start_id/start_time_ms, so a replay is not repeated).
 * cb is called for every delivery. Returns 0, STAFET_EEXIST (conflicting
 * definition, or the name is taken in this client), STAFET_EPATTERN,
 * STAFET_EFILTER, STAFET_EHUB, or STAFET_ETIMEDOUT (the subscription stays
 * remembered and takes effect when the hub answers; unsubscribe to drop it).
 */
int stafet_client_subscribe(stafet_client_t *c, const stafet_subscription_t *sub,
                            stafet_deliver_cb cb, void *arg, int timeout_ms);

/*
 * Forgets the subscription at once (no more callbacks for it), tells the hub
 * (remove != 0: delete a durable subscription with its queue and dead letters)
 * and waits up to timeout_ms for the answer. Returns 0, STAFET_ENOTFOUND,
 * STAFET_ETIMEDOUT or a mapped hub error.
 */
int stafet_client_unsubscribe(stafet_client_t *c, const char *name, int remove, int timeout_ms);

/* Acknowledges a durable delivery. STAFET_ECLOSED when not connected (it will
 * be redelivered). Errors from the hub reach the error callback. */
int stafet_client_ack(stafet_client_t *c, const char *subscription, const char *delivery_id);

/* Negative acknowledgement: requeue != 0 delivers it again, 0 dead-letters it
 * with reason (may be NULL). Returns as stafet_client_ack(). */
int stafet_client_nack(stafet_client_t *c, const char *subscription, const char *delivery_id,
                       int requeue, const char *reason);

/* Sets the credit window of a subscription (0 pauses delivery); remembered
 * for re-subscribes. Returns 0, STAFET_ENOTFOUND or STAFET_ECLOSED. */
int stafet_client_credit(stafet_client_t *c, const char *subscription, unsigned credit);

/*
 * The engine. Waits up to timeout_ms (0: do not wait, -1: until a frame
 * arrives) for I/O, handles every frame that arrived (Deliver -> deliver
 * callback, PublishAck -> outbox + publish callback, Error -> mapped,
 * Heartbeat), sends heartbeats when quiet, detects a dead hub (silent for
 * 3 x heartbeat) and reconnects with back-off (new socket, Hello,
 * re-subscribe, re-send the outbox); on Error NOT_CONNECTED it re-Hellos at
 * once. Returns the number of frames handled or a negative error.
 */
int stafet_client_poll(stafet_client_t *c, int timeout_ms);

/* Polls until the outbox is empty: 0, or STAFET_ETIMEDOUT. */
int stafet_client_flush(stafet_client_t *c, int timeout_ms);

/* Number of publishes not yet acknowledged (or failed) by the hub. */
size_t stafet_client_outbox_size(const stafet_client_t *c);

/* 1 while a session is open (Welcome received), else 0. */
int stafet_client_is_connected(const stafet_client_t *c);

/* Sets the callback for Error frames not tied to a publish or subscribe
 * (e.g. UNKNOWN_DELIVERY after an ack). cb may be NULL. */
void stafet_client_on_error(stafet_client_t *c, stafet_error_cb cb, void *arg);

/*
 * For embedding in an external loop: *fd becomes the socket's ZMQ_FD
 * (edge-triggered: readable means "call stafet_client_poll(c, 0)"). Call
 * stafet_client_poll(c, 0) also after any call that sends, and when
 * stafet_client_timeout_ms() has passed. The fd changes when the client
 * reconnects: fetch it again after every poll. STAFET_ECLOSED while no socket
 * is open (waiting to reconnect: rely on the timeout).
 */
int stafet_client_fd(stafet_client_t *c, int *fd);

/* Milliseconds until the client's next timer (heartbeat, dead-hub check,
 * reconnect, retry) needs a stafet_client_poll(); never negative. */
int stafet_client_timeout_ms(const stafet_client_t *c);

/* The session id from the hub's Welcome, "" when not connected. Owned by the
 * client, valid until the next stafet_client_* call. */
const char *stafet_client_session_id(const stafet_client_t *c);

/*
 * Request/reply ("straksafklaring"). A provider answers a service:
 *
 *   static void on_request(stafet_client_t *c, const stafet_request_t *r, void *arg) {
 *     char json[256];
 *     size_t n = lookup_person(r->payload, r->payload_len, json, sizeof json);
 *     if (n == 0)
 *       stafet_client_reply_error(c, r->request_id, "unknown cpr");
 *     else
 *       stafet_client_reply(c, r->request_id, json, n);
 *   }
 *   stafet_client_provide(c, "cpr.person.get", on_request, NULL, 5000);
 *
 * A requester asks it, with a deadline, and always hears back exactly once:
 *
 *   static void on_reply(stafet_client_t *c, int status, const char *error_text,
 *                        const void *payload, size_t len, void *arg) {
 *     // status 0: payload is the answer; STAFET_ENOPROVIDER, STAFET_ETIMEDOUT,
 *     // STAFET_EPROVIDER (error_text says why) or STAFET_EUNAVAIL (hub lost)
 *   }
 *   stafet_client_request(c, "cpr.person.get", cpr, 11, 2000, on_reply, NULL);
 */
typedef struct stafet_request {
  const char *service;
  const char *request_id;            /* the hub's id: pass it to stafet_client_reply() */
  int64_t deadline_ms;               /* Unix milliseconds; an answer after it is not delivered */
  const stafet_envelope_t *envelope; /* valid only during the callback */
  const void *payload;
  size_t payload_len;
} stafet_request_t;

typedef void (*stafet_request_cb)(stafet_client_t *c, const stafet_request_t *req, void *arg);
typedef void (*stafet_reply_cb)(stafet_client_t *c, int status, const char *error_text,
                                const void *payload, size_t len, void *arg);

/* Answers requests for `service` with cb, now and after every reconnect.
 * Waits up to timeout_ms for the hub's ProvideAck. */
int stafet_client_provide(stafet_client_t *c, const char *service, stafet_request_cb cb, void *arg,
                          int timeout_ms);
/* Answers a request (payload copied). Call at most once per request_id. */
int stafet_client_reply(stafet_client_t *c, const char *request_id, const void *payload,
                        size_t len);
/* Answers a request with an error: the requester gets STAFET_EPROVIDER and the text. */
int stafet_client_reply_error(stafet_client_t *c, const char *request_id, const char *error_text);
/* Sends a request (payload copied) with a deadline timeout_ms from now. cb runs
 * exactly once, from a later poll: with the reply, or with an error. A request
 * in flight when the connection to the hub is lost fails with STAFET_EUNAVAIL. */
int stafet_client_request(stafet_client_t *c, const char *service, const void *payload, size_t len,
                          int timeout_ms, stafet_reply_cb cb, void *arg);

/*
 * Writes a new UUIDv7 ("0190a5c8-...-7xxx-...", 36 chars + NUL) to out:
 * 48 bits of Unix milliseconds, 12 bits of sub-millisecond time (so ids from
 * one process sort by time), 62 random bits from getrandom(). Returns 0 or
 * STAFET_EIO. (The client's own message ids also carry a per-client counter,
 * so those are strictly increasing.)
 */
int stafet_id_new(char out[37]);

#ifdef __cplusplus
}
#endif

#endif /* STAFET_H */
