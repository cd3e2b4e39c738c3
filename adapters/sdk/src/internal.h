/*
 * internal.h — the client's state and the functions its modules share.
 * Not installed; nothing here is API.
 *
 * Modules: client.c (lifecycle, publish, accessors), transport.c (the
 * socket, non-blocking sends, clocks, back-off), session.c (Hello/Welcome,
 * heartbeats, dead-hub detection, reconnects, the timers),
 * dispatch.c (one handler per received frame type), consumer.c (subscribe,
 * unsubscribe, ack, nack, credit), loop.c (poll, connect, flush), plus the
 * socket-free helpers outbox.c, subs.c, codec.c, id.c, errors.c.
 *
 * Session states: DOWN (no socket; reconnect_at says when to open one),
 * HELLO (socket open, Hello queued or sent, waiting for Welcome) and UP.
 * Every frame the client sends carries a fresh seq from one counter that
 * never resets, so a seq identifies one frame for the client's whole life and
 * an outbox entry can be re-sent byte for byte in any later session.
 */
#ifndef STAFET_SDK_INTERNAL_H
#define STAFET_SDK_INTERNAL_H

#include "outbox.h"
#include "stafet.h"
#include "stafet/wire/v1/wire.pb-c.h"
#include "subs.h"

#include <stdint.h>
#include <zmq.h>

typedef enum { SDK_DOWN = 0, SDK_HELLO, SDK_UP } sdk_state_t;

/* Per-client UUIDv7 generator state (see id.c). Zero-initialised is ready. */
#define SDK_IDGEN_POOL 512 /* random bytes fetched per getrandom() call */
typedef struct sdk_idgen {
  int64_t last_ms;
  unsigned counter;
  size_t pool_left; /* unused bytes at the end of pool */
  unsigned char pool[SDK_IDGEN_POOL];
} sdk_idgen_t;

/*
 * A blocking call (unsubscribe, subscribe) waiting for the hub's answer. Lives
 * on the waiting call's stack, linked into the client while it waits. An
 * unsubscribe waits for the answer to its frame's seq; a subscribe waits for
 * news about the subscription name (the seq changes when it is re-sent).
 */
typedef struct sdk_op {
  struct sdk_op *next;
  uint64_t seq;     /* unsubscribe: the frame's seq; 0: not sent */
  const char *name; /* subscribe: the subscription's name; NULL otherwise */
  int done;
  int status; /* 0 or STAFET_E* once done */
  int retry;  /* done, but with a retryable error: send again */
} sdk_op_t;

struct stafet_client {
  char *endpoint, *adapter, *instance; /* owned copies of the options */
  char **endpoints;                    /* endpoint split at commas: hubs to fail over between */
  size_t n_endpoints, endpoint_index;  /* the one in use; the next after a lost session */
  unsigned heartbeat_opt, reconnect_min_ms, reconnect_max_ms;
  size_t outbox_max;
  char curve_server[41], curve_public[41], curve_secret[41]; /* "" = no CURVE */

  void *zctx, *sock;
  sdk_state_t state;
  int hello_sent;
  uint64_t hello_seq;
  int hello_error;              /* a non-retryable Error answering Hello, for connect() */
  uint64_t next_seq;            /* never reset: see above */
  unsigned heartbeat_ms;        /* in force: Welcome's value, else the option */
  uint32_t max_frame_bytes;     /* from Welcome; 0: unknown */
  int batch_publishes;          /* from Welcome: the hub takes [Frame][payload] pairs */
  int64_t last_send, last_recv; /* monotonic ms */
  int64_t reconnect_at;
  int64_t last_silent_scan; /* outbox: last look for publishes whose answer was lost */
  unsigned reconnect_attempts;
  char session_id[65];

  sdk_outbox_t outbox;
  sdk_sub_t *subs;
  struct sdk_provider *providers; /* services this client answers (rpc.c) */
  char *ack_sub;                  /* acks not sent yet, of this subscription (consumer.c) */
  char **ack_ids;
  size_t n_acks;
  struct sdk_call *calls; /* requests waiting for a reply (rpc.c) */
  sdk_op_t *ops;
  sdk_idgen_t idgen;
  uint64_t rng; /* xorshift state for back-off jitter */

  stafet_error_cb error_cb;
  void *error_arg;
};

/* --- clock and helpers (transport.c) --- */
int64_t sdk_now_ms(void);                                     /* monotonic */
int64_t sdk_wall_ms(void);                                    /* Unix time */
int64_t sdk_backoff_ms(stafet_client_t *c, unsigned attempt); /* jittered exponential */

/* Opens a DEALER socket connected to the endpoint. 0, STAFET_EINVAL, STAFET_EIO. */
int sdk_socket_open(stafet_client_t *c);
void sdk_socket_close(stafet_client_t *c);
/* Sends frame f (seq assigned here, written to *seq_out if not NULL) with no
 * payload. 0, STAFET_EUNAVAIL (would block: no connection), STAFET_EIO. */
int sdk_send_frame(stafet_client_t *c, Stafet__Wire__V1__Frame *f, uint64_t *seq_out);
/* The same with a payload frame (payload may be NULL: no second frame). */
int sdk_send_frame_payload(stafet_client_t *c, Stafet__Wire__V1__Frame *f, const void *payload,
                           size_t len, uint64_t *seq_out);
/* Sends an outbox entry's bytes as they are. Same returns. */
int sdk_send_entry(stafet_client_t *c, sdk_entry_t *e);
/* Publishes that gather before they are sent together, at most. */
#define SDK_PUBLISHES_PER_MESSAGE 64
/* Sends the outbox's unsent entries, from its cursor: as messages of up to
 * SDK_PUBLISHES_PER_MESSAGE [Frame][payload] pairs when the hub takes them,
 * else one message each; marks them sent. Same returns. */
int sdk_send_unsent(stafet_client_t *c);

/* --- session (session.c) --- */
/* Runs the timers: opens the socket when due, sends Hello, subscriptions,
 * unsent and due publishes, heartbeats; detects a dead hub. 0 or STAFET_E*. */
int sdk_session_tick(stafet_client_t *c);
/* Milliseconds (>= 0) until the next tick has work. */
int sdk_session_next_timer(const stafet_client_t *c, int64_t now);
/* Whether the next wait should also wake when the socket becomes writable. */
int sdk_session_wants_write(const stafet_client_t *c);
/* Closes the socket and schedules a reconnect after back-off. */
void sdk_session_down(stafet_client_t *c);
/* The hub lost our session (NOT_CONNECTED): Hello again on the same socket. */
void sdk_session_rehello(stafet_client_t *c);
/* Welcome arrived: the session is up; subscriptions and outbox are re-sent. */
void sdk_session_welcome(stafet_client_t *c, const Stafet__Wire__V1__Welcome *w);
/* Closes the socket (and context) for good, sending Goodbye if up. */
void sdk_session_close(stafet_client_t *c);

/* --- waiting (loop.c) --- */
/* A condition to wait for: 1 met, 0 not yet, negative: give up with that code. */
typedef int (*sdk_cond_fn)(stafet_client_t *c, void *arg);
/* Polls until cond holds (0), cond fails (its code), timeout (STAFET_ETIMEDOUT)
 * or poll fails. timeout_ms -1: no limit. */
int sdk_wait(stafet_client_t *c, sdk_cond_fn cond, void *arg, int timeout_ms);

/* --- receiving (dispatch.c) --- */
/* Receives and handles every message waiting on the socket. Returns how many. */
int sdk_dispatch_all(stafet_client_t *c);

/* --- waiting calls (consumer.c) --- */
/* Completes the op waiting for seq; 1 if there was one. */
int sdk_ops_complete_seq(stafet_client_t *c, uint64_t seq, int status, int retry);
/* Completes the ops waiting for news about subscription name; returns how many. */
int sdk_ops_complete_name(stafet_client_t *c, const char *name, int status);
/* Marks every op as needing its frame sent again (the session ended). */
void sdk_ops_retry_all(stafet_client_t *c);
/* Sends the acks gathered since the last flush as one Ack frame. */
int sdk_acks_flush(stafet_client_t *c);
/* Forgets gathered acks (the session ended: the hub redelivers those). */
void sdk_acks_drop(stafet_client_t *c);
/* Sends the Subscribe for s (records its seq). 0 or STAFET_E*. */
int sdk_sub_send(stafet_client_t *c, sdk_sub_t *s);

/* --- request/reply (rpc.c) --- */
/* Handles Request, Reply and ProvideAck frames. */
void sdk_rpc_on_request(stafet_client_t *c, const Stafet__Wire__V1__Request *r, zmq_msg_t *payload);
void sdk_rpc_on_reply(stafet_client_t *c, uint64_t seq, const Stafet__Wire__V1__Reply *r,
                      zmq_msg_t *payload);
void sdk_rpc_on_provide_ack(stafet_client_t *c, uint64_t seq);
/* An Error about a request or a Provide: 1 if it was one. */
int sdk_rpc_on_error(stafet_client_t *c, uint64_t seq, const Stafet__Wire__V1__Error *err);
/* Session up: sends Provide for every service. Session lost: fails calls. */
int sdk_rpc_tick(stafet_client_t *c, int64_t now);
void sdk_rpc_session_reset(stafet_client_t *c);
int64_t sdk_rpc_next_deadline(const stafet_client_t *c);
void sdk_rpc_free_all(stafet_client_t *c);

/* --- ids and errors (id.c, errors.c) --- */
int sdk_idgen_next(sdk_idgen_t *g, int64_t now_ms, char out[37]);
int sdk_random_u64(uint64_t *out);
int sdk_hub_code_retryable(int hub_code);

#endif
