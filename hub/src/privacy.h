/*
 * privacy.h — personal data on its way out of the hub.
 *
 * The hub forwards payloads without decoding them, with two exceptions, both
 * driven by the envelope's sensitivity flags:
 *   PROTECTED  the person has name and address protection: for a receiver
 *              whose adapter is not cleared, every Address in the payload is
 *              removed (found by protobuf-c reflection over the event types
 *              in schemas/stafet/events/v1); a payload of an unknown type is
 *              withheld entirely rather than passed on unchecked.
 *   PERSONAL   the event names a person: each delivery is written to the
 *              audit stream <p>audit (who received which message, when, and
 *              the CPR numbers it names), which `stafet-keys audit`-style
 *              tools and operators query.
 */
#ifndef STAFET_PRIVACY_H
#define STAFET_PRIVACY_H

#include "hub.h"

/*
 * Prepares the payload one receiver may see. *out is initialised here and
 * must be closed by the caller (it is usually handed to net_send). Returns
 * true when something was removed (or the whole payload withheld).
 */
bool privacy_payload_for(hub_t *hub, const session_t *receiver,
                         const Stafet__Wire__V1__Envelope *env, const void *payload, size_t len,
                         zmq_msg_t *out);

/* Records one delivery of a PERSONAL event in the audit stream (no-op for
 * other events). `subscription` may be a transient subscription's name. */
void privacy_audit(hub_t *hub, const session_t *receiver, const char *subscription,
                   const Stafet__Wire__V1__Envelope *env, const void *payload, size_t len,
                   bool stripped);

/* Collects the CPR numbers a payload names (string fields called "cpr" or
 * ending in "_cpr", at any depth) as "a,b,c" into out. Returns how many. */
size_t privacy_cprs(const char *type_name, const void *payload, size_t len, char *out,
                    size_t out_size);

#endif
