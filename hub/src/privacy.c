/*
 * privacy.c — see privacy.h. The event types come from the generated
 * protobuf-c descriptors; walking a decoded message generically means a new
 * event type with an Address or a cpr field is protected and audited without
 * changes here — it only has to be listed in schemas/event_types.c.
 */
#include "privacy.h"

#include "auth.h"
#include "keys.h"
#include "queue_redis.h"
#include "stafet/events/v1/common.pb-c.h"
#include "stafet_event_types.h"

#include <stdlib.h>
#include <string.h>

#define AUDIT_MAXLEN "1000000"

/* Whether field f of message m is present (and for repeated: how many). */
static size_t field_count(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f) {
  const char *base = (const char *)m;
  if (f->label == PROTOBUF_C_LABEL_REPEATED)
    return *(const size_t *)(base + f->quantifier_offset);
  if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
    return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
  if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING)
    return *(void *const *)(base + f->offset) != NULL;
  return 1;
}

/* The i-th value slot of a message or string field. */
static void **field_slot(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, size_t i) {
  char *base = (char *)m;
  if (f->label == PROTOBUF_C_LABEL_REPEATED)
    return &(*(void ***)(base + f->offset))[i];
  return (void **)(base + f->offset);
}

/* Removes every Address below m; returns how many. */
static size_t strip_addresses(ProtobufCMessage *m) {
  size_t removed = 0;
  for (unsigned i = 0; i < m->descriptor->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &m->descriptor->fields[i];
    if (f->type != PROTOBUF_C_TYPE_MESSAGE)
      continue;
    size_t n = field_count(m, f);
    for (size_t k = 0; k < n; k++) {
      void **slot = field_slot(m, f, k);
      if (*slot == NULL)
        continue;
      if (f->descriptor != &stafet__events__v1__address__descriptor) {
        removed += strip_addresses(*slot);
        continue;
      }
      protobuf_c_message_free_unpacked(*slot, NULL);
      *slot = NULL;
      removed++;
    }
    if (removed && f->descriptor == &stafet__events__v1__address__descriptor) {
      if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        free(*(void **)((char *)m + f->offset));
        *(void **)((char *)m + f->offset) = NULL;
        *(size_t *)((char *)m + f->quantifier_offset) = 0;
      } else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        *(uint32_t *)((char *)m + f->quantifier_offset) = 0;
      }
    }
  }
  return removed;
}

bool privacy_payload_for(hub_t *hub, const session_t *receiver,
                         const Stafet__Wire__V1__Envelope *env, const void *payload, size_t len,
                         zmq_msg_t *out) {
  bool protect = (env->sensitivity & STAFET__WIRE__V1__SENSITIVITY__SENSITIVITY_PROTECTED) &&
                 len > 0 && !auth_cleared(hub, receiver);
  if (!protect) {
    zmq_msg_init_size(out, len);
    if (len)
      memcpy(zmq_msg_data(out), payload, len);
    return false;
  }
  const ProtobufCMessageDescriptor *d = stafet_event_type(env->type_name);
  ProtobufCMessage *m = d ? protobuf_c_message_unpack(d, NULL, len, payload) : NULL;
  if (m == NULL) { /* unknown or undecodable: withhold rather than leak */
    zmq_msg_init(out);
    return true;
  }
  strip_addresses(m);
  zmq_msg_init_size(out, protobuf_c_message_get_packed_size(m));
  protobuf_c_message_pack(m, zmq_msg_data(out));
  protobuf_c_message_free_unpacked(m, NULL);
  return true;
}

static bool cpr_field(const char *name) {
  size_t n = strlen(name);
  return strcmp(name, "cpr") == 0 || (n > 4 && strcmp(name + n - 4, "_cpr") == 0);
}

static void collect_cprs(const ProtobufCMessage *m, char *out, size_t out_size, size_t *count) {
  for (unsigned i = 0; i < m->descriptor->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &m->descriptor->fields[i];
    /* Only strings and messages live behind a pointer slot; scalars do not. */
    if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
      continue;
    size_t n = field_count(m, f);
    for (size_t k = 0; k < n; k++) {
      void *value = *field_slot((ProtobufCMessage *)m, f, k);
      if (value == NULL)
        continue;
      if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        collect_cprs(value, out, out_size, count);
      } else if (f->type == PROTOBUF_C_TYPE_STRING && cpr_field(f->name) && *(char *)value) {
        size_t used = strlen(out);
        snprintf(out + used, out_size - used, "%s%s", used ? "," : "", (char *)value);
        (*count)++;
      }
    }
  }
}

size_t privacy_cprs(const char *type_name, const void *payload, size_t len, char *out,
                    size_t out_size) {
  out[0] = '\0';
  const ProtobufCMessageDescriptor *d = stafet_event_type(type_name);
  ProtobufCMessage *m = d && len ? protobuf_c_message_unpack(d, NULL, len, payload) : NULL;
  size_t count = 0;
  if (m != NULL) {
    collect_cprs(m, out, out_size, &count);
    protobuf_c_message_free_unpacked(m, NULL);
  }
  return count;
}

void privacy_audit(hub_t *hub, const session_t *receiver, const char *subscription,
                   const Stafet__Wire__V1__Envelope *env, const void *payload, size_t len,
                   bool stripped) {
  if (!(env->sensitivity & STAFET__WIRE__V1__SENSITIVITY__SENSITIVITY_PERSONAL))
    return;
  char key[KEY_MAX], now[24], cprs[512];
  snprintf(key, sizeof key, "%s%s", hub->cfg.prefix, KEY_AUDIT);
  snprintf(now, sizeof now, "%llu", (unsigned long long)hub_now_ms());
  privacy_cprs(env->type_name, payload, len, cprs, sizeof cprs);
  const char *argv[] = {"XADD",
                        key,
                        "MAXLEN",
                        "~",
                        AUDIT_MAXLEN,
                        "*",
                        "at",
                        now,
                        "adapter",
                        receiver->adapter,
                        "session",
                        receiver->id,
                        "subscription",
                        subscription,
                        "msg_id",
                        env->message_id,
                        "topic",
                        env->topic,
                        "cpr",
                        cprs,
                        "protected_fields_removed",
                        stripped ? "1" : "0",
                        "hub",
                        hub->cfg.hub_id};
  if (store_command(hub, NULL, NULL, (int)(sizeof argv / sizeof argv[0]), argv, NULL) == 0)
    hub->stats.audited++;
  else
    log_error(&hub->log, "audit record not written: redis unavailable", "msg_id=%s adapter=%s",
              env->message_id, receiver->adapter);
}
