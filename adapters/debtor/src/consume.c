/*
 * consume.c — CPR events into instruction files for the debtor system.
 *
 * cpr.person.deceased  -> DOEDSBO_STOP_RYKKER (stop dunning; the estate)
 * cpr.person.relocated -> NY_ADRESSE (the new address)
 *
 * A delivery is acked only after its instruction file is durably in the
 * import directory (written as a temp file, fsync'ed, renamed, directory
 * fsync'ed: spool_write_atomic) and recorded in the store. If the write
 * fails, the delivery is left unsettled: the hub delivers it again after the
 * subscription's ack time-out (a natural back-off while a disk is full), and
 * after max_deliveries it lands in the dead letters with the reason. A
 * payload that cannot be decoded is nacked to the dead letters at once.
 * A delivery that comes again after its file was written (the ack was lost)
 * is recognised by its message id and only acked.
 */
#include "adapter.h"
#include "instruction.h"

#include "stafet.h"
#include "stafet/events/v1/cpr.pb-c.h"

#include <stdio.h>
#include <string.h>

#define LOG(a, level, msg, ...) (a)->api->log((a)->host, level, msg, __VA_ARGS__)

static sdate_t date_of(const Stafet__Events__V1__Date *d) {
  sdate_t out = {0, 0, 0};
  if (d != NULL)
    out.year = d->year, out.month = d->month, out.day = d->day;
  return out;
}

/* Writes the instruction and records it: 0 or a negative error. */
static int write_instruction(debt_adapter_t *a, const debt_instruction_t *in) {
  char text[2048], name[SPOOL_NAME_MAX];
  size_t len;
  int rc = debt_instruction_render(in, text, sizeof text, &len);
  debt_instruction_file_name(in, name);
  if (rc == 0)
    rc = spool_write_atomic(a->import_dir, name, text, len);
  if (rc == 0)
    rc = debt_store_instruction_record(a->store, in->id, debt_instruction_code(in->kind), in->cpr,
                                       name);
  if (rc == 0 && in->kind == DEBT_STOP_DUNNING)
    rc = debt_store_estate_record(a->store, in->cpr, in->date);
  char masked[12];
  cpr_masked(in->cpr, masked);
  if (rc < 0)
    LOG(a, STAFET_LOG_ERROR, "instruction not written, the event will come again",
        "file=%s cpr=%s error=%d", name, masked, rc);
  else
    LOG(a, STAFET_LOG_INFO, "instruction written", "file=%s instruction=%s cpr=%s", name,
        debt_instruction_code(in->kind), masked);
  return rc;
}

/* Decodes the payload into an instruction; unpacked is the caller's to free
 * (through its descriptor). STAFET_EPROTO if it does not decode. */
static int decode(const stafet_delivery_t *d, debt_instruction_t *in, ProtobufCMessage **unpacked) {
  memset(in, 0, sizeof *in);
  in->id = d->envelope->message_id;
  in->protected_ = (d->envelope->sensitivity & STAFET_SENSITIVITY_PROTECTED) != 0;
  if (strcmp(d->envelope->topic, DEBT_TOPIC_DECEASED) == 0) {
    Stafet__Events__V1__Cpr__PersonDeceased *m =
        stafet__events__v1__cpr__person_deceased__unpack(NULL, d->payload_len, d->payload);
    *unpacked = m ? &m->base : NULL;
    if (m == NULL)
      return STAFET_EPROTO;
    in->kind = DEBT_STOP_DUNNING;
    in->cpr = m->cpr;
    in->date = date_of(m->date);
    return 0;
  }
  Stafet__Events__V1__Cpr__PersonRelocated *m =
      stafet__events__v1__cpr__person_relocated__unpack(NULL, d->payload_len, d->payload);
  *unpacked = m ? &m->base : NULL;
  if (m == NULL)
    return STAFET_EPROTO;
  /* The hub removes the address of a protected person for an adapter that is
   * not cleared: the instruction then says only that the person moved. */
  static const Stafet__Events__V1__Address none = STAFET__EVENTS__V1__ADDRESS__INIT;
  const Stafet__Events__V1__Address *na = m->new_address ? m->new_address : &none;
  in->kind = DEBT_NEW_ADDRESS;
  in->cpr = m->cpr;
  in->date = date_of(m->move_date);
  in->street = na->street, in->house_number = na->house_number, in->floor = na->floor;
  in->door = na->door, in->postcode = na->postcode, in->city = na->city;
  in->kommunekode = m->new_kommunekode;
  return 0;
}

/* 1 if this event needs an instruction file, 0 if it is to be acked only. */
static int wanted(debt_adapter_t *a, const debt_instruction_t *in, int *wanted_out) {
  int done = 0, known = 1;
  if (debt_store_instruction_written(a->store, in->id, &done) < 0 ||
      (a->known_debtors_only && debt_store_is_debtor(a->store, in->cpr, &known) < 0))
    return STAFET_EIO;
  *wanted_out = !done && known;
  return 0;
}

void debt_consume(debt_adapter_t *a, const stafet_delivery_t *d) {
  const char *topic = d->envelope->topic;
  if (strcmp(topic, DEBT_TOPIC_DECEASED) != 0 && strcmp(topic, DEBT_TOPIC_RELOCATED) != 0) {
    a->api->nack(a->host, d->subscription, d->delivery_id, 0, "unexpected topic");
    return;
  }
  debt_instruction_t in;
  ProtobufCMessage *unpacked = NULL;
  char cpr[12];
  int rc = decode(d, &in, &unpacked);
  if (rc == 0 && cpr_normalize(in.cpr, strlen(in.cpr), cpr) == 0)
    in.cpr = cpr;
  else
    rc = STAFET_EPROTO;
  if (rc < 0) {
    LOG(a, STAFET_LOG_WARN, "undecodable event, dead-lettered", "topic=%s message_id=%s", topic,
        in.id);
    a->api->nack(a->host, d->subscription, d->delivery_id, 0, "payload does not decode");
    if (unpacked)
      protobuf_c_message_free_unpacked(unpacked, NULL);
    return;
  }
  int want = 0;
  rc = wanted(a, &in, &want);
  if (rc == 0 && want)
    rc = write_instruction(a, &in);
  if (rc == 0) {
    a->api->ack(a->host, d->subscription, d->delivery_id);
    a->api->counter_add(a->host, want ? "debt_instructions_written" : "debt_events_skipped", 1);
  }
  protobuf_c_message_free_unpacked(unpacked, NULL);
}
