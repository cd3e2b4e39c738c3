/*
 * webhook_body.h — what the webhook adapter POSTs for one delivery, and how
 * it is signed (docs/webhook-adapter.md):
 *
 *   {"subscription", "delivery_count", "message_id", "topic", "type_name",
 *    "schema_version", "source", "occurred_at_ms", "published_at_ms",
 *    "correlation_id", "causation_id", "tenant", "sensitivity": [...],
 *    "attributes": {...},
 *    "payload": {...}          format json, when the type is known
 *    "payload_base64": "..."}  format base64, or when it is not
 *
 *   Stafet-Timestamp: <Unix ms of this try>
 *   Stafet-Signature: sha256=<hex HMAC-SHA256(secret, timestamp "." body)>
 */
#ifndef STAFET_WEBHOOK_BODY_H
#define STAFET_WEBHOOK_BODY_H

#include "stafet.h"

#include <stddef.h>

typedef enum { WH_FORMAT_JSON, WH_FORMAT_BASE64 } wh_format_t;

/* The body for delivery d; malloc'ed, the caller's (free). NULL: no memory. */
char *wh_body_render(const stafet_delivery_t *d, wh_format_t format, size_t *len);

/* The two signature header lines for body at time now_ms under secret:
 * ts_header "Stafet-Timestamp: ..." and sig_header "Stafet-Signature:
 * sha256=..." (each 128 bytes). Returns 0 or STAFET_EINVAL. */
int wh_sign_headers(const char *secret, long long now_ms, const char *body, size_t len,
                    char ts_header[128], char sig_header[128]);

#endif
