/*
 * stafet_event_types.h — the event types of schemas/stafet/events/v1,
 * looked up by their full protobuf name (Envelope.type_name). A new event
 * message is listed once, in schemas/event_types.c.
 */
#ifndef STAFET_EVENT_TYPES_H
#define STAFET_EVENT_TYPES_H

#include <protobuf-c/protobuf-c.h>

/* The descriptor of the event type named type_name, or NULL when type_name
 * is NULL or not an event type. */
const ProtobufCMessageDescriptor *stafet_event_type(const char *type_name);

#endif
