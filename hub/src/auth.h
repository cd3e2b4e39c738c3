/*
 * auth.h — who may connect and what they may do.
 *
 * With CURVE on (curve_secret_key_file set), every client authenticates with
 * its key pair; the hub's ZAP handler admits a public key only if the adapter
 * registry in Redis knows it and it is not revoked. Each frame then carries
 * the key (ZeroMQ's User-Id), so a key revoked later is refused at its next
 * frame. ACLs per adapter say which topics it may publish and subscribe to,
 * which services it may call and provide, and whether it is cleared for the
 * fields of persons with name and address protection.
 *
 * Registry in Redis (docs/redis-keys.md): <p>keys (SET of Z85 public keys),
 * <p>key:<z85> (HASH adapter, status active|revoked), <p>acls (SET of adapter
 * names), <p>acl:<adapter> (HASH publish, subscribe, call, provide: patterns
 * separated by newlines; clearance: "protected" or ""). A change is announced
 * as "keys" on the changes channel; the hub reloads its cache.
 */
#ifndef STAFET_AUTH_H
#define STAFET_AUTH_H

#include "hub.h"

/* Whether CURVE and ACLs are on for this hub. */
bool auth_enabled(const hub_t *hub);
/* Reads the secret key and sets up the ZAP handler; call with the ZeroMQ
 * context made, before the ROUTER binds. 0 or STAFET_E*. */
int auth_open(hub_t *hub);
/* Sets CURVE server options on the ROUTER socket. */
int auth_configure_router(hub_t *hub, void *router);
/* Stops the ZAP handler (before the context is terminated). */
void auth_close(hub_t *hub);
/* Frees the cache (after the loop has run the close callbacks). */
void auth_free(hub_t *hub);
/* Reloads keys and ACLs from Redis (on ready and on a "keys" notice). */
void auth_reload(hub_t *hub);

/* The adapter a frame's sender authenticated as, or NULL if its key is not
 * (or no longer) active. With auth off, returns "" (anyone). */
const char *auth_frame_adapter(hub_t *hub, zmq_msg_t *frame);

/* ACL checks for a session; with auth off they all allow. On refusal they
 * write the reason into why. */
bool auth_may_publish(hub_t *hub, const session_t *s, const char *topic, char *why, size_t n);
bool auth_may_subscribe(hub_t *hub, const session_t *s, char *const *patterns, size_t n_patterns,
                        char *why, size_t n);
bool auth_may_call(hub_t *hub, const session_t *s, const char *service, char *why, size_t n);
bool auth_may_provide(hub_t *hub, const session_t *s, const char *service, char *why, size_t n);
/* Whether the session's adapter may see protected persons' addresses. */
bool auth_cleared(hub_t *hub, const session_t *s);

/* True if every topic `pattern` matches is also matched by `allowed`
 * (AMQP topic patterns: '*' one segment, '#' zero or more). */
bool pattern_covers(const char *allowed, const char *pattern);

#endif
