/*
 * registry.h — the hub's adapter registry in Redis, for tools: CURVE key
 * pairs, registering and revoking adapter keys, and adapter ACLs. The layout
 * is documented in docs/redis-keys.md and hub/src/auth.h; every change is
 * announced with "keys" on <prefix>changes so running hubs reload at once.
 */
#ifndef STAFET_REGISTRY_H
#define STAFET_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

typedef struct registry registry_t;

/* Connects to Redis: addr "unix:/path" or "host:port"; user/password may be
 * NULL. Returns 0 or a negative STAFET_E*; the reason in err. */
int registry_open(registry_t **out, const char *addr, const char *user, const char *password,
                  const char *prefix, char *err, size_t err_size);
void registry_close(registry_t *r);

/* Writes NAME.key (Z85 secret, mode 0600) and NAME.pub in dir; public_out
 * (41 bytes) gets the public key. */
int registry_keypair_write(const char *dir, const char *name, char *public_out, char *err,
                           size_t err_size);
/* Whether key is a Z85 public key (40 characters); Z85 keys may begin with
 * '-', so the command line takes such an argument as a key, not an option. */
bool registry_key_valid(const char *key);
int registry_key_add(registry_t *r, const char *adapter, const char *public_key, char *err,
                     size_t err_size);
int registry_key_revoke(registry_t *r, const char *public_key, char *err, size_t err_size);
/* Sets an adapter's ACL: newline-separated pattern lists (NULL = empty);
 * clearance "protected" or "". */
int registry_acl_set(registry_t *r, const char *adapter, const char *publish, const char *subscribe,
                     const char *call, const char *provide, const char *clearance, char *err,
                     size_t err_size);
/* Prints the newest audit records (deliveries of personal data), newest
 * first, at most limit of them, those naming cpr and/or delivered to adapter
 * (either may be NULL). */
int registry_audit(registry_t *r, const char *cpr, const char *adapter, long limit, char *err,
                   size_t err_size);
/* Prints keys and ACLs (one line each) to stdout. */
int registry_list(registry_t *r, char *err, size_t err_size);

#endif
