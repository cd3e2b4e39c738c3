/*
 * request.h — request/reply between adapters through the hub (request.c).
 */
#ifndef STAFET_REQUEST_H
#define STAFET_REQUEST_H

#include "hub.h"

/* Takes ownership of frame (a Request) and of payload (moved out). */
void request_on_frame(hub_t *hub, session_t *s, Stafet__Wire__V1__Frame *frame, zmq_msg_t *payload);
/* Takes ownership of frame (a Reply); payload is borrowed. */
void request_on_reply(hub_t *hub, session_t *s, Stafet__Wire__V1__Frame *frame, zmq_msg_t *payload);
void request_on_provide(hub_t *hub, session_t *s, uint64_t seq,
                        const Stafet__Wire__V1__Provide *pr);
/* A HubRequest or HubReply from the pub/sub channel <prefix>rpc:<hub_id>. */
void request_on_hub_message(hub_t *hub, const uint8_t *data, size_t len);
/* Drops the session's providers and fails requests it was answering. */
void request_session_ended(hub_t *hub, session_t *s);
/* Refreshes this hub's entries in the service registry (heartbeat tick). */
void request_announce_all(hub_t *hub);
/* Fails every pending request (SHUTTING_DOWN) and frees the registry. */
void request_free_all(hub_t *hub);

#endif
